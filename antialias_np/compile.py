"""Every kernel compiled ahead of time into Numba's cache: `compile_all`, and `antialias-np compile`.

Numba compiles a kernel the first time it runs on a new dtype, and caches the machine code on disk (beside the
package, in __pycache__, or in NUMBA_CACHE_DIR), so that later processes only load it. A fresh installation therefore
pays seconds per method on its first calls, and again on the first call large enough for threads (which runs a
second, parallel compilation of the kernel). A container image or a CI job that starts from a fresh installation
pays them in every run; compile_all pays them once, where the image is built:

    RUN pip install antialias_np && antialias-np compile      # as the user (and NUMBA_CACHE_DIR) that runs it

The cache holds code for the CPU that compiled it (its model and features): a machine of another CPU model
compiles again.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from antialias_np._checks import NATIVE_DTYPES

if TYPE_CHECKING:
    from antialias_np._kernels import PlaneKernel

DEFAULT_DTYPES = ("uint8", "uint16", "float16", "float32", "float64")
"""The dtypes compile_all compiles for unless told otherwise: those of images read from files and of models."""

CHANNELS = (1, 3, 4)
"""Channel counts of the channels-last images compile_all runs: the selections (subsample, nearest) copy their
pixels whole, with a kernel per count; other kernels take any count."""


class CompileStep(NamedTuple):
    """What compile_all reports after each step: the `done`-th of `total`, its `name` (operation and dtype), and
    how many kernels (dispatcher signatures) it compiled and loaded from the cache, in `seconds`."""

    done: int
    total: int
    name: str
    compiled: int
    loaded: int
    seconds: float


class CompileSummary(NamedTuple):
    """compile_all's result: kernels compiled and loaded from the cache, and the time taken."""

    compiled: int
    loaded: int
    seconds: float


def compile_all(
    progress: Callable[[CompileStep], None] | None = None, *, dtypes: tuple[str, ...] = DEFAULT_DTYPES
) -> CompileSummary:
    """Compile every kernel that the public functions run on images of `dtypes`, into Numba's cache.

    Each public function (downsample with each method, interpolate with each mode, pooling, the filters) runs on
    small images of each dtype in torch layout and channels last, at scales that take each of its code paths, and
    each kernel that runs gets its parallel compilation too (the one that calls on large images run). Operations
    that refuse a dtype (bilateral_blur on integers) are skipped for it. Later processes that use the same cache
    (the same user, and the same NUMBA_CACHE_DIR or none) load every kernel instead of compiling it.

    Args:
        progress: called after each step with a CompileStep (for a counter or one line per step).
        dtypes: names of NumPy dtypes (integers, float16, float32, float64); default DEFAULT_DTYPES.

    Returns:
        A CompileSummary: kernels compiled now, kernels found in the cache, seconds.

    Raises:
        TypeError: dtypes is not a sequence of dtype names.
        ValueError: a dtype that no operation takes (bool, complex, ...).
    """
    images = [_sample_images(dtype) for dtype in check_dtypes(dtypes)]
    steps = [(f"{name} {images_of[0][0].dtype}", run, images_of) for images_of in images for name, run in _operations()]
    start = time.perf_counter()
    compiled = loaded = 0
    for done, (name, run, images_of) in enumerate(steps, 1):
        step_start = time.perf_counter()
        before = _cache_counts()
        for image, channel_axis in images_of:
            try:
                run(image, channel_axis)
            except TypeError:  # the operation refuses this dtype (its documented TypeError)
                break
        compile_parallel_variants()
        after = _cache_counts()
        step_compiled, step_loaded = after[0] - before[0], after[1] - before[1]
        compiled, loaded = compiled + step_compiled, loaded + step_loaded
        if progress is not None:
            seconds = time.perf_counter() - step_start
            progress(CompileStep(done, len(steps), name, step_compiled, step_loaded, seconds))
    return CompileSummary(compiled, loaded, time.perf_counter() - start)


def check_dtypes(dtypes: object) -> list[np.dtype]:
    """The dtypes named by `dtypes` (a tuple or list of names such as 'uint8'), or a TypeError / ValueError naming
    the argument (compile_all's; antialias-np compile --dtypes)."""
    if isinstance(dtypes, str) or not isinstance(dtypes, (tuple, list)):
        raise TypeError(f"dtypes must be a tuple of dtype names such as {DEFAULT_DTYPES!r}, got {dtypes!r}")
    checked = []
    for name in dtypes:
        try:
            dtype = np.dtype(name)
        except TypeError:
            raise ValueError(f"dtypes holds {name!r}, which is not a NumPy dtype; give names such as 'uint8'") from None
        if dtype not in NATIVE_DTYPES:
            raise ValueError(f"dtypes holds {name!r}: images are integers, float16, float32 or float64")
        checked.append(dtype)
    return checked


def _sample_images(dtype: np.dtype) -> list[tuple[np.ndarray, int | None]]:
    """(image, channel_axis) pairs of `dtype`: a batch in torch layout, and channels-last images of each count of
    CHANNELS, 64 x 64 (every scale of _operations keeps a pixel)."""
    rng = np.random.default_rng(0)
    values = rng.random((2, 3, 64, 64)) * (255 if dtype.kind in "iu" else 1)
    images: list[tuple[np.ndarray, int | None]] = [(values.astype(dtype), None)]
    for channels in CHANNELS:
        images.append((np.ascontiguousarray(np.moveaxis(values[:, :channels], 1, -1)).astype(dtype), -1))
    return images


def _operations() -> list[tuple[str, Callable[[np.ndarray, int | None], object]]]:
    """(name, run(image, channel_axis)) for each public operation, each run taking the operation's code paths for
    an image: several scales (integer box windows sum in float32 or float64 by their size), downsampling and
    upsampling, the filters' kernel sizes."""
    import antialias_np as aa
    from antialias_np.resample import MODES

    def downsample(method: str) -> Callable[[np.ndarray, int | None], object]:
        scales = (1 / 2, 1 / 4, 1 / 16) if method != "bilateral" else (1 / 4,)  # bilateral: the same kernel
        return lambda x, axis: [aa.downsample(x, scale, method, channel_axis=axis) for scale in scales]

    def interpolate(mode: str) -> Callable[[np.ndarray, int | None], object]:
        antialias = {"bilinear": (False, True), "bicubic": (False, True), "lanczos": (True,)}.get(mode, (False,))
        return lambda x, axis: [aa.interpolate(x, scale_factor=scale, mode=mode, antialias=flag, channel_axis=axis)
                                for scale in (0.3, 2.0) for flag in antialias]  # fmt: skip

    operations = [(f"downsample {method}", downsample(method)) for method in aa.METHODS + aa.EXTRA_METHODS]
    operations += [(f"interpolate {mode}", interpolate(mode)) for mode in MODES]
    operations += [
        ("avg_pool2d", lambda x, axis: aa.avg_pool2d(x, 3, 2, 1, channel_axis=axis)),
        ("adaptive_avg_pool2d", lambda x, axis: aa.adaptive_avg_pool2d(x, (5, 7), channel_axis=axis)),
        ("median_blur", lambda x, axis: [aa.median_blur(x, k, channel_axis=axis) for k in (3, 5)]),
        ("bilateral_blur", lambda x, axis: aa.bilateral_blur(x, 5, 0.1, 1.5, channel_axis=axis)),
    ]
    return operations


def compile_parallel_variants() -> None:
    """Compile (or load from the cache) the parallel variant of every kernel for each signature its serial variant
    has in this process: what the first calls large enough for threads would compile."""
    for kernel in _plane_kernels():
        for signature in kernel.serial.signatures:
            if signature not in kernel.parallel.signatures:
                kernel.parallel.compile(signature)


def _plane_kernels() -> Iterator[PlaneKernel]:
    from antialias_np._kernels import PlaneKernel

    for module in _package_modules():
        yield from (value for value in vars(module).values() if isinstance(value, PlaneKernel))


def dispatchers() -> list[Any]:  # Numba's Dispatcher objects (Numba is untyped)
    """Every Numba dispatcher of the package's imported modules (plane kernels' serial and parallel ones too)."""
    from numba.core.dispatcher import Dispatcher

    from antialias_np._kernels import PlaneKernel

    found = {}
    for module in _package_modules():
        for value in vars(module).values():
            for dispatcher in (value.serial, value.parallel) if isinstance(value, PlaneKernel) else (value,):
                if isinstance(dispatcher, Dispatcher):
                    found[id(dispatcher)] = dispatcher
    return list(found.values())


def _package_modules() -> list[ModuleType]:
    return [module for name, module in list(sys.modules.items()) if name.startswith("antialias_np.")]


def _cache_counts() -> tuple[int, int]:
    """(signatures compiled, signatures loaded from the cache) by every dispatcher so far in this process."""
    stats = [dispatcher.stats for dispatcher in dispatchers()]
    return sum(len(s.cache_misses) for s in stats), sum(len(s.cache_hits) for s in stats)

