"""What every keypoint detector of the study shares: FOMM's heatmap head (softmax, expected coordinate on the
[-1, 1] grid), the study's keypoint error, and running a detector on every method's downsampled frames."""

from __future__ import annotations

import time

import numpy as np

import antialias_np as aa
from benchmark.protocol import SCALE
from benchmark.report import progress


def softmax(logits: np.ndarray) -> np.ndarray:
    """exp(l_i) / sum_j exp(l_j) along the last axis (the maximum is subtracted first, against overflow)."""
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def coordinate_grid(n: int, dtype: type = np.float64) -> np.ndarray:
    """FOMM's make_coordinate_grid along one axis of n pixels: pixel j at 2 j / (n - 1) - 1, so [-1, 1]."""
    return 2 * (np.arange(n, dtype=dtype) / dtype(n - 1)) - 1


def keypoint_error(a: np.ndarray, b: np.ndarray) -> float:
    """The study's error between two keypoint sets of shape (N, K, 2): mean over frames of the summed distances.

        error = (1/N) * sum_n sum_k ||a[n, k] - b[n, k]||_2

    In [-1, 1] coordinates for the study's number (K = 10; one pixel of the 64 grid is 2/63 = 0.032).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 3 or a.shape[-1] != 2:
        raise ValueError(f"keypoint sets must both be (N, K, 2), got shapes {a.shape} and {b.shape}")
    return float(np.mean(np.sum(np.linalg.norm(a - b, axis=-1), axis=-1)))


ALL_METHODS = aa.METHODS + aa.EXTRA_METHODS


def method_predictions(
    frames: np.ndarray, detector, methods: tuple[str, ...] = ALL_METHODS
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Per method: the first frame downsampled by SCALE (3, h, w), and the detector's outputs on every frame so
    downsampled (`detector.predict_from_downsampled`'s dict, "value" (N, K, 2) among them)."""
    first, predictions = {}, {}
    for i, method in enumerate(methods, 1):
        start = time.perf_counter()
        small = aa.downsample(frames, SCALE, method)
        predictions[method] = detector.predict_from_downsampled(small)
        first[method] = small[0]
        seconds = time.perf_counter() - start
        progress(f"[{i}/{len(methods)}] {method}: keypoints of {len(frames)} frames in {seconds:.2f} s")
    return first, predictions
