"""The float16 windowed sums (antialias_np/float16.py): the Numba kernel against its plain NumPy reference.

torch's own results are the golden fixtures' (tests/test_golden.py, float16 cases, bit for bit); here the kernel
must give exactly what the reference computes, NaN and infinities included, for every plan that uses it. They are
compared in float32, before the rounding to float16, which would hide most differences of order or rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antialias_np import _checks
from antialias_np.float16 import window_sums_reference
from antialias_np.gaussian import anti_alias_plan
from antialias_np.pooling import adaptive_avg_pool_plan, avg_pool_plan


def half_image(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """[0, 4) float16 values with a NaN, an inf and a -inf when the image has room for them."""
    rng = np.random.default_rng(seed)
    x = (rng.random(shape) * 4).astype(np.float16)
    if x.size >= 3:
        x.reshape(-1)[rng.choice(x.size, 3, replace=False)] = [np.nan, np.inf, -np.inf]
    return x


def assert_same_bits(plan, x: np.ndarray) -> None:
    result, expected = plan.float32_result(x), window_sums_reference(plan, x)
    assert result.dtype == expected.dtype == np.float32
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(result), nan)
    np.testing.assert_array_equal(result.view(np.uint32)[~nan], expected.view(np.uint32)[~nan])


@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_adaptive_kernel_equals_reference(h, w, h_out, w_out, seed):
    x = half_image(seed, (2, h, w))
    plan = adaptive_avg_pool_plan(_checks.ImageSpec.of(x, "x"), (min(h_out, h), min(w_out, w)))
    assert_same_bits(plan, x)


@pytest.mark.parametrize("options", [
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": (2, 3), "stride": 1, "padding": (1, 1), "divisor_override": -7},
])  # fmt: skip
@given(st.integers(3, 30), st.integers(3, 30), st.integers(0, 2**32 - 1))
def test_avg_pool_kernel_equals_reference(options, h, w, seed):
    x = half_image(seed, (1, 2, h, w))
    plan = avg_pool_plan(_checks.ImageSpec.of(x, "x"), **options)
    assert_same_bits(plan, x)


@pytest.mark.parametrize("scale", [0.5, 1 / 3, 0.25])
def test_gaussian_kernel_equals_reference(scale):
    x = half_image(int(1 / scale), (2, 37, 23))
    plan = anti_alias_plan(_checks.ImageSpec.of(x, "x"), scale)
    assert_same_bits(plan, x)
