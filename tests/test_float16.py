"""The float16 convolution (antialias_np/float16.py): the Numba kernel against its plain NumPy reference.

torch's own results are the golden fixtures' (tests/test_golden.py, float16 cases, bit for bit) and the differential
test's; here the kernel must give exactly what the reference computes, NaN and infinities included, for every plan
that uses it. They are compared in float32, before the rounding to float16, which would hide most differences of
order or rounding. The pools' float16 sums are tests/test_pooling.py's.
"""

from __future__ import annotations

import numpy as np
import pytest

from antialias_np import _checks
from antialias_np.float16 import convolution_reference
from antialias_np.gaussian import anti_alias_plan


def half_image(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """[0, 4) float16 values with a NaN, an inf and a -inf when the image has room for them."""
    rng = np.random.default_rng(seed)
    x = (rng.random(shape) * 4).astype(np.float16)
    if x.size >= 3:
        x.reshape(-1)[rng.choice(x.size, 3, replace=False)] = [np.nan, np.inf, -np.inf]
    return x


def assert_same_bits(plan, x: np.ndarray) -> None:
    result, expected = plan.float32_result(x), convolution_reference(plan, x)
    assert result.dtype == expected.dtype == np.float32
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(result), nan)
    np.testing.assert_array_equal(result.view(np.uint32)[~nan], expected.view(np.uint32)[~nan])


@pytest.mark.parametrize("scale", [0.5, 1 / 3, 0.25])
def test_gaussian_kernel_equals_reference(scale):
    x = half_image(int(1 / scale), (2, 37, 23))
    plan = anti_alias_plan(_checks.ImageSpec.of(x, "x"), scale)
    assert_same_bits(plan, x)
