"""Frames in and out (antialias_np.frames): each kind read and written back, block by block, and its errors."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

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
    assert (source.kind, source.count, source.frame_shape, source.fps) == ("video", None, (64, 64, 3), 10.0)
    assert source.recorded_count == 20
    decoded = read_all(tmp_path / "in.mp4", block=6)
    assert decoded.shape == frames.shape
    with pytest.raises(ValueError, match=r"indexed\(\) first"):
        source.block_reader(7, 13)
    indexed = source.indexed()
    assert indexed.count == 20
    np.testing.assert_array_equal(indexed.block_reader(7, 13)(), decoded[7:13])


def test_video_round_trip(tmp_path):
    pytest.importorskip("av")
    frames = smooth_frames(12)
    with open_writer(tmp_path / "out.mp4", frames.shape[1:], frames.dtype, fps=12) as writer:
        writer.write(frames[:5])
        writer.write(frames[5:])
    source = open_frames(tmp_path / "out.mp4").indexed()
    assert (source.count, source.frame_shape, source.fps) == (12, (64, 64, 3), 12.0)
    assert source.times == tuple(Fraction(i, 12) for i in range(12))
    decoded = read_all(tmp_path / "out.mp4")
    assert np.abs(decoded.astype(int) - frames).max() <= 3  # measured 2: lossless H.264, RGB -> YUV -> RGB rounding


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


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    video_clips = pytest.importorskip("video_clips")  # skipped without PyAV
    return video_clips.make_clips(tmp_path_factory.mktemp("clips"))


UNROTATED_CLIPS = ["constant rate", "late start", "variable rate", "b-frames", "cut", "cut mkv"]


@pytest.mark.parametrize("clip", UNROTATED_CLIPS)
def test_video_frames_and_times_are_those_of_sequential_decoding(clips, clip):
    """Read in blocks, or chunk by chunk from any frame (each chunk seeks), a video gives the frames a sequential
    decoder gives, no more and no fewer (a cut records 25 but decodes 22), with their presentation times."""
    from video_clips import decode_sequentially

    expected, expected_times = decode_sequentially(clips[clip])
    source = open_frames(clips[clip])
    blocks = list(source.timed_blocks(7))
    np.testing.assert_array_equal(np.concatenate([block.frames for block in blocks]), expected)
    assert [time for block in blocks for time in block.times] == expected_times

    indexed = source.indexed()
    assert indexed.count == len(expected)
    assert list(indexed.times) == expected_times
    for start in range(0, indexed.count, 4):
        stop = min(start + 4, indexed.count)
        np.testing.assert_array_equal(indexed.block_reader(start, stop)(), expected[start:stop], err_msg=f"{start}")


@pytest.mark.parametrize("degrees", [90, 180, -90])
def test_a_rotated_video_is_read_upright(tmp_path, degrees):
    """A phone stores its picture turned and flags how to show it: frames come out as a player shows them."""
    video_clips = pytest.importorskip("video_clips")
    upright = video_clips.distinct_frames(12)  # a bright square top left
    stored = np.ascontiguousarray(np.rot90(upright, -degrees // 90, axes=(1, 2)))
    path = video_clips.write_clip(tmp_path / "phone.mp4", stored, list(range(12)), Fraction(1, 10))
    decoded, _ = video_clips.decode_sequentially(path)
    video_clips.rotate_clip(path, degrees)

    source = open_frames(path)
    assert (source.rotation, source.frame_shape) == (degrees % 360, upright.shape[1:])
    frames = read_all(path)
    np.testing.assert_array_equal(frames, np.rot90(decoded, degrees // 90, axes=(1, 2)))
    assert frames[:, :8, :8].min() > 240 and frames[:, -8:, -8:].max() < 240  # the square is top left
    np.testing.assert_array_equal(source.indexed().block_reader(5, 12)(), frames[5:])


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


def test_video_keeps_each_frame_time_or_a_constant_rate(clips, tmp_path):
    """Variable-rate frames are shown as long as in the source (the first at 0); fps forces a constant rate."""
    from video_clips import VARIABLE_GAPS, decode_sequentially

    source = open_frames(clips["variable rate"])
    expected = [Fraction(sum(VARIABLE_GAPS[:i]), 30) for i in range(30)]
    # .mp4 with the source's clock, exact; .mkv, whose clock counts milliseconds, to the nearest one
    for name, time_base, error in (("exact.mp4", source.time_base, 0), ("default.mkv", None, Fraction(1, 2000))):
        with open_writer(tmp_path / name, source.frame_shape, np.uint8, time_base=time_base) as writer:
            for block in source.timed_blocks(8):
                writer.write(block.frames, block.times)
        _, times = decode_sequentially(tmp_path / name)
        assert len(times) == 30 and all(abs(time - want) <= error for time, want in zip(times, expected, strict=True))
    with open_writer(tmp_path / "constant.mp4", source.frame_shape, np.uint8, fps=24) as writer:
        for block in source.timed_blocks(8):
            writer.write(block.frames, block.times)
    assert decode_sequentially(tmp_path / "constant.mp4")[1] == [Fraction(i, 24) for i in range(30)]


def test_video_quality_is_set_by_crf(tmp_path):
    """The default (lossless H.264 in 4:4:4) gives back the frames written within the RGB -> YUV -> RGB rounding,
    at any size; crf=23 (x264's default) does not."""
    video_clips = pytest.importorskip("video_clips")
    frames = random_frames(6, (33, 47, 3))
    errors = {}
    for crf in (None, 23):
        options = {} if crf is None else {"crf": crf}
        with open_writer(tmp_path / f"{crf}.mp4", frames.shape[1:], np.uint8, **options) as writer:
            writer.write(frames)
        decoded, _ = video_clips.decode_sequentially(tmp_path / f"{crf}.mp4")
        errors[crf] = np.abs(decoded.astype(int) - frames)
    assert errors[None].max() <= 3  # measured 2 (mean 0.40) on random frames of 33 x 47, 64 x 64 and 160 x 120
    assert errors[23].max() > 50  # measured 114: quantised
    with pytest.raises(ValueError, match="crf"):
        open_writer(tmp_path / "bad.mp4", (8, 8, 3), np.uint8, crf=52)


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


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 256 KiB file system, mounted for the test (as root; skipped where mounting is not allowed)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


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


def test_video_times_must_increase_and_a_failed_video_is_removed(tmp_path):
    pytest.importorskip("av")
    frames = smooth_frames(3, 16)
    with pytest.raises(ValueError, match="frame times must increase"):
        with open_writer(tmp_path / "out.mp4", frames.shape[1:], np.uint8) as writer:
            writer.write(frames, [Fraction(0), Fraction(1, 10), Fraction(2, 10)])
            writer.write(frames[:1], [Fraction(1, 10)])
    assert list(tmp_path.iterdir()) == []
