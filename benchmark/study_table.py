"""The study's tables (`python bench.py`): every method's keypoint error against the baseline's and its time; the
same errors with a trained detector, ONet, on a photo (benchmark.onet_table); and the avgpool candidates
(benchmark.avgpool_candidates)."""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark import figures, pareto
from benchmark.analytic import AnalyticDetector
from benchmark.avgpool_candidates import candidate_errors, candidates, candidates_markdown
from benchmark.commands import CommandError, first_line
from benchmark.figures import CHART_FILE, ONET_PANEL_FILE, PANEL_FILE
from benchmark.frames import load_frames
from benchmark.keypoints import keypoint_error, method_predictions
from benchmark.onet.detector import LANDMARK_NAMES as ONET_LANDMARK_NAMES
from benchmark.onet_table import OnetRun, onet_markdown, onet_table
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
    small, predictions = method_predictions(frames, detector)
    keypoints = {method: prediction["value"] for method, prediction in predictions.items()}
    if truth is not None and args.checkpoint is not None:
        truth = None  # FOMM's keypoints are its own, not the synthetic landmarks
    errors = study_errors(keypoints, truth)
    onet_result, onet = onet_table(args)
    avgpool = avgpool_rows(
        (frames, detector, keypoints[BASELINE], None), (onet.frames, onet.detector, onet.keypoints[BASELINE], onet.kept)
    )

    peers = load_peers(args.no_compare)
    pin_threads(peers)  # after the detectors have compiled and run every method
    timings = study_timings(frames[:1], peers, args)

    rows = [
        {"method": m, **errors[m], **timings[m], "study_error": STUDY[m][0], "study_ms": STUDY[m][1]}
        for m in aa.METHODS
    ]
    settings = {"frames": frames_description, "detector": detector_description, "repeats": args.repeats}
    result = {"command": command_line(), "environment": environment(peers), "settings": settings, "rows": rows}
    result["pareto"] = all_methods_pareto(frames, detector, keypoints, onet, rows, args)
    names = keypoint_names(detector, synthetic_frames=args.frames is None)
    result["keypoints"] = list(names)
    result["onet"] = onet_result
    result["avgpool_candidates"] = avgpool
    drawn = [PANEL_FILE, ONET_PANEL_FILE, CHART_FILE]
    result["figures"] = [] if args.no_figures or not figures.have_matplotlib() else drawn
    markdown = "\n\n".join(
        [study_markdown(result), onet_markdown(onet_result), candidates_markdown(avgpool, short_name(detector))]
    )
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, "study", result, markdown)
    written = ["study.md", "study.json"]
    if result["figures"]:
        errors_vs_baseline = {m: errors[m]["error_vs_baseline"] for m in aa.METHODS}
        study_small = {m: small[m] for m in aa.METHODS}
        figures.panel_figure(args.out / PANEL_FILE, study_small, keypoints, errors_vs_baseline, names)
        onet_errors = {row["method"]: row["error_vs_baseline"] for row in onet_result["rows"]}
        onet_small = {m: onet.first[m] for m in aa.METHODS}
        figures.panel_figure(args.out / ONET_PANEL_FILE, onet_small, onet.keypoints, onet_errors, ONET_LANDMARK_NAMES)
        figures.error_time_chart(args.out / CHART_FILE, rows, result["environment"]["cpu"], result["pareto"])
        written += result["figures"]
    elif not args.no_figures:
        progress(figures.MATPLOTLIB_MISSING)
    progress(f"wrote {', '.join(written)} in {args.out}")


def avgpool_rows(first: tuple, second: tuple) -> list[dict]:
    """Each avgpool candidate's window and its error on both detectors; `first` and `second` are (frames,
    detector, baseline keypoints, frames kept or None) of the first table and of ONet's."""
    progress(f"avgpool candidates: {len(candidates())} windows, both detectors")
    errors = zip(candidate_errors(*first), candidate_errors(*second), strict=True)
    return [
        {**dataclasses.asdict(candidate), "centre": candidate.centre, "error_first_detector": a, "error_onet": b}
        for candidate, (a, b) in zip(candidates(), errors, strict=True)
    ]


def short_name(detector) -> str:
    """The first table's detector in a column header."""
    return "analytic detector" if isinstance(detector, AnalyticDetector) else "FOMM"


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


def all_methods_pareto(frames: np.ndarray, detector, keypoints: dict[str, np.ndarray], onet: OnetRun,
                       rows: list[dict], args: argparse.Namespace) -> dict:
    """Every method's error against the baseline on both detectors (EXTRA_METHODS included) and its time, the
    study's rows' times reused and EXTRA_METHODS' measured as theirs; and the Pareto front of error against time
    for each detector (benchmark.pareto). Call after pin_threads."""
    times = {row["method"]: row["antialias_np_ms"] for row in rows}
    for method in aa.EXTRA_METHODS:
        timing = measure(functools.partial(aa.downsample, frames[:1], SCALE, method), args.repeats,
                         0.002 if args.quick else 0.02)  # fmt: skip
        times[method] = timing.median * 1e3
        progress(f"{method}: {times[method]:.3f} ms")
    first = {m: keypoint_error(keypoints[BASELINE], keypoints[m]) for m in times}
    errors = {"analytic detector" if isinstance(detector, AnalyticDetector) else "FOMM detector": first}
    if onet.kept.any():
        baseline = onet.keypoints[BASELINE][onet.kept]
        errors["ONet"] = {m: keypoint_error(baseline, onet.keypoints[m][onet.kept]) for m in times}
    return pareto.summary(errors, times)


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
        ONET_PANEL_FILE: f"{ONET_PANEL_FILE}: the same for ONet: the first photo frame as each method hands it to "
        f"ONet (48 x 48), with the method's landmarks and the baseline's.",
        CHART_FILE: f"{CHART_FILE}: each method's error against its time per frame: antialias_np and torch on this "
        f"machine, and the study's published rows; the extra methods (diamonds) and the Pareto front (ringed).",
    }
    return ["", *(notes[f] for f in files)] if files else []
