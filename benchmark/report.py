"""How results are shown: markdown tables, number formats, progress lines, and the files a run writes."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from benchmark.timing import Timing


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: float | None, digits: int, suffix: str = "", style: str = "f") -> str:
    """A number with `digits` decimals (style 'f') or significant digits ('g'); '-' for None."""
    return "-" if value is None else f"{value:.{digits}{style}}{suffix}"


def fmt_us(seconds: float) -> str:
    """Seconds as µs: one decimal below 100 µs, none above."""
    us = seconds * 1e6
    return f"{us:.1f}" if us < 100 else f"{us:.0f}"


def as_json(value):
    """Timings -> dicts of seconds, recursively, so a row can be written as JSON."""
    if isinstance(value, Timing):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def write(out: Path, name: str, result: dict, markdown: str) -> None:
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown + "\n")


def command_line() -> str:
    return " ".join(["python", Path(sys.argv[0]).name, *sys.argv[1:]])
