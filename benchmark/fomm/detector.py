"""FOMM's keypoint detector (vox-256 configuration) in NumPy: 10 keypoints and their 2x2 Jacobians per frame.

Siarohin et al., First Order Motion Model (2019), modules/keypoint_detector.py and modules/util.py, with
config/vox-256.yaml (block_expansion 32, max_features 1024, num_blocks 5, num_kp 10, temperature 0.1,
scale_factor 0.25, estimate_jacobian True). Shapes for one frame, (channels, height, width):

    frame                                      3 x 256 x 256   RGB in [0, 1]
    down: downsample(frame, 0.25, method)      3 x  64 x  64   method="gaussian" is FOMM's AntiAliasInterpolation2d
    Hourglass encoder, 5 DownBlock2d:          conv 3x3 (pad 1) -> BatchNorm -> ReLU -> average pool 2x2
                                              64 x 32 x 32, 128 x 16 x 16, 256 x 8 x 8, 512 x 4 x 4, 1024 x 2 x 2
    Hourglass decoder, 5 UpBlock2d:            nearest upsample x2 -> conv 3x3 (pad 1) -> BatchNorm -> ReLU,
                                              then concatenated with the encoder output of that size (the skip):
                                              512+512 x 4 x 4, 256+256 x 8 x 8, 128+128 x 16 x 16, 64+64 x 32 x 32,
                                              32+3 x 64 x 64 (the last skip is the downsampled frame itself)
    kp: conv 7x7, no padding                  10 x 58 x 58     heatmap logits, one map per keypoint
    heatmap = softmax(logits / 0.1)           10 x 58 x 58     over the 58*58 positions of each map
    value = sum of heatmap * grid             10 x 2           (x, y), each in [-1, 1]
    jacobian: conv 7x7, no padding            40 x 58 x 58     4 maps per keypoint, weighted by its heatmap
                                                               and summed -> 10 x 2 x 2

How it is computed (measured against the plain way; see FRAMES_PER_BATCH and _upsample2_conv3x3):
- BatchNorm runs in eval mode (running statistics), so it is an affine map per channel: it is folded into the
  convolution before it.
- Every convolution is im2col + one float32 matrix product (BLAS; benchmark.layers.conv2d). Activations are laid
  out (channels, frames, height, width) inside, so a product comes out in that layout with no transpose.
- The decoder never builds its upsampled images: a 3x3 convolution of a nearest-upsampled image is, at each of the
  four output pixel parities, a 2x2 convolution of the small image: 4/9 of the products, 51 -> 39 ms a frame.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping

import numpy as np

import antialias_np as aa
from benchmark.keypoints import coordinate_grid, softmax
from benchmark.layers import conv2d
from benchmark.protocol import FRAME_SIZE, NUM_KEYPOINTS, SCALE, SMALL_SIZE
from benchmark.torch_file import check_state_dict

TEMPERATURE = 0.1
FRAME_SHAPE = (3, FRAME_SIZE, FRAME_SIZE)
SMALL_SHAPE = (3, SMALL_SIZE, SMALL_SIZE)
BATCHNORM_EPS = 1e-5
ENCODER_CHANNELS = ((3, 64), (64, 128), (128, 256), (256, 512), (512, 1024))
"""(in, out) channels of down_blocks.0 .. 4: FOMM's min(max_features, block_expansion * 2 ** (i + 1))."""
DECODER_CHANNELS = ((1024, 512), (1024, 256), (512, 128), (256, 64), (128, 32))
"""(in, out) channels of up_blocks.0 .. 4; from the second on, the input is an output concatenated with its skip."""
FEATURE_CHANNELS = DECODER_CHANNELS[-1][1] + FRAME_SHAPE[0]
"""35: the Hourglass output that the kp and jacobian convolutions read."""
HEAD_SIZE = 7
FRAMES_PER_BATCH = 4
"""Frames run through the network together. Measured (1 thread, ms a frame): 1: 43, 2: 39, 4: 37-39, 8: 43;
fewer frames re-read the 4x4 layers' 18 MB weight matrices more often, more make bigger im2col matrices (the
heads' is 23 MB a frame)."""

NORM_PARAMETERS = ("weight", "bias", "running_mean", "running_var")
NEAREST_TAPS = np.array([[[1, 0, 0], [0, 1, 1]], [[1, 1, 0], [0, 0, 1]]])
"""NEAREST_TAPS[a, t, d] = 1 if, on a nearest-upsampled x2 image, the 3x3 kernel's row offset d - 1 at output row
2i + a reads row i - 1 + a + t (t = 0, 1) of the small image. Even rows: offset -1 reads row i - 1, offsets 0 and
+1 read row i; odd rows: -1 and 0 read row i, +1 reads row i + 1. Columns likewise."""


def parameter_shapes() -> dict[str, tuple[int, ...]]:
    """The shape of every array of FOMM's `kp_detector` state dict (num_batches_tracked aside), by key."""
    shapes: dict[str, tuple[int, ...]] = {}
    blocks = [(f"predictor.encoder.down_blocks.{i}", c) for i, c in enumerate(ENCODER_CHANNELS)]
    blocks += [(f"predictor.decoder.up_blocks.{i}", c) for i, c in enumerate(DECODER_CHANNELS)]
    for prefix, (c_in, c_out) in blocks:
        shapes[f"{prefix}.conv.weight"] = (c_out, c_in, 3, 3)
        shapes[f"{prefix}.conv.bias"] = (c_out,)
        for name in NORM_PARAMETERS:
            shapes[f"{prefix}.norm.{name}"] = (c_out,)
    shapes["kp.weight"] = (NUM_KEYPOINTS, FEATURE_CHANNELS, HEAD_SIZE, HEAD_SIZE)
    shapes["kp.bias"] = (NUM_KEYPOINTS,)
    shapes["jacobian.weight"] = (4 * NUM_KEYPOINTS, FEATURE_CHANNELS, HEAD_SIZE, HEAD_SIZE)
    shapes["jacobian.bias"] = (4 * NUM_KEYPOINTS,)
    shapes["down.weight"] = (FRAME_SHAPE[0], 1, *_down_kernel().shape)
    return shapes


class KPDetector:
    """FOMM's vox-256 keypoint detector: `detector(frames)` -> {"value": (N, 10, 2), "jacobian": (N, 10, 2, 2)}.

    Build it from FOMM's weights with `KPDetector.load("kp_detector.npz")` (made by
    `python -m benchmark.fomm convert CHECKPOINT.pth.tar kp_detector.npz`) or `KPDetector.from_state_dict(d)`.
    """

    def __init__(self, state_dict: Mapping[str, np.ndarray]):
        """Use `from_state_dict` or `load`; `state_dict` must already be checked."""
        self.down_blocks = []
        for i in range(len(ENCODER_CHANNELS)):
            weight, bias = _fold_batchnorm(state_dict, f"predictor.encoder.down_blocks.{i}")
            self.down_blocks.append((weight.astype(np.float32), bias.astype(np.float32)))
        self.up_blocks = []
        for i in range(len(DECODER_CHANNELS)):
            weight, bias = _fold_batchnorm(state_dict, f"predictor.decoder.up_blocks.{i}")
            self.up_blocks.append((_parity_kernels(weight).astype(np.float32), bias.astype(np.float32)))
        # Both heads read the same 7x7 windows of the features: one product computes the 10 + 40 maps.
        self.heads = (
            np.concatenate([state_dict["kp.weight"], state_dict["jacobian.weight"]]),
            np.concatenate([state_dict["kp.bias"], state_dict["jacobian.bias"]]),
        )

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, np.ndarray]) -> KPDetector:
        """A detector with FOMM's `kp_detector` weights, given as NumPy arrays under FOMM's key names.

        Raises a ValueError naming the first missing, unexpected or wrongly shaped key. num_batches_tracked
        entries are ignored; arrays are converted to float32.
        """
        arrays = {k: v for k, v in state_dict.items() if not k.endswith("num_batches_tracked")}
        check_state_dict(arrays, parameter_shapes(), "FOMM's vox-256 kp_detector")
        arrays = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}
        _check_down_weight(arrays["down.weight"])
        return cls(arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> KPDetector:
        """A detector from an .npz file holding FOMM's `kp_detector` arrays under their key names.

        Raises a ValueError when the file is not an .npz of numeric arrays (nothing in it is ever unpickled), or as
        from_state_dict.
        """
        # np.load would unpickle what is not a zip archive, or say to allow it: an .npz is always a zip archive.
        if not zipfile.is_zipfile(path):
            raise ValueError("it is not a zip archive, as every .npz file is")
        with np.load(path) as data:
            try:
                arrays = {key: data[key] for key in data.files}
            except ValueError:  # an object array (pickled Python objects) or a damaged one
                raise ValueError("its arrays cannot be read as numeric arrays") from None
        return cls.from_state_dict(arrays)

    def __call__(self, frames: np.ndarray, method: str = "gaussian") -> dict[str, np.ndarray]:
        """Keypoints of float32 frames (N, 3, 256, 256) in [0, 1], downsampled to 64x64 by `method`.

        method="gaussian" is FOMM's own AntiAliasInterpolation2d; the others are antialias_np.METHODS.
        Returns float32 {"value": (N, 10, 2) as (x, y) in [-1, 1], "jacobian": (N, 10, 2, 2)}.
        """
        frames = _check_frames(frames, "frames", FRAME_SHAPE)
        return self.predict_from_downsampled(aa.downsample(frames, SCALE, method=method))

    def predict_from_downsampled(self, small: np.ndarray) -> dict[str, np.ndarray]:
        """Keypoints of frames already downsampled to float32 (N, 3, 64, 64): the network without `down`."""
        small = _check_frames(small, "small", SMALL_SHAPE)
        results = [self._predict(small[i : i + FRAMES_PER_BATCH]) for i in range(0, len(small), FRAMES_PER_BATCH)]
        return {key: np.concatenate([r[key] for r in results]) for key in ("value", "jacobian")}

    def _predict(self, small: np.ndarray) -> dict[str, np.ndarray]:
        """Per keypoint k, with l_k its 58x58 logits and T the temperature 0.1:
        heatmap_k = exp(l_k / T) / sum exp(l_k / T);  value_k = sum heatmap_k * grid;
        jacobian_k = sum heatmap_k * J_k, J_k its 4 jacobian maps read as a 2x2 matrix (row-major)."""
        features = self._hourglass(small.transpose(1, 0, 2, 3))
        maps = conv2d(features, *self.heads, padding=0)
        _, n, h, w = maps.shape
        heatmap = softmax(maps[:NUM_KEYPOINTS].reshape(NUM_KEYPOINTS, n, h * w) / np.float32(TEMPERATURE))
        value = _expected_coordinate(heatmap.reshape(NUM_KEYPOINTS, n, h, w))
        jacobian_maps = maps[NUM_KEYPOINTS:].reshape(NUM_KEYPOINTS, 4, n, h * w)
        jacobian = (heatmap[:, None] * jacobian_maps).sum(axis=-1)
        return {
            "value": np.ascontiguousarray(value.transpose(1, 0, 2)),
            "jacobian": np.ascontiguousarray(jacobian.transpose(2, 0, 1).reshape(n, NUM_KEYPOINTS, 2, 2)),
        }

    def _hourglass(self, x: np.ndarray) -> np.ndarray:
        """(3, N, 64, 64) -> (35, N, 64, 64): the encoder keeps every output for the decoder's skips."""
        skips = [x]
        for weight, bias in self.down_blocks:
            x = _average_pool2(_relu(conv2d(x, weight, bias, padding=1)))
            skips.append(x)
        x = skips.pop()
        for kernels, bias in self.up_blocks:
            x = _relu(_upsample2_conv3x3(x, kernels, bias))
            x = np.concatenate([x, skips.pop()])
        return x


def random_state_dict(seed: int = 0) -> dict[str, np.ndarray]:
    """FOMM-shaped float32 weights drawn from `seed`, for tests: activations stay of order 1 through the network.

    Convolutions: He-normal weights (std sqrt(2 / fan_in)) and biases N(0, 0.1^2); the jacobian head has a tenth of
    that spread around FOMM's initial bias (1, 0, 0, 1), so Jacobians stay near the identity. BatchNorm: weight
    U(0.5, 1.5), bias N(0, 0.1^2), running_mean N(0, 0.1^2), running_var U(0.5, 2). down.weight: FOMM's Gaussian.
    """
    rng = np.random.default_rng(seed)
    arrays = {}
    for key, shape in parameter_shapes().items():
        if key == "down.weight":
            array = np.broadcast_to(_down_kernel(), shape)
        elif key.endswith("conv.weight") or key in ("kp.weight", "jacobian.weight"):
            fan_in = np.prod(shape[1:])
            spread = 0.1 if key == "jacobian.weight" else 1.0
            array = rng.normal(0, spread * np.sqrt(2 / fan_in), shape)
        elif key == "jacobian.bias":
            array = np.tile([1.0, 0.0, 0.0, 1.0], NUM_KEYPOINTS) + rng.normal(0, 0.01, shape)
        elif key.endswith(("norm.weight", "running_var")):
            low, high = (0.5, 1.5) if key.endswith("weight") else (0.5, 2.0)
            array = rng.uniform(low, high, shape)
        else:  # conv, kp and norm biases, running_mean
            array = rng.normal(0, 0.1, shape)
        arrays[key] = np.ascontiguousarray(array, dtype=np.float32)
    return arrays


def _check_frames(frames: object, name: str, shape: tuple[int, int, int]) -> np.ndarray:
    """`frames` if it is a float32 ndarray (N, *shape), else a TypeError or ValueError saying what to pass."""
    if not isinstance(frames, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(frames).__name__}; use np.asarray({name})")
    if frames.dtype != np.float32:
        raise TypeError(f"{name} has dtype {frames.dtype}, but KPDetector takes float32; convert with "
                        f"{name}.astype(np.float32)")
    expected = "(N, {}, {}, {})".format(*shape)
    if frames.ndim != 4:
        raise ValueError(f"{name} must be {expected} frames (N, C, H, W), got shape {frames.shape}")
    if frames.shape[1:] != shape:
        raise ValueError(f"{name} must have shape {expected}, got {frames.shape}")
    return frames


def _down_kernel() -> np.ndarray:
    """The 2-D kernel of FOMM's AntiAliasInterpolation2d(3, 0.25): 13 x 13, the outer product of the 1-D one."""
    g = aa.gaussian_kernel(SCALE)
    return np.outer(g, g)


def _check_down_weight(weight: np.ndarray) -> None:
    """FOMM's `down` is fixed, not learned; another kernel means a model that expects another downsampling."""
    error = np.max(np.abs(weight - _down_kernel()))
    if not error <= 1e-6:
        raise ValueError(
            f"'down.weight' differs from FOMM's Gaussian for scale {SCALE} by up to {error:.3g}: "
            f"this checkpoint does not come from a vox-256 model with scale_factor {SCALE}"
        )


def _fold_batchnorm(state_dict: Mapping[str, np.ndarray], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """The conv 3x3 of block `prefix` with its eval-mode BatchNorm folded in: one (weight, bias) pair, float64.

    BatchNorm(y) = (y - mean) * a + beta with a = gamma / sqrt(var + eps), so for y = W * x + b it equals
    (a W) * x + (b - mean) a + beta.
    """
    weight, bias = (state_dict[f"{prefix}.conv.{name}"].astype(np.float64) for name in ("weight", "bias"))
    gamma, beta, mean, var = (state_dict[f"{prefix}.norm.{name}"].astype(np.float64) for name in NORM_PARAMETERS)
    a = gamma / np.sqrt(var + BATCHNORM_EPS)
    return weight * a[:, None, None, None], (bias - mean) * a + beta


def _parity_kernels(weight: np.ndarray) -> np.ndarray:
    """(O, C, 3, 3) -> (2, 2, O, C, 2, 2): the 2x2 kernel that the 3x3 `weight` becomes at output parity (a, b)
    when it convolves a nearest-upsampled image (taps reading the same small pixel add up: NEAREST_TAPS)."""
    return np.einsum("ary,bsx,ocyx->abocrs", NEAREST_TAPS, NEAREST_TAPS, weight)


def _upsample2_conv3x3(x: np.ndarray, kernels: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """conv3x3(nearest_upsample_x2(x), pad 1) on x (C, N, h, w) -> (O, N, 2h, 2w), from the small image only.

    Output pixel (2i + a, 2j + b) is the 2x2 kernel of parity (a, b) (see _parity_kernels) applied to the small
    image's pixels i - 1 + a .. i + a and j - 1 + b .. j + b; one pixel of zero padding of the small image is the
    upsampled image's padding.
    """
    _, n, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.empty((kernels.shape[2], n, 2 * h, 2 * w), np.float32)
    for a in range(2):
        for b in range(2):
            window = padded[:, :, a : a + h + 1, b : b + w + 1]
            out[:, :, a::2, b::2] = conv2d(window, kernels[a, b], bias, padding=0)
    return out


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


def _average_pool2(x: np.ndarray) -> np.ndarray:
    """AvgPool2d(2): the mean of each 2x2 block."""
    c, n, h, w = x.shape
    return x.reshape(c, n, h // 2, 2, w // 2, 2).mean(axis=(3, 5), dtype=np.float32)


def _expected_coordinate(heatmap: np.ndarray) -> np.ndarray:
    """FOMM's gaussian2kp: (x, y) = sum_ij heatmap_ij (x_j, y_i), grid x_j = 2 j / (w - 1) - 1, y_i likewise.

    heatmap (K, N, h, w) with each map summing to 1 -> (K, N, 2).
    """
    h, w = heatmap.shape[-2:]
    x, y = coordinate_grid(w, np.float32), coordinate_grid(h, np.float32)
    return np.stack([heatmap.sum(axis=-2) @ x, heatmap.sum(axis=-1) @ y], axis=-1)
