"""Image files, one at a time, pixel for pixel: what `antialias-np downsample` reads from a photo folder or a single
image, and writes back.

    image = read_image(Path("photos/cat.jpg"))                 # (H, W), (H, W, 2), (H, W, 3) or (H, W, 4)
    write_image(Path("small") / output_name(Path("cat.jpg")), small)   # small/cat.png

Read through imageio (Pillow), upright: a JPEG, PNG or WebP whose EXIF orientation says it is to be shown turned
or mirrored (as phones flag portrait photos) is read as viewers show it, as a video's display rotation is applied
(antialias_np.frames), so the outputs, which carry no EXIF, are upright too. Colours as viewers show them: CMYK,
YCbCr and Lab images (CMYK JPEGs from print work) are converted to RGB as Pillow converts them (no colour profile
applied), palette images to RGB, and to RGBA where the file marks a colour transparent (a PNG's tRNS), as grey and
RGB PNGs with a transparent colour are given alpha (LA, RGBA); read as stored, they would be downsampled as
channels they are not (C, M, Y, K as R, G, B, A) or lose their transparency. With two exceptions that Pillow would
get wrong:

- 1-bit images (Pillow mode "1", which imageio gives as bool) are read as uint8 0 and 255, as Pillow's
  convert("L") gives them: downsampled, their pixels take the grey levels between.
- PNGs of 16-bit colour (RGB, RGBA, grey with alpha), which Pillow reads as 8 bits, are read and written as uint16
  through PyAV (the `video` extra); 16-bit grey PNGs Pillow reads and writes as uint16 itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np
import numpy.typing as npt

LOSSLESS_SUFFIXES = (".png", ".tif", ".tiff")
"""Formats an output keeps: written back, they hold the downsampled pixels exactly."""
OUTPUT_SUFFIX = ".png"
"""The format of an output whose source format would not hold its pixels exactly (JPEG and WebP re-encode them
lossily; BMP holds no alpha and no 16 bits)."""

EXIF_ORIENTED_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
"""Formats whose EXIF orientation is applied when read (through Pillow, which reads it for these)."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PYAV_FORMATS = {2: "ya16", 3: "rgb48", 4: "rgba64"}
"""PyAV's pixel format of 16-bit colour PNG pixels, by channels (PNG colour types 4, 2, 6); with le or be."""


def output_name(name: Path) -> Path:
    """The name of the downsampled image of the image `name`: the same, in PNG unless its format is lossless."""
    return name if name.suffix.lower() in LOSSLESS_SUFFIXES else name.with_suffix(OUTPUT_SUFFIX)


def read_image(file: Path) -> np.ndarray:
    """The pixels of the image `file`: (H, W) or (H, W, C), upright (see the module's notes).

    Raises:
        OSError: `file` cannot be read or decoded; the message names it.
        ValueError: `file` holds more than one image (a multi-page TIFF), or more than 4 channels.
        ImportError: `file` is a 16-bit colour PNG and PyAV is not installed.
    """
    channels = _png_16_bit_colour_channels(file)
    if channels:
        return _read_png_16(file, channels)
    try:
        mode, oriented = _viewed_mode(file), file.suffix.lower() in EXIF_ORIENTED_SUFFIXES
        if mode is not None or oriented:
            image = iio.imread(file, plugin="pillow", mode=mode, rotate=oriented)
        else:
            image = iio.imread(file)
    except Exception as error:  # imageio raises several types for a file it cannot decode
        raise OSError(f"cannot read image {file}: {error}") from None
    if not (image.ndim == 2 or (image.ndim == 3 and 1 <= image.shape[2] <= 4)):
        raise ValueError(
            f"{file} is not one image of (H, W) or (H, W, C) pixels with at most 4 channels: it reads as shape "
            f"{image.shape} (a multi-page TIFF?); give single images, or a .npy stack"
        )
    if image.dtype == bool:
        white_where_true: npt.NDArray[np.uint8] = image.astype(np.uint8) * np.uint8(255)
        return white_where_true
    return image


_COLOUR_SPACES_SHOWN_AS_RGB = ("CMYK", "YCbCr", "LAB", "HSV")
"""Pillow's modes whose channels are not R, G, B (and A): viewers show them converted to RGB."""
_WITH_ALPHA = {"P": "RGBA", "PA": "RGBA", "L": "LA", "RGB": "RGBA"}
"""The mode that keeps the transparency of a Pillow mode whose file marks a colour transparent (`transparency`)."""


def _viewed_mode(file: Path) -> str | None:
    """The Pillow mode in which `file` is to be read to hold its pixels as viewers show them (module notes), or None
    where it is read as stored (or Pillow cannot open it: then imageio's other plugins read it, or say why not)."""
    try:
        meta = iio.immeta(file, plugin="pillow")
    except Exception:  # not an image Pillow reads; imageio raises several types
        return None
    mode = meta.get("mode")
    if mode in _COLOUR_SPACES_SHOWN_AS_RGB:
        return "RGB"
    if "transparency" in meta or mode == "PA":  # a palette index, a grey level or an RGB colour shown transparent
        return _WITH_ALPHA.get(str(mode))
    return "RGB" if mode == "P" else None


WRITE_OPTIONS: dict[str, dict[str, Any]] = {
    ".webp": {"lossless": True},  # the pixels exactly, as PNG; Pillow's default is lossy at quality 80
    # JPEG cannot hold them exactly: quality 95 with full-resolution colour (4:4:4), not Pillow's 75 and 4:2:0
    ".jpg": {"quality": 95, "subsampling": 0},
    ".jpeg": {"quality": 95, "subsampling": 0},
}
"""Pillow's options for an image DST by suffix: the least lossy its format allows."""


def write_image(file: Path, image: np.ndarray) -> None:
    """Write `image` ((H, W) or (H, W, C)) to `file`, in the format its suffix names.

    Raises:
        OSError: the format cannot hold the image, or the file cannot be written (a full disk); the message names it.
    """
    try:
        if image.dtype == np.uint16 and image.ndim == 3 and file.suffix.lower() == ".png":
            _write_png_16(file, image)
        else:
            iio.imwrite(file, image, **WRITE_OPTIONS.get(file.suffix.lower(), {}))
    except ImportError:
        raise
    except Exception as error:  # Pillow and imageio raise several types for an image a format cannot hold
        raise OSError(f"cannot write image {file}: {error}") from None


def check_holds(suffix: str, channels: int | None, dtype: np.dtype) -> None:
    """Raise a ValueError unless a file with `suffix` holds images of `channels` (None for (H, W)) and `dtype`: the
    format is tried on a 2 x 2 image in memory."""
    image = np.zeros((2, 2) if channels is None else (2, 2, channels), dtype)
    try:
        if dtype == np.uint16 and channels and suffix.lower() == ".png":
            _pyav_format(channels)
        else:
            iio.imwrite("<bytes>", image, extension=suffix)
    except Exception as error:
        layout = "(H, W)" if channels is None else f"(H, W, {channels})"
        raise ValueError(f"a {suffix} file cannot hold {dtype} {layout} pixels ({error})") from None


def _png_16_bit_colour_channels(file: Path) -> int | None:
    """The channels of a PNG of 16-bit colour (2, 3 or 4), read from its header; None for any other file."""
    if file.suffix.lower() != ".png":
        return None
    try:
        with open(file, "rb") as stream:
            header = stream.read(26)  # signature, IHDR's length and type, width, height, bit depth, colour type
    except OSError as error:
        raise OSError(f"cannot read image {file}: {error}") from None
    if len(header) < 26 or header[:8] != _PNG_SIGNATURE or header[12:16] != b"IHDR" or header[24] != 16:
        return None
    return {4: 2, 2: 3, 6: 4}.get(header[25])


def _pyav_format(channels: int) -> str:
    """PyAV's name of 16-bit little-endian pixels of `channels` channels; PyAV must be installed."""
    from antialias_np._files import require

    require("av", "a 16-bit colour PNG (Pillow reads it as 8 bits)")
    return _PYAV_FORMATS[channels] + "le"


def _read_png_16(file: Path, channels: int) -> np.ndarray:
    pixel_format = _pyav_format(channels)
    try:
        return iio.imread(file, plugin="pyav", index=0, format=pixel_format)
    except Exception as error:
        raise OSError(f"cannot read image {file}: {error}") from None


def _write_png_16(file: Path, image: np.ndarray) -> None:
    import av

    pixel_format = _pyav_format(image.shape[2])
    height, width = image.shape[:2]
    frame = av.VideoFrame(width, height, pixel_format)
    plane = frame.planes[0]
    rows = np.zeros((height, plane.line_size // 2), np.dtype("<u2"))  # rows padded to the plane's line size
    rows[:, : width * image.shape[2]] = image.reshape(height, -1)
    plane.update(rows.tobytes())
    with av.open(str(file), "w", format="image2") as container:
        stream = container.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = width, height, pixel_format[:-2] + "be"
        for packet in (*stream.encode(frame), *stream.encode(None)):
            container.mux(packet)
