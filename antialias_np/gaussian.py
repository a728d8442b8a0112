"""FOMM's anti-alias step (modules/util.py, AntiAliasInterpolation2d): a Gaussian blur, then every n-th pixel.

    sigma = (1/scale - 1) / 2,   k = 2 * round(4 * sigma) + 1,   g[m] = exp(-(m - (k-1)/2)^2 / (2 sigma^2)) / sum
    out = (zero-padded k x k convolution with g g^T)[..., ::n, ::n],   n = 1/scale

The blur is separable and only every n-th output is kept, so it is a pair of strided filter tables: the rows
and columns that are thrown away are never computed. Zero padding darkens the border: a constant image is not
constant after it (out = c * sum of the kernel taps inside the image).
"""

from __future__ import annotations

import numpy as np

from antialias_np import _checks
from antialias_np.borders import kept_windows
from antialias_np.separable import resample_plan
from antialias_np.weights import fomm_gaussian, gaussian_table


def gaussian_kernel(scale: float) -> np.ndarray:
    """FOMM's normalised 1-D Gaussian for `scale` (float64): its 2-D kernel is the outer product with itself.

    scale 0.5: sigma 0.5, 5 taps; 1/3: 1.0, 9; 0.25: 1.5, 13; 0.125: 3.5, 29. k uses Python's round (halves
    to even), as FOMM does.
    """
    return fomm_gaussian(_checks.check_downsample_scale(scale))


def anti_alias_reference(x: np.ndarray, scale: float) -> np.ndarray:
    """FOMM's step written the plain way, in float64: pad with zeros, correlate with g g^T, keep every n-th pixel.

    The teaching reference of anti_alias_interpolation, which computes the same from per-axis tables.
    """
    g = fomm_gaussian(scale)
    windows = kept_windows(x.astype(np.float64), (len(g), len(g)), "constant", round(1 / scale))
    return np.einsum("...ij,i,j->...", windows, g, g)


def anti_alias_interpolation(x: np.ndarray, scale: float, *, channel_axis: int | None = None) -> np.ndarray:
    """FOMM's AntiAliasInterpolation2d forward on the (H, W) axes of x: blur, then keep every n-th pixel.

    x: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C), returned in the same
    layout (a shape that looks channels-last is refused unless channel_axis says which). An empty batch (N = 0)
    gives an empty result; an empty channel axis is refused, as FOMM's grouped convolution does.
    scale must be 1/n, at least 2**-16: FOMM's int(1/scale) would silently turn 0.3 into a step of 3 with a blur
    for 0.3, so other scales are refused. scale 1 returns a copy. Output size ceil(H/n) x ceil(W/n). Floats are
    computed in their dtype; integers in float64, then rounded to the nearest integer (ties to even) and
    saturated to the dtype's range: the Gaussian's weights are irrational, so this is the correctly rounded
    value except where the true value lies within float64's rounding (about 1e-16 relative) of a half-integer.
    """
    return _checks.apply(anti_alias_plan, x, "x", channel_axis, scale)


def anti_alias_plan(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    """anti_alias_interpolation for images of one shape and dtype (in torch layout), checked, tables built."""
    _checks.check_channels(image, "anti_alias_interpolation")
    scale = _checks.check_downsample_scale(scale)
    step = _checks.integer_step(scale, "gaussian")
    return resample_plan(*(gaussian_table(n, scale, step) for n in image.shape[-2:]), image.dtype)
