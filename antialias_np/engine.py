"""The engine's entry: which plan applies a row table and a column table (weights.AxisTable) to a stack of planes
(B, H, W), and the plain NumPy reference every such plan equals.

    out[p, i, j] = sum_r sum_c row.weight[i, r] * col.weight[j, c] * planes[p, row.index[i, r], col.index[j, c]]

`resample_plan` picks the plan by the dtype and the tables: float images and uint8 fixed-point tables go to the
weighted sums of float_sums.py (SeparablePlan; fixed-point tables there run fixed_point.py's kernel), or for float
tables of few taps that downsample no axis, of upsampling.py (UpsamplingPlan, width first as torch); integer images
to the exact plans of exact_integers.py. `resample_reference` computes the formula from the tables' matrices
(W_rows @ plane @ W_cols.T), for the tests.
"""

from __future__ import annotations

import numpy as np

from antialias_np.exact_integers import TIE_MARGIN_LIMIT, ExactBoxPlan, TieCheckedPlan, box_divisor, tie_margin
from antialias_np.fixed_point import fixed_point_reference
from antialias_np.float_sums import SeparablePlan
from antialias_np.plans import Plan
from antialias_np.upsampling import UpsamplingPlan, takes_tables
from antialias_np.weights import AxisTable, table_matrix


def resample_plan(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> Plan:
    """Apply the row and column tables to the last two axes of images of `dtype`, in any torch layout.

    Fixed-point tables (weights.to_fixed_point, for uint8) follow torch's fixed point: per pass,
    out = clamp((2^(p-1) + sum w16 * in) >> p, 0, 255), columns first into a uint8 temporary (as torch), then rows.
    Sums fit int32 as in torch (see Note: fixed-point weights in docs/notes.md).
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
    if takes_tables(rows, cols, dtype):
        return UpsamplingPlan(rows, cols, dtype)
    return SeparablePlan(rows, cols, dtype)


def resample_reference(planes: np.ndarray, rows: AxisTable, cols: AxisTable) -> np.ndarray:
    """W_rows @ plane @ W_cols.T for every plane, in float64; for fixed-point tables, torch's uint8 passes
    (`fixed_point_reference`)."""
    w_rows = table_matrix(rows, planes.shape[1])
    w_cols = table_matrix(cols, planes.shape[2])
    if rows.precision is not None:
        assert cols.precision is not None, "a uint8 image's tables are both fixed point"
        columns_done = fixed_point_reference(planes.astype(np.int64) @ w_cols.astype(np.int64).T, cols.precision)
        return fixed_point_reference(w_rows.astype(np.int64) @ columns_done, rows.precision)
    resampled: np.ndarray = w_rows @ planes.astype(np.float64) @ w_cols.T
    return resampled
