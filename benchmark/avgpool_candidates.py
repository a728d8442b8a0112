"""Which avg_pool2d is the study's avgpool? The study gives its error (0.0786) but not its window.

Every torch avg_pool2d with the study's stride 4 that makes its 64 x 64 from 256 x 256 is a candidate: kernel k,
padding p (torch allows p <= k / 2), with (256 + 2p - k) // 4 + 1 = 64, that is 1 <= k - 2p <= 4 (the same
condition makes ONet's 48 from 192). count_include_pad matters only with padding; ceil_mode=True gives the same
windows whenever the output stays 64 x 64. Kernels up to MAX_KERNEL (twice the stride). Output pixel i averages
input pixels 4i - p .. 4i - p + k - 1, so it is centred at input 4i + (k - 1) / 2 - p; the baseline centres it
at 4i.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import antialias_np as aa
from benchmark.keypoints import keypoint_error
from benchmark.protocol import STEP
from benchmark.report import fmt, markdown_table

MAX_KERNEL = 2 * STEP


@dataclass(frozen=True)
class Candidate:
    """avg_pool2d(x, kernel_size, stride=4, padding, count_include_pad=count_include_pad)."""

    kernel_size: int
    padding: int
    count_include_pad: bool = True

    @property
    def centre(self) -> float:
        """Where output pixel i is centred, in input pixels from 4i: (k - 1) / 2 - p."""
        return (self.kernel_size - 1) / 2 - self.padding

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        return aa.avg_pool2d(frames, self.kernel_size, STEP, self.padding, count_include_pad=self.count_include_pad)


def candidates() -> list[Candidate]:
    """Every stride-4 window that keeps the study's output size, by kernel, then padding (see the docstring)."""
    found = []
    for k in range(1, MAX_KERNEL + 1):
        for p in range(k // 2 + 1):
            if 1 <= k - 2 * p <= STEP:
                found += [Candidate(k, p, True), Candidate(k, p, False)] if p else [Candidate(k, p)]
    return found


def candidate_errors(
    frames: np.ndarray, detector, baseline: np.ndarray, kept: np.ndarray | None = None
) -> list[float | None]:
    """The study's error against the baseline keypoints (N, K, 2) of each candidate, over the frames `kept` (all
    when None); None for every candidate when no frame is kept."""
    kept = np.ones(len(frames), bool) if kept is None else kept
    if not kept.any():
        return [None] * len(candidates())
    return [
        keypoint_error(baseline[kept], detector.predict_from_downsampled(candidate(frames[kept]))["value"])
        for candidate in candidates()
    ]


def candidates_markdown(rows: list[dict], first_detector: str) -> str:
    """The table of candidates: rows as made by study_table (window, centre, one error per detector)."""
    header = ["kernel_size", "padding", "count_include_pad", "output pixel i centred at input",
              f"error, {first_detector}", "error, ONet"]  # fmt: skip
    table = [
        [
            r["kernel_size"],
            r["padding"],
            r["count_include_pad"] if r["padding"] else "-",
            f"4i + {r['centre']:g}" if r["centre"] else "4i",
            fmt(r["error_first_detector"], 4),
            fmt(r["error_onet"], 4),
        ]
        for r in rows
    ]
    return "\n".join(
        [
            "## Which avg_pool2d is the study's avgpool?",
            "",
            "The study reports avgpool's error (0.0786) but not its window. Every avg_pool2d of stride 4 that makes "
            "64 x 64 from 256 x 256 (and ONet's 48 from 192), with each detector's error against the baseline on "
            "the frames above. kernel 4, padding 0 is the first table's avgpool (the same as area); the baseline "
            "centres output pixel i at input 4i.",
            "",
            markdown_table(header, table),
        ]
    )
