"""antialias_np: the anti-aliased downsamplers of the FOMM study, equal to torch and kornia, in NumPy + Numba.

    downsample(image, scale=0.25, method="gaussian")   # METHODS: the study's pipelines by name; EXTRA_METHODS
    downsample(image, size=(h, w), method="area")      # an output size: nearest, bilinear, bicubic, area, lanczos
    interpolate, avg_pool2d, adaptive_avg_pool2d       # torch.nn.functional's, same arguments
    anti_alias_interpolation, gaussian_kernel          # FOMM's AntiAliasInterpolation2d
    median_blur, bilateral_blur                        # kornia.filters', same arguments

An image is a NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor), in
torch layout, (H, W), (C, H, W) or (N, C, H, W); every function takes channel_axis=-1 for (H, W, C) or
(N, H, W, C) images and -3 to confirm torch layout, and returns a NumPy array in the image's layout and dtype.
downsample refuses a layout that the image's shape contradicts, either way: (512, 512, 3) with channel_axis=None,
a stack (10, 480, 640) with channel_axis=-1. The torch and kornia work-alikes read channel_axis=None as torch
does, warning where the shape looks like an image as imageio gives it.

Importing the package is instant: each name's module (and Numba) is imported on first use, and each Numba
kernel compiles on its first call and is cached on disk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"
"""The version of the package (pyproject.toml reads it from here)."""

# Type checkers and editors read these imports; at run time they are skipped and __getattr__ below imports each
# name's module on first use, because importing them all imports Numba (a third of a second) for every user,
# including those who only read __version__ or run `antialias-np --help`.
if TYPE_CHECKING:
    from antialias_np.bilateral import bilateral_blur
    from antialias_np.gaussian import anti_alias_interpolation, gaussian_kernel
    from antialias_np.median import median_blur
    from antialias_np.methods import EXTRA_METHODS, METHODS, downsample
    from antialias_np.pooling import adaptive_avg_pool2d, avg_pool2d
    from antialias_np.resample import interpolate

__all__ = [
    "EXTRA_METHODS",
    "METHODS",
    "adaptive_avg_pool2d",
    "anti_alias_interpolation",
    "avg_pool2d",
    "bilateral_blur",
    "downsample",
    "gaussian_kernel",
    "interpolate",
    "median_blur",
]

_MODULE_OF = {
    "METHODS": "methods",
    "EXTRA_METHODS": "methods",
    "downsample": "methods",
    "interpolate": "resample",
    "avg_pool2d": "pooling",
    "adaptive_avg_pool2d": "pooling",
    "anti_alias_interpolation": "gaussian",
    "gaussian_kernel": "gaussian",
    "median_blur": "median",
    "bilateral_blur": "bilateral",
}
"""The module of each public name, for __getattr__ (tests/test_typing.py checks it against the imports above)."""


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'antialias_np' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"antialias_np.{_MODULE_OF[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
