"""A page per downsampling method for learners, made from the methods themselves: `python -m benchmark.method_pages
[DIR]`.

For each method of antialias_np.METHODS and EXTRA_METHODS, at scale 1/4, DIR/<method>.md (DIR: bench_results/methods,
beside the study's other results; not docs/methods/, whose lessons are written by hand and whose figures
docs/_ext/method_lessons.py draws with these functions) gives

- what it computes (the pipeline it equals);
- its weight table: for a linear method, the weight of each input pixel in output pixel k, measured by feeding the
  method one bright column at a time (its impulse response, through the public API only);
- where output pixel k sits on the input grid: the weighted mean of the input positions it reads;
- its frequency response: how much of a sinusoid of f cycles per input pixel survives, from the same weights,
  drawn beside the output's Nyquist frequency (1/8 cycle per input pixel at scale 1/4), beyond which whatever
  survives comes back as aliasing, and the share of the response's energy that lies there.

Median and bilateral are not linear: their pages show the window, not weights.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import antialias_np as aa

SCALE = 0.25
OUTPUTS = 16
"""Outputs along the measured axis (64 input pixels at scale 1/4); output 8 is away from the borders."""
WIDTH = round(OUTPUTS / SCALE)
CENTRAL_OUTPUT = 8
NONLINEAR = {"median": "the median of the 3 x 3 window around input pixel 4k (reflect border), then every 4th pixel",
             "bilateral": "a 5 x 5 bilateral filter around input pixel 4k (sigma_color 0.1, sigma_space 1.5), then "
                          "every 4th pixel"}
PIPELINES = {
    "gaussian": "FOMM's AntiAliasInterpolation2d: a zero-padded Gaussian (sigma 1.5, 13 taps), then x[..., ::4, ::4]",
    "subsample": "x[..., ::4, ::4]",
    "nearest": "F.interpolate(x, scale_factor=0.25, mode='nearest')",
    "bicubic": "F.interpolate(x, size=(H // 4, W // 4), mode='bicubic', antialias=True): Keys' cubic (a = -0.5) "
               "stretched to 4 pixels",
    "bilinear": "F.interpolate(x, size=(H // 4, W // 4), mode='bilinear', antialias=True): the triangle stretched "
                "to 4 pixels",
    "area": "F.interpolate(x, size=(H // 4, W // 4), mode='area'): the mean of each 4 x 4 block",
    "avgpool": "F.avg_pool2d(x, 4): the mean of each 4 x 4 block",
    "lanczos": "F.interpolate(x, size=(H // 4, W // 4), mode='lanczos', antialias=True): Lanczos-3 stretched to 4 "
               "pixels (Pillow's LANCZOS)",
    "box5": "the mean of the 5 x 5 window around input pixel 4k (zero padding): F.avg_pool2d(x, 5, 4, padding=2)",
    "gaussian7": "FOMM's Gaussian (sigma 1.5) cut to its central 7 taps and rescaled to sum 1 (zero padding), then "
                 "x[..., ::4, ::4]",
    "gaussian9": "FOMM's Gaussian (sigma 1.5) cut to its central 9 taps and rescaled to sum 1 (zero padding), then "
                 "x[..., ::4, ::4]",
    "binomial": "two levels of the binomial pyramid: [1, 4, 6, 4, 1] / 16 per axis (zero padding), every 2nd pixel, "
                "twice",
    **NONLINEAR,
}


def weight_matrix(method: str, scale: float = SCALE, axis: int = -1) -> np.ndarray:
    """(OUTPUTS, OUTPUTS / scale) weights along the width (axis -1) or the height (-2): row k is output k's response
    to each input column (row), lit alone, read far from the other axis' borders."""
    width = round(OUTPUTS / scale)
    lines = []
    for line in range(width):
        image = np.zeros((width, width))
        image[(slice(None), line) if axis == -1 else line] = 1
        small = aa.downsample(image, scale, method)
        lines.append(small[CENTRAL_OUTPUT] if axis == -1 else small[:, CENTRAL_OUTPUT])
    return np.array(lines).T


def frequency_response(weights: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """|sum_x w[x] exp(-2 pi i f (x - centre))| for a row of weights: the gain at f cycles per input pixel."""
    positions = np.arange(len(weights))
    return np.abs(np.exp(-2j * np.pi * frequencies[:, None] * positions[None, :]) @ weights)


def aliased_share(frequencies: np.ndarray, gain: np.ndarray, scale: float = SCALE) -> float:
    """The share of the squared gain (energy) above the output's Nyquist frequency, scale / 2."""
    energy = gain**2
    return float(energy[frequencies > scale / 2].sum() / energy.sum())


def offset_from_grid(central: np.ndarray) -> float:
    """Where output CENTRAL_OUTPUT sits, in input pixels from 4k: the weighted mean of the positions it reads
    (rounded to 1e-9, so that a rounding error does not print as -0.00)."""
    return round(float(central @ np.arange(WIDTH) / central.sum()) - 4 * CENTRAL_OUTPUT, 9) + 0.0


def page(method: str, out: Path) -> None:
    lines = [f"# {method}", "", f"At scale 1/4, output pixel k of `downsample(x, 0.25, {method!r})` is:", "",
             f"    {PIPELINES[method]}", ""]
    if method in NONLINEAR:
        lines += ["A nonlinear filter: it has no weights to tabulate, and no frequency response (what it keeps "
                  "depends on the image). Like the baseline, it centres output pixel k on input pixel 4k.", ""]
        (out / f"{method}.md").write_text("\n".join(lines))
        return
    weights = weight_matrix(method)
    central = weights[CENTRAL_OUTPUT]
    taps = np.flatnonzero(np.abs(central) > 1e-12)
    centre = offset_from_grid(central)
    lines += ["## Weights of output pixel k (k = 8 shown; the same for every k away from the borders)", "",
              "| input pixel | " + " | ".join(f"4k {x - 4 * CENTRAL_OUTPUT:+d}" for x in taps) + " |",
              "|---|" + "---|" * len(taps),
              "| weight | " + " | ".join(f"{central[x]:.4f}" for x in taps) + " |", "",
              f"Output pixel k sits at input position **4k {centre:+.2f}** (the weighted mean "
              f"of the positions it reads); the baseline, `gaussian`, sits at 4k.", ""]
    frequencies = np.linspace(0, 0.5, 201)
    gain = frequency_response(central, frequencies)
    lines += ["## Frequency response", "",
              f"Gain at 0.0625 cycles per input pixel (half the output's Nyquist frequency): "
              f"{np.interp(0.0625, frequencies, gain):.3f}; at the Nyquist frequency, 0.125: "
              f"{np.interp(0.125, frequencies, gain):.3f}. Of the response's energy, "
              f"{aliased_share(frequencies, gain):.0%} lies beyond the Nyquist frequency, where it comes back as "
              f"aliasing.", "", f"![frequency response of {method}]({method}.png)", ""]
    (out / f"{method}.md").write_text("\n".join(lines))
    draw(method, frequencies, gain, out / f"{method}.png")


def draw(method: str, frequencies: np.ndarray, gain: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.2))
    axes.plot(frequencies, gain, label=method)
    axes.axvline(SCALE / 2, color="grey", linestyle="--", label="output Nyquist (1/8)")
    axes.axvspan(SCALE / 2, 0.5, color="red", alpha=0.06, label="aliased band")
    axes.set_xlabel("frequency (cycles per input pixel)")
    axes.set_ylabel("gain")
    axes.set_xlim(0, 0.5)
    axes.set_ylim(bottom=0)
    axes.set_title(f"{method} at scale 1/4")
    axes.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "bench_results/methods")  # not docs/methods: the lessons there
    out.mkdir(parents=True, exist_ok=True)
    methods = aa.METHODS + aa.EXTRA_METHODS
    for method in methods:
        page(method, out)
    index = ["# The methods, one page each", "",
             "Made by `python -m benchmark.method_pages` from the methods themselves (their impulse responses at "
             "scale 1/4). How to read a page: the weights say how much each input pixel counts in output pixel k; "
             "their weighted mean position says where output k sits (the baseline, `gaussian`, at 4k: a method "
             "centred elsewhere moves every keypoint); the frequency response says how much of a pattern of a given "
             "fineness survives. The output can only hold patterns up to its Nyquist frequency, 1/8 cycle per input "
             "pixel; what survives beyond it folds back as aliasing (moire), so less there is better, but the "
             "response up to it is detail kept.", "",
             "| method | output k sits at | gain at Nyquist | response energy beyond Nyquist |", "|---|---|---|---|"]
    frequencies = np.linspace(0, 0.5, 201)
    for method in methods:
        if method in NONLINEAR:
            index.append(f"| [{method}]({method}.md) | 4k | (nonlinear) | (nonlinear) |")
            continue
        central = weight_matrix(method)[CENTRAL_OUTPUT]
        gain = frequency_response(central, frequencies)
        centre = offset_from_grid(central)
        index.append(f"| [{method}]({method}.md) | 4k {centre:+.2f} | {np.interp(SCALE / 2, frequencies, gain):.2f} "
                     f"| {aliased_share(frequencies, gain):.0%} |")
    (out / "README.md").write_text("\n".join(index) + "\n")
    print(f"wrote {len(methods)} pages to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
