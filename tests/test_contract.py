"""The contract every public function keeps, checked on each in turn (as kornia's shared tester does): the same
numbers in either layout, its dtype kept, array-likes read as np.asarray reads them into NumPy results, an (H, W)
image taken with channel_axis=-1, bad input refused by the argument's name, the input never modified, and the same
numbers on one Numba thread or several."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import antialias_np as aa

# Every public function with valid arguments; name -> (call(x, channel_axis), the dtypes it takes, its image's name).
PUBLIC = {
    **{f"downsample-{m}": (lambda x, axis, m=m: aa.downsample(x, 0.25, m, channel_axis=axis),
                           ("float32", "float64") if m == "bilateral" else ("float32", "float64", "uint8"), "image")
       for m in aa.METHODS + aa.EXTRA_METHODS},
    **{f"interpolate-{mode}": (lambda x, axis, mode=mode: aa.interpolate(x, size=(9, 7), mode=mode, channel_axis=axis),
                               ("float32", "float64", "uint8", "float16"), "x")
       for mode in ("nearest", "nearest-exact", "bilinear", "bicubic", "area")},
    "interpolate-lanczos": (lambda x, axis: aa.interpolate(x, scale_factor=0.3, mode="lanczos", antialias=True,
                                                           channel_axis=axis), ("float32", "float64", "uint8"), "x"),
    "avg_pool2d": (lambda x, axis: aa.avg_pool2d(x, 3, 2, 1, channel_axis=axis), ("float32", "float64", "uint8"), "x"),
    "adaptive_avg_pool2d": (lambda x, axis: aa.adaptive_avg_pool2d(x, (5, 7), channel_axis=axis),
                            ("float32", "float64", "uint8"), "x"),
    "anti_alias_interpolation": (lambda x, axis: aa.anti_alias_interpolation(x, 1 / 3, channel_axis=axis),
                                 ("float32", "float64", "uint8"), "x"),
    "median_blur": (lambda x, axis: aa.median_blur(x, 3, channel_axis=axis), ("float32", "float64", "uint8"), "x"),
    "bilateral_blur": (lambda x, axis: aa.bilateral_blur(x, 5, 0.1, (1.5, 1.5), channel_axis=axis),
                       ("float32", "float64"), "x"),
}


def frames(dtype: str, shape: tuple[int, ...] = (2, 3, 31, 26)) -> np.ndarray:
    values = np.random.default_rng(7).random(shape)
    return (values * 255).astype(dtype) if dtype == "uint8" else values.astype(dtype)


@pytest.mark.parametrize("name", list(PUBLIC))
def test_layouts_dtypes_and_the_input(name):
    call, dtypes, _ = PUBLIC[name]
    for dtype in dtypes:
        x = frames(dtype)
        channels_last = np.ascontiguousarray(np.moveaxis(x, -3, -1))
        before = x.copy(), channels_last.copy()
        torch_layout = call(x, None)
        assert torch_layout.dtype == x.dtype, dtype
        np.testing.assert_array_equal(np.moveaxis(call(channels_last, -1), -1, -3), torch_layout)
        np.testing.assert_array_equal(x, before[0])
        np.testing.assert_array_equal(channels_last, before[1])


class ArrayLike:
    """An object that only np.asarray can read (as a torch CPU tensor, a PIL image, a dask or xarray array are)."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)


@pytest.mark.parametrize("name", list(PUBLIC))
def test_array_likes_give_the_numpy_result(name):
    call, dtypes, _ = PUBLIC[name]
    for dtype in dtypes:
        x = frames(dtype)
        expected = call(x, None)
        for like in (ArrayLike(x), memoryview(x)):
            result = call(like, None)
            assert type(result) is np.ndarray and result.dtype == x.dtype, (type(like), dtype)
            np.testing.assert_array_equal(result, expected)
    x = frames("float64")
    np.testing.assert_array_equal(call(x.tolist(), None), call(x, None))  # nested lists of floats: float64


@pytest.mark.parametrize("name", list(PUBLIC))
def test_a_gray_image_is_one_channel_with_channel_axis_minus_1(name):
    """A loop over colour and gray images passes channel_axis=-1 to both: (H, W) is read as it is."""
    call, dtypes, _ = PUBLIC[name]
    gray = frames(dtypes[0], (31, 26))
    np.testing.assert_array_equal(call(gray, -1), call(gray, None))
    colour = np.ascontiguousarray(np.moveaxis(frames(dtypes[0], (3, 31, 26)), 0, -1))
    assert call(colour, -1).shape[:-1] == call(gray, -1).shape


@pytest.mark.parametrize("name", list(PUBLIC))
def test_bad_input_is_refused_by_name(name):
    call, _, image = PUBLIC[name]
    for bad, error in (([[0.5, 0.5], [0.5]], TypeError), ("frame.png", TypeError), (None, TypeError),
                       (frames("float32").astype(bool), TypeError),
                       (np.zeros((4, 4, 4, 4, 4), np.float32), ValueError)):  # fmt: skip
        with pytest.raises(error, match=rf"\b{image}\b"):
            call(bad, None)


@pytest.mark.parametrize("name", list(PUBLIC))
def test_one_thread_or_many_give_the_same_numbers(name):
    call, dtypes, _ = PUBLIC[name]
    x = frames(dtypes[0], (8, 3, 256, 256))  # large enough to go parallel when CPUs are free
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = call(x, None)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(call(x, None), single)
    finally:
        numba.set_num_threads(threads)
