"""An analytic landmark detector in the style of FOMM's, for the synthetic face frames (benchmark.synthetic).

    frames, truth = synthetic_frames(32)
    detector = AnalyticDetector()
    base = detector(frames, method="gaussian")["value"]   # (32, 10, 2), the interface of fomm.KPDetector
    moved = detector(frames, method="bilinear")["value"]
    keypoint_error(base, moved)                           # the study's error of bilinear
    keypoint_error(truth, base)                           # the baseline's error against the ground truth
"""

from __future__ import annotations

import numpy as np

import antialias_np as aa
from benchmark.keypoints import coordinate_grid, softmax
from benchmark.protocol import SCALE, STEP
from benchmark.synthetic import rest_landmarks


class AnalyticDetector:
    """A landmark detector in the style of FOMM's, with a hand-made heatmap instead of a trained network.

    `detector(frames, method)` downsamples (N, 3, 256, 256) frames with aa.downsample(frames, SCALE,
    method) and calls `predict_from_downsampled`, which on the (N, 3, h, w) small image computes, per frame:

    1. darkness d = -(0.299 R + 0.587 G + 0.114 B);
    2. a blob response r = G(sigma_centre) * d - G(sigma_surround) * d: a difference of Gaussian blurs (reflect
       border), which is zero on flat and linearly shaded regions and peaks on a dark mark;
    3. per landmark k, FOMM's head on the window of (2 radius + 1)^2 pixels around its rest position (the detector
       knows where each landmark may be, as FOMM's network learned it): heatmap = softmax(r / (T * m)) over the
       window, m being the window's largest response, so the temperature T sets the heatmap's sharpness whatever
       the mark's contrast;
    4. keypoint = sum of heatmap * grid, grid x = 2 j / (w - 1) - 1, y = 2 i / (h - 1) - 1 (make_coordinate_grid).

    The heatmap spreads over a few pixels, so the expected coordinate moves continuously with a sub-pixel shift of
    the mark, and every method's sampling grid and blur show in it.
    """

    def __init__(
        self,
        centres: np.ndarray | None = None,
        radius: int = 4,
        temperature: float = 0.1,
        sigma_centre: float = 1.0,
        sigma_surround: float = 3.0,
    ):
        """centres: (K, 2) window centres (x, y) in pixels of the 64 grid; default the synthetic face's ten rest
        landmarks, which sit where an aligned face crop has its eyes, brows, nose, mouth and chin. radius 4: 9 x 9
        windows, room for the synthetic motion; temperature 0.1 is FOMM's; the sigmas are in grid pixels."""
        if centres is None:
            centres = rest_landmarks() / STEP
        self.centres = np.rint(np.asarray(centres, dtype=np.float64)).astype(int)
        self.radius = radius
        self.temperature = temperature
        self.sigma_centre = sigma_centre
        self.sigma_surround = sigma_surround

    def __call__(self, frames: np.ndarray, method: str = "gaussian") -> dict[str, np.ndarray]:
        """Keypoints of (N, 3, H, W) frames downsampled by 1/4 with `method`: {"value": (N, 10, 2)}."""
        return self.predict_from_downsampled(aa.downsample(frames, SCALE, method=method))

    def predict_from_downsampled(self, small: np.ndarray) -> dict[str, np.ndarray]:
        """Keypoints of already downsampled (N, 3, h, w) frames: {"value": (N, 10, 2)} (x, y) in [-1, 1]."""
        small = np.asarray(small, dtype=np.float64)
        if small.ndim != 4 or small.shape[1] != 3:
            raise ValueError(f"expected (N, 3, h, w) RGB frames, got shape {small.shape}")
        h, w = small.shape[-2:]
        lowest, highest = self.centres.min(axis=0) - self.radius, self.centres.max(axis=0) + self.radius
        if lowest.min() < 0 or highest[0] >= w or highest[1] >= h:
            raise ValueError(f"the detector's windows need a 64 x 64 image or larger, got {h} x {w}")
        response = self.response(small)
        grid_x, grid_y = coordinate_grid(w), coordinate_grid(h)
        values = np.empty((small.shape[0], len(self.centres), 2))
        for k, (cx, cy) in enumerate(self.centres):
            rows = slice(cy - self.radius, cy + self.radius + 1)
            cols = slice(cx - self.radius, cx + self.radius + 1)
            heatmap = self._heatmap(response[:, rows, cols])
            values[:, k, 0] = np.einsum("nij,j->n", heatmap, grid_x[cols])
            values[:, k, 1] = np.einsum("nij,i->n", heatmap, grid_y[rows])
        return {"value": values}

    def response(self, small: np.ndarray) -> np.ndarray:
        """The blob response (N, h, w) of (N, 3, h, w) frames: steps 1 and 2 of the class docstring."""
        darkness = -np.tensordot(np.array([0.299, 0.587, 0.114]), small, axes=([0], [1]))
        h, w = darkness.shape[-2:]
        centre = _blur_matrix(h, self.sigma_centre) @ darkness @ _blur_matrix(w, self.sigma_centre).T
        surround = _blur_matrix(h, self.sigma_surround) @ darkness @ _blur_matrix(w, self.sigma_surround).T
        return centre - surround

    def _heatmap(self, window: np.ndarray) -> np.ndarray:
        """softmax(r / (T * m)) over each (N, a, b) window, m the window's largest response (step 3)."""
        peak = window.max(axis=(1, 2), keepdims=True)
        logits = window / (self.temperature * np.maximum(peak, 1e-12))
        return softmax(logits.reshape(len(window), -1)).reshape(window.shape)


def _blur_matrix(n: int, sigma: float) -> np.ndarray:
    """The (n, n) matrix of a normalised Gaussian blur with reflect border (edge not repeated): B @ signal."""
    radius = int(np.ceil(3 * sigma))
    taps = np.arange(-radius, radius + 1)
    weights = np.exp(-(taps**2) / (2 * sigma**2))
    weights /= weights.sum()
    matrix = np.zeros((n, n))
    for i in range(n):
        sources = np.abs(i + taps)  # reflect below 0 ...
        sources = np.where(sources > n - 1, 2 * (n - 1) - sources, sources)  # ... and above n - 1
        np.add.at(matrix[i], sources, weights)
    return matrix
