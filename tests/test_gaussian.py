"""gaussian.py: FOMM's anti-alias step against a direct convolution; its kernel and its zero padding."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import image_and_size
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.gaussian import anti_alias_reference
from antialias_np.weights import gaussian_table


@pytest.mark.parametrize(("scale", "taps"), [(0.5, 5), (1 / 3, 9), (0.25, 13), (0.125, 29), (0.0625, 61)])
def test_gaussian_kernel_size_and_normalisation(scale, taps):
    kernel = aa.gaussian_kernel(scale)
    assert kernel.shape == (taps,)
    assert kernel.sum() == pytest.approx(1)
    np.testing.assert_array_equal(kernel, kernel[::-1])


@given(case=image_and_size(np.float64), step=st.integers(1, 5))
def test_gaussian_equals_direct_convolution(case, step):
    """The strided separable tables equal the 2-D zero-padded convolution, then [..., ::n, ::n]."""
    x, _ = case
    scale = 1 / step
    result = aa.anti_alias_interpolation(x, scale, channel_axis=-3)
    np.testing.assert_allclose(result, anti_alias_reference(x, scale), atol=1e-12)


@given(value=st.floats(0.1, 10), height=st.integers(1, 40), width=st.integers(1, 40))
def test_gaussian_zero_padding_darkens_exactly_the_border(value, height, width):
    """FOMM's zero padding: a constant c becomes c * (weight of the taps inside the image). It stays c exactly
    where the 13-tap window lies inside (6 <= r <= n - 7 on both axes) and is darker everywhere else."""
    result = aa.anti_alias_interpolation(np.full((height, width), value), 0.25)
    inside = np.outer(kernel_weight_inside(height), kernel_weight_inside(width))
    np.testing.assert_allclose(result, value * inside, rtol=1e-12)
    rows, cols = np.arange(0, height, 4), np.arange(0, width, 4)
    interior = np.outer((rows >= 6) & (rows <= height - 7), (cols >= 6) & (cols <= width - 7))
    np.testing.assert_allclose(result[interior], value, rtol=1e-12)
    assert np.all(result[~interior] < value * (1 - 1e-6))  # the outermost tap weighs 9e-5


def test_gaussian_table_reads_only_kept_rows():
    """Output i reads inputs 4i - 6 .. 4i + 6 that exist: nothing else is ever computed."""
    table = gaussian_table(256, 0.25, 4)
    assert table.n_out == 64
    assert table.index[1, : table.count[1]].tolist() == list(range(0, 11))
    assert table.index[5, : table.count[5]].tolist() == list(range(14, 27))


def kernel_weight_inside(n: int, step: int = 4) -> np.ndarray:
    """For each kept position r = 0, step, ...: the total weight of the 13 Gaussian taps r-6..r+6 inside [0, n)."""
    g = aa.gaussian_kernel(0.25)
    return np.array([g[max(0, 6 - r) : 13 - max(0, r + 7 - n)].sum() for r in range(0, n, step)])
