"""The float16 kernels (antialias_np/float16.py, antialias_np/_half.py) against plain NumPy references.

torch's own results are the golden fixtures' (tests/test_golden.py, float16 cases, bit for bit) and the differential
test's; here each Numba kernel must give exactly what its reference computes, NaN and infinities included: the
convolution, and plain bilinear / bicubic in torch's two summation orders (its generic kernel's and its channels-last
kernel's, written out here step by step with an exact fused multiply-add). They are compared in float32, before the
rounding to float16, which would hide most differences of order or rounding. Also: the float16 conversions against
NumPy's, the on-grid extras in float16, bit for bit, against their formulas computed as torch computes them, written
out in NumPy; and torch's channels-last kernels, which channel_axis=-1 follows (float16 bilinear's sums, and the index
rule of nearest in every dtype). The pools' float16 sums are tests/test_pooling.py's.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine import random_tables
from test_pooling import torch_adaptive_avg_pool2d, torch_avg_pool2d

import antialias_np as aa
from antialias_np import _checks
from antialias_np._half import contiguous_as
from antialias_np.engine import resample_reference
from antialias_np.float16 import (
    HALF_BLOCK_BYTES,
    CornerBilinearPlan,
    HalfBoxPlan,
    TorchOrderPlan,
    convolution_reference,
    row_blocks,
)
from antialias_np.gaussian import anti_alias_plan
from antialias_np.weights import (
    BINOMIAL_5,
    adaptive_box_table,
    filter_table,
    fused_multiply_add,
    nearest_table,
    truncated_gaussian,
)


def half_image(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """[0, 4) float16 values with a NaN, an inf and a -inf when the image has room for them."""
    rng = np.random.default_rng(seed)
    x = (rng.random(shape) * 4).astype(np.float16)
    if x.size >= 3:
        x.reshape(-1)[rng.choice(x.size, 3, replace=False)] = [np.nan, np.inf, -np.inf]
    return x


def assert_same_bits(plan, x: np.ndarray, reference=convolution_reference) -> None:
    """plan.float32_result(x) is reference(plan, x), bit for bit (NaN at the same places)."""
    result, expected = plan.float32_result(x), reference(plan, x)
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


def chain(terms: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """sum values * weights over the terms in the order given, in float32: the first product rounded, each later one
    fused into the total with one rounding, fma(v2, w2, fma(v1, w1, v0 w0))."""
    (values, weights), *rest = terms
    total = values * weights
    for values, weights in rest:
        total = fused_multiply_add(values, weights, total, np.float32)
    return total


def generic_order(terms: list) -> list:
    """torch's generic kernel, `output = t0 * w0; output += t1 * w1; ...` as GCC contracts it: the chain 1, 0, 2, 3,
    ... (the second product rounded, the first fused into it)."""
    return [terms[1], terms[0], *terms[2:]] if len(terms) > 1 else terms


def torch_order_reference(plan: TorchOrderPlan, x: np.ndarray) -> np.ndarray:
    """TorchOrderPlan.float32_result in NumPy: along the width, then along the height, each in the generic order."""
    rows, cols = plan.rows, plan.cols
    x = x.astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        along_width = [
            chain(generic_order([(x[..., rows.index[:, r, None], cols.index[None, :, c]],
                                  cols.weight[:, c].astype(np.float32)) for c in range(cols.index.shape[1])]))
            for r in range(rows.index.shape[1])
        ]  # fmt: skip
        along_height = [(v, rows.weight[:, r, None].astype(np.float32)) for r, v in enumerate(along_width)]
        return chain(generic_order(along_height))


def corner_reference(plan: CornerBilinearPlan, x: np.ndarray) -> np.ndarray:
    """CornerBilinearPlan.float32_result in NumPy: the corners 00, 01, 10, 11 with weights fl32(w_r w_c), in that order
    for the channels left over from whole vectors, backwards for the others."""
    rows, cols = plan.rows, plan.cols
    x = x.astype(np.float32)
    terms = [(x[..., rows.index[:, r, None], cols.index[None, :, c]],
              (rows.weight[:, r, None] * cols.weight[None, :, c]).astype(np.float32))
             for r in range(rows.index.shape[1]) for c in range(cols.index.shape[1])]  # fmt: skip
    with np.errstate(invalid="ignore", over="ignore"):
        out = chain(terms)
        channels = x.shape[-3] if x.ndim > 2 else 1
        vectors = channels - channels % plan.VECTOR_CHANNELS
        if vectors:
            out[..., :vectors, :, :] = chain([(v[..., :vectors, :, :], w) for v, w in terms[::-1]])
    return out


RESIZES = [((37, 23), (9, 6), False), ((64, 64), (16, 16), False), ((30, 41), (71, 95), False),
           ((50, 61), (13, 80), True), ((1, 9), (4, 3), False), ((17, 1), (5, 1), True)]  # fmt: skip
"""(input, output, align_corners): downscales by integer and other factors, upscales, one axis up and one down,
align_corners, single rows and columns."""


@pytest.mark.parametrize(("size", "out", "align_corners"), RESIZES)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_torch_order_kernel_equals_reference(mode, size, out, align_corners):
    """The compiled generic order, in float32 before the rounding and in float16 after it, on float16 tables as
    interpolate builds them; NaN and infinities where the image has room for them."""
    x = half_image(sum(size), (2, 3, *size))
    rows, cols = (filter_table(n, m, None, mode, align_corners, False, np.dtype(np.float16))
                  for n, m in zip(size, out, strict=True))  # fmt: skip
    plan = TorchOrderPlan(rows, cols, np.dtype(np.float16))
    assert_same_bits(plan, x, torch_order_reference)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = torch_order_reference(plan, x).astype(np.float16)
    np.testing.assert_array_equal(plan(x).view(np.uint16)[~np.isnan(expected)],
                                  expected.view(np.uint16)[~np.isnan(expected)])  # fmt: skip


@pytest.mark.parametrize(("size", "out", "align_corners"), RESIZES)
@pytest.mark.parametrize("channels", [3, 17])
def test_corner_kernel_equals_reference(channels, size, out, align_corners):
    """The compiled channels-last corner order, with channels in whole vectors (17: 16 of them) and left over."""
    x = half_image(channels, (channels, *size))
    rows, cols = (filter_table(n, m, None, "bilinear", align_corners, False, np.dtype(np.float32))
                  for n, m in zip(size, out, strict=True))  # fmt: skip
    assert_same_bits(CornerBilinearPlan(rows, cols), x, corner_reference)


@given(rows=random_tables(), cols=random_tables(), planes=st.integers(1, 3))
def test_torch_order_kernel_equals_reference_on_any_tables(rows, cols, planes):
    """Any indices (repeated, out of order) and weights of either sign, every tap used."""
    (height, row_table), (width, col_table) = rows, cols
    row_table, col_table = (
        t._replace(weight=t.weight.astype(np.float16), count=np.full_like(t.count, t.index.shape[1]))
        for t in (row_table, col_table)
    )
    x = np.random.default_rng(2).uniform(-4, 4, (planes, height, width)).astype(np.float16)
    assert_same_bits(TorchOrderPlan(row_table, col_table, np.dtype(np.float16)), x, torch_order_reference)


def test_kernels_equal_references_over_many_blocks():
    """Images tall and wide enough that the kernels make their outputs in several blocks of rows (RowBlocks), with
    input rows shared by two blocks."""
    size, out = (300, HALF_BLOCK_BYTES // 300), (97, 40)
    x = half_image(9, (1, *size))
    rows, cols = (filter_table(n, m, None, "bicubic", False, False, np.dtype(np.float16))
                  for n, m in zip(size, out, strict=True))  # fmt: skip
    plan = TorchOrderPlan(rows, cols, np.dtype(np.float16))
    assert len(row_blocks(rows.index, 4 * (size[1] + 2 * out[1])).first_output) > 3
    assert_same_bits(plan, x, torch_order_reference)
    rows, cols = (filter_table(n, m, None, "bilinear", False, False, np.dtype(np.float32))
                  for n, m in zip(size, out, strict=True))  # fmt: skip
    assert_same_bits(CornerBilinearPlan(rows, cols), x, corner_reference)


def test_row_blocks_hold_every_tap_of_their_outputs():
    """Each output row's taps are among its block's rows, at their slots; no block holds more rows than fit (but
    for one output's own taps)."""
    rng = np.random.default_rng(3)
    index = np.sort(rng.integers(0, 500, (200, 4)), axis=1)
    blocks = row_blocks(index, HALF_BLOCK_BYTES // 10)
    for b in range(len(blocks.first_output) - 1):
        held = blocks.rows[blocks.first_row[b] : blocks.first_row[b + 1]]
        assert len(held) <= 10 and len(set(held.tolist())) == len(held)
        outputs = slice(blocks.first_output[b], blocks.first_output[b + 1])
        np.testing.assert_array_equal(held[blocks.slot[outputs]], index[outputs])
    assert blocks.first_output[0] == 0 and blocks.first_output[-1] == len(index)


def test_half_conversions_equal_numpys():
    """Every float16 widened to float32 (NaN kept NaN), and float32 values rounded to float16 as NumPy rounds them:
    every midpoint between two neighbouring float16 values (the ties, to even) and its two float32 neighbours, float32
    values from below float16's smallest subnormal to beyond its largest finite value (subnormals, overflow to
    infinity) at a prime stride, and random bit patterns of every kind; in images of a few shapes."""
    every_half = np.arange(2**16, dtype=np.uint16).view(np.float16).reshape(256, 256)
    widened = contiguous_as(every_half, np.float32)
    nan = np.isnan(every_half)
    np.testing.assert_array_equal(np.isnan(widened), nan)
    np.testing.assert_array_equal(widened[~nan], every_half[~nan].astype(np.float32))
    finite = np.arange(0x7C00, dtype=np.uint16).view(np.float16).astype(np.float64)
    ties = ((finite[:-1] + finite[1:]) / 2).astype(np.float32)  # exact: 12 significant bits
    near_ties = np.concatenate([ties, np.nextafter(ties, 0), np.nextafter(ties, np.inf)])
    span = np.arange(np.float32(2.0**-26).view(np.uint32), np.float32(2.0**17).view(np.uint32), 4099, np.uint32)
    samples = np.random.default_rng(4).integers(0, 2**32, 2**20, dtype=np.uint64).astype(np.uint32)
    for values in (near_ties.reshape(3, -1), span.view(np.float32)[: span.size // 1000 * 1000].reshape(-1, 1000),
                   samples.view(np.float32).reshape(2, 8, -1)):  # fmt: skip
        values = np.concatenate([values, -values], axis=-1)
        with np.errstate(over="ignore", invalid="ignore"):
            expected = values.astype(np.float16)
        rounded = contiguous_as(values, np.float16)
        nan = np.isnan(values)
        np.testing.assert_array_equal(np.isnan(rounded), nan)
        np.testing.assert_array_equal(rounded[~nan].view(np.uint16), expected[~nan].view(np.uint16))


@settings(max_examples=60)
@given(st.integers(1, 45), st.integers(1, 70), st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_half_box_kernel_equals_torch_order(height, width, h_out, w_out, seed):
    """HalfBoxPlan against torch's pooling order in NumPy (tests/test_pooling.py): windows of up to WIDEST columns and
    any number of rows, overlapping or not, NaN and infinities."""
    rng = np.random.default_rng(seed)
    width = min(width, w_out * HalfBoxPlan.WIDEST // 2)  # adaptive windows at most 2 width / w_out wide
    x = rng.uniform(-4, 4, (2, height, width)).astype(np.float16)
    x.reshape(-1)[rng.integers(0, x.size, 3)] = [np.nan, np.inf, -np.inf]
    size = (min(h_out, height), min(w_out, width))
    rows, cols = (adaptive_box_table(n, m) for n, m in zip((height, width), size, strict=True))
    assert cols.count.max() <= HalfBoxPlan.WIDEST
    with np.errstate(invalid="ignore"):
        expected = torch_adaptive_avg_pool2d(x, size)
    result = HalfBoxPlan(rows, cols, rows.count[:, None], cols.count[None, :])(x)
    np.testing.assert_array_equal(result.view(np.uint16), expected.view(np.uint16))


@pytest.mark.parametrize("shape", [(3, 64, 64), (1, 1500, 900)])  # the second: many blocks of rows
def test_half_box_pools_equal_torch_order(shape):
    """avg_pool2d on float16 windows up to 4 wide (HalfBoxPlan), padded, with ceil_mode, count_include_pad=False, and
    negative divisors (a window of zeros gives +0.0), bit for bit against torch's order in NumPy."""
    x = half_image(shape[1], shape)
    x.reshape(-1)[:: x.size // 7] = -0.0
    for k, stride, padding, ceil_mode, include, divisor in [(4, 4, 0, False, True, None), (3, 2, 1, True, False, None),
                                                            (2, 2, 0, False, True, -7), (4, 3, 2, True, True, 5)]:
        with np.errstate(invalid="ignore", over="ignore"):
            expected = torch_avg_pool2d(x, k, stride, padding, ceil_mode, include, divisor)
            result = aa.avg_pool2d(x, k, stride, padding, ceil_mode, include, divisor)
        np.testing.assert_array_equal(result.view(np.uint16), expected.view(np.uint16), str((k, stride, padding)))
