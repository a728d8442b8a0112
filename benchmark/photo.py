"""Frames of a real photo for ONet: the face of scikit-image's astronaut.png, moved a little in every frame.

    frames = photo_frames(64)       # (64, 3, 192, 192) float32 in [0, 1]

The photo is NASA's portrait of Eileen Collins (public domain; benchmark/data/README.md), shipped as a 224 x 224
crop around the face (benchmark/data/astronaut_face.png). Every frame is the square of FACE_BOX photo pixels around
the crop's centre that ONet sees as the face (found by iterating ONet's own box correction, MTCNN's last stage, and
squaring the box as MTCNN does), resampled to 192 x 192 pixels, so that the study's scale 0.25 hands ONet exactly
its 48 x 48 input. Each frame moves the face by a random similarity transform, drawn from a seed:

    rotation uniform in +-MAX_ROTATION degrees, scale uniform in 1 +- MAX_SCALE_CHANGE, shift uniform in
    +-MAX_SHIFT frame pixels along each axis (sub-pixel: the frames see the face at every phase of the 4-pixel
    grid of the downsampling)

Frame pixel (i, j) (centre at (x, y) = (j, i)) samples the photo at c + s R (x - 95.5, y - 95.5) + t, c being the
crop's centre, s = FACE_BOX / 192 / scale photo pixels per frame pixel, R the rotation and t the shift, with
Lanczos-3 interpolation (lanczos_sample). The frames enlarge the photo (s is about 0.58), so they hold no detail
finer than the photo's own pixels; the 1/4 downsampling to 48 x 48 then shrinks the photo 2.3 times, which still
aliases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.protocol import STEP

PHOTO = Path(__file__).resolve().parent / "data" / "astronaut_face.png"
FRAME_SIZE = 48 * STEP
"""192: ONet's 48 x 48 input at the study's scale."""
FACE_BOX = 112.0
"""Side of ONet's face box in photo pixels, centred on the shipped crop."""
MAX_ROTATION = 4.0
MAX_SCALE_CHANGE = 0.04
MAX_SHIFT = 2.0
LANCZOS_RADIUS = 3


def photo_frames(n: int, seed: int = 0) -> np.ndarray:
    """n frames (N, 3, 192, 192), float32 RGB in [0, 1], of the photo's face moved as the module docstring says."""
    import imageio.v3 as iio

    photo = iio.imread(PHOTO).astype(np.float64).transpose(2, 0, 1) / 255
    rng = np.random.default_rng(seed)
    angles = np.deg2rad(rng.uniform(-MAX_ROTATION, MAX_ROTATION, n))
    scales = 1 + rng.uniform(-MAX_SCALE_CHANGE, MAX_SCALE_CHANGE, n)
    shifts = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n, 2))
    centre = (np.array(photo.shape[1:][::-1]) - 1) / 2  # (x, y)
    grid = np.arange(FRAME_SIZE) - (FRAME_SIZE - 1) / 2
    x, y = np.meshgrid(grid, grid)  # frame pixel centres relative to the frame's centre
    frames = np.empty((n, 3, FRAME_SIZE, FRAME_SIZE), np.float32)
    for k in range(n):
        step = FACE_BOX / FRAME_SIZE / scales[k]
        cos, sin = step * np.cos(angles[k]), step * np.sin(angles[k])
        source_x = centre[0] + cos * (x - shifts[k, 0]) - sin * (y - shifts[k, 1])
        source_y = centre[1] + sin * (x - shifts[k, 0]) + cos * (y - shifts[k, 1])
        frames[k] = np.clip(lanczos_sample(photo, source_x, source_y), 0, 1)  # Lanczos overshoots at edges
    return frames


def lanczos(d: np.ndarray, radius: int = LANCZOS_RADIUS) -> np.ndarray:
    """The Lanczos window: sinc(d) sinc(d / radius) for |d| < radius, else 0 (sinc(d) = sin(pi d) / (pi d))."""
    return np.where(np.abs(d) < radius, np.sinc(d) * np.sinc(d / radius), 0.0)


def lanczos_sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """image (C, H, W) at the points (x, y) (pixel (i, j) has its centre at (j, i)) -> (C, *x.shape).

    out = sum over the 2 radius x 2 radius pixels (i, j) around the point of w_x(j) w_y(i) image[:, i, j], with
    w_x(j) = lanczos(x - j) / sum_j' lanczos(x - j') (the weights sum to 1); w_y likewise. Every point must lie
    at least `radius` pixels inside the image.
    """
    taps = np.arange(-LANCZOS_RADIUS + 1, LANCZOS_RADIUS + 1)
    left, top = np.floor(x).astype(int), np.floor(y).astype(int)
    rows, columns = image.shape[1:]
    if min(left.min(), top.min()) + taps[0] < 0 or left.max() + taps[-1] >= columns or top.max() + taps[-1] >= rows:
        raise ValueError("a frame samples the photo too close to its border; move the face less")
    weights_x = lanczos((x - left)[..., None] - taps)
    weights_x /= weights_x.sum(axis=-1, keepdims=True)
    weights_y = lanczos((y - top)[..., None] - taps)
    weights_y /= weights_y.sum(axis=-1, keepdims=True)
    out = np.zeros((image.shape[0], *x.shape))
    for a, dy in enumerate(taps):
        for b, dx in enumerate(taps):
            out += (weights_y[..., a] * weights_x[..., b]) * image[:, top + dy, left + dx]
    return out
