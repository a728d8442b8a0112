"""Synthetic face frames with known landmarks: the study's frames when no trained detector is at hand.

    frames, truth = synthetic_frames(32)    # (32, 3, 256, 256) float32, (32, 10, 2) in [-1, 1]

Coordinates
-----------
A frame's pixel (row i, column j) has its centre at pixel coordinates (x, y) = (j, i). Landmarks are placed at
sub-pixel positions u = (u_x, u_y) in these coordinates. Keypoints live on the 64 x 64 grid the detector sees,
and FOMM's baseline (method "gaussian") takes that grid's pixel k from input pixel 4k: its Gaussian is centred
there and x[..., ::4, ::4] keeps it. So the landmark lies at u / 4 on the 64 grid, and its [-1, 1] coordinates are
those of FOMM's make_coordinate_grid on a w x h grid (w = h = 64 for a 256 frame):

    x = 2 * (u_x / 4) / (w - 1) - 1,    y = 2 * (u_y / 4) / (h - 1) - 1

The ground truth is in the baseline's convention because FOMM's generator was trained on the baseline's
keypoints. A method that centres its output pixel k elsewhere moves every keypoint by the difference: bilinear,
bicubic and area (and avgpool, identical to area here) centre it at input 4k + 1.5, so the content at input u shows
at grid (u - 1.5) / 4: the image and every keypoint move 0.375 pixel of the 64 grid up and left, -0.0119 in
[-1, 1] per axis (add 0.0119 to undo it), 0.168 summed over ten keypoints. subsample, nearest, median and
bilateral keep input pixel 4k, like the baseline.
"""

from __future__ import annotations

import numpy as np

from benchmark.protocol import FRAME_SIZE, STEP

LANDMARK_NAMES = (
    "left eye",
    "right eye",
    "left brow",
    "right brow",
    "nose",
    "mouth",
    "left mole",
    "right mole",
    "chin",
    "forehead",
)
"""The ten landmarks, left and right as seen in the image (left = smaller x)."""

# The face, in pixels of a 256 x 256 frame, relative to the face centre (x right, y down). Each landmark is a dark
# Gaussian mark: (centre x, centre y), (sigma x, sigma y), and the amount it darkens each of R, G, B.
_MARKS = (
    ((-36, -22), (5.0, 5.0), (0.85, 0.85, 0.80)),
    ((36, -22), (5.0, 5.0), (0.85, 0.85, 0.80)),
    ((-36, -52), (8.0, 3.0), (0.40, 0.45, 0.45)),
    ((36, -52), (8.0, 3.0), (0.40, 0.45, 0.45)),
    ((0, 14), (5.0, 3.0), (0.30, 0.35, 0.35)),
    ((0, 50), (13.0, 3.5), (0.30, 0.50, 0.45)),
    ((-44, 22), (3.0, 3.0), (0.50, 0.55, 0.55)),
    ((44, 22), (3.0, 3.0), (0.50, 0.55, 0.55)),
    ((0, 80), (3.5, 3.5), (0.40, 0.45, 0.45)),
    ((0, -72), (3.0, 3.0), (0.50, 0.60, 0.60)),
)
_FACE_CENTRE = (127.5, 124.0)
_FACE_AXES = (80.0, 106.0)
_FACE_DEPTH = 70.0
_LIGHT = np.array([-0.35, -0.45, 1.0]) / np.linalg.norm([-0.35, -0.45, 1.0])
_SKIN = (0.90, 0.70, 0.58)
_EYE_AXES = (15.0, 7.0)
_HAIR = ((0.0, -28.0), (98.0, 112.0), (0.25, 0.17, 0.12))
_SHIRT = (0.20, 0.30, 0.55)

# Fine periodic textures: (amplitude, period in pixels, direction in degrees). Periods near 4 pixels alias into
# slow moire on the 64 grid when a method keeps every 4th pixel without filtering.
_SKIN_TEXTURE = ((0.05, 4.3, 20.0), (0.05, 4.6, 110.0))
_HAIR_TEXTURE = ((0.06, 3.1, 0.0),)
_SHIRT_TEXTURE = ((0.12, 4.4, 0.0), (0.12, 4.4, 90.0))
_BACKGROUND_TEXTURE = ((0.10, 2.9, 45.0),)

# Motion: (amplitude, shortest and longest period in frames) of each pose parameter's sinusoid.
_MOTION = {
    "x": (2.5, 24, 40),
    "y": (2.0, 24, 40),
    "angle": (np.deg2rad(1.5), 30, 50),
    "zoom": (0.015, 30, 50),
}
_MAX_OFFSET = 1.5
"""A seed also shifts the whole face by up to this many pixels on each axis, so sub-pixel phases vary."""


def synthetic_frames(n_frames: int, size: int = FRAME_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic face-like frames with ten landmarks at known sub-pixel positions.

    Returns (frames, landmarks): frames (n_frames, 3, size, size) float32 RGB in [0, 1]; landmarks
    (n_frames, 10, 2) float64 (x, y) in [-1, 1] on the size/4 keypoint grid, in the baseline's convention (module
    docstring), ordered as LANDMARK_NAMES. size is a multiple of 4 (at least 8); the scene scales with it.

    The scene: a shaded ellipsoid face (Lambertian, light from the upper left) with sharp-edged eye whites, hair
    and a shirt; ten dark Gaussian marks (pupils, brows, nose, mouth, two moles, chin, forehead) whose centres are
    the landmarks; fine periodic textures on skin, hair, shirt and background that alias when subsampled. The face
    moves a little from frame to frame (translation, rotation, zoom: slow sinusoids whose phases, periods and a
    global sub-pixel offset come from `seed`); the background stays still. The same arguments give the same frames
    (bit for bit on one machine; NumPy's exp and cos may differ in the last bit between CPUs).
    """
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    if size < 2 * STEP or size % STEP:
        raise ValueError(f"size must be a multiple of {STEP} and at least {2 * STEP}, got {size}")
    poses = _poses(n_frames, np.random.default_rng(seed))
    frames = np.stack([_render(pose, size) for pose in poses]).astype(np.float32)
    landmarks = np.stack([_landmark_pixels(pose) for pose in poses])
    return frames, pixels_to_grid(_to_frame_pixels(landmarks, size), size)


def pixels_to_grid(points: np.ndarray, size: int) -> np.ndarray:
    """Input pixel coordinates (x, y) of a size x size frame -> [-1, 1] on the baseline's size/4 keypoint grid.

    x = 2 * (u_x / 4) / (w - 1) - 1 with w = size / 4 (module docstring); the same for y.
    """
    w = size // STEP
    return 2 * (np.asarray(points, dtype=np.float64) / STEP) / (w - 1) - 1


def rest_landmarks(size: int = FRAME_SIZE) -> np.ndarray:
    """The (10, 2) landmark pixel coordinates (x, y) of the face at rest (no motion, no offset)."""
    rest = {"x": 0.0, "y": 0.0, "angle": 0.0, "zoom": 1.0}
    return _to_frame_pixels(_landmark_pixels(rest), size)


def _poses(n_frames: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """Per frame: face translation x, y (pixels), angle (radians) and zoom, from slow random sinusoids."""
    frame = np.arange(n_frames)
    offset = rng.uniform(-_MAX_OFFSET, _MAX_OFFSET, size=2)
    tracks = {}
    for name, (amplitude, shortest, longest) in _MOTION.items():
        period = rng.uniform(shortest, longest)
        phase = rng.uniform(0, 2 * np.pi)
        tracks[name] = amplitude * np.sin(2 * np.pi * frame / period + phase)
    tracks["x"] += offset[0]
    tracks["y"] += offset[1]
    tracks["zoom"] += 1
    return [{name: float(track[f]) for name, track in tracks.items()} for f in range(n_frames)]


def _face_to_image(pose: dict[str, float], q: np.ndarray) -> np.ndarray:
    """Face coordinates q (..., 2) -> 256-frame pixel coordinates: centre + shift + zoom * rotation(angle) q."""
    c, s = np.cos(pose["angle"]), np.sin(pose["angle"])
    x = pose["zoom"] * (c * q[..., 0] - s * q[..., 1])
    y = pose["zoom"] * (s * q[..., 0] + c * q[..., 1])
    return np.stack([x + _FACE_CENTRE[0] + pose["x"], y + _FACE_CENTRE[1] + pose["y"]], axis=-1)


def _image_to_face(pose: dict[str, float], x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of _face_to_image, on pixel coordinate arrays x and y."""
    dx = (x - _FACE_CENTRE[0] - pose["x"]) / pose["zoom"]
    dy = (y - _FACE_CENTRE[1] - pose["y"]) / pose["zoom"]
    c, s = np.cos(pose["angle"]), np.sin(pose["angle"])
    return c * dx + s * dy, -s * dx + c * dy


def _landmark_pixels(pose: dict[str, float]) -> np.ndarray:
    """The (10, 2) landmark positions in 256-frame pixel coordinates."""
    return _face_to_image(pose, np.array([centre for centre, _, _ in _MARKS], dtype=np.float64))


def _to_frame_pixels(points: np.ndarray, size: int) -> np.ndarray:
    """256-frame pixel coordinates -> size-frame pixel coordinates (the scene scales about the frame's corner)."""
    return (points + 0.5) * (size / 256) - 0.5


def _render(pose: dict[str, float], size: int) -> np.ndarray:
    """One (3, size, size) float64 frame, clipped to [0, 1]."""
    pixels = (np.arange(size) + 0.5) * (256 / size) - 0.5  # pixel centres in 256-frame coordinates
    y, x = np.meshgrid(pixels, pixels, indexing="ij")
    qx, qy = _image_to_face(pose, x, y)

    image = _background(x, y)
    shirt = qy > 92 + 0.25 * np.abs(qx)
    image = np.where(shirt, _colour(_SHIRT) + _texture(_SHIRT_TEXTURE, qx, qy), image)
    (hx, hy), (ha, hb), hair_colour = _HAIR
    hair = _inside_ellipse(qx - hx, qy - hy, ha, hb) & ~shirt
    image = np.where(hair, _colour(hair_colour) + _texture(_HAIR_TEXTURE, qx, qy), image)
    face = _inside_ellipse(qx, qy, *_FACE_AXES)
    image = np.where(face, _colour(_SKIN) * _shading(qx, qy) + _texture(_SKIN_TEXTURE, qx, qy), image)
    for (ex, ey), _, _ in _MARKS[:2]:
        image = np.where(_inside_ellipse(qx - ex, qy - ey, *_EYE_AXES), 0.95, image)
    for (mx, my), (sx, sy), ink in _MARKS:
        mark = np.exp(-((qx - mx) ** 2) / (2 * sx**2) - (qy - my) ** 2 / (2 * sy**2))
        image = image - _colour(ink) * mark
    return np.clip(image, 0, 1)


def _colour(rgb) -> np.ndarray:
    """An RGB triple shaped (3, 1, 1), to broadcast over a (3, H, W) image."""
    return np.asarray(rgb, dtype=np.float64)[:, None, None]


def _inside_ellipse(dx: np.ndarray, dy: np.ndarray, a: float, b: float) -> np.ndarray:
    return (dx / a) ** 2 + (dy / b) ** 2 < 1


def _texture(waves, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A grey sum of plane waves: amplitude * cos(2 pi (x cos(a) + y sin(a)) / period)."""
    total = np.zeros_like(x)
    for amplitude, period, degrees in waves:
        a = np.deg2rad(degrees)
        total += amplitude * np.cos(2 * np.pi * (x * np.cos(a) + y * np.sin(a)) / period)
    return total


def _background(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A still background: a vertical colour gradient and fine diagonal stripes."""
    t = y / 255
    top, bottom = _colour((0.60, 0.64, 0.70)), _colour((0.35, 0.40, 0.50))
    return top * (1 - t) + bottom * t + _texture(_BACKGROUND_TEXTURE, x, y)


def _shading(qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """Lambertian shading of the face ellipsoid (semi-axes _FACE_AXES and _FACE_DEPTH): ambient + diffuse."""
    a, b = _FACE_AXES
    e = np.clip(1 - (qx / a) ** 2 - (qy / b) ** 2, 0, None)
    normal = np.stack([qx / a**2, qy / b**2, np.sqrt(e) / _FACE_DEPTH])
    normal /= np.maximum(np.linalg.norm(normal, axis=0), 1e-12)
    return 0.45 + 0.55 * np.clip(np.tensordot(_LIGHT, normal, axes=1), 0, None)
