"""The contract every public call keeps on good input, checked on each call of the registry (tests/conftest.py,
PUBLIC_CALLS) in turn, as kornia's shared tester and numbagg's COMPARISONS do: the dtypes it takes kept (the others
refused by name), the numbers of the call or reference it equals, the same numbers in either layout and for (H, W),
(C, H, W) and (N, C, H, W), array-likes and awkward memory layouts read as NumPy reads them, the input never modified
and the result a new array, and empty batches as torch gives them.

Refusals of bad input are in test_bad_inputs.py, the rules that tell the layouts apart in test_layouts.py, threads in
test_threads.py."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import DOWNSAMPLE_CALLS, EVERY_DTYPE, IMAGE_CALLS, PUBLIC_CALLS, TORCH_DTYPES, random_frames, tolerance
from helpers import AWKWARD_LAYOUTS, awkward_layouts

import antialias_np as aa
from antialias_np.resample import MODES


def contract_dtypes(name: str) -> list[str]:
    """The dtypes of torch's (float16, float32, float64, uint8) that the call takes."""
    return [dtype for dtype in TORCH_DTYPES if dtype in PUBLIC_CALLS[name].dtypes]


def test_the_registry_holds_every_public_function_method_and_mode():
    """So that a function, a downsample method or an interpolate mode added to the package is held to every test of
    the contract until it is registered (tests/conftest.py)."""
    functions = {name for name in aa.__all__ if callable(getattr(aa, name))}
    assert {call.function.__name__ for call in PUBLIC_CALLS.values()} == functions
    arguments = [call.arguments for call in PUBLIC_CALLS.values()]
    assert {a["method"] for a in arguments if "method" in a} == set(aa.METHODS + aa.EXTRA_METHODS)
    assert {a["mode"] for a in arguments if "mode" in a} == set(MODES)


# ----- dtypes and values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMAGE_CALLS)
@pytest.mark.parametrize("dtype", EVERY_DTYPE)
def test_each_dtype_is_kept_or_refused_by_name(name, dtype):
    """bilinear, bicubic and lanczos take uint8 as the only integers (as torch), bilateral floats only (sigma_color is
    in the image's units), and the others every integer too."""
    call, x = PUBLIC_CALLS[name], random_frames(dtype)
    if dtype in call.dtypes:
        assert call(x).dtype == dtype
    else:
        with pytest.raises(TypeError, match=re.escape(f"dtype {dtype}")) as info:
            call(x)
        assert str(info.value).startswith(f"{call.image} ") or f"({call.image} " in str(info.value)


@pytest.mark.parametrize("name", [name for name in IMAGE_CALLS if PUBLIC_CALLS[name].equals])
def test_equals_the_call_of_the_table_bit_for_bit(name):
    call = PUBLIC_CALLS[name]
    for dtype in contract_dtypes(name):
        x = random_frames(dtype)
        np.testing.assert_array_equal(call(x), call.equals(x), err_msg=dtype, strict=True)


REFERENCE_TOLERANCE = 2e-15
"""Largest difference from a plain NumPy reference in float64 on [0, 1) inputs, for calls that compute values: measured
6.7e-16 at most (bilateral_blur; 2.2e-16 to 3.3e-16 for the others), over 10 random frames on an Intel Xeon with
AVX-512. Calls that select values (the median) equal theirs exactly."""


@pytest.mark.parametrize("name", [name for name in IMAGE_CALLS if PUBLIC_CALLS[name].reference])
def test_equals_its_plain_numpy_reference(name):
    call, x = PUBLIC_CALLS[name], random_frames("float64")
    selects = tolerance(call.function.__name__, call.arguments, x.dtype) == 0
    difference = np.max(np.abs(call(x) - call.reference(x)))
    assert difference <= (0 if selects else REFERENCE_TOLERANCE), difference


# ----- layouts and shapes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_channels_last_gives_the_torch_layout_numbers(name):
    """channel_axis=-1 or 3 on (N, H, W, C), -1 on (H, W, C): the torch-layout result moved, C-contiguous; -3 and 0
    say torch layout; and neither the input nor its channels-last copy is modified."""
    call = PUBLIC_CALLS[name]
    for dtype in contract_dtypes(name):
        x = random_frames(dtype)
        channels_last = np.ascontiguousarray(np.moveaxis(x, -3, -1))
        before = x.copy(), channels_last.copy()
        expected = call(x)
        for channel_axis in (-1, 3):
            result = call(channels_last, channel_axis=channel_axis)
            np.testing.assert_array_equal(np.moveaxis(result, -1, -3), expected, err_msg=dtype, strict=True)
            assert result.flags.c_contiguous, dtype
        np.testing.assert_array_equal(np.moveaxis(call(channels_last[0], channel_axis=-1), -1, 0), expected[0])
        np.testing.assert_array_equal(call(x, channel_axis=-3), expected)
        np.testing.assert_array_equal(call(x[0], channel_axis=0), expected[0])
        np.testing.assert_array_equal(x, before[0])
        np.testing.assert_array_equal(channels_last, before[1])


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_a_gray_image_is_one_channel_with_channel_axis_minus_1(name):
    """A loop over colour and gray images passes channel_axis=-1 to both: (H, W) is read as it is."""
    call = PUBLIC_CALLS[name]
    gray = random_frames(call.dtypes[0], (31, 26))
    np.testing.assert_array_equal(call(gray, channel_axis=-1), call(gray))
    colour = np.ascontiguousarray(np.moveaxis(random_frames(call.dtypes[0], (3, 31, 26)), 0, -1))
    assert call(colour, channel_axis=-1).shape[:-1] == call(gray, channel_axis=-1).shape


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_hw_chw_and_nchw_agree(name):
    """Each frame, and each plane, is computed alone (but bilateral's colour distance, which couples the channels:
    one channel alone is another image)."""
    call, x = PUBLIC_CALLS[name], random_frames("float32")
    batch = call(x)
    np.testing.assert_array_equal(call(x[1]), batch[1])
    if "bilateral" not in name:
        np.testing.assert_array_equal(call(x[1, 2]), batch[1, 2])


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_empty_batches_give_empty_results_as_torch(name):
    call = PUBLIC_CALLS[name]
    result = call(np.zeros((0, 3, 16, 12), np.float32))
    assert result.shape[:2] == (0, 3) and result.dtype == np.float32
    assert result.shape[2:] == call(np.zeros((1, 3, 16, 12), np.float32)).shape[2:]


# ----- what the input may be, and what becomes of it -------------------------------------------------------------


class ArrayLike:
    """An object that only np.asarray can read (as a torch CPU tensor, a PIL image, a dask or xarray array are)."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)


@pytest.mark.parametrize("name", IMAGE_CALLS)
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_array_likes_give_the_numpy_result(name):
    """Objects np.asarray reads, memoryviews, nested lists (of floats: float64) and ndarray subclasses (np.matrix)
    give the NumPy array's result, as a plain ndarray (masked arrays are refused: test_bad_inputs.py)."""
    call = PUBLIC_CALLS[name]
    for dtype in contract_dtypes(name):
        x = random_frames(dtype)
        expected = call(x)
        for like in (ArrayLike(x), memoryview(x)):
            result = call(like)
            assert type(result) is np.ndarray and result.dtype == x.dtype, (type(like), dtype)
            np.testing.assert_array_equal(result, expected)
    x = random_frames("float64")
    np.testing.assert_array_equal(call(x.tolist()), call(x), strict=True)
    result = call(np.asmatrix(x[0, 0]))
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, call(x[0, 0]))


@pytest.mark.parametrize("name", IMAGE_CALLS)
@pytest.mark.parametrize("layout", AWKWARD_LAYOUTS)
def test_awkward_memory_layouts_give_the_contiguous_result(name, layout):
    frames = random_frames("float32")
    x = awkward_layouts(frames)[layout]
    before = x.copy()
    result = PUBLIC_CALLS[name](x)
    np.testing.assert_array_equal(result, PUBLIC_CALLS[name](frames))
    np.testing.assert_array_equal(x, before)  # never modified
    assert result.dtype.isnative


@pytest.mark.parametrize("name", IMAGE_CALLS)
def test_the_result_is_a_new_array(name):
    x = random_frames("float32")
    assert not np.shares_memory(PUBLIC_CALLS[name](x), x)


@pytest.mark.parametrize("name", [name for name in DOWNSAMPLE_CALLS if "scale" in PUBLIC_CALLS[name].arguments])
def test_scale_one_gives_a_new_array(name):
    x = random_frames("float32")
    result = PUBLIC_CALLS[name](x, scale=1.0)
    assert not np.shares_memory(result, x)
    assert result.flags.c_contiguous
