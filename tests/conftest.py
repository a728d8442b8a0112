"""Shared by the tests: how a result is compared with torch's, and the tolerance of each dtype."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
FIXTURES = Path(__file__).parent / "fixtures"

settings.register_profile("antialias_np", max_examples=40, deadline=None)  # kernels compile on first call
settings.load_profile("antialias_np")

FLOATS = [np.float32, np.float64]
sides = st.integers(1, 40)


# Images of any shape: callers pass channel_axis=-3, as (2, 1, 1) looks like (H, W, C) and is refused otherwise.
@st.composite
def image_and_size(draw, dtype=np.float32):
    shape = (draw(st.integers(1, 3)), draw(sides), draw(sides))
    size = (draw(sides), draw(sides))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).random(shape).astype(dtype), size

TOLERANCE = {
    np.dtype(np.uint8): 0.0,  # torch's fixed point, bit for bit
    np.dtype(np.float16): 0.0,  # torch's float16 CPU kernels followed step by step (antialias_np/float16.py):
    # measured bit for bit in 3,000 differential cases (before: 1 output in 1,000 to 1 in 25 one step off)
    np.dtype(np.float32): 2e-6,  # measured: 1.2e-6 against torch's AVX2 / AVX512 kernels on [0, 1] inputs
    np.dtype(np.float64): 1e-12,  # measured: 1.8e-15
}
"""Largest absolute difference from torch / kornia allowed on [0, 1] inputs, for operations that compute values."""


def pytest_addoption(parser):
    parser.addoption("--differential", action="store_true",
                     help="run tests/test_differential.py against live torch and kornia (the fixtures extra)")


def pytest_ignore_collect(collection_path, config):
    """The default run never imports torch: the fixture scripts (torch's side) are not collected, and the
    differential test only with --differential."""
    if collection_path.name == "fixtures" and collection_path.parent == Path(__file__).parent:
        return True
    return collection_path.name == "test_differential.py" and not config.getoption("--differential")


def pytest_sessionfinish(session, exitstatus):
    """Fail a default run that imported torch (which would hide a missing install step of the test command)."""
    if "torch" in sys.modules and not session.config.getoption("--differential"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nthe default test run imported torch; it must not (see tests/conftest.py)")


SELECTING = {"nearest", "nearest-exact", "subsample", "median", "median_blur"}
"""Operations that select input values: bit-exact in every dtype."""


FLOAT16_CONVOLUTION_ELSEWHERE = 2**-10
"""float16 Gaussian against a live torch that convolves without oneDNN (CPUs without AVX512-FP16 or AMX-FP16:
slow_conv2d, another summation order): measured one float16 step in 1.5e-4 of the outputs, never more."""


def tolerance(function: str, kwargs: dict, dtype: np.dtype, onednn_float16: bool = True) -> float:
    """The largest difference allowed for `function` on `dtype`; onednn_float16: torch convolves float16 with
    oneDNN, as it did for the fixtures (False for a live torch on a CPU without AVX512-FP16)."""
    names = {function, kwargs.get("mode"), kwargs.get("method")}
    if names & SELECTING or np.dtype(dtype).kind in "iu":
        return 0.0
    if np.dtype(dtype) == np.float16 and function == "anti_alias_interpolation" and not onednn_float16:
        return FLOAT16_CONVOLUTION_ELSEWHERE
    return TOLERANCE[np.dtype(dtype)]


def compare(result: np.ndarray, expected: np.ndarray) -> float:
    """The largest difference over finite values, absolute up to 1 and relative above; inf if the shape, the dtype,
    or the positions of NaN and of each infinity differ."""
    if result.shape != expected.shape or result.dtype != expected.dtype:
        return np.inf
    if expected.dtype.kind == "f":
        if not np.array_equal(np.isnan(result), np.isnan(expected)):
            return np.inf
        infinite = np.isinf(expected)
        if not np.array_equal(np.isinf(result), infinite) or not np.array_equal(result[infinite], expected[infinite]):
            return np.inf
    finite = np.isfinite(expected)
    expected_values = expected[finite].astype(np.float64)
    difference = np.abs(result[finite].astype(np.float64) - expected_values) / np.maximum(np.abs(expected_values), 1)
    return float(np.max(difference, initial=0))


@pytest.fixture(scope="session")
def frames_and_truth():
    """The harness's tests: 8 synthetic study frames (seed 1) and their landmarks."""
    from benchmark.synthetic import synthetic_frames

    return synthetic_frames(8, seed=1)
