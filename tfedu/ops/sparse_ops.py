"""`tf.SparseTensor`: `indices`, `values` and `dense_shape`, and the `tf.sparse` functions.

A sparse tensor is a Python object holding ordinary tensors, so every computation on it is made
of regular ops and differentiates through `values`.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.convert import constant, convert_to_tensor
from tfedu.framework.execute import static_value
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops.gather_ops import gather, gather_nd
from tfedu.ops.math_ops import add, matmul, not_equal, reduce_sum
from tfedu.ops.op_helpers import as_numpy, export
from tfedu.ops.op_helpers import as_tensor as _t
from tfedu.ops.scatter_ops import tensor_scatter_nd_update

# ------------------------------------------------------------------------------------------
# SparseTensor
# ------------------------------------------------------------------------------------------

@export("SparseTensor", "sparse.SparseTensor")
class SparseTensor:
    """A mostly-zero tensor: `values[i]` sits at `indices[i]` in a tensor of `dense_shape`."""

    def __init__(self, indices, values, dense_shape):
        self._indices = _t(indices, dtypes.int64)
        self._values = _t(values)
        self._dense_shape = _t(dense_shape, dtypes.int64)
        for what, t in (("indices", self._indices), ("dense_shape", self._dense_shape)):
            if t.dtype is not dtypes.int64:
                raise TypeError(f"{what} must be int64, got {t.dtype!r}")
        ishape = self._indices.shape
        vshape = self._values.shape
        if ishape.rank is not None and ishape.rank != 2:
            raise ValueError(f"Shape {ishape} must have rank 2")
        if vshape.rank is not None and vshape.rank != 1:
            raise ValueError(f"Shape {vshape} must have rank 1")

    @property
    def indices(self):
        return self._indices

    @property
    def values(self):
        return self._values

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        v = static_value(self._dense_shape)
        if v is not None:
            return TensorShape([int(d) for d in np.reshape(v, -1)])
        n = self._dense_shape.shape[0] if self._dense_shape.shape.rank == 1 else None
        return TensorShape(None if n is None else [None] * n)

    def get_shape(self):
        return self.shape

    def with_values(self, new_values):
        return SparseTensor(self._indices, new_values, self._dense_shape)

    @classmethod
    def from_value(cls, value):
        return value

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")


@export("sparse.to_dense")
def sparse_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor: `values` at `indices`, `default_value` (zero) elsewhere."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    fill = 0 if default_value is None else default_value
    base = array_ops.fill(sp_input.dense_shape, convert_to_tensor(fill, dtype=sp_input.dtype))
    return tensor_scatter_nd_update(base, sp_input.indices, sp_input.values, name=name)


@export("sparse.from_dense")
def sparse_from_dense(tensor, name=None):
    """The SparseTensor of the non-zero elements of `tensor`."""

    t = _t(tensor)
    zero = np.zeros((), dtype=t.dtype._np) if t.dtype is not dtypes.string else b""
    idx = array_ops.where(not_equal(t, zero))
    return SparseTensor(idx, gather_nd(t, idx), array_ops.shape(t, out_type=dtypes.int64))


@export("sparse.reorder")
def sparse_reorder(sp_input, name=None):
    """The same SparseTensor with its entries in row-major (canonical) order."""
    idx = np.asarray(sp_input.indices)
    order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
    return SparseTensor(gather(sp_input.indices, order), gather(sp_input.values, order),
                        sp_input.dense_shape)


@export("sparse.add")
def sparse_add(a, b, threshold=0, name=None):
    """sparse + dense gives a dense tensor; sparse + sparse a SparseTensor over the union of
    their entries (entries with |value| < threshold are dropped)."""

    if not isinstance(a, SparseTensor):
        a, b = b, a
    if not isinstance(b, SparseTensor):
        return add(sparse_to_dense(a), _t(b))
    dense = add(sparse_to_dense(a), sparse_to_dense(b))
    both = np.concatenate([np.asarray(a.indices), np.asarray(b.indices)])
    union = np.unique(both, axis=0) if both.size else both.reshape(0, len(a.shape))
    vals = gather_nd(dense, union)
    keep = np.abs(np.asarray(vals)) >= threshold
    if not keep.all():
        union = union[keep]
        vals = gather_nd(dense, union)
    return SparseTensor(union.astype(np.int64), vals, a.dense_shape)


@export("sparse.reduce_sum")
def sparse_reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Sum of the entries (over `axis`), as a dense tensor."""
    return reduce_sum(sparse_to_dense(sp_input), axis=axis, keepdims=bool(keepdims))


@export("sparse.sparse_dense_matmul", "sparse.matmul")
def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """SparseTensor @ dense matrix (differentiable in both)."""
    return matmul(sparse_to_dense(sp_a), _t(b), adjoint_a=adjoint_a, adjoint_b=adjoint_b)


# ------------------------------------------------------------------------------------------
# slice, concat, transpose, reduce_max, map_values, retain: computed now, on the values
# ------------------------------------------------------------------------------------------


def _sparse(indices, values, shape, dtype):
    vals = constant(np.asarray(values, dtype=object if dtype == dtypes.string else
                                  dtype.as_numpy_dtype), dtype=dtype)
    return SparseTensor(np.asarray(indices, np.int64).reshape(-1, len(shape)), vals,
                        np.asarray(shape, np.int64))


@export("sparse.slice")
def sparse_slice(sp_input, start, size, name=None):
    """The entries inside the box [start, start + size), re-indexed from `start`."""
    idx, vals = as_numpy(sp_input.indices), as_numpy(sp_input.values)
    start, size = np.asarray(start, np.int64), np.asarray(size, np.int64)
    shape = as_numpy(sp_input.dense_shape)
    end = np.minimum(start + size, shape)
    keep = np.all((idx >= start) & (idx < end), axis=1) if idx.size else np.zeros(0, bool)
    return _sparse(idx[keep] - start, vals[keep], np.maximum(end - start, 0), sp_input.dtype)


@export("sparse.concat")
def sparse_concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """Join SparseTensors along `axis` (their other dimensions must agree)."""
    shapes = [as_numpy(s.dense_shape) for s in sp_inputs]
    rank = len(shapes[0])
    axis = axis % rank
    for pos, s in enumerate(shapes[1:], 1):
        bad = [d for d in range(rank) if d != axis and s[d] != shapes[0][d]]
        if bad and not expand_nonconcat_dims:
            raise errors.InvalidArgumentError(
                None, None, f"{{{{function_node __wrapped__SparseConcat_N_{len(shapes)}_device_"
                f"{errors.CPU_DEVICE}}}}} Input shapes must match: expected "
                f"{shapes[0][bad[0]]} for dimension {bad[0]} but got {s[bad[0]]} at position "
                f"{pos} [Op:SparseConcat] name: ")
    out_idx, out_vals, offset = [], [], 0
    for s, shp in zip(sp_inputs, shapes):
        i = as_numpy(s.indices).copy()
        i[:, axis] += offset
        out_idx.append(i)
        out_vals.append(as_numpy(s.values))
        offset += shp[axis]
    shape = shapes[0].copy()
    shape[axis] = offset
    idx, vals = np.concatenate(out_idx), np.concatenate(out_vals)
    order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
    return _sparse(idx[order], vals[order], shape, sp_inputs[0].dtype)


@export("sparse.transpose")
def sparse_transpose(sp_input, perm=None, name=None):
    """The SparseTensor with its dimensions permuted (reversed by default), entries re-sorted."""
    idx, shape = as_numpy(sp_input.indices), as_numpy(sp_input.dense_shape)
    perm = list(range(len(shape)))[::-1] if perm is None else list(perm)
    new = idx[:, perm]
    order = np.lexsort(new.T[::-1]) if new.size else np.arange(0)
    return _sparse(new[order], as_numpy(sp_input.values)[order], shape[perm], sp_input.dtype)


@export("sparse.reduce_max")
def sparse_reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Max over the present entries only (absent ones are not zeros here)."""
    idx, vals, shape = as_numpy(sp_input.indices), as_numpy(sp_input.values), as_numpy(sp_input.dense_shape)
    if axis is None:
        return constant(vals.max() if vals.size else np.array(np.iinfo(np.int64).min),
                           dtype=sp_input.dtype)
    axes = [a % len(shape) for a in np.atleast_1d(axis)]
    keep = [d for d in range(len(shape)) if d not in axes]
    low = np.finfo(vals.dtype).min if vals.dtype.kind == "f" else np.iinfo(vals.dtype).min
    out = np.full([shape[d] for d in keep], low, vals.dtype)
    for i, v in zip(idx, vals):
        k = tuple(i[keep])
        out[k] = max(out[k], v)
    if keepdims:
        out = out.reshape([1 if d in axes else shape[d] for d in range(len(shape))])
    return constant(out)


@export("sparse.map_values")
def sparse_map_values(op, *args, **kwargs):
    """Apply `op` to the values of the SparseTensor arguments (same indices)."""
    sp = next(a for a in args if isinstance(a, SparseTensor))
    new = [a.values if isinstance(a, SparseTensor) else a for a in args]
    return SparseTensor(sp.indices, op(*new, **kwargs), sp.dense_shape)


@export("sparse.retain")
def sparse_retain(sp_input, to_retain):
    """Only the entries where the boolean vector `to_retain` is True."""
    keep = np.asarray(as_numpy(to_retain), bool)
    return _sparse(as_numpy(sp_input.indices)[keep], as_numpy(sp_input.values)[keep],
                   as_numpy(sp_input.dense_shape), sp_input.dtype)
