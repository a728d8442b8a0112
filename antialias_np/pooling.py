"""Box filters: avg_pool2d and adaptive_avg_pool2d (torch's 'area' mode), as per-axis tables.

    avg_pool2d:           out[i, j] = sum over the k x k window at (s*i - p, s*j - p) / divisor
    adaptive_avg_pool2d:  out[i, j] = mean over rows [floor(i*H/h), ceil((i+1)*H/h)) and the same for columns

Both windows and both divisors factor into a row part and a column part, so each is a pair of box tables
applied by the separable engine.
"""

from __future__ import annotations

import numpy as np

from antialias_np import _checks
from antialias_np.separable import resample_plan
from antialias_np.weights import adaptive_box_table, pool_table


def avg_pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    channel_axis: int | None = None,
) -> np.ndarray:
    """torch.nn.functional.avg_pool2d on the (H, W) axes of x.

    x: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C), returned in the same
    layout (a shape that looks channels-last is refused unless channel_axis says which). An empty batch (N = 0)
    gives an empty result; an empty channel axis is refused, as in torch. Output size per axis:
    floor((n + 2p - k) / s) + 1 (ceil with ceil_mode, dropping a window that would start in the right padding).
    The divisor is divisor_override if given (any non-zero integer, negative included, as in torch); else the
    window size counting padding (count_include_pad) or only the real pixels. Floats are computed in their dtype;
    integers exactly: the window sum divided by the divisor, rounded to the nearest integer, ties to even (for
    |divisor_override| < 2**51), saturated to the dtype's range. torch refuses integers but int64, which it
    truncates towards zero (9 / 6 gives 1, here 2).
    """
    return _checks.apply(avg_pool_plan, x, "x", channel_axis, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override)


def avg_pool_plan(
    image: _checks.ImageSpec,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> _checks.Plan:
    """avg_pool2d for images of one shape and dtype (in torch layout), checked and with its tables built."""
    _checks.check_channels(image, "avg_pool2d")
    kernel = _checks.check_pair(kernel_size, "kernel_size", _checks.check_int, minimum=1)
    strides = kernel if stride is None else _checks.check_pair(stride, "stride", _checks.check_int, minimum=1)
    pads = _checks.check_pair(padding, "padding", _checks.check_int, minimum=0)
    ceil_mode = _checks.check_bool(ceil_mode, "ceil_mode")
    count_include_pad = _checks.check_bool(count_include_pad, "count_include_pad")
    if any(2 * p > k for p, k in zip(pads, kernel, strict=True)):
        raise ValueError(f"padding must be at most half of kernel_size, got padding={padding!r}, "
                         f"kernel_size={kernel_size!r}")
    if divisor_override is not None:  # the whole divisor on the column axis, 1 on the row axis
        divisor = _checks.check_int(divisor_override, "divisor_override", minimum=-(2**63) + 1, maximum=2**63 - 1)
        if divisor == 0:
            raise ValueError("divisor_override must not be 0 (None divides by the window size)")
        divisors = (1.0, float(divisor))
    else:
        divisors = ("padded", "padded") if count_include_pad else ("real", "real")
    tables = [
        pool_table(n, k, s, p, ceil_mode, d)
        for n, k, s, p, d in zip(image.shape[-2:], kernel, strides, pads, divisors, strict=True)
    ]
    if min(table.n_out for table in tables) < 1:
        raise ValueError(f"kernel_size={kernel_size!r} is larger than the padded input of shape {image.shape} "
                         f"(H, W are its last two axes; pass channel_axis=-1 if its channels are last)")
    return resample_plan(*tables, image.dtype)


def adaptive_avg_pool2d(
    x: np.ndarray, output_size: int | tuple[int | None, int | None], *, channel_axis: int | None = None
) -> np.ndarray:
    """torch.nn.functional.adaptive_avg_pool2d: the mean of windows [floor(i*n/m), ceil((i+1)*n/m)) per axis.

    x: (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C), returned in the same
    layout (a shape that looks channels-last is refused unless channel_axis says which). Empty batches and empty
    channel axes give empty results, as in torch. Windows overlap when m does not divide n (250 -> 64: [0, 4),
    [3, 8), [7, 12), ...). A None in output_size keeps that axis. Floats are computed in their dtype; integers
    exactly: the window mean rounded to the nearest integer (ties to even).
    """
    return _checks.apply(adaptive_avg_pool_plan, x, "x", channel_axis, output_size)


def adaptive_avg_pool_plan(image: _checks.ImageSpec, output_size: int | tuple[int | None, int | None]) -> _checks.Plan:
    """adaptive_avg_pool2d for images of one shape and dtype (in torch layout), checked and with its tables built."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(n if m is None else m for n, m in zip(image.shape[-2:], output_size, strict=True))
    out = _checks.check_pair(output_size, "output_size", _checks.check_int, minimum=1)
    tables = (adaptive_box_table(n, m) for n, m in zip(image.shape[-2:], out, strict=True))
    return resample_plan(*tables, image.dtype)
