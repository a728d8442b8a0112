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
from antialias_np.frames import FrameWriter

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


def test_overwrite_replaces_a_folder_of_images_whole(folder, tmp_path, capsys):
    """No frame of an earlier, longer run is left behind among the new ones."""
    src, _ = folder
    (tmp_path / "out").mkdir()
    iio.imwrite(tmp_path / "out" / "000099.png", random_frames(1, (8, 8, 3))[0])
    assert run("downsample", src, tmp_path / "out", "--overwrite", capsys=capsys)[0] == 0
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [f"{i:06d}.png" for i in range(10)]
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no staging folder left


def test_overwrite_refuses_a_folder_holding_more_than_images(folder, tmp_path, capsys):
    src, _ = folder
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")
    status, _, err = run("downsample", src, tmp_path / "out", "--overwrite", capsys=capsys)
    assert status == 2 and "notes.txt" in err and err.count("\n") == 1
    assert [f.name for f in (tmp_path / "out").iterdir()] == ["notes.txt"]


def snapshot(path: Path) -> dict:
    """Every file under `path` (or `path` itself) with its bytes."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return {f: f.read_bytes() for f in files if f.is_file()}


@pytest.mark.parametrize(
    "src, dst",
    [
        ("s.npy", "s.npy"),
        ("s.npy", "link.npy"),  # a symbolic link to s.npy
        ("s.npy", "hard.npy"),  # a hard link to s.npy
        ("in", "in"),
        ("in", "link"),  # a symbolic link to the folder
        ("in", "in/small"),
        ("in/../in", "in/small.npy"),
        ("in", "."),  # SRC inside DST, which --overwrite would replace
        ("s.zarr", "s.zarr"),
        ("s.zarr", "s.zarr/small.zarr"),
    ],
)
def test_a_dst_that_is_or_overlaps_src_is_refused_before_anything_is_touched(folder, tmp_path, capsys, src, dst):
    stack = random_frames(4, (16, 16, 3))
    np.save(tmp_path / "s.npy", stack)
    (tmp_path / "link.npy").symlink_to(tmp_path / "s.npy")
    os.link(tmp_path / "s.npy", tmp_path / "hard.npy")
    (tmp_path / "link").symlink_to(tmp_path / "in")
    if src.endswith(".zarr"):
        zarr = pytest.importorskip("zarr")
        zarr.create_array(str(tmp_path / "s.zarr"), shape=stack.shape, dtype=stack.dtype)[:] = stack
    before = snapshot(tmp_path)
    status, _, err = run("downsample", tmp_path / src, tmp_path / dst, "--overwrite", capsys=capsys)
    assert status == 2 and "SRC" in err and "DST" in err and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def folder_with_a_bad_third_image(tmp_path: Path) -> Path:
    frames = random_frames(5, (16, 16, 3))
    (tmp_path / "bad3").mkdir()
    for i, frame in enumerate(frames):
        iio.imwrite(tmp_path / "bad3" / f"{i}.png", frame if i != 2 else frame[:8])
    return tmp_path / "bad3"


@pytest.mark.parametrize("dst", ["bad3.npy", "out", "out.zarr", "new/deeper/out.npy"])
def test_a_failed_run_leaves_no_dst(tmp_path, capsys, dst):
    if dst.endswith(".zarr"):
        pytest.importorskip("zarr")
    src = folder_with_a_bad_third_image(tmp_path)
    status, _, err = run("downsample", src, tmp_path / dst, "--chunk-frames", 1, capsys=capsys)
    assert status == 1 and "2.png" in err and f"nothing was written to {tmp_path / dst}" in err, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["bad3"]  # nor a staging file, nor the folders made for it


def test_a_failed_overwrite_leaves_dst_as_it_was(tmp_path, capsys):
    src = folder_with_a_bad_third_image(tmp_path)
    np.save(tmp_path / "out.npy", np.arange(3))
    status, _, err = run("downsample", src, tmp_path / "out.npy", "--overwrite", "--chunk-frames", 1, capsys=capsys)
    assert status == 1 and "was left as it was" in err
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.arange(3))


def test_an_interrupted_run_leaves_no_dst(folder, tmp_path, capsys, monkeypatch):
    src, _ = folder

    def interrupt(writer, block):
        raise KeyboardInterrupt

    monkeypatch.setattr(FrameWriter, "write", interrupt)
    status, _, err = run("downsample", src, tmp_path / "out", capsys=capsys)
    assert status == 130 and err == f"antialias-np: error: interrupted; nothing was written to {tmp_path / 'out'}\n"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
@pytest.mark.parametrize("existing, dst", [("file", "afile"), ("file", "a.zarr"), ("folder", "a.npy")])
def test_a_dst_of_the_other_type_is_a_usage_error(folder, tmp_path, capsys, overwrite, existing, dst):
    src, _ = folder
    if existing == "file":
        (tmp_path / dst).write_text("keep me")
    else:
        (tmp_path / dst).mkdir()
        (tmp_path / dst / "keep.txt").write_text("keep me")
    before = snapshot(tmp_path)
    status, _, err = run("downsample", src, tmp_path / dst, *overwrite, capsys=capsys)
    assert status == 2 and f"is a {existing}" in err and "pass --overwrite" not in err and err.count("\n") == 1
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "frames, dst, args, mentioned",
    [
        (random_frames(3, (32, 40, 3)), "out", ["--channel-axis", "none"], "--channel-axis"),  # (32, 10, 1) frames
        (random_frames(3, (32, 40, 3), np.float32), "out", [], ".npy or .zarr DST"),
        (random_frames(3, (32, 40, 3), np.float32), "out.mp4", [], "H.264"),
        (random_frames(3, (36, 40, 3)), "out.mp4", [], "even"),  # 9 x 10
    ],
)
def test_frames_dst_cannot_hold_are_a_usage_error_before_writing(tmp_path, capsys, frames, dst, args, mentioned):
    np.save(tmp_path / "in.npy", frames)
    status, _, err = run("downsample", tmp_path / "in.npy", tmp_path / dst, *args, capsys=capsys)
    assert status == 2 and mentioned in err and err.count("\n") == 1, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in.npy"]


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
    "destination is the source": (["downsample", "{src}", "{src}", "--overwrite"], 2, "is SRC"),
    "empty source": (["downsample", "", "{tmp}/out"], 2, "SRC: is empty"),
    "empty destination": (["downsample", "{src}", ""], 2, "DST: is empty"),
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
