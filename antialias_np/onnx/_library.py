"""What antialias_np computes for one call, as the tables an ONNX graph is built from.

This is the one place where antialias_np.onnx reads the library's internal machinery (its plans, window tables and
argument checks): if those move, only this module changes. Each call is checked by the library's own checks (so a
bad argument gets the message antialias_np.downsample or interpolate would give) and described as one of:

    Selection   out[..., i, j] = x[..., rows[i], cols[j]]                      (subsample, nearest modes)
    Separable   out = W_rows @ x @ W_cols.T from two weights.AxisTable         (every linear method)
    Median      the median of the window rows[i, :] x cols[j, :]               (median)
    Bilateral   kornia's bilateral filter on the window rows[i, :] x cols[j, :] (bilateral)

Window tables (Median, Bilateral) hold border-mapped input indices, -1 where the constant border reads a zero
(borders.window_table).
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple, Protocol, cast

import numpy as np

from antialias_np import _checks, bilateral, median, methods, plans
from antialias_np.borders import window_table
from antialias_np.resample import interpolate_plan
from antialias_np.weights import AxisTable


class Selection(NamedTuple):
    """out[..., i, j] = x[..., rows[i], cols[j]]."""

    rows: np.ndarray
    cols: np.ndarray


class Separable(NamedTuple):
    """out[i, j] = sum_r sum_c rows.weight[i, r] cols.weight[j, c] x[rows.index[i, r], cols.index[j, c]] over the
    taps r < rows.count[i], c < cols.count[j]; fixed-point tables (precision set) are torch's uint8 passes. With a
    divisor (integer images through box tables), the weights are 1 and out = round(sum / divisor[i, j])."""

    rows: AxisTable
    cols: AxisTable
    divisor: np.ndarray | None


class Median(NamedTuple):
    """out[i, j] = the middle of the sorted window x[rows[i, a], cols[j, b]]; NaN if the window (of more than one
    pixel) holds a value that is not finite."""

    rows: np.ndarray
    cols: np.ndarray


class Bilateral(NamedTuple):
    """kornia's bilateral filter on the windows rows[i, :] x cols[j, :], centred on tap (ky // 2, kx // 2):
    w = space[a, b] exp(color_scale d^2), d the l1 (or, if not l1, l2) distance over the channels."""

    rows: np.ndarray
    cols: np.ndarray
    space: np.ndarray
    color_scale: float
    l1: bool


Operation = Selection | Separable | Median | Bilateral


def torch_layout(
    shape: tuple[int, ...], dtype: np.dtype, channel_axis: object, checked: bool
) -> tuple[_checks.ImageSpec, bool]:
    """(the image as the library describes it in torch layout, whether its channels are last), refusing a layout
    channel_axis does not resolve as antialias_np's functions do (checked: as downsample does, see
    _checks.check_layout). `shape` holds ints (dynamic axes as 1)."""
    spec = _checks.check_layout(_checks.ImageSpec(tuple(shape), np.dtype(dtype), "x"), channel_axis, checked)
    return spec, spec.channels_last


def downsample_operation(image: _checks.ImageSpec, scale: float, method: str, options: dict[str, object]) -> Operation:
    """What antialias_np.downsample(x, scale, method, **options) computes for an image described by `image`."""
    plan = methods.downsample_plan(image, scale, method, tuple(options.items()))  # the library's checks and tables
    if method not in ("median", "bilateral"):
        return _plan_operation(plan)
    arguments = inspect.signature(methods.PIPELINES[method]).bind(image, scale, **options)
    arguments.apply_defaults()
    step = _checks.integer_step(scale, method)
    if method == "median":
        kernel_size, border_type, step = median._check_arguments(
            image, arguments.arguments["kernel_size"], arguments.arguments["border_type"], step
        )
        return Median(*_window_tables(image, kernel_size, step, border_type))
    bound = arguments.arguments
    f = bilateral._check_arguments(image, step, bound["kernel_size"], bound["sigma_color"], bound["sigma_space"],
                                   bound["border_type"], bound["color_distance_type"])  # fmt: skip
    rows, cols = _window_tables(image, f.kernel_size, f.step, f.border_type)
    return Bilateral(rows, cols, np.asarray(f.space), float(f.color_scale), f.l1)


def interpolate_operation(image: _checks.ImageSpec, *arguments: Any) -> Operation:  # interpolate_plan checks them
    """What antialias_np.interpolate(x, *arguments) computes (size, scale_factor, mode, align_corners,
    recompute_scale_factor, antialias) for an image described by `image`."""
    return _plan_operation(interpolate_plan(image, *arguments))


class _TablesPlan(Protocol):
    """A selection plan (index arrays) or a separable one (AxisTables): what _plan_operation reads of a plan."""

    rows: np.ndarray | AxisTable
    cols: np.ndarray | AxisTable


def _plan_operation(plan: plans.Plan) -> Selection | Separable:
    """The tables a selection or separable plan holds (its public attributes)."""
    tables = cast(_TablesPlan, plan)  # plans of other kinds have no rows: an AttributeError, as before
    gather: _TablesPlan = getattr(plan, "gather", tables)  # a SlicePlan keeps the index arrays in its GatherPlan
    if isinstance(gather.rows, np.ndarray):
        return Selection(np.asarray(gather.rows), np.asarray(gather.cols))
    if isinstance(tables.rows, AxisTable):
        return Separable(tables.rows, cast(AxisTable, tables.cols), getattr(plan, "divisor", None))  # both tables
    raise NotImplementedError(f"no ONNX form for {type(plan).__name__}")


def _window_tables(
    image: _checks.ImageSpec, kernel_size: tuple[int, int], step: int, border_type: str
) -> tuple[np.ndarray, ...]:
    """The (kept outputs, taps) input indices of each axis's windows, -1 for the constant border's zeros."""
    return tuple(window_table(n, k, step, border_type) for n, k in zip(image.shape[-2:], kernel_size, strict=True))
