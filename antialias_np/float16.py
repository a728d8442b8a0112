"""float16 as torch 2.13 computes it on the CPU, step by step: its convolution (FOMM's Gaussian and the on-grid
filters), the summation orders of its interpolation kernels (fused_sum) and its channels-last bilinear kernel
(CornerBilinearPlan); the pools' window sums are pooling.SequentialBoxPlan's. Each was read in ATen's sources and
settled by experiment: inputs whose outputs differ between the candidate orders, checked against torch.

Convolution (F.conv2d on a float16 image with a float16 kernel K, zero padding, kept at every step-th output):

    out[i, j] = fl16( sum_r sum_c K[row.tap[i, r], col.tap[j, c]] * x[row.index[i, r], col.index[j, c]] )

The sum runs over the kernel's rows, and within each row over its columns (row-major), as a chain of float32
fused multiply-adds from 0, rounded once to float16: what torch 2.13 computes with oneDNN (mkldnn_convolution;
brdgmm_dw for depthwise, brg_conv_fwd for one channel) on CPUs with AVX512-FP16 or AMX-FP16, measured bit for bit
there on torch-layout images. Taps in the zero padding are dropped (fma(w, 0, s) = s). Elsewhere torch runs
slow_conv2d, which sums in another order (the README gives how far apart). FOMM's kernel is its float32 kernel
rounded to float16, as a FOMM module converted with .half() holds it (fomm_float16_kernel).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from antialias_np import plans
from antialias_np._kernels import plane_kernel
from antialias_np._simd import fma
from antialias_np.reductions import torch_sum_float32
from antialias_np.weights import AxisTable, fused_multiply_add, kept_kernel_table

FLOAT16 = np.dtype(np.float16)


class ConvolutionPlan(plans.Plan):
    """A float16 convolution (see the module): a float32 fused chain over the kernel's taps, row-major, rounded once
    to float16.

    rows, cols: the tables' windows (index, count; their weights are not read). kernel: K, float32 (float16 values);
    row_tap, col_tap: the row / column of K that each table tap reads.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, kernel: np.ndarray, row_tap: np.ndarray,
                 col_tap: np.ndarray):  # fmt: skip
        self.rows, self.cols, self.kernel, self.row_tap, self.col_tap = rows, cols, kernel, row_tap, col_tap
        self._arguments = (rows.index, row_tap, rows.count, cols.index, col_tap, cols.count, kernel)

    @np.errstate(over="ignore")  # beyond float16's range is inf, as in torch
    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.float32_result(x).astype(FLOAT16)

    def float32_result(self, x: np.ndarray) -> np.ndarray:
        """The result before its rounding to float16."""
        n_out = (self.rows.n_out, self.cols.n_out)
        return plans.on_planes(_convolution, x.astype(np.float32), self._arguments, n_out, np.float32)


def convolution_plan(rows: AxisTable, cols: AxisTable, kernel: np.ndarray, step: int) -> ConvolutionPlan:
    """The float16 convolution with the 2-D float16 kernel K (odd sides), zero padding of half its side, kept at every
    step-th output: taps at the offsets of kept_kernel_table's windows (output i of an axis starts at
    step * i - side // 2)."""
    taps = [table.index - (np.arange(table.n_out) * step - side // 2)[:, None]
            for table, side in zip((rows, cols), kernel.shape, strict=True)]  # fmt: skip
    taps = [np.clip(tap, 0, side - 1) for tap, side in zip(taps, kernel.shape, strict=True)]  # beyond count: unread
    return ConvolutionPlan(rows, cols, kernel.astype(FLOAT16).astype(np.float32), *taps)


class PyramidPlan(plans.Plan):
    """Plans run one after another, each on the result of the one before: the levels of a pyramid."""

    def __init__(self, levels: list[plans.Plan]):
        self.levels = levels

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for level in self.levels:
            x = level(x)
        return x


def pyramid_plan(shape: tuple[int, int], kernel: np.ndarray, levels: int) -> PyramidPlan:
    """`levels` float16 convolutions with K = kernel kernel^T at a step of 2 (each level rounded to float16, as torch
    gives each conv2d's float16 result), for (..., H, W) images of (H, W) = shape."""
    level_plans = []
    for _ in range(levels):
        rows, cols = (kept_kernel_table(n, tuple(kernel), 2) for n in shape)
        level_plans.append(convolution_plan(rows, cols, np.outer(kernel, kernel), 2))
        shape = (rows.n_out, cols.n_out)
    return PyramidPlan(level_plans)


def convolution_reference(plan: ConvolutionPlan, x: np.ndarray) -> np.ndarray:
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
    return total


def fomm_float16_kernel(scale: float) -> np.ndarray:
    """FOMM's 2-D Gaussian kernel as a FOMM module converted with .half() holds it: built in float32 step by step as
    FOMM builds it with torch (modules/util.py), then rounded to float16.

        e[m] = fl32(exp(fl32(-(m - (k - 1) / 2)^2 / fl32(2 sigma^2)))),   K = fl16(fl32(fl32(e e^T) / S))

    with S = torch.sum(e e^T) in float32 (reductions.torch_sum_float32), sigma = (1 / scale - 1) / 2, k its side. The
    exponentials are correctly rounded here; torch's differ in the last bit for a few of them, which changed no
    float16 weight of any scale 1/2 .. 1/128 against torch 2.13 on one thread. With more threads, torch sums a
    kernel of more than 32768 weights (scale 1/47 and below) in one part per thread, which at 1/82 on 2 threads
    rounds 8 float16 weights the other way.
    """
    sigma = (1 / scale - 1) / 2
    side = 2 * round(4 * sigma) + 1
    offsets = np.arange(side, dtype=np.float32) - np.float32((side - 1) / 2)
    exponents = -(offsets * offsets) / np.float32(2 * sigma**2)
    e = np.exp(exponents.astype(np.float64)).astype(np.float32)
    kernel = e[:, None] * e[None, :]
    return (kernel / torch_sum_float32(kernel)).astype(FLOAT16)


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


class CornerBilinearPlan(plans.Plan):
    """float16 plain bilinear as torch's channels-last kernel computes it (UpSampleKernel.cpp,
    upsample_linear_channels_last), which torch runs for outputs with h + w <= 128, for channels-last tensors of 4
    channels or more (what channel_axis=-1 stands for) and, on one thread, for 3-channel images. Per output, the
    four corners in the order 00, 01, 10, 11 with weights
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


@plane_kernel()
def _convolution(planes, row_index, row_tap, row_count, col_index, col_tap, col_count, kernel, out):
    for p in prange(planes.shape[0]):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                total = np.float32(0)
                for r in range(row_count[i]):
                    source, weights = planes[p, row_index[i, r]], kernel[row_tap[i, r]]
                    for c in range(col_count[j]):
                        total = fma(weights[col_tap[j, c]], source[col_index[j, c]], total)
                out[p, i, j] = total


class TorchOrderPlan(plans.Plan):
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
