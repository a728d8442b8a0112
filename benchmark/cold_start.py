"""Cold start (`python bench.py --cold`): import time, first call and compile time, each in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark.report import fmt, markdown_table, progress

COLD_IMPORT = """
import time
start = time.perf_counter()
import antialias_np
print(time.perf_counter() - start)
"""


COLD_CALL = """
import time
import numpy as np
frame = np.random.default_rng(0).random((1, 3, 256, 256), dtype=np.float32)
start = time.perf_counter()
import antialias_np
imported = time.perf_counter()
antialias_np.downsample(frame, 0.25, {method!r})
first = time.perf_counter()
antialias_np.downsample(frame, 0.25, {method!r})
print(imported - start, first - imported, time.perf_counter() - first)
"""


def cold_start(quick: bool) -> dict[str, object]:
    """Fresh processes: `import antialias_np` alone (median of 5); then per method, with NumPy already imported,
    the import, the first call and the second call, with the Numba cache warm and with an empty cache
    (NUMBA_CACHE_DIR set to a new temporary folder: the first call then includes compiling)."""
    imports = [float(python(COLD_IMPORT)) for _ in range(2 if quick else 5)]
    result = {"import_s": float(np.median(imports)), "methods": []}
    for method in aa.METHODS:
        imported, first, second = map(float, python(COLD_CALL.format(method=method)).split())
        with tempfile.TemporaryDirectory() as cache:
            _, compiled, _ = map(float, python(COLD_CALL.format(method=method), NUMBA_CACHE_DIR=cache).split())
        result["methods"].append(
            {
                "method": method,
                "import_s": imported,
                "first_call_warm_cache_s": first,
                "second_call_s": second,
                "first_call_empty_cache_s": compiled,
            }
        )
        progress(f"cold {method}: first call {first:.3f} s with the cache, {compiled:.2f} s without")
    return result


def python(code: str, **env: str) -> str:
    """Run `code` in a fresh Python from the repository root, with extra environment variables; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        raise RuntimeError(f"a fresh Python failed on {code!r}:\n{done.stderr}")
    return done.stdout.strip()


def cold_markdown(cold: dict) -> str:
    header = [
        "method",
        "import (s)",
        "first call, warm cache (s)",
        "import + first call (s)",
        "second call (µs)",
        "first call, empty cache (s)",
    ]
    table = [
        [
            r["method"],
            fmt(r["import_s"], 3),
            fmt(r["first_call_warm_cache_s"], 3),
            fmt(r["import_s"] + r["first_call_warm_cache_s"], 3),
            fmt(r["second_call_s"] * 1e6, 0),
            fmt(r["first_call_empty_cache_s"], 2),
        ]
        for r in cold["methods"]
    ]
    return "\n".join(
        [
            "## Cold start: each in a fresh process",
            "",
            f"`import antialias_np` alone: {cold['import_s']:.3f} s (median). Per method, NumPy already imported: "
            "the import, then the first call with the Numba cache warm, and with an empty cache (compiling).",
            "",
            markdown_table(header, table),
        ]
    )
