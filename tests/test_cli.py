"""The antialias-np command line: results equal to antialias_np.downsample, progress, summary, errors, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

import antialias_np as aa
from antialias_np import cli

ROOT = Path(__file__).resolve().parents[1]


def random_frames(count: int, shape=(32, 40, 3), dtype=np.uint8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, (count, *shape), dtype=np.uint8)
    return rng.random((count, *shape), dtype=dtype)


@pytest.fixture
def folder(tmp_path) -> tuple[Path, np.ndarray]:
    frames = random_frames(10)
    (tmp_path / "in").mkdir()
    for i, frame in enumerate(frames):
        iio.imwrite(tmp_path / "in" / f"{i:03d}.png", frame)
    return tmp_path / "in", frames


def run(*args, capsys) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_folder_to_pngs_equals_downsample(folder, tmp_path, capsys):
    src, frames = folder
    status, out, err = run("downsample", src, tmp_path / "out", "--chunk-frames", 4, capsys=capsys)
    assert status == 0, err
    written = np.stack([iio.imread(f) for f in sorted((tmp_path / "out").iterdir())])
    np.testing.assert_array_equal(written, aa.downsample(frames, 0.25, "gaussian", channel_axis=-1))
    assert out.startswith("10 frames in ") and "frames/s" in out and out.count("\n") == 1


def test_video_to_npy_equals_downsample_of_the_decoded_frames(tmp_path, capsys):
    pytest.importorskip("av")
    iio.imwrite(tmp_path / "in.mp4", random_frames(9, (64, 48, 3)), plugin="pyav", codec="libx264", fps=10)
    decoded = iio.imread(tmp_path / "in.mp4", plugin="pyav")
    status, _, err = run("downsample", tmp_path / "in.mp4", tmp_path / "out.npy", "--method", "area", capsys=capsys)
    assert status == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), aa.downsample(decoded, 0.25, "area", channel_axis=-1))


def test_frames_of_two_axes_are_downsampled_one_by_one(tmp_path, capsys):
    """Not as the channels of one image: the bilateral filter would mix them."""
    frames = random_frames(5, (32, 32), np.float32)
    np.save(tmp_path / "in.npy", frames)
    command = ["downsample", tmp_path / "in.npy", tmp_path / "out.npy", "--scale", 0.5, "--method", "bilateral"]
    status, _, err = run(*command, capsys=capsys)
    assert status == 0, err
    expected = np.stack([aa.downsample(frame, 0.5, "bilateral") for frame in frames])
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
    status, _, err = run(*command, "--channel-axis", "-1", "--overwrite", capsys=capsys)
    assert status == 2 and "no channels" in err


def test_channels_first_and_method_options(tmp_path, capsys):
    frames = random_frames(4, (3, 32, 4), np.float32)  # would look channels last, were it not for --channel-axis none
    np.save(tmp_path / "in.npy", frames)
    args = ["--channel-axis", "none", "--method", "bilateral", "--kernel-size", 3, "--sigma-space", "1.5,2.5"]
    status, _, err = run("downsample", tmp_path / "in.npy", tmp_path / "out.npy", *args, capsys=capsys)
    assert status == 0, err
    expected = aa.downsample(frames, 0.25, "bilateral", channel_axis=-3, kernel_size=3, sigma_space=(1.5, 2.5))
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)


def test_overwrite_replaces_the_destination(folder, tmp_path, capsys):
    src, _ = folder
    np.save(tmp_path / "out.npy", np.zeros(3))
    assert run("downsample", src, tmp_path / "out.npy", capsys=capsys)[0] == 1
    assert run("downsample", src, tmp_path / "out.npy", "--overwrite", capsys=capsys)[0] == 0
    assert np.load(tmp_path / "out.npy").shape == (10, 8, 10, 3)


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_progress_and_quiet(folder, tmp_path, capsys, monkeypatch, with_tqdm):
    if with_tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain counter
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    src, _ = folder
    status, _, err = run("downsample", src, tmp_path / "a", "--chunk-frames", 1, capsys=capsys)
    assert status == 0 and "10/10" in err
    status, out, err = run("downsample", src, tmp_path / "b", "--quiet", capsys=capsys)
    assert (status, out, err) == (0, "", "")


def test_short_runs_show_no_progress(folder, tmp_path, capsys):
    src, _ = folder  # 10 small frames take well under PROGRESS_DELAY
    status, _, err = run("downsample", src, tmp_path / "out", capsys=capsys)
    assert (status, err) == (0, "")


BAD_COMMANDS = {
    "missing source": (["downsample", "{tmp}/missing", "{tmp}/out"], 2, "missing"),
    "scale above 1": (["downsample", "{src}", "{tmp}/out", "--scale", "2"], 2, "scale"),
    "scale not a number": (["downsample", "{src}", "{tmp}/out", "--scale", "half"], 2, "--scale"),
    "scale not 1/n": (["downsample", "{src}", "{tmp}/out", "--scale", "0.3"], 2, "1/n"),
    "unknown method": (["downsample", "{src}", "{tmp}/out", "--method", "sinc"], 2, "--method"),
    "option the method lacks": (["downsample", "{src}", "{tmp}/out", "--kernel-size", "3"], 2, "kernel_size"),
    "bad option value": (["downsample", "{src}", "{tmp}/out", "--method", "median", "--kernel-size", "4"], 2, "odd"),
    "unknown flag": (["downsample", "{src}", "{tmp}/out", "--colour"], 2, "--colour"),
    "bad channel axis": (["downsample", "{src}", "{tmp}/out", "--channel-axis", "0"], 2, "--channel-axis"),
    "bad destination": (["downsample", "{src}", "{tmp}/out.txt"], 2, "out.txt"),
    "fps of a folder": (["downsample", "{src}", "{tmp}/out", "--fps", "30"], 2, "--fps"),
    "no command": ([], 2, "command"),
    "destination exists": (["downsample", "{src}", "{src}"], 1, "--overwrite"),
}


@pytest.mark.parametrize("name", BAD_COMMANDS)
def test_errors_are_one_line_with_the_exit_status(folder, tmp_path, capsys, name):
    args, expected_status, mentioned = BAD_COMMANDS[name]
    src, _ = folder
    status, out, err = run(*(a.format(tmp=tmp_path, src=src) for a in args), capsys=capsys)
    assert status == expected_status
    assert out == ""
    assert err.startswith("antialias-np: error: ") and err.count("\n") == 1 and mentioned in err


def test_a_data_error_midway_exits_1(folder, tmp_path, capsys):
    src, _ = folder
    iio.imwrite(src / "999.png", random_frames(1, (8, 8, 3))[0])
    status, _, err = run("downsample", src, tmp_path / "out", "--chunk-frames", 4, capsys=capsys)
    assert status == 1 and "999.png" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "missing, extra, command",
    [
        ("av", "video", ["downsample", "{tmp}/in.mp4", "{tmp}/out"]),
        ("zarr", "zarr", ["downsample", "{src}", "{tmp}/out.zarr"]),
        ("distributed", "dask", ["downsample", "{src}", "{tmp}/out", "--scheduler", "tcp://127.0.0.1:1"]),
    ],
)
def test_a_missing_extra_is_named(folder, tmp_path, capsys, monkeypatch, missing, extra, command):
    src, _ = folder
    (tmp_path / "in.mp4").write_bytes(b"")
    monkeypatch.setitem(sys.modules, missing, None)  # importing it now raises ImportError
    status, _, err = run(*(a.format(tmp=tmp_path, src=src) for a in command), capsys=capsys)
    assert status == 2 and f"pip install 'antialias_np[{extra}]'" in err and err.count("\n") == 1


def test_python_dash_m_runs_the_command_line(folder, tmp_path):
    src, _ = folder
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "antialias_np", "downsample", src, tmp_path / "out"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("10 frames in "), ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "antialias_np", "downsample", tmp_path / "missing", tmp_path / "out2"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
