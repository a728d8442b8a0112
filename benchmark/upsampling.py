"""Upsampling against torch and OpenCV (a table of `python bench.py --speed`): interpolate at 2x, 4x and a
non-integer scale, bilinear, bicubic and nearest, float32 and uint8, one thread each, with each result's largest
difference from torch's beside the times."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable

import numpy as np

import antialias_np as aa
from benchmark.peers import Peers, max_abs_diff
from benchmark.report import fmt, fmt_us, markdown_table, progress
from benchmark.synthetic import synthetic_frames
from benchmark.timing import Timing, measure

UPSAMPLING_SIZES = ((256, 512), (256, 1024), (256, 600), (1024, 2048), (1024, 2400))
"""(input side, output side) of the square frames: 2x, 4x and a non-integer scale at 256 px; 2x and the same
non-integer scale at 1024 px."""

QUICK_SIZES = ((256, 512), (256, 600))

UPSAMPLING_MODES = ("bilinear", "bicubic", "nearest")

OPENCV_FLAGS = {"bilinear": "INTER_LINEAR", "bicubic": "INTER_CUBIC", "nearest": "INTER_NEAREST"}
"""OpenCV's interpolation of the same name: half-pixel centres, bicubic's a = -0.75 and edge replication, as torch's
plain modes (float32 equal to rounding where the scale is a power of two; uint8 in OpenCV's own fixed point)."""


def upsampling_section(result: dict, peers: Peers, args: argparse.Namespace, repeat_time: float) -> str:
    """The upsampling table for `python bench.py --speed`: its rows into result["upsampling"], its markdown back."""
    result["upsampling"] = upsampling_rows(peers, args.repeats, repeat_time, args.quick, args.seed)
    return upsampling_markdown(result["upsampling"])


def upsampling_rows(peers: Peers, repeats: int, repeat_time: float, quick: bool, seed: int) -> list[dict[str, object]]:
    """One row per (sizes, mode, dtype): seconds per 3 x n x n frame of interpolate(size=(m, m), mode=mode) for
    antialias_np (torch layout), torch (an NCHW tensor) and OpenCV's resize (an n x n x 3 image, what it takes),
    and the largest difference of each result from torch's."""
    rows = []
    for n, m in QUICK_SIZES if quick else UPSAMPLING_SIZES:
        frame = synthetic_frames(1, n, seed=seed)[0][0]
        for dtype in ("float32", "uint8"):
            image = frame if dtype == "float32" else np.round(frame * 255).astype(np.uint8)
            for mode in UPSAMPLING_MODES:
                rows.append(upsampling_row(image, m, mode, peers, repeats, repeat_time))
    return rows


def upsampling_row(
    image: np.ndarray, side: int, mode: str, peers: Peers, repeats: int, repeat_time: float
) -> dict[str, object]:
    ours = functools.partial(aa.interpolate, image, size=(side, side), mode=mode)
    row: dict[str, object] = {"in": image.shape[-1], "out": side, "mode": mode, "dtype": str(image.dtype)}
    row["antialias_np"] = _timed(ours, repeats, repeat_time)
    reference = None
    if peers.torch is not None:
        tensor = peers.torch.from_numpy(image)[None]
        theirs = functools.partial(peers.torch.nn.functional.interpolate, tensor, size=(side, side), mode=mode)
        reference = theirs()[0].numpy()
        row["torch"] = _timed(theirs, repeats, repeat_time)
    row["ours_vs_torch"] = None if reference is None else max_abs_diff(ours(), reference)
    if peers.cv2 is not None:
        hwc = np.ascontiguousarray(image.transpose(1, 2, 0))
        flag = getattr(peers.cv2, OPENCV_FLAGS[mode])
        opencv = functools.partial(peers.cv2.resize, hwc, (side, side), interpolation=flag)
        row["opencv"] = _timed(opencv, repeats, repeat_time)
        row["opencv_vs_torch"] = None if reference is None else max_abs_diff(opencv().transpose(2, 0, 1), reference)
    progress(f"upsampling {row['in']} -> {side} {mode} {row['dtype']}: {row['antialias_np']['median'] * 1e6:.0f} µs")
    return row


def _timed(function: Callable[[], object], repeats: int, repeat_time: float) -> dict[str, float]:
    timing: Timing = measure(function, repeats, repeat_time)
    return {"median": timing.median, "minimum": timing.minimum}


UPSAMPLING_HEADER = ["case", "antialias_np µs", "torch µs", "OpenCV µs", "torch / ours", "OpenCV / ours",
                     "max diff, ours - torch", "max diff, OpenCV - torch"]  # fmt: skip


def upsampling_markdown(rows: list[dict]) -> str:
    def ratio(row: dict, peer: str) -> str:
        return "-" if peer not in row else fmt(row[peer]["median"] / row["antialias_np"]["median"], 2, "x")

    def timing(row: dict, name: str) -> str:
        return "-" if name not in row else fmt_us(row[name]["median"])

    table = [
        [f"{r['in']} -> {r['out']} {r['mode']} {r['dtype']}", timing(r, "antialias_np"), timing(r, "torch"),
         timing(r, "opencv"), ratio(r, "torch"), ratio(r, "opencv"), fmt(r["ours_vs_torch"], 1, style="e"),
         fmt(r.get("opencv_vs_torch"), 1, style="e")]
        for r in rows
    ]  # fmt: skip
    return "\n".join(
        [
            "## Upsampling",
            "",
            "interpolate(x, size=(m, m), mode=mode) on a 3 x n x n synthetic frame (antialias_np in torch layout, "
            "torch on an NCHW tensor, OpenCV's resize on the n x n x 3 image), one thread each: median µs per call. "
            "Above 1x antialias_np is faster. The differences are the largest over the frame, from torch's result "
            "(uint8 in levels): OpenCV computes its own coefficients (and for uint8 its own fixed point), so its "
            "difference says where it gives the same result.",
            "",
            markdown_table(UPSAMPLING_HEADER, table),
        ]
    )
