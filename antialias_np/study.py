"""The study's nine downsamplers by name: `downsample(image, scale, method)` and the registry METHODS.

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
1/n, where FOMM's int(1/scale) would silently use another step. The filters followed by subsampling compute the kept
pixels only.
"""

from __future__ import annotations

import inspect

import numpy as np

from antialias_np import _checks
from antialias_np.bilateral import bilateral_plan
from antialias_np.gaussian import anti_alias_plan
from antialias_np.median import median_plan
from antialias_np.ongrid import binomial, box5, gaussian7, gaussian9
from antialias_np.pooling import adaptive_avg_pool_plan, avg_pool_plan
from antialias_np.resample import interpolate_plan
from antialias_np.separable import gather_plan


def _study_size(image: _checks.ImageSpec, scale: float) -> tuple[int, int]:
    """(int(H * scale), int(W * scale)), the size the study passed to interpolate."""
    size = tuple(int(n * scale) for n in image.shape[-2:])
    if min(size) < 1:
        raise ValueError(f"scale={scale} leaves no pixel of {image.described}")
    return size


# Each method is a plan builder: (image spec, checked scale, options) -> Plan (_checks.Plan).


def gaussian(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    return anti_alias_plan(image, scale, "gaussian")


def subsample(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    step = _checks.integer_step(scale, "subsample")
    return gather_plan(image, *(np.arange(0, n, step) for n in image.shape[-2:]))


def nearest(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    _study_size(image, scale)  # the same size as interpolate's, refused in the caller's terms (scale, not scale_factor)
    return interpolate_plan(image, scale_factor=scale, mode="nearest")


def bicubic(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    size = _study_size(image, scale)
    return interpolate_plan(image, size=size, mode="bicubic", align_corners=False, antialias=True)


def bilinear(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    size = _study_size(image, scale)
    return interpolate_plan(image, size=size, mode="bilinear", align_corners=False, antialias=True)


def area(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    return adaptive_avg_pool_plan(image, _study_size(image, scale))


def lanczos(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    size = _study_size(image, scale)
    return interpolate_plan(image, size=size, mode="lanczos", antialias=True)


def avgpool(image: _checks.ImageSpec, scale: float, kernel_size=None, stride=None, padding=0) -> _checks.Plan:
    """avg_pool2d(x, kernel_size, n, padding) for scale = 1/n: the step is always n; kernel_size defaults to n (the
    study's avg_pool2d(x, n)); a stride other than n is refused (call avg_pool2d for other strides)."""
    step = _checks.integer_step(scale, "avgpool")
    if kernel_size is None:
        _study_size(image, scale)  # the n x n blocks: at least one
    if stride is not None and _checks.check_pair(stride, "stride", _checks.check_int, minimum=1) != (step, step):
        raise ValueError(f"stride={stride!r} disagrees with scale={scale}: downsample's avgpool steps 1/scale = "
                         f"{step} pixels; leave stride out, or call avg_pool2d for another stride")
    return avg_pool_plan(image, step if kernel_size is None else kernel_size, step, padding)


def median(image: _checks.ImageSpec, scale: float, kernel_size=3, border_type="reflect") -> _checks.Plan:
    return median_plan(image, _checks.integer_step(scale, "median"), kernel_size, border_type)


def bilateral(
    image: _checks.ImageSpec,
    scale: float,
    kernel_size=5,
    sigma_color=0.1,
    sigma_space=(1.5, 1.5),
    border_type="reflect",
    color_distance_type="l1",
) -> _checks.Plan:
    step = _checks.integer_step(scale, "bilateral")
    return bilateral_plan(image, step, kernel_size, sigma_color, sigma_space, border_type, color_distance_type)


STUDY_PIPELINES = (gaussian, subsample, nearest, bicubic, bilinear, area, avgpool, median, bilateral)
PIPELINES = {f.__name__: f for f in (*STUDY_PIPELINES, lanczos, box5, gaussian7, gaussian9, binomial)}
METHODS = tuple(f.__name__ for f in STUDY_PIPELINES)
"""The study's methods, in its order; 'gaussian' is the baseline."""
EXTRA_METHODS = ("lanczos", "box5", "gaussian7", "gaussian9", "binomial")
"""Methods beyond the study's that downsample also takes: 'lanczos' is
interpolate(x, size=(int(H * scale), int(W * scale)), mode='lanczos', antialias=True), Pillow's LANCZOS; the others
are cheap filters centred on the baseline's grid (output k on input n k, antialias_np.ongrid): a 5 x 5 box, FOMM's
Gaussian cut to 7 x 7 or 9 x 9 taps, and the binomial pyramid."""
OPTIONS = {name: tuple(inspect.signature(f).parameters)[2:] for name, f in PIPELINES.items()}
"""The options each method takes (its pipeline's arguments after image and scale)."""


def downsample(
    image: np.ndarray,
    scale: float = 0.25,
    method: str = "gaussian",
    *,
    channel_axis: int | None = None,
    **options,
) -> np.ndarray:
    """Downsample an image by `scale` with one of the study's METHODS, as its torch / kornia pipeline does.

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

    The filters followed by subsampling compute only the kept pixels. nearest, bicubic, bilinear, area and lanczos
    take any scale; the methods that step n pixels at a time refuse a scale that is not 1 / n (binomial: n a power
    of 2).

    Args:
        image: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
        scale: output pixels per input pixel, in [2**-16, 1].
        method: one of METHODS, or of EXTRA_METHODS.
        channel_axis: None (torch layout; a shape that looks channels-last, such as (512, 512, 3), is refused), -1
            (channels last) or -3 (torch layout, confirmed).
        **options: avgpool: kernel_size, stride, padding; median: kernel_size, border_type; bilateral: kernel_size,
            sigma_color, sigma_space, border_type, color_distance_type.

    Returns:
        A new C-contiguous array in the image's layout and dtype (integers rounded to the nearest, ties to even;
        bilateral takes floats only).

    Raises:
        TypeError: an image of an unsupported dtype, or an unknown option.
        ValueError: an unknown method, a scale outside its domain, or a layout that channel_axis does not resolve.

    Equals:
        The study's torch 2.13 / kornia 0.9.0 pipelines above, as `interpolate` and the filters equal theirs.
        The checks and tables (which depend only on the image's shape and dtype and on the arguments) are made
        once and kept, the last 256: a repeated call only runs the kernel.

    Example:
        >>> frame = np.zeros((256, 256, 3), np.uint8)  # as imageio, OpenCV and Pillow give it
        >>> downsample(frame, 0.25, "bilinear", channel_axis=-1).shape
        (64, 64, 3)
    """
    return _checks.apply(downsample_plan, image, "image", channel_axis, scale, method, tuple(options.items()))


def downsample_plan(image: _checks.ImageSpec, scale: object, method: object, options: tuple) -> _checks.Plan:
    """downsample for images of one shape and dtype (in torch layout), checked and with its tables built."""
    scale = _checks.check_downsample_scale(scale)
    method = _checks.check_choice(method, "method", METHODS + EXTRA_METHODS)
    unknown = [name for name, _ in options if name not in OPTIONS[method]]
    if unknown:
        takes = ", ".join(OPTIONS[method]) or "no options"
        raise TypeError(f"method={method!r} got unknown option(s) {', '.join(unknown)}; it takes {takes}")
    return PIPELINES[method](image, scale, **dict(options))
