"""interpolate(): torch.nn.functional.interpolate for 2-D images, without torch.

Every mode is a pair of per-axis tables (weights.py) applied by the engine (engine.py):

    nearest         idx = min(floor(s * i), n - 1)                     (top-left biased, OpenCV's INTER_NEAREST)
    nearest-exact   idx = min(floor(s * (i + 0.5)), n - 1)             (Pillow's and scikit-image's)
    bilinear        2 taps at src = s * (i + 0.5) - 0.5, clamped        antialias: triangle filter stretched by s
    bicubic         4 taps, Keys a = -0.75, edge-replicated indices    antialias: Keys a = -0.5 stretched by s
    lanczos         (antialias only)                                   Lanczos-3 stretched by s (Pillow's LANCZOS)
    area            adaptive average pooling (pooling.adaptive_avg_pool2d)

s is input pixels per output pixel: 1 / scale_factor when a scale factor is used, else in / out
(weights.pixel_scale). With antialias=True, downsampling widens the filter to s pixels so every input pixel
contributes (Pillow's resampling); upsampling with it is ordinary half-pixel interpolation.
"""

from __future__ import annotations

import math
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from antialias_np import _checks, plans
from antialias_np.engine import resample_plan
from antialias_np.float16 import CornerBilinearPlan, TorchOrderPlan
from antialias_np.gather import gather_plan
from antialias_np.pooling import build_adaptive_avg_pool_plan
from antialias_np.weights import filter_table, nearest_table

MODES = ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos", "area")
UINT8 = np.dtype(np.uint8)
FLOAT16 = np.dtype(np.float16)

def interpolate(
    x: npt.ArrayLike,
    size: int | tuple[int, int] | None = None,
    scale_factor: float | tuple[float, float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """Resize the (H, W) axes of an image as torch.nn.functional.interpolate does.

        out[i, j] = sum_r sum_c w_rows[i, r] * w_cols[j, c] * x[index_rows[i, r], index_cols[j, c]]

    with per-axis tables built by torch's rules (s = input pixels per output pixel):

        nearest          x[min(floor(s * i), n - 1)]
        nearest-exact    x[min(floor(s * (i + 0.5)), n - 1)]
        bilinear         2 taps at s * (i + 0.5) - 0.5; antialias: the triangle filter stretched to s pixels
        bicubic          4 taps of Keys' cubic (a = -0.75); antialias: Keys' cubic (a = -0.5) stretched to s pixels
        lanczos          antialias only: Lanczos-3 stretched to s pixels (Pillow's LANCZOS)
        area             the mean of the window [floor(i * n / m), ceil((i + 1) * n / m)) per axis

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C). Unlike
            torch, a 3-D array is (C, H, W), not a 1-D signal.
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        size: the output (height, width), or one int for both; exactly one of size and scale_factor.
        scale_factor: output pixels per input pixel, one float or (height, width); the output is floor(n * factor).
        mode: 'nearest', 'nearest-exact', 'bilinear', 'bicubic', 'lanczos' or 'area'.
        align_corners: bilinear / bicubic only: map the corner pixels' centres onto each other.
        recompute_scale_factor: with scale_factor, use out / in instead of the factor itself, as torch.
        antialias: bilinear / bicubic: widen the filter when downsampling (Pillow's resampling); lanczos needs it.
        channel_axis: None (torch layout, as torch reads it; a warning where the shape looks like a channels-last
            image), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new C-contiguous array in x's layout and dtype. dtypes: nearest modes gather any integer or float dtype
        bit for bit; bilinear, bicubic and lanczos compute float32 / float64 in that dtype and uint8 in torch's fixed
        point; plain bilinear / bicubic and area also take float16, computed as torch's float16 kernels compute it
        (bit for bit; antialias_np/float16.py); area and the other integer dtypes give the exact window mean rounded
        to the nearest integer, ties to even.

    Raises:
        TypeError: x is not an array of a supported dtype, or a flag is not a bool.
        ValueError: a size, factor or mode outside its domain, or a layout that channel_axis does not resolve.

    Equals:
        torch.nn.functional.interpolate of torch 2.13 (CPU, its default vectorised kernels): bit for bit for
        selections and uint8, within 2e-6 (float32) and 1e-12 (float64) on [0, 1] images. One difference on purpose:
        an output width of 1 where torch's generic kernel repeats the first row's value (float antialias; uint8 with
        more than 4 channels); here it follows the definition, as Pillow and torch's vectorised uint8 kernel do.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(4, 4)
        >>> interpolate(x, size=(2, 2), mode="bilinear", antialias=True)
        array([[ 3.5714288,  5.1428576],
               [ 9.857143 , 11.428572 ]], dtype=float32)
        >>> interpolate(np.array([[0, 255, 0, 255]], np.uint8), size=(1, 2), mode="bicubic", antialias=True)
        array([[107, 148]], dtype=uint8)
    """
    return plans.apply(interpolate_plan, x, "x", channel_axis, size, scale_factor, mode, align_corners,
                         recompute_scale_factor, antialias)


class InterpolateArguments(NamedTuple):
    """interpolate's arguments, checked for one image: the output size and the scale factors the kernels use, as torch
    derives them from size / scale_factor (`output_size`)."""

    mode: str
    align_corners: bool
    antialias: bool
    out_size: tuple[int, int]
    scales: tuple[float | None, float | None]


def interpolate_plan(
    image: _checks.ImageSpec,
    size: int | tuple[int, int] | None = None,
    scale_factor: float | tuple[float, float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> plans.Plan:
    """interpolate for images of one shape and dtype (in torch layout): every argument checked, then the plan built
    from them (`build_interpolate_plan`)."""
    checked = check_arguments(image, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)
    return build_interpolate_plan(image, checked)


def build_interpolate_plan(image: _checks.ImageSpec, a: InterpolateArguments) -> plans.Plan:
    """The plan of interpolate for arguments checked for `image` (by `check_arguments`, or by downsample's methods
    with `checked_for_image`): torch's kernel choice, one table per axis, the plan that applies them."""
    in_size = image.shape[-2:]
    # 1. torch's kernel choice. area is adaptive average pooling. Its vectorised (channels-last) kernels for nearest
    # and float bilinear serve small outputs, its generic ones the rest; channel_axis=-1 hands torch the same memory,
    # a channels-last tensor (as a 1 x 1 image is). float16: torch's generic kernel stores float16 weights and sums
    # in its own order (TorchOrderPlan); its channels-last bilinear kernel keeps float32 weights (CornerBilinearPlan).
    if a.mode == "area":
        return build_adaptive_avg_pool_plan(image, a.out_size)
    channels = image.shape[-3] if image.ndim > 2 else 1
    small_kernel = sum(a.out_size) <= 128 or (channels > 3 and (image.channels_last or tuple(in_size) == (1, 1)))
    corners = image.dtype == FLOAT16 and a.mode == "bilinear" and small_kernel
    # 2. One table per axis, and 3. the plan that applies them.
    if a.mode in ("nearest", "nearest-exact"):
        compute = np.float64 if image.dtype == np.float64 else np.float32
        rows, cols = (nearest_table(n, m, s, a.mode == "nearest-exact", small_kernel, compute)
                      for n, m, s in zip(in_size, a.out_size, a.scales, strict=True))
        return gather_plan(image, rows.index[:, 0], cols.index[:, 0])
    table_dtype = np.dtype(np.float32) if corners else image.dtype
    rows, cols = (filter_table(n, m, sf, a.mode, a.align_corners, a.antialias, table_dtype)
                  for n, m, sf in zip(in_size, a.out_size, a.scales, strict=True))
    if corners:
        return CornerBilinearPlan(rows, cols)
    return (TorchOrderPlan if image.dtype == FLOAT16 else resample_plan)(rows, cols, image.dtype)


def check_arguments(
    image: _checks.ImageSpec,
    size: object,
    scale_factor: object,
    mode: object,
    align_corners: object,
    recompute_scale_factor: object,
    antialias: object,
) -> InterpolateArguments:
    """interpolate's arguments checked for `image` (the dtypes and channels its mode takes too), or the caller's
    TypeError / ValueError."""
    mode = _checks.check_choice(mode, "mode", MODES)
    align_corners = _checks.check_bool(align_corners, "align_corners", none=True)
    recompute_scale_factor = _checks.check_bool(recompute_scale_factor, "recompute_scale_factor", none=True)
    antialias = _checks.check_bool(antialias, "antialias")
    if align_corners is not None and mode not in ("bilinear", "bicubic", "lanczos"):
        raise ValueError(f"align_corners can only be set with mode 'bilinear' or 'bicubic', got mode={mode!r}")
    if mode == "lanczos" and (not antialias or align_corners):
        raise ValueError("mode='lanczos' needs antialias=True and does not support align_corners=True, as in torch")
    if antialias and mode not in ("bilinear", "bicubic", "lanczos"):
        raise ValueError(f"antialias=True needs mode 'bilinear', 'bicubic' or 'lanczos', got mode={mode!r}")
    out_size, scales = output_size(image.shape[-2:], size, scale_factor, recompute_scale_factor)
    argument = ("size", size) if size is not None else ("scale_factor", scale_factor)
    return checked_for_image(image, mode, out_size, scales, bool(align_corners), bool(antialias), argument)


def checked_for_image(
    image: _checks.ImageSpec,
    mode: str,
    out_size: tuple[int, int],
    scales: tuple[float | None, float | None],
    align_corners: bool,
    antialias: bool,
    argument: tuple[str, object],
) -> InterpolateArguments:
    """interpolate's arguments, valid on their own (a mode and flags that go together, an output size of at least
    one pixel: checked by `check_arguments`, or chosen so by downsample's methods), checked for `image`: an output
    that is not too large, a channel, a dtype the mode takes. argument: (the caller's argument that set the size, its
    value), which the error names."""
    _checks.check_output_size(image, out_size, argument, "interpolate")
    if mode != "area":
        _checks.check_channels(image, f"interpolate with mode={mode!r}")
    if antialias:  # torch has no float16 antialias kernel on the CPU
        _checks.check_dtype(image, image.name, (*_checks.FLOAT_DTYPES, UINT8), f"mode={mode!r} with antialias=True")
    elif mode not in ("nearest", "nearest-exact", "area"):
        _checks.check_dtype(image, image.name, (*_checks.FLOAT_DTYPES, UINT8, FLOAT16), f"mode={mode!r}")
    return InterpolateArguments(mode, align_corners, antialias, out_size, scales)


def output_size(
    in_size: tuple[int, ...],
    size: object,
    scale_factor: object,
    recompute_scale_factor: bool | None,
) -> tuple[tuple[int, int], tuple[float | None, float | None]]:
    """(output size, scale factors the kernels use) as torch derives them from size / scale_factor."""
    if (size is None) == (scale_factor is None):
        raise ValueError("exactly one of size and scale_factor must be given")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size")
        return _checks.check_pair(size, "size", _checks.check_int, minimum=1), (None, None)
    factors = _checks.check_pair(scale_factor, "scale_factor", _checks.check_positive_number)
    sizes = [n * f for n, f in zip(in_size, factors, strict=True)]
    if not all(1 <= n <= _checks.MAX_SIDE for n in sizes):
        raise ValueError(
            f"scale_factor={scale_factor!r} gives an output of {' x '.join(f'{n:.4g}' for n in sizes)} pixels for "
            f"input size {tuple(in_size)}, but each side must be in [1, {_checks.MAX_SIDE}]"
        )
    out = cast("tuple[int, int]", tuple(math.floor(n) for n in sizes))  # a pair, as factors
    scales: tuple[float | None, float | None] = (None, None) if recompute_scale_factor else factors
    return out, scales
