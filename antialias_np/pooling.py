"""Box filters: avg_pool2d and adaptive_avg_pool2d (torch's 'area' mode), as per-axis tables.

    avg_pool2d:           out[i, j] = sum over the k x k window at (s*i - p, s*j - p) / divisor
    adaptive_avg_pool2d:  out[i, j] = mean over rows [floor(i*H/h), ceil((i+1)*H/h)) and the same for columns

Both windows and both divisors factor into a row part and a column part, so each is a pair of box tables
applied by the separable engine; float16 images are summed in torch's order instead (float16.WindowSumPlan).
"""

from __future__ import annotations

import numpy as np

from antialias_np import _checks
from antialias_np.float16 import FLOAT16, box_plan
from antialias_np.separable import box_divisor, resample_plan
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
    """The mean of each k x k window moved by a stride, as torch.nn.functional.avg_pool2d.

        out[i, j] = sum_{h0 <= h < h1, w0 <= w < w1} x[h, w] / divisor,   h0 = s * i - p, h1 = min(h0 + k, H + p)

    per axis, with padding p on both sides read as zeros. Output size per axis: floor((n + 2p - k) / s) + 1 (with
    ceil_mode: rounded up, dropping a window that would start in the right padding).

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        kernel_size: k, one int or (height, width).
        stride: s, one int or (height, width); the kernel size when None.
        padding: p, at most half the kernel size, one int or (height, width).
        ceil_mode: round the output size up instead of down.
        count_include_pad: divide by the window size counting the padding (True) or by the pixels inside the image.
        divisor_override: divide by this non-zero integer instead (negative allowed, as in torch).
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array in x's layout and dtype. float32 and float64 are computed in their dtype; float16 as torch:
        the window's float32 sum, row by row, divided once in float32 by the divisor, rounded to float16;
        integers exactly: the window sum divided by the divisor, rounded to the nearest integer, ties to even, and
        saturated to the dtype's range.

    Raises:
        TypeError: x is not an array of a supported dtype, or a flag is not a bool.
        ValueError: a kernel, stride or padding outside its domain, or a kernel larger than the padded image.

    Equals:
        torch.nn.functional.avg_pool2d of torch 2.13 for floats (float16 bit for bit). torch refuses integers
        except int64, which it truncates toward zero (9 / 6 gives 1 there, 2 here).

    Example:
        >>> avg_pool2d(np.arange(16, dtype=np.float32).reshape(4, 4), 2)
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
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
        raise ValueError(f"kernel_size={kernel_size!r} is larger than the padded {image.described}")
    if image.dtype == FLOAT16:  # torch divides the window's float32 sum once, by the whole divisor
        if divisor_override is not None:
            return box_plan(*tables, np.int64(divisor_override), 1)
        return box_plan(*tables, box_divisor(*tables), 1)
    return resample_plan(*tables, image.dtype)


def adaptive_avg_pool2d(
    x: np.ndarray, output_size: int | tuple[int | None, int | None], *, channel_axis: int | None = None
) -> np.ndarray:
    """The mean of windows that tile the image into an output_size grid, as torch.nn.functional.adaptive_avg_pool2d.

        out[i, j] = mean of x[h, w] over floor(i H / h_out) <= h < ceil((i + 1) H / h_out), and the same for w

    Windows overlap when the output size does not divide the input size (250 -> 64: [0, 4), [3, 8), [7, 12), ...).
    interpolate(mode='area') is this function.

    Args:
        x: the image, (H, W), (C, H, W) or (N, C, H, W); with channel_axis=-1, (H, W, C) or (N, H, W, C).
            A NumPy array, or what np.asarray reads as one (nested lists, a PIL image, a torch CPU tensor): the
            result is a NumPy array.
        output_size: (height, width) or one int for both; a None keeps that axis.
        channel_axis: None (torch layout), -1 (channels last) or -3 (torch layout, confirmed).

    Returns:
        A new array in x's layout and dtype. float32 and float64 are computed in their dtype; float16 as torch:
        the window's float32 sum, row by row, divided in float32 by its height and then by its width, rounded to
        float16; integers give the exact window mean rounded to the nearest integer, ties to even.

    Raises:
        TypeError: x is not an array of a supported dtype.
        ValueError: an output size outside 1 .. 2**24, or a layout that channel_axis does not resolve.

    Equals:
        torch.nn.functional.adaptive_avg_pool2d of torch 2.13 for floats, float16 bit for bit (torch refuses
        integers).

    Example:
        >>> adaptive_avg_pool2d(np.arange(16, dtype=np.float32).reshape(4, 4), (1, 3))
        array([[6.5, 7.5, 8.5]], dtype=float32)
    """
    return _checks.apply(adaptive_avg_pool_plan, x, "x", channel_axis, output_size)


def adaptive_avg_pool_plan(image: _checks.ImageSpec, output_size: int | tuple[int | None, int | None]) -> _checks.Plan:
    """adaptive_avg_pool2d for images of one shape and dtype (in torch layout), checked and with its tables built."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(n if m is None else m for n, m in zip(image.shape[-2:], output_size, strict=True))
    out = _checks.check_pair(output_size, "output_size", _checks.check_int, minimum=1)
    _checks.check_output_size(image, out, ("output_size", output_size), "adaptive_avg_pool2d")
    rows, cols = (adaptive_box_table(n, m) for n, m in zip(image.shape[-2:], out, strict=True))
    if image.dtype == FLOAT16:  # torch divides the window's float32 sum by its height, then by its width
        return box_plan(rows, cols, rows.count[:, None], cols.count[None, :])
    return resample_plan(rows, cols, image.dtype)
