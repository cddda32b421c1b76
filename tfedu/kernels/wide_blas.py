"""Matrix products on AVX-512 where OpenBLAS's dispatcher would settle for AVX2.

numpy's OpenBLAS picks its kernels at load time from what CPUID says the processor is. Inside
some virtual machines the model is hidden (this project's 2-core machine reports "AMD EPYC"
with AVX-512), and OpenBLAS falls back to its Haswell (AVX2, 256-bit) kernels, which do half
the multiply-adds per instruction that the CPU can. A convolution is almost all matrix product,
so that halves a conv net's speed against TensorFlow, whose oneDNN kernels use AVX-512.

OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library is loaded, which numpy did long ago.
So, only when the CPU has AVX-512 (F, CD, BW, DQ, VL) and numpy's OpenBLAS runs Haswell or Zen
kernels, tfedu loads a second instance of the same library file (a copy under tfedu's cache
directory: the dynamic loader shares one instance per file) with `OPENBLAS_CORETYPE=SkylakeX`,
checks one product against numpy, and calls its `cblas_sgemm`/`cblas_dgemm` (single-threaded)
for 2-D float32/float64 products (a large one split in row blocks over the cores unless the
machine is busy: numpy's own threads would run the narrow kernels).
Anything unexpected (another OS, another BLAS, no cache
directory, a failed check) leaves numpy's BLAS in charge. `TFEDU_WIDE_BLAS=0` turns it off.
Results differ from numpy's only by float rounding (another summation order).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import threading

import numpy as np

from tfedu.kernels.parallel_lock import _threads as _cap
from tfedu.kernels.parallel_lock import machine_busy

__all__ = ["gemm", "available", "max_parts"]

_FLAGS = ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")
_NARROW_CORES = ("haswell", "zen")
_lock = threading.Lock()
_state = {"tried": False, "sgemm": None, "dgemm": None, "none": None, "int": ctypes.c_int64}
_GEMM = {np.float32: "sgemm", np.float64: "dgemm"}

SPLIT_MIN_MACS = 1 << 24
"""Products of at least this much work are split in row blocks, one per free core; the work is
the multiply-adds plus 8 per output cell (a product with short sums, as a first conv layer's,
mostly writes its output). Handing a block to the helper thread and waiting for it costs
~50 us here (two thread wake-ups): a 4M multiply-add product took 80 us split against 45 us
whole; from ~16M on, the split pays (128x784x256: 200 us against 255 us; 50176x9x32: 204
against 256)."""

SPLIT_K_MIN = 4096
SPLIT_K_MIN_MACS = 1 << 23
"""Products of fewer than 128 rows, at least this many multiply-adds and sums of at least
`SPLIT_K_MIN` terms are split in two halves of those sums instead (`_split_k`): one thread
runs such short products slowly (9x50176x32: 475 us whole, 297 us split)."""


def _cpu_has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return all(fl in flags for fl in _FLAGS)
    except OSError:
        pass
    return False


def _numpy_openblas():
    """(path, core name) of the OpenBLAS numpy loaded, or None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for info in threadpool_info():
        if info.get("internal_api") == "openblas" and info.get("filepath"):
            return info["filepath"], str(info.get("architecture") or "").lower()
    return None


def _private_copy(path: str) -> str:
    from tfedu._cache import cache_root

    folder = os.path.join(cache_root(), "blas")
    os.makedirs(folder, exist_ok=True)
    dst = os.path.join(folder, "avx512-" + os.path.basename(path))
    if not os.path.exists(dst) or os.path.getsize(dst) != os.path.getsize(path):
        tmp = f"{dst}.{os.getpid()}.tmp"
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, dst)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return dst


def _symbol(lib, names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            return name, fn
    return None, None


def _load_wide(path: str):
    old = os.environ.get("OPENBLAS_CORETYPE")
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    try:
        lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_LOCAL", 0))
    finally:
        if old is None:
            del os.environ["OPENBLAS_CORETYPE"]
        else:
            os.environ["OPENBLAS_CORETYPE"] = old
    _, corename = _symbol(lib, ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                                "openblas_get_corename"))
    if corename is None:
        return None
    corename.restype = ctypes.c_char_p
    if corename().decode().lower() != "skylakex":
        return None
    return lib


def _bind(lib):
    """sgemm, dgemm and the integer type of this build (ILP64 builds end in 64_)."""
    name, sgemm = _symbol(lib, ("scipy_cblas_sgemm64_", "cblas_sgemm64_", "cblas_sgemm"))
    _, dgemm = _symbol(lib, ("scipy_cblas_dgemm64_", "cblas_dgemm64_", "cblas_dgemm"))
    _, threads = _symbol(lib, ("scipy_openblas_set_num_threads64_",
                               "openblas_set_num_threads64_", "openblas_set_num_threads"))
    if sgemm is None or dgemm is None or threads is None:
        return None
    i = ctypes.c_int64 if name.endswith("64_") else ctypes.c_int32
    threads.argtypes = [i]
    threads(1)
    p = ctypes.c_void_p
    for fn, scalar in ((sgemm, ctypes.c_float), (dgemm, ctypes.c_double)):
        fn.argtypes = [i, i, i, i, i, i, scalar, p, i, p, i, scalar, p, i]
        fn.restype = None
    return sgemm, dgemm, i


def _init() -> None:
    with _lock:
        if _state["tried"]:
            return
        _state["tried"] = True
        if os.environ.get("TFEDU_WIDE_BLAS", "1") == "0" or not sys.platform.startswith("linux"):
            return
        found = _numpy_openblas()
        if found is None or found[1] not in _NARROW_CORES or not _cpu_has_avx512():
            return
        try:
            lib = _load_wide(_private_copy(found[0]))
            bound = _bind(lib) if lib is not None else None
        except (OSError, AttributeError, ValueError):
            return
        if bound is None:
            return
        _state["sgemm"], _state["dgemm"], _state["int"] = bound
        if not _self_check():
            _state["sgemm"] = _state["dgemm"] = None


def _self_check() -> bool:
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a, b = rng.random((37, 29)).astype(dtype), rng.random((29, 23)).astype(dtype)
        for x, y in ((a, b), (a.T.copy().T, b.T.copy().T)):
            got = gemm(x, y)
            if got is None or not np.allclose(got, x @ y, rtol=1e-4):
                return False
    return True


def available() -> bool:
    """Whether products run on the AVX-512 instance (loading it on first ask)."""
    if not _state["tried"]:
        _init()
    return _state["sgemm"] is not None


def _layout(a, itemsize):
    """(CblasNoTrans or CblasTrans, leading dimension) of a 2-D operand, or None."""
    s0, s1 = a.strides
    if s1 == itemsize and s0 >= max(a.shape[1], 1) * itemsize and s0 % itemsize == 0:
        return 111, s0 // itemsize
    if s0 == itemsize and s1 >= max(a.shape[0], 1) * itemsize and s1 % itemsize == 0:
        return 112, s1 // itemsize
    return None


def gemm(a: np.ndarray, b: np.ndarray):
    """a @ b for 2-D float32/float64 operands of one dtype with a unit stride (either
    orientation), as a new C-contiguous array; None when the instance is not loaded or the
    operands do not fit (the caller then uses numpy)."""
    fn = _state[_GEMM.get(a.dtype.type, "none")]
    if fn is None or a.dtype != b.dtype or a.ndim != 2 or b.ndim != 2:
        return None
    m, k = a.shape
    n = b.shape[1]
    if b.shape[0] != k or m == 0 or n == 0 or k == 0:
        return None
    la, lb = _layout(a, a.itemsize), _layout(b, b.itemsize)
    if la is None or lb is None:
        return None
    out = np.empty((m, n), a.dtype)
    if m * k * n >= SPLIT_K_MIN_MACS and m < 128 and k >= SPLIT_K_MIN:
        return _split_k(fn, a, b, out, la, lb)
    parts = min(_threads(), m // 64) if m * (k + 8) * n >= SPLIT_MIN_MACS else 1
    if parts <= 1:
        _gemm_into(fn, a, b, out, la, lb)
        return out
    step = (m // parts + 15) & ~15  # multiples of 16 rows: BLAS's kernels see whole row blocks
    cuts = [min(i * step, m) for i in range(parts)] + [m]
    others = [_pool().submit(_gemm_into, fn, a[r0:r1], b, out[r0:r1], la, lb)
              for r0, r1 in zip(cuts[1:-1], cuts[2:]) if r1 > r0]
    _gemm_into(fn, a[:cuts[1]], b, out[:cuts[1]], la, lb)
    for f in others:
        f.result()
    return out


def _split_k(fn, a, b, out, la, lb):
    """A short, deep product (a filter gradient: a few rows, sums over every pixel of a batch)
    has too few rows to share out: its sums are cut in two fixed halves, each its own product,
    added in order. The halves run at once when a core is free, one after the other when not:
    the same bits either way."""
    h = (a.shape[1] // 2 + 15) & ~15
    other = np.empty_like(out)
    if _threads() > 1:
        second = _pool().submit(_gemm_into, fn, a[:, h:], b[h:], other, la, lb)
        _gemm_into(fn, a[:, :h], b[:h], out, la, lb)
        second.result()
    else:
        _gemm_into(fn, a[:, :h], b[:h], out, la, lb)
        _gemm_into(fn, a[:, h:], b[h:], other, la, lb)
    out += other
    return out


def _gemm_into(fn, a, b, out, la, lb):
    """out = a @ b for operands `gemm` accepted, or row or column slices of them, which keep
    their layouts `la`, `lb`; `out` C-contiguous rows (ctypes releases the GIL for the call)."""
    i = _state["int"]
    (ta, lda), (tb, ldb) = la, lb
    m, k = a.shape
    n = b.shape[1]
    fn(101, ta, tb, i(m), i(n), i(k), 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, 0.0,
       out.ctypes.data, out.strides[0] // out.itemsize)


_CORES = os.cpu_count() or 1


def max_parts() -> int:
    """Row blocks a large product is split into on an idle machine (the cap or the cores)."""
    limit = _cap["cap"]
    return min(_CORES, limit) if limit > 0 else _CORES


def _threads() -> int:
    """Threads a product may use: the cap (set_intra_op_parallelism_threads) or the cores, and
    one while the machine is busy (load average >= cores), as numpy's BLAS threads: the second
    half would wait for a core, and the caller for it."""
    top = max_parts()
    return 1 if top > 1 and machine_busy() else top


def _pool():
    """Helper threads (one per core beyond the caller's): a product's other row blocks run
    there while the caller does the first (they block on a queue between products; nothing
    spins)."""
    pool, pid = _state.get("pool"), os.getpid()
    if pool is None or _state.get("pool_pid") != pid:  # a forked child has no helper thread
        from concurrent.futures import ThreadPoolExecutor

        with _lock:
            if _state.get("pool") is None or _state.get("pool_pid") != pid:
                _state["pool"], _state["pool_pid"] = ThreadPoolExecutor(max(_CORES - 1, 1), "tfedu-blas"), pid
            pool = _state["pool"]
    return pool
