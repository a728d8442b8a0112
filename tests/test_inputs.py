"""Inputs as torch and kornia take them beyond the contract every call keeps (test_contract.py): their spellings of
arguments, NaN, empty channel axes; and the plans kept per shape, dtype and arguments, which must never serve a call
they were not built for."""

from __future__ import annotations

import numpy as np
import pytest

import antialias_np as aa
from antialias_np.plans import forget_plans, kept_plan

FRAME = np.random.default_rng(0).random((2, 3, 32, 24)).astype(np.float32)


# ----- plans kept per call ---------------------------------------------------------------------------------------


def test_downsample_plans_are_kept_apart_by_shape_dtype_and_arguments():
    """downsample keeps a plan per (shape, dtype, scale, method, options, channel_axis): calls that differ in any
    one of them, made in turn, each get the result of the public function the method names."""
    calls = [
        (FRAME, 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME.astype(np.float64), 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME[..., :20, :], 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME, 0.5, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::2, ::2]),
        (FRAME, 0.25, "median", {"kernel_size": 5}, lambda x: aa.median_blur(x, 5)[..., ::4, ::4]),
        (FRAME, 0.25, "median", {"kernel_size": [5, 3]}, lambda x: aa.median_blur(x, (5, 3))[..., ::4, ::4]),
        (FRAME, 0.25, "gaussian", {}, lambda x: aa.anti_alias_interpolation(x, 0.25)),
        (FRAME, 0.25, "area", {}, lambda x: aa.adaptive_avg_pool2d(x, (8, 6))),
    ]
    for _ in range(2):
        for x, scale, method, options, expected in calls:
            result = aa.downsample(x, scale, method, **options)
            assert result.dtype == x.dtype
            np.testing.assert_array_equal(result, expected(x))


def test_downsample_builds_a_plan_once_per_shape_dtype_and_arguments():
    forget_plans()
    for x in (FRAME, FRAME + 1, FRAME.astype(np.float64), FRAME[:1], FRAME + 2):
        aa.downsample(x, 0.25, "area")
    assert kept_plan.cache_info().misses == 3
    # The same scale object takes the recent call's plan; an equal float the kept plan; np.float64 gets its own.
    for scale in (0.25, float("0.25"), np.float64(0.25)):
        aa.downsample(FRAME, scale, "area")
    info = kept_plan.cache_info()
    assert (info.misses, info.hits) == (4, 1)


def test_every_function_keeps_plans_apart_by_argument_types():
    """align_corners=1 equals True, and hashes alike, but is refused: a plan kept for True must not serve it."""
    expected = aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=True)
    for _ in range(2):
        with pytest.raises(TypeError, match="align_corners"):
            aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=1)
        np.testing.assert_array_equal(aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=True), expected)


def test_a_tall_adaptive_pool_is_built_without_a_loop_per_output():
    """A million output rows: each is one input pixel (the tables are built vectorised, not row by row)."""
    x = np.arange(8, dtype=np.float32).reshape(1, 8, 1)
    result = aa.adaptive_avg_pool2d(x, (2**20, 1))
    np.testing.assert_array_equal(result[0, :, 0], np.repeat(np.arange(8, dtype=np.float32), 2**17))


# ----- what torch and kornia accept ------------------------------------------------------------------------------


def test_nan_spreads_only_to_outputs_that_read_it():
    """A NaN reaches exactly the outputs whose window covers it, as in torch (0 * NaN is NaN, so even zero weights)."""
    x = np.zeros((1, 64, 64), np.float32)
    x[0, 30, 30] = np.nan
    for method, reach in (("gaussian", (6, 9)), ("bilinear", (7, 8)), ("area", (7, 7)), ("subsample", None)):
        result = aa.downsample(x, 0.25, method)
        rows = np.nonzero(np.isnan(result[0]).any(1))[0]
        if reach is None:
            assert rows.size == 0
        else:
            assert (rows.min(), rows.max()) == reach, method


def test_any_non_zero_divisor_override_as_torch():
    """torch divides the window sum by divisor_override, negative included (here computed for comparison as the
    sum of the 2 x 2 window, which divisor_override=1 gives)."""
    sums = aa.avg_pool2d(FRAME.astype(np.float64), 2, divisor_override=1)
    for divisor in (-2, -1, 3, np.int64(-5), 2**40):
        np.testing.assert_allclose(aa.avg_pool2d(FRAME.astype(np.float64), 2, divisor_override=divisor),
                                   sums / int(divisor), rtol=1e-15)  # measured: 2.2e-16  # fmt: skip
    assert aa.avg_pool2d(np.array([[1, 2], [3, 5]], np.int8), 2, divisor_override=-3).tolist() == [[-4]]  # -11/3
