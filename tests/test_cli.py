"""The antialias-np command line: results equal to antialias_np.downsample, progress, summary, errors, exit codes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

import antialias_np as aa
from antialias_np import cli, downsample_command, images
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
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [f"{i:03d}.png" for i in range(10)]
    written = np.stack([iio.imread(f) for f in sorted((tmp_path / "out").iterdir())])
    np.testing.assert_array_equal(written, aa.downsample(frames, 0.25, "gaussian", channel_axis=-1))
    assert out.startswith("10 images in ") and "images/s" in out and out.count("\n") == 1


def test_a_folder_of_same_size_images_to_npy_is_one_sequence_of_frames(folder, tmp_path, capsys):
    src, frames = folder
    status, out, err = run("downsample", src, tmp_path / "out.npy", "--chunk-frames", 4, capsys=capsys)
    assert status == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), aa.downsample(frames, 0.25, channel_axis=-1))
    assert out.startswith("10 frames in ")


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
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [f"{i:03d}.png" for i in range(10)]
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
        zarr.open_array(str(tmp_path / "s.zarr"), mode="w", shape=stack.shape, dtype=stack.dtype)[:] = stack
    before = snapshot(tmp_path)
    status, _, err = run("downsample", tmp_path / src, tmp_path / dst, "--overwrite", capsys=capsys)
    assert status == 2 and "SRC" in err and "DST" in err and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def folder_with_a_bad_third_image(tmp_path: Path) -> Path:
    frames = random_frames(5, (16, 16, 3))
    (tmp_path / "bad3").mkdir()
    for i, frame in enumerate(frames):
        iio.imwrite(tmp_path / "bad3" / f"{i}.png", frame)
    (tmp_path / "bad3" / "2.png").write_bytes(b"\x89PNG\r\n\x1a\n and then not a PNG")
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


@pytest.mark.parametrize("dst", ["out", "out.npy"])
def test_an_interrupted_run_leaves_no_dst(folder, tmp_path, capsys, monkeypatch, dst):
    src, _ = folder

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(FrameWriter, "write", interrupt)
    monkeypatch.setattr(images, "write_image", interrupt)
    status, _, err = run("downsample", src, tmp_path / dst, capsys=capsys)
    assert status == 130 and err == f"antialias-np: error: interrupted; nothing was written to {tmp_path / dst}\n"
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
    monkeypatch.setattr(downsample_command, "PROGRESS_DELAY", 0.0)
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
    "option the method lacks": (["downsample", "{src}", "{tmp}/out", "--kernel-size", "3"], 2, "--kernel-size"),
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
    status, _, err = run("downsample", src, tmp_path / "out.npy", "--chunk-frames", 4, capsys=capsys)
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
    assert ok.returncode == 0 and ok.stdout.startswith("10 images in "), ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "antialias_np", "downsample", tmp_path / "missing", tmp_path / "out2"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


# Photo folders and single images: each image on its own, under its own name


def write_png_16(path: Path, image: np.ndarray) -> None:
    """A 16-bit PNG written byte by byte (Pillow writes 16-bit grey only), rows unfiltered."""
    import struct
    import zlib

    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in image.reshape(height, -1))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)


@pytest.fixture
def photos(tmp_path) -> tuple[Path, dict[str, np.ndarray]]:
    """A folder of photos as a dataset has them: sizes, channels and formats of all kinds, a subfolder, and files
    that are not images. Returns the folder and each image's pixels (as read back) by its path in the folder."""
    rng = np.random.default_rng(5)
    src = tmp_path / "photos"
    (src / "cats" / "tabby").mkdir(parents=True)
    pixels = {
        "portrait.png": rng.integers(0, 256, (48, 36, 3), dtype=np.uint8),
        "landscape.png": rng.integers(0, 256, (40, 64, 3), dtype=np.uint8),
        "grey.png": rng.integers(0, 256, (36, 44), dtype=np.uint8),
        "alpha.png": rng.integers(0, 256, (32, 32, 4), dtype=np.uint8),
        "grey_alpha.png": rng.integers(0, 256, (32, 40, 2), dtype=np.uint8),
        "depth16.png": rng.integers(0, 65536, (40, 40), dtype=np.uint16),
        "cats/tabby/odd size.tif": rng.integers(0, 256, (37, 53, 3), dtype=np.uint8),
    }
    for name, image in pixels.items():
        iio.imwrite(src / name, image)
    iio.imwrite(src / "cats" / "photo.jpg", rng.integers(0, 256, (44, 60, 3), dtype=np.uint8), quality=90)
    pixels["cats/photo.jpg"] = iio.imread(src / "cats" / "photo.jpg")  # as decoded
    from PIL import Image

    Image.fromarray(rng.random((32, 48)) > 0.5).save(src / "mask.png")  # 1 bit per pixel
    pixels["mask.png"] = np.where(iio.imread(src / "mask.png"), 255, 0).astype(np.uint8)
    (src / "notes.txt").write_text("not an image")
    (src / ".hidden.png").write_bytes(b"not even a PNG")
    return src, pixels


def test_a_photo_folder_gives_each_image_downsampled_under_its_own_name(photos, tmp_path, capsys):
    src, pixels = photos
    status, out, err = run("downsample", src, tmp_path / "small", "--scale", "1/2", "--method", "area", capsys=capsys)
    assert status == 0, err
    written = sorted(str(p.relative_to(tmp_path / "small")) for p in (tmp_path / "small").rglob("*") if p.is_file())
    expected_names = sorted(name.replace(".jpg", ".png") for name in pixels)  # JPEG, lossy, becomes PNG
    assert written == expected_names
    for name, image in pixels.items():
        small = iio.imread(tmp_path / "small" / name.replace(".jpg", ".png"))
        expected = aa.downsample(image, 0.5, "area", channel_axis=-1 if image.ndim == 3 else None)
        assert small.dtype == expected.dtype, name
        np.testing.assert_array_equal(small, expected, err_msg=name)
    assert out.startswith(f"{len(pixels)} images in ") and out.endswith("; 1 other file left out, not images\n")


@pytest.mark.parametrize(
    ("name", "mode", "saved_with", "shown_as"),
    [
        ("print.jpg", "CMYK", {"quality": 95}, "RGB"),  # read as stored: C, M, Y, K taken for R, G, B, A
        ("print.tif", "CMYK", {}, "RGB"),
        ("logo.png", "P", {"transparency": 0}, "RGBA"),  # palette index 0 transparent: imageio gave RGB
        ("scan.png", "L", {"transparency": 7}, "LA"),  # a grey level shown transparent
        ("key.png", "RGB", {"transparency": (1, 2, 3)}, "RGBA"),  # a colour shown transparent
    ],
)
def test_an_image_is_downsampled_as_viewers_show_it(tmp_path, capsys, name, mode, saved_with, shown_as):
    """CMYK images as RGB, and a colour a PNG marks transparent as alpha, as Pillow's convert gives them."""
    from PIL import Image

    rng = np.random.default_rng(6)
    photo = Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8))
    stored = photo.convert(mode, palette=Image.Palette.ADAPTIVE, colors=16) if mode == "P" else photo.convert(mode)
    if mode == "L":
        stored = Image.fromarray(np.where(rng.random((40, 48)) < 0.3, 7, np.asarray(stored)).astype(np.uint8))
    if mode == "RGB":
        keyed = np.where(rng.random((40, 48, 1)) < 0.3, [1, 2, 3], np.asarray(stored))
        stored = Image.fromarray(keyed.astype(np.uint8))
    stored.save(tmp_path / name, **saved_with)
    with Image.open(tmp_path / name) as image:
        shown = np.asarray(image.convert(shown_as))
    status, _, err = run("downsample", tmp_path / name, tmp_path / "small.png", "--method", "area", capsys=capsys)
    assert status == 0, err
    np.testing.assert_array_equal(iio.imread(tmp_path / "small.png"),
                                  aa.downsample(shown, 0.25, "area", channel_axis=-1))  # fmt: skip


def test_an_image_dst_is_written_as_exactly_as_its_format_allows(tmp_path, capsys):
    """WebP lossless: the pixels exactly. JPEG cannot: quality 95, colour at full resolution (4:4:4), whose error on a
    smooth image is measured at most 5 levels, 0.94 on average (Pillow's default quality 75, 4:2:0: 10 and 1.67)."""
    rows, cols = np.mgrid[0:128, 0:192]
    smooth = np.stack([128 + 100 * np.sin(cols / 14), 128 + 100 * np.cos(rows / 10), (rows + cols) * 255 / 320], -1)
    iio.imwrite(tmp_path / "photo.png", smooth.astype(np.uint8))
    expected = aa.downsample(smooth.astype(np.uint8), 0.5, "bilinear", channel_axis=-1).astype(int)
    for dst in ("small.webp", "small.jpg"):
        status, _, err = run("downsample", tmp_path / "photo.png", tmp_path / dst, "--scale", "1/2", "--method",
                             "bilinear", capsys=capsys)  # fmt: skip
        assert status == 0, err
    np.testing.assert_array_equal(iio.imread(tmp_path / "small.webp"), expected)
    error = np.abs(iio.imread(tmp_path / "small.jpg").astype(int) - expected)
    assert error.max() <= 8 and error.mean() <= 1.3, (error.max(), error.mean())


def test_a_single_image_to_an_image_a_folder_or_a_stack(photos, tmp_path, capsys):
    src, pixels = photos
    expected = aa.downsample(pixels["alpha.png"], 0.25, "bilinear", channel_axis=-1)
    for dst in ("alpha_small.png", "small/", "one.npy"):
        status, _, err = run("downsample", src / "alpha.png", tmp_path / dst, "--method", "bilinear", capsys=capsys)
        assert status == 0, err
    np.testing.assert_array_equal(iio.imread(tmp_path / "alpha_small.png"), expected)
    assert [p.name for p in (tmp_path / "small").iterdir()] == ["alpha.png"]
    np.testing.assert_array_equal(iio.imread(tmp_path / "small" / "alpha.png"), expected)
    np.testing.assert_array_equal(np.load(tmp_path / "one.npy"), expected[None])


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_16_bit_colour_pngs_keep_their_16_bits(tmp_path, capsys, channels):
    """Pillow reads them as 8 bits; they go through PyAV."""
    pytest.importorskip("av")
    image = np.random.default_rng(channels).integers(0, 65536, (24, 32, channels), dtype=np.uint16)
    (tmp_path / "in").mkdir()
    write_png_16(tmp_path / "in" / "deep.png", image)
    status, _, err = run("downsample", tmp_path / "in", tmp_path / "out", "--scale", "1/2", capsys=capsys)
    assert status == 0, err
    written = iio.imread(tmp_path / "out" / "deep.png", plugin="pyav", index=0, format=images._pyav_format(channels))
    np.testing.assert_array_equal(written, aa.downsample(image, 0.5, "gaussian", channel_axis=-1))


def test_a_multi_page_tiff_is_refused_not_read_as_channels(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    iio.imwrite(tmp_path / "in" / "pages.tif", random_frames(3, (64, 64)))  # 3 pages
    status, _, err = run("downsample", tmp_path / "in", tmp_path / "out", capsys=capsys)
    assert status == 1 and "pages.tif" in err and "multi-page" in err and err.count("\n") == 1, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in"]


def test_two_images_with_one_output_name_are_refused_before_writing(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    for name in ("a.png", "a.jpg"):
        iio.imwrite(tmp_path / "in" / name, random_frames(1, (16, 16, 3))[0])
    status, _, err = run("downsample", tmp_path / "in", tmp_path / "out", capsys=capsys)
    assert status == 1 and "a.jpg" in err and "a.png" in err and err.count("\n") == 1, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in"]


def test_a_photo_too_small_for_the_scale_is_named(folder, tmp_path, capsys):
    src, _ = folder
    iio.imwrite(src / "tiny.png", random_frames(1, (2, 2, 3))[0])  # no pixel left at 1/4
    status, _, err = run("downsample", src, tmp_path / "out", "--method", "area", capsys=capsys)
    assert status == 1 and "tiny.png: --scale 0.25 leaves no pixel" in err and err.count("\n") == 1, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(
    "src, dst, mentioned",
    [
        ("in", "out.png", "folder DST"),  # a folder to one image
        ("s.npy", "out.png", "folder DST"),
        ("in/000.png", "out.jpg", ".png or .tif DST"),  # RGBA in JPEG
        ("in", "out", "images are (H, W) or (H, W, C)"),  # with --channel-axis none
    ],
)
def test_what_an_image_dst_or_a_photo_folder_cannot_take_is_refused(folder, tmp_path, capsys, src, dst, mentioned):
    folder_src, _ = folder
    iio.imwrite(folder_src / "000.png", random_frames(1, (16, 16, 4))[0])
    np.save(tmp_path / "s.npy", random_frames(2, (16, 16, 3)))
    extra = ["--channel-axis", "none"] if mentioned.startswith("images are") else []
    status, _, err = run("downsample", tmp_path / src, tmp_path / dst, *extra, capsys=capsys)
    assert status == 2 and mentioned in err and err.count("\n") == 1, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in", "s.npy"]


def test_overwrite_replaces_a_mirrored_tree_of_images(photos, tmp_path, capsys):
    src, _ = photos
    assert run("downsample", src, tmp_path / "small", capsys=capsys)[0] == 0
    (tmp_path / "small" / "cats" / "gone.png").write_bytes((tmp_path / "small" / "grey.png").read_bytes())
    status, _, err = run("downsample", src, tmp_path / "small", "--overwrite", capsys=capsys)
    assert status == 0, err
    assert not (tmp_path / "small" / "cats" / "gone.png").exists()


# A command line that speaks command line

PYTHON_TERMS = re.compile(r"astype|np\.|numpy|channel_axis|\w+=|\(\)|\bimage (of|has|must)\b|\bx\b|avg_pool2d")
"""What an error of the command line must not say: Python's spellings of arguments, conversions and calls."""


@pytest.mark.parametrize("method", aa.METHODS + aa.EXTRA_METHODS)
@pytest.mark.parametrize("kind", ["uint8 RGB", "16-bit grey", "1-bit"])
def test_every_method_runs_on_every_kind_of_image(tmp_path, capsys, method, kind):
    """Where the method does not take the dtype (bilateral: floats only; bilinear, bicubic, lanczos: uint8 and
    floats), the command computes in float32 on [0, 1] and rounds back to the source dtype."""
    rng = np.random.default_rng(0)
    image = {
        "uint8 RGB": rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
        "16-bit grey": rng.integers(0, 65536, (32, 32), dtype=np.uint16),
        "1-bit": rng.random((32, 32)) > 0.5,
    }[kind]
    iio.imwrite(tmp_path / "in.png", image)
    status, _, err = run("downsample", tmp_path / "in.png", tmp_path / "out.png", "--method", method, capsys=capsys)
    assert status == 0, err
    source = np.where(image, 255, 0).astype(np.uint8) if image.dtype == bool else image
    axis = -1 if source.ndim == 3 else None
    try:
        expected = aa.downsample(source, 0.25, method, channel_axis=axis)
    except TypeError:  # the method takes no such dtype
        top = np.float32(np.iinfo(source.dtype).max)
        in_float = aa.downsample(source.astype(np.float32) / top, 0.25, method, channel_axis=axis)
        expected = np.clip(np.rint(in_float * top), 0, top).astype(source.dtype)
    np.testing.assert_array_equal(iio.imread(tmp_path / "out.png"), expected)


@pytest.mark.parametrize("src", ["in.npy", "in.mp4"])
def test_bilateral_on_video_frames_and_uint8_stacks(tmp_path, capsys, src):
    if src == "in.mp4":
        pytest.importorskip("av")
        iio.imwrite(tmp_path / src, random_frames(3, (32, 48, 3)), plugin="pyav", codec="libx264", fps=10)
        frames = iio.imread(tmp_path / src, plugin="pyav")  # as decoded
    else:
        frames = random_frames(3, (32, 48, 3))
        np.save(tmp_path / src, frames)
    command = ["downsample", tmp_path / src, tmp_path / "out.npy", "--method", "bilateral", "--sigma-color", "0.2"]
    status, _, err = run(*command, capsys=capsys)
    assert status == 0, err
    in_float = aa.downsample(frames / np.float32(255), 0.25, "bilateral", channel_axis=-1, sigma_color=0.2)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.rint(in_float * np.float32(255)).astype(np.uint8))


@pytest.mark.parametrize("text", ["1/3", "0.333333", "2/6", " 1/3"])
def test_scale_as_a_fraction_or_six_digits_is_one_over_n(folder, tmp_path, capsys, text):
    src, frames = folder
    status, _, err = run("downsample", src, tmp_path / "out.npy", "--scale", text, capsys=capsys)
    assert status == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), aa.downsample(frames, 1 / 3, channel_axis=-1))


def test_version(capsys):
    status, out, err = run("--version", capsys=capsys)
    assert (status, out, err) == (0, f"antialias-np {aa.__version__}\n", "")


COMMAND_LINE_ERRORS = {
    "scale not 1/n": (["--scale", "0.3"], "--method bilinear"),
    "scale above 1": (["--scale", "2"], "--scale"),
    "scale of 0": (["--scale", "0/1"], "--scale"),
    "scale too small": (["--scale", "1/100000"], "1/65536"),
    "even kernel": (["--method", "median", "--kernel-size", "4"], "--kernel-size"),
    "stride against scale": (["--method", "avgpool", "--stride", "2"], "--stride"),
    "unknown border": (["--method", "median", "--border-type", "mirror"], "--border-type"),
    "negative sigma": (["--method", "bilateral", "--sigma-color", "-1"], "--sigma-color"),
    "kernel too large": (["--method", "median", "--kernel-size", "99"], "--kernel-size"),
    "option of another method": (["--method", "area", "--sigma-space", "1,1"], "--sigma-space"),
}


@pytest.mark.parametrize("name", COMMAND_LINE_ERRORS)
@pytest.mark.parametrize("dst", ["out", "out.npy"])
def test_errors_name_flags_never_python(folder, tmp_path, capsys, name, dst):
    src, _ = folder
    args, mentioned = COMMAND_LINE_ERRORS[name]
    status, _, err = run("downsample", src, tmp_path / dst, *args, capsys=capsys)
    assert status == 2 and mentioned in err and err.count("\n") == 1, err
    assert not PYTHON_TERMS.search(err.replace(str(tmp_path), "")), err


@pytest.mark.parametrize("dtype", ["complex64", "bool", "int16", "float16"])
def test_stacks_of_any_dtype_run_or_get_a_message_in_command_terms(tmp_path, capsys, dtype):
    np.save(tmp_path / "in.npy", np.ones((2, 16, 16, 3), dtype))
    status, _, err = run("downsample", tmp_path / "in.npy", tmp_path / "out.npy", "--method", "bilinear", capsys=capsys)
    assert status == (2 if dtype == "complex64" else 0), err
    assert not PYTHON_TERMS.search(err.replace(str(tmp_path), "")), err


# Complete or absent, whatever happens: real signals sent to the command's process, a full file system

SLOWED_COMMAND = """
import sys, time
from antialias_np import frames
try:
    from antialias_np import images
except ImportError:  # before images had a module
    images = None

def slowly(write):
    def written(*args):
        time.sleep(float(sys.argv[1]))
        return write(*args)
    return written

frames.FrameWriter.write = slowly(frames.FrameWriter.write)
if images is not None:
    images.write_image = slowly(images.write_image)
from antialias_np.cli import main
sys.exit(main(sys.argv[2:]))
"""
"""The command, each image or block written `argv[1]` seconds late: so that a signal reliably lands mid-run."""


def start(*args, delay: float = 0.1) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", SLOWED_COMMAND, str(delay), *map(str, args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stagings(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.partial"))


def wait_for_written(folder: Path, files: int, process: subprocess.Popen, excluding=(), timeout: float = 60) -> None:
    """Wait until a staging folder in `folder` (not one of `excluding`) holds `files` files: the run is under way."""
    deadline = time.monotonic() + timeout
    while sum(1 for s in stagings(folder) if s not in excluding for f in s.rglob("*") if f.is_file()) < files:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run wrote nothing"
        time.sleep(0.02)


@pytest.fixture
def many(tmp_path) -> Path:
    """40 small images: the slowed command takes 4 s over them."""
    (tmp_path / "many").mkdir()
    for i, frame in enumerate(random_frames(40, (16, 16, 3))):
        iio.imwrite(tmp_path / "many" / f"{i:02d}.png", frame)
    return tmp_path / "many"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("dst", ["out", "out.npy"])
def test_a_signal_mid_run_removes_what_was_written(many, tmp_path, signum, dst):
    process = start("downsample", many, tmp_path / dst, "--chunk-frames", 1)
    if dst == "out.npy":  # one file, sized in advance: let a few blocks be written into it
        wait_for_written(tmp_path, 1, process)
        time.sleep(0.5)
    else:
        wait_for_written(tmp_path, 3, process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    name = signal.Signals(signum).name
    stop = "interrupted" if signum == signal.SIGINT else f"stopped by {name}"
    assert process.returncode == 128 + signum
    assert err == f"antialias-np: error: {stop}; nothing was written to {tmp_path / dst}\n"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["many"]


def test_a_killed_runs_staging_is_removed_by_the_next_run_but_a_living_runs_is_not(many, tmp_path):
    killed = start("downsample", many, tmp_path / "out", "--chunk-frames", 1)
    wait_for_written(tmp_path, 3, killed)
    killed.kill()  # SIGKILL: no chance to clean up
    killed.communicate()
    [stale] = stagings(tmp_path)
    living = start("downsample", many, tmp_path / "other", "--chunk-frames", 1)  # beside it, in the same folder
    wait_for_written(tmp_path, 3, living, excluding=[stale])
    assert not stale.exists()
    next_run = start("downsample", many, tmp_path / "third", delay=0)  # while `living` runs
    assert next_run.wait(60) == 0, next_run.communicate()
    assert living.wait(60) == 0, living.communicate()  # its staging folder was left alone
    assert sorted(f.name for f in tmp_path.iterdir()) == ["many", "other", "third"]
    assert len(list((tmp_path / "other").iterdir())) == 40


@pytest.mark.parametrize("dst", ["out", "out.npy"])
def test_replacing_dst_never_leaves_its_name_empty(many, tmp_path, capsys, monkeypatch, dst):
    """Every rename the run makes is checked: DST's name must hold the old or the new result after each."""
    assert run("downsample", many, tmp_path / dst, capsys=capsys)[0] == 0
    moments = []

    def watched(rename):
        def renamed(source, target, *args, **kwargs):
            rename(source, target, *args, **kwargs)
            moments.append(os.path.lexists(tmp_path / dst))
        return renamed

    monkeypatch.setattr(os, "rename", watched(os.rename))
    monkeypatch.setattr(os, "replace", watched(os.replace))
    status, _, err = run("downsample", many, tmp_path / dst, "--overwrite", "--method", "area", capsys=capsys)
    assert status == 0, err
    assert all(moments)


KILLED_BETWEEN_RENAMES = """
import os, signal, sys
from antialias_np import staging

staging.exchange = lambda a, b: False  # as on a system without renameat2
rename = os.rename

def rename_then_die(source, target):
    rename(source, target)
    if str(source) == sys.argv[3]:  # DST moved away, the new one not yet in
        os.kill(os.getpid(), signal.SIGKILL)

os.rename = rename_then_die
from antialias_np.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_the_exchange_a_run_killed_between_renames_has_dst_put_back_by_the_next_run(many, tmp_path, capsys):
    assert run("downsample", many, tmp_path / "out", "--method", "area", capsys=capsys)[0] == 0
    before = snapshot(tmp_path / "out")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", KILLED_BETWEEN_RENAMES, "downsample", many, tmp_path / "out", "--overwrite"]
    killed = subprocess.run(list(map(str, command)), capture_output=True, text=True, env=env)
    assert killed.returncode == -signal.SIGKILL and not (tmp_path / "out").exists(), killed.stderr
    status, _, err = run("downsample", many, tmp_path / "out", capsys=capsys)  # without --overwrite
    assert status == 1 and "--overwrite" in err  # the old DST is back, and this run may not replace it
    assert snapshot(tmp_path / "out") == before
    assert stagings(tmp_path) == []


FINALIZER_AFTER_CTRL_C = """
import sys
import imageio.plugins.pillow

def interrupted(self, *args, **kwargs):  # Ctrl-C while imageio opens a file: its plugin is left half made
    raise KeyboardInterrupt

imageio.plugins.pillow.PillowPlugin.__init__ = interrupted
from antialias_np.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_no_traceback_after_the_error_line_from_a_half_made_reader(folder, tmp_path):
    src, _ = folder
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", FINALIZER_AFTER_CTRL_C, "downsample", str(src), str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 130
    assert done.stderr == "antialias-np: error: interrupted\n"


def test_ctrl_c_swallowed_by_a_callback_still_stops_the_run(folder, tmp_path, capsys, monkeypatch):
    """Numba's compiler runs Python callbacks through ctypes, which print and drop a KeyboardInterrupt."""
    src, _ = folder

    def during_ctrl_c(write):
        def written(*args):
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
            except KeyboardInterrupt:
                pass  # swallowed, as a callback does
            write(*args)
        return written

    monkeypatch.setattr(images, "write_image", during_ctrl_c(images.write_image))  # a folder DST
    monkeypatch.setattr(FrameWriter, "write", during_ctrl_c(FrameWriter.write))  # the others
    for dst in ("out", "out.npy"):
        status, _, err = run("downsample", src, tmp_path / dst, "--chunk-frames", 1, capsys=capsys)
        assert status == 130 and err.startswith("antialias-np: error: interrupted; nothing was written"), err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in"]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="watches the process's libraries in /proc")
def test_ctrl_c_while_the_command_starts_is_one_line(folder, tmp_path):
    """SIGINT once Numba's library is loaded, while the modules are still being imported."""
    src, _ = folder
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "antialias_np", "downsample", src, tmp_path / "out"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    deadline = time.monotonic() + 30
    while "llvmlite" not in Path(f"/proc/{process.pid}/maps").read_text():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (130, 0), err  # 0: the run ended before the signal
    assert "Traceback" not in err and err.count("\n") <= 1, err


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


@pytest.mark.parametrize("dst", ["small", "one.png", "existing"])
def test_a_full_disk_is_one_line_and_frees_what_the_run_wrote(tmp_path, small_disk, capsys, dst):
    (tmp_path / "in").mkdir()
    for i, frame in enumerate(random_frames(30, (64, 64, 3))):  # 30 x 12 KiB of noise: PNG cannot compress it
        iio.imwrite(tmp_path / "in" / f"{i:02d}.png", frame)
    iio.imwrite(tmp_path / "big.png", random_frames(1, (400, 400, 3))[0])  # 470 KiB
    (small_disk / "existing").mkdir()
    iio.imwrite(small_disk / "existing" / "kept.png", random_frames(1, (8, 8, 3))[0])
    before, empty = snapshot(small_disk), free_bytes(small_disk)
    src = tmp_path / ("big.png" if dst == "one.png" else "in")
    status, out, err = run("downsample", src, small_disk / dst, "--scale", "1", "--overwrite", capsys=capsys)
    assert status == 1 and out == "" and err.count("\n") == 1, err
    assert "No space left on device" in err and err.startswith("antialias-np: error: cannot write image "), err
    assert snapshot(small_disk) == before and free_bytes(small_disk) == empty


@pytest.mark.parametrize(
    "frame_shape, args, flag",
    [((3, 32, 40), [], "--channel-axis none"), ((32, 40, 3), ["--channel-axis", "none"], "--channel-axis -1")],
)
def test_a_stack_whose_layout_the_shape_contradicts_is_refused_in_flags(tmp_path, capsys, frame_shape, args, flag):
    """A torch-layout stack read as channels last (the default), or a channels-last stack read as torch layout, is a
    usage error naming the flag that reads it right, before anything is written."""
    np.save(tmp_path / "in.npy", random_frames(2, frame_shape))
    status, out, err = run("downsample", tmp_path / "in.npy", tmp_path / "out.npy", *args, capsys=capsys)
    assert status == 2 and flag in err and err.count("\n") == 1, err
    assert "channel_axis" not in err and "np." not in err, err
    assert not (tmp_path / "out.npy").exists() and out == ""


def test_compile_fills_numbas_cache_and_reports_each_step(tmp_path):
    """`antialias-np compile` compiles every kernel for the dtypes asked into Numba's cache (here an empty
    NUMBA_CACHE_DIR), with a line per step on stderr and a one-line summary; an unknown dtype is a usage error."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "antialias_np", "compile", "--dtypes", "float64"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("[1/") and re.fullmatch(r"\d+ kernels compiled, \d+ found in .*\n", done.stdout)
    assert int(done.stdout.split()[0]) > 0 and list((tmp_path / "cache").rglob("*.nbi"))
    refused = subprocess.run([*command[:-1], "bool"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--dtypes" in refused.stderr and refused.stderr.count("\n") == 1


def test_a_photo_flagged_to_be_shown_turned_is_downsampled_upright(tmp_path, capsys):
    """A phone's portrait JPEG is stored landscape with an EXIF orientation (6: turn 90 degrees clockwise): it is
    read as viewers show it, as a video's display rotation is, so the output, which carries no EXIF, is upright."""
    from PIL import Image

    stored = random_frames(1, (40, 64, 3))[0]
    photo = Image.fromarray(stored)
    exif = photo.getexif()
    exif[0x0112] = 6
    (tmp_path / "in").mkdir()
    photo.save(tmp_path / "in" / "portrait.jpg", exif=exif, quality=95)
    status, _, err = run("downsample", tmp_path / "in", tmp_path / "out", "--method", "area", capsys=capsys)
    assert status == 0, err
    upright = iio.imread(tmp_path / "in" / "portrait.jpg", plugin="pillow", rotate=True)
    assert upright.shape == (64, 40, 3)
    np.testing.assert_array_equal(iio.imread(tmp_path / "out" / "portrait.png"),
                                  aa.downsample(upright, 0.25, "area", channel_axis=-1))  # fmt: skip
