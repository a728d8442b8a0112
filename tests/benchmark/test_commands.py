"""The command lines fail in one line that says what is wrong and what to do, with exit status 2 for a usage
error and 1 for a data error, never a traceback. Each runs in a fresh process."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from benchmark.fomm import random_state_dict

ROOT = Path(__file__).resolve().parents[2]
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_PYAV = importlib.util.find_spec("av") is not None


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, timeout=300)


def assert_one_line_error(done: subprocess.CompletedProcess, status: int, *phrases: str) -> None:
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "error: " in lines[0], done.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def convert(*args: str) -> subprocess.CompletedProcess:
    return run("-m", "benchmark.fomm", "convert", *args)


def bench(*args: str) -> subprocess.CompletedProcess:
    return run(str(ROOT / "bench.py"), "--quick", "--no-compare", *args)


def test_convert_of_a_missing_checkpoint(tmp_path):
    done = convert(str(tmp_path / "vox-cpk.pth.tar"), str(tmp_path / "out.npz"))
    assert_one_line_error(done, 2, "does not exist", "vox-cpk.pth.tar")
    assert "needs torch" not in done.stderr


@pytest.mark.skipif(not HAS_TORCH, reason="reading a checkpoint needs torch")
@pytest.mark.parametrize("content", [b"", b"not a checkpoint\n", b"PK\x03\x04 broken zip"])
def test_convert_of_a_file_that_is_not_a_checkpoint(tmp_path, content):
    path = tmp_path / "vox-cpk.pth.tar"
    path.write_bytes(content)
    assert_one_line_error(convert(str(path), str(tmp_path / "out.npz")), 1, "is not a torch checkpoint")
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize("argv", [[], ["convert"], ["convert", "a", "b", "c"], ["bogus"]])
def test_convert_usage_errors(argv):
    assert_one_line_error(run("-m", "benchmark.fomm", *argv), 2, "--help")


def test_bench_with_a_missing_checkpoint(tmp_path):
    assert_one_line_error(bench("--checkpoint", str(tmp_path / "kp.npz")), 2, "does not exist", "convert")


def write_pickled_object_array(path: Path) -> None:
    np.savez(path, **{"kp.weight": np.array([{}], dtype=object)})


@pytest.mark.parametrize(
    "write",
    [
        lambda path: path.write_bytes(b""),
        lambda path: path.write_bytes(b"plain text"),
        lambda path: path.write_bytes(b"\x80\x04garbage"),
        lambda path: np.save(path.open("wb"), np.zeros(3)),
        write_pickled_object_array,
    ],
    ids=["empty", "plain text", "a pickle", "a .npy file", "an .npz of pickled objects"],
)
def test_bench_with_a_checkpoint_that_is_not_an_npz(tmp_path, write):
    """Without numpy's advice to allow unpickling, which would let the file run code."""
    path = tmp_path / "kp.npz"
    write(path)
    done = bench("--checkpoint", str(path), "--out", str(tmp_path))
    assert_one_line_error(done, 1, "is not an .npz of FOMM's kp_detector arrays", "python -m benchmark.fomm convert")
    assert "pickle" not in done.stderr


def test_bench_with_an_npz_of_other_arrays(tmp_path):
    path = tmp_path / "other.npz"
    arrays = random_state_dict(0)
    arrays.pop("kp.weight")
    np.savez(path, **arrays)
    assert_one_line_error(bench("--checkpoint", str(path), "--out", str(tmp_path)), 1, "kp.weight")


@pytest.mark.parametrize("argv", [["--frames", "missing-folder"], ["--n-frames", "0"], ["--bogus"], ["--repeats", "x"]])
def test_bench_usage_errors(argv):
    assert_one_line_error(bench(*argv), 2, "--help")


@pytest.mark.parametrize("out", ["afile", "afile/results"])
def test_bench_out_under_a_file_is_a_usage_error(tmp_path, out):
    (tmp_path / "afile").write_text("keep me")
    done = bench("--out", str(tmp_path / out))
    assert_one_line_error(done, 2, f"--out {tmp_path / out}", f"{tmp_path / 'afile'} is a file", "--help")
    assert (tmp_path / "afile").read_text() == "keep me"


def test_bench_on_an_empty_folder(tmp_path):
    assert_one_line_error(bench("--frames", str(tmp_path), "--out", str(tmp_path)), 1, "no frames")


def test_bench_on_an_image_that_is_not_one(tmp_path):
    image = tmp_path / "frame.png"
    image.write_bytes(b"not a png")
    assert_one_line_error(bench("--frames", str(image), "--out", str(tmp_path)), 1, "cannot read")


@pytest.mark.skipif(HAS_PYAV, reason="PyAV is installed")
def test_bench_on_a_video_without_pyav_names_the_extra(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    done = bench("--frames", str(video), "--out", str(tmp_path))
    assert_one_line_error(done, 2, "cannot read the video", 'pip install "antialias_np[video]"')


def test_help_names_the_video_extra():
    done = run(str(ROOT / "bench.py"), "--help")
    assert done.returncode == 0
    assert 'pip install "antialias_np[video]"' in done.stdout
    assert re.search(r'^video = \["av\b', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)


def test_bench_on_frames_that_are_not_synthetic_labels_the_points(tmp_path):
    """The analytic detector was made for the synthetic faces: on other frames it says so and its points are not
    named after landmarks."""
    folder = tmp_path / "frames"
    folder.mkdir()
    iio.imwrite(folder / "000.png", np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    done = bench("--frames", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "made for the synthetic face frames" in done.stdout
    figure = (tmp_path / "out" / "study.json").read_text()
    assert "left eye" not in figure and "point 0" in figure
