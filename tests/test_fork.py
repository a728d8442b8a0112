"""Worker processes: a process that has made calls on Numba's threads can start workers, by fork or by spawn, whose
calls on Numba's threads give the parent's results (GNU OpenMP, Numba's default threading layer without TBB, does
not survive fork(): antialias_np runs a forked child's kernels serially, see antialias_np._kernels).

Each case runs in a fresh Python with two Numba threads, where every call of 2**20 values or more goes parallel
(_kernels.free_cpus reports 2 CPUs whatever the machine's load): the parent makes such a call first, which starts
Numba's threads, then its workers make one each. The DataLoader case needs torch (the fixtures extra); the Dask case
needs dask. Neither is imported by this process (the default test run never imports torch, see conftest.py).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]

WORKER_TIMEOUT_SECONDS = 120  # a worker's call takes milliseconds; a pool whose worker died waits forever

COMMON = """
import sys
import numba
import numpy as np
import antialias_np as aa
from antialias_np import _kernels

BATCH = np.random.default_rng(0).random((8, 3, 256, 256)).astype(np.float32)  # 1.5 * 2**20 values
TIMEOUT = {timeout}


def big_call(_=None):
    '''Downsample BATCH on Numba's threads where this process may use them; return the result and the number of
    threads the call ran on (set here, not at import, so that workers unpickled by value get it too).'''
    _kernels.free_cpus = lambda: 2.0
    threads = _kernels.parallel_threads(BATCH.reshape(-1, 256, 256))
    return aa.downsample(BATCH, 0.25, "bilinear"), threads


def check(results, expected):
    for result, _ in results:
        np.testing.assert_array_equal(np.asarray(result), expected)
"""

MAIN = """
if __name__ == "__main__":
    assert numba.get_num_threads() == 2
    expected, parent_threads = big_call()
    assert parent_threads == 2, parent_threads
{case}
    check(results, expected)
    assert big_call()[1] == 2, "the parent lost its threads"
    print(numba.threading_layer(), *[int(threads) for _, threads in results])
"""

CASES = {
    "multiprocessing-fork": """
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(big_call, range(2)).get(TIMEOUT)
""",
    "multiprocessing-spawn": """
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map_async(big_call, range(2)).get(TIMEOUT)
""",
    "ProcessPoolExecutor": """
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2) as pool:  # fork by default on Linux before Python 3.14
        results = list(pool.map(big_call, range(2), timeout=TIMEOUT))
""",
    "dask-processes": """
    import dask
    results = dask.compute(*[dask.delayed(big_call)(i) for i in range(2)], scheduler="processes", num_workers=2)
""",
    "dask-processes-fork": """
    import dask
    with dask.config.set({"multiprocessing.context": "fork"}):
        results = dask.compute(*[dask.delayed(big_call)(i) for i in range(2)], scheduler="processes", num_workers=2)
""",
    "torch-DataLoader": """
    import torch

    class Batches(torch.utils.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return big_call(index)

    loader = torch.utils.data.DataLoader(Batches(), batch_size=None, num_workers=2, timeout=TIMEOUT)  # fork
    results = list(loader)
""",
}
NEEDS = {"dask-processes": "dask", "dask-processes-fork": "dask", "torch-DataLoader": "torch"}
FORKED = {"multiprocessing-fork", "ProcessPoolExecutor", "dask-processes-fork", "torch-DataLoader"}


def run_case(case: str, tmp_path: Path, **env: str) -> list[str]:
    """Run the case in a fresh Python (a script file, so that spawned workers can import it); return the threading
    layer it used and the thread count of each worker's call."""
    script = tmp_path / "workers.py"
    script.write_text(COMMON.format(timeout=WORKER_TIMEOUT_SECONDS) + MAIN.format(case=CASES[case]))
    environment = {**os.environ, "NUMBA_NUM_THREADS": "2", "PYTHONPATH": str(REPOSITORY), **env}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=environment,
                          timeout=3 * WORKER_TIMEOUT_SECONDS, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout.split()


@pytest.mark.parametrize("case", list(CASES))
def test_workers_of_a_process_that_used_threads_give_its_results(case, tmp_path):
    if case in NEEDS and importlib.util.find_spec(NEEDS[case]) is None:
        pytest.skip(f"needs {NEEDS[case]}")
    layer, *worker_threads = run_case(case, tmp_path)
    assert len(worker_threads) == 2
    if case in FORKED and layer == "omp":  # GNU OpenMP: forked workers run serially
        assert worker_threads == ["1", "1"]


def test_forked_workers_keep_their_threads_on_a_fork_safe_layer(tmp_path):
    """Only GNU OpenMP's children are made serial: the workqueue layer is fork-safe, so its children keep theirs."""
    layer, *worker_threads = run_case("multiprocessing-fork", tmp_path, NUMBA_THREADING_LAYER="workqueue")
    assert layer == "workqueue"
    assert worker_threads == ["2", "2"]
