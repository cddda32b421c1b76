"""Array ops: creating, reshaping, combining and selecting tensors.

Shape-only ops (`Shape`, `Size`, `Rank`) can be answered statically when shapes are known;
their `static_value` lets shape functions downstream (e.g. `Reshape`) see through them.
"""

from __future__ import annotations

import builtins

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import _make_tensor, convert_to_tensor, to_numpy_value
from tfedu.framework.errors import CPU_DEVICE
from tfedu.framework.execute import execute, static_value
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, INTS, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops.op_helpers import broadcast_shapes, export, unary_infer

# ------------------------------------------------------------------------------------------
# Identity, zeros/ones
# ------------------------------------------------------------------------------------------

IDENTITY = register_op(
    "Identity", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=lambda x: x, grad=lambda op, g: [g], elementwise=True,
    doc="Returns its input unchanged (a named edge in a graph).")
STOP_GRADIENT = register_op(
    "StopGradient", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=lambda x: x, grad=None, elementwise=True,
    doc="Identity whose gradient is zero: tapes do not look through it.")
ZEROS_LIKE = register_op(
    "ZerosLike", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=np.zeros_like, grad=lambda op, g: [None], elementwise=True)
ONES_LIKE = register_op(
    "OnesLike", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=np.ones_like, grad=lambda op, g: [None], elementwise=True)


@export("identity")
def identity(input, name=None):
    """Return a tensor with the same value (`tf.identity`)."""
    if getattr(input, "_is_variable", False):
        input = input.value()
    return execute(IDENTITY, [input], name=name, default_name="Identity")


@export("stop_gradient")
def stop_gradient(input, name=None):
    """The same value, but gradients do not flow back through it."""
    return execute(STOP_GRADIENT, [input], name=name, default_name="StopGradient")


@export("zeros_like")
def zeros_like(input, dtype=None, name=None, optimize=True):
    x = _as_input(input)
    if dtype is not None and dtypes.as_dtype(dtype) is not x.dtype:
        return zeros(shape(x) if not x.shape.is_fully_defined() else x.shape.as_list(),
                     dtype=dtype, name=name)
    return execute(ZEROS_LIKE, [x], name=name, default_name="zeros_like")


@export("ones_like")
def ones_like(input, dtype=None, name=None):
    x = _as_input(input)
    if dtype is not None and dtypes.as_dtype(dtype) is not x.dtype:
        return ones(shape(x) if not x.shape.is_fully_defined() else x.shape.as_list(),
                    dtype=dtype, name=name)
    return execute(ONES_LIKE, [x], name=name, default_name="ones_like")


def constant_like_numpy(arr, name="Const"):
    """A tensor for a numpy array, keeping its dtype (eager value or graph Const)."""
    arr = np.asarray(arr)
    return _make_tensor(arr, dtypes.from_numpy(arr.dtype), name)


def shape_from_shape_tensor(t) -> TensorShape:
    """The static shape a 1-D shape tensor describes, as far as it is known while building
    (a constant, `tf.shape(x)`, or a stack of scalars some of which are known)."""
    v = static_value(t)
    if v is not None:
        return TensorShape([None if int(d) < 0 else int(d) for d in np.reshape(v, -1)])
    op = getattr(t, "_op", None)
    if op is not None and op.type == "Shape":
        return op.inputs[0].shape
    if op is not None and op.type == "Pack" and all(x.shape.rank == 0 for x in op.inputs):
        vals = [static_value(x) for x in op.inputs]
        return TensorShape([None if x is None or int(x) < 0 else int(x) for x in vals])
    n = t.shape[0] if t.shape.rank == 1 else None
    return TensorShape(None if n is None else [None] * n)


def _fill_infer(op):
    dims = op.const_value(0)
    if op.shape(1).rank not in (None, 0):
        op.fail(f"value must be a scalar, got shape {shape_text(op.shape(1).as_list())}")
    if dims is None:
        return [(shape_from_shape_tensor(op.inputs[0]), op.dtype(1))]
    dims = np.asarray(dims).reshape(-1)
    if np.any(dims < 0):
        op.fail(f"Dimension {int(dims[dims < 0][0])} must be >= 0")
    return [(TensorShape([int(d) for d in dims]), op.dtype(1))]


FILL = register_op(
    "Fill", inputs=("dims: index_type", "value: T"), outputs=("output: T",),
    type_attrs={"T": ALL, "index_type": INTS}, infer=_fill_infer,
    kernel=lambda dims, value: np.full(tuple(int(d) for d in np.reshape(dims, -1)), value,
                                       dtype=value.dtype),
    grad=lambda op, g: [None, _math().reduce_sum(g)])


def _math():
    from tfedu.ops import math_ops

    return math_ops


def _static_shape_list(shape_arg):
    """A shape argument as a list of ints if it is known now, else None."""
    if isinstance(shape_arg, TensorShape):
        return shape_arg.as_list() if shape_arg.is_fully_defined() else None
    if isinstance(shape_arg, Tensor):
        v = static_value(shape_arg)
        return None if v is None else [int(d) for d in np.reshape(v, -1)]
    if isinstance(shape_arg, (list, tuple)):
        out = []
        for d in shape_arg:
            if d is None:
                return None
            if isinstance(d, Tensor):
                v = static_value(d)
                if v is None:
                    return None
                out.append(int(v))
            else:
                out.append(int(d))
        return out
    return [int(d) for d in np.reshape(np.asarray(shape_arg), -1)]


def _filled(shape_arg, value, dtype, name, default):
    dtype = dtypes.as_dtype(dtype)
    dims = _static_shape_list(shape_arg)
    if dims is not None:
        if any(d < 0 for d in dims):
            from tfedu.framework.errors import InvalidArgumentError

            raise InvalidArgumentError(None, None, f"Dimension {min(dims)} must be >= 0")
        arr = np.full(dims, value, dtype=dtype._np if dtype is not dtypes.string else object)
        return _make_tensor(arr, dtype, name or default)
    shp = shape_arg if isinstance(shape_arg, Tensor) else stack(list(shape_arg))
    return execute(FILL, [shp, convert_to_tensor(value, dtype=dtype)], name=name,
                   default_name=default)


@export("zeros")
def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of zeros (float32 by default)."""
    return _filled(shape, b"" if dtypes.as_dtype(dtype) is dtypes.string else 0, dtype, name,
                   "zeros")


@export("ones")
def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of ones (float32 by default)."""
    return _filled(shape, 1, dtype, name, "ones")


@export("fill")
def fill(dims, value, name=None, layout=None):
    """A tensor of shape `dims` filled with `value` (dtype from the value)."""
    v = value if isinstance(value, Tensor) else convert_to_tensor(value)
    d = dims if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype_hint=dtypes.int32)
    return execute(FILL, [d, v], name=name, default_name="Fill")


# ------------------------------------------------------------------------------------------
# Shape, Size, Rank
# ------------------------------------------------------------------------------------------

def _shape_static(op):
    s = op.inputs[0].shape
    if s.is_fully_defined():
        return np.array(s.as_list(), dtype=op.get_attr("out_type")._np)
    return None


SHAPE = register_op(
    "Shape", inputs=("input: T",), outputs=("output: out_type",),
    type_attrs={"T": ALL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=lambda op: [(TensorShape([op.shape(0).rank]), op.attrs["out_type"])],
    kernel=lambda x, out_type=dtypes.int32: np.array(x.shape, dtype=out_type._np))
SHAPE.static_value = _shape_static
SIZE = register_op(
    "Size", inputs=("input: T",), outputs=("output: out_type",),
    type_attrs={"T": ALL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=lambda op: [(TensorShape([]), op.attrs["out_type"])],
    kernel=lambda x, out_type=dtypes.int32: np.array(x.size, dtype=out_type._np))
SIZE.static_value = lambda op: (np.array(op.inputs[0].shape.num_elements(),
                                         dtype=op.get_attr("out_type")._np)
                                if op.inputs[0].shape.is_fully_defined() else None)
RANK = register_op(
    "Rank", inputs=("input: T",), outputs=("output: int32",), type_attrs={"T": ALL},
    infer=lambda op: [(TensorShape([]), dtypes.int32)],
    kernel=lambda x: np.array(x.ndim, dtype=np.int32))
RANK.static_value = lambda op: (None if op.inputs[0].shape.rank is None
                                else np.array(op.inputs[0].shape.rank, dtype=np.int32))


def _as_input(x):
    if isinstance(x, Tensor):
        return x
    if getattr(x, "_is_variable", False):
        return x.value()
    return convert_to_tensor(x)


@export("shape")
def shape(input, out_type=dtypes.int32, name=None):
    """The dynamic shape of a tensor, as an int32 tensor (`tf.shape`)."""
    return execute(SHAPE, [_as_input(input)], {"out_type": dtypes.as_dtype(out_type)},
                   name=name, default_name="Shape")


@export("size")
def size(input, out_type=dtypes.int32, name=None):
    return execute(SIZE, [_as_input(input)], {"out_type": dtypes.as_dtype(out_type)},
                   name=name, default_name="Size")


@export("rank")
def rank(input, name=None):
    return execute(RANK, [_as_input(input)], name=name, default_name="Rank")


# ------------------------------------------------------------------------------------------
# Reshape, BroadcastTo, Pack
# ------------------------------------------------------------------------------------------

def _reshape_infer(op):
    in_shape = op.shape(0)
    target = op.const_value(1)
    if target is None:
        return [(shape_from_shape_tensor(op.inputs[1]), op.dtype(0))]
    target = [int(d) for d in np.reshape(target, -1)]
    if sum(1 for d in target if d == -1) > 1:
        op.fail(f"Only one input size may be -1, not both {target.index(-1)} and "
                f"{len(target) - 1 - target[::-1].index(-1)}")
    known = 1
    for d in target:
        if d != -1:
            known *= d
    n = in_shape.num_elements()
    if -1 in target:
        if n is None:
            return [(TensorShape([None if d == -1 else d for d in target]), op.dtype(0))]
        if known == 0 or n % known:
            op.fail(f"Input to reshape is a tensor with {n} values, but the requested shape "
                    f"requires a multiple of {known}", name_suffix=False)
        target = [n // known if d == -1 else d for d in target]
    elif n is not None and n != known:
        op.fail(f"Input to reshape is a tensor with {n} values, but the requested shape has "
                f"{known}", name_suffix=False)
    return [(TensorShape(target), op.dtype(0))]


def _reshape_kernel(tensor, shape):
    return np.reshape(tensor, tuple(int(d) for d in np.reshape(shape, -1)))


def _reshape_grad(op, g):
    x = op.inputs[0]
    if x.shape.is_fully_defined():
        return [reshape(g, x.shape.as_list()), None]
    return [reshape(g, shape(x)), None]


RESHAPE = register_op(
    "Reshape", inputs=("tensor: T", "shape: Tshape"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tshape": INTS}, infer=_reshape_infer, kernel=_reshape_kernel,
    grad=_reshape_grad)


def _shape_input(shape_arg):
    if isinstance(shape_arg, Tensor):
        return shape_arg
    if isinstance(shape_arg, TensorShape):
        shape_arg = shape_arg.as_list()
    if isinstance(shape_arg, (list, tuple)) and any(isinstance(d, Tensor) for d in shape_arg):
        return stack([d if isinstance(d, Tensor) else convert_to_tensor(d, dtype=dtypes.int32)
                      for d in shape_arg])
    return convert_to_tensor(shape_arg, dtype_hint=dtypes.int32)


@export("reshape")
def reshape(tensor, shape, name=None):
    """Same values, new shape; one dim may be -1 (inferred)."""
    return execute(RESHAPE, [_as_input(tensor), _shape_input(shape)], name=name,
                   default_name="Reshape")


def _broadcast_to_infer(op):
    target = op.const_value(1)
    if target is None:
        return [(shape_from_shape_tensor(op.inputs[1]), op.dtype(0))]
    target = [int(d) for d in np.reshape(target, -1)]
    xs = op.shape(0)
    if xs.rank is not None:
        if xs.rank > len(target):
            op.fail(f"Rank of input ({xs.rank}) must be no greater than rank of output shape "
                    f"({len(target)}).")
        for a, b in zip(reversed(xs.as_list()), reversed(target)):
            if a is not None and a != 1 and a != b:
                op.fail(f"Incompatible shapes: {shape_text(xs.as_list())} vs. "
                        f"{shape_text(target)}")
    return [(TensorShape(target), op.dtype(0))]


def _broadcast_to_grad(op, g):
    from tfedu.ops.gradient_util import unbroadcast

    return [unbroadcast(g, op.inputs[0]), None]


BROADCAST_TO = register_op(
    "BroadcastTo", inputs=("input: T", "shape: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_broadcast_to_infer,
    kernel=lambda x, shape: np.broadcast_to(x, tuple(int(d) for d in np.reshape(shape, -1))),
    grad=_broadcast_to_grad)


@export("broadcast_to")
def broadcast_to(input, shape, name=None):
    """Broadcast `input` to `shape` (NumPy rules)."""
    return execute(BROADCAST_TO, [_as_input(input), _shape_input(shape)], name=name,
                   default_name="BroadcastTo")


@export("broadcast_static_shape")
def broadcast_static_shape(shape_x, shape_y):
    from tfedu.framework.op_check import OpCheckError

    try:
        return broadcast_shapes(TensorShape(shape_x), TensorShape(shape_y))
    except OpCheckError:
        raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are compatible if "
                         f"for each dimension pair they are either equal or one of them is 1. "
                         f"Received: {TensorShape(shape_x)} and {TensorShape(shape_y)}.") from None


class NumberedOpCheck(OpCheckError):
    """A kernel check of an op with a list input or output: TF names its wrapped kernel after
    the list length too (`__wrapped__ConcatV2_N_2_device_...`)."""

    def __init__(self, message, suffix, **kw):
        super().__init__(message, **kw)
        self.suffix = suffix

    def eager_error(self, op_type, name=""):
        prefix = (f"{{{{function_node __wrapped__{op_type}{self.suffix}_device_{CPU_DEVICE}}}}} "
                  if self.wrapped else "")
        tail = f" name: {name}" if self.name_suffix else ""
        return self.cls(None, None, f"{prefix}{self.message} [Op:{op_type}]{tail}")


def numbered_fail(attr, n):
    """A `fail` for shape functions of list ops (`attr` is the list-length attr, e.g. N)."""

    def fail(message, **kw):
        raise NumberedOpCheck(message, f"_{attr}_{n}", **kw)

    return fail


def _pack_infer(op):
    shapes = op.input_shapes
    fail = numbered_fail("N", len(shapes))
    s = shapes[0]
    for i, t in enumerate(shapes[1:], 1):
        if not s.is_compatible_with(t):
            fail(f"Shapes of all inputs must match: values[0].shape = "
                 f"{shape_text(s.as_list())} != values[{i}].shape = {shape_text(t.as_list())}")
        s = s.merge_with(t)
    axis = op.attrs.get("axis", 0)
    if s.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    r = s.rank + 1
    if not -r <= axis < r:
        fail(f"Argument `axis` = {axis} not in range [{-r}, {r})")
    axis %= r
    dims = s.as_list()
    dims.insert(axis, len(shapes))
    return [(TensorShape(dims), op.dtype(0))]


def _pack_grad(op, g):
    return unstack(g, num=len(op.inputs), axis=op.get_attr("axis"))


PACK = register_op(
    "Pack", inputs=("values: N*T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"axis": 0}, infer=_pack_infer,
    kernel=lambda values, axis=0: np.stack(values, axis=axis), grad=_pack_grad)


@export("stack")
def stack(values, axis=0, name="stack"):
    """Stack a list of same-shape tensors along a new `axis`.

    Along axis 0 a list of plain Python/NumPy values becomes one constant, as in TF (so
    `tf.stack([1, 2.5])` is float32 like `tf.constant([1, 2.5])`)."""
    values = list(values)
    if axis == 0 and not any(isinstance(v, Tensor) or getattr(v, "_is_variable", False)
                             or _holds_tensor(v) for v in values):
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass  # not rectangular: Pack reports which shapes differ
    return execute(PACK, [values], {"axis": int(axis)}, name=name, default_name="stack")


def _holds_tensor(v):
    if isinstance(v, (list, tuple)):
        return any(isinstance(e, Tensor) or getattr(e, "_is_variable", False) or _holds_tensor(e)
                   for e in v)
    return False


def _unpack_infer(op):
    s = op.shape(0)
    axis = op.attrs["axis"]
    num = op.attrs["num"]
    if s.rank is None:
        return [(TensorShape(None), op.dtype(0))] * num
    if not -s.rank <= axis < s.rank:
        numbered_fail("num", num)(f"axis = {axis} not in [{-s.rank}, {s.rank})")
    dims = s.as_list()
    del dims[axis % s.rank]
    return [(TensorShape(dims), op.dtype(0))] * num


def _unpack_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [stack(grads, axis=op.get_attr("axis"))]


UNPACK = register_op(
    "Unpack", inputs=("value: T",), outputs=("output: num*T",), type_attrs={"T": ALL},
    attrs={"axis": 0, "num": 0}, infer=_unpack_infer,
    kernel=lambda value, axis=0, num=0: [np.take(value, i, axis=axis) for i in builtins.range(num)],
    grad=_unpack_grad)


@export("unstack")
def unstack(value, num=None, axis=0, name="unstack"):
    """Split a tensor into a list along `axis`."""
    value = _as_input(value)
    s = value.shape
    if num is None:
        if s.rank is None or s[axis] is None:
            raise ValueError(f"Cannot infer argument `num` from shape {s}")
        num = s[axis]
    return execute(UNPACK, [value], {"axis": int(axis), "num": int(num)}, name=name,
                   default_name="unstack")


# ------------------------------------------------------------------------------------------
# Range, Select
# ------------------------------------------------------------------------------------------

def _range_kernel(start, limit, delta):
    if delta == 0:
        from tfedu.framework.op_check import OpCheckError

        raise OpCheckError(f"Requires delta != 0: {delta}")
    return np.arange(start, limit, delta, dtype=np.result_type(start))


def _range_infer(op):
    s, lim, d = (op.const_value(i) for i in (0, 1, 2))
    if s is None or lim is None or d is None:
        return [(TensorShape([None]), op.dtype(0))]
    if d == 0:
        op.fail(f"Requires delta != 0: {d}")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        op.fail(f"Requires start <= limit when delta > 0: {s}/{lim}" if d > 0 else
                f"Requires start >= limit when delta < 0: {s}/{lim}")
    n = int(np.ceil((lim - s) / d)) if d != 0 else 0
    return [(TensorShape([max(n, 0)]), op.dtype(0))]


RANGE = register_op(
    "Range", inputs=("start: Tidx", "limit: Tidx", "delta: Tidx"), outputs=("output: Tidx",),
    type_attrs={"Tidx": (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)},
    infer=_range_infer, kernel=_range_kernel)


@export("range")
def range(start, limit=None, delta=1, dtype=None, name="range"):
    """Like Python's range, as a tensor (int32 for ints, float32 if any value is a float)."""
    if limit is None:
        start, limit = 0, start
    vals = [start, limit, delta]
    if dtype is not None:
        dt = dtypes.as_dtype(dtype)
    else:
        kinds = [v.dtype if isinstance(v, Tensor) else to_numpy_value(v)[1] for v in vals]
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        dt = max(kinds, key=lambda d: order.index(d) if d in order else 0)
    from tfedu.ops.math_ops import cast

    ts = [cast(v, dt) if isinstance(v, Tensor) else convert_to_tensor(v, dtype=dt)
          for v in vals]
    return execute(RANGE, ts, name=name if name != "range" else None, default_name="Range")


def _select_infer(op):
    s = broadcast_shapes(broadcast_shapes(op.shape(0), op.shape(1)), op.shape(2))
    return [(s, op.dtype(1))]


def _select_grad(op, g):
    from tfedu.ops.gradient_util import unbroadcast

    c, x, y = op.inputs
    z = zeros_like(g)
    return [None, unbroadcast(where(c, g, z), x), unbroadcast(where(c, z, g), y)]


SELECT = register_op(
    "SelectV2", inputs=("condition: bool", "t: T", "e: T"), outputs=("output: T",),
    type_attrs={"T": ALL}, infer=_select_infer, kernel=lambda c, x, y: np.where(c, x, y),
    grad=_select_grad, elementwise=True)


def _where_indices_kernel(x):
    return np.argwhere(x).astype(np.int64)


WHERE = register_op(
    "Where", inputs=("input: T",), outputs=("index: int64",), type_attrs={"T": ALL},
    infer=lambda op: [(TensorShape([None, op.shape(0).rank]), dtypes.int64)],
    kernel=_where_indices_kernel)


@export("where")
def where(condition, x=None, y=None, name=None):
    """`where(c)`: indices of true elements; `where(c, x, y)`: pick x or y elementwise."""
    c = _as_input(condition)
    if x is None and y is None:
        return execute(WHERE, [c], name=name, default_name="Where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    if c.dtype is not dtypes.bool_:
        from tfedu.ops.math_ops import cast

        c = cast(c, dtypes.bool_)
    x = _as_input(x) if isinstance(x, Tensor) or getattr(x, "_is_variable", False) else x
    return execute(SELECT, [c, x, y], name=name, default_name="SelectV2")


def reduced_shape(input_shape, axes):
    """The shape `input_shape` has after reducing `axes` with keepdims (a tensor helper)."""
    from tfedu.ops import math_ops

    r = size(input_shape)
    axes = math_ops.floormod(math_ops.cast(_as_input(axes), dtypes.int32), r)
    ones_ = ones_like(axes)
    idx = reshape(axes, [-1, 1])
    return tensor_scatter_nd_update(input_shape, idx, reshape(ones_, [-1]))


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    from tfedu.ops import scatter_ops

    return scatter_ops.tensor_scatter_nd_update(tensor, indices, updates, name=name)

