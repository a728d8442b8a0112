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


def anti_alias_interpolation(x: np.ndarray, scale: float) -> np.ndarray:
    """FOMM's AntiAliasInterpolation2d forward on the last two axes of x: blur, then keep every n-th pixel.

    scale must be 1/n: FOMM's int(1/scale) would silently turn 0.3 into a step of 3 with a blur for 0.3, so
    other scales are refused. scale 1 returns a copy. Output size ceil(H/n) x ceil(W/n). Floats are computed in
    their dtype; integers in float64 and rounded to the nearest integer (ties to even).
    """
    x = _checks.check_image(x, "x")
    return anti_alias_plan(_checks.ImageSpec.of(x), scale)(x)


def anti_alias_plan(image: _checks.ImageSpec, scale: float) -> _checks.Plan:
    """anti_alias_interpolation for images of one shape and dtype, checked and with its tables built."""
    scale = _checks.check_downsample_scale(scale)
    step = _checks.integer_step(scale, "gaussian")
    return resample_plan(*(gaussian_table(n, scale, step) for n in image.shape[-2:]), image.dtype)
