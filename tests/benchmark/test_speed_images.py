"""benchmark/speed_images.py: the real-image cases, and Pillow measured in another Python (bench.py --pillow-simd)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from benchmark.speed_images import IMAGE_CASES, ImageCase, other_pillow


def test_cases_give_the_documented_shapes():
    for case in IMAGE_CASES:
        image = case.image()
        out = case.run(image)
        small = tuple(int(n * case.scale) for n in case.size)
        assert out.shape == ((*small, 3) if case.channels_last else (3, *small)), case.name
        assert out.dtype == image.dtype == np.dtype(case.dtype)


def test_pillow_in_another_python_gives_timings_and_its_difference():
    """The worker runs in the Python it is given (here this one, whose Pillow is not SIMD's: the same protocol)."""
    pytest.importorskip("PIL")
    cases = [ImageCase("bilinear", "uint8", (64, 48)), ImageCase("bicubic", "uint8", (30, 60), scale=1 / 3)]
    peers = other_pillow(Path(sys.executable), cases, repeats=2, repeat_time=0.001)
    for peer in peers:
        ((name, result),) = peer.items()
        assert name.startswith("Pillow-SIMD ")
        assert 0 < result["timing"].q1 <= result["timing"].median <= result["timing"].q3
        assert result["max_abs_diff"] <= 1  # Pillow's uint8 resampling, which torch's (and ours) follows
