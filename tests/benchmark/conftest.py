"""Shared by the harness's tests: one set of synthetic frames."""

from __future__ import annotations

import pytest

from benchmark.synthetic import synthetic_frames


@pytest.fixture(scope="session")
def frames_and_truth():
    """8 synthetic frames (seed 1) and their landmarks."""
    return synthetic_frames(8, seed=1)
