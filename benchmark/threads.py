"""antialias_np's time against frame size, batch size and Numba's thread count, and on a busy machine
(`python bench.py --scaling`, `--threads`)."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

import antialias_np as aa
from benchmark.protocol import FRAME_SIZE, SCALE
from benchmark.report import fmt, markdown_table, progress
from benchmark.synthetic import synthetic_frames
from benchmark.timing import measure

SCALING_METHODS = aa.METHODS
SCALING_DTYPES = ("float32", "uint8")
SCALING_SIZES = (256, 1024, 2048, 4096)
SCALING_BATCHES = (1, 4, 16, 64)
QUICK_SCALING_SIZES = (256, 512)
QUICK_SCALING_BATCHES = (1, 4)
FLOAT_ONLY_METHODS = ("bilateral",)
"""Methods that take float images only (as kornia's bilateral_blur): no uint8 row."""
THREAD_BATCH = 64
THREAD_DTYPES = ("float32", "uint8")
BUSY_BATCHES = (1, 8, 64)
BUSY_ROUNDS = 3
SETTLE_SECONDS = 0.6
"""How long a busy loop runs before a round's first call: the library judges free CPUs over the last fraction of a
second (a few of its windows)."""
BUSY_SECONDS = 0.3
"""Seconds of calls per case and round of `busy_machine`, at least BUSY_MIN_TURNS turns of every count (with
--quick: a tenth, at least 3 turns)."""
BUSY_MIN_TURNS = 10


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
    """Every method on a batch of THREAD_BATCH 256 x 256 frames, float32 and uint8 (where it takes them), with Numba
    at 1 and 2 threads (the count restored after): median wall time per call, CPU time per call (all threads), and
    the calling thread's CPU time per call (about half the one-thread figure where the work was split between two
    threads, all of it where the library kept the call on one: it does so while fewer CPUs are free)."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        progress("threads: skipped, Numba has a single thread here")
        return []
    frames, _ = synthetic_frames(THREAD_BATCH, FRAME_SIZE)
    inputs = {"float32": frames, "uint8": np.round(frames * 255).astype(np.uint8)}
    rows = []
    previous = numba.get_num_threads()
    try:
        for dtype, method in itertools.product(THREAD_DTYPES, aa.METHODS):
            if dtype != "float32" and method in FLOAT_ONLY_METHODS:
                continue
            call = functools.partial(aa.downsample, inputs[dtype], SCALE, method)
            row = {"method": method, "dtype": dtype, "batch": THREAD_BATCH}
            for threads in (1, 2):
                numba.set_num_threads(threads)
                counted = CountedCalls(call)
                cpu, machine, began = time.process_time(), machine_cpu_seconds(), time.perf_counter()
                timing = measure(counted, repeats, repeat_time)
                cpu, seconds = time.process_time() - cpu, time.perf_counter() - began
                if threads == 2 and machine is not None:
                    busy, steal = np.subtract(machine_cpu_seconds(), machine)
                    row["others_cpus_2"], row["steal_cpus_2"] = (busy - cpu) / seconds, steal / seconds
                row[f"us_{threads}"] = timing.median * 1e6
                row[f"cpu_us_{threads}"] = cpu / counted.calls * 1e6
                row[f"caller_cpu_us_{threads}"] = counted.caller_cpu / counted.calls * 1e6
            row["load_1min"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            rows.append(row)
            caller_share = row["caller_cpu_us_2"] / row["caller_cpu_us_1"]
            progress(f"threads {method} {dtype} batch {THREAD_BATCH}: {row['us_1'] / row['us_2']:.2f}x with 2, "
                     f"calling thread's CPU {caller_share:.2f}x, load {fmt(row['load_1min'], 1)}")  # fmt: skip
    finally:
        numba.set_num_threads(previous)
    return rows


def machine_cpu_seconds() -> tuple[float, float] | None:
    """CPU seconds so far of every CPU of the machine, (busy, stolen by the hypervisor), from /proc/stat's first line
    (None without it): busy is user, nice, system, irq and softirq time, steal the time a virtual CPU had work but
    the host ran something else."""
    try:
        with open("/proc/stat") as stat_file:
            fields = [int(value) for value in stat_file.readline().split()[1:9]]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / ticks, steal / ticks


class CountedCalls:
    """function(), counting its calls and the calling thread's CPU seconds in them."""

    def __init__(self, function: Callable[[], object]) -> None:
        self.function, self.calls, self.caller_cpu = function, 0, 0.0

    def __call__(self) -> object:
        self.calls += 1
        began = time.thread_time()
        try:
            return self.function()
        finally:
            self.caller_cpu += time.thread_time() - began


def busy_machine(repeats: int, repeat_time: float, rounds: int) -> list[dict[str, object]]:
    """Every method with Numba's default thread count against one thread, on one frame and on batches
    (BUSY_BATCHES), with the machine idle, with a busy-loop process on one CPU, and with one on every CPU; `rounds`
    rounds of the three. The two counts take turns call by call (`alternating_calls`)."""
    import numba

    if not hasattr(os, "sched_setaffinity"):
        progress("busy machine: skipped, processes cannot be pinned to a CPU here")
        return []
    cpus = sorted(os.sched_getaffinity(0))
    loads = {"idle": [], "one CPU busy": cpus[:1], "every CPU busy": cpus}
    default = numba.config.NUMBA_NUM_THREADS
    frames, _ = synthetic_frames(max(BUSY_BATCHES), FRAME_SIZE)
    seconds, turns = (BUSY_SECONDS, BUSY_MIN_TURNS) if repeat_time >= 0.01 else (BUSY_SECONDS / 10, 3)  # --quick
    rows = []
    try:
        for round_number, (load, busy_cpus) in itertools.product(range(rounds), loads.items()):
            with busy_loops(busy_cpus):
                for batch, method in itertools.product(BUSY_BATCHES, aa.METHODS):
                    image = frames[0] if batch == 1 else frames[:batch]
                    call = functools.partial(aa.downsample, image, SCALE, method)
                    times, caller_cpu = alternating_calls(call, (default, 1), seconds, turns)
                    row = {"round": round_number, "load": load, "method": method, "batch": batch, "threads": default}
                    rows.append({**row, "us_default": times[default] * 1e6, "us_1": times[1] * 1e6,
                                 "caller_cpu_ratio": caller_cpu[default] / caller_cpu[1]})  # fmt: skip
                    progress(f"busy {round_number} {load} {method} batch {batch}: {times[default] / times[1]:.2f}x, "
                             f"calling thread's CPU {caller_cpu[default] / caller_cpu[1]:.2f}x")  # fmt: skip
    finally:
        numba.set_num_threads(1)
    return rows


def alternating_calls(
    function: Callable[[], object], counts: tuple[int, ...], seconds: float, min_turns: int
) -> tuple[dict[int, float], dict[int, float]]:
    """Median seconds of one call of function() with each Numba thread count, and the median CPU seconds of the
    calling thread in it, the counts taking turns call by call
    (in turned order every other turn, so that neither always follows the other) for about `seconds` and at least
    `min_turns` turns. Call by call, a change in the machine's load or in this process's share of a CPU touches
    every count alike; the median of single calls is the time of a call that no other process interrupted, unless
    a count makes most calls wait (a parallel launch on a busy machine)."""
    import numba

    for count in counts:
        numba.set_num_threads(count)
        function()
    per_call: dict[int, list[float]] = {count: [] for count in counts}
    caller_cpu: dict[int, list[float]] = {count: [] for count in counts}
    start = time.perf_counter()
    turn = 0
    gc.disable()
    try:
        while turn < min_turns or time.perf_counter() - start < seconds:
            for count in counts if turn % 2 == 0 else counts[::-1]:
                numba.set_num_threads(count)
                began, began_cpu = time.perf_counter(), time.thread_time()
                function()
                per_call[count].append(time.perf_counter() - began)
                caller_cpu[count].append(time.thread_time() - began_cpu)
            turn += 1
    finally:
        gc.enable()
    medians = {count: float(np.median(times)) for count, times in per_call.items()}
    return medians, {count: float(np.median(times)) for count, times in caller_cpu.items()}


@contextlib.contextmanager
def busy_loops(cpus: list[int]):
    """A Python busy loop pinned to each of `cpus` while the block runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in cpus]
    try:
        for loop, cpu in zip(loops, cpus, strict=True):
            os.sched_setaffinity(loop.pid, {cpu})
        time.sleep(SETTLE_SECONDS)
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
    header = ["method", "dtype", "µs, 1 thread", "µs, 2 threads", "speedup", "CPU time, 2 threads / 1",
              "calling thread's CPU, 2 threads / 1", "other processes' CPUs, 2 threads", "steal, CPUs, 2 threads",
              "load average"]  # fmt: skip
    table = [
        [r["method"], r["dtype"], fmt(r["us_1"], 0), fmt(r["us_2"], 0), fmt(r["us_1"] / r["us_2"], 2, "x"),
         fmt(r["cpu_us_2"] / r["cpu_us_1"], 2, "x"), fmt(r["caller_cpu_us_2"] / r["caller_cpu_us_1"], 2, "x"),
         fmt(r.get("others_cpus_2"), 2), fmt(r.get("steal_cpus_2"), 2), fmt(r["load_1min"], 1)]
        for r in rows
    ]  # fmt: skip
    batch = rows[0]["batch"] if rows else THREAD_BATCH
    return "\n".join(
        [
            f"## Numba threads: 2 against 1 on a batch of {batch} frames of 3 x 256 x 256",
            "",
            "Two threads need two idle CPUs: a call goes parallel only while a CPU per thread has been free "
            "lately. The calling thread's CPU time says whether it did: about 0.5x where the work was split between "
            "two threads, 1x where the call ran on one. CPU time is the process's, every thread's, per call (Numba's "
            "OpenMP threads also spin a while after each parallel launch). Beside each row, the CPUs other "
            "processes kept busy and the hypervisor stole (/proc/stat) while the row ran on 2 threads, and the load "
            "average (1 minute).",
            "",
            markdown_table(header, table),
        ]
    )


def busy_markdown(rows: list[dict]) -> str:
    """Per load, method and batch: µs on the default threads and on one (medians over rounds), and their ratio;
    then, per load, the worst ratio of every method and batch."""
    if not rows:
        return "## Busy machine: skipped (processes cannot be pinned to a CPU here)"
    cases = list(dict.fromkeys((r["load"], r["method"], r["batch"]) for r in rows))
    table, worst = [], {}
    for case in cases:
        rounds = [r for r in rows if (r["load"], r["method"], r["batch"]) == case]
        one, default = (np.median([r[key] for r in rounds]) for key in ("us_1", "us_default"))
        ratios = [r["us_default"] / r["us_1"] for r in rounds]
        caller = np.median([r["caller_cpu_ratio"] for r in rounds])
        table.append([*case, fmt(one, 0), fmt(default, 0), fmt(np.median(ratios), 2, "x"), fmt(max(ratios), 2, "x"),
                      fmt(caller, 2, "x")])  # fmt: skip
        worst[case[0]] = max(worst.get(case[0], 0.0), float(np.median(ratios)))
    threads = rows[0]["threads"]
    header = ["load", "method", "frames", "µs, 1 thread", f"µs, {threads} threads (default)", "ratio", "worst round",
              "calling thread's CPU, default / 1"]  # fmt: skip
    summary = "; ".join(f"{load}: {fmt(ratio, 2, 'x')}" for load, ratio in worst.items())
    return "\n".join(
        [
            f"## Busy machine: Numba's default {threads} threads against 1",
            "",
            f"ratio = time of a call with the default threads / with one (above 1: slower), each the median of "
            f"calls that took turns with the other count's, call by call; median over {len(rows) // len(cases)} "
            "rounds. A busy loop is a Python process pinned to a CPU, started "
            f"{SETTLE_SECONDS:.1f} s before the round's first call. Calls of fewer than about a million input values "
            "run on one thread whatever the setting. The calling thread's CPU time, default / one thread, is about "
            "0.5x where the default calls were split between two threads and 1x where they ran on one (then both "
            "columns ran the same code, and a ratio away from 1 is the machine's noise).",
            "",
            f"Largest ratio of any method and batch: {summary}.",
            "",
            markdown_table(header, table),
        ]
    )
