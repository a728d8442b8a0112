"""Bilateral filter: kornia.filters.bilateral_blur (kornia 0.9.0), and the same filter evaluated at kept pixels only.

For a pixel p and the neighbours q of its odd (ky, kx) window (border modes of borders.py, default 'reflect'):

    out_c(p) = sum_q w(p, q) I_c(q) / sum_q w(p, q)
    w(p, q)  = g(q - p) * exp(-0.5 * d(p, q)^2 / sigma_color^2)

- g: the spatial Gaussian, outer(g_y, g_x) with g_1d(t) = exp(-t^2 / (2 sigma^2)) / sum, t = -(k // 2) .. k // 2,
  sigma_space = (sigma_y, sigma_x);
- d: the colour distance over all channels of the pixel, so one weight serves every channel:
  'l1' (default, OpenCV's): d = sum_c |I_c(q) - I_c(p)|;  'l2': d^2 = sum_c (I_c(q) - I_c(p))^2.

Computed in the image's dtype (float32 or float64) with kornia's operations in kornia's order, so the results agree
to rounding (kornia itself sums the taps in two different orders, depending on the image size).
`bilateral_subsample(x, step)` equals `bilateral_blur(x)[..., ::step, ::step]` but only computes the kept pixels.

As in kornia:
- sigma_color is in the units of the image values;
- a NaN in a window makes the whole output pixel NaN; an infinity makes NaN the channels where it is weighed by 0
  (w = 0 for a neighbour at an infinite distance, and 0 * inf = NaN), and every channel at its own pixel;
- 'reflect' needs kernel // 2 < the image side and 'circular' kernel // 2 <= the side (else ValueError).

Unlike kornia:
- integer images raise a TypeError: sigma_color is in the image's units, so convert explicitly, e.g.
  x.astype(np.float32) / 255 (kornia silently filters them in float32 on their own 0..255 scale);
- sigma_space may be a single number (both axes); tensors of per-image sigmas are not supported;
- (H, W) and (C, H, W) images are accepted besides (N, C, H, W) ((H, W) is one channel), and channels-last ones
  with channel_axis=-1; float16 is refused;
- border_type is read in any case ('REFLECT', as kornia's median_blur; kornia 0.9.0's bilateral_blur refuses it);
  kernel_size 3.0 (a whole float) is accepted, 3.5 refused (kornia truncates it in a pair);
- sigma_color and sigma_space must keep 1 / sigma^2 finite in the image's dtype (kornia divides by zero);
- a colour weight exp(x) below the smallest normal float (x < -87 in float32, x < -708 in float64) is 0, where
  libm returns a subnormal number (below 1.2e-38 and 2.2e-308): a difference far below any rounding.

The kernel evaluates exp with a polynomial and bit arithmetic that the compiler vectorises (`_weights`): to the
last bit or so of libm's, as the tests check.
"""

from __future__ import annotations

import functools
import math
from decimal import Context, Decimal
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np._checks import (
    BORDER_TYPES,
    ImageSpec,
    check_channels,
    check_choice,
    check_float_image,
    check_image,
    check_int,
    check_odd_kernel_size,
    check_pair,
    check_sigma,
    check_window_fits,
)
from antialias_np._kernels import njit, plane_kernel
from antialias_np.borders import edge_windows, kept_windows, window_table
from antialias_np.plans import Plan, apply

COLOR_DISTANCE_TYPES = ("l1", "l2")

BLOCK_PIXELS = 512
"""Kept pixels filtered together: loops long enough for the compiler's vectors, data small enough for the cache."""

Float = TypeVar("Float", bound=np.floating[Any])
"""The float dtype of an image, of its weights and of its output."""


def bilateral_blur(
    x: npt.ArrayLike,
    kernel_size: int | tuple[int, int],
    sigma_color: float,
    sigma_space: float | tuple[float, float],
    border_type: str = "reflect",
    color_distance_type: str = "l1",
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """The edge-preserving weighted mean of each odd ky x kx window, as kornia.filters.bilateral_blur.

        out(p) = sum_q w(p, q) x(q) / sum_q w(p, q),   w(p, q) = g_space(q - p) exp(-d(p, q)^2 / (2 sigma_color^2))

    over the window of p, with g_space the normalised Gaussian of sigma_space per axis and d the colour distance
    over all channels: l1, d = sum_c |x_c(q) - x_c(p)|; l2, d^2 = sum_c (x_c(q) - x_c(p))^2. The image is extended
    past its edges by border_type.

    Args:
        x: a float image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        kernel_size: odd, one int or (height, width).
        sigma_color: in the image's units (0.1 of a [0, 1] image).
        sigma_space: in pixels, one float or (height, width).
        border_type: 'reflect', 'replicate', 'circular' or 'constant'; any case.
        color_distance_type: 'l1' (OpenCV's) or 'l2'.
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array with x's layout, shape and dtype (float32 or float64).

    Raises:
        TypeError: x is not a float32 / float64 array (sigma_color is in the image's units, so integer images are
            refused rather than guessed), or an argument of the wrong type.
        ValueError: an even kernel, a non-positive sigma, an unknown border_type or color_distance_type.

    Equals:
        kornia.filters.bilateral_blur of kornia 0.9.0, within 1e-6 (float32) and 1e-12 (float64).

    Example:
        >>> edge = np.array([[0, 0, 1, 1]], np.float32).repeat(4, axis=0)
        >>> bilateral_blur(edge, 3, 0.1, (1.0, 1.0))[0].round(6)  # the edge stays sharp
        array([0., 0., 1., 1.], dtype=float32)
    """
    return bilateral_subsample(x, 1, kernel_size, sigma_color, sigma_space, border_type, color_distance_type,
                               channel_axis=channel_axis)


def bilateral_subsample(
    x: npt.ArrayLike,
    step: int,
    kernel_size: int | tuple[int, int] = 5,
    sigma_color: float = 0.1,
    sigma_space: float | tuple[float, float] = (1.5, 1.5),
    border_type: str = "reflect",
    color_distance_type: str = "l1",
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """bilateral_blur(x, ...)[..., ::step, ::step], computing only the kept pixels."""
    return apply(bilateral_plan, x, "x", channel_axis, step, kernel_size, sigma_color, sigma_space, border_type,
                 color_distance_type)


def bilateral_plan(
    image: ImageSpec,
    step: int,
    kernel_size: int | tuple[int, int] = 5,
    sigma_color: float = 0.1,
    sigma_space: float | tuple[float, float] = (1.5, 1.5),
    border_type: str = "reflect",
    color_distance_type: str = "l1",
) -> Plan:
    """bilateral_subsample for images of one shape and dtype, checked and with its tables built."""
    f = _check_arguments(image, step, kernel_size, sigma_color, sigma_space, border_type, color_distance_type)
    height, width = image.shape[-2:]
    rows = window_table(height, f.kernel_size[0], f.step, f.border_type)
    cols = window_table(width, f.kernel_size[1], f.step, f.border_type)
    exp = _EXP[image.dtype]
    block_pixels = max(1, BLOCK_PIXELS // cols.shape[0]) * cols.shape[0]  # whole output rows
    edges = edge_windows(width, f.kernel_size[1], f.step)
    tables = (rows, cols.T.copy(), edges, f.space, f.color_scale, f.l1, exp.constants)
    return BilateralPlan(tables, (rows.shape[0], cols.shape[0]), block_pixels, exp.bits)


class BilateralPlan(Plan):
    """`_bilateral_kernel` with its window tables, spatial kernel and colour scale, run on the kept pixels of whole
    images (the colour distance reads every channel), in blocks of `block_pixels` weights. Channels-last images are
    read, and their results written, as they are: the kernel indexes (N, C, H, W) views of them."""

    def __init__(
        self, tables: tuple[object, ...], n_out: tuple[int, int], block_pixels: int, bits: np.dtype[np.signedinteger]
    ) -> None:
        self.n_out, self.block_pixels = n_out, block_pixels
        self._tables, self._bits = tables, bits

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.channels_last:
            images: np.ndarray = x.reshape((-1, *x.shape[-3:]))
            out = np.empty((images.shape[0], *self.n_out, images.shape[-1]), dtype=x.dtype)
            self._filter(np.moveaxis(images, -1, 1), np.moveaxis(out, -1, 1))
            filtered: np.ndarray = out.reshape(x.shape[:-3] + out.shape[1:])
            return filtered
        images = np.ascontiguousarray(_as_images(x))
        out = np.empty((*images.shape[:2], *self.n_out), dtype=x.dtype)
        self._filter(images, out)
        filtered = out.reshape(x.shape[:-2] + out.shape[-2:])
        return filtered

    def _filter(self, images: np.ndarray, out: np.ndarray) -> None:
        """Run the kernel on images, (N, C, H, W), into out, (N, C, h, w), both of any strides."""
        _bilateral_kernel(images, *self._tables, np.empty(self.block_pixels, self._bits), out)

    def reads_channels_last(self) -> bool:
        return True


def bilateral_reference(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    sigma_color: float,
    sigma_space: float | tuple[float, float],
    border_type: str = "reflect",
    color_distance_type: str = "l1",
    step: int = 1,
) -> np.ndarray:
    """Plain NumPy bilateral_subsample: pad, take every kept window, weigh it, average it."""
    x = check_image(x, "x")
    f = _check_arguments(ImageSpec.of(x), step, kernel_size, sigma_color, sigma_space, border_type,
                         color_distance_type)
    images = _as_images(x)
    windows = kept_windows(images, f.kernel_size, f.border_type, f.step)  # (N, C, h, w, ky, kx)
    with np.errstate(invalid="ignore"):  # NaN and inf spread as in kornia: inf - inf, 0 * inf
        difference = windows - images[..., :: f.step, :: f.step, None, None]
        if f.l1:
            distance2 = np.abs(difference).sum(axis=1, keepdims=True) ** 2
        else:
            distance2 = (difference * difference).sum(axis=1, keepdims=True)
        weights = np.exp(f.color_scale * distance2) * f.space
        out = (windows * weights).sum(axis=(-2, -1)) / weights.sum(axis=(-2, -1))
    filtered: np.ndarray = out.reshape(x.shape[:-2] + out.shape[-2:])
    return filtered


@functools.lru_cache(maxsize=32)
def space_kernel(kernel_size: tuple[int, int], sigma_space: tuple[float, float], dtype: np.dtype) -> np.ndarray:
    """kornia's get_gaussian_kernel2d in `dtype`: outer(g_y, g_x), each exp(-t^2 / (2 sigma^2)) / sum. Read-only."""
    kernels = []
    for k, sigma in zip(kernel_size, sigma_space, strict=True):
        t = np.arange(k, dtype=dtype) - dtype.type(k // 2)
        sigma = dtype.type(sigma)
        gauss = np.exp(-(t * t) / (2 * (sigma * sigma)))
        kernels.append(gauss / gauss.sum())
    kernel = np.ascontiguousarray(kernels[0][:, None] * kernels[1][None, :])
    kernel.flags.writeable = False
    return kernel


class _Filter(NamedTuple):
    """The checked parameters of one call."""

    step: int
    kernel_size: tuple[int, int]
    color_scale: np.floating  # -0.5 / sigma_color^2, in the image's dtype
    space: np.ndarray  # the (ky, kx) spatial weights
    border_type: str
    l1: bool


def _check_arguments(
    image: ImageSpec,
    step: int,
    kernel_size: int | tuple[int, int],
    sigma_color: float,
    sigma_space: float | tuple[float, float],
    border_type: str,
    color_distance_type: str,
) -> _Filter:
    """Validate the parameters for an image's ImageSpec; return them as a _Filter."""
    check_float_image(image, image.name, "bilateral_blur", "sigma_color")
    check_channels(image, "bilateral_blur")
    step = check_int(step, "step", minimum=1)
    kernel_size = check_odd_kernel_size(kernel_size)
    sigma_color = check_sigma(sigma_color, "sigma_color", image.dtype)
    sigma_space = check_pair(sigma_space, "sigma_space", check_sigma, dtype=image.dtype)
    border_type = check_choice(border_type, "border_type", BORDER_TYPES, any_case=True)
    l1 = check_choice(color_distance_type, "color_distance_type", COLOR_DISTANCE_TYPES) == "l1"
    check_window_fits(image, kernel_size, border_type)
    # kornia computes -0.5 / sigma_color**2 in double; torch rounds it to the image's dtype when multiplying.
    color_scale = image.dtype.type(-0.5 / sigma_color / sigma_color)  # sigma_color**2 may overflow a float
    space = space_kernel(kernel_size, sigma_space, image.dtype)
    return _Filter(step, kernel_size, color_scale, space, border_type, l1)


def _as_images(x: np.ndarray) -> np.ndarray:
    """x as (N, C, H, W): an (H, W) image is one channel of one image."""
    return x.reshape((-1, *x.shape[-3:])) if x.ndim >= 3 else x[None, None]


class _ExpConstants:
    """What `_weights` needs to compute exp in one float dtype; `bits` is the integer dtype of the same size."""

    def __init__(
        self,
        dtype: type[np.floating],
        bits: type[np.signedinteger],
        mantissa_bits: int,
        exponent_bias: int,
        lowest: float,
        degree: int,
        ln2_hi_bits: int,
    ) -> None:
        f = np.dtype(dtype).type
        self.bits = np.dtype(bits)
        # ln 2 = hi + lo with hi rounded to ln2_hi_bits bits, so that k * hi is exact (Cody and Waite); lo from a
        # 40-digit ln 2, as fl(ln 2) - hi would miss the rounding of fl(ln 2), which k multiplies.
        ln2 = Decimal(2).ln(Context(prec=40))
        ln2_hi = math.ldexp(round(math.ldexp(math.log(2), ln2_hi_bits)), -ln2_hi_bits)
        taylor = tuple(f(1 / math.factorial(n)) for n in range(degree, -1, -1))
        # The bias as a float and the shift in the integer dtype keep the bit arithmetic in that dtype (vectorised).
        # One flat tuple: Numba's parallel loops cannot pass a tuple nested in a tuple.
        self.constants = (
            f(1 / math.log(2)),
            f(ln2_hi),
            f(float(ln2 - Decimal(ln2_hi))),
            f(lowest),
            f(exponent_bias),
            self.bits.type(mantissa_bits),
            *taylor,
        )


# `lowest`: below it, exp(x) is not a normal number. The Taylor degrees put the polynomial's error below the
# dtype's rounding for |r| <= ln(2) / 2.
_EXP = {
    np.dtype(np.float32): _ExpConstants(np.float32, np.int32, 23, 127, lowest=-87.0, degree=7, ln2_hi_bits=12),
    np.dtype(np.float64): _ExpConstants(np.float64, np.int64, 52, 1023, lowest=-708.0, degree=12, ln2_hi_bits=32),
}


@njit(cache=True, error_model="numpy")
def _weights(
    distance: npt.NDArray[Float],
    color_scale: Float,
    square: bool,
    space_weight: Float,
    exp_constants: tuple[np.number, ...],
    bits: npt.NDArray[np.signedinteger],
    weight: npt.NDArray[Float],
    total: npt.NDArray[Float],
) -> None:
    """weight = space_weight * exp(color_scale * d2), d2 = distance^2 if square else distance; total += weight.

    exp(x) = 2^k exp(r) with k = round(x / ln 2) and r = x - k ln 2, |r| <= ln(2) / 2: a polynomial gives exp(r),
    and 2^k is made from its bits (`bits` viewed as floats). libm's exp is a function call per value, which the
    compiler cannot vectorise, and would cost most of the filter's time. x is <= 0, -inf or NaN.
    """
    log2e, ln2_hi, ln2_lo, lowest, exponent_bias, mantissa_bits = exp_constants[:6]
    taylor = exp_constants[6:]
    zero = weight.dtype.type(0)
    half = weight.dtype.type(0.5)
    for p in range(distance.shape[0]):
        x = color_scale * (distance[p] * distance[p] if square else distance[p])
        k = np.floor(x * log2e + half)
        if not x >= lowest:  # exp(x) is 0 (x below `lowest`) or NaN (r is NaN): any k with valid bits will do
            k = zero
        r = (x - k * ln2_hi) - k * ln2_lo
        exp_r = taylor[0]
        for c in taylor[1:]:
            exp_r = exp_r * r + c
        weight[p] = zero if x < lowest else exp_r
        bits[p] = bits.dtype.type(k + exponent_bias) << mantissa_bits
    powers_of_two = bits.view(weight.dtype)
    for p in range(distance.shape[0]):
        weight[p] = weight[p] * powers_of_two[p] * space_weight
        total[p] += weight[p]


@njit(cache=True)
def _gather(
    images: npt.NDArray[Float],
    n: int,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    edges: npt.NDArray[np.int64],
    a: int,
    t: int,
    first_row: int,
    last_row: int,
    values: npt.NDArray[Float],
) -> None:
    """values[c, :] = channel c of the tap (a, t) of every kept window in output rows first_row..last_row-1.

    `cols` is the column table transposed, (kx, out_w); `edges`, the windows whose columns may leave the image.
    """
    columns = cols[t]
    width = columns.shape[0]
    for c in range(images.shape[1]):
        gathered = values[c]
        position = 0
        for i in range(first_row, last_row):
            row = images[n, c, rows[i, a]]
            for j in range(width):
                gathered[position + j] = row[columns[j]]
            position += width
    # The constant border's -1 has read the last row or column (NumPy's negative index): write its zeros over them
    # here, apart from the loop above, which the compiler then keeps tight.
    for c in range(images.shape[1]):
        for i in range(first_row, last_row):
            position = (i - first_row) * width
            if rows[i, a] < 0:
                values[c, position : position + width] = 0
            for j in edges:
                if columns[j] < 0:
                    values[c, position + j] = 0


@plane_kernel(error_model="numpy")
def _bilateral_kernel(
    images: npt.NDArray[Float],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    edges: npt.NDArray[np.int64],
    space: npt.NDArray[Float],
    color_scale: Float,
    l1: bool,
    exp_constants: tuple[np.number, ...],
    bits: npt.NDArray[np.signedinteger],
    out: npt.NDArray[Float],
) -> None:
    """out[n, c, i, j] = the filter of images[n] on the window rows[i] x cols[:, j] (borders.window_table's tables,
    the column one transposed).

    The kept pixels are filtered in blocks of whole output rows (as many pixels as `bits` holds), one block per
    Numba thread at a time; see `_filter_block`.
    """
    block_rows = max(1, bits.shape[0] // cols.shape[1])
    blocks_per_image = -(-rows.shape[0] // block_rows)
    for job in prange(images.shape[0] * blocks_per_image):
        n, block = divmod(np.int64(job), blocks_per_image)  # prange counts in uint64: keep the rows int64
        first_row = block * block_rows
        last_row = min(first_row + block_rows, rows.shape[0])
        _filter_block(images, n, rows, cols, edges, space, color_scale, l1, exp_constants, bits.copy(), first_row,
                      last_row, out)


@njit(cache=True, error_model="numpy")
def _filter_block(
    images: npt.NDArray[Float],
    n: int,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    edges: npt.NDArray[np.int64],
    space: npt.NDArray[Float],
    color_scale: Float,
    l1: bool,
    exp_constants: tuple[np.number, ...],
    bits: npt.NDArray[np.signedinteger],
    first_row: int,
    last_row: int,
    out: npt.NDArray[Float],
) -> None:
    """Output rows first_row..last_row-1 of image n, tap by tap: gather the tap's values into contiguous rows, then
    every step is a loop along the block that the compiler vectorises. The taps are summed in kornia's order (row by
    row), the channel distances too (channel 0 first). `bits` is this block's own scratch.
    """
    channels = images.shape[1]
    ky, kx = space.shape
    width = cols.shape[1]
    m = (last_row - first_row) * width
    centres = np.empty((channels, m), images.dtype)
    values = np.empty_like(centres)
    weighted = np.zeros_like(centres)
    distance = np.empty(m, images.dtype)
    weight = np.empty_like(distance)
    total = np.zeros_like(distance)
    _gather(images, n, rows, cols, edges, ky // 2, kx // 2, first_row, last_row, centres)
    for a in range(ky):
        for t in range(kx):
            _gather(images, n, rows, cols, edges, a, t, first_row, last_row, values)
            distance[:] = 0
            for c in range(channels):
                if l1:
                    for p in range(m):
                        distance[p] += abs(values[c, p] - centres[c, p])
                else:
                    for p in range(m):
                        distance[p] += (values[c, p] - centres[c, p]) * (values[c, p] - centres[c, p])
            _weights(distance, color_scale, l1, space[a, t], exp_constants, bits[:m], weight, total)
            for c in range(channels):
                for p in range(m):
                    weighted[c, p] += values[c, p] * weight[p]
    for c in range(channels):
        for i in range(last_row - first_row):
            for j in range(width):
                out[n, c, first_row + i, j] = weighted[c, i * width + j] / total[i * width + j]
