"""Tests of antialias_np.evaluate: synthetic frames, the analytic landmark detector and the study's error.

Distances in the comments are in pixels of the 64 x 64 keypoint grid, where one pixel is 2/63 in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import pytest

from antialias_np import downsample
from antialias_np.evaluate import (
    LANDMARK_NAMES,
    AnalyticDetector,
    keypoint_error,
    pixels_to_grid,
    rest_landmarks,
    synthetic_frames,
)

PIXEL = 2 / 63
"""One pixel of the 64 grid in [-1, 1] coordinates."""


@pytest.fixture(scope="module")
def frames_and_truth():
    return synthetic_frames(8, seed=1)


# Synthetic frames


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


# The analytic detector


def test_detector_recovers_landmarks_on_the_baseline(frames_and_truth):
    """Within 0.3 pixel per coordinate, 0.1 on average (measured: 0.25 and 0.07)."""
    frames, truth = frames_and_truth
    found = AnalyticDetector()(frames, method="gaussian")["value"]
    error = np.abs(found - truth) / PIXEL
    assert error.max() < 0.3 and error.mean() < 0.1


def test_detector_call_is_downsample_then_predict(frames_and_truth):
    frames, _ = frames_and_truth
    detector = AnalyticDetector()
    small = downsample(frames[:2], 0.25, "median")
    expected = detector.predict_from_downsampled(small)["value"]
    np.testing.assert_array_equal(detector(frames[:2], method="median")["value"], expected)


@pytest.mark.parametrize("shift", np.linspace(-0.5, 0.5, 9))
def test_detector_follows_a_sub_pixel_shift(shift):
    """A dark Gaussian mark (sigma 1.25 grid pixels, like the pupils) moved by a fraction of a pixel is found
    within 0.05 pixel: the heatmap's expected coordinate is not locked to the grid."""
    x0, y0 = 30 + shift, 20 - shift / 2
    i, j = np.mgrid[0:64, 0:64]
    mark = np.exp(-((j - x0) ** 2 + (i - y0) ** 2) / (2 * 1.25**2))
    image = np.broadcast_to(0.7 - 0.5 * mark, (1, 3, 64, 64))
    found = AnalyticDetector(centres=[[30, 20]]).predict_from_downsampled(image)["value"][0, 0]
    np.testing.assert_allclose((found + 1) / PIXEL, [x0, y0], atol=0.05)


def test_detector_sees_where_bilinear_centres_its_pixels(frames_and_truth):
    """bilinear centres grid pixel k at input 4k + 1.5, the baseline at 4k: its keypoints sit 0.375 grid pixel up
    and left of the baseline's (the content at input u shows at grid (u - 1.5) / 4)."""
    frames, _ = frames_and_truth
    detector = AnalyticDetector()
    offset = detector(frames, "bilinear")["value"] - detector(frames, "gaussian")["value"]
    np.testing.assert_allclose(offset.reshape(-1, 2).mean(axis=0) / PIXEL, [-0.375, -0.375], atol=0.05)


def test_detector_windows_must_fit():
    with pytest.raises(ValueError, match="64 x 64"):
        AnalyticDetector().predict_from_downsampled(np.zeros((1, 3, 32, 32)))
    with pytest.raises(ValueError, match="RGB"):
        AnalyticDetector().predict_from_downsampled(np.zeros((1, 1, 64, 64)))


# The study's error


def test_error_is_zero_on_equal_keypoints(frames_and_truth):
    _, truth = frames_and_truth
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
