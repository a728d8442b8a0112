"""Border modes: which input pixel a window reads when it reaches past the edge of the image.

For an axis of length n, an index i outside 0..n-1 is mapped to

    constant    -1, meaning "read a zero"
    reflect     -i for i < 0,  2(n - 1) - i for i >= n      (NumPy 'reflect': the edge pixel is not repeated)
    replicate   clamp(i, 0, n - 1)                          (NumPy 'edge')
    circular    i + n for i < 0,  i - n for i >= n          (NumPy 'wrap')

as torch.nn.functional.pad and kornia's filters do. The formulas reflect or wrap once, which is all torch allows:
a reflect pad must be shorter than the axis, a circular pad at most as long (`_checks.check_window_fits`).

The window kernels read through `window_table`s of mapped indices (`read_pixel`); the plain-NumPy references pad
with `np.pad` instead (`kept_windows`), so the two check each other.
"""

from __future__ import annotations

import functools
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from antialias_np._kernels import njit

Value = TypeVar("Value", bound=np.generic)
"""The dtype of an image and of its pixels."""

PadMode = Literal["constant", "reflect", "edge", "wrap"]
"""The np.pad modes of the border types."""

NUMPY_PAD_MODES: dict[str, PadMode] = {
    "constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"
}
"""The np.pad mode of each border type."""


_OUTSIDE_RULES = {
    "constant": lambda i, n: np.full_like(i, -1),
    "reflect": lambda i, n: np.where(i < 0, -i, 2 * (n - 1) - i),
    "replicate": lambda i, n: np.clip(i, 0, n - 1),
    "circular": lambda i, n: np.where(i < 0, i + n, i - n),
}


def border_index(index: np.ndarray, n: int, border_type: str) -> np.ndarray:
    """Map indices in [-n, 2n) on an axis of length n to 0..n-1 by the border rule (-1: constant's zero)."""
    index = np.asarray(index)
    inside = (index >= 0) & (index < n)
    return np.where(inside, index, _OUTSIDE_RULES[border_type](index, n))


@functools.lru_cache(maxsize=64)
def window_table(n: int, kernel: int, step: int, border_type: str) -> np.ndarray:
    """The (ceil(n / step), kernel) int64 table of the input indices read by the windows centred at 0, step, ...

    Row o is border_index(o * step + t - kernel // 2) for t = 0..kernel-1: only kept windows get a row. Cached, so
    the result is read-only.
    """
    centres = np.arange(0, n, step, dtype=np.int64)
    offsets = np.arange(kernel, dtype=np.int64) - kernel // 2
    table = np.ascontiguousarray(border_index(centres[:, None] + offsets, n, border_type))
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=64)
def edge_windows(n: int, kernel: int, step: int) -> np.ndarray:
    """The windows (centred at 0, step, ...) that reach past 0..n-1: those whose window_table row has a mapped index.

    Cached, so the result is read-only.
    """
    centres = np.arange(0, n, step)
    edges = np.flatnonzero((centres < kernel // 2) | (centres + kernel // 2 > n - 1))
    edges.flags.writeable = False
    return edges


@njit(cache=True, inline="always")
def read_pixel(planes: npt.NDArray[Value], b: int, r: int, c: int) -> Value:
    """planes[b, r, c] for indices from a window_table: a zero where the table holds -1 (constant border)."""
    if r < 0 or c < 0:
        return planes.dtype.type(0)
    pixel: Value = planes[b, r, c]
    return pixel


def kept_windows(image: np.ndarray, kernel_size: tuple[int, int], border_type: str, step: int = 1) -> np.ndarray:
    """The windows centred at every step-th pixel, as a (..., h, w, ky, kx) view of the np.pad-ed image.

    h = ceil(H / step), w = ceil(W / step). Plain NumPy, for the reference implementations.
    """
    ky, kx = kernel_size
    pad = [(0, 0)] * (image.ndim - 2) + [(ky // 2, ky // 2), (kx // 2, kx // 2)]
    padded = np.pad(image, pad, mode=NUMPY_PAD_MODES[border_type])
    windows = np.lib.stride_tricks.sliding_window_view(padded, (ky, kx), axis=(-2, -1))
    return windows[..., ::step, ::step, :, :]
