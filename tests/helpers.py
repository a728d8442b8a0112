"""Shared by the tests: arrays that hold ordinary values in layouts kernels must not trip on, and a small disk."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

AWKWARD_LAYOUTS = ("read-only", "non-contiguous", "negative-stride", "fortran-order", "big-endian")


def awkward_layouts(x: np.ndarray) -> dict[str, np.ndarray]:
    """The values of x in each of AWKWARD_LAYOUTS."""
    read_only = x.copy()
    read_only.flags.writeable = False
    wide = np.zeros((*x.shape[:-1], 2 * x.shape[-1]), x.dtype)
    wide[..., ::2] = x
    return {
        "read-only": read_only,
        "non-contiguous": wide[..., ::2],
        "negative-stride": np.ascontiguousarray(x[..., ::-1, ::-1])[..., ::-1, ::-1],
        "fortran-order": np.asfortranarray(x),
        "big-endian": x.astype(x.dtype.newbyteorder(">")),
    }


@contextlib.contextmanager
def mounted_tmpfs(folder: Path, size: str = "256k") -> Iterator[Path]:
    """`folder`, made for the block a file system (tmpfs) of `size`, to fill; the test is skipped where the machine
    does not let it mount one (root, or CAP_SYS_ADMIN)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
