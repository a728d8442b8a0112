"""gaussian.py: FOMM's anti-alias step against a direct convolution; its kernel (in float16 too), its zero padding
and its scale 1; the on-grid Gaussians' scale 1 and channels."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FIXTURES, image_and_size
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np import _checks
from antialias_np.gaussian import anti_alias_plan, anti_alias_reference
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


def test_float16_kernel_is_fomms():
    """FOMM's float32 kernel rounded to float16, as a FOMM module converted with .half() holds it, at the scales of
    1/2 .. 1/128 where that differs from the float64 g g^T rounded once (8 to 16 weights at 1/35, 1/36, 1/78, ...;
    fixtures/fomm_kernels.npz, made by torch on one thread)."""
    with np.load(FIXTURES / "fomm_kernels.npz") as data:
        kernels = {int(key.split("/")[1]): data[key] for key in data.files if key.startswith("kernel/")}
    assert kernels
    for n, kernel in kernels.items():
        plan = anti_alias_plan(_checks.ImageSpec((1, 4 * n, 4 * n), np.dtype(np.float16)), 1 / n)
        np.testing.assert_array_equal(plan.kernel, kernel.astype(np.float32), f"scale 1/{n}")


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.uint8, np.int16])
@pytest.mark.parametrize("method", ["gaussian", "gaussian7", "gaussian9", "binomial"])
def test_scale_1_returns_the_input_bits(method, dtype):
    """FOMM returns its input at scale 1; so do the Gaussians cut short (a single tap) and the pyramid of no level:
    -0.0 stays -0.0 and NaN keeps its payload, in every layout; an empty channel axis is fine there."""
    x = np.arange(2 * 5 * 7).reshape(2, 5, 7).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x.reshape(-1)[:2] = [-0.0, np.nan]
        x.view(np.uint8)[-1] ^= 1  # a NaN payload or a last bit that no arithmetic keeps as it is
    for layout, image in (("torch", x), ("channels last", np.moveaxis(x, 0, -1))):
        result = aa.downsample(image, 1, method, channel_axis=-3 if layout == "torch" else -1)
        assert result.dtype == x.dtype and result.flags.c_contiguous
        np.testing.assert_array_equal(result.view(np.uint8), np.ascontiguousarray(image).view(np.uint8), layout)
    assert aa.downsample(np.zeros((0, 4, 4), dtype), 1, method, channel_axis=-3).shape == (0, 4, 4)


@pytest.mark.parametrize("method", ["gaussian7", "gaussian9", "binomial"])
def test_cut_gaussians_refuse_an_empty_channel_axis(method):
    """As conv2d, which computes their formulas in torch, and as the study's gaussian."""
    with pytest.raises(ValueError, match=f"method='{method}' needs at least one channel"):
        aa.downsample(np.zeros((0, 16, 16), np.float32), 0.25, method, channel_axis=-3)


def test_anti_alias_interpolation_takes_1_over_n_to_6_digits_with_fomms_blur_for_it():
    """FOMM computes sigma from the scale given and keeps every int(1 / scale)-th pixel: 3 for 0.333333."""
    from antialias_np.gaussian import anti_alias_reference

    x = np.random.default_rng(6).random((2, 31, 29))
    np.testing.assert_allclose(aa.anti_alias_interpolation(x, 0.333333), anti_alias_reference(x, 0.333333),
                               rtol=0, atol=1e-15)  # measured: 3.3e-16  # fmt: skip
