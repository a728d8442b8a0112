"""The other libraries, optional and imported only when asked for, one thread each: torch, kornia, OpenCV and
Pillow; the machine and versions a run reports; and the peers' calls that compute (nearly) a method's result."""

from __future__ import annotations

import dataclasses
import importlib
import os
import platform
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmark.protocol import SMALL_SIZE, STEP


@dataclasses.dataclass
class Peers:
    """The optional libraries that are installed (None when not, or with --no-compare)."""

    torch: object = None
    kornia: object = None
    cv2: object = None
    pil_image: object = None


def load_peers(skip: bool) -> Peers:
    if skip:
        return Peers()
    return Peers(_optional("torch"), _optional("kornia"), _optional("cv2"), _optional("PIL.Image"))


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def pin_threads(peers: Peers) -> None:
    """One thread for Numba, torch and OpenCV. Call it after Numba has compiled and run: Numba's OpenMP layer,
    when it starts, can reset the thread count of the OpenMP runtime it shares with torch."""
    import numba

    numba.set_num_threads(1)
    if peers.torch is not None:
        peers.torch.set_num_threads(1)
    if peers.cv2 is not None:
        peers.cv2.setNumThreads(1)


def thread_counts(peers: Peers) -> dict[str, int]:
    import numba

    counts = {"numba": numba.get_num_threads()}
    if peers.torch is not None:
        counts["torch"] = peers.torch.get_num_threads()
    if peers.cv2 is not None:
        counts["opencv"] = peers.cv2.getNumThreads()
    return counts


def check_one_thread(peers: Peers) -> dict[str, object]:
    """The thread counts now; if one is not 1, pin again and say so (`repinned`)."""
    counts = thread_counts(peers)
    repinned = any(n != 1 for n in counts.values())
    if repinned:
        pin_threads(peers)
    return {**counts, "repinned": repinned}


def environment(peers: Peers) -> dict[str, object]:
    import numba

    try:
        threading_layer = numba.threading_layer()
    except ValueError:
        threading_layer = "not started"
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threading_layer": threading_layer,
    }
    for name, module in (("torch", peers.torch), ("kornia", peers.kornia), ("opencv", peers.cv2)):
        if module is not None:
            versions[name] = module.__version__
    if peers.pil_image is not None:
        import PIL

        versions["pillow"] = PIL.__version__
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "logical_cpus": os.cpu_count(), "usable_cpus": usable, "load_1min": load, **versions}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def max_abs_diff(a: np.ndarray, b: np.ndarray, interior: bool = False) -> float:
    """max |a - b| of two results of one call (b reshaped to a's shape), over all pixels or without the outer row
    and column of each side."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64).reshape(np.shape(a))
    if interior:
        a, b = a[..., 1:-1, 1:-1], b[..., 1:-1, 1:-1]
    return float(np.max(np.abs(a - b)))


def peer_runners(method: str, dtype: str, frame: np.ndarray, peers: Peers) -> dict[str, tuple[Callable, Callable]]:
    """Other libraries computing the method's result on a frame of `dtype`, or one close to it (their names say
    "similar, not equal" where the filter differs): name -> (run, as_chw). run() works on the frame already in
    the library's own layout (the conversion is not timed); as_chw(result) gives a (3, 64, 64) array to compare."""
    runners = {}
    if peers.cv2 is not None and dtype == "float32":
        runners.update(opencv_runners(peers.cv2, method, np.ascontiguousarray(frame.transpose(1, 2, 0))))
    if peers.pil_image is not None:
        runners.update(pillow_runners(peers.pil_image, method, dtype, frame))
    return runners


def opencv_runners(cv2, method: str, hwc: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    """OpenCV on an (H, W, 3) float32 image. Its median replicates the border where kornia reflects, and its
    bilateral filter with d=5 weighs a disc of 13 pixels, not the 5 x 5 square: similar results, not equal ones."""
    size = (SMALL_SIZE, SMALL_SIZE)
    calls = {
        "gaussian": (
            "OpenCV GaussianBlur 13x13 + slice",
            lambda: cv2.GaussianBlur(hwc, (13, 13), 1.5, borderType=cv2.BORDER_CONSTANT)[::STEP, ::STEP],
        ),
        "subsample": ("OpenCV INTER_NEAREST", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_NEAREST)),
        "nearest": ("OpenCV INTER_NEAREST", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_NEAREST)),
        "area": ("OpenCV INTER_AREA", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_AREA)),
        "avgpool": ("OpenCV INTER_AREA", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_AREA)),
        "median": (
            "OpenCV medianBlur 3 + slice (similar, not equal: replicate border)",
            lambda: cv2.medianBlur(hwc, 3)[::STEP, ::STEP],
        ),
        "bilateral": (
            "OpenCV bilateralFilter d=5 + slice (similar, not equal: 13-pixel disc)",
            lambda: cv2.bilateralFilter(hwc, 5, 0.1, 1.5)[::STEP, ::STEP],
        ),
    }
    if method not in calls:
        return {}
    name, run = calls[method]
    return {name: (run, lambda out: out.transpose(2, 0, 1))}


def pillow_runners(image_module, method: str, dtype: str, chw: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    """Pillow: bicubic and bilinear resize (antialiased), and reduce(4) for area and avgpool. float32 as three
    mode 'F' images, uint8 as one RGB image."""
    filters = {"bicubic": image_module.Resampling.BICUBIC, "bilinear": image_module.Resampling.BILINEAR}
    size = (SMALL_SIZE, SMALL_SIZE)
    if dtype == "uint8":
        if method not in filters:
            return {}
        rgb = image_module.fromarray(np.ascontiguousarray(chw.transpose(1, 2, 0)))
        run = lambda: rgb.resize(size, filters[method])  # noqa: E731
        return {f"Pillow {method.upper()} RGB": (run, lambda out: np.asarray(out).transpose(2, 0, 1))}
    planes = [image_module.fromarray(plane) for plane in chw]
    as_chw = lambda out: np.stack([np.asarray(plane) for plane in out])  # noqa: E731
    if method in filters:
        run = lambda: [plane.resize(size, filters[method]) for plane in planes]  # noqa: E731
        return {f"Pillow {method.upper()} F": (run, as_chw)}
    if method in ("area", "avgpool"):
        return {"Pillow reduce(4) F": (lambda: [plane.reduce(STEP) for plane in planes], as_chw)}
    return {}
