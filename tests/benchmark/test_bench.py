"""Tests of bench.py (benchmark/): its quick runs end to end, in a fresh process, writing to a temporary folder."""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from conftest import tolerance

import antialias_np
from benchmark.fomm import random_state_dict

BENCH = Path(__file__).resolve().parents[2] / "bench.py"
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_KORNIA = HAS_TORCH and importlib.util.find_spec("kornia") is not None
TABLES = ["scorecard.json", "scorecard.md", "study.json", "study.md"]
"""What a run without figures writes."""


def run_bench(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", *args], capture_output=True, text=True, cwd=BENCH.parent
    )
    assert done.returncode == 0, done.stderr
    return done


def table_rows(markdown: str, section: str | None = None) -> dict[str, list[str]]:
    """The cells of each markdown table row, by its first cell: of the first table, or of the section whose
    "## " heading starts with `section`."""
    sections = markdown.split("\n## ")
    text = sections[0] if section is None else next(s for s in sections if s.startswith(section))
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def section_rows(markdown: str, section: str) -> list[list[str]]:
    """Every row of the table under the "## " heading that starts with `section`, header and rule aside."""
    text = next(s for s in markdown.split("\n## ") if s.startswith(section))
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]


@pytest.mark.parametrize(
    "compare",
    [
        pytest.param(False, id="fresh-install"),
        pytest.param(True, id="with-torch", marks=pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")),
    ],
)
def test_study_table(tmp_path, compare):
    done = run_bench("--out", str(tmp_path), *([] if compare else ["--no-compare"]))
    rows = table_rows(done.stdout)
    assert set(antialias_np.METHODS) <= set(rows)
    assert rows["gaussian"][0] == "0.0000"
    assert (rows["bilinear"][3] == "-") != compare  # the torch time column

    result = json.loads((tmp_path / "study.json").read_text())
    by_method = {row["method"]: row for row in result["rows"]}
    assert list(by_method) == list(antialias_np.METHODS)
    assert by_method["gaussian"]["error_vs_baseline"] == 0.0
    assert all(row["error_vs_truth"] is not None for row in result["rows"])
    study, card = (tmp_path / "study.md").read_text().strip(), (tmp_path / "scorecard.md").read_text().strip()
    assert done.stdout.strip() == f"{study}\n\n{card}"  # the study's tables, then the scorecard
    check_onet_and_avgpool_tables(done.stdout, result)
    scored = {row["method"] for row in json.loads((tmp_path / "scorecard.json").read_text())["rows"]}
    assert set(antialias_np.METHODS + antialias_np.EXTRA_METHODS) <= scored
    for detector in ("analytic detector", "ONet"):
        pareto = result["pareto"]["detectors"][detector]
        assert set(pareto["errors"]) == set(antialias_np.METHODS + antialias_np.EXTRA_METHODS)
        assert "gaussian" in pareto["front"]
    assert "## Pareto front" in study

    # The shifted methods' error is the 0.375-pixel shift of ten keypoints (0.168), the on-grid ones' far less.
    assert 0.15 < by_method["bilinear"]["error_vs_baseline"] < 0.2
    assert 0 < by_method["median"]["error_vs_baseline"] < 0.1

    assert result["figures"] == ["figure.png", "onet_figure.png", "error_vs_time.png"]
    sizes = {"figure.png": (900, 1000), "onet_figure.png": (900, 1000), "error_vs_time.png": (500, 800),
             "scorecard.png": (500, 1200)}  # fmt: skip
    for name, (min_height, min_width) in sizes.items():
        image = iio.imread(tmp_path / name)
        assert image.ndim == 3 and image.dtype == np.uint8 and image.shape[0] >= min_height, name
        assert image.shape[1] >= min_width and image[..., :3].std() > 10, name  # drawn on, not blank
        assert name in done.stdout or name == "scorecard.png"


def check_onet_and_avgpool_tables(markdown: str, result: dict) -> None:
    """The second table (ONet on the photo frames) and the avgpool candidates, in study.md and study.json."""
    onet = table_rows(markdown, "A trained detector")
    assert list(onet)[1:] == list(antialias_np.METHODS) and onet["gaussian"][0] == "0.0000"
    assert "0 frames below 0.9 left out" in markdown  # the photo's frames are all faces to ONet
    rows = {row["method"]: row for row in result["onet"]["rows"]}
    # The shifted methods move every landmark 0.375 pixel of the 48 grid along x and y: 5 * 0.375 * sqrt(2) * 2 / 47
    # = 0.113 in all; the on-grid ones far less.
    assert 0.08 < rows["bilinear"]["error_vs_baseline"] < 0.14 and rows["median"]["error_vs_baseline"] < 0.06
    assert all(row["lowest_face_probability"] > 0.9 for row in rows.values())

    candidates = result["avgpool_candidates"]
    assert len(section_rows(markdown, "Which avg_pool2d")) == len(candidates) == 24
    window_4 = next(c for c in candidates if (c["kernel_size"], c["padding"]) == (4, 0))
    assert window_4["error_first_detector"] == result["rows"][6]["error_vs_baseline"]  # the table's avgpool
    assert window_4["error_onet"] == rows["avgpool"]["error_vs_baseline"]


def test_no_figures_writes_the_tables_only(tmp_path):
    done = run_bench("--no-compare", "--no-figures", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == TABLES
    assert "matplotlib" not in done.stderr


def test_without_matplotlib_the_tables_come_and_the_figures_are_explained(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None; from benchmark.cli import main; "
        f"sys.exit(main(['--quick', '--no-compare', '--out', {str(tmp_path)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=BENCH.parent)
    assert done.returncode == 0, done.stderr
    assert "matplotlib is not installed" in done.stderr and ".[bench]" in done.stderr and "--no-figures" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == TABLES


def test_study_on_a_folder_of_images(tmp_path):
    """Frames of any size are centre-cropped and resized; without landmarks, the truth column is empty."""
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        iio.imwrite(folder / f"{i:03d}.png", rng.integers(0, 256, (300, 200, 3), dtype=np.uint8))
    done = run_bench("--no-compare", "--frames", str(folder), "--out", str(tmp_path / "out"))
    assert "2 frames of" in done.stdout
    assert all(cells[1] == "-" for name, cells in table_rows(done.stdout).items() if name in antialias_np.METHODS)
    # Noise is no face to ONet: both frames are left out, and said to be.
    assert "2 frames below 0.9 left out of the error" in done.stdout
    assert all(cells[0] == "-" for name, cells in table_rows(done.stdout, "A trained detector").items()
               if name in antialias_np.METHODS)  # fmt: skip


def test_study_with_a_fomm_checkpoint(tmp_path):
    """The FOMM detector path, with random weights (the table, not the numbers, is checked)."""
    checkpoint = tmp_path / "kp_detector.npz"
    np.savez(checkpoint, **random_state_dict(0))
    done = run_bench("--no-compare", "--n-frames", "1", "--checkpoint", str(checkpoint), "--out", str(tmp_path))
    rows = table_rows(done.stdout)
    assert rows["gaussian"][0] == "0.0000" and rows["bilinear"][1] == "-"


def test_speed_table(tmp_path):
    done = run_bench("--speed", "--out", str(tmp_path))
    rows = table_rows(done.stdout)
    assert set(antialias_np.METHODS) | {"bicubic uint8", "bilinear uint8"} <= set(rows)
    assert "## Speed on real images" in done.stdout and "## Channels last against torch layout" in done.stdout
    result = json.loads((tmp_path / "speed.json").read_text())
    assert len(result["rows"]) == len(antialias_np.METHODS) + 2
    for row in result["rows"]:
        assert row["antialias_np"]["median"] > 0
        assert row["threads"]["before"]["numba"] == 1
        if HAS_KORNIA:  # every case has a torch pipeline, which antialias_np equals as tests/conftest.py states:
            # bit for bit for uint8 and the selecting methods, within 2e-6 for float32 (measured on the synthetic
            # frames of seeds 0-11: 6.6e-7 for gaussian, 3e-7 and less for the others, on an Intel Xeon with AVX-512)
            allowed = tolerance("downsample", {"method": row["method"]}, np.dtype(row["dtype"]))
            assert row["max_abs_diff_vs_torch"] <= allowed, row["case"]


def test_busy_machine_table(tmp_path):
    done = run_bench("--threads", "--no-compare", "--out", str(tmp_path))
    assert "## Busy machine" in done.stdout
    busy = json.loads((tmp_path / "speed.json").read_text())["busy"]
    loads = ("idle", "one CPU busy", "every CPU busy")
    assert {(r["load"], r["method"], r["batch"]) for r in busy} == set(
        itertools.product(loads, antialias_np.METHODS, (1, 8, 64))
    )
    assert all(row["us_default"] > 0 and row["us_1"] > 0 for row in busy)
