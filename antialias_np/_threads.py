"""Threads: every kernel filters planes (or images) independently, so batches are split among threads.

The kernels are compiled with nogil=True; `over_planes` runs one call per chunk of planes in a thread pool. The
number of threads is Numba's (`numba.set_num_threads`, NUMBA_NUM_THREADS), so one setting governs the library.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
from collections.abc import Callable

import numpy as np
from numba import get_num_threads

MIN_VALUES_PER_THREAD = 1 << 18
"""A thread costs tens of microseconds to hand work to: below 2^18 input values per thread one thread is faster."""

_pool: concurrent.futures.ThreadPoolExecutor | None = None


def over_planes(kernel: Callable, planes: np.ndarray, *args, out: np.ndarray) -> np.ndarray:
    """kernel(planes[a:b], *args, out[a:b]) over chunks of the first axis, one per thread; returns out."""
    threads = min(get_num_threads(), planes.shape[0], max(1, planes.size // MIN_VALUES_PER_THREAD))
    if threads == 1:
        kernel(planes, *args, out)
        return out
    bounds = np.linspace(0, planes.shape[0], threads + 1).round().astype(int)
    jobs = [_thread_pool().submit(kernel, planes[a:b], *args, out[a:b]) for a, b in itertools.pairwise(bounds)]
    for job in jobs:
        job.result()
    return out


def _thread_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    return _pool
