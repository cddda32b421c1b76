"""Gathering by index: `tf.gather`, `tf.gather_nd`, `tf.boolean_mask`, and the partition pair
`tf.dynamic_partition` / `tf.dynamic_stitch`.

Indices are checked in the shape function (TF's `indices[i] = j is not in [0, n)`) before any
kernel runs; the gradients scatter back with `UnsortedSegmentSum` / `TensorScatterAdd` as TF does.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute, static_value
from tfedu.framework.name_scope import name_scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, INTS, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops.array_ops import (
    _const_int,
    _math,
    concat,
    expand_dims,
    numbered_fail,
    reshape,
    shape,
    transpose,
)
from tfedu.ops.op_helpers import (
    as_tensor,
    export,
    with_rank_at_least,
)
from tfedu.ops.slicing import slice_


def _gather_check(idx, n, name="indices"):
    """Raise TF's message for the first index outside [0, n)."""
    idx = np.asarray(idx)
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        pos = np.argwhere(bad)[0]
        where = "" if idx.ndim == 0 else "[" + ",".join(str(int(p)) for p in pos) + "]"
        v = int(idx[tuple(pos)])
        raise OpCheckError(f"{name}{where} = {v} is not in [0, {n})")


def _gather_infer(op):
    ps, is_ = op.shape(0), op.shape(1)
    axis = _const_int(op, 2)
    bd = op.attrs.get("batch_dims", 0)
    if op.name:  # TF's shape function (eager leaves every check to the kernel, as TF)
        with_rank_at_least(op, ps, 1)
        if axis is not None:
            with_rank_at_least(op, ps, -axis if axis < 0 else axis + 1)
            with_rank_at_least(op, is_, abs(bd))
            if bd < 0 and is_.rank is not None:
                bd += is_.rank
            with_rank_at_least(op, ps, bd + 1)
    if ps.rank is None or is_.rank is None or axis is None or not -ps.rank <= axis < ps.rank \
            or not 0 <= (bd + is_.rank if bd < 0 else bd) <= is_.rank:
        return [(TensorShape(None), op.dtype(0))]
    # batch sizes and index values are the kernel's to check, when the graph runs
    pd, idd = ps.as_list(), is_.as_list()
    axis %= ps.rank
    out = pd[:axis] + idd[bd + is_.rank if bd < 0 else bd:] + pd[axis + 1:]
    return [(TensorShape(out), op.dtype(0))]


def _gather_kernel_check(pshape, ishape, axis, bd):
    """GatherV2's kernel checks in TF's order and words; returns (axis, batch_dims) >= 0."""
    pr, ir = len(pshape), len(ishape)
    need = -axis if axis < 0 else axis + 1
    if pr < need:
        raise OpCheckError(f"Shape must be at least rank {need} but is rank {pr}")
    axis %= pr
    if bd:
        if not -ir <= bd <= ir:
            raise OpCheckError(f"Expected batch_dims in the range [{-ir}, {ir}], but got {bd}")
        if bd < 0:
            bd += ir
        if bd >= pr:
            raise OpCheckError(f"batch_dims ({bd}) must be less than rank(params) ({pr}).")
        if axis < bd:
            raise OpCheckError(f"batch_dims ({bd}) must be less than or equal to axis ({axis}).")
        for i in range(bd):
            if pshape[i] != ishape[i]:
                raise OpCheckError(f"params.shape[{i}]: {pshape[i]} should be equal to "
                                   f"indices.shape[{i}]: {ishape[i]}")
    return axis, bd


def _gather_kernel(params, indices, axis, batch_dims=0):
    idx = np.asarray(indices).astype(np.int64, copy=False)
    axis, batch_dims = _gather_kernel_check(params.shape, idx.shape, int(axis), batch_dims)
    out_shape = params.shape[:axis] + idx.shape[batch_dims:] + params.shape[axis + 1:]
    if 0 in params.shape[:axis] + params.shape[axis + 1:] or not idx.size:
        return np.empty(out_shape, params.dtype)  # TF's kernel reads no index then
    _gather_check(idx, params.shape[axis])
    if batch_dims == 0:
        return np.asarray(np.take(params, idx, axis=axis), dtype=params.dtype)
    # batched: params[b..., outer..., idx[b..., j...], inner...]
    bshape = params.shape[:batch_dims]
    nb = int(np.prod(bshape)) if bshape else 1
    p = params.reshape((nb,) + params.shape[batch_dims:])
    ii = idx.reshape((nb,) + idx.shape[batch_dims:])
    outs = [np.take(p[b], ii[b], axis=axis - batch_dims) for b in range(nb)]
    return np.stack(outs).reshape(out_shape)


def _gather_grad(op, g):
    from tfedu.ops.scatter_ops import tensor_scatter_nd_add

    params, indices, axis_t = op.inputs
    bd = op.get_attr("batch_dims")
    ax = static_value(axis_t)
    if ax is None or params.shape.rank is None or indices.shape.rank is None:
        raise NotImplementedError("GatherV2 gradient needs a static axis and ranks")
    r = params.shape.rank
    ax = int(ax) % r
    ir = indices.shape.rank
    if bd < 0:
        bd += ir
    m = _math()
    idx = indices if indices.dtype is dtypes.int32 else m.cast(indices, dtypes.int32)
    pshape = shape(params)
    if bd == 0:
        # g: outer(ax) + idx(ir) + inner  ->  idx + outer + inner
        perm = list(range(ax, ax + ir)) + list(range(ax)) + list(range(ax + ir, ax + ir + r - ax - 1))
        gt = transpose(g, perm) if perm != list(range(len(perm))) else g
        # zeros of shape [N] + outer + inner
        pperm = [ax] + list(range(ax)) + list(range(ax + 1, r))
        zshape = gather(pshape, np.array(pperm, dtype=np.int32))
        z = array_ops.zeros(zshape, dtype=g.dtype)
        acc = tensor_scatter_nd_add(z, expand_dims(idx, -1), gt)
        inv = list(np.argsort(pperm))
        return [transpose(acc, inv) if inv != list(range(r)) else acc, None, None]
    pdims = params.shape.as_list()
    if ax != bd:
        # move the gathered axis next to the batch dims, take that gradient, move it back
        pperm = list(range(bd)) + [ax] + list(range(bd, ax)) + list(range(ax + 1, r))
        nj = ir - bd
        gperm = list(range(bd)) + list(range(ax, ax + nj)) + list(range(bd, ax)) + \
            list(range(ax + nj, g.shape.rank))
        gt = _batched_gather_grad([pdims[i] for i in pperm], idx, transpose(g, gperm), bd, ir)
        return [transpose(gt, list(np.argsort(pperm))), None, None]
    return [_batched_gather_grad(pdims, idx, g, bd, ir), None, None]


def _batched_gather_grad(pdims, idx, g, bd, ir):
    """Gradient of gather(params, idx, axis=bd, batch_dims=bd) for params dims `pdims`: fold
    the batch into the gathered axis (flat index b * N + idx) and scatter-add."""
    from tfedu.ops.scatter_ops import tensor_scatter_nd_add

    bshape, n, inner = pdims[:bd], pdims[bd], pdims[bd + 1:]
    if any(d is None for d in bshape + [n] + inner):
        raise NotImplementedError("GatherV2 gradient with batch_dims needs static shapes")
    nb = int(np.prod(bshape)) if bshape else 1
    offs = np.arange(nb, dtype=np.int32).reshape(bshape + [1] * (ir - bd)) * n
    flat_idx = _math().add(idx, offs)
    z = array_ops.zeros([nb * n] + inner, dtype=g.dtype)
    acc = tensor_scatter_nd_add(z, expand_dims(flat_idx, -1), g)
    return reshape(acc, pdims)


GATHER = register_op(
    "GatherV2", group="array", inputs=("params: Tparams", "indices: Tindices", "axis: Taxis"),
    outputs=("output: Tparams",),
    type_attrs={"Tparams": ALL, "Tindices": (dtypes.int16, dtypes.int32, dtypes.int64),
                "Taxis": INTS},
    attrs={"batch_dims": 0}, infer=_gather_infer, kernel=_gather_kernel, grad=_gather_grad,
    doc="Slices of params along axis at the given indices.")


@export("gather")
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Pick slices of `params` along `axis` (0 by default) at `indices`.

    >>> tf.gather([10, 20, 30], [2, 0])
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([30, 10], dtype=int32)>
    """
    p = as_tensor(params)
    if axis is None:
        axis = batch_dims
    if _static_int(axis) == 0:  # as TF: a zero axis is a plain gather, batch_dims ignored
        batch_dims = 0
    return execute(GATHER, [p, as_tensor(indices, dtype_hint=dtypes.int32), as_tensor(axis, dtype_hint=dtypes.int32)],
                   {"batch_dims": int(batch_dims)}, name=name, default_name="GatherV2")


def _static_int(x):
    v = static_value(x) if isinstance(x, Tensor) else x
    return None if v is None or np.size(v) != 1 else int(np.reshape(v, -1)[0])


def _gather_nd_check(idx, pshape):
    idx = np.asarray(idx)
    k = idx.shape[-1]
    flat = idx.reshape(-1, k)
    lim = np.asarray(pshape[:k])
    bad = np.any((flat < 0) | (flat >= lim), axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        pos = np.unravel_index(i, idx.shape[:-1]) if idx.ndim > 1 else ()
        where = ",".join(str(int(p)) for p in pos)
        vals = ", ".join(str(int(v)) for v in flat[i])
        raise OpCheckError(f"indices[{where}] = [{vals}] does not index into param shape "
                           f"{shape_text(list(pshape))}, node name: GatherNd")


def _gather_nd_infer(op):
    ps, is_ = op.shape(0), op.shape(1)
    bd = op.attrs.get("batch_dims", 0)
    if op.name:  # TF's shape function (eager leaves every check to the kernel, as TF)
        with_rank_at_least(op, is_, 1)
    if ps.rank is None or is_.rank is None or is_.rank == 0 or is_[-1] is None:
        return [(TensorShape(None), op.dtype(0))]
    k = is_[-1]
    if k + bd > ps.rank:
        if not op.name:
            return [(TensorShape(None), op.dtype(0))]
        op.fail(f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
                f"{shape_text(is_.as_list())} and params shape: {shape_text(ps.as_list())}")
    out = is_.as_list()[:-1] + ps.as_list()[bd + k:]
    return [(TensorShape(out), op.dtype(0))]


def _gather_nd_kernel(params, indices, batch_dims=0):
    idx = np.asarray(indices).astype(np.int64, copy=False)
    if batch_dims:
        bshape = params.shape[:batch_dims]
        nb = int(np.prod(bshape)) if bshape else 1
        p = params.reshape((nb,) + params.shape[batch_dims:])
        ii = idx.reshape((nb,) + idx.shape[batch_dims:])
        outs = [_gather_nd_kernel(p[b], ii[b]) for b in range(nb)]
        out = np.stack(outs)
        return out.reshape(bshape + out.shape[1:])
    for what, a in (("params", params), ("indices", idx)):
        if a.ndim < 1:
            raise OpCheckError(f"{what} must be at least a vector")
    k = idx.shape[-1]
    if k > params.ndim:
        raise OpCheckError(f"index innermost dimension length must be <= params rank; saw: {k} "
                           f"vs. {params.ndim}")
    out_shape = idx.shape[:-1] + params.shape[k:]
    if 0 in idx.shape[:-1]:
        return np.empty(out_shape, params.dtype)
    if params.size == 0:
        raise OpCheckError(f"Requested more than 0 entries, but params is empty.  Params shape: "
                           f"{shape_text(params.shape)}")
    if k == 0:
        return np.broadcast_to(params, out_shape).copy()
    _gather_nd_check(idx, params.shape)
    return np.asarray(params[tuple(np.moveaxis(idx, -1, 0))], dtype=params.dtype)


def _gather_nd_grad(op, g):
    from tfedu.ops.scatter_ops import scatter_nd

    params, indices = op.inputs
    if op.get_attr("batch_dims"):
        raise NotImplementedError("GatherNd gradient with batch_dims")
    return [scatter_nd(indices, g, shape(params, out_type=indices.dtype)), None]


GATHER_ND = register_op(
    "GatherNd", group="array", inputs=("params: Tparams", "indices: Tindices"), outputs=("output: Tparams",),
    export={"graphdef": {"drop": ("batch_dims",), "defaults": {"batch_dims": 0}}},
    type_attrs={"Tparams": ALL, "Tindices": (dtypes.int16, dtypes.int32, dtypes.int64)},
    attrs={"batch_dims": 0}, infer=_gather_nd_infer, kernel=_gather_nd_kernel,
    grad=_gather_nd_grad, doc="Slices of params at the index tuples in the last axis of indices.")


@export("gather_nd")
def gather_nd(params, indices, batch_dims=0, name=None):
    """Pick elements (or slices) of `params` addressed by the index vectors in `indices`."""
    return execute(GATHER_ND, [as_tensor(params), as_tensor(indices, dtype_hint=dtypes.int32)],
                   {"batch_dims": int(batch_dims)}, name=name, default_name="GatherNd")


@export("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices from `axis` on) of `tensor` where `mask` is True.

    >>> tf.boolean_mask([1, 2, 3], [True, False, True])
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 3], dtype=int32)>
    """
    with name_scope(name):
        return _boolean_mask(tensor, mask, axis)


def _boolean_mask(tensor, mask, axis):
    x = as_tensor(tensor)
    mk = as_tensor(mask) if isinstance(mask, Tensor) or getattr(mask, "_is_variable", False) \
        else convert_to_tensor(mask, dtype=dtypes.bool_)
    if mk.dtype is not dtypes.bool_:
        raise TypeError(f"Mask must be a bool tensor, got {mk.dtype!r}")
    km = mk.shape.rank
    if km is None:
        raise ValueError("Number of mask dimensions must be specified, even if some dimensions "
                         "are None.  E.g. shape=[None] is ok, but shape=None is not.")
    if km == 0:
        raise ValueError("mask cannot be scalar.")
    axis = 0 if axis is None else int(axis)
    xs = x.shape
    if xs.rank is not None:
        axis %= xs.rank
        part = TensorShape(xs.as_list()[axis:axis + km])
        if not part.is_compatible_with(mk.shape):
            raise ValueError(f"Shapes {part} and {mk.shape} are incompatible")
    d = xs.as_list() if xs.rank is not None else None
    if d is not None and all(v is not None for v in d[axis:axis + km]):
        n = int(np.prod(d[axis:axis + km])) if km else 1
        lead, tail = d[:axis], d[axis + km:]
        new = [(-1 if v is None else v) for v in lead] + [n] + \
              [(-1 if v is None else v) for v in tail]
        if new.count(-1) > 1:
            new = None
    else:
        new = None
    if new is None:
        s = shape(x)

        lead = slice_(s, [0], [axis])
        tail = slice_(s, [axis + km], [-1])
        new = concat([lead, [-1], tail], 0)
    flat = reshape(x, new)
    idx = reshape(array_ops.where(reshape(mk, [-1])), [-1])
    return gather(flat, idx, axis=axis)


def _partition_infer(op):
    ds, ps = op.shape(0), op.shape(1)
    n = op.attrs["num_partitions"]
    fail = numbered_fail("num_partitions", n)
    if ds.rank is not None and ps.rank is not None:
        if not TensorShape(ds.as_list()[:ps.rank]).is_compatible_with(ps):
            fail(f"data.shape must start with partitions.shape, got data.shape = "
                 f"{shape_text(ds.as_list())}, partitions.shape = {shape_text(ps.as_list())}")
    pv = op.const_value(1)
    if pv is not None:
        _partition_check(np.asarray(pv), n, fail)
    rest = ds.as_list()[ps.rank:] if ds.rank is not None and ps.rank is not None else None
    return [(TensorShape(None if rest is None else [None] + rest), op.dtype(0))] * n


def _partition_check(p, n, fail):
    bad = (p < 0) | (p >= n)
    if bad.any():
        pos = np.argwhere(bad)[0]
        where = ",".join(str(int(i)) for i in pos)
        fail(f"partitions[{where}] = {int(p[tuple(pos)])} is not in [0, {n})")


def _partition_kernel(data, partitions, num_partitions=1):
    _partition_check(partitions, num_partitions, numbered_fail("num_partitions", num_partitions))
    flat = data.reshape((-1,) + data.shape[partitions.ndim:])
    p = partitions.reshape(-1)
    return [np.array(flat[p == i]) for i in range(num_partitions)]


def _partition_grad(op, *grads):
    data, parts = op.inputs
    n = op.get_attr("num_partitions")
    idx = reshape(array_ops.range(0, array_ops.size(parts)), shape(parts))
    pieces = dynamic_partition(idx, parts, n)
    grads = [g if g is not None else array_ops.zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [reshape(dynamic_stitch(pieces, grads), shape(data)), None]


@export("dynamic_partition")
def dynamic_partition(data, partitions, num_partitions, name=None):
    """Group the slices of `data` by `partitions` (values in [0, num_partitions))."""
    return execute(DYNAMIC_PARTITION, [as_tensor(data), as_tensor(partitions, dtype_hint=dtypes.int32)],
                   {"num_partitions": int(num_partitions)}, name=name,
                   default_name="DynamicPartition")


@export("dynamic_stitch")
def dynamic_stitch(indices, data, name=None):
    """merged[indices[m][i]] = data[m][i] (later entries win)."""
    return execute(DYNAMIC_STITCH, [[as_tensor(i, dtype_hint=dtypes.int32) for i in indices],
                                    [as_tensor(d) for d in data]], name=name,
                   default_name="DynamicStitch")


DYNAMIC_PARTITION = register_op(
    "DynamicPartition", group="array", inputs=("data: T", "partitions: int32"),
    outputs=("outputs: num_partitions*T",), type_attrs={"T": ALL},
    attrs={"num_partitions": 1}, infer=_partition_infer, kernel=_partition_kernel,
    grad=_partition_grad, doc="Split data into num_partitions groups by partition number.")


def _stitch_infer(op):
    n = len(op.inputs) // 2
    idx = [op.const_value(i) for i in range(n)]
    d0, i0 = op.shape(n), op.shape(0)
    rest = d0.as_list()[i0.rank:] if d0.rank is not None and i0.rank is not None else None
    size = None
    if all(v is not None for v in idx):
        size = max((int(np.max(v)) + 1 for v in idx if np.size(v)), default=0)
    return [(TensorShape(None if rest is None else [size] + rest), op.dtype(n))]


def _stitch_kernel(indices, data):
    size = max((int(np.max(i)) + 1 for i in indices if np.size(i)), default=0)
    if any(np.any(np.asarray(i) < 0) for i in indices):
        raise OpCheckError("indices must be non-negative")
    rest = data[0].shape[np.ndim(indices[0]):]
    out = np.zeros((size,) + rest, dtype=data[0].dtype)
    for i, d in zip(indices, data):
        out[np.asarray(i).reshape(-1)] = np.asarray(d).reshape((-1,) + rest)
    return out


DYNAMIC_STITCH = register_op(
    "DynamicStitch", group="array", inputs=("indices: N*int32", "data: N*T"), outputs=("merged: T",),
    type_attrs={"T": ALL}, infer=_stitch_infer, kernel=_stitch_kernel,
    grad=lambda op, g: [None] * (len(op.inputs) // 2) + [
        gather(g, i) for i in op.inputs[:len(op.inputs) // 2]],
    doc="Interleave slices of the data tensors into one, at the given positions.")
