"""antialias_np.__version__ is the version the package is built with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import antialias_np

tomllib = pytest.importorskip("tomllib")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", antialias_np.__version__)


def test_pyproject_takes_the_version_from_the_package():
    config = tomllib.loads(PYPROJECT.read_text())
    assert "version" not in config["project"]
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "antialias_np.__version__"}
