"""Input checks and layout handling: every error message of the package lives here.

Images are NumPy arrays whose last two axes are (height, width): (H, W), (C, H, W) or (N, C, H, W), as in
torch. Kernels see them as a stack of planes (B, H, W); `to_planes` and `from_planes` convert both ways.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
"""Dtypes a linear filter computes in: the output keeps the input's."""

BORDER_TYPES = ("constant", "reflect", "replicate", "circular")


def check_image(image: object, name: str = "x", *, min_ndim: int = 2, max_ndim: int = 4) -> np.ndarray:
    """Return `image` as a native-byte-order ndarray, or raise a TypeError / ValueError naming `name`.

    Accepts any real integer or floating dtype (the operation narrows that with `check_dtype`). Never copies a
    native-order array; a big-endian array is converted, so kernels only ever see native order.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(image).__name__}")
    if image.dtype.kind not in "iuf":
        raise TypeError(f"{name} must have a real integer or floating dtype, got dtype {image.dtype}")
    if not min_ndim <= image.ndim <= max_ndim:
        layouts = {2: "(H, W)", 3: "(C, H, W)", 4: "(N, C, H, W)"}
        expected = " or ".join(layouts[n] for n in range(min_ndim, max_ndim + 1))
        raise ValueError(f"{name} must be {expected}, got {image.ndim} dimensions with shape {image.shape}")
    if image.size == 0:
        raise ValueError(f"{name} must not have an axis of length 0, got shape {image.shape}")
    if not image.dtype.isnative:
        image = image.astype(image.dtype.newbyteorder("="))
    return image


Plan = Callable[[np.ndarray], np.ndarray]
"""A method bound to an image shape and dtype: checks done and tables built once, it only runs the kernel."""


class ImageSpec(NamedTuple):
    """The shape and dtype of a checked image: all that a Plan is built from, and cached by."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @classmethod
    def of(cls, image: np.ndarray) -> ImageSpec:
        return cls(image.shape, image.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)


def check_dtype(image: np.ndarray | ImageSpec, name: str, allowed: tuple[np.dtype, ...], operation: str) -> None:
    """Raise a TypeError unless image.dtype is one of `allowed`."""
    if image.dtype not in allowed:
        names = ", ".join(str(d) for d in allowed)
        raise TypeError(
            f"{name} has dtype {image.dtype}, but {operation} supports {names}; "
            f"convert with {name}.astype(np.float32) first"
        )


def to_planes(image: np.ndarray) -> np.ndarray:
    """View (..., H, W) as (B, H, W) planes (a copy only when the strides do not allow a view)."""
    return image.reshape((-1, *image.shape[-2:]))


def from_planes(planes: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Give (B, h, w) results the leading axes of the input `like`."""
    return planes.reshape(like.shape[:-2] + planes.shape[-2:])


def on_planes(kernel, x: np.ndarray, tables: tuple, n_out: tuple[int, int], dtype) -> np.ndarray:
    """Run kernel(planes, *tables, out) on x seen as (B, H, W) planes; give the (B, h, w) result x's leading axes."""
    planes = np.ascontiguousarray(to_planes(x))
    out = np.empty((planes.shape[0], *n_out), dtype)
    kernel(planes, *tables, out)
    return from_planes(out, x)


def move_channels_first(image: np.ndarray | ImageSpec, channel_axis: int | None) -> np.ndarray | ImageSpec:
    """Return `image` (an array, or its ImageSpec) in torch layout: channels just before (H, W).
    channel_axis=None means it already is."""
    if channel_axis is None:
        return image
    if channel_axis not in (-1, image.ndim - 1):
        raise ValueError(
            f"channel_axis must be None (torch layout, channels before H, W) or -1 (channels last), "
            f"got {channel_axis!r}"
        )
    if image.ndim < 3:
        raise ValueError(f"channel_axis=-1 needs an (H, W, C) or (N, H, W, C) image, got shape {image.shape}")
    if isinstance(image, ImageSpec):
        shape = image.shape
        return ImageSpec((*shape[:-3], shape[-1], *shape[-3:-1]), image.dtype)
    return np.moveaxis(image, -1, -3)


def move_channels_back(result: np.ndarray, channel_axis: int | None) -> np.ndarray:
    """Undo `move_channels_first` on a result, returning a C-contiguous array."""
    if channel_axis is not None:
        result = np.moveaxis(result, -3, -1)
    return np.ascontiguousarray(result)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Return `value` if it is one of the strings `choices`, else raise a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_positive_number(value: object, name: str) -> float:
    """Return `value` as a float if it is a finite real number > 0."""
    # A float skips the test against the numbers.Real ABC, which costs about a microsecond per call.
    if type(value) is not float and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_int(value: object, name: str, *, minimum: int) -> int:
    """Return `value` as an int if it is an integer >= minimum (an int skips the ABC test, as in
    check_positive_number)."""
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_pair(value: object, name: str, check, **kwargs) -> tuple:
    """Return `value` as a (height, width) pair: a single value is used for both; each is checked by `check`."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a single value or a (height, width) pair, got {value!r}")
        return tuple(check(v, name, **kwargs) for v in value)
    item = check(value, name, **kwargs)
    return (item, item)


def check_odd_kernel_size(value: object, name: str = "kernel_size") -> tuple[int, int]:
    """Return a (height, width) pair of odd positive kernel sizes."""
    pair = check_pair(value, name, check_int, minimum=1)
    if any(k % 2 == 0 for k in pair):
        raise ValueError(f"{name} must be odd, got {value!r}")
    return pair


def check_downsample_scale(scale: object) -> float:
    """A downsampling scale in (0, 1]."""
    scale = check_positive_number(scale, "scale")
    if scale > 1:
        raise ValueError(f"scale must be in (0, 1] for downsampling, got {scale}; use interpolate() to upsample")
    return scale


def integer_step(scale: float, method: str) -> int:
    """The step n of a method that keeps every n-th pixel; scale must be 1/n (to float rounding).

    FOMM computes int(1/scale), which silently turns scale=0.3 into a step of 3; refusing is safer than
    computing something the caller did not ask for.
    """
    step = round(1 / scale)
    if abs(step * scale - 1) > 1e-6:
        raise ValueError(
            f"scale must be 1/n for an integer n with method={method!r} (it keeps every n-th pixel), got {scale}; "
            f"use method='bilinear', 'bicubic' or 'area' for other scales"
        )
    return step


def check_window_fits(image: np.ndarray | ImageSpec, kernel_size: tuple[int, int], border_type: str) -> None:
    """Raise a ValueError where torch's padding would: reflect needs k // 2 < size, circular k // 2 <= size."""
    for axis, k, n in zip(("height", "width"), kernel_size, image.shape[-2:], strict=True):
        pad = k // 2
        if (border_type == "reflect" and pad >= n) or (border_type == "circular" and pad > n):
            limit = "less than" if border_type == "reflect" else "at most"
            raise ValueError(
                f"kernel_size {k} pads the {axis} by {pad}, but border_type={border_type!r} needs a pad {limit} the "
                f"image {axis} ({n}), as in torch; use a smaller kernel or border_type='replicate' or 'constant'"
            )


def check_float_image(image: np.ndarray | ImageSpec, name: str, operation: str, scale_parameter: str) -> None:
    """Raise a TypeError unless image is float32 / float64; for integers, say why no scale is guessed."""
    if image.dtype.kind in "iu":
        raise TypeError(
            f"{operation} does not take integer images ({name} has dtype {image.dtype}): {scale_parameter} is in the "
            f"image's units, so choose the scale explicitly, e.g. {name}.astype(np.float32) / 255 for a "
            f"{scale_parameter} on a [0, 1] scale"
        )
    check_dtype(image, name, FLOAT_DTYPES, operation)


def check_shape(array: np.ndarray, name: str, expected: tuple[int | str, ...]) -> None:
    """Raise a ValueError unless array.shape matches `expected`, where a string (e.g. "N") matches any length."""
    matches = len(array.shape) == len(expected) and all(
        isinstance(e, str) or n == e for n, e in zip(array.shape, expected, strict=True)
    )
    if not matches:
        layout = ", ".join(str(e) for e in expected)
        raise ValueError(f"{name} must have shape ({layout}), got {array.shape}")
