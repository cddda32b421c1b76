"""More array ops: transpose, concat/split, tile, pad, squeeze/expand_dims, one_hot, sort,
unique, reverse/roll/repeat, meshgrid, sequence_mask, linspace, eye, gather, boolean_mask.

Each op validates axes, sizes and indices in its shape function, so bad input raises TF's error
before any kernel runs (and graph building reports it with the node name).
"""

from __future__ import annotations

import collections

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, INTS, REAL, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops.array_ops import _as_input, numbered_fail, reshape, shape, stack
from tfedu.ops.op_helpers import export, unary_infer


def _math():
    from tfedu.ops import math_ops

    return math_ops


def _vec(v):
    return [int(x) for x in np.reshape(v, -1)]


def _const_vec(op, i):
    v = op.const_value(i)
    return None if v is None else _vec(v)


def _const_int(op, i):
    v = op.const_value(i)
    return None if v is None else int(np.reshape(v, -1)[0])


def _dims(s: TensorShape):
    return None if s.rank is None else s.as_list()


def _int_input(v, dtype=dtypes.int32):
    if isinstance(v, Tensor):
        return v
    if getattr(v, "_is_variable", False):
        return v.value()
    return convert_to_tensor(v, dtype_hint=dtype)


# ------------------------------------------------------------------------------------------
# Transpose
# ------------------------------------------------------------------------------------------

def _transpose_infer(op):
    xs = op.shape(0)
    perm = _const_vec(op, 1)
    n = op.shape(1)[0] if op.shape(1).rank == 1 else None
    if xs.rank is not None and n is not None and n != xs.rank:
        op.fail(f"transpose expects a vector of size {xs.rank}. But input(1) is a vector of "
                f"size {n}")
    if perm is None:
        r = xs.rank if xs.rank is not None else n
        return [(TensorShape(None if r is None else [None] * r), op.dtype(0))]
    r = len(perm)
    seen = set()
    for p in perm:
        if not 0 <= p < r and not -r <= p < 0:
            op.fail(f"{p} is out of range [0 .. {r})")
        if p % r in seen:
            op.fail(f"{p} is duplicated in the input.")
        seen.add(p % r)
    if xs.rank is None:
        return [(TensorShape([None] * r), op.dtype(0))]
    d = xs.as_list()
    return [(TensorShape([d[p] for p in perm]), op.dtype(0))]


def _invert_perm(perm):
    if isinstance(perm, Tensor):
        from tfedu.framework.execute import static_value

        v = static_value(perm)
        if v is None:
            return execute(INVERT_PERMUTATION, [perm], default_name="InvertPermutation")
        perm = v
    p = np.asarray(perm).reshape(-1)
    return np.argsort(p).astype(p.dtype if p.dtype.kind == "i" else np.int32)


def _transpose_grad(op, g):
    inv = _invert_perm(op.inputs[1])
    return [execute(op.opdef, [g, inv], default_name="transpose"), None]


TRANSPOSE = register_op(
    "Transpose", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
    type_attrs={"T": ALL, "Tperm": INTS}, infer=_transpose_infer,
    kernel=lambda x, perm: np.ascontiguousarray(np.transpose(x, _vec(perm))),
    grad=_transpose_grad, doc="Permute the dimensions of x.")
CONJUGATE_TRANSPOSE = register_op(
    "ConjugateTranspose", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
    type_attrs={"T": ALL, "Tperm": INTS}, infer=_transpose_infer,
    kernel=lambda x, perm: np.ascontiguousarray(np.conj(np.transpose(x, _vec(perm)))),
    grad=_transpose_grad, doc="Permute the dimensions of x and conjugate it.")
INVERT_PERMUTATION = register_op(
    "InvertPermutation", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": INTS},
    infer=unary_infer, kernel=lambda x: np.argsort(x).astype(x.dtype))


@export("transpose")
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permute dimensions (reverse them by default); `conjugate=True` also conjugates."""
    x = _as_input(a)
    if perm is None:
        if x.shape.rank is not None:
            perm = np.arange(x.shape.rank - 1, -1, -1, dtype=np.int32)
        else:
            m = _math()
            r = array_ops.rank(x)
            perm = m.subtract(m.subtract(r, 1), array_ops.range(0, r))
    op = CONJUGATE_TRANSPOSE if conjugate and x.dtype.is_complex else TRANSPOSE
    return execute(op, [x, _int_input(perm)], name=None if name == "transpose" else name,
                   default_name="transpose")


@export("math.invert_permutation", "invert_permutation")
def invert_permutation(x, name=None):
    return execute(INVERT_PERMUTATION, [_int_input(x)], name=name,
                   default_name="InvertPermutation")


# ------------------------------------------------------------------------------------------
# Concat / Split
# ------------------------------------------------------------------------------------------

def _concat_infer(op):
    n = len(op.inputs) - 1
    shapes = op.input_shapes[:n]
    axis = _const_int(op, n)
    fail = numbered_fail("N", n)
    known = [s for s in shapes if s.rank is not None]
    if not known:
        return [(TensorShape(None), op.dtype(0))]
    rank = known[0].rank
    for i, s in enumerate(shapes):
        if s.rank is not None and s.rank != rank:
            fail(f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                    f"{shape_text(known[0].as_list())} vs. shape[{i}] = "
                    f"{shape_text(s.as_list())}")
    if axis is None:
        return [(TensorShape([None] * rank), op.dtype(0))]
    if rank == 0:
        fail("Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        fail(f"ConcatOp : Expected concatenating dimensions in the range [{-rank}, {rank}), "
                f"but got {axis}")
    axis %= rank
    out = list(known[0].as_list())
    out[axis] = 0
    first = shapes[0]
    for i, s in enumerate(shapes):
        if s.rank is None:
            out[axis] = None
            continue
        d = s.as_list()
        for j in range(rank):
            if j == axis:
                continue
            if out[j] is None:
                out[j] = d[j]
            elif d[j] is not None and d[j] != out[j]:
                fail(f"ConcatOp : Dimension {j} in both shapes must be equal: shape[0] = "
                        f"{shape_text(first.as_list())} vs. shape[{i}] = "
                        f"{shape_text(d)}")
        if out[axis] is not None:
            out[axis] = None if d[axis] is None else out[axis] + d[axis]
    return [(TensorShape(out), op.dtype(0))]


def _concat_kernel(values, axis):
    return np.concatenate(values, axis=int(axis))


def _concat_grad(op, g):
    values = op.inputs[:-1]
    axis = op.inputs[-1]
    sizes = []
    static = all(v.shape.rank is not None for v in values)
    from tfedu.framework.execute import static_value

    ax = static_value(axis)
    if static and ax is not None:
        ax = int(ax)
        dims = [v.shape[ax] for v in values]
        if all(d is not None for d in dims):
            sizes = dims
    if not sizes:
        m = _math()
        ax_t = m.floormod(axis, array_ops.rank(values[0]))
        sizes = stack([array_ops.reshape(
            slice_1(shape(v), ax_t), []) for v in values])
        return list(split(g, sizes, axis=axis)) + [None]
    return list(split(g, sizes, axis=ax)) + [None]


def slice_1(vec, i):
    """vec[i:i+1] for a tensor index (a helper for gradients with unknown shapes)."""
    from tfedu.ops.slicing import slice_

    return slice_(vec, array_ops.reshape(i, [1]), [1])


CONCAT = register_op(
    "ConcatV2", inputs=("values: N*T", "axis: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_concat_infer, kernel=_concat_kernel,
    grad=_concat_grad, doc="Join tensors along an existing axis.")


@export("concat")
def concat(values, axis, name="concat"):
    """Join a list of tensors along `axis` (all other dims must match)."""
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(values) == 1:
        return array_ops.identity(_as_input(values[0]), name=None if name == "concat" else name)
    return execute(CONCAT, [values, _int_input(axis)], name=name, default_name="concat")


def _split_infer(op):
    axis = _const_int(op, 0)
    xs = op.shape(1)
    num = op.attrs["num_split"]
    fail = numbered_fail("num_split", num)
    if xs.rank is None or axis is None:
        return [(TensorShape(None if xs.rank is None else [None] * xs.rank), op.dtype(1))] * num
    r = xs.rank
    if not -r <= axis < r:
        fail(f"Split: Expected split_dim in the range [{-r}, {r}), but got {axis}")
    axis %= r
    d = xs.as_list()
    if d[axis] is not None:
        if num <= 0 or d[axis] % num:
            fail(f"Number of ways to split should evenly divide the split dimension, but got "
                    f"split_dim {axis} (size = {d[axis]}) and num_split {num}")
        d[axis] //= num
    return [(TensorShape(d), op.dtype(1))] * num


def _split_grad(op, *grads):
    grads = [g if g is not None else array_ops.zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [None, concat(grads, op.inputs[0])]


SPLIT = register_op(
    "Split", inputs=("split_dim: int32", "value: T"), outputs=("output: num_split*T",),
    type_attrs={"T": ALL}, attrs={"num_split": 1}, infer=_split_infer,
    kernel=lambda axis, value, num_split=1: [np.array(a) for a in
                                             np.split(value, num_split, axis=int(axis))],
    grad=_split_grad, doc="Split into num_split equal parts along split_dim.")


def _splitv_sizes(sizes, dim, axis, fail):
    sizes = list(sizes)
    neg = [i for i, s in enumerate(sizes) if s == -1]
    if len(neg) > 1:
        fail(f"Only one dimensions can have a value of -1. Second one found at dimension {neg[1]}")
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    total = sum(s for s in sizes if s != -1)
    if neg:
        if total > dim:
            fail(f"Determined shape must either match input shape along split_dim exactly if "
                 f"fully specified, or be less than the size of the input along split_dim if "
                 f"not fully specified.  Got: {total}")
        sizes[neg[0]] = dim - total
    elif total != dim:
        fail(f"Determined shape must either match input shape along split_dim exactly if fully "
             f"specified, or be less than the size of the input along split_dim if not fully "
             f"specified.  Got: {total}")
    return sizes


def _splitv_infer(op):
    xs = op.shape(0)
    sizes = _const_vec(op, 1)
    axis = _const_int(op, 2)
    num = op.attrs["num_split"]
    fail = numbered_fail("num_split", num)
    if xs.rank is None or axis is None or sizes is None:
        return [(TensorShape(None if xs.rank is None else [None] * xs.rank), op.dtype(0))] * num
    r = xs.rank
    if not -r <= axis < r:
        fail(f"Split: Expected split_dim in the range [{-r}, {r}), but got {axis}")
    axis %= r
    d = xs.as_list()
    sizes = _splitv_sizes(sizes, d[axis], axis, fail)
    out = []
    for s in sizes:
        dd = list(d)
        dd[axis] = s
        out.append((TensorShape(dd), op.dtype(0)))
    return out


def _splitv_kernel(value, size_splits, axis, num_split=1):
    axis = int(axis) % value.ndim
    sizes = _splitv_sizes(_vec(size_splits), value.shape[axis], axis,
                          numbered_fail("num_split", num_split))
    cuts = np.cumsum(sizes)[:-1]
    return [np.array(a) for a in np.split(value, cuts, axis=axis)]


def _splitv_grad(op, *grads):
    grads = [g if g is not None else array_ops.zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [concat(grads, op.inputs[2]), None, None]


SPLITV = register_op(
    "SplitV", inputs=("value: T", "size_splits: Tlen", "split_dim: int32"),
    outputs=("output: num_split*T",), type_attrs={"T": ALL, "Tlen": INTS},
    attrs={"num_split": 1}, infer=_splitv_infer, kernel=_splitv_kernel, grad=_splitv_grad,
    doc="Split into pieces of the given sizes (one may be -1) along split_dim.")


@export("split")
def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split into `n` equal parts, or into parts of the listed sizes (one size may be -1)."""
    x = _as_input(value)
    nm = name
    if isinstance(num_or_size_splits, (int, np.integer)):
        return execute(SPLIT, [_int_input(axis), x], {"num_split": int(num_or_size_splits)},
                       name=nm, default_name="split")
    sizes = _int_input(num_or_size_splits)
    if num is None:
        if sizes.shape.rank == 0:
            from tfedu.framework.execute import static_value

            v = static_value(sizes)
            if v is not None:
                return split(x, int(v), axis, name=name)
        num = sizes.shape[0] if sizes.shape.rank == 1 else None
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {sizes.shape}")
    return execute(SPLITV, [x, sizes, _int_input(axis)], {"num_split": int(num)}, name=nm,
                   default_name="split")


# ------------------------------------------------------------------------------------------
# Tile, Pad
# ------------------------------------------------------------------------------------------

def _tile_infer(op):
    xs = op.shape(0)
    mult = _const_vec(op, 1)
    n = op.shape(1)[0] if op.shape(1).rank == 1 else None
    if xs.rank is not None and n is not None and n != xs.rank:
        op.fail(f"Expected multiples argument to be a vector of length {xs.rank} but got "
                f"length {n}")
    if xs.rank is None:
        return [(TensorShape(None if n is None else [None] * n), op.dtype(0))]
    if mult is None:
        return [(TensorShape([None] * xs.rank), op.dtype(0))]
    for i, m in enumerate(mult):
        if m < 0:
            op.fail(f"Expected multiples[{i}] >= 0, but got {m}")
    return [(TensorShape([None if d is None else d * m for d, m in zip(xs.as_list(), mult)]),
             op.dtype(0))]


def _tile_grad(op, g):
    x, mult = op.inputs
    m = _math()
    xs = shape(x, out_type=mult.dtype)
    # g has shape mult*xs; view it as interleaved [m0, d0, m1, d1, ...] and sum the m axes
    split_shape = reshape(transpose(stack([mult, xs])), [-1])
    r = x.shape.rank
    if r is not None:
        axes = np.arange(0, 2 * r, 2, dtype=np.int32)
    else:
        axes = array_ops.range(0, array_ops.size(split_shape), 2)
    out = m.reduce_sum(reshape(g, split_shape), axis=axes)
    if x.shape.is_fully_defined():
        out = reshape(out, x.shape.as_list())
    return [out, None]


TILE = register_op(
    "Tile", inputs=("input: T", "multiples: Tmultiples"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tmultiples": INTS}, infer=_tile_infer,
    kernel=lambda x, multiples: np.tile(x, _vec(multiples)) if x.ndim else x.copy(),
    grad=_tile_grad, doc="Repeat the whole tensor multiples[i] times along each axis.")


@export("tile")
def tile(input, multiples, name=None):
    """Repeat `input` `multiples[i]` times along axis i."""
    return execute(TILE, [_as_input(input), _int_input(multiples)], name=name,
                   default_name="Tile")


def _pad_infer(op):
    xs = op.shape(0)
    pads = op.const_value(1)
    ps = op.shape(1)
    if ps.rank is not None and (ps.rank != 2 or (ps[1] is not None and ps[1] != 2)):
        op.fail(f"paddings must be a matrix with 2 columns: {shape_text(ps.as_list())}")
    if xs.rank is not None and ps.rank == 2 and ps[0] is not None and ps[0] != xs.rank:
        op.fail(f"The first dimension of paddings must be the rank of inputs"
                f"{shape_text(ps.as_list())}, {shape_text(xs.as_list())}")
    if xs.rank is None:
        n = ps[0] if ps.rank == 2 else None
        return [(TensorShape(None if n is None else [None] * n), op.dtype(0))]
    if pads is None:
        return [(TensorShape([None] * xs.rank), op.dtype(0))]
    pads = np.asarray(pads).reshape(-1, 2)
    mode = op.attrs.get("mode", "CONSTANT")
    out = []
    for d, (a, b) in zip(xs.as_list(), pads.tolist()):
        if a < 0 or b < 0:
            op.fail(f"Paddings must be non-negative: {a} {b}")
        if mode != "CONSTANT" and d is not None:
            off = 0 if mode == "SYMMETRIC" else 1
            if a > d - off or b > d - off:
                op.fail(f"paddings must be no greater than the dimension size: {a}, {b} "
                        f"greater than {d - off}")
        out.append(None if d is None else d + a + b)
    return [(TensorShape(out), op.dtype(0))]


def _pad_kernel(x, paddings, constant_values=None, mode="CONSTANT"):
    p = [tuple(r) for r in np.asarray(paddings).reshape(-1, 2).astype(np.int64).tolist()]
    if mode == "CONSTANT":
        cv = 0 if constant_values is None else constant_values
        return np.pad(x, p, mode="constant", constant_values=cv)
    return np.pad(x, p, mode="reflect" if mode == "REFLECT" else "symmetric")


def _pad_grad(op, g):
    from tfedu.ops.slicing import slice_

    x, paddings = op.inputs[0], op.inputs[1]
    begin = reshape(slice_(paddings, [0, 0], [-1, 1]), [-1])
    if op.type == "MirrorPad":
        return [execute(MIRROR_PAD_GRAD, [g, paddings], {"mode": op.get_attr("mode")},
                        default_name="MirrorPadGrad"), None]
    sl = slice_(g, begin, shape(x, out_type=begin.dtype))
    return [sl, None] + ([None] if len(op.inputs) == 3 else [])


def _mirror_pad_grad_kernel(g, paddings, mode="REFLECT"):
    p = np.asarray(paddings).reshape(-1, 2).astype(np.int64)
    out = g.copy()
    off = 1 if mode == "REFLECT" else 0
    for ax, (a, b) in enumerate(p.tolist()):
        n = out.shape[ax] - a - b
        core = np.take(out, np.arange(a, a + n), axis=ax).copy()
        for i in range(a):  # left pad element i mirrors core index a - i - 1 + off
            src = np.take(out, [i], axis=ax)
            j = a - i - 1 + off
            idx = [slice(None)] * out.ndim
            idx[ax] = slice(j, j + 1)
            core[tuple(idx)] += src
        for i in range(b):
            src = np.take(out, [a + n + i], axis=ax)
            j = n - 1 - i - off
            idx = [slice(None)] * out.ndim
            idx[ax] = slice(j, j + 1)
            core[tuple(idx)] += src
        out = core
    return out


def _mirror_pad_grad_infer(op):
    gs = op.shape(0)
    pads = op.const_value(1)
    if gs.rank is None or pads is None:
        return [(TensorShape(None if gs.rank is None else [None] * gs.rank), op.dtype(0))]
    p = np.asarray(pads).reshape(-1, 2)
    return [(TensorShape([None if d is None else d - a - b
                          for d, (a, b) in zip(gs.as_list(), p.tolist())]), op.dtype(0))]


PAD = register_op(
    "Pad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, infer=_pad_infer, kernel=_pad_kernel,
    grad=_pad_grad, doc="Pad with zeros.")
PADV2 = register_op(
    "PadV2", inputs=("input: T", "paddings: Tpaddings", "constant_values: T"),
    outputs=("output: T",), type_attrs={"T": ALL, "Tpaddings": INTS}, infer=_pad_infer,
    kernel=_pad_kernel, grad=_pad_grad, doc="Pad with a constant value.")
MIRROR_PAD = register_op(
    "MirrorPad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, attrs={"mode": "REFLECT"}, infer=_pad_infer,
    kernel=lambda x, paddings, mode="REFLECT": _pad_kernel(x, paddings, mode=mode),
    grad=_pad_grad, doc="Pad by mirroring (REFLECT excludes the edge, SYMMETRIC repeats it).")
MIRROR_PAD_GRAD = register_op(
    "MirrorPadGrad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, attrs={"mode": "REFLECT"},
    infer=_mirror_pad_grad_infer, kernel=_mirror_pad_grad_kernel,
    grad=lambda op, g: [execute(MIRROR_PAD, [g, op.inputs[1]], {"mode": op.get_attr("mode")},
                                default_name="MirrorPad"), None],
    doc="Fold the mirrored border of a gradient back onto the inside.")


@export("pad")
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad each axis by paddings[i] = [before, after]; CONSTANT, REFLECT or SYMMETRIC."""
    x = _as_input(tensor)
    p = _int_input(paddings)
    mode = mode.upper()
    if mode == "CONSTANT":
        if not isinstance(constant_values, Tensor) and np.all(np.asarray(constant_values) == 0):
            return execute(PAD, [x, p], name=name, default_name="Pad")
        cv = constant_values if isinstance(constant_values, Tensor) else \
            convert_to_tensor(constant_values, dtype=x.dtype)
        return execute(PADV2, [x, p, cv], name=name, default_name="PadV2")
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f'Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    return execute(MIRROR_PAD, [x, p], {"mode": mode}, name=name, default_name="MirrorPad")


# ------------------------------------------------------------------------------------------
# Squeeze, ExpandDims
# ------------------------------------------------------------------------------------------

def _squeeze_infer(op):
    xs = op.shape(0)
    axes = op.attrs.get("squeeze_dims", [])
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    r = xs.rank
    d = xs.as_list()
    norm = set()
    for a in axes:
        if not -r <= a < max(r, 1):
            op.fail(f"Tried to squeeze dim index {a} for tensor with {r} dimensions.")
        a %= max(r, 1)
        if d[a] is not None and d[a] != 1:
            op.fail(f"Can not squeeze dim[{a}], expected a dimension of 1, got {d[a]}")
        norm.add(a)
    if axes:
        out = [x for i, x in enumerate(d) if i not in norm]
    else:
        if any(x is None for x in d):
            return [(TensorShape(None), op.dtype(0))]
        out = [x for x in d if x != 1]
    return [(TensorShape(out), op.dtype(0))]


def _squeeze_kernel(x, squeeze_dims=()):
    if squeeze_dims:
        axes = tuple(sorted({a % x.ndim for a in squeeze_dims}))
        for a in axes:
            if x.shape[a] != 1:
                raise OpCheckError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                   f"{x.shape[a]}")
        return np.squeeze(x, axis=axes)
    return np.squeeze(x)


def _reshape_like_grad(op, g):
    x = op.inputs[0]
    if x.shape.is_fully_defined():
        return [reshape(g, x.shape.as_list())] + [None] * (len(op.inputs) - 1)
    return [reshape(g, shape(x))] + [None] * (len(op.inputs) - 1)


SQUEEZE = register_op(
    "Squeeze", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"squeeze_dims": []}, infer=_squeeze_infer, kernel=_squeeze_kernel,
    grad=_reshape_like_grad, doc="Remove size-1 dimensions (all, or those listed).")


@export("squeeze")
def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Drop dimensions of size 1 (only `axis` if given)."""
    axis = squeeze_dims if axis is None else axis
    if axis is None:
        axis = []
    elif isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    else:
        axis = [int(a) for a in axis]
    return execute(SQUEEZE, [_as_input(input)], {"squeeze_dims": axis}, name=name,
                   default_name="Squeeze")


def _expand_dims_infer(op):
    xs = op.shape(0)
    a = op.const_value(1)
    if a is not None and np.size(a) != 1:
        op.fail("'dim' must be a tensor with a single value")
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    if a is None:
        return [(TensorShape([None] * (xs.rank + 1)), op.dtype(0))]
    a = int(np.reshape(a, -1)[0])
    r = xs.rank + 1
    if not -r <= a < r:
        op.fail(f"Tried to expand dim index {a} for tensor with {xs.rank} dimensions.")
    d = xs.as_list()
    d.insert(a % r, 1)
    return [(TensorShape(d), op.dtype(0))]


EXPAND_DIMS = register_op(
    "ExpandDims", inputs=("input: T", "dim: Tdim"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tdim": INTS}, infer=_expand_dims_infer,
    kernel=lambda x, dim: np.expand_dims(x, int(np.reshape(dim, -1)[0])),
    grad=_reshape_like_grad, doc="Insert a size-1 dimension at `dim`.")


@export("expand_dims")
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at `axis`."""
    return execute(EXPAND_DIMS, [_as_input(input), _int_input(axis)], name=name,
                   default_name="ExpandDims")


# ------------------------------------------------------------------------------------------
# OneHot
# ------------------------------------------------------------------------------------------

def _one_hot_infer(op):
    xs = op.shape(0)
    depth = _const_int(op, 1)
    axis = op.attrs.get("axis", -1)
    if depth is not None and depth < 0:
        op.fail(f"depth must be non-negative, got: {depth}")
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(2))]
    r = xs.rank + 1
    if not -1 <= axis < r:
        op.fail(f"Expected axis to be -1 or between [0, {r}).  But received: {axis}")
    d = xs.as_list()
    d.insert(axis if axis != -1 else xs.rank, depth)
    return [(TensorShape(d), op.dtype(2))]


def _one_hot_kernel(indices, depth, on_value, off_value, axis=-1):
    depth = int(depth)
    idx = np.asarray(indices).astype(np.int64)
    hot = idx[..., None] == np.arange(depth)
    out = np.where(hot, on_value, off_value).astype(np.asarray(on_value).dtype)
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return np.ascontiguousarray(out)


ONE_HOT = register_op(
    "OneHot", inputs=("indices: TI", "depth: int32", "on_value: T", "off_value: T"),
    outputs=("output: T",),
    type_attrs={"T": ALL, "TI": (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64)},
    attrs={"axis": -1}, infer=_one_hot_infer, kernel=_one_hot_kernel,
    grad=lambda op, g: [None, None, None, None],
    doc="on_value where indices == position along the new axis, else off_value.")


@export("one_hot")
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Encode integer indices as one-hot vectors; out-of-range indices give all `off_value`."""
    idx = _int_input(indices)
    def conv(v):
        if v is None or isinstance(v, Tensor) or getattr(v, "_is_variable", False):
            return None if v is None else _as_input(v)
        return convert_to_tensor(v, dtype=dtype)

    on, off = conv(on_value), conv(off_value)
    if dtype is not None:
        dt = dtypes.as_dtype(dtype)
    elif on is not None:
        dt = on.dtype
    elif off is not None:
        dt = off.dtype
    else:
        dt = dtypes.float32
    for v in (on, off):
        if v is not None and v.dtype is not dt:
            raise TypeError(f"dtype {dt} of on_value/off_value does not match {v.dtype}")
    on = convert_to_tensor(1, dtype=dt) if on is None else on
    off = convert_to_tensor(0, dtype=dt) if off is None else off
    return execute(ONE_HOT, [idx, _int_input(depth), on, off],
                   {"axis": -1 if axis is None else int(axis)}, name=name,
                   default_name="one_hot")


# ------------------------------------------------------------------------------------------
# Sort, ArgSort, Unique
# ------------------------------------------------------------------------------------------

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
    "ArgSort", inputs=("input: T",), outputs=("indices: int32",), type_attrs={"T": REAL},
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
    x = _as_input(values)
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
    x = _as_input(values)
    r = x.shape.rank
    idx = argsort(x, axis=axis, direction=direction)
    axis = int(axis) % max(r, 1)
    if axis != r - 1:
        perm = list(range(r))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        xt = transpose(x, perm)
        return transpose(gather(xt, transpose(idx, perm), axis=r - 1, batch_dims=r - 1), perm)
    return gather(x, idx, axis=r - 1, batch_dims=r - 1, name=name)


def _unique_np(x, out_idx):
    _, first, inv, counts = np.unique(x, return_index=True, return_inverse=True,
                                      return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = x[first[order]]
    idx = rank[inv.reshape(-1)].astype(out_idx._np)
    return y, idx, counts[order].astype(out_idx._np)


def _unique_infer(op):
    if op.shape(0).rank not in (None, 1):
        op.fail("unique expects a 1D vector.")
    t = op.attrs.get("out_idx", dtypes.int32)
    n = op.shape(0)[0] if op.shape(0).rank == 1 else None
    outs = [(TensorShape([None]), op.dtype(0)), (TensorShape([n]), t)]
    if op.opdef.type == "UniqueWithCounts":
        outs.append((TensorShape([None]), t))
    return outs


UNIQUE = register_op(
    "Unique", inputs=("x: T",), outputs=("y: T", "idx: out_idx"),
    type_attrs={"T": ALL, "out_idx": INTS}, attrs={"out_idx": dtypes.int32},
    infer=_unique_infer,
    kernel=lambda x, out_idx=dtypes.int32: _unique_np(x, out_idx)[:2],
    doc="Distinct values in order of first appearance, and each element's position among them.")
UNIQUE_WITH_COUNTS = register_op(
    "UniqueWithCounts", inputs=("x: T",), outputs=("y: T", "idx: out_idx", "count: out_idx"),
    type_attrs={"T": ALL, "out_idx": INTS}, attrs={"out_idx": dtypes.int32},
    infer=_unique_infer, kernel=lambda x, out_idx=dtypes.int32: _unique_np(x, out_idx),
    doc="Unique, plus how often each distinct value occurs.")

Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


@export("unique")
def unique(x, out_idx=dtypes.int32, name=None):
    """Distinct values of a 1-D tensor and, per element, the index of its value in `y`."""
    y, idx = execute(UNIQUE, [_as_input(x)], {"out_idx": dtypes.as_dtype(out_idx)}, name=name,
                     default_name="Unique")
    return Unique(y, idx)


@export("unique_with_counts")
def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    y, idx, count = execute(UNIQUE_WITH_COUNTS, [_as_input(x)],
                            {"out_idx": dtypes.as_dtype(out_idx)}, name=name,
                            default_name="UniqueWithCounts")
    return UniqueWithCounts(y, idx, count)


# ------------------------------------------------------------------------------------------
# Reverse, Roll, Repeat
# ------------------------------------------------------------------------------------------

def _axes_list(v, rank, op, what="axis"):
    out = []
    for a in v:
        if rank is not None and not -rank <= a < rank:
            op.fail(f"'{what}'[{len(out)}] = {a} is out of valid range [0, {rank - 1}]")
        out.append(a % rank if rank else a)
    return out


def _reverse_infer(op):
    xs = op.shape(0)
    axes = _const_vec(op, 1)
    if axes is not None:
        norm = _axes_list(axes, xs.rank, op)
        if len(set(norm)) != len(norm):
            op.fail(f"axis {norm[0]} specified more than once.")
    return [(xs, op.dtype(0))]


REVERSE = register_op(
    "ReverseV2", inputs=("tensor: T", "axis: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_reverse_infer,
    kernel=lambda x, axis: np.flip(x, tuple(a % x.ndim for a in _vec(axis))).copy()
    if x.ndim else x.copy(),
    grad=lambda op, g: [reverse(g, op.inputs[1]), None], doc="Reverse along the listed axes.")


@export("reverse")
def reverse(tensor, axis, name=None):
    """Reverse the order of elements along each axis in `axis`."""
    return execute(REVERSE, [_as_input(tensor), _int_input(axis)], name=name,
                   default_name="ReverseV2")


def _roll_infer(op):
    xs = op.shape(0)
    sh, ax = op.shape(1), op.shape(2)
    if sh.rank is not None and sh.rank > 1:
        op.fail(f"shift must be a scalar or a 1-D vector. Found: {sh}")
    if sh.rank is not None and ax.rank is not None and sh.as_list() != ax.as_list() \
            and None not in sh.as_list() + ax.as_list():
        op.fail("shift and axis must have the same size")
    axes = _const_vec(op, 2)
    if axes is not None and xs.rank is not None:
        for a in axes:
            if not -xs.rank <= a < xs.rank:
                op.fail(f"axis {a} is out of range")
    return [(xs, op.dtype(0))]


def _roll_kernel(x, shift, axis):
    return np.roll(x, tuple(_vec(shift)), tuple(_vec(axis)))


ROLL = register_op(
    "Roll", inputs=("input: T", "shift: Tshift", "axis: Taxis"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tshift": INTS, "Taxis": INTS}, infer=_roll_infer,
    kernel=_roll_kernel,
    grad=lambda op, g: [roll(g, _math().negative(op.inputs[1]), op.inputs[2]), None, None],
    doc="Shift elements cyclically along the given axes.")


@export("roll")
def roll(input, shift, axis, name=None):
    """Shift elements cyclically by `shift` along `axis`."""
    return execute(ROLL, [_as_input(input), _int_input(shift), _int_input(axis)], name=name,
                   default_name="Roll")


@export("repeat")
def repeat(input, repeats, axis=None, name=None):
    """Repeat each element `repeats` times (per element if a list) along `axis`
    (the flattened tensor when None). Differentiable: a gather with repeated indices."""
    from tfedu.framework.execute import static_value

    x = _as_input(input)
    if axis is None:
        x = reshape(x, [-1])
        axis = 0
    rep = repeats if not isinstance(repeats, Tensor) else static_value(repeats)
    if rep is None:
        raise ValueError("tf.repeat needs `repeats` known when the op is built")
    rep = np.asarray(rep).astype(np.int64)
    r = x.shape.rank
    axis = int(axis) % max(r, 1)
    n = x.shape[axis]
    if n is None:
        raise ValueError("tf.repeat needs the size of `axis` known when the op is built")
    if rep.ndim == 0 or rep.size == 1:
        rep = np.full(n, int(rep.reshape(-1)[0]))
    if rep.size != n:
        raise _invalid(f"Dimensions must be equal, but are {rep.size} and {n}")
    idx = np.repeat(np.arange(n, dtype=np.int32), rep)
    return gather(x, idx, axis=axis, name=name)


def _invalid(msg):
    from tfedu.framework.errors import InvalidArgumentError

    return InvalidArgumentError(None, None, msg)


# ------------------------------------------------------------------------------------------
# meshgrid, sequence_mask, linspace, eye, identity_n
# ------------------------------------------------------------------------------------------

@export("meshgrid")
def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors; indexing 'xy' (default) swaps the first two axes."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Invalid keywords: {list(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    xs = [reshape(_as_input(a), [-1]) for a in args]
    n = len(xs)
    if n == 0:
        return []
    sizes = [array_ops.size(x) for x in xs]
    outs = []
    for i, x in enumerate(xs):
        shp = [1] * n
        shp[i] = -1
        if indexing == "xy" and n > 1 and i < 2:
            shp[0], shp[1] = shp[1], shp[0]
        outs.append(reshape(x, shp))
    full = list(sizes)
    if indexing == "xy" and n > 1:
        full[0], full[1] = full[1], full[0]
    target = stack(full)
    m = _math()
    return [m.multiply(o, array_ops.ones(target, dtype=o.dtype)) if o.dtype is not dtypes.bool_
            else array_ops.broadcast_to(o, target) for o in outs]


@export("sequence_mask")
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None):
    """mask[i, j] = j < lengths[i], with `maxlen` columns (max(lengths) by default)."""
    m = _math()
    lengths = _as_input(lengths)
    if maxlen is None:
        maxlen = m.reduce_max(lengths)
    else:
        maxlen = _as_input(maxlen) if isinstance(maxlen, Tensor) else \
            convert_to_tensor(maxlen, dtype=lengths.dtype)
        if maxlen.dtype is not lengths.dtype:
            maxlen = m.cast(maxlen, lengths.dtype)
    row = array_ops.range(0, maxlen, 1, dtype=lengths.dtype)
    mask = m.less(row, expand_dims(lengths, -1))
    dtype = dtypes.as_dtype(dtype)
    return mask if dtype is dtypes.bool_ else m.cast(mask, dtype)


def _linspace_infer(op):
    n = _const_int(op, 2)
    for i in (0, 1):
        if op.shape(i).rank not in (None, 0):
            op.fail(f"{'start' if i == 0 else 'stop'} must be a scalar, not shape "
                    f"{shape_text(op.shape(i).as_list())}")
    if n is not None and n <= 0:
        op.fail(f"Requires num > 0: {n}")
    return [(TensorShape([n]), op.dtype(0))]


LINSPACE = register_op(
    "LinSpace", inputs=("start: T", "stop: T", "num: Tidx"), outputs=("output: T",),
    type_attrs={"T": (dtypes.float32, dtypes.float64), "Tidx": INTS}, infer=_linspace_infer,
    kernel=lambda start, stop, num: np.linspace(start, stop, int(num)).astype(start.dtype),
    doc="num evenly spaced values from start to stop inclusive.")


@export("linspace", "lin_space")
def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included."""
    s = _as_input(start) if isinstance(start, Tensor) else convert_to_tensor(start)
    e = stop if isinstance(stop, Tensor) else convert_to_tensor(stop, dtype=s.dtype)
    if s.dtype.is_integer:  # TF divides integer ends, which gives float64
        m = _math()
        s, e = m.cast(s, dtypes.float64), m.cast(e, dtypes.float64)
    return execute(LINSPACE, [s, e, _int_input(num)], name=name, default_name="LinSpace")


@export("eye", "linalg.eye")
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (rectangular with `num_columns`, stacked with `batch_shape`)."""
    dtype = dtypes.as_dtype(dtype)
    from tfedu.framework.execute import static_value

    def _static(v):
        return static_value(v) if isinstance(v, Tensor) else v

    r = _static(num_rows)
    c = r if num_columns is None else _static(num_columns)
    b = [] if batch_shape is None else _static(batch_shape)
    if r is None or c is None or b is None:
        raise ValueError("tf.eye needs static sizes")
    r, c = int(r), int(c)
    m = np.eye(r, c, dtype=dtype._np)
    b = [int(x) for x in np.reshape(b, -1)]
    if b:
        m = np.broadcast_to(m, b + [r, c]).copy()
    from tfedu.framework.convert import _make_tensor

    return _make_tensor(m, dtype, name or "eye")


IDENTITY_N = register_op(
    "IdentityN", inputs=("input: N*T",), outputs=("output: N*T",), type_attrs={"T": ALL},
    infer=lambda op: [(s, d) for s, d in zip(op.input_shapes, op.input_dtypes)],
    kernel=lambda xs: list(xs), grad=lambda op, *gs: list(gs),
    doc="Each input unchanged (several tensors through one op).")


@export("identity_n")
def identity_n(input, name=None):
    """Each input returned unchanged (inputs may have different dtypes)."""
    xs = [_as_input(x) for x in input]
    # IdentityN's inputs may differ in dtype: run one op per dtype group, keep the order
    if len({x.dtype for x in xs}) <= 1:
        return execute(IDENTITY_N, [xs], name=name, default_name="IdentityN")
    return [array_ops.identity(x) for x in xs]


# ------------------------------------------------------------------------------------------
# Gather, GatherNd, boolean_mask
# ------------------------------------------------------------------------------------------

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
    if ps.rank is None or is_.rank is None or axis is None:
        return [(TensorShape(None), op.dtype(0))]
    if bd < 0:
        bd += is_.rank
    if not -ps.rank <= axis < ps.rank:
        op.fail(f"Expected axis in the range [{-ps.rank}, {ps.rank}), but got {axis}")
    axis %= ps.rank
    if bd > is_.rank or bd > axis:
        op.fail(f"batch_dims ({bd}) must be less than or equal to rank(indices) "
                f"({is_.rank}) and axis ({axis}).")
    pd, idd = ps.as_list(), is_.as_list()
    for i in range(bd):
        if pd[i] is not None and idd[i] is not None and pd[i] != idd[i]:
            op.fail(f"params.shape[{i}]: {pd[i]} should be equal to indices.shape[{i}]: "
                    f"{idd[i]}")
    # index values are checked when the kernel runs, never at graph construction: an unused
    # out-of-range gather is pruned away and never fails (TF's non-strict execution)
    out = pd[:axis] + idd[bd:] + pd[axis + 1:]
    return [(TensorShape(out), op.dtype(0))]


def _gather_kernel(params, indices, axis, batch_dims=0):
    axis = int(axis) % params.ndim
    idx = np.asarray(indices).astype(np.int64, copy=False)
    _gather_check(idx, params.shape[axis])
    if batch_dims < 0:
        batch_dims += idx.ndim
    if batch_dims == 0:
        return np.take(params, idx, axis=axis)
    # batched: params[b..., outer..., idx[b..., j...], inner...]
    bshape = params.shape[:batch_dims]
    nb = int(np.prod(bshape)) if bshape else 1
    p = params.reshape((nb,) + params.shape[batch_dims:])
    ii = idx.reshape((nb,) + idx.shape[batch_dims:])
    outs = [np.take(p[b], ii[b], axis=axis - batch_dims) for b in range(nb)]
    out = np.stack(outs) if outs else np.zeros(
        (0,) + params.shape[batch_dims:axis] + idx.shape[batch_dims:] + params.shape[axis + 1:],
        params.dtype)
    return out.reshape(bshape + out.shape[1:])


def _gather_grad(op, g):
    from tfedu.framework.execute import static_value
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
    "GatherV2", inputs=("params: Tparams", "indices: Tindices", "axis: Taxis"),
    outputs=("output: Tparams",),
    type_attrs={"Tparams": ALL, "Tindices": (dtypes.int16, dtypes.int32, dtypes.int64),
                "Taxis": INTS},
    attrs={"batch_dims": 0}, infer=_gather_infer, kernel=_gather_kernel, grad=_gather_grad,
    doc="Slices of params along axis at the given indices.")


@export("gather")
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Pick slices of `params` along `axis` (0 by default) at `indices`."""
    p = _as_input(params)
    if axis is None:
        axis = batch_dims
    return execute(GATHER, [p, _int_input(indices), _int_input(axis)],
                   {"batch_dims": int(batch_dims)}, name=name, default_name="GatherV2")


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
    if ps.rank is None or is_.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    if is_.rank == 0:
        op.fail("indices must be at least a vector")
    k = is_[-1]
    if k is None:
        return [(TensorShape(None), op.dtype(0))]
    if k + bd > ps.rank:
        op.fail(f"index innermost dimension length must be <= params rank; saw: {k} vs. "
                f"{ps.rank}")
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
    _gather_nd_check(idx, params.shape)
    k = idx.shape[-1]
    return params[tuple(np.moveaxis(idx, -1, 0))] if k else np.broadcast_to(
        params, idx.shape[:-1] + params.shape).copy()


def _gather_nd_grad(op, g):
    from tfedu.ops.scatter_ops import scatter_nd

    params, indices = op.inputs
    if op.get_attr("batch_dims"):
        raise NotImplementedError("GatherNd gradient with batch_dims")
    return [scatter_nd(indices, g, shape(params, out_type=indices.dtype)), None]


GATHER_ND = register_op(
    "GatherNd", inputs=("params: Tparams", "indices: Tindices"), outputs=("output: Tparams",),
    type_attrs={"Tparams": ALL, "Tindices": (dtypes.int16, dtypes.int32, dtypes.int64)},
    attrs={"batch_dims": 0}, infer=_gather_nd_infer, kernel=_gather_nd_kernel,
    grad=_gather_nd_grad, doc="Slices of params at the index tuples in the last axis of indices.")


@export("gather_nd")
def gather_nd(params, indices, batch_dims=0, name=None):
    """Pick elements (or slices) of `params` addressed by the index vectors in `indices`."""
    return execute(GATHER_ND, [_as_input(params), _int_input(indices)],
                   {"batch_dims": int(batch_dims)}, name=name, default_name="GatherNd")


@export("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices from `axis` on) of `tensor` where `mask` is True."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name):
        return _boolean_mask(tensor, mask, axis)


def _boolean_mask(tensor, mask, axis):
    x = _as_input(tensor)
    mk = _as_input(mask) if isinstance(mask, Tensor) or getattr(mask, "_is_variable", False) \
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
        from tfedu.ops.slicing import slice_

        lead = slice_(s, [0], [axis])
        tail = slice_(s, [axis + km], [-1])
        new = concat([lead, [-1], tail], 0)
    flat = reshape(x, new)
    idx = reshape(array_ops.where(reshape(mk, [-1])), [-1])
    return gather(flat, idx, axis=axis)


# ------------------------------------------------------------------------------------------
# convert_to_tensor of lists holding tensors: pack them (TF's autopacking)
# ------------------------------------------------------------------------------------------

def _has_tensor(v):
    if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
        return True
    if isinstance(v, (list, tuple)):
        return any(_has_tensor(e) for e in v)
    return False


def _first_dtype(v):
    if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
        return v.dtype
    if isinstance(v, (list, tuple)):
        for e in v:
            d = _first_dtype(e)
            if d is not None:
                return d
    return None


def _pack(v, dtype):
    if isinstance(v, (list, tuple)):
        if not _has_tensor(v):
            return convert_to_tensor(v, dtype=dtype)
        return stack([_pack(e, dtype) for e in v])
    if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
        x = _as_input(v)
        if x.dtype is not dtype:
            raise TypeError(f"Cannot convert a list containing a tensor of dtype {x.dtype} to "
                            f"{dtype} (Tensor is: {x!r})")
        return x
    return convert_to_tensor(v, dtype=dtype)


def _autopack(value, dtype=None, name=None, as_ref=False):
    if not _has_tensor(value):
        return NotImplemented
    dt = dtype or _first_dtype(value)
    out = _pack(value, dt)
    return out


from tfedu.framework.convert import register_tensor_conversion_function  # noqa: E402

register_tensor_conversion_function((list, tuple), _autopack, priority=99)



# ------------------------------------------------------------------------------------------
# ensure_shape, shape_n, searchsorted
# ------------------------------------------------------------------------------------------

def _ensure_shape_infer(op):
    want = TensorShape(op.attrs["shape"])
    have = op.shape(0)
    if not have.is_compatible_with(want):
        op.fail(f"Shape of tensor {op.name or 'x'} {shape_text(have.as_list())} is not "
                f"compatible with expected shape {shape_text(want.as_list())}.")
    return [(have.merge_with(want), op.dtype(0))]


ENSURE_SHAPE = register_op(
    "EnsureShape", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"shape": None}, infer=_ensure_shape_infer, kernel=lambda x, shape=None: x,
    grad=lambda op, g: [g], doc="Identity that checks (and records) the shape.")


@export("ensure_shape")
def ensure_shape(x, shape, name=None):
    """`x` unchanged if its shape is compatible with `shape` (None dims match anything)."""
    s = TensorShape(shape)
    return execute(ENSURE_SHAPE, [_as_input(x)],
                   {"shape": None if s.rank is None else s.as_list()}, name=name,
                   default_name="EnsureShape")


@export("shape_n")
def shape_n(input, out_type=dtypes.int32, name=None):
    """The shapes of several tensors."""
    return [shape(x, out_type=out_type) for x in input]


def _broadcast_args_kernel(s0, s1):
    a, b = [int(d) for d in s0], [int(d) for d in s1]
    try:
        return np.array(np.broadcast_shapes(tuple(a), tuple(b)), dtype=s0.dtype)
    except ValueError:
        raise OpCheckError(f"Incompatible shapes: {shape_text(a)} vs. {shape_text(b)}") \
            from None


def _broadcast_args_infer(op):
    a, b = op.const_value(0), op.const_value(1)
    if a is not None and b is not None:
        out = _broadcast_args_kernel(np.asarray(a), np.asarray(b))
        return [(TensorShape([out.size]), op.dtype(0))]
    return [(TensorShape([None]), op.dtype(0))]


BROADCAST_ARGS = register_op(
    "BroadcastArgs", inputs=("s0: T", "s1: T"), outputs=("r0: T",), type_attrs={"T": INTS},
    infer=_broadcast_args_infer, kernel=_broadcast_args_kernel,
    doc="The broadcast shape of two shape vectors.")


@export("broadcast_dynamic_shape")
def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast shape of two shape vectors, as a tensor."""
    return execute(BROADCAST_ARGS, [_int_input(shape_x), _int_input(shape_y)],
                   default_name="BroadcastArgs")


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
    "LowerBound", inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
    type_attrs={"T": REAL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=_searchsorted_infer,
    kernel=lambda a, v, out_type=dtypes.int32: _searchsorted_kernel(a, v, out_type, "left"),
    doc="For each value, the first position in its sorted row where it could be inserted.")
UPPER_BOUND = register_op(
    "UpperBound", inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
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
    a = _as_input(sorted_sequence)
    v = _as_input(values) if isinstance(values, Tensor) else convert_to_tensor(values,
                                                                               dtype=a.dtype)
    op = LOWER_BOUND if side == "left" else UPPER_BOUND
    if v.shape.rank == 0:
        out = execute(op, [a, reshape(v, [1])], {"out_type": dtypes.as_dtype(out_type)},
                      name=name, default_name=op.type)
        return reshape(out, [])
    return execute(op, [a, v], {"out_type": dtypes.as_dtype(out_type)}, name=name,
                   default_name=op.type)


# ------------------------------------------------------------------------------------------
# dynamic_partition, dynamic_stitch, unravel_index
# ------------------------------------------------------------------------------------------

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


DYNAMIC_PARTITION = register_op(
    "DynamicPartition", inputs=("data: T", "partitions: int32"),
    outputs=("outputs: num_partitions*T",), type_attrs={"T": ALL},
    attrs={"num_partitions": 1}, infer=_partition_infer, kernel=_partition_kernel,
    grad=_partition_grad, doc="Split data into num_partitions groups by partition number.")


@export("dynamic_partition")
def dynamic_partition(data, partitions, num_partitions, name=None):
    """Group the slices of `data` by `partitions` (values in [0, num_partitions))."""
    return execute(DYNAMIC_PARTITION, [_as_input(data), _int_input(partitions)],
                   {"num_partitions": int(num_partitions)}, name=name,
                   default_name="DynamicPartition")


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
    "DynamicStitch", inputs=("indices: N*int32", "data: N*T"), outputs=("merged: T",),
    type_attrs={"T": ALL}, infer=_stitch_infer, kernel=_stitch_kernel,
    grad=lambda op, g: [None] * (len(op.inputs) // 2) + [
        gather(g, i) for i in op.inputs[:len(op.inputs) // 2]],
    doc="Interleave slices of the data tensors into one, at the given positions.")


@export("dynamic_stitch")
def dynamic_stitch(indices, data, name=None):
    """merged[indices[m][i]] = data[m][i] (later entries win)."""
    return execute(DYNAMIC_STITCH, [[_int_input(i) for i in indices],
                                    [_as_input(d) for d in data]], name=name,
                   default_name="DynamicStitch")


def _unravel_kernel(indices, dims):
    d = tuple(int(x) for x in np.reshape(dims, -1))
    flat = np.asarray(indices)
    if np.any((flat < 0) | (flat >= int(np.prod(d)))):
        raise OpCheckError("index is out of bound as with dims")
    return np.array(np.unravel_index(flat, d), dtype=flat.dtype)


UNRAVEL_INDEX = register_op(
    "UnravelIndex", inputs=("indices: Tidx", "dims: Tidx"), outputs=("output: Tidx",),
    type_attrs={"Tidx": INTS},
    infer=lambda op: [(TensorShape([op.shape(1)[0] if op.shape(1).rank == 1 else None]
                                   + (op.shape(0).as_list() if op.shape(0).rank else [])),
                       op.dtype(0))],
    kernel=_unravel_kernel, doc="Coordinates of flat indices in an array of shape dims.")


@export("unravel_index")
def unravel_index(indices, dims, name=None):
    i = _int_input(indices)
    d = dims if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype=i.dtype)
    return execute(UNRAVEL_INDEX, [i, d], name=name, default_name="UnravelIndex")


# Composite tensors (RaggedTensor, SparseTensor) and scatter ops live beside these.
from tfedu.ops import composite as _composite  # noqa: E402,F401
