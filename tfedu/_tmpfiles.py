"""Temporary files of atomic writes: named after the writing process, swept once it is gone.

A save writes `.tmp-<pid>-...` next to its target and renames it into place. A process killed
mid-save (SIGKILL, a kernel restart) cannot remove its temporary file; the next save into the
same folder does, when no process of that id runs any more. Files of running processes (another
notebook saving at the same moment) are left alone.
"""

from __future__ import annotations

import os
import re
import shutil

_NAME = re.compile(r"^\.tmp-(\d+)-")


def prefix() -> str:
    """The prefix of this process's temporary files: `.tmp-<pid>-`."""
    return f".tmp-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by another user (or cannot tell): keep its files
    return True


def sweep(folder) -> list:
    """Remove temporary files and folders in `folder` left by processes that are gone."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _NAME.match(name)
        if m is None or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(name)
        except OSError:
            pass
    return removed
