"""Where compiled Numba kernels are cached.

`cache=True` writes next to the source by default, which fails for a read-only install (a
system site-packages, a Binder image). Unless the user chose a place (`NUMBA_CACHE_DIR`, or
`TFEDU_CACHE_DIR` for all of tfedu's caches), kernels are cached in the user's cache directory.
"""

from __future__ import annotations

import os


def cache_root() -> str:
    root = os.environ.get("TFEDU_CACHE_DIR")
    if root:
        return root
    try:
        from platformdirs import user_cache_dir

        return user_cache_dir("tfedu")
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return os.path.join(os.path.expanduser("~"), ".cache", "tfedu")


def configure_numba_cache() -> str:
    """Point Numba's cache at a writable place before numba is imported; returns the path.

    Also picks Numba's portable `workqueue` threading layer (unless the user chose one): it
    needs no OpenMP/TBB runtime and degrades gracefully on shared classroom machines, where the
    default layer's spinning threads fight BLAS and other kernels for the cores.
    """
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
    path = os.environ.get("NUMBA_CACHE_DIR")
    if not path:
        path = os.path.join(cache_root(), "numba")
        os.environ["NUMBA_CACHE_DIR"] = path
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        pass
    return path
