"""Numba's threads: results do not depend on them, small calls stay on the calling thread, and calls from many Python
threads at once are safe under each threading layer.

The tests of the kernels run a fresh Python with two Numba threads (NUMBA_NUM_THREADS=2, whatever the machine's
CPUs), where every call may go parallel (_kernels.PARALLEL_MIN_VALUES = 0 and, whatever the machine's load,
_kernels.free_cpus = infinity), so that small images exercise the parallel kernels; it records which calls did.
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
import math, sys, threading
import numba
import numpy as np
import antialias_np as aa
from antialias_np import _kernels

assert numba.get_num_threads() == 2, numba.get_num_threads()
_kernels.free_cpus = lambda: math.inf
small_frame_parallel = _kernels.runs_in_parallel(np.empty((3, 256, 256), np.float32))
batch_parallel = _kernels.runs_in_parallel(np.empty((8 * 3, 256, 256), np.float32))
_kernels.PARALLEL_MIN_VALUES = 0
launches = []
decide = _kernels.runs_in_parallel
_kernels.runs_in_parallel = lambda planes: launches.append(decide(planes)) or launches[-1]

rng = np.random.default_rng(0)
FLOAT = rng.random((4, 3, 40, 36)).astype(np.float32)
CASES = [(method, FLOAT) for method in aa.METHODS]
CASES += [(method, np.round(FLOAT * 255).astype(np.uint8)) for method in aa.METHODS if method != "bilateral"]
CASES += [("interpolate nearest", FLOAT)]


def run(method, image):
    if method == "interpolate nearest":  # indices not evenly spaced: the gather kernel
        return aa.interpolate(image, size=(13, 11), mode="nearest")
    return aa.downsample(image, 0.25, method)


def single_thread_results():
    numba.set_num_threads(1)
    results = [run(method, image) for method, image in CASES]
    numba.set_num_threads(2)
    return results
"""

SAME_RESULT_ON_TWO_THREADS = """
single = single_thread_results()
assert not any(launches), "a call went parallel with numba.set_num_threads(1)"
del launches[:]
for (method, image), expected in zip(CASES, single):
    np.testing.assert_array_equal(run(method, image), expected, err_msg=f"{method} {image.dtype}")
assert launches and all(launches), launches
assert not small_frame_parallel and batch_parallel
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
assert any(launches)
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
    ("idle", "own", "parallel"),
    [(1.0, 1.0, True), (1.9, 0.0, True), (0.0, 1.0, False), (0.5, 1.0, False), (0.1, 1.4, False)],
)
def test_a_batch_goes_parallel_only_with_a_free_cpu_per_thread(monkeypatch, idle, own, parallel):
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
    monkeypatch.setattr(_kernels, "free_cpus", ScriptedMeter(idle, own))
    batch = np.empty((8 * 3, 256, 256), np.float32)
    assert _kernels.runs_in_parallel(batch) == parallel
