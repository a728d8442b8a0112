"""FOMM's anti-alias step (modules/util.py, AntiAliasInterpolation2d): a Gaussian blur, then every n-th pixel.

    sigma = (1/scale - 1) / 2,   k = 2 * round(4 * sigma) + 1,   g[m] = exp(-(m - (k-1)/2)^2 / (2 sigma^2)) / sum
    out = (zero-padded k x k convolution with g g^T)[..., ::n, ::n],   n = 1/scale

The blur is separable and only every n-th output is kept, so it is a pair of strided filter tables: the rows
and columns that are thrown away are never computed. Zero padding darkens the border: a constant image is not
constant after it (out = c * sum of the kernel taps inside the image).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from antialias_np import _checks, plans
from antialias_np._half import FLOAT16
from antialias_np.borders import kept_windows
from antialias_np.engine import resample_plan
from antialias_np.float16 import convolution_plan, fomm_float16_kernel
from antialias_np.gather import gather_plan
from antialias_np.weights import fomm_gaussian, gaussian_table


def gaussian_kernel(scale: float) -> np.ndarray:
    """FOMM's normalised 1-D Gaussian for a downsampling scale; its 2-D kernel is the outer product with itself.

        sigma = (1 / scale - 1) / 2,   k = 2 round(4 sigma) + 1,   g[m] = exp(-(m - (k - 1) / 2)^2 / (2 sigma^2)) / sum

    round is Python's (halves to even), as in FOMM. scale 0.5: sigma 0.5, 5 taps; 1/3: 1.0, 9; 0.25: 1.5, 13;
    0.125: 3.5, 29.

    Args:
        scale: output pixels per input pixel, in [2**-16, 1].

    Returns:
        The (k,) float64 kernel, summing to 1 (a single 1 at scale 1).

    Raises:
        TypeError: scale is not a real number.
        ValueError: scale outside [2**-16, 1].

    Equals:
        The kernel of FOMM's AntiAliasInterpolation2d (modules/util.py), one axis of it.

    Example:
        >>> gaussian_kernel(0.5).round(4)
        array([3.000e-04, 1.065e-01, 7.866e-01, 1.065e-01, 3.000e-04])
    """
    return fomm_gaussian(_checks.check_downsample_scale(scale))


def anti_alias_reference(x: np.ndarray, scale: float) -> np.ndarray:
    """FOMM's step written the plain way, in float64: pad with zeros, correlate with g g^T, keep every n-th pixel.

    The teaching reference of anti_alias_interpolation, which computes the same from per-axis tables.
    """
    g = fomm_gaussian(scale)
    windows = kept_windows(x.astype(np.float64), (len(g), len(g)), "constant", round(1 / scale))
    downsampled: npt.NDArray[np.float64] = np.einsum("...ij,i,j->...", windows, g, g)
    return downsampled


def anti_alias_interpolation(x: npt.ArrayLike, scale: float, *, channel_axis: int | None = None) -> np.ndarray:
    """FOMM's anti-alias step: a zero-padded Gaussian blur, then every n-th pixel.

        out = (x zero-padded by k // 2, correlated with g g^T)[..., ::n, ::n]

    with g = gaussian_kernel(scale), k its length, and n = 1 / scale.

    Only the kept pixels are computed (the blur is a pair of strided per-axis tables). Zero padding darkens the
    border: a constant image is not constant after it.

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        scale: 1 / n for an integer n (FOMM's int(1 / scale) would silently turn 0.3 into a step of 3 with a blur
            for 0.3, so other scales are refused); 1 returns a copy, bit for bit, as FOMM returns its input.
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new (..., ceil(H / n), ceil(W / n)) array in x's layout and dtype. float32 and float64 are computed in
        their dtype; float16 as torch's convolution on CPUs with AVX512-FP16: FOMM's float32 2-D kernel rounded
        to float16, the taps summed row by row as a chain of float32 fused multiply-adds, rounded once to float16
        (see antialias_np.float16); integers as their float64 value rounded to the nearest integer (ties to even) and
        saturated (8-bit ones summed in float32, the few outputs near a tie again in float64: the same numbers).

    Raises:
        TypeError: x is not an array of a supported dtype, or scale is not a real number.
        ValueError: scale is not 1 / n, or a layout that channel_axis does not resolve.

    Equals:
        FOMM's AntiAliasInterpolation2d(C, scale).forward (conv2d in torch 2.13): within 2e-6 (float32) and 1e-12
        (float64) on [0, 1] images; float16 (the module converted with .half()) bit for bit where torch runs oneDNN
        for it (CPUs with AVX512-FP16; elsewhere torch's slow_conv2d sums in another order).

    Example:
        >>> anti_alias_interpolation(np.ones((4, 4), np.float32), 0.5)  # zero padding darkens the border
        array([[0.7979588, 0.8930497],
               [0.8930497, 0.9994724]], dtype=float32)
    """
    return plans.apply(anti_alias_plan, x, "x", channel_axis, scale)


class AntiAliasArguments(NamedTuple):
    """anti_alias_interpolation's scale, checked, and the step n it keeps every n-th pixel by."""

    scale: float
    step: int


def anti_alias_plan(image: _checks.ImageSpec, scale: float, method: str | None = None) -> plans.Plan:
    """anti_alias_interpolation for images of one shape and dtype (in torch layout): checked, its tables built, as a
    Plan; method: downsample's name for it, which errors then use."""
    # 1. Check every argument.
    a = check_arguments(image, scale, method)
    # 2. At scale 1, FOMM returns its input: the same bits (-0.0 and NaN payloads too), any channel count.
    if a.step == 1:
        return gather_plan(image, *(np.arange(n) for n in image.shape[-2:]))
    # 3. One strided Gaussian table per axis, and 4. the plan: torch convolves float16 with the 2-D float16 kernel,
    # not separably.
    rows, cols = (gaussian_table(n, a.scale, a.step) for n in image.shape[-2:])
    if image.dtype == FLOAT16:
        return convolution_plan(rows, cols, fomm_float16_kernel(a.scale), a.step)
    return resample_plan(rows, cols, image.dtype)


def check_arguments(image: _checks.ImageSpec, scale: object, method: str | None) -> AntiAliasArguments:
    """anti_alias_interpolation's scale checked for `image` (1 / n; an image with channels unless n = 1)."""
    scale = _checks.check_downsample_scale(scale)
    step = _checks.integer_step(scale, method)
    if step != 1:
        _checks.check_channels(image, "anti_alias_interpolation")
    return AntiAliasArguments(scale, step)
