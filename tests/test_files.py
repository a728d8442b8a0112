"""_files.py: an optional dependency missing is an ImportError naming the extra that installs it; a write error
names the file and keeps its errno."""

from __future__ import annotations

import errno
import sys
import types
from pathlib import Path

import pytest

from antialias_np import _files


def test_a_missing_optional_module_names_the_extra_that_installs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # an import of av now fails, as where it is not installed
    with pytest.raises(ImportError, match=r"reading videos needs av, which is not installed: "
                                          r"pip install 'antialias_np\[video\]'"):  # fmt: skip
        _files.require("av", "reading videos")


def test_an_installed_optional_module_is_returned(monkeypatch):
    zarr = types.ModuleType("zarr")
    monkeypatch.setitem(sys.modules, "zarr", zarr)
    assert _files.require("zarr", "writing a .zarr store") is zarr


def test_a_write_error_names_the_file_and_keeps_its_errno():
    error = _files.write_error(Path("out/frame.png"), OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert str(error) == "[Errno 28] cannot write out/frame.png: No space left on device"
    plain = _files.write_error(Path("out.mp4"), RuntimeError("encoder failed"))
    assert plain.errno is None and str(plain) == "cannot write out.mp4: encoder failed"
