"""Safe output: atomic files, checked output paths, staged folders and folder locks.

The shared functions every command that writes should use:

- :func:`check_output_path` — before any work: refuse a destination that exists and is not a
  regular file (device, FIFO, socket, folder), a parent that is a file, a path under /proc,
  /sys or /dev, and an unwritable folder (``OutputPathError``, exit 2);
- :func:`atomic_write_bytes` (``_text``, ``_json``) — a reader sees the old file or the whole
  new one, never half of it; it applies :func:`check_output_path` itself;
- :func:`staged_dir` — build an output folder under a temporary name (with an ``INCOMPLETE``
  marker) and move it into place only when complete;
- :func:`dir_lock` — one writer per output folder; a second one is refused, told who holds it;
  :func:`check_not_locked` asks the same before any work, creating nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = [
    "OutputPathError",
    "check_output_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "staged_dir",
    "dir_lock",
    "check_not_locked",
    "FolderLockedError",
    "INCOMPLETE_MARKER",
    "LOCK_NAME",
]

INCOMPLETE_MARKER = "INCOMPLETE"
LOCK_NAME = ".nfacheck.lock"
_SPECIAL_ROOTS = ("/proc", "/sys", "/dev")


class OutputPathError(InputError):
    """An output path nfacheck refuses to write (exit 2)."""


class FolderLockedError(InputError):
    """Another nfacheck process is writing the output folder (exit 2)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def check_output_path(path: str | Path, *, folder: bool = False,
                      option: str | None = None) -> Path:
    """Check that ``path`` may be written (a file, or with ``folder`` a folder), before any work.

    Parameters
    ----------
    path
        The destination.
    folder
        The destination is a folder (may exist as a folder); else a regular file.
    option
        The command-line option it came from, for the message (``--out``).

    Returns
    -------
    Path

    Raises
    ------
    OutputPathError
        It exists and is not a regular file (or not a folder), a parent is not a folder, it
        lies under /proc, /sys or /dev, or the nearest existing parent is not writable.
    """
    p = Path(path)
    where = option
    src = str(path)
    absolute = Path(os.path.abspath(p))
    for root in _SPECIAL_ROOTS:
        if absolute == Path(root) or Path(root) in absolute.parents:
            raise OutputPathError(f"refusing to write under {root}", where, source=src)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputPathError("a parent of this path is a file, not a folder", where,
                              source=src) from None
    except OSError as exc:
        raise OutputPathError(f"cannot use this path: {exc.strerror}", where, source=src) from None
    if st is not None:
        if folder and not stat.S_ISDIR(st.st_mode):
            raise OutputPathError(f"exists and is {_kind(st.st_mode)}, not a folder"
                                  if not stat.S_ISREG(st.st_mode)
                                  else "exists and is a file, not a folder", where, source=src)
        if not folder and not stat.S_ISREG(st.st_mode):
            raise OutputPathError(f"exists and is {_kind(st.st_mode)}; refusing to replace it "
                                  "(give a regular file path)", where, source=src)
    parent = absolute.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(f"{parent} is a file, not a folder", where, source=src)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"folder {parent} is not writable", where, source=src)
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Parent folders are created. An interruption leaves no partial file behind. A destination
    that is not a regular file (``/dev/full``, a FIFO, a folder) is refused, never replaced.

    Raises
    ------
    OutputPathError
        See :func:`check_output_path`.
    """
    p = check_output_path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"cannot create folder: {exc.strerror}", source=str(path)) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically, with a final newline."""
    return atomic_write_text(path, json.dumps(obj, indent=2) + "\n")


@contextmanager
def staged_dir(path: str | Path, *, what: str = "nfacheck output") -> Iterator[Path]:
    """Build a folder under a temporary name next to ``path``; move it into place when done.

    The temporary folder ``.<name>.incomplete-XXXX`` holds an ``INCOMPLETE`` file saying what it
    is while it is being written. On success the marker is removed and the folder replaces
    ``path`` (an older folder there is removed). On an error or interrupt the partial folder is
    kept, still marked, when it holds anything (else removed); ``dest`` is not changed.

    Yields
    ------
    Path
        The temporary folder to write into.
    """
    dest = check_output_path(path, folder=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.incomplete-", dir=dest.parent))
    (tmp / INCOMPLETE_MARKER).write_text(
        f"This folder is an incomplete {what} (pid {os.getpid()}, started "
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}); it was not finished and is not a result.\n",
        encoding="utf-8")
    try:
        yield tmp
    except BaseException:
        if not any(p.name != INCOMPLETE_MARKER for p in tmp.iterdir()):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    (tmp / INCOMPLETE_MARKER).unlink()
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.replace(dest, old / dest.name)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _refuse(fd: int, path: str | Path) -> FolderLockedError:
    holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
    return FolderLockedError(
        f"another nfacheck is writing this folder ({holder}); wait for it to finish "
        "or choose another folder", source=str(path))


def check_not_locked(path: str | Path) -> None:
    """Refuse, before any work, an output folder another process holds (see :func:`dir_lock`);
    creates nothing. The writer still takes :func:`dir_lock` when it writes.

    Raises
    ------
    FolderLockedError
        Another process holds the lock; the message says which.
    """
    import fcntl

    lock = Path(path) / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return  # no lock file (or no folder): nobody is writing there
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _refuse(fd, path) from None
    finally:
        os.close(fd)


@contextmanager
def dir_lock(path: str | Path, command: str = "") -> Iterator[None]:
    """Hold an exclusive lock on the output folder ``path`` (created if missing).

    The lock is ``path/.nfacheck.lock`` (``flock``; released when the process ends, even when
    killed), holding the pid, host, start time and command of the holder.

    Raises
    ------
    FolderLockedError
        Another process holds the lock; the message says which.
    """
    import fcntl

    folder = check_output_path(path, folder=True)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _refuse(fd, path) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"pid {os.getpid()} on {socket.gethostname()} since "
                       f"{time.strftime('%Y-%m-%d %H:%M:%S')}"
                       + (f": {command}" if command else "") + "\n").encode(), 0)
        yield
    finally:
        os.close(fd)
