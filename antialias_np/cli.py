"""The `antialias-np` command (also `python -m antialias_np`):

    antialias-np compile [--dtypes uint8,float32,...] [--quiet]
    antialias-np downsample SRC DST --scale 1/4 --method gaussian [--channel-axis {-1,none}] [method options]
                 [--scheduler ADDRESS] [--chunk-frames N] [--fps FPS] [--crf CRF] [--overwrite] [--quiet]

What SRC and DST are decides what a run does (antialias_np.downsample_command):

    SRC                                  DST                     result
    a folder of images, or an image      a folder                each image downsampled on its own, under its own
                                                                 name (subfolders mirrored): any sizes, channels,
                                                                 8 or 16 bits
    an image                             an image                that image downsampled
    a folder of images of one size, an   a video, .npy, .zarr    the frames of one sequence, in order
    image, a video, a .npy or .zarr
    a video, a .npy or .zarr stack       a folder                its frames as 000000.png, 000001.png, ...

DST is written under a staging name beside it and takes its name only once the run succeeds, in one step; a failed,
interrupted or killed run leaves DST as it was (antialias_np.staging). DST may not be SRC, lie inside it or hold it.

Progress goes to stderr (tqdm's bar with the `cli` extra, else a one-line counter) once a run takes more than a
second; a one-line summary goes to stdout. Errors are one line on stderr, never a traceback; the exit status is 2
when the command line is wrong (including method options the method refuses on the first image or frames), 1 when
the data or the files are, and 128 + the signal's number when a signal stops the run (130 for Ctrl-C, 143 for
SIGTERM, 129 for SIGHUP).

This module imports only the standard library until it runs, so that Ctrl-C at any moment ends the command with
its one line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import NoReturn, cast

from antialias_np import __version__
from antialias_np._usage import UsageError
from antialias_np.staging import Stopped, stop_on_signals

MIN_SCALE = Fraction(1, 2**16)
"""downsample's smallest scale."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _option_value(text: str) -> object:
    """A method option from the command line: an int, a float, a comma-separated pair of them, or a string."""
    parts = [_number(part) for part in text.split(",")]
    if len(parts) == 1:
        return parts[0]
    return tuple(parts)


def _number(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _scale(text: str) -> float:
    """A downsampling scale: a fraction (1/3) or a decimal (0.25). downsample reads a decimal within
    _checks.STEP_TOLERANCE of 1/n (1/n written to six significant digits, such as 0.333333) as 1/n."""
    try:
        scale = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"must be a number or a fraction such as 1/4, got {text!r}") from None
    if not MIN_SCALE <= scale <= 1:
        raise argparse.ArgumentTypeError(
            f"must be from 1/65536 to 1 (output pixels per input pixel: 1/4 keeps a quarter of each side), got {text}"
        )
    return float(scale)


def _channel_axis(text: str) -> int:
    if text == "none":
        return -3  # torch layout, as the user says: downsample then never takes it for channels last
    if text == "-1":
        return -1
    raise argparse.ArgumentTypeError(f"must be -1 (channels last) or none (channels first), got {text!r}")


def _fps(text: str) -> float:
    try:
        fps = float(text)
    except ValueError:
        fps = float("nan")
    if not 0 < fps < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of frames per second, got {text!r}")
    return fps


def _crf(text: str) -> int:
    if not text.isdigit() or int(text) > 51:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 (lossless) to 51, got {text!r}")
    return int(text)


def _path(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("is empty; give a path")
    return Path(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from antialias_np import methods
    from antialias_np.compile import DEFAULT_DTYPES
    from antialias_np.downsample_command import OPTION_NAMES
    from antialias_np.video import DEFAULT_CRF

    parser = _Parser(prog="antialias-np", description="Anti-aliased downsampling of images, videos and stacks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    down = commands.add_parser(
        "downsample",
        help="downsample every image or frame of SRC into DST",
        description="A folder of images (or one image) to a folder DST: each image on its own, any size, under its "
        "own name (PNG and TIFF keep their format; JPEG, WebP and BMP become PNG, which holds the pixels exactly); "
        "subfolders are mirrored. An image to an image DST: that image. Frames of one sequence (a folder of "
        "same-size images, a video, a .npy or .zarr stack) to a video, .npy or .zarr DST; a video or stack to a "
        "folder DST: numbered PNG frames.",
    )
    down.add_argument("src", type=_path, metavar="SRC", help="a folder of images, an image, a video, a .npy or a .zarr")
    down.add_argument(
        "dst",
        type=_path,
        metavar="DST",
        help="a folder (no suffix), an image (for an image SRC), a video, a .npy or a .zarr path; not SRC, nor inside "
        "it or holding it",
    )
    down.add_argument("--scale", type=_scale, default=0.25,
                      help="output pixels per input pixel, e.g. 1/4 or 0.25 (default); 1/n for the methods that step "
                      "n pixels (all but nearest, bicubic, bilinear, area and lanczos)")
    down.add_argument("--method", choices=methods.METHODS + methods.EXTRA_METHODS, default="gaussian",
                      help="default gaussian. Frames of a dtype the method does not take (bilateral takes floats, "
                      "bilinear, bicubic and lanczos 8-bit and floats) are downsampled as floats on [0, 1] (divided "
                      "by 255 for 8 bits, 65535 for 16) and converted back, rounded")
    down.add_argument(
        "--channel-axis",
        type=_channel_axis,
        default=argparse.SUPPRESS,
        metavar="{-1,none}",
        help="where a frame's channels are: -1 for (H, W, C), as images and videos are read (the default), none "
        "for (C, H, W) frames of a .npy or .zarr stack; (H, W) frames have none",
    )
    options = down.add_argument_group("method options (as antialias_np.downsample's; a pair as 1.5,1.5)")
    for name in OPTION_NAMES:
        used_by = "for " + ", ".join(m for m, names in methods.OPTIONS.items() if name in names)
        options.add_argument(f"--{name.replace('_', '-')}", type=_option_value, default=argparse.SUPPRESS, help=used_by)
    down.add_argument("--chunk-frames", type=_positive_int, default=32,
                      help="frames (or images) per step or cluster task; default 32")
    down.add_argument(
        "--fps", type=_fps, help="a constant frame rate for a video DST (default: each frame at its time in SRC, or 25)"
    )
    down.add_argument(
        "--crf",
        type=_crf,
        help="H.264 quality of a video DST, 0 (lossless: frames within 2 levels) to 51; 18 is visually lossless at "
        f"about a sixteenth of the size (default {DEFAULT_CRF})",
    )
    down.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler (extra dask)")
    down.add_argument(
        "--overwrite",
        action="store_true",
        help="replace DST if it exists: a file, a .zarr store, or a folder holding only images (its other images "
        "are removed); the new DST takes its name in one step once the run succeeds, so a failed or killed run "
        "leaves DST as it was",
    )
    down.add_argument("--quiet", action="store_true", help="no progress and no summary")

    ahead = commands.add_parser(
        "compile",
        help="compile every kernel into Numba's cache ahead of time (container images, CI jobs)",
        description="Compile every kernel the methods run, for images of the given dtypes in both layouts, into "
        "Numba's cache, so that later processes only load them. Run it as the user who runs the code, with the same "
        "NUMBA_CACHE_DIR if one is set, on the kind of CPU that runs it (the code is compiled for this CPU).",
    )
    ahead.add_argument("--dtypes", type=_dtype_names, default=DEFAULT_DTYPES, metavar="D1,D2,...",
                       help=f"image dtypes to compile for; default {','.join(DEFAULT_DTYPES)}")
    ahead.add_argument("--quiet", action="store_true", help="no progress and no summary")
    return parser


def _dtype_names(text: str) -> tuple[str, ...]:
    from antialias_np.compile import check_dtypes

    names = tuple(name.strip() for name in text.split(","))
    try:
        check_dtypes(names)
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status (0 done, 1 data error, 2 usage error: a wrong option, a missing
    file or a missing optional dependency, as bench.py counts them; 128 + the signal's number when stopped)."""
    with stop_on_signals(), _finalizers_quiet():
        status = _run(argv)
        gc.collect()  # the finalizers of what a failed run left half made run now, quietly
    return status


def compile_command(args: argparse.Namespace) -> int:
    """Run `antialias-np compile`: a line per step that compiled or loaded kernels on stderr, a summary on stdout."""
    from antialias_np.compile import CompileStep, compile_all

    def show(step: CompileStep) -> None:
        if step.compiled or step.loaded:
            print(f"[{step.done}/{step.total}] {step.name}: {step.compiled} kernels compiled, {step.loaded} loaded "
                  f"({step.seconds:.1f} s)", file=sys.stderr, flush=True)

    summary = compile_all(None if args.quiet else show, dtypes=args.dtypes)
    if not args.quiet:
        print(f"{summary.compiled} kernels compiled, {summary.loaded} found in Numba's cache, in "
              f"{summary.seconds:.0f} s")
    return 0


def _run(argv: Sequence[str] | None) -> int:
    try:
        from antialias_np.downsample_command import downsample_command

        args = build_parser().parse_args(argv)
        return compile_command(args) if args.command == "compile" else downsample_command(args)
    except SystemExit as exit:  # --help, --version
        return cast(int, exit.code or 0)  # argparse exits with an int status
    except UsageError as error:
        _print_error(f"{error} (see --help)", error)
        return 2
    except (FileNotFoundError, ImportError) as error:
        _print_error(str(error), error)
        return 2
    except KeyboardInterrupt as error:
        _print_error("interrupted", error)
        return 130
    except Stopped as error:
        _print_error(f"stopped by {error}", error)
        return 128 + error.signum
    except Exception as error:  # a command line shows the cause in one line, never a traceback
        _print_error(str(error) or type(error).__name__, error)
        return 1


def _print_error(message: str, error: BaseException) -> None:
    """`message`, then the error's notes (what became of DST), on one line."""
    message = "; ".join([message, *getattr(error, "__notes__", ())])
    print(f"antialias-np: error: {' '.join(message.split())}", file=sys.stderr)


@contextlib.contextmanager
def _finalizers_quiet() -> Iterator[None]:
    """Silence the exceptions raised in finalizers during the block: those of objects that a failure left half made
    (imageio's reader, when Ctrl-C comes while it opens a file) would print tracebacks after the error line."""
    previous, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous
