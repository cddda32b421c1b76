"""Atomic file writes: a temporary file in the same directory, then `os.replace`.

A reader (or a process killed mid-save) sees either the old file or the new one, never a part;
an error removes the temporary file, so failed saves leave nothing behind.
"""

from __future__ import annotations

import os
import tempfile

__all__ = ["atomic_write"]


def atomic_write(path, write) -> None:
    """Call `write(f)` on a temporary binary file next to `path`, then rename it to `path`."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix="-" + os.path.basename(path)[-40:])
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
