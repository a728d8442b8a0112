"""Input checks and layout handling: the checks every public function shares (an operation's own domain checks,
such as median's odd kernel or the FOMM step's 1 / n scale, sit beside it and call these).

Images. Every public function takes a NumPy array, or anything np.asarray reads as one (nested lists, a PIL image,
a torch CPU tensor, any object with __array__), and returns a new NumPy array (`check_image`).

Layouts. Every public function takes `channel_axis` (keyword-only):

    None (default)   torch layout: (H, W), (C, H, W) or (N, C, H, W)
    -1               channels last, as imageio, OpenCV and Pillow give: (H, W, C) or (N, H, W, C); an (H, W)
                     image is one channel, so that one call serves gray and colour images alike
    -3               torch layout, confirmed (for an image the rule below would refuse; (H, W) too); ndim - 1
                     and ndim - 3 are the same as -1 and -3

and returns its result in the same layout. How a shape that fits the other layout better is met (`check_channel_axis`)
depends on the function:

- The torch and kornia work-alikes (interpolate, avg_pool2d, adaptive_avg_pool2d, anti_alias_interpolation,
  median_blur, bilateral_blur) read channel_axis=None as torch does: every torch-layout input is taken, feature maps
  such as (1, 16, 4, 4) or (1, 8, 4, 3) included. Where the shape is that of an image as imageio gives it (a last
  axis of 1 to 4 after two of at least IMAGE_MIN_SIDE), they warn (UserWarning, once per shape) that it is read in
  torch layout; channel_axis=-3 says torch layout is meant, and silences the warning.
- downsample, the project's own function for images (and so the command line), refuses a layout that the shape
  contradicts, either way (`contradicts_layout`): a shape contradicts a layout when, read in the other layout, its
  channel axis would be shorter than both its height and its width. With channel_axis=None, (512, 512, 3),
  (64, 64, 5) or (2, 32, 32, 3) are channels last (of any channel count) and refused, saying to pass channel_axis=-1
  (or -3 to confirm torch layout); with channel_axis=-1, a stack (5, 4, 40, 48) is in torch layout and refused,
  saying to pass channel_axis=None or -3, unless its last axis holds 1 to 4 channels, as every image file does (a
  2 x 40 RGB strip, (2, 40, 3), is taken as channel_axis=-1 says). The two readings never both fit; a shape that
  fits neither, such as (64, 64, 64), is read as channel_axis says.

What is built from the checked arguments, and kept, is in antialias_np.plans.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, Literal, NamedTuple, TypeVar, cast, overload

import numpy as np

Checked = TypeVar("Checked")
"""What a check gives for one item of a pair."""

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
"""Dtypes a linear filter computes in: the output keeps the input's."""

BORDER_TYPES = ("constant", "reflect", "replicate", "circular")

MAX_SIDE = 2**24
"""The largest output side, stride, padding or avg_pool2d kernel: beyond any real image, far below an overflow."""

MAX_FILTER_KERNEL = 1023
"""The largest median / bilateral window side (kornia's unfold would need 1023^2 copies of the image)."""

MIN_DOWNSAMPLE_SCALE = 2**-16
"""The smallest downsampling scale: FOMM's Gaussian for 1/n has about 4n taps."""

LAYOUTS = {2: "(H, W)", 3: "(C, H, W)", 4: "(N, C, H, W)"}
CHANNELS_LAST_LAYOUTS = {3: "(H, W, C)", 4: "(N, H, W, C)"}

IMAGE_CHANNELS = 4
"""The most channels an image file holds (grey, grey and alpha, RGB, RGBA), and so imageio, OpenCV and Pillow give."""

IMAGE_MIN_SIDE = 16
"""The work-alikes warn that a shape is read in torch layout where it looks like an image as imageio, OpenCV and
Pillow give it: a last axis of 1 to 4 (gray, gray and alpha, RGB, RGBA) after two axes of at least this many pixels.
Feature maps with a width of 4 or less and 16 or more channels and rows are rare; torch's own tests use small ones."""

ARRAY_LIKES = "a NumPy array, or what np.asarray reads as one: nested lists, a PIL image, a torch CPU tensor"


NATIVE_DTYPES = frozenset(np.dtype(code) for code in np.typecodes["AllInteger"] + "efd")
"""The dtypes of images that check_image returns as they are: every integer, float16, float32 and float64, in the
machine's byte order."""


def check_image(image: object, name: str = "x", *, min_ndim: int = 2, max_ndim: int = 4) -> np.ndarray:
    """Return `image` as a plain, native-byte-order ndarray, or raise a TypeError / ValueError naming `name`.

    Array-likes (nested lists, a PIL image, a torch CPU tensor, any object with __array__ or the buffer protocol)
    are read with np.asarray, without a copy where it allows one; PIL images whose values are not grey levels or
    R, G, B (and A) are refused (PIL_MODES_NOT_PIXELS: palette, CMYK, YCbCr, Lab, HSV). Dtypes: every integer
    dtype, float32 and float64 (and float16, which each operation accepts or refuses); bool, complex, longdouble,
    object, strings, bytes, datetimes and structured dtypes are refused. Subclasses are read as plain arrays
    (np.matrix gives a 2-D result), except masked arrays, which are refused: their mask would be ignored. Empty axes
    are checked with the layout (`check_layout`). Never copies a native-order array; a big-endian array is
    converted, so kernels only ever see native order.
    """
    if type(image) is np.ndarray and image.dtype in NATIVE_DTYPES and min_ndim <= image.ndim <= max_ndim:
        return image  # the common case, passed in one test (the checks below cost more than a small kernel)
    if isinstance(image, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array, whose mask would be ignored: pass {name}.filled(value) "
            f"or np.asarray({name}) to drop the mask"
        )
    if not isinstance(image, np.ndarray):
        image = _as_array(image, name)
    if type(image) is not np.ndarray:  # np.matrix, np.memmap, ...: their operators are not NumPy's
        image = image.view(np.ndarray)
    if not (image.dtype.kind in "iu" or (image.dtype.kind == "f" and image.dtype.itemsize <= 8)):
        raise TypeError(
            f"{name} must have an integer, float16, float32 or float64 dtype, got dtype {image.dtype}; "
            f"convert with {name}.astype(np.float32)"
        )
    if not min_ndim <= image.ndim <= max_ndim:
        expected = " or ".join(LAYOUTS[n] for n in range(min_ndim, max_ndim + 1))
        channels_last = " or ".join(CHANNELS_LAST_LAYOUTS[n] for n in range(max(min_ndim, 3), max_ndim + 1))
        hint = f" (with channel_axis=-1: {channels_last})" if channels_last else ""
        raise ValueError(
            f"{name} must be {expected}{hint}, got {image.ndim} dimensions with shape {image.shape}"
        )
    if not image.dtype.isnative:
        image = image.astype(image.dtype.newbyteorder("="))
    return image


PIL_MODES_NOT_PIXELS = {
    "P": "indices into its palette",
    "PA": "indices into its palette, with alpha",
    "CMYK": "cyan, magenta, yellow and black inks",
    "YCbCr": "luma and chroma",
    "LAB": "L*a*b* coordinates",
    "HSV": "hue, saturation and value",
}
"""Modes of PIL images that np.asarray reads as arrays whose channels are not grey levels or R, G, B (and A):
downsampled, they would be averaged as if they were."""


def _as_array(value: object, name: str) -> np.ndarray:
    """np.asarray(value), or a TypeError naming `name` for what is not an array of numbers (a file name, None, a
    ragged list, a tensor np.asarray cannot read, such as one on a GPU or one that requires grad)."""
    if value is None or isinstance(value, (str, bytes, os.PathLike)):
        hint = "; read an image file with imageio.v3.imread first" if isinstance(value, (str, os.PathLike)) else ""
        raise TypeError(f"{name} must be an image array ({ARRAY_LIKES}), got {type(value).__name__}{hint}")
    mode = getattr(value, "mode", None)
    if type(value).__module__.startswith("PIL.") and mode in PIL_MODES_NOT_PIXELS:
        keeping_alpha = " (or 'RGBA', which keeps its transparency)" if mode in ("P", "PA") else ""
        raise TypeError(f"{name} is a PIL image of mode {mode!r}, whose values are {PIL_MODES_NOT_PIXELS[mode]}: "
                        f"convert it first, {name}.convert('RGB'){keeping_alpha}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as error:  # a ragged list; torch's own errors
        raise TypeError(f"{name} must be an image array ({ARRAY_LIKES}), got {type(value).__name__}, which "
                        f"np.asarray cannot read as one: {error}") from error
    if array.dtype.kind == "O":
        raise TypeError(f"{name} must be an image array ({ARRAY_LIKES}), got {type(value).__name__}, which "
                        f"np.asarray reads as an array of Python objects")
    return array


class ImageSpec(NamedTuple):
    """The shape and dtype of a checked image: all that a Plan is built from, and cached by; `name` is the
    caller's name for the image, which error messages use. Plans are built in torch layout: a channels-last image
    is described by its torch-layout shape, with `channels_last` set (`described` gives the caller's shape)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    name: str = "x"
    channels_last: bool = False

    @classmethod
    def of(cls, image: np.ndarray, name: str = "x") -> ImageSpec:
        return cls(image.shape, image.dtype, name)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def described(self) -> str:
        """The image as error messages name it: its shape as the caller gave it, and where H and W are in it."""
        if self.channels_last:
            shape = (*self.shape[:-3], *self.shape[-2:], self.shape[-3])
            return f"{self.name} of shape {shape} (H, W on axes -3 and -2, as channel_axis=-1 says)"
        layout = "; pass channel_axis=-1 if its channels are last" if self.ndim >= 3 else ""
        return f"{self.name} of shape {self.shape} (H, W on its last two axes{layout})"


def check_dtype(image: np.ndarray | ImageSpec, name: str, allowed: tuple[np.dtype, ...], operation: str) -> None:
    """Raise a TypeError unless image.dtype is one of `allowed`."""
    if image.dtype not in allowed:
        names = ", ".join(str(d) for d in allowed)
        raise TypeError(
            f"{name} has dtype {image.dtype}, but {operation} supports {names}; "
            f"convert with {name}.astype(np.float32) first"
        )


def check_channel_axis(image: ImageSpec, channel_axis: object, checked: bool = False) -> bool:
    """True if `channel_axis` says image's channels are last, False for torch layout; else raise a ValueError.

    checked=False (the work-alikes): channel_axis=None is torch layout, as torch reads it, with a UserWarning where
    the shape looks like an image as imageio gives it (`looks_like_an_image`). checked=True (downsample): None and
    -1 are refused where the shape contradicts them (`contradicts_layout`). See the module's docstring.
    """
    name, ndim, shape = image.name, image.ndim, image.shape
    if channel_axis is None:
        if checked and contradicts_layout(shape, channels_last=False):
            raise ValueError(
                f"{name} has shape {shape}, which looks like {CHANNELS_LAST_LAYOUTS[ndim]} (its last axis is shorter "
                f"than the two before it): pass channel_axis=-1, or channel_axis=-3 to confirm torch layout "
                f"{LAYOUTS[ndim]}"
            )
        if not checked and looks_like_an_image(shape):
            warnings.warn(
                f"{name} has shape {shape}, which looks like {CHANNELS_LAST_LAYOUTS[ndim]}, but is read in torch "
                f"layout {LAYOUTS[ndim]}, as torch reads it: pass channel_axis=-1 if its channels are last, or "
                f"channel_axis=-3 to confirm torch layout (and silence this warning)",
                UserWarning,
                stacklevel=_caller_stacklevel(),
            )
        return False
    if isinstance(channel_axis, (bool, np.bool_)) or not isinstance(channel_axis, numbers.Integral):
        raise TypeError(f"channel_axis must be None or an integer, got {type(channel_axis).__name__}")
    if ndim == 2:  # no channels: -1 and -3 both take (H, W), so that one value serves gray and colour images
        if channel_axis not in (-1, -3):
            raise ValueError(f"channel_axis={channel_axis} needs an image with channels, but {name} has shape {shape} "
                             f"(H, W); pass channel_axis=None, -1 or -3")
        return False
    # numbers.Integral declares < and <= only, not the reflected comparisons an int on the left needs
    axis = int(channel_axis) - ndim if 0 <= channel_axis < ndim else int(channel_axis)  # type: ignore[operator]
    if axis not in (-1, -3):
        raise ValueError(
            f"channel_axis must be None or -3 (torch layout {LAYOUTS[ndim]}) or -1 (channels last "
            f"{CHANNELS_LAST_LAYOUTS[ndim]}), got {channel_axis!r} for {name} of shape {shape}"
        )
    if checked and axis == -1 and contradicts_layout(shape, channels_last=True):
        raise ValueError(
            f"{name} has shape {shape}, which looks like torch layout {LAYOUTS[ndim]} (its axis -3 is shorter than "
            f"the two after it), not {CHANNELS_LAST_LAYOUTS[ndim]} as channel_axis={channel_axis} says: pass "
            f"channel_axis=None or -3; for a channels-last image with fewer rows than columns and channels, pass "
            f"np.moveaxis({name}, -1, -3) with channel_axis=-3"
        )
    return axis == -1


def contradicts_layout(shape: tuple[int, ...], channels_last: bool) -> bool:
    """True if `shape`, read in the other layout than `channels_last` says, has a channel axis shorter than both its
    height and its width: (512, 512, 3) read in torch layout, (5, 4, 40, 48) read channels last. Both readings of a
    shape never fit at once: a channel axis shorter than the others in one reading is the longest in the other.

    Channels last with 1 to IMAGE_CHANNELS channels, as every image file holds, is never contradicted: a strip of
    2 x 40 RGB pixels, (2, 40, 3), would read as torch layout too, but channel_axis=-1 says what it is."""
    if len(shape) < 3 or (channels_last and 1 <= shape[-1] <= IMAGE_CHANNELS):
        return False
    channels, height, width = (shape[-3], shape[-2], shape[-1]) if channels_last else (shape[-1], shape[-3], shape[-2])
    return 1 <= channels < min(height, width)  # an axis of 0 is an empty image, refused for it by check_layout


def looks_like_an_image(shape: tuple[int, ...]) -> bool:
    """True if `shape` is that of an image (or a stack) as imageio, OpenCV and Pillow give it, channels last: a last
    axis of 1 to IMAGE_CHANNELS after two of at least IMAGE_MIN_SIDE."""
    return len(shape) >= 3 and 1 <= shape[-1] <= IMAGE_CHANNELS and min(shape[-3], shape[-2]) >= IMAGE_MIN_SIDE


def _caller_stacklevel() -> int:
    """The stacklevel at which warnings.warn, called by the caller of this function, names the first frame outside
    this package: the user's call of a public function, however deep the package's own calls go."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame: FrameType | None = sys._getframe(1)  # the caller, whom stacklevel=1 names
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def check_layout(image: ImageSpec, channel_axis: object, checked: bool = False) -> ImageSpec:
    """image described in torch layout, with `channels_last` set where `channel_axis` says its channels are last
    (checked: refusing a layout the shape contradicts, as downsample does; see `check_channel_axis`).

    H and W must not be empty (torch refuses that everywhere); an empty batch is fine, and an empty channel axis
    where the operation allows it (`check_channels`).
    """
    channels_last = check_channel_axis(image, channel_axis, checked)
    shape = (*image.shape[:-3], image.shape[-1], *image.shape[-3:-1]) if channels_last else image.shape
    if 0 in shape[-2:]:
        where = "axes -3 and -2 with channel_axis=-1" if channels_last else "its last two axes unless channel_axis=-1"
        raise ValueError(
            f"{image.name} must not have a height or width of 0, got shape {image.shape} (H, W are {where})"
        )
    return image._replace(shape=shape, channels_last=True) if channels_last else image


MAX_OUTPUT_VALUES = 2**32
"""The largest output a function makes in one call (16 GiB of float32): a larger one is refused before its tables
are built, rather than failing to allocate."""


def check_output_size(image: ImageSpec, out_size: tuple[int, int], argument: tuple[str, object], function: str) -> None:
    """Raise a ValueError if planes of out_size for every plane of image exceed MAX_OUTPUT_VALUES; argument is
    (the caller's argument that set the size, its value)."""
    values = math.prod(image.shape[:-2]) * out_size[0] * out_size[1]
    if values > MAX_OUTPUT_VALUES:
        name, value = argument
        raise ValueError(f"{name}={value!r} gives an output of {values} values (shape {out_size} per plane), more "
                         f"than the {MAX_OUTPUT_VALUES} {function} makes at once; resize in parts")


def check_channels(image: ImageSpec, operation: str) -> None:
    """Raise a ValueError if image's channel axis is empty, for the operations torch refuses that for (an empty
    batch, N = 0, is fine everywhere)."""
    if image.ndim >= 3 and image.shape[-3] == 0:
        raise ValueError(f"{operation} needs at least one channel, as in torch, but got {image.described} with none")


@overload
def check_bool(value: object, name: str, *, none: Literal[False] = ...) -> bool: ...
@overload
def check_bool(value: object, name: str, *, none: bool) -> bool | None: ...
def check_bool(value: object, name: str, *, none: bool = False) -> bool | None:
    """Return `value` if it is a bool (or numpy bool; or None when `none`), else raise a TypeError: the string
    'False' is true, so flags are never read by truth value."""
    if value is None and none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        expected = "True, False or None" if none else "True or False"
        raise TypeError(f"{name} must be {expected}, got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_choice(value: object, name: str, choices: tuple[str, ...], *, any_case: bool = False) -> str:
    """Return `value` if it is one of the strings `choices` (in any case if `any_case`, as kornia's border_type),
    else raise a TypeError (not a string) or a ValueError listing them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    if any_case:
        value = value.lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_positive_number(value: object, name: str) -> float:
    """Return `value` as a float if it is a finite real number > 0."""
    # A float skips the test against the numbers.Real ABC, which costs more than the rest of this check.
    if type(value) is not float and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond float's range
        raise ValueError(f"{name} must be a finite number > 0, got {_shown(value)}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_int(value: object, name: str, *, minimum: int, maximum: int = MAX_SIDE) -> int:
    """Return `value` as an int if it is an integer in [minimum, maximum] (an int skips the ABC test, as in
    check_positive_number)."""
    if type(value) is not int and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if not minimum <= value <= maximum:  # type: ignore[operator]  # as in check_layout: Integral's comparisons
        raise ValueError(f"{name} must be in [{minimum}, {maximum}], got {_shown(value)}")
    return int(value)


def _shown(value: object) -> str:
    """`value` as an error message shows it: an integer of 20 digits or more by its size in bits (Python refuses to
    print one of over 4,300 digits, and a message of thousands helps nobody)."""
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**19:
        return f"an integer of {int(value).bit_length()} bits"
    return str(value)


def check_whole_number(value: object, name: str, *, minimum: int, maximum: int) -> int:
    """check_int that also takes a float holding a whole number (3.0), as kornia casts kernel sizes with int().
    kornia would truncate 3.5 to 3; here it is refused."""
    if isinstance(value, (float, np.floating)):
        if not value.is_integer():
            raise ValueError(f"{name} must be a whole number, got {value}")
        value = int(value)
    return check_int(value, name, minimum=minimum, maximum=maximum)


def check_pair(value: object, name: str, check: Callable[..., Checked], **kwargs: Any) -> tuple[Checked, Checked]:
    """Return `value` as a (height, width) pair: a single value is used for both; each is checked by `check`
    (called as check(item, name, **kwargs))."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a single value or a (height, width) pair, got {value!r}")
        return cast("tuple[Checked, Checked]", tuple(check(v, name, **kwargs) for v in value))  # two: checked
    item = check(value, name, **kwargs)
    return (item, item)


def check_odd_kernel_size(value: object, name: str = "kernel_size") -> tuple[int, int]:
    """Return a (height, width) pair of odd positive kernel sizes (whole floats such as 3.0 too, as kornia)."""
    pair = check_pair(value, name, check_whole_number, minimum=1, maximum=MAX_FILTER_KERNEL)
    if any(k % 2 == 0 for k in pair):
        raise ValueError(f"{name} must be odd, got {value!r}")
    return pair


def check_downsample_scale(scale: object, name: str = "scale") -> float:
    """A downsampling scale in [MIN_DOWNSAMPLE_SCALE, 1]; name: the caller's argument."""
    scale = check_positive_number(scale, name)
    if scale > 1:
        raise ValueError(f"{name} must be in (0, 1] for downsampling, got {scale}; use interpolate() to upsample")
    if scale < MIN_DOWNSAMPLE_SCALE:
        raise ValueError(f"{name} must be at least 2**-16 (1/65536), got {scale}")
    return scale


STEP_TOLERANCE = 5e-6
"""How far a scale may be from 1/n, relatively (|n scale - 1|), to be read as 1/n: 1/n written to 6 significant
digits (0.333333, 0.142857, 0.0526316) is at most half a unit of its 6th digit from it, 5e-6 relatively at most.

It never picks a wrong step: a scale within it of both 1/n and 1/(n+1) would satisfy scale = |(n+1) scale - n scale|
<= 2 * STEP_TOLERANCE = 1e-5, below the smallest scale, 2**-16 (1.5e-5). So the n read is the one whose 1/n the
caller wrote to 6 digits or more; 0.33333 (5 digits, 1e-5 from 1/3) and 0.3 are refused by the methods that step
n pixels."""


def step_of(scale: float) -> int | None:
    """n if scale is 1/n to within STEP_TOLERANCE, else None."""
    step = round(1 / scale)
    return step if abs(step * scale - 1) <= STEP_TOLERANCE else None


def check_step_scales(scale: object, name: str = "scale") -> tuple[float, float]:
    """A downsampling scale per axis (one for both, or (rows, columns)), each in [MIN_DOWNSAMPLE_SCALE, 1] and read
    as exactly 1/n where it is within STEP_TOLERANCE of 1/n (0.333333 is 1/3): downsample's scale."""
    scales = check_pair(scale, name, check_downsample_scale)
    return cast("tuple[float, float]", tuple(1 / n if (n := step_of(s)) else s for s in scales))  # a pair


def integer_step(scale: float, method: str | None) -> int:
    """The step n of a method that works in steps of n pixels (keeps every n-th pixel, or averages n x n blocks);
    scale must be 1/n (to within STEP_TOLERANCE). method: downsample's method, or None for anti_alias_interpolation.

    FOMM computes int(1/scale), which silently turns scale=0.3 into a step of 3; refusing is safer than
    computing something the caller did not ask for.
    """
    step = step_of(scale)
    if step is None:
        if method is None:
            raise ValueError(f"scale must be 1/n for an integer n (FOMM's blur keeps every n-th pixel), got {scale}")
        raise ValueError(
            f"scale must be 1/n for an integer n with method={method!r} (it steps n pixels at a time), got {scale}; "
            f"use method='bilinear', 'bicubic' or 'area' for other scales"
        )
    return step


def check_window_fits(image: ImageSpec, kernel_size: tuple[int, int], border_type: str) -> None:
    """Raise a ValueError where torch's padding would: reflect needs k // 2 < size, circular k // 2 <= size."""
    for axis, k, n in zip(("height", "width"), kernel_size, image.shape[-2:], strict=True):
        pad = k // 2
        if (border_type == "reflect" and pad >= n) or (border_type == "circular" and pad > n):
            limit = "less than" if border_type == "reflect" else "at most"
            raise ValueError(
                f"kernel_size {k} pads the {axis} by {pad}, but border_type={border_type!r} needs a pad {limit} the "
                f"image {axis} ({n}) of {image.described}, as in torch; use a smaller kernel or "
                f"border_type='replicate' or 'constant'"
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


def check_sigma(value: object, name: str, dtype: np.dtype) -> float:
    """A Gaussian sigma whose 1 / sigma^2 is finite in `dtype`, so that -t^2 / (2 sigma^2) never divides by 0."""
    sigma = check_positive_number(value, name)
    smallest = float(np.sqrt(1 / np.finfo(dtype).max))
    if sigma < smallest:
        raise ValueError(f"{name} must be at least {smallest:.3g} for a {dtype} image (1 / {name}^2 overflows), "
                         f"got {sigma}")
    return sigma
