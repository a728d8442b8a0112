"""The float16 convolution (antialias_np/float16.py): the Numba kernel against its plain NumPy reference.

torch's own results are the golden fixtures' (tests/test_golden.py, float16 cases, bit for bit) and the differential
test's; here the kernel must give exactly what the reference computes, NaN and infinities included, for every plan
that uses it. They are compared in float32, before the rounding to float16, which would hide most differences of
order or rounding; the on-grid extras in float16, bit for bit, against their formulas computed as torch computes them,
written out in NumPy; and torch's channels-last kernels, which channel_axis=-1 follows (float16 bilinear's sums, and
the index rule of nearest in every dtype). The pools' float16 sums are tests/test_pooling.py's.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_engine import random_tables
from test_pooling import torch_avg_pool2d

import antialias_np as aa
from antialias_np import _checks
from antialias_np.engine import resample_reference
from antialias_np.float16 import CornerBilinearPlan, TorchOrderPlan, convolution_reference
from antialias_np.gaussian import anti_alias_plan
from antialias_np.weights import BINOMIAL_5, filter_table, fused_multiply_add, nearest_table, truncated_gaussian


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


def torch_conv2d_float16(x: np.ndarray, kernel: np.ndarray, step: int) -> np.ndarray:
    """F.conv2d(x, fl16(kernel), stride=step, padding=side // 2) on a float16 image, as the float16 Gaussian follows
    torch's oneDNN convolution, in plain NumPy: per output, the taps row by row as a chain of float32 fused
    multiply-adds from 0 (the zero padding's taps add nothing), rounded once to float16."""
    weights = kernel.astype(np.float16).astype(np.float32)
    pad = weights.shape[0] // 2
    padded = np.pad(x.astype(np.float32), [(0, 0)] * (x.ndim - 2) + [(pad, pad)] * 2)
    rows, cols = range(0, x.shape[-2], step), range(0, x.shape[-1], step)
    total = np.zeros((*x.shape[:-2], len(rows), len(cols)), np.float32)
    for a in range(weights.shape[0]):
        for b in range(weights.shape[1]):
            values = padded[..., a :: step, b :: step][..., : len(rows), : len(cols)]
            total = fused_multiply_add(weights[a, b], values, total, np.float32)
    with np.errstate(over="ignore"):
        return total.astype(np.float16)


@pytest.mark.parametrize("method", ["box5", "gaussian7", "gaussian9", "binomial"])
def test_extras_in_float16_as_torch_computes_their_formulas(method):
    """box5 as avg_pool2d(x, 5, n, 2) sums float16 (its window's float32 sum, value by value, divided once);
    gaussian7 / gaussian9 as the float16 convolution with fl16(g g^T) in the float16 Gaussian's order; binomial as
    that convolution with [1, 4, 6, 4, 1] / 16 per axis level by level, each level rounded to float16. Bit for bit,
    on [0, 1] images and on full-range signed ones."""
    rng = np.random.default_rng(7)
    images = {"[0, 1]": rng.random((3, 97, 130)), "full range": rng.uniform(-65504, 65504, (3, 97, 130))}
    for (name, image), n in itertools.product(images.items(), (2, 4, 8)):
        x = image.astype(np.float16)
        with np.errstate(over="ignore", invalid="ignore"):
            result = aa.downsample(x, 1 / n, method, channel_axis=-3)
        if method == "box5":
            expected = torch_avg_pool2d(x, 5, n, 2)
        elif method == "binomial":
            expected = x
            for _ in range(n.bit_length() - 1):
                expected = torch_conv2d_float16(expected, np.outer(BINOMIAL_5, BINOMIAL_5), 2)
        else:
            g = truncated_gaussian(1 / n, 7 if method == "gaussian7" else 9)
            expected = torch_conv2d_float16(x, np.outer(g, g), n)
        np.testing.assert_array_equal(result.view(np.uint16), expected.view(np.uint16), f"{name}, 1/{n}")


@pytest.mark.parametrize("channels", [1, 3, 4, 16, 21])
def test_channels_last_bilinear_takes_torchs_channels_last_kernel(channels):
    """channel_axis=-1 equals torch on the channels-last tensor of the same memory,
    torch.from_numpy(hwc).permute(2, 0, 1)[None]: for 4 channels and more torch's channels-last kernel at every
    output size (CornerBilinearPlan), for fewer the kernels of torch layout (generic above h + w = 128, as for
    channel_axis=None). The torch-layout result stays the contiguous tensor's (channel_axis=None)."""
    hwc = np.random.default_rng(channels).random((50, 61, channels)).astype(np.float16)
    chw = np.ascontiguousarray(np.moveaxis(hwc, -1, 0))
    for size in ((40, 30), (90, 70)):
        result = aa.interpolate(hwc, size=size, mode="bilinear", channel_axis=-1)
        torch_layout = aa.interpolate(chw, size=size, mode="bilinear", channel_axis=-3)
        rows, cols = (filter_table(n, m, None, "bilinear", False, False, np.dtype(np.float32))
                      for n, m in zip(chw.shape[-2:], size, strict=True))  # fmt: skip
        corners = CornerBilinearPlan(rows, cols)(chw)
        expected = corners if channels > 3 or sum(size) <= 128 else torch_layout
        np.testing.assert_array_equal(np.moveaxis(result, -1, 0).view(np.uint16), expected.view(np.uint16), str(size))


@pytest.mark.parametrize("channels", [3, 4])
def test_channels_last_nearest_takes_torchs_channels_last_index_rule(channels):
    """nearest with channel_axis=-1 and 4 channels or more picks what torch's channels-last kernel picks for the
    channels-last tensor at any output size (float32 scale times the index: weights.nearest_table's small kernel),
    where torch layout's generic kernel takes another pixel for some outputs (a 565 x 5 image upsampled by 2.13:
    its row 1089)."""
    hwc = np.random.default_rng(5).integers(0, 256, (565, 5, channels), dtype=np.uint8)
    factor = 2.1326507157291044
    result = aa.interpolate(hwc, scale_factor=factor, mode="nearest", channel_axis=-1)
    rows, cols = (nearest_table(n, int(n * factor), factor, False, channels > 3, np.float32).index[:, 0]
                  for n in hwc.shape[:2])  # fmt: skip
    np.testing.assert_array_equal(result, hwc[rows[:, None], cols[None, :]])


@given(rows=random_tables(), cols=random_tables(), planes=st.integers(1, 3))
def test_torch_order_plan_is_the_reference_rounded_to_float16(rows, cols, planes):
    """float16 in torch's order of float32 sums, with non-negative float16 weights as interpolation's are: the exact
    result to within float32 rounding, rounded once, so at most one float16 step from the exact result rounded."""
    (height, row_table), (width, col_table) = rows, cols
    row_table, col_table = (  # every tap used, as in plain bilinear / bicubic
        t._replace(weight=np.abs(t.weight).astype(np.float16), count=np.full_like(t.count, t.index.shape[1]))
        for t in (row_table, col_table)
    )
    x = np.random.default_rng(1).random((planes, height, width)).astype(np.float16)
    result = TorchOrderPlan(row_table, col_table, np.dtype(np.float16))(x)
    expected = resample_reference(x.astype(np.float64), row_table, col_table).astype(np.float16)
    assert result.dtype == np.float16
    steps = np.abs(result.astype(np.float64) - expected) / np.spacing(expected).astype(np.float64)
    assert np.all(steps <= 1)
