"""Tests that need an optional tool (a type checker, the build package, a browser, the built site)."""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str) -> None:
    """Skip for want of an optional tool; fail instead where CI says every check must run (ANTIALIAS_NP_NO_SKIP=1)."""
    if os.environ.get("ANTIALIAS_NP_NO_SKIP") == "1":
        pytest.fail(f"{reason}, and ANTIALIAS_NP_NO_SKIP=1 requires this check")
    pytest.skip(reason)
