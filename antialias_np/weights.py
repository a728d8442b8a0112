"""Per-axis weight tables: what every separable method computes, written down as data (plain NumPy).

Along one axis, a separable resampler is fully described by a table: output sample i reads the inputs
`index[i, t]` with weights `weight[i, t]`, for t < count[i]:

    out[i] = sum_{t < count[i]} weight[i, t] * in[index[i, t]]

An image is resampled by applying a table to its rows and another to its columns, which as matrices is
`W_rows @ image @ W_cols.T` (see `table_matrix`). Each builder here mirrors one of torch's index and weight rules,
including where torch rounds to float32, so the tables pick exactly the input pixels torch picks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class AxisTable(NamedTuple):
    """out[i] = sum_{t < count[i]} weight[i, t] * in[index[i, t]] along one axis.

    Weights are floats, or (for torch's uint8 path) integers with `precision` fractional bits.
    """

    index: np.ndarray  # (n_out, taps) int64
    weight: np.ndarray  # (n_out, taps) float64 or float32 (as torch computes them), or int64 fixed point
    count: np.ndarray  # (n_out,) int64
    precision: int | None = None  # fixed point: out = (sum + 2^(p-1)) >> p

    @property
    def n_out(self) -> int:
        return len(self.count)


def cached_table(builder: Callable[..., AxisTable]) -> Callable[..., AxisTable]:
    """Memoise a table builder (its arguments are plain values): a table is built once per size and reused.

    The cached arrays are made read-only, so no caller can change a table another call will use.
    """

    @functools.lru_cache(maxsize=512)
    def build(*args) -> AxisTable:
        table = builder(*args)
        for array in (table.index, table.weight, table.count):
            array.flags.writeable = False
        return table

    return functools.wraps(builder)(build)


def table_from_windows(starts: np.ndarray, weights: list[np.ndarray]) -> AxisTable:
    """A table whose output i reads the contiguous window starts[i] .. starts[i] + len(weights[i]) - 1."""
    taps = max((len(w) for w in weights), default=1)
    index = np.zeros((len(starts), taps), np.int64)
    weight = np.zeros((len(starts), taps))
    for i, (start, w) in enumerate(zip(starts, weights, strict=True)):
        index[i, : len(w)] = start + np.arange(len(w))
        weight[i, : len(w)] = w
    return AxisTable(index, weight, np.array([len(w) for w in weights], np.int64))


def selection_table(indices: np.ndarray) -> AxisTable:
    """Output i is input indices[i] (weight 1): subsampling, nearest, and an axis that is only copied."""
    indices = np.asarray(indices, np.int64)
    n = len(indices)
    return AxisTable(indices.reshape(n, 1), np.ones((n, 1)), np.ones(n, np.int64))


def table_matrix(table: AxisTable, n_in: int) -> np.ndarray:
    """The (n_out, n_in) matrix of a table: the teaching form, resampled = W_rows @ image @ W_cols.T."""
    matrix = np.zeros((table.n_out, n_in))
    for i in range(table.n_out):
        for t in range(table.count[i]):
            matrix[i, table.index[i, t]] += table.weight[i, t]
    return matrix


# ---------------------------------------------------------------------------------------------------------------
# Scale: input pixels per output pixel (torch's area_pixel_compute_scale)
# ---------------------------------------------------------------------------------------------------------------


def pixel_scale(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool, dtype) -> float:
    """Input pixels per output pixel, as torch computes it in `dtype` (float32 for float32 images).

    align_corners: (n_in - 1) / (n_out - 1) (0 when n_out == 1); else 1 / scale_factor when a scale factor is
    used, else n_in / n_out.
    """
    dtype = np.dtype(dtype).type
    if align_corners:
        return float(dtype(n_in - 1) / dtype(n_out - 1)) if n_out > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return float(dtype(1.0 / scale_factor))
    return float(dtype(n_in) / dtype(n_out))


# ---------------------------------------------------------------------------------------------------------------
# Nearest (torch's nearest_idx and nearest_exact_idx)
# ---------------------------------------------------------------------------------------------------------------


@cached_table
def nearest_table(n_in: int, n_out: int, scale_factor: float | None, exact: bool) -> AxisTable:
    """nearest: idx = min(floor(fl32(s * i)), n_in - 1); nearest-exact: min(floor(fl32(s * (i + 0.5))), n_in - 1).

    s = pixel_scale(...) in float32 whatever the image dtype. 'nearest' copies an axis whose size is unchanged.
    """
    if n_out == n_in and not exact:
        return selection_table(np.arange(n_in))
    s = np.float32(pixel_scale(n_in, n_out, scale_factor, False, np.float32))
    offset = np.float32(0.5) if exact else np.float32(0.0)
    position = (np.arange(n_out, dtype=np.float32) + offset) * s
    return selection_table(np.minimum(np.floor(position).astype(np.int64), n_in - 1))


# ---------------------------------------------------------------------------------------------------------------
# Filters for the windowed (Pillow-style) tables
# ---------------------------------------------------------------------------------------------------------------


def triangle(x: np.ndarray) -> np.ndarray:
    """Bilinear's filter: f(x) = max(0, 1 - |x|)."""
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def keys_cubic(a: float) -> Callable[[np.ndarray], np.ndarray]:
    """Keys' cubic convolution filter with parameter a (torch: -0.5 with antialias, as Pillow; -0.75 without).

    |x| < 1: ((a + 2)|x| - (a + 3)) x^2 + 1;  1 <= |x| < 2: ((a|x| - 5a)|x| + 8a)|x| - 4a;  else 0.
    Evaluated in the dtype of x, in torch's order of operations.
    """

    def cubic(x: np.ndarray) -> np.ndarray:
        a_ = x.dtype.type(a)
        x = np.abs(x)
        near = ((a_ + 2) * x - (a_ + 3)) * x * x + 1
        far = ((a_ * x - 5 * a_) * x + 8 * a_) * x - 4 * a_
        return np.where(x < 1, near, np.where(x < 2, far, 0)).astype(x.dtype)

    return cubic


def interpolation_filter(mode: str) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    """(filter, interp_size) of torch's antialiased modes: the triangle, or Keys' cubic with a = -0.5 (Pillow's).

    The filter's support is interp_size / 2 before it is stretched.
    """
    if mode == "bilinear":
        return triangle, 2
    return PILLOW_CUBIC, 4


PILLOW_CUBIC = keys_cubic(-0.5)
OPENCV_CUBIC = keys_cubic(-0.75)


def windowed_table(n_in: int, n_out: int, s: float, mode: str, dtype) -> AxisTable:
    """Pillow's antialiased resampling windows, as torch computes them (in `dtype`).

    When downsampling the filter is stretched by s (support = interp_size/2 * s, else interp_size/2):
        center = s * (i + 0.5),  window = [trunc(center - support + 0.5), trunc(center + support + 0.5)) ∩ [0, n)
        w_j = f((j + xmin - center + 0.5) / max(s, 1)),  then normalised to sum 1.
    Taps outside the image are dropped and the rest renormalised (no edge replication). f and interp_size are
    interpolation_filter(mode)'s.
    """
    filter_fn, interp_size = interpolation_filter(mode)
    ftype = np.dtype(dtype).type
    s = ftype(s)
    support = ftype((interp_size * 0.5) * s) if s >= 1 else ftype(interp_size * 0.5)
    max_taps = math.ceil(support) * 2 + 1
    invscale = ftype(1.0 / s) if s >= 1 else ftype(1.0)
    center = (s * (np.arange(n_out) + 0.5)).astype(ftype)
    # torch: (center -/+ support) in the filter dtype, + 0.5 in double, truncated toward zero
    xmin = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5), 0).astype(np.int64)
    xmax = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), n_in)
    xsize = np.clip(xmax - xmin, 0, max_taps)

    j = np.arange(max_taps)
    offsets = ((j + xmin[:, None]).astype(ftype) - center[:, None]).astype(ftype)
    weight = filter_fn(((offsets.astype(np.float64) + 0.5) * np.float64(invscale)).astype(ftype))
    weight = np.where(j < xsize[:, None], weight, ftype(0))
    total = np.zeros(n_out, ftype)
    for t in range(max_taps):  # a sequential sum, as torch's loop
        total = (total + weight[:, t]).astype(ftype)
    safe_total = np.where(total != 0, total, ftype(1))
    weight = (weight / safe_total[:, None]).astype(ftype)
    index = np.minimum(xmin[:, None] + j, n_in - 1)
    return AxisTable(index, weight, xsize)


def merge_repeated_taps(table: AxisTable) -> AxisTable:
    """The same table with the weights of taps that read the same input summed into one tap.

    torch's uint8 kernels replicate edges this way (bicubic's clamped indices), before rounding to fixed point.
    """
    index = np.zeros_like(table.index)
    weight = np.zeros(table.weight.shape, np.float64)
    count = np.zeros_like(table.count)
    for i in range(table.n_out):
        taps = table.index[i, : table.count[i]]
        unique, position = np.unique(taps, return_inverse=True)
        count[i] = len(unique)
        index[i, : len(unique)] = unique
        np.add.at(weight[i], position, table.weight[i, : table.count[i]])
    return AxisTable(index, weight, count)


def to_fixed_point(table: AxisTable) -> AxisTable:
    """torch's uint8 weights: w16 = round_half_away(w * 2^p), p the largest precision in 0..22 that fits int16.

    p is the first p with int(0.5 + max_w * 2^(p+1)) >= 2^15 (else 22), max_w over the whole axis.
    """
    max_weight = float(table.weight.max())
    precision = 22
    for p in range(22):
        if int(0.5 + max_weight * (1 << (p + 1))) >= (1 << 15):
            precision = p
            break
    scaled = table.weight * (1 << precision)
    weight16 = np.where(scaled < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5)).astype(np.int64)
    return AxisTable(table.index, weight16, table.count, precision)


# ---------------------------------------------------------------------------------------------------------------
# Plain (not antialiased) bilinear and bicubic: torch's upsample_bilinear2d / upsample_bicubic2d for floats
# ---------------------------------------------------------------------------------------------------------------


def source_position(n_out: int, s: float, align_corners: bool, dtype) -> np.ndarray:
    """torch's area_pixel_compute_source_index, unclamped: s*i (align_corners) or s*(i + 0.5) - 0.5."""
    ftype = np.dtype(dtype).type
    i = np.arange(n_out).astype(ftype)
    if align_corners:
        return (ftype(s) * i).astype(ftype)
    return (ftype(s) * (i + ftype(0.5)) - ftype(0.5)).astype(ftype)


def linear_table(n_in: int, n_out: int, s: float, align_corners: bool, dtype) -> AxisTable:
    """Two taps: x = max(src, 0), i0 = min(floor(x), n-1), i1 = i0 + 1 (i0 at the last pixel), w1 = x - i0."""
    ftype = np.dtype(dtype).type
    x = np.maximum(source_position(n_out, s, align_corners, dtype), ftype(0))
    i0 = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
    lambda1 = np.clip(x - i0.astype(ftype), 0, 1).astype(ftype)
    lambda0 = (ftype(1) - lambda1).astype(ftype)
    return AxisTable(np.stack([i0, i1], 1), np.stack([lambda0, lambda1], 1), np.full(n_out, 2, np.int64))


def cubic_table(n_in: int, n_out: int, s: float, align_corners: bool, dtype) -> AxisTable:
    """Four taps i0-1 .. i0+2 around i0 = floor(src), indices clamped to the image (edge replication), a = -0.75.

    Weights with t = src - i0: f(t + 1), f(t), f(1 - t), f(2 - t) for Keys' cubic f.
    """
    ftype = np.dtype(dtype).type
    x = source_position(n_out, s, align_corners, dtype)
    i0 = np.floor(x)
    t = (x - i0).astype(ftype)
    one = ftype(1)
    weight = np.stack([OPENCV_CUBIC(t + one), OPENCV_CUBIC(t), OPENCV_CUBIC(one - t), OPENCV_CUBIC((one - t) + one)], 1)
    index = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return AxisTable(index, weight, np.full(n_out, 4, np.int64))


# ---------------------------------------------------------------------------------------------------------------
# Boxes: area (adaptive average pooling) and avg_pool2d
# ---------------------------------------------------------------------------------------------------------------


@cached_table
def adaptive_box_table(n_in: int, n_out: int) -> AxisTable:
    """torch's adaptive windows: [floor(i * n_in / n_out), ceil((i + 1) * n_in / n_out)), weight 1 / length."""
    i = np.arange(n_out)
    starts = (i * n_in) // n_out
    ends = -((-(i + 1) * n_in) // n_out)
    return table_from_windows(starts, [np.full(e - b, 1.0 / (e - b)) for b, e in zip(starts, ends, strict=True)])


@cached_table
def pool_table(n_in: int, kernel: int, stride: int, padding: int, ceil_mode: bool, divisor: str | float) -> AxisTable:
    """avg_pool2d along one axis: windows [s*i - p, s*i - p + k) clipped to the image, weight 1 / divisor.

    n_out = floor((n + 2p - k + (s - 1 if ceil_mode else 0)) / s) + 1, less one if ceil_mode starts the last
    window in the right padding. divisor: "padded" (the window's length counting padding, clipped at n + p),
    "real" (the pixels inside the image) or a number (avg_pool2d's divisor_override, on one axis only).
    """
    n_out = (n_in + 2 * padding - kernel + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (n_out - 1) * stride >= n_in + padding:
        n_out -= 1
    starts = np.arange(max(n_out, 0)) * stride - padding
    ends = np.minimum(starts + kernel, n_in + padding)
    real_starts, real_ends = np.maximum(starts, 0), np.minimum(ends, n_in)
    divisors = {"padded": ends - starts, "real": real_ends - real_starts}.get(divisor, np.full(len(starts), divisor))
    weights = [np.full(e - b, 1.0 / d) for b, e, d in zip(real_starts, real_ends, divisors, strict=True)]
    return table_from_windows(real_starts, weights)


# ---------------------------------------------------------------------------------------------------------------
# FOMM's Gaussian
# ---------------------------------------------------------------------------------------------------------------


def fomm_gaussian(scale: float) -> np.ndarray:
    """FOMM's normalised 1-D Gaussian: sigma = (1/scale - 1) / 2, k = 2 round(4 sigma) + 1 taps (float64)."""
    sigma = (1 / scale - 1) / 2
    if sigma == 0:
        return np.ones(1)
    size = 2 * round(4 * sigma) + 1
    kernel = np.exp(-((np.arange(size) - (size - 1) / 2) ** 2) / (2 * sigma**2))
    return kernel / kernel.sum()


@cached_table
def gaussian_table(n_in: int, scale: float, step: int) -> AxisTable:
    """FOMM's zero-padded Gaussian kept at every step-th output (0, step, ...).

    Output i reads inputs step*i - k//2 + t, t < k; taps that fall in the padding read zeros and are dropped.
    """
    kernel = fomm_gaussian(scale)
    half = len(kernel) // 2
    starts = np.arange(0, n_in, step) - half
    first, weights = [], []
    for start in starts:
        lo, hi = max(start, 0), min(start + len(kernel), n_in)
        first.append(lo)
        weights.append(kernel[lo - start : hi - start])
    return table_from_windows(np.array(first), weights)
