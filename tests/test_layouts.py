"""Layouts, both ways, for every call of the registry (tests/conftest.py): the torch and kornia work-alikes take every
torch-layout input torch and kornia take (with a warning where it looks like an image as imageio gives it); downsample
refuses a layout the shape contradicts, in either direction, saying what to pass (antialias_np._checks, "Layouts").
That each call gives the same numbers in either layout is in the contract (test_contract.py)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import conftest
import numpy as np
import pytest
from conftest import DOWNSAMPLE_CALLS, PUBLIC_CALLS, WORK_ALIKE_CALLS

import antialias_np as aa

CONFTEST = conftest.__file__

# Feature maps from torch's own tests of interpolate, avg_pool2d and adaptive_avg_pool2d: each has a last axis
# shorter than the two before it, which downsample reads as channels last.
FEATURE_MAPS = [(1, 16, 4, 4), (1, 8, 4, 3), (1, 4, 2, 2), (1, 2, 2, 1), (16, 4, 3), (2, 64, 8, 3)]


def on_small_maps(name: str) -> Callable:
    """The registry's call, with border_type="replicate" where it takes one: its default, reflect, needs 3 x 3 pixels,
    and torch's feature maps go down to 2 x 1."""
    call = PUBLIC_CALLS[name]
    return functools.partial(call, border_type="replicate") if "border_type" in call.kinds else call


@pytest.mark.parametrize("name", WORK_ALIKE_CALLS)
@pytest.mark.parametrize("shape", FEATURE_MAPS)
def test_work_alikes_take_feature_maps_in_torch_layout(name, shape):
    """channel_axis=None is torch layout, as in torch: the result of channel_axis=-3 (torch layout, confirmed)."""
    x, call = np.random.default_rng(3).random(shape).astype(np.float32), on_small_maps(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(x)
    np.testing.assert_array_equal(result, call(x, channel_axis=-3))
    assert result.shape[:-2] == shape[:-2]
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("name", WORK_ALIKE_CALLS)
@pytest.mark.parametrize("shape", [(64, 48, 3), (2, 32, 32, 4), (16, 16, 1)])
def test_work_alikes_warn_where_an_image_looks_channels_last(name, shape):
    """An image as imageio gives it is still read in torch layout, as torch would, but with a warning that names the
    caller's line and says what to pass; channel_axis=-3 or -1 says which layout is meant, and silences it."""
    x, call = np.random.default_rng(4).random(shape).astype(np.float32), on_small_maps(name)
    for channel_axis in (-3, -1):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            call(x, channel_axis=channel_axis)
    with pytest.warns(UserWarning, match=r"looks like \((N, )?H, W, C\), but is read in torch layout") as caught:
        result = call(x)
    assert "channel_axis=-1" in str(caught[0].message) and "channel_axis=-3" in str(caught[0].message)
    assert caught[0].filename == CONFTEST  # the caller's line (PublicCall.__call__), not the package's code
    np.testing.assert_array_equal(result, call(x, channel_axis=-3))


@pytest.mark.parametrize("name", DOWNSAMPLE_CALLS)
@pytest.mark.parametrize("shape", [(512, 512, 3), (64, 48, 4), (2, 32, 32, 3), (32, 32, 1), (64, 64, 5), (40, 48, 8),
                                   (3, 64, 64, 5), (96, 80, 4), (64, 48, 16)])  # fmt: skip
def test_downsample_refuses_channels_last_of_any_channel_count_read_in_torch_layout(name, shape):
    """What imageio, OpenCV and Pillow give, and multi-band images of any channel count, are never read as hundreds of
    narrow planes: (64, 64, 5), a 5-band image, read in torch layout would be 64 planes 5 pixels wide."""
    x = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=r"looks like \((N, )?H, W, C\) .*: pass channel_axis=-1, or channel_axis=-3"):
        PUBLIC_CALLS[name](x)
    result = PUBLIC_CALLS[name](x, channel_axis=-1)
    assert result.shape == np.moveaxis(PUBLIC_CALLS[name](np.moveaxis(x, -1, -3)), -3, -1).shape
    assert result.shape[-1] == shape[-1] and result.shape[:-3] == shape[:-3]
    if shape[-1] >= 4:  # torch layout, confirmed, where the last axis holds the output (a quarter, or 4 for size)
        assert PUBLIC_CALLS[name](x, channel_axis=-3).shape[:-2] == shape[:-2]


@pytest.mark.parametrize("name", DOWNSAMPLE_CALLS)
@pytest.mark.parametrize("shape", [(5, 4, 40, 48), (3, 64, 64), (10, 48, 64), (2, 1, 16, 16)])
def test_downsample_refuses_a_torch_layout_stack_read_as_channels_last(name, shape):
    """(5, 4, 40, 48) is 5 frames of 4 channels: read channels last it would be 5 images 4 rows high with 48
    channels (and (10, 48, 64), ten gray frames, one image 10 rows high)."""
    x = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=r"looks like torch layout .* pass channel_axis=None or -3"):
        PUBLIC_CALLS[name](x, channel_axis=-1)
    plane = PUBLIC_CALLS[name](np.zeros(shape[-2:], np.float32))
    assert PUBLIC_CALLS[name](x).shape == (*shape[:-2], *plane.shape)  # planes of (H, W) on the last two axes


@pytest.mark.parametrize("method", ["bilinear", "subsample"])
@pytest.mark.parametrize("shape", [(3, 256, 256), (2, 4, 40, 48), (64, 64, 64), (6, 20, 20), (1, 16, 16)])
def test_downsample_reads_a_shape_that_fits_torch_layout_or_neither_as_given(method, shape):
    x = np.zeros(shape, np.float32)
    assert aa.downsample(x, 0.25, method).shape == (*shape[:-2], shape[-2] // 4, shape[-1] // 4)


@pytest.mark.parametrize("method", ["bilinear", "subsample"])
@pytest.mark.parametrize("shape", [(256, 256, 3), (2, 40, 48, 4), (64, 64, 64), (20, 20, 6), (16, 16, 1)])
def test_downsample_reads_a_shape_that_fits_channels_last_or_neither_as_given(method, shape):
    x = np.zeros(shape, np.float32)
    result = aa.downsample(x, 0.25, method, channel_axis=-1)
    assert result.shape == (*shape[:-3], shape[-3] // 4, shape[-2] // 4, shape[-1])


def test_a_loop_over_colour_and_gray_images_needs_no_special_case():
    images = [np.zeros((64, 48, 3), np.uint8), np.zeros((64, 48), np.uint8), np.zeros((64, 48, 4), np.uint8)]
    shapes = [aa.downsample(image, 0.25, "bilinear", channel_axis=-1).shape for image in images]
    assert shapes == [(16, 12, 3), (16, 12), (16, 12, 4)]


def test_the_first_example_gives_a_quarter_size_rgb_image():
    assert aa.downsample(np.zeros((512, 512, 3), np.uint8), 0.25, channel_axis=-1).shape == (128, 128, 3)


@pytest.mark.parametrize("shape", [(2, 40, 3), (1, 2, 6, 3), (3, 40, 4)])
@pytest.mark.parametrize("method", ["area", "bilinear", "nearest"])
def test_channels_last_as_said_with_an_image_files_channel_count(shape, method):
    """downsample takes channel_axis=-1 as said where the last axis holds 1 to 4 channels, as every image file does,
    though a strip of 2 x 40 RGB pixels would read as torch layout too: the torch-layout call on the same pixels."""
    image = np.random.default_rng(1).random(shape).astype(np.float32)
    torch_layout = np.ascontiguousarray(np.moveaxis(image, -1, -3))
    expected = np.moveaxis(aa.downsample(torch_layout, 0.5, method, channel_axis=-3), -3, -1)
    np.testing.assert_array_equal(aa.downsample(image, 0.5, method, channel_axis=-1), expected)
