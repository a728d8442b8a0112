"""Median filter: kornia.filters.median_blur (kornia 0.9.0), and the same filter evaluated at kept pixels only.

For each plane of the image, with a (ky, kx) window (both odd) and a border mode (borders.py, default 'reflect'):

    out[y, x] = the middle value of the sorted window { x[y + a, x + b] : |a| <= ky // 2, |b| <= kx // 2 }

The result is one of the window's values, so it is exact in any dtype and every test of it is bit-exact.
`median_subsample(x, step)` equals `median_blur(x)[..., ::step, ::step]` but only looks at the kept windows.

As in kornia:
- a window of more than one pixel holding a NaN or an infinity gives NaN, even where the median of its values is
  finite; a 1x1 window returns its pixel, infinities included;
- 'reflect' needs kernel // 2 < the image side and 'circular' kernel // 2 <= the side (else ValueError).

Unlike kornia:
- an integer image is filtered on its integers and the result keeps its dtype; kornia converts to float32 and returns
  float32 (the same numbers, while the integers are below 2**24 in size, where float32 stops being exact);
- (H, W) and (C, H, W) images are accepted besides (N, C, H, W), and channels-last ones with channel_axis=-1;
  float16 and bool are refused;
- kernel_size 3.0 (a whole float) is accepted alone as well as in a pair; kornia truncates (3.5, 3.5) to 3,
  here 3.5 is refused.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np._checks import (
    BORDER_TYPES,
    FLOAT_DTYPES,
    ImageSpec,
    check_choice,
    check_dtype,
    check_image,
    check_int,
    check_odd_kernel_size,
    check_window_fits,
)
from antialias_np._kernels import PlaneKernel, njit, plane_kernel
from antialias_np.borders import border_index, kept_windows, read_pixel, window_table
from antialias_np.plans import Plan, apply, on_channel_planes, on_planes

Value = TypeVar("Value", bound=np.number[Any])  # the median of numbers: integers or floats of every width
"""The dtype of an image."""

Scalar = TypeVar("Scalar", bound=np.number[Any])
"""A value of an image, in the kernels: an integer or a float."""

MEDIAN_DTYPES: tuple[np.dtype[Any], ...] = (
    np.dtype(np.float16), *FLOAT_DTYPES, *(np.dtype(code) for code in np.typecodes["AllInteger"])
)
"""float16 is filtered in float32, which holds every float16 value exactly, and converted back: still a selection."""


def median_blur(
    x: npt.ArrayLike,
    kernel_size: int | tuple[int, int],
    border_type: str = "reflect",
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """The median of each odd ky x kx window, as kornia.filters.median_blur.

        out[i, j] = the middle of the sorted values x[i + a, j + b], |a| <= ky // 2, |b| <= kx // 2

    with the image extended past its edges by border_type. A window holding NaN or an infinity gives NaN (kornia's
    rule), when it has more than one pixel.

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        kernel_size: odd, one int or (height, width); whole floats (3.0) are accepted, as kornia.
        border_type: 'reflect' (the edge pixel not repeated), 'replicate', 'circular' or 'constant' (zeros); any
            case.
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array with x's layout, shape and dtype. Any integer dtype, float16, float32 and float64, each exactly
        (a median selects a value); kornia returns float32 for integers.

    Raises:
        TypeError: x is not an array of a supported dtype.
        ValueError: an even or non-positive kernel, an unknown border_type, or a reflect / circular pad longer than
            the image allows.

    Equals:
        kornia.filters.median_blur of kornia 0.9.0, bit for bit.

    Example:
        >>> median_blur(np.array([[0, 9, 0], [9, 1, 9], [0, 9, 0]], np.float32), 3)
        array([[1., 9., 1.],
               [9., 1., 9.],
               [1., 9., 1.]], dtype=float32)
    """
    return median_subsample(x, 1, kernel_size, border_type, channel_axis=channel_axis)


def median_subsample(
    x: npt.ArrayLike,
    step: int,
    kernel_size: int | tuple[int, int] = 3,
    border_type: str = "reflect",
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """median_blur(x, kernel_size, border_type)[..., ::step, ::step], computing only the kept pixels."""
    return apply(median_plan, x, "x", channel_axis, step, kernel_size, border_type)


def median_plan(
    image: ImageSpec, step: int, kernel_size: int | tuple[int, int] = 3, border_type: str = "reflect"
) -> Plan:
    """median_subsample for images of one shape and dtype, checked and with its window tables built."""
    kernel_size, border_type, step = _check_arguments(image, kernel_size, border_type, step)
    height, width = image.shape[-2:]
    rows = window_table(height, kernel_size[0], step, border_type)
    cols = window_table(width, kernel_size[1], step, border_type)
    kernel: PlaneKernel
    tables: tuple[np.ndarray | int, ...]  # the kernel's arguments after the image
    if kernel_size == (3, 3):
        left_column, right_column = border_index(np.array([-1, width]), width, border_type).tolist()
        kernel, tables = _median_3x3, (rows, left_column, right_column, step)
    else:
        kernel, tables = _median_any, (rows, cols)

    return MedianPlan(kernel, tables, (rows.shape[0], cols.shape[0]), image.dtype)


class MedianPlan(Plan):
    """A median kernel (`_median_3x3` or `_median_any`) with its window tables, run on the kept pixels; float16
    goes through float32, which holds each of its values exactly. The 3 x 3 kernel reads channels-last images as
    they are."""

    def __init__(
        self, kernel: PlaneKernel, tables: tuple[np.ndarray | int, ...], n_out: tuple[int, int], dtype: np.dtype[Any]
    ) -> None:
        self.kernel, self.tables, self.n_out, self.dtype = kernel, tables, n_out, dtype
        self.compute = np.dtype(np.float32) if dtype == np.float16 else dtype

    def __call__(self, x: np.ndarray) -> np.ndarray:
        source = x.astype(self.compute, copy=False)
        if self.kernel is _median_3x3:
            out = on_channel_planes(self.kernel, source, self.channels_last, self.tables, self.n_out, self.compute)
        else:
            out = on_planes(self.kernel, source, self.tables, self.n_out, self.compute)
        return out.astype(self.dtype, copy=False)

    def reads_channels_last(self) -> bool:
        return self.kernel is _median_3x3


def median_reference(
    x: np.ndarray, kernel_size: int | tuple[int, int], border_type: str = "reflect", step: int = 1
) -> np.ndarray:
    """Plain NumPy median_subsample: pad, take every window, sort it, keep its middle (NaN where not finite)."""
    x = check_image(x, "x")
    kernel_size, border_type, step = _check_arguments(ImageSpec.of(x), kernel_size, border_type, step)
    windows: np.ndarray = kept_windows(x, kernel_size, border_type, step)
    windows = windows.reshape((*windows.shape[:-2], -1))
    median = np.sort(windows, axis=-1)[..., windows.shape[-1] // 2]
    if windows.shape[-1] > 1 and x.dtype.kind == "f":
        median = np.where(np.isfinite(windows).all(axis=-1), median, np.nan).astype(x.dtype)
    return median


def _check_arguments(
    image: ImageSpec, kernel_size: int | tuple[int, int], border_type: str, step: int
) -> tuple[tuple[int, int], str, int]:
    """Validate the parameters for an image's ImageSpec; return them checked."""
    check_dtype(image, image.name, MEDIAN_DTYPES, "median_blur")
    kernel_size = check_odd_kernel_size(kernel_size)
    border_type = check_choice(border_type, "border_type", BORDER_TYPES, any_case=True)
    check_window_fits(image, kernel_size, border_type)
    step = check_int(step, "step", minimum=1)
    return kernel_size, border_type, step


@njit(cache=True, inline="always")
def _min(a: Scalar, b: Scalar) -> Scalar:
    # Plain selects, which the compiler vectorises (the builtin min and max also handle NaN, and do not): NaNs are
    # marked apart from the sorting.
    return a if a < b else b


@njit(cache=True, inline="always")
def _max(a: Scalar, b: Scalar) -> Scalar:
    return b if a < b else a


@njit(cache=True, inline="always")
def _sort3(a: Scalar, b: Scalar, c: Scalar) -> tuple[Scalar, Scalar, Scalar]:
    """(smallest, middle, largest) of three values, by three compare-exchanges."""
    a, b = _min(a, b), _max(a, b)
    b, c = _min(b, c), _max(b, c)
    a, b = _min(a, b), _max(a, b)
    return a, b, c


@njit(cache=True, inline="always")
def _nan_unless_finite(value: Scalar, a: Scalar, b: Scalar, c: Scalar) -> Scalar:
    """value if a, b and c are finite, else NaN (x - x is 0 for a finite x and NaN otherwise; value - 0 is value,
    -0.0 included). Integers pass unchanged."""
    kept: Scalar = value - ((a - a) + (b - b) + (c - c))
    return kept


@njit(cache=True, inline="always")
def _shifted(row: npt.NDArray[Value], channels: int) -> tuple[npt.NDArray[Value], ...]:
    """Views of a row padded by C values on each side: each value's left neighbour, itself and its right neighbour
    at one index, so that the loops combining them read no offsets (and vectorise as in one channel)."""
    width = row.shape[0] - 2 * channels
    return row[:width], row[channels : channels + width], row[2 * channels :]


@plane_kernel()
def _median_3x3(
    planes: npt.NDArray[Value], channels: int, rows: npt.NDArray[np.int64], left_column: int, right_column: int,
    step: int, out: npt.NDArray[Value],
) -> None:
    """out[b, i, j] = the median of plane b on rows rows[i] (a 3-wide borders.window_table) and the columns around
    j * step; left_column and right_column are the columns read for -1 and W (-1: the constant border's zero).
    Planes hold C interleaved channels, (H, W * C), and out (h, w * C): C = 1 in torch layout.
    """
    for b in prange(planes.shape[0]):  # one plane per thread, each with its own buffers
        if channels == 1:  # a constant the compiler folds into the loops (see Note: the median's kernel shape)
            _median_3x3_plane(planes[b], 1, rows, left_column, right_column, step, out[b])
        else:
            _median_3x3_plane(planes[b], channels, rows, left_column, right_column, step, out[b])


@njit(cache=True)
def _median_3x3_plane(
    plane: npt.NDArray[Value], channels: int, rows: npt.NDArray[np.int64], left_column: int, right_column: int,
    step: int, out: npt.NDArray[Value],
) -> None:
    """_median_3x3 on one plane (a function of its own: the parallel compilation of _median_3x3 analyses every loop
    of its prange body, and took much longer with this one's inlined: see Note: the median's kernel shape in
    docs/notes.md).

    With each column of a 3x3 window sorted into (low, middle, high), the median of the nine values is the median
    of (the largest low, the median of the middles, the smallest high). For each kept row, the columns are sorted,
    and then combined at every column, in loops over the whole row that the compiler vectorises: faster than
    combining at the kept columns only, one at a time. The kept columns are then picked out.
    """
    width = plane.shape[1]  # W * C values per row
    zeros = np.zeros(width, plane.dtype)
    # Sorted columns, with the border's column on each side: value c of the row is at c + C.
    low = np.zeros(width + 2 * channels, plane.dtype)
    middle = np.zeros(width + 2 * channels, plane.dtype)
    high = np.zeros(width + 2 * channels, plane.dtype)
    low_left, low_centre, low_right = _shifted(low, channels)
    middle_left, middle_centre, middle_right = _shifted(middle, channels)
    high_left, high_centre, high_right = _shifted(high, channels)
    medians = np.empty(width, plane.dtype)
    for i in range(rows.shape[0]):
        top = plane[rows[i, 0]] if rows[i, 0] >= 0 else zeros
        centre = plane[rows[i, 1]] if rows[i, 1] >= 0 else zeros
        bottom = plane[rows[i, 2]] if rows[i, 2] >= 0 else zeros
        for c in range(width):
            low_centre[c], m, high_centre[c] = _sort3(top[c], centre[c], bottom[c])
            # A column holding a NaN or an infinity gets a NaN middle, which marks its windows below.
            middle_centre[c] = _nan_unless_finite(m, top[c], centre[c], bottom[c])
        for side, column in ((0, left_column), (width // channels + 1, right_column)):
            if column >= 0:  # else the zeros they were made with
                for k in range(channels):
                    to, source = side * channels + k, (column + 1) * channels + k
                    low[to], middle[to], high[to] = low[source], middle[source], high[source]
        for c in range(width):
            m0, m1, m2 = middle_left[c], middle_centre[c], middle_right[c]
            largest_low = _max(_max(low_left[c], low_centre[c]), low_right[c])
            smallest_high = _min(_min(high_left[c], high_centre[c]), high_right[c])
            median = _sort3(largest_low, _sort3(m0, m1, m2)[1], smallest_high)[1]
            medians[c] = _nan_unless_finite(median, m0, m1, m2)
        for j in range(out.shape[1] // channels):
            for k in range(channels):
                out[i, j * channels + k] = medians[j * step * channels + k]


@plane_kernel()
def _median_any(
    planes: npt.NDArray[Value], rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], out: npt.NDArray[Value]
) -> None:
    """The median of any odd window (tables from borders.window_table), NaN if a value is not finite.

    The window is insertion-sorted as it is gathered: for a few dozen values that beats a general sort.
    """
    ky, kx = rows.shape[1], cols.shape[1]
    for b in prange(planes.shape[0]):  # one plane per thread
        window = np.empty(ky * kx, dtype=planes.dtype)
        for i in range(rows.shape[0]):
            for j in range(cols.shape[0]):
                finite = True
                count = 0
                for a in range(ky):
                    for c in range(kx):
                        value = read_pixel(planes, b, rows[i, a], cols[j, c])
                        if not np.isfinite(value):
                            finite = False
                        position = count
                        while position > 0 and window[position - 1] > value:
                            window[position] = window[position - 1]
                            position -= 1
                        window[position] = value
                        count += 1
                out[b, i, j] = window[count // 2]
                if not finite and count > 1:
                    out[b, i, j] = np.nan
