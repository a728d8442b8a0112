"""Box filters: avg_pool2d and adaptive_avg_pool2d (torch's 'area' mode).

    avg_pool2d:           out[i, j] = sum over the k x k window at (s*i - p, s*j - p) / divisor
    adaptive_avg_pool2d:  out[i, j] = mean over rows [floor(i*H/h), ceil((i+1)*H/h)) and the same for columns

Both windows and both divisors factor into a row part and a column part, so each is a pair of box tables. torch's
CPU kernels (AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp) add a window's values one by one, row by row, in a
float32 accumulator (float64 for float64 images), whose rounding error grows with the window. Float images are
summed in that order (SequentialBoxPlan), except windows small enough that the separable engine, which sums each
axis apart and lands closer to the exact mean, is proven within the float promise of torch's result
(`separable_within_promise`). adaptive_avg_pool2d to 1 x 1 is torch's mean of the image (MeanPlan). Integer images
get exact means (exact_integers.ExactBoxPlan).
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np import _checks, plans
from antialias_np._half import FLOAT16, contiguous_as
from antialias_np._kernels import plane_kernel
from antialias_np._simd import weighted_vector_width, window_sums_vector
from antialias_np.engine import resample_plan
from antialias_np.exact_integers import box_divisor
from antialias_np.float16 import HalfBoxPlan
from antialias_np.reductions import channels_last_sum, inner_sum
from antialias_np.weights import AxisTable, adaptive_box_table, pool_table

Float = TypeVar("Float", bound=np.floating[Any])
"""The float dtype the box means are computed in."""

FLOAT_PROMISE = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}
"""The largest difference from torch promised for float results on [0, 1] images (absolute up to 1, relative above;
the README's fidelity table)."""


def avg_pool2d(
    x: npt.ArrayLike,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """The mean of each k x k window moved by a stride, as torch.nn.functional.avg_pool2d.

        out[i, j] = sum_{h0 <= h < h1, w0 <= w < w1} x[h, w] / divisor,   h0 = s * i - p, h1 = min(h0 + k, H + p)

    per axis, with padding p on both sides read as zeros. Output size per axis: floor((n + 2p - k) / s) + 1 (with
    ceil_mode: rounded up, dropping a window that would start in the right padding).

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        kernel_size: k, one int or (height, width).
        stride: s, one int or (height, width); the kernel size when None.
        padding: p, at most half the kernel size, one int or (height, width).
        ceil_mode: round the output size up instead of down.
        count_include_pad: divide by the window size counting the padding (True) or by the pixels inside the image.
        divisor_override: divide by this non-zero integer instead (negative allowed, as in torch).
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array in x's layout and dtype. Floats as torch: the window's sum, value by value, row by row and left
        to right, in float32 (float16 and float32 images) or float64, divided once by the divisor in that dtype and
        rounded to the image's dtype; small windows (up to 6 x 6 in float32) are summed per axis instead, which is
        proven within the float promise of that (separable_within_promise). Integers exactly: the window sum
        divided by the divisor, rounded to the nearest integer, ties to even, and saturated to the dtype's range.

    Raises:
        TypeError: x is not an array of a supported dtype, or a flag is not a bool.
        ValueError: a kernel, stride or padding outside its domain, or a kernel larger than the padded image.

    Equals:
        torch.nn.functional.avg_pool2d of torch 2.13: float16 bit for bit, float32 within 2e-6 and float64 within
        1e-12 on [0, 1] images (bit for bit where summed in torch's order). torch refuses integers except int64,
        which it truncates toward zero (9 / 6 gives 1 there, 2 here).

    Example:
        >>> avg_pool2d(np.arange(16, dtype=np.float32).reshape(4, 4), 2)
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """
    return plans.apply(avg_pool_plan, x, "x", channel_axis, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override)


class AvgPoolArguments(NamedTuple):
    """avg_pool2d's arguments, checked: (height, width) pairs, and the divisor of each axis (a number, or the
    window's size, "padded", or its pixels inside the image, "real"; divisor_override is the column axis's)."""

    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int]
    ceil_mode: bool
    divisors: tuple[float | str, float | str]
    divisor_override: int | None


def avg_pool_plan(
    image: _checks.ImageSpec,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> plans.Plan:
    """avg_pool2d for images of one shape and dtype (in torch layout): every argument checked, then the plan built
    from them (`build_avg_pool_plan`)."""
    checked = check_avg_pool_arguments(image, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                       divisor_override)  # fmt: skip
    return build_avg_pool_plan(image, checked)


def build_avg_pool_plan(image: _checks.ImageSpec, a: AvgPoolArguments) -> plans.Plan:
    """The plan of avg_pool2d for arguments checked for `image` (`check_avg_pool_arguments`)."""
    # 1. One box table per axis.
    rows, cols = (
        pool_table(n, k, s, p, a.ceil_mode, d)
        for n, k, s, p, d in zip(image.shape[-2:], a.kernel, a.strides, a.pads, a.divisors, strict=True)
    )
    if min(rows.n_out, cols.n_out) < 1:  # the tables count the windows
        raise ValueError(f"kernel_size {a.kernel} is larger than the padded {image.described}")
    # 2. The plan: torch's order of summation where the separable engine is not proven close enough to it.
    if image.dtype.kind == "f" and not separable_within_promise(rows, cols, image.dtype):
        # torch divides the window's sum once, by the whole divisor (an integer, converted as C++ converts it)
        divisor = np.int64(a.divisor_override) if a.divisor_override is not None else box_divisor(rows, cols)
        assert divisor is not None, "pool_table's tables are box tables"
        return sequential_box_plan(rows, cols, divisor, 1, image.dtype)
    return resample_plan(rows, cols, image.dtype)


def check_avg_pool_arguments(
    image: _checks.ImageSpec,
    kernel_size: object,
    stride: object,
    padding: object,
    ceil_mode: object,
    count_include_pad: object,
    divisor_override: object,
) -> AvgPoolArguments:
    """avg_pool2d's arguments checked for `image`, or the caller's TypeError / ValueError."""
    _checks.check_channels(image, "avg_pool2d")
    kernel = _checks.check_pair(kernel_size, "kernel_size", _checks.check_int, minimum=1)
    strides = kernel if stride is None else _checks.check_pair(stride, "stride", _checks.check_int, minimum=1)
    pads = _checks.check_pair(padding, "padding", _checks.check_int, minimum=0)
    ceil_mode = _checks.check_bool(ceil_mode, "ceil_mode")
    count_include_pad = _checks.check_bool(count_include_pad, "count_include_pad")
    if any(2 * p > k for p, k in zip(pads, kernel, strict=True)):
        raise ValueError(f"padding must be at most half of kernel_size, got padding={padding!r}, "
                         f"kernel_size={kernel_size!r}")
    if divisor_override is not None:  # the whole divisor on the column axis, 1 on the row axis
        divisor = _checks.check_int(divisor_override, "divisor_override", minimum=-(2**63) + 1, maximum=2**63 - 1)
        if divisor == 0:
            raise ValueError("divisor_override must not be 0 (None divides by the window size)")
        divisors: tuple[float | str, float | str] = (1.0, float(divisor))
    else:
        divisor = None
        divisors = ("padded", "padded") if count_include_pad else ("real", "real")
    return AvgPoolArguments(kernel, strides, pads, ceil_mode, divisors, divisor)


def adaptive_avg_pool2d(
    x: npt.ArrayLike, output_size: int | tuple[int | None, int | None], *, channel_axis: int | None = None
) -> np.ndarray:
    """The mean of windows that tile the image into an output_size grid, as torch.nn.functional.adaptive_avg_pool2d.

        out[i, j] = mean of x[h, w] over floor(i H / h_out) <= h < ceil((i + 1) H / h_out), and the same for w

    Windows overlap when the output size does not divide the input size (250 -> 64: [0, 4), [3, 8), [7, 12), ...).
    interpolate(mode='area') is this function.

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        output_size: (height, width) or one int for both; a None keeps that axis.
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array in x's layout and dtype. Floats as torch: the window's sum, value by value, row by row and left
        to right, in float32 (float16 and float32 images) or float64, divided in that dtype by its height and then
        by its width, rounded to the image's dtype (small windows, as avg_pool2d, summed per axis within the float
        promise); an output of 1 x 1 as torch's mean of the image (MeanPlan). Integers give the exact window mean
        rounded to the nearest integer, ties to even.

    Raises:
        TypeError: x is not an array of a supported dtype.
        ValueError: an output size outside 1 .. 2**24, or a layout that channel_axis does not resolve.

    Equals:
        torch.nn.functional.adaptive_avg_pool2d of torch 2.13 as avg_pool2d equals avg_pool2d; with channel_axis=-1,
        torch on the channels-last tensor of the same memory (the same but at 1 x 1, where torch's mean sums the
        channels in another order). At 1 x 1, torch sums a single plane of more than 32768 values on several
        threads in one part per thread; antialias_np follows it on one. torch refuses integers.

    Example:
        >>> adaptive_avg_pool2d(np.arange(16, dtype=np.float32).reshape(4, 4), (1, 3))
        array([[6.5, 7.5, 8.5]], dtype=float32)
    """
    return plans.apply(adaptive_avg_pool_plan, x, "x", channel_axis, output_size)


def adaptive_avg_pool_plan(image: _checks.ImageSpec, output_size: int | tuple[int | None, int | None]) -> plans.Plan:
    """adaptive_avg_pool2d for images of one shape and dtype (in torch layout): checked, its tables built."""
    # 1. Check the output size; 2. the tables and the plan.
    return build_adaptive_avg_pool_plan(image, check_output_size(image, output_size))


def check_output_size(image: _checks.ImageSpec, output_size: object) -> tuple[int, int]:
    """adaptive_avg_pool2d's output_size checked for `image` (a None keeps that axis's size)."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(n if m is None else m for n, m in zip(image.shape[-2:], output_size, strict=True))
    out = _checks.check_pair(output_size, "output_size", _checks.check_int, minimum=1)
    _checks.check_output_size(image, out, ("output_size", output_size), "adaptive_avg_pool2d")
    return out


def build_adaptive_avg_pool_plan(image: _checks.ImageSpec, out: tuple[int, int]) -> plans.Plan:
    """The plan of adaptive_avg_pool2d to a checked output size `out` (interpolate's 'area' mode too)."""
    if image.dtype.kind == "f" and out == (1, 1):  # torch takes the image's mean there
        return MeanPlan(image.dtype)
    rows, cols = (adaptive_box_table(n, m) for n, m in zip(image.shape[-2:], out, strict=True))
    if image.dtype.kind == "f" and not separable_within_promise(rows, cols, image.dtype):
        # torch divides the window's sum by its height, then by its width
        return sequential_box_plan(rows, cols, rows.count[:, None], cols.count[None, :], image.dtype)
    return resample_plan(rows, cols, image.dtype)


class MeanPlan(plans.Plan):
    """adaptive_avg_pool2d to 1 x 1 on float images as torch computes it, input.mean((-2, -1)) (a shortcut of torch's
    adaptive_avg_pool2d; a float16 image is converted to float32 first): each plane's sum in the order of torch's sum
    kernel for the memory it is handed (antialias_np.reductions: inner_sum in torch layout, channels_last_sum for the
    channels-last tensor that channel_axis=-1 stands for), divided by H W, rounded once to the image's dtype."""

    def __init__(self, dtype: np.dtype):
        self.dtype = np.dtype(dtype)
        self.compute = np.dtype(np.float64 if self.dtype == np.float64 else np.float32)

    @np.errstate(over="ignore", invalid="ignore")  # NaN and infinities spread as in torch, silently
    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.channels_last:
            *leading, height, width, channels = x.shape
        else:
            (*leading, height, width), channels = x.shape, 1
        if channels == 1:  # a channels-last tensor of one channel lies as a torch-layout one
            sums = inner_sum(x.reshape(-1, height * width).astype(self.compute).T)
        else:
            images = x.reshape(-1, height * width, channels).astype(self.compute)
            sums = np.array([channels_last_sum(image) for image in images])
        shape = (*leading, 1, 1, channels) if self.channels_last else (*leading, 1, 1)
        means: np.ndarray = (sums / self.compute.type(height * width)).astype(self.dtype)
        return means.reshape(shape)

    def reads_channels_last(self) -> bool:
        return True


def separable_within_promise(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> bool:
    """Whether the separable engine's result for two box tables is proven within FLOAT_PROMISE[dtype] of torch's
    sequential window sums, for every image of values in [0, 1] (never, for float16: bit for bit is promised).

    Why. One output is o = a b S, S = sum of the window's n = n_r n_c values x in [0, 1], a b = n / d its weight
    (a = sum of the row taps' weights, b of the column taps', d the divisor). torch adds the values one by one from
    0: the partial sum after m values is at most m, so the rounding of its m-th addition errs by at most
    ulp(m) / 2 <= 2^(floor(log2 m)) u (u = 2^-24 in float32, 2^-53 in float64), and in all by at most
    E(n) u = sum_{m=2}^{n} 2^(floor(log2 m)) u = ((4^k - 4) / 3 + 2^k (n - 2^k + 1)) u, k = floor(log2 n), or
    a b E(n) u / n after the division; each of its (at most two) divisions errs by at most u a b. The separable
    engine's result is within gamma_{n_r + n_c + 2} a b of o (TieCheckedPlan's bound, with M = 1, A = a, B = b;
    gamma_k = k u / (1 - k u)). So the two differ by at most

        a b (E(n) / n u + 2 u + gamma_{n_r + n_c + 2}),

    which must not exceed the promise for any output. In float32 that holds for windows up to 6 x 6 (7 x 7:
    2.2e-6), in float64 up to about 140 x 140.
    """
    if dtype not in FLOAT_PROMISE:
        return False
    unit = float(np.finfo(dtype).eps) / 2
    weight_rows, weight_cols = (_tap_weight_sums(table) for table in (rows, cols))
    windows = rows.count[:, None] * cols.count[None, :]
    k = np.frexp(windows.astype(np.float64))[1] - 1  # floor(log2 n)
    torch_error = ((4.0**k - 4) / 3 + 2.0**k * (windows - 2.0**k + 1)) / windows * unit
    taps = int(rows.count.max()) + int(cols.count.max()) + 2
    if taps * unit >= 1:
        return False
    separable_error = taps * unit / (1 - taps * unit)
    bound = weight_rows[:, None] * weight_cols[None, :] * (torch_error + 2 * unit + separable_error)
    return bool(bound.max() <= FLOAT_PROMISE[dtype])


def _tap_weight_sums(table: AxisTable) -> np.ndarray:
    """sum_{t < count[i]} |weight[i, t]| for each output i of a table."""
    taps = np.arange(table.weight.shape[1]) < table.count[:, None]
    sums: np.ndarray = np.where(taps, np.abs(table.weight), 0).sum(axis=1)
    return sums


def sequential_box_plan(
    rows: AxisTable, cols: AxisTable, by: np.ndarray | np.integer | int, then_by: np.ndarray | int, dtype: np.dtype
) -> plans.Plan:
    """SequentialBoxPlan, or for float16 windows up to HalfBoxPlan.WIDEST wide HalfBoxPlan (the same values, from
    the float16 bits, faster there)."""
    if dtype == FLOAT16 and cols.count.max() <= HalfBoxPlan.WIDEST:
        return HalfBoxPlan(rows, cols, by, then_by)
    return SequentialBoxPlan(rows, cols, by, then_by, dtype)


class SequentialBoxPlan(plans.Plan):
    """Box windows as torch's CPU pooling kernels compute them on float images:

        out[i, j] = 0 + fl(fl(fl(0 + x[h0, w0]) + x[h0, w0 + 1]) + ... + x[h1 - 1, w1 - 1]) / by[i, j] / then_by[i, j]

    the window's values added one by one from 0, row by row and left to right, in the compute dtype (float32 for
    float16 and float32 images, float64 for float64; the sum of a window of -0.0 is +0.0, as there); the divisors
    (integers) converted to it and divided in it; rounded once to the image's dtype. avg_pool2d passes its divisor
    and 1; adaptive_avg_pool2d the window's height and width. The leading 0 + is torch's: avg_pool2d adds the
    quotient to a zeroed output, so a -0.0 quotient (a window of zeros and a negative divisor) comes out +0.0.

    rows, cols: box tables (contiguous windows: index[i, t] = index[i, 0] + t); their weights are not read.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, by: np.ndarray | np.integer | int, then_by: np.ndarray | int,
                 dtype: np.dtype):  # fmt: skip
        self.rows, self.cols, self.dtype = rows, cols, np.dtype(dtype)
        self.compute = np.dtype(np.float64 if self.dtype == np.float64 else np.float32)
        shape = (rows.n_out, cols.n_out)
        self.by, self.then_by = (np.broadcast_to(d, shape).astype(self.compute) for d in (by, then_by))

    def _windows(self, width: int) -> tuple[np.ndarray, ...]:
        """The kernel's per-output arrays for planes `width` values wide, flat over the outputs and padded to at least
        MAX_LANES by repeats of the last output: each window's first value's place in the flat plane, its rows and
        its columns, and the divisors."""
        rows, cols = self.rows, self.cols
        outputs = rows.n_out * cols.n_out
        padded = np.minimum(np.arange(max(outputs, MAX_LANES)), outputs - 1)
        first = (rows.index[:, 0, None] * width + cols.index[None, :, 0]).ravel()[padded]
        heights = np.broadcast_to(rows.count[:, None], (rows.n_out, cols.n_out)).ravel()[padded]
        widths = np.broadcast_to(cols.count[None, :], (rows.n_out, cols.n_out)).ravel()[padded]
        return first, heights.copy(), widths.copy(), self.by.ravel(), self.then_by.ravel()

    @np.errstate(over="ignore")  # beyond float16's range is inf, as in torch
    def __call__(self, x: np.ndarray) -> np.ndarray:
        return contiguous_as(self.sums(x), self.dtype)

    def sums(self, x: np.ndarray) -> np.ndarray:
        """The result in the compute dtype, before its rounding to the image's dtype."""
        height, width = x.shape[-2:]
        planes = contiguous_as(x.reshape(-1, height * width), self.compute)
        out = np.empty((planes.shape[0], self.rows.n_out * self.cols.n_out), self.compute)
        _sequential_box_means(planes, *self._windows(width), width, out)
        return out.reshape(*x.shape[:-2], self.rows.n_out, self.cols.n_out)


MAX_LANES = 16
"""The most values in one vector of _simd.window_sums_vector (float32 with AVX-512)."""


@plane_kernel(error_model="numpy")  # no division-by-zero branch: the divisors are not 0
def _sequential_box_means(
    planes: npt.NDArray[Float],
    first: npt.NDArray[np.int64],
    heights: npt.NDArray[np.int64],
    widths: npt.NDArray[np.int64],
    by: npt.NDArray[Float],
    then_by: npt.NDArray[Float],
    width: int,
    out: npt.NDArray[Float],
) -> None:
    """SequentialBoxPlan on flat planes (B, H * W) into flat outputs (B, h * w), a vector of outputs at a time
    (_simd.window_sums_vector), the last vector overlapping the one before where the lanes do not divide the
    outputs; a vector whose reads would run past the end of the plane value by value, in the same order."""
    outputs = out.shape[1]
    lanes = weighted_vector_width(out)
    padded = max(outputs, lanes)
    tallest, widest = np.max(heights), np.max(widths)
    segment = lanes // 2 if widest <= lanes // 2 else lanes
    reach = first + (heights - 1) * width + -(-widest // segment) * segment  # past the last value a lane reads
    for p in prange(planes.shape[0]):
        plane = planes[p]
        sums = np.empty(padded, out.dtype)
        for q0 in range(0, padded, lanes):
            q0 = min(q0, padded - lanes)
            if reach[q0 : q0 + lanes].max() <= plane.shape[0]:
                window_sums_vector(plane, first, heights, widths, width, tallest, widest, q0, sums)
                continue
            for q in range(q0, q0 + lanes):
                total = out.dtype.type(0)
                for r in range(heights[q]):
                    for c in range(widths[q]):
                        total += plane[first[q] + r * width + c]
                sums[q] = total
        for q in range(outputs):
            out[p, q] = sums[q] / by[q] / then_by[q] + out.dtype.type(0)
