"""On-grid cheap downsamplers: output k centred on input n k, where FOMM's Gaussian (the study's baseline) puts it.

For scale = 1 / n, zero padding on every side (as FOMM's blur), only the kept pixels computed:

    box5        the mean of the 5 x 5 window centred on input (n i, n j)     (avg_pool2d(x, 5, n, 2), padding counted)
    gaussian7   FOMM's Gaussian for the scale cut to its central 7 x 7 taps, rescaled to sum 1, then x[..., ::n, ::n]
    gaussian9   the same cut to 9 x 9 taps
    binomial    log2(n) steps of the binomial pyramid: [1, 4, 6, 4, 1] / 16 on each axis, then every 2nd pixel

bilinear, bicubic and area centre output k on input n k + (n - 1) / 2 instead (1.5 at n = 4), which moves every
keypoint a detector finds on the small image; these methods keep FOMM's grid at a fraction of its 13 x 13 cost.
Each is a pair of per-axis tables (weights.kept_kernel_table) run by the separable engine, so every dtype and layout
works as for the study's methods. box5 is avg_pool2d's plan (pooling.avg_pool_plan). float16 images are computed as
torch computes the formulas on them: box5 as avg_pool2d, gaussian7 and gaussian9 as the float16 convolution with
fl16(g g^T), binomial as that convolution level by level, each level rounded to float16 (antialias_np.float16). An
empty channel axis is refused, as torch's avg_pool2d and conv2d refuse it.
"""

from __future__ import annotations

import numpy as np

from antialias_np import _checks, plans
from antialias_np._half import FLOAT16
from antialias_np.engine import resample_plan
from antialias_np.float16 import convolution_plan, pyramid_plan
from antialias_np.gather import gather_plan
from antialias_np.pooling import avg_pool_plan
from antialias_np.weights import BINOMIAL_5, binomial_pyramid_table, kept_kernel_table, truncated_gaussian


def box5(image: _checks.ImageSpec, scale: float) -> plans.Plan:
    """The mean of the 5 x 5 window centred on input (n i, n j), zero padding counted (FOMM's border):

        out[i, j] = (1 / 25) sum_{|a| <= 2, |b| <= 2} x[n i + a, n j + b],   x = 0 outside the image

    which is avg_pool2d(x, 5, stride=n, padding=2) (count_include_pad=True), and is computed as avg_pool2d
    computes it. Shapes (..., H, W) -> (..., ceil(H / n), ceil(W / n)).
    """
    step = _checks.integer_step(scale, "box5")
    _checks.check_channels(image, "downsample with method='box5'")
    return avg_pool_plan(image, 5, step, 2)


def _short_gaussian(image: _checks.ImageSpec, scale: float, taps: int, method: str) -> plans.Plan:
    step = _checks.integer_step(scale, method)
    if step == 1:  # the Gaussian of scale 1 is the single tap 1: the image itself
        return gather_plan(image, *(np.arange(n) for n in image.shape[-2:]))
    _checks.check_channels(image, f"downsample with method={method!r}")
    kernel = truncated_gaussian(scale, taps)
    rows, cols = (kept_kernel_table(n, tuple(kernel), step) for n in image.shape[-2:])
    if image.dtype == FLOAT16:
        return convolution_plan(rows, cols, np.outer(kernel, kernel), step)
    return resample_plan(rows, cols, image.dtype)


def gaussian7(image: _checks.ImageSpec, scale: float) -> plans.Plan:
    """FOMM's Gaussian (sigma = (1 / scale - 1) / 2) cut to its central 7 taps per axis, zero padding:

        g[m] = exp(-m^2 / (2 sigma^2)) / sum_{|m'| <= 3} exp(-m'^2 / (2 sigma^2)),  |m| <= 3
        out[i, j] = sum_{|a| <= 3, |b| <= 3} g[a] g[b] x[n i + a, n j + b],   x = 0 outside the image

    (all of FOMM's kernel when it is shorter: at scale 1/2 it has 5 taps; at scale 1, the image itself). Shapes
    (..., H, W) -> (..., ceil(H / n), ceil(W / n)). Integers give their float64 value rounded to the nearest (ties
    to even); float16 the float16 convolution with fl16(g g^T) (antialias_np.float16).
    """
    return _short_gaussian(image, scale, 7, "gaussian7")


def gaussian9(image: _checks.ImageSpec, scale: float) -> plans.Plan:
    """gaussian7 with 9 taps per axis (|m| <= 4): out = sum g[a] g[b] x[n i + a, n j + b] over |a|, |b| <= 4."""
    return _short_gaussian(image, scale, 9, "gaussian9")


def binomial(image: _checks.ImageSpec, scale: float) -> plans.Plan:
    """The binomial (Burt-Adelson) pyramid, log2(n) levels for n = 1 / scale a power of 2:

        level(x)[i, j] = sum_{|a| <= 2, |b| <= 2} b[a] b[b] x[2 i + a, 2 j + b],   b = [1, 4, 6, 4, 1] / 16

    with zero padding at every level, so output k is centred on input n k. The levels are composed into one table
    per axis (13 taps [1, 4, 10, 20, 31, 40, 44, 40, 31, 20, 10, 4, 1] / 256 at n = 4) and applied in one pass:
    integers are rounded once, at the end (nearest, ties to even), not at every level; float16 images are
    convolved level by level, each level rounded to float16, as torch computes the levels. Shapes (..., H, W) ->
    (..., ceil(H / n), ceil(W / n)); scale 1 gives the image itself.

    Raises:
        ValueError: n is not a power of 2 (the pyramid halves the image at every level).
    """
    step = _checks.integer_step(scale, "binomial")
    levels = step.bit_length() - 1
    if step != 1 << levels:
        raise ValueError(f"scale must be 1/n for n a power of 2 with method='binomial' (each pyramid level halves "
                         f"the image), got {scale}; use method='gaussian7' or 'gaussian9' for other steps")
    if levels == 0:
        return gather_plan(image, *(np.arange(n) for n in image.shape[-2:]))
    _checks.check_channels(image, "downsample with method='binomial'")
    if image.dtype == FLOAT16:
        height, width = image.shape[-2:]
        return pyramid_plan((height, width), np.array(BINOMIAL_5), levels)
    rows, cols = (binomial_pyramid_table(n, levels) for n in image.shape[-2:])
    return resample_plan(rows, cols, image.dtype)

