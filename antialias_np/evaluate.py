"""The study's keypoint-error harness without trained weights: synthetic face frames with known landmarks, an
analytic landmark detector in the style of FOMM's, and the study's error.

    frames, truth = synthetic_frames(32)                  # (32, 3, 256, 256) float32, (32, 10, 2) in [-1, 1]
    detector = AnalyticDetector()
    base = detector(frames, method="gaussian")["value"]   # (32, 10, 2), the interface of fomm.KPDetector
    moved = detector(frames, method="bilinear")["value"]
    keypoint_error(base, moved)                           # the study's error of bilinear
    keypoint_error(truth, base)                           # the baseline's error against the ground truth

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
bicubic and area (and avgpool, identical to area here) centre it at input 4k + 1.5, which is 0.375 pixel of the
64 grid right and down, 0.0119 in [-1, 1] per axis, 0.168 summed over ten keypoints. subsample, nearest, median
and bilateral keep input pixel 4k, like the baseline.
"""

from __future__ import annotations

import numpy as np

from antialias_np.study import downsample

STEP = 4
"""The study's downsampling step: 256 x 256 frames, 64 x 64 keypoint grid (scale 0.25)."""

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


def synthetic_frames(n_frames: int, size: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
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


def rest_landmarks(size: int = 256) -> np.ndarray:
    """The (10, 2) landmark pixel coordinates (x, y) of the face at rest (no motion, no offset)."""
    rest = {"x": 0.0, "y": 0.0, "angle": 0.0, "zoom": 1.0}
    return _to_frame_pixels(_landmark_pixels(rest), size)


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


class AnalyticDetector:
    """A landmark detector in the style of FOMM's, with a hand-made heatmap instead of a trained network.

    `detector(frames, method)` downsamples (N, 3, 256, 256) frames with antialias_np.downsample(frames, 0.25,
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
        return self.predict_from_downsampled(downsample(frames, 1 / STEP, method=method))

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
        grid_x = 2 * np.arange(w) / (w - 1) - 1
        grid_y = 2 * np.arange(h) / (h - 1) - 1
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
        e = np.exp(logits - logits.max(axis=(1, 2), keepdims=True))
        return e / e.sum(axis=(1, 2), keepdims=True)


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
