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
import pytest

import antialias_np as aa
from antialias_np.compile import compile_all

REPOSITORY = Path(__file__).resolve().parents[1]

FIRST_CALL = """
import json, sys
import numpy as np
import antialias_np
frame = np.random.default_rng(0).random((3, 64, 48), dtype=np.float32)
result = antialias_np.downsample(frame, 0.25, "bilinear")
from antialias_np.float_sums import _resample_float
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


COMPILE_ALL = """
import sys
from antialias_np.compile import compile_all
summary = compile_all(dtypes=tuple(sys.argv[1].split(",")))
print(summary.compiled)
"""

USER_CALLS = """
import json, sys
import numpy as np
import antialias_np as aa
from antialias_np.compile import _plane_kernels, dispatchers

rng = np.random.default_rng(1)
batch = (rng.random((4, 3, 90, 70)) * 255).astype(sys.argv[1])  # other shapes and options than compile_all's
for x, axis in ((batch, None), (np.ascontiguousarray(np.moveaxis(batch[0], 0, -1)), -1)):
    for method in aa.METHODS + aa.EXTRA_METHODS:
        if method != "bilateral" or x.dtype.kind == "f":
            aa.downsample(x, 1 / 3 if method != "binomial" else 1 / 8, method, channel_axis=axis)
    aa.interpolate(x, size=(41, 37), mode="bicubic", antialias=True, channel_axis=axis)
    aa.interpolate(x, scale_factor=1.7, mode="bilinear", align_corners=True, channel_axis=axis)
    aa.interpolate(x, size=(30, 35), mode="nearest-exact", channel_axis=axis)
    aa.avg_pool2d(x, 5, 3, 2, ceil_mode=True, count_include_pad=False, channel_axis=axis)
    aa.adaptive_avg_pool2d(x, 9, channel_axis=axis)
    aa.median_blur(x, (3, 7), border_type="replicate", channel_axis=axis)
for kernel in _plane_kernels():  # what calls on large images run: the parallel variants
    for signature in kernel.serial.signatures:
        kernel.parallel.compile(signature)
compiled = sorted(f"{d.py_func.__qualname__}{tuple(s)}" for d in dispatchers() for s in d.stats.cache_misses)
print(json.dumps({"compiled": compiled, "loaded": sum(len(d.stats.cache_hits) for d in dispatchers())}))
"""


def test_after_compile_all_a_fresh_process_compiles_nothing(tmp_path):
    """compile_all into an empty cache, then a fresh process's calls of every public function, with other shapes,
    scales and options, in both layouts, and the parallel variants: all loaded, none compiled. uint8, whose plans
    are the most varied (fixed point, tie-checked float32, exact box sums)."""
    cache = {"NUMBA_CACHE_DIR": str(tmp_path)}
    assert int(fresh_python(COMPILE_ALL, "uint8", **cache)) > 0
    calls = json.loads(fresh_python(USER_CALLS, "uint8", **cache))
    assert calls["compiled"] == []
    assert calls["loaded"] > 0


@pytest.mark.parametrize(
    ("dtypes", "error", "message"),
    [("uint8", TypeError, "dtypes must be a tuple"), (("uint8", "bool"), ValueError, "'bool'"),
     (("uint8", "pixels"), ValueError, "'pixels', which is not a NumPy dtype")],
)  # fmt: skip
def test_compile_all_refuses_what_is_not_a_tuple_of_image_dtypes(dtypes, error, message):
    with pytest.raises(error, match=message):
        compile_all(dtypes=dtypes)
