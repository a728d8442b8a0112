"""How the Numba kernels are compiled and launched: where their compiled code is cached, and when on many threads.

`njit` is numba.njit, except that cache=True still works where Numba finds no writable cache folder (see
`cache_folder`), and that code found in the cache is loaded without first loading Numba's compiler (`KernelCache`).
`plane_kernel` compiles a function that loops over planes with `prange` twice, serial and parallel, and each call
picks one, and its number of threads, with `parallel_threads`.

Fork safety. GNU OpenMP (libgomp, behind Numba's default threading layer 'omp' where TBB is not installed) does not
survive fork(): once a process has started Numba's threads, Numba terminates a forked child at the child's first
parallel call ("fork() called from a process already using GNU OpenMP"). Forking is how a torch DataLoader with
workers, a multiprocessing fork pool and ProcessPoolExecutor (fork by default on Linux before Python 3.14) start
their workers, so the children of such a process run every kernel on their calling thread (`fork_child_serial`,
set after each fork): the parent keeps its threads, and a child, one of several workers sharing the CPUs, would
gain little from threads of its own. The workqueue and TBB layers and Intel's OpenMP are fork-safe: their children
keep their threads; a process started by spawn or forkserver starts its own.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
import tempfile
import threading
import time
import types
import warnings
from collections.abc import Callable

import numba
import numpy as np
from numba.core.caching import FunctionCache
from numba.core.runtime import rtsys

PARALLEL_MIN_VALUES = 1 << 20
"""Input values (planes x height x width) from which a call may be split among Numba's threads (`parallel_threads`).

Smaller calls gain too little from a second thread, and are exposed to a scheduler's time slice of waiting where
other processes take the CPUs (`python bench.py --threads` measures it). See Note: threads in docs/notes.md.
"""

NO_CACHE = "no cache"


def njit(*, cache: bool = False, **options) -> Callable[[Callable], Callable]:
    """numba.njit(cache=cache, **options); with cache=True, the compiled code goes to `cache_folder()`."""

    def compile_lazily(function: Callable) -> Callable:
        folder = cache_folder() if cache else NO_CACHE
        dispatcher = numba.njit(**options)(function)
        if folder != NO_CACHE:
            with _numba_cache_dir(folder) if folder else contextlib.nullcontext():
                dispatcher._cache = KernelCache(function)  # what numba.njit(cache=True) sets, a FunctionCache
        return dispatcher

    return compile_lazily


class KernelCache(FunctionCache):
    """Numba's cache of a function's compiled code, except that loading code from it does not load Numba's compiler.

    Numba's FunctionCache refreshes the target context before every load: the first time in a process, that imports
    and registers every typing and lowering registry Numba has, and with them scipy.linalg where scipy is installed
    (for np.dot's BLAS): most of a first call's time when its code is cached. Running code loaded from the cache
    needs none of it, only Numba's runtime (NRT, which the refresh initialises) and the modules its environments
    name (which the load imports). A miss compiles as usual, and Numba's compiler refreshes the contexts itself.
    A load that fails this way (a Numba whose cache works otherwise) is made again Numba's way.
    """

    def load_overload(self, sig, target_context):
        try:
            rtsys.initialize(target_context)
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        except Exception:
            return super().load_overload(sig, target_context)


@functools.cache
def cache_folder() -> str | None:
    """None where Numba finds a writable cache folder of its own (NUMBA_CACHE_DIR, the package's __pycache__ or the
    user's cache folder); else a private folder in the system's temporary folder; else NO_CACHE.

    Numba refuses to compile a cache=True function when none of its folders is writable, which is the case of a
    package installed by root and run by a user whose home is read-only. Compiling anew in every process costs
    seconds per method, so a temporary folder, kept from one process to the next, comes first. It warns once.
    """
    try:
        numba.njit(cache=True)(_probe)
        return None
    except RuntimeError as error:
        if "no locator available" not in str(error):
            raise
    folder = _private_temporary_folder()
    where = f"caching them in {folder}" if folder else "compiling them anew in every process"
    warnings.warn(
        f"antialias_np: Numba finds no writable folder to cache compiled kernels (NUMBA_CACHE_DIR, the package "
        f"folder or the user's cache folder); {where}. Set NUMBA_CACHE_DIR to a writable folder to choose one.",
        RuntimeWarning,
        stacklevel=3,
    )
    return folder or NO_CACHE


def _probe():
    """A function in the kernels' folder, which Numba caches where it would cache theirs."""


def _private_temporary_folder() -> str | None:
    """A folder in the temporary folder that only this user can write, shared by this user's processes (None if
    there is none). Numba loads code from its cache folder, so a folder another user could write is never used."""
    if not hasattr(os, "getuid"):
        return None
    try:
        folder = os.path.join(tempfile.gettempdir(), f"antialias_np-numba-cache-{os.getuid()}")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        status = os.lstat(folder)
        if not (stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o022):
            return None
        tempfile.TemporaryFile(dir=folder).close()  # writable, as Numba checks it
        return folder
    except OSError:
        return None


@contextlib.contextmanager
def _numba_cache_dir(folder: str):
    """Numba's cache folder is `folder` while the kernels are decorated (a kernel keeps the folder it was given);
    the setting is restored after, so the caller's own Numba functions are not affected."""
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = folder
    try:
        yield
    finally:
        numba.config.CACHE_DIR = previous


def plane_kernel(**options) -> Callable[[Callable], PlaneKernel]:
    """Compile kernel(planes, ..., out), which loops over planes (axis 0) with prange, serial and parallel."""
    return lambda function: PlaneKernel(function, options)


class PlaneKernel:
    """A serial and a parallel compilation of one function (prange runs as range in the serial one)."""

    def __init__(self, function: Callable, options: dict):
        self.serial = njit(cache=True, **options)(function)
        # A copy under its own name: Numba's cache files are named after the function, not its options.
        parallel_function = types.FunctionType(
            function.__code__, function.__globals__, function.__name__, function.__defaults__, function.__closure__
        )
        parallel_function.__qualname__ = f"{function.__qualname__}_parallel"
        parallel_function.__doc__ = function.__doc__
        self.parallel = njit(cache=True, parallel=True, **options)(parallel_function)
        functools.update_wrapper(self, function)

    def __call__(self, planes: np.ndarray, *args) -> None:
        threads = parallel_threads(planes)
        if threads < 2:
            return self.serial(planes, *args)
        with _PARALLEL_LAUNCH:
            chosen = numba.get_num_threads()
            numba.set_num_threads(threads)
            try:
                return self.parallel(planes, *args)
            finally:
                numba.set_num_threads(chosen)


_PARALLEL_LAUNCH = threading.Lock()
"""Held during every parallel launch. Numba's workqueue threading layer (its fallback where neither OpenMP nor TBB
loads) aborts the process when two threads launch at once; one launch already uses every thread, so the layers that
allow it would gain nothing from concurrent launches either."""


def parallel_threads(planes: np.ndarray) -> int:
    """The number of Numba threads a kernel call on `planes` runs on (1: the serial kernel, on the calling thread).

    Calls of fewer than PARALLEL_MIN_VALUES values run on one; larger ones on as many threads as there are planes
    (the unit of work of a thread), Numba threads (numba.set_num_threads) and CPUs free lately (`free_cpus`, where
    1.75 counts as 2: the CPU time is counted in ticks of the scheduler).
    """
    if fork_child_serial or planes.shape[0] < 2 or planes.size < PARALLEL_MIN_VALUES:
        return 1
    return max(1, min(planes.shape[0], numba.get_num_threads(), int(free_cpus() + 0.25)))


fork_child_serial = False
"""True in a process forked (at any depth) from one that had started GNU OpenMP's threads: every kernel call runs
serially, as Numba terminates such a child at its first parallel call (see the module's docstring)."""


def _gnu_openmp_started() -> bool:
    """True if this process has started Numba's threads on the 'omp' layer with GNU's OpenMP, which is not fork-safe
    (numba.threading_layer() raises a ValueError until the threads are started; omppool reports its vendor)."""
    try:
        layer = numba.threading_layer()
    except ValueError:
        return False
    omppool = sys.modules.get("numba.np.ufunc.omppool")
    return layer == "omp" and getattr(omppool, "openmp_vendor", "GNU") == "GNU"


def _after_fork_in_child() -> None:
    global fork_child_serial
    fork_child_serial = fork_child_serial or _gnu_openmp_started()


if hasattr(os, "register_at_fork"):  # every POSIX system; Windows has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


LOAD_WINDOW_SECONDS = 0.2


class _FreeCpuMeter:
    """CPUs free for this process over the last LOAD_WINDOW_SECONDS or more: the machine's idle CPU time plus this
    process's own, per second; every CPU where the machine's idle time is unknown (no /proc/stat, as off Linux).

    A parallel launch waits until every thread has run; where other processes keep the CPUs busy, that wait is a
    time slice of the scheduler, many times a call's own time. See Note: threads in docs/notes.md.
    """

    def __init__(self):
        self.last = self.counters()
        self.cpus = 0.0  # until a first window has passed

    def __call__(self) -> float:
        if self.last is None:
            return float(os.cpu_count() or 1)
        now = time.monotonic()
        if now - self.last[0] >= LOAD_WINDOW_SECONDS:
            (then, idle_then, own_then), self.last = self.last, self.counters()
            _, idle, own = self.last
            self.cpus = (idle - idle_then + own - own_then) / (self.last[0] - then)
        return self.cpus

    @staticmethod
    def counters() -> tuple[float, float, float] | None:
        """(now, idle CPU seconds of the machine, CPU seconds of this process), or None without /proc/stat."""
        try:
            with open("/proc/stat", "rb") as stat_file:
                fields = stat_file.readline().split()  # b"cpu", user, nice, system, idle, iowait, ...
        except OSError:
            return None
        idle_seconds = (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")
        return time.monotonic(), idle_seconds, time.process_time()


free_cpus = _FreeCpuMeter()


BLOCK_BYTES = 1 << 17
"""The kept rows of a plane are made and turned into output rows a block at a time (`block_rows`), so that the
block's temporaries stay in the CPU's L2 cache, and are not given back to the OS and faulted in again on every call.
See Note: blocks in docs/notes.md."""


@njit(cache=True)
def block_rows(height, row_bytes):
    """Rows per block: about BLOCK_BYTES of them, a multiple of 16 and at least 32 (the columns pass loops over
    C x rows values: whole vectors, and not too few of them), at most the height. See Note: blocks in
    docs/notes.md."""
    return min(height, max(32, BLOCK_BYTES // row_bytes // 16 * 16))
