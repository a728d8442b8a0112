"""The speed table (`python bench.py --speed`): antialias_np, torch and the fastest other library per method, in
microseconds per 3 x 256 x 256 frame, one thread each; then float16 against torch's float16 kernels, real images
(benchmark.speed_images), subsample and nearest against NumPy's strided copy, and the start-up
(benchmark.cold_start)."""

from __future__ import annotations

import argparse
import dataclasses
import functools

import numpy as np

import antialias_np as aa
from benchmark.cold_start import cold_markdown, cold_start, startup, startup_markdown
from benchmark.peers import (
    Peers,
    check_one_thread,
    environment,
    load_peers,
    max_abs_diff,
    peer_runners,
    pin_threads,
    thread_counts,
)
from benchmark.protocol import FRAME_SIZE, SCALE
from benchmark.report import as_json, command_line, fmt, fmt_us, markdown_table, progress, write
from benchmark.speed_images import image_rows, images_markdown, layout_markdown, layout_rows
from benchmark.synthetic import synthetic_frames
from benchmark.threads import (
    BUSY_ROUNDS,
    busy_machine,
    busy_markdown,
    scaling,
    scaling_markdown,
    threads_markdown,
    two_threads,
)
from benchmark.timing import measure
from benchmark.torch_pipelines import study_pipelines
from benchmark.upsampling import upsampling_section


@dataclasses.dataclass(frozen=True)
class Case:
    """A row of the speed table: a method on one 3 x 256 x 256 frame of a dtype."""

    method: str
    dtype: str = "float32"

    @property
    def name(self) -> str:
        return self.method if self.dtype == "float32" else f"{self.method} {self.dtype}"


SPEED_CASES = (*(Case(m) for m in aa.METHODS), Case("bicubic", "uint8"), Case("bilinear", "uint8"))

FLOAT16_CALLS = {
    "bilinear": ("interpolate(x, size=(n, n), mode='bilinear')",
                 lambda library, x, n: library.interpolate(x, size=(n, n), mode="bilinear")),
    "bicubic": ("interpolate(x, size=(n, n), mode='bicubic')",
                lambda library, x, n: library.interpolate(x, size=(n, n), mode="bicubic")),
    "area": ("interpolate(x, size=(n, n), mode='area')",
             lambda library, x, n: library.interpolate(x, size=(n, n), mode="area")),
    "avgpool": ("avg_pool2d(x, 4)", lambda library, x, n: library.avg_pool2d(x, 4)),
}  # fmt: skip
"""The float16 table's calls, (text, call(library, x, n)), the same in antialias_np and torch.nn.functional
(n = side / 4): the float16 paths that follow torch's own float16 summation orders."""
FLOAT16_SIDES = (256, 1024)
"""Sides of the float16 table's 3 x side x side frames (--quick: the first only)."""


def run_speed(args: argparse.Namespace) -> None:
    frames, _ = synthetic_frames(1, FRAME_SIZE, seed=args.seed)
    inputs = {"float32": frames, "uint8": np.round(frames * 255).astype(np.uint8)}
    progress("compiling every method")
    for case in SPEED_CASES:
        aa.downsample(inputs[case.dtype], SCALE, case.method)
    # Numba's threads start as a user's first large call starts them (with the library's OpenMP settings), before
    # pin_threads sets their number, which would start them otherwise
    aa.downsample(np.repeat(inputs["float32"], 8, axis=0), SCALE, "bilinear")
    peers = load_peers(args.no_compare)
    pin_threads(peers)
    repeat_time = 0.002 if args.quick else 0.03
    rows = [speed_row(case, inputs[case.dtype], peers, args.repeats, repeat_time) for case in SPEED_CASES]
    result = {"command": command_line(), "environment": environment(peers), "repeats": args.repeats}
    result["rows"] = rows  # timings in seconds per call
    sections = [speed_markdown(result)]
    result["float16"] = float16_rows(peers, args.seed, FLOAT16_SIDES[:1] if args.quick else FLOAT16_SIDES,
                                     args.repeats, repeat_time)  # fmt: skip
    sections.append(float16_markdown(result["float16"]))
    images = image_rows(peers, args.repeats, args.quick, args.pillow_simd)
    layouts = layout_rows(args.repeats, args.quick)
    sections += [images_markdown(images), layout_markdown(layouts)]
    sections.append(upsampling_section(result, peers, args, repeat_time))
    result["images"], result["layouts"] = [as_json(r) for r in images], [as_json(r) for r in layouts]
    result["selection"] = selection_rows(inputs, args.repeats, repeat_time)
    result["startup"] = startup(args.quick)
    sections += [selection_markdown(result["selection"]), startup_markdown(result["startup"])]
    if args.scaling:
        result["scaling"] = scaling(args.repeats, repeat_time, args.quick)
        result["threads"] = two_threads(args.repeats, repeat_time)
        sections += [scaling_markdown(result["scaling"]), threads_markdown(result["threads"])]
    if args.threads:
        result["busy"] = busy_machine(args.repeats, repeat_time, 1 if args.quick else BUSY_ROUNDS)
        sections.append(busy_markdown(result["busy"]))
    if args.cold:
        result["cold"] = cold_start(args.quick)
        sections.append(cold_markdown(result["cold"]))
    markdown = "\n\n".join(sections)
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, "speed", result, markdown)
    progress(f"wrote {args.out / 'speed.md'} and speed.json")


def speed_row(case: Case, frame: np.ndarray, peers: Peers, repeats: int, repeat_time: float) -> dict[str, object]:
    """antialias_np, torch and the fastest peer on one case: µs per frame, spread, page faults, max abs differences."""
    threads = check_one_thread(peers)
    ours = aa.downsample(frame, SCALE, case.method)
    row = {"case": case.name, "method": case.method, "dtype": case.dtype}
    row["antialias_np"] = measure(
        functools.partial(aa.downsample, frame, SCALE, case.method), repeats, repeat_time
    )
    pipelines = study_pipelines(SCALE) if peers.torch is not None else {}
    reference, row["torch"] = None, None
    if case.method in pipelines:
        tensor = peers.torch.from_numpy(frame)
        reference = pipelines[case.method].run(tensor).numpy()
        row["torch"] = measure(functools.partial(pipelines[case.method].run, tensor), repeats, repeat_time)
    row["max_abs_diff_vs_torch"] = None if reference is None else max_abs_diff(ours, reference)
    row["peers"] = {}
    for name, (run, as_chw) in peer_runners(case.method, case.dtype, frame[0], peers).items():
        output = as_chw(run())
        row["peers"][name] = {
            "timing": measure(run, repeats, repeat_time),
            "max_abs_diff_vs_torch": None if reference is None else max_abs_diff(output, reference[0]),
            "max_abs_diff_interior": None if reference is None else max_abs_diff(output, reference[0], interior=True),
        }
    row["threads"] = {"before": threads, "after": thread_counts(peers)}
    torch_us = None if row["torch"] is None else row["torch"].median * 1e6
    progress(f"{case.name}: {row['antialias_np'].median * 1e6:.1f} µs, torch {fmt(torch_us, 1)} µs")
    return as_json(row)


SPEED_HEADER = [
    "case",
    "antialias_np µs (IQR)",
    "torch µs (IQR)",
    "torch / ours",
    "fastest peer",
    "peer µs",
    "peer / ours",
    "max diff, ours - torch",
    "max diff, peer - torch",
    "torch faults/call",
]


def speed_markdown(result: dict) -> str:
    env = result["environment"]
    threads = ", ".join(f"{k} {v}" for k, v in result["rows"][0]["threads"]["before"].items() if k != "repinned")
    notes = [note for row in result["rows"] for note in row_notes(row)]
    lines = [
        "## Speed: one 3x256x256 frame -> 64x64",
        "",
        f"{env['cpu']}, {env['usable_cpus']} usable CPUs (load average {fmt(env['load_1min'], 1)} at the end); "
        f"threads: {threads}; Numba threading layer {env['numba_threading_layer']}. Median of "
        f"{result['repeats']} repeats after warm-up (IQR in brackets). Ratios above 1: antialias_np is faster. "
        "Each library gets the frame in its own layout (torch NCHW tensor, OpenCV HWC, Pillow per-channel 'F' "
        "images or one RGB image); the conversion is not timed. torch's subsample returns a strided view, the "
        "others a new array. max diff: the largest absolute difference on this frame.",
        "",
        markdown_table(SPEED_HEADER, [speed_cells(row) for row in result["rows"]]),
        "",
        f"`{result['command']}`",
    ]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def speed_cells(row: dict) -> list[str]:
    """One row of the speed table (times in the row are in seconds)."""
    ours, torch = row["antialias_np"], row["torch"]
    peer_name, peer = fastest_peer(row["peers"])
    return [
        row["case"],
        f"{fmt_us(ours['median'])} ({fmt_us(ours['q1'])}-{fmt_us(ours['q3'])})",
        "-" if torch is None else f"{fmt_us(torch['median'])} ({fmt_us(torch['q1'])}-{fmt_us(torch['q3'])})",
        "-" if torch is None else fmt(torch["median"] / ours["median"], 1, "x"),
        peer_name or "-",
        "-" if peer is None else fmt_us(peer["timing"]["median"]),
        "-" if peer is None else fmt(peer["timing"]["median"] / ours["median"], 1, "x"),
        fmt(row["max_abs_diff_vs_torch"], 2, style="g"),
        "-" if peer is None else peer_difference(peer),
        "-" if torch is None else fmt(torch["faults_per_call"], 0),
    ]


def fastest_peer(peers: dict) -> tuple[str | None, dict | None]:
    if not peers:
        return None, None
    name = min(peers, key=lambda n: peers[n]["timing"]["median"])
    return name, peers[name]


def peer_difference(peer: dict) -> str:
    """The peer's max difference to torch, and its interior's when only the border differs."""
    whole, interior = peer["max_abs_diff_vs_torch"], peer["max_abs_diff_interior"]
    if whole is None:
        return "-"
    if interior is not None and interior < whole:
        return f"{fmt(whole, 2, style='g')} (interior {fmt(interior, 2, style='g')})"
    return fmt(whole, 2, style="g")


def row_notes(row: dict) -> list[str]:
    """Anomalies worth a line under the table: thread counts changed, torch's page faults."""
    notes = []
    if row["threads"]["before"].get("repinned"):
        notes.append(f"{row['case']}: a library was not at one thread before this row; pinned again.")
    if any(n != 1 for n in row["threads"]["after"].values()):
        notes.append(f"{row['case']}: thread counts after the row: {row['threads']['after']}.")
    torch = row["torch"]
    if torch and torch["faults_per_call"] is not None and torch["faults_per_call"] > 100:
        notes.append(
            f"{row['case']}: torch took {torch['faults_per_call']:.0f} minor page faults per call (large "
            "temporaries returned to the OS between calls); its time includes them, as it comes."
        )
    return notes


def float16_rows(peers: Peers, seed: int, sides: tuple[int, ...], repeats: int,
                 repeat_time: float) -> list[dict[str, object]]:  # fmt: skip
    """Each FLOAT16_CALLS call on a float16 frame of [0, 1) values of each side, in antialias_np and (if installed)
    torch on the tensor of the same memory: seconds per call, and the largest difference between the two."""
    rows = []
    for side in sides:
        x = np.random.default_rng(seed).random((3, side, side)).astype(np.float16)
        for name, (text, call) in FLOAT16_CALLS.items():
            ours = functools.partial(call, aa, x, side // 4)
            row = {"case": f"{name} float16 {side} px", "call": text.replace("n, n", f"{side // 4}, {side // 4}")}
            row["antialias_np"] = measure(ours, repeats, repeat_time)
            row["torch"] = row["max_abs_diff_vs_torch"] = None
            if peers.torch is not None:
                check_one_thread(peers)
                theirs = functools.partial(call, peers.torch.nn.functional, peers.torch.from_numpy(x)[None], side // 4)
                row["torch"] = measure(theirs, repeats, repeat_time)
                row["max_abs_diff_vs_torch"] = max_abs_diff(ours().astype(np.float32), theirs()[0].float().numpy())
            progress(f"{row['case']}: {row['antialias_np'].median * 1e6:.1f} µs, torch "
                     f"{fmt(None if row['torch'] is None else row['torch'].median * 1e6, 1)} µs")  # fmt: skip
            rows.append(as_json(row))
    return rows


def float16_markdown(rows: list[dict]) -> str:
    header = ["case", "call", "antialias_np µs (IQR)", "torch µs (IQR)", "torch / ours", "max diff, ours - torch"]

    def cell(timing: dict | None) -> str:
        return "-" if timing is None else f"{fmt_us(timing['median'])} ({fmt_us(timing['q1'])}-{fmt_us(timing['q3'])})"

    table = [[r["case"], f"`{r['call']}`", cell(r["antialias_np"]), cell(r["torch"]),
              "-" if r["torch"] is None else fmt(r["torch"]["median"] / r["antialias_np"]["median"], 1, "x"),
              fmt(r["max_abs_diff_vs_torch"], 2, style="g")] for r in rows]  # fmt: skip
    return "\n".join(
        [
            "## float16 against torch's float16 kernels",
            "",
            "One 3 x side x side float16 frame of [0, 1) values to a quarter of its side, one thread each, the same "
            "call in both (torch on the tensor of the same memory); median of the repeats (IQR in brackets). Above 1x "
            "antialias_np is faster. torch on one thread runs 3-channel float16 bilinear with its channels-last "
            "kernel at every size, where antialias_np follows the kernel torch runs on more threads (its channels-last "
            "one only up to h + w = 128): above that the two round some values differently.",
            "",
            markdown_table(header, table),
        ]
    )


SELECTION_STEPS = (2, 3, 4)


def selection_rows(inputs: dict[str, np.ndarray], repeats: int, repeat_time: float) -> list[dict[str, object]]:
    """subsample and nearest at 1/n against NumPy's copy of the strided slice x[..., ::n, ::n] (what they return),
    on the speed table's frame in float32 and uint8."""
    rows = []
    for dtype, frame in inputs.items():
        for step in SELECTION_STEPS:
            timings = {name: measure(functools.partial(aa.downsample, frame, 1 / step, name), repeats, repeat_time)
                       for name in ("subsample", "nearest")}  # fmt: skip
            timings["numpy"] = measure(lambda frame=frame, step=step: frame[..., ::step, ::step].copy(), repeats,
                                       repeat_time)  # fmt: skip
            rows.append({"dtype": dtype, "step": step, **{name: as_json(t) for name, t in timings.items()}})
            progress(f"selection {dtype} 1/{step}: subsample {timings['subsample'].median * 1e6:.2f} µs, NumPy's "
                     f"copy {timings['numpy'].median * 1e6:.2f} µs")  # fmt: skip
    return rows


def selection_markdown(rows: list[dict]) -> str:
    header = ["dtype", "scale", "subsample µs (fastest)", "nearest µs (fastest)", "NumPy's copy µs (fastest)",
              "NumPy / subsample"]  # fmt: skip

    def cell(timing: dict) -> str:
        return f"{fmt_us(timing['median'])} ({fmt_us(timing['minimum'])})"

    table = [
        [r["dtype"], f"1/{r['step']}", cell(r["subsample"]), cell(r["nearest"]), cell(r["numpy"]),
         fmt(r["numpy"]["median"] / r["subsample"]["median"], 2, "x")]
        for r in rows
    ]  # fmt: skip
    return "\n".join(
        [
            "## Selection against NumPy's strided copy",
            "",
            "subsample and nearest at 1/n of the speed table's frame (downsample, whole calls, checks included) "
            "against NumPy's `x[..., ::n, ::n].copy()`, the array they return: median of the repeats (the fastest "
            "in brackets). Above 1x antialias_np is faster.",
            "",
            markdown_table(header, table),
        ]
    )
