"""
Aliasing on a zone plate
========================

A zone plate is a pattern of rings that get finer away from its centre: along a line from the centre, the rings'
frequency grows steadily from 0 to the finest pattern pixels can hold (half a cycle per pixel, the *Nyquist
frequency*), so one image holds every frequency once.

Reduce it to a quarter of its size and the output can hold patterns only up to a quarter of that: 1/8 cycle per
input pixel, the output's Nyquist frequency. Rings finer than that have two fates. A method that filters before
it keeps every 4th pixel blurs them to flat grey. A method that does not filter enough lets them through, and
they come back as coarse false rings, centred elsewhere: *aliasing*, the moiré of a striped shirt on a video call.
"""

import matplotlib.pyplot as plt
import numpy as np

import antialias_np as aa

size = 512
y, x = np.mgrid[:size, :size] - size / 2
plate = (0.5 + 0.5 * np.cos(np.pi * (x**2 + y**2) / size)).astype(np.float32)
# At radius r the rings' frequency is r / size cycles per pixel:
# 1/8 (the output's Nyquist) at r = 64 input pixels,
# 1/2 (the input's) at r = 256, the plate's edge.
# The corners go beyond 1/2 and alias in the input itself.

# %%
# Each method at scale 1/4
# ------------------------
# The inner dashed circle marks the output's Nyquist frequency (radius 16 output pixels): inside it the rings are
# real detail; between it and the outer circle (the input's Nyquist frequency) there is nothing the output can
# show but flat grey. Every ring there is aliasing. (The input, drawn here smaller than its 512 pixels, shows
# false rings of its own: the screen downsamples it too.)

methods = ["subsample", "median", "area", "gaussian", "bilinear", "binomial"]
figure, axes = plt.subplots(2, 4, figsize=(12, 6.4))
axes.flat[0].imshow(plate, cmap="gray", vmin=0, vmax=1, interpolation="antialiased")  # the screen downsamples too
axes.flat[0].set_title("input, 512 x 512")
for ax, method in zip(axes.flat[1:-1], methods, strict=True):
    small = aa.downsample(plate, 0.25, method)
    ax.imshow(small, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    for radius in (16, 64):
        ax.add_patch(plt.Circle((64, 64), radius, fill=False, color="tab:red", ls="--", lw=1))
    ax.set_title(method)
axes.flat[-1].set_visible(False)
for ax in axes.flat:
    ax.set_axis_off()
figure.tight_layout()

# %%
# What each method lets through
# -----------------------------
# ``subsample`` shows the whole plate again, four times over: every ring beyond the circle folds back into a false
# one. The 3 x 3 ``median`` hardly filters a pattern of this contrast, so it aliases nearly as much (and
# ``bilateral``, not drawn, as much as ``subsample``). ``area``
# (the mean of each 4 x 4 block) filters, but its box-shaped window lets a good share of the rings through at the
# corners: of the filtering methods it aliases the most. ``gaussian`` (FOMM's baseline) leaves faint rings;
# ``bilinear`` fewer, at the cost of blurring the detail inside the circle a little more; ``binomial`` blurs the
# most and aliases the least.
#
# The aliasing scorecard of :doc:`/choosing` measures the same effect for every method, on a 256-pixel plate at
# half this contrast, so its numbers differ from the ones below, most for ``median``, whose filtering depends on
# the contrast. The
# frequency response of each method, the curve these rings sample, is on its page under :doc:`/methods/index`.
# Below, for every method, the mean square of what lies between the two circles, where an ideal downsampler gives
# flat grey (0 is best), and of the detail kept inside the inner circle (the ideal keeps about 0.125: the
# rings' full contrast):

radius = np.hypot(*(np.mgrid[:128, :128] - 64))
aliased_band, kept_band = (radius > 16) & (radius < 64), radius < 16
print("method      aliased   kept")
for method in aa.METHODS + aa.EXTRA_METHODS:
    small = aa.downsample(plate, 0.25, method) - 0.5
    print(f"{method:10s}  {np.mean(small[aliased_band] ** 2):.4f}   {np.mean(small[kept_band] ** 2):.4f}")
