"""Sphinx extension: the commands' --help texts, as they print, into docs/_generated/ for the pages to include."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COMMANDS = {
    "antialias-np-downsample.txt": [sys.executable, "-m", "antialias_np", "downsample", "--help"],
    "bench.txt": [sys.executable, "bench.py", "--help"],
}


def setup(app):
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def generate(app) -> None:
    out = Path(app.srcdir) / "_generated"
    out.mkdir(exist_ok=True)
    repository = Path(app.srcdir).parent
    for name, command in COMMANDS.items():
        result = subprocess.run(command, cwd=repository, capture_output=True, text=True, check=True,
                                env={**os.environ, "COLUMNS": "100"})
        (out / name).write_text(result.stdout)
