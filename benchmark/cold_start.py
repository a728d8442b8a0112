"""Start-up and compiles, each in fresh processes: `python bench.py --speed` measures the start-up (the first call
with Numba's cache warm, against OpenCV's and torch's import and first resize); `--cold` adds each method's first
call with an empty cache (compiling), the parallel variants a first large call compiles, and compile_all.

The children write their .pyc files (PYTHONDONTWRITEBYTECODE is dropped from their environment), as an installed
package has them: compiling the package's source on every start would be counted otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import antialias_np as aa
from antialias_np.compile import DEFAULT_DTYPES
from benchmark.report import fmt, markdown_table, progress

STARTUP_RUNS = 12
"""Fresh processes per start-up row (3 with --quick); the table gives the fastest, and the median."""

FIRST_CALL = """
import json, sys, time
{hide_scipy}
import numpy as np
frame = np.random.default_rng(0).random((3, 256, 256), dtype=np.float32)
wall, cpu = time.perf_counter(), time.process_time()
{first_call}
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}}))
"""

STARTUP_PHASES = """
import json, time
import numpy as np
frame = np.random.default_rng(0).random((3, 256, 256), dtype=np.float32)
marks = [time.process_time()]
import numba
marks.append(time.process_time())
import antialias_np.methods, antialias_np.gaussian  # what the call imports: downsample's, and its method's modules
marks.append(time.process_time())
antialias_np.downsample(frame, 0.25, "gaussian")
marks.append(time.process_time())
print(json.dumps([after - before for before, after in zip(marks, marks[1:])]))
"""
"""The in-process CPU time of the first call in three parts: Numba's import, the antialias_np modules the call
imports (downsample imports a method's modules on its first call), the call."""

STARTUP_PARTS = ("import numba", "import antialias_np's modules (those of gaussian)",
                 "first call (kernels loaded from the cache)")

HIDE_SCIPY = 'sys.modules["scipy"] = None  # as if scipy were not installed: Numba imports it where it is'

FIRST_CALLS = {
    "antialias_np": "import antialias_np\nantialias_np.downsample(frame, 0.25, {method!r})",
    "OpenCV": "import cv2\ncv2.resize(frame.transpose(1, 2, 0).copy(), (64, 64), interpolation=cv2.INTER_AREA)",
    "torch": "import torch\ntorch.nn.functional.interpolate(torch.from_numpy(frame)[None], size=(64, 64), "
    "mode='bilinear', antialias=True)",
    "Python and NumPy alone": "pass",
}
"""What each start-up row runs after NumPy's import: its import and one 3 x 256 x 256 float32 frame to 64 x 64."""

COLD_CALL = """
import json, time
import numpy as np
frame = np.random.default_rng(0).random((1, 3, 256, 256), dtype=np.float32)
start = time.perf_counter()
import antialias_np
from antialias_np.compile import compile_parallel_variants
imported = time.perf_counter()
times = {{"import": imported - start}}
for method in {methods!r}:
    wall, cpu = time.perf_counter(), time.process_time()
    antialias_np.downsample(frame, 0.25, method)
    times[method] = {{"first": (time.perf_counter() - wall, time.process_time() - cpu)}}
    wall, cpu = time.perf_counter(), time.process_time()
    antialias_np.downsample(frame, 0.25, method)
    times[method]["second"] = time.perf_counter() - wall
    wall, cpu = time.perf_counter(), time.process_time()
    compile_parallel_variants()
    times[method]["parallel"] = (time.perf_counter() - wall, time.process_time() - cpu)
print(json.dumps(times))
"""

COMPILE_ALL = """
import json, sys, time
from antialias_np.compile import compile_all
cpu = time.process_time()
summary = compile_all(dtypes=tuple(sys.argv[1].split(",")))
print(json.dumps({"seconds": summary.seconds, "cpu": time.process_time() - cpu, "compiled": summary.compiled}))
"""


def startup(quick: bool) -> dict[str, object]:
    """The first call in fresh processes, Numba's cache warm: in-process (the import and the call, NumPy already
    imported) and the whole process (Python's start and exit too), wall and CPU time; antialias_np with and without
    scipy where scipy is installed, beside OpenCV and torch where they are."""
    runs = 3 if quick else STARTUP_RUNS
    cases = [("antialias_np", "")]
    if importlib.util.find_spec("scipy") is not None:
        cases = [("antialias_np, scipy installed", ""), ("antialias_np, scipy hidden", HIDE_SCIPY)]
    cases += [(name, "") for name in ("OpenCV", "torch") if importlib.util.find_spec(_module_of(name)) is not None]
    cases.append(("Python and NumPy alone", ""))
    rows = []
    for name, hide_scipy in cases:
        first_call = FIRST_CALLS[name.split(",")[0]].format(method="gaussian")
        code = FIRST_CALL.format(hide_scipy=hide_scipy, first_call=first_call)
        python(code)  # warm-up: Numba's cache and the .pyc files written, the files in the OS's cache
        samples = [timed_python(code) for _ in range(runs)]
        rows.append({"case": name, "runs": runs, **_summary(samples)})
        progress(f"start-up {name}: {rows[-1]['in_process_cpu_min']:.3f} s CPU in-process (fastest of {runs})")
    parts = [json.loads(python(STARTUP_PHASES)) for _ in range(runs)]
    fastest = {name: min(run[k] for run in parts) for k, name in enumerate(STARTUP_PARTS)}
    progress("start-up parts (CPU s, fastest): " + ", ".join(f"{n} {t:.3f}" for n, t in fastest.items()))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"rows": rows, "parts_cpu_s": fastest, "cpu_count": os.cpu_count(), "load_1min": load}


def _module_of(name: str) -> str:
    return {"OpenCV": "cv2", "torch": "torch"}[name]


def _summary(samples: list[dict[str, float]]) -> dict[str, float]:
    """Fastest and median of each measure over the runs."""
    summary = {}
    for measure in ("in_process_wall", "in_process_cpu", "process_wall", "process_cpu"):
        values = [sample[measure] for sample in samples if sample[measure] is not None]
        summary[f"{measure}_min"] = min(values) if values else None
        summary[f"{measure}_median"] = statistics.median(values) if values else None
    return summary


def timed_python(code: str, **env: str) -> dict[str, float | None]:
    """Run `code` in a fresh Python, which prints {"wall": ..., "cpu": ...} of its own measure; add the whole
    process's wall time and CPU time (None where the resource module does not exist)."""
    try:
        import resource
    except ImportError:
        resource = None
    before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
    start = time.perf_counter()
    inside = json.loads(python(code, **env))
    wall = time.perf_counter() - start
    cpu = None
    if resource:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"in_process_wall": inside["wall"], "in_process_cpu": inside["cpu"], "process_wall": wall,
            "process_cpu": cpu}  # fmt: skip


def cold_start(quick: bool) -> dict[str, object]:
    """With Numba's cache empty (NUMBA_CACHE_DIR a new folder): each method alone in a fresh process (its first
    call, which compiles; the second; the parallel variants a first large call compiles), every method one after
    the other in one process (kernels that methods share compile once), and compile_all (float32 only with
    --quick)."""
    methods = aa.METHODS + aa.EXTRA_METHODS
    result = {"methods": []}
    for method in methods:
        first_call = FIRST_CALL.format(hide_scipy="", first_call=FIRST_CALLS["antialias_np"].format(method=method))
        python(first_call)  # its kernels in the cache
        warm = [timed_python(first_call) for _ in range(1 if quick else 3)]
        with tempfile.TemporaryDirectory() as cache:
            times = json.loads(python(COLD_CALL.format(methods=(method,)), NUMBA_CACHE_DIR=cache))
        row = times[method]
        result["methods"].append({
            "method": method,
            "warm_first_call_cpu_s": min(w["in_process_cpu"] for w in warm),
            "warm_first_call_s": min(w["in_process_wall"] for w in warm),
            "import_s": times["import"],
            "first_call_s": row["first"][0],
            "first_call_cpu_s": row["first"][1],
            "second_call_s": row["second"],
            "parallel_s": row["parallel"][0],
            "parallel_cpu_s": row["parallel"][1],
        })  # fmt: skip
        progress(f"cold {method}: first call {row['first'][1]:.1f} s CPU, parallel variants {row['parallel'][1]:.1f} s")
    with tempfile.TemporaryDirectory() as cache:
        times = json.loads(python(COLD_CALL.format(methods=methods), NUMBA_CACHE_DIR=cache))
    result["one_process_cpu_s"] = sum(times[m]["first"][1] + times[m]["parallel"][1] for m in methods)
    result["one_process_s"] = sum(times[m]["first"][0] + times[m]["parallel"][0] for m in methods)
    dtypes = ("float32",) if quick else DEFAULT_DTYPES
    with tempfile.TemporaryDirectory() as cache:
        result["compile_all"] = json.loads(python(COMPILE_ALL, ",".join(dtypes), NUMBA_CACHE_DIR=cache))
    result["compile_all"]["dtypes"] = list(dtypes)
    progress(f"cold: every method in one process {result['one_process_cpu_s']:.1f} s CPU, compile_all "
             f"{result['compile_all']['cpu']:.1f} s CPU")  # fmt: skip
    return result


def python(code: str, *args: str, **env: str) -> str:
    """Run `code` in a fresh Python from the repository root with arguments and extra environment variables (and
    without PYTHONDONTWRITEBYTECODE); return its stdout."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**environment, **env},
    )
    if done.returncode != 0:
        raise RuntimeError(f"a fresh Python failed on {code!r}:\n{done.stderr}")
    return done.stdout.strip()


def startup_markdown(startup: dict) -> str:
    header = ["first call of", "in-process CPU (s)", "in-process wall (s)", "whole process CPU (s)",
              "whole process wall (s)"]  # fmt: skip

    def cells(row: dict, measure: str) -> str:
        return f"{fmt(row[f'{measure}_min'], 3)} ({fmt(row[f'{measure}_median'], 3)})"

    table = [
        [row["case"], *(cells(row, m) for m in ("in_process_cpu", "in_process_wall", "process_cpu", "process_wall"))]
        for row in startup["rows"]
    ]
    return "\n".join(
        [
            "## Start-up: the first call in a fresh process, Numba's cache warm",
            "",
            f"The fastest of {startup['rows'][0]['runs']} fresh processes (median in brackets), NumPy imported "
            "first: the import and one 3x256x256 float32 frame to 64x64 (antialias_np's gaussian, OpenCV's "
            "INTER_AREA, torch's antialiased bilinear). In-process: from the import to the result; whole process: "
            "Python's start to its exit. CPU time is the measure to read on a shared machine (load average "
            f"{fmt(startup['load_1min'], 1)} on {startup['cpu_count']} CPUs at the end): wall time counts the "
            "time other processes hold the CPU. Numba imports scipy where it is installed; 'scipy hidden' runs "
            "as if it were not.",
            "",
            markdown_table(header, table),
            "",
            "Where antialias_np's in-process CPU time goes (fastest of the runs, scipy as installed): "
            + "; ".join(f"{name} {fmt(seconds, 3)} s" for name, seconds in startup.get("parts_cpu_s", {}).items())
            + ".",
        ]
    )


def cold_markdown(cold: dict) -> str:
    header = ["method", "first call, warm cache: CPU (wall) s", "first call, empty cache: CPU (wall) s",
              "parallel variants: CPU (wall) s", "second call (µs)"]  # fmt: skip
    table = [
        [
            r["method"],
            f"{fmt(r['warm_first_call_cpu_s'], 3)} ({fmt(r['warm_first_call_s'], 3)})",
            f"{fmt(r['first_call_cpu_s'], 2)} ({fmt(r['first_call_s'], 2)})",
            f"{fmt(r['parallel_cpu_s'], 2)} ({fmt(r['parallel_s'], 2)})",
            fmt(r["second_call_s"] * 1e6, 0),
        ]
        for r in cold["methods"]
    ]
    alone = sum(r["first_call_cpu_s"] + r["parallel_cpu_s"] for r in cold["methods"])
    every = cold["compile_all"]
    return "\n".join(
        [
            "## Compiles: Numba's cache empty",
            "",
            "Each method alone in fresh processes: its first call on one 3x256x256 float32 frame with the cache "
            "warm (the import included; fastest of 3), and with an empty cache (NUMBA_CACHE_DIR a new folder), "
            "which compiles its kernels; then the parallel variants, which the first call large enough for threads "
            "compiles.",
            "",
            markdown_table(header, table),
            "",
            f"All methods, each alone: {alone:.1f} s CPU. All methods one after the other in one process (kernels "
            f"that methods share compiled once): {cold['one_process_cpu_s']:.1f} s CPU "
            f"({cold['one_process_s']:.1f} s wall). `compile_all` for {', '.join(every['dtypes'])} "
            f"(`antialias-np compile`), every public function in both layouts: {every['cpu']:.1f} s CPU "
            f"({every['seconds']:.1f} s wall), {every['compiled']} kernel signatures.",
        ]
    )
