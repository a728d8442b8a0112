"""The antialias-np command on videos as cameras and editors make them: the frames that decode, each at its time,
upright, at a known quality; and a full disk as one line."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from helpers import mounted_tmpfs

import antialias_np as aa
from antialias_np import cli
from antialias_np.frames import open_frames

video_clips = pytest.importorskip("video_clips")  # skipped without PyAV


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    return video_clips.make_clips(tmp_path_factory.mktemp("clips"))


def run(*args, capsys) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("dst", ["out.npy", "out.zarr"])
def test_a_cut_clip_gives_the_frames_that_decode(clips, tmp_path, capsys, dst):
    """The container records 25 frames, 22 decode: the stack holds those 22, no zero frames, and says so."""
    if dst.endswith(".zarr"):
        pytest.importorskip("zarr")
    decoded, _ = video_clips.decode_sequentially(clips["cut"])
    command = ["downsample", clips["cut"], tmp_path / dst, "--scale", 0.5, "--chunk-frames", 8]
    status, out, err = run(*command, capsys=capsys)
    assert status == 0, err
    written = np.concatenate(list(open_frames(tmp_path / dst).blocks(40)))
    np.testing.assert_array_equal(written, aa.downsample(decoded, 0.5, "gaussian", channel_axis=-1))
    assert out.startswith("22 frames in ")


def test_a_video_keeps_its_times_unless_fps_is_given(clips, tmp_path, capsys):
    """12.9 frames per second on average, irregularly: written at the source's times, it plays as long as the
    source; --fps 30 forces a constant rate."""
    _, source_times = video_clips.decode_sequentially(clips["variable rate"])
    assert run("downsample", clips["variable rate"], tmp_path / "kept.mp4", "--scale", 0.5, capsys=capsys)[0] == 0
    assert video_clips.decode_sequentially(tmp_path / "kept.mp4")[1] == source_times  # the first at 0 in both
    command = ["downsample", clips["late start"], tmp_path / "forced.mp4", "--scale", 0.5, "--fps", 30]
    assert run(*command, capsys=capsys)[0] == 0
    assert video_clips.decode_sequentially(tmp_path / "forced.mp4")[1] == [Fraction(i, 30) for i in range(30)]


def test_a_phone_video_comes_out_upright(clips, tmp_path, capsys):
    """Stored turned and flagged to be shown turned back: the output holds the upright pictures, unflagged, so it
    plays upright everywhere, and so do its frames in a stack."""
    decoded, _ = video_clips.decode_sequentially(clips["rotated -90"])
    upright = np.rot90(decoded, -1, axes=(1, 2))
    assert run("downsample", clips["rotated -90"], tmp_path / "out.mp4", "--scale", 0.5, capsys=capsys)[0] == 0
    written, _ = video_clips.decode_sequentially(tmp_path / "out.mp4")
    expected = aa.downsample(upright, 0.5, "gaussian", channel_axis=-1)
    assert written.shape == expected.shape == (30, 24, 16, 3)
    assert np.abs(written.astype(int) - expected).max() <= 3  # measured 2: lossless H.264, YUV rounding only
    av = pytest.importorskip("av")
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert next(container.decode(video=0)).rotation == 0


def test_crf_sets_the_quality_of_a_video_dst(clips, tmp_path, capsys):
    """The default keeps decoded frames within the YUV rounding of the computed ones; --crf 30 trades them for
    size; --crf means nothing for a stack."""
    decoded, _ = video_clips.decode_sequentially(clips["constant rate"])
    expected = aa.downsample(decoded, 0.5, "gaussian", channel_axis=-1)
    errors, sizes = {}, {}
    for crf in ([], ["--crf", 30]):
        dst = tmp_path / f"out{len(crf)}.mp4"
        assert run("downsample", clips["constant rate"], dst, "--scale", 0.5, *crf, capsys=capsys)[0] == 0
        errors[len(crf)] = np.abs(video_clips.decode_sequentially(dst)[0].astype(int) - expected).max()
        sizes[len(crf)] = dst.stat().st_size
    assert errors[0] <= 3  # measured 2
    assert errors[2] > 10 and sizes[2] < sizes[0] / 2  # measured 35 levels, a quarter of the size
    status, _, err = run("downsample", clips["constant rate"], tmp_path / "out.npy", "--crf", 18, capsys=capsys)
    assert status == 2 and "--crf" in err
    status, _, err = run("downsample", clips["constant rate"], tmp_path / "x.mp4", "--crf", 52, capsys=capsys)
    assert status == 2 and "--crf" in err


def test_a_full_disk_writing_a_video_is_one_line(tmp_path):
    """No traceback from a finalizer after the error line, and nothing left on the disk."""
    with mounted_tmpfs(tmp_path / "small", size="64k") as folder:
        noise = np.random.default_rng(0).integers(0, 256, (30, 64, 64, 3), dtype=np.uint8)
        source = video_clips.write_clip(tmp_path / "noise.mp4", noise, list(range(30)), Fraction(1, 10))
        command = [sys.executable, "-m", "antialias_np", "downsample", str(source), str(folder / "out.mp4")]
        big = subprocess.run([*command, "--scale", "1", "--method", "nearest"], capture_output=True, text=True)
        assert big.returncode == 1
        assert big.stderr.startswith("antialias-np: error: ") and big.stderr.count("\n") == 1, big.stderr
        assert "out.mp4" in big.stderr and "No space left" in big.stderr
        assert list(folder.iterdir()) == []
