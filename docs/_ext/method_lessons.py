"""Sphinx extension: the figures and facts of the method lessons (docs/methods/), drawn from the methods at build.

For every method of antialias_np.METHODS and EXTRA_METHODS, at scale 1/4, it writes into docs/methods/_generated/:

- <method>_photo.png: the astronaut's face (skimage.data.astronaut(), shipped with scikit-image) as the baseline
  (gaussian) and the method reduce it, beside the input;
- <method>_response.png: the method's frequency response beside the baseline's and the ideal's;
- <method>_facts.md: its weights around output pixel k (linear methods), where output k sits, its gain at half
  the output's Nyquist frequency and at it, and the share of the response's energy beyond it (aliased);

and summary.md, the table of the methods index. The responses are the aliasing scorecard's
(benchmark.scorecard.response): from the weights for a linear method, measured on sinusoids of amplitude 0.25
for the median and bilateral filters, whose response depends on the contrast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SCALE = 0.25
NYQUIST = SCALE / 2
"""The output's Nyquist frequency, in cycles per input pixel."""
FACE = (slice(0, 160), slice(120, 280))
"""The input pixels of the photo's crop: the face and hair, whose fine detail tells the methods apart."""


def setup(app):
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def generate(app) -> None:
    import antialias_np as aa
    from benchmark import method_pages, scorecard

    out = Path(app.srcdir) / "methods" / "_generated"
    out.mkdir(parents=True, exist_ok=True)
    photo = _photo()
    small = {method: aa.downsample(photo, SCALE, method, channel_axis=-1) for method in aa.METHODS + aa.EXTRA_METHODS}
    frequencies = scorecard.FREQUENCIES
    gains = {method: scorecard.response(method, SCALE, -1, frequencies)[0] for method in small}
    rows = []
    for method in small:
        linear = method not in method_pages.NONLINEAR
        weights = method_pages.weight_matrix(method)[method_pages.CENTRAL_OUTPUT] if linear else None
        centre = method_pages.offset_from_grid(weights) if linear else scorecard.centre(method, SCALE)
        centre = round(centre, 2) + 0.0  # a measured -0.001 prints as 4k +0.00, not 4k -0.00
        facts = _facts(method, weights, centre, frequencies, gains[method])
        (out / f"{method}_facts.md").write_text(facts["text"])
        source = "from the weights" if linear else "measured at amplitude 0.25"
        rows.append(f"| {{doc}}`{method} </methods/{method}>` | 4k {centre:+.2f} | {facts['nyquist']:.2f} "
                    f"| {facts['share']:.1%} | {source} |")
        _draw_photo(method, photo, small, out / f"{method}_photo.png")
        _draw_response(method, frequencies, gains, out / f"{method}_response.png")
    (out / "summary.md").write_text(
        "| method | output k sits at | gain at the output's Nyquist frequency | response energy beyond it "
        "(aliased) | response |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


def _photo() -> np.ndarray:
    from skimage import data

    return data.astronaut().astype(np.float32) / 255  # (512, 512, 3): channels last


def _share_beyond_nyquist(frequencies: np.ndarray, gain: np.ndarray) -> float:
    """The share of the response's energy, the integral of |H(f)|^2 over [0, 1/2], that lies beyond 1/8."""
    energy = gain**2
    beyond = frequencies >= NYQUIST
    return float(np.trapezoid(energy[beyond], frequencies[beyond]) / np.trapezoid(energy, frequencies))


def _facts(method: str, weights, centre: float, frequencies: np.ndarray, gain: np.ndarray) -> dict:
    half, nyquist = (float(np.interp(f, frequencies, gain)) for f in (NYQUIST / 2, NYQUIST))
    share = _share_beyond_nyquist(frequencies, gain)
    lines = []
    if weights is not None:
        k = 8
        taps = np.flatnonzero(np.abs(weights) > 1e-12)
        # One row per tap: a row of 13 columns (the Gaussian's) does not fit the page.
        lines += ["Weights of the input pixels in output pixel k (the same for every k away from the borders):", "",
                  "| input pixel | weight |", "|---|---|",
                  *(f"| 4k {x - 4 * k:+d} | {weights[x]:.4f} |" for x in taps), ""]
        source = "from its weights"
    else:
        source = ("measured on sinusoids of amplitude 0.25 about mid-grey: a nonlinear filter's response depends on "
                  "the contrast of what it filters, so these figures hold for this contrast only")
    lines += [f"- Output pixel k sits at input position **4k {centre:+.2f}** (the baseline, `gaussian`, at 4k).",
              f"- Gain {source}: {half:.3f} at 1/16 cycle per input pixel (half the output's Nyquist frequency), "
              f"**{nyquist:.3f}** at 1/8 (the output's Nyquist frequency).",
              f"- **{share:.1%}** of the response's energy lies beyond the output's Nyquist frequency, where it "
              "comes back as aliasing (the ideal downsampler: 0%; `subsample`: 75%).", ""]
    return {"text": "\n".join(lines), "nyquist": nyquist, "share": share}


def _draw_photo(method: str, photo: np.ndarray, small: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    kept = tuple(slice(s.start // 4, s.stop // 4) for s in FACE)
    panels = [(photo[FACE], "input (crop)"), (small["gaussian"][kept], "gaussian (baseline)")]
    if method != "gaussian":
        panels.append((small[method][kept], method))
    figure, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3))
    for ax, (image, title) in zip(axes, panels, strict=True):
        ax.imshow(image.clip(0, 1), interpolation="antialiased" if image is panels[0][0] else "nearest")
        ax.set_title(title)
        ax.set_axis_off()
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _draw_response(method: str, frequencies: np.ndarray, gains: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.axvspan(NYQUIST, 0.5, color="tab:red", alpha=0.07, label="aliased band")
    ax.plot(frequencies, (frequencies < NYQUIST).astype(float), color="black", ls=":", lw=1, label="ideal")
    if method != "gaussian":
        ax.plot(frequencies, gains["gaussian"], color="grey", lw=3, alpha=0.6, label="gaussian (baseline)")
    ax.plot(frequencies, gains[method], color="tab:blue", lw=1.8, label=method)
    ax.axvline(NYQUIST, color="grey", ls="--", lw=1)
    ax.set_xlim(0, 0.5)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("frequency (cycles per input pixel)")
    ax.set_ylabel("gain |H(f)|")
    ax.set_title(f"{method} at scale 1/4: output Nyquist at 1/8")
    ax.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
