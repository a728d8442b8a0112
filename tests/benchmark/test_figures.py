"""benchmark/figures.py: one colour per method in every figure."""

from __future__ import annotations

import pytest

import antialias_np as aa
from benchmark.figures import METHOD_COLOURS

matplotlib = pytest.importorskip("matplotlib")


def test_every_method_has_a_colour_of_its_own():
    assert list(METHOD_COLOURS) == [*aa.METHODS, *aa.EXTRA_METHODS]
    hexes = {matplotlib.colors.to_hex(colour) for colour in METHOD_COLOURS.values()}
    assert len(hexes) == len(METHOD_COLOURS) and "#000000" not in hexes  # black is the ideal's and the front's
