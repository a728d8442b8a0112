"""Differential test: thousands of seeded random calls, antialias_np against torch / kornia run live.

Collected only with `--differential` (the default run never imports torch), and skipped unless torch and kornia
are installed (`pip install -e .[fixtures]`); CI installs them and runs it. torch runs as pip installs it, on its
default (vectorised) CPU kernels and thread count. The comparison rules are the golden tests' (tests/conftest.py,
`tolerance`): selections, uint8 and float16 bit for bit (the sign of a zero too), floats within a small measured
bound per dtype on [0, 1] inputs, NaN and infinities at exactly torch's positions. One rule is this test's own: on a
CPU without AVX512-FP16 or AMX-FP16, torch convolves float16 with slow_conv2d, in another order than the oneDNN
kernel that the float16 Gaussians follow, so there they are held to conftest's FLOAT16_CONVOLUTION_ELSEWHERE relative
to the larger of the output and the image's largest magnitude: on full-range signed images an output near 0, where
positive and negative taps cancel, can be many of its own float16 steps apart (measured: up to 76 steps, an absolute
difference of 32, 2^-11 of the image's 65504).

What is drawn: every public function and downsample method with torch counterparts (the on-grid extras against
their formulas in torch: box5 as avg_pool2d, gaussian7 / gaussian9 as conv2d, binomial as conv2d level by level);
float16 on every path that takes it, uint8 where torch takes it; images of uniform values, flat and ramped ones (on
which torch's float32 window sums drift most), full-range signed float16, with NaN, infinities and -0.0; area and
avgpool down to 1/128 and pools with large windows; and in a third of the calls the image channels-last
(channel_axis=-1), compared with torch on the channels-last tensor of the same memory,
torch.from_numpy(nhwc).permute(0, 3, 1, 2), while the other calls compare torch layout with the contiguous tensor.

    python -m pytest --differential tests/test_differential.py -s        # prints the counts and worst errors
    DIFFERENTIAL_CASES=20000 python -m pytest --differential tests/test_differential.py -s
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import FLOAT16_CONVOLUTION_ELSEWHERE, compare, tolerance

torch = pytest.importorskip("torch")
kornia = pytest.importorskip("kornia")
F = torch.nn.functional

import antialias_np as aa  # noqa: E402
from antialias_np import _checks  # noqa: E402
from antialias_np.gaussian import anti_alias_plan  # noqa: E402
from benchmark.torch_pipelines import fomm_anti_alias, fomm_kernel, interpolate_as_defined, study_pipeline  # noqa: E402

CASES = int(os.environ.get("DIFFERENTIAL_CASES", "5000"))
CPU_FLAGS = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
ONEDNN_FLOAT16 = "avx512_fp16" in CPU_FLAGS or "amx_fp16" in CPU_FLAGS
"""torch 2.13 convolves float16 with oneDNN where the CPU computes float16 (mkldnn_fp16_device_check)."""
SEED = 20261129
FLOAT16 = np.dtype(np.float16)

CONVOLUTIONS = {"anti_alias_interpolation", "gaussian", "gaussian7", "gaussian9", "binomial"}
"""What torch computes with conv2d: FOMM's Gaussian and the extras that are convolutions (at scale 1, the image)."""


def side(rng: np.random.Generator) -> int:
    """An axis length from 1 to 600, most of them small."""
    return int(rng.choice([rng.integers(1, 9), rng.integers(1, 65), rng.integers(1, 257), rng.integers(1, 601)]))


def image(rng: np.random.Generator, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """An image of one of the kinds drawn: uniform [0, 1) values (0..255 for uint8), a flat value, a ramp, or (for
    float16) full-range signed values; floats with a few NaN, +-inf or -0.0 in one in six."""
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    kind = rng.choice(["uniform", "flat", "ramp", "full range"], p=[0.5, 0.2, 0.2, 0.1])
    if kind == "flat":
        x = np.full(shape, rng.random())
    elif kind == "ramp":
        rows, cols = np.mgrid[0 : shape[-2], 0 : shape[-1]]
        slope = rng.uniform(-1, 1, 2)
        x = np.broadcast_to(rows * slope[0] + cols * slope[1], shape)
        x = (x - x.min()) / max(x.max() - x.min(), 1)
    elif kind == "full range" and dtype == np.float16:
        x = rng.uniform(-65504, 65504, shape)
    else:
        x = rng.random(shape)
    x = np.array(x, dtype=dtype)
    if rng.integers(6) == 0:
        flat = x.reshape(-1)
        for value in (np.nan, np.inf, -np.inf, -0.0):
            flat[rng.integers(0, flat.size, rng.integers(0, 3))] = value
    return x


def interpolate_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    mode = str(rng.choice(["nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos"]))
    kwargs: dict = {"mode": mode}
    if mode in ("bilinear", "bicubic"):
        kwargs["antialias"] = bool(rng.integers(2))
        kwargs["align_corners"] = [None, False, True][rng.integers(3)]
    if mode == "lanczos":
        kwargs["antialias"] = True
    dtypes = [np.float32, np.float64]
    if mode in ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos"):
        dtypes.append(np.uint8)
    if mode in ("nearest", "nearest-exact", "area") or (mode in ("bilinear", "bicubic") and not kwargs["antialias"]):
        dtypes.append(np.float16)
    dtype = dtypes[rng.integers(len(dtypes))]
    h, w = side(rng), side(rng)
    if mode == "area" and rng.integers(3) == 0:  # small scales: windows of up to 128 x 128
        kwargs["size"] = (max(1, h // int(rng.integers(7, 129))), max(1, w // int(rng.integers(7, 129))))
    elif rng.integers(2):
        kwargs["size"] = (max(1, int(h * rng.uniform(0.05, 2.5))), max(1, int(w * rng.uniform(0.05, 2.5))))
    else:
        factors = rng.choice([0.25, 0.5, 2.0, 1.0, 3.0]) if rng.integers(4) == 0 else rng.uniform(0.05, 2.5)
        factor_w = factors if rng.integers(2) else rng.uniform(0.05, 2.5)
        if min(int(h * factors), int(w * factor_w)) < 1:
            factors, factor_w = 1.0, 1.0
        kwargs["scale_factor"] = (float(factors), float(factor_w))
        if mode != "area" and rng.integers(3) == 0:
            kwargs["recompute_scale_factor"] = bool(rng.integers(2))
    if mode in ("nearest", "nearest-exact", "area"):
        kwargs.pop("align_corners", None)
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 7)), h, w))
    return "interpolate", x, kwargs


def pool_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    h, w = side(rng), side(rng)
    dtype = [np.float32, np.float64, np.float16][rng.integers(3)]
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w))
    if rng.integers(2):
        if rng.integers(3) == 0:  # small scales
            size = (max(1, h // int(rng.integers(7, 129))), max(1, w // int(rng.integers(7, 129))))
        else:
            size = (int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1)))
        return "adaptive_avg_pool2d", x, {"output_size": size}
    largest = 8 if rng.integers(3) else 130  # windows of up to 8 or up to 130 values a side
    kernel = (int(rng.integers(1, min(h, largest) + 1)), int(rng.integers(1, min(w, largest) + 1)))
    stride = tuple(int(rng.integers(max(1, k // 2), k + 5)) for k in kernel)  # at least half the window: no blow-up
    kwargs = {"kernel_size": kernel, "stride": stride,
              "padding": (int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))),
              "ceil_mode": bool(rng.integers(2)), "count_include_pad": bool(rng.integers(2))}
    if rng.integers(4) == 0:
        kwargs["divisor_override"] = int(rng.integers(1, 30)) * (1 if rng.integers(4) else -1)
    return "avg_pool2d", x, kwargs


def window_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    h, w = side(rng) % 200 + 1, side(rng) % 200 + 1
    function = ["median_blur", "bilateral_blur"][rng.integers(2)]
    border = ["constant", "reflect", "replicate", "circular"][rng.integers(4)]
    k = int(rng.choice([1, 3, 5, 7]))
    while (border == "reflect" and k // 2 >= min(h, w)) or (border == "circular" and k // 2 > min(h, w)):
        k -= 2
    dtypes = [np.float32, np.float64] + ([np.float16] if function == "median_blur" else [])
    dtype = dtypes[rng.integers(len(dtypes))]
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w))
    if function == "median_blur":
        return function, x, {"kernel_size": k, "border_type": border}
    kwargs = {"kernel_size": k, "sigma_color": float(rng.uniform(0.05, 1)),
              "sigma_space": (float(rng.uniform(0.5, 3)), float(rng.uniform(0.5, 3))), "border_type": border,
              "color_distance_type": ["l1", "l2"][rng.integers(2)]}
    return function, x, kwargs


def gaussian_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    h, w = side(rng), side(rng)
    dtype = [np.float32, np.float64, np.float16][rng.integers(3)]
    x = image(rng, dtype, (1, int(rng.integers(1, 4)), h, w))
    # float16 only down to 1/4 (13 taps) where torch convolves it with oneDNN: torch 2.13's oneDNN float16
    # convolution does not return for 17 taps and more on an AVX512-FP16 CPU (measured: still running after minutes)
    steps = 5 if dtype == np.float16 and ONEDNN_FLOAT16 else 9
    return "anti_alias_interpolation", x, {"scale": 1 / int(rng.integers(1, steps))}


ANY_SCALE = ("nearest", "bicubic", "bilinear", "area", "lanczos")
TORCH_DTYPES = {
    "float16": ("gaussian", "subsample", "nearest", "area", "avgpool", "median", "box5", "gaussian7", "gaussian9",
                "binomial"),
    "uint8": ("subsample", "nearest", "bicubic", "bilinear", "lanczos"),
}
"""The methods whose torch pipelines take float16 and uint8 images (all take float32 and float64)."""


def downsample_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    method = str(rng.choice((*aa.METHODS, *aa.EXTRA_METHODS)))
    step = int(rng.choice([1, 2, 4, 8])) if method == "binomial" else int(rng.integers(1, 9))
    if method in ("area", "avgpool") and rng.integers(4) == 0:
        step = int(rng.integers(9, 129))  # small scales, on images of at least one window
    scale = rng.uniform(0.05, 1) if method in ANY_SCALE and rng.integers(2) else 1 / step
    h, w = (max(side(rng), step, int(1 / scale) + 1) for _ in range(2))
    dtypes = [np.float32, np.float64] + [np.dtype(d).type for d, methods in TORCH_DTYPES.items() if method in methods]
    dtype = dtypes[rng.integers(len(dtypes))]
    if dtype == np.float16 and method == "gaussian" and ONEDNN_FLOAT16:
        scale = 1 / min(round(1 / scale), 4)  # see gaussian_case
    x = image(rng, dtype, (1, int(rng.integers(1, 4)), h, w))
    return "downsample", x, {"scale": float(scale), "method": method}


def extra_reference(t, method: str, scale: float):
    """The on-grid extras' formulas in torch: box5 is avg_pool2d(x, 5, n, 2); gaussian7 / gaussian9 the zero-padded
    conv2d with g g^T (FOMM's Gaussian for the scale cut to its central 7 or 9 taps, rescaled to sum 1) kept at
    every n-th pixel; binomial log2(n) levels of conv2d with [1, 4, 6, 4, 1] / 16 per axis at a step of 2. At scale
    1 the Gaussians are the single tap 1, the image itself (as FOMM's Gaussian returns its input there)."""
    n = round(1 / scale)
    if method == "box5":
        return F.avg_pool2d(t, 5, n, 2)
    if n == 1:
        return t

    def convolved(t, g, step):
        weight = torch.from_numpy(np.outer(g, g)).to(t.dtype).expand(t.shape[1], 1, len(g), len(g)).contiguous()
        return F.conv2d(t, weight, stride=step, padding=len(g) // 2, groups=t.shape[1])

    if method == "binomial":
        for _ in range(n.bit_length() - 1):
            t = convolved(t, np.array([1, 4, 6, 4, 1]) / 16, 2)
        return t
    sigma = (n - 1) / 2
    half = min(round(4 * sigma), 3 if method == "gaussian7" else 4)
    g = np.exp(-(np.arange(-half, half + 1) ** 2) / (2 * sigma**2))
    return convolved(t, g / g.sum(), n)


def reference(function: str, t, kwargs: dict) -> np.ndarray:
    """torch's / kornia's result for the call, on the tensor t, in torch layout."""
    if function == "interpolate":
        out = interpolate_as_defined(t, **kwargs)[0]
    elif function == "avg_pool2d":
        out = F.avg_pool2d(t, **kwargs)
    elif function == "adaptive_avg_pool2d":
        out = F.adaptive_avg_pool2d(t, kwargs["output_size"])
    elif function == "median_blur":
        out = kornia.filters.median_blur(t, **kwargs)
    elif function == "bilateral_blur":
        out = kornia.filters.bilateral_blur(t, **kwargs)
    elif function == "downsample" and kwargs["method"] in ("bilinear", "bicubic", "lanczos"):
        size = tuple(int(n * kwargs["scale"]) for n in t.shape[-2:])
        out = interpolate_as_defined(t, size=size, mode=kwargs["method"], antialias=True)[0]
    elif function == "downsample" and kwargs["method"] in aa.EXTRA_METHODS:
        out = extra_reference(t, kwargs["method"], kwargs["scale"])
    elif function == "downsample":
        out = study_pipeline(t, kwargs["scale"], kwargs["method"])[0]
    else:
        out = fomm_anti_alias(t, kwargs["scale"])
    return out.contiguous().numpy()


MAKERS = (interpolate_case,) * 6 + (pool_case,) * 2 + (window_case, gaussian_case) + (downsample_case,) * 2


def label(function: str, x: np.ndarray, kwargs: dict, channels_last: bool) -> str:
    mode = kwargs.get("mode", kwargs.get("method", ""))
    aa_tag = "-aa" if kwargs.get("antialias") else ""
    return f"{function}{'-' + mode if mode else ''}{aa_tag} {x.dtype}{' channels-last' if channels_last else ''}"


def convolved_elsewhere(function: str, kwargs: dict, dtype: np.dtype) -> bool:
    """Whether torch computes the call with slow_conv2d in float16 (another order than antialias_np's)."""
    convolution = {function, kwargs.get("method")} & CONVOLUTIONS and kwargs.get("scale") != 1
    return bool(convolution and dtype == FLOAT16 and not ONEDNN_FLOAT16)


def allowed_error(function: str, kwargs: dict, dtype: np.dtype) -> float:
    if convolved_elsewhere(function, kwargs, dtype):
        return FLOAT16_CONVOLUTION_ELSEWHERE
    return tolerance(function, kwargs, dtype, ONEDNN_FLOAT16)


MEDIANS = {"median_blur", "median"}
"""kornia's median takes its windows' values through a convolution with one-hot kernels, which does not keep the sign
of a zero (-0.0 comes out +0.0, or the other way at a zero-padded border); antialias_np's median selects."""


def error(result: np.ndarray, expected: np.ndarray, x: np.ndarray, allowed: float, elsewhere: bool,
          names: set) -> float:  # fmt: skip
    """compare()'s difference; for a float16 convolution against slow_conv2d (elsewhere), relative to the image's
    magnitude too; where bit for bit (but for the medians), inf if the signs of zeros differ."""
    if elsewhere:
        magnitude = max(1.0, float(np.abs(x[np.isfinite(x)].astype(np.float64)).max(initial=0)))
        return compare(result.astype(np.float64) / magnitude, expected.astype(np.float64) / magnitude)
    difference = compare(result, expected)
    if allowed == 0 and difference == 0 and expected.dtype.kind == "f" and not names & MEDIANS:
        zeros = expected == 0
        if not np.array_equal(np.signbit(result[zeros]), np.signbit(expected[zeros])):
            return np.inf
    return difference


def test_random_calls_equal_torch():
    rng = np.random.default_rng(SEED)
    worst: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    inexact: dict[str, int] = defaultdict(int)  # cases with any value unequal to torch's
    differing: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # values unequal to torch's, values compared
    mismatches = []
    for case in range(CASES):
        function, x, kwargs = MAKERS[rng.integers(len(MAKERS))](rng)
        channels_last = bool(rng.integers(3) == 0)
        given = np.ascontiguousarray(np.moveaxis(x, 1, -1)) if channels_last else x
        tensor = torch.from_numpy(given).permute(0, 3, 1, 2) if channels_last else torch.from_numpy(x)
        channel_axis = -1 if channels_last else -3
        call = f"case {case}: {function}(x {given.shape} {x.dtype}, **{kwargs}, channel_axis={channel_axis})"
        try:
            with np.errstate(all="ignore"):
                expected = reference(function, tensor, kwargs)
        except (RuntimeError, ValueError):
            continue  # torch refuses it (e.g. an output larger than its limits): nothing to compare
        name = label(function, x, kwargs, channels_last)
        counts[name] += 1
        try:
            with np.errstate(all="ignore"):
                result = getattr(aa, function)(given, **kwargs, channel_axis=channel_axis)
            if channels_last:
                result = np.moveaxis(result, -1, 1)
            allowed = allowed_error(function, kwargs, expected.dtype)
            elsewhere = convolved_elsewhere(function, kwargs, expected.dtype)
            difference = error(result, expected, x, allowed, elsewhere, {function, kwargs.get("method")})
        except Exception as exc:  # reported with the case, as a mismatch
            mismatches.append(f"{call}: {exc!r}")
            worst[name] = np.inf
            continue
        worst[name] = max(worst[name], difference if np.isfinite(difference) else np.inf)
        same_shape = result.shape == expected.shape
        unequal = int(np.sum(result != expected) - np.sum(np.isnan(result) & np.isnan(expected))) if same_shape else 1
        inexact[name] += unequal > 0
        differing[name][0] += unequal
        differing[name][1] += expected.size
        if not difference <= allowed:
            mismatches.append(f"{call}: error {difference}")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown") if Path("/proc/cpuinfo").exists() else "unknown"
    print(f"\n{sum(counts.values())} cases against torch {torch.__version__} "
          f"({torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads), kornia "
          f"{kornia.__version__}, on {cpu} ({'with' if ONEDNN_FLOAT16 else 'without'} AVX512-FP16 / AMX-FP16); "
          f"{len(mismatches)} mismatches; worst error per function:")
    for name in sorted(counts):
        unequal, compared = differing[name]
        print(f"  {name:58s} {counts[name]:5d} cases  worst {worst[name]:.3g}  inexact in {inexact[name]:4d} cases, "
              f"{unequal / max(compared, 1):.2e} of values")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:3000])


def test_fomm_float16_kernel_equals_torchs():
    """FOMM's float32 kernel as torch builds it on one thread, rounded to float16, at every scale 1/2 .. 1/128."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for n in range(2, 129):
            expected = fomm_kernel(1 / n, 1, torch.float16)[0, 0].numpy().astype(np.float32)
            plan = anti_alias_plan(_checks.ImageSpec((1, 2 * n, 2 * n), FLOAT16), 1 / n)
            np.testing.assert_array_equal(plan.kernel, expected, f"scale 1/{n}")
    finally:
        torch.set_num_threads(before)
