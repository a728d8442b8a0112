"""The study's second table: a trained detector without torch, MTCNN's ONet (benchmark.onet), on frames of a real
photo (benchmark.photo) or the user's face crops.

ONet sees a 192 x 192 frame downsampled by the study's 1/4 (its 48 x 48 input) and gives 5 landmarks and a face
probability. A frame on whose baseline crop ONet's face probability is below FACE_THRESHOLD is not a face to ONet,
so its landmarks mean nothing: such frames are counted, reported and left out of every error.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

import antialias_np as aa
from benchmark.frames import load_onet_frames
from benchmark.keypoints import keypoint_error, method_predictions
from benchmark.onet import ONet
from benchmark.onet.detector import INPUT_SIZE, NUM_LANDMARKS
from benchmark.protocol import BASELINE, STUDY
from benchmark.report import fmt, markdown_table, progress

FACE_THRESHOLD = 0.9
"""Frames whose baseline crop ONet finds a face with a lower probability are left out of the error."""


@dataclass
class OnetRun:
    """What the avgpool candidates and the figure need of ONet's run."""

    frames: np.ndarray
    """(N, 3, 192, 192)"""
    detector: ONet
    kept: np.ndarray
    """(N,) bool: the frames whose baseline image ONet finds a face, the only ones in the error"""
    first: dict[str, np.ndarray]
    """per method, the first frame as ONet sees it (3, 48, 48)"""
    keypoints: dict[str, np.ndarray]
    """per method, ONet's landmarks (N, 5, 2) in [-1, 1]"""


def onet_table(args: argparse.Namespace) -> tuple[dict, OnetRun]:
    """The second table's result (settings and rows), and the run that made it."""
    frames, description = load_onet_frames(args)
    onet = ONet.load()
    progress(f"{description}; MTCNN's ONet")
    first, predictions = method_predictions(frames, onet)
    probability = predictions[BASELINE]["face_probability"]
    kept = probability >= FACE_THRESHOLD
    baseline = predictions[BASELINE]["value"][kept]
    rows = [
        {
            "method": method,
            "error_vs_baseline": keypoint_error(baseline, predictions[method]["value"][kept]) if kept.any() else None,
            "lowest_face_probability": float(predictions[method]["face_probability"].min()),
            "study_error": STUDY[method][0],
        }
        for method in aa.METHODS
    ]
    settings = {
        "frames": description,
        "detector": "MTCNN's ONet with facenet-pytorch's weights (benchmark.onet.ONet)",
        "face_threshold": FACE_THRESHOLD,
        "frames_left_out": int(np.count_nonzero(~kept)),
        "baseline_face_probability": {"min": float(probability.min()), "median": float(np.median(probability))},
    }
    keypoints = {method: prediction["value"] for method, prediction in predictions.items()}
    return {"settings": settings, "rows": rows}, OnetRun(frames, onet, kept, first, keypoints)


def onet_markdown(result: dict) -> str:
    settings = result["settings"]
    probability = settings["baseline_face_probability"]
    header = ["method", "error vs baseline", "lowest face probability", "study error (FOMM, 10 keypoints)"]
    rows = [
        [r["method"], fmt(r["error_vs_baseline"], 4), fmt(r["lowest_face_probability"], 4), fmt(r["study_error"], 4)]
        for r in result["rows"]
    ]
    grid_pixel = 2 / (INPUT_SIZE - 1)
    return "\n".join(
        [
            "## A trained detector: MTCNN's ONet",
            "",
            f"{settings['frames']}; {settings['detector']}, on each method's {INPUT_SIZE} x {INPUT_SIZE} image. "
            f"ONet's face probability on the baseline's images: lowest {probability['min']:.4f}, median "
            f"{probability['median']:.4f}; {settings['frames_left_out']} frames below {settings['face_threshold']} "
            f"left out of the error.",
            f"Error: (1/N) sum over the frames kept of sum over the {NUM_LANDMARKS} landmarks (eyes, nose, mouth "
            f"corners) of ||baseline - method||_2, in [-1, 1] coordinates of the {INPUT_SIZE} grid (one pixel: "
            f"{grid_pixel:.3f}); baseline = {BASELINE}. The study's error sums 10 FOMM keypoints on a 64 grid: "
            f"compare the methods' order, not the values. Lowest face probability: over all frames, on the method's "
            f"images.",
            "",
            markdown_table(header, rows),
        ]
    )
