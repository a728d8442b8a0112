"""The study's nine pipelines in torch / kornia: the one registry that bench.py times, the fixtures script records
and the differential test compares with. torch and kornia are imported when a pipeline is made, never before."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Pipeline:
    """One method's torch code: run(x) on an (N, C, H, W) tensor, and the same code as text ({size} stands for
    the output's (height, width))."""

    run: Callable
    source: str


def fomm_kernel(scale: float, channels: int, dtype):
    """FOMM's AntiAliasInterpolation2d weight (modules/util.py), built as FOMM builds it: (channels, 1, k, k).

    FOMM builds it in float32; here float64 images get the float64 Gaussian, and float16 ones FOMM's float32
    kernel rounded to float16 (what a FOMM module converted with .half() holds).
    """
    import torch

    sigma = (1 / scale - 1) / 2
    size = 2 * round(sigma * 4) + 1
    build = torch.float64 if dtype == torch.float64 else torch.float32
    grids = torch.meshgrid([torch.arange(size, dtype=build)] * 2, indexing="ij")
    kernel = 1
    for grid in grids:
        kernel = kernel * torch.exp(-((grid - (size - 1) / 2) ** 2) / (2 * sigma**2))
    return (kernel / torch.sum(kernel)).to(dtype).view(1, 1, size, size).repeat(channels, 1, 1, 1)


def fomm_anti_alias(x, scale: float):
    """FOMM's AntiAliasInterpolation2d.forward on the tensor x: zero padding, depthwise Gaussian, every n-th pixel."""
    return fomm_forward(scale, x.shape[1], x.dtype)(x)


def fomm_forward(scale: float, channels: int, dtype) -> Callable:
    """AntiAliasInterpolation2d(channels, scale).forward, its kernel built once: the input itself at scale 1, as
    FOMM returns it there."""
    import torch.nn.functional as F

    if scale == 1:
        return lambda x: x
    weight = fomm_kernel(scale, channels, dtype)
    pad = weight.shape[-1] // 2
    step = int(1 / scale)  # FOMM's int(1 / scale)
    return lambda x: F.conv2d(F.pad(x, (pad,) * 4), weight, groups=channels)[:, :, ::step, ::step]


def study_pipelines(scale: float, channels: int = 3, dtype=None) -> dict[str, Pipeline]:
    """The study's pipelines by method name, for (N, channels, H, W) tensors of `dtype` (default float32) at
    `scale`; gaussian's kernel is built here, once, as FOMM builds it at initialisation. median and bilateral need
    kornia and are missing without it."""
    import torch
    import torch.nn.functional as F

    n = round(1 / scale)

    def small(x) -> tuple[int, int]:
        return int(x.shape[-2] * scale), int(x.shape[-1] * scale)

    pipelines = {
        "gaussian": Pipeline(
            fomm_forward(scale, channels, dtype or torch.float32), f"AntiAliasInterpolation2d(C, {scale})(x)"
        ),
        "subsample": Pipeline(lambda x: x[..., ::n, ::n], f"x[..., ::{n}, ::{n}]"),
        "nearest": Pipeline(
            lambda x: F.interpolate(x, scale_factor=scale, mode="nearest"),
            f"F.interpolate(x, scale_factor={scale}, mode='nearest')",
        ),
        "bicubic": Pipeline(
            lambda x: F.interpolate(x, size=small(x), mode="bicubic", antialias=True, align_corners=False),
            "F.interpolate(x, size={size}, mode='bicubic', antialias=True, align_corners=False)",
        ),
        "bilinear": Pipeline(
            lambda x: F.interpolate(x, size=small(x), mode="bilinear", antialias=True, align_corners=False),
            "F.interpolate(x, size={size}, mode='bilinear', antialias=True, align_corners=False)",
        ),
        "area": Pipeline(
            lambda x: F.interpolate(x, size=small(x), mode="area"), "F.interpolate(x, size={size}, mode='area')"
        ),
        "avgpool": Pipeline(lambda x: F.avg_pool2d(x, n), f"F.avg_pool2d(x, {n})"),
    }
    try:
        import kornia
    except ImportError:
        return pipelines
    pipelines["median"] = Pipeline(
        lambda x: kornia.filters.median_blur(x, 3, border_type="reflect")[..., ::n, ::n],
        f"kornia.filters.median_blur(x, 3, border_type='reflect')[..., ::{n}, ::{n}]",
    )
    pipelines["bilateral"] = Pipeline(
        lambda x: kornia.filters.bilateral_blur(x, 5, 0.1, (1.5, 1.5), "reflect", "l1")[..., ::n, ::n],
        f"kornia.filters.bilateral_blur(x, 5, 0.1, (1.5, 1.5), 'reflect', 'l1')[..., ::{n}, ::{n}]",
    )
    return pipelines


def study_pipeline(x, scale: float, method: str) -> tuple[object, str]:
    """`method`'s pipeline run on the tensor x, and its source text with x's output size filled in."""
    pipeline = study_pipelines(scale, x.shape[1], x.dtype)[method]
    size = (int(x.shape[-2] * scale), int(x.shape[-1] * scale))
    return pipeline.run(x), pipeline.source.replace("{size}", str(size))


def interpolate_as_defined(x, **kwargs) -> tuple[object, str]:
    """(F.interpolate(x, **kwargs), that call as text), where torch 2.13's generic separable kernel, wrong at an
    output width of 1 (it repeats the first row's value), is avoided: float antialias is run on the transposed image,
    uint8 with more than 4 channels one channel at a time (torch's vectorised uint8 kernel, which takes up to 4
    channels, is right there; transposing would change where it rounds). What the definition gives, as Pillow
    computes it."""
    import torch
    import torch.nn.functional as F

    output = F.interpolate(x, **kwargs)
    call = f"F.interpolate(x, **{kwargs})"
    if output.shape[-1] != 1:
        return output, call
    if x.dtype == torch.uint8:
        if x.shape[1] <= 4:
            return output, call
        output = torch.cat([F.interpolate(x[:, c : c + 1], **kwargs) for c in range(x.shape[1])], dim=1)
        return output, f"torch.cat([F.interpolate(x[:, c : c + 1], **{kwargs}) for c in ...], 1)  # torch 2.13 bug"
    if not kwargs.get("antialias"):
        return output, call
    swapped = {k: tuple(reversed(v)) if isinstance(v, tuple) else v for k, v in kwargs.items()}
    output = F.interpolate(x.transpose(-1, -2), **swapped).transpose(-1, -2)
    return output, f"F.interpolate(x.transpose(-1, -2), **{swapped}).transpose(-1, -2)  # torch 2.13 bug at width 1"
