"""Tests of benchmark.keypoints: softmax, FOMM's coordinate grid and the study's keypoint error."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.keypoints import coordinate_grid, keypoint_error, softmax


def test_softmax_by_hand():
    """exp(0), exp(ln 3) over their sum: 1/4 and 3/4, along the last axis only."""
    result = softmax(np.array([[0.0, np.log(3)], [5.0, 5.0]]))
    np.testing.assert_allclose(result, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-15)


def test_softmax_does_not_overflow():
    result = softmax(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_array_equal(result, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_coordinate_grid_spans_minus_one_to_one(dtype):
    grid = coordinate_grid(64, dtype)
    assert grid.dtype == dtype and grid[0] == -1 and grid[-1] == 1
    np.testing.assert_allclose(np.diff(grid), 2 / 63, rtol=1e-5)


def test_error_is_zero_on_equal_keypoints():
    truth = np.random.default_rng(0).uniform(-1, 1, (8, 10, 2))
    assert keypoint_error(truth, truth.copy()) == 0.0


def test_error_is_symmetric():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, (2, 5, 10, 2))
    assert keypoint_error(a, b) == keypoint_error(b, a)


def test_error_by_hand():
    """Frame 0: distances 5 and 0; frame 1: 0 and 1. Sums 5 and 1, mean 3."""
    a = np.zeros((2, 2, 2))
    b = np.array([[[3.0, 4.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]])
    assert keypoint_error(a, b) == 3.0


def test_error_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes"):
        keypoint_error(np.zeros((2, 10, 2)), np.zeros((2, 9, 2)))
