"""Shared by the tests: the registry of public calls (PUBLIC_CALLS) that the contract, bad-input, layout and thread
tests all run, how a result is compared with torch's, and the tolerance of each dtype."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.bilateral import bilateral_reference
from antialias_np.borders import kept_windows
from antialias_np.gaussian import anti_alias_reference
from antialias_np.median import median_reference

sys.path.insert(0, str(Path(__file__).parent))
from helpers import mounted_tmpfs

FIXTURES = Path(__file__).parent / "fixtures"

settings.register_profile("antialias_np", max_examples=40, deadline=None)  # kernels compile on first call
settings.load_profile("antialias_np")

FLOATS = [np.float32, np.float64]
sides = st.integers(1, 40)


# Images of any shape: callers pass channel_axis=-3, as (2, 1, 1) looks like (H, W, C) and is refused otherwise.
@st.composite
def image_and_size(draw, dtype=np.float32):
    shape = (draw(st.integers(1, 3)), draw(sides), draw(sides))
    size = (draw(sides), draw(sides))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).random(shape).astype(dtype), size

TOLERANCE = {
    np.dtype(np.uint8): 0.0,  # torch's fixed point, bit for bit
    np.dtype(np.float16): 0.0,  # torch's float16 CPU kernels followed step by step (antialias_np/float16.py):
    # measured bit for bit in 20,000 differential cases, but for the convolutions against slow_conv2d (below)
    np.dtype(np.float32): 2e-6,  # measured: 1.6e-6 (the Gaussian) against torch's AVX512 kernels on [0, 1] inputs
    np.dtype(np.float64): 1e-12,  # measured: 2.9e-13
}
"""Largest absolute difference from torch / kornia allowed on [0, 1] inputs, for operations that compute values."""


def pytest_addoption(parser):
    parser.addoption("--differential", action="store_true",
                     help="run tests/test_differential.py against live torch and kornia (the fixtures extra)")


def pytest_ignore_collect(collection_path, config):
    """The default run never imports torch: the fixture scripts (torch's side) are not collected, and the
    differential test only with --differential."""
    if collection_path.name == "fixtures" and collection_path.parent == Path(__file__).parent:
        return True
    return collection_path.name == "test_differential.py" and not config.getoption("--differential")


def pytest_sessionfinish(session, exitstatus):
    """Fail a default run that imported torch (which would hide a missing install step of the test command)."""
    if "torch" in sys.modules and not session.config.getoption("--differential"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nthe default test run imported torch; it must not (see tests/conftest.py)")


SELECTING = {"nearest", "nearest-exact", "subsample", "median", "median_blur"}
"""Operations that select input values: bit-exact in every dtype."""


FLOAT16_CONVOLUTION_ELSEWHERE = 2**-10
"""float16 convolutions (FOMM's Gaussian, gaussian7, gaussian9, binomial) against a live torch that convolves
without oneDNN (CPUs without AVX512-FP16 or AMX-FP16: slow_conv2d, another summation order), relative to the largest
of 1, the output and the image's largest magnitude. Measured: on [0, 1] images one float16 step in 1.5-1.8e-4 of the
outputs, never more; on full-range signed images an output near 0, where taps cancel, up to 76 of its own steps
apart, an absolute 32: 2^-11 of the image's 65504."""


def tolerance(function: str, kwargs: dict, dtype: np.dtype, onednn_float16: bool = True) -> float:
    """The largest difference allowed for `function` on `dtype`; onednn_float16: torch convolves float16 with
    oneDNN, as it did for the fixtures (False for a live torch on a CPU without AVX512-FP16)."""
    names = {function, kwargs.get("mode"), kwargs.get("method")}
    if names & SELECTING or np.dtype(dtype).kind in "iu":
        return 0.0
    if np.dtype(dtype) == np.float16 and function == "anti_alias_interpolation" and not onednn_float16:
        return FLOAT16_CONVOLUTION_ELSEWHERE
    return TOLERANCE[np.dtype(dtype)]


def compare(result: np.ndarray, expected: np.ndarray) -> float:
    """The largest difference over finite values, absolute up to 1 and relative above; inf if the shape, the dtype,
    or the positions of NaN and of each infinity differ."""
    if result.shape != expected.shape or result.dtype != expected.dtype:
        return np.inf
    if expected.dtype.kind == "f":
        if not np.array_equal(np.isnan(result), np.isnan(expected)):
            return np.inf
        infinite = np.isinf(expected)
        if not np.array_equal(np.isinf(result), infinite) or not np.array_equal(result[infinite], expected[infinite]):
            return np.inf
    finite = np.isfinite(expected)
    expected_values = expected[finite].astype(np.float64)
    difference = np.abs(result[finite].astype(np.float64) - expected_values) / np.maximum(np.abs(expected_values), 1)
    return float(np.max(difference, initial=0))


@pytest.fixture(scope="session")
def frames_and_truth():
    """The harness's tests: 8 synthetic study frames (seed 1) and their landmarks."""
    from benchmark.synthetic import synthetic_frames

    return synthetic_frames(8, seed=1)


# ----- The registry of public calls ------------------------------------------------------------------------------
# Every public function of antialias_np (its __all__) with valid arguments, what it takes and what it equals: the
# contract (test_contract.py), bad-input (test_bad_inputs.py), layout (test_layouts.py) and thread (test_threads.py)
# tests all run this one list, so that a function or method added here is held to all of them at once.

INTEGERS = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64")
EVERY_DTYPE = ("float16", "float32", "float64", *INTEGERS)
"""Every real dtype an image may have (bool, complex and the others are refused by every function)."""
WEIGHTED = ("float32", "float64", "uint8")
"""What torch's weighted resampling takes: bilinear, bicubic and lanczos with antialias (no float16 kernel)."""
TORCH_DTYPES = ("float16", "float32", "float64", "uint8")
"""The dtypes the contract and thread tests run each call in, of those it takes (every dtype, the other integers
too, is checked to be kept or refused: test_contract.test_each_dtype_is_kept_or_refused_by_name)."""


class PublicCall(NamedTuple):
    """A public function with valid arguments, and what the tests need to know of it."""

    function: Callable
    arguments: dict
    """Valid keyword arguments: downsample's for the test frames, the work-alikes' for feature maps too (down to the
    2 x 1 pixels of torch's tests, with border_type="replicate" for the filters: test_layouts.py)."""
    image: str | None
    """The function's name for its image argument, which its errors name (None: it takes no image)."""
    dtypes: tuple[str, ...]
    """The dtypes it computes, keeping them; it refuses every other dtype with a TypeError naming `image`."""
    kinds: dict[str, str]
    """The kind of each argument (a key of test_bad_inputs.BAD_VALUES: the bad values it must refuse by name)."""
    equals: Callable[[np.ndarray], np.ndarray] | None = None
    """The public call it is, bit for bit in every dtype, on a torch-layout image (downsample's table)."""
    reference: Callable[[np.ndarray], np.ndarray] | None = None
    """The plain NumPy computation it equals on a float64 image, within test_contract.REFERENCE_TOLERANCE (None:
    torch's outputs are its reference, in tests/test_golden.py and tests/test_differential.py)."""

    def __call__(self, image: object = None, **changes) -> np.ndarray:
        """The call on `image`, with `changes` to its arguments (channel_axis=-1, a bad value, ...)."""
        arguments = {**self.arguments, **changes}
        return self.function(**arguments) if self.image is None else self.function(image, **arguments)


def _quarter_size(x: np.ndarray) -> tuple[int, int]:
    """The study's size at scale 0.25: (int(H * 0.25), int(W * 0.25))."""
    return int(x.shape[-2] * 0.25), int(x.shape[-1] * 0.25)


def _on_grid(x: np.ndarray, kernel: np.ndarray, step: int) -> np.ndarray:
    """Zero-padded correlation with outer(kernel, kernel), kept at every step-th pixel, in float64."""
    return np.einsum("...ij,i,j->...", kept_windows(x.astype(np.float64), (len(kernel),) * 2, "constant", step),
                     kernel, kernel)  # fmt: skip


def _central_gaussian(taps: int) -> np.ndarray:
    """FOMM's Gaussian for scale 0.25 (13 taps) cut to its central `taps`, rescaled to sum 1."""
    cut = (13 - taps) // 2
    central = aa.gaussian_kernel(0.25)[cut : 13 - cut]
    return central / central.sum()


BINOMIAL = np.array([1, 4, 6, 4, 1]) / 16


def _adaptive_means(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """torch's adaptive average pooling written out: output (i, j) is the mean of rows floor(i H / h) to
    ceil((i + 1) H / h) - 1 and the same columns."""
    (height, width), (h, w) = x.shape[-2:], size
    rows = [slice(i * height // h, -(-(i + 1) * height // h)) for i in range(h)]
    cols = [slice(j * width // w, -(-(j + 1) * width // w)) for j in range(w)]
    return np.stack([np.stack([x[..., r, c].mean(axis=(-2, -1)) for c in cols], -1) for r in rows], -2)


DOWNSAMPLE_KINDS = {"scale": "downsample-scale", "method": "choice", "channel_axis": "channel-axis"}
DOWNSAMPLE_OPTION_KINDS = {
    "avgpool": {"kernel_size": "count", "stride": "count", "padding": "padding"},
    "median": {"kernel_size": "odd-kernel", "border_type": "choice"},
    "bilateral": {"kernel_size": "odd-kernel", "sigma_color": "sigma-color", "sigma_space": "sigma-space",
                  "border_type": "choice", "color_distance_type": "choice"},
}  # fmt: skip
DOWNSAMPLE_EQUALS = {
    "gaussian": lambda x: aa.anti_alias_interpolation(x, 0.25),
    "subsample": lambda x: x[..., ::4, ::4],
    "nearest": lambda x: aa.interpolate(x, scale_factor=0.25, mode="nearest"),
    "bicubic": lambda x: aa.interpolate(x, size=_quarter_size(x), mode="bicubic", antialias=True),
    "bilinear": lambda x: aa.interpolate(x, size=_quarter_size(x), mode="bilinear", antialias=True),
    "area": lambda x: aa.interpolate(x, size=_quarter_size(x), mode="area"),
    "avgpool": lambda x: aa.avg_pool2d(x, 4),
    "median": lambda x: aa.median_blur(x, 3)[..., ::4, ::4],
    "bilateral": lambda x: aa.bilateral_blur(x, 5, 0.1, (1.5, 1.5))[..., ::4, ::4],
    "lanczos": lambda x: aa.interpolate(x, size=_quarter_size(x), mode="lanczos", antialias=True),
    "box5": lambda x: aa.avg_pool2d(x, 5, 4, padding=2),
}
"""downsample(x, 0.25, method) is, bit for bit, the call of the table in antialias_np/methods.py."""
DOWNSAMPLE_REFERENCES = {
    "box5": lambda x: kept_windows(x.astype(np.float64), (5, 5), "constant", 4).mean(axis=(-2, -1)),
    "gaussian7": lambda x: _on_grid(x, _central_gaussian(7), 4),
    "gaussian9": lambda x: _on_grid(x, _central_gaussian(9), 4),
    "binomial": lambda x: _on_grid(_on_grid(x, BINOMIAL, 2), BINOMIAL, 2),
}
"""The on-grid methods of antialias_np/ongrid.py as their docstrings state them."""
INTERPOLATE_KINDS = {"mode": "choice", "align_corners": "flag-or-none", "antialias": "flag",
                     "recompute_scale_factor": "flag-or-none", "channel_axis": "channel-axis"}  # fmt: skip
SIZE = (9, 7)
"""interpolate's and the work-alike filters' output size: smaller than the test frames, larger than feature maps."""


def _downsample_dtypes(method: str) -> tuple[str, ...]:
    return {"bicubic": WEIGHTED, "bilinear": WEIGHTED, "lanczos": WEIGHTED, "bilateral": ("float32", "float64")}.get(
        method, EVERY_DTYPE
    )


PUBLIC_CALLS: dict[str, PublicCall] = {
    **{
        f"downsample-{method}": PublicCall(
            aa.downsample, {"scale": 0.25, "method": method}, "image", _downsample_dtypes(method),
            {**DOWNSAMPLE_KINDS, **DOWNSAMPLE_OPTION_KINDS.get(method, {})},
            equals=DOWNSAMPLE_EQUALS.get(method), reference=DOWNSAMPLE_REFERENCES.get(method),
        )
        for method in aa.METHODS + aa.EXTRA_METHODS
    },
    "downsample-size": PublicCall(
        aa.downsample, {"size": (5, 4), "method": "bilinear"}, "image", WEIGHTED,
        {"size": "size", "method": "choice", "channel_axis": "channel-axis"},
        equals=lambda x: aa.interpolate(x, size=(5, 4), mode="bilinear", antialias=True),
    ),
    **{
        f"interpolate-{mode}": PublicCall(
            aa.interpolate, {"size": SIZE, "mode": mode}, "x", EVERY_DTYPE, {"size": "count", **INTERPOLATE_KINDS}
        )
        for mode in ("nearest", "nearest-exact")
    },
    **{
        f"interpolate-{mode}": PublicCall(
            aa.interpolate, {"size": SIZE, "mode": mode}, "x", TORCH_DTYPES, {"size": "count", **INTERPOLATE_KINDS}
        )
        for mode in ("bilinear", "bicubic")
    },
    **{
        f"interpolate-{mode}-antialias": PublicCall(
            aa.interpolate, {"size": (7, 5), "mode": mode, "antialias": True}, "x", WEIGHTED,
            {"size": "count", **INTERPOLATE_KINDS},
        )
        for mode in ("bilinear", "bicubic", "lanczos")
    },
    "interpolate-bicubic-scale_factor": PublicCall(
        aa.interpolate, {"scale_factor": 1.5, "mode": "bicubic"}, "x", TORCH_DTYPES,
        {"scale_factor": "scale-factor", **INTERPOLATE_KINDS},
    ),
    "interpolate-area": PublicCall(
        aa.interpolate, {"size": SIZE, "mode": "area"}, "x", EVERY_DTYPE, {"size": "count", **INTERPOLATE_KINDS},
        equals=lambda x: aa.adaptive_avg_pool2d(x, SIZE),
    ),
    "avg_pool2d": PublicCall(
        aa.avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1}, "x", EVERY_DTYPE,
        {"kernel_size": "count", "stride": "count", "padding": "padding", "ceil_mode": "flag",
         "count_include_pad": "flag", "divisor_override": "divisor", "channel_axis": "channel-axis"},
        reference=lambda x: kept_windows(x, (3, 3), "constant", 2).mean(axis=(-2, -1)),
    ),
    "adaptive_avg_pool2d": PublicCall(
        aa.adaptive_avg_pool2d, {"output_size": SIZE}, "x", EVERY_DTYPE,
        {"output_size": "count", "channel_axis": "channel-axis"}, reference=lambda x: _adaptive_means(x, SIZE),
    ),
    "anti_alias_interpolation": PublicCall(
        aa.anti_alias_interpolation, {"scale": 1 / 3}, "x", EVERY_DTYPE,
        {"scale": "scale", "channel_axis": "channel-axis"}, reference=lambda x: anti_alias_reference(x, 1 / 3),
    ),
    "median_blur": PublicCall(
        aa.median_blur, {"kernel_size": 3}, "x", EVERY_DTYPE,
        {"kernel_size": "odd-kernel", "border_type": "choice", "channel_axis": "channel-axis"},
        reference=lambda x: median_reference(x, 3),
    ),
    "bilateral_blur": PublicCall(
        aa.bilateral_blur, {"kernel_size": 5, "sigma_color": 0.1, "sigma_space": (1.5, 1.5)}, "x",
        ("float32", "float64"),
        {"kernel_size": "odd-kernel", "sigma_color": "sigma-color", "sigma_space": "sigma-space",
         "border_type": "choice", "color_distance_type": "choice", "channel_axis": "channel-axis"},
        reference=lambda x: bilateral_reference(x, 5, 0.1, (1.5, 1.5)),
    ),
    "gaussian_kernel": PublicCall(aa.gaussian_kernel, {"scale": 0.25}, None, (), {"scale": "scale"}),
}  # fmt: skip
"""Every public function of antialias_np with valid arguments, by test id. Each downsample method, each interpolate
mode with and without antialias, by size and by scale_factor, and each work-alike once."""

IMAGE_CALLS = [name for name, call in PUBLIC_CALLS.items() if call.image is not None]
"""The calls that take an image: all but gaussian_kernel."""
WORK_ALIKE_CALLS = [name for name in IMAGE_CALLS if PUBLIC_CALLS[name].function is not aa.downsample]
"""The torch and kornia work-alikes, which read every image in torch layout unless told otherwise."""
DOWNSAMPLE_CALLS = [name for name in IMAGE_CALLS if PUBLIC_CALLS[name].function is aa.downsample]


def random_frames(dtype: str, shape: tuple[int, ...] = (2, 3, 31, 26), seed: int = 7) -> np.ndarray:
    """Random frames of a dtype: floats in [0, 1); integers over [-1000, 1000] where the dtype holds it."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True).astype(dtype)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 256 KiB file system to fill, mounted for the test (helpers.mounted_tmpfs)."""
    with mounted_tmpfs(tmp_path / "small") as folder:
        yield folder
