"""pooling.py: avg_pool2d and adaptive_avg_pool2d (area) against torch's summation order written out in NumPy, and
their properties; exact integer means: test_exact_integers.py; against torch itself: test_differential.py."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import image_and_size
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np import _checks
from antialias_np.float16 import HalfBoxPlan
from antialias_np.pooling import SequentialBoxPlan, adaptive_avg_pool_plan
from antialias_np.weights import adaptive_box_table


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


# torch's CPU pooling on float images, written out in plain NumPy (AvgPoolKernel.cpp, cpu_avg_pool2d;
# AdaptiveAvgPoolKernel.cpp, cpu_adaptive_avg_pool2d): per output, `sum = 0; for ih: for iw: sum += x[ih, iw]` in
# the accumulator dtype, then one division (avg_pool2d, whose result is added to a zeroed output) or two.


def torch_window_sums(x: np.ndarray, rows: tuple, cols: tuple) -> np.ndarray:
    """The sum of each window [rows[0][i], rows[1][i]) x [cols[0][j], cols[1][j]) as torch makes it: value by
    value from 0, row by row, in float32 (float16 and float32 images) or float64."""
    accumulator = np.float64 if x.dtype == np.float64 else np.float32
    x = x.astype(accumulator)
    (row_starts, row_ends), (col_starts, col_ends) = rows, cols
    total = np.zeros((*x.shape[:-2], len(row_starts), len(col_starts)), accumulator)
    for r in range(int((row_ends - row_starts).max())):
        for c in range(int((col_ends - col_starts).max())):
            inside = (row_starts + r < row_ends)[:, None] & (col_starts + c < col_ends)[None, :]
            values = x[..., np.minimum(row_starts + r, x.shape[-2] - 1)[:, None],
                       np.minimum(col_starts + c, x.shape[-1] - 1)[None, :]]  # fmt: skip
            total = total + np.where(inside, values, accumulator(0))  # + 0.0 outside: the sum is never -0.0
    return total


def torch_avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                     divisor_override=None):  # fmt: skip
    stride = stride or kernel_size
    windows, sizes = [], []
    for n in x.shape[-2:]:
        n_out = (n + 2 * padding - kernel_size + (stride - 1 if ceil_mode else 0)) // stride + 1
        if ceil_mode and (n_out - 1) * stride >= n + padding:
            n_out -= 1
        starts = np.arange(n_out) * stride - padding
        ends = np.minimum(starts + kernel_size, n + padding)
        sizes.append((ends - starts) if count_include_pad else (np.minimum(ends, n) - np.maximum(starts, 0)))
        windows.append((np.maximum(starts, 0), np.minimum(ends, n)))
    total = torch_window_sums(x, *windows)
    divisor = divisor_override if divisor_override is not None else sizes[0][:, None] * sizes[1][None, :]
    return (total.dtype.type(0) + total / np.asarray(divisor, total.dtype)).astype(x.dtype)


def torch_adaptive_avg_pool2d(x, output_size):
    """For output sizes other than 1 x 1, which torch computes as the image's mean (fixtures/mean.npz)."""
    windows = []
    for n, m in zip(x.shape[-2:], output_size, strict=True):
        i = np.arange(m)
        windows.append(((i * n) // m, -((-(i + 1) * n) // m)))
    total = torch_window_sums(x, *windows)
    (row_starts, row_ends), (col_starts, col_ends) = windows
    heights = (row_ends - row_starts).astype(total.dtype)[:, None]
    widths = (col_ends - col_starts).astype(total.dtype)[None, :]
    return (total / heights / widths).astype(x.dtype)


def photo() -> np.ndarray:
    """The benchmark's photo (224 x 224 RGB) as a (3, 224, 224) float image in [0, 1]."""
    import imageio.v3 as iio

    return iio.imread(Path(__file__).parents[1] / "benchmark/data/astronaut_face.png").transpose(2, 0, 1) / 255


SMOOTH_IMAGES = {
    "black": lambda: np.zeros((1, 256, 256)),
    "flat 0.9": lambda: np.full((2, 256, 256), 0.9),
    "flat 0.7": lambda: np.full((1, 259, 259), 0.7),
    "ramp": lambda: np.linspace(0, 1, 256 * 256).reshape(1, 256, 256),
    "photo": photo,
}
"""Images on which torch's float32 sums drift from the exact mean as windows grow (1.8e-6 at 1/16, 8.8e-6 at 1/32,
3.5e-5 at 1/64 on the flat 0.9 frame, measured against torch 2.13)."""


@pytest.mark.parametrize("image", SMOOTH_IMAGES)
def test_float_pools_equal_torch_at_every_scale(image):
    """float16 bit for bit (a window of zeros over a negative divisor is +0.0, as there); float32 and float64 within
    their promise (2e-6, 1e-12), and bit for bit where torch's rounding could leave it (float32 windows larger than
    6 x 6): area, avgpool and divisor_override down to 1/128."""
    for dtype, n in itertools.product((np.float16, np.float32, np.float64), (2, 4, 6, 7, 8, 16, 32, 64, 128)):
        x = SMOOTH_IMAGES[image]().astype(dtype)
        promise = {np.float16: 0, np.float32: 2e-6, np.float64: 1e-12}[dtype]
        size = (max(1, x.shape[-2] // n), max(1, x.shape[-1] // n))
        calls = {
            "area": (aa.downsample(x, 1 / n, "area") if min(x.shape[-2:]) >= n and size != (1, 1) else None,
                     torch_adaptive_avg_pool2d(x, size)),
            "adaptive 37 x 7": (aa.adaptive_avg_pool2d(x, (max(1, x.shape[-2] // 37), max(1, x.shape[-1] // 7))),
                                torch_adaptive_avg_pool2d(x, (max(1, x.shape[-2] // 37), max(1, x.shape[-1] // 7)))),
            "avgpool": (aa.avg_pool2d(x, n), torch_avg_pool2d(x, n)),
            "divisor_override": (aa.avg_pool2d(x, n, divisor_override=n + 3),
                                 torch_avg_pool2d(x, n, divisor_override=n + 3)),
            "negative divisor": (aa.avg_pool2d(x, n, divisor_override=-7), torch_avg_pool2d(x, n, divisor_override=-7)),
            "padded, ceil_mode": (aa.avg_pool2d(x, n + 1, n, (n + 1) // 2, True, False),
                                  torch_avg_pool2d(x, n + 1, n, (n + 1) // 2, True, False)),
        }
        for name, (result, expected) in calls.items():
            if result is None:
                continue
            where = f"{name} at 1/{n}, {x.dtype}"
            assert result.dtype == expected.dtype, where
            if dtype == np.float16 or (dtype == np.float32 and n >= 7):
                np.testing.assert_array_equal(result.view(np.uint16 if dtype == np.float16 else np.uint32),
                                              expected.view(np.uint16 if dtype == np.float16 else np.uint32), where)
            error = np.max(np.abs(result - expected.astype(np.float64)) / np.maximum(np.abs(expected), 1))
            assert error <= promise, f"{where}: {error}"


@settings(max_examples=60)
@given(st.integers(1, 45), st.integers(1, 70), st.integers(1, 12), st.integers(1, 12), st.sampled_from([np.float32,
       np.float64]), st.integers(0, 2**32 - 1))  # fmt: skip
def test_sequential_kernel_equals_torch_order(height, width, h_out, w_out, dtype, seed):
    """SequentialBoxPlan's vector kernel against the plain loops: windows of any size, overlapping or not, narrow
    and wide (both load shapes, masked and not), outputs fewer and more than a vector, windows at the end of the
    plane (read value by value), NaN and infinities."""
    rng = np.random.default_rng(seed)
    x = rng.random((2, height, width)).astype(dtype)
    x.reshape(-1)[rng.integers(0, x.size, 3)] = [np.nan, np.inf, -np.inf]
    size = (min(h_out, height), min(w_out, width))
    rows, cols = (adaptive_box_table(n, m) for n, m in zip((height, width), size, strict=True))
    plan = SequentialBoxPlan(rows, cols, rows.count[:, None], cols.count[None, :], dtype)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(plan(x), torch_adaptive_avg_pool2d(x, size))


def test_separable_sums_only_where_proven_within_the_promise():
    """float32 windows up to 6 x 6 are summed per axis (the bound of separable_within_promise: 1.8e-6 at 6 x 6),
    7 x 7 and larger in torch's order; float16 always in torch's order."""
    spec = _checks.ImageSpec((1, 84, 84), np.dtype(np.float32))
    assert not isinstance(adaptive_avg_pool_plan(spec, (14, 14)), SequentialBoxPlan)  # 6 x 6
    assert isinstance(adaptive_avg_pool_plan(spec, (12, 12)), SequentialBoxPlan)  # 7 x 7
    float16_plan = adaptive_avg_pool_plan(spec._replace(dtype=np.dtype(np.float16)), (42, 42))
    assert isinstance(float16_plan, (SequentialBoxPlan, HalfBoxPlan))


def test_box5_refuses_an_empty_channel_axis():
    """As avg_pool2d(x, 5, n, 2), its formula, refuses it in torch and here."""
    with pytest.raises(ValueError, match="method='box5' needs at least one channel"):
        aa.downsample(np.zeros((0, 16, 16), np.float32), 0.25, "box5", channel_axis=-3)
