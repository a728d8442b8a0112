"""Tests of benchmark.synthetic: synthetic face frames with known landmarks.

Distances in the comments are in pixels of the 64 x 64 keypoint grid, where one pixel is 2/63 in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.protocol import GRID_PIXEL as PIXEL
from benchmark.synthetic import LANDMARK_NAMES, pixels_to_grid, rest_landmarks, synthetic_frames


def test_frames_shapes_dtypes_and_range(frames_and_truth):
    frames, truth = frames_and_truth
    assert frames.shape == (8, 3, 256, 256) and frames.dtype == np.float32
    assert truth.shape == (8, len(LANDMARK_NAMES), 2) and truth.dtype == np.float64
    assert frames.min() >= 0 and frames.max() <= 1
    assert np.all(np.abs(truth) < 1)


def test_frames_are_deterministic(frames_and_truth):
    frames, truth = synthetic_frames(8, seed=1)
    np.testing.assert_array_equal(frames, frames_and_truth[0])
    np.testing.assert_array_equal(truth, frames_and_truth[1])


def test_seeds_give_other_frames(frames_and_truth):
    frames, truth = synthetic_frames(8, seed=2)
    assert not np.array_equal(frames, frames_and_truth[0])
    assert not np.array_equal(truth, frames_and_truth[1])


def test_landmarks_move_a_little_between_frames(frames_and_truth):
    _, truth = frames_and_truth
    steps = np.abs(np.diff(truth, axis=0)) / PIXEL
    assert steps.max() < 1  # under one grid pixel per frame ...
    assert np.abs(truth[-1] - truth[0]).max() / PIXEL > 0.1  # ... but not still


def test_landmark_phases_are_sub_pixel(frames_and_truth):
    """The landmarks do not sit on grid pixels: their fractional parts spread over [0, 1)."""
    _, truth = frames_and_truth
    fractions = ((truth + 1) / PIXEL) % 1
    assert np.histogram(fractions, bins=4, range=(0, 1))[0].min() > 0.1 * fractions.size


def test_other_sizes_scale_the_scene():
    frames, truth = synthetic_frames(1, size=128)
    assert frames.shape == (1, 3, 128, 128)
    np.testing.assert_allclose(truth[0], pixels_to_grid(rest_landmarks(128), 128), atol=0.1)


@pytest.mark.parametrize(("n_frames", "size"), [(0, 256), (1, 254), (1, 0)])
def test_frames_refuse_bad_arguments(n_frames, size):
    with pytest.raises(ValueError):
        synthetic_frames(n_frames, size=size)


def test_pixels_to_grid_follows_the_baseline():
    """Input pixel 4k is grid pixel k: 0 -> -1, 4 * 63 = 252 -> 1, 126 -> 0, and 4 input pixels are 2/63."""
    points = np.array([[0.0, 252.0], [126.0, 4.0]])
    np.testing.assert_allclose(pixels_to_grid(points, 256), [[-1, 1], [0, -1 + PIXEL]], atol=1e-15)
