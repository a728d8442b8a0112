"""The layers of the trained detectors in NumPy (FOMM's in benchmark.fomm, MTCNN's ONet in benchmark.onet).

Activations are laid out (channels, frames, height, width): a convolution is one matrix product whose result
comes out in that layout, with no transpose.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, padding: int) -> np.ndarray:
    """torch's conv2d (stride 1, zero padding) on x laid out (C, N, H, W); weight (O, C, k, k) -> (O, N, H', W').

    im2col: column (n, i, j) of the (C*k*k, N*H'*W') matrix holds the k x k window at (i, j) of frame n, in the
    weight's (c, dy, dx) order, so the convolution is one matrix product.
    """
    c_out, c_in, k, _ = weight.shape
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # (C, N, H', W', k, k), a view
    _, n, h, w, _, _ = windows.shape
    columns = windows.transpose(0, 4, 5, 1, 2, 3).reshape(c_in * k * k, n * h * w)
    out = weight.reshape(c_out, -1) @ columns
    out += bias[:, None]
    return out.reshape(c_out, n, h, w)


def prelu(x: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """torch's PReLU on x (C, ...) with one slope a_c per channel: x where x > 0, else a_c x."""
    slope = slope.reshape(-1, *(1,) * (x.ndim - 1))
    return np.maximum(x, 0) + slope * np.minimum(x, 0)


def max_pool2d_ceil(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """torch's max_pool2d(kernel, stride, ceil_mode=True), no padding, on x (C, N, H, W) -> (C, N, H', W').

    H' = ceil((H - kernel) / stride) + 1 (less one if the last window would start past the input, as torch does):
    the last window may run past the input's edge, and takes the maximum of the pixels it covers.
    """
    h, w = x.shape[-2:]
    sizes = []
    for n in (h, w):
        out = -(-(n - kernel) // stride) + 1
        sizes.append(out - 1 if (out - 1) * stride >= n else out)
    (out_h, out_w) = sizes
    pad_h, pad_w = (out_h - 1) * stride + kernel - h, (out_w - 1) * stride + kernel - w
    x = np.pad(x, ((0, 0), (0, 0), (0, pad_h), (0, pad_w)), constant_values=-np.inf)
    # The maximum over the kernel's k * k offsets, each a strided view of every window's pixel at that offset.
    out = np.full((*x.shape[:2], out_h, out_w), -np.inf, x.dtype)
    for dy in range(kernel):
        for dx in range(kernel):
            np.maximum(out, x[:, :, dy : dy + stride * out_h : stride, dx : dx + stride * out_w : stride], out=out)
    return out
