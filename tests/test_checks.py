"""_checks.py: the checks every public function shares. Images (array-likes read, what is not an array refused by
name, native byte order), numbers and flags as torch and kornia spell them, the layout rule, and 1/n read from its
6 significant digits."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image  # imageio's dependency, so always there

import antialias_np as aa
from antialias_np import _checks

REPOSITORY = Path(__file__).resolve().parents[1]
FRAME = np.random.default_rng(0).random((2, 3, 32, 24)).astype(np.float32)


def test_a_pil_image_gives_the_numpy_result():
    photo = (np.random.default_rng(1).random((40, 36, 3)) * 255).astype(np.uint8)
    for pil, array in ((Image.fromarray(photo), photo), (Image.fromarray(photo[..., 0]), photo[..., 0])):
        result = aa.downsample(pil, 0.25, "bilinear", channel_axis=-1)
        assert type(result) is np.ndarray
        np.testing.assert_array_equal(result, aa.downsample(array, 0.25, "bilinear", channel_axis=-1))
    with pytest.raises(ValueError, match="pass channel_axis=-1"):  # a PIL image is channels last
        aa.downsample(Image.fromarray(photo), 0.25)


@pytest.mark.parametrize("mode", ["P", "PA", "CMYK", "YCbCr", "LAB", "HSV"])
def test_a_pil_image_of_values_that_are_not_pixels_is_refused(mode):
    """np.asarray gives palette indices or CMYK inks, which downsampled as channels would give a wrong image."""
    photo = Image.fromarray((np.random.default_rng(1).random((40, 36, 3)) * 255).astype(np.uint8))
    with pytest.raises(TypeError, match=rf"image is a PIL image of mode '{mode}'.*image\.convert\('RGB'\)"):
        aa.downsample(photo.convert(mode), 0.25, "bilinear", channel_axis=-1)


TORCH_TENSORS = """
import numpy as np, torch
import antialias_np as aa
x = np.random.default_rng(2).random((2, 3, 32, 24)).astype(np.float32)
for tensor in (torch.from_numpy(x), torch.from_numpy(x).permute(0, 2, 3, 1)):
    axis = -1 if tensor.shape[-1] == 3 else None
    result = aa.downsample(tensor, 0.25, "bilinear", channel_axis=axis)
    assert type(result) is np.ndarray, type(result)
    np.testing.assert_array_equal(result, aa.downsample(tensor.numpy(), 0.25, "bilinear", channel_axis=axis))
    assert type(aa.interpolate(tensor, size=(5, 4), channel_axis=axis)) is np.ndarray
try:
    aa.downsample(torch.from_numpy(x).requires_grad_(), 0.25)
except TypeError as error:
    assert str(error).startswith("image must be an image array"), error
else:
    raise AssertionError("a tensor that requires grad was read")
"""


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch (the fixtures extra)")
def test_a_torch_cpu_tensor_gives_the_numpy_result():
    """In a fresh Python: the default test run never imports torch (conftest.py)."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run([sys.executable, "-c", TORCH_TENSORS], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("bad", "match"), [
    (None, "got NoneType"), ("photo.png", "imageio.v3.imread"), (Path("photo.png"), "imageio.v3.imread"),
    ([[0.5, 0.5], [0.5]], "np.asarray cannot read"), ([[object()]], "Python objects"),
])  # fmt: skip
def test_what_is_not_an_array_is_refused_by_name(bad, match):
    with pytest.raises(TypeError, match=match) as error:
        aa.downsample(bad, 0.25)
    assert str(error.value).startswith("image must be an image array")


def test_every_1_over_n_written_to_6_digits_is_read_as_that_step():
    """For every step downsample takes (up to 2**16): 1/n rounded to 6 significant digits gives step n, and 1/n
    rounded to 5 digits is refused where that is more than the tolerance away (0.33333, 0.16667, 0.14286)."""
    steps = np.arange(1, 2**16 + 1)
    for n in steps:
        assert _checks.step_of(float(f"{1 / n:.6g}")) == n
    five_digits = [float(f"{1 / n:.5g}") for n in (3, 6, 7, 9)]  # 1e-5 to 2e-5 from 1/n
    assert [_checks.step_of(scale) for scale in five_digits] == [None] * 4


def test_border_type_is_read_in_any_case_as_kornia_does():
    for upper, lower in (("REFLECT", "reflect"), ("Replicate", "replicate"), ("CONSTANT", "constant")):
        np.testing.assert_array_equal(aa.median_blur(FRAME, 3, upper), aa.median_blur(FRAME, 3, lower))
        np.testing.assert_array_equal(aa.bilateral_blur(FRAME, 5, 0.1, 1.5, upper),
                                      aa.bilateral_blur(FRAME, 5, 0.1, 1.5, lower))  # fmt: skip
        np.testing.assert_array_equal(aa.downsample(FRAME, 0.25, "median", border_type=upper),
                                      aa.downsample(FRAME, 0.25, "median", border_type=lower))  # fmt: skip


def test_whole_float_kernel_sizes_are_cast_to_int_as_kornia_does():
    np.testing.assert_array_equal(aa.median_blur(FRAME, (3.0, 5.0)), aa.median_blur(FRAME, (3, 5)))
    np.testing.assert_array_equal(aa.median_blur(FRAME, 3.0), aa.median_blur(FRAME, 3))
    np.testing.assert_array_equal(aa.median_blur(FRAME, np.float32(5)), aa.median_blur(FRAME, 5))
    np.testing.assert_array_equal(aa.bilateral_blur(FRAME, (5.0, 3.0), 0.1, 1.5),
                                  aa.bilateral_blur(FRAME, (5, 3), 0.1, 1.5))  # fmt: skip
    with pytest.raises(ValueError, match=r"kernel_size must be a whole number, got 3\.5"):  # kornia truncates to 3
        aa.median_blur(FRAME, (3.5, 3.5))


def test_numpy_bools_and_numbers_are_accepted():
    expected = aa.interpolate(FRAME, size=(7, 5), mode="bilinear", align_corners=False, antialias=True)
    result = aa.interpolate(FRAME, size=(np.int64(7), np.uint8(5)), mode="bilinear", align_corners=np.bool_(False),
                            antialias=np.bool_(True))  # fmt: skip
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(aa.avg_pool2d(FRAME, 3, ceil_mode=np.bool_(True), count_include_pad=np.bool_(False)),
                                  aa.avg_pool2d(FRAME, 3, ceil_mode=True, count_include_pad=False))  # fmt: skip
    np.testing.assert_array_equal(aa.downsample(FRAME, np.float32(0.25)), aa.downsample(FRAME, 0.25))


def test_empty_channel_axes_follow_torch():
    """torch and kornia give an empty result for area, adaptive pooling and the median; interpolate's other modes,
    avg_pool2d, FOMM's grouped convolution and kornia's bilateral filter refuse it."""
    empty = np.zeros((1, 0, 16, 12), np.float32)
    assert aa.adaptive_avg_pool2d(empty, (4, 3)).shape == (1, 0, 4, 3)
    assert aa.interpolate(empty, size=(4, 3), mode="area").shape == (1, 0, 4, 3)
    assert aa.median_blur(empty, 3).shape == (1, 0, 16, 12)
    assert aa.downsample(np.zeros((8, 8, 0)), 0.5, "median", channel_axis=-1).shape == (4, 4, 0)
    for call in (lambda: aa.interpolate(empty, size=4, mode="bilinear"), lambda: aa.avg_pool2d(empty, 2),
                 lambda: aa.anti_alias_interpolation(empty, 0.5), lambda: aa.bilateral_blur(empty, 5, 0.1, 1.5)):
        with pytest.raises(ValueError, match="at least one channel"):
            call()


shapes = st.lists(st.integers(0, 40), min_size=3, max_size=4).map(tuple)


@given(shapes)
def test_no_shape_contradicts_both_layouts(shape):
    """So the rule never refuses an image both ways: one of channel_axis=None and -1 always takes it."""
    refused = [_checks.contradicts_layout(shape, channels_last) for channels_last in (False, True)]
    assert refused != [True, True]


def test_a_native_array_is_taken_as_it_is_and_another_byte_order_converted():
    native = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert _checks.check_image(native) is native  # no copy
    big_endian = native.astype(native.dtype.newbyteorder(">" if sys.byteorder == "little" else "<"))
    checked = _checks.check_image(big_endian)
    assert checked.dtype == np.float32 and checked.dtype.isnative  # kernels only ever see native order
    np.testing.assert_array_equal(checked, native)
    assert not big_endian.dtype.isnative  # the caller's array as it was


class Tagged(np.ndarray):
    """A subclass, as np.matrix or np.memmap are, whose operators need not be NumPy's."""


def test_a_subclass_is_read_as_a_plain_array():
    tagged = np.arange(6.0).reshape(2, 3).view(Tagged)
    checked = _checks.check_image(tagged)
    assert type(checked) is np.ndarray
    np.testing.assert_array_equal(checked, tagged)


def test_an_integer_of_thousands_of_digits_is_named_by_its_size():
    with pytest.raises(ValueError, match=r"size must be in \[1, 16777216\], got an integer of 16610 bits"):
        _checks.check_int(10**5000, "size", minimum=1)


def test_the_layout_warning_names_the_callers_line():
    """However deep the package's own calls go, the warning points at the user's call."""
    with pytest.warns(UserWarning, match=r"looks like \(H, W, C\)") as warned:
        aa.interpolate(np.zeros((32, 32, 3), np.float32), size=(8, 8))
    assert warned[0].filename == __file__


def test_a_scale_within_the_tolerance_of_1_over_n_is_exactly_1_over_n():
    assert _checks.check_step_scales((0.333333, 0.142857)) == (1 / 3, 1 / 7)
    assert _checks.check_step_scales(0.3) == (0.3, 0.3)  # no step near: kept as given
