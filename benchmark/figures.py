"""The study's figures, drawn with matplotlib (the `bench` extra), which is imported only when a figure is made:

    figure.png          every method's 64x64 image of one frame with its keypoints and the baseline's
    onet_figure.png     the same for ONet: every method's 48x48 image of one photo frame with its landmarks
    error_vs_time.png   each method's keypoint error against its time, a panel per detector, its Pareto front named
    scorecard.png       every method's frequency response, beside the output's Nyquist frequency
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from antialias_np import EXTRA_METHODS, METHODS
from benchmark.protocol import BASELINE, STUDY_MACHINE
from benchmark.report import fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PANEL_FILE = "figure.png"
ONET_PANEL_FILE = "onet_figure.png"
CHART_FILE = "error_vs_time.png"
MATPLOTLIB_MISSING = 'no figures: matplotlib is not installed; pip install -e ".[bench]", or pass --no-figures'
COLUMNS = 3
KEYPOINT_COLOURS = "tab10"
"""One colour per keypoint index, from matplotlib's ten-colour qualitative map."""
METHOD_COLOURS = dict(zip(METHODS + EXTRA_METHODS, [
    "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray", "tab:olive",
    "tab:cyan", "#e6ab02", "#1b9e77", "#e7298a", "#7f0000",
], strict=True))  # fmt: skip
"""One colour per method in every figure: the study's methods in matplotlib's ten-colour map's order, the others in
colours none of those is."""
ERROR_LINEAR_BELOW = 1e-4
"""error_time_chart's error axis is logarithmic above this error and linear below it, down to 0."""


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def panel_figure(
    path: Path,
    small: dict[str, np.ndarray],
    keypoints: dict[str, np.ndarray],
    errors: dict[str, float | None],
    names: tuple[str, ...],
) -> None:
    """Write a grid of panels, one per method (in `small`'s order): its (3, h, w) image of the first frame, pixel
    for pixel, with its keypoints (coloured crosses, one colour per keypoint) and the baseline's (white circles);
    titled with the method and its error against the baseline. keypoints: (N, K, 2) (x, y) in [-1, 1]."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    methods = list(small)
    rows = -(-len(methods) // COLUMNS)
    figure = Figure(figsize=(3.2 * COLUMNS + 2.6, 3.4 * rows), layout="constrained")
    axes = figure.subplots(rows, COLUMNS, squeeze=False)
    colours = matplotlib.colormaps[KEYPOINT_COLOURS]
    for ax, method in zip(axes.flat, methods, strict=False):
        image = np.clip(small[method].transpose(1, 2, 0), 0, 1)
        ax.imshow(image, interpolation="nearest")
        baseline = _pixels(keypoints[BASELINE][0], image.shape[:2])
        ax.scatter(*baseline.T, s=60, facecolors="none", edgecolors="white", linewidths=1.2)
        points = _pixels(keypoints[method][0], image.shape[:2])
        ax.scatter(*points.T, s=50, marker="x", c=[colours(k % 10) for k in range(len(points))], linewidths=1.8)
        ax.set_title(f"{method}   error {fmt(errors[method], 4)}", fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[len(methods) :]:
        ax.set_visible(False)
    handles = [Line2D([], [], ls="", marker="x", ms=8, mew=2, color=colours(k % 10), label=name)
               for k, name in enumerate(names)]  # fmt: skip
    baseline_label = f"{BASELINE} (the baseline),\nwhite circles"
    handles.append(Line2D([], [], ls="", marker="o", ms=8, mfc="none", mec="grey", label=baseline_label))
    figure.legend(handles=handles, loc="outside right center", title="keypoints", fontsize=10, frameon=False)
    h, w = small[methods[0]].shape[-2:]
    figure.suptitle(f"The first frame as each method hands it to the detector ({h} x {w})", fontsize=13)
    figure.savefig(path, dpi=100)


def error_time_chart(path: Path, rows: list[dict], machine: str, pareto: dict) -> Figure:
    """Write a chart of keypoint error against ms per frame, one panel per detector of `pareto`
    (benchmark.pareto.summary), sharing the time axis (log scale); the error axis is symlog, linear below
    ERROR_LINEAR_BELOW, so that the errors near 0 stay apart. Every method is drawn in its colour of METHOD_COLOURS
    at antialias_np's time on this machine: the study's methods as circles, the others as diamonds; the detector's
    Pareto front is ringed, joined by a staircase and named (with its cheapest method below pareto's threshold,
    which is drawn too). The first panel adds the study's methods' `rows` as torch times on this machine (squares,
    with this run's errors) and the study's published rows (triangles), joined to the method's circle by a thin
    line. Returns the figure."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    peers = [
        ("torch / kornia (this machine)", "torch_ms", "error_vs_baseline", "s"),
        (f"the study (torch, {STUDY_MACHINE})", "study_ms", "study_error", "^"),
    ]
    detectors = pareto["detectors"]
    figure = Figure(figsize=(11, 4.5 * len(detectors) + 1), layout="constrained")
    panels = figure.subplots(len(detectors), 1, sharex=True, squeeze=False)[:, 0]
    for row in rows:
        points = [(row[t], row[e], marker) for _, t, e, marker in peers if row[t] is not None]
        colour = METHOD_COLOURS[row["method"]]
        times, errors, _ = zip((row["antialias_np_ms"], row["error_vs_baseline"], "o"), *points, strict=True)
        panels[0].plot(times, errors, color=colour, lw=0.8, alpha=0.5, zorder=1)
        for t, e, marker in points:
            panels[0].scatter(t, e, marker=marker, s=60, color=colour, edgecolors="black", linewidths=0.5, zorder=3)
    study = [row["method"] for row in rows]
    for ax, (name, detector) in zip(panels, detectors.items(), strict=True):
        _detector_panel(ax, name, detector, pareto, study)
    panels[-1].set_xscale("log")
    panels[-1].set_xlabel("ms per 3 x 256 x 256 frame, one thread (log scale)")
    method_handles = [Line2D([], [], ls="", marker="o" if m in study else "D", ms=8, color=colour,
                             label=m if m in study else f"{m} (extra)")
                      for m, colour in METHOD_COLOURS.items() if m in pareto["times_ms"]]  # fmt: skip
    method_handles += [
        Line2D([], [], ls="--", marker="o", ms=12, mfc="none", mec="black", color="black", label="Pareto front"),
        Line2D([], [], ls=":", color="grey", label=f"error {pareto['threshold']} (threshold)"),
    ]
    source_handles = [Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="black",
                             label="antialias_np (this machine)")]  # fmt: skip
    source_handles += [Line2D([], [], ls="", marker=marker, ms=8, mfc="white", mec="black", label=label)
                       for label, t, _, marker in peers if any(r[t] is not None for r in rows)]  # fmt: skip
    figure.legend(handles=method_handles, loc="outside right upper", title="method", frameon=False)
    figure.legend(handles=source_handles, loc="outside right lower", title="measured by", frameon=False)
    figure.suptitle(f"Keypoint error against time per frame (this machine: {machine})", fontsize=13)
    figure.savefig(path, dpi=100)
    return figure


def _detector_panel(ax, name: str, detector: dict, pareto: dict, study: list[str]) -> None:
    """One detector's panel of error_time_chart: every method at antialias_np's time, the front and the threshold."""
    errors, times = detector["errors"], pareto["times_ms"]
    for method, error in errors.items():
        ax.scatter(times[method], error, marker="o" if method in study else "D", s=60, color=METHOD_COLOURS[method],
                   edgecolors="black", linewidths=0.5, zorder=3)  # fmt: skip
    front, cheapest = detector["front"], detector["cheapest"]
    ax.step([times[m] for m in front], [errors[m] for m in front], where="post", color="black", lw=1, ls="--",
            zorder=2)  # fmt: skip
    ax.scatter([times[m] for m in front], [errors[m] for m in front], s=220, facecolors="none", edgecolors="black",
               linewidths=1.2, zorder=4)  # fmt: skip
    ax.axhline(pareto["threshold"], color="grey", ls=":", lw=1, zorder=1)
    ax.set_yscale("symlog", linthresh=ERROR_LINEAR_BELOW)
    ax.set_ylim(-ERROR_LINEAR_BELOW / 2, 2 * max(ax.dataLim.y1, ERROR_LINEAR_BELOW))
    ax.set_ylabel(f"error against {BASELINE}\n(sum over keypoints, [-1, 1] units;\nsymlog: linear below "
                  f"{ERROR_LINEAR_BELOW:g})")  # fmt: skip
    labelled = front + ([cheapest] if cheapest is not None and cheapest not in front else [])
    _label_front(ax, sorted(labelled, key=lambda m: -errors[m]), errors, times, cheapest, pareto["threshold"])
    ax.set_title(name, fontsize=12)
    ax.grid(True, which="both", alpha=0.3)


def _label_front(ax, methods: list[str], errors: dict, times: dict, cheapest: str | None, threshold: float) -> None:
    """Name `methods` of a Pareto front (by decreasing error) below and left of their points, where no point of its
    panel's methods lies (it would be faster and better), each at least a line below the one before; a leader line
    joins a name to its point."""
    to_axes = ax.transScale + ax.transLimits  # data -> axes fraction, once the scales and limits are set
    line = 13 / (72 * ax.figure.get_figheight() * ax.get_position().height)  # 13 points in axes fraction
    y = 1.0
    for method in methods:
        y = min(to_axes.transform((times[method], errors[method]))[1] - line, y - line)
        label = f"{method} (cheapest below {threshold})" if method == cheapest else method
        ax.annotate(label, (times[method], errors[method]), xytext=(times[method] / 1.25, y),
                    textcoords=("data", "axes fraction"), ha="right", va="center", fontsize=9, zorder=5,
                    arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.7, "relpos": (1, 0.5), "shrinkB": 8})


def _pixels(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(K, 2) keypoints (x, y) in [-1, 1] -> pixel coordinates of an (h, w) image: x -> (x + 1)(w - 1) / 2."""
    h, w = shape
    return (np.asarray(points) + 1) / 2 * np.array([w - 1, h - 1])


def response_chart(path: Path, scorecard: dict) -> Figure:
    """Write every method's gain against frequency (benchmark.scorecard's result) in two panels: the study's
    methods, and the others beside the baseline; each method in its colour of METHOD_COLOURS, the baseline wider,
    under the lines that coincide with it; measured (nonlinear) responses dotted, the ideal dashed black; the band
    beyond the output's Nyquist frequency, where whatever passes comes back as aliasing, shaded. Returns the figure."""
    from matplotlib.figure import Figure

    frequencies = np.array(scorecard["frequencies"])
    nyquist = scorecard["scale"] / 2
    figure = Figure(figsize=(13, 6.5), layout="constrained")
    panels = figure.subplots(1, 2, sharey=True)
    groups = ([r for r in scorecard["rows"] if r["method"] in METHODS],
              [r for r in scorecard["rows"] if r["method"] not in METHODS or r["method"] == BASELINE])  # fmt: skip
    titles = ("the study's methods", f"beyond the study, with the baseline ({BASELINE})")
    for ax, rows, title in zip(panels, groups, titles, strict=True):
        for row in rows:
            measured = row["response_from"].startswith("measured")
            analytic = row["response_from"] == "analytic"
            ax.plot(frequencies, row["response_width"], ":" if measured else "--" if analytic else "-",
                    color="black" if analytic else METHOD_COLOURS[row["method"]],
                    lw=4 if row["method"] == BASELINE else 1.8,
                    label=row["method"] + (" (measured)" if measured else ""))  # fmt: skip
        ax.axvline(nyquist, color="grey", linestyle="--", lw=1)
        ax.axvspan(nyquist, frequencies[-1], color="red", alpha=0.06)
        ax.text(nyquist, 1.02, f" output Nyquist ({nyquist:g})", color="grey", va="bottom")
        ax.set_xlim(0, frequencies[-1])
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("frequency (cycles per input pixel); shaded: aliased band")
        ax.set_title(title, fontsize=11)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=9, frameon=False)
    panels[0].set_ylabel("gain |H(f)| along the width")
    figure.suptitle(f"Frequency responses at scale 1/{round(1 / scorecard['scale'])} (coinciding lines hide "
                    f"each other: subsample = nearest = bilateral at this contrast, area = avgpool)", fontsize=12)
    figure.savefig(path, dpi=100)
    return figure
