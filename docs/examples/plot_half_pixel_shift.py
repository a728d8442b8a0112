"""
The half-pixel shift: where output pixel k sits
===============================================

Downsampling by 4 maps each output pixel k onto the input, and methods disagree on where. FOMM's ``gaussian``,
``subsample``, ``nearest``, ``median``, ``bilateral`` and the on-grid extras centre output pixel k on input
pixel 4k. ``bilinear``, ``bicubic``, ``area``, ``avgpool`` and ``lanczos`` treat output pixel k as the block of
input pixels 4k to 4k + 3 and centre it on the block's middle, 4k + 1.5. Neither is wrong; but a model trained on
one grid and fed the other sees its whole image moved by 1.5 input pixels (0.375 of an output pixel), and every
keypoint it finds moves with it. That shift, not lost detail, is nearly all of the block methods' error in the
FOMM study.
"""

import matplotlib.pyplot as plt
import numpy as np

import antialias_np as aa

# %%
# A bright dot at a known place
# -----------------------------
# A small Gaussian dot centred on input pixel (100, 100) of a 256 x 256 image. An output pixel k "sits" at input
# 4k + c; so the dot appears at output position (100 - c) / 4: 25 for the on-grid methods, 24.625 for the
# block methods.

size, centre = 256, 100.0
y, x = np.mgrid[:size, :size]
dot = np.exp(-((x - centre) ** 2 + (y - centre) ** 2) / (2 * 3.0**2)).astype(np.float32)


def centroid(image):
    """The brightness-weighted mean (row, column) of an image."""
    rows, cols = np.mgrid[: image.shape[0], : image.shape[1]]
    return (image * rows).sum() / image.sum(), (image * cols).sum() / image.sum()


for method in ["gaussian", "subsample", "median", "box5", "bilinear", "bicubic", "area"]:
    row, col = centroid(aa.downsample(dot, 0.25, method))
    offset = centre - 4 * col
    print(f"{method:9s} dot at ({row:6.3f}, {col:6.3f}): output k sits at 4k + {offset:.2f}")

# %%
# The two grids, drawn
# --------------------
# One row of input pixels (grey ticks) and where the output pixels sit on it: on-grid methods over every 4th
# input pixel, block methods in the middle of each block of four.

figure, ax = plt.subplots(figsize=(9, 2.4))
inputs = np.arange(17)
ax.scatter(inputs, np.zeros_like(inputs), marker="|", s=300, color="grey", label="input pixels")
ax.scatter(4 * np.arange(5), np.full(5, 0.6), color="tab:blue", s=60, label="output k at 4k (gaussian)")
ax.scatter(4 * np.arange(4) + 1.5, np.full(4, -0.6), color="tab:orange", s=60,
           label="output k at 4k + 1.5 (area, bilinear)")
for k in range(4):
    ax.axvspan(4 * k - 0.5, 4 * k + 3.5, ymin=0.05, ymax=0.3, color="tab:orange", alpha=0.12 + 0.1 * (k % 2))
ax.set_yticks([])
ax.set_xticks(inputs)
ax.set_xlabel("input pixel")
ax.set_ylim(-1.2, 1.4)
ax.legend(loc="upper right", fontsize=8, ncols=3)
figure.tight_layout()

# %%
# Undoing the shift
# -----------------
# A model trained with ``gaussian`` and fed ``area`` images sees keypoints 1.5 input pixels up and left of where
# it learned them. In FOMM's keypoint coordinates, [-1, 1] across 64 output pixels, one output pixel is
# 2 / 63, so the shift is 0.375 x 2 / 63 = 0.0119 per axis: add it to every coordinate the detector returns, or
# better, downsample as the model was trained.

print(f"shift per axis in [-1, 1] coordinates: {0.375 * 2 / 63:.4f}")
