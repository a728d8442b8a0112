"""Tests of the scaling section of `bench.py --speed --scaling` (benchmark/threads.py): which inputs it times and
how it reports them. The timing itself is replaced: speed is measured by bench.py, not by tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import antialias_np as aa
from benchmark import threads
from benchmark.timing import Timing


@pytest.fixture
def timed_inputs(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """Every input scaling() times, each "taking" 1 ns per input value (frames are zeros: nothing is resampled)."""
    seen = []

    def frames(n_frames: int, size: int) -> tuple[np.ndarray, None]:
        return np.zeros((n_frames, 3, size, size), np.float32), None

    def measure(call, repeats: int, repeat_time: float) -> Timing:
        image = call.args[0]
        seen.append(image)
        seconds = image.size * 1e-9
        return Timing(seconds, seconds, seconds, seconds, seconds, None)

    monkeypatch.setattr(threads, "synthetic_frames", frames)
    monkeypatch.setattr(threads, "measure", measure)
    return seen


def test_scaling_covers_every_method_to_4096_px_and_batches_of_64(timed_inputs: list[np.ndarray]) -> None:
    rows = threads.scaling(repeats=1, repeat_time=0.0)
    shapes = {(r["batch"], r["size"]) for r in rows}
    assert {(1, 4096), (64, 256)} <= shapes
    for (batch, size), dtype in itertools.product(shapes, ("float32", "uint8")):
        methods = {r["method"] for r in rows if (r["batch"], r["size"], r["dtype"]) == (batch, size, dtype)}
        assert methods == set(aa.METHODS) - ({"bilateral"} if dtype == "uint8" else set())
    assert {str(image.dtype) for image in timed_inputs} == {"float32", "uint8"}
    assert all(r["ns_per_input_value"] == pytest.approx(1.0) for r in rows)


def test_scaling_quick_stays_small(timed_inputs: list[np.ndarray]) -> None:
    threads.scaling(repeats=1, repeat_time=0.0, quick=True)
    assert max(image.size for image in timed_inputs) <= 4 * 3 * 256 * 256


def test_scaling_markdown_gives_ns_per_value_and_ratio_to_one_256_px_frame() -> None:
    rows = [
        {"method": "area", "dtype": "uint8", "batch": batch, "size": size, "us": 0.0, "ns_per_input_value": ns}
        for batch, size, ns in ((1, 256, 0.2), (1, 4096, 0.5), (64, 256, 0.3))
    ]
    lines = threads.scaling_markdown(rows).splitlines()
    assert "### uint8" in lines
    assert "| 1 x 3 x 4096 x 4096 | 0.50 (2.50x) |" in lines
    assert "| 64 x 3 x 256 x 256 | 0.30 (1.50x) |" in lines
