"""Command-line errors: one line, "error: <what is wrong>; <what to do>", and an exit status (2 for a usage error,
1 for a data error), never a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path


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
