"""
Every method on a photo, beside the baseline
============================================

A photo reduced to a quarter of its width and height by each method, beside the baseline, ``gaussian`` (FOMM's own
blur, which its models were trained with). At a quarter of the size, every output pixel stands for a 4 x 4 block of
input pixels, and detail finer than two output pixels cannot be kept: a method either blurs it away (the
anti-aliasing filters) or lets it through, where it comes back as false patterns, *aliasing*.

The photo is NASA's public-domain portrait of the astronaut Eileen Collins, as scikit-image ships it
(``skimage.data.astronaut()``, no download).
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

import antialias_np as aa

# Images from files are (H, W, C), channels last: say so with channel_axis=-1. The photo is uint8; the bilateral
# filter's colour sigma is in the image's units, so every method gets the same float32 image in [0, 1].
photo = data.astronaut().astype(np.float32) / 255  # (512, 512, 3)
methods = aa.METHODS + aa.EXTRA_METHODS
small = {}  # each (128, 128, 3)
for method in methods:
    small[method] = aa.downsample(photo, 0.25, method, channel_axis=-1)

# %%
# The whole photo
# ---------------
# At this size the methods look alike: the differences are in the fine detail.

figure, axes = plt.subplots(3, 5, figsize=(15, 9.5))
axes.flat[0].imshow(photo)
axes.flat[0].set_title("input, 512 x 512")
for ax, method in zip(axes.flat[1:], methods, strict=True):
    ax.imshow(small[method].clip(0, 1), interpolation="nearest")
    ax.set_title(method + (" (baseline)" if method == "gaussian" else ""))
for ax in axes.flat:
    ax.set_axis_off()
figure.tight_layout()

# %%
# The face, enlarged
# ------------------
# Enlarged, the fine detail tells the methods apart. ``subsample`` and ``nearest`` keep one input pixel in 16:
# the hair turns into a grainy, high-contrast texture that is not in the photo (aliasing), and the eyes and teeth
# into a few hard pixels. The median and bilateral filters barely blur at this contrast and look much the
# same. The filters that blur before keeping every 4th pixel (``gaussian``, ``gaussian7``, ``gaussian9``, ``box5``)
# and the resamplers that average (``bilinear``, ``bicubic``, ``area``, ``lanczos``) give smooth hair and a soft
# face; ``binomial`` blurs the most. Note the dark top row of ``gaussian``, ``box5``, the cut Gaussians and
# ``binomial``: their zero padding (see :doc:`plot_zero_padding_border`).

rows, cols = slice(0, 40), slice(30, 70)  # output pixels: the hair, top centre
figure, axes = plt.subplots(3, 5, figsize=(15, 9.5))
axes.flat[0].imshow(photo[4 * rows.start : 4 * rows.stop, 4 * cols.start : 4 * cols.stop])
axes.flat[0].set_title("input")
for ax, method in zip(axes.flat[1:], methods, strict=True):
    ax.imshow(small[method][rows, cols].clip(0, 1), interpolation="nearest")
    ax.set_title(method)
for ax in axes.flat:
    ax.set_axis_off()
figure.tight_layout()

# %%
# How far each method is from the baseline
# ----------------------------------------
# The root-mean-square difference from the baseline's image, in grey levels of 255. The methods fall into the
# groups of :doc:`the study </choosing>`: those that compute output pixel k from input pixel 4k, as the baseline
# does, are close to it; ``bilinear``, ``bicubic``, ``area``, ``avgpool`` and ``lanczos`` centre output pixel k 1.5
# input pixels further (see :doc:`plot_half_pixel_shift`), and that shift alone makes them differ from it
# everywhere there is an edge.

for method in methods:
    difference = 255 * np.sqrt(np.mean((small[method] - small["gaussian"]) ** 2))
    print(f"{method:10s} {difference:5.1f}")
