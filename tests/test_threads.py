"""Numba's threads: results do not depend on them, small calls stay on the calling thread, and calls from many Python
threads at once are safe under each threading layer.

The tests of the kernels run a fresh Python with two Numba threads (NUMBA_NUM_THREADS=2, whatever the machine's
CPUs), where every call may go parallel (_kernels.PARALLEL_MIN_VALUES = 0, and _kernels.free_cpus reports 2 CPUs
whatever the machine's load), so that small images exercise the parallel kernels; it records which calls did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pytest

from antialias_np import _kernels

REPOSITORY = Path(__file__).resolve().parents[1]

SETUP = """
import sys, threading
import numba
import numpy as np
import antialias_np as aa
from antialias_np import _kernels

assert numba.get_num_threads() == 2, numba.get_num_threads()
_kernels.free_cpus = lambda: 2.0
small_frame_threads = _kernels.parallel_threads(np.empty((3, 256, 256), np.float32))
batch_threads = _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32))
_kernels.PARALLEL_MIN_VALUES = 0
launches = []  # the thread count of each kernel call
decide = _kernels.parallel_threads
_kernels.parallel_threads = lambda planes: launches.append(decide(planes)) or launches[-1]

rng = np.random.default_rng(0)
FLOAT = rng.random((4, 3, 40, 36)).astype(np.float32)
CASES = [(method, FLOAT) for method in aa.METHODS]
CASES += [(method, np.round(FLOAT * 255).astype(np.uint8)) for method in aa.METHODS if method != "bilateral"]
CASES += [("interpolate nearest", FLOAT)]
CHANNELS_LAST = np.ascontiguousarray(np.moveaxis(FLOAT, 1, -1))  # read in place by these:
CASES += [(f"{method} channels last", CHANNELS_LAST) for method in ("subsample", "bilateral", "lanczos")]
CASES += [("interpolate nearest channels last", CHANNELS_LAST)]


def run(method, image):
    channel_axis = -1 if method.endswith(" channels last") else -3
    method = method.removesuffix(" channels last")
    if method == "interpolate nearest":  # indices not evenly spaced: the gather kernel
        return aa.interpolate(image, size=(13, 11), mode="nearest", channel_axis=channel_axis)
    return aa.downsample(image, 0.25, method, channel_axis=channel_axis)


def single_thread_results():
    numba.set_num_threads(1)
    results = [run(method, image) for method, image in CASES]
    numba.set_num_threads(2)
    return results
"""

SAME_RESULT_ON_TWO_THREADS = """
single = single_thread_results()
assert set(launches) == {1}, "a call went parallel with numba.set_num_threads(1)"
del launches[:]
for (method, image), expected in zip(CASES, single):
    np.testing.assert_array_equal(run(method, image), expected, err_msg=f"{method} {image.dtype}")
assert set(launches) == {2}, launches
assert small_frame_threads == 1 and batch_threads == 2
"""

CONCURRENT_CALLS = """
single = single_thread_results()
failures = []


def call_every_case():
    for _ in range(5):
        for (method, image), expected in zip(CASES, single):
            if not np.array_equal(run(method, image), expected):
                failures.append(f"{method} {image.dtype}")


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
    done = subprocess.run([sys.executable, "-c", SETUP + code], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stderr}"
    return done.stdout.strip()


def test_every_method_gives_the_single_thread_result_on_two_threads():
    run_with_two_threads(SAME_RESULT_ON_TWO_THREADS)


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
    """A meter whose machine was idle for `idle` CPU seconds and this process busy for `own` in the last second."""

    def __init__(self, idle: float, own: float):
        self.idle, self.own = idle, own
        super().__init__()
        self.last = (time.monotonic() - 1, 0.0, 0.0)

    def counters(self):
        return time.monotonic(), self.idle, self.own


@pytest.mark.parametrize(
    ("numba_threads", "idle", "own", "threads"),
    [(2, 1.0, 1.0, 2), (2, 1.9, 0.0, 2), (2, 0.0, 1.0, 1), (2, 0.5, 1.0, 1), (2, 0.1, 1.4, 1), (2, 0.0, 0.3, 1),
     (4, 2.0, 0.9, 3), (4, 7.0, 1.0, 4), (1, 3.0, 1.0, 1)],
)  # fmt: skip
def test_a_batch_runs_on_as_many_threads_as_cpus_were_free(monkeypatch, numba_threads, idle, own, threads):
    monkeypatch.setattr(numba, "get_num_threads", lambda: numba_threads)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(idle, own))
    assert _kernels.parallel_threads(np.empty((8 * 3, 256, 256), np.float32)) == threads


def test_a_small_call_runs_on_one_thread(monkeypatch):
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(2.0, 0.0))
    assert _kernels.parallel_threads(np.empty((3, 256, 256), np.float32)) == 1
    assert _kernels.parallel_threads(np.empty((1, 2048, 2048), np.float32)) == 1  # one plane
