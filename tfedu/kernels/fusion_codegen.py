"""Numba kernels generated for fused chains of elementwise ops.

Each fusable op declares the scalar expression it computes (`OpDef.fused` in its registry
entry, e.g. `"{0} + {1}"` for `AddV2`; `ONE`, `ZERO`, `SIX` are constants of the dtype). A
fused group becomes one loop over the flat output, e.g. for `relu(a * b + c)` on float32:

    @njit(parallel=True, fastmath=False, error_model="numpy", cache=True)
    def fused(n, out, x0, x1, x2, m2):
        for i in prange(n):
            t0 = x0[i] * x1[i]
            t1 = t0 + x2[i % m2]
            t2 = np.maximum(t1, np.float32(0))
            out[i] = t2

Inputs are indexed by how they broadcast against the output: `i` (same shape), `0` (one
element), `i % m` (matches the trailing dimensions, like a bias). Sources are written to files
under the tfedu cache so Numba's disk cache keeps the compiled code across processes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import sys
import threading

import numpy as np

__all__ = ["kernel_source", "compile_kernel", "ref_fused"]

INDEX = {"f": "[i]", "s": "[0]", "t": "[i % m{j}]"}

_cache: dict[str, object] = {}
_lock = threading.Lock()


_SAFE_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name,
               ast.Attribute, ast.Constant, ast.Load, ast.operator, ast.unaryop, ast.cmpop)
_SAFE_NAMES = {"np", "ONE", "ZERO", "SIX"}
_SAFE_NP = {n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)}  # math only, no I/O


def check_expression(expression: str, n_operands: int) -> None:
    """Refuse anything but arithmetic on operands, dtype constants and numpy's ufuncs.

    The expressions come from the op registry's declarations (`OpDef.fused`), never from files
    or user strings; this check makes that a guarantee before `kernel_source` writes code.
    """
    names = [f"_{k}" for k in range(n_operands)]
    try:
        tree = ast.parse(expression.format(*names), mode="eval")
    except (SyntaxError, IndexError, KeyError, ValueError):
        raise ValueError(f"not a fusable expression: {expression!r}") from None
    for node in ast.walk(tree):
        ok = isinstance(node, _SAFE_NODES) and not (
            isinstance(node, ast.Name) and node.id not in _SAFE_NAMES | set(names)
            or isinstance(node, ast.Attribute) and (
                node.attr.startswith("_") or not isinstance(node.value, ast.Name)
                or node.value.id != "np")
            or isinstance(node, ast.Constant) and type(node.value) not in (int, float)
            or isinstance(node, ast.Call) and (node.keywords or not isinstance(
                node.func, ast.Attribute)))
        if not ok:
            raise ValueError(f"not a fusable expression: {expression!r}")


def kernel_source(nodes, modes, dtype, parallel: bool = True) -> str:
    """Source of the fused kernel.

    `nodes`: [(expression, [operand, ...])] in order, an operand being ("x", leaf index) or
    ("t", node index); the last node is the output. `modes`: per leaf "f", "s" or "t".
    """
    for expression, operands in nodes:
        check_expression(expression, len(operands))
    dt = np.dtype(dtype).name
    params = ["n", "out"]
    for j, m in enumerate(modes):
        params.append(f"x{j}")
        if m == "t":
            params.append(f"m{j}")
    loop = "prange" if parallel else "range"
    lines = [
        "import numpy as np",
        "from numba import njit, prange",
        "",
        f"ONE = np.{dt}(1)",
        f"ZERO = np.{dt}(0)",
        f"SIX = np.{dt}(6)",
        "",
        "",
        f"@njit(parallel={parallel}, fastmath=False, error_model='numpy', cache=True, nogil=True)",
        f"def fused({', '.join(params)}):",
        f"    for i in {loop}(n):",
    ]
    for k, (expression, operands) in enumerate(nodes):
        names = []
        for kind, j in operands:
            if kind == "x":
                names.append(f"x{j}" + INDEX[modes[j]].format(j=j))
            else:
                names.append(f"t{j}")
        lines.append(f"        t{k} = " + expression.format(*names))
    lines.append(f"        out[i] = t{len(nodes) - 1}")
    return "\n".join(lines) + "\n"


def _source_dir() -> str:
    from tfedu._cache import cache_root

    return os.path.join(cache_root(), "fusion")


def compile_kernel(source: str):
    """The compiled `fused` function of `source` (cached in-process and on disk)."""
    fn = _cache.get(source)
    if fn is not None:
        return fn
    with _lock:
        fn = _cache.get(source)
        if fn is not None:
            return fn
        from tfedu._cache import configure_numba_cache

        configure_numba_cache()
        digest = hashlib.sha1(source.encode()).hexdigest()[:20]
        name = f"tfedu_fused_{digest}"
        module = None
        try:
            folder = _source_dir()
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, name + ".py")
            if not _holds(path, source):  # a file of another content is never imported
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "w") as f:
                    f.write(source)
                os.replace(tmp, path)
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # Numba's disk cache re-imports it by name
            spec.loader.exec_module(module)
        except OSError:  # read-only cache: compile in memory only
            ns: dict = {}
            exec(compile(source.replace("cache=True", "cache=False"), f"<{name}>", "exec"), ns)
            fn = ns["fused"]
        if module is not None:
            fn = module.fused
        if "parallel=True" in source:
            fn = _locked(fn, source)
        _cache[source] = fn
        return fn


def _holds(path: str, source: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read() == source
    except (OSError, UnicodeDecodeError):
        return False


def _locked(fn, source):
    """A parallel kernel launched under the process-wide lock (kernels/parallel_lock.py); in a
    forked process, a serial compile of the same source (compiled there, in memory)."""
    import numba

    from tfedu.kernels.parallel_lock import PARALLEL_LOCK, forked, launch_threads

    serial = []

    def run(*args):
        if forked():
            if not serial:
                ns: dict = {}
                text = source.replace("parallel=True", "parallel=False")
                exec(compile(text.replace("cache=True", "cache=False"), "<fused>", "exec"), ns)
                serial.append(ns["fused"])
            return serial[0](*args)
        with PARALLEL_LOCK:
            launch_threads(numba)
            return fn(*args)

    run.py_func = getattr(fn, "py_func", None)
    return run


def ref_fused(nodes, arrays):
    """Plain numpy evaluation of the same nodes (the reference the kernels are tested against)."""
    dt = np.result_type(*arrays)
    env = {"np": np, "ONE": dt.type(1), "ZERO": dt.type(0), "SIX": dt.type(6)}
    vals = []
    for expression, operands in nodes:
        check_expression(expression, len(operands))
        names = []
        for kind, j in operands:
            key = f"_{kind}{j}"
            env[key] = arrays[j] if kind == "x" else vals[j]
            names.append(key)
        with np.errstate(all="ignore"):
            vals.append(np.asarray(eval(expression.format(*names), env), dtype=dt))
    return vals[-1]
