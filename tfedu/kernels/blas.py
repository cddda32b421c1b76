"""How many threads BLAS may use for one matrix product.

OpenBLAS's worker threads spin while they wait for work. When the machine has more runnable
threads than cores (a notebook next to other notebooks, a Binder pod, test workers), a
two-thread product of a few hundred rows can take 20-70x longer than the same product on one
thread, and products of the sizes a teaching model uses (a 784x256 layer on a batch of 128)
gain little from a second thread even on an idle machine. So tfedu runs BLAS on one thread and
lifts the limit only for large products (`PARALLEL_MIN_MACS` multiply-adds) while the machine
is not already busy (the one-minute load average is below the number of cores).

`tf.config.threading.set_intra_op_parallelism_threads(n)` caps the threads a large product may
use (0, the default, means the BLAS library's own count at start-up). Without `threadpoolctl`
BLAS is left as it is.
"""

from __future__ import annotations

import threading

import numpy as np

from tfedu.kernels import wide_blas
from tfedu.kernels.parallel_lock import machine_busy, set_cap

__all__ = ["matmul", "set_max_threads", "max_threads", "describe", "PARALLEL_MIN_MACS",
           "WIDE_MIN_MACS"]

WIDE_MIN_MACS = 1 << 15
"""Smaller products stay with numpy (a ctypes call costs a few microseconds)."""

PARALLEL_MIN_MACS = 1 << 27
"""Products with at least this many multiply-adds (512x512x512) may use several threads."""

_lock = threading.Lock()
_state = {"ready": False, "libs": [], "initial": 1, "cap": 0, "current": None}


def _init() -> None:
    with _lock:
        if _state["ready"]:
            return
        try:
            from threadpoolctl import ThreadpoolController

            libs = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
        except Exception:  # no threadpoolctl, or a BLAS it cannot drive: leave BLAS alone
            libs = []
        _state["libs"] = libs
        _state["initial"] = max([c.num_threads for c in libs] or [1])
        _state["ready"] = True
    _set(1)


def _set(n: int) -> None:
    if _state["current"] == n:
        return
    for c in _state["libs"]:
        c.set_num_threads(n)
    _state["current"] = n


def max_threads() -> int:
    """Threads a large product may use: the cap if one was set, else BLAS's own count."""
    cap = _state["cap"]
    if not _state["ready"]:
        _init()
    return cap if cap > 0 else _state["initial"]


def set_max_threads(n: int) -> None:
    """Cap the threads of large products and of parallel Numba kernels (0: BLAS's count at
    start-up, Numba's own)."""
    if n < 0:
        raise ValueError(f"the number of threads must be >= 0, got {n}")
    _state["cap"] = int(n)
    set_cap(n)


def _threads_for(macs: int) -> int:
    if macs < PARALLEL_MIN_MACS:
        return 1
    top = max_threads()
    if top <= 1:
        return 1
    return 1 if machine_busy() else top


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.matmul(a, b)` with the thread count chosen for its size; 2-D float products of at
    least `WIDE_MIN_MACS` run on the AVX-512 instance where there is one
    (`tfedu.kernels.wide_blas`, which splits a large one over the free cores)."""
    if not _state["ready"]:
        _init()
    m = a.shape[-2] if a.ndim > 1 else 1
    k = a.shape[-1]
    n = b.shape[-1] if b.ndim > 1 else 1
    if a.ndim == 2 and b.ndim == 2 and m * k * n >= WIDE_MIN_MACS and wide_blas.available():
        out = wide_blas.gemm(a, b)  # splits a large product over the free cores itself
        if out is not None:
            return out
    batch = a.size // max(m * k, 1) if a.ndim > 2 else 1
    batch = max(batch, b.size // max(k * n, 1) if b.ndim > 2 else 1)
    threads = _threads_for(batch * m * k * n)
    if _state["libs"]:
        _set(threads)
    return np.matmul(a, b)


def describe() -> str:
    """How matrix products run on this machine, in one sentence (`explain()` shows it)."""
    if not _state["ready"]:
        _init()
    if wide_blas.available():
        return ("matrix products run on OpenBLAS's AVX-512 (SkylakeX) kernels, which numpy's "
                "copy does not pick on this CPU (tfedu.kernels.wide_blas); one with at least "
                f"{wide_blas.SPLIT_MIN_MACS >> 20}M multiply-adds is split in row blocks over "
                f"up to {wide_blas.max_parts()} threads while the machine is not busy")
    return ("matrix products run on numpy's BLAS, on one thread unless one has at least "
            f"{PARALLEL_MIN_MACS >> 20}M multiply-adds and the machine is not busy "
            f"(then up to {max_threads()} threads)")
