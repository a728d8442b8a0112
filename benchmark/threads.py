"""antialias_np's time against frame size, batch size and Numba's thread count, and on a busy machine
(`python bench.py --scaling`, `--threads`)."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import subprocess
import sys
import time

import numpy as np

import antialias_np as aa
from benchmark.protocol import FRAME_SIZE, SCALE
from benchmark.report import fmt, markdown_table, progress
from benchmark.synthetic import synthetic_frames
from benchmark.timing import measure, measure_thread_counts

SCALING_METHODS = aa.METHODS
SCALING_DTYPES = ("float32", "uint8")
SCALING_SIZES = (256, 1024, 2048, 4096)
SCALING_BATCHES = (1, 4, 16, 64)
QUICK_SCALING_SIZES = (256, 512)
QUICK_SCALING_BATCHES = (1, 4)
FLOAT_ONLY_METHODS = ("bilateral",)
"""Methods that take float images only (as kornia's bilateral_blur): no uint8 row."""
THREAD_BATCHES = (8, 32)
BUSY_METHODS = ("gaussian", "median")
BUSY_BATCHES = (1, 8, 32)
BUSY_ROUNDS = 3


def scaling(repeats: int, repeat_time: float, quick: bool = False) -> list[dict[str, object]]:
    """antialias_np time of every method, float32 and uint8 (3, H, W) frames, against frame size (batch 1) and batch
    size (256 x 256 frames), one thread; with `quick`, only small sizes and batches."""
    sizes, batches = (QUICK_SCALING_SIZES, QUICK_SCALING_BATCHES) if quick else (SCALING_SIZES, SCALING_BATCHES)
    inputs = [synthetic_frames(1, size)[0] for size in sizes]
    inputs += [synthetic_frames(max(batches), FRAME_SIZE)[0][:batch] for batch in batches[1:]]
    rows = []
    for dtype, frames in itertools.product(SCALING_DTYPES, inputs):
        image = np.round(frames * 255).astype(np.uint8) if dtype == "uint8" else frames
        methods = [m for m in SCALING_METHODS if dtype == "float32" or m not in FLOAT_ONLY_METHODS]
        rows += [scaling_row(m, image, repeats, repeat_time) for m in methods]
    return rows


def scaling_row(method: str, frames: np.ndarray, repeats: int, repeat_time: float) -> dict[str, object]:
    timing = measure(functools.partial(aa.downsample, frames, SCALE, method), repeats, repeat_time)
    n, _, h, w = frames.shape
    progress(f"scaling {method} {frames.dtype} {n}x3x{h}x{w}: {timing.median * 1e6:.0f} µs")
    return {
        "method": method,
        "dtype": str(frames.dtype),
        "batch": n,
        "size": h,
        "us": timing.median * 1e6,
        "ns_per_input_value": timing.median * 1e9 / frames.size,
    }


def two_threads(repeats: int, repeat_time: float) -> list[dict[str, object]]:
    """antialias_np on batches of 256 x 256 frames with Numba at 1 and 2 threads; the count is restored after."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        progress("threads: skipped, Numba has a single thread here")
        return []
    frames, _ = synthetic_frames(max(THREAD_BATCHES), FRAME_SIZE)
    rows = []
    previous = numba.get_num_threads()
    try:
        for batch, method in itertools.product(THREAD_BATCHES, aa.METHODS):
            call = functools.partial(aa.downsample, frames[:batch], SCALE, method)
            times = {}
            for threads in (1, 2):
                numba.set_num_threads(threads)
                times[threads] = measure(call, repeats, repeat_time).median
            rows.append({"method": method, "batch": batch, "us_1": times[1] * 1e6, "us_2": times[2] * 1e6})
            progress(f"threads {method} batch {batch}: {times[1] / times[2]:.2f}x with 2")
    finally:
        numba.set_num_threads(previous)
    return rows


def busy_machine(repeats: int, repeat_time: float, rounds: int) -> list[dict[str, object]]:
    """antialias_np with Numba's default thread count against one thread, on one frame and on batches, with the
    machine idle, with a busy-loop process on one CPU, and with one on every CPU; `rounds` rounds of the three."""
    import numba

    if not hasattr(os, "sched_setaffinity"):
        progress("busy machine: skipped, processes cannot be pinned to a CPU here")
        return []
    cpus = sorted(os.sched_getaffinity(0))
    loads = {"idle": [], "one CPU busy": cpus[:1], "every CPU busy": cpus}
    default = numba.config.NUMBA_NUM_THREADS
    frames, _ = synthetic_frames(max(BUSY_BATCHES), FRAME_SIZE)
    rows = []
    try:
        for round_number, (load, busy_cpus) in itertools.product(range(rounds), loads.items()):
            with busy_loops(busy_cpus):
                for batch, method in itertools.product(BUSY_BATCHES, BUSY_METHODS):
                    image = frames[0] if batch == 1 else frames[:batch]
                    call = functools.partial(aa.downsample, image, SCALE, method)
                    times = measure_thread_counts(call, (default, 1), repeats, repeat_time)
                    row = {"round": round_number, "load": load, "method": method, "batch": batch}
                    rows.append({**row, "threads": default, "us_default": times[default] * 1e6, "us_1": times[1] * 1e6})
                    progress(f"busy {round_number} {load} {method} batch {batch}: {times[default] / times[1]:.2f}x")
    finally:
        numba.set_num_threads(1)
    return rows


@contextlib.contextmanager
def busy_loops(cpus: list[int]):
    """A Python busy loop pinned to each of `cpus` while the block runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in cpus]
    try:
        for loop, cpu in zip(loops, cpus, strict=True):
            os.sched_setaffinity(loop.pid, {cpu})
        time.sleep(0.2)
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def scaling_markdown(rows: list[dict]) -> str:
    """Per dtype, one line per input shape and one column per method: ns per input value, and in brackets its ratio
    to the single 256 x 256 frame's (1.00x: a flat cost per input value)."""
    sections = [
        "## Scaling: ns per input value (ratio to one 256 x 256 frame), one thread",
        "",
        "Frames x 3 x size x size, to 1/4 of each side. A constant ns per input value means time linear in the input. "
        "One 256 x 256 RGB frame (0.75 MiB in float32) is read from the L2 cache on every repeat; larger inputs "
        "come from the L3 cache or memory, so the read-once floor of the speed table rises with them.",
    ]
    for dtype in dict.fromkeys(r["dtype"] for r in rows):
        of_dtype = [r for r in rows if r["dtype"] == dtype]
        methods = list(dict.fromkeys(r["method"] for r in of_dtype))
        ns = {(r["batch"], r["size"], r["method"]): r["ns_per_input_value"] for r in of_dtype}
        base = {m: ns[1, min(r["size"] for r in of_dtype), m] for m in methods}
        shapes = list(dict.fromkeys((r["batch"], r["size"]) for r in of_dtype))
        cells = {key: f"{value:.2f} ({value / base[key[2]]:.2f}x)" for key, value in ns.items()}
        table = [[f"{n} x 3 x {size} x {size}"] + [cells[n, size, m] for m in methods] for n, size in shapes]
        sections += ["", f"### {dtype}", "", markdown_table(["input", *methods], table)]
    return "\n".join(sections)


def threads_markdown(rows: list[dict]) -> str:
    header = ["method", "frames", "µs, 1 thread", "µs, 2 threads", "speedup"]
    table = [
        [r["method"], r["batch"], fmt(r["us_1"], 0), fmt(r["us_2"], 0), fmt(r["us_1"] / r["us_2"], 2, "x")]
        for r in rows
    ]
    return "\n".join(
        [
            "## Numba threads: 2 against 1 on batches of 256x256 frames",
            "",
            "Two threads need two idle CPUs: a call goes parallel only while a CPU per thread has been free "
            "lately (antialias_np._kernels.free_cpus), so while other processes run, the rows show about 1x. "
            "Compare the load average above; rerun on an idle machine.",
            "",
            markdown_table(header, table),
        ]
    )


def busy_markdown(rows: list[dict]) -> str:
    """Per load, method and batch: µs on the default threads and on one (medians over rounds), and their ratio."""
    if not rows:
        return "## Busy machine: skipped (processes cannot be pinned to a CPU here)"
    cases = list(dict.fromkeys((r["load"], r["method"], r["batch"]) for r in rows))
    table = []
    for case in cases:
        rounds = [r for r in rows if (r["load"], r["method"], r["batch"]) == case]
        one, default = (np.median([r[key] for r in rounds]) for key in ("us_1", "us_default"))
        ratios = [r["us_default"] / r["us_1"] for r in rounds]
        table.append([*case, fmt(one, 0), fmt(default, 0), fmt(np.median(ratios), 2, "x"), fmt(max(ratios), 2, "x")])
    threads = rows[0]["threads"]
    header = ["load", "method", "frames", "µs, 1 thread", f"µs, {threads} threads (default)", "ratio", "worst round"]
    return "\n".join(
        [
            f"## Busy machine: Numba's default {threads} threads against 1",
            "",
            f"ratio = time with the default threads / time with one (above 1: slower); median over "
            f"{len(rows) // len(cases)} rounds. A busy loop is a Python process pinned to a CPU. Calls below "
            "antialias_np._kernels.PARALLEL_MIN_VALUES input values run on one thread whatever the setting.",
            "",
            markdown_table(header, table),
        ]
    )
