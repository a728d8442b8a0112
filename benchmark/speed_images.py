"""The speed table for real images (`python bench.py --speed`): uint8 (H, W, 3) frames as imageio, OpenCV and Pillow
give them and float32 (3, H, W) ones, from 256 to 4096 pixels and at a ratio that is not an integer; each against
the time it takes to read the input once, torch, and the fastest other library; and every method channels-last
against torch layout."""

from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark.commands import CommandError
from benchmark.peers import Peers, max_abs_diff
from benchmark.report import fmt, markdown_table, progress
from benchmark.timing import Timing, measure
from benchmark.torch_pipelines import study_pipelines

SIDES = (256, 1024, 2048, 4096)
NON_INTEGER_RATIO = ((750, 1000), 1 / 3)
"""A 1000 x 750 photo to 333 x 250: no integer number of input pixels per output pixel."""


@dataclasses.dataclass(frozen=True)
class ImageCase:
    """A method on one image of `shape` ((H, W, 3) with channels_last, else (3, H, W)) and dtype, at `scale`."""

    method: str
    dtype: str
    size: tuple[int, int]
    scale: float = 0.25
    channels_last: bool = True

    @property
    def name(self) -> str:
        layout = "H x W x 3" if self.channels_last else "3 x H x W"
        out = tuple(int(n * self.scale) for n in self.size)
        return f"{self.method} {self.dtype} {layout}, {self.size[1]}x{self.size[0]} -> {out[1]}x{out[0]}"

    def image(self) -> np.ndarray:
        """A smooth random image (values in [0, 1] or [0, 255]): resampling time does not depend on the content."""
        rng = np.random.default_rng(0)
        shape = (*self.size, 3) if self.channels_last else (3, *self.size)
        values = rng.random(shape, dtype=np.float32)
        return (values * 255).round().astype(np.uint8) if self.dtype == "uint8" else values

    def run(self, image: np.ndarray) -> np.ndarray:
        channel_axis = -1 if self.channels_last else -3
        return aa.downsample(image, self.scale, self.method, channel_axis=channel_axis)


IMAGE_CASES = (
    *(
        ImageCase(method, dtype, (side, side), channels_last=dtype == "uint8")
        for side in SIDES
        for method, dtype in (
            ("bilinear", "uint8"),
            ("bicubic", "uint8"),
            ("area", "uint8"),
            ("area", "float32"),
            ("gaussian", "float32"),
        )
    ),
    ImageCase("bilinear", "uint8", *NON_INTEGER_RATIO),
    ImageCase("bicubic", "uint8", *NON_INTEGER_RATIO),
)


def image_rows(peers: Peers, repeats: int, quick: bool, pillow_simd: Path | None = None) -> list[dict]:
    """One row per case (only the 256 px ones and the non-integer ratio with --quick); with `pillow_simd`, a Python
    whose Pillow is Pillow-SIMD, its resize is a peer of the uint8 bilinear and bicubic rows (`other_pillow`)."""
    cases = [c for c in IMAGE_CASES if not quick or c.size[0] in (256, NON_INTEGER_RATIO[0][0])]
    repeat_time = 0.002 if quick else 0.03
    rows = [image_row(case, peers, repeats, repeat_time) for case in cases]
    if pillow_simd is not None:
        resizes = ("bilinear", "bicubic")
        resized = [k for k, case in enumerate(cases) if case.dtype == "uint8" and case.method in resizes]
        measured = other_pillow(pillow_simd, [cases[k] for k in resized], repeats, repeat_time)
        for k, peer in zip(resized, measured, strict=True):
            rows[k]["peers"].update(peer)
    return rows


def other_pillow(python: Path, cases: list[ImageCase], repeats: int, repeat_time: float) -> list[dict]:
    """Per case, {"Pillow-SIMD <version>": {"timing", "max_abs_diff"}} measured by benchmark/pillow_worker.py run
    with `python` (Pillow-SIMD cannot share this process's Pillow); the images go through .npy files."""
    with tempfile.TemporaryDirectory() as folder:
        jobs = []
        for k, case in enumerate(cases):
            np.save(Path(folder, f"{k}.npy"), case.image())
            jobs.append({"image": str(Path(folder, f"{k}.npy")), "result": str(Path(folder, f"{k}-out.npy")),
                         "size": [int(n * case.scale) for n in reversed(case.size)], "filter": case.method.upper(),
                         "repeats": repeats, "repeat_time": repeat_time})  # fmt: skip
        worker = Path(__file__).with_name("pillow_worker.py")
        done = subprocess.run([str(python), str(worker)], input=json.dumps(jobs), capture_output=True, text=True)
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or ["no error message"])[-1]
            raise CommandError(f"--pillow-simd {python} cannot run {worker.name}: {last_line}; give the python of a "
                               f"venv with numpy and Pillow-SIMD", 2)  # fmt: skip
        report = json.loads(done.stdout)
        name = f"Pillow-SIMD {report['pillow']}"
        peers = []
        for case, job, timing in zip(cases, jobs, report["timings"], strict=True):
            difference = max_abs_diff(np.load(job["result"]), case.run(np.load(job["image"])))
            peers.append({name: {"timing": Timing(**timing, faults_per_call=None), "max_abs_diff": difference}})
        return peers


def image_row(case: ImageCase, peers: Peers, repeats: int, repeat_time: float) -> dict:
    """antialias_np, the read-once floor, torch and the fastest peer on one case (seconds per call)."""
    image = case.image()
    ours = case.run(image)
    row = {"case": case.name, "values": image.size}
    row["antialias_np"] = measure(functools.partial(case.run, image), repeats, repeat_time)
    row["floor"] = measure(image.max, repeats, repeat_time)
    row["torch"] = None
    torch_run = torch_runner(case, image, peers)
    if torch_run is not None:
        row["torch"] = measure(torch_run, repeats, repeat_time)
    row["peers"] = {}
    for name, run in peer_runners(case, image, peers).items():
        row["peers"][name] = {"timing": measure(run, repeats, repeat_time), "max_abs_diff": max_abs_diff(run(), ours)}
    progress(f"{case.name}: {row['antialias_np'].median * 1e3:.3f} ms")
    return row


def torch_runner(case: ImageCase, image: np.ndarray, peers: Peers):
    """The study's torch pipeline on the image as a tensor of its own layout (channels-last memory for an
    (H, W, 3) array), or None where torch has no kernel for the dtype."""
    if peers.torch is None:
        return None
    tensor = peers.torch.from_numpy(image)
    tensor = (tensor.permute(2, 0, 1) if case.channels_last else tensor)[None]
    pipeline = study_pipelines(case.scale).get(case.method)
    if pipeline is None:
        return None
    try:
        pipeline.run(tensor)
    except RuntimeError:  # e.g. "adaptive_avg_pool2d" not implemented for 'Byte'
        return None
    return functools.partial(pipeline.run, tensor)


def peer_runners(case: ImageCase, image: np.ndarray, peers: Peers) -> dict:
    """Pillow's antialiased resize (uint8 RGB) and OpenCV's INTER_AREA and Gaussian blur, on the image in their
    layout (the conversion is not timed); each returns the image in the case's layout."""
    runners = {}
    out_size = tuple(int(n * case.scale) for n in case.size)
    hwc = image if case.channels_last else np.ascontiguousarray(image.transpose(1, 2, 0))
    as_layout = (lambda out: out) if case.channels_last else (lambda out: np.asarray(out).transpose(2, 0, 1))
    if peers.pil_image is not None and case.dtype == "uint8" and case.method in ("bilinear", "bicubic"):
        resampling = getattr(peers.pil_image.Resampling, case.method.upper())
        rgb = peers.pil_image.fromarray(hwc)
        runners[f"Pillow {case.method.upper()}"] = lambda: np.asarray(rgb.resize(out_size[::-1], resampling))
    if peers.cv2 is not None and case.method == "area":
        cv2 = peers.cv2
        runners["OpenCV INTER_AREA"] = lambda: as_layout(cv2.resize(hwc, out_size[::-1], interpolation=cv2.INTER_AREA))
    if peers.cv2 is not None and case.method == "gaussian" and case.scale == 0.25:
        cv2 = peers.cv2  # FOMM's kernel at scale 1/4: 13 taps, sigma 1.5, zero padding
        runners["OpenCV GaussianBlur + slice"] = lambda: as_layout(
            cv2.GaussianBlur(hwc, (13, 13), 1.5, borderType=cv2.BORDER_CONSTANT)[::4, ::4]
        )
    return runners


IMAGES_HEADER = ["case", "antialias_np ms", "ns / input value", "read-once floor ms", "ours / floor", "torch ms",
                 "torch / ours", "fastest peer", "peer ms", "peer / ours", "peer's max diff to ours"]  # fmt: skip


def images_markdown(rows: list[dict]) -> str:
    return "\n".join(
        [
            "## Speed on real images",
            "",
            "uint8 RGB frames as (H, W, 3) arrays (channel_axis=-1; torch gets the same memory as a channels-last "
            "tensor, Pillow an RGB image) and float32 (3, H, W) ones, 1/4 of each side unless stated. Read-once "
            "floor: NumPy's x.max(), one pass over the input. Ratios above 1: antialias_np is faster. Pillow's "
            "uint8 resampling is the one torch's follows; its max diff says where they part.",
            "",
            markdown_table(IMAGES_HEADER, [image_cells(row) for row in rows]),
        ]
    )


def image_cells(row: dict) -> list[str]:
    ours, torch, floor = row["antialias_np"], row["torch"], row["floor"]
    peer_name, peer = min(row["peers"].items(), key=lambda item: item[1]["timing"].median, default=(None, None))
    return [
        row["case"],
        ms(ours),
        fmt(ours.median / row["values"] * 1e9, 2),
        ms(floor),
        fmt(ours.median / floor.median, 1, "x"),
        "-" if torch is None else ms(torch),
        "-" if torch is None else fmt(torch.median / ours.median, 2, "x"),
        peer_name or "-",
        "-" if peer is None else ms(peer["timing"]),
        "-" if peer is None else fmt(peer["timing"].median / ours.median, 2, "x"),
        "-" if peer is None else fmt(peer["max_abs_diff"], 3, style="g"),
    ]


def ms(timing: Timing) -> str:
    return f"{timing.median * 1e3:.3g}"


LAYOUT_METHODS = (*aa.METHODS, *aa.EXTRA_METHODS)


def layout_rows(repeats: int, quick: bool) -> list[dict]:
    """Every method on one 256 x 256 frame, float32 and uint8 (where the method takes it), (3, H, W) and (H, W, 3)."""
    repeat_time = 0.002 if quick else 0.03
    rows = []
    for dtype in ("float32", "uint8"):
        chw = ImageCase("area", dtype, (256, 256), channels_last=False).image()
        hwc = np.ascontiguousarray(chw.transpose(1, 2, 0))
        for method in LAYOUT_METHODS:
            if method == "bilateral" and dtype == "uint8":
                continue  # floats only, as kornia
            times = {
                layout: measure(
                    functools.partial(aa.downsample, x, 0.25, method, channel_axis=axis), repeats, repeat_time
                )
                for layout, x, axis in (("chw", chw, -3), ("hwc", hwc, -1))
            }
            rows.append({"method": method, "dtype": dtype, **times})
    return rows


def layout_markdown(rows: list[dict]) -> str:
    cells = [
        [
            r["method"],
            r["dtype"],
            fmt(r["chw"].median * 1e6, 1),
            fmt(r["hwc"].median * 1e6, 1),
            fmt(r["hwc"].median / r["chw"].median, 2, "x"),
        ]
        for r in rows
    ]
    return "\n".join(
        [
            "## Channels last against torch layout",
            "",
            "One 256 x 256 RGB frame to 64 x 64: (3, H, W) with channel_axis=-3 against (H, W, 3) with "
            "channel_axis=-1, µs per call.",
            "",
            markdown_table(["method", "dtype", "(3, H, W) µs", "(H, W, 3) µs", "(H, W, 3) / (3, H, W)"], cells),
        ]
    )
