"""Frames in and out (antialias_np.frames): each kind read and written back, block by block, and its errors."""

from __future__ import annotations

import inspect
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
    monkeypatch.setattr(frames_module.iio, "imread", lambda f: reads.append(f) or real_imread(f))
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


def test_a_video_is_written_in_order_only(tmp_path):
    pytest.importorskip("av")
    with open_writer(tmp_path / "out.mp4", (16, 16, 3), np.uint8) as writer:
        assert writer.block_writer(0) is None


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


def test_video_reads_in_order_and_from_any_frame(tmp_path):
    pytest.importorskip("av")
    frames = smooth_frames(20)
    iio.imwrite(tmp_path / "in.mp4", frames, plugin="pyav", codec="libx264", fps=10)
    source = open_frames(tmp_path / "in.mp4")
    assert (source.kind, source.count, source.frame_shape, source.fps) == ("video", 20, (64, 64, 3), 10.0)
    decoded = read_all(tmp_path / "in.mp4", block=6)
    assert decoded.shape == frames.shape
    np.testing.assert_array_equal(source.block_reader(7, 13)(), decoded[7:13])


def test_video_round_trip(tmp_path):
    pytest.importorskip("av")
    frames = smooth_frames(12)
    with open_writer(tmp_path / "out.mp4", frames.shape[1:], frames.dtype, fps=12) as writer:
        writer.write(frames[:5])
        writer.write(frames[5:])
    source = open_frames(tmp_path / "out.mp4")
    assert (source.count, source.frame_shape, source.fps) == (12, (64, 64, 3), 12.0)
    decoded = read_all(tmp_path / "out.mp4")
    assert np.abs(decoded.astype(int) - frames).mean() < 3  # lossy, but these frames survive H.264 nearly intact


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
    with pytest.raises(ValueError, match="number of frames in advance"):
        open_writer(tmp_path / "out.npy", (4, 4), np.uint8)


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
        ("video", (9, 8, 3), np.uint8, False),  # H.264's 4:2:0 needs even sizes
        ("video", (8, 8), np.uint8, False),
        ("npy", (3, 8, 8), np.float64, True),
        ("zarr", (8, 8, 1), np.int16, True),
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
