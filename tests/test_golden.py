"""Golden tests: antialias_np against torch / kornia outputs saved by tests/fixtures/make_fixtures.py.

Each fixture case names the antialias_np call (`function(input, **kwargs)`) and the torch / kornia call that made
the expected output. Operations that select values (subsample, nearest, median) and every integer result must be
bit-exact; linear filters on [0, 1] data must agree to 1e-5 (float32) or 1e-10 (float64).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import antialias_np

FIXTURES = Path(__file__).parent / "fixtures"
FLOAT_TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}
SELECTING = {"nearest", "nearest-exact", "subsample", "median", "median_blur"}


def load_cases():
    for path in sorted(FIXTURES.glob("*.npz")):
        if path.stem == "fomm":
            continue  # the keypoint detector has its own tolerances: tests/test_fomm.py
        with np.load(path) as data:
            for case in json.loads(str(data["cases"])):
                yield pytest.param(path, case, id=f"{path.stem}-{case['id']}")


def tolerance(case: dict, expected: np.ndarray) -> float:
    """0 for value-selecting operations and integer outputs, else the float tolerance of the dtype."""
    kwargs = case["kwargs"]
    names = {case["function"], kwargs.get("mode"), kwargs.get("method")}
    if names & SELECTING or expected.dtype.kind in "iu":
        return 0.0
    return FLOAT_TOLERANCE[expected.dtype]


@pytest.mark.parametrize(("path", "case"), list(load_cases()))
def test_equals_reference(path: Path, case: dict):
    with np.load(path) as data:
        image = data[f"input/{case['input']}"]
        expected = data[f"output/{case['id']}"]
    result = getattr(antialias_np, case["function"])(image, **case["kwargs"])
    assert result.shape == expected.shape, case["call"]
    assert result.dtype == expected.dtype, case["call"]
    if expected.dtype.kind == "f":  # NaN exactly where the reference has NaN, the same infinities where it has them
        assert np.array_equal(np.isnan(result), np.isnan(expected)), f"{case['call']}: NaN positions differ"
        infinite = np.isinf(expected)
        assert np.array_equal(result[infinite], expected[infinite]), f"{case['call']}: infinities differ"
    finite = np.isfinite(expected)
    error = np.max(np.abs(result[finite].astype(np.float64) - expected[finite].astype(np.float64)), initial=0.0)
    assert error <= tolerance(case, expected), f"{case['call']}: max abs error {error}"
