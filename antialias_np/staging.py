"""Complete or absent: a destination is written under a staging name beside it and takes its name only once it is
complete, whatever stops the run.

    with stop_on_signals():                      # SIGTERM and SIGHUP unwind the run as Ctrl-C does
        with staged(Path("small"), folder=True) as path:  # .small.<pid>-<random>.partial/small
            write_everything_to(path)
    # "small" is now the new result; had the block failed or been stopped, "small" would be as it was

- A run that fails or is stopped by Ctrl-C, SIGTERM or SIGHUP removes its staging folder before it ends.
- A run killed without a chance to clean up (SIGKILL, the OOM killer, a lost machine) leaves its staging folder,
  `.NAME.PID-RANDOM.partial` beside the destination. Each run holds a lock (flock) on its staging folder for as long
  as it lives, and the system drops the lock when the process dies however it dies; so the next run that writes
  into the same folder recognises the unlocked staging folders as stale and removes them.
- An existing destination is replaced in one step: a file by rename(2), a folder by exchanging the two names
  (renameat2 with RENAME_EXCHANGE, Linux 3.15+). The destination's name holds the old or the new result at every
  moment. Where the exchange is not available (another system, a file system without it), the old folder is first
  moved into the staging folder as `NAME.replaced`; a run killed between the two renames leaves it there, and the next
  run puts it back under its name if that name is still free, then removes the staging folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: staging folders are not locked, and stale ones are never removed
    fcntl = None  # type: ignore[assignment]  # the checkers type the import as always there

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))
"""The signals that stop a run, which then removes what it wrote: a job scheduler's or `kill`'s SIGTERM, a closed
terminal's SIGHUP, Ctrl-C's SIGINT."""

_STAGING_NAME = re.compile(r"\.(?P<name>.+)\.\d+-[0-9a-f]{8}\.partial")  # .NAME.PID-RANDOM.partial
_REPLACED = ".replaced"
"""Added to the old destination's name inside the staging folder, where the replacement cannot exchange the two
names."""


class Stopped(BaseException):
    """The run was stopped by a signal (SIGTERM or SIGHUP; SIGINT raises KeyboardInterrupt). Like KeyboardInterrupt,
    it is no Exception, so that no `except Exception` swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_signalled: int | None = None
"""The last stop signal received, for stop_if_signalled."""


def _stop(signum: int, frame: FrameType | None) -> None:
    global _signalled
    _signalled = signum
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Stopped and SIGINT KeyboardInterrupt, so that the run unwinds and
    removes what it wrote. Outside the main thread (where Python cannot handle signals), nothing changes."""
    global _signalled
    _signalled = None
    with _handled_by(_stop):
        yield


def stop_if_signalled() -> None:
    """Raise again the stop that a signal raised, if code that swallows exceptions caught it (a finalizer, a ctypes
    callback: Numba's compiler gets Ctrl-C that way and carries on). Call it between steps of a run."""
    if _signalled == signal.SIGINT:
        raise KeyboardInterrupt
    if _signalled is not None:
        raise Stopped(_signalled)


@contextlib.contextmanager
def _handled_by(handler: Callable[[int, FrameType | None], Any]) -> Iterator[None]:
    """Within the block, `handler` handles every STOP_SIGNALS signal; the previous handlers come back after it.
    Outside the main thread (where Python cannot handle signals), nothing changes."""
    try:
        previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    except ValueError:  # not the main thread
        previous = {}
    try:
        yield
    finally:
        for signum, previous_handler in previous.items():
            signal.signal(signum, previous_handler)


@contextlib.contextmanager
def _signals_held(*, then_stop: bool = True) -> Iterator[None]:
    """Hold back the stop signals during the block, so that a replacement or a clean-up is never cut in the middle;
    after it, stop as the first one held back says (then_stop), or ignore them (when already stopping).

    Handlers, not a signal mask: Python runs handlers in the main thread whichever thread the system delivers a
    signal to, and Numba's and Dask's threads do not block them."""
    held = []
    with _handled_by(lambda signum, frame: held.append(signum)):
        yield
    if held and then_stop:
        _stop(held[0], None)


def add_note(error: BaseException, note: str) -> None:
    """error.add_note(note), also on Python 3.10, which has `__notes__` (the traceback module shows it from 3.11) but
    no add_note."""
    error.__notes__ = [*getattr(error, "__notes__", ()), note]  # type: ignore[attr-defined]  # typed from 3.11


@contextlib.contextmanager
def staged(dst: Path, *, folder: bool = False) -> Iterator[Path]:
    """Yield a path to write the result to, in a new staging folder beside `dst`; once the block succeeds, give the
    result `dst`'s name, replacing what is there in one step, and remove the staging folder.

    If the block fails or is stopped, remove the staging folder and the folders made for it, leave `dst` as it was,
    and add a note saying so to the exception. Stale staging folders of killed runs beside `dst` are removed first.

    folder: make the yielded path a folder (a folder destination); else the block makes what it writes.
    """
    dst = Path(dst)
    made_folders = [parent for parent in (dst.parent, *dst.parent.parents) if not parent.exists()]  # deepest first
    dst.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stagings(dst.parent)
    existed = os.path.lexists(dst)
    staging, lock = _new_staging(dst)
    result = staging / dst.name
    replaced = False
    try:
        if folder:
            result.mkdir()
        yield result
        stop_if_signalled()
        with _signals_held():
            _replace(result, dst, staging)
            replaced = True
            shutil.rmtree(staging, ignore_errors=True)  # with the old destination in it, if that was a folder
    except BaseException as error:
        if replaced:  # stopped by a signal received while the result took its name
            add_note(error, f"{dst} was written in full")
            raise
        with _signals_held(then_stop=False):
            _restore_replaced(staging, dst)
            shutil.rmtree(staging, ignore_errors=True)
            for made in made_folders:
                with contextlib.suppress(OSError):
                    made.rmdir()
        add_note(error, f"{dst} was left as it was" if existed else f"nothing was written to {dst}")
        raise
    finally:
        os.close(lock)


def _new_staging(dst: Path) -> tuple[Path, int]:
    """Make a staging folder for `dst` and lock it; return it and the lock's descriptor (open for the run's life)."""
    while True:
        staging = dst.parent / f".{dst.name}.{os.getpid()}-{os.urandom(4).hex()}.partial"
        staging.mkdir(mode=0o700)
        lock = os.open(staging, os.O_RDONLY)
        # Another run's remove_stale_stagings may lock the new folder before this run does and remove it: then
        # take another name.
        if _try_lock(lock) and _same_file(lock, staging):
            return staging, lock
        os.close(lock)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False


def _try_lock(descriptor: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def remove_stale_stagings(folder: Path) -> list[Path]:
    """Remove the staging folders in `folder` that no living run holds (left by runs that were killed), after
    putting back under its name a destination that such a run had moved away to replace it; return them."""
    if fcntl is None:
        return []
    removed = []
    for entry in folder.iterdir():
        match = _STAGING_NAME.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            lock = os.open(entry, os.O_RDONLY)
        except OSError:  # removed meanwhile by another run
            continue
        try:
            if _try_lock(lock):
                _restore_replaced(entry, folder / match["name"])
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        finally:
            os.close(lock)
    return removed


def _restore_replaced(staging: Path, dst: Path) -> None:
    """Put back the old destination that a replacement without the exchange moved into `staging`, if its name is
    free."""
    replaced = staging / (dst.name + _REPLACED)
    if os.path.lexists(replaced) and not os.path.lexists(dst):
        os.rename(replaced, dst)


def _replace(result: Path, dst: Path, staging: Path) -> None:
    """Give `result` the name `dst`; the old `dst`, if any, ends up in `staging`."""
    if not os.path.isdir(result) or not os.path.lexists(dst):
        os.replace(result, dst)  # a file over a file, or a new name: one step
    elif not exchange(result, dst):
        os.rename(dst, staging / (dst.name + _REPLACED))  # a symbolic link is moved, not followed
        os.rename(result, dst)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap the names of `a` and `b` in one step (renameat2 with RENAME_EXCHANGE); return False where the system or
    the file system cannot, without changing anything."""
    if sys.platform != "linux":
        return False
    import ctypes  # here: it takes longer to import than the rest of the command's start

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)  # glibc 2.28+
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # not offered here
        return False
    raise OSError(code, os.strerror(code), str(b))
