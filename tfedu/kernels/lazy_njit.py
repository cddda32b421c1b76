"""`lazy_njit`: the one way tfedu compiles a Numba kernel, on its first call.

Importing a kernels module never imports Numba, so `import tfedu` stays quick and small
tensors, which take the numpy path, never pay for it. The first call of an `nb_*` kernel imports
Numba and compiles it (`cache=True`: the machine code is kept on disk under the tfedu cache, so
the next process loads it instead of compiling). A parallel kernel writes `prange` in its
loops: its module binds `prange = range` until Numba is loaded, and its calls take
`PARALLEL_LOCK` (one parallel region at a time) and run on the threads `launch_threads`
grants (see `parallel_lock`). In a forked process a parallel kernel runs a serial compile of
the same function instead (GNU OpenMP cannot start its threads again after a fork; compiled in
the child, not cached).

    @lazy_njit(parallel=True, error_model="numpy")
    def nb_bias_act(x, b, act, out):
        for i in prange(x.shape[0]):
            ...
"""

from __future__ import annotations

import functools

from tfedu.kernels.parallel_lock import PARALLEL_LOCK, forked, launch_threads

__all__ = ["lazy_njit"]


def lazy_njit(parallel: bool = False, **options):
    """Decorator: `numba.njit(cache=True, nogil=True, parallel=parallel, **options)(fn)`,
    applied when the kernel is first called; `kernel.py_func` is the plain Python function."""
    options = {"cache": True, "nogil": True, **options}

    def deco(fn):
        compiled = serial = None
        numba = None

        def compile_now():
            nonlocal compiled, numba
            import numba

            if parallel:
                fn.__globals__["prange"] = numba.prange
            compiled = numba.njit(parallel=parallel, **options)(fn)
            return compiled

        def compile_serial():  # prange is range in a kernel compiled without parallel=True
            nonlocal serial
            compiled or compile_now()
            serial = numba.njit(parallel=False, **{**options, "cache": False})(fn)
            return serial

        if parallel:
            def call(*args):
                if forked():
                    return (serial or compile_serial())(*args)
                kernel = compiled or compile_now()
                with PARALLEL_LOCK:
                    launch_threads(numba)
                    return kernel(*args)
        else:
            def call(*args):
                return (compiled or compile_now())(*args)

        functools.update_wrapper(call, fn)
        call.py_func = fn
        return call

    return deco
