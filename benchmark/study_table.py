"""The study's table (`python bench.py`): every method's keypoint error against the baseline's, and its time."""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark import figures, pareto
from benchmark.analytic import AnalyticDetector
from benchmark.commands import CommandError, first_line
from benchmark.figures import CHART_FILE, PANEL_FILE
from benchmark.frames import load_frames
from benchmark.keypoints import keypoint_error
from benchmark.peers import Peers, environment, load_peers, pin_threads
from benchmark.protocol import BASELINE, NUM_KEYPOINTS, SCALE, STUDY, STUDY_MACHINE
from benchmark.report import command_line, fmt, markdown_table, progress, write
from benchmark.synthetic import LANDMARK_NAMES
from benchmark.timing import measure
from benchmark.torch_pipelines import study_pipelines


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
        {"method": m, **errors[m], **timings[m], "study_error": STUDY[m][0], "study_ms": STUDY[m][1]}
        for m in aa.METHODS
    ]
    settings = {"frames": frames_description, "detector": detector_description, "repeats": args.repeats}
    result = {"command": command_line(), "environment": environment(peers), "settings": settings, "rows": rows}
    result["pareto"] = all_methods_pareto(frames, detector, keypoints, rows, args)
    names = keypoint_names(detector, synthetic_frames=args.frames is None)
    result["keypoints"] = list(names)
    result["figures"] = [] if args.no_figures or not figures.have_matplotlib() else [PANEL_FILE, CHART_FILE]
    markdown = study_markdown(result)
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, "study", result, markdown)
    written = ["study.md", "study.json"]
    if result["figures"]:
        errors_vs_baseline = {m: errors[m]["error_vs_baseline"] for m in aa.METHODS}
        figures.panel_figure(args.out / PANEL_FILE, small, keypoints, errors_vs_baseline, names)
        figures.error_time_chart(args.out / CHART_FILE, rows, result["environment"]["cpu"], result["pareto"])
        written += result["figures"]
    elif not args.no_figures:
        progress(figures.MATPLOTLIB_MISSING)
    progress(f"wrote {', '.join(written)} in {args.out}")


def make_detector(checkpoint: Path | None, synthetic_frames: bool):
    """FOMM's detector from an .npz checkpoint, else the analytic one; and a description, which says when the
    analytic detector runs on frames it was not made for."""
    if checkpoint is None:
        description = "analytic landmark detector (benchmark.analytic.AnalyticDetector)"
        if not synthetic_frames:
            description = (
                "analytic detector (benchmark.analytic.AnalyticDetector), made for the synthetic face frames: "
                "on these frames its points are dark blobs in fixed windows, not landmarks (labelled point 0-9); "
                "pass --checkpoint for FOMM's detector"
            )
        return AnalyticDetector(), description
    from benchmark.fomm import KPDetector

    try:
        detector = KPDetector.load(checkpoint)
    except Exception as error:  # np.load raises many types for a file that is not an .npz (EOFError, ...)
        raise CommandError(
            f"--checkpoint {checkpoint} is not an .npz of FOMM's kp_detector arrays ({first_line(error)}); make one "
            f"with python -m benchmark.fomm convert vox-cpk.pth.tar kp_detector.npz", 1
        ) from None
    return detector, f"FOMM keypoint detector {checkpoint} (benchmark.fomm.KPDetector)"


def keypoint_names(detector, synthetic_frames: bool) -> tuple[str, ...]:
    """The synthetic face's landmark names where the analytic detector finds them; else neutral names."""
    if isinstance(detector, AnalyticDetector) and synthetic_frames:
        return LANDMARK_NAMES
    return tuple(f"{'point' if isinstance(detector, AnalyticDetector) else 'keypoint'} {k}"
                 for k in range(NUM_KEYPOINTS))  # fmt: skip


def study_keypoints(frames: np.ndarray, detector) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per method: the first frame downsampled (3, 64, 64), and the keypoints of every frame (N, 10, 2)."""
    first, keypoints = {}, {}
    for i, method in enumerate(aa.METHODS, 1):
        start = time.perf_counter()
        small = aa.downsample(frames, SCALE, method)
        keypoints[method] = detector.predict_from_downsampled(small)["value"]
        first[method] = small[0]
        seconds = time.perf_counter() - start
        progress(f"[{i}/{len(aa.METHODS)}] {method}: keypoints of {len(frames)} frames in {seconds:.2f} s")
    return first, keypoints


def study_errors(keypoints: dict[str, np.ndarray], truth: np.ndarray | None) -> dict[str, dict[str, float | None]]:
    """Per method: the study's error against the baseline's keypoints, and against the ground truth if known."""
    errors = {}
    for method in aa.METHODS:
        to_truth = None if truth is None else keypoint_error(truth, keypoints[method])
        errors[method] = {
            "error_vs_baseline": keypoint_error(keypoints[BASELINE], keypoints[method]),
            "error_vs_truth": to_truth,
        }
    return errors


def study_timings(frame: np.ndarray, peers: Peers, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """Per method: antialias_np and torch ms per (1, 3, 256, 256) frame, and the speedup."""
    repeat_time = 0.002 if args.quick else 0.02
    pipelines = study_pipelines(SCALE) if peers.torch is not None else {}
    tensor = peers.torch.from_numpy(frame) if peers.torch is not None else None
    timings = {}
    for i, method in enumerate(aa.METHODS, 1):
        ours = measure(functools.partial(aa.downsample, frame, SCALE, method), args.repeats, repeat_time)
        row = {"antialias_np_ms": ours.median * 1e3, "antialias_np_ms_iqr": [ours.q1 * 1e3, ours.q3 * 1e3]}
        theirs = None
        if method in pipelines:
            theirs = measure(functools.partial(pipelines[method].run, tensor), args.repeats, repeat_time)
        row["torch_ms"] = None if theirs is None else theirs.median * 1e3
        row["torch_ms_iqr"] = None if theirs is None else [theirs.q1 * 1e3, theirs.q3 * 1e3]
        row["speedup"] = None if theirs is None else theirs.median / ours.median
        timings[method] = row
        progress(
            f"[{i}/{len(aa.METHODS)}] {method}: {fmt(row['antialias_np_ms'], 3)} ms, torch {fmt(row['torch_ms'], 3)} ms"
        )
    return timings


def all_methods_pareto(frames: np.ndarray, detector, keypoints: dict[str, np.ndarray], rows: list[dict],
                       args: argparse.Namespace) -> dict:
    """EXTRA_METHODS' error against the baseline and time, measured as the study's rows, and the Pareto front of
    error against time over every method for this run's detector (benchmark.pareto). Call after pin_threads."""
    errors = {row["method"]: row["error_vs_baseline"] for row in rows}
    times = {row["method"]: row["antialias_np_ms"] for row in rows}
    for method in aa.EXTRA_METHODS:
        small = aa.downsample(frames, SCALE, method)
        errors[method] = keypoint_error(keypoints[BASELINE], detector.predict_from_downsampled(small)["value"])
        timing = measure(functools.partial(aa.downsample, frames[:1], SCALE, method), args.repeats,
                         0.002 if args.quick else 0.02)
        times[method] = timing.median * 1e3
        progress(f"{method}: error {errors[method]:.4f}, {times[method]:.3f} ms")
    name = "analytic detector" if isinstance(detector, AnalyticDetector) else "FOMM detector"
    return pareto.summary({name: errors}, times)


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
        f"study ms ({STUDY_MACHINE})",
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
            *pareto.markdown_lines(result.get("pareto")),
            "",
            f"`{result['command']}`",
            *figure_notes(result["figures"]),
        ]
    )


def figure_notes(files: list[str]) -> list[str]:
    """What each figure written shows."""
    notes = {
        PANEL_FILE: f"{PANEL_FILE}: the first frame as each method hands it to the detector (64 x 64), with the "
        f"method's keypoints (crosses, one colour per keypoint) and the baseline's (white circles).",
        CHART_FILE: f"{CHART_FILE}: each method's error against its time per frame: antialias_np and torch on this "
        f"machine, and the study's published rows; the extra methods (diamonds) and the Pareto front (ringed).",
    }
    return ["", *(notes[f] for f in files)] if files else []
