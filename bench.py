"""Benchmark of antialias_np: the FOMM downsampling study's table, and how fast each method runs.

    python bench.py                     the study's table: keypoint error and time of the nine methods, on
                                        synthetic face frames with the analytic detector (antialias_np.evaluate);
                                        needs neither torch nor a trained model
    python bench.py --quick             the same in seconds (4 frames, few repeats): a smoke test
    python bench.py --frames DIR_OR_VIDEO --checkpoint kp_detector.npz
                                        the study's exact protocol: FOMM's trained keypoint detector
                                        (antialias_np.fomm; make the .npz with `python -m antialias_np.fomm
                                        convert vox-cpk.pth.tar kp_detector.npz`) on your frames; a video
                                        (.mp4, ...) needs PyAV: pip install "antialias_np[video]". Without
                                        --checkpoint, the analytic detector (made for the synthetic faces)
                                        is used and its points are labelled "point k", not landmarks
    python bench.py --speed [--scaling] [--threads] [--cold]
                                        the speed tables: microseconds per frame against torch and the fastest
                                        other library (OpenCV, Pillow) that computes the same thing, one thread
                                        each; --scaling, --threads and --cold add sections (and imply --speed)

The study's error (baseline b = method "gaussian", FOMM's own): (1/N) sum over N frames of sum over the 10
keypoints of ||b_k - t_k||_2, in the detector's [-1, 1] coordinates. Times are medians of repeated calls on one
3 x 256 x 256 float32 frame after warm-up, with one thread for every library. torch, kornia, OpenCV and Pillow
are optional (`pip install antialias_np[compare]`): without them their columns show "-".

Results are printed as markdown and written to --out (default ./bench_results): study.md, study.json and
figure.png, or speed.md and speed.json.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import gc
import importlib
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import antialias_np
from antialias_np import evaluate
from antialias_np._checks import CommandError, CommandLineParser, check_input_file, first_line

SCALE = 0.25
STEP = 4
FRAME_SIZE = 256
METHODS = antialias_np.METHODS
BASELINE = "gaussian"

STUDY = {
    "gaussian": (0.0, 3.25),
    "subsample": (0.0653, 0.11),
    "nearest": (0.0653, 0.37),
    "bicubic": (0.1728, 1.12),
    "bilinear": (0.1711, 0.85),
    "area": (0.1729, 0.44),
    "avgpool": (0.0786, 0.31),
    "median": (0.0689, 56.9),
    "bilateral": (0.0395, 95.5),
}
"""The study's published numbers per method: (keypoint error against the baseline, ms per frame on an i7-8700K)."""

SPEED_TARGETS_US = {
    "gaussian": 30,
    "subsample": 10,
    "nearest": 10,
    "bicubic": 60,
    "bilinear": 40,
    "area": 30,
    "avgpool": 30,
    "median": 50,
    "bilateral": 250,
}
"""Issue 3's targets: antialias_np at most this many microseconds per 3 x 256 x 256 float32 frame, one thread.
For uint8 (bicubic and bilinear) the target is to be no slower than Pillow on the same image."""
SPEED_TARGET_RATIOS = {
    "gaussian": (150, 8),
    "subsample": (None, 0.5),
    "nearest": (None, 0.5),
    "bicubic": (4, 7),
    "bilinear": (5, 6),
    "area": (None, 2),
    "avgpool": (None, 2),
    "median": (30, 2),
    "bilateral": (15, 4),
}
"""What issue 3's time targets meant on its machine: (torch / ours, fastest peer / ours) at least these (None:
no ratio asked; 0.5 is "within 2x of OpenCV"). Ratios in one run do not depend on the machine's speed as much."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    title, usage = __doc__.split("\n\n", 1)
    parser = CommandLineParser(
        description=title,
        epilog=usage + "\nExit status: 2 for a usage error (a wrong option, a missing file), 1 for a data error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("bench_results"), metavar="DIR", help="output directory")
    parser.add_argument("--quick", action="store_true", help="few frames and repeats: finishes in seconds")
    parser.add_argument("--no-compare", action="store_true", help="skip torch, kornia, OpenCV, Pillow if installed")
    parser.add_argument("--repeats", type=int, metavar="N", help="timed repeats (default 7; --speed 11; --quick 3)")
    study = parser.add_argument_group("the study's table (the default)")
    study.add_argument("--frames", type=Path, metavar="PATH", help='a folder of images or a video, not synthetic '
                       '(videos need PyAV: pip install "antialias_np[video]")')
    study.add_argument("--checkpoint", type=Path, metavar="FILE.npz", help="use FOMM's detector with these weights")
    study.add_argument("--n-frames", type=int, metavar="N", help="synthetic frames, or most frames read (64)")
    study.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames (0)")
    speed = parser.add_argument_group("speed")
    speed.add_argument("--speed", action="store_true", help="the speed table: antialias_np, torch, fastest peer")
    speed.add_argument("--scaling", action="store_true", help="add time against size and batch, 2 threads vs 1")
    speed.add_argument(
        "--threads", action="store_true", help="add default threads vs one, idle and with busy-loop processes (~3 min)"
    )
    speed.add_argument("--cold", action="store_true", help="add import time, first call, compile time (~2 min)")
    args = parser.parse_args(argv)
    args.speed = args.speed or args.scaling or args.threads or args.cold
    if args.n_frames is None:
        args.n_frames = 4 if args.quick else 64
    if args.repeats is None:
        args.repeats = 3 if args.quick else 11 if args.speed else 7
    if args.n_frames < 1 or args.repeats < 1:
        parser.error("--n-frames and --repeats must be >= 1")
    if args.frames is not None and not args.frames.exists():
        parser.error(f"--frames {args.frames} does not exist; give a folder of images or a video")
    if args.checkpoint is not None:
        try:
            check_input_file(args.checkpoint, "--checkpoint", "an .npz made by python -m antialias_np.fomm convert")
        except CommandError as error:
            parser.error(str(error))
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Measuring time


@dataclasses.dataclass
class Timing:
    """Seconds per call: the median over repeats, the quartiles and extremes; minor page faults per call."""

    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float
    faults_per_call: float | None


def measure(function: Callable[[], object], repeats: int, repeat_time: float) -> Timing:
    """Time function(): warm up, then `repeats` repeats of as many calls as fill `repeat_time` seconds.

    Each repeat gives one mean time per call; garbage collection is off while timing, as in timeit.
    """
    for _ in range(2):
        function()
    start = time.perf_counter()
    function()
    calls = max(1, int(repeat_time / max(time.perf_counter() - start, 1e-9)))
    per_call = []
    faults_before = _minor_faults()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                function()
            per_call.append((time.perf_counter() - start) / calls)
    finally:
        gc.enable()
    faults = _minor_faults()
    faults_per_call = None if faults is None else (faults - faults_before) / (repeats * calls)
    q1, median, q3 = np.percentile(per_call, [25, 50, 75])
    return Timing(median, q1, q3, min(per_call), max(per_call), faults_per_call)


def _minor_faults() -> int | None:
    """This process's minor page faults so far (None where the resource module does not exist)."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


# ---------------------------------------------------------------------------------------------------------------
# Other libraries: optional, imported only when asked for, one thread each


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


def torch_pipelines(peers: Peers) -> dict[str, Callable]:
    """The study's pipelines in torch / kornia, by method name, on an (N, 3, 256, 256) tensor.

    gaussian is FOMM's AntiAliasInterpolation2d(3, 0.25) (modules/util.py), written out; median and bilateral
    need kornia and are missing without it.
    """
    torch = peers.torch
    functional = torch.nn.functional
    sigma = (1 / SCALE - 1) / 2
    size = 2 * round(sigma * 4) + 1
    grid = torch.arange(size, dtype=torch.float32)
    profile = torch.exp(-((grid - (size - 1) / 2) ** 2) / (2 * sigma**2))
    kernel = profile[:, None] * profile[None, :]
    weight = (kernel / kernel.sum()).view(1, 1, size, size).repeat(3, 1, 1, 1)
    pad = size // 2
    small = (FRAME_SIZE // STEP, FRAME_SIZE // STEP)
    pipelines = {
        "gaussian": lambda x: functional.conv2d(functional.pad(x, (pad,) * 4), weight, groups=3)[:, :, ::STEP, ::STEP],
        "subsample": lambda x: x[:, :, ::STEP, ::STEP],
        "nearest": lambda x: functional.interpolate(x, scale_factor=SCALE, mode="nearest"),
        "bicubic": lambda x: functional.interpolate(x, size=small, mode="bicubic", align_corners=False, antialias=True),
        "bilinear": lambda x: functional.interpolate(
            x, size=small, mode="bilinear", align_corners=False, antialias=True
        ),
        "area": lambda x: functional.interpolate(x, size=small, mode="area"),
        "avgpool": lambda x: functional.avg_pool2d(x, STEP),
    }
    if peers.kornia is not None:
        filters = peers.kornia.filters
        pipelines["median"] = lambda x: filters.median_blur(x, 3, border_type="reflect")[:, :, ::STEP, ::STEP]
        pipelines["bilateral"] = lambda x: filters.bilateral_blur(
            x, 5, 0.1, (1.5, 1.5), border_type="reflect", color_distance_type="l1"
        )[:, :, ::STEP, ::STEP]
    return pipelines


# ---------------------------------------------------------------------------------------------------------------
# Frames

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def load_frames(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(frames (N, 3, 256, 256) float32 in [0, 1], ground-truth landmarks or None, a description)."""
    if args.frames is None:
        frames, truth = evaluate.synthetic_frames(args.n_frames, FRAME_SIZE, seed=args.seed)
        return frames, truth, f"{len(frames)} synthetic frames (antialias_np.evaluate, seed {args.seed})"
    frames = read_frames(args.frames, args.n_frames)
    return frames, None, f"{len(frames)} frames of {args.frames}"


def read_frames(path: Path, limit: int) -> np.ndarray:
    """Up to `limit` frames of a folder of images (sorted by name) or of a video, as study frames."""
    import imageio.v3 as iio

    video = not path.is_dir() and path.suffix.lower() not in IMAGE_SUFFIXES

    def images():
        if path.is_dir():
            yield from (iio.imread(p) for p in sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        elif video:
            yield from iio.imiter(path, plugin="pyav")  # the optional extra's PyAV
        else:
            yield iio.imread(path)

    try:
        frames = [study_frame(image) for image in itertools.islice(images(), limit)]
    except ImportError as error:  # imageio's plugins raise it when their library is missing
        if video:
            raise CommandError(f'cannot read the video {path}: videos need PyAV, pip install "antialias_np[video]"',
                               2) from None  # fmt: skip
        raise CommandError(f"cannot read {path}: {first_line(error)}", 1) from None
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read {path}: {first_line(error)}", 1) from None
    if not frames:
        raise CommandError(f"no frames in {path}; give a folder of images ({', '.join(sorted(IMAGE_SUFFIXES))}) "
                           f"or a video", 1)  # fmt: skip
    return np.stack(frames)


def study_frame(image: np.ndarray) -> np.ndarray:
    """An image (H, W) or (H, W, C) of any size -> (3, 256, 256) float32 RGB in [0, 1]: centre-cropped to a square,
    then resized by antialias_np.interpolate (bilinear, antialiased as Pillow does)."""
    image = np.asarray(image)
    scale = np.iinfo(image.dtype).max if image.dtype.kind in "iu" else 1.0
    image = np.atleast_3d(image.astype(np.float32) / scale)[..., :3]
    image = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
    side = min(image.shape[:2])
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    square = np.ascontiguousarray(image[top : top + side, left : left + side].transpose(2, 0, 1))
    if side != FRAME_SIZE:
        square = antialias_np.interpolate(square, size=FRAME_SIZE, mode="bilinear", antialias=True)
    return np.clip(square, 0, 1)


# ---------------------------------------------------------------------------------------------------------------
# The study's table


def run_study(args: argparse.Namespace) -> None:
    detector, detector_description = make_detector(args.checkpoint, synthetic_frames=args.frames is None)
    frames, truth, frames_description = load_frames(args)
    progress(f"{frames_description}; {detector_description}")
    small, keypoints = study_keypoints(frames, detector)
    if truth is not None and args.checkpoint is not None:
        truth = None  # FOMM's keypoints are its own, not the synthetic landmarks
    errors = study_errors(keypoints, truth)

    peers = load_peers(args.no_compare)
    pin_threads(peers)  # after study_keypoints has compiled and run every method
    timings = study_timings(frames[:1], peers, args)

    rows = [
        {"method": m, **errors[m], **timings[m], "study_error": STUDY[m][0], "study_ms": STUDY[m][1]} for m in METHODS
    ]
    settings = {"frames": frames_description, "detector": detector_description, "repeats": args.repeats}
    result = {"command": command_line(), "environment": environment(peers), "settings": settings, "rows": rows}
    names = keypoint_names(detector, synthetic_frames=args.frames is None)
    result["figure"] = {"file": "figure.png", "panels": list(METHODS), "keypoints": list(names)}
    markdown = study_markdown(result)
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, "study", result, markdown)
    write_png(args.out / "figure.png", figure(small, keypoints, {m: errors[m]["error_vs_baseline"] for m in METHODS}))
    progress(f"wrote {args.out / 'study.md'}, study.json and figure.png")


def make_detector(checkpoint: Path | None, synthetic_frames: bool):
    """FOMM's detector from an .npz checkpoint, else the analytic one; and a description, which says when the
    analytic detector runs on frames it was not made for."""
    if checkpoint is None:
        description = "analytic landmark detector (antialias_np.evaluate.AnalyticDetector)"
        if not synthetic_frames:
            description = (
                "analytic detector (antialias_np.evaluate.AnalyticDetector), made for the synthetic face frames: "
                "on these frames its points are dark blobs in fixed windows, not landmarks (labelled point 0-9); "
                "pass --checkpoint for FOMM's detector"
            )
        return evaluate.AnalyticDetector(), description
    from antialias_np.fomm import KPDetector

    try:
        detector = KPDetector.load(checkpoint)
    except Exception as error:  # np.load raises many types for a file that is not an .npz (EOFError, ...)
        raise CommandError(
            f"--checkpoint {checkpoint} is not an .npz of FOMM's kp_detector arrays ({first_line(error)}); make one "
            f"with python -m antialias_np.fomm convert vox-cpk.pth.tar kp_detector.npz", 1
        ) from None
    return detector, f"FOMM keypoint detector {checkpoint} (antialias_np.fomm.KPDetector)"


def keypoint_names(detector, synthetic_frames: bool) -> tuple[str, ...]:
    """The synthetic face's landmark names where the analytic detector finds them; else neutral names."""
    if isinstance(detector, evaluate.AnalyticDetector) and synthetic_frames:
        return evaluate.LANDMARK_NAMES
    return tuple(f"{'point' if isinstance(detector, evaluate.AnalyticDetector) else 'keypoint'} {k}"
                 for k in range(10))  # fmt: skip


def study_keypoints(frames: np.ndarray, detector) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per method: the first frame downsampled (3, 64, 64), and the keypoints of every frame (N, 10, 2)."""
    first, keypoints = {}, {}
    for i, method in enumerate(METHODS, 1):
        start = time.perf_counter()
        small = antialias_np.downsample(frames, SCALE, method)
        keypoints[method] = detector.predict_from_downsampled(small)["value"]
        first[method] = small[0]
        progress(
            f"[{i}/{len(METHODS)}] {method}: keypoints of {len(frames)} frames in {time.perf_counter() - start:.2f} s"
        )
    return first, keypoints


def study_errors(keypoints: dict[str, np.ndarray], truth: np.ndarray | None) -> dict[str, dict[str, float | None]]:
    """Per method: the study's error against the baseline's keypoints, and against the ground truth if known."""
    errors = {}
    for method in METHODS:
        to_truth = None if truth is None else evaluate.keypoint_error(truth, keypoints[method])
        errors[method] = {
            "error_vs_baseline": evaluate.keypoint_error(keypoints[BASELINE], keypoints[method]),
            "error_vs_truth": to_truth,
        }
    return errors


def study_timings(frame: np.ndarray, peers: Peers, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """Per method: antialias_np and torch ms per (1, 3, 256, 256) frame, and the speedup."""
    repeat_time = 0.002 if args.quick else 0.02
    pipelines = torch_pipelines(peers) if peers.torch is not None else {}
    tensor = peers.torch.from_numpy(frame) if peers.torch is not None else None
    timings = {}
    for i, method in enumerate(METHODS, 1):
        ours = measure(functools.partial(antialias_np.downsample, frame, SCALE, method), args.repeats, repeat_time)
        row = {"antialias_np_ms": ours.median * 1e3, "antialias_np_ms_iqr": [ours.q1 * 1e3, ours.q3 * 1e3]}
        theirs = None
        if method in pipelines:
            theirs = measure(functools.partial(pipelines[method], tensor), args.repeats, repeat_time)
        row["torch_ms"] = None if theirs is None else theirs.median * 1e3
        row["torch_ms_iqr"] = None if theirs is None else [theirs.q1 * 1e3, theirs.q3 * 1e3]
        row["speedup"] = None if theirs is None else theirs.median / ours.median
        timings[method] = row
        progress(
            f"[{i}/{len(METHODS)}] {method}: {fmt(row['antialias_np_ms'], 3)} ms, torch {fmt(row['torch_ms'], 3)} ms"
        )
    return timings


def study_markdown(result: dict) -> str:
    settings, env = result["settings"], result["environment"]
    header = [
        "method",
        "error vs baseline",
        "error vs truth",
        "antialias_np ms",
        "torch ms",
        "speedup",
        "study error",
        "study ms (i7-8700K)",
    ]
    rows = [
        [
            r["method"],
            fmt(r["error_vs_baseline"], 4),
            fmt(r["error_vs_truth"], 4),
            fmt(r["antialias_np_ms"], 3),
            fmt(r["torch_ms"], 3),
            fmt(r["speedup"], 1, "x"),
            fmt(r["study_error"], 4),
            fmt(r["study_ms"], 2),
        ]
        for r in result["rows"]
    ]
    legend = ", ".join(f"{i + 1} {name}" for i, name in enumerate(result["figure"]["keypoints"]))
    return "\n".join(
        [
            "## The study's table",
            "",
            f"{settings['frames']}; {settings['detector']}.",
            f"Error: (1/N) sum over frames of sum over the 10 keypoints of ||baseline - method||_2 in [-1, 1]; "
            f"baseline = {BASELINE}. Time: median of {settings['repeats']} repeats, one 3x256x256 float32 frame, "
            f"one thread per library, on {env['cpu']}; speedup = torch ms / antialias_np ms.",
            "",
            markdown_table(header, rows),
            "",
            f"`{result['command']}`",
            "",
            f"figure.png: the first frame downsampled by each method, magnified {ZOOM}x, in reading order "
            f"({', '.join(result['figure']['panels'])}); crosses: the method's keypoints, coloured by index "
            f"({legend}); white dots: the baseline's keypoints.",
        ]
    )


# ---------------------------------------------------------------------------------------------------------------
# The figure: every method's downsampled frame, magnified, with its keypoints

ZOOM = 4
COLUMNS = 3
GAP = 6
TITLE_HEIGHT = 16
PALETTE = np.array(
    [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (255, 255, 0),
        (188, 189, 34),
        (23, 190, 207),
    ],
    dtype=np.uint8,
)
"""One colour per keypoint index."""

FONT = {  # 3 x 5 pixel glyphs
    "A": (".#.", "#.#", "###", "#.#", "#.#"),
    "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"),
    "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"),
    "G": (".##", "#..", "#.#", "#.#", ".##"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"),
    "N": ("##.", "#.#", "#.#", "#.#", "#.#"),
    "O": (".#.", "#.#", "#.#", "#.#", ".#."),
    "P": ("##.", "#.#", "##.", "#..", "#.."),
    "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."),
    "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"),
    "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("##.", "..#", ".#.", "#..", "###"),
    "3": ("##.", "..#", ".#.", "..#", "##."),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "##.", "..#", "##."),
    "6": (".##", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "##."),
    ".": ("...", "...", "...", "...", ".#."),
    " ": ("...", "...", "...", "...", "..."),
}


def figure(small: dict[str, np.ndarray], keypoints: dict[str, np.ndarray], errors: dict[str, float]) -> np.ndarray:
    """An RGB uint8 image: for each method, in METHODS order on a 3-column grid, its first frame (3, 64, 64)
    magnified ZOOM times (nearest), titled with its name and error, its keypoints as coloured crosses and the
    baseline's as white dots."""
    panels = [panel(small[m], keypoints[m][0], keypoints[BASELINE][0], f"{m} {errors[m]:.3f}".upper()) for m in METHODS]
    height, width = panels[0].shape[:2]
    rows = -(-len(panels) // COLUMNS)
    canvas = np.full((rows * (height + GAP) + GAP, COLUMNS * (width + GAP) + GAP, 3), 30, dtype=np.uint8)
    for i, image in enumerate(panels):
        top, left = GAP + (i // COLUMNS) * (height + GAP), GAP + (i % COLUMNS) * (width + GAP)
        canvas[top : top + height, left : left + width] = image
    return canvas


def panel(small: np.ndarray, points: np.ndarray, baseline_points: np.ndarray, title: str) -> np.ndarray:
    image = np.round(np.clip(small.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
    image = image.repeat(ZOOM, axis=0).repeat(ZOOM, axis=1)
    for k, point in enumerate(points):
        draw_cross(image, zoomed_pixel(point, small.shape[-1]), PALETTE[k % len(PALETTE)])
    for point in baseline_points:
        row, col = zoomed_pixel(point, small.shape[-1])
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            image[row, col] = 255
    bar = np.zeros((TITLE_HEIGHT, image.shape[1], 3), dtype=np.uint8)
    draw_text(bar, title, top=3, left=4, scale=2)
    return np.concatenate([bar, image])


def zoomed_pixel(point: np.ndarray, grid_size: int) -> tuple[int, int]:
    """(row, column) in the magnified image of an (x, y) keypoint in [-1, 1]: grid pixel g = (v + 1)(w - 1)/2
    covers magnified pixels ZOOM g .. ZOOM g + ZOOM - 1, centred at ZOOM g + (ZOOM - 1)/2."""
    x, y = (np.asarray(point) + 1) * (grid_size - 1) / 2 * ZOOM + (ZOOM - 1) / 2
    return round(y), round(x)


def draw_cross(image: np.ndarray, centre: tuple[int, int], colour: np.ndarray, arm: int = 3) -> None:
    row, col = centre
    for d in range(-arm, arm + 1):
        for r, c in ((row + d, col), (row, col + d)):
            if 0 <= r < image.shape[0] and 0 <= c < image.shape[1]:
                image[r, c] = colour


def draw_text(image: np.ndarray, text: str, top: int, left: int, scale: int) -> None:
    """White FONT text; characters it lacks are left blank."""
    for i, char in enumerate(text):
        glyph = np.array([[c == "#" for c in row] for row in FONT.get(char, FONT[" "])])
        mask = glyph.repeat(scale, axis=0).repeat(scale, axis=1)
        x = left + i * 4 * scale
        region = image[top : top + mask.shape[0], x : x + mask.shape[1]]
        region[mask[: region.shape[0], : region.shape[1]]] = 255


def write_png(path: Path, image: np.ndarray) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, image)


# ---------------------------------------------------------------------------------------------------------------
# Speed


@dataclasses.dataclass(frozen=True)
class Case:
    """A row of the speed table: a method on one 3 x 256 x 256 frame of a dtype."""

    method: str
    dtype: str = "float32"

    @property
    def name(self) -> str:
        return self.method if self.dtype == "float32" else f"{self.method} {self.dtype}"


SPEED_CASES = (*(Case(m) for m in METHODS), Case("bicubic", "uint8"), Case("bilinear", "uint8"))

SCALING_METHODS = ("gaussian", "bilinear", "area", "median")
SCALING_SIZES = (256, 512, 1024, 2048)
SCALING_BATCHES = (1, 4, 8, 16, 32)
THREAD_BATCHES = (8, 32)
BUSY_METHODS = ("gaussian", "median")
BUSY_BATCHES = (1, 8, 32)
BUSY_ROUNDS = 3


def run_speed(args: argparse.Namespace) -> None:
    frames, _ = evaluate.synthetic_frames(1, FRAME_SIZE, seed=args.seed)
    inputs = {"float32": frames, "uint8": np.round(frames * 255).astype(np.uint8)}
    progress("compiling every method")
    for case in SPEED_CASES:
        antialias_np.downsample(inputs[case.dtype], SCALE, case.method)
    peers = load_peers(args.no_compare)
    pin_threads(peers)
    repeat_time = 0.002 if args.quick else 0.03
    rows = [speed_row(case, inputs[case.dtype], peers, args.repeats, repeat_time) for case in SPEED_CASES]
    result = {"command": command_line(), "environment": environment(peers), "repeats": args.repeats}
    result["rows"] = rows  # timings in seconds per call
    sections = [speed_markdown(result)]
    if args.scaling:
        result["scaling"] = scaling(args.repeats, repeat_time)
        result["threads"] = two_threads(args.repeats, repeat_time)
        sections += [scaling_markdown(result["scaling"]), threads_markdown(result["threads"])]
    if args.threads:
        result["busy"] = busy_machine(args.repeats, repeat_time, 1 if args.quick else BUSY_ROUNDS)
        sections.append(busy_markdown(result["busy"]))
    if args.cold:
        result["cold"] = cold_start(args.quick)
        sections.append(cold_markdown(result["cold"]))
    markdown = "\n\n".join(sections)
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, "speed", result, markdown)
    progress(f"wrote {args.out / 'speed.md'} and speed.json")


def speed_row(case: Case, frame: np.ndarray, peers: Peers, repeats: int, repeat_time: float) -> dict[str, object]:
    """antialias_np, torch and the fastest peer on one case: µs per frame, spread, page faults, max abs differences."""
    threads = check_one_thread(peers)
    ours = antialias_np.downsample(frame, SCALE, case.method)
    row = {"case": case.name, "method": case.method, "dtype": case.dtype}
    row["target_us"] = SPEED_TARGETS_US[case.method] if case.dtype == "float32" else None
    row["antialias_np"] = measure(
        functools.partial(antialias_np.downsample, frame, SCALE, case.method), repeats, repeat_time
    )
    pipelines = torch_pipelines(peers) if peers.torch is not None else {}
    reference, row["torch"] = None, None
    if case.method in pipelines:
        tensor = peers.torch.from_numpy(frame)
        reference = pipelines[case.method](tensor).numpy()
        row["torch"] = measure(functools.partial(pipelines[case.method], tensor), repeats, repeat_time)
    row["max_abs_diff_vs_torch"] = None if reference is None else max_abs_diff(ours, reference)
    row["peers"] = {}
    for name, (run, as_chw) in peer_runners(case, frame[0], peers).items():
        output = as_chw(run())
        row["peers"][name] = {
            "timing": measure(run, repeats, repeat_time),
            "max_abs_diff_vs_torch": None if reference is None else max_abs_diff(output, reference[0]),
            "max_abs_diff_interior": None if reference is None else max_abs_diff(output, reference[0], interior=True),
        }
    row["threads"] = {"before": threads, "after": thread_counts(peers)}
    torch_us = None if row["torch"] is None else row["torch"].median * 1e6
    progress(f"{case.name}: {row['antialias_np'].median * 1e6:.1f} µs, torch {fmt(torch_us, 1)} µs")
    return as_json(row)


def max_abs_diff(a: np.ndarray, b: np.ndarray, interior: bool = False) -> float:
    """max |a - b|, over all pixels or without the outer row and column of each side."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64).reshape(np.shape(a))
    if interior:
        a, b = a[..., 1:-1, 1:-1], b[..., 1:-1, 1:-1]
    return float(np.max(np.abs(a - b)))


def peer_runners(case: Case, frame: np.ndarray, peers: Peers) -> dict[str, tuple[Callable, Callable]]:
    """Other libraries computing the case's result: name -> (run, as_chw). run() works on the frame already in
    the library's own layout (the conversion is not timed); as_chw(result) gives a (3, 64, 64) array to compare."""
    runners = {}
    if peers.cv2 is not None and case.dtype == "float32":
        runners.update(opencv_runners(peers.cv2, case.method, np.ascontiguousarray(frame.transpose(1, 2, 0))))
    if peers.pil_image is not None:
        runners.update(pillow_runners(peers.pil_image, case, frame))
    return runners


def opencv_runners(cv2, method: str, hwc: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    """OpenCV on an (H, W, 3) float32 image; median replicates the border where kornia reflects."""
    size = (FRAME_SIZE // STEP, FRAME_SIZE // STEP)
    calls = {
        "gaussian": (
            "OpenCV GaussianBlur 13x13 + slice",
            lambda: cv2.GaussianBlur(hwc, (13, 13), 1.5, borderType=cv2.BORDER_CONSTANT)[::STEP, ::STEP],
        ),
        "subsample": ("OpenCV INTER_NEAREST", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_NEAREST)),
        "nearest": ("OpenCV INTER_NEAREST", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_NEAREST)),
        "area": ("OpenCV INTER_AREA", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_AREA)),
        "avgpool": ("OpenCV INTER_AREA", lambda: cv2.resize(hwc, size, interpolation=cv2.INTER_AREA)),
        "median": ("OpenCV medianBlur 3 + slice", lambda: cv2.medianBlur(hwc, 3)[::STEP, ::STEP]),
        "bilateral": (
            "OpenCV bilateralFilter d=5 + slice",
            lambda: cv2.bilateralFilter(hwc, 5, 0.1, 1.5)[::STEP, ::STEP],
        ),
    }
    if method not in calls:
        return {}
    name, run = calls[method]
    return {name: (run, lambda out: out.transpose(2, 0, 1))}


def pillow_runners(image_module, case: Case, chw: np.ndarray) -> dict[str, tuple[Callable, Callable]]:
    """Pillow: bicubic and bilinear resize (antialiased), and reduce(4) for area and avgpool. float32 as three
    mode 'F' images, uint8 as one RGB image."""
    filters = {"bicubic": image_module.Resampling.BICUBIC, "bilinear": image_module.Resampling.BILINEAR}
    size = (FRAME_SIZE // STEP, FRAME_SIZE // STEP)
    if case.dtype == "uint8":
        if case.method not in filters:
            return {}
        rgb = image_module.fromarray(np.ascontiguousarray(chw.transpose(1, 2, 0)))
        run = lambda: rgb.resize(size, filters[case.method])  # noqa: E731
        return {f"Pillow {case.method.upper()} RGB": (run, lambda out: np.asarray(out).transpose(2, 0, 1))}
    planes = [image_module.fromarray(plane) for plane in chw]
    as_chw = lambda out: np.stack([np.asarray(plane) for plane in out])  # noqa: E731
    if case.method in filters:
        run = lambda: [plane.resize(size, filters[case.method]) for plane in planes]  # noqa: E731
        return {f"Pillow {case.method.upper()} F": (run, as_chw)}
    if case.method in ("area", "avgpool"):
        return {"Pillow reduce(4) F": (lambda: [plane.reduce(STEP) for plane in planes], as_chw)}
    return {}


SPEED_HEADER = [
    "case",
    "antialias_np µs (IQR)",
    "target µs",
    "met",
    "ratio targets: torch, peer",
    "torch µs (IQR)",
    "torch / ours",
    "fastest peer",
    "peer µs",
    "peer / ours",
    "max diff, ours - torch",
    "max diff, peer - torch",
    "torch faults/call",
]


def speed_markdown(result: dict) -> str:
    env = result["environment"]
    threads = ", ".join(f"{k} {v}" for k, v in result["rows"][0]["threads"]["before"].items() if k != "repinned")
    notes = [note for row in result["rows"] for note in row_notes(row)]
    lines = [
        "## Speed: one 3x256x256 frame -> 64x64",
        "",
        f"{env['cpu']}, {env['usable_cpus']} usable CPUs (load average {fmt(env['load_1min'], 1)} at the end); "
        f"threads: {threads}; Numba threading layer {env['numba_threading_layer']}. Median of "
        f"{result['repeats']} repeats after warm-up (IQR in brackets). Ratios above 1: antialias_np is faster. "
        "Each library gets the frame in its own layout (torch NCHW tensor, OpenCV HWC, Pillow per-channel 'F' "
        "images or one RGB image); the conversion is not timed. torch's subsample returns a strided view, the "
        "others a new array. max diff: the largest absolute difference on this frame. uint8 target: no slower "
        "than Pillow.",
        "",
        markdown_table(SPEED_HEADER, [speed_cells(row) for row in result["rows"]]),
        "",
        f"`{result['command']}`",
    ]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def speed_cells(row: dict) -> list[str]:
    """One row of the speed table (times in the row are in seconds)."""
    ours, torch = row["antialias_np"], row["torch"]
    peer_name, peer = fastest_peer(row["peers"])
    return [
        row["case"],
        f"{fmt_us(ours['median'])} ({fmt_us(ours['q1'])}-{fmt_us(ours['q3'])})",
        fmt(row["target_us"], 0),
        meets_target(row, peer),
        ratio_targets(row, peer),
        "-" if torch is None else f"{fmt_us(torch['median'])} ({fmt_us(torch['q1'])}-{fmt_us(torch['q3'])})",
        "-" if torch is None else fmt(torch["median"] / ours["median"], 1, "x"),
        peer_name or "-",
        "-" if peer is None else fmt_us(peer["timing"]["median"]),
        "-" if peer is None else fmt(peer["timing"]["median"] / ours["median"], 1, "x"),
        fmt(row["max_abs_diff_vs_torch"], 2, style="g"),
        "-" if peer is None else peer_difference(peer),
        "-" if torch is None else fmt(torch["faults_per_call"], 0),
    ]


def meets_target(row: dict, peer: dict | None) -> str:
    """'yes' or 'no' against issue 3's time target, or for uint8 against Pillow; '-' when there is nothing to
    compare with."""
    ours = row["antialias_np"]["median"]
    if row["target_us"] is not None:
        return "yes" if ours * 1e6 <= row["target_us"] else "no"
    if peer is None:
        return "-"
    return "yes" if ours <= peer["timing"]["median"] else "no"


def ratio_targets(row: dict, peer: dict | None) -> str:
    """Issue 3's ratio targets for the case, each with yes or no: '>= 150x no, >= 8x no'; '-' where none applies."""
    if row["dtype"] != "float32":
        return "-"
    ours = row["antialias_np"]["median"]
    others = (row["torch"], None if peer is None else peer["timing"])
    cells = []
    for target, other in zip(SPEED_TARGET_RATIOS[row["method"]], others, strict=True):
        if target is None or other is None:
            cells.append("-")
        else:
            cells.append(f">= {fmt(target, 3, 'x', 'g')} {'yes' if other['median'] / ours >= target else 'no'}")
    return ", ".join(cells)


def fastest_peer(peers: dict) -> tuple[str | None, dict | None]:
    if not peers:
        return None, None
    name = min(peers, key=lambda n: peers[n]["timing"]["median"])
    return name, peers[name]


def peer_difference(peer: dict) -> str:
    """The peer's max difference to torch, and its interior's when only the border differs."""
    whole, interior = peer["max_abs_diff_vs_torch"], peer["max_abs_diff_interior"]
    if whole is None:
        return "-"
    if interior is not None and interior < whole:
        return f"{fmt(whole, 2, style='g')} (interior {fmt(interior, 2, style='g')})"
    return fmt(whole, 2, style="g")


def row_notes(row: dict) -> list[str]:
    """Anomalies worth a line under the table: thread counts changed, torch's page faults."""
    notes = []
    if row["threads"]["before"].get("repinned"):
        notes.append(f"{row['case']}: a library was not at one thread before this row; pinned again.")
    if any(n != 1 for n in row["threads"]["after"].values()):
        notes.append(f"{row['case']}: thread counts after the row: {row['threads']['after']}.")
    torch = row["torch"]
    if torch and torch["faults_per_call"] is not None and torch["faults_per_call"] > 100:
        notes.append(
            f"{row['case']}: torch took {torch['faults_per_call']:.0f} minor page faults per call (large "
            "temporaries returned to the OS between calls); its time includes them, as it comes."
        )
    return notes


def scaling(repeats: int, repeat_time: float) -> list[dict[str, object]]:
    """antialias_np time of a few methods against frame size (batch 1) and batch size (256 x 256), one thread."""
    rows = []
    for size in SCALING_SIZES:
        frame, _ = evaluate.synthetic_frames(1, size)
        rows += [scaling_row(m, frame, repeats, repeat_time) for m in SCALING_METHODS]
    frames, _ = evaluate.synthetic_frames(max(SCALING_BATCHES), FRAME_SIZE)
    for batch in SCALING_BATCHES[1:]:
        rows += [scaling_row(m, frames[:batch], repeats, repeat_time) for m in SCALING_METHODS]
    return rows


def scaling_row(method: str, frames: np.ndarray, repeats: int, repeat_time: float) -> dict[str, object]:
    timing = measure(functools.partial(antialias_np.downsample, frames, SCALE, method), repeats, repeat_time)
    n, _, h, w = frames.shape
    progress(f"scaling {method} {n}x3x{h}x{w}: {timing.median * 1e6:.0f} µs")
    return {
        "method": method,
        "batch": n,
        "size": h,
        "us": timing.median * 1e6,
        "ns_per_input_value": timing.median * 1e9 / frames.size,
    }


def two_threads(repeats: int, repeat_time: float) -> list[dict[str, object]]:
    """antialias_np on batches of 256 x 256 frames with Numba at 1 and 2 threads; the count is restored after."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        progress("threads: skipped, Numba has a single thread here")
        return []
    frames, _ = evaluate.synthetic_frames(max(THREAD_BATCHES), FRAME_SIZE)
    rows = []
    previous = numba.get_num_threads()
    try:
        for batch, method in itertools.product(THREAD_BATCHES, METHODS):
            call = functools.partial(antialias_np.downsample, frames[:batch], SCALE, method)
            times = {}
            for threads in (1, 2):
                numba.set_num_threads(threads)
                times[threads] = measure(call, repeats, repeat_time).median
            rows.append({"method": method, "batch": batch, "us_1": times[1] * 1e6, "us_2": times[2] * 1e6})
            progress(f"threads {method} batch {batch}: {times[1] / times[2]:.2f}x with 2")
    finally:
        numba.set_num_threads(previous)
    return rows


def busy_machine(repeats: int, repeat_time: float, rounds: int) -> list[dict[str, object]]:
    """antialias_np with Numba's default thread count against one thread, on one frame and on batches, with the
    machine idle, with a busy-loop process on one CPU, and with one on every CPU; `rounds` rounds of the three."""
    import numba

    if not hasattr(os, "sched_setaffinity"):
        progress("busy machine: skipped, processes cannot be pinned to a CPU here")
        return []
    cpus = sorted(os.sched_getaffinity(0))
    loads = {"idle": [], "one CPU busy": cpus[:1], "every CPU busy": cpus}
    default = numba.config.NUMBA_NUM_THREADS
    frames, _ = evaluate.synthetic_frames(max(BUSY_BATCHES), FRAME_SIZE)
    rows = []
    try:
        for round_number, (load, busy_cpus) in itertools.product(range(rounds), loads.items()):
            with busy_loops(busy_cpus):
                for batch, method in itertools.product(BUSY_BATCHES, BUSY_METHODS):
                    image = frames[0] if batch == 1 else frames[:batch]
                    call = functools.partial(antialias_np.downsample, image, SCALE, method)
                    times = measure_thread_counts(call, (default, 1), repeats, repeat_time)
                    row = {"round": round_number, "load": load, "method": method, "batch": batch}
                    rows.append({**row, "threads": default, "us_default": times[default] * 1e6, "us_1": times[1] * 1e6})
                    progress(f"busy {round_number} {load} {method} batch {batch}: {times[default] / times[1]:.2f}x")
    finally:
        numba.set_num_threads(1)
    return rows


def measure_thread_counts(
    function: Callable[[], object], counts: tuple[int, ...], repeats: int, repeat_time: float
) -> dict[int, float]:
    """Median seconds per call of function() with each Numba thread count, as `measure`, but the counts take turns
    every repeat, so that a change in the machine's load touches them alike."""
    import numba

    for count in counts:
        numba.set_num_threads(count)
        function()
    start = time.perf_counter()
    function()
    calls = max(1, int(repeat_time / max(time.perf_counter() - start, 1e-9)))
    per_call = {count: [] for count in counts}
    for _, count in itertools.product(range(repeats), counts):
        numba.set_num_threads(count)
        start = time.perf_counter()
        for _ in range(calls):
            function()
        per_call[count].append((time.perf_counter() - start) / calls)
    return {count: float(np.median(times)) for count, times in per_call.items()}


@contextlib.contextmanager
def busy_loops(cpus: list[int]):
    """A Python busy loop pinned to each of `cpus` while the block runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in cpus]
    try:
        for loop, cpu in zip(loops, cpus, strict=True):
            os.sched_setaffinity(loop.pid, {cpu})
        time.sleep(0.2)
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


COLD_IMPORT = """
import time
start = time.perf_counter()
import antialias_np
print(time.perf_counter() - start)
"""
COLD_CALL = """
import time
import numpy as np
frame = np.random.default_rng(0).random((1, 3, 256, 256), dtype=np.float32)
start = time.perf_counter()
import antialias_np
imported = time.perf_counter()
antialias_np.downsample(frame, 0.25, {method!r})
first = time.perf_counter()
antialias_np.downsample(frame, 0.25, {method!r})
print(imported - start, first - imported, time.perf_counter() - first)
"""


def cold_start(quick: bool) -> dict[str, object]:
    """Fresh processes: `import antialias_np` alone (median of 5); then per method, with NumPy already imported,
    the import, the first call and the second call, with the Numba cache warm and with an empty cache
    (NUMBA_CACHE_DIR set to a new temporary folder: the first call then includes compiling)."""
    imports = [float(python(COLD_IMPORT)) for _ in range(2 if quick else 5)]
    result = {"import_s": float(np.median(imports)), "methods": []}
    for method in METHODS:
        imported, first, second = map(float, python(COLD_CALL.format(method=method)).split())
        with tempfile.TemporaryDirectory() as cache:
            _, compiled, _ = map(float, python(COLD_CALL.format(method=method), NUMBA_CACHE_DIR=cache).split())
        result["methods"].append(
            {
                "method": method,
                "import_s": imported,
                "first_call_warm_cache_s": first,
                "second_call_s": second,
                "first_call_empty_cache_s": compiled,
            }
        )
        progress(f"cold {method}: first call {first:.3f} s with the cache, {compiled:.2f} s without")
    return result


def python(code: str, **env: str) -> str:
    """Run `code` in a fresh Python from this file's folder, with extra environment variables; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent,
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        raise RuntimeError(f"a fresh Python failed on {code!r}:\n{done.stderr}")
    return done.stdout.strip()


def scaling_markdown(rows: list[dict]) -> str:
    """One line per input shape, one column per method: µs and ns per input value."""
    shapes = list(dict.fromkeys((r["batch"], r["size"]) for r in rows))
    cells = {(r["batch"], r["size"], r["method"]): f"{r['us']:.0f} ({r['ns_per_input_value']:.2f})" for r in rows}
    table = [[f"{n} x 3 x {size} x {size}"] + [cells[n, size, m] for m in SCALING_METHODS] for n, size in shapes]
    return "\n".join(
        [
            "## Scaling: µs (ns per input value), one thread",
            "",
            "Time linear in the input means a constant cost per input value (frames x 3 x size x size).",
            "",
            markdown_table(["input", *SCALING_METHODS], table),
        ]
    )


def threads_markdown(rows: list[dict]) -> str:
    header = ["method", "frames", "µs, 1 thread", "µs, 2 threads", "speedup"]
    table = [
        [r["method"], r["batch"], fmt(r["us_1"], 0), fmt(r["us_2"], 0), fmt(r["us_1"] / r["us_2"], 2, "x")]
        for r in rows
    ]
    return "\n".join(
        [
            "## Numba threads: 2 against 1 on batches of 256x256 frames",
            "",
            "Two threads need two idle CPUs: a call goes parallel only while a CPU per thread has been free "
            "lately (antialias_np._kernels.free_cpus), so while other processes run, the rows show about 1x. "
            "Compare the load average above; rerun on an idle machine.",
            "",
            markdown_table(header, table),
        ]
    )


def busy_markdown(rows: list[dict]) -> str:
    """Per load, method and batch: µs on the default threads and on one (medians over rounds), and their ratio."""
    if not rows:
        return "## Busy machine: skipped (processes cannot be pinned to a CPU here)"
    cases = list(dict.fromkeys((r["load"], r["method"], r["batch"]) for r in rows))
    table = []
    for case in cases:
        rounds = [r for r in rows if (r["load"], r["method"], r["batch"]) == case]
        one, default = (np.median([r[key] for r in rounds]) for key in ("us_1", "us_default"))
        ratios = [r["us_default"] / r["us_1"] for r in rounds]
        table.append([*case, fmt(one, 0), fmt(default, 0), fmt(np.median(ratios), 2, "x"), fmt(max(ratios), 2, "x")])
    threads = rows[0]["threads"]
    header = ["load", "method", "frames", "µs, 1 thread", f"µs, {threads} threads (default)", "ratio", "worst round"]
    return "\n".join(
        [
            f"## Busy machine: Numba's default {threads} threads against 1",
            "",
            f"ratio = time with the default threads / time with one (above 1: slower); median over "
            f"{len(rows) // len(cases)} rounds. A busy loop is a Python process pinned to a CPU. Calls below "
            "antialias_np._kernels.PARALLEL_MIN_VALUES input values run on one thread whatever the setting.",
            "",
            markdown_table(header, table),
        ]
    )


def cold_markdown(cold: dict) -> str:
    header = [
        "method",
        "import (s)",
        "first call, warm cache (s)",
        "import + first call (s)",
        "second call (µs)",
        "first call, empty cache (s)",
    ]
    table = [
        [
            r["method"],
            fmt(r["import_s"], 3),
            fmt(r["first_call_warm_cache_s"], 3),
            fmt(r["import_s"] + r["first_call_warm_cache_s"], 3),
            fmt(r["second_call_s"] * 1e6, 0),
            fmt(r["first_call_empty_cache_s"], 2),
        ]
        for r in cold["methods"]
    ]
    return "\n".join(
        [
            "## Cold start: each in a fresh process",
            "",
            f"`import antialias_np` alone: {cold['import_s']:.3f} s (median). Per method, NumPy already imported: "
            "the import, then the first call with the Numba cache warm, and with an empty cache (compiling).",
            "",
            markdown_table(header, table),
        ]
    )


# ---------------------------------------------------------------------------------------------------------------
# Output


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: float | None, digits: int, suffix: str = "", style: str = "f") -> str:
    """A number with `digits` decimals (style 'f') or significant digits ('g'); '-' for None."""
    return "-" if value is None else f"{value:.{digits}{style}}{suffix}"


def fmt_us(seconds: float) -> str:
    """Seconds as µs: one decimal below 100 µs, none above."""
    us = seconds * 1e6
    return f"{us:.1f}" if us < 100 else f"{us:.0f}"


def as_json(value):
    """Timings -> dicts of seconds, recursively, so a row can be written as JSON."""
    if isinstance(value, Timing):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def write(out: Path, name: str, result: dict, markdown: str) -> None:
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown + "\n")


def command_line() -> str:
    return " ".join(["python", Path(sys.argv[0]).name, *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        if args.speed:
            run_speed(args)
        else:
            run_study(args)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
