"""Golden tests: antialias_np against torch / kornia outputs saved by tests/fixtures/make_fixtures.py.

Each fixture case names the antialias_np call (`function(input, **kwargs)`) and the torch / kornia call that made
the expected output, made by torch's default (vectorised) CPU kernels. The tolerances are tests/conftest.py's:
selections and integer results bit-exact, linear filters on [0, 1] data within a small measured bound per dtype.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, compare, tolerance

import antialias_np

DETECTOR_FIXTURES = ("fomm", "onet")
"""The benchmark's keypoint detectors, checked with their own tolerances in tests/benchmark/."""
KERNEL_FIXTURES = ("fomm_kernels",)
"""FOMM's float16 kernels, checked by tests/test_gaussian.py."""


def load_cases():
    for path in sorted(FIXTURES.glob("*.npz")):
        if path.stem in DETECTOR_FIXTURES + KERNEL_FIXTURES:
            continue
        with np.load(path) as data:
            for case in json.loads(str(data["cases"])):
                yield pytest.param(path, case, id=f"{path.stem}-{case['id']}")


@pytest.mark.parametrize(("path", "case"), list(load_cases()))
def test_equals_reference(path: Path, case: dict):
    with np.load(path) as data:
        image = data[f"input/{case['input']}"]
        expected = data[f"output/{case['id']}"]
    result = getattr(antialias_np, case["function"])(image, **case["kwargs"])
    error = compare(result, expected)
    assert error <= tolerance(case["function"], case["kwargs"], expected.dtype), f"{case['call']}: error {error}"
