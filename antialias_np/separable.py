"""The engine: apply a row table and a column table (weights.AxisTable) to a stack of planes (B, H, W).

    out[p, i, j] = sum_r sum_c row.weight[i, r] * col.weight[j, c] * planes[p, row.index[i, r], col.index[j, c]]

`resample_reference` computes it in plain NumPy from the tables' matrices (W_rows @ plane @ W_cols.T);
`resample_plan` binds two tables to the Numba kernels, which compute only the output pixels, one plane per Numba
thread in large calls (_kernels.parallel_threads). The float kernel is one primitive used twice: `_weighted_rows`
makes each kept row as a weighted sum of whole input rows (a chunk of the row at a time, in vector registers:
_simd.weighted_chunk); the result is transposed and the same primitive makes the kept columns. No full-resolution
temporary is made. 8-bit integer images run the float kernel in float32 and round its sums, recomputing in float64
the few that its error bound cannot round (`TieCheckedPlan`). The uint8 kernel of fixed-point tables follows torch's
fixed-point order instead: columns first (the same idea on the transposed plane, with the taps two by two:
_simd.fixed_point_chunk) into a uint8 temporary, then rows, each pass rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import literally, prange

from antialias_np import _checks, plans
from antialias_np._kernels import PARALLEL_MIN_VALUES, njit, plane_kernel
from antialias_np._simd import (
    CACHE_LINE_BYTES,
    NARROW_FIXED_POINT_CHUNK,
    WIDE_CHUNK_VECTORS,
    fixed_point_chunk_32,
    fixed_point_wide_chunk,
    fixed_point_wide_chunk_width,
    fma,
    strided_vector,
    strided_vector_width,
    transpose_into,
    transposed,
    weighted_vector,
    weighted_vector_width,
    weighted_wide_chunk,
)
from antialias_np.float16 import fused_sum
from antialias_np.plans import Plan
from antialias_np.weights import AxisTable, table_matrix

UNSIGNED_OF_SIZE = {size: np.dtype(f"u{size}") for size in (1, 2, 4, 8)}
COMPUTE_DTYPE = {"f": np.dtype(np.float32), "i": np.dtype(np.float64), "u": np.dtype(np.float64)}
"""The dtype a kind of image is computed in when Numba cannot compute in its own: float16 in float32 (as torch, then
rounded once), integers in float64 (box tables exactly, 8-bit images in float32 checked against float64, see
resample_plan)."""


def resample_reference(planes: np.ndarray, rows: AxisTable, cols: AxisTable) -> np.ndarray:
    """W_rows @ plane @ W_cols.T for every plane, in float64; for fixed-point tables, torch's uint8 passes
    (`fixed_point_reference`)."""
    w_rows = table_matrix(rows, planes.shape[1])
    w_cols = table_matrix(cols, planes.shape[2])
    if rows.precision is not None:
        columns_done = fixed_point_reference(planes.astype(np.int64) @ w_cols.astype(np.int64).T, cols.precision)
        return fixed_point_reference(w_rows.astype(np.int64) @ columns_done, rows.precision)
    return w_rows @ planes.astype(np.float64) @ w_cols.T


def fixed_point_reference(sums: np.ndarray, precision: int) -> np.ndarray:
    """One pass of torch's uint8 resampling from the integer weighted sums: clamp((2^(p-1) + sum) >> p, 0, 255)."""
    return np.clip((sums + (1 << (precision - 1))) >> precision, 0, 255).astype(np.uint8)


def gather_plan(image: _checks.ImageSpec, rows: np.ndarray, cols: np.ndarray) -> Plan:
    """out[..., i, j] = x[..., rows[i], cols[j]] for images of image's shape and dtype: selection copies bits, so it
    is exact for every dtype.

    In torch layout, columns every 2, 3 or 4 pixels (subsample, nearest at an integer ratio) go to the kernel that
    picks them by vectors (GatherPlan, `_gather_every`), which is faster than NumPy's copy of the strided slice;
    other evenly spaced indices to NumPy (SlicePlan), which copies them faster than the kernel of whole pixels. Other
    indices, and channels-last images, go to that kernel (GatherPlan, `_gather`).
    """
    gather = GatherPlan(image.shape, rows, cols, image.dtype)
    row_slice, col_slice = _evenly_spaced(rows), _evenly_spaced(cols)
    if row_slice is not None and col_slice is not None and col_slice.step not in VECTOR_STEPS:
        return SlicePlan(row_slice, col_slice, gather)
    return gather


class SlicePlan(Plan):
    """x[..., rows, cols] for two slices, copied by NumPy; channels-last images by `gather` instead, as NumPy
    copies the C values of each pixel one by one, several times slower than the kernel copies whole pixels."""

    def __init__(self, rows: slice, cols: slice, gather: GatherPlan):
        self.rows, self.cols, self.gather = rows, cols, gather

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x[..., self.rows, self.cols].copy()

    def on_channels_last(self) -> GatherPlan:
        """The same selection for images whose channels are the last axis, (..., H, W, C)."""
        return self.gather.on_channels_last()


class GatherPlan(Plan):
    """x[..., rows[i], cols[j]] for C-contiguous images of `shape` (in torch layout) by a kernel: in torch layout,
    columns every 2, 3 or 4 values by `_gather_every`; otherwise by `_gather`, which copies whole pixels (a value
    in torch layout, the C values of a pixel channels last). Other images by NumPy's indexing."""

    def __init__(self, shape: tuple[int, ...], rows: np.ndarray, cols: np.ndarray, dtype: np.dtype,
                 channels_last: bool = False):  # fmt: skip
        # Writeable copies of the indices: Numba takes read-only arrays (cached tables) 0.3 us more slowly.
        rows, cols = rows.copy(), cols.copy()
        self.shape, self.rows, self.cols, self.dtype, self.channels_last = shape, rows, cols, dtype, channels_last
        self._bits = bits = UNSIGNED_OF_SIZE[dtype.itemsize]
        self._as_bits = dtype == np.float16  # which Numba cannot take
        if channels_last:
            *leading, channels, height, width = shape
            pixel = np.dtype([("channels", bits, (channels,))])
            self._out_shape = (*leading, len(rows), len(cols), channels)
            self._numpy_index = (..., rows[:, None], cols, slice(None))
        else:
            *leading, height, width = shape
            channels, pixel = 1, bits
            self._out_shape = (*leading, len(rows), len(cols))
            self._numpy_index = (..., rows[:, None], cols)
        planes = math.prod(leading)
        self._planes_shape = (planes, height, width * channels)
        self._out_planes_shape = (planes, len(rows), len(cols) * channels)
        evenly_spaced = _evenly_spaced(cols)
        col_step = 0 if evenly_spaced is None else evenly_spaced.step
        if not channels_last and col_step in VECTOR_STEPS:
            self._kernel, self._arguments = _gather_every, (rows, int(cols[0]), col_step)
        else:
            self._kernel, self._arguments = _gather, (rows, cols, col_step, pixel)
        if planes * height * width * channels < PARALLEL_MIN_VALUES:  # never on threads (parallel_threads)
            self._kernel = self._kernel.serial  # without PlaneKernel's choice: 0.3 us, a tenth of a 256 px copy

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0 or not x.flags.c_contiguous:  # the kernels view rows of values as rows of pixels
            return np.ascontiguousarray(x[self._numpy_index])
        out = np.empty(self._out_shape, self.dtype)
        source, dest = (x.view(self._bits), out.view(self._bits)) if self._as_bits else (x, out)
        if source.shape != self._planes_shape:  # else a (B, H, W) image, which is its planes
            source, dest = source.reshape(self._planes_shape), dest.reshape(self._out_planes_shape)
        self._kernel(source, *self._arguments, dest)
        return out

    def on_channels_last(self) -> GatherPlan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        return GatherPlan(self.shape, self.rows, self.cols, self.dtype, channels_last=True)


def _evenly_spaced(indices: np.ndarray) -> slice | None:
    """The slice that picks `indices`, if they rise by one step > 0 (a single index counts), else None."""
    step = int(indices[1] - indices[0]) if len(indices) > 1 else 1
    if step < 1 or np.any(np.diff(indices) != step):
        return None
    return slice(int(indices[0]), int(indices[-1]) + 1, step)


def resample_plan(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> Plan:
    """Apply the row and column tables to the last two axes of images of `dtype`, in any torch layout.

    Fixed-point tables (weights.to_fixed_point, for uint8) follow torch's fixed point: per pass,
    out = clamp((2^(p-1) + sum w16 * in) >> p, 0, 255), columns first into a uint8 temporary (as torch), then rows.
    Sums fit int32 as in torch: the weights are below 2^15 and sum to about 2^p <= 2^22.
    Otherwise float32 and float64 accumulate in their own dtype, float16 in float32 rounded once to float16 (as
    torch). Integers give the value rounded to the nearest integer (ties to even), saturated to the range of their
    dtype (never wrapped): exactly for box tables (every weight of an output is 1 / d for an integer d: pooling,
    area), whose window sums are made in exact integer arithmetic and then divided (ExactBoxPlan); otherwise (the
    Gaussian) from the float64 result, which 8-bit images get from float32 sums checked against its error bound
    (TieCheckedPlan).
    """
    if dtype.kind in "iu" and rows.precision is None:
        divisor = box_divisor(rows, cols)
        if divisor is not None:
            return ExactBoxPlan(rows, cols, divisor, dtype)
        if tie_margin(rows, cols, dtype) <= TIE_MARGIN_LIMIT:
            return TieCheckedPlan(rows, cols, dtype)
    return SeparablePlan(rows, cols, dtype)


class SeparablePlan(Plan):
    """A row table and a column table applied by the engine's kernel for the dtype.

    uint8 with fixed-point tables: `_resample_uint8`, bit for bit torch's. Floats: `_resample_float` in float32 or
    float64 (float16 in float32, rounded once). Other integers: `_resample_float` in float64 (or `compute`), rounded
    (ties to even) and saturated.
    """

    def __init__(
        self, rows: AxisTable, cols: AxisTable, dtype: np.dtype, channels_last: bool = False, compute=None
    ):
        self.rows, self.cols, self.dtype, self.channels_last = rows, cols, dtype, channels_last
        if rows.precision is not None:
            self.kernel, self.compute = _resample_uint8, np.dtype(np.uint8)
            self._arguments = (*tap_pairs(rows), rows.precision, *tap_pairs(cols), cols.precision)
        else:
            self.kernel = _resample_float
            if compute is None:
                compute = dtype if dtype in _checks.FLOAT_DTYPES else COMPUTE_DTYPE[dtype.kind]
            self.compute = np.dtype(compute)
            self._arguments = (rows.index, rows.weight.astype(self.compute), rows.count, cols.index,
                               cols.weight.astype(self.compute), cols.count)  # fmt: skip

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = self.weighted_sums(x)
        if self.dtype.kind in "iu" and self.compute != self.dtype:
            return _saturate(np.rint(out), self.dtype)
        return out.astype(self.dtype, copy=False)

    def weighted_sums(self, x: np.ndarray) -> np.ndarray:
        """The kernel's result in its compute dtype, with x's leading (and channel) axes."""
        source = x.astype(self.compute, copy=False) if self.dtype.kind == "f" else x
        n_out = (self.rows.n_out, self.cols.n_out)
        return plans.on_channel_planes(self.kernel, source, self.channels_last, self._arguments, n_out, self.compute)

    def on_channels_last(self) -> SeparablePlan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        return SeparablePlan(self.rows, self.cols, self.dtype, True, self.compute)


def box_divisor(rows: AxisTable, cols: AxisTable) -> np.ndarray | None:
    """The integer divisor d_i e_j of each output (i, j) of two box tables (every weight of output i of rows is
    1 / d_i, of output j of cols 1 / e_j), or None if either is not a box table."""
    divisors = _box_divisors(rows), _box_divisors(cols)
    if divisors[0] is None or divisors[1] is None:
        return None
    return divisors[0][:, None] * divisors[1][None, :]


def _box_divisors(table: AxisTable) -> np.ndarray | None:
    """The integer d_i of each output of a box table (all its weights 1 / d_i), or None if it is not one."""
    weight = table.weight[:, 0]
    with np.errstate(divide="ignore"):  # a weight of 0 or above 2 is no box's
        divisors = np.rint(1 / weight)
        exact = np.all(1 / divisors == weight)
    taps = np.arange(table.weight.shape[1]) < table.count[:, None]
    if not (np.all(np.abs(divisors) < 2**51) and exact and np.all((table.weight == weight[:, None]) | ~taps)):
        return None
    return divisors.astype(np.int64)


DIGIT_BITS = 16


class ExactBoxPlan(SeparablePlan):
    """out = round(window sum / divisor) (ties to even), saturated, for integer images and box tables.

    The sums are made by the float kernel with unit weights. Where every sum stays below 2^23 in size (uint8 and
    int8 images, 16-bit ones in small windows) and divisors below 2^24, in float32: the sums are exact, and so is
    rint(s / d) of their float32 quotient (its rounding error, below |s / d| 2^-24, is less than the 1 / (2 |d|)
    that separates any s / d that is not a tie from a tie). Otherwise in float64, exact below 2^53, with one
    correction step of the quotient (`_nearest_quotients`): for values up to 32 bits and windows up to 2^21 pixels
    directly; beyond, on the image split into 16-bit digits, whose sums are joined in Python integers (for 64-bit
    values, or huge windows).
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, divisor: np.ndarray, dtype: np.dtype,
                 channels_last: bool = False):  # fmt: skip
        info = np.iinfo(dtype)
        largest = max(-info.min, info.max) * int(rows.count.max()) * int(cols.count.max())
        compute = np.float32 if largest < 2**23 and np.abs(divisor).max() < 2**24 else np.float64
        self.digits = 1 if largest < 2**53 else info.bits // DIGIT_BITS
        self.divisor = divisor
        self._divisors_per_value = {}
        units = (rows._replace(weight=np.ones_like(rows.weight)), cols._replace(weight=np.ones_like(cols.weight)))
        super().__init__(*units, dtype, channels_last, compute)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        divisor = self.divisor[:, :, None] if self.channels_last else self.divisor  # broadcasts against the sums
        info = np.iinfo(self.dtype)
        if self.digits > 1:
            sums = 0
            for d in range(self.digits):
                digit = x >> (DIGIT_BITS * d)
                if d < self.digits - 1:  # the top digit keeps the sign
                    digit = digit & (2**DIGIT_BITS - 1)
                sums = sums + self.weighted_sums(digit).astype(np.int64).astype(object) * (1 << (DIGIT_BITS * d))
            quotients = _NEAREST_QUOTIENT_OF_OBJECTS(sums, divisor.astype(object))
        elif self.compute == np.float32:
            sums = self.weighted_sums(x)
            per_value = self._divisor_per_value(x.shape[-1] if self.channels_last else 1)
            planes = math.prod(sums.shape[: -3 if self.channels_last else -2])
            out = np.empty(sums.shape, self.dtype)
            _rounded_quotients(sums.reshape(planes, per_value.size), per_value, info.min, info.max,
                               out.reshape(planes, per_value.size))  # fmt: skip
            return out
        else:
            sums = self.weighted_sums(x)
            quotients = np.empty(sums.shape, np.int64)
            _nearest_quotients(sums.ravel(), np.broadcast_to(divisor, sums.shape).ravel(), quotients.ravel())
        return np.clip(quotients, info.min, info.max, out=quotients).astype(self.dtype)

    def _divisor_per_value(self, channels: int) -> np.ndarray:
        """The float32 divisor of each value of an output plane of `channels` interleaved channels, flat, so that
        _rounded_quotients sweeps both arrays in step (kept per channel count)."""
        divisor = self._divisors_per_value.get(channels)
        if divisor is None:
            divisor = np.repeat(self.divisor.astype(np.float32).ravel(), channels)
            self._divisors_per_value[channels] = divisor
        return divisor

    def on_channels_last(self) -> ExactBoxPlan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        return ExactBoxPlan(self.rows, self.cols, self.divisor, self.dtype, channels_last=True)  # its unit tables


@njit(cache=True, error_model="numpy")  # no division-by-zero branch (divisors are not 0): it vectorises
def _rounded_quotients(sums, divisor, lowest, highest, out):
    """out[p, k] = clip(rint(sums[p, k] / divisor[k]), lowest, highest): ExactBoxPlan's float32 quotients, rounded
    to the nearest integer (ties to even) and saturated, in one sweep."""
    for p in range(sums.shape[0]):
        for k in range(sums.shape[1]):
            out[p, k] = min(max(np.rint(sums[p, k] / divisor[k]), lowest), highest)


TIE_MARGIN_LIMIT = 2.0**-8
"""The largest tie margin E (`tie_margin`) with which an integer plan sums in float32 (TieCheckedPlan): about 2E of the
outputs (on images whose fractions spread evenly) come within E of a half-integer and are computed again in float64,
one by one. Measured on uint8 Gaussians (one thread): a recomputation costs about as much as 90 outputs of the
float32 kernel at 13 taps, and float32 with its recomputations is only as fast as float64 near E = 1e-2 (step 96-128
on 2048 px); at 2^-8 (step 32, 125 taps) it is faster, and more so at smaller E (step 4). 8-bit images meet the limit
up to step 32; 16-bit ones do not (E = 0.11 for uint16 at step 4), and keep float64."""


def tie_margin(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> float:
    """E, a bound on |float32 result - float64 result| of the float kernel for images of the integer `dtype`
    (the proof is TieCheckedPlan's); infinite where the proof does not hold: values that float32 does not hold
    exactly (beyond 2^24), or so many taps that gamma_{n + 2} exceeds 1."""
    info = np.iinfo(dtype)
    largest = max(-int(info.min), int(info.max))
    taps = int(rows.count.max()) + int(cols.count.max())
    row_sum, col_sum = _largest_absolute_sum(rows), _largest_absolute_sum(cols)
    float32_growth, float64_growth = _gamma(taps + 2, 2.0**-24), _gamma(taps, 2.0**-53)
    if largest > 2**24 or float32_growth > 1:
        return math.inf
    rounding = largest * row_sum * col_sum * (float32_growth + float64_growth)
    underflow = taps * (largest + 1) * (row_sum + 1) * (col_sum + 1) * 2.0**-146
    return (rounding + underflow) * (1 + 2.0**-20)  # covers the float64 rounding of this formula


def _largest_absolute_sum(table: AxisTable) -> float:
    """max_i sum_{t < count[i]} |weight[i, t]|: how much one output of the table can grow its inputs."""
    taps = np.arange(table.weight.shape[1]) < table.count[:, None]
    return float(np.where(taps, np.abs(table.weight), 0).sum(axis=1).max())


def _gamma(k: int, unit_roundoff: float) -> float:
    """Higham's gamma_k = k u / (1 - k u): |theta| <= gamma_k for a product of k factors (1 + delta), |delta| <= u."""
    return k * unit_roundoff / (1 - k * unit_roundoff) if k * unit_roundoff < 1 else math.inf


class TieCheckedPlan(Plan):
    """The float64 plan's result (SeparablePlan: rint of the float64 sums, saturated), bit for bit, from float32
    sums: integer images through float tables (the Gaussians, the binomial pyramid) where the tie margin E is at most
    TIE_MARGIN_LIMIT (8-bit images).

    Each plane is summed by the float kernel in float32 with float32 weights; a sum at least E from every
    half-integer is rounded and saturated as it is, and any other output (rare: within E of k + 1/2) is computed
    again exactly as the float64 plan computes it (`_float64_output`).

    Why that gives the float64 plan's result. One output is o = sum_{r, c} a_r b_c v_rc over its n_r row taps a_r
    and n_c column taps b_c (the tables' float64 weights, read as exact reals) and the integers v_rc, |v_rc| <= M
    (the largest magnitude of the dtype). A = max_i sum_r |a_r| and B = max_j sum_c |b_c| over the tables' outputs,
    n = n_r + n_c (their largest counts), u = 2^-24 (float32) or 2^-53 (float64), gamma_k = k u / (1 - k u).
    In float32 a row value is rho_c = sum_r fl(fl(a_r) v_rc) summed in some order from 0 (v_rc is exact in float32,
    M <= 2^24): each term goes through at most the weight's rounding, the product's and n_r - 1 additions (the
    kernel's fused multiply-adds round a product and its addition once, which this count covers), so
    rho_c = sum_r a_r v_rc (1 + theta_rc) with |theta_rc| <= gamma_{n_r + 1} (Higham, Accuracy and Stability of
    Numerical Algorithms, lemma 3.1). The columns pass does the same to the rho_c: o32 = sum_c b_c rho_c
    (1 + theta'_c), |theta'_c| <= gamma_{n_c + 1}. With (1 + gamma_j)(1 + gamma_k) <= 1 + gamma_{j + k} (lemma 3.3),

        |o32 - o| <= gamma_{n + 2} sum_{r, c} |a_r b_c v_rc| <= gamma_{n + 2} M A B   (u = 2^-24),

    and the float64 plan, whose weights are not rounded, |o64 - o| <= gamma_n M A B (u = 2^-53). Underflow (a
    subnormal weight or product; sums that underflow are exact) adds at most 2^-150 per rounding in float32, 2^-1075
    in float64, which over both passes (with gamma_{n + 2} <= 1) stays below n (M + 1)(A + 1)(B + 1) 2^-146.
    `tie_margin` is the sum E of these bounds, so |o32 - o64| <= E. If o32 is more than E from every half-integer,
    o64 lies strictly between the same two half-integers, so rint(o64) = rint(o32), and saturation is the same clip
    of the same integer. The kernel takes o32 where |o32 - rint(o32)| < tie_threshold, a float32 at most 1/2 - E
    (the difference is exact in float32, by Sterbenz's lemma), so where o32 is more than E from every
    half-integer. The recomputation repeats the float64 kernel's roundings in its order: the same chain of fused
    multiply-adds, tap after tap from 0.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype, channels_last: bool = False):
        self.rows, self.cols, self.dtype, self.channels_last = rows, cols, dtype, channels_last
        self.tie_margin = tie_margin(rows, cols, dtype)
        tie_threshold = np.nextafter(np.float32(0.5 - self.tie_margin), np.float32(0))
        info = np.iinfo(dtype)
        self._arguments = (
            rows.index, rows.weight.astype(np.float32), rows.count, cols.index, cols.weight.astype(np.float32),
            cols.count, rows.weight.astype(np.float64), cols.weight.astype(np.float64), tie_threshold,
            np.float32(info.min), np.float32(info.max),
        )  # fmt: skip

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n_out = (self.rows.n_out, self.cols.n_out)
        return plans.on_channel_planes(_resample_tie_checked, x, self.channels_last, self._arguments, n_out,
                                         self.dtype)  # fmt: skip

    def on_channels_last(self) -> TieCheckedPlan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        return TieCheckedPlan(self.rows, self.cols, self.dtype, channels_last=True)


@njit(cache=True, error_model="numpy")
def _nearest_quotient(s, d, q):
    """s / d rounded to the nearest integer, ties to even, for integers s and d != 0 (Python's or int64), given an
    estimate q within 1.5 of it (one correction step)."""
    if d < 0:
        s, d = -s, -d
    twice_remainder = 2 * (s - q * d)  # 2 d (s / d - q)
    if twice_remainder > d or (twice_remainder == d and q & 1):
        return q + 1
    if twice_remainder < -d or (twice_remainder == -d and q & 1):
        return q - 1
    return q


_NEAREST_QUOTIENT_OF_OBJECTS = np.frompyfunc(lambda s, d: _nearest_quotient.py_func(s, d, s // d), 2, 1)
"""_nearest_quotient on arrays of Python integers, elementwise, from the exact floor s // d."""


@njit(cache=True, error_model="numpy")  # no division-by-zero check (divisors are not 0), which is 6x faster
def _nearest_quotients(sums, divisor, out):
    """out[k] = sums[k] / divisor[k] rounded (_nearest_quotient) for whole float64 sums below 2^53 in size: the
    float quotient, rounded, is within 1.5 of the true one (its error is below |s / d| 2^-53 < 1)."""
    for k in range(sums.shape[0]):
        s, d = sums[k], divisor[k]
        out[k] = _nearest_quotient(np.int64(s), d, np.int64(np.rint(s / d)))


def _saturate(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Whole float64 values as `dtype`, clipped to its range; 64-bit limits, which float64 rounds up to 2^63 or
    2^64 (outside the range), become the dtype's largest value instead of wrapping."""
    info = np.iinfo(dtype)
    clipped = np.clip(values, info.min, info.max)
    above = clipped >= 2.0 ** (info.bits - (info.min < 0))
    out = np.where(above, 0, clipped).astype(dtype)
    out[above] = info.max
    return out


class TorchOrderPlan(Plan):
    """float16 plain bilinear / bicubic as torch's non-separable CPU kernel computes it, in plain NumPy.

        out[i, j] = sum_r rows.weight[i, r] * (sum_c cols.weight[j, c] * x[rows.index[i, r], cols.index[j, c]])

    The taps along the width are summed first, each sum is a chain of float32 fused multiply-adds (fused_sum),
    and the result is rounded once to `dtype`. The weights are the float16 values torch stores; every
    output uses all its taps (count is the tables' width), as plain bilinear / bicubic tables have it. (The
    engine sums rows first, which for float32 changes nothing beyond float32 rounding but for float16 changes how
    about one output in five rounds.)
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype):
        self.rows, self.cols, self.dtype = rows, cols, dtype

    @np.errstate(invalid="ignore", over="ignore")  # NaN and infinities spread as in torch, silently
    def __call__(self, x: np.ndarray) -> np.ndarray:
        rows, cols = self.rows, self.cols
        x = x.astype(np.float32)
        along_width = [
            fused_sum([(x[..., rows.index[:, r, None], cols.index[None, :, c]], cols.weight[:, c].astype(np.float32))
                        for c in range(cols.index.shape[1])])
            for r in range(rows.index.shape[1])
        ]
        along_height = [(values, rows.weight[:, r, None].astype(np.float32)) for r, values in enumerate(along_width)]
        return fused_sum(along_height).astype(self.dtype)


@plane_kernel()
def _gather(planes, rows, cols, col_step, pixel, out):
    """out[p, i, j] = planes[p, rows[i], cols[j]] for pixels of the dtype `pixel`: the rows of planes, (B, H, W * C),
    and of out, (B, h, w * C), are seen as rows of pixels of C values, each copied whole. Evenly spaced cols (a
    col_step > 0) are read as a strided row, measured faster than through their indices."""
    source_pixels, out_pixels = planes.view(pixel), out.view(pixel)
    for p in prange(planes.shape[0]):
        for i in range(rows.shape[0]):
            row, dest = source_pixels[p, rows[i]], out_pixels[p, i]
            if col_step:
                kept = row[cols[0] :: col_step]
                for j in range(dest.shape[0]):
                    dest[j] = kept[j]
            else:
                for j in range(dest.shape[0]):
                    dest[j] = row[cols[j]]


VECTOR_STEPS = (2, 3, 4)
"""The column steps `_gather_every` picks by vectors (strided_vector); others go to `_gather`."""


@plane_kernel()
def _gather_every(planes, rows, first_col, col_step, out):
    """out[p, i, j] = planes[p, rows[i], first_col + j col_step] for planes (B, H, W) (float16 as its bits) and a
    col_step in VECTOR_STEPS, by `_strided_rows`."""
    for p in prange(planes.shape[0]):
        if col_step == 2:
            _strided_rows(planes, p, rows, first_col, 2, out)
        elif col_step == 3:
            _strided_rows(planes, p, rows, first_col, 3, out)
        else:
            _strided_rows(planes, p, rows, first_col, 4, out)


@njit(cache=True)
def _strided_rows(planes, p, rows, first_col, step, out):
    """out[p, i, :] = planes[p, rows[i], first_col::step] (as many as a row of out holds), by vectors
    (`strided_vector`) for a literal step. In each row, the values before the first vector whose read starts on a
    cache line one by one (NumPy aligns arrays to 16 bytes; a vector read across two lines is slower), then whole
    vectors, the last overlapping the one before and its read ending inside the row, then the last value (where
    the row ends less than a step after it) one by one."""
    literally(step)
    lanes, width, n = strided_vector_width(out), planes.shape[2], out.shape[2]
    peel_limit = lanes if n >= 2 * lanes else 0  # a row of one or two vectors is read as they fall
    last_start = (width - first_col) // step - lanes  # of a vector whose read ends inside the row
    for i in range(rows.shape[0]):
        r = rows[i]
        row_start = planes.ctypes.data + ((p * planes.shape[1] + r) * width + first_col) * planes.itemsize
        j = 0
        while j < peel_limit and (row_start + j * step * planes.itemsize) % CACHE_LINE_BYTES:
            out[p, i, j] = planes[p, r, first_col + j * step]
            j += 1
        while j + lanes <= n and j <= last_start:
            strided_vector(planes, p, r, first_col + j * step, step, out, i, j)
            j += lanes
        if j < n and n >= lanes and last_start >= 0:
            j = min(n - lanes, last_start)
            strided_vector(planes, p, r, first_col + j * step, step, out, i, j)
            j += lanes
        for k in range(j, n):
            out[p, i, k] = planes[p, r, first_col + k * step]


@njit(cache=True)
def _weighted_rows(source, index, weight, count, dest):
    """dest[i, :] = sum_{t < count[i]} weight[i, t] * source[index[i, t], :], a tap after another, fused, the rows
    in vertical strips (`_strip_width`).

    Wide chunks (`weighted_wide_chunk`), the last one overlapping the one before where it does not divide the strip
    (it writes some values twice, the same); rows narrower than a wide chunk one vector at a time, the last
    overlapping likewise, and rows narrower than a vector value by value, in the same order. Where the rows do not
    start on a cache line (NumPy aligns its arrays to 16 bytes), a first vector reaches the next line, so that each
    64-byte load of the wide chunks reads one line.
    """
    narrow = weighted_vector_width(dest)
    width, wide = source.shape[1], WIDE_CHUNK_VECTORS * narrow
    if width < narrow:
        for i in range(dest.shape[0]):
            for x in range(width):
                total = dest.dtype.type(0)
                for t in range(count[i]):
                    total = fma(weight[i, t], dest.dtype.type(source[index[i, t], x]), total)
                dest[i, x] = total
        return
    strip = _strip_width(width, weight.shape[1], source.itemsize)
    to_line = (-(source.ctypes.data // source.itemsize)) % (CACHE_LINE_BYTES // source.itemsize)
    peel = 0 < to_line <= narrow and width >= wide
    for start in range(0, width, strip):
        end = min(start + strip, width)
        for i in range(dest.shape[0]):
            x0 = min(start, width - narrow)
            if peel:
                weighted_vector(source, index, weight, count[i], dest, i, x0)
                x0 += to_line
            while x0 < end:
                if width >= wide:
                    x0 = min(x0, width - wide)
                    weighted_wide_chunk(source, index, weight, count[i], dest, i, x0)
                    x0 += wide
                else:
                    x0 = min(x0, width - narrow)
                    weighted_vector(source, index, weight, count[i], dest, i, x0)
                    x0 += narrow


STRIP_BYTES = 1 << 14
"""The most bytes that the input rows of one output row's taps may span before `_weighted_rows` works in vertical
strips (`_strip_width`)."""


@njit(cache=True)
def _strip_width(width, taps, itemsize):
    """The width of the strips `_weighted_rows` sweeps rows of `width` values in: the whole row, unless the `taps`
    rows an output row reads would span more than STRIP_BYTES; then equal strips, in multiples of 16 values, whose
    taps span at most about STRIP_BYTES.

    Consecutive output rows read mostly the same input rows, which stay in the L1 cache (32-48 KiB) only while the
    strip is narrow enough. The chunks of `_weighted_rows` keep their sums in registers, so a strip costs no more
    than a whole row. Measured at 256 px, 3 channels last against torch layout (whose rows of 1 KiB need no
    strips), float32: bicubic (16 taps, 48 KiB) 1.25x -> 0.92x, lanczos (25 taps) 1.21x -> 1.06x, bilinear 0.99x ->
    0.87x, gaussian 1.14x -> 1.04x with STRIP_BYTES = 16 KiB instead of 64 KiB.
    """
    widest = max(16, STRIP_BYTES // (taps * itemsize))
    strips = -(-width // widest)
    if strips == 1:
        return width
    values_per_strip = -(-width // strips)
    return -(-values_per_strip // 16) * 16


BLOCK_BYTES = 1 << 17
"""The kept rows of a plane are made and turned into output rows a block at a time (`_block_rows`), so that the
block's temporaries stay in the CPU's L2 cache: a plane's worth of temporaries (megabytes at 2048 px and more) was
also given back to the OS by glibc after every call and faulted in again on the next (thousands of page faults per
call, several times the time)."""


@njit(cache=True)
def _block_rows(height, row_bytes):
    """Rows per block: about BLOCK_BYTES of them, a multiple of 16 and at least 32 (the columns pass loops over
    C x rows values: whole vectors, and not too few of them, measured faster at 2048-4096 px than blocks of any 8
    or more rows), at most the height."""
    return min(height, max(32, BLOCK_BYTES // row_bytes // 16 * 16))


@njit(cache=True)
def _resample_plane(plane, channels, row_index, row_weight, row_count, col_index, col_weight, col_count, out):
    """One (H, W * C) plane of C interleaved channels (C = 1 in torch layout) into out, (h, w * C).

    The kept rows are weighted sums of whole rows, (h, W * C); transposed, (W * C, h) is (W, C * h): W rows of every
    channel's column, so the same primitive makes the kept columns, (w, C * h), which transposed is (h, w * C).
    This is done for a block of kept rows at a time (BLOCK_BYTES).
    """
    height, width = out.shape[0], out.shape[1] // channels
    in_width = plane.shape[1] // channels
    block = _block_rows(height, plane.shape[1] * out.itemsize)  # the temporaries are of out.dtype
    for first in range(0, height, block):
        last = min(first + block, height)
        rows = np.empty((last - first, plane.shape[1]), out.dtype)
        _weighted_rows(plane, row_index[first:last], row_weight[first:last], row_count[first:last], rows)
        columns = transposed(rows).reshape(in_width, channels * (last - first))
        result_transposed = np.empty((width, channels * (last - first)), out.dtype)
        _weighted_rows(columns, col_index, col_weight, col_count, result_transposed)
        transpose_into(result_transposed.reshape(width * channels, last - first), out[first:last])


@plane_kernel()
def _resample_float(planes, channels, row_index, row_weight, row_count, col_index, col_weight, col_count, out):
    for p in prange(planes.shape[0]):
        _resample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count,
                        out[p])


@plane_kernel()
def _resample_tie_checked(
    planes, channels, row_index, row_weight, row_count, col_index, col_weight, col_count, row_weight64, col_weight64,
    tie_threshold, lowest, highest, out
):
    """Integer planes through float tables (TieCheckedPlan): each plane summed in float32 by _resample_plane, then
    rounded and saturated into out, except sums near a tie (_near_tie), whose float64 value (_float64_output) is
    rounded instead. Each row is rounded in a branch-free sweep that notes whether it holds a sum near a tie, and
    only then swept again for them: a branch in the first sweep made the rounding several times slower."""
    for p in prange(planes.shape[0]):
        sums = np.empty((out.shape[1], out.shape[2]), np.float32)
        _resample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count, sums)
        for i in range(sums.shape[0]):
            any_near_tie = False
            for q in range(sums.shape[1]):
                any_near_tie |= _near_tie(sums[i, q], tie_threshold)
                out[p, i, q] = min(max(np.rint(sums[i, q]), lowest), highest)
            if not any_near_tie:
                continue
            for q in range(sums.shape[1]):
                if _near_tie(sums[i, q], tie_threshold):
                    exact = _float64_output(planes[p], channels, i, q, row_index, row_weight64, row_count, col_index,
                                            col_weight64, col_count)  # fmt: skip
                    out[p, i, q] = min(max(np.rint(exact), lowest), highest)


@njit(cache=True)
def _near_tie(value, tie_threshold):
    """Whether `value` is tie_threshold or more from its nearest integer: near k + 1/2 (TieCheckedPlan)."""
    return abs(value - np.rint(value)) >= tie_threshold


@njit(cache=True)
def _float64_output(plane, channels, i, q, row_index, row_weight, row_count, col_index, col_weight, col_count):
    """Output (i, q) of a (H, W * C) plane as _resample_plane computes it in float64, bit for bit: the input values
    under its taps are gathered into a window, and _weighted_rows makes the kept row's values at its column taps,
    then their weighted sum. _weighted_rows computes each value of a row in the same order whatever the row's width
    and position, so these are the very roundings of the whole plane's passes."""
    j, channel = q // channels, q % channels
    n_rows, n_cols = row_count[i], col_count[j]
    window = np.empty((n_rows, n_cols), plane.dtype)
    for r in range(n_rows):
        for c in range(n_cols):
            window[r, c] = plane[row_index[i, r], col_index[j, c] * channels + channel]
    row_values = np.empty((1, n_cols))
    _weighted_rows(window, np.arange(n_rows).reshape(1, n_rows), row_weight[i : i + 1], row_count[i : i + 1],
                   row_values)  # fmt: skip
    value = np.empty((1, 1))
    _weighted_rows(row_values.reshape(n_cols, 1), np.arange(n_cols).reshape(1, n_cols), col_weight[j : j + 1],
                   col_count[j : j + 1], value)  # fmt: skip
    return value[0, 0]


def tap_pairs(table: AxisTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A fixed-point table's taps two by two, as `_fixed_point_rows` reads them: (pair_index, pair_weight,
    pair_count), where pair_index[i, k] holds the input indices of taps 2k and 2k + 1 of output i, pair_weight[i, k]
    their int16 weights packed in one int32 (tap 2k in the low 16 bits), pair_count[i] = ceil(count[i] / 2). An odd
    last tap is paired with itself at weight 0."""
    pair_count = (table.count + 1) // 2
    taps = 2 * max(int(pair_count.max(initial=0)), 1)
    inside = np.arange(taps) < table.count[:, None]
    index, weight = (np.zeros((table.n_out, taps), np.int64) for _ in range(2))
    used = min(taps, table.index.shape[1])
    index[:, :used], weight[:, :used] = table.index[:, :used], table.weight[:, :used]
    last_tap = index[np.arange(table.n_out), np.maximum(table.count - 1, 0)]
    index = np.where(inside, index, last_tap[:, None])
    weight = np.where(inside, weight, 0).astype(np.int16).view(np.uint16).astype(np.uint32)
    packed = (weight[:, 0::2] | weight[:, 1::2] << 16).view(np.int32)
    return index.reshape(table.n_out, taps // 2, 2), packed, pair_count.astype(np.int64)


@njit(cache=True)
def _fixed_point_rows(source, pair_index, pair_weight, pair_count, precision, dest):
    """dest[i, :] = clamp((2^(p-1) + sum_t weight[i, t] * source[index[i, t], :]) >> p, 0, 255), in int32 as torch,
    from the table's taps in pairs (`tap_pairs`).

    Wide chunks of values (`fixed_point_wide_chunk`), then chunks of NARROW_FIXED_POINT_CHUNK (32), the last
    overlapping the one before where 32 does not divide the width (it writes some values twice, the same). Rows
    narrower than 32 are computed value by value.
    """
    width, wide, narrow = source.shape[1], fixed_point_wide_chunk_width(), NARROW_FIXED_POINT_CHUNK
    tables = (pair_index, pair_weight)
    for i in range(dest.shape[0]):
        if width < narrow:
            for x in range(width):
                total = np.int32(1 << (precision - 1))
                for k in range(pair_count[i]):
                    low, high = np.int16(pair_weight[i, k] & 0xFFFF), pair_weight[i, k] >> 16
                    first, second = source[pair_index[i, k, 0], x], source[pair_index[i, k, 1], x]
                    total += low * np.int32(first) + high * np.int32(second)
                dest[i, x] = min(max(total >> precision, 0), 255)
            continue
        x0 = 0
        while x0 + wide <= width:
            fixed_point_wide_chunk(source, *tables, pair_count[i], precision, dest, i, x0)
            x0 += wide
        while x0 < width:
            x0 = min(x0, width - narrow)
            fixed_point_chunk_32(source, *tables, pair_count[i], precision, dest, i, x0)
            x0 += narrow


@plane_kernel()
def _resample_uint8(
    planes, channels, row_pair_index, row_pair_weight, row_pair_count, row_precision, col_pair_index, col_pair_weight,
    col_pair_count, col_precision, out
):
    """Planes of C interleaved channels, (H, W * C), as in _resample_plane; columns first, as torch: a block of input
    rows at a time (BLOCK_BYTES) is transposed, (W, C * b), and the row primitive makes its kept columns, which
    transposed are rows of the uint8 temporary (H, w * C); then the row primitive makes the kept rows from it. The
    tables come as `tap_pairs`."""
    height, in_width = planes.shape[1], planes.shape[2] // channels
    width = out.shape[2] // channels
    block = _block_rows(height, planes.shape[2])
    for p in prange(planes.shape[0]):
        columns_done = np.empty((height, width * channels), np.uint8)
        for first in range(0, height, block):
            last = min(first + block, height)
            columns = transposed(planes[p, first:last]).reshape(in_width, channels * (last - first))
            block_done = np.empty((width, channels * (last - first)), np.uint8)
            _fixed_point_rows(columns, col_pair_index, col_pair_weight, col_pair_count, col_precision, block_done)
            transpose_into(block_done.reshape(width * channels, last - first), columns_done[first:last])
        _fixed_point_rows(columns_done, row_pair_index, row_pair_weight, row_pair_count, row_precision, out[p])
