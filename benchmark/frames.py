"""The study's frames: synthetic ones with known landmarks and frames of a photo for ONet, or a user's folder of
images or video."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

import antialias_np as aa
from benchmark.commands import CommandError, first_line
from benchmark.photo import FRAME_SIZE as PHOTO_FRAME_SIZE
from benchmark.photo import photo_frames
from benchmark.protocol import FRAME_SIZE
from benchmark.synthetic import synthetic_frames

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def load_frames(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(frames (N, 3, 256, 256) float32 in [0, 1], ground-truth landmarks or None, a description)."""
    if args.frames is None:
        frames, truth = synthetic_frames(args.n_frames, FRAME_SIZE, seed=args.seed)
        return frames, truth, f"{len(frames)} synthetic frames (benchmark.synthetic, seed {args.seed})"
    frames = read_frames(args.frames, args.n_frames)
    return frames, None, f"{len(frames)} frames of {args.frames}"


def load_onet_frames(args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """ONet's frames (N, 3, 192, 192) float32 in [0, 1], and a description: the photo's (benchmark.photo), or the
    user's frames, which should be face crops framed as MTCNN frames a face, made square and resized to 192."""
    if args.frames is None:
        frames = photo_frames(args.n_frames, seed=args.seed)
        return frames, f"{len(frames)} frames of the astronaut photo's face (benchmark.photo, seed {args.seed})"
    frames = read_frames(args.frames, args.n_frames, size=PHOTO_FRAME_SIZE)
    return frames, f"{len(frames)} frames of {args.frames}, centre-cropped and resized to {PHOTO_FRAME_SIZE}"


def read_frames(path: Path, limit: int, size: int = FRAME_SIZE) -> np.ndarray:
    """Up to `limit` frames of a folder of images (sorted by name) or of a video, as study frames of `size`."""
    import imageio.v3 as iio

    from antialias_np.frames import open_frames

    video = not path.is_dir() and path.suffix.lower() not in IMAGE_SUFFIXES

    def images():
        if path.is_dir():
            yield from (iio.imread(p) for p in sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        elif video:  # the frames a sequential decoder gives, upright (antialias_np.frames; PyAV, the video extra)
            for block in open_frames(path).blocks(limit):
                yield from block
        else:
            yield iio.imread(path)

    try:
        frames = [study_frame(image, size) for image in itertools.islice(images(), limit)]
    except ImportError as error:  # PyAV or an imageio plugin's library is missing
        if video:
            raise CommandError(f'cannot read the video {path}: videos need PyAV, pip install "antialias_np[video]"',
                               2) from None  # fmt: skip
        raise CommandError(f"cannot read {path}: {first_line(error)}", 1) from None
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read {path}: {first_line(error)}", 1) from None
    if not frames:
        raise CommandError(f"no frames in {path}; give a folder of images ({', '.join(sorted(IMAGE_SUFFIXES))}) "
                           f"or a video", 1)  # fmt: skip
    return np.stack(frames)


def study_frame(image: np.ndarray, size: int = FRAME_SIZE) -> np.ndarray:
    """An image (H, W) or (H, W, C) of any size -> (3, size, size) float32 RGB in [0, 1]: centre-cropped to a
    square, then resized by aa.interpolate (bilinear, antialiased as Pillow does)."""
    image = np.asarray(image)
    scale = np.iinfo(image.dtype).max if image.dtype.kind in "iu" else 1.0
    image = np.atleast_3d(image.astype(np.float32) / scale)[..., :3]
    image = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
    side = min(image.shape[:2])
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    square = np.ascontiguousarray(image[top : top + side, left : left + side].transpose(2, 0, 1))
    if side != size:
        square = aa.interpolate(square, size=size, mode="bilinear", antialias=True)
    return np.clip(square, 0, 1)
