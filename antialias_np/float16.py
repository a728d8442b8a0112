"""float16 as torch 2.13 computes it on the CPU, step by step: windowed sums (avg_pool2d, adaptive_avg_pool2d,
FOMM's Gaussian), the summation orders of its interpolation kernels (fused_sum) and its channels-last bilinear
kernel (CornerBilinearPlan). Each was read in ATen's sources and settled by experiment: inputs whose outputs
differ between the candidate orders, checked against torch.

Windowed sums:

    out[i, j] = fl16( fl32( sum_r sum_c K[row.tap[i, r], col.tap[j, c]] * x[row.index[i, r], col.index[j, c]] )
                      / by[i, j] / then_by[i, j] )

The sum runs over the window's rows, and within each row over its columns (row-major), as a chain of float32
fused multiply-adds from 0; the two divisions are float32; the result is rounded once to float16. With K = 1 the
chain is torch's plain float32 sum (fma(1, x, s) rounds x + s once, as an add does). What each operation passes:

- avg_pool2d (ATen/native/cpu/AvgPoolKernel.cpp, cpu_avg_pool2d with acc_t = float): the sum over the part of
  the window inside the image, divided once by float(divisor) (the window's size, counting the padding or not,
  or divisor_override): by = divisor, then_by = 1.
- adaptive_avg_pool2d, interpolate(mode='area') (ATen/native/cpu/AdaptiveAvgPoolKernel.cpp,
  cpu_adaptive_avg_pool2d): sum / kh / kw, two float32 divisions: by = kh, then_by = kw.
- FOMM's Gaussian, F.conv2d on a float16 image: torch 2.13 runs oneDNN (mkldnn_convolution; brdgmm_dw for
  depthwise, brg_conv_fwd for one channel) on CPUs with AVX512-FP16, which accumulates the taps in float32 in
  this order from the float16 kernel K = fl16(g g^T): by = then_by = 1. Taps in the zero padding are dropped
  (fma(w, 0, s) = s).

Measured against torch 2.13 on its default kernels (NCHW images, tests/test_differential.py): bit for bit equal.
Elsewhere torch's slow_conv2d (CPUs without AVX512-FP16 or AMX-FP16) sums the Gaussian in another order: one
float16 step apart in 1.5e-4 of its outputs.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from antialias_np import _checks
from antialias_np._kernels import plane_kernel
from antialias_np._simd import fma
from antialias_np.weights import AxisTable, fused_multiply_add

FLOAT16 = np.dtype(np.float16)


class WindowSumPlan(_checks.Plan):
    """A float16 windowed sum (see the module): a float32 fused chain over the window, row-major, two float32
    divisions, one rounding to float16.

    rows, cols: the tables' windows (index, count; their weights are not read). kernel: K, float32 (float16 values);
    row_tap, col_tap: the row / column of K that each table tap reads. by, then_by: the divisors, (h, w) float32.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, kernel: np.ndarray, row_tap: np.ndarray,
                 col_tap: np.ndarray, by: np.ndarray, then_by: np.ndarray):  # fmt: skip
        self.rows, self.cols, self.kernel, self.row_tap, self.col_tap = rows, cols, kernel, row_tap, col_tap
        self.by, self.then_by = by, then_by
        self._arguments = (rows.index, row_tap, rows.count, cols.index, col_tap, cols.count, kernel, by, then_by)

    @np.errstate(over="ignore")  # beyond float16's range is inf, as in torch
    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.float32_result(x).astype(FLOAT16)

    def float32_result(self, x: np.ndarray) -> np.ndarray:
        """The result before its rounding to float16."""
        n_out = (self.rows.n_out, self.cols.n_out)
        return _checks.on_planes(_window_sums, x.astype(np.float32), self._arguments, n_out, np.float32)


def box_plan(rows: AxisTable, cols: AxisTable, by: np.ndarray, then_by: np.ndarray) -> WindowSumPlan:
    """The plain float32 sum over each window of two box tables (K = 1), divided by `by`, then by `then_by`."""
    one = np.ones((1, 1), np.float32)
    taps = (np.zeros(table.index.shape, np.int64) for table in (rows, cols))
    shape = (rows.n_out, cols.n_out)  # integer divisors are converted once, as C++ converts an int64 to float
    return WindowSumPlan(rows, cols, one, *taps, *(np.broadcast_to(d, shape).astype(np.float32) for d in (by, then_by)))


def window_sums_reference(plan: WindowSumPlan, x: np.ndarray) -> np.ndarray:
    """plan.float32_result(x) in plain NumPy, for (..., H, W) images: the taps outside a window read 0 (fma(0, x, s)
    would not be s for an infinite x, so they are masked, not weighted by 0)."""
    rows, cols = plan.rows, plan.cols
    row_tap, col_tap = plan.row_tap, plan.col_tap
    x = x.astype(np.float32)
    total = np.zeros((*x.shape[:-2], rows.n_out, cols.n_out), np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        for r in range(rows.index.shape[1]):
            for c in range(cols.index.shape[1]):
                inside = (r < rows.count)[:, None] & (c < cols.count)[None, :]
                values = np.where(inside, x[..., rows.index[:, r, None], cols.index[None, :, c]], 0)
                weight = np.where(inside, plan.kernel[row_tap[:, r, None], col_tap[None, :, c]], 0)
                total = fused_multiply_add(weight, values, total, np.float32)
        return total / plan.by / plan.then_by


def fused_sum(terms: list[tuple[np.ndarray, np.ndarray]], first_rounded: bool = False) -> np.ndarray:
    """sum values * weights over the terms in order, in float32, fused as GCC contracts torch's sums.

    `output = t * w; output += t * w; ...` (the generic interpolation kernel): the first product is fused with the
    second, which is rounded, and each later one is fused into the sum: fma(v2, w2, fma(v0, w0, v1 w1)).
    `v0 * w0 + v1 * w1 + ...` in one expression (the channels-last bilinear kernel), first_rounded: the first product
    is rounded and each later one fused: fma(v2, w2, fma(v1, w1, v0 w0)).
    """
    (values, weights), *rest = terms
    if not rest:
        return values * weights
    if first_rounded:
        total = values * weights
    else:
        (second, second_weights), *rest = rest
        total = fused_multiply_add(values, weights, second * second_weights, np.float32)
    for values, weights in rest:
        total = fused_multiply_add(values, weights, total, np.float32)
    return total


class CornerBilinearPlan(_checks.Plan):
    """float16 plain bilinear as torch's channels-last kernel computes it (UpSampleKernel.cpp,
    upsample_linear_channels_last), which torch runs for outputs with h + w <= 128 and, on one thread, for
    3-channel images. Per output, the four corners in the order 00, 01, 10, 11 with weights
    w_rc = fl32(rows.weight[i, r] * cols.weight[j, c]) from float32 tables (torch's float32 lambdas, never
    rounded to float16), summed in float32 and rounded once to float16:

        channels in whole vectors of VECTOR_CHANNELS:  fma(x00, w00, fma(x01, w01, fma(x10, w10, x11 w11)))
        the channels left over (its scalar loop):      fma(x11, w11, fma(x10, w10, fma(x01, w01, x00 w00)))

    Channels are axis -3 (torch's dimension 1); a 2-D image has one.
    """

    VECTOR_CHANNELS = 16
    """Channels per vector of the kernel's vector loop, measured with torch's AVX512 kernels (16 float32 lanes)."""

    def __init__(self, rows: AxisTable, cols: AxisTable):
        self.rows, self.cols = rows, cols

    @np.errstate(invalid="ignore", over="ignore")  # NaN and infinities spread as in torch, silently
    def __call__(self, x: np.ndarray) -> np.ndarray:
        rows, cols = self.rows, self.cols
        x = x.astype(np.float32)
        terms = [(x[..., rows.index[:, r, None], cols.index[None, :, c]],
                  (rows.weight[:, r, None] * cols.weight[None, :, c]).astype(np.float32))
                 for r in range(rows.index.shape[1]) for c in range(cols.index.shape[1])]  # fmt: skip
        out = fused_sum(terms, first_rounded=True)
        channels = x.shape[-3] if x.ndim > 2 else 1
        vectors = channels - channels % self.VECTOR_CHANNELS
        if vectors:
            out[..., :vectors, :, :] = fused_sum([(v[..., :vectors, :, :], w) for v, w in terms[::-1]], True)
        return out.astype(FLOAT16)


@plane_kernel(error_model="numpy")  # no division-by-zero branch: the divisors are window sizes
def _window_sums(planes, row_index, row_tap, row_count, col_index, col_tap, col_count, kernel, by, then_by, out):
    for p in prange(planes.shape[0]):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                total = np.float32(0)
                for r in range(row_count[i]):
                    source, weights = planes[p, row_index[i, r]], kernel[row_tap[i, r]]
                    for c in range(col_count[j]):
                        total = fma(weights[col_tap[j, c]], source[col_index[j, c]], total)
                out[p, i, j] = total / by[i, j] / then_by[i, j]


def gaussian_plan(rows: AxisTable, cols: AxisTable, g: np.ndarray, step: int) -> WindowSumPlan:
    """FOMM's Gaussian on float16 images: K = fl16(g g^T) (FOMM's float32 kernel in float16, equal to it for
    every scale 1/n with n <= 34 or 37 <= n <= 64; at n = 35 and 36, 8 of its weights round the other way), taps
    at the offsets of gaussian_table's windows (output i of an axis starts at step * i - len(g) // 2)."""
    kernel = np.outer(g, g).astype(FLOAT16).astype(np.float32)
    taps = [table.index - (np.arange(table.n_out) * step - len(g) // 2)[:, None] for table in (rows, cols)]
    taps = [np.clip(tap, 0, len(g) - 1) for tap in taps]  # beyond count: never read, kept inside K
    ones = np.ones((rows.n_out, cols.n_out), np.float32)
    return WindowSumPlan(rows, cols, kernel, *taps, ones, ones)
