"""downsample's methods by name: `downsample(image, scale, method)`, the study's nine (METHODS) and the others
(EXTRA_METHODS).

For scale = 1/n each method equals, value for value, the torch or kornia pipeline the study timed:

    gaussian    FOMM's AntiAliasInterpolation2d: zero-padded Gaussian blur, then x[..., ::n, ::n]
    subsample   x[..., ::n, ::n]
    nearest     F.interpolate(x, scale_factor=scale, mode="nearest")
    bicubic     F.interpolate(x, size=(int(H*scale), int(W*scale)), mode="bicubic", antialias=True)
    bilinear    F.interpolate(x, size=(int(H*scale), int(W*scale)), mode="bilinear", antialias=True)
    area        F.interpolate(x, size=(int(H*scale), int(W*scale)), mode="area")
    avgpool     F.avg_pool2d(x, n)
    median      kornia.filters.median_blur(x, 3, border_type="reflect")[..., ::n, ::n]
    bilateral   kornia.filters.bilateral_blur(x, 5, 0.1, (1.5, 1.5), "reflect", "l1")[..., ::n, ::n]

Beyond the study (EXTRA_METHODS): lanczos, and four cheap filters centred where the baseline centres output k (on
input n k), with zero padding (antialias_np.ongrid):

    box5        the mean of the 5 x 5 window around input (n i, n j): avg_pool2d(x, 5, n, padding=2)
    gaussian7   FOMM's Gaussian cut to its central 7 x 7 taps (rescaled to sum 1), then x[..., ::n, ::n]
    gaussian9   the same with 9 x 9 taps
    binomial    log2(n) levels of the binomial pyramid ([1, 4, 6, 4, 1] / 16 per axis, every 2nd pixel)

Other scales: nearest, bicubic, bilinear, area and lanczos do what torch does with them; the methods that step n
pixels at a time (gaussian, subsample, avgpool, median, bilateral and the four above) refuse a scale that is not
1/n, where FOMM's int(1/scale) would silently use another step. A scale within 5e-6 of 1/n (relatively: 1/n written
to 6 significant digits, such as 0.333333; _checks.STEP_TOLERANCE) is 1/n, for every method. The filters followed
by subsampling compute the kept pixels only.

Output size. The methods that keep pixel n k of every n (output k centred on input n k) keep ceil(H / n); the
methods defined by a size, int(H * scale) (torch's computation, in floating point); avgpool, whole n x n blocks:

    method                                      scale 1/n     any scale s   size=(h, w)   scale=(s_rows, s_cols)
    gaussian, median, bilateral, box5,          ceil(H / n)   refused       refused       refused unless equal
      gaussian7, gaussian9, binomial (n = 2^k)
    subsample                                   ceil(H / n)   refused       refused       each 1/n
    avgpool                                     floor(H / n)  refused       refused       each 1/n
    nearest, bilinear, bicubic, area, lanczos   int(H * 1/n)  int(H * s)    (h, w)        each any

and the same for W. So 1000 x 750 at 1/3 gives 334 x 250 where every 3rd pixel is kept (1000 = 3 * 333 + 1: row 999
is the 334th kept row) and 333 x 250 with avgpool (the last row is a partial block, dropped) and the methods defined
by a size (int(1000 / 3) rows, each reading 3 rows and a third).
avgpool's kernel_size k and padding p give floor((H + 2 p - k) / n) + 1. int(H * scale) is H // n but for some n of
49 and more, where H * (1/n) rounds just below a whole number (49 * (1/49) = 0.9999999999999999), as in torch.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from antialias_np import _checks, plans

# Each method imports the module of its work-alike when it is first called (the imports in the functions below):
# importing them all here would make every process pay, in its first call, for defining the Numba kernels of
# methods it never calls. See Note: call overhead and start-up in docs/notes.md.

SIZED_METHODS = ("nearest", "bicubic", "bilinear", "area", "lanczos")
"""The methods defined by an output size (interpolate's modes), which also take downsample's `size`."""
PER_AXIS_METHODS = (*SIZED_METHODS, "subsample", "avgpool")
"""The methods that take a scale per axis, scale=(rows, columns)."""


class Target(NamedTuple):
    """What downsample was asked for, checked: a scale per axis (each exactly 1/n where it is within
    _checks.STEP_TOLERANCE of 1/n: 0.333333 is 1/3), or an output size (then scale is None); `given` is the
    argument as the caller wrote it, for error messages."""

    scale: tuple[float, float] | None
    size: tuple[int, int] | None
    given: str

    @classmethod
    def of(cls, scale: object, size: object) -> Target:
        if size is not None:
            if scale is not None:
                raise ValueError(f"pass scale or size, not both (got scale={scale!r}, size={size!r})")
            return cls(None, _checks.check_pair(size, "size", _checks.check_int, minimum=1), f"size={size!r}")
        if scale is None:
            scale = 0.25
        return cls(_checks.check_step_scales(scale), None, f"scale={scale!r}")

    def __str__(self) -> str:
        return self.given

    def one_scale(self, method: str) -> float:
        """The scale of a method that takes one scale for both axes (and no size)."""
        self._refuse_size(method)
        assert self.scale is not None, "a Target holds a scale where it holds no size"
        if self.scale[0] != self.scale[1]:
            raise ValueError(f"method={method!r} takes one scale for both axes, got {self}; methods "
                             f"{', '.join(repr(m) for m in PER_AXIS_METHODS)} take a scale per axis")
        return self.scale[0]

    def steps(self, method: str) -> tuple[int, int]:
        """The step n per axis of a method that steps n pixels at a time, for a scale 1/n per axis."""
        self._refuse_size(method)
        assert self.scale is not None, "a Target holds a scale where it holds no size"
        return cast("tuple[int, int]", tuple(_checks.integer_step(s, method) for s in self.scale))  # a pair

    def _refuse_size(self, method: str) -> None:
        if self.size is not None:
            raise ValueError(
                f"method={method!r} steps n = 1/scale pixels at a time, so it is defined by scale=1/n, not by "
                f"{self}; for a target size use method='bilinear', 'bicubic', 'area', 'lanczos' or 'nearest', or "
                f"interpolate(x, size=...) or adaptive_avg_pool2d(x, size)"
            )

    def out_size(self, image: _checks.ImageSpec) -> tuple[int, int]:
        """The size given, or (int(H * scale), int(W * scale)), the size the study passed to interpolate."""
        if self.size is not None:
            if any(m > n for m, n in zip(self.size, image.shape[-2:], strict=True)):
                raise ValueError(f"{self} is larger than {image.described}: downsample only shrinks; use "
                                 f"interpolate(x, size=...) to enlarge")
            return self.size
        assert self.scale is not None, "a Target holds a scale where it holds no size"
        size = cast("tuple[int, int]", tuple(int(n * s) for n, s in zip(image.shape[-2:], self.scale, strict=True)))
        if min(size) < 1:
            raise ValueError(f"{self} leaves no pixel of {image.described}")
        return size


# Each method checks its arguments for one image: (image spec, checked target, options) -> Checked, the plan
# builder of its work-alike and what that builder takes. interpolate's and the pools' builders take arguments checked
# here as they are (build_interpolate_plan, build_avg_pool_plan); the others check their own options.


class Checked(NamedTuple):
    """A method's arguments, checked for one image: `build(image, *arguments)` is its plan."""

    build: Callable[..., plans.Plan]
    arguments: tuple[object, ...]


def gaussian(image: _checks.ImageSpec, target: Target) -> Checked:
    from antialias_np.gaussian import anti_alias_plan

    return Checked(anti_alias_plan, (target.one_scale("gaussian"), "gaussian"))


def subsample(image: _checks.ImageSpec, target: Target) -> Checked:
    return Checked(_every_nth_pixel, (target.steps("subsample"),))


def _every_nth_pixel(image: _checks.ImageSpec, steps: tuple[int, int]) -> plans.Plan:
    """x[..., ::step_rows, ::step_cols]."""
    from antialias_np.gather import gather_plan

    return gather_plan(image, *(np.arange(0, n, step) for n, step in zip(image.shape[-2:], steps, strict=True)))


def nearest(image: _checks.ImageSpec, target: Target) -> Checked:
    from antialias_np.resample import build_interpolate_plan, checked_for_image

    if target.scale is None:
        return _interpolate(image, target, "nearest", antialias=False)
    # interpolate(x, scale_factor=scale), whose output size is target.out_size's, floor(n * scale)
    size = target.out_size(image)
    checked = checked_for_image(image, "nearest", size, target.scale, False, False, ("scale_factor", target.scale))
    return Checked(build_interpolate_plan, (checked,))


def bicubic(image: _checks.ImageSpec, target: Target) -> Checked:
    return _interpolate(image, target, "bicubic")


def bilinear(image: _checks.ImageSpec, target: Target) -> Checked:
    return _interpolate(image, target, "bilinear")


def lanczos(image: _checks.ImageSpec, target: Target) -> Checked:
    return _interpolate(image, target, "lanczos")


def _interpolate(image: _checks.ImageSpec, target: Target, mode: str, antialias: bool = True) -> Checked:
    """interpolate(x, size=target.out_size(image), mode=mode, antialias=antialias), checked for `image`."""
    from antialias_np.resample import build_interpolate_plan, checked_for_image

    size = target.out_size(image)  # refused in the caller's terms (scale, not scale_factor)
    checked = checked_for_image(image, mode, size, (None, None), False, antialias, ("size", size))
    return Checked(build_interpolate_plan, (checked,))


def area(image: _checks.ImageSpec, target: Target) -> Checked:
    from antialias_np.pooling import build_adaptive_avg_pool_plan

    size = target.out_size(image)
    _checks.check_output_size(image, size, ("output_size", size), "adaptive_avg_pool2d")
    return Checked(build_adaptive_avg_pool_plan, (size,))


def avgpool(
    image: _checks.ImageSpec,
    target: Target,
    kernel_size: int | tuple[int, int] | None = None,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> Checked:
    """avg_pool2d(x, kernel_size, n, padding) for scale = 1/n: the step is always n (per axis); kernel_size defaults
    to n (the study's avg_pool2d(x, n)); a stride other than n is refused (call avg_pool2d for other strides)."""
    from antialias_np.pooling import build_avg_pool_plan, check_avg_pool_arguments

    steps = target.steps("avgpool")
    if kernel_size is None:
        target.out_size(image)  # the n x n blocks: at least one
    if stride is not None and _checks.check_pair(stride, "stride", _checks.check_int, minimum=1) != steps:
        raise ValueError(f"stride={stride!r} disagrees with {target}: downsample's avgpool steps 1/scale = "
                         f"{steps[0] if steps[0] == steps[1] else steps} pixels; leave stride out, or call avg_pool2d "
                         f"for another stride")
    kernel = steps if kernel_size is None else kernel_size
    checked = check_avg_pool_arguments(image, kernel, steps, padding, False, True, None)
    return Checked(build_avg_pool_plan, (checked,))


def median(
    image: _checks.ImageSpec, target: Target, kernel_size: int | tuple[int, int] = 3, border_type: str = "reflect"
) -> Checked:
    from antialias_np.median import median_plan

    step = _checks.integer_step(target.one_scale("median"), "median")
    return Checked(median_plan, (step, kernel_size, border_type))


def bilateral(
    image: _checks.ImageSpec,
    target: Target,
    kernel_size: int | tuple[int, int] = 5,
    sigma_color: float = 0.1,
    sigma_space: float | tuple[float, float] = (1.5, 1.5),
    border_type: str = "reflect",
    color_distance_type: str = "l1",
) -> Checked:
    from antialias_np.bilateral import bilateral_plan

    step = _checks.integer_step(target.one_scale("bilateral"), "bilateral")
    return Checked(bilateral_plan, (step, kernel_size, sigma_color, sigma_space, border_type, color_distance_type))


def _on_grid(name: str) -> Callable[..., Checked]:
    """The antialias_np.ongrid builder `name`, (image, scale), as a downsample method of the same name."""

    def method(image: _checks.ImageSpec, target: Target) -> Checked:
        from antialias_np import ongrid

        on_grid_method: Callable[[_checks.ImageSpec, float], plans.Plan] = getattr(ongrid, name)
        return Checked(on_grid_method, (target.one_scale(name),))

    method.__name__ = name
    return method


STUDY_PIPELINES = (gaussian, subsample, nearest, bicubic, bilinear, area, avgpool, median, bilateral)
PIPELINES: dict[str, Callable[..., Checked]] = {
    f.__name__: f for f in (*STUDY_PIPELINES, lanczos, *map(_on_grid, ("box5", "gaussian7", "gaussian9", "binomial")))
}
METHODS = tuple(f.__name__ for f in STUDY_PIPELINES)
"""The study's methods, in its order; 'gaussian' is the baseline."""
EXTRA_METHODS = ("lanczos", "box5", "gaussian7", "gaussian9", "binomial")
"""Methods beyond the study's that downsample also takes: 'lanczos' is
interpolate(x, size=(int(H * scale), int(W * scale)), mode='lanczos', antialias=True), Pillow's LANCZOS; the others
are cheap filters centred on the baseline's grid (output k on input n k, antialias_np.ongrid): a 5 x 5 box, FOMM's
Gaussian cut to 7 x 7 or 9 x 9 taps, and the binomial pyramid."""
OPTIONS = {name: tuple(inspect.signature(f).parameters)[2:] for name, f in PIPELINES.items()}
"""The options each method takes (its pipeline's arguments after image and target)."""


def downsample(
    image: npt.ArrayLike,
    scale: float | tuple[float, float] | None = None,
    method: str = "gaussian",
    *,
    size: int | tuple[int, int] | None = None,
    channel_axis: int | None = None,
    **options: object,
) -> np.ndarray:
    """Downsample an image by `scale` (or to `size`) with one of the study's METHODS, as its torch / kornia pipeline
    does.

    For scale = 1 / n:

        gaussian    FOMM's AntiAliasInterpolation2d: zero-padded Gaussian blur, then x[..., ::n, ::n]
        subsample   x[..., ::n, ::n]
        nearest     interpolate(x, scale_factor=scale, mode='nearest')
        bicubic     interpolate(x, size=(int(H * scale), int(W * scale)), mode='bicubic', antialias=True)
        bilinear    interpolate(x, size=(int(H * scale), int(W * scale)), mode='bilinear', antialias=True)
        area        interpolate(x, size=(int(H * scale), int(W * scale)), mode='area')
        avgpool     avg_pool2d(x, n); with options, avg_pool2d(x, kernel_size, n, padding)
        median      median_blur(x, 3)[..., ::n, ::n]
        bilateral   bilateral_blur(x, 5, 0.1, (1.5, 1.5))[..., ::n, ::n]

    and beyond the study (EXTRA_METHODS), lanczos: interpolate(x, size=..., mode='lanczos', antialias=True), and
    four cheap filters that centre output k on input n k as gaussian does, with zero padding:

        box5        the mean of the 5 x 5 window around input (n i, n j): avg_pool2d(x, 5, n, padding=2)
        gaussian7   FOMM's Gaussian cut to its central 7 x 7 taps (rescaled to sum 1), then x[..., ::n, ::n]
        gaussian9   the same with 9 x 9 taps
        binomial    log2(n) levels of the binomial pyramid ([1, 4, 6, 4, 1] / 16 per axis, every 2nd pixel)

    The filters followed by subsampling compute only the kept pixels. A scale within 5e-6 of 1 / n (relatively:
    1/n written to 6 significant digits, such as 0.333333) is 1 / n, for every method. nearest, bicubic, bilinear,
    area and lanczos take any scale, a scale per axis, or an output size; subsample and avgpool a scale 1 / n per
    axis; the others one scale 1 / n (binomial: n a power of 2). The output size of each method is in the table of
    this module's docstring (ceil(H / n) for the methods that keep every n-th pixel, int(H * scale) for the others).

    Args:
        image: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C), (N, H, W, C) or (H, W) (one
            channel). A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU
            tensor): the result is a NumPy array.
        scale: output pixels per input pixel, in [2**-16, 1], one for both axes or (rows, columns); 0.25 if
            neither scale nor size is given.
        method: one of METHODS, or of EXTRA_METHODS.
        size: the output (height, width), or one int for both, at most the image's: for nearest, bicubic,
            bilinear, area and lanczos, instead of scale (nearest then maps as interpolate(x, size=...) does).
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed). A shape that the
            layout contradicts is refused: with None, one whose last axis is shorter than the two before it, such as
            (512, 512, 3) or (64, 64, 5); with -1, one whose axis -3 is shorter than the two after it, such as the
            torch-layout stack (5, 4, 40, 48).
        **options: avgpool: kernel_size, stride, padding; median: kernel_size, border_type; bilateral: kernel_size,
            sigma_color, sigma_space, border_type, color_distance_type.

    Returns:
        A new C-contiguous NumPy array in the image's layout and dtype (integers rounded to the nearest, ties to
        even; bilateral takes floats only).

    Raises:
        TypeError: an image that is not an array of a supported dtype (or a PIL image of palette indices, CMYK,
            YCbCr, Lab or HSV values), or an unknown option.
        ValueError: an unknown method, a scale or size outside its domain or that the method cannot honour (the
            message names the methods or functions that can), or a layout the image's shape contradicts.

    Equals:
        The study's torch 2.13 / kornia 0.9.0 pipelines above, as `interpolate` and the filters equal theirs.
        The checks and tables (which depend only on the image's shape and dtype and on the arguments) are made
        once and kept, the last 256: a repeated call only runs the kernel.

    Example:
        >>> frame = np.zeros((256, 256, 3), np.uint8)  # as imageio, OpenCV and Pillow give it
        >>> downsample(frame, 0.25, "bilinear", channel_axis=-1).shape
        (64, 64, 3)
        >>> downsample(frame, size=(48, 64), method="area", channel_axis=-1).shape
        (48, 64, 3)
    """
    options_given = tuple(options.items()) if options else ()  # most calls have none: () without a call
    return plans.apply(downsample_plan, image, "image", channel_axis, scale, method, options_given, size, checked=True)


class DownsampleArguments(NamedTuple):
    """downsample's arguments, checked for one image: the method, what it was asked for, and the method's plan
    builder with what it takes (`Checked`): its plan is build(image, *build_arguments)."""

    method: str
    target: Target
    build: Callable[..., plans.Plan]
    build_arguments: tuple[object, ...]


def downsample_plan(
    image: _checks.ImageSpec,
    scale: object,
    method: object,
    options: tuple[tuple[str, object], ...],
    size: object = None,
) -> plans.Plan:
    """downsample for images of one shape and dtype (in torch layout): every argument checked, the method's options
    included, then the method's plan built from them."""
    a = check_arguments(image, scale, method, options, size)
    return a.build(image, *a.build_arguments)


def check_arguments(
    image: _checks.ImageSpec, scale: object, method: object, options: tuple[tuple[str, object], ...], size: object
) -> DownsampleArguments:
    """downsample's method, scale or size and the method's options, checked for `image`, or the caller's TypeError /
    ValueError."""
    method = _checks.check_choice(method, "method", METHODS + EXTRA_METHODS)
    target = Target.of(scale, size)
    unknown = [name for name, _ in options if name not in OPTIONS[method]]
    if unknown:
        takes = ", ".join(OPTIONS[method]) or "no options"
        raise TypeError(f"method={method!r} got unknown option(s) {', '.join(unknown)}; it takes {takes}")
    return DownsampleArguments(method, target, *PIPELINES[method](image, target, **dict(options)))
