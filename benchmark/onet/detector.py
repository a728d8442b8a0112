"""MTCNN's ONet (the output network of Zhang et al., 2016) in NumPy: a face probability and 5 landmarks per crop.

The architecture and weights are facenet-pytorch 2.6.0's (models/mtcnn.py, class ONet; MIT licence, Tim Esler),
converted to benchmark/data/onet.npz (see benchmark/data/README.md). Shapes for one crop, (channels, height, width):

    crop                                   3 x 48 x 48   RGB in [0, 1], as 0-255 values v: (v - 127.5) / 128
    conv1 3x3 -> PReLU -> max pool 3/2     32 x 46 x 46 -> 32 x 23 x 23   (pools in ceil mode)
    conv2 3x3 -> PReLU -> max pool 3/2     64 x 21 x 21 -> 64 x 10 x 10
    conv3 3x3 -> PReLU -> max pool 2/2     64 x  8 x  8 -> 64 x  4 x  4
    conv4 2x2 -> PReLU                    128 x  3 x  3
    flatten in (width, height, channel) order (facenet-pytorch's permute(0, 3, 2, 1); the weights come from a
    column-major framework), dense5 -> PReLU                              256
    heads: dense6_1 -> softmax             2    (not a face, a face)
           dense6_2                        4    box correction (unused here)
           dense6_3                       10    landmarks: x of the 5 points, then their y, as fractions of the crop

The 5 landmarks are the eyes, the nose and the mouth's corners (left and right as seen in the image). facenet-pytorch
places landmark x at image pixel x0 + p * w for a crop of w pixels starting at pixel x0, so here at pixel
u = p * 48 of the crop, pixel u's centre being at u. On FOMM's coordinate grid (pixel j at 2 j / (n - 1) - 1, as the
study reads every detector), that is x = 2 p * 48 / 47 - 1; y likewise. One pixel of the crop is 2 / 47 = 0.043.
Where p = 0 lies (a pixel's centre or its edge) moves every landmark alike, so it leaves the study's error, a
difference of two methods' landmarks, unchanged; the scale 2 * 48 / 47 does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from benchmark.keypoints import softmax
from benchmark.layers import conv2d, max_pool2d_ceil, prelu
from benchmark.torch_file import check_state_dict

INPUT_SIZE = 48
CROP_SHAPE = (3, INPUT_SIZE, INPUT_SIZE)
NUM_LANDMARKS = 5
LANDMARK_NAMES = ("left eye", "right eye", "nose", "left mouth corner", "right mouth corner")
WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "onet.npz"
"""The shipped weights: facenet-pytorch 2.6.0's onet.pt as float32 arrays (python -m benchmark.onet convert)."""
CONVOLUTIONS = (("conv1", 3, 32, 3, 3, 2), ("conv2", 32, 64, 3, 3, 2), ("conv3", 64, 64, 3, 2, 2))
"""(name, in channels, out channels, kernel, then the max pool's kernel and stride) of the pooled blocks."""
DENSE = (("dense5", 1152, 256), ("dense6_1", 256, 2), ("dense6_2", 256, 4), ("dense6_3", 256, 10))
"""(name, in features, out features) of the dense layers."""


def parameter_shapes() -> dict[str, tuple[int, ...]]:
    """The shape of every array of facenet-pytorch's ONet state dict, by key, in its order."""
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (name, c_in, c_out, k, *_) in enumerate((*CONVOLUTIONS, ("conv4", 64, 128, 2)), 1):
        shapes.update({f"{name}.weight": (c_out, c_in, k, k), f"{name}.bias": (c_out,), f"prelu{i}.weight": (c_out,)})
    for name, n_in, n_out in DENSE:
        shapes.update({f"{name}.weight": (n_out, n_in), f"{name}.bias": (n_out,)})
        if name == "dense5":
            shapes["prelu5.weight"] = (n_out,)
    return shapes


class ONet:
    """MTCNN's ONet: `onet.predict_from_downsampled(crops)` -> {"value": (N, 5, 2), "face_probability": (N,)}.

    `ONet.load()` reads the shipped weights; `ONet.from_state_dict(d)` takes arrays under facenet-pytorch's keys.
    """

    def __init__(self, state_dict: Mapping[str, np.ndarray]):
        """Use `from_state_dict` or `load`; `state_dict` must already be checked."""
        self.weights = {key: np.asarray(value, dtype=np.float32) for key, value in state_dict.items()}

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, np.ndarray]) -> ONet:
        """An ONet with these weights; a ValueError names the first missing, unexpected or wrongly shaped key."""
        check_state_dict(state_dict, parameter_shapes(), "facenet-pytorch's ONet")
        return cls(state_dict)

    @classmethod
    def load(cls, path: str | os.PathLike = WEIGHTS) -> ONet:
        """An ONet from an .npz of its arrays under facenet-pytorch's keys (default: the shipped weights)."""
        with np.load(path) as data:
            return cls.from_state_dict({key: data[key] for key in data.files})

    def predict_from_downsampled(self, crops: np.ndarray) -> dict[str, np.ndarray]:
        """Landmarks of float32 face crops (N, 3, 48, 48), RGB in [0, 1] (a 192 x 192 frame downsampled by 1/4).

        Returns float32 {"value": (N, 5, 2) landmarks (x, y) in [-1, 1] (see the module docstring),
        "face_probability": (N,) ONet's softmax probability that the crop is a face}.
        """
        crops = _check_crops(crops)
        w = self.weights
        x = (crops.transpose(1, 0, 2, 3) * np.float32(255) - np.float32(127.5)) * np.float32(0.0078125)
        for i, (name, _, _, _, pool, stride) in enumerate(CONVOLUTIONS, 1):
            x = prelu(conv2d(x, w[f"{name}.weight"], w[f"{name}.bias"], padding=0), w[f"prelu{i}.weight"])
            x = max_pool2d_ceil(x, pool, stride)
        x = prelu(conv2d(x, w["conv4.weight"], w["conv4.bias"], padding=0), w["prelu4.weight"])  # (128, N, 3, 3)
        # torch's permute(0, 3, 2, 1) then flatten: each crop's features in (width, height, channel) order.
        features = x.transpose(3, 2, 0, 1).reshape(-1, len(crops))  # (1152, N)
        hidden = prelu(w["dense5.weight"] @ features + w["dense5.bias"][:, None], w["prelu5.weight"])  # (256, N)
        face = softmax((w["dense6_1.weight"] @ hidden + w["dense6_1.bias"][:, None]).T)[:, 1]
        fractions = (w["dense6_3.weight"] @ hidden + w["dense6_3.bias"][:, None]).T  # (N, 10): x0..x4, y0..y4
        points = np.stack([fractions[:, :NUM_LANDMARKS], fractions[:, NUM_LANDMARKS:]], axis=-1)
        value = 2 * points * np.float32(INPUT_SIZE / (INPUT_SIZE - 1)) - 1
        return {"value": value.astype(np.float32), "face_probability": face.astype(np.float32)}


def _check_crops(crops: object) -> np.ndarray:
    """`crops` if it is a float32 ndarray (N, 3, 48, 48), else a TypeError or ValueError saying what to pass."""
    if not isinstance(crops, np.ndarray):
        raise TypeError(f"crops must be a numpy.ndarray, got {type(crops).__name__}; use np.asarray(crops)")
    if crops.dtype != np.float32:
        raise TypeError(f"crops have dtype {crops.dtype}, but ONet takes float32; use crops.astype(np.float32)")
    if crops.ndim != 4 or crops.shape[1:] != CROP_SHAPE:
        raise ValueError(f"crops must have shape (N, 3, 48, 48), got {crops.shape}")
    return crops
