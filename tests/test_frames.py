"""Frames in and out (antialias_np.frames): each kind read and written back, block by block, and its errors."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from antialias_np import frames as frames_module
from antialias_np.frames import check_writable, destination_kind, open_frames, open_writer


def random_frames(count: int, shape=(24, 32, 3), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, *shape), dtype=np.uint8)


def smooth_frames(count: int, size: int = 64) -> np.ndarray:
    """Frames a video codec keeps nearly unchanged: gentle gradients that move from frame to frame."""
    y, x = np.mgrid[0:size, 0:size]
    return np.stack(
        [np.stack([(x * 2 + 3 * t) % 256, (y * 2 + t) % 256, np.full_like(x, 128)], axis=-1) for t in range(count)]
    ).astype(np.uint8)


def write_folder(folder, frames: np.ndarray) -> None:
    """Unpadded names, so that 10.png must sort after 9.png."""
    folder.mkdir()
    for i, frame in enumerate(frames):
        iio.imwrite(folder / f"frame{i}.png", frame)


def read_all(path, block: int = 4) -> np.ndarray:
    return np.concatenate(list(open_frames(path).blocks(block)))


def test_folder_is_read_in_natural_order_block_by_block(tmp_path):
    frames = random_frames(12)
    write_folder(tmp_path / "in", frames)
    source = open_frames(tmp_path / "in")
    assert (source.kind, source.count, source.frame_shape, source.dtype) == ("folder", 12, (24, 32, 3), np.uint8)
    assert [len(b) for b in source.blocks(5)] == [5, 5, 2]
    np.testing.assert_array_equal(read_all(tmp_path / "in"), frames)
    np.testing.assert_array_equal(source.block_reader(3, 11)(), frames[3:11])


def test_blocks_stream_reading_only_what_they_yield(tmp_path, monkeypatch):
    write_folder(tmp_path / "in", random_frames(12))
    source = open_frames(tmp_path / "in")
    reads = []
    real_imread = iio.imread
    monkeypatch.setattr(frames_module.iio, "imread", lambda f, **options: reads.append(f) or real_imread(f, **options))
    blocks = source.blocks(3)
    assert inspect.isgenerator(blocks)
    next(blocks)
    assert len(reads) == 3


def destination(tmp_path, kind: str):
    """A path in tmp_path of the destination kind, the test skipped where the kind's optional module is missing."""
    optional = {"video": "av", "zarr": "zarr"}
    if kind in optional:
        pytest.importorskip(optional[kind])
    return tmp_path / {"folder": "out", "npy": "out.npy", "zarr": "out.zarr", "video": "out.mp4"}[kind]


@pytest.mark.parametrize("kind", ["folder", "npy", "zarr"])
def test_lossless_kinds_round_trip(tmp_path, kind):
    frames = random_frames(10)
    path = destination(tmp_path, kind)
    with open_writer(path, frames.shape[1:], frames.dtype, count=len(frames), chunk_frames=4) as writer:
        for start in range(0, 10, 3):
            writer.write(frames[start : start + 3])
    assert writer.written == 10
    source = open_frames(path)
    assert (source.kind, source.count, source.frame_shape) == (kind, 10, (24, 32, 3))
    np.testing.assert_array_equal(read_all(path), frames)


@pytest.mark.parametrize("kind", ["folder", "npy", "zarr"])
def test_blocks_may_be_written_in_any_order(tmp_path, kind):
    """What workers do: each writes its own block, whenever it is ready."""
    frames = random_frames(12)
    path = destination(tmp_path, kind)
    with open_writer(path, frames.shape[1:], frames.dtype, count=len(frames), chunk_frames=4) as writer:
        for start in (8, 0, 4):
            writer.block_writer(start)(frames[start : start + 4])
    np.testing.assert_array_equal(read_all(path), frames)


def test_npy_is_read_through_a_memory_map(tmp_path, monkeypatch):
    np.save(tmp_path / "in.npy", random_frames(6))
    loads = []
    real_load = np.load
    monkeypatch.setattr(frames_module.np, "load", lambda *a, **k: loads.append(k) or real_load(*a, **k))
    list(open_frames(tmp_path / "in.npy").blocks(4))
    assert loads and all(k.get("mmap_mode") == "r" for k in loads)


def test_zarr_is_chunked_along_frames(tmp_path):
    zarr = pytest.importorskip("zarr")
    with open_writer(tmp_path / "out.zarr", (24, 32, 3), np.uint8, chunk_frames=4) as writer:
        writer.write(random_frames(10))
    assert zarr.open_array(str(tmp_path / "out.zarr"), mode="r").chunks == (4, 24, 32, 3)


def test_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        open_frames(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("not frames")
    with pytest.raises(ValueError, match=r"notes\.txt"):
        open_frames(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        open_frames(tmp_path / "empty")
    np.save(tmp_path / "flat.npy", np.zeros((4, 4)))
    with pytest.raises(ValueError, match="stack of frames"):
        open_frames(tmp_path / "flat.npy")
    with pytest.raises(ValueError, match="cannot write frames to"):
        destination_kind(tmp_path / "out.txt")
    with pytest.raises(ValueError, match=r"\.webm videos are read only"):
        destination_kind(tmp_path / "out.webm")


def test_a_frame_of_another_size_is_named(tmp_path):
    write_folder(tmp_path / "in", random_frames(3))
    iio.imwrite(tmp_path / "in" / "frame3.png", random_frames(1, (8, 8, 3))[0])
    with pytest.raises(ValueError, match=r"frame3\.png has shape"):
        read_all(tmp_path / "in")


def test_a_missing_extra_names_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zarr", None)  # import zarr now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'antialias_np\[zarr\]'"):
        open_writer(tmp_path / "out.zarr", (4, 4), np.uint8)


@pytest.mark.parametrize("kind, path", [("folder", "out"), ("npy", "a.NPY"), ("zarr", "a.zarr"), ("video", "a.mp4")])
def test_destination_kind_by_suffix(tmp_path, kind, path):
    assert destination_kind(tmp_path / path) == kind


@pytest.mark.parametrize(
    "kind, frame_shape, dtype, writable",
    [
        ("folder", (8, 8), np.uint8, True),
        ("folder", (8, 8, 3), np.uint8, True),
        ("folder", (8, 8), np.uint16, True),
        ("folder", (8, 8, 1), np.uint8, False),  # imageio refuses one channel
        ("folder", (8, 8, 3), np.uint16, False),
        ("folder", (8, 8, 3), np.float32, False),
        ("video", (8, 8, 3), np.uint8, True),
        ("video", (9, 7, 3), np.uint8, True),  # 4:4:4 takes odd sizes
        ("video", (8, 8, 3), np.float32, False),
        ("video", (8, 8), np.uint8, False),
        ("npy", (3, 8, 8), np.float64, True),
        ("zarr", (8, 8, 1), np.int16, True),
        ("npy", (8, 8), object, False),
    ],
)
def test_check_writable_matches_what_each_kind_holds(tmp_path, kind, frame_shape, dtype, writable):
    if not writable:
        with pytest.raises(ValueError, match="holds"):
            check_writable(kind, frame_shape, dtype)
        return
    check_writable(kind, frame_shape, dtype)
    path = destination(tmp_path, kind)
    with open_writer(path, frame_shape, dtype, count=2) as writer:  # what it accepts is written
        writer.write(np.zeros((2, *frame_shape), dtype))


# Videos as they come from cameras and editors: tests/video_clips.py makes each kind.


@pytest.mark.parametrize("kind", ["npy", "zarr"])
def test_a_stack_holds_the_frames_written_not_those_announced(tmp_path, kind):
    """A source that announced 10 frames and gave 7 (a cut video's container) makes a stack of 7, not 7 and 3 of
    zeros."""
    frames = random_frames(7)
    path = destination(tmp_path, kind)
    with open_writer(path, frames.shape[1:], frames.dtype, count=10, chunk_frames=4) as writer:
        writer.write(frames[:4])
        writer.write(frames[4:])
    assert writer.written == 7
    np.testing.assert_array_equal(read_all(path), frames)


def test_data_errors_name_the_file(tmp_path):
    pytest.importorskip("av")
    np.save(tmp_path / "objects.npy", np.array([[[1]], [["a"]]], dtype=object))
    truncated = tmp_path / "truncated.npy"
    np.save(truncated, random_frames(4))
    truncated.write_bytes(truncated.read_bytes()[:-100])
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video")
    for name, reason in (
        ("objects.npy", "Python objects"),
        ("truncated.npy", "shorter than its header says"),
        ("empty.mp4", "not a video"),
        ("text.mp4", "not a video"),
    ):
        with pytest.raises(ValueError, match=rf"{re.escape(str(tmp_path / name))}.*{reason}"):
            read_all(tmp_path / name)


FILL_DISK = """
import sys
import numpy as np
from antialias_np.frames import open_writer
frames = np.random.default_rng(0).integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)  # incompressible
with open_writer(sys.argv[1], (64, 64, 3), np.uint8, count=64) as writer:
    for _ in range(8):  # 1.5 MiB
        writer.write(frames)
"""


@pytest.mark.parametrize("name", ["out.npy", "out.mp4"])
def test_a_full_disk_is_an_oserror_naming_the_file_and_frees_it(small_disk, name):
    """Not a signal from a memory map, nor a traceback from a finalizer; and no (sparse) file left."""
    if name.endswith(".mp4"):
        pytest.importorskip("av")
    run = subprocess.run([sys.executable, "-c", FILL_DISK, str(small_disk / name)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("OSError: ") and str(small_disk / name) in run.stderr
    assert "Exception ignored" not in run.stderr and run.stderr.count("Traceback") == 1
    assert list(small_disk.iterdir()) == []
