"""benchmark/upsampling.py: the upsampling table of `bench.py --speed`, its rows and their differences from torch."""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import tolerance

from benchmark.upsampling import QUICK_SIZES, UPSAMPLING_HEADER, UPSAMPLING_MODES, upsampling_markdown

HAS_TORCH = importlib.util.find_spec("torch") is not None

QUICK_ROWS = """
import json
from benchmark.peers import load_peers
from benchmark.upsampling import upsampling_rows
print(json.dumps(upsampling_rows(load_peers(skip=False), repeats=1, repeat_time=0.0005, quick=True, seed=0)))
"""


def test_quick_rows_time_every_case_and_equal_torch():
    """In another Python, as bench.py runs it: the test run never imports torch (tests/conftest.py)."""
    done = subprocess.run([sys.executable, "-c", QUICK_ROWS], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    cases = {(r["in"], r["out"], r["mode"], r["dtype"]) for r in rows}
    expected = {(n, m, mode, dtype) for (n, m), mode, dtype in
                itertools.product(QUICK_SIZES, UPSAMPLING_MODES, ("float32", "uint8"))}  # fmt: skip
    assert cases == expected
    for row in rows:
        assert row["antialias_np"]["median"] > 0
        if HAS_TORCH:  # interpolate equals torch (tests/conftest.py): measured at most 5.4e-7 on these float32 rows
            assert row["torch"]["median"] > 0
            allowed = tolerance("interpolate", {"mode": row["mode"]}, np.dtype(row["dtype"]))
            assert row["ours_vs_torch"] <= allowed, row


def test_markdown_has_a_line_per_row_and_dashes_for_missing_peers():
    row = {"in": 256, "out": 512, "mode": "bilinear", "dtype": "float32", "ours_vs_torch": None,
           "antialias_np": {"median": 2e-4, "minimum": 1e-4}}  # fmt: skip
    lines = upsampling_markdown([row, {**row, "opencv": {"median": 4e-4, "minimum": 3e-4}}]).splitlines()
    header = "| " + " | ".join(UPSAMPLING_HEADER) + " |"
    table = lines[lines.index(header) + 2:]
    assert table == ["| 256 -> 512 bilinear float32 | 200 | - | - | - | - | - | - |",
                     "| 256 -> 512 bilinear float32 | 200 | - | 400 | - | 2.00x | - | - |"]  # fmt: skip
