"""Compiled kernels: loaded from Numba's cache without Numba's compiler, and compiled ahead of time by compile_all.

Each test runs a fresh Python, as a user's process starts: what a process loads or compiles on its first calls is
not visible in a process that has already made them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import antialias_np as aa

REPOSITORY = Path(__file__).resolve().parents[1]

FIRST_CALL = """
import json, sys
import numpy as np
import antialias_np
frame = np.random.default_rng(0).random((3, 64, 48), dtype=np.float32)
result = antialias_np.downsample(frame, 0.25, "bilinear")
from antialias_np.separable import _resample_float
print(json.dumps({
    "result": result.tolist(),
    "cache_hits": len(_resample_float.serial.stats.cache_hits),
    "cache_misses": len(_resample_float.serial.stats.cache_misses),
    "registries_loaded": "numba.np.arraymath" in sys.modules,
}))
"""


def fresh_python(code: str, *args: str, **env: str) -> str:
    """Run `code` in a fresh Python from the repository, with extra environment variables; return its stdout."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPOSITORY,
                          env={**os.environ, **env}, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cached_kernel_loads_without_numba_compiler():
    """A first call whose kernel is in the cache loads it without Numba's typing and lowering registries (whose
    numba.np.arraymath imports scipy.linalg where scipy is installed), and computes what this process computes."""
    frame = np.random.default_rng(0).random((3, 64, 48), dtype=np.float32)
    expected = aa.downsample(frame, 0.25, "bilinear")  # compiles into the cache, if it is not there yet
    child = json.loads(fresh_python(FIRST_CALL))
    assert (child["cache_hits"], child["cache_misses"]) == (1, 0)
    assert not child["registries_loaded"]
    np.testing.assert_array_equal(np.array(child["result"], np.float32), expected)
