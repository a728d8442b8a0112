"""The selection of every 2nd, 3rd or 4th column by vectors (separable._gather_every, _simd.strided_vector) against
NumPy's slicing: rows wide and narrow around the vector width, every start and alignment of the rows, each size of
value, through the plan that subsample and nearest use."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.separable import VECTOR_STEPS, gather_plan

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
