"""Integer images through float tables, rounded to the nearest integer (ties to even) and saturated, exactly.

Box tables (every weight of an output 1 / d: pooling, area) by exact window sums and a rounded integer quotient
(`ExactBoxPlan`, the `_nearest_quotient` kernels); other tables (the Gaussians), where the float32 error bound
`tie_margin` is small enough (8-bit images), by float32 sums whose few outputs near a tie are computed again in
float64 (`TieCheckedPlan`). engine.resample_plan picks between them and float_sums.SeparablePlan (float64).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np import plans
from antialias_np._kernels import njit, plane_kernel
from antialias_np.float_sums import SeparablePlan, resample_plane, weighted_rows
from antialias_np.plans import Plan
from antialias_np.weights import AxisTable


def box_divisor(rows: AxisTable, cols: AxisTable) -> np.ndarray | None:
    """The integer divisor d_i e_j of each output (i, j) of two box tables (every weight of output i of rows is
    1 / d_i, of output j of cols 1 / e_j), or None if either is not a box table."""
    divisors = _box_divisors(rows), _box_divisors(cols)
    if divisors[0] is None or divisors[1] is None:
        return None
    divisor: npt.NDArray[np.int64] = divisors[0][:, None] * divisors[1][None, :]
    return divisor


def _box_divisors(table: AxisTable) -> np.ndarray | None:
    """The integer d_i of each output of a box table (all its weights 1 / d_i), or None if it is not one."""
    weight = table.weight[:, 0]
    with np.errstate(divide="ignore"):  # a weight of 0 or above 2 is no box's
        divisors: npt.NDArray[np.float64] = np.rint(1 / weight)
        exact = np.all(1 / divisors == weight)
    taps = np.arange(table.weight.shape[1]) < table.count[:, None]
    if not (np.all(np.abs(divisors) < 2**51) and exact and np.all((table.weight == weight[:, None]) | ~taps)):
        return None
    return divisors.astype(np.int64)


DIGIT_BITS = 16


class ExactBoxPlan(SeparablePlan):
    """out = round(window sum / divisor) (ties to even), saturated, for integer images and box tables.

    The sums are made by the float kernel with unit weights: in float32 where every sum stays below 2^23 and every
    divisor below 2^24, else in float64 with one correction step of the quotient (`_nearest_quotients`), and for
    64-bit values or huge windows on the image split into 16-bit digits joined in Python integers. See Note: exact
    box quotients in docs/notes.md.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, divisor: np.ndarray, dtype: np.dtype):
        info = np.iinfo(dtype)
        largest = max(-info.min, info.max) * int(rows.count.max()) * int(cols.count.max())
        compute = np.float32 if largest < 2**23 and np.abs(divisor).max() < 2**24 else np.float64
        self.digits = 1 if largest < 2**53 else info.bits // DIGIT_BITS
        self.divisor = divisor
        self._divisors_per_value: dict[int, npt.NDArray[np.float32]] = {}
        units = (rows._replace(weight=np.ones_like(rows.weight)), cols._replace(weight=np.ones_like(cols.weight)))
        super().__init__(*units, dtype, compute)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        divisor = self.divisor[:, :, None] if self.channels_last else self.divisor  # broadcasts against the sums
        info = np.iinfo(self.dtype)
        if self.digits > 1:
            sums: np.ndarray | int = 0  # in Python integers
            for d in range(self.digits):
                digit = x >> (DIGIT_BITS * d)
                if d < self.digits - 1:  # the top digit keeps the sign
                    digit = digit & (2**DIGIT_BITS - 1)
                sums = sums + self.weighted_sums(digit).astype(np.int64).astype(object) * (1 << (DIGIT_BITS * d))
            quotients: np.ndarray = _NEAREST_QUOTIENT_OF_OBJECTS(sums, divisor.astype(object))
        elif self.compute == np.float32:
            per_value = self._divisor_per_value(x.shape[-1] if self.channels_last else 1)
            arguments = (*self._arguments, per_value, np.float32(info.min), np.float32(info.max))
            n_out = (self.rows.n_out, self.cols.n_out)
            return plans.on_channel_planes(_resample_box_float32, x, self.channels_last, arguments, n_out, self.dtype)
        else:
            sums = self.weighted_sums(x)
            quotients = np.empty(sums.shape, np.int64)
            _nearest_quotients(sums.ravel(), np.broadcast_to(divisor, sums.shape).ravel(), quotients.ravel())
        saturated: np.ndarray = np.clip(quotients, info.min, info.max, out=quotients)
        return saturated.astype(self.dtype)

    def _divisor_per_value(self, channels: int) -> np.ndarray:
        """The float32 divisor of each value of an output plane of `channels` interleaved channels, flat, so that
        _resample_box_float32 sweeps both in step (kept per channel count)."""
        divisor = self._divisors_per_value.get(channels)
        if divisor is None:
            divisor = np.repeat(self.divisor.astype(np.float32).ravel(), channels)
            self._divisors_per_value[channels] = divisor
        return divisor



@plane_kernel(error_model="numpy")  # divisors are not 0: see Note: division without a zero check
def _resample_box_float32(
    planes: npt.NDArray[np.integer],
    channels: int,
    row_index: npt.NDArray[np.int64],
    row_weight: npt.NDArray[np.float32],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_weight: npt.NDArray[np.float32],
    col_count: npt.NDArray[np.int64],
    divisor: npt.NDArray[np.float32],
    lowest: int,
    highest: int,
    out: npt.NDArray[np.integer],
) -> None:
    """ExactBoxPlan's float32 path, plane by plane: the window sums of a plane (resample_plane with unit weights),
    then out[p].flat[k] = clip(rint(sums.flat[k] / divisor[k]), lowest, highest), rounded to the nearest integer
    (ties to even) and saturated; `divisor` holds the divisor of each value of an output plane, flat. In one
    launch, so that threads share the quotients too."""
    for p in prange(planes.shape[0]):
        sums = np.empty((out.shape[1], out.shape[2]), np.float32)
        resample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count, sums)
        flat_sums, flat_out = sums.reshape(-1), out[p].reshape(-1)
        for k in range(flat_sums.shape[0]):
            flat_out[k] = min(max(np.rint(flat_sums[k] / divisor[k]), lowest), highest)


TIE_MARGIN_LIMIT = 2.0**-8
"""The largest tie margin E (`tie_margin`) with which an integer plan sums in float32 (TieCheckedPlan): about 2E of the
outputs come within E of a half-integer and are computed again in float64, one by one. 8-bit images meet the limit
up to step 32; 16-bit ones do not, and keep float64. See Note: the tie margin limit in docs/notes.md."""


def tie_margin(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> float:
    """E, a bound on |float32 result - float64 result| of the float kernel for images of the integer `dtype`
    (the proof is TieCheckedPlan's); infinite where the proof does not hold: values that float32 does not hold
    exactly (beyond 2^24), or so many taps that gamma_{n + 2} exceeds 1. See Note: tie-checked rounding in
    docs/notes.md."""
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

    Why that gives the float64 plan's result: see Note: tie-checked rounding in docs/notes.md.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype):
        self.rows, self.cols, self.dtype = rows, cols, dtype
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

    def reads_channels_last(self) -> bool:
        return True  # the kernel reads a plane's C interleaved channels as they are (plans.on_channel_planes)


@plane_kernel()
def _resample_tie_checked(
    planes: npt.NDArray[np.integer],
    channels: int,
    row_index: npt.NDArray[np.int64],
    row_weight: npt.NDArray[np.float32],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_weight: npt.NDArray[np.float32],
    col_count: npt.NDArray[np.int64],
    row_weight64: npt.NDArray[np.float64],
    col_weight64: npt.NDArray[np.float64],
    tie_threshold: np.float32,
    lowest: np.float32,
    highest: np.float32,
    out: npt.NDArray[np.integer],
) -> None:
    """Integer planes through float tables (TieCheckedPlan): each plane summed in float32 by resample_plane, then
    rounded and saturated into out, except sums near a tie (_near_tie), whose float64 value (_float64_output) is
    rounded instead. Each row is rounded in a branch-free sweep that notes whether it holds a sum near a tie, and
    only then swept again for them (see Note: tie-checked rounding in docs/notes.md)."""
    for p in prange(planes.shape[0]):
        sums = np.empty((out.shape[1], out.shape[2]), np.float32)
        resample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count, sums)
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
                    out[p, i, q] = min(max(np.rint(exact), np.float64(lowest)), np.float64(highest))


@njit(cache=True)
def _near_tie(value: np.float32, tie_threshold: np.float32) -> bool:
    """Whether `value` is tie_threshold or more from its nearest integer: near k + 1/2 (TieCheckedPlan)."""
    near: bool = abs(value - np.rint(value)) >= tie_threshold
    return near


@njit(cache=True)
def _float64_output(
    plane: npt.NDArray[np.integer],
    channels: int,
    i: int,
    q: int,
    row_index: npt.NDArray[np.int64],
    row_weight: npt.NDArray[np.float64],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_weight: npt.NDArray[np.float64],
    col_count: npt.NDArray[np.int64],
) -> np.float64:
    """Output (i, q) of a (H, W * C) plane as resample_plane computes it in float64, bit for bit: the input values
    under its taps are gathered into a window, and weighted_rows makes the kept row's values at its column taps,
    then their weighted sum. weighted_rows computes each value of a row in the same order whatever the row's width
    and position, so these are the very roundings of the whole plane's passes."""
    j, channel = q // channels, q % channels
    n_rows, n_cols = row_count[i], col_count[j]
    window = np.empty((n_rows, n_cols), plane.dtype)
    for r in range(n_rows):
        for c in range(n_cols):
            window[r, c] = plane[row_index[i, r], col_index[j, c] * channels + channel]
    row_values = np.empty((1, n_cols))
    weighted_rows(window, np.arange(n_rows).reshape(1, n_rows), row_weight[i : i + 1], row_count[i : i + 1],
                   row_values)  # fmt: skip
    value = np.empty((1, 1))
    weighted_rows(row_values.reshape(n_cols, 1), np.arange(n_cols).reshape(1, n_cols), col_weight[j : j + 1],
                   col_count[j : j + 1], value)  # fmt: skip
    output: np.float64 = value[0, 0]
    return output


@njit(cache=True, error_model="numpy")
def _nearest_quotient(s: int, d: int, q: int) -> int:
    """s / d rounded to the nearest integer, ties to even, for integers s and d != 0 (Python's, digits joined; int64
    when compiled), given an estimate q within 1.5 of it (one correction step)."""
    if d < 0:
        s, d = -s, -d
    twice_remainder = 2 * (s - q * d)  # 2 d (s / d - q)
    if twice_remainder > d or (twice_remainder == d and q & 1):
        return q + 1
    if twice_remainder < -d or (twice_remainder == -d and q & 1):
        return q - 1
    return q


_NEAREST_QUOTIENT_OF_OBJECTS: np.ufunc = np.frompyfunc(lambda s, d: _nearest_quotient.py_func(s, d, s // d), 2, 1)
"""_nearest_quotient on arrays of Python integers, elementwise, from the exact floor s // d."""


@njit(cache=True, error_model="numpy")  # divisors are not 0: see Note: division without a zero check
def _nearest_quotients(
    sums: npt.NDArray[np.float64], divisor: npt.NDArray[np.int64], out: npt.NDArray[np.int64]
) -> None:
    """out[k] = sums[k] / divisor[k] rounded (_nearest_quotient) for whole float64 sums below 2^53 in size: the
    float quotient, rounded, is within 1.5 of the true one (its error is below |s / d| 2^-53 < 1)."""
    for k in range(sums.shape[0]):
        s, d = sums[k], divisor[k]
        out[k] = _nearest_quotient(int(s), int(d), int(np.rint(s / d)))
