"""_kernels.py: how a kernel call is cut up: into blocks of rows (block_rows) and among threads
(parallel_threads); where compiled kernels are cached when Numba has no writable folder of its own."""

from __future__ import annotations

import os
import stat
import tempfile

import numba
import numpy as np
import pytest

from antialias_np import _kernels
from antialias_np._kernels import BLOCK_BYTES, PARALLEL_MIN_VALUES, block_rows, parallel_threads


@pytest.mark.parametrize("row_bytes", [4, 100, 1000, 4096, 40_000, BLOCK_BYTES, 10 * BLOCK_BYTES])
@pytest.mark.parametrize("height", [1, 31, 32, 33, 500, 10_000])
def test_a_block_is_about_block_bytes_of_whole_vectors_of_rows(height, row_bytes):
    rows = block_rows(height, row_bytes)
    assert 1 <= rows <= height
    if rows < height:  # a block of the plane: a multiple of 16 rows, at least 32, about BLOCK_BYTES unless 32 rows
        assert rows % 16 == 0 and rows >= 32
        assert rows * row_bytes <= BLOCK_BYTES or rows == 32
        assert rows == 32 or (rows + 16) * row_bytes > BLOCK_BYTES  # no whole vector of rows more fits


def test_a_small_call_or_a_single_plane_runs_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(_kernels, "free_cpus", lambda: 8.0)
    side = int(np.sqrt(PARALLEL_MIN_VALUES // 4))
    assert parallel_threads(np.empty((4, side - 1, side), np.uint8)) == 1  # fewer values than PARALLEL_MIN_VALUES
    assert parallel_threads(np.empty((1, 4 * side, 4 * side), np.uint8)) == 1  # one plane: the unit of a thread


@pytest.mark.parametrize("free", [0.2, 1.0, 1.75, 2.0, 8.0])
def test_a_large_call_runs_on_the_planes_threads_and_cpus_free_whichever_fewest(monkeypatch, free):
    monkeypatch.setattr(_kernels, "free_cpus", lambda: free)
    planes = np.empty((3, 1024, 1024), np.uint8)
    expected = max(1, min(3, numba.get_num_threads(), int(free + 0.25)))  # 1.75 CPUs free count as 2
    assert parallel_threads(planes) == expected


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX users")
def test_the_private_cache_folder_is_this_users_alone(monkeypatch, tmp_path):
    """Numba loads code from its cache folder: one that another user could write is never used."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the system's temporary folder, as another machine's
    folder = _kernels._private_temporary_folder()
    assert folder is not None and os.path.dirname(folder) == str(tmp_path)
    status = os.lstat(folder)
    assert stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid()
    assert status.st_mode & 0o022 == 0
    os.chmod(folder, 0o777)  # as another user could have left it
    assert _kernels._private_temporary_folder() is None
