"""plans.py: the road from a public function to its kernel, the kept plans, one channels-last mechanism."""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.median import median_plan
from antialias_np.plans import ChannelsLastPlan, forget_plans
from antialias_np.pooling import adaptive_avg_pool_plan


def test_a_traceback_names_every_step_of_the_road():
    """A builder's error shows the path public function -> apply -> kept_plan -> layout_plan -> builder -> check,
    with no anonymous frame between them."""
    forget_plans()
    with pytest.raises(ValueError) as raised:
        aa.interpolate(np.zeros((3, 8, 8), np.float32), size=0, mode="bilinear")
    names = [frame.name for frame in traceback.extract_tb(raised.tb)]
    assert "<lambda>" not in names
    road = ["interpolate", "apply", "kept_plan", "layout_plan", "interpolate_plan", "check_arguments"]
    assert [name for name in names if name in road] == road


@pytest.mark.parametrize("build, reads", [
    (lambda image: adaptive_avg_pool_plan(image, 1), True),  # MeanPlan reads channels last in torch's order
    (lambda image: median_plan(image, 1, 3, "reflect"), True),  # the 3 x 3 kernel reads interleaved channels
    (lambda image: median_plan(image, 1, 5, "reflect"), False),  # the general one is given torch layout
])
def test_on_channels_last_copies_a_plan_that_reads_channels_last_and_wraps_the_others(build, reads):
    plan = build(ImageSpec((3, 20, 20), np.dtype(np.float32), "x", channels_last=True))
    channels_last = plan.on_channels_last()
    assert channels_last.channels_last and not plan.channels_last  # the torch-layout plan is left as it was
    assert isinstance(channels_last, ChannelsLastPlan) != reads
    assert (type(channels_last) is type(plan)) == reads
    assert "channels_last=True" in repr(channels_last) or "torch_layout=" in repr(channels_last)
