"""float16 as torch 2.13 computes it on the CPU, step by step: its convolution (FOMM's Gaussian and the on-grid
filters), the summation order of its generic interpolation kernel (TorchOrderPlan) and its channels-last bilinear
kernel (CornerBilinearPlan); the pools' window sums are pooling.SequentialBoxPlan's. Each was read in ATen's sources
and settled by experiment: inputs whose outputs differ between the candidate orders, checked against torch. The
kernels read float16 images as their bits and widen them to float32 in the kernel (antialias_np._half).

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

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np import plans
from antialias_np._half import FLOAT16, FLOAT32, contiguous_as, stored, widened
from antialias_np._kernels import BLOCK_BYTES, njit, plane_kernel
from antialias_np._simd import fma, transpose_into
from antialias_np.reductions import torch_sum_float32
from antialias_np.weights import AxisTable, fused_multiply_add, kept_kernel_table


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

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return contiguous_as(self.float32_result(x), FLOAT16)  # beyond float16's range is inf, as in torch

    def float32_result(self, x: np.ndarray) -> np.ndarray:
        """The result before its rounding to float16."""
        n_out = (self.rows.n_out, self.cols.n_out)
        return plans.on_planes(_convolution, contiguous_as(x, FLOAT32), self._arguments, n_out, np.float32)


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
    level_plans: list[plans.Plan] = []
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
    normalised: np.ndarray = kernel / torch_sum_float32(kernel)
    return normalised.astype(FLOAT16)


@plane_kernel()
def _convolution(
    planes: npt.NDArray[np.float32],
    row_index: npt.NDArray[np.int64],
    row_tap: npt.NDArray[np.int64],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_tap: npt.NDArray[np.int64],
    col_count: npt.NDArray[np.int64],
    kernel: npt.NDArray[np.float32],
    out: npt.NDArray[np.float32],
) -> None:
    for p in prange(planes.shape[0]):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                total = np.float32(0)
                for r in range(row_count[i]):
                    source, weights = planes[p, row_index[i, r]], kernel[row_tap[i, r]]
                    for c in range(col_count[j]):
                        total = fma(weights[col_tap[j, c]], source[col_index[j, c]], total)
                out[p, i, j] = total


Bits = npt.NDArray[np.uint16]
"""float16 values as their bits, as the kernels read and write them."""
Indices = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]

HALF_BLOCK_BYTES = 8 * BLOCK_BYTES
"""About the float32 and bits a block of RowBlocks holds. Measured on 3 x 1024 x 1024 images to 256 x 256 (Xeon,
Emerald Rapids, 2 MB of L2 per core), the CPU time of bicubic / area: 3195 / 7974 us with BLOCK_BYTES, 2074 / 3087
with 8 times it (2022 / 4420 with 4 times)."""


class RowBlocks(NamedTuple):
    """Which input rows a float16 kernel converts (and sums along the width) for which output rows: the output rows
    in blocks, each block with the input rows its taps read, few enough that their float32 rows stay in the CPU's L2
    cache (HALF_BLOCK_BYTES). A row that two blocks read is made in both.
    """

    first_output: np.ndarray  # (blocks + 1,) int64: block b makes the output rows first_output[b] up to b + 1's
    rows: np.ndarray  # int64: the input rows of every block, block after block
    first_row: np.ndarray  # (blocks + 1,) int64: block b's input rows are rows[first_row[b] : first_row[b + 1]]
    slot: np.ndarray  # (n_out, taps) int64: where the row index[i, t] lies among its block's rows


def row_blocks(index: np.ndarray, row_bytes: int) -> RowBlocks:
    """RowBlocks for a table's index (n_out, taps), the float32 rows a block holds being row_bytes each."""
    limit = max(index.shape[1], HALF_BLOCK_BYTES // row_bytes)
    rows: list[int]
    first_output, rows, first_row, slot = [0], [], [0], np.empty_like(index)
    block: dict[int, int] = {}  # input row: its slot
    for i, taps in enumerate(index.tolist()):
        new = sorted(set(taps) - block.keys())
        if len(block) + len(new) > limit:
            rows += block
            first_output.append(i)
            first_row.append(len(rows))
            block, new = {}, sorted(set(taps))
        block.update({row: place for place, row in enumerate(new, len(block))})
        slot[i] = [block[row] for row in taps]
    rows += block
    first_output.append(len(index))
    first_row.append(len(rows))
    first_outputs, block_rows, first_rows = (np.array(a, np.int64) for a in (first_output, rows, first_row))
    return RowBlocks(first_outputs, block_rows, first_rows, slot)


class TorchOrderPlan(plans.Plan):
    """float16 plain bilinear / bicubic as torch's generic CPU kernel computes it (UpSampleKernel.cpp,
    upsample_non_separable_Nd_kernel_impl with HelperInterpLinear / HelperInterpCubic):

        out[i, j] = fl16( chain_r rows.weight[i, r] * S[rows.index[i, r], j] ),
        S[h, j] = chain_c cols.weight[j, c] * x[h, cols.index[j, c]]

    The taps along the width are summed first, then those sums along the height, each as a chain of float32
    operations in torch's order (`_chain_term`): of the kernel's `output = t0 * w0; output += t1 * w1; ...`, which
    GCC contracts for torch's AVX2 and AVX512 builds, the product of the second tap is rounded, the first is fused
    into it and each later one into the total: fma(v3, w3, fma(v2, w2, fma(v0, w0, v1 w1))). Only the end result
    is rounded to float16. The weights are the float16 values torch stores (tables of dtype float16); every output
    uses all its taps (count is the tables' width), as plain bilinear / bicubic tables have it. (The engine sums
    rows first, which for float32 changes nothing beyond float32 rounding but for float16 changes how about one
    output in five rounds.)

    A width sum depends on its input row and output column only, so the kernel makes each once per block of output
    rows (RowBlocks): a row's values widened to float32, its sums for every output column (a vector of columns at
    a time, the taps' values gathered), then each output row's chain over the sums of its rows.
    dtype: the image's, float16.
    """

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype):
        self.rows, self.cols, self.dtype = rows, cols, np.dtype(dtype)
        blocks = row_blocks(rows.index, 4 * (int(cols.index.max(initial=0)) + 1 + 2 * cols.n_out))
        self._arguments = (*blocks, rows.weight.astype(np.float32), *_column_taps(cols))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return _run_on_bits(_torch_order, x, self._arguments, (self.rows.n_out, self.cols.n_out), FLOAT16)

    def float32_result(self, x: np.ndarray) -> np.ndarray:
        """The result before its rounding to float16."""
        return _run_on_bits(_torch_order, x, self._arguments, (self.rows.n_out, self.cols.n_out), FLOAT32)


class CornerBilinearPlan(plans.Plan):
    """float16 plain bilinear as torch's channels-last kernel computes it (UpSampleKernel.cpp,
    upsample_linear_channels_last), which torch runs for outputs with h + w <= 128, for channels-last tensors of 4
    channels or more (what channel_axis=-1 stands for) and, on one thread, for 3-channel images. Per output, the
    four corners in the order 00, 01, 10, 11 with weights
    w_rc = fl32(rows.weight[i, r] * cols.weight[j, c]) from float32 tables (torch's float32 lambdas, never
    rounded to float16), summed in float32 and rounded once to float16:

        channels in whole vectors of VECTOR_CHANNELS:  fma(x00, w00, fma(x01, w01, fma(x10, w10, x11 w11)))
        the channels left over (its scalar loop):      fma(x11, w11, fma(x10, w10, fma(x01, w01, x00 w00)))

    Channels are axis -3 (torch's dimension 1); a 2-D image has one. The kernel widens each input row a block of
    output rows reads (RowBlocks) to float32 once, then makes an output row a vector of columns at a time.
    """

    VECTOR_CHANNELS = 16
    """Channels per vector of the kernel's vector loop, measured with torch's AVX512 kernels (16 float32 lanes)."""

    def __init__(self, rows: AxisTable, cols: AxisTable):
        self.rows, self.cols = rows, cols
        row_bytes = 4 * (int(cols.index.max(initial=0)) + 1 + (cols.index.shape[1] + 1) * cols.n_out)
        self._tables = (*row_blocks(rows.index, row_bytes), rows.weight.astype(np.float32), *_column_taps(cols))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._run(x, FLOAT16)

    def float32_result(self, x: np.ndarray) -> np.ndarray:
        """The result before its rounding to float16."""
        return self._run(x, FLOAT32)

    def _run(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        channels = x.shape[-3] if x.ndim > 2 else 1
        vectors = channels - channels % self.VECTOR_CHANNELS
        return _run_on_bits(_corners, x, (channels, vectors, *self._tables), (self.rows.n_out, self.cols.n_out),
                            dtype)  # fmt: skip


def _column_taps(cols: AxisTable) -> tuple[np.ndarray, np.ndarray]:
    """A column table's index and weights (float32) tap by tap, (taps, n_out): the kernels read one tap of a vector
    of output columns at a time."""
    return np.ascontiguousarray(cols.index.T), np.ascontiguousarray(cols.weight.T, np.float32)


def _run_on_bits(kernel: Callable[..., None], x: np.ndarray, arguments: tuple[object, ...], n_out: tuple[int, int],
                 dtype: np.dtype) -> np.ndarray:  # fmt: skip
    """kernel(planes, *arguments, out) on the float16 image x seen as (B, H, W) planes of bits, into a result of
    `dtype`: float16 (written as its bits) or float32."""
    planes = np.ascontiguousarray(plans.to_planes(x), FLOAT16).view(np.uint16)
    out = np.empty((planes.shape[0], *n_out), dtype)
    if out.size:
        kernel(planes, *arguments, out.view(np.uint16) if dtype == FLOAT16 else out)
    return plans.from_planes(out.view(dtype), x)


@njit(cache=True)
def _chain_term(step: int, taps: int) -> int:
    """The tap added at `step` of torch's generic chain (see TorchOrderPlan): 1, 0, 2, 3, ... (0 alone)."""
    if taps > 1 and step < 2:
        return 1 - step
    return step


@njit(cache=True)
def _block_columns(plane: Bits, block_rows: Indices, first: int, last: int) -> Bits:
    """The input rows block_rows[first:last] of a plane of float16 bits, transposed: (W, rows), one input column a
    row, so that the width taps of a vector of rows are read as a row of contiguous values."""
    top = block_rows[first]
    consecutive = True
    for k in range(first, last):
        consecutive = consecutive and block_rows[k] == top + k - first
    if consecutive:
        bits = plane[top : top + last - first]
    else:
        bits = np.empty((last - first, plane.shape[1]), np.uint16)
        for k in range(first, last):
            source, dest = plane[block_rows[k]], bits[k - first]
            for x in range(dest.shape[0]):
                dest[x] = source[x]
    columns = np.empty((plane.shape[1], last - first), np.uint16)
    transpose_into(bits, columns)
    return columns


@plane_kernel()
def _torch_order(planes: Bits, first_output: Indices, block_rows: Indices, first_row: Indices, slot: Indices,
                 row_weight: Floats, col_index: Indices, col_weight: Floats, out: Bits | Floats) -> None:
    """TorchOrderPlan on planes (B, H, W) of float16 bits, block by block of RowBlocks (first_output, block_rows,
    first_row, slot); col_index and col_weight tap by tap, (taps, w); out (B, h, w) of float16 bits or float32.
    The width sums are made on the block's input rows transposed (_block_columns), a vector of rows at a time, and
    transposed back."""
    col_taps, row_taps, n_cols = col_index.shape[0], slot.shape[1], out.shape[2]
    for p in prange(planes.shape[0]):
        total = np.empty(n_cols, np.float32)
        for b in range(first_output.shape[0] - 1):
            columns = _block_columns(planes[p], block_rows, first_row[b], first_row[b + 1])
            column_sums = np.empty((n_cols, columns.shape[1]), np.float32)
            for j in range(n_cols):
                dest = column_sums[j]
                for step in range(col_taps):
                    c = _chain_term(step, col_taps)
                    source, weight = columns[col_index[c, j]], col_weight[c, j]
                    if step == 0:
                        for k in range(dest.shape[0]):
                            dest[k] = widened(source[k]) * weight
                    else:
                        for k in range(dest.shape[0]):
                            dest[k] = fma(widened(source[k]), weight, dest[k])
            sums = np.empty((columns.shape[1], n_cols), np.float32)
            transpose_into(column_sums, sums)
            for i in range(first_output[b], first_output[b + 1]):
                for step in range(row_taps):
                    r = _chain_term(step, row_taps)
                    row_sums, weight = sums[slot[i, r]], row_weight[i, r]
                    if step == 0:
                        for j in range(n_cols):
                            total[j] = row_sums[j] * weight
                    else:
                        for j in range(n_cols):
                            total[j] = fma(row_sums[j], weight, total[j])
                for j in range(n_cols):
                    out[p, i, j] = stored(total[j], out)


@plane_kernel()
def _corners(planes: Bits, channels: int, vectors: int, first_output: Indices, block_rows: Indices,
             first_row: Indices, slot: Indices, row_weight: Floats, col_index: Indices, col_weight: Floats,
             out: Bits | Floats) -> None:  # fmt: skip
    """CornerBilinearPlan on planes (B, H, W) of float16 bits (channel p % channels), block by block of RowBlocks;
    col_index and col_weight tap by tap, (taps, w); out (B, h, w) of float16 bits or float32. Each column tap's
    values for the block's rows are picked on the rows transposed (_block_columns) and transposed back, so that an
    output row is made a vector of columns at a time."""
    col_taps, row_taps, n_cols = col_index.shape[0], slot.shape[1], out.shape[2]
    terms = row_taps * col_taps
    for p in prange(planes.shape[0]):
        backwards = p % channels < vectors  # the vector loop's order
        total = np.empty(n_cols, np.float32)
        for b in range(first_output.shape[0] - 1):
            columns = _block_columns(planes[p], block_rows, first_row[b], first_row[b + 1])
            picked = np.empty((n_cols, columns.shape[1]), np.float32)
            values = np.empty((col_taps, columns.shape[1], n_cols), np.float32)  # tap c of output column j, by row
            for c in range(col_taps):
                for j in range(n_cols):
                    source, dest = columns[col_index[c, j]], picked[j]
                    for k in range(dest.shape[0]):
                        dest[k] = widened(source[k])
                transpose_into(picked, values[c])
            for i in range(first_output[b], first_output[b + 1]):
                for step in range(terms):
                    r, c = divmod(terms - 1 - step if backwards else step, col_taps)
                    row_values, row_w, weight = values[c, slot[i, r]], row_weight[i, r], col_weight[c]
                    if step == 0:
                        for j in range(n_cols):
                            total[j] = row_values[j] * (row_w * weight[j])
                    else:
                        for j in range(n_cols):
                            total[j] = fma(row_values[j], row_w * weight[j], total[j])
                for j in range(n_cols):
                    out[p, i, j] = stored(total[j], out)


class HalfBoxPlan(plans.Plan):
    """Box windows on float16 images in torch's pooling order (pooling.SequentialBoxPlan's formula):

        out[i, j] = fl16( 0 + fl32(fl32(fl32(0 + x[h0, w0]) + x[h0, w0 + 1]) + ... + x[h1 - 1, w1 - 1]) / by / then_by )

    each window's values widened to float32 and added one by one from +0.0, row by row and left to right, divided
    in float32 by by[i, j] and then by then_by[i, j], rounded once to float16. The kernel takes a block of output
    rows at a time (RowBlocks): their input rows transposed (_block_columns), each column tap of every window picked
    and transposed back, so that a vector of windows adds its values in order. rows, cols: box tables (contiguous
    windows); their weights are not read.
    """

    WIDEST = 4
    """The widest windows it takes; pooling.SequentialBoxPlan takes wider ones, faster there (each column of a window
    is picked apart here). Measured on 3 x 512 x 512 images (Xeon, Emerald Rapids, one thread, CPU time): 4-wide
    windows 560 us here against 1240 there, 8-wide 485 against 434."""

    def __init__(self, rows: AxisTable, cols: AxisTable, by: np.ndarray | np.integer | int, then_by: np.ndarray | int):
        self.rows, self.cols = rows, cols
        shape = (rows.n_out, cols.n_out)
        self.by, self.then_by = (np.broadcast_to(d, shape).astype(np.float32) for d in (by, then_by))
        first, count = rows.index[:, 0], rows.count
        window_rows = np.minimum(first[:, None] + np.arange(count.max()), (first + count - 1)[:, None])
        widest = int(cols.count.max())
        row_bytes = 4 * (int(cols.index.max()) + 1 + (widest + 1) * cols.n_out)
        blocks = row_blocks(window_rows, row_bytes)
        self._arguments = (*blocks, count, cols.index[:, 0].copy(), cols.count, self.by, self.then_by)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return _run_on_bits(_box_sums, x, self._arguments, (self.rows.n_out, self.cols.n_out), FLOAT16)


@plane_kernel(error_model="numpy")  # no division-by-zero branch: the divisors are not 0
def _box_sums(planes: Bits, first_output: Indices, block_rows: Indices, first_row: Indices, slot: Indices,
              row_count: Indices, col_first: Indices, col_count: Indices, by: Floats, then_by: Floats,
              out: Bits) -> None:  # fmt: skip
    """HalfBoxPlan on planes (B, H, W) of float16 bits into out (B, h, w) of float16 bits, block by block of
    RowBlocks (slot[i, r]: where window row r of output row i lies among its block's rows)."""
    n_cols, widest = out.shape[2], np.max(col_count)
    for p in prange(planes.shape[0]):
        sums = np.empty(n_cols, np.float32)
        for b in range(first_output.shape[0] - 1):
            columns = _block_columns(planes[p], block_rows, first_row[b], first_row[b + 1])
            picked = np.empty((n_cols, columns.shape[1]), np.float32)
            values = np.empty((widest, columns.shape[1], n_cols), np.float32)  # column c of window j, by row
            for c in range(widest):
                for j in range(n_cols):
                    dest = picked[j]
                    if c < col_count[j]:
                        source = columns[col_first[j] + c]
                        for k in range(dest.shape[0]):
                            dest[k] = widened(source[k])
                    else:  # past the window: +0.0 adds nothing to a sum from +0.0
                        for k in range(dest.shape[0]):
                            dest[k] = 0
                transpose_into(picked, values[c])
            for i in range(first_output[b], first_output[b + 1]):
                for j in range(n_cols):
                    sums[j] = 0
                for r in range(row_count[i]):
                    for c in range(widest):
                        row_values = values[c, slot[i, r]]
                        for j in range(n_cols):
                            sums[j] += row_values[j]
                for j in range(n_cols):
                    out[p, i, j] = stored(sums[j] / by[i, j] / then_by[i, j] + np.float32(0), out)
