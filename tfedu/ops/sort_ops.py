"""Sorting and ranking: `tf.sort`, `tf.argsort`, `tf.math.top_k`, `tf.math.in_top_k`,
`tf.searchsorted`.
"""

from __future__ import annotations

import collections

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import INTS, REAL, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops import math_ops as M
from tfedu.ops.array_ops import reshape, transpose
from tfedu.ops.gather_ops import gather
from tfedu.ops.op_helpers import (
    as_tensor,
    export,
    raise_op_error,
)
from tfedu.ops.segment_ops import unsorted_segment_sum

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _topk_check(rank, last, k, fail):
    if k is not None and k < 0:
        fail(f"Need k >= 0, got {k}")
    if rank is not None and rank < 1:
        fail("input must be >= 1-D, got shape []")
    if k is not None and last is not None and last < k:
        fail(f"input must have at least k columns. Had {last}, needed {k}")


def _topk_infer(op):
    shape = op.shape(0)
    kv = op.const_value(1)
    k = None if kv is None else int(np.asarray(kv).reshape(-1)[0])
    if kv is not None and np.ndim(kv) != 0:
        op.fail(f"k must be 0-D, got shape {shape_text(np.shape(kv))}")
    last = None if shape.rank in (None, 0) else shape.as_list()[-1]
    _topk_check(shape.rank, last, k, op.fail)
    out = TensorShape(None) if shape.rank is None else TensorShape(shape.as_list()[:-1] + [k])
    return [(out, op.dtype(0)), (out, dtypes.int32)]


def _topk_kernel(x, k, sorted=True):
    k = int(k)
    _topk_check(x.ndim, x.shape[-1] if x.ndim else None, k, raise_op_error)
    # stable descending order with ties broken by the lower index, as TF does
    order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    idx = (x.shape[-1] - 1 - order)[..., :k].astype(np.int32)
    return np.take_along_axis(x, idx, axis=-1), idx


def _topk_grad(op, g_values, g_indices=None):
    """Scatter the value gradients back to the positions top_k picked them from."""
    x = op.inputs[0]
    idx = op.outputs[1]
    if g_values is None:
        return [None, None]
    xs, ks = x.shape, idx.shape
    if xs.is_fully_defined() and ks.is_fully_defined():
        last, k = xs.as_list()[-1], ks.as_list()[-1]
        rows = int(np.prod(ks.as_list()[:-1], dtype=np.int64))
        total = int(np.prod(xs.as_list(), dtype=np.int64))
        offsets = np.arange(rows, dtype=np.int32).reshape(-1, 1) * last
        flat = array_ops.reshape(M.add(array_ops.reshape(idx, [rows, k]), offsets), [-1])
        summed = unsorted_segment_sum(array_ops.reshape(g_values, [-1]), flat, total)
        return [array_ops.reshape(summed, xs.as_list()), None]
    k = M.maximum(op.inputs[1], 1)
    rows = M.floordiv(array_ops.size(idx), k)
    last = M.floordiv(array_ops.size(x), M.maximum(rows, 1))
    offsets = M.multiply(array_ops.reshape(array_ops.range(rows), [-1, 1]), last)
    flat = array_ops.reshape(M.add(array_ops.reshape(idx, array_ops.stack([rows, k])),
                                   offsets), [-1])
    summed = unsorted_segment_sum(array_ops.reshape(g_values, [-1]), flat, array_ops.size(x))
    return [array_ops.reshape(summed, array_ops.shape(x)), None]


TOPK = register_op(
    "TopKV2", group="array", inputs=("input: T", "k: int32"), outputs=("values: T", "indices: int32"),
    type_attrs={"T": REAL}, attrs={"sorted": True}, infer=_topk_infer, kernel=_topk_kernel,
    grad=_topk_grad, doc="The k largest entries of the last axis and their indices.")


@export("math.top_k", "nn.top_k")
def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):
    """The `k` largest entries along the last axis: `TopKV2(values, indices)`."""
    x = as_tensor(input, name="input")
    k = as_tensor(k, dtype=dtypes.int32, name="k")
    values, indices = execute(TOPK, [x, k], {"sorted": bool(sorted)}, name=name,
                              default_name="TopKV2")
    if dtypes.as_dtype(index_type) is not dtypes.int32:
        indices = M.cast(indices, index_type)
    return TopKV2(values, indices)


def _in_top_k_infer(op):
    p, t = op.shape(0), op.shape(1)
    if p.rank is not None and p.rank != 2:
        op.fail(f"predictions must be 2-dimensional, got {shape_text(p.as_list())}")
    if t.rank is not None and t.rank != 1:
        op.fail(f"targets must be 1-dimensional, got {shape_text(t.as_list())}")
    n = p.as_list()[0] if p.rank else None
    return [(TensorShape([n]), dtypes.bool_)]


def _in_top_k_kernel(pred, targets, k):
    if pred.shape[0] != targets.shape[0]:
        raise OpCheckError(f"First dimension of predictions {pred.shape[0]} must match length "
                           f"of targets {targets.shape[0]}")
    n, c = pred.shape
    ok = (targets >= 0) & (targets < c)
    safe = np.where(ok, targets, 0)
    tv = pred[np.arange(n), safe]
    higher = np.sum(pred > tv[:, None], axis=1)
    finite = np.all(np.isfinite(pred), axis=1)
    return ok & finite & np.isfinite(tv) & (higher < int(k))


IN_TOP_K = register_op(
    "InTopKV2", group="array", inputs=("predictions: float32", "targets: T", "k: T"),
    outputs=("precision: bool",), type_attrs={"T": INTS}, infer=_in_top_k_infer,
    kernel=_in_top_k_kernel, doc="Whether each target's score is among the row's top k.")


@export("math.in_top_k", "nn.in_top_k")
def in_top_k(targets, predictions, k, name=None):
    """Whether `predictions[i, targets[i]]` is among the `k` largest of row i."""
    p = as_tensor(predictions, dtype=dtypes.float32, name="predictions")
    t = as_tensor(targets, name="targets")
    kk = as_tensor(k, dtype=t.dtype, name="k")
    return execute(IN_TOP_K, [p, t, kk], name=name, default_name="InTopKV2")


def _argsort_np(x, descending):
    if descending:
        rev = np.flip(x, -1)
        o = np.flip(np.argsort(rev, axis=-1, kind="stable"), -1)
        return (x.shape[-1] - 1 - o).astype(np.int32)
    return np.argsort(x, axis=-1, kind="stable").astype(np.int32)


def _argsort_infer(op):
    xs = op.shape(0)
    if xs.rank == 0:
        op.fail("input must be at least rank 1")
    return [(xs, dtypes.int32)]


ARGSORT = register_op(
    "ArgSort", group="array", inputs=("input: T",), outputs=("indices: int32",), type_attrs={"T": REAL},
    export={"graphdef": {"unsupported": "it is tfedu's own op; TensorFlow has none of that name"}},
    attrs={"descending": False}, infer=_argsort_infer,
    kernel=lambda x, descending=False: _argsort_np(x, descending),
    doc="Indices that sort the last axis (stable), ascending or descending.")


def _direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f'`direction` must be one of "ASCENDING" or "DESCENDING". '
                         f'Received: direction={direction}')
    return direction == "DESCENDING"


@export("argsort")
def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort `values` along `axis` (int32)."""
    desc = _direction(direction)
    x = as_tensor(values)
    r = x.shape.rank
    if r is None:
        raise ValueError("argsort needs a tensor of known rank")
    axis = int(axis) % max(r, 1)
    if axis != r - 1:
        perm = list(range(r))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        out = execute(ARGSORT, [transpose(x, perm)], {"descending": desc}, name=name,
                      default_name="argsort")
        return transpose(out, perm)
    return execute(ARGSORT, [x], {"descending": desc}, name=name, default_name="argsort")


@export("sort")
def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis` (differentiable: a gather by the sorting indices)."""
    x = as_tensor(values)
    r = x.shape.rank
    idx = argsort(x, axis=axis, direction=direction)
    axis = int(axis) % max(r, 1)
    if axis != r - 1:
        perm = list(range(r))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        xt = transpose(x, perm)
        return transpose(gather(xt, transpose(idx, perm), axis=r - 1, batch_dims=r - 1), perm)
    return gather(x, idx, axis=r - 1, batch_dims=r - 1, name=name)


def _searchsorted_kernel(sorted_inputs, values, out_type=dtypes.int32, side="left"):
    s2 = sorted_inputs.reshape(-1, sorted_inputs.shape[-1])
    v2 = values.reshape(-1, values.shape[-1])
    out = np.stack([np.searchsorted(a, v, side=side) for a, v in zip(s2, v2)])
    return out.reshape(values.shape).astype(out_type._np)


def _searchsorted_infer(op):
    a, v = op.shape(0), op.shape(1)
    if a.rank is not None and v.rank is not None:
        if a.rank != v.rank or a.as_list()[:-1] != v.as_list()[:-1]:
            op.fail("Leading dim_size of both tensors must match.")
    return [(v, op.attrs.get("out_type", dtypes.int32))]


LOWER_BOUND = register_op(
    "LowerBound", group="array", inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
    type_attrs={"T": REAL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=_searchsorted_infer,
    kernel=lambda a, v, out_type=dtypes.int32: _searchsorted_kernel(a, v, out_type, "left"),
    doc="For each value, the first position in its sorted row where it could be inserted.")


UPPER_BOUND = register_op(
    "UpperBound", group="array", inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
    type_attrs={"T": REAL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=_searchsorted_infer,
    kernel=lambda a, v, out_type=dtypes.int32: _searchsorted_kernel(a, v, out_type, "right"),
    doc="For each value, the last position in its sorted row where it could be inserted.")


@export("searchsorted", "math.searchsorted")
def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Insertion positions of `values` in the innermost rows of `sorted_sequence`."""
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: "
                         f"`side` = '{side}'.")
    a = as_tensor(sorted_sequence)
    v = as_tensor(values) if isinstance(values, Tensor) else convert_to_tensor(values,
                                                                               dtype=a.dtype)
    op = LOWER_BOUND if side == "left" else UPPER_BOUND
    if v.shape.rank == 0:
        out = execute(op, [a, reshape(v, [1])], {"out_type": dtypes.as_dtype(out_type)},
                      name=name, default_name=op.type)
        return reshape(out, [])
    return execute(op, [a, v], {"out_type": dtypes.as_dtype(out_type)}, name=name,
                   default_name=op.type)
