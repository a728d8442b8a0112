"""bench.py --frames reads a user's video as antialias_np.frames does: every frame a sequential decoder gives, upright
where the video is flagged to be shown turned (as phones flag portrait video)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.frames import read_frames, study_frame

pytest.importorskip("av")
from video_clips import decode_sequentially, make_clips  # after the skip: it imports PyAV


def test_a_rotated_video_gives_its_upright_frames(tmp_path):
    clip = make_clips(tmp_path)["rotated 90"]
    stored, _ = decode_sequentially(clip)
    upright = [np.rot90(frame, 1) for frame in stored]  # turned 90 degrees counterclockwise, as flagged
    expected = np.stack([study_frame(frame, 32) for frame in upright])
    np.testing.assert_array_equal(read_frames(clip, len(upright), size=32), expected)
