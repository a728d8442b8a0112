"""Videos in and out, with PyAV (the `video` extra): decoding in presentation order, by frame number through a
one-pass index of timestamps and keyframes, and H.264 encoding that keeps each frame's time.

A video's frames are those a sequential decoder gives, in presentation order, as upright uint8 RGB (H, W, 3): each
frame converted to RGB as the ffmpeg command line converts it (`ffmpeg -i VIDEO -pix_fmt rgb24`), bit for bit, then
turned by the video's display rotation (the display matrix of phone videos), as players show it. A file whose data
breaks off is an error, not fewer frames, where its container shows it (.mp4, .mov: a frame's data incomplete, or
fewer frames than the index records; Matroska and WebM do not: their demuxer drops the incomplete frame and only
logs it). Every error names the file. frames.py gives videos the interface of every other kind of source and
destination.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from antialias_np._files import reason, require, write_error

if TYPE_CHECKING:
    import av  # PyAV, the video extra: imported when a video is opened (require)

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v")
"""Videos that are read."""
WRITTEN_VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".m4v")
"""Videos that are written (H.264 in these containers, which keep each frame's time)."""
DEFAULT_FPS = 25.0
"""Frame rate of a video written from frames that carry no times (a folder or a stack)."""
DEFAULT_CRF = 0
"""H.264 constant rate factor of a written video: 0 is lossless, so that the decoded frames differ from those
written by the RGB -> YUV -> RGB rounding only (at most 2 levels); 18 is x264's "visually lossless", 23 its
default, each step of 6 halving the size."""
DEFAULT_PIXEL_FORMAT = "yuv444p"
"""Pixel format of a written video: full-resolution colour. "yuv420p" (colour at half the height and width,
which H.264 players in browsers and phones require, and even sizes only) moves a downsampled frame's edges by up
to 40 levels even when lossless."""
TIMES_TIME_BASE = Fraction(1, 90000)
"""Clock of a video written from frames with times but no time base: MPEG's 90 kHz."""


@dataclass(frozen=True)
class VideoIndex:
    """Where a video's frames are, from one pass of sequential decoding (what a chunked reader needs)."""

    pts: tuple[int | None, ...]
    """Each decoded frame's presentation timestamp in the stream's time base, in presentation order."""
    seek_points: tuple[tuple[int, int], ...]
    """(presentation timestamp, timestamp to seek to) of each keyframe, in presentation order; empty when the
    frames' timestamps are missing or out of order, and so cannot locate them."""


class VideoDescription(NamedTuple):
    """What a video's first frame and stream say about it (see frames.Frames for each field)."""

    frame_shape: tuple[int, ...]
    fps: float | None
    recorded_count: int | None
    rotation: int
    time_base: Fraction


class _VideoInput:
    """A video file's first video stream, decoded in presentation order; a context manager."""

    def __init__(self, path: Path):
        self.av = require("av", "reading a video")
        self.path = path
        try:
            self.container = self.av.open(str(path))
        except (self.av.error.FFmpegError, OSError) as error:
            raise ValueError(f"{path} is not a video that FFmpeg can read ({reason(error)})") from None
        if not self.container.streams.video:
            self.container.close()
            raise ValueError(f"{path} holds no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"  # frame threads: the frames come out the same, sooner
        self.from_start = True  # no seek yet: decoding goes through every packet
        self.rgb_layout: tuple[int, int, str] | None = None  # (width, height, pixel format) rgb_graph takes
        self.rgb_graph: av.filter.Graph | None = None

    def frames(self, keyframes: list[tuple[int, int]] | None = None) -> Iterator[av.VideoFrame]:
        """Decode from the current position; append (pts, seek timestamp) of each keyframe packet to
        `keyframes`.

        Raises:
            ValueError: a packet does not decode, or the file's data breaks off: inside a packet (which the
                demuxer finds incomplete), or, decoding from the start, before the last packet the container
                records. The frames before are given first, as many as decode.
        """
        decoded = demuxed = 0
        truncated = False
        try:
            for packet in self.container.demux(self.stream):
                if packet.is_corrupt:  # the file ends (or is damaged) inside this packet
                    truncated = True
                    packet = None  # decode no further: drain the frames of the packets before
                elif packet.size or packet.dts is not None:  # not the empty packet that ends demuxing
                    demuxed += 1
                if packet is not None and keyframes is not None and packet.is_keyframe and packet.pts is not None:
                    # A seek finds a keyframe by its decoding timestamp in some containers, its presentation time in
                    # others: the earlier of the two finds this keyframe or an earlier one.
                    seek = packet.pts if packet.dts is None else min(packet.pts, packet.dts)
                    keyframes.append((packet.pts, seek))
                for frame in self.stream.decode(packet):
                    decoded += 1
                    yield frame
                if truncated:
                    break
        except self.av.error.FFmpegError as error:
            raise ValueError(f"cannot decode {self.path} after {decoded} frames ({reason(error)})") from None
        # A container's frame count can exceed the frames that decode (a stream-copy cut), but not the packets
        # it holds: fewer packets means the data stops early, which no demuxer reports when the file ends
        # between two packets.
        recorded = self.stream.frames
        if truncated or (self.from_start and demuxed < recorded):
            where = "inside a frame" if truncated else f"after {demuxed} of the {recorded} frames its container records"
            raise ValueError(
                f"cannot decode {self.path} after {decoded} frames (its data breaks off {where}: "
                f"the file is truncated or damaged)"
            )

    def seek(self, timestamp: int) -> None:
        """Go to the last keyframe at or before `timestamp` (in the stream's time base)."""
        self.from_start = False
        try:
            self.container.seek(timestamp, stream=self.stream, backward=True)
        except self.av.error.FFmpegError as error:
            raise ValueError(f"cannot seek in {self.path} ({reason(error)})") from None

    def rgb(self, frame: av.VideoFrame, rotation: int) -> np.ndarray:
        """A decoded frame as (H, W, 3) uint8 RGB, as `ffmpeg -i VIDEO -pix_fmt rgb24` gives it, turned `rotation`
        degrees counterclockwise as a player shows it.

        The command line converts with its scale filter and swscale's bicubic flag; PyAV's own conversion
        (VideoFrame.to_ndarray) uses the bilinear flag, and also sites chroma where the frame says and converts
        an interlaced frame field by field, which the scale filter does only when asked: up to 123 levels apart
        on 10-bit or odd-sized 4:2:0 video, 255 on interlaced. So frames go through that same filter.
        """
        layout = (frame.width, frame.height, frame.format.name)
        try:
            graph = self.rgb_graph
            if graph is None or layout != self.rgb_layout:  # the first frame, or one of another size or format
                graph = self.rgb_graph = self.av.filter.Graph()
                self.rgb_layout = layout
                graph.link_nodes(
                    graph.add_buffer(
                        width=frame.width, height=frame.height, format=frame.format, time_base=self.stream.time_base
                    ),
                    graph.add("scale", "flags=bicubic"),  # the command line's -sws_flags
                    graph.add("format", "rgb24"),
                    graph.add("buffersink"),
                ).configure()
            graph.push(frame)
            converted = graph.pull()
        except self.av.error.FFmpegError as error:
            raise ValueError(f"cannot convert a frame of {self.path} to RGB ({reason(error)})") from None
        return np.rot90(converted.to_ndarray(), rotation // 90)

    def __enter__(self) -> _VideoInput:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.container.close()


def _rotation(frame: av.VideoFrame, path: Path) -> int:
    """The frame's display rotation in degrees counterclockwise, a multiple of 90."""
    rotation = round(frame.rotation or 0)
    if rotation % 90:
        raise ValueError(f"{path} is to be shown rotated by {rotation} degrees; only multiples of 90 are supported")
    return rotation % 360


def describe_video(path: Path) -> VideoDescription:
    """The video's frames as its first frame shows them, decoded, and its stream's rate, count and clock.

    Raises:
        ValueError: it cannot be decoded or holds no frames; the message names it.
    """
    with _VideoInput(path) as video:
        first = next(video.frames(), None)
        if first is None:
            raise ValueError(f"{path} holds no frames that decode")
        rotation = _rotation(first, path)
        stream = video.stream
        rate = stream.average_rate or stream.guessed_rate
        return VideoDescription(
            video.rgb(first, rotation).shape,
            fps=float(rate) if rate else None,
            recorded_count=stream.frames or None,
            rotation=rotation,
            time_base=stream.time_base,
        )


def video_blocks(
    path: Path, description: VideoDescription, size: int
) -> Iterator[tuple[np.ndarray, tuple[Fraction, ...] | None]]:
    """The video decoded sequentially, as (frames, their times in seconds or None) of <= size frames each.

    Raises:
        ValueError: a frame cannot be decoded or is not of the first frame's shape; the message names the video.
    """
    with _VideoInput(path) as video:
        arrays: list[np.ndarray] = []
        times: list[Fraction | None] = []
        for frame in video.frames():
            array = video.rgb(frame, description.rotation)
            if array.shape != description.frame_shape:
                raise ValueError(
                    f"{path}: frame {len(arrays)} is {array.shape[:2]}, its first frame {description.frame_shape[:2]}"
                )
            arrays.append(array)
            times.append(None if frame.pts is None else frame.pts * description.time_base)
            if len(arrays) == size:
                yield np.stack(arrays), None if None in times else cast("tuple[Fraction, ...]", tuple(times))
                arrays, times = [], []
        if arrays:
            yield np.stack(arrays), None if None in times else cast("tuple[Fraction, ...]", tuple(times))


def index_video(path: Path) -> VideoIndex:
    """Decode the video once, without converting its frames to RGB, for its frames' timestamps and keyframes."""
    keyframes: list[tuple[int, int]] = []
    with _VideoInput(path) as video:
        pts = tuple(frame.pts for frame in video.frames(keyframes))
    if not pts:
        raise ValueError(f"{path} holds no frames that decode")
    locatable = None not in pts and all(a < b for a, b in itertools.pairwise(pts))
    return VideoIndex(pts, tuple(sorted(keyframes)) if locatable else ())


def read_video(
    path: Path, rotation: int, start: int, wanted: tuple[int | None, ...], seek_targets: tuple[int, ...]
) -> np.ndarray:
    """Frames start .. start + len(wanted) - 1 of the video, whose timestamps are `wanted`: decoded from each seek
    target in turn until one gives exactly those, else from the start."""
    for target in seek_targets if start else ():
        with _VideoInput(path) as video:
            video.seek(target)
            # Frames.block_reader gives seek targets only for frames that all have timestamps
            frames = _frames_from_seek(video.frames(), cast("tuple[int, ...]", wanted))
            if frames is not None:
                return np.stack([video.rgb(frame, rotation) for frame in frames])
    with _VideoInput(path) as video:
        frames = list(itertools.islice(video.frames(), start, start + len(wanted)))
        if tuple(frame.pts for frame in frames) != wanted:
            raise ValueError(f"{path} no longer decodes to the frames it did when indexed; index it again")
        return np.stack([video.rgb(frame, rotation) for frame in frames])


def _frames_from_seek(decoded: Iterator[av.VideoFrame], wanted: tuple[int, ...]) -> list[av.VideoFrame] | None:
    """The frames with the `wanted` timestamps, decoded after a seek; None unless decoding began at or before the
    first of them and gave each of them, intact, in a row."""
    first = next(decoded, None)
    if first is None or first.pts is None or first.pts > wanted[0]:
        return None  # the keyframe found lies after the first frame wanted
    frames: list[av.VideoFrame] = []
    for frame in itertools.chain([first], decoded):
        if frame.pts is None or (frames and frame.pts < wanted[0]):
            return None
        if frame.pts < wanted[0]:
            continue
        frames.append(frame)
        if frame.pts != wanted[len(frames) - 1] or frame.is_corrupt:
            return None
        if len(frames) == len(wanted):
            return frames
    return None


# Videos out.


class VideoEncoder:
    """An H.264 video of uint8 RGB (H, W, 3) frames, each shown at its own time or at a constant rate.

    Each frame is encoded once the next one's time is known, which is when the frame ends (the last lasts as long
    as the one before it): the container then records how long every frame is shown, and the video plays as long
    as its source.
    """

    def __init__(
        self,
        path: Path,
        frame_shape: tuple[int, ...],
        *,
        fps: float | None,
        time_base: Fraction | None,
        crf: int,
        pixel_format: str,
    ) -> None:
        self.path = path
        self.av = require("av", "writing a video")
        if "420" in pixel_format and (frame_shape[0] % 2 or frame_shape[1] % 2):
            raise ValueError(f"{pixel_format} video needs an even height and width, got {frame_shape[:2]}")
        self.first_time: Fraction | None = None  # of the first frame written, which is shown at time 0
        self.held: tuple[np.ndarray, int] | None = None  # (frame, pts) given last, not yet encoded
        self.last_duration: int | None = None
        self.durations: dict[int, int] = {}  # of the frames encoded, by pts, until their packets leave the encoder
        with self._errors():
            self.container = self.av.open(str(path), "w")
            self.stream = self.container.add_stream("libx264", options={"crf": str(crf)})
            self.stream.height, self.stream.width = frame_shape[:2]
            self.stream.pix_fmt = pixel_format
        self.fps: Fraction | None = None
        if fps is None:
            self._set_time_base(Fraction(time_base or TIMES_TIME_BASE))
        else:
            self._set_rate(Fraction(fps).limit_denominator(1001))

    def _set_time_base(self, time_base: Fraction) -> None:
        self.time_base = self.stream.time_base = self.stream.codec_context.time_base = time_base

    def _set_rate(self, fps: Fraction) -> None:
        """Show frame i at i / fps, whatever its time."""
        self.fps = self.stream.codec_context.framerate = fps
        self._set_time_base(1 / fps)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (self.av.error.FFmpegError, OSError) as error:
            raise write_error(self.path, error) from None

    def append(self, block: np.ndarray, times: Sequence[Fraction] | None, first: int) -> None:
        """Encode a block of frames, frames first, first + 1, ... of the video, each shown at its time in `times`
        (seconds, any origin) unless the video has a constant `fps`."""
        if self.fps is None and times is None:
            if first:
                raise ValueError(f"{self.path}: frames without times after frames with times")
            self._set_rate(Fraction(DEFAULT_FPS))
        for i, frame in enumerate(block, start=first):
            if self.fps is not None:
                pts = i
            else:
                assert times is not None, "a video without a constant fps (set above without times) has times"
                self.first_time = times[0] if self.first_time is None else self.first_time
                pts = round((Fraction(times[i - first]) - self.first_time) / self.time_base)
            if self.held is not None and pts <= self.held[1]:
                raise ValueError(
                    f"{self.path}: frame {i} at {pts * self.time_base} s is not after the frame before it; "
                    f"frame times must increase"
                )
            self._encode_held(until=pts)
            self.held = (frame, pts)

    def _encode_held(self, until: int | None) -> None:
        """Encode the frame held back, shown until `until` (None: as long as the frame before it)."""
        if self.held is None:
            return
        frame, pts = self.held
        if until is not None:
            self.last_duration = until - pts
        elif self.last_duration is None:  # a single frame
            self.last_duration = max(1, round(1 / (DEFAULT_FPS * self.time_base)))
        self.durations[pts] = self.last_duration
        self.held = None
        video_frame = self.av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        video_frame.pts, video_frame.time_base = pts, self.time_base
        with self._errors():
            self._mux(self.stream.encode(video_frame))

    def _mux(self, packets: Iterable[av.Packet]) -> None:
        for packet in packets:
            duration = self.durations.pop(packet.pts, None)
            if duration is not None:
                packet.duration = round(duration * self.time_base / packet.time_base)
            self.container.mux(packet)

    def close(self) -> None:
        self._encode_held(until=None)
        with self._errors():
            self._mux(self.stream.encode())
            self.container.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the first error is the one to report
            self.container.close()
        self.path.unlink(missing_ok=True)
