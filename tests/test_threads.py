"""Numba's threads: results do not depend on them, small calls stay on the calling thread, and calls from many Python
threads at once are safe under each threading layer.

Every call of the registry (tests/conftest.py) is run with every kernel call forced onto 2 Numba threads
(_kernels.PARALLEL_MIN_VALUES = 0, and _kernels.free_cpus reporting 2 CPUs whatever the machine's load), so that small
images exercise the parallel kernels, and each launch's thread count is recorded: the parallel path is known to be
taken, not hoped for on an idle machine. The concurrency tests run a fresh Python with two Numba threads
(NUMBA_NUM_THREADS=2, whatever the machine's CPUs) under each threading layer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import pytest
from conftest import IMAGE_CALLS, PUBLIC_CALLS, TORCH_DTYPES, random_frames
from optional import unavailable

from antialias_np import _kernels, plans

REPOSITORY = Path(__file__).resolve().parents[1]


def plane_kernels() -> list[_kernels.PlaneKernel]:
    """Every kernel of the package's modules (each compiled serial and parallel)."""
    modules = [module for name, module in list(sys.modules.items()) if name.startswith("antialias_np.")]
    found = {id(value): value for module in modules for value in vars(module).values()
             if isinstance(value, _kernels.PlaneKernel)}  # fmt: skip
    return list(found.values())


@pytest.fixture
def kernel_launches(monkeypatch):
    """Every kernel call may go parallel, on as many threads as numba.set_num_threads allows (up to 2), whatever the
    image's size and the machine's load; yields the list of the launches, each (path, Numba threads it ran on)
    with path "serial" or "parallel": the compiled code that really ran."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        unavailable("needs 2 Numba threads (a machine of 2 CPUs or more, or NUMBA_NUM_THREADS=2)")
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_VALUES", 0)
    monkeypatch.setattr(_kernels, "free_cpus", lambda: 2.0)
    plans.forget_plans()  # a plan built for a small image may have chosen the serial kernel (GatherPlan)
    launches = []

    def recorded(compiled, path):
        def launch(*args):
            launches.append((path, numba.get_num_threads()))
            return compiled(*args)

        return launch

    kernels = plane_kernels()
    assert len(kernels) >= 8, kernels  # the engine's, the median's, the bilateral filter's and float16's
    for kernel in kernels:
        for path in ("serial", "parallel"):
            monkeypatch.setattr(kernel, path, recorded(getattr(kernel, path), path))
    threads = numba.get_num_threads()
    yield launches
    numba.set_num_threads(threads)


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_the_parallel_kernels_give_the_serial_result(name, kernel_launches):
    """In each dtype and both layouts: on 1 thread every launch is serial; on 2 every launch is parallel, on 2 threads,
    and the result is the serial one. Some calls launch no kernel in torch layout (subsample and nearest at a whole
    step slice with NumPy), but every call launches one in some layout and dtype."""
    launches, call, went_parallel = kernel_launches, PUBLIC_CALLS[name], False
    for dtype in [dtype for dtype in TORCH_DTYPES if dtype in call.dtypes]:
        frames = random_frames(dtype)  # 2 frames of 3 channels: 6 planes in torch layout, 2 images channels last
        for x, channel_axis in ((frames, None), (np.ascontiguousarray(np.moveaxis(frames, 1, -1)), -1)):
            numba.set_num_threads(1)
            del launches[:]
            serial = call(x, channel_axis=channel_axis)
            assert set(launches) <= {("serial", 1)}, launches
            numba.set_num_threads(2)
            del launches[:]
            parallel = call(x, channel_axis=channel_axis)
            assert set(launches) <= {("parallel", 2)}, (dtype, channel_axis, launches)
            np.testing.assert_array_equal(parallel, serial, err_msg=f"{dtype}, channel_axis={channel_axis}")
            went_parallel = went_parallel or bool(launches)
    assert went_parallel, "no kernel was launched: nothing ran in parallel"


SETUP = """
import sys, threading
import numba
import numpy as np
from antialias_np import _kernels

sys.path.insert(0, "tests")
from conftest import IMAGE_CALLS, PUBLIC_CALLS, random_frames

assert numba.get_num_threads() == 2, numba.get_num_threads()
_kernels.free_cpus = lambda: 2.0
_kernels.PARALLEL_MIN_VALUES = 0
launches = []  # the thread count of each kernel call
decide = _kernels.parallel_threads
_kernels.parallel_threads = lambda planes: launches.append(decide(planes)) or launches[-1]

# Every call of the registry in float32 in both layouts, and in uint8 where it takes it
CASES = []
for name in IMAGE_CALLS:
    for dtype in ("float32", "uint8"):
        if dtype in PUBLIC_CALLS[name].dtypes:
            CASES.append((name, random_frames(dtype, (4, 3, 40, 36)), None))
    CASES.append((name, np.ascontiguousarray(np.moveaxis(random_frames("float32", (4, 3, 40, 36)), 1, -1)), -1))


def run(name, image, channel_axis):
    return PUBLIC_CALLS[name](image, channel_axis=channel_axis)


def single_thread_results():
    numba.set_num_threads(1)
    results = [run(*case) for case in CASES]
    numba.set_num_threads(2)
    return results
"""

CONCURRENT_CALLS = """
single = single_thread_results()
failures = []


def call_every_case():
    for _ in range(5):
        for (name, image, channel_axis), expected in zip(CASES, single):
            if not np.array_equal(run(name, image, channel_axis), expected):
                failures.append(f"{name} {image.dtype} channel_axis={channel_axis}")


threads = [threading.Thread(target=call_every_case) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not failures, failures
assert 2 in launches
print(numba.threading_layer())
"""


def run_with_two_threads(code: str, **env: str) -> str:
    """Run SETUP + code in a fresh Python with NUMBA_NUM_THREADS=2; return its stdout (fail on any error)."""
    environment = {**os.environ, "NUMBA_NUM_THREADS": "2", "PYTHONPATH": str(REPOSITORY), **env}
    done = subprocess.run([sys.executable, "-c", SETUP + code], capture_output=True, text=True, env=environment,
                          cwd=REPOSITORY)  # fmt: skip
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stderr}"
    return done.stdout.strip()


def available_threading_layers() -> list[str]:
    """workqueue (always built), and omp and tbb where their libraries load."""
    layers = ["workqueue"]
    for layer, module in (("omp", "omppool"), ("tbb", "tbbpool")):
        try:
            __import__(f"numba.np.ufunc.{module}")
            layers.append(layer)
        except ImportError:
            pass
    return layers


@pytest.mark.parametrize("layer", ["default", *available_threading_layers()])
def test_calls_from_eight_python_threads_at_once_are_safe(layer):
    env = {} if layer == "default" else {"NUMBA_THREADING_LAYER": layer}
    used = run_with_two_threads(CONCURRENT_CALLS, **env)
    assert layer in ("default", used)


class ScriptedMeter(_kernels._FreeCpuMeter):
    """A meter whose last reading was `window` seconds ago: since then, the CPUs this process may run on were idle
    for `idle` CPU seconds per second and this process ran for `own`; `busy_now` other tasks are running at the end,
    on a machine of `machine_cpus`."""

    def __init__(self, idle: float, own: float, window: float = 0.5, busy_now: int = 0, machine_cpus: int = 8):
        self.end = _kernels.LoadSample(0.0, idle * window, own * window, busy_now, machine_cpus)
        super().__init__()
        self.last = _kernels.LoadSample(time.monotonic() - window, 0.0, 0.0, 0, machine_cpus)

    def sample(self) -> _kernels.LoadSample:
        return self.end._replace(time=time.monotonic())


@pytest.fixture
def usable_cpus(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Sets the CPUs this process may use (its affinity and CPU quota) to a count, whatever the machine."""
    return lambda cpus: monkeypatch.setattr(_kernels, "usable_cpus", lambda: float(cpus))


@pytest.mark.parametrize(
    ("numba_threads", "idle", "own", "threads"),
    [(2, 1.0, 1.0, 2), (2, 1.9, 0.0, 2), (2, 0.0, 1.0, 1), (2, 0.5, 1.0, 1), (2, 0.1, 1.4, 1), (2, 0.0, 0.3, 1),
     (4, 2.0, 0.9, 3), (4, 7.0, 1.0, 4), (1, 3.0, 1.0, 1)],
)  # fmt: skip
def test_a_batch_runs_on_as_many_threads_as_cpus_were_free(monkeypatch, usable_cpus, numba_threads, idle, own,
                                                           threads):  # fmt: skip
    usable_cpus(8)
    monkeypatch.setattr(numba, "get_num_threads", lambda: numba_threads)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(idle, own))
    assert _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32)) == threads


def test_a_small_call_runs_on_one_thread(monkeypatch, usable_cpus):
    usable_cpus(8)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(2.0, 0.0))
    assert _kernels.parallel_threads(np.empty((3, 256, 256), np.float32)) == 1
    assert _kernels.parallel_threads(np.empty((1, 2048, 2048), np.float32)) == 1  # one plane


@pytest.mark.parametrize(("busy_now", "threads"), [(0, 4), (1, 3), (3, 1), (6, 1)])
def test_after_a_pause_a_load_that_has_just_started_counts(monkeypatch, usable_cpus, busy_now, threads):
    """The first large call after 2 s without one, on 4 CPUs idle all that time: on as many threads as CPUs are
    free of the tasks running right now (busy loops just started: each a time slice of waiting for a thread)."""
    usable_cpus(4)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 4)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(4.0, 0.0, window=2.0, busy_now=busy_now, machine_cpus=4))
    assert _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32)) == threads


@pytest.mark.parametrize(("usable", "threads"), [(1.0, 1), (1.5, 1), (2.0, 2), (3.0, 3)])
def test_a_batch_runs_on_no_more_threads_than_the_process_may_use(monkeypatch, usable_cpus, usable, threads):
    """An idle machine of 8 CPUs, Numba's 8 threads, and this process limited by its affinity or CPU quota."""
    usable_cpus(usable)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 8)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(8.0, 0.0))
    assert _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32)) == threads


@pytest.mark.parametrize(
    ("callers_setting", "spin_count"),
    [({}, _kernels.OPENMP_SPIN_COUNT), ({"GOMP_SPINCOUNT": "100000"}, "100000"), ({"OMP_WAIT_POLICY": "active"}, None)],
)
def test_numba_threads_start_with_a_short_openmp_spin_unless_the_caller_chose(monkeypatch, callers_setting,
                                                                              spin_count):  # fmt: skip
    """The first large call starts Numba's threads with GOMP_SPINCOUNT = OPENMP_SPIN_COUNT in the environment (GNU
    OpenMP reads it as it loads), unless the caller set it or OMP_WAIT_POLICY; the environment is as it was after."""
    monkeypatch.setattr(_kernels, "_threads_started", False)
    for name in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in callers_setting.items():
        monkeypatch.setenv(name, value)
    environment = dict(os.environ)
    seen = []  # GOMP_SPINCOUNT at each numba.get_num_threads(): the first starts the threads
    monkeypatch.setattr(numba, "get_num_threads", lambda: seen.append(os.environ.get("GOMP_SPINCOUNT")) or 2)
    monkeypatch.setattr(_kernels, "free_cpus", lambda: 2.0)
    for _ in range(2):
        assert _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32)) == 2
    assert seen[0] == spin_count
    assert seen[1:] == [callers_setting.get("GOMP_SPINCOUNT")] * (len(seen) - 1)  # started once, then restored
    assert dict(os.environ) == environment


PROC_STAT = b"""cpu  4000 0 1000 5600 400 0 0 0 0 0
cpu0 1000 0 250 100 0 0 0 0 0 0
cpu1 1000 0 250 200 0 0 0 0 0 0
cpu2 1000 0 250 2000 300 0 0 0 0 0
cpu3 1000 0 250 3300 100 0 0 0 0 0
intr 123456 0 0
ctxt 98765
procs_running 3
procs_blocked 0
"""
"""/proc/stat of a machine of 4 CPUs: idle and iowait ticks 100 + 0, 200 + 0, 2000 + 300 and 3300 + 100."""


@pytest.mark.parametrize(("cpus", "idle_ticks"), [(None, 6000), ({0, 1}, 300), ({2}, 2300), ({0, 3}, 3500)])
def test_only_the_idle_time_of_the_cpus_this_process_may_run_on_counts(cpus, idle_ticks):
    """A process pinned to busy CPUs (taskset, a container's cpuset) of a machine whose other CPUs idle cannot use
    them: their idle time must not count (on such a machine /proc/stat covers every CPU)."""
    sample = _kernels.parse_proc_stat(PROC_STAT, cpus, 100, now=5.0, own=1.5)
    assert sample == _kernels.LoadSample(5.0, idle_ticks / 100, 1.5, busy_now=2, machine_cpus=4)


def quota_read(monkeypatch, tmp_path, self_cgroup: str) -> float | None:
    """cgroup_cpu_quota() for a process whose /proc/self/cgroup reads `self_cgroup`, with the cgroup files under
    tmp_path / "cgroup" (its cache cleared before and after)."""
    (tmp_path / "self_cgroup").write_text(self_cgroup)
    monkeypatch.setattr(_kernels, "CGROUP_ROOT", str(tmp_path / "cgroup"))
    monkeypatch.setattr(_kernels, "PROC_SELF_CGROUP", str(tmp_path / "self_cgroup"))
    _kernels.cgroup_cpu_quota.cache_clear()
    try:
        return _kernels.cgroup_cpu_quota()
    finally:
        _kernels.cgroup_cpu_quota.cache_clear()


@pytest.mark.parametrize(
    ("files", "quota"),
    [({"cpu.max": "max 100000"}, None), ({"cpu.max": "150000 100000"}, 1.5), ({"cpu.max": "200000 50000\n"}, 4.0),
     ({"cpu.max": "max 100000", "job/cpu.max": "100000 100000"}, 1.0),
     ({"cpu.max": "50000 100000", "job/cpu.max": "300000 100000"}, 0.5), ({}, None)],
)  # fmt: skip
def test_the_cpu_quota_of_a_cgroup_v2(monkeypatch, tmp_path, files, quota):
    """The quota is the smallest of the process's cgroup (here /job) and those above it."""
    for name, text in files.items():
        (tmp_path / "cgroup" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "cgroup" / name).write_text(text)
    assert quota_read(monkeypatch, tmp_path, "0::/job\n") == quota


@pytest.mark.parametrize(("quota_us", "period_us", "quota"), [("-1", "100000", None), ("250000", "100000", 2.5)])
def test_the_cpu_quota_of_a_cgroup_v1(monkeypatch, tmp_path, quota_us, period_us, quota):
    folder = tmp_path / "cgroup" / "cpu,cpuacct" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text(quota_us + "\n")
    (folder / "cpu.cfs_period_us").write_text(period_us + "\n")
    assert quota_read(monkeypatch, tmp_path, "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n") == quota


@pytest.mark.parametrize(("affinity", "quota", "usable"), [(8, None, 8.0), (8, 1.5, 1.5), (8, 0.5, 1.0), (2, 6.0, 2.0)])
def test_a_process_may_use_its_affinity_cpus_within_its_quota(monkeypatch, affinity, quota, usable):
    monkeypatch.setattr(_kernels, "_affinity", lambda: set(range(affinity)))
    monkeypatch.setattr(_kernels, "cgroup_cpu_quota", lambda: quota)
    assert _kernels.usable_cpus() == usable
