"""Slicing: `StridedSlice` (behind `tensor[...]`), its gradient, and `Slice` (`tf.slice`).

`t[1:, ::-1, tf.newaxis, 0]` is encoded as TF does: `begin`, `end`, `strides` vectors plus five
bit masks (begin/end/ellipsis/new_axis/shrink_axis). `_plan` decodes them once, for both the
shape function (static shapes, bounds errors) and the kernel (a numpy index tuple).
"""

from __future__ import annotations

import functools

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute, static_value
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import ALL, INTS, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops.array_ops import pad
from tfedu.ops.math_ops import add, cast, subtract
from tfedu.ops.op_helpers import as_tensor, export

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _bit(mask, i):
    return (mask >> i) & 1


def _plan(shape, begin, end, strides, attrs):
    """Decode a strided slice (memoised: loops index the same way over and over)."""
    return _plan_cached(tuple(shape), tuple(begin), tuple(end), tuple(strides),
                        tuple(int(attrs.get(k, 0)) for k in _MASKS))


@functools.lru_cache(maxsize=1024)
def _plan_cached(shape, begin, end, strides, masks):
    index, out = _decode(shape, begin, end, strides, dict(zip(_MASKS, masks)))
    return index, tuple(out)


def _decode(shape, begin, end, strides, attrs):
    """Decode a strided slice on a tensor of `shape` (dims may be None).

    `begin`/`end`/`strides` are lists whose entries may be None (unknown while building a
    graph). Returns (index, out_dims): `index` is a numpy index tuple (None unless every entry
    is known), `out_dims` the output dims (None where unknown).
    """
    bm, em, elm, nm, sm = (int(attrs.get(k, 0)) for k in _MASKS)
    n = len(strides)
    rank = len(shape)
    known = all(v is not None for v in list(begin) + list(end) + list(strides))
    specs = []  # ("ellipsis" | "new" | "dim", sparse index)
    for i in range(n):
        if _bit(elm, i):
            if any(k == "ellipsis" for k, _ in specs):
                raise OpCheckError("Multiple ellipses in slice spec not allowed")
            specs.append(("ellipsis", i))
        elif _bit(nm, i):
            specs.append(("new", i))
        else:
            specs.append(("dim", i))
    if not any(k == "ellipsis" for k, _ in specs):
        specs.append(("ellipsis", None))
    consumed = sum(1 for k, _ in specs if k == "dim")
    if consumed > rank:
        raise OpCheckError(f"Index out of range using input dim {rank}; input has only {rank} "
                           "dims")
    index, out = [], []
    d = 0
    for kind, i in specs:
        if kind == "ellipsis":
            k = rank - consumed
            for _ in range(k):
                index.append(slice(None))
                out.append(shape[d])
                d += 1
            consumed += k
            continue
        if kind == "new":
            index.append(None)
            out.append(1)
            continue
        dim = shape[d]
        s = strides[i]
        if s == 0:
            raise OpCheckError(f"strides[{i}] must be non-zero")
        b = begin[i]
        if _bit(sm, i):
            if s is not None and s <= 0 and dim is not None:
                raise OpCheckError("only stride 1 allowed on non-range indexing.")
            if b is not None and dim is not None:
                if not -dim <= b < dim:
                    raise OpCheckError(f"slice index {b} of dimension {d} out of bounds.")
                b %= dim
            index.append(b)
            d += 1
            continue
        lo = None if _bit(bm, i) else b
        hi = None if _bit(em, i) else end[i]
        if s is None or (lo is None and not _bit(bm, i)) or (hi is None and not _bit(em, i)) \
                or dim is None:
            index.append(None)
            out.append(None)
        else:
            sl = slice(lo, hi, s)
            index.append(sl)
            out.append(len(range(*sl.indices(dim))))
        d += 1
    return (tuple(index) if known else None), out


def _const_vec(op, i):
    """A 1-D int input as a list, with None for entries unknown while building a graph."""
    v = op.const_value(i)
    if v is not None:
        return [int(x) for x in np.reshape(v, -1)]
    src = getattr(op.inputs[i], "_op", None)
    if src is not None and src.type == "Pack":
        vals = [static_value(t) for t in src.inputs]
        return [None if x is None else int(np.reshape(x, -1)[0]) for x in vals]
    n = op.shape(i)[0] if op.shape(i).rank == 1 else None
    return None if n is None else [None] * n


def _vec(a):
    return [int(x) for x in np.reshape(a, -1)]


def _mask_attrs(op):
    return {k: op.get_attr(k) for k in _MASKS}


def _strided_slice_infer(op):
    xs = op.shape(0)
    for i in (1, 2, 3):
        s = op.shape(i)
        if s.rank is not None and s.rank != 1:
            op.fail("Expected begin, end, and strides to be 1D equal size tensors, but got "
                    f"shapes {op.shape(1)}, {op.shape(2)}, and {op.shape(3)} instead.")
    begin, end, strides = (_const_vec(op, i) for i in (1, 2, 3))
    n = next((len(v) for v in (strides, begin, end) if v is not None), None)
    if xs.rank is None or n is None:
        return [(TensorShape(None), op.dtype(0))]
    begin, end, strides = (v if v is not None else [None] * n for v in (begin, end, strides))
    _, out = _plan(xs.as_list(), begin, end, strides, op.attrs)
    return [(TensorShape(list(out)), op.dtype(0))]


def _strided_slice_kernel(x, begin, end, strides, **attrs):
    index, _ = _plan(list(x.shape), _vec(begin), _vec(end), _vec(strides), attrs)
    return np.array(x[index])


def _strided_slice_grad(op, g):
    x, begin, end, strides = op.inputs
    shp = array_ops.shape(x, out_type=begin.dtype)
    dx = execute(STRIDED_SLICE_GRAD, [shp, begin, end, strides, g], _mask_attrs(op),
                 default_name="StridedSliceGrad")
    return [dx, None, None, None]


STRIDED_SLICE = register_op(
    "StridedSlice", group="array", inputs=("input: T", "begin: Index", "end: Index", "strides: Index"),
    outputs=("output: T",), type_attrs={"T": ALL, "Index": INTS},
    attrs={k: 0 for k in _MASKS}, infer=_strided_slice_infer, kernel=_strided_slice_kernel,
    grad=_strided_slice_grad, doc="x[begin:end:strides] with TF's index masks.")


@export("strided_slice")
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """`input_[begin:end:strides]` with TF's mask encoding (what `tensor[...]` builds)."""
    x = as_tensor(input_)
    if strides is None:
        strides = array_ops.ones_like(begin) if isinstance(begin, Tensor) else [1] * len(begin)
    attrs = {"begin_mask": int(begin_mask), "end_mask": int(end_mask),
             "ellipsis_mask": int(ellipsis_mask), "new_axis_mask": int(new_axis_mask),
             "shrink_axis_mask": int(shrink_axis_mask)}
    ins = [b if isinstance(b, Tensor) else convert_to_tensor(b, dtype_hint=dtypes.int32)
           for b in (begin, end, strides)]
    return execute(STRIDED_SLICE, [x] + ins, attrs, name=name, default_name="StridedSlice")


def _ssg_infer(op):
    shp = op.const_value(0)
    if shp is None:
        n = op.shape(0)[0] if op.shape(0).rank == 1 else None
        return [(TensorShape(None if n is None else [None] * n), op.dtype(4))]
    return [(TensorShape(_vec(shp)), op.dtype(4))]


def _ssg_kernel(shape, begin, end, strides, dy, **attrs):
    shape = _vec(shape)
    index, _ = _plan(shape, _vec(begin), _vec(end), _vec(strides), attrs)
    out = np.zeros(shape, dtype=dy.dtype)
    out[index] = dy
    return out


def _ssg_grad(op, g):
    _, begin, end, strides, _ = op.inputs
    return [None, None, None, None,
            execute(STRIDED_SLICE, [g, begin, end, strides], _mask_attrs(op),
                    default_name="StridedSlice")]


STRIDED_SLICE_GRAD = register_op(
    "StridedSliceGrad", group="array",
    inputs=("shape: Index", "begin: Index", "end: Index", "strides: Index", "dy: T"),
    outputs=("output: T",), type_attrs={"T": ALL, "Index": INTS},
    attrs={k: 0 for k in _MASKS}, infer=_ssg_infer, kernel=_ssg_kernel, grad=_ssg_grad,
    doc="Scatter the gradient of a strided slice back into a zero tensor of the input shape.")


def _index_vector(values, dt):
    """begin/end/strides as one int vector: a constant if all Python ints, else packed."""
    if not any(isinstance(v, Tensor) for v in values):
        return np.array(values, dtype=dt._np)

    return array_ops.stack([cast(v, dt) if isinstance(v, Tensor)
                            else convert_to_tensor(v, dtype=dt) for v in values])


_INDEX_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                "tf.int32/tf.int64 tensors are valid indices, got {!r}")


def _check_index(idx):
    if isinstance(idx, (bool, np.bool_)):
        raise TypeError(_INDEX_ERROR.format(idx))
    if isinstance(idx, (int, np.integer)):
        return
    if isinstance(idx, Tensor) or getattr(idx, "_is_variable", False):
        if idx.dtype not in (dtypes.int32, dtypes.int64, dtypes.int16, dtypes.int8,
                             dtypes.uint8) or (idx.shape.rank not in (None, 0)):
            raise TypeError(_INDEX_ERROR.format(idx))
        return
    if hasattr(idx, "__index__"):
        return
    raise TypeError(_INDEX_ERROR.format(idx))


def _is_bool_mask(key):
    if isinstance(key, Tensor) or getattr(key, "_is_variable", False):
        return key.dtype is dtypes.bool_
    return isinstance(key, np.ndarray) and key.dtype == np.bool_


def _slice_value(v):
    if v is None:
        return None
    _check_index(v)
    if getattr(v, "_is_variable", False):
        v = v.value()
    return v if isinstance(v, Tensor) else int(v)


def getitem(tensor, key):
    """`tensor[key]`: ints, slices (negative steps too), `...`, `tf.newaxis`, scalar int tensors;
    a bool tensor selects with `tf.boolean_mask`."""
    if _is_bool_mask(key):
        from tfedu.ops.gather_ops import boolean_mask

        return boolean_mask(tensor, key)
    if not isinstance(key, (list, tuple)):
        key = [key]
    begin, end, strides = [], [], []
    bm = em = elm = nm = sm = 0
    for i, k in enumerate(key):
        if isinstance(k, slice):
            start, stop, step = (_slice_value(v) for v in (k.start, k.stop, k.step))
            if step is None:
                step = 1
            if start is None:
                start, bm = 0, bm | (1 << i)
            if stop is None:
                stop, em = 0, em | (1 << i)
            begin.append(start)
            end.append(stop)
            strides.append(step)
        elif k is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            elm |= 1 << i
        elif k is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            nm |= 1 << i
        else:
            _check_index(k)
            if getattr(k, "_is_variable", False):
                k = k.value()
            if isinstance(k, Tensor):
                if k.dtype not in (dtypes.int32, dtypes.int64):
                    k = cast(k, dtypes.int32)
                begin.append(k)
                end.append(add(k, np.array(1, dtype=k.dtype._np)))
            else:
                k = int(k)
                begin.append(k)
                end.append(k + 1)
            strides.append(1)
            sm |= 1 << i
    x = as_tensor(tensor)
    attrs = {"begin_mask": bm, "end_mask": em, "ellipsis_mask": elm, "new_axis_mask": nm,
             "shrink_axis_mask": sm}
    dt = dtypes.int64 if any(isinstance(v, Tensor) and v.dtype is dtypes.int64
                             for v in begin + end + strides) else dtypes.int32
    g = _state.graph
    if g is None:
        ins = [_index_vector(v, dt) for v in (begin, end, strides)]
        return execute(STRIDED_SLICE, [x] + ins, attrs, name="strided_slice/",
                       default_name="strided_slice")
    # as TF builds it: strided_slice/stack, stack_1, stack_2 feeding the op `strided_slice`
    with g.name_scope("strided_slice") as scope:
        ins = []
        for v in (begin, end, strides):
            v = _index_vector(v, dt)
            ins.append(v if isinstance(v, Tensor) else convert_to_tensor(v, name="stack"))
        return execute(STRIDED_SLICE, [x] + ins, attrs, name=scope)


Tensor._override_operator("__getitem__", getitem)


# ------------------------------------------------------------------------------------------
# Slice
# ------------------------------------------------------------------------------------------


def _slice_bounds(shape, begin, size):
    out = []
    for i, (dim, b, s) in enumerate(zip(shape, begin, size)):
        if dim is None or b is None or s is None:
            out.append(None if s is None or s == -1 else s)
            continue
        if s == -1:
            s = dim - b
        if not 0 <= b <= dim:  # TF's shape function lets bounds through: the kernel checks
            raise OpCheckError(f"Expected begin[{i}] in [0, {dim}], but got {b}",
                               runtime_only=True)
        if not 0 <= s <= dim - b:
            raise OpCheckError(f"Expected size[{i}] in [0, {dim - b}], but got {s}",
                               runtime_only=True)
        out.append(s)
    return out


def _slice_infer(op):
    xs = op.shape(0)
    begin, size = _const_vec(op, 1), _const_vec(op, 2)
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    for v, what in ((begin, "begin"), (size, "size")):
        if v is not None and len(v) != xs.rank:
            op.fail(f"Expected {what} and size arguments to be 1-D tensors of size "
                    f"{xs.rank}, but got shapes [{len(begin or [])}] and "
                    f"[{len(size or [])}] instead.")
    begin = begin if begin is not None else [None] * xs.rank
    size = size if size is not None else [None] * xs.rank
    return [(TensorShape(_slice_bounds(xs.as_list(), begin, size)), op.dtype(0))]


def _slice_kernel(x, begin, size):
    begin, size = _vec(begin), _vec(size)
    sizes = _slice_bounds(list(x.shape), begin, size)
    return np.array(x[tuple(slice(b, b + s) for b, s in zip(begin, sizes))])


def _slice_grad(op, g):

    x, begin, _ = op.inputs
    b = cast(begin, dtypes.int32)
    after = subtract(subtract(array_ops.shape(x), b), array_ops.shape(g))
    return [pad(g, array_ops.stack([b, after], axis=1)), None, None]


SLICE = register_op(
    "Slice", group="array", inputs=("input: T", "begin: Index", "size: Index"), outputs=("output: T",),
    type_attrs={"T": ALL, "Index": INTS}, infer=_slice_infer, kernel=_slice_kernel,
    grad=_slice_grad, doc="A block of `size` starting at `begin` (size -1: to the end).")


@export("slice")
def slice_(input_, begin, size, name=None):
    """The block of `input_` starting at `begin` with extent `size` (-1: everything after)."""
    x = as_tensor(input_)
    b = begin if isinstance(begin, Tensor) else array_ops._shape_input(begin)
    s = size if isinstance(size, Tensor) else array_ops._shape_input(size)
    return execute(SLICE, [x, b, s], name=name, default_name="Slice")
