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
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

FloatDType = type[np.floating[Any]] | np.dtype[np.floating[Any]]
"""float32 or float64, as a type or a dtype: the type in which torch computes an axis's weights."""


class AxisTable(NamedTuple):
    """out[i] = sum_{t < count[i]} weight[i, t] * in[index[i, t]] along one axis.

    Weights are floats, or (for torch's uint8 path) integers with `precision` fractional bits.
    """

    index: np.ndarray  # type: ignore[assignment]  # (n_out, taps) int64; torch's name, shadowing tuple.index
    weight: np.ndarray  # (n_out, taps) float64 or float32 (as torch computes them), or int64 fixed point
    count: np.ndarray  # type: ignore[assignment]  # (n_out,) int64; shadowing tuple.count, never called here
    precision: int | None = None  # fixed point: out = (sum + 2^(p-1)) >> p

    @property
    def n_out(self) -> int:
        return len(self.count)

    def __repr__(self) -> str:
        fixed = f", fixed point of {self.precision} bits" if self.precision is not None else ""
        return f"AxisTable({self.n_out} outputs, up to {self.index.shape[1]} taps, {self.weight.dtype} weights{fixed})"


def cached_table(builder: Callable[..., AxisTable]) -> Callable[..., AxisTable]:
    """Memoise a table builder (its arguments are plain values): a table is built once per size and reused.

    The cached arrays are made read-only, so no caller can change a table another call will use.
    """

    @functools.lru_cache(maxsize=512)
    def build(*args: Any) -> AxisTable:  # the builder's arguments
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


def box_table(starts: np.ndarray, ends: np.ndarray, divisors: np.ndarray) -> AxisTable:
    """Output i averages the window starts[i] .. ends[i] - 1, each tap of weight 1 / divisors[i]: table_from_windows
    for box windows, built without a loop over the outputs (a million of them in a fraction of a second)."""
    counts = np.maximum(ends - starts, 0).astype(np.int64)
    taps = np.arange(max(int(counts.max(initial=1)), 1))
    inside = taps < counts[:, None]
    index = np.where(inside, starts[:, None] + taps, 0).astype(np.int64)
    weight = np.where(inside, 1.0 / np.asarray(divisors, np.float64)[:, None], 0.0)
    return AxisTable(index, weight, counts)


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
# Fused multiply-add: a * b + c rounded once, as torch's vectorised (AVX2 / AVX512) CPU kernels compute it
# ---------------------------------------------------------------------------------------------------------------


def fused_multiply_add(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, dtype: FloatDType
) -> npt.NDArray[np.floating]:
    """a * b + c with one rounding to `dtype` (float32 or float64), elementwise: what an FMA instruction computes.

    pip's torch for x86-64 compiles its resampling kernels for AVX2 and AVX512 with multiply-adds contracted into
    FMA instructions; its scalar build rounds the product and the sum separately. NumPy has no FMA, so the exact
    value is carried in two doubles (error-free transformations) and rounded once: through round-to-odd, which
    makes the final rounding correct (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums", 2008).
    """
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    with np.errstate(invalid="ignore", over="ignore"):  # infinities and NaN pass through as NaN or inf
        if np.dtype(dtype) == np.float32:  # the product of two float32 values is exact in float64
            total, error = _two_sum(a * b, c)
            return np.where(np.isfinite(total), _round_to_odd(total, error), total).astype(np.float32)
        product, product_error = _two_product(a, b)
        high, low = _two_sum(c, product)
        low_total, low_error = _two_sum(low, product_error)
        return np.where(np.isfinite(high), high + _round_to_odd(low_total, low_error), high)


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s = fl(a + b) and s + e == a + b exactly (Knuth)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a * b) and p + e == a * b exactly (Dekker, with Veltkamp's split)."""
    p = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    return p, ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a as high + low, each with at most 26 significant bits."""
    t = a * 134217729.0  # 2^27 + 1
    high = t - (t - a)
    return high, a - high


def _round_to_odd(value: np.ndarray, error: np.ndarray) -> np.ndarray:
    """value + error (value = its nearest double) rounded to the double whose last bit is odd, when inexact."""
    inexact_even = (error != 0) & (value.view(np.int64) & 1 == 0)
    toward = np.where(error > 0, np.inf, -np.inf)
    return np.where(inexact_even, np.nextafter(value, toward), value)


# ---------------------------------------------------------------------------------------------------------------
# Scale: input pixels per output pixel (torch's area_pixel_compute_scale)
# ---------------------------------------------------------------------------------------------------------------


def pixel_scale(
    n_in: int, n_out: int, scale_factor: float | None, align_corners: bool, dtype: FloatDType
) -> float:
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
def nearest_table(
    n_in: int, n_out: int, scale_factor: float | None, exact: bool, small_kernel: bool, dtype: FloatDType
) -> AxisTable:
    """The input index of each output, as torch 2.13's two CPU nearest kernels compute it.

    torch picks its small-output kernel when output height + width <= 128 (`small_kernel`), else a generic one:

        small, nearest:        i (n_out == n_in),  i // 2 (n_out == 2 n_in),  else floor(fl32(s32 * i))
        small, nearest-exact:  floor(fl32(s32 * (i + 0.5)))
        generic, nearest:      floor(fl32(s * i))
        generic, nearest-exact: floor(fl32(max(fma(s, i + 0.5, -0.5), 0) + 0.5))

    each clamped to n_in - 1. s32 is the scale in float32 (pixel_scale); s is in the image's compute dtype
    (float64 for float64 images, float32 otherwise). The two shortcuts of the small kernel hold whatever the scale
    factor: with scale_factor=2.09 an axis of 2 becomes 4 (i // 2), not floor(i / 2.09).
    """
    i = np.arange(n_out)
    if small_kernel:
        if n_out == n_in and not exact:
            return selection_table(i)
        if n_out == 2 * n_in and not exact:
            return selection_table(i // 2)
        s = np.float32(pixel_scale(n_in, n_out, scale_factor, False, np.float32))
        position = (i + (np.float32(0.5) if exact else np.float32(0))).astype(np.float32) * s
    else:
        ftype = np.dtype(dtype).type
        s = ftype(pixel_scale(n_in, n_out, scale_factor, False, dtype))
        if exact:
            centre = np.maximum(fused_multiply_add(s, i + 0.5, -0.5, dtype), 0)
            position = centre.astype(np.float64) + 0.5
        else:
            position = (s * i.astype(ftype)).astype(ftype)
    return selection_table(np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), n_in - 1))


# ---------------------------------------------------------------------------------------------------------------
# Filters for the windowed (Pillow-style) tables
# ---------------------------------------------------------------------------------------------------------------


def triangle(x: np.ndarray) -> np.ndarray:
    """Bilinear's filter: f(x) = max(0, 1 - |x|)."""
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def keys_cubic(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution filter with parameter a, evaluated in the dtype of x as torch's vectorised kernels do.

    |x| < 1: ((a + 2)|x| - (a + 3)) x^2 + 1;  1 <= |x| < 2: ((a|x| - 5a)|x| + 8a)|x| - 4a;  else 0.
    Each multiply-add is fused (one rounding, see fused_multiply_add), as torch's AVX2 / AVX512 build computes it:
    a tap at |x| = 1.999999 keeps a tiny non-zero weight, so an inf there makes inf, not NaN.
    torch uses a = -0.5 with antialias (Pillow's) and a = -0.75 without (OpenCV's).
    """
    dtype = x.dtype
    x = np.abs(x)
    near = fused_multiply_add((fused_multiply_add(a + 2, x, -(a + 3), dtype) * x).astype(dtype), x, 1, dtype)
    far = fused_multiply_add(fused_multiply_add(fused_multiply_add(a, x, -5 * a, dtype), x, 8 * a, dtype), x, -4 * a,
                             dtype)
    return np.where(x < 1, near, np.where(x < 2, far, 0)).astype(dtype)


def upsample_cubic_float32(x: np.ndarray) -> np.ndarray:
    """Keys' cubic with a = -0.75 on float32 x, as torch's scalar weight code for plain bicubic evaluates it
    (UpSample.h, get_cubic_upsample_coefficients<float>, as pip's AVX2 / AVX512 build compiles it):

        |x| < 1:  fl(fl(fl(fma(a + 2, x, -(a + 3)) * x) * x) + 1)
        else:     fl(fl(fma(fma(a, x, -5a), x, 8a) * x) - 4a)     (its callers pass 1 <= x <= 2)

    keys_cubic fuses the last multiply-add of each too. Found from torch's float16 weights, read back by
    resizing one-hot rows: of the 32 ways to fuse the five multiply-adds, these alone leave none of them
    different (sizes 8 to 400); whether the first one of each is fused changes no float16 weight there.
    """
    x = np.abs(x.astype(np.float32))
    a = np.float32(-0.75)
    near = (((fused_multiply_add(a + 2, x, -(a + 3), np.float32) * x) * x) + np.float32(1)).astype(np.float32)
    far_sum = fused_multiply_add(fused_multiply_add(a, x, -5 * a, np.float32), x, 8 * a, np.float32)
    far = ((far_sum * x).astype(np.float32) - 4 * a).astype(np.float32)
    weights: npt.NDArray[np.float32] = np.where(x < 1, near, far)
    return weights


def pillow_cubic(x: np.ndarray) -> np.ndarray:
    """Bicubic's antialias filter: Keys' cubic with a = -0.5, support 2 (Pillow's BICUBIC)."""
    return keys_cubic(x, -0.5)


def lanczos3(x: np.ndarray) -> np.ndarray:
    """Lanczos-3: sinc(x) sinc(x / 3) for |x| < 3, else 0, with sinc(x) = sin(pi x) / (pi x) (Pillow's LANCZOS).

    Evaluated in the dtype of x, as torch does (x / 3 rounded to that dtype before its sinc).
    """
    dtype = x.dtype
    x = np.abs(x)
    return np.where(x < 3, _sinc(x) * _sinc((x / 3).astype(dtype)), 0).astype(dtype)


def _sinc(x: np.ndarray) -> np.ndarray:
    """sin(pi x) / (pi x) in the dtype of x, 1 at 0."""
    y = x * x.dtype.type(np.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x == 0, 1, np.sin(y) / y).astype(x.dtype)


ANTIALIAS_FILTERS = {"bilinear": (triangle, 2), "bicubic": (pillow_cubic, 4), "lanczos": (lanczos3, 6)}
"""mode -> (filter, interp_size) of torch's antialiased modes. The filter's support is interp_size / 2 before it is
stretched by the scale."""


def windowed_table(n_in: int, n_out: int, s: float | np.floating[Any], mode: str, dtype: FloatDType) -> AxisTable:
    """Pillow's antialiased resampling windows, as torch computes them (in `dtype`).

    When downsampling the filter is stretched by s (support = interp_size/2 * s, else interp_size/2):
        center = s * (i + 0.5),  window = [trunc(center - support + 0.5), trunc(center + support + 0.5)) ∩ [0, n)
        w_j = f((j + xmin - center + 0.5) / max(s, 1)),  then normalised to sum 1.
    Taps outside the image are dropped and the rest renormalised (no edge replication). f and interp_size are
    ANTIALIAS_FILTERS[mode].
    """
    filter_fn, interp_size = ANTIALIAS_FILTERS[mode]
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


def to_fixed_point(table: AxisTable, max_weight: float | None = None) -> AxisTable:
    """torch's uint8 weights: w16 = round_half_away(w * 2^p), p the largest precision in 0..22 that fits int16.

    p is the first p with int(0.5 + max_weight * 2^(p+1)) >= 2^15 (else 22); max_weight is the largest weight on
    the axis unless the builder tracked another (uint8_plain_table).
    """
    if max_weight is None:
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


def source_position(n_out: int, s: float, align_corners: bool, dtype: FloatDType) -> npt.NDArray[np.floating]:
    """torch's area_pixel_compute_source_index, unclamped: s*i (align_corners) or fma(s, i + 0.5, -0.5)."""
    ftype = np.dtype(dtype).type
    i = np.arange(n_out).astype(ftype)
    if align_corners:
        positions: npt.NDArray[np.floating] = (ftype(s) * i).astype(ftype)
        return positions
    return fused_multiply_add(ftype(s), i + ftype(0.5), -0.5, dtype)


def guard_index(position: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's guard_index_and_lambda: i0 = min(floor(fl32(position)), n_in - 1), t = clip(position - i0, 0, 1).

    torch floors with floorf, so a float64 position is rounded to float32 first: 2.9999999999 gives i0 = 3, t = 0.
    """
    ftype = position.dtype.type
    i0 = np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), n_in - 1)
    return i0, np.clip(position - i0.astype(ftype), 0, 1).astype(ftype)


def linear_table(n_in: int, n_out: int, s: float, align_corners: bool, dtype: FloatDType) -> AxisTable:
    """Two taps: x = max(src, 0), (i0, t) = guard_index(x), i1 = i0 + 1 (i0 at the last pixel); weights 1 - t, t.

    An axis whose size does not change is copied, whatever the scale factor, as torch does it: both taps on
    input i with weights (1, 0), so a NaN stays in its pixel and an infinity becomes NaN (inf + 0 * inf).
    """
    ftype = np.dtype(dtype).type
    if n_in == n_out:
        i = np.arange(n_in)
        return AxisTable(np.stack([i, i], 1), np.tile(np.array([1, 0], ftype), (n_in, 1)), np.full(n_in, 2, np.int64))
    i0, lambda1 = guard_index(np.maximum(source_position(n_out, s, align_corners, dtype), ftype(0)), n_in)
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
    lambda0 = (ftype(1) - lambda1).astype(ftype)
    return AxisTable(np.stack([i0, i1], 1), np.stack([lambda0, lambda1], 1), np.full(n_out, 2, np.int64))


def opencv_cubic(x: np.ndarray) -> np.ndarray:
    """Plain bicubic's filter: Keys' cubic with a = -0.75 (OpenCV's), as keys_cubic evaluates it."""
    return keys_cubic(x, -0.75)


def cubic_table(
    n_in: int,
    n_out: int,
    s: float,
    align_corners: bool,
    dtype: FloatDType,
    cubic: Callable[[np.ndarray], np.ndarray] = opencv_cubic,
) -> AxisTable:
    """Four taps i0-1 .. i0+2 around (i0, t) = guard_index(src), indices clamped to the image (edge replication),
    weights f(t + 1), f(t), f(1 - t), f(2 - t) for Keys' cubic f with a = -0.75 (`cubic`, which evaluates it in
    the dtype of its argument)."""
    ftype = np.dtype(dtype).type
    i0, t = guard_index(source_position(n_out, s, align_corners, dtype), n_in)
    one = ftype(1)
    taps = [(t + one), t, (one - t), ((one - t) + one)]
    weight = np.stack([cubic(tap.astype(ftype)) for tap in taps], 1)
    index = np.clip(i0[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return AxisTable(index, weight, np.full(n_out, 4, np.int64))


def uint8_plain_table(n_in: int, n_out: int, s: float, align_corners: bool, mode: str) -> AxisTable:
    """Plain bilinear / bicubic for uint8 images, in fixed point, as torch's uint8 kernels build it (in float64).

    The taps that fall outside the image are merged into the edge tap (edge replication, as the float path's
    clamped indices). Tap j of output i has weight f((j + 1 - support) - t) (f: the triangle, or Keys' cubic with
    a = -0.75); the precision of the fixed point follows the largest *running* sum of a merged tap, which for
    bicubic can exceed the merged weight (a negative tap merged last), as torch tracks it.
    """
    interp_size = 2 if mode == "bilinear" else 4
    support = interp_size // 2
    position = source_position(n_out, s, align_corners, np.float64)
    if mode == "bilinear":
        position = np.maximum(position, 0)
    i0, t = guard_index(position, n_in)
    first = i0 - support + 1
    index_min = np.maximum(first, 0)
    count = np.clip(np.minimum(i0 + support + 1, n_in) - index_min, 0, interp_size)
    weight = np.zeros((n_out, interp_size))
    max_weight = 0.0
    slot = np.zeros(n_out, np.int64)
    rows = np.arange(n_out)
    for j in range(interp_size):
        argument = (j + 1.0 - support) - t
        w = triangle(argument) if mode == "bilinear" else keys_cubic(argument, -0.75)
        slot = np.where(first + j <= 0, 0, np.where(first + j >= n_in - 1, count - 1, slot))
        weight[rows, slot] += w
        max_weight = max(max_weight, float(np.max(weight[rows, slot])))
        slot = slot + 1
    index = np.minimum(index_min[:, None] + np.arange(interp_size), n_in - 1)
    return to_fixed_point(AxisTable(index, weight, count), max_weight)


# ---------------------------------------------------------------------------------------------------------------
# Boxes: area (adaptive average pooling) and avg_pool2d
# ---------------------------------------------------------------------------------------------------------------


_UINT8, _FLOAT16 = np.dtype(np.uint8), np.dtype(np.float16)


@cached_table
def filter_table(
    n_in: int,
    n_out: int,
    scale_factor: float | None,
    mode: str,
    align_corners: bool,
    antialias: bool,
    dtype: np.dtype[Any],
) -> AxisTable:
    """The table torch uses for one axis of bilinear / bicubic, with weights in the dtype torch computes in.

    torch's separable kernels (antialias, and every uint8 image) copy an axis whose size does not change; uint8
    weights are computed in float64 and rounded to fixed point; float16 weights are computed in float32 and
    stored as float16 (bilinear's 1 - t from the stored t; bicubic's by upsample_cubic_float32).
    """
    # the image's float dtype, or the one torch computes uint8 and float16 weights in
    weight_dtype = cast(FloatDType, {_UINT8: np.float64, _FLOAT16: np.float32}.get(dtype, dtype))
    s = pixel_scale(n_in, n_out, scale_factor, align_corners, weight_dtype)
    if (antialias or dtype == _UINT8) and n_in == n_out:
        table = selection_table(np.arange(n_in))
    elif antialias:
        table = windowed_table(n_in, n_out, s, mode, weight_dtype)
    elif dtype == _UINT8:
        return uint8_plain_table(n_in, n_out, s, align_corners, mode)
    elif mode == "bilinear":
        table = linear_table(n_in, n_out, s, align_corners, weight_dtype)
    elif dtype == _FLOAT16:  # torch's float16 tables come from its scalar weight code
        table = cubic_table(n_in, n_out, s, align_corners, weight_dtype, upsample_cubic_float32)
    else:
        table = cubic_table(n_in, n_out, s, align_corners, weight_dtype)
    if dtype == _UINT8:
        return to_fixed_point(table)
    if dtype == _FLOAT16:
        weight = table.weight.astype(np.float16)
        if mode == "bilinear":
            weight[:, 0] = np.float32(1) - weight[:, 1].astype(np.float32)
        return table._replace(weight=weight)
    return table


@cached_table
def adaptive_box_table(n_in: int, n_out: int) -> AxisTable:
    """torch's adaptive windows: [floor(i * n_in / n_out), ceil((i + 1) * n_in / n_out)), weight 1 / length."""
    i = np.arange(n_out)
    starts = (i * n_in) // n_out
    ends = -((-(i + 1) * n_in) // n_out)
    return box_table(starts, ends, ends - starts)


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
    named: dict[str | float, npt.NDArray[np.int64]] = {"padded": ends - starts, "real": real_ends - real_starts}
    divisors = named.get(divisor, np.full(len(starts), divisor))
    return box_table(real_starts, real_ends, divisors)


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
    normalised: npt.NDArray[np.float64] = kernel / kernel.sum()
    return normalised


def gaussian_table(n_in: int, scale: float, step: int) -> AxisTable:
    """FOMM's zero-padded Gaussian kept at every step-th output (0, step, ...).

    Output i reads inputs step*i - k//2 + t, t < k; taps that fall in the padding read zeros and are dropped.
    """
    return kept_kernel_table(n_in, tuple(fomm_gaussian(scale)), step)


def truncated_gaussian(scale: float, taps: int) -> np.ndarray:
    """FOMM's Gaussian for `scale` cut to its central `taps` (odd) taps, or all of it if shorter, rescaled to sum 1."""
    kernel = fomm_gaussian(scale)
    cut = max(0, (len(kernel) - taps) // 2)
    kernel = kernel[cut : len(kernel) - cut]
    normalised: npt.NDArray[np.float64] = kernel / kernel.sum()
    return normalised


# ---------------------------------------------------------------------------------------------------------------
# On-grid kernels: output i centred on input step*i, as FOMM's Gaussian
# ---------------------------------------------------------------------------------------------------------------


@cached_table
def kept_kernel_table(n_in: int, kernel: tuple[float, ...], step: int) -> AxisTable:
    """A zero-padded correlation with an odd kernel, kept at every step-th output: output i reads inputs
    step*i - k//2 + t, t < k (centred on input step*i); taps in the padding read zeros and are dropped."""
    half = len(kernel) // 2
    starts = np.arange(0, n_in, step) - half
    taps = np.asarray(kernel, np.float64)
    first, weights = [], []
    for start in starts.tolist():  # Python ints, which max and min type
        lo, hi = max(start, 0), min(start + len(taps), n_in)
        first.append(lo)
        weights.append(taps[lo - start : hi - start])
    return table_from_windows(np.array(first), weights)


BINOMIAL_5 = (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16)
"""The 5-tap binomial kernel [1, 4, 6, 4, 1] / 16 of the Burt-Adelson pyramid (OpenCV's pyrDown)."""


@cached_table
def binomial_pyramid_table(n_in: int, levels: int) -> AxisTable:
    """`levels` steps of the binomial pyramid along one axis, as one table: each step is kept_kernel_table(n,
    BINOMIAL_5, 2) (zero-padded, every 2nd output), so output i of the last step is centred on input 2^levels * i."""
    table = kept_kernel_table(n_in, BINOMIAL_5, 2)
    for _ in range(levels - 1):
        table = composed_table(table, kept_kernel_table(table.n_out, BINOMIAL_5, 2))
    return table


def composed_table(first: AxisTable, second: AxisTable) -> AxisTable:
    """The table of `second` applied to the output of `first` (float weights, contiguous windows):
    out[i] = sum_t second.weight[i, t] * sum_u first.weight[j, u] * in[first.index[j, u]], j = second.index[i, t]."""
    middle = second.index  # (n_out, t2): the intermediate samples each output reads
    index = first.index[middle]  # (n_out, t2, t1)
    used = (np.arange(second.index.shape[1]) < second.count[:, None])[..., None] & (
        np.arange(first.index.shape[1]) < first.count[middle][..., None]
    )
    weight = np.where(used, second.weight[..., None] * first.weight[middle], 0.0)
    starts = np.where(used, index, np.iinfo(np.int64).max).min(axis=(1, 2))
    ends = np.where(used, index, -1).max(axis=(1, 2)) + 1
    window = np.zeros((len(starts), int((ends - starts).max())))
    rows = np.broadcast_to(np.arange(len(starts))[:, None, None], index.shape)
    np.add.at(window, (rows[used], (index - starts[:, None, None])[used]), weight[used])
    return table_from_windows(starts, [w[: e - b] for w, b, e in zip(window, starts, ends, strict=True)])
