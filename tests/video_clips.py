"""Tiny videos with the properties that trip frame readers, made with PyAV alone (no ffmpeg program): a late start,
a variable frame rate, B-frames, a stream-copy cut that records more frames than decode, a display rotation, a
truncated file; and, with the ffmpeg program, clips in the pixel formats cameras write and their frames as the
command line converts them to RGB.

Each clip's frames are told apart by their content, so that a reader giving frame 7 for frame 8 fails a test."""

from __future__ import annotations

import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")

HEIGHT, WIDTH = 32, 48


def distinct_frames(count: int, height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """(count, height, width, 3) uint8: a gradient that moves and a bright square in the top-left corner (which
    shows which way up a frame is), each frame another mean level."""
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for t in range(count):
        frame = np.stack([(x * 5 + t * 11) % 200, (y * 6 + t * 7) % 200, np.full_like(x, (t * 37) % 200)], axis=-1)
        frame[:8, :8] = 255
        frames.append(frame)
    return np.stack(frames).astype(np.uint8)


def write_clip(
    path: Path,
    frames: np.ndarray,
    pts: list[int],
    time_base: Fraction,
    *,
    keyframe_interval: int = 6,
    b_frames: int = 0,
    container_options: dict[str, str] | None = None,
) -> Path:
    """H.264 in yuv420p (as cameras write it) with these presentation timestamps."""
    with av.open(str(path), "w", options=container_options) as container:
        options = {"g": str(keyframe_interval), "bf": str(b_frames), "sc_threshold": "0"}
        stream = container.add_stream("libx264", options=options)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.time_base = stream.codec_context.time_base = time_base
        for frame, timestamp in zip(frames, pts, strict=True):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts, video_frame.time_base = int(timestamp), time_base
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode())
    return path


def cut_clip(source: Path, path: Path, first_packet: int) -> Path:
    """Copy `source`'s packets from `first_packet` on (in decoding order) without decoding them, as a stream-copy
    cut does: starting mid-GOP, the container records packets that cannot be decoded without the ones before."""
    with av.open(str(source)) as original, av.open(str(path), "w") as cut:
        stream = original.streams.video[0]
        copy = cut.add_stream_from_template(stream)
        packets = [packet for packet in original.demux(stream) if packet.size]
        for packet in packets[first_packet:]:
            packet.stream = copy
            cut.mux(packet)
    return path


def rotate_clip(path: Path, degrees: int) -> Path:
    """Flag an .mp4 to be shown turned `degrees` counterclockwise, as phones flag portrait video: the display
    matrix of its track header (tkhd), which PyAV reads back as each frame's `rotation`."""
    data = bytearray(path.read_bytes())
    box = data.index(b"tkhd")
    version = data[box + 4]
    matrix_at = box + 4 + (52 if version == 1 else 40)  # after version, flags, times, ids, layer, volume
    angle = np.deg2rad(degrees)  # as the mov muxer writes av_display_rotation_set(degrees)
    c, s = round(np.cos(angle) * 65536), round(np.sin(angle) * 65536)
    data[matrix_at : matrix_at + 36] = struct.pack(">9i", c, -s, 0, s, c, 0, 0, 0, 1 << 30)
    path.write_bytes(bytes(data))
    with av.open(str(path)) as container:
        assert (next(container.decode(video=0)).rotation - degrees) % 360 == 0, "the display matrix was not read back"
    return path


def packet_ends(path: Path) -> list[int]:
    """Where each of the video's packets ends in the file, in bytes, in file order."""
    with av.open(str(path)) as container:
        return sorted(packet.pos + packet.size for packet in container.demux(video=0) if packet.size)


def ffmpeg_program() -> str:
    """The ffmpeg program (Debian's package `ffmpeg`), skipping the test without it."""
    from optional import unavailable

    program = shutil.which("ffmpeg")
    if program is None:
        unavailable("the ffmpeg program is not installed")
    return str(program)


def ffmpeg_clip(path: Path, size: str, *encoding: str) -> Path:
    """Four frames of ffmpeg's moving test pattern at `size` ("WxH"), encoded with the options `encoding`."""
    # in RGB, which keeps an odd size (the pattern's own YUV rounds it down to even)
    source = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25,format=rgb24", "-frames:v", "4"]
    subprocess.run([ffmpeg_program(), "-v", "error", *source, *encoding, str(path)], check=True)
    return path


def ffmpeg_rgb24(path: Path) -> np.ndarray:
    """Every frame of the video as `ffmpeg -i VIDEO -pix_fmt rgb24` gives it, (N, H, W, 3) uint8."""
    command = [ffmpeg_program(), "-v", "error", "-i", str(path), "-fps_mode", "passthrough"]
    raw = subprocess.run([*command, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        height, width = stream.codec_context.height, stream.codec_context.width
    return np.frombuffer(raw.stdout, np.uint8).reshape(-1, height, width, 3)


def decode_sequentially(path: Path) -> tuple[np.ndarray, list[Fraction]]:
    """Every frame PyAV's decoder gives, in order, as stored (not rotated), and each frame's time in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        return np.stack([f.to_ndarray(format="rgb24") for f in frames]), [f.pts * stream.time_base for f in frames]


VARIABLE_GAPS = [1, 3, 1, 1, 2, 5, 1, 1, 1, 2, 1, 1, 4, 1, 1, 1, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 6, 1, 1, 1]
"""Frame intervals of the variable-rate clip, in 30ths of a second: 12.9 frames per second on average."""


def make_clips(folder: Path) -> dict[str, Path]:
    """The clips, by what is odd about them, in `folder`."""
    frames = distinct_frames(30)
    tenth = Fraction(1, 10)
    constant = write_clip(folder / "constant.mp4", frames, list(range(30)), tenth, b_frames=2)
    bframes = write_clip(folder / "bframes.mp4", frames, list(range(30)), tenth, keyframe_interval=8, b_frames=3)
    clips = {
        "constant rate": constant,
        "late start": write_clip(folder / "late.mp4", frames, list(range(3, 33)), tenth, b_frames=2),
        "variable rate": write_clip(
            folder / "variable.mp4", frames, list(np.cumsum([0, *VARIABLE_GAPS[:29]])), Fraction(1, 30), b_frames=2
        ),
        "b-frames": bframes,
        "cut": cut_clip(bframes, folder / "cut.mp4", first_packet=5),
        "cut mkv": cut_clip(bframes, folder / "cut.mkv", first_packet=5),
    }
    for degrees in (90, 180, -90):
        rotated = write_clip(folder / f"rotated{degrees}.mp4", frames, list(range(30)), tenth, b_frames=2)
        clips[f"rotated {degrees}"] = rotate_clip(rotated, degrees)
    return clips
