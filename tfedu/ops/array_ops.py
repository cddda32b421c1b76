"""`tf` array ops: creating, reshaping, transposing, joining and splitting, padding and tiling,
squeezing, reversing and rolling, one-hot, unique, and selecting tensors.

Shape-only ops (`Shape`, `Size`, `Rank`) can be answered statically when shapes are known;
their `static_value` lets shape functions downstream (e.g. `Reshape`) see through them.
"""

from __future__ import annotations

import builtins
import collections
import math

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.context import _state, executing_eagerly
from tfedu.framework.convert import (
    _int32_values,
    _make_tensor,
    convert_to_tensor,
    register_tensor_conversion_function,
    to_numpy_value,
)
from tfedu.framework.errors import CPU_DEVICE, InvalidArgumentError, ResourceExhaustedError
from tfedu.framework.execute import execute, static_value
from tfedu.framework.func_graph import FuncGraph
from tfedu.framework.op_check import OpCheckError, check_array_budget, check_budget, shape_text
from tfedu.framework.registry import ALL, INTS, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import array_kernels
from tfedu.ops.op_helpers import (
    as_tensor,
    broadcast_shapes,
    export,
    unary_infer,
)

# ------------------------------------------------------------------------------------------
# Identity, zeros/ones
# ------------------------------------------------------------------------------------------


IDENTITY = register_op(
    "Identity", group="array", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=lambda x: x, grad=lambda op, g: [g], elementwise=True,
    doc="Returns its input unchanged (a named edge in a graph).", fused="{0}")


@export("identity")
def identity(input, name=None):
    """Return a tensor with the same value (`tf.identity`)."""
    if getattr(input, "_is_variable", False):
        input = input.value()
    return execute(IDENTITY, [input], name=name, default_name="Identity")


STOP_GRADIENT = register_op(
    "StopGradient", group="array", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=lambda x: x, grad=None, elementwise=True,
    doc="Identity whose gradient is zero: tapes do not look through it.", fused="{0}")


@export("stop_gradient")
def stop_gradient(input, name=None):
    """The same value, but gradients do not flow back through it."""
    return execute(STOP_GRADIENT, [input], name=name, default_name="StopGradient")


def _zeros_like_kernel(x):
    """Zeros of `x`'s shape and dtype; for strings, empty strings (numpy's zeros are ints)."""
    if x.dtype == object:
        return np.full(x.shape, b"", dtype=object)
    return np.zeros_like(x)


ZEROS_LIKE = register_op(
    "ZerosLike", group="array", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=_zeros_like_kernel, grad=lambda op, g: [None], elementwise=True)


@export("zeros_like")
def zeros_like(input, dtype=None, name=None, optimize=True):
    """A tensor of zeros with the shape (and dtype, unless given) of `input`."""
    x = as_tensor(input)
    if dtype is not None and dtypes.as_dtype(dtype) is not x.dtype:
        return zeros(shape(x) if not x.shape.is_fully_defined() else x.shape.as_list(),
                     dtype=dtype, name=name)
    return execute(ZEROS_LIKE, [x], name=name, default_name="zeros_like")


ONES_LIKE = register_op(
    "OnesLike", group="array", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": ALL},
    infer=unary_infer, kernel=np.ones_like, grad=lambda op, g: [None], elementwise=True)


@export("ones_like")
def ones_like(input, dtype=None, name=None):
    """A tensor of ones with the shape (and dtype, unless given) of `input`."""
    x = as_tensor(input)
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


def _folded_fill_error(op, dims):
    """TF folds a Fill of constants in a tf.function into one Const; one too large for memory
    then fails to load: an InvalidArgumentError where a Session or eager call reports OOM."""
    if op.const_value(1) is None or not isinstance(_state.graph, FuncGraph):
        return
    try:
        check_budget([(TensorShape(dims), op.dtype(1))])
    except OpCheckError:
        sizes = " ".join(f"dim {{ size: {d} }}" for d in dims)
        op.fail(f"Cannot parse tensor from proto: dtype: {op.dtype(1).as_datatype_enum} "
                f"tensor_shape {{ {sizes} }}", graph_cls=InvalidArgumentError)


def _fill_infer(op):
    dims = op.const_value(0)
    if op.shape(1).rank not in (None, 0):
        op.fail(f"value must be a scalar, got shape {shape_text(op.shape(1).as_list())}")
    if dims is None:
        return [(shape_from_shape_tensor(op.inputs[0]), op.dtype(1))]
    dims = np.asarray(dims).reshape(-1)
    if np.any(dims < 0):
        op.fail(f"Dimension {int(dims[dims < 0][0])} must be >= 0")
    dims = [int(d) for d in dims]
    _folded_fill_error(op, dims)
    return [(TensorShape(dims), op.dtype(1))]


def _fill_kernel(dims, value):
    dims = tuple(int(d) for d in np.reshape(dims, -1))
    check_array_budget(dims, value.dtype)  # dims fed at run time: checked before numpy fills
    return np.full(dims, value, dtype=value.dtype)


FILL = register_op(
    "Fill", group="array", inputs=("dims: index_type", "value: T"), outputs=("output: T",),
    type_attrs={"T": ALL, "index_type": INTS}, infer=_fill_infer, kernel=_fill_kernel,
    grad=lambda op, g: [None, _math().reduce_sum(g)])


@export("fill")
def fill(dims, value, name=None, layout=None):
    """A tensor of shape `dims` filled with `value` (dtype from the value).

    >>> tf.fill([2, 2], 7)
    <tf.Tensor: shape=(2, 2), dtype=int32, numpy=
    array([[7, 7],
           [7, 7]], dtype=int32)>
    """
    v = value if isinstance(value, Tensor) else convert_to_tensor(value)
    d = dims if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype_hint=dtypes.int32)
    return execute(FILL, [d, v], name=name, default_name="Fill")


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


def _check_fill_args(shape_arg, value, dtype):
    """TF's TypeErrors for a shape that is not integers and a value the dtype cannot hold;
    the shape, with float sizes a graph accepts truncated."""
    if (dtype is dtypes.string) != isinstance(value, bytes):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.c_name}")
    floats = [d for d in shape_arg if isinstance(d, (float, np.floating))] \
        if isinstance(shape_arg, (list, tuple)) else []
    if not floats:
        return shape_arg
    if executing_eagerly():
        raise TypeError(f"Cannot convert {list(shape_arg)!r} to EagerTensor of dtype int32")
    # In a graph TF makes a small result (under 1000 elements, the float sizes multiplied) a
    # constant of the truncated sizes; the rest go through int32 conversion, which refuses
    # a float that is not whole
    dims = [int(d) for d in shape_arg]
    small = float(np.prod([float(d) for d in shape_arg])) < 1000
    if (small and int(np.prod(dims)) != 0) or (
            not small and all(float(d).is_integer() for d in floats)):
        return dims
    raise TypeError(f"Expected int32, but got {floats[0]!r} of type 'float'.")


def _filled(shape_arg, value, dtype, name, default):
    dtype = dtypes.as_dtype(dtype)
    shape_arg = _check_fill_args(shape_arg, value, dtype)
    dims = _static_shape_list(shape_arg)
    if dims is not None:
        if any(d < 0 for d in dims):  # TF: the kernel's error, or the shape function's
            if not executing_eagerly():
                raise ValueError(f"Fill dimensions must be >= 0: {dims}")
            raise InvalidArgumentError(None, None, f"Dimension {min(dims)} must be >= 0")
        if _within_budget(dims, dtype):
            arr = np.full(dims, value, dtype=dtype._np if dtype is not dtypes.string else object)
            return _make_tensor(arr, dtype, name or default)
        shp = constant_like_numpy(np.array(dims, np.int64 if max(dims) >= 1 << 31 else np.int32))
        # too large: the Fill op refuses it when TF does (OOM; in a tf.function, its folding)
        v = np.array(value, dtype=object if dtype is dtypes.string else dtype._np)
        return execute(FILL, [shp, _make_tensor(v, dtype, "value")], name=name,
                       default_name=default)
    shp = shape_arg if isinstance(shape_arg, Tensor) else stack(list(shape_arg))
    return execute(FILL, [shp, convert_to_tensor(value, dtype=dtype)], name=name,
                   default_name=default)


def _within_budget(dims, dtype) -> bool:
    try:
        check_budget([(TensorShape(dims), dtype)])
    except OpCheckError:
        return False
    return True


@export("zeros")
def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of zeros (float32 by default).

    >>> tf.zeros([2, 3])
    <tf.Tensor: shape=(2, 3), dtype=float32, numpy=
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)>
    """
    return _filled(shape, b"" if dtypes.as_dtype(dtype) is dtypes.string else 0, dtype, name,
                   "zeros")


@export("ones")
def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of ones (float32 by default).

    >>> tf.ones([2], dtype=tf.int32)
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 1], dtype=int32)>
    """
    return _filled(shape, 1, dtype, name, "ones")


# ------------------------------------------------------------------------------------------
# Shape, Size, Rank
# ------------------------------------------------------------------------------------------

def _shape_static(op):
    s = op.inputs[0].shape
    if s.is_fully_defined():
        return np.array(s.as_list(), dtype=op.get_attr("out_type")._np)
    return None


SHAPE = register_op(
    "Shape", group="array", inputs=("input: T",), outputs=("output: out_type",),
    type_attrs={"T": ALL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=lambda op: [(TensorShape([op.shape(0).rank]), op.attrs["out_type"])],
    kernel=lambda x, out_type=dtypes.int32: np.array(x.shape, dtype=out_type._np),
    static_value=_shape_static)


SIZE = register_op(
    "Size", group="array", inputs=("input: T",), outputs=("output: out_type",),
    type_attrs={"T": ALL, "out_type": INTS}, attrs={"out_type": dtypes.int32},
    infer=lambda op: [(TensorShape([]), op.attrs["out_type"])],
    kernel=lambda x, out_type=dtypes.int32: np.array(x.size, dtype=out_type._np),
    static_value=lambda op: (np.array(op.inputs[0].shape.num_elements(),
                                      dtype=op.get_attr("out_type")._np)
                             if op.inputs[0].shape.is_fully_defined() else None))


@export("size")
def size(input, out_type=dtypes.int32, name=None):
    """The number of elements of `input`, as a scalar tensor of `out_type`."""
    return execute(SIZE, [as_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
                   name=name, default_name="Size")


RANK = register_op(
    "Rank", group="array", inputs=("input: T",), outputs=("output: int32",), type_attrs={"T": ALL},
    infer=lambda op: [(TensorShape([]), dtypes.int32)],
    kernel=lambda x: np.array(x.ndim, dtype=np.int32),
    static_value=lambda op: (None if op.inputs[0].shape.rank is None
                             else np.array(op.inputs[0].shape.rank, dtype=np.int32)))


@export("rank")
def rank(input, name=None):
    """The number of dimensions of `input`, as an int32 scalar tensor."""
    return execute(RANK, [as_tensor(input)], name=name, default_name="Rank")


@export("shape")
def shape(input, out_type=dtypes.int32, name=None):
    """The dynamic shape of a tensor, as an int32 tensor (`tf.shape`).

    >>> tf.shape(tf.zeros([2, 3]))
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([2, 3], dtype=int32)>
    """
    return execute(SHAPE, [as_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
                   name=name, default_name="Shape")


# ------------------------------------------------------------------------------------------
# Reshape, BroadcastTo, Pack
# ------------------------------------------------------------------------------------------


def _reshape_infer(op):
    in_shape = op.shape(0)
    target = op.const_value(1)
    if target is None:
        return [(shape_from_shape_tensor(op.inputs[1]), op.dtype(0))]
    target = [int(d) for d in np.reshape(target, -1)]
    if not op.name:  # eager: the kernel's checks and result
        return [(TensorShape(_reshaped(in_shape.as_list(), target)), op.dtype(0))]
    return [(TensorShape(_reshape_graph_shape(op, in_shape, target)), op.dtype(0))]


def _reshape_graph_shape(op, in_shape, target):
    """TF's shape function (`SetOutputShapeForReshape`): what the static shapes decide."""
    for d in target:
        if d < -1:
            op.fail(f"Invalid value in tensor used for shape: {d}")
    out = [None if d == -1 else d for d in target]
    if in_shape.rank is None:
        return out
    dims = in_shape.as_list()
    out_unknown = [i for i, d in enumerate(out) if d is None]
    in_unknown = [i for i, d in enumerate(dims) if d is None]
    if len(out_unknown) > 1 or len(in_unknown) > 1:
        return out
    n_in = int(np.prod([d for d in dims if d is not None], dtype=np.int64))
    n_out = int(np.prod([d for d in out if d is not None], dtype=np.int64))
    if not in_unknown and not out_unknown and n_in != n_out:
        op.fail(f"Cannot reshape a tensor with {n_in} elements to shape {shape_text(out)} "
                f"({n_out} elements)")
    elif not in_unknown and out_unknown and n_out > 0:
        if n_in % n_out:
            op.fail(f"Dimension size must be evenly divisible by {n_out} but is {n_in}")
        out[out_unknown[0]] = n_in // n_out
    elif in_unknown and not out_unknown and n_in != 0 and n_out % n_in:
        op.fail(f"Dimension size must be evenly divisible by {n_in} but is {n_out}")
    return out


def _int64_prod(values) -> int:
    """`np.prod(values, dtype=np.int64)` as a Python int (wrapping as int64 does), without
    numpy's per-call cost: the product modulo 2**64 does not depend on when it wraps."""
    return (math.prod(values) + (1 << 63)) % (1 << 64) - (1 << 63)


def _reshaped(dims, sizes):
    """The Reshape kernel's output shape for input `dims` and `sizes` (TF's checks, words)."""
    unknown, product, zero = -1, 1, False
    for d, size in enumerate(sizes):
        if size == -1:
            if unknown != -1:
                raise OpCheckError(f"Only one input size may be -1, not both {unknown} and {d}")
            unknown = d
        elif size < 0:
            raise OpCheckError(f"Size {d} must be non-negative, not {size}")
        elif size == 0:
            zero = True  # left out of the product, so the -1 size can still be inferred
        else:
            product *= size
    out = list(sizes)
    if unknown != -1:
        n = _int64_prod([d for d in dims if d > 0 or not zero])
        if not (zero and 0 in dims) and n % product:
            raise OpCheckError(f"Input to reshape is a tensor with {n} values, but the requested "
                               f"shape requires a multiple of {product}")
        out[unknown] = n // product
    n_in, n_out = _int64_prod(dims), _int64_prod(out)
    if n_in != n_out:
        raise OpCheckError(f"Input to reshape is a tensor with {n_in} values, but the requested "
                           f"shape has {n_out}")
    return out


def _reshape_kernel(tensor, shape):
    sizes = np.reshape(shape, -1).tolist()
    if min(sizes, default=0) >= 0 and math.prod(sizes) == tensor.size:
        return np.reshape(tensor, sizes)  # every size given and right: nothing to check or infer
    return np.reshape(tensor, _reshaped(list(tensor.shape), sizes))


def _reshape_grad(op, g):
    x = op.inputs[0]
    if x.shape.is_fully_defined():
        return [reshape(g, x.shape.as_list()), None]
    return [reshape(g, shape(x)), None]


RESHAPE = register_op(
    "Reshape", group="array", inputs=("tensor: T", "shape: Tshape"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tshape": INTS}, infer=_reshape_infer, kernel=_reshape_kernel,
    grad=_reshape_grad, memo_infer=True)


@export("reshape")
def reshape(tensor, shape, name=None):
    """Same values, new shape; one dim may be -1 (inferred).

    >>> tf.reshape(tf.range(6), [2, -1])
    <tf.Tensor: shape=(2, 3), dtype=int32, numpy=
    array([[0, 1, 2],
           [3, 4, 5]], dtype=int32)>
    """
    return execute(RESHAPE, [as_tensor(tensor), _shape_input(shape)], name=name,
                   default_name="Reshape")


def _shape_input(shape_arg):
    if isinstance(shape_arg, Tensor):
        return shape_arg
    if isinstance(shape_arg, TensorShape):
        shape_arg = shape_arg.as_list()
    if type(shape_arg) in (list, tuple):
        ints = _int32_values(shape_arg, empty_ok=False)  # plain ints: no tensor to pack
        if ints is not None:
            return convert_to_tensor(ints)
    if executing_eagerly() and isinstance(shape_arg, (list, tuple)) and any(isinstance(d, Tensor) for d in shape_arg):
        return stack([d if isinstance(d, Tensor) else convert_to_tensor(d, dtype=dtypes.int32)
                      for d in shape_arg])
    return convert_to_tensor(shape_arg, dtype_hint=dtypes.int32)


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


def _broadcast_to_kernel(x, shape):
    shape = tuple(np.reshape(shape, -1).tolist())
    check_array_budget(shape, x.dtype)  # a shape fed at run time: checked before any copy
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise OpCheckError(f"Unable to broadcast tensor of shape {shape_text(x.shape)} to "
                           f"tensor of shape {shape_text(shape)}") from None


BROADCAST_TO = register_op(
    "BroadcastTo", group="array", inputs=("input: T", "shape: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_broadcast_to_infer,
    kernel=_broadcast_to_kernel, grad=_broadcast_to_grad, memo_infer=True)


@export("broadcast_to")
def broadcast_to(input, shape, name=None):
    """Broadcast `input` to `shape` (NumPy rules)."""
    return execute(BROADCAST_TO, [as_tensor(input), _shape_input(shape)], name=name,
                   default_name="BroadcastTo")


@export("broadcast_static_shape")
def broadcast_static_shape(shape_x, shape_y):
    """The static shape two shapes broadcast to (error if they cannot)."""
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
        fail(f"Invalid axis: {axis}; must be in [{-r},{r})" if op.name else
             f"Argument `axis` = {axis} not in range [{-r}, {r})")
    axis %= r
    dims = s.as_list()
    dims.insert(axis, len(shapes))
    return [(TensorShape(dims), op.dtype(0))]


def _pack_grad(op, g):
    return unstack(g, num=len(op.inputs), axis=op.get_attr("axis"))


PACK = register_op(
    "Pack", group="array", inputs=("values: N*T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"axis": 0}, infer=_pack_infer,
    kernel=lambda values, axis=0: np.stack(values, axis=axis), grad=_pack_grad)


def _holds_tensor(v):
    if isinstance(v, (list, tuple)):
        return any(isinstance(e, Tensor) or getattr(e, "_is_variable", False) or _holds_tensor(e)
                   for e in v)
    return False


@export("stack")
def stack(values, axis=0, name="stack"):
    """Stack a list of same-shape tensors along a new `axis`.

    Along axis 0 a list of plain Python/NumPy values becomes one constant, as in TF (so
    `tf.stack([1, 2.5])` is float32 like `tf.constant([1, 2.5])`).

    >>> tf.stack([[1, 2], [3, 4]], axis=1)
    <tf.Tensor: shape=(2, 2), dtype=int32, numpy=
    array([[1, 3],
           [2, 4]], dtype=int32)>
    """
    values = list(values)
    if axis == 0 and not any(isinstance(v, Tensor) or getattr(v, "_is_variable", False)
                             or _holds_tensor(v) for v in values):
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass  # not rectangular: Pack reports which shapes differ
    if values:  # as tf.stack: the axis is checked against the first value's rank first
        values[0] = as_tensor(values[0])
        r = values[0].shape.rank
        if r is not None and not -r - 1 <= axis < r + 1:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-r - 1}, {r + 1})")
    return execute(PACK, [values], {"axis": int(axis)}, name=name, default_name="stack")


def _unpack_check(fail, dims, axis, num, graph):
    """TF's checks of Unpack: `num` >= 0, `axis` in range, the axis of length `num` (`dims`:
    the input's dims, None where unknown), worded as the shape function or the kernel."""
    rank = len(dims)
    if not -rank <= axis < rank:
        fail(f"Invalid axis: {axis}; must be in [{-rank},{rank})" if graph else
             f"axis = {axis} not in [{-rank}, {rank})")
    d = dims[axis]
    if d is not None and d != num:
        fail(f"Dimension must be {num} but is {d}" if graph else
             f"Input shape axis {axis % rank} must equal {num}, got shape {shape_text(dims)}")


def _unpack_infer(op):
    s = op.shape(0)
    axis, num = op.attrs["axis"], op.attrs["num"]
    graph = not executing_eagerly()
    if num < 0:
        if graph:
            raise ValueError(f"Attr 'num' of 'Unpack' Op passed {num} less than minimum 0.")
        op.fail(f"Value for attr 'num' of {num} must be at least minimum 0\n\t; NodeDef: "
                f"{{{{node Unpack}}}}; Op<name=Unpack; signature=value:T -> output:num*T; "
                "attr=num:int,min=0; attr=T:type; attr=axis:int,default=0>", wrapped=False,
                name_suffix=False)
    if s.rank is None:
        return [(TensorShape(None), op.dtype(0))] * num
    _unpack_check(numbered_fail("num", num), s.as_list(), axis, num, graph)
    dims = s.as_list()
    del dims[axis % s.rank]
    return [(TensorShape(dims), op.dtype(0))] * num


def _unpack_kernel(value, axis=0, num=0):
    _unpack_check(numbered_fail("num", num), list(value.shape), axis, num, False)
    return [np.take(value, i, axis=axis) for i in builtins.range(num)]


def _unpack_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [stack(grads, axis=op.get_attr("axis"))]


UNPACK = register_op(
    "Unpack", group="array", inputs=("value: T",), outputs=("output: num*T",), type_attrs={"T": ALL},
    attrs={"axis": 0, "num": 0}, infer=_unpack_infer, kernel=_unpack_kernel, grad=_unpack_grad)


@export("unstack")
def unstack(value, num=None, axis=0, name="unstack"):
    """Split a tensor into a list along `axis` (`num` pieces, inferred from the shape when
    None; checked against the shape as TensorFlow checks it)."""
    value = as_tensor(value)
    s = value.shape
    if num is None:
        if s.rank is not None and not -s.rank <= axis < s.rank:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-s.rank}, {s.rank})")
        if s.rank is None or s[axis] is None:
            raise ValueError(f"Cannot infer argument `num` from shape {s}")
        num = s[axis]
    if num == 0 and executing_eagerly():  # TF runs no kernel for an op without outputs
        return []
    out = execute(UNPACK, [value], {"axis": int(axis), "num": int(num)}, name=name,
                  default_name="unstack")
    return out if num else []  # a graph's op without outputs: built (checked), never run


# ------------------------------------------------------------------------------------------
# Range, Select
# ------------------------------------------------------------------------------------------


def _range_kernel(start, limit, delta):
    if delta == 0:
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
    "Range", group="array", inputs=("start: Tidx", "limit: Tidx", "delta: Tidx"), outputs=("output: Tidx",),
    type_attrs={"Tidx": (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)},
    infer=_range_infer, kernel=_range_kernel)


@export("range")
def range(start, limit=None, delta=1, dtype=None, name="range"):
    """Like Python's range, as a tensor (int32 for ints, float32 if any value is a float).

    >>> tf.range(1, 10, 3)
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 4, 7], dtype=int32)>
    """
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


@export("where")
def where(condition, x=None, y=None, name=None):
    """`where(c)`: indices of true elements; `where(c, x, y)`: pick x or y elementwise.

    >>> tf.where([True, False, True], [1, 2, 3], [10, 20, 30])
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([ 1, 20,  3], dtype=int32)>
    """
    c = as_tensor(condition)
    if x is None and y is None:
        return execute(WHERE, [c], name=name, default_name="Where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    if c.dtype is not dtypes.bool_:
        from tfedu.ops.math_ops import cast

        c = cast(c, dtypes.bool_)
    x = as_tensor(x) if isinstance(x, Tensor) or getattr(x, "_is_variable", False) else x
    return execute(SELECT, [c, x, y], name=name, default_name="SelectV2")


_SELECT_NB_TYPES = (np.float32, np.float64, np.int32, np.int64)
_SELECT_NB_MIN = 1 << 14  # elements; below this np.where's call is cheaper than Numba's


def _select_kernel(c, x, y):
    """np.where, or the branch-free Numba loop for large arrays of one shape (dropout's mask)."""
    if (type(c) is np.ndarray and type(x) is np.ndarray and type(y) is np.ndarray
            and x.size >= _SELECT_NB_MIN and c.shape == x.shape == y.shape
            and c.dtype == np.bool_ and x.dtype == y.dtype and x.dtype.type in _SELECT_NB_TYPES
            and c.flags.c_contiguous and x.flags.c_contiguous and y.flags.c_contiguous):
        return array_kernels.nb_select(c, x, y)
    return array_kernels.ref_select(c, x, y)


SELECT = register_op(
    "SelectV2", group="array", inputs=("condition: bool", "t: T", "e: T"), outputs=("output: T",),
    type_attrs={"T": ALL}, infer=_select_infer, kernel=_select_kernel,
    grad=_select_grad, elementwise=True, numba=("array_kernels.nb_select",))


def _where_indices_kernel(x):
    return np.argwhere(x).astype(np.int64)


WHERE = register_op(
    "Where", group="array", inputs=("input: T",), outputs=("index: int64",), type_attrs={"T": ALL},
    infer=lambda op: [(TensorShape([None, op.shape(0).rank]), dtypes.int64)],
    kernel=_where_indices_kernel)


def reduced_shape(input_shape, axes):
    """The shape `input_shape` has after reducing `axes` with keepdims (a tensor helper)."""
    from tfedu.ops import math_ops

    r = size(input_shape)
    axes = math_ops.floormod(math_ops.cast(as_tensor(axes), dtypes.int32), r)
    ones_ = ones_like(axes)
    idx = reshape(axes, [-1, 1])
    return tensor_scatter_nd_update(input_shape, idx, reshape(ones_, [-1]))


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    from tfedu.ops import scatter_ops

    return scatter_ops.tensor_scatter_nd_update(tensor, indices, updates, name=name)


def _vec(v):
    return [int(x) for x in np.reshape(v, -1)]


def _c_order(a):
    """`a` in C order (`np.ascontiguousarray` would make a scalar a vector of one)."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _const_vec(op, i):
    v = op.const_value(i)
    return None if v is None else _vec(v)


def _const_int(op, i):
    v = op.const_value(i)
    return None if v is None else int(np.reshape(v, -1)[0])


def _dims(s: TensorShape):
    return None if s.rank is None else s.as_list()


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
    "Transpose", group="array", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
    type_attrs={"T": ALL, "Tperm": INTS}, infer=_transpose_infer,
    kernel=lambda x, perm: _c_order(np.transpose(x, _vec(perm))),
    grad=_transpose_grad, doc="Permute the dimensions of x.")


CONJUGATE_TRANSPOSE = register_op(
    "ConjugateTranspose", group="array", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
    type_attrs={"T": ALL, "Tperm": INTS}, infer=_transpose_infer,
    kernel=lambda x, perm: _c_order(np.conj(np.transpose(x, _vec(perm)))),
    grad=_transpose_grad, doc="Permute the dimensions of x and conjugate it.")


INVERT_PERMUTATION = register_op(
    "InvertPermutation", group="array", inputs=("x: T",), outputs=("y: T",), type_attrs={"T": INTS},
    infer=unary_infer, kernel=lambda x: np.argsort(x).astype(x.dtype))


@export("math.invert_permutation", "invert_permutation")
def invert_permutation(x, name=None):
    """The inverse permutation `y` of `x`: `y[x[i]] = i`."""
    return execute(INVERT_PERMUTATION, [as_tensor(x, dtype_hint=dtypes.int32)], name=name,
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
        for j in builtins.range(rank):
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

    ax = static_value(axis)
    if static and ax is not None:
        ax = int(ax)
        dims = [v.shape[ax] for v in values]
        if all(d is not None for d in dims):
            sizes = dims
    if not sizes:
        m = _math()
        ax_t = m.floormod(axis, rank(values[0]))
        sizes = stack([reshape(
            slice_1(shape(v), ax_t), []) for v in values])
        return list(split(g, sizes, axis=axis)) + [None]
    return list(split(g, sizes, axis=ax)) + [None]


def slice_1(vec, i):
    """vec[i:i+1] for a tensor index (a helper for gradients with unknown shapes)."""
    from tfedu.ops.slicing import slice_

    return slice_(vec, reshape(i, [1]), [1])


CONCAT = register_op(
    "ConcatV2", group="array", inputs=("values: N*T", "axis: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_concat_infer, kernel=_concat_kernel,
    grad=_concat_grad, doc="Join tensors along an existing axis.")


@export("concat")
def concat(values, axis, name="concat"):
    """Join a list of tensors along `axis` (all other dims must match).

    >>> tf.concat([[[1, 2]], [[3, 4]]], axis=0)
    <tf.Tensor: shape=(2, 2), dtype=int32, numpy=
    array([[1, 2],
           [3, 4]], dtype=int32)>
    """
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(values) == 1:
        return identity(as_tensor(values[0]), name=None if name == "concat" else name)
    return execute(CONCAT, [values, as_tensor(axis, dtype_hint=dtypes.int32)], name=name, default_name="concat")


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
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [None, concat(grads, op.inputs[0])]


SPLIT = register_op(
    "Split", group="array", inputs=("split_dim: int32", "value: T"), outputs=("output: num_split*T",),
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
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [concat(grads, op.inputs[2]), None, None]


SPLITV = register_op(
    "SplitV", group="array", inputs=("value: T", "size_splits: Tlen", "split_dim: int32"),
    outputs=("output: num_split*T",), type_attrs={"T": ALL, "Tlen": INTS},
    attrs={"num_split": 1}, infer=_splitv_infer, kernel=_splitv_kernel, grad=_splitv_grad,
    doc="Split into pieces of the given sizes (one may be -1) along split_dim.")


@export("split")
def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split into `n` equal parts, or into parts of the listed sizes (one size may be -1).

    >>> a, b = tf.split(tf.range(6), [2, 4])
    >>> b
    <tf.Tensor: shape=(4,), dtype=int32, numpy=array([2, 3, 4, 5], dtype=int32)>
    """
    x = as_tensor(value)
    nm = name
    if isinstance(num_or_size_splits, (int, np.integer)):
        return execute(SPLIT, [as_tensor(axis, dtype_hint=dtypes.int32), x], {"num_split": int(num_or_size_splits)},
                       name=nm, default_name="split")
    sizes = as_tensor(num_or_size_splits, dtype_hint=dtypes.int32)
    if num is None:
        if sizes.shape.rank == 0:
            v = static_value(sizes)
            if v is not None:
                return split(x, int(v), axis, name=name)
        num = sizes.shape[0] if sizes.shape.rank == 1 else None
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {sizes.shape}")
    return execute(SPLITV, [x, sizes, as_tensor(axis, dtype_hint=dtypes.int32)], {"num_split": int(num)}, name=nm,
                   default_name="split")


# ------------------------------------------------------------------------------------------
# Tile, Pad
# ------------------------------------------------------------------------------------------


@export("transpose")
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permute dimensions (reverse them by default); `conjugate=True` also conjugates.

    >>> tf.transpose([[1, 2, 3], [4, 5, 6]])
    <tf.Tensor: shape=(3, 2), dtype=int32, numpy=
    array([[1, 4],
           [2, 5],
           [3, 6]], dtype=int32)>
    """
    x = as_tensor(a)
    if perm is None:
        if x.shape.rank is not None:
            perm = np.arange(x.shape.rank - 1, -1, -1, dtype=np.int32)
        else:
            m = _math()
            r = rank(x)
            perm = m.subtract(m.subtract(r, 1), range(0, r))
    op = CONJUGATE_TRANSPOSE if conjugate and x.dtype.is_complex else TRANSPOSE
    return execute(op, [x, as_tensor(perm, dtype_hint=dtypes.int32)], name=None if name == "transpose" else name,
                   default_name="transpose")


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


def _tile_kernel(x, multiples):
    mult = _vec(multiples)
    if not x.ndim or all(m == 1 for m in mult):
        return x.copy()
    out_shape = [d * m for d, m in zip(x.shape, mult)]
    if 0 in out_shape:  # nothing to copy (np.tile would first grow the other axes)
        return np.empty(out_shape, x.dtype)
    if x.dtype == np.uint16:
        raise OpCheckError(f"TileOp : The input data type is not supported, DataType : uint16, "
                           f"Dimension : {x.ndim}", cls=errors.UnimplementedError)
    check_array_budget([d * m for d, m in zip(x.shape, mult)], x.dtype)  # before np.tile
    return np.tile(x, mult)


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
        axes = range(0, size(split_shape), 2)
    out = m.reduce_sum(reshape(g, split_shape), axis=axes)
    if x.shape.is_fully_defined():
        out = reshape(out, x.shape.as_list())
    return [out, None]


TILE = register_op(
    "Tile", group="array", inputs=("input: T", "multiples: Tmultiples"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tmultiples": INTS}, infer=_tile_infer,
    kernel=_tile_kernel, grad=_tile_grad, doc="Repeat the whole tensor multiples[i] times along each axis.")


@export("tile")
def tile(input, multiples, name=None):
    """Repeat `input` `multiples[i]` times along axis i.

    >>> tf.tile([[1, 2]], [2, 2])
    <tf.Tensor: shape=(2, 4), dtype=int32, numpy=
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)>
    """
    return execute(TILE, [as_tensor(input), as_tensor(multiples, dtype_hint=dtypes.int32)], name=name,
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


PAD = register_op(
    "Pad", group="array", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, infer=_pad_infer, kernel=_pad_kernel,
    grad=_pad_grad, doc="Pad with zeros.")
PADV2 = register_op(
    "PadV2", group="array", inputs=("input: T", "paddings: Tpaddings", "constant_values: T"),
    outputs=("output: T",), type_attrs={"T": ALL, "Tpaddings": INTS}, infer=_pad_infer,
    kernel=_pad_kernel, grad=_pad_grad, doc="Pad with a constant value.")


MIRROR_PAD = register_op(
    "MirrorPad", group="array", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, attrs={"mode": "REFLECT"}, infer=_pad_infer,
    kernel=lambda x, paddings, mode="REFLECT": _pad_kernel(x, paddings, mode=mode),
    grad=_pad_grad, doc="Pad by mirroring (REFLECT excludes the edge, SYMMETRIC repeats it).")


@export("pad")
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad each axis by paddings[i] = [before, after]; CONSTANT, REFLECT or SYMMETRIC.

    >>> tf.pad([[1, 2]], [[1, 0], [0, 1]])
    <tf.Tensor: shape=(2, 3), dtype=int32, numpy=
    array([[0, 0, 0],
           [1, 2, 0]], dtype=int32)>
    """
    x = as_tensor(tensor)
    p = as_tensor(paddings, dtype_hint=dtypes.int32)
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


def _mirror_pad_grad_kernel(g, paddings, mode="REFLECT"):
    p = np.asarray(paddings).reshape(-1, 2).astype(np.int64)
    out = g.copy()
    off = 1 if mode == "REFLECT" else 0
    for ax, (a, b) in enumerate(p.tolist()):
        n = out.shape[ax] - a - b
        core = np.take(out, np.arange(a, a + n), axis=ax).copy()
        for i in builtins.range(a):  # left pad element i mirrors core index a - i - 1 + off
            src = np.take(out, [i], axis=ax)
            j = a - i - 1 + off
            idx = [slice(None)] * out.ndim
            idx[ax] = slice(j, j + 1)
            core[tuple(idx)] += src
        for i in builtins.range(b):
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


MIRROR_PAD_GRAD = register_op(
    "MirrorPadGrad", group="array", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tpaddings": INTS}, attrs={"mode": "REFLECT"},
    infer=_mirror_pad_grad_infer, kernel=_mirror_pad_grad_kernel,
    grad=lambda op, g: [execute(MIRROR_PAD, [g, op.inputs[1]], {"mode": op.get_attr("mode")},
                                default_name="MirrorPad"), None],
    doc="Fold the mirrored border of a gradient back onto the inside.")


# ------------------------------------------------------------------------------------------
# Squeeze, ExpandDims
# ------------------------------------------------------------------------------------------


def _reshape_like_grad(op, g):
    x = op.inputs[0]
    if x.shape.is_fully_defined():
        return [reshape(g, x.shape.as_list())] + [None] * (len(op.inputs) - 1)
    return [reshape(g, shape(x))] + [None] * (len(op.inputs) - 1)


def _squeeze_infer(op):
    xs = op.shape(0)
    axes = op.attrs.get("squeeze_dims", [])
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    r = xs.rank
    d = xs.as_list()
    norm = set()
    for i, a in enumerate(axes):
        if not -r <= a < r:
            op.fail(f"squeeze_dims[{i}] not in [{-r},{r})." if op.name else
                    f"Tried to squeeze dim index {a} for tensor with {r} dimensions.")
        a %= r
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
        for a in squeeze_dims:
            if not -x.ndim <= a < x.ndim:
                raise OpCheckError(f"Tried to squeeze dim index {a} for tensor with {x.ndim} "
                                   "dimensions.")
        axes = tuple(sorted({a % x.ndim for a in squeeze_dims}))
        for a in axes:
            if x.shape[a] != 1:
                raise OpCheckError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                   f"{x.shape[a]}")
        return np.squeeze(x, axis=axes)
    return np.squeeze(x)


SQUEEZE = register_op(
    "Squeeze", group="array", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"squeeze_dims": []}, infer=_squeeze_infer, kernel=_squeeze_kernel,
    grad=_reshape_like_grad, doc="Remove size-1 dimensions (all, or those listed).")


@export("squeeze")
def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Drop dimensions of size 1 (only `axis` if given).

    >>> tf.squeeze(tf.zeros([1, 3, 1])).shape
    TensorShape([3])
    """
    axis = squeeze_dims if axis is None else axis
    if axis is None:
        axis = []
    elif isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    else:
        axis = [int(a) for a in axis]
    return execute(SQUEEZE, [as_tensor(input)], {"squeeze_dims": axis}, name=name,
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
    "ExpandDims", group="array", inputs=("input: T", "dim: Tdim"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tdim": INTS}, infer=_expand_dims_infer,
    kernel=lambda x, dim: np.expand_dims(x, int(np.reshape(dim, -1)[0])),
    grad=_reshape_like_grad, doc="Insert a size-1 dimension at `dim`.")


@export("expand_dims")
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at `axis`.

    >>> tf.expand_dims([1, 2], axis=1).shape
    TensorShape([2, 1])
    """
    return execute(EXPAND_DIMS, [as_tensor(input), as_tensor(axis, dtype_hint=dtypes.int32)], name=name,
                   default_name="ExpandDims")


# ------------------------------------------------------------------------------------------
# OneHot
# ------------------------------------------------------------------------------------------


def _one_hot_infer(op):
    xs = op.shape(0)
    depth = _const_int(op, 1)
    axis = op.attrs.get("axis", -1)
    if op.name and depth is not None and depth < 0:
        op.fail(f"Dimension size, given by scalar input 1, must be non-negative but is {depth}")
    if op.name and axis < -1:
        op.fail("axis must be >= -1")
    if depth is not None and depth < 0:
        depth = None  # eager: the kernel's check, after its axis check
    if xs.rank is None:
        return [(TensorShape(None), op.dtype(2))]
    r = xs.rank + 1
    if not -1 <= axis < r:
        op.fail(f"Expected axis to be -1 or between [0, {r}).  But received: {axis}",
                runtime_only=True)
    d = xs.as_list()
    d.insert(axis if axis != -1 else xs.rank, depth)
    return [(TensorShape(d), op.dtype(2))]


def _one_hot_kernel(indices, depth, on_value, off_value, axis=-1):
    depth = int(depth)
    if not -1 <= axis <= np.ndim(indices):
        raise OpCheckError(f"Expected axis to be -1 or between [0, {np.ndim(indices) + 1}).  "
                           f"But received: {axis}")
    if depth < 0:
        raise OpCheckError(f"depth must be non-negative, got: {depth}")
    idx = np.asarray(indices).astype(np.int64)
    dtype = np.asarray(on_value).dtype
    check_array_budget(idx.shape + (depth,), dtype)  # a depth fed at run time: checked now
    out = np.full(idx.shape + (depth,), off_value, dtype=dtype)
    flat, where = out.reshape(idx.size, depth), idx.reshape(-1)
    rows = np.flatnonzero((where >= 0) & (where < depth))  # out of range: all off_value
    flat[rows, where[rows]] = on_value
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return np.ascontiguousarray(out)


ONE_HOT = register_op(
    "OneHot", group="array", inputs=("indices: TI", "depth: int32", "on_value: T", "off_value: T"),
    outputs=("output: T",),
    type_attrs={"T": ALL, "TI": (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64)},
    attrs={"axis": -1}, infer=_one_hot_infer, kernel=_one_hot_kernel,
    grad=lambda op, g: [None, None, None, None],
    doc="on_value where indices == position along the new axis, else off_value.")


@export("one_hot")
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Encode integer indices as one-hot vectors; out-of-range indices give all `off_value`.

    >>> tf.one_hot([0, 2], depth=3)
    <tf.Tensor: shape=(2, 3), dtype=float32, numpy=
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)>
    """
    idx = as_tensor(indices, dtype_hint=dtypes.int32)
    def conv(v):
        if v is None or isinstance(v, Tensor) or getattr(v, "_is_variable", False):
            return None if v is None else as_tensor(v)
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
    if isinstance(depth, (int, np.integer)) and not isinstance(depth, bool):
        depth = np.int64(depth).astype(np.int32)  # TF's int32 depth keeps the low 32 bits
    return execute(ONE_HOT, [idx, as_tensor(depth, dtype_hint=dtypes.int32), on, off],
                   {"axis": -1 if axis is None else int(axis)}, name=name,
                   default_name="one_hot")


# ------------------------------------------------------------------------------------------
# Sort, ArgSort, Unique
# ------------------------------------------------------------------------------------------


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
    "Unique", group="array", inputs=("x: T",), outputs=("y: T", "idx: out_idx"),
    type_attrs={"T": ALL, "out_idx": INTS}, attrs={"out_idx": dtypes.int32},
    infer=_unique_infer,
    kernel=lambda x, out_idx=dtypes.int32: _unique_np(x, out_idx)[:2],
    doc="Distinct values in order of first appearance, and each element's position among them.")


@export("unique")
def unique(x, out_idx=dtypes.int32, name=None):
    """Distinct values of a 1-D tensor and, per element, the index of its value in `y`."""
    y, idx = execute(UNIQUE, [as_tensor(x)], {"out_idx": dtypes.as_dtype(out_idx)}, name=name,
                     default_name="Unique")
    return Unique(y, idx)


UNIQUE_WITH_COUNTS = register_op(
    "UniqueWithCounts", group="array", inputs=("x: T",), outputs=("y: T", "idx: out_idx", "count: out_idx"),
    type_attrs={"T": ALL, "out_idx": INTS}, attrs={"out_idx": dtypes.int32},
    infer=_unique_infer, kernel=lambda x, out_idx=dtypes.int32: _unique_np(x, out_idx),
    doc="Unique, plus how often each distinct value occurs.")


@export("unique_with_counts")
def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """`unique(x)` plus how many times each unique value occurs."""
    y, idx, count = execute(UNIQUE_WITH_COUNTS, [as_tensor(x)],
                            {"out_idx": dtypes.as_dtype(out_idx)}, name=name,
                            default_name="UniqueWithCounts")
    return UniqueWithCounts(y, idx, count)


Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


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


@export("reverse")
def reverse(tensor, axis, name=None):
    """Reverse the order of elements along each axis in `axis`."""
    return execute(REVERSE, [as_tensor(tensor), as_tensor(axis, dtype_hint=dtypes.int32)], name=name,
                   default_name="ReverseV2")


REVERSE = register_op(
    "ReverseV2", group="array", inputs=("tensor: T", "axis: Tidx"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tidx": INTS}, infer=_reverse_infer,
    kernel=lambda x, axis: np.flip(x, tuple(a % x.ndim for a in _vec(axis))).copy()
    if x.ndim else x.copy(),
    grad=lambda op, g: [reverse(g, op.inputs[1]), None], doc="Reverse along the listed axes.")


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


@export("roll")
def roll(input, shift, axis, name=None):
    """Shift elements cyclically by `shift` along `axis`."""
    return execute(ROLL, [as_tensor(input), as_tensor(shift, dtype_hint=dtypes.int32), as_tensor(axis, dtype_hint=dtypes.int32)], name=name,
                   default_name="Roll")


ROLL = register_op(
    "Roll", group="array", inputs=("input: T", "shift: Tshift", "axis: Taxis"), outputs=("output: T",),
    type_attrs={"T": ALL, "Tshift": INTS, "Taxis": INTS}, infer=_roll_infer,
    kernel=_roll_kernel,
    grad=lambda op, g: [roll(g, _math().negative(op.inputs[1]), op.inputs[2]), None, None],
    doc="Shift elements cyclically along the given axes.")


@export("repeat")
def repeat(input, repeats, axis=None, name=None):
    """Repeat each element `repeats` times (per element if a list) along `axis`
    (the flattened tensor when None). Differentiable: a gather with repeated indices."""

    x = as_tensor(input)
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
    from tfedu.ops.gather_ops import gather

    return gather(x, idx, axis=axis, name=name)


def _invalid(msg):
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
    xs = [reshape(as_tensor(a), [-1]) for a in args]
    n = len(xs)
    if n == 0:
        return []
    sizes = [size(x) for x in xs]
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
    return [m.multiply(o, ones(target, dtype=o.dtype)) if o.dtype is not dtypes.bool_
            else broadcast_to(o, target) for o in outs]


@export("sequence_mask")
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None):
    """mask[i, j] = j < lengths[i], with `maxlen` columns (max(lengths) by default)."""
    m = _math()
    lengths = as_tensor(lengths)
    if maxlen is None:
        maxlen = m.reduce_max(lengths)
    else:
        maxlen = as_tensor(maxlen) if isinstance(maxlen, Tensor) else \
            convert_to_tensor(maxlen, dtype=lengths.dtype)
        if maxlen.dtype is not lengths.dtype:
            maxlen = m.cast(maxlen, lengths.dtype)
    row = range(0, maxlen, 1, dtype=lengths.dtype)
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
    "LinSpace", group="array", inputs=("start: T", "stop: T", "num: Tidx"), outputs=("output: T",),
    type_attrs={"T": (dtypes.float32, dtypes.float64), "Tidx": INTS}, infer=_linspace_infer,
    kernel=lambda start, stop, num: np.linspace(start, stop, int(num)).astype(start.dtype),
    doc="num evenly spaced values from start to stop inclusive.")


@export("linspace", "lin_space")
def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included."""
    s = as_tensor(start) if isinstance(start, Tensor) else convert_to_tensor(start)
    e = stop if isinstance(stop, Tensor) else convert_to_tensor(stop, dtype=s.dtype)
    if s.dtype.is_integer:  # TF divides integer ends, which gives float64
        m = _math()
        s, e = m.cast(s, dtypes.float64), m.cast(e, dtypes.float64)
    return execute(LINSPACE, [s, e, as_tensor(num, dtype_hint=dtypes.int32)], name=name, default_name="LinSpace")


@export("eye", "linalg.eye")
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (rectangular with `num_columns`, stacked with `batch_shape`)."""
    dtype = dtypes.as_dtype(dtype)

    def _static(v):
        return static_value(v) if isinstance(v, Tensor) else v

    r = _static(num_rows)
    c = r if num_columns is None else _static(num_columns)
    b = [] if batch_shape is None else _static(batch_shape)
    if r is None or c is None or b is None:
        raise ValueError("tf.eye needs static sizes")
    r, c = int(r), int(c)
    b = [int(x) for x in np.reshape(b, -1)]
    _check_fill_args([], 1, dtype)
    if min([r, c] + b) < 0:  # TF's eye fills a diagonal of ones: Fill's checks
        if not executing_eagerly():
            raise ValueError(f"Fill dimensions must be >= 0: {b + [min(r, c)]}")
        raise InvalidArgumentError(None, None, "{{function_node __wrapped__Fill_device_"
                                   f"{CPU_DEVICE}}}}} Dimension {min([r, c] + b)} must be >= 0 "
                                   "[Op:Fill] name: ")
    try:
        check_budget([(TensorShape(b + [r, c]), dtype)])
    except OpCheckError as e:  # TF's eye builds its matrix with MatrixDiagV3 ("diag")
        if executing_eagerly():
            raise e.eager_error("MatrixDiagV3", "diag") from None
        raise ResourceExhaustedError(None, None, e.message) from None
    m = np.eye(r, c, dtype=dtype._np)
    if b:
        m = np.broadcast_to(m, b + [r, c]).copy()

    return _make_tensor(m, dtype, name or "eye")


IDENTITY_N = register_op(
    "IdentityN", group="array", inputs=("input: N*T",), outputs=("output: N*T",), type_attrs={"T": ALL},
    export={"graphdef": {"type_list": {"T": 0}, "drop": ("N",)}},
    infer=lambda op: [(s, d) for s, d in zip(op.input_shapes, op.input_dtypes)],
    kernel=lambda xs: list(xs), grad=lambda op, *gs: list(gs),
    doc="Each input unchanged (several tensors through one op).")


@export("identity_n")
def identity_n(input, name=None):
    """Each input returned unchanged (inputs may have different dtypes)."""
    xs = [as_tensor(x) for x in input]
    # IdentityN's inputs may differ in dtype: run one op per dtype group, keep the order
    if len({x.dtype for x in xs}) <= 1:
        return execute(IDENTITY_N, [xs], name=name, default_name="IdentityN")
    return [identity(x) for x in xs]


# ------------------------------------------------------------------------------------------
# Gather, GatherNd, boolean_mask
# ------------------------------------------------------------------------------------------


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
        x = as_tensor(v)
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
    "EnsureShape", group="array", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": ALL},
    attrs={"shape": None}, infer=_ensure_shape_infer, kernel=lambda x, shape=None: x,
    grad=lambda op, g: [g], doc="Identity that checks (and records) the shape.")


@export("ensure_shape")
def ensure_shape(x, shape, name=None):
    """`x` unchanged if its shape is compatible with `shape` (None dims match anything)."""
    s = TensorShape(shape)
    return execute(ENSURE_SHAPE, [as_tensor(x)],
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
    "BroadcastArgs", group="array", inputs=("s0: T", "s1: T"), outputs=("r0: T",), type_attrs={"T": INTS},
    infer=_broadcast_args_infer, kernel=_broadcast_args_kernel,
    doc="The broadcast shape of two shape vectors.")


@export("broadcast_dynamic_shape")
def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast shape of two shape vectors, as a tensor."""
    return execute(BROADCAST_ARGS, [as_tensor(shape_x, dtype_hint=dtypes.int32), as_tensor(shape_y, dtype_hint=dtypes.int32)],
                   default_name="BroadcastArgs")


# ------------------------------------------------------------------------------------------
# dynamic_partition, dynamic_stitch, unravel_index
# ------------------------------------------------------------------------------------------


def _unravel_kernel(indices, dims):
    d = tuple(int(x) for x in np.reshape(dims, -1))
    flat = np.asarray(indices)
    if np.any((flat < 0) | (flat >= int(np.prod(d)))):
        raise OpCheckError("index is out of bound as with dims")
    return np.array(np.unravel_index(flat, d), dtype=flat.dtype)


UNRAVEL_INDEX = register_op(
    "UnravelIndex", group="array", inputs=("indices: Tidx", "dims: Tidx"), outputs=("output: Tidx",),
    type_attrs={"Tidx": INTS},
    infer=lambda op: [(TensorShape([op.shape(1)[0] if op.shape(1).rank == 1 else None]
                                   + (op.shape(0).as_list() if op.shape(0).rank else [])),
                       op.dtype(0))],
    kernel=_unravel_kernel, doc="Coordinates of flat indices in an array of shape dims.")


@export("unravel_index")
def unravel_index(indices, dims, name=None):
    """Convert flat indices into coordinate arrays for a tensor of shape `dims`."""
    i = as_tensor(indices, dtype_hint=dtypes.int32)
    d = dims if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype=i.dtype)
    return execute(UNRAVEL_INDEX, [i, d], name=name, default_name="UnravelIndex")


def _bitcast_kernel(input, type=None):
    a = np.array(input, copy=True, order="C")
    out = type.as_numpy_dtype
    src, dst = a.dtype.itemsize, np.dtype(out).itemsize
    if src == dst:
        return a.view(out)
    if src > dst:
        return a.view(out).reshape(a.shape + (src // dst,))
    if a.shape[-1:] != (dst // src,):
        raise OpCheckError("Cannot bitcast from 3 to 9: shape [1] not compatible" if False else
                           f"Cannot bitcast from {input.dtype} to {np.dtype(out)}: shape "
                           f"{list(a.shape)} not compatible")
    return a.view(out).reshape(a.shape[:-1])


def _bitcast_infer(op):
    s, t = op.shape(0), op.attrs["type"]
    src, dst = op.dtype(0).size, t.size
    if s.rank is None or src == dst:
        return [(s, t)]
    if src > dst:
        return [(TensorShape(s.as_list() + [src // dst]), t)]
    return [(TensorShape(s.as_list()[:-1]), t)]


BITCAST = register_op("Bitcast", group="array", inputs=("input: T",), outputs=("output: type",),
                      type_attrs={"T": dtypes.NUMERIC}, attrs={"type": None}, infer=_bitcast_infer,
                      kernel=_bitcast_kernel,
                      doc="Reinterpret the bytes of a tensor as another dtype.")


@export("bitcast")
def bitcast(input, type, name=None):
    """The same bytes read as another dtype (a wider one takes the last axis' elements)."""
    return execute(BITCAST, [as_tensor(input)], {"type": dtypes.as_dtype(type)}, name=name,
                   default_name="Bitcast")
