"""borders.py: each border rule maps the indices outside an axis as np.pad reads them, and the window tables the
kernels read through gather the windows the plain-NumPy references cut from the np.pad-ed image."""

from __future__ import annotations

import numpy as np
import pytest

from antialias_np.borders import NUMPY_PAD_MODES, border_index, edge_windows, kept_windows, window_table

BORDER_TYPES = tuple(NUMPY_PAD_MODES)


@pytest.mark.parametrize("border_type", BORDER_TYPES)
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_indices_outside_are_those_np_pad_reads(border_type, n):
    pad = n - 1 if border_type == "reflect" else n  # the longest pad torch allows: reflect < n, circular <= n
    values = np.arange(1, n + 1)  # 0 stands for constant's zero
    padded = np.pad(values, pad, mode=NUMPY_PAD_MODES[border_type])
    index = border_index(np.arange(-pad, n + pad), n, border_type)
    assert np.where(index < 0, 0, values[index]).tolist() == padded.tolist()


@pytest.mark.parametrize("border_type", BORDER_TYPES)
@pytest.mark.parametrize(("n", "kernel", "step"), [(9, 3, 1), (9, 5, 2), (10, 5, 3), (4, 7, 1), (1, 3, 1)])
def test_window_tables_gather_the_windows_of_the_padded_image(border_type, n, kernel, step):
    if border_type == "reflect" and kernel // 2 >= n:
        pytest.skip("torch refuses a reflect pad as long as the axis")
    image = np.random.default_rng(n + kernel).random((n, n)) + 1
    table = window_table(n, kernel, step, border_type)
    assert table.shape == (-(-n // step), kernel) and not table.flags.writeable
    rows, cols = table[:, None, :, None], table[None, :, None, :]
    gathered = np.where((rows < 0) | (cols < 0), 0.0, image[np.maximum(rows, 0), np.maximum(cols, 0)])
    np.testing.assert_array_equal(gathered, kept_windows(image, (kernel, kernel), border_type, step))


@pytest.mark.parametrize(("n", "kernel", "step"), [(9, 3, 1), (9, 5, 2), (10, 5, 3), (4, 7, 1), (20, 9, 4)])
def test_edge_windows_are_those_that_reach_past_the_axis(n, kernel, step):
    centres = np.arange(0, n, step)
    reaches = (centres - kernel // 2 < 0) | (centres + kernel // 2 > n - 1)
    assert edge_windows(n, kernel, step).tolist() == np.flatnonzero(reaches).tolist()
    inside = window_table(n, kernel, step, "constant") >= 0  # constant marks what lies outside
    assert np.flatnonzero(~inside.all(axis=1)).tolist() == np.flatnonzero(reaches).tolist()
