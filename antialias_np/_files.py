"""What the readers and writers of frames share: optional dependencies named by the extra that installs them
(`require`), and errors re-raised naming the file (`write_error`, `reason`)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

_EXTRAS = {"av": "video", "zarr": "zarr", "dask": "dask", "dask.array": "dask", "distributed": "dask"}
"""The optional extra that installs each optional module."""


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional dependency, or raise an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS[module]
        raise ImportError(
            f"{purpose} needs {module}, which is not installed: pip install 'antialias_np[{extra}]'"
        ) from None


def reason(error: BaseException) -> str:
    """An OS or FFmpeg error's cause without the file name, which the caller's message gives."""
    return getattr(error, "strerror", None) or str(error)


def write_error(path: Path, error: Exception) -> OSError:
    """An OSError that names `path`, with the errno of `error` if it has one."""
    errno = getattr(error, "errno", None)
    message = f"cannot write {path}: {reason(error)}"
    return OSError(message) if errno is None else OSError(errno, message)
