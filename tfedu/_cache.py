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

    Also chooses how parallel kernels get their threads (unless the user chose a threading
    layer): GNU OpenMP where Numba finds it, else Numba's own `workqueue`. A tfedu kernel is
    short (0.1-1 ms on a batch of activations), and waking `workqueue`'s sleeping workers took
    about as long as the work: a conv net's kernels ran no faster than on one thread, and its
    training step was 1.3-1.5x slower than with OpenMP. OpenMP's waiting threads spin for
    `GOMP_SPINCOUNT` polls before they sleep; the default (300,000) kept them spinning while
    the next matrix product needed the cores (products 1.5x slower), so tfedu asks for 3,000
    (a few microseconds). GNU OpenMP cannot be used in a process forked from one that used it:
    there parallel kernels run serially (`tfedu.kernels.lazy_njit`).
    """
    if "NUMBA_THREADING_LAYER" not in os.environ:
        os.environ.setdefault("NUMBA_THREADING_LAYER_PRIORITY", "omp workqueue tbb")
    os.environ.setdefault("GOMP_SPINCOUNT", "3000")
    path = os.environ.get("NUMBA_CACHE_DIR")
    if not path:
        path = os.path.join(cache_root(), "numba")
        os.environ["NUMBA_CACHE_DIR"] = path
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        pass
    return path
