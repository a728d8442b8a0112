"""pooling.py: avg_pool2d and adaptive_avg_pool2d (area) properties; exact integer means: test_integer_images.py."""

from __future__ import annotations

import numpy as np
from conftest import image_and_size
from hypothesis import assume, given
from hypothesis import strategies as st

import antialias_np as aa


@given(case=image_and_size(np.float64), k=st.integers(1, 4))
def test_avg_pool_equals_area_when_kernel_divides(case, k):
    x, _ = case
    x = x[..., : x.shape[-2] // k * k or None, : x.shape[-1] // k * k or None]
    assume(min(x.shape[-2:]) >= k)
    size = (x.shape[-2] // k, x.shape[-1] // k)
    result = aa.avg_pool2d(x, k, channel_axis=-3)
    np.testing.assert_allclose(result, aa.adaptive_avg_pool2d(x, size, channel_axis=-3), atol=1e-12)


def test_integer_images_are_rounded_not_truncated():
    x = np.array([[0, 1], [1, 1]], np.uint8)  # mean 0.75
    assert aa.avg_pool2d(x, 2).tolist() == [[1]]
    assert aa.adaptive_avg_pool2d(np.array([[0, 1, 0, 0]], np.int16), (1, 1)).tolist() == [[0]]
