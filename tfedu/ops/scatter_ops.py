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
from tfedu.ops.op_helpers import as_tensor, export

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


def _check_shapes(op_fail, idx_shape, upd_shape, out_shape, what="shape"):
    """updates.shape must be indices.shape[:-1] + out_shape[k:]."""
    if idx_shape.rank is None or upd_shape.rank is None or out_shape.rank is None:
        return
    k = idx_shape[-1] if idx_shape.rank else None
    if k is None:
        return
    if k > out_shape.rank:
        op_fail(f"Index innermost dimension length must be <= {what} rank; saw: {k} vs. "
                f"{out_shape.rank}")
    want = TensorShape(idx_shape.as_list()[:-1] + out_shape.as_list()[k:])
    if not want.is_compatible_with(upd_shape):
        op_fail(f"Dimensions [{idx_shape.rank - 1},{idx_shape.rank}) of indices"
                f"[shape={shape_text(idx_shape.as_list())}] = "
                f"{shape_text(idx_shape.as_list()[:-1])} must match dimensions "
                f"[0,{upd_shape.rank - (out_shape.rank - k)}) of updates"
                f"[shape={shape_text(upd_shape.as_list())}]")


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
        return [(TensorShape(None if n is None else [None] * n), op.dtype(1))]
    shp = [int(d) for d in np.reshape(shp, -1)]
    out = TensorShape(shp)
    _check_shapes(lambda m: op.fail(m), op.shape(0), op.shape(1), out)
    iv = op.const_value(0)
    if iv is not None:
        _check_indices(iv, shp)
    return [(out, op.dtype(1))]


def _scatter_nd_kernel(indices, updates, shape):
    shp = tuple(int(d) for d in np.reshape(shape, -1))
    _check_indices(indices, shp)
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
    _check_shapes(lambda m: op.fail(m), op.shape(1), op.shape(2), ts,
                  what="params")
    iv = op.const_value(1)
    if iv is not None and ts.is_fully_defined():
        _check_indices(iv, ts.as_list())
    return [(ts, op.dtype(0))]


def _tensor_scatter_kernel(mode):
    def kernel(tensor, indices, updates):
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

