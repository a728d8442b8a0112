"""Videos in and out (antialias_np.video, through frames.open_frames and open_writer): frames and times exactly
those of sequential decoding, from any frame, upright, written at their times or a constant rate, and the errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from test_frames import random_frames, read_all, smooth_frames

from antialias_np.frames import open_frames, open_writer


def test_a_video_is_written_in_order_only(tmp_path):
    pytest.importorskip("av")
    with open_writer(tmp_path / "out.mp4", (16, 16, 3), np.uint8) as writer:
        assert writer.block_writer(0) is None


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


# (size, encoding options): the pixel formats cameras and encoders write, at sizes that take swscale off its
# unscaled fast path (odd, 4:2:0 at 10 bits), with chroma sited left (H.264 and HEVC) or unspecified (VP9)
CONVERSION_CLIPS = {
    "h264 8-bit 4:2:0": ("48x32", "-c:v", "libx264", "-pix_fmt", "yuv420p"),
    "h264 8-bit 4:2:0 full range bt709": ("48x32", "-c:v", "libx264", "-pix_fmt", "yuvj420p", "-colorspace", "bt709"),
    "h264 8-bit 4:2:2": ("50x34", "-c:v", "libx264", "-pix_fmt", "yuv422p"),
    "h264 8-bit 4:2:0 interlaced": ("48x32", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme"),
    "h264 10-bit 4:2:0": ("48x32", "-c:v", "libx264", "-pix_fmt", "yuv420p10le"),
    "h264 10-bit 4:2:0 full range bt709": (
        "48x32", "-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-color_range", "pc", "-colorspace", "bt709"
    ),
    "h264 10-bit 4:2:2 bt709": ("48x32", "-c:v", "libx264", "-pix_fmt", "yuv422p10le", "-colorspace", "bt709"),
    "h264 10-bit 4:4:4 odd": ("47x33", "-c:v", "libx264", "-pix_fmt", "yuv444p10le"),
    "vp9 8-bit 4:2:0 odd": ("47x33", "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p"),
    "vp9 10-bit 4:2:0 odd bt709": ("47x33", "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p10le", "-colorspace", "bt709"),
}  # fmt: skip


@pytest.mark.parametrize("clip", CONVERSION_CLIPS)
def test_video_rgb_is_that_of_the_ffmpeg_command_line(tmp_path, clip):
    """Frames in RGB bit for bit as `ffmpeg -i VIDEO -pix_fmt rgb24` gives them: 8 and 10 bits, 4:2:0, 4:2:2 and
    4:4:4, odd sizes, BT.601 and BT.709, limited and full range, interlaced (PyAV's own conversion was up to 115
    levels apart on these 10-bit 4:2:0 and 4:2:2 clips, 33 on the odd-sized 4:2:0 ones, 128 on the interlaced one,
    and equal on the others)."""
    video_clips = pytest.importorskip("video_clips")
    size, *encoding = CONVERSION_CLIPS[clip]
    path = video_clips.ffmpeg_clip(tmp_path / ("clip.webm" if "vp9" in clip else "clip.mp4"), size, *encoding)
    expected = video_clips.ffmpeg_rgb24(path)
    np.testing.assert_array_equal(read_all(path), expected)
    np.testing.assert_array_equal(open_frames(path).indexed().block_reader(1, 4)(), expected[1:])


@pytest.mark.parametrize("cut", ["inside a packet", "between packets"])
def test_a_truncated_video_is_an_error_not_fewer_frames(tmp_path, cut):
    """An .mp4 whose data breaks off (a download or copy cut short, its index first) raises, naming the file and
    the frames that decode before the break, rather than giving those frames as if they were all: the demuxer
    finds the last packet incomplete, or, cut between packets, there are fewer packets than the container
    records."""
    video_clips = pytest.importorskip("video_clips")
    whole = video_clips.write_clip(
        tmp_path / "whole.mp4", video_clips.distinct_frames(30), list(range(30)), Fraction(1, 10), b_frames=2,
        container_options={"movflags": "faststart"},  # the index before the frames, as for streaming
    )  # fmt: skip
    ends = video_clips.packet_ends(whole)
    kept = 11  # packets whole
    length = ends[kept - 1] if cut == "between packets" else (ends[kept - 1] + ends[kept]) // 2
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[:length])

    source = open_frames(truncated)
    message = rf"cannot decode {truncated} after {kept} frames \(its data breaks off .*truncated"
    with pytest.raises(ValueError, match=message):
        list(source.timed_blocks(8))
    with pytest.raises(ValueError, match=message):
        source.indexed()
    assert len(read_all(whole)) == 30


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


def test_video_times_must_increase_and_a_failed_video_is_removed(tmp_path):
    pytest.importorskip("av")
    frames = smooth_frames(3, 16)
    with pytest.raises(ValueError, match="frame times must increase"):
        with open_writer(tmp_path / "out.mp4", frames.shape[1:], np.uint8) as writer:
            writer.write(frames, [Fraction(0), Fraction(1, 10), Fraction(2, 10)])
            writer.write(frames[:1], [Fraction(1, 10)])
    assert list(tmp_path.iterdir()) == []
