"""Atomic file writes: a temporary file in the same directory, then `os.replace`.

A reader (or a process killed mid-save) sees either the old file or the new one, never a part;
an error removes the temporary file, so failed saves leave nothing behind, and the files of a
process killed mid-save are removed by the next save into that folder (`tfedu/_tmpfiles.py`).
"""

from __future__ import annotations

import os
import tempfile

from tfedu import _tmpfiles

__all__ = ["atomic_write", "make_readable", "FILE_MODE", "DIR_MODE"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MASK = _umask()
FILE_MODE = 0o666 & ~_MASK  # what open() would have given the file
DIR_MODE = 0o777 & ~_MASK


def make_readable(path, mode=FILE_MODE) -> None:
    """Give a temporary file (made private by `mkstemp`) the permissions of a normal file."""
    try:
        os.chmod(path, mode)
    except OSError:
        pass


def atomic_write(path, write) -> None:
    """Call `write(f)` on a temporary binary file next to `path`, then rename it to `path`."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    _tmpfiles.sweep(d)  # what saves killed mid-write left here
    fd, tmp = tempfile.mkstemp(dir=d, prefix=_tmpfiles.prefix(),
                               suffix="-" + os.path.basename(path)[-40:])
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        make_readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
