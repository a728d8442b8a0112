"""Command-line errors: one line, "error: <what is wrong>; <what to do>", and an exit status (2 for a usage error,
1 for a data error), never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np


class CommandError(Exception):
    """An error of a command line: printed as one line, and the process exits with `status`: 2 for a usage error
    (a wrong argument, a missing file), 1 for a data error."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class CommandLineParser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (status 2) instead of the usage text followed by the error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (libraries' messages may run over several)."""
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".:") if lines else type(error).__name__


def check_input_file(path: Path, option: str, what: str) -> None:
    """Raise a usage CommandError unless `path` is an existing file."""
    if not path.exists():
        raise CommandError(f"{option} {path} does not exist; give the path of {what}", 2)
    if path.is_dir():
        raise CommandError(f"{option} {path} is a folder; give the path of {what}", 2)


def write_npz(out: Path, arrays: dict[str, np.ndarray], compressed: bool = False) -> int:
    """Write the arrays to the .npz file `out` (its name as given); return how many; a data CommandError if the
    file cannot be written."""
    try:
        with open(out, "wb") as file:  # np.savez(path) would append .npz to any other name
            (np.savez_compressed if compressed else np.savez)(file, **arrays)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {first_line(error)}; give a writable path for the .npz", 1) from None
    return len(arrays)


def convert_main(
    argv: list[str] | None, prog: str, texts: tuple[str, str, str], source: tuple[str, str],
    convert: Callable[[Path, Path], int],
) -> int:  # fmt: skip
    """`prog convert SOURCE OUT`, the weight converters' command line: texts are (the program's title, the command's
    help, its description), source (the input's name, its help). Exit status 0, or a CommandError's."""
    title, help_text, description = texts
    parser = CommandLineParser(prog=prog, description=title)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandLineParser)
    command = commands.add_parser("convert", help=help_text, description=description)
    command.add_argument(source[0], type=Path, help=source[1])
    command.add_argument("out", type=Path, help="the .npz file to write")
    args = parser.parse_args(argv)
    try:
        count = convert(getattr(args, source[0]), args.out)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    print(f"wrote {count} arrays to {args.out}")
    return 0
