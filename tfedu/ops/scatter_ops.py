"""Scatter ops: `ScatterNd` and `TensorScatter{Update,Add,Sub,Max,Min}`.

Indices are checked against the shape before any write (TF's `indices[i] = [...] does not index
into shape [...]`), so the Numba kernels only ever see in-bounds indices.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, INTS, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import array_kernels
from tfedu.ops import array_ops, math_ops
from tfedu.ops.gather_ops import gather_nd
from tfedu.ops.math_ops import negative
from tfedu.ops.op_helpers import as_tensor, debug_shape, export, merge_error

_NB_MIN = 4096  # elements updated; np.ufunc.at is ~10x slower than the loop above ~1e3


def _check_indices(idx, shp):
    """TF's out-of-bounds message for the first index vector outside `shp`."""
    idx = np.asarray(idx)
    k = idx.shape[-1] if idx.ndim else 0
    if k == 0:
        return
    flat = idx.reshape(-1, k)
    lim = np.asarray(list(shp)[:k])
    bad = np.any((flat < 0) | (flat >= lim), axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        vals = ", ".join(str(int(v)) for v in flat[i])
        raise OpCheckError(f"indices[{i}] = [{vals}] does not index into shape "
                           f"{shape_text(list(shp))}")


def _graph_check(op, idx_s, upd_s, out_s):
    """TF's shape function (`ScatterNdShapeHelper`) while building a graph: what static shapes
    show wrong is a ValueError now; the rest waits for the kernel (`_kernel_check`)."""
    for s in (idx_s, upd_s):
        if s.rank == 0:
            op.fail("Shape must be at least rank 1 but is rank 0")
    sizes = [s.num_elements() for s in (out_s, idx_s, upd_s)]
    if sizes[0] == 0 and any(n is not None and n > 0 for n in sizes[1:]):
        op.fail("Indices and updates specified for empty input")
    if idx_s.rank is None or upd_s.rank is None or idx_s[-1] is None:
        return
    outer, ix = idx_s.rank - 1, idx_s[-1]
    pi, pu = TensorShape(idx_s.as_list()[:outer]), TensorShape(upd_s.as_list()[:outer])
    if (why := merge_error(pi, pu)) is not None:
        op.fail(f"Dimensions [0,{outer}) of indices[shape={debug_shape(idx_s)}] = "
                f"{debug_shape(pi)} must match dimensions [0,{outer}) of updates[shape="
                f"{debug_shape(upd_s)}] = {debug_shape(pu)}: {why}")
    so = TensorShape(None if out_s.rank is None else out_s.as_list()[ix:])
    su = TensorShape(upd_s.as_list()[outer:])
    if (why := merge_error(so, su)) is not None:
        op.fail(f"Dimensions [{ix},{out_s.rank}) of input[shape={debug_shape(out_s)}] = "
                f"{debug_shape(so)} must match dimensions [{outer},{upd_s.rank}) of updates"
                f"[shape={debug_shape(upd_s)}] = {debug_shape(su)}: {why}")


def _valid_empty(n_out, n_idx, n_upd):
    return (n_idx == 0 and n_upd == 0) or (n_out != 0 and n_idx != 0 and n_upd != 0)


def _kernel_check(op_type, out_shape, idx_shape, upd_shape, n_out=None):
    """The kernel's checks, in TF's order and words (`op_type` ScatterNd or TensorScatter*);
    `n_out` is what TF counts as the output's size in its first emptiness check."""
    st = shape_text
    for what, s in (("Indices", idx_shape), ("Updates", upd_shape)):
        if not s:
            raise OpCheckError(f"{what} shape must have rank at least one. Found:{st(s)}")
    n_idx, n_upd = int(np.prod(idx_shape)), int(np.prod(upd_shape))
    if not _valid_empty(int(np.prod(out_shape)) if n_out is None else n_out, n_idx, n_upd):
        raise OpCheckError("Indices and updates specified for empty output shape")
    outer, ix, nd = len(idx_shape) - 1, idx_shape[-1], op_type == "ScatterNd"
    inner = (f"Dimensions [{ix},{len(out_shape)}) of input[shape={st(out_shape)}] must match "
             f"dimensions [{outer},{len(upd_shape)}) of updates[shape={st(upd_shape)}]")
    if list(idx_shape[:outer]) != list(upd_shape[:outer]):
        raise OpCheckError(
            f"Dimensions [0,{outer}) of indices[shape={st(idx_shape)}] must match dimensions "
            f"[0,{outer}) of updates[shape={st(upd_shape)}]" if nd else
            f"Outer dimensions of indices and update must match. Indices shape: "
            f"{st(idx_shape)}, updates shape:{st(upd_shape)}")
    if len(upd_shape) - outer != len(out_shape) - ix:
        raise OpCheckError(inner if nd else "Inner dimensions of output shape must match inner "
                           f"dimensions of updates shape. Output: {st(out_shape)} updates: "
                           f"{st(upd_shape)}")
    if list(upd_shape[outer:]) != list(out_shape[ix:]):
        raise OpCheckError(inner if nd else
                           f"The inner {len(out_shape) - ix} dimensions of output.shape="
                           f"{st(out_shape)} must match the inner {len(upd_shape) - outer} "
                           f"dimensions of updates.shape={st(upd_shape)}")
    _prepare_check(out_shape, idx_shape, upd_shape, n_idx, n_upd)


def _prepare_check(out_shape, idx_shape, upd_shape, n_idx, n_upd):
    """The checks of TF's shared scatter routine (`PrepareAndValidateInputs`), which read
    1-D indices as a batch of one-element index vectors."""
    st = shape_text
    if not out_shape:
        raise OpCheckError(f"Output must be at least 1-D, got shape: {st(out_shape)}")
    if not _valid_empty(int(np.prod(out_shape)), n_idx, n_upd):
        raise OpCheckError(f"Indices and updates specified for empty output.  indices shape: "
                           f"{st(idx_shape)}")
    if upd_shape[0] != idx_shape[0]:
        raise OpCheckError(f"Dimensions [0,1) of indices[shape={st(idx_shape)}] = {idx_shape[0]} "
                           f"must match dimensions [0,1) of updates[shape={st(upd_shape)}] = "
                           f"{upd_shape[0]}")
    deep = len(idx_shape) > 1
    k, b = (idx_shape[-1], len(idx_shape) - 1) if deep else (1, 1)
    if len(upd_shape) != b + len(out_shape) - k or list(upd_shape[b:]) != list(out_shape[k:]):
        raise OpCheckError(f"Dimensions [{k},{len(out_shape)}) of input[shape={st(out_shape)}] "
                           f"must match dimensions [{k},{len(upd_shape)}) of updates[shape="
                           f"{st(upd_shape)}]")


def _no_updates(indices):
    idx = np.asarray(indices)
    return idx.ndim == 0 or int(np.prod(idx.shape[:-1])) == 0


def _scatter(out, idx, upd, mode):
    """Apply updates at index tuples onto `out` in place (numpy, or Numba when large)."""
    k = idx.shape[-1]
    n = int(np.prod(idx.shape[:-1])) if idx.ndim > 1 else 1
    flat_idx = idx.reshape(n, k).astype(np.int64, copy=False)
    slab = out.shape[k:]
    upd2 = np.ascontiguousarray(upd).reshape((n,) + slab)
    if k == 0:  # empty index vectors address the whole tensor
        if n:
            red = {"update": lambda a: a[-1], "add": lambda a: out + a.sum(0),
                   "sub": lambda a: out - a.sum(0), "max": lambda a: np.maximum(out, a.max(0)),
                   "min": lambda a: np.minimum(out, a.min(0))}[mode]
            out[...] = red(upd2)
        return out
    if upd2.size >= _NB_MIN and out.dtype.kind in "fiu" and out.flags.c_contiguous:
        strides = np.array([int(np.prod(out.shape[j + 1:k])) for j in range(k)], dtype=np.int64)
        inner = int(np.prod(slab)) if slab else 1
        o2 = out.reshape(-1, inner)
        array_kernels.scatter_rows(o2, flat_idx @ strides, upd2.reshape(n, inner),
                           {"update": 0, "add": 1, "sub": 2, "max": 3, "min": 4}[mode])
        return out
    cols = tuple(flat_idx.T)
    if mode == "update":
        out[cols] = upd2
    elif mode == "add":
        np.add.at(out, cols, upd2)
    elif mode == "sub":
        np.subtract.at(out, cols, upd2)
    elif mode == "max":
        np.maximum.at(out, cols, upd2)
    else:
        np.minimum.at(out, cols, upd2)
    return out


def _scatter_nd_infer(op):
    shp = op.const_value(2)
    if shp is None:
        n = op.shape(2)[0] if op.shape(2).rank == 1 else None
        out = TensorShape(None if n is None else [None] * n)
    else:  # TF's MakeShapeFromShapeTensor: -1 is an unknown size
        out = TensorShape([None if int(d) < 0 else int(d) for d in np.reshape(shp, -1)])
    if op.name:  # graph construction (eager leaves every check to the kernel, as TF)
        _graph_check(op, op.shape(0), op.shape(1), out)
    return [(out, op.dtype(1))]


def _scatter_nd_kernel(indices, updates, shape):
    shp = tuple(int(d) for d in np.reshape(shape, -1))
    for d in shp:
        if d < 0:
            raise OpCheckError(f"Dimension {d} must be >= 0")
    _kernel_check("ScatterNd", shp, np.shape(indices), np.shape(updates), n_out=len(shp))
    _check_indices(indices, shp)
    if updates.dtype == object:  # strings: TF sums by concatenation, from empty strings
        out = np.full(shp, b"", dtype=object)
    else:
        out = np.zeros(shp, dtype=updates.dtype)
    if _no_updates(indices):
        return out
    return _scatter(out, np.asarray(indices), updates, "add")


def array_ops_gather_nd(params, indices):
    return gather_nd(params, indices)


SCATTER_ND = register_op(
    "ScatterNd", group="array", inputs=("indices: Tindices", "updates: T", "shape: Tindices"),
    outputs=("output: T",), type_attrs={"T": ALL, "Tindices": INTS},
    infer=_scatter_nd_infer, kernel=_scatter_nd_kernel,
    grad=lambda op, g: [None, array_ops_gather_nd(g, op.inputs[0]), None],
    doc="A zero tensor of `shape` with `updates` summed in at `indices`.", numba=("array_kernels.nb_scatter_rows",))


@export("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape`, with `updates` added at the index vectors in `indices`."""
    idx = as_tensor(indices, dtype_hint=dtypes.int32)
    upd = updates if isinstance(updates, Tensor) else as_tensor(updates)
    shp = shape if isinstance(shape, Tensor) else convert_to_tensor(shape, dtype=idx.dtype)
    return execute(SCATTER_ND, [idx, upd, shp], name=name, default_name="ScatterNd")


def _tensor_scatter_infer(op):
    ts = op.shape(0)
    if op.name:  # graph construction (eager leaves every check to the kernel, as TF)
        if ts.rank == 0:
            op.fail("Shape must be at least rank 1 but is rank 0")
        _graph_check(op, op.shape(1), op.shape(2), ts)
    return [(ts, op.dtype(0))]


def _tensor_scatter_kernel(mode):
    def kernel(tensor, indices, updates):
        _kernel_check("TensorScatter", tensor.shape, np.shape(indices), np.shape(updates))
        _check_indices(indices, tensor.shape)
        out = np.array(tensor, copy=True, order="C")
        if _no_updates(indices):
            return out
        return _scatter(out, np.asarray(indices), updates, mode)

    return kernel


def _gnd(g, idx):
    return gather_nd(g, idx)


def _minmax_grad(op, g):
    t, idx, upd = op.inputs
    out = op.outputs[0]
    keep_t = math_ops.cast(math_ops.equal(t, out), g.dtype)
    picked = _gnd(out, idx)
    keep_u = math_ops.cast(math_ops.equal(upd, picked), g.dtype)
    return [math_ops.multiply(g, keep_t), None, math_ops.multiply(_gnd(g, idx), keep_u)]


def _register(type_, mode, grad, **fields):
    """Register one TensorScatter op: `tensor` with `updates` applied by `mode`."""
    return register_op(
        type_, group="array", inputs=("tensor: T", "indices: Tindices", "updates: T"), outputs=("output: T",),
        type_attrs={"T": ALL, "Tindices": INTS}, infer=_tensor_scatter_infer,
        kernel=_tensor_scatter_kernel(mode), grad=grad,
        doc=f"A copy of `tensor` with `updates` applied ({mode}) at `indices`.", **fields)


def _update_grad(op, g):
    _, idx, upd = op.inputs
    return [tensor_scatter_nd_update(g, idx, array_ops.zeros_like(upd)), None, _gnd(g, idx)]


TENSOR_SCATTER_UPDATE = _register("TensorScatterUpdate", "update", _update_grad, numba=("array_kernels.nb_scatter_rows",))
TENSOR_SCATTER_ADD = _register(
    "TensorScatterAdd", "add", lambda op, g: [g, None, _gnd(g, op.inputs[1])], numba=("array_kernels.nb_scatter_rows",))


def _neg(x):
    return negative(x)


TENSOR_SCATTER_SUB = _register(
    "TensorScatterSub", "sub",
    lambda op, g: [g, None, _neg(_gnd(g, op.inputs[1]))], numba=("array_kernels.nb_scatter_rows",))
TENSOR_SCATTER_MAX = _register("TensorScatterMax", "max", _minmax_grad, numba=("array_kernels.nb_scatter_rows",))
TENSOR_SCATTER_MIN = _register("TensorScatterMin", "min", _minmax_grad, numba=("array_kernels.nb_scatter_rows",))


def _ts(opdef, default):
    def fn(tensor, indices, updates, name=None):
        t = as_tensor(tensor)
        upd = updates if isinstance(updates, Tensor) else convert_to_tensor(updates,
                                                                              dtype=t.dtype)
        return execute(opdef, [t, as_tensor(indices, dtype_hint=dtypes.int32), upd], name=name, default_name=default)

    return fn


tensor_scatter_nd_update = export("tensor_scatter_nd_update")(
    _ts(TENSOR_SCATTER_UPDATE, "TensorScatterUpdate"))
tensor_scatter_nd_add = export("tensor_scatter_nd_add")(
    _ts(TENSOR_SCATTER_ADD, "TensorScatterAdd"))
tensor_scatter_nd_sub = export("tensor_scatter_nd_sub")(
    _ts(TENSOR_SCATTER_SUB, "TensorScatterSub"))
tensor_scatter_nd_max = export("tensor_scatter_nd_max")(
    _ts(TENSOR_SCATTER_MAX, "TensorScatterMax"))
tensor_scatter_nd_min = export("tensor_scatter_nd_min")(
    _ts(TENSOR_SCATTER_MIN, "TensorScatterMin"))
for _f, _n in ((tensor_scatter_nd_update, "update"), (tensor_scatter_nd_add, "add"),
               (tensor_scatter_nd_sub, "sub"), (tensor_scatter_nd_max, "max"),
               (tensor_scatter_nd_min, "min")):
    _f.__name__ = f"tensor_scatter_nd_{_n}"
    _f.__doc__ = f"A copy of `tensor` with `updates` applied ({_n}) at the index vectors."

