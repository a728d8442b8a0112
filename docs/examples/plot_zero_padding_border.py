"""
The dark border of zero padding
===============================

FOMM's anti-alias step blurs with a 13 x 13 Gaussian and pads the image with zeros, so the blur of a pixel near
the edge mixes in black from outside the image. At scale 1/4 the output's top row and left column sit exactly on
the image's first row and column, where half of the Gaussian falls outside: they come out at about 63% of their
brightness. The bottom row and right column sit 3 pixels from the edge and lose much less. ``antialias_np`` keeps
this on purpose, because ``gaussian`` equals FOMM's step value for value and its models were trained with it; the
cheap on-grid extras (``box5``, ``gaussian7``, ``gaussian9``, ``binomial``) pad with zeros too, so that they stay
close to it. ``bilinear``, ``bicubic``, ``area`` and ``lanczos`` only average pixels inside the image and keep a
flat image flat.
"""

import matplotlib.pyplot as plt
import numpy as np

import antialias_np as aa

# %%
# A flat grey image
# -----------------
flat = np.full((256, 256), 0.5, np.float32)
for method in ["gaussian", "box5", "binomial", "area", "bilinear"]:
    small = aa.downsample(flat, 0.25, method)
    print(f"{method:9s} top row {small[0, 32] / 0.5:5.1%}   second row {small[1, 32] / 0.5:5.1%}   "
          f"bottom row {small[-1, 32] / 0.5:5.1%}   corner {small[0, 0] / 0.5:5.1%}  (of the input's grey)")

# %%
# Where the darkening comes from
# ------------------------------
# The baseline's weights along one axis, for output pixel 0 (centred on input pixel 0) and for an output pixel
# inside the image: the 6 taps left of pixel 0 read zeros.

kernel = aa.gaussian_kernel(0.25)  # FOMM's 13 taps, sigma 1.5
figure, ax = plt.subplots(figsize=(7, 2.8))
taps = np.arange(-6, 7)
ax.bar(taps, kernel, color=np.where(taps < 0, "tab:red", "tab:blue"))
ax.axvline(-0.5, color="black", lw=1)
ax.text(-3.5, kernel.max() * 0.9, "outside the image:\nzeros", ha="center", color="tab:red")
ax.set_xlabel("input pixel (output 0 sits on pixel 0)")
ax.set_ylabel("weight")
ax.set_title(f"weights outside the image: {kernel[:6].sum():.1%}")
figure.tight_layout()

# %%
# On a photo, and how to avoid it
# -------------------------------
# Where the border matters and the model does not need FOMM's exact step, pad the image yourself by a multiple
# of 4 pixels (so that the grid stays where it was), downsample, and drop the extra output pixels: with 8 pixels
# of reflection, outputs 2 to 65 of the padded image are outputs 0 to 63 of the image, with the blur reading
# reflected pixels instead of zeros.

from skimage import data  # noqa: E402 (the photo is used from here on)

photo = data.camera()[:256, 128:384].astype(np.float32) / 255
padded = np.pad(photo, 8, mode="reflect")
plain = aa.downsample(photo, 0.25)
without_border = aa.downsample(padded, 0.25)[2:-2, 2:-2]

figure, axes = plt.subplots(1, 3, figsize=(10, 3.6))
titles = ["input", "gaussian: dark top and left", "reflect-padded first"]
for ax, image, title in zip(axes, [photo, plain, without_border], titles, strict=True):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
figure.tight_layout()

inside = (slice(2, -2), slice(2, -2))
print("same inside the border:", np.allclose(plain[inside], without_border[inside], atol=1e-6))
