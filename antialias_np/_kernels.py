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
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar, cast

import numba
import numpy.typing as npt
from numba.core.caching import FunctionCache
from numba.core.runtime import rtsys

PARALLEL_MIN_VALUES = 1 << 20
"""Input values (planes x height x width) from which a call may be split among Numba's threads (`parallel_threads`).

Smaller calls gain too little from a second thread, and are exposed to a scheduler's time slice of waiting where
other processes take the CPUs (`python bench.py --threads` measures it). See Note: threads in docs/notes.md.
"""

NO_CACHE = "no cache"

Arguments = ParamSpec("Arguments")
Result = TypeVar("Result", covariant=True)


class Kernel(Protocol[Arguments, Result]):
    """A Numba dispatcher as the type checkers see it: called as the Python function it compiled, which it keeps as
    py_func (Numba itself is untyped)."""

    def __call__(self, *args: Arguments.args, **kwargs: Arguments.kwargs) -> Result: ...

    @property
    def py_func(self) -> Callable[Arguments, Result]: ...

    @property
    def signatures(self) -> list[Any]: ...  # Numba's signatures compiled so far

    def compile(self, signature: Any) -> Any: ...  # compile (or load from the cache) one Numba signature


def njit(
    *, cache: bool = False, **options: Any
) -> Callable[[Callable[Arguments, Result]], Kernel[Arguments, Result]]:
    """numba.njit(cache=cache, **options); with cache=True, the compiled code goes to `cache_folder()`."""

    def compile_lazily(function: Callable[Arguments, Result]) -> Kernel[Arguments, Result]:
        folder = cache_folder() if cache else NO_CACHE
        dispatcher = numba.njit(**options)(function)
        if folder != NO_CACHE:
            with _numba_cache_dir(folder) if folder else contextlib.nullcontext():
                dispatcher._cache = KernelCache(function)  # what numba.njit(cache=True) sets, a FunctionCache
        return cast(Kernel[Arguments, Result], dispatcher)

    return compile_lazily


class KernelCache(FunctionCache):  # type: ignore[misc]  # Numba is untyped: its classes are Any
    """Numba's cache of a function's compiled code, except that loading code from it does not load Numba's compiler.

    Numba's FunctionCache refreshes the target context before every load: the first time in a process, that imports
    and registers every typing and lowering registry Numba has, and with them scipy.linalg where scipy is installed
    (for np.dot's BLAS): most of a first call's time when its code is cached. Running code loaded from the cache
    needs none of it, only Numba's runtime (NRT, which the refresh initialises) and the modules its environments
    name (which the load imports). A miss compiles as usual, and Numba's compiler refreshes the contexts itself.
    A load that fails this way (a Numba whose cache works otherwise) is made again Numba's way.
    """

    def load_overload(self, sig: Any, target_context: Any) -> Any:  # a Numba signature and target context
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


def _probe() -> None:
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
def _numba_cache_dir(folder: str) -> Iterator[None]:
    """Numba's cache folder is `folder` while the kernels are decorated (a kernel keeps the folder it was given);
    the setting is restored after, so the caller's own Numba functions are not affected."""
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = folder
    try:
        yield
    finally:
        numba.config.CACHE_DIR = previous


def plane_kernel(**options: Any) -> Callable[[Callable[..., None]], PlaneKernel]:
    """Compile kernel(planes, ..., out), which loops over planes (axis 0) with prange, serial and parallel."""
    return lambda function: PlaneKernel(function, options)


class PlaneKernel:
    """A serial and a parallel compilation of one function (prange runs as range in the serial one)."""

    def __init__(self, function: Callable[..., None], options: dict[str, Any]):
        self.serial = njit(cache=True, **options)(function)
        # A copy under its own name: Numba's cache files are named after the function, not its options.
        parallel_function = types.FunctionType(
            function.__code__, function.__globals__, function.__name__, function.__defaults__, function.__closure__
        )
        parallel_function.__qualname__ = f"{function.__qualname__}_parallel"
        parallel_function.__doc__ = function.__doc__
        self.parallel: Kernel[..., None] = njit(cache=True, parallel=True, **options)(parallel_function)
        functools.update_wrapper(self, function)

    def __call__(self, planes: npt.NDArray[Any], *args: Any) -> None:  # the kernel's other arguments
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


def parallel_threads(planes: npt.NDArray[Any]) -> int:
    """The number of Numba threads a kernel call on `planes` runs on (1: the serial kernel, on the calling thread).

    Calls of fewer than PARALLEL_MIN_VALUES values run on one; larger ones on as many threads as there are planes
    (the unit of work of a thread), Numba threads (numba.set_num_threads) and CPUs free lately (`free_cpus`, where
    1.75 counts as 2: the CPU time is counted in ticks of the scheduler). The first of these larger calls starts
    Numba's threads (`start_numba_threads`).
    """
    if fork_child_serial or planes.shape[0] < 2 or planes.size < PARALLEL_MIN_VALUES:
        return 1
    start_numba_threads()
    threads: int = max(1, min(planes.shape[0], numba.get_num_threads(), int(free_cpus() + 0.25)))  # Numba's: Any
    return threads


OPENMP_SPIN_COUNT = "3000"
"""GOMP_SPINCOUNT with which `start_numba_threads` starts Numba's threads: how many times a thread of GNU OpenMP
polls before it sleeps, waiting for the other threads at the end of a launch or for the next launch (300000 by
default, 4.7 ms of a CPU on the speed page's Xeon; 3000, about 50 µs). A launch that starts as other processes take
the CPUs would otherwise keep its threads spinning on the CPUs the waited-for thread needs. See Note: threads in
docs/notes.md."""

_threads_started = False
_THREADS_STARTING = threading.Lock()


def start_numba_threads() -> None:
    """Start Numba's threads (numba.get_num_threads loads its threading layer, which starts them), once, with
    GOMP_SPINCOUNT = OPENMP_SPIN_COUNT in the environment while GNU OpenMP loads (it reads its settings then), and
    the environment restored after, so that neither child processes nor other libraries see it. The caller's own
    OMP_WAIT_POLICY or GOMP_SPINCOUNT is kept; so are the settings of threads already started (by a call of
    numba.set_num_threads or another library's parallel Numba code), and the other threading layers ignore it."""
    global _threads_started
    if _threads_started:
        return
    with _THREADS_STARTING:
        if _threads_started:
            return
        callers_choice = "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ
        if not callers_choice:
            os.environ["GOMP_SPINCOUNT"] = OPENMP_SPIN_COUNT
        try:
            numba.get_num_threads()
        finally:
            if not callers_choice:
                del os.environ["GOMP_SPINCOUNT"]
        _threads_started = True


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

STALE_WINDOW_SECONDS = 1.0
"""A window this long or longer (no large call for that long) tells little of the last moments: the tasks running
right now are counted too (see `_FreeCpuMeter`)."""


class LoadSample(NamedTuple):
    """What `_FreeCpuMeter` reads of the machine at one moment."""

    time: float
    """time.monotonic(), seconds."""
    idle: float
    """Idle CPU seconds so far of the CPUs this process may run on (its affinity)."""
    own: float
    """CPU seconds so far of this process, all its threads."""
    busy_now: int
    """Tasks running or ready to run now on the machine besides the calling thread (/proc/stat's procs_running - 1)."""
    machine_cpus: int
    """CPUs the machine's counters cover (/proc/stat's cpuN lines)."""


class _FreeCpuMeter:
    """CPUs free for this process over the last LOAD_WINDOW_SECONDS or more: the idle CPU time of the CPUs it may
    run on plus its own CPU time, per second; at most the CPUs it may use (`usable_cpus`: its affinity and its
    cgroup's CPU quota), which is also the answer where idle times are unknown (no /proc/stat, as off Linux).

    A parallel launch waits until every thread has run; where other processes keep the CPUs busy, that wait is a
    time slice of the scheduler, many times a call's own time. See Note: threads in docs/notes.md.

    The window is the time since the last reading. One of STALE_WINDOW_SECONDS or more (the first large call after
    a pause) averages a past that may have ended: it counts for no more CPUs than are free right now, the machine's
    CPUs less the tasks running or ready besides the caller, so that a load that has just started is seen at once.
    """

    def __init__(self) -> None:
        self.last = self.sample()
        self.cpus = 0.0  # until a first window has passed

    def __call__(self) -> float:
        if self.last is None:
            return usable_cpus()
        if time.monotonic() - self.last.time >= LOAD_WINDOW_SECONDS:
            then, self.last = self.last, self.sample()
            if self.last is None:
                return usable_cpus()
            window = self.last.time - then.time
            cpus = (self.last.idle - then.idle + self.last.own - then.own) / window
            if window >= STALE_WINDOW_SECONDS:
                cpus = min(cpus, self.last.machine_cpus - self.last.busy_now)
            self.cpus = min(cpus, usable_cpus())
        return self.cpus

    @staticmethod
    def sample() -> LoadSample | None:
        """The machine's load counters now (None without /proc/stat)."""
        try:
            with open("/proc/stat", "rb") as stat_file:
                counters = stat_file.read()
        except OSError:
            return None
        return parse_proc_stat(counters, _affinity(), os.sysconf("SC_CLK_TCK"), time.monotonic(), time.process_time())


def parse_proc_stat(
    counters: bytes, cpus: set[int] | None, ticks_per_second: int, now: float, own: float
) -> LoadSample:
    """A LoadSample from the text of /proc/stat: the idle and iowait ticks of the lines cpuN for N in `cpus` (every
    CPU's: the first line, where `cpus` is None), and procs_running."""
    idle_ticks, machine_cpus, running = 0, 0, 1
    for line in counters.splitlines():
        if not line.startswith((b"cpu", b"procs_running")):  # not the long lines of interrupt counts
            continue
        fields = line.split()  # b"cpu3", user, nice, system, idle, iowait, ...
        name = fields[0]
        if name == b"cpu":
            if cpus is None:
                idle_ticks = int(fields[4]) + int(fields[5])
        elif name.startswith(b"cpu"):
            machine_cpus += 1
            if cpus is not None and int(name[3:]) in cpus:
                idle_ticks += int(fields[4]) + int(fields[5])
        elif name == b"procs_running":
            running = int(fields[1])
    machine_cpus = machine_cpus or os.cpu_count() or 1
    return LoadSample(now, idle_ticks / ticks_per_second, own, max(0, running - 1), machine_cpus)


def _affinity() -> set[int] | None:
    """The CPUs this process may run on, None where the OS does not say (then every CPU)."""
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None


def usable_cpus() -> float:
    """The CPUs this process may use: those it may run on (its affinity), at most its cgroup's CPU quota (a
    container's --cpus, Kubernetes' CPU limit), which Numba's thread count ignores: threads beyond the quota
    exhaust it early in each period and then all wait for the next."""
    affinity = _affinity()
    cpus = float(len(affinity)) if affinity is not None else float(os.cpu_count() or 1)
    quota = cgroup_cpu_quota()
    return cpus if quota is None else max(1.0, min(cpus, quota))


@functools.cache
def cgroup_cpu_quota() -> float | None:
    """CPUs' worth of time per second this process's cgroup (or one above it) allows, None where unlimited or
    unknown: cgroup v2's cpu.max, or v1's cpu.cfs_quota_us / cpu.cfs_period_us. Read once: it rarely changes."""
    quotas = []
    for folder, version in _cgroup_cpu_folders():
        try:
            if version == 2:
                with open(os.path.join(folder, "cpu.max")) as limit:
                    quota, period = limit.read().split()[:2]
            else:
                with open(os.path.join(folder, "cpu.cfs_quota_us")) as quota_file:
                    quota = quota_file.read().strip()
                with open(os.path.join(folder, "cpu.cfs_period_us")) as period_file:
                    period = period_file.read().strip()
        except (OSError, ValueError):
            continue
        if quota not in ("max", "-1") and int(period) > 0:
            quotas.append(int(quota) / int(period))
    return min(quotas) if quotas else None


CGROUP_ROOT = "/sys/fs/cgroup"
PROC_SELF_CGROUP = "/proc/self/cgroup"


def _cgroup_cpu_folders() -> list[tuple[str, int]]:
    """(folder, cgroup version) of this process's CPU controller and of each cgroup above it, from
    /proc/self/cgroup; a container sees its own cgroup at the mount's root, which comes first."""
    try:
        with open(PROC_SELF_CGROUP) as membership:
            lines = membership.read().splitlines()
    except OSError:
        return []
    folders = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            mounts = [(CGROUP_ROOT, 2)]
        elif "cpu" in controllers.split(","):
            mounts = [(os.path.join(CGROUP_ROOT, name), 1) for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu")]
        else:
            continue
        parts = [part for part in path.split("/") if part]
        for mount, version in mounts:
            folders += [(os.path.join(mount, *parts[:depth]), version) for depth in range(len(parts), -1, -1)]
    return folders


free_cpus = _FreeCpuMeter()


BLOCK_BYTES = 1 << 17
"""The kept rows of a plane are made and turned into output rows a block at a time (`block_rows`), so that the
block's temporaries stay in the CPU's L2 cache, and are not given back to the OS and faulted in again on every call.
See Note: blocks in docs/notes.md."""


@njit(cache=True)
def block_rows(height: int, row_bytes: int) -> int:
    """Rows per block: about BLOCK_BYTES of them, a multiple of 16 and at least 32 (the columns pass loops over
    C x rows values: whole vectors, and not too few of them), at most the height. See Note: blocks in
    docs/notes.md."""
    return min(height, max(32, BLOCK_BYTES // row_bytes // 16 * 16))
