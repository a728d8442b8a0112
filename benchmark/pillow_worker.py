"""Times Pillow's antialiased resize in a Python of its own, for a Pillow that cannot share a process with the
benchmark's (Pillow-SIMD replaces Pillow): bench.py --speed --pillow-simd PYTHON runs this file with that Python.

Reads from stdin a JSON list of {"image": path of an (H, W, 3) uint8 .npy, "size": [w, h], "filter": "BILINEAR" or
"BICUBIC", "result": path of the .npy to write, "repeats": n, "repeat_time": seconds}; writes to stdout Pillow's
version and a JSON list of {"median", "q1", "q3", "minimum", "maximum"} seconds per call, one per case. Needs only
NumPy and that Pillow: it imports nothing of the benchmark's.
"""

import functools
import json
import sys
import time

import numpy as np
import PIL
from PIL import Image


def seconds_per_call(function, repeats: int, repeat_time: float) -> dict[str, float]:
    """As benchmark.timing.measure: warm-up, then `repeats` repeats of as many calls as fill `repeat_time`."""
    function()
    start = time.perf_counter()
    function()
    calls = max(1, int(repeat_time / max(time.perf_counter() - start, 1e-9)))
    per_call = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        per_call.append((time.perf_counter() - start) / calls)
    q1, median, q3 = np.percentile(per_call, [25, 50, 75])
    return {"median": median, "q1": q1, "q3": q3, "minimum": min(per_call), "maximum": max(per_call)}


def main() -> None:
    timings = []
    for case in json.load(sys.stdin):
        image = Image.fromarray(np.load(case["image"]))
        resize = functools.partial(image.resize, tuple(case["size"]), getattr(Image.Resampling, case["filter"]))
        np.save(case["result"], np.asarray(resize()))
        timings.append(seconds_per_call(resize, case["repeats"], case["repeat_time"]))
    json.dump({"pillow": PIL.__version__, "timings": timings}, sys.stdout, default=float)


if __name__ == "__main__":
    main()
