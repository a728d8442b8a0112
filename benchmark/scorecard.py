"""An aliasing scorecard of every downsampler, computed from the methods themselves: `python -m benchmark.scorecard`
(and after the study's table in `python bench.py`).

For a scale 1/n (default the study's 1/4), per method:

- frequency response along each axis, |H(f)| at f cycles per input pixel: from the method's weight table (its
  impulse response through `downsample`, benchmark.method_pages) for the linear methods; measured on sinusoids for
  median and bilateral, which are not linear: their "response" is the gain of the input's frequency in the output
  for a sinusoid of amplitude AMPLITUDE about mid-grey, and would differ at another amplitude;
- on a zone plate (every frequency up to the input's Nyquist, with the same energy): the pass-band kept and the
  alias energy, from splitting the plate into its band below the output's Nyquist frequency and the rest;
- shift change: how much the output moves away from a band-limited shift when the input moves by one pixel
  (after Zhang 2019, "Making Convolutional Networks Shift-Invariant Again");
- PSNR against the ideal band-limited downsample (FFT crop) of the zone plate and of a synthetic face frame.

Definitions (every image is read as periodic: a method sees it wrapped around by 8 output pixels on every side,
so borders play no part, and the ideal downsample is exact):

    ideal(x)      keep the DFT bins |k| < m / 2 of each axis (m = N / n output pixels; the Nyquist bin dropped),
                  sampled at input n k: output k sits on input n k, where the baseline, gaussian, puts it
    low(x)        the same band at full resolution, so that ideal(x) = low(x)[::n, ::n]
    kept          ms(D(low z) - 0.5) / ms(ideal(z) - 0.5)          ms = mean square; 1 for the ideal
    alias         ms(D(z) - D(low z)) / ms(ideal(z) - 0.5)         what the plate's content above the output's
                                                                   Nyquist adds to the output; 0 for the ideal
    shift change  ||D(roll(x, 1)) - S(D(x))|| / ||D(x) - mean D(x)||, averaged over the two axes, S the band-limited
                  shift by 1/n output pixel (DFT phase ramp; the Nyquist bin times cos(pi / n)); 0 for the ideal
    PSNR          10 log10(1 / ms(D(x) - ideal(x))) in dB, for images in [0, 1]

A method that centres output k elsewhere than input n k (bilinear, bicubic, area, avgpool, lanczos at n = 4: 1.5
input pixels further) loses PSNR for that shift alone; kept, alias and shift change do not see it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark import figures, method_pages
from benchmark.protocol import SCALE
from benchmark.report import fmt, markdown_table, progress
from benchmark.synthetic import synthetic_frames

METHODS = aa.METHODS + aa.EXTRA_METHODS
IDEAL = "ideal (FFT crop)"
AMPLITUDE = 0.25
"""Amplitude of the sinusoids and of the zone plate, about 0.5: the contrast the nonlinear methods are measured at."""
FREQUENCIES = np.linspace(0, 0.5, 201)
"""Where the responses are given, in cycles per input pixel (0.5: the input's Nyquist frequency)."""
OUTPUTS = 64
"""Output pixels per side of the zone plate and the face (input 64 n)."""
WRAP = 8
"""Output pixels of wrap-around on each side when a method reads a periodic image."""
SINE_OUTPUTS = 32
"""Output pixels per side of the sinusoid images; the central half is measured, far from every border."""
SCORECARD_FILE = "scorecard.png"


def step_of(scale: float) -> int:
    """n for scale 1/n (n >= 2), else a ValueError naming scale."""
    step = round(1 / scale) if scale > 0 else 0
    if step < 2 or abs(step * scale - 1) > 1e-9:
        raise ValueError(f"scale must be 1/n for an integer n >= 2 (the baseline steps n pixels), got {scale}")
    return step


def zone_plate(size: int) -> np.ndarray:
    """(size, size) float64: 0.5 + AMPLITUDE cos(pi (x^2 + y^2) / size), x and y from -size/2 to size/2 - 1.

    Its local frequency (x / size, y / size) cycles per pixel sweeps every frequency up to 0.5 on each axis once;
    for even sizes it is exactly periodic (so the DFT sees no seam), and each axis' chirp has a flat spectrum."""
    x = np.arange(size) - size // 2
    return 0.5 + AMPLITUDE * np.cos(np.pi * (x[:, None] ** 2 + x[None, :] ** 2) / size)


def face(size: int) -> np.ndarray:
    """(3, size, size) float64: the first synthetic face frame (benchmark.synthetic), a natural-ish test image."""
    return synthetic_frames(1, size)[0][0].astype(np.float64)


def _band(n_in: int, m: int) -> np.ndarray:
    """The DFT bins of an n_in axis below the Nyquist frequency of m samples: |k| < m / 2."""
    k = np.fft.fftfreq(n_in, 1 / n_in)
    return np.abs(k) < m / 2


def low(x: np.ndarray, scale: float) -> np.ndarray:
    """The ideal low-pass of x's last two axes: their DFT bins |k| < m / 2 kept (m = N scale), the rest zeroed."""
    for axis in (-1, -2):
        n_in = x.shape[axis]
        keep = _band(n_in, round(n_in * scale)).reshape((-1,) + (1,) * (-axis - 1))
        x = np.fft.ifft(np.fft.fft(x, axis=axis) * keep, axis=axis).real
    return x


def ideal_downsample(x: np.ndarray, scale: float) -> np.ndarray:
    """The band-limited downsample of x's last two axes: low(x) sampled at every n-th pixel, computed by cropping
    the DFT (bins |k| < m / 2 kept, m = N / n; N a multiple of n)."""
    for axis in (-1, -2):
        n_in = x.shape[axis]
        m = round(n_in * scale)
        spectrum = np.moveaxis(np.fft.fft(x, axis=axis), axis, -1)
        cropped = np.zeros((*spectrum.shape[:-1], m), complex)
        k = np.fft.fftfreq(m, 1 / m).astype(int)
        inside = np.abs(k) < m / 2
        cropped[..., inside] = spectrum[..., k[inside] % n_in]
        x = np.moveaxis(np.fft.ifft(cropped, axis=-1).real * m / n_in, -1, axis)
    return x


def band_limited_shift(y: np.ndarray, shift: float, axis: int) -> np.ndarray:
    """y moved by `shift` samples along `axis`, read as a periodic band-limited signal: the DFT phase ramp
    exp(-2 pi i k shift / m) below the Nyquist bin, which (real, ambiguous) is multiplied by cos(pi shift)."""
    m = y.shape[axis]
    k = np.fft.fftfreq(m, 1 / m)
    ramp = np.where(np.abs(k) < m / 2, np.exp(-2j * np.pi * k * shift / m), np.cos(np.pi * shift))
    ramp = ramp.reshape((-1,) + (1,) * (-axis - 1))
    return np.fft.ifft(np.fft.fft(y, axis=axis) * ramp, axis=axis).real


def periodic(method: str, scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """The method applied to a periodic image: wrapped by WRAP output pixels on every side, downsampled, cropped back
    (output k on the method's own grid for input n k); the ideal downsample directly."""
    if method == IDEAL:
        return lambda x: ideal_downsample(x, scale)
    pad = WRAP * step_of(scale)

    def downsample(x: np.ndarray) -> np.ndarray:
        wrapped = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(pad, pad)] * 2, mode="wrap")
        return aa.downsample(wrapped, scale, method, channel_axis=-3)[..., WRAP:-WRAP, WRAP:-WRAP]

    return downsample


def measured_response(
    downsample: Callable[[np.ndarray], np.ndarray], scale: float, frequencies: np.ndarray, axis: int = -1
) -> np.ndarray:
    """The complex response H(f) of a downsampler measured on sinusoids along `axis` (-1 the width, -2 the height):

        y_c[k] = (D(0.5 + A cos 2 pi f x) - 0.5)[k] + i (D(0.5 + A sin 2 pi f x) - 0.5)[k],   H(f) = mean_k y_c[k]
                 exp(-2 pi i f n k) / A

    over the central half of SINE_OUTPUTS outputs, with x the input position along the axis (n k: output k's on
    the baseline's grid). For a linear method y_c[k] = A H(f) exp(2 pi i f n k) exactly, so |H| is its gain
    whatever the phase; H = |H| exp(2 pi i f c) for a kernel symmetric about n k + c."""
    step = step_of(scale)
    size = SINE_OUTPUTS * step
    x = np.arange(size)
    phase = 2 * np.pi * frequencies[:, None] * x[None, :]
    waves = 0.5 + AMPLITUDE * np.concatenate([np.cos(phase), np.sin(phase)])  # (2F, size)
    images = np.repeat(waves[:, None, :], size, axis=1)  # constant along the other axis
    if axis == -2:
        images = images.transpose(0, 2, 1)
    out = downsample(np.ascontiguousarray(images)) - 0.5
    line = out[:, SINE_OUTPUTS // 2] if axis == -1 else out[:, :, SINE_OUTPUTS // 2]
    central = slice(SINE_OUTPUTS // 4, 3 * SINE_OUTPUTS // 4)
    y = line[: len(frequencies), central] + 1j * line[len(frequencies) :, central]
    k = np.arange(SINE_OUTPUTS)[central]
    return (y * np.exp(-2j * np.pi * frequencies[:, None] * step * k[None, :])).mean(axis=1) / AMPLITUDE


def response(method: str, scale: float, axis: int, frequencies: np.ndarray = FREQUENCIES) -> tuple[np.ndarray, str]:
    """(|H(f)| along the axis, where it comes from): the weight table for a linear method, sinusoids for median
    and bilateral, the brick wall (1 below the output's Nyquist frequency, 0 from it on) for the ideal."""
    if method == IDEAL:
        return (frequencies < scale / 2).astype(float), "analytic"
    if method in method_pages.NONLINEAR:
        gain = np.abs(measured_response(lambda x: aa.downsample(x, scale, method), scale, frequencies, axis))
        return gain, f"measured (nonlinear, amplitude {AMPLITUDE})"
    weights = method_pages.weight_matrix(method, scale, axis)[method_pages.CENTRAL_OUTPUT]
    return method_pages.frequency_response(weights, frequencies), "weight table"


def centre(method: str, scale: float) -> float:
    """Where output k sits, in input pixels from n k: the phase of the measured response at a low frequency."""
    if method == IDEAL:
        return 0.0
    f = np.array([0.01])
    h = measured_response(lambda x: aa.downsample(x, scale, method), scale, f)[0]
    return round(float(np.angle(h) / (2 * np.pi * f[0])), 9) + 0.0  # + 0.0: no "-0.00" for a rounding error


def mean_square(x: np.ndarray) -> float:
    return float(np.mean(np.square(x)))


def shift_change(downsample: Callable[[np.ndarray], np.ndarray], x: np.ndarray, scale: float) -> float:
    """||D(roll(x, 1)) - S(D(x))|| / ||D(x) - mean||, the mean over the width and the height (module docstring)."""
    y = downsample(x)
    spread = np.sqrt(mean_square(y - y.mean()))
    changes = [np.sqrt(mean_square(downsample(np.roll(x, 1, axis)) - band_limited_shift(y, scale, axis))) / spread
               for axis in (-1, -2)]  # fmt: skip
    return float(np.mean(changes))


def psnr(y: np.ndarray, reference: np.ndarray) -> float:
    error = mean_square(y - reference)
    return float("inf") if error == 0 else float(10 * np.log10(1 / error))


def score(method: str, scale: float, plate: np.ndarray, photo: np.ndarray) -> dict:
    """One method's row of the scorecard."""
    downsample = periodic(method, scale)
    x_gain, source = response(method, scale, -1)
    y_gain, _ = response(method, scale, -2)
    # At the two named frequencies themselves: interpolating the grid between its points would put the ideal's
    # brick wall at 0.5 wherever the Nyquist frequency falls between them (1/32 does)
    half_nyquist_gain, nyquist_gain = response(method, scale, -1, np.array([scale / 4, scale / 2]))[0]
    ideal_plate = ideal_downsample(plate, scale)
    band = mean_square(ideal_plate - 0.5)
    whole, low_part = downsample(plate), downsample(low(plate, scale))
    return {
        "method": method,
        "response_from": source,
        "centre": centre(method, scale),
        "gain_half_nyquist": float(half_nyquist_gain),
        "gain_nyquist": float(nyquist_gain),
        "response_beyond_nyquist": method_pages.aliased_share(FREQUENCIES, x_gain, scale),
        "kept": mean_square(low_part - 0.5) / band,
        "alias": mean_square(whole - low_part) / band,
        "shift_change": shift_change(downsample, photo, scale),
        "psnr_zone_plate": psnr(whole, ideal_plate),
        "psnr_face": psnr(downsample(photo), ideal_downsample(photo, scale)),
        "response_width": x_gain.tolist(),
        "response_height": y_gain.tolist(),
    }


def compute_scorecard(scale: float = SCALE, methods: tuple[str, ...] = METHODS) -> dict:
    """The scorecard of `methods` (and the ideal downsample, as the reference row) at scale 1/n. A method that
    refuses the scale (binomial at 1/3) is listed in "refused" with its reason."""
    step = step_of(scale)
    plate, photo = zone_plate(OUTPUTS * step), face(OUTPUTS * step)
    rows, refused = [], {}
    for method in (*methods, IDEAL):
        try:
            rows.append(score(method, scale, plate, photo))
        except ValueError as error:
            refused[method] = str(error)
    return {"scale": scale, "frequencies": FREQUENCIES.tolist(), "rows": rows, "refused": refused}


def scorecard_markdown(result: dict) -> str:
    step = step_of(result["scale"])
    header = ["method", "output k at", "gain at Nyquist / 2", "gain at Nyquist", "response beyond Nyquist",
              "zone plate: band kept", "zone plate: alias", "shift change", "PSNR zone plate (dB)", "PSNR face (dB)",
              "response from"]  # fmt: skip
    rows = [[r["method"], f"{step}k {round(r['centre'], 2) + 0:+.2f}",  # + 0: no "-0.00"
             fmt(r["gain_half_nyquist"], 3), fmt(r["gain_nyquist"], 3), f"{r['response_beyond_nyquist']:.0%}",
             fmt(r["kept"], 3), fmt(r["alias"] if r["alias"] > 1e-12 else 0, 3, style="g"),  # the ideal's rounding
             fmt(r["shift_change"], 3), fmt(r["psnr_zone_plate"], 1), fmt(r["psnr_face"], 1), r["response_from"]]
            for r in result["rows"]]  # fmt: skip
    nyquist = result["scale"] / 2
    lines = [
        f"## Aliasing scorecard at scale 1/{step}",
        "",
        f"Frequencies in cycles per input pixel; the output's Nyquist frequency is {nyquist:g}. Gains along the "
        f"width (the height's are the same for every method here). Zone plate: {OUTPUTS * step} x {OUTPUTS * step}, "
        f"0.5 + {AMPLITUDE} cos(pi (x^2 + y^2) / N); band kept = ms(D(low z) - 0.5) / ms(ideal(z) - 0.5) (1 is all "
        f"of the band below Nyquist), alias = ms(D(z) - D(low z)) / ms(ideal(z) - 0.5) (0 is none). Shift change: "
        f"||D(x moved 1 pixel) - D(x) moved 1/{step} pixel (band-limited)|| / ||D(x) - mean|| on the face, 0 for a "
        f"shift-consistent method. PSNR against the ideal downsample (DFT crop, output k on input {step}k): a "
        f"method centred elsewhere loses PSNR for the shift alone. Images are read as periodic (no borders). "
        f"Median and bilateral are not linear: their responses are measured on sinusoids of amplitude {AMPLITUDE}.",
        "",
        markdown_table(header, rows),
    ]
    lines += [f"\n{method} refuses scale {result['scale']:g}: {reason}" for method, reason in result["refused"].items()]
    return "\n".join(lines)


def run_scorecard(out: Path | None = None, scale: float = SCALE, draw: bool = True) -> dict:
    """Compute the scorecard, print it as markdown, and write scorecard.md, scorecard.json and (with matplotlib,
    when `draw`) scorecard.png, the responses, into `out` (nothing written when out is None)."""
    progress(f"scorecard at scale {scale:g}: {len(METHODS) + 1} methods")
    result = compute_scorecard(scale)
    markdown = scorecard_markdown(result)
    print(markdown)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result["figures"] = [SCORECARD_FILE] if draw and figures.have_matplotlib() else []
        rows = [{k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in row.items()}
                for row in result["rows"]]  # JSON has no infinity: the ideal's PSNR is written as null
        (out / "scorecard.json").write_text(json.dumps({**result, "rows": rows}, indent=1) + "\n")
        (out / "scorecard.md").write_text(markdown + "\n")
        if result["figures"]:
            figures.response_chart(out / SCORECARD_FILE, result)
        progress(f"wrote scorecard.md, scorecard.json{', ' + SCORECARD_FILE if result['figures'] else ''} in {out}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmark.scorecard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="1/n, n >= 2 (default 0.25)")
    parser.add_argument("--out", type=Path, default=Path("bench_results"), metavar="DIR", help="output directory")
    parser.add_argument("--no-figures", action="store_true", help="no scorecard.png")
    args = parser.parse_args(argv)
    try:
        step_of(args.scale)
    except ValueError as error:
        parser.error(str(error))
    run_scorecard(args.out, args.scale, not args.no_figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
