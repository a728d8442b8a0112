"""gather.py: the selection of rows and columns against NumPy's indexing, channels last bit for bit as in torch
layout; every 2nd, 3rd or 4th column by vectors (gather._gather_every, _simd.strided_vector) against NumPy's slicing:
rows wide and narrow around the vector width, every start and alignment of the rows, each size of value, through the
plan that subsample and nearest use."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.gather import REPEATS, UNSIGNED_OF_SIZE, VECTOR_STEPS, GatherPlan, _gather_repeated, gather_plan

DTYPES = [np.uint8, np.int16, np.float16, np.float32, np.float64, np.uint64]


@given(
    dtype=st.sampled_from(DTYPES),
    planes=st.integers(1, 3),
    height=st.integers(1, 9),
    width=st.integers(1, 300),  # up to several vectors of the narrowest values (64 uint8 per 512 bits, x 4)
    step=st.sampled_from(VECTOR_STEPS),
    first_col=st.integers(0, 7),
    offset=st.integers(0, 15),  # values the image starts after an aligned address: every alignment of the rows
    seed=st.integers(0, 2**32 - 1),
)
def test_every_nth_column_equals_numpy_slicing(dtype, planes, height, width, step, first_col, offset, seed):
    first_col = min(first_col, width - 1)
    rng = np.random.default_rng(seed)
    storage = rng.integers(0, 2**16, planes * height * width + 64, dtype=np.uint64).view(np.uint8)
    start = (-storage.ctypes.data) % 64 + offset * np.dtype(dtype).itemsize
    x = storage[start:].view(dtype)[: planes * height * width].reshape(planes, height, width)
    rows = rng.integers(0, height, rng.integers(1, 2 * height + 1))
    cols = np.arange(first_col, width, step)
    plan = gather_plan(ImageSpec(x.shape, x.dtype), rows, cols)
    bits = f"u{x.itemsize}"  # NaN payloads are copied: compare the bits
    np.testing.assert_array_equal(plan(x).view(bits), x[:, rows][..., first_col::step].view(bits))


def test_study_frame_subsample_and_nearest_equal_numpy_slicing():
    """The 3 x 256 x 256 frame at 1/2, 1/3 and 1/4, float32 and uint8, (C, H, W) and (N, C, H, W); nearest keeps
    int(256 / n) of the pixels subsample keeps (85 of 86 at 1/3)."""
    frame = np.random.default_rng(1).random((3, 256, 256), dtype=np.float32)
    for x in (frame, (frame * 255).astype(np.uint8), frame[None]):
        for step in VECTOR_STEPS:
            kept, side = x[..., ::step, ::step], 256 // step
            np.testing.assert_array_equal(aa.downsample(x, 1 / step, "subsample"), kept)
            np.testing.assert_array_equal(aa.downsample(x, 1 / step, "nearest"), kept[..., :side, :side])


SELECTION_VIEWS = ("contiguous", "one image", "rows reversed", "channels reversed", "every 2nd column",
                   "Fortran order", "big-endian", "read-only", "empty batch")


def selection_view(x: np.ndarray, view: str) -> np.ndarray:
    """The values of x, (N, H, W, C), in one of SELECTION_VIEWS."""
    if view == "read-only":
        x = x.copy()
        x.flags.writeable = False
        return x
    return {"contiguous": x, "one image": x[0], "rows reversed": x[:, ::-1], "channels reversed": x[..., ::-1],
            "every 2nd column": x[:, :, ::2], "Fortran order": np.asfortranarray(x),
            "big-endian": x.astype(x.dtype.newbyteorder(">")), "empty batch": x[:0]}[view]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.float16, np.int64])
@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("view", SELECTION_VIEWS)
def test_channels_last_selection_copies_the_bits_of_the_torch_layout_result(dtype, channels, view):
    """Channels-last subsample (every 4th pixel: a strided row) and nearest at 0.3 (indices) copy whole pixels: bit
    for bit, NaN payloads included, the torch-layout result of the same values; the input is left as it was."""
    rng = np.random.default_rng(5)
    x = (rng.random((2, 37, 41, channels)) * 200).astype(dtype)
    if dtype in (np.float32, np.float16):
        x.view(UNSIGNED_OF_SIZE[x.itemsize])[0, 3, 5, 0] |= 0x7C01 if dtype == np.float16 else 0x7F800001  # a NaN
    x = selection_view(x, view)
    before = x.copy()
    for method, scale in (("subsample", 0.25), ("nearest", 0.3)):
        result = aa.downsample(x, scale, method, channel_axis=-1)
        torch_layout = aa.downsample(np.ascontiguousarray(np.moveaxis(x, -1, -3)), scale, method, channel_axis=-3)
        assert result.flags.c_contiguous and result.dtype == x.dtype.newbyteorder("=")
        bits = UNSIGNED_OF_SIZE[x.itemsize]
        np.testing.assert_array_equal(result.view(bits), np.moveaxis(torch_layout, -3, -1).view(bits))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(aa.downsample(x, 0.25, "subsample", channel_axis=-1), x[..., ::4, ::4, :])


def test_channels_last_subsample_of_no_channels_is_empty():
    assert aa.downsample(np.zeros((9, 9, 0), np.float32), 0.25, "subsample", channel_axis=-1).shape == (3, 3, 0)


@st.composite
def index_lists(draw, n):
    """Indices into an axis of length n: evenly spaced (a slice) or any (the kernel's gather)."""
    if draw(st.booleans()):
        start = draw(st.integers(0, n - 1))
        return np.arange(start, n, draw(st.integers(1, n)))[: draw(st.integers(1, n))]
    return np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)), np.int64)


@given(data=st.data(), dtype=st.sampled_from([np.float16, np.float32, np.uint8, np.int64]), channels=st.integers(1, 5))
def test_gather_equals_numpy_indexing(data, dtype, channels):
    """In torch layout and channels last (the kernel, through indices or a strided row)."""
    x = (np.random.default_rng(0).random((2, channels, 9, 11)) * 100).astype(dtype)
    rows, cols = data.draw(index_lists(9)), data.draw(index_lists(11))
    plan = gather_plan(ImageSpec(x.shape, x.dtype), rows, cols)
    channels_last = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    torch_layout_case = (plan(x), x[..., rows[:, None], cols])
    channels_last_case = (plan.on_channels_last()(channels_last), channels_last[:, rows[:, None], cols])
    for result, expected in (torch_layout_case, channels_last_case):
        np.testing.assert_array_equal(result, expected)
        assert result.dtype == x.dtype and result.flags.c_contiguous and not np.shares_memory(result, x)


@given(
    dtype=st.sampled_from(DTYPES),
    repeat=st.sampled_from(REPEATS),
    height=st.integers(1, 6),
    width=st.integers(1, 200),
    first_col=st.integers(0, 5),
    extra=st.integers(0, 3),  # outputs past whole runs: a last input column taken fewer times
    row_repeat=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_each_column_repeated_equals_numpy_indexing(dtype, repeat, height, width, first_col, extra, row_repeat, seed):
    """Nearest upsampling by 2, 3 or 4: each column `repeat` times by vectors (gather._gather_repeated), and each
    input row `row_repeat` times, the repeated rows copied from the row made before."""
    first_col = min(first_col, width - 1)
    runs = width - first_col
    cols = first_col + np.arange(runs * repeat - (extra if runs > 1 else 0) % repeat) // repeat
    rows = np.repeat(np.arange(height), row_repeat)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**16, (2, height, width * np.dtype(dtype).itemsize), dtype=np.uint64).astype(np.uint8)
    x = x.view(dtype).reshape(2, height, width)
    plan = gather_plan(ImageSpec(x.shape, x.dtype), rows, cols)
    assert isinstance(plan, GatherPlan) and plan._kernel.__name__ == _gather_repeated.__name__
    bits = f"u{x.itemsize}"  # NaN payloads are copied: compare the bits
    np.testing.assert_array_equal(plan(x).view(bits), x[:, rows[:, None], cols].view(bits))

