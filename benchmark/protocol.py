"""The FOMM downsampling study's protocol: the one home of its constants and of the table it published."""

from __future__ import annotations

SCALE = 0.25
"""FOMM's keypoint detector sees its 256 x 256 frames downsampled by this factor."""
STEP = 4
"""1 / SCALE: the 64 x 64 grid's pixel k comes from input pixel STEP k in the baseline."""
FRAME_SIZE = 256
SMALL_SIZE = FRAME_SIZE // STEP
GRID_PIXEL = 2 / (SMALL_SIZE - 1)
"""One pixel of the 64 x 64 keypoint grid in the detector's [-1, 1] coordinates (0.032)."""
NUM_KEYPOINTS = 10
BASELINE = "gaussian"
"""FOMM's own AntiAliasInterpolation2d: every method's keypoints are compared with this method's."""

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
STUDY_MACHINE = "i7-8700K"
