"""Tests of benchmark.analytic: the analytic landmark detector on synthetic frames and on single marks.

Distances in the comments are in pixels of the 64 x 64 keypoint grid, where one pixel is 2/63 in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import pytest

import antialias_np as aa
from benchmark.analytic import AnalyticDetector
from benchmark.protocol import GRID_PIXEL as PIXEL


def test_detector_recovers_landmarks_on_the_baseline(frames_and_truth):
    """Within 0.3 pixel per coordinate, 0.1 on average (measured: 0.25 and 0.07)."""
    frames, truth = frames_and_truth
    found = AnalyticDetector()(frames, method="gaussian")["value"]
    error = np.abs(found - truth) / PIXEL
    assert error.max() < 0.3 and error.mean() < 0.1


def test_detector_call_is_downsample_then_predict(frames_and_truth):
    frames, _ = frames_and_truth
    detector = AnalyticDetector()
    small = aa.downsample(frames[:2], 0.25, "median")
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
