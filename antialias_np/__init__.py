"""antialias_np: the anti-aliased downsamplers of the FOMM study, equal to torch and kornia, in NumPy + Numba.

    downsample(image, scale=0.25, method="gaussian")   # one of METHODS, the study's pipelines by name
    interpolate, avg_pool2d, adaptive_avg_pool2d       # torch.nn.functional's, same arguments
    anti_alias_interpolation, gaussian_kernel          # FOMM's AntiAliasInterpolation2d
    median_blur, bilateral_blur                        # kornia.filters', same arguments

Nothing is compiled at import: each Numba kernel compiles on first use and is cached on disk.
"""

from antialias_np.bilateral import bilateral_blur
from antialias_np.gaussian import anti_alias_interpolation, gaussian_kernel
from antialias_np.median import median_blur
from antialias_np.pooling import adaptive_avg_pool2d, avg_pool2d
from antialias_np.resample import interpolate
from antialias_np.study import METHODS, downsample

__all__ = [
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
