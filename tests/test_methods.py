"""methods.py: downsample's methods by name, each checked once for an image, then built by its work-alike."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.plans import forget_plans

PACKAGE = Path(aa.__file__).parent


def outermost_checks(call) -> list[str]:
    """The checks `call()` makes, as module.function: each call of a function of _checks.py (but ImageSpec's, which
    describes an image for every module) or of a function named check_*, that no other such call encloses (so the
    checks that one checking function makes count once, as that function)."""

    def is_check(code) -> bool:
        if not code.co_filename.startswith(str(PACKAGE)):
            return False
        if code.co_filename.endswith("_checks.py"):
            return code.co_name not in vars(ImageSpec)
        return code.co_name.startswith("check")

    checks = []

    def profile(frame, event, arg):
        if event != "call" or not is_check(frame.f_code):
            return
        caller = frame.f_back
        while caller is not None and not is_check(caller.f_code):
            caller = caller.f_back
        if caller is None:
            checks.append(f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return checks


THE_IMAGE_AND_ITS_LAYOUT = ["_checks.check_image", "_checks.check_layout"]  # before the plan cache, then on a miss


SIZED = ["bicubic", "bilinear", "lanczos", "nearest", "area"]


@pytest.mark.parametrize("method, size", [(m, None) for m in (*SIZED, "avgpool", "subsample")] +
                         [(m, (64, 64)) for m in SIZED])
def test_a_first_call_checks_downsamples_arguments_once(method, size):
    """downsample checks every argument into one result, and hands it to the builder of interpolate or the pools as
    it is: the checks are entered by the image's check, the layout's and downsample's check_arguments alone."""
    image = np.zeros((3, 256, 256), np.float32)
    forget_plans()
    call = (lambda: aa.downsample(image, method=method, size=size)) if size else (
        lambda: aa.downsample(image, 0.25, method))
    assert outermost_checks(call) == [*THE_IMAGE_AND_ITS_LAYOUT, "methods.check_arguments"]


@pytest.mark.parametrize("call, check", [
    (lambda x: aa.interpolate(x, size=(64, 64), mode="bicubic", antialias=True), "resample.check_arguments"),
    (lambda x: aa.avg_pool2d(x, 4), "pooling.check_avg_pool_arguments"),
])
def test_a_first_call_of_a_work_alike_checks_its_arguments_once(call, check):
    image = np.zeros((3, 256, 256), np.float32)
    forget_plans()
    assert outermost_checks(lambda: call(image)) == [*THE_IMAGE_AND_ITS_LAYOUT, check]
