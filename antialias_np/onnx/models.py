"""downsample's methods and interpolate's modes as ONNX models: the library's own tables, written as ONNX operators.

Every separable method (gaussian, bilinear, bicubic, lanczos, area, avgpool, box5, gaussian7, gaussian9, binomial
and interpolate's filters) is two passes of its per-axis tables (weights.AxisTable), each pass

    Gather(rows, index, axis=-2)             the taps of every output as whole rows: (..., n_out, taps, rest)
    MatMul(weight as (n_out, 1, taps), .)    out[i] = sum_{t < count[i]} weight[i, t] * x[index[i, t]]

with the axis brought to -2 (a Transpose for the width, a Reshape for channels last). A tap past an output's count
reads a zero appended to the axis (Pad), so a NaN or an infinity reaches only the outputs whose windows hold it, as
in torch; dense weight matrices as two MatMuls, W_rows @ x @ W_cols.T, would multiply every pixel of a row by every
output's weight, and 0 * NaN is NaN. Selections (subsample, nearest modes) are a Slice where the kept indices are
evenly spaced, else a Gather. The median is a sorting network of Min / Max on the window's taps, pruned to the
comparisons the middle value needs. The bilateral filter is kornia's formula, tap by tap.

Dtypes: float32 and float64 compute in their dtype; uint8 as antialias_np does (see `downsample_model`). The opset
defaults to 17; the operators used mean the same from opset 13 on.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Literal, cast, overload

import numpy as np

from antialias_np import __version__
from antialias_np.onnx import _library
from antialias_np.onnx._onnx import require

if TYPE_CHECKING:
    import numpy.typing as npt
    import onnx

    from antialias_np import _checks
    from antialias_np.weights import AxisTable

DEFAULT_OPSET = 17
"""The opset of the models made here, by default: not the newest, for runtimes that lag; the operators used mean
the same from opset 13 on, so any opset from 13 to onnx's newest may be asked for (to merge into a model of that
opset)."""

MIN_OPSET = 13
DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))
UINT8 = np.dtype(np.uint8)


def downsample_model(
    shape: tuple[int | str | None, ...],
    dtype: object,
    scale: float = 0.25,
    method: str = "gaussian",
    *,
    channel_axis: int | None = None,
    opset: int = DEFAULT_OPSET,
    **options: object,
) -> onnx.ModelProto:
    """An ONNX model computing antialias_np.downsample(x, scale, method, channel_axis=..., **options).

    The model has one input "x" of `shape` and `dtype` and one output "y", the downsampled image in x's layout and
    dtype. The operators per method (see the module docstring): per-axis tables as Gather and MatMul (gaussian,
    bicubic, bilinear, area, avgpool, lanczos, box5, gaussian7, gaussian9, binomial), rows first for floats;
    Slice (subsample; nearest where its indices are evenly spaced, else Gather); a Min / Max sorting network
    (median); kornia's formula tap by tap (bilateral).

    uint8: torch's fixed point for bilinear, bicubic and lanczos, per pass (columns, then rows) in int32:
    Clip(Div(sum + 2^(p-1), 2^p), 0, 255), which equals torch's (2^(p-1) + sum) >> p clamped (the division
    truncates toward zero, which differs from the shift only for negative sums, which both clamp to 0); box tables
    (area, avgpool, box5) as exact window sums divided by the window size, Round (to nearest, ties to even), Clip;
    the other filters in float64, then Round and Clip.

    Args:
        shape: the input's shape: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or
            (N, H, W, C). H and W are ints; another axis may be None or a name (str), left to the runtime.
        dtype: float32, float64 or uint8 (bilateral: float32, float64).
        scale, method, channel_axis, options: as in antialias_np.downsample.
        opset: the model's ONNX opset, 13 to onnx's newest.

    Returns:
        An onnx.ModelProto that passes onnx.checker.check_model, with the call in its doc_string.

    Raises:
        ImportError: onnx is not installed (pip install 'antialias_np[onnx]').
        TypeError: a dtype other than those above, a shape that is not a tuple of ints, or as downsample.
        ValueError: a shape or opset out of range, or as antialias_np.downsample.

    Equals:
        antialias_np.downsample on onnxruntime (CPU): selections, the median and uint8 bit for bit; float32 and
        float64 to the rounding of another summation order (docs/onnx.md gives the measured differences).
    """
    image, channels_last = _image(shape, dtype, channel_axis, checked=True)
    operation = _library.downsample_operation(image, scale, method, options)
    call = f"antialias_np.downsample(x, {scale!r}, {method!r}{_keywords(channel_axis, options)})"
    return _model(operation, shape, image.dtype, channels_last, opset, call)


def interpolate_model(
    shape: tuple[int | str | None, ...],
    dtype: object,
    size: int | tuple[int, int] | None = None,
    scale_factor: float | tuple[float, float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
    *,
    channel_axis: int | None = None,
    opset: int = DEFAULT_OPSET,
) -> onnx.ModelProto:
    """An ONNX model computing antialias_np.interpolate(x, size, scale_factor, mode, align_corners,
    recompute_scale_factor, antialias, channel_axis=...), which is torch.nn.functional.interpolate's.

    One input "x" of `shape` and `dtype`, one output "y". nearest and nearest-exact are a Slice or Gather;
    bilinear, bicubic, lanczos and area are their per-axis tables as Gather and MatMul (see downsample_model,
    also for uint8, which is torch's fixed point for bilinear, bicubic and lanczos, with or without antialias).

    Args:
        shape, dtype, channel_axis, opset: as in downsample_model.
        size, scale_factor, mode, align_corners, recompute_scale_factor, antialias: as in antialias_np.interpolate.

    Returns:
        An onnx.ModelProto that passes onnx.checker.check_model, with the call in its doc_string.

    Raises:
        ImportError, TypeError, ValueError: as downsample_model, and as antialias_np.interpolate for the arguments.

    Equals:
        antialias_np.interpolate on onnxruntime (CPU), as downsample_model.
    """
    image, channels_last = _image(shape, dtype, channel_axis, checked=False)
    operation = _library.interpolate_operation(image, size, scale_factor, mode, align_corners,
                                               recompute_scale_factor, antialias)  # fmt: skip
    arguments = dict(size=size, scale_factor=scale_factor, mode=mode, align_corners=align_corners,
                     recompute_scale_factor=recompute_scale_factor, antialias=antialias)  # fmt: skip
    given = {name: value for name, value in arguments.items() if value not in (None, False)}
    call = f"antialias_np.interpolate(x{_keywords(channel_axis, given)})"
    return _model(operation, shape, image.dtype, channels_last, opset, call)


def _keywords(channel_axis: object, arguments: Mapping[str, object]) -> str:
    """', name=value' for the arguments of a call as the model's doc_string shows it."""
    given = {**arguments, **({"channel_axis": channel_axis} if channel_axis is not None else {})}
    return "".join(f", {name}={value!r}" for name, value in given.items())


def _image(
    shape: object, dtype: object, channel_axis: object, checked: bool
) -> tuple[_checks.ImageSpec, bool]:
    """The image as the library describes it (dynamic axes as 1) and whether its channels are last; checked: refuse
    a layout the shape contradicts, as downsample does (the work-alikes read channel_axis=None as torch does)."""
    if not isinstance(shape, (tuple, list)) or not 2 <= len(shape) <= 4:
        raise TypeError(f"shape must be a tuple of 2 to 4 axes, (H, W) to (N, C, H, W), got {shape!r}")
    try:
        if dtype is None:  # np.dtype(None) is float64
            raise TypeError
        checked_dtype = np.dtype(dtype)  # type: ignore[call-overload, unused-ignore]  # any object: the TypeError is the check
    except TypeError:
        raise TypeError(f"dtype must be a NumPy dtype, one of float32, float64, uint8; got {dtype!r}") from None
    if checked_dtype not in DTYPES:
        raise TypeError(f"dtype must be float32, float64 or uint8 for an ONNX model, got {checked_dtype}")
    fixed = []
    for n in shape:
        dynamic = n is None or isinstance(n, str)
        if not dynamic and (isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1):
            raise ValueError(f"shape must hold ints >= 1 (or None or a name for a dynamic axis), got {shape!r}")
        fixed.append(1 if dynamic else int(n))  # pyright: ignore[reportArgumentType]  # an Integral: checked above
    image, channels_last = _library.torch_layout(tuple(fixed), checked_dtype, channel_axis, checked)
    spatial = range(len(shape) - 3, len(shape) - 1) if channels_last else range(len(shape) - 2, len(shape))
    if any(shape[axis] is None or isinstance(shape[axis], str) for axis in spatial):
        raise ValueError(f"shape must give H and W as ints (the tables depend on them), got {shape!r}")
    return image, channels_last


class _Graph:
    """The nodes and constants of a graph being built, for an image of `ndim` axes with its height, width and
    channels on the axes `height`, `width`, `channels` (negative; channels None for (H, W) images); `lengths`
    follows the length of the height and width axes as passes change them."""

    def __init__(self, onnx_module: ModuleType, ndim: int, channels_last: bool, spatial: tuple[int, int]) -> None:
        self.onnx, self.helper = onnx_module, onnx_module.helper
        self.ndim = ndim
        self.height = -3 if channels_last else -2
        self.width = self.height + 1
        self.channels = None if ndim == 2 else (-1 if channels_last else -3)
        self.lengths = {self.height: spatial[0], self.width: spatial[1]}
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def add(self, op_type: str, *inputs: str, **attributes: object) -> str:
        """Append a node; return the name of its output."""
        name = f"{op_type}_{len(self.nodes)}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [name], name=name, **attributes))
        return name

    def constant(self, value: npt.ArrayLike, dtype: npt.DTypeLike | None = None) -> str:
        """An initializer holding `value` (as a `dtype` array); return its name."""
        name = f"constant_{len(self.initializers)}"
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def cast(self, x: str, dtype: npt.DTypeLike) -> str:
        return self.add("Cast", x, to=self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    @staticmethod
    def broadcast(array: np.ndarray, axis: int) -> np.ndarray:
        """`array`, whose axes run along a tensor's axes from `axis` (negative) on, with a 1 for each of the
        tensor's axes after those, so that it broadcasts against the tensor."""
        return array.reshape(array.shape + (1,) * (-axis - array.ndim))

    def zero_appended(self, x: str, axis: int, ndim: int | None = None) -> str:
        """x (of `ndim` axes, the image's by default) with one zero appended along `axis`: the pixel that the taps
        outside a window read."""
        ndim = self.ndim if ndim is None else ndim
        pads = np.zeros(2 * ndim, np.int64)
        pads[2 * ndim + axis] = 1  # the end of the axis
        return self.add("Pad", x, self.constant(pads))

    def as_rows(self, x: str, axis: int) -> tuple[str, int, Callable[[str], str]]:
        """(x seen as rows along `axis`, its number of axes, restore): the axis moved to -2 and the axes after it
        flattened into the last, (..., n, rest), so that a Gather along -2 copies contiguous rows (along the last
        axis it gathers value by value, many times slower on onnxruntime); restore(y) puts a result (..., m, rest),
        m = lengths[axis] by then, back in the image's layout. The width is swapped with the height (a Transpose);
        channels-last images have their (W or H) * C values flattened (a Reshape)."""
        swap = axis == self.width
        perm = list(range(self.ndim))
        perm[self.height], perm[self.width] = perm[self.width], perm[self.height]
        if swap:
            x = self.add("Transpose", x, perm=perm)
        if self.channels != -1:
            return x, self.ndim, (lambda y: self.add("Transpose", y, perm=perm)) if swap else (lambda y: y)
        other = self.lengths[self.height if swap else self.width]
        leading = [0] * (self.ndim - 3)  # 0: the batch axis as it is (it may be dynamic)
        x = self.add("Reshape", x, self.constant([*leading, self.lengths[axis], -1], np.int64))

        def restore(y: str) -> str:
            y = self.add("Reshape", y, self.constant([*leading, self.lengths[axis], other, -1], np.int64))
            return self.add("Transpose", y, perm=perm) if swap else y

        return x, self.ndim - 1, restore

    def select(self, x: str, indices: np.ndarray, axis: int) -> str:
        """x[..., indices, ...] along `axis`: a Slice if the indices are evenly spaced, else a Gather."""
        indices = np.asarray(indices, np.int64)
        length, self.lengths[axis] = self.lengths[axis], len(indices)
        step = int(indices[1] - indices[0]) if len(indices) > 1 else 1
        if step < 1 or np.any(np.diff(indices) != step):
            return self.add("Gather", x, self.constant(indices), axis=axis)
        if step == 1 and len(indices) == length:  # the whole axis
            return x
        start, end = int(indices[0]), int(indices[-1]) + 1
        bounds = [self.constant([value], np.int64) for value in (start, end, axis, step)]
        return self.add("Slice", x, *bounds)

    def named(self, tensor: str, name: str) -> None:
        """Give the tensor `tensor` the name `name` (the graph's output), where it is made and where it is read."""
        for node in self.nodes:
            for names in (node.input, node.output):
                for k, value in enumerate(names):
                    if value == tensor:
                        names[k] = name


def _model(
    operation: _library.Operation,
    shape: tuple[int | str | None, ...],
    dtype: np.dtype,
    channels_last: bool,
    opset: object,
    call: str,
) -> onnx.ModelProto:
    """The model of `operation` for an input "x" of `shape` and `dtype`, with output "y"."""
    onnx = require()
    if isinstance(opset, bool) or not isinstance(opset, numbers.Integral):
        raise TypeError(f"opset must be an int, got {type(opset).__name__}")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:  # type: ignore[operator]  # an Integral compares with ints
        raise ValueError(f"opset must be in [{MIN_OPSET}, {newest}] (this onnx's newest), got {opset}")
    spatial = cast("tuple[int, int]", tuple(shape[-3:-1]) if channels_last else tuple(shape[-2:]))  # _image: ints
    graph = _Graph(onnx, len(shape), channels_last, spatial)
    builders: dict[type, Callable[..., str]] = {  # each takes the operation of its type
        _library.Selection: _selection,
        _library.Separable: _separable,
        _library.Median: _median,
        _library.Bilateral: _bilateral,
    }
    build = builders[type(operation)]
    output = build(graph, "x", operation, dtype)
    if output == "x":  # the method copies the image; a graph's output is still a node's
        output = graph.add("Identity", "x")
    graph.named(output, "y")
    dims = [n if n is None or isinstance(n, str) else int(n) for n in shape]  # names and None: dynamic axes
    out_dims = list(dims)
    out_dims[graph.height], out_dims[graph.width] = graph.lengths[graph.height], graph.lengths[graph.width]
    element = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    onnx_graph = onnx.helper.make_graph(
        graph.nodes,
        "antialias_np",
        [onnx.helper.make_tensor_value_info("x", element, dims)],
        [onnx.helper.make_tensor_value_info("y", element, out_dims)],
        graph.initializers,
    )
    opset_ids = [onnx.helper.make_opsetid("", int(opset))]
    model = onnx.helper.make_model(onnx_graph, opset_imports=opset_ids, producer_name="antialias_np",
                                   producer_version=__version__, doc_string=call)  # fmt: skip
    model.ir_version = onnx.helper.find_min_ir_version_for(opset_ids)  # readable by the oldest runtimes of the opset
    onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------------------------------------------------------
# Selections
# ---------------------------------------------------------------------------------------------------------------


def _selection(graph: _Graph, x: str, operation: _library.Selection, dtype: np.dtype) -> str:
    """x[..., rows, :][..., cols]: bit for bit, any dtype."""
    return graph.select(graph.select(x, operation.rows, graph.height), operation.cols, graph.width)


# ---------------------------------------------------------------------------------------------------------------
# Separable tables
# ---------------------------------------------------------------------------------------------------------------


def _separable(graph: _Graph, x: str, operation: _library.Separable, dtype: np.dtype) -> str:
    """Two table passes in the image's float dtype, rows first (the engine's order); for uint8 columns first
    (torch's): torch's fixed point in int32, each pass rounded and clamped; or exact box sums divided by the window
    size, or float64 sums, then rounded to the nearest integer (ties to even) and saturated."""
    rows, cols, divisor = operation
    compute = _compute_dtype(operation, dtype)
    if compute != dtype:
        x = graph.cast(x, compute)
    passes = [(rows, graph.height), (cols, graph.width)]
    for table, axis in passes[::-1] if dtype == UINT8 else passes:
        x = _table_pass(graph, x, table, axis, compute)
    if compute == dtype:
        return x
    if rows.precision is None:  # fixed point is rounded and clamped by each pass
        if divisor is not None:
            x = graph.add("Div", x, graph.constant(graph.broadcast(divisor, graph.height), compute))
        x = graph.add("Round", x)
        x = graph.add("Clip", x, graph.constant(0, compute), graph.constant(255, compute))
    return graph.cast(x, dtype)


def _compute_dtype(operation: _library.Separable, dtype: np.dtype) -> np.dtype:
    """The dtype the passes compute in: a float image's own; for uint8, int32 for fixed point (torch's sums fit
    it); float32 for box sums below 2^24 with divisors below 2^16 (each sum is then exact, and so is the rounding
    of its float32 quotient: the quotient's error, below 2^-17 under 256, is less than the 1 / (2 divisor) between
    a tie and any quotient that is not one); else float64."""
    if dtype.kind == "f":
        return dtype
    rows, cols, divisor = operation
    if rows.precision is not None:
        return np.dtype(np.int32)
    if divisor is not None and 255 * rows.count.max() * cols.count.max() < 2**24 and np.abs(divisor).max() < 2**16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _table_pass(graph: _Graph, x: str, table: AxisTable, axis: int, compute: np.dtype) -> str:
    """out[..., i, ...] = sum_{t < count[i]} weight[i, t] * x[..., index[i, t], ...] along `axis`, then for a
    fixed-point table torch's rounding of the pass.

    The taps of every output are gathered as rows, (..., n_out, taps, rest), and summed by a MatMul with the
    weights as (n_out, 1, taps): one dot product of `taps` values per output value, so that an output meets only
    its own taps (and zeros)."""
    length = graph.lengths[axis]
    n_out, taps = table.index.shape
    inside = np.arange(taps) < table.count[:, None]
    one = 1 if table.precision is None else 1 << table.precision  # 2^p is 1 in fixed point, which the pass restores
    if n_out == length and taps == 1 and np.all(inside) and np.array_equal(table.index[:, 0], np.arange(length)) \
            and np.all(table.weight == one):
        return x  # the axis is copied
    rows, ndim, restore = graph.as_rows(x, axis)
    index = table.index
    if not np.all(inside):  # the taps past an output's count read a zero appended to the axis
        rows = graph.zero_appended(rows, -2, ndim)
        index = np.where(inside, index, length)
    weight = np.where(inside, table.weight, 0).astype(compute).reshape(n_out, 1, taps)
    gathered = graph.add("Gather", rows, graph.constant(index, np.int64), axis=-2)  # (..., n_out, taps, rest)
    summed = graph.add("MatMul", graph.constant(weight), gathered)  # (..., n_out, 1, rest)
    out = graph.add("Squeeze", summed, graph.constant([-2], np.int64))
    graph.lengths[axis] = n_out
    out = restore(out)
    if table.precision is None:
        return out
    # torch: clamp((2^(p-1) + sum) >> p, 0, 255). Div truncates toward zero where the shift floors: they differ for
    # negative sums only, which both clamp to 0.
    rounded = graph.add("Add", out, graph.constant(1 << (table.precision - 1), np.int32))
    shifted = graph.add("Div", rounded, graph.constant(1 << table.precision, np.int32))
    return graph.add("Clip", shifted, graph.constant(0, np.int32), graph.constant(255, np.int32))


# ---------------------------------------------------------------------------------------------------------------
# Window filters: median and bilateral
# ---------------------------------------------------------------------------------------------------------------


def _window_taps(graph: _Graph, x: str, rows: np.ndarray, cols: np.ndarray) -> list[list[str]]:
    """taps[a][b] = x[..., rows[:, a], :][..., cols[:, b]]: the (a, b) tap of every kept window, (..., h, w)."""
    if np.any(rows < 0):
        x = graph.zero_appended(x, graph.height)
        rows = np.where(rows < 0, graph.lengths[graph.height], rows)
    if np.any(cols < 0):
        x = graph.zero_appended(x, graph.width)
        cols = np.where(cols < 0, graph.lengths[graph.width], cols)
    by_row = [graph.add("Gather", x, graph.constant(rows[:, a], np.int64), axis=graph.height)
              for a in range(rows.shape[1])]  # fmt: skip
    graph.lengths = {graph.height: rows.shape[0], graph.width: cols.shape[0]}
    return [[graph.add("Gather", row, graph.constant(cols[:, b], np.int64), axis=graph.width)
             for b in range(cols.shape[1])] for row in by_row]  # fmt: skip


def _median(graph: _Graph, x: str, operation: _library.Median, dtype: np.dtype) -> str:
    """The middle of each window by a sorting network of Min and Max, pruned to the comparisons the middle needs;
    floats: NaN where the window holds a value that is not finite (x - x is NaN there, 0 elsewhere). uint8 is
    compared in float32, which holds each of its values (onnxruntime 1.19 has no uint8 Min and Max)."""
    if dtype == UINT8:
        return graph.cast(_window_middles(graph, graph.cast(x, np.float32), operation), dtype)
    taps, middle = _window_middles(graph, x, operation, with_taps=True)
    if len(taps) == 1:
        return middle
    not_finite = None  # the sum of tap - tap: 0, or NaN where a tap is NaN or infinite
    for tap in taps:
        zero = graph.add("Sub", tap, tap)
        not_finite = zero if not_finite is None else graph.add("Add", not_finite, zero)
    assert not_finite is not None, "a window of more than one tap"
    return graph.add("Sub", middle, not_finite)  # middle - 0 keeps a -0.0 median


@overload
def _window_middles(graph: _Graph, x: str, operation: _library.Median, with_taps: Literal[False] = ...) -> str: ...
@overload
def _window_middles(
    graph: _Graph, x: str, operation: _library.Median, with_taps: Literal[True]
) -> tuple[list[str], str]: ...
def _window_middles(
    graph: _Graph, x: str, operation: _library.Median, with_taps: bool = False
) -> tuple[list[str], str] | str:
    """The middle value of each window (and, with_taps, first the list of its taps)."""
    taps = [tap for row in _window_taps(graph, x, operation.rows, operation.cols) for tap in row]
    values = list(taps)
    for low, high, keep_low, keep_high in median_network(len(taps)):
        smaller = graph.add("Min", values[low], values[high]) if keep_low else None
        larger = graph.add("Max", values[low], values[high]) if keep_high else None
        # A None is a value the pruned network never reads again: the checkers cannot see that.
        values[low], values[high] = smaller, larger  # type: ignore[assignment]
    middle = values[len(taps) // 2]
    return (taps, middle) if with_taps else middle


def median_network(n: int) -> list[tuple[int, int, bool, bool]]:
    """The comparisons that put the middle of n values (index n // 2 when sorted) at position n // 2.

    Batcher's odd-even merge sort for the next power of 2 (positions past n hold +inf and never move, so their
    comparisons are dropped), pruned from the end: a comparison is kept if a later one, or the middle, reads one of
    its outputs. Each is (low, high, keep_low, keep_high): position low gets Min(values[low], values[high]) and high
    gets the Max, each computed only if kept.
    """
    size = 1 << max(n - 1, 0).bit_length()
    comparisons = []
    p = 1
    while p < size:  # Batcher's odd-even merge sort (1968), in its iterative form
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    low, high = i + j, i + j + k
                    if low // (2 * p) == high // (2 * p) and high < n:
                        comparisons.append((low, high))
            k //= 2
        p *= 2
    needed = {n // 2}
    kept = []
    for low, high in reversed(comparisons):
        keep_low, keep_high = low in needed, high in needed
        if keep_low or keep_high:
            kept.append((low, high, keep_low, keep_high))
            needed |= {low, high}
    return kept[::-1]


def _bilateral(graph: _Graph, x: str, operation: _library.Bilateral, dtype: np.dtype) -> str:
    """kornia's bilateral filter, tap by tap in its order (row by row):

        d = sum_c |tap_c - centre_c| (l1) or d^2 = sum_c (tap_c - centre_c)^2 (l2)
        w = exp(color_scale * d^2) * space[a, b];   out = (sum w * tap) / (sum w)

    exp is 0 below the smallest normal number's logarithm, as in antialias_np: an infinite distance weighs 0 (and
    0 * inf is NaN, as in kornia) on runtimes whose Exp(-inf) is not 0 (onnxruntime 1.19's float64 Exp gave 5.6e-309).
    """
    taps = _window_taps(graph, x, operation.rows, operation.cols)
    ky, kx = operation.space.shape
    centre = taps[ky // 2][kx // 2]
    color_scale = graph.constant(operation.color_scale, dtype)
    lowest, zero = graph.constant(np.log(np.finfo(dtype).tiny), dtype), graph.constant(0, dtype)
    weighted = total = None
    for a in range(ky):
        for b in range(kx):
            difference = graph.add("Sub", taps[a][b], centre)
            if operation.l1:
                distance = _channel_sum(graph, graph.add("Abs", difference))
                squared = graph.add("Mul", distance, distance)
            else:
                squared = _channel_sum(graph, graph.add("Mul", difference, difference))
            exponent = graph.add("Mul", color_scale, squared)
            weight = graph.add("Where", graph.add("Less", exponent, lowest), zero, graph.add("Exp", exponent))
            weight = graph.add("Mul", weight, graph.constant(operation.space[a, b], dtype))
            contribution = graph.add("Mul", taps[a][b], weight)
            weighted = contribution if weighted is None else graph.add("Add", weighted, contribution)
            total = weight if total is None else graph.add("Add", total, weight)
    assert weighted is not None and total is not None, "a window of at least one tap"
    return graph.add("Div", weighted, total)


def _channel_sum(graph: _Graph, values: str) -> str:
    """The sum over the channel axis, kept as an axis of 1 (an (H, W) image has one channel)."""
    if graph.channels is None:
        return values
    return graph.add("ReduceSum", values, graph.constant([graph.channels], np.int64), keepdims=1)


