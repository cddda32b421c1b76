"""Segment reductions (`tf.math.segment_*`, `tf.math.unsorted_segment_*`), `tf.math.bincount`
and `tf.math.confusion_matrix`: reductions over groups of rows named by ids.

Large inputs run Numba kernels (`tfedu.kernels.math_kernels`); small ones stay on numpy.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.name_scope import name_scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import INTS, NUMERIC, REAL, register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import math_kernels
from tfedu.kernels.math_kernels import identity_of, ref_bincount, ref_segment_reduce, segment_counts
from tfedu.ops import array_ops, debugging, gather_ops
from tfedu.ops import math_ops as M
from tfedu.ops.math_ops import divide_no_nan
from tfedu.ops.op_helpers import (
    ERRSTATE_IGNORE,
    as_tensor,
    export,
    named_function,
    snake_case,
)

_SUM, _PROD, _MAX, _MIN = 0, 1, 2, 3

# Sizes (elements) from which the Numba kernels are used: once loaded they win at every size
# measured (segment sum 13x at 1k elements); below these, numpy spares notebook-sized work the
# one-off cost of loading Numba.
NB_SEGMENT_MIN = 1024
NB_BINCOUNT_MIN = 2048


def _segment_run(data, ids, num_segments, code, empty_fill):
    """Reduce rows of `data` into segments (ids already validated); empty segments get fill."""
    lead = ids.ndim
    inner = data.shape[lead:]
    d2 = data.reshape((int(np.prod(data.shape[:lead], dtype=np.int64)), -1)
                      if data.size else (int(np.prod(data.shape[:lead])),
                                         int(np.prod(inner, dtype=np.int64))))
    flat_ids = ids.reshape(-1).astype(np.int64)
    kern = math_kernels if data.size >= NB_SEGMENT_MIN and data.dtype.kind in "iuf" else None
    if kern is not None:
        out, seen = kern.nb_segment_reduce(np.ascontiguousarray(d2), flat_ids, num_segments, code)
    else:
        with np.errstate(**ERRSTATE_IGNORE):
            out, seen = ref_segment_reduce(d2, flat_ids, num_segments, code)
    if code in (_MAX, _MIN) or kern is not None:
        if empty_fill is None:
            empty_fill = identity_of(code, data.dtype)
        out[~seen] = empty_fill
    return out.reshape((num_segments,) + tuple(inner))


def _check_sorted_ids(ids):
    if ids.size == 0:
        return 0
    if np.any(np.diff(ids) < 0):
        raise OpCheckError("segment ids are not increasing")
    rows = int(ids[-1]) + 1
    if rows <= 0:
        raise OpCheckError("segment ids must be >= 0")
    if ids[0] < 0:
        raise OpCheckError(f"Segment id {int(ids[0])} out of range [0, {rows}), possibly "
                           "because 'segment_ids' input is not sorted.")
    return rows


def _sorted_segment_infer(op):
    d, s = op.shape(0), op.shape(1)
    if s.rank is not None and s.rank != 1:
        op.fail("segment_ids should be a vector.")
    if d.rank is not None and d.rank < 1:
        op.fail("Shape must be at least rank 1 but is rank 0")
    if s.rank == 1 and d.rank and s.as_list()[0] is not None and d.as_list()[0] is not None \
            and s.as_list()[0] != d.as_list()[0]:
        op.fail("segment_ids should be the same size as dimension 0 of input.")
    ids = op.const_value(1)
    n = None
    if ids is not None:
        ids = np.asarray(ids).reshape(-1)
        n = int(ids[-1]) + 1 if ids.size else 0
    if d.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape([n] + d.as_list()[1:]), op.dtype(0))]


def _sorted_segment_kernel(code, mean=False):
    def kernel(data, ids):
        if ids.ndim != 1:
            raise OpCheckError("segment_ids should be a vector.")
        if data.ndim < 1 or ids.shape[0] != data.shape[0]:
            raise OpCheckError("segment_ids should be the same size as dimension 0 of input.")
        rows = _check_sorted_ids(ids)
        out = _segment_run(data, ids, rows, code, data.dtype.type(0))
        if mean:
            cnt = np.maximum(segment_counts(ids.astype(np.int64), rows), 1)
            cnt = cnt.reshape((-1,) + (1,) * (data.ndim - 1))
            if data.dtype.kind in "iu":
                out = (out // cnt).astype(data.dtype)
            else:
                with np.errstate(**ERRSTATE_IGNORE):
                    out = (out / cnt).astype(data.dtype)
        return out

    return kernel


def _unsorted_infer(op):
    d, s = op.shape(0), op.shape(1)
    if d.rank is not None and s.rank is not None:
        dl, sl = d.as_list(), s.as_list()
        ok = len(dl) >= len(sl) and all(a is None or b is None or a == b for a, b in zip(dl, sl))
        if not ok:
            op.fail(f"data.shape = {shape_text(dl)} does not start with segment_ids.shape = "
                    f"{shape_text(sl)}")
    nv = op.const_value(2)
    n = None
    if nv is not None:
        if np.ndim(nv) != 0:
            op.fail(f"num_segments should be a scalar, not shape {shape_text(np.shape(nv))}")
        n = int(nv)
        if n < 0:
            op.fail(f"Input num_segments == {n} must not be negative.")
    if d.rank is None or s.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape([n] + d.as_list()[s.rank:]), op.dtype(0))]


def _unsorted_kernel(code):
    def kernel(data, ids, num_segments):
        n = int(num_segments)
        if n < 0:
            raise OpCheckError(f"Input num_segments == {n} must not be negative.")
        if data.shape[:ids.ndim] != ids.shape:
            raise OpCheckError(f"data.shape = {shape_text(data.shape)} does not start with "
                               f"segment_ids.shape = {shape_text(ids.shape)}")
        bad = np.flatnonzero(ids.reshape(-1) >= n)
        if bad.size:
            i = int(bad[0])
            where = ",".join(str(v) for v in np.unravel_index(i, ids.shape))
            raise OpCheckError(f"segment_ids[{where}] = {int(ids.reshape(-1)[i])} is out of "
                               f"range [0, {n})")
        return _segment_run(data, ids, n, code, None)

    return kernel


def _gather(params, indices):
    return gather_ops.gather(params, indices)


def _gather_drop_negatives(params, ids):
    """gather(params, ids) with rows for negative ids set to zero (unsorted segment grads)."""
    safe = M.maximum(ids, M.scalar_like(0, ids))
    gathered = _gather(params, safe)
    keep = M.greater_equal(ids, M.scalar_like(0, ids))
    extra = gathered.shape.rank - ids.shape.rank
    if extra:
        dims = ids.shape.as_list() if ids.shape.is_fully_defined() else [-1]
        keep = array_ops.reshape(keep, dims + [1] * extra)
    return array_ops.where(keep, gathered, array_ops.zeros_like(gathered))


def _segment_minmax_grad(op, g, gather=_gather, sum_fn=None):
    data, ids = op.inputs[0], op.inputs[1]
    gathered_out = gather(op.outputs[0], ids)
    selected = M.equal(data, gathered_out)
    sel = M.cast(selected, g.dtype)
    if sum_fn is None:
        num = segment_sum(sel, ids)
    else:
        num = sum_fn(sel, ids, op.inputs[2])
    weighted = divide_no_nan(g, num)
    return [array_ops.where(selected, gather(weighted, ids), array_ops.zeros_like(data))] + \
        [None] * (len(op.inputs) - 1)


def _segment_prod_grad(op, g, gather=_gather, sum_fn=None, prod_fn=None):
    data, ids = op.inputs[0], op.inputs[1]
    extra = op.inputs[2:]
    is_zero = M.equal(data, M.scalar_like(0, data))
    zsum = sum_fn or (lambda v, i, *e: segment_sum(v, i))
    pfn = prod_fn or (lambda v, i, *e: segment_prod(v, i))
    num_zeros = zsum(M.cast(is_zero, dtypes.int32), ids, *extra)
    g = array_ops.where(M.greater(num_zeros, 1), array_ops.zeros_like(g), g)
    non_zero = array_ops.where(is_zero, array_ops.ones_like(data), data)
    non_zero_prod = pfn(non_zero, ids, *extra)
    gathered_prod = gather(op.outputs[0], ids)
    gathered_nz = gather(non_zero_prod, ids)
    partial = array_ops.where(is_zero, gathered_nz, M.divide_op(gathered_prod, non_zero))
    return [M.multiply(gather(g, ids), partial)] + [None] * (len(op.inputs) - 1)


def _unsorted_minmax_grad(op, g):
    return _segment_minmax_grad(op, g, _gather_drop_negatives,
                                lambda v, i, n: unsorted_segment_sum(v, i, n))


def _reg_sorted(type, code, grad, mean=False, allowed=NUMERIC):
    return register_op(
        type, group="math", inputs=("data: T", "segment_ids: Tindices"), outputs=("output: T",),
        type_attrs={"T": allowed, "Tindices": INTS}, infer=_sorted_segment_infer,
        kernel=_sorted_segment_kernel(code, mean), grad=grad,
        numba=("math_kernels.nb_segment_reduce",))


def _reg_unsorted(type, code, grad, allowed=NUMERIC):
    return register_op(
        type, group="math", inputs=("data: T", "segment_ids: Tindices", "num_segments: Tnumsegments"),
        outputs=("output: T",),
        type_attrs={"T": allowed, "Tindices": INTS, "Tnumsegments": INTS},
        infer=_unsorted_infer, kernel=_unsorted_kernel(code), grad=grad,
        numba=("math_kernels.nb_segment_reduce",))


def _segment_sum_grad(op, g):
    return [_gather(g, op.inputs[1]), None]


SEGMENT_SUM = _reg_sorted("SegmentSum", _SUM, _segment_sum_grad)


def _segment_mean_grad(op, g):
    data, ids = op.inputs
    ones = array_ops.ones_like(ids, dtype=g.dtype)
    counts = segment_sum(ones, ids)
    rank = g.shape.rank
    counts = array_ops.reshape(counts, [-1] + [1] * (rank - 1)) if rank and rank > 1 else counts
    return [_gather(M.divide_op(g, counts), ids), None]


SEGMENT_MEAN = _reg_sorted("SegmentMean", _SUM, _segment_mean_grad, mean=True)
SEGMENT_PROD = _reg_sorted("SegmentProd", _PROD, _segment_prod_grad)
SEGMENT_MAX = _reg_sorted("SegmentMax", _MAX, _segment_minmax_grad, allowed=REAL)
SEGMENT_MIN = _reg_sorted("SegmentMin", _MIN, _segment_minmax_grad, allowed=REAL)


def _unsorted_sum_grad(op, g):
    return [_gather_drop_negatives(g, op.inputs[1]), None, None]


UNSORTED_SUM = _reg_unsorted("UnsortedSegmentSum", _SUM, _unsorted_sum_grad)


def _unsorted_prod_grad(op, g):
    return _segment_prod_grad(op, g, _gather_drop_negatives,
                              lambda v, i, n: unsorted_segment_sum(v, i, n),
                              lambda v, i, n: unsorted_segment_prod(v, i, n))


UNSORTED_PROD = _reg_unsorted("UnsortedSegmentProd", _PROD, _unsorted_prod_grad)
UNSORTED_MAX = _reg_unsorted("UnsortedSegmentMax", _MAX, _unsorted_minmax_grad, allowed=REAL)
UNSORTED_MIN = _reg_unsorted("UnsortedSegmentMin", _MIN, _unsorted_minmax_grad, allowed=REAL)


def _bincount_infer(op):
    a, w = op.shape(0), op.shape(2)
    if a.rank is not None and a.rank > 2:
        op.fail(f"Shape must be at most rank 2 but is rank {a.rank}")
    sz = op.const_value(1)
    n = None
    if sz is not None:
        n = int(sz)
        if n < 0:
            op.fail(f"size ({n}) must be non-negative")
    if w.is_fully_defined() and w.num_elements() != 0 and a.is_fully_defined() \
            and w.as_list() != a.as_list():
        op.fail("`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which "
                f"case it acts as all weights equal to 1. Received {shape_text(w.as_list())}")
    if a.rank == 2:
        return [(TensorShape([a.as_list()[0], n]), op.dtype(2))]
    return [(TensorShape([n]), op.dtype(2))]


def _bincount_kernel(arr, size, weights, binary_output=False):
    size = int(size)
    if size < 0:
        raise OpCheckError(f"size ({size}) must be non-negative")
    if weights.size and weights.shape != arr.shape:
        raise OpCheckError(
            "`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which case it "
            f"acts as all weights equal to 1. Received {shape_text(weights.shape)}")
    if arr.size and int(arr.min()) < 0:
        raise OpCheckError("Input arr must be non-negative!")
    rows = arr.shape[0] if arr.ndim == 2 else 1
    flat = arr.reshape(-1).astype(np.int64)
    w = weights.reshape(-1) if weights.size and not binary_output else None
    if arr.ndim == 2:
        row = np.repeat(np.arange(rows, dtype=np.int64), arr.shape[1])
        flat = np.where(flat < size, flat + row * size, rows * size)
    total = size * rows
    if flat.size >= NB_BINCOUNT_MIN:
        acc = np.zeros(total, dtype=np.float64 if w is not None and w.dtype.kind == "f"
                       else np.int64)
        wv = np.zeros(0, acc.dtype) if w is None else w.astype(acc.dtype)
        out = math_kernels.nb_bincount(flat, wv, total, acc)
    else:
        out = ref_bincount(flat, w, total)
    if binary_output:
        out = out > 0
    out = out.astype(weights.dtype)
    return out.reshape(rows, size) if arr.ndim == 2 else out


BINCOUNT = register_op(
    "DenseBincount", group="math", inputs=("input: Tidx", "size: Tidx", "weights: T"), outputs=("output: T",),
    type_attrs={"Tidx": INTS, "T": (dtypes.int32, dtypes.int64, dtypes.float32,
                                    dtypes.float64)},
    attrs={"binary_output": False}, infer=_bincount_infer, kernel=_bincount_kernel,
    doc="Counts (or summed weights) of each integer value.", numba=("math_kernels.nb_bincount",))


@export("math.bincount")
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Count occurrences of each non-negative integer in `arr` (weighted sums with `weights`)."""
    with name_scope(name or "bincount"):
        arr = as_tensor(arr, name="arr")
        if weights is not None:
            if binary_output:
                raise ValueError("Arguments `binary_output` and `weights` are mutually "
                                 "exclusive. Please specify only one.")
            weights = as_tensor(weights, name="weights")
        if not arr.dtype.is_integer:
            arr = M.cast(arr, dtypes.int32)
        if arr.dtype not in INTS:
            arr = M.cast(arr, dtypes.int32)
        axis = 0 if axis is None else axis
        if axis not in (0, -1):
            raise ValueError(f"Unsupported value for argument axis={axis}. Only 0 and -1 are "
                             "currently supported.")
        nonempty = M.cast(M.greater(array_ops.size(arr), 0), arr.dtype)
        output_size = M.multiply(nonempty, M.add(M.reduce_max(arr), M.scalar_like(1, arr)))
        if minlength is not None:
            output_size = M.maximum(as_tensor(minlength, dtype=arr.dtype), output_size)
        if maxlength is not None:
            output_size = M.minimum(as_tensor(maxlength, dtype=arr.dtype), output_size)
        if axis == 0:
            if weights is not None:
                weights = array_ops.reshape(weights, [-1])
            arr = array_ops.reshape(arr, [-1])
        if weights is None:
            weights = convert_to_tensor(np.zeros(0, dtypes.as_dtype(dtype).as_numpy_dtype))
        return execute(BINCOUNT, [arr, output_size, weights],
                       {"binary_output": bool(binary_output)}, default_name="DenseBincount")


def _segment_fn(opdef, default):
    def fn(data, segment_ids, name=None):
        d = as_tensor(data, name="data")
        s = as_tensor(segment_ids, name="segment_ids")
        return execute(opdef, [d, s], name=name, default_name=default)

    return named_function(fn, snake_case(default), doc=f"`{default}`: reduce the rows of `data` over "
                  "sorted `segment_ids`.")


segment_sum = export("math.segment_sum")(_segment_fn(SEGMENT_SUM, "SegmentSum"))
segment_mean = export("math.segment_mean")(_segment_fn(SEGMENT_MEAN, "SegmentMean"))
segment_prod = export("math.segment_prod")(_segment_fn(SEGMENT_PROD, "SegmentProd"))
segment_max = export("math.segment_max")(_segment_fn(SEGMENT_MAX, "SegmentMax"))
segment_min = export("math.segment_min")(_segment_fn(SEGMENT_MIN, "SegmentMin"))


def _unsorted_fn(opdef, default):
    def fn(data, segment_ids, num_segments, name=None):
        d = as_tensor(data, name="data")
        s = as_tensor(segment_ids, name="segment_ids")
        n = as_tensor(num_segments, dtype=dtypes.int32, name="num_segments")
        return execute(opdef, [d, s, n], name=name, default_name=default)

    return named_function(fn, snake_case(default), doc=f"`{default}`: reduce entries of `data` into "
                  "`num_segments` by id (any order).")


unsorted_segment_sum = export("math.unsorted_segment_sum")(
    _unsorted_fn(UNSORTED_SUM, "UnsortedSegmentSum"))
unsorted_segment_prod = export("math.unsorted_segment_prod")(
    _unsorted_fn(UNSORTED_PROD, "UnsortedSegmentProd"))
unsorted_segment_max = export("math.unsorted_segment_max")(
    _unsorted_fn(UNSORTED_MAX, "UnsortedSegmentMax"))
unsorted_segment_min = export("math.unsorted_segment_min")(
    _unsorted_fn(UNSORTED_MIN, "UnsortedSegmentMin"))


def _unsorted_segment_n(data, segment_ids, num_segments):
    ones = array_ops.ones_like(segment_ids, dtype=data.dtype)
    n = unsorted_segment_sum(ones, segment_ids, num_segments)
    extra = data.shape.rank - segment_ids.shape.rank
    if extra > 0:
        n = array_ops.reshape(n, [-1] + [1] * extra)
    return M.maximum(n, M.scalar_like(1, n))


@export("math.unsorted_segment_mean")
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Mean of the entries of each segment (0 for empty ones)."""
    with name_scope(name or "UnsortedSegmentMean"):
        data = as_tensor(data)
        segment_ids = as_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return summed / n


@export("math.unsorted_segment_sqrt_n")
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sum of each segment divided by the square root of its size."""
    with name_scope(name or "UnsortedSegmentSqrtN"):
        data = as_tensor(data)
        segment_ids = as_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        return unsorted_segment_sum(data, segment_ids, num_segments) / M.sqrt(n)


def _range_checks(checks):
    """Run (condition_fn, x, y, cond_text, message) checks: now when eager, else Assert ops."""
    graph = _state.graph
    asserts = []
    for fn, eager_fn, x, y, text, message in checks:
        if graph is None:
            eager_fn(x, message=message) if y is None else eager_fn(x, y, message=message)
            continue
        cond = M.reduce_all(fn(x) if y is None else fn(x, y))
        asserts.append(debugging.Assert(cond, [f"{message}.  Condition {text} did not hold."]))
    return graph, asserts


@export("math.confusion_matrix")
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """`num_classes x num_classes` counts of (label, prediction) pairs."""
    with name_scope(name or "confusion_matrix"):
        labels = M.cast(as_tensor(labels, name="labels"), dtypes.int64)
        predictions = M.cast(as_tensor(predictions, name="predictions"), dtypes.int64)
        if labels.shape.rank is not None and predictions.shape.rank is not None \
                and labels.shape.rank != predictions.shape.rank:
            raise ValueError(f"labels and predictions must have the same rank, got "
                             f"{labels.shape.rank} and {predictions.shape.rank}")

        def non_negative(v):
            return M.greater_equal(v, M.scalar_like(0, v))

        checks = [
            (non_negative, debugging.assert_non_negative, labels, None, "x >= 0",
             "`labels` contains negative values"),
            (non_negative, debugging.assert_non_negative, predictions, None, "x >= 0",
             "`predictions` contains negative values"),
        ]
        static_n = int(num_classes) if isinstance(num_classes, (int, np.integer)) else None
        if num_classes is None:
            num_classes = M.add(M.maximum(M.reduce_max(predictions), M.reduce_max(labels)),
                                M.scalar_like(1, labels))
        else:
            num_classes = M.cast(as_tensor(num_classes), dtypes.int64)
            checks += [
                (M.less, debugging.assert_less, labels, num_classes, "x < y",
                 "`labels` out of bound"),
                (M.less, debugging.assert_less, predictions, num_classes, "x < y",
                 "`predictions` out of bound"),
            ]
        graph, asserts = _range_checks(checks)
        dtype = dtypes.as_dtype(dtype)
        values = array_ops.ones_like(predictions, dtype=dtype) if weights is None \
            else M.cast(as_tensor(weights), dtype)
        if asserts:
            with graph.control_dependencies(asserts):
                labels = array_ops.identity(labels)
        flat = M.add(M.multiply(labels, num_classes), predictions)
        counts = unsorted_segment_sum(values, flat, M.multiply(num_classes, num_classes))
        shape = [static_n, static_n] if static_n is not None else \
            array_ops.stack([num_classes, num_classes])
        return array_ops.reshape(counts, shape)
