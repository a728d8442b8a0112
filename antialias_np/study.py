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

Other scales: nearest, bicubic, bilinear and area do what torch does with them; the methods that keep every
n-th pixel (gaussian, subsample, avgpool, median, bilateral) refuse a scale that is not 1/n, where FOMM's
int(1/scale) would silently use another step. The filters followed by subsampling compute the kept pixels only.
"""

from __future__ import annotations

import inspect

import numpy as np

from antialias_np import _checks
from antialias_np.bilateral import bilateral_subsample
from antialias_np.gaussian import anti_alias_interpolation
from antialias_np.median import median_subsample
from antialias_np.pooling import adaptive_avg_pool2d, avg_pool2d
from antialias_np.resample import interpolate


def _study_size(x: np.ndarray, scale: float) -> tuple[int, int]:
    """(int(H * scale), int(W * scale)), the size the study passed to interpolate."""
    size = tuple(int(n * scale) for n in x.shape[-2:])
    if min(size) < 1:
        raise ValueError(f"scale={scale} leaves no pixel of an image of size {x.shape[-2:]}")
    return size


def gaussian(x: np.ndarray, scale: float) -> np.ndarray:
    return anti_alias_interpolation(x, scale)


def subsample(x: np.ndarray, scale: float) -> np.ndarray:
    step = _checks.integer_step(scale, "subsample")
    return np.ascontiguousarray(x[..., ::step, ::step])


def nearest(x: np.ndarray, scale: float) -> np.ndarray:
    return interpolate(x, scale_factor=scale, mode="nearest")


def bicubic(x: np.ndarray, scale: float) -> np.ndarray:
    return interpolate(x, size=_study_size(x, scale), mode="bicubic", align_corners=False, antialias=True)


def bilinear(x: np.ndarray, scale: float) -> np.ndarray:
    return interpolate(x, size=_study_size(x, scale), mode="bilinear", align_corners=False, antialias=True)


def area(x: np.ndarray, scale: float) -> np.ndarray:
    return adaptive_avg_pool2d(x, _study_size(x, scale))


def avgpool(x: np.ndarray, scale: float, kernel_size=None, stride=None, padding=0) -> np.ndarray:
    """avg_pool2d(x, n); an explicit kernel_size replaces n (and then scale is not used)."""
    if kernel_size is None:
        kernel_size = _checks.integer_step(scale, "avgpool")
    return avg_pool2d(x, kernel_size, stride, padding)


def median(x: np.ndarray, scale: float, kernel_size=3, border_type="reflect") -> np.ndarray:
    return median_subsample(x, _checks.integer_step(scale, "median"), kernel_size, border_type)


def bilateral(
    x: np.ndarray,
    scale: float,
    kernel_size=5,
    sigma_color=0.1,
    sigma_space=(1.5, 1.5),
    border_type="reflect",
    color_distance_type="l1",
) -> np.ndarray:
    step = _checks.integer_step(scale, "bilateral")
    return bilateral_subsample(x, step, kernel_size, sigma_color, sigma_space, border_type, color_distance_type)


PIPELINES = {f.__name__: f for f in (gaussian, subsample, nearest, bicubic, bilinear, area, avgpool, median, bilateral)}
METHODS = tuple(PIPELINES)
"""The study's methods, in its order; 'gaussian' is the baseline."""
OPTIONS = {name: tuple(inspect.signature(f).parameters)[2:] for name, f in PIPELINES.items()}
"""The options each method takes (its pipeline's arguments after x and scale)."""


def downsample(
    image: np.ndarray,
    scale: float = 0.25,
    method: str = "gaussian",
    *,
    channel_axis: int | None = None,
    **options,
) -> np.ndarray:
    """Downsample `image` by `scale` with one of METHODS, as the study's torch / kornia pipeline does.

    image: torch layout (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C),
    returned in the same layout. scale in (0, 1]. options: avgpool kernel_size, stride, padding; median
    kernel_size, border_type; bilateral kernel_size, sigma_color, sigma_space, border_type,
    color_distance_type. Returns a new C-contiguous array of the input's dtype.
    """
    image = _checks.check_image(image, "image")
    scale = _checks.check_downsample_scale(scale)
    method = _checks.check_choice(method, "method", METHODS)
    unknown = [name for name in options if name not in OPTIONS[method]]
    if unknown:
        takes = ", ".join(OPTIONS[method]) or "no options"
        raise TypeError(f"method={method!r} got unknown option(s) {', '.join(unknown)}; it takes {takes}")
    result = PIPELINES[method](_checks.move_channels_first(image, channel_axis), scale, **options)
    return _checks.move_channels_back(result, channel_axis)
