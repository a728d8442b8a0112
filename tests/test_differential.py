"""Differential test: thousands of seeded random calls, antialias_np against torch / kornia run live.

Collected only with `--differential` (the default run never imports torch), and skipped unless torch and kornia
are installed (`pip install -e .[fixtures]`); CI installs them and runs it. torch runs as pip installs it, on its
default (vectorised) CPU kernels. The comparison rules are the golden tests' (tests/conftest.py, `tolerance`):
selections and uint8 bit for bit, floats within a small measured bound per dtype on [0, 1] inputs, NaN and
infinities at exactly torch's positions.

    python -m pytest --differential tests/test_differential.py -s        # prints the worst error per function
    DIFFERENTIAL_CASES=20000 python -m pytest --differential tests/test_differential.py -s
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import compare, tolerance

torch = pytest.importorskip("torch")
kornia = pytest.importorskip("kornia")
F = torch.nn.functional

import antialias_np as aa  # noqa: E402
from benchmark.torch_pipelines import fomm_anti_alias, interpolate_as_defined, study_pipeline  # noqa: E402

CASES = int(os.environ.get("DIFFERENTIAL_CASES", "5000"))
CPU_FLAGS = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
ONEDNN_FLOAT16 = "avx512_fp16" in CPU_FLAGS or "amx_fp16" in CPU_FLAGS
"""torch 2.13 convolves float16 with oneDNN where the CPU computes float16 (mkldnn_fp16_device_check)."""
SEED = 20261129


def side(rng: np.random.Generator) -> int:
    """An axis length from 1 to 600, most of them small."""
    return int(rng.choice([rng.integers(1, 9), rng.integers(1, 65), rng.integers(1, 257), rng.integers(1, 601)]))


def image(rng: np.random.Generator, dtype, shape: tuple[int, ...], nonfinite: bool) -> np.ndarray:
    """Uniform [0, 1) floats (or 0..255 for uint8), with a few NaN / +-inf when `nonfinite`."""
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    x = rng.random(shape).astype(dtype)
    if nonfinite:
        flat = x.reshape(-1)
        for value in (np.nan, np.inf, -np.inf):
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
    if rng.integers(2):
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
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 7)), h, w), bool(rng.integers(6) == 0))
    return "interpolate", x, kwargs


def pool_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    h, w = side(rng), side(rng)
    dtype = [np.float32, np.float64, np.float16][rng.integers(3)]
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w), bool(rng.integers(6) == 0))
    if rng.integers(2):
        size = (int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1)))
        return "adaptive_avg_pool2d", x, {"output_size": size}
    kernel = (int(rng.integers(1, min(h, 8) + 1)), int(rng.integers(1, min(w, 8) + 1)))
    kwargs = {"kernel_size": kernel, "stride": (int(rng.integers(1, 6)), int(rng.integers(1, 6))),
              "padding": (int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))),
              "ceil_mode": bool(rng.integers(2)), "count_include_pad": bool(rng.integers(2))}
    if rng.integers(4) == 0:
        kwargs["divisor_override"] = int(rng.integers(1, 30))
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
    x = image(rng, dtype, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w), bool(rng.integers(6) == 0))
    if function == "median_blur":
        return function, x, {"kernel_size": k, "border_type": border}
    kwargs = {"kernel_size": k, "sigma_color": float(rng.uniform(0.05, 1)),
              "sigma_space": (float(rng.uniform(0.5, 3)), float(rng.uniform(0.5, 3))), "border_type": border,
              "color_distance_type": ["l1", "l2"][rng.integers(2)]}
    return function, x, kwargs


def gaussian_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    h, w = side(rng), side(rng)
    dtype = [np.float32, np.float64, np.float16][rng.integers(3)]
    x = image(rng, dtype, (1, int(rng.integers(1, 4)), h, w), bool(rng.integers(6) == 0))
    # float16 only down to 1/4 (13 taps): torch 2.13's oneDNN float16 convolution does not return for 17 taps and
    # more on an AVX512-FP16 CPU (measured: still running after minutes)
    return "anti_alias_interpolation", x, {"scale": 1 / int(rng.integers(1, 5 if dtype == np.float16 else 9))}


def downsample_case(rng: np.random.Generator) -> tuple[str, np.ndarray, dict]:
    method = str(rng.choice((*aa.METHODS, "lanczos")))  # the methods torch has
    step = int(rng.integers(1, 9))
    any_scale = method in ("nearest", "bicubic", "bilinear", "area", "lanczos")
    scale = rng.uniform(0.05, 1) if any_scale and rng.integers(2) else 1 / step
    h, w = max(side(rng), step, int(1 / scale) + 1), max(side(rng), step, int(1 / scale) + 1)
    dtype = [np.float32, np.float64][rng.integers(2)]
    x = image(rng, dtype, (1, int(rng.integers(1, 4)), h, w), bool(rng.integers(6) == 0))
    return "downsample", x, {"scale": float(scale), "method": method}


def reference(function: str, x: np.ndarray, kwargs: dict) -> np.ndarray:
    t = torch.from_numpy(x)
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
        size = tuple(int(n * kwargs["scale"]) for n in x.shape[-2:])
        out = interpolate_as_defined(t, size=size, mode=kwargs["method"], antialias=True)[0]
    elif function == "downsample":
        out = study_pipeline(t, kwargs["scale"], kwargs["method"])[0]
    else:
        out = fomm_anti_alias(t, kwargs["scale"])
    return out.numpy()


MAKERS = (interpolate_case,) * 6 + (pool_case,) * 2 + (window_case, gaussian_case, downsample_case)


def label(function: str, x: np.ndarray, kwargs: dict) -> str:
    mode = kwargs.get("mode", kwargs.get("method", ""))
    aa_tag = "-aa" if kwargs.get("antialias") else ""
    return f"{function}{'-' + mode if mode else ''}{aa_tag} {x.dtype}"


def test_random_calls_equal_torch():
    rng = np.random.default_rng(SEED)
    worst: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    inexact: dict[str, int] = defaultdict(int)  # cases with any value unequal to torch's
    differing: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # values unequal to torch's, values compared
    mismatches = []
    for case in range(CASES):
        function, x, kwargs = MAKERS[rng.integers(len(MAKERS))](rng)
        try:
            expected = reference(function, x, kwargs)
        except (RuntimeError, ValueError):
            continue  # torch refuses it (e.g. an output larger than its limits): nothing to compare
        name = label(function, x, kwargs)
        counts[name] += 1
        try:
            result = getattr(aa, function)(x, **kwargs, channel_axis=-3)  # torch layout, whatever the shape
            error = compare(result, expected)
        except Exception as exc:  # reported with the case, as a mismatch
            mismatches.append(f"case {case}: {function}(x {x.shape} {x.dtype}, **{kwargs}): {exc!r}")
            worst[name] = np.inf
            continue
        worst[name] = max(worst[name], error if np.isfinite(error) else np.inf)
        same_shape = result.shape == expected.shape
        unequal = int(np.sum(result != expected) - np.sum(np.isnan(result) & np.isnan(expected))) if same_shape else 1
        inexact[name] += unequal > 0
        differing[name][0] += unequal
        differing[name][1] += expected.size
        if not error <= tolerance(function, kwargs, expected.dtype, ONEDNN_FLOAT16):
            mismatches.append(f"case {case}: {function}(x {x.shape} {x.dtype}, **{kwargs}): error {error}")
    print(f"\n{sum(counts.values())} cases against torch {torch.__version__} "
          f"({torch.backends.cpu.get_cpu_capability()}), kornia {kornia.__version__}; worst error per function:")
    for name in sorted(counts):
        unequal, compared = differing[name]
        print(f"  {name:45s} {counts[name]:5d} cases  worst {worst[name]:.3g}  inexact in {inexact[name]:4d} cases, "
              f"{unequal / max(compared, 1):.2e} of values")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:3000])
