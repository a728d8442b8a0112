"""How a call is timed: medians of repeats after warm-up, with garbage collection off while timing."""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable

import numpy as np


@dataclasses.dataclass
class Timing:
    """Seconds per call: the median over repeats, the quartiles and extremes; minor page faults per call."""

    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float
    faults_per_call: float | None


def measure(function: Callable[[], object], repeats: int, repeat_time: float) -> Timing:
    """Time function(): warm up, then `repeats` repeats of as many calls as fill `repeat_time` seconds.

    Each repeat gives one mean time per call; garbage collection is off while timing, as in timeit.
    """
    for _ in range(2):
        function()
    start = time.perf_counter()
    function()
    calls = max(1, int(repeat_time / max(time.perf_counter() - start, 1e-9)))
    per_call = []
    faults_before = _minor_faults()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                function()
            per_call.append((time.perf_counter() - start) / calls)
    finally:
        gc.enable()
    faults = _minor_faults()
    faults_per_call = None if faults is None else (faults - faults_before) / (repeats * calls)
    q1, median, q3 = np.percentile(per_call, [25, 50, 75])
    return Timing(median, q1, q3, min(per_call), max(per_call), faults_per_call)


def _minor_faults() -> int | None:
    """This process's minor page faults so far (None where the resource module does not exist)."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
