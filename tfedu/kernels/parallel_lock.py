"""One parallel Numba region at a time per process, on as many threads as the machine can give.

Numba's `workqueue` threading layer (the fallback where OpenMP is missing, see `tfedu._cache`)
is not thread-safe: two threads launching parallel kernels at once abort the whole process.
Ordinary programs never do; tf.distribute's replica threads do. So every `parallel=True` kernel
launch takes this lock whatever the layer (uncontended it costs well under a microsecond).
Serial kernels are not affected, and while one parallel kernel runs it already uses the cores.

A process forked from one that ran a parallel kernel (a `multiprocessing` pool on Linux) must
not start GNU OpenMP's threads again, nor wait on a lock another thread held at the fork:
`forked()` says so, and kernels then run serially (`tfedu.kernels.lazy_njit`).

**How many threads** (`launch_threads`): all of Numba's, or fewer when
`tf.config.threading.set_intra_op_parallelism_threads(n)` caps them (it caps BLAS too). Unlike
BLAS, parallel kernels do not drop to one thread on a busy machine: measured on a shared 2-core
machine (load average ~18), a conv net's fit ran 1.3x slower in wall time on one thread for
the same CPU time (a process with more threads gets a larger share of contended cores, and
Numba's idle workers sleep rather than spin). Every tfedu kernel splits its work the same way
whatever the thread count (each output cell is written by one iteration, partial sums use fixed
chunks), so results are bit-identical on 1 or 2 threads.
"""

import os
import threading
import time

PARALLEL_LOCK = threading.Lock()

LOAD_CHECK_SECONDS = 1.0
"""How long one reading of the load average is trusted (reading it costs a system call)."""

_load = {"at": -1e9, "busy": False}
_fork = {"child": False}


def _after_fork_in_child() -> None:
    _fork["child"] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def forked() -> bool:
    """Whether this process was forked (after tfedu was imported) from another."""
    return _fork["child"]
_threads = {"cap": 0}  # set by tf.config.threading.set_intra_op_parallelism_threads
_current = threading.local()


def machine_busy() -> bool:
    """Whether the one-minute load average is at least the number of cores (re-read at most
    once a second; BLAS's thread policy reads it)."""
    now = time.monotonic()
    if now - _load["at"] >= LOAD_CHECK_SECONDS:
        try:
            _load["busy"] = os.getloadavg()[0] >= (os.cpu_count() or 1)
        except (OSError, AttributeError):
            _load["busy"] = False
        _load["at"] = now
    return _load["busy"]


def set_cap(n: int) -> None:
    """Cap the threads of parallel kernels (0: no cap)."""
    _threads["cap"] = int(n)


def launch_threads(numba) -> int:
    """Threads for the next parallel region, set on Numba (the setting is per thread, and
    changed only when it differs). Call it holding `PARALLEL_LOCK`."""
    top = numba.config.NUMBA_NUM_THREADS
    cap = _threads["cap"]
    n = min(top, cap) if cap > 0 else top
    if getattr(_current, "n", None) != n:
        numba.set_num_threads(n)
        _current.n = n
    return n
