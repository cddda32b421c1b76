"""Core `tf.math` ops: elementwise arithmetic, comparison, logic, casts, reductions, matmul.

Each op is registered once (`register_binary`/`register_unary`/`register_op`) with its numpy
kernel and its gradient; public functions below call `execute` with TF's default op names
(`tf.add` makes `Add`, the `+` operator makes `add`).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.errors import InvalidArgumentError, UnimplementedError
from tfedu.framework.execute import execute, static_value
from tfedu.framework.name_scope import name_scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, FLOAT, FLOAT_COMPLEX, INTS, NUMERIC, REAL, register_op
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import blas, math_kernels
from tfedu.kernels.math_kernels import ref_scan
from tfedu.ops import array_ops
from tfedu.ops.gradient_util import binary_grads, unbroadcast
from tfedu.ops.op_helpers import (
    ERRSTATE_IGNORE,
    as_tensor,
    binary_float_kernel,
    binary_function,
    broadcast_shapes,
    export,
    float_kernel,
    raise_op_error,
    reduction_axes,
    register_binary,
    register_unary,
    unary_function,
)

_from_np = dtypes.from_numpy
_ERRSTATE = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


# ------------------------------------------------------------------------------------------
# Elementwise binary ops
# ------------------------------------------------------------------------------------------


def _add_grad(op, g):
    return binary_grads(op, g, g)


ADD = register_binary("AddV2", np.add, NUMERIC, _add_grad, doc="x + y, broadcasting", fused="{0} + {1}")


@export("math.add", "add")
def add(x, y, name=None):
    """x + y elementwise, with broadcasting (`AddV2`).

    >>> tf.add([1, 2], [[10], [20]])
    <tf.Tensor: shape=(2, 2), dtype=int32, numpy=
    array([[11, 12],
           [21, 22]], dtype=int32)>
    """
    return execute(ADD, [x, y], name=name, default_name="Add")


def _sub_grad(op, g):
    return binary_grads(op, g, negative(g))


SUB = register_binary("Sub", np.subtract, NUMERIC, _sub_grad, doc="x - y", fused="{0} - {1}")


@export("math.subtract", "subtract")
def subtract(x, y, name=None):
    """x - y elementwise, with broadcasting (`Sub`).

    >>> tf.subtract(5.0, [1.0, 2.0])
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([4., 3.], dtype=float32)>
    """
    return execute(SUB, [x, y], name=name, default_name="Sub")


def _mul_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, multiply(g, conj(y)), multiply(conj(x), g))


MUL = register_binary("Mul", np.multiply, NUMERIC, _mul_grad, doc="x * y", fused="{0} * {1}")


@export("math.multiply", "multiply")
def multiply(x, y, name=None):
    """x * y elementwise, with broadcasting (`Mul`).

    >>> tf.multiply([1, 2, 3], 2)
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([2, 4, 6], dtype=int32)>
    """
    return execute(MUL, [x, y], name=name, default_name="Mul")


@export("math.scalar_mul", "scalar_mul")
def scalar_mul(scalar, x, name=None):
    """`scalar * x`, where `scalar` is a Python number or 0-d tensor."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype)
    if scalar.shape.rank not in (0, None):
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return multiply(scalar, x, name=name)


def _realdiv_grad(op, g):
    x, y = op.inputs
    gx = divide_op(g, y)
    gy = multiply(g, divide_op(divide_op(negative(x), y), y))
    return binary_grads(op, gx, gy)


def _realdiv_kernel(x, y):
    with np.errstate(**_ERRSTATE):
        return np.true_divide(x, y).astype(np.result_type(x), copy=False)


REALDIV = register_binary("RealDiv", _realdiv_kernel, NUMERIC, _realdiv_grad, doc="x / y", fused="{0} / {1}")


def divide_op(x, y, name=None):
    """RealDiv on same-dtype inputs (gradient helper)."""
    return execute(REALDIV, [x, y], name=name, default_name="RealDiv")


@export("math.truediv", "truediv")
def truediv(x, y, name=None):
    """x / y; integer inputs are first cast to float64 (int8/int16 to float32), as TF does."""
    return _truediv(x, y, name or "truediv")


def _truediv(x, y, name, hint_from_x=False):
    x = convert_to_tensor(x) if not isinstance(x, Tensor) else x
    if hint_from_x and not isinstance(y, Tensor) and not getattr(y, "_is_variable", False):
        y = convert_to_tensor(y, dtype_hint=x.dtype)
    else:
        y = convert_to_tensor(y, dtype=x.dtype if not isinstance(y, Tensor) else None)
    if x.dtype is not y.dtype:
        raise TypeError(
            f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}."
        )
    if x.dtype.is_integer:  # TF's table: 8- and 16-bit integers (uint16 too) to float32
        target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        x, y = cast(x, target), cast(y, target)
    return execute(REALDIV, [x, y], name=name if name != "truediv" else None,
                   default_name="truediv")


@export("math.divide", "divide")
def divide(x, y, name=None):
    """x / y elementwise (Python's true division: integers give floats).

    >>> tf.divide([1, 2], 2)
    <tf.Tensor: shape=(2,), dtype=float64, numpy=array([0.5, 1. ])>
    """
    return _truediv(x, y, name or "truediv")


def _floordiv_kernel(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise OpCheckError("Integer division by zero")
    with np.errstate(**_ERRSTATE):
        return np.floor_divide(x, y)


FLOORDIV = register_binary("FloorDiv", _floordiv_kernel, NUMERIC, None, doc="floor(x / y)")


@export("math.floordiv")
def floordiv(x, y, name=None):
    """floor(x / y) elementwise (Python's `//`)."""
    return execute(FLOORDIV, [x, y], name=name, default_name="floordiv")


def _floormod_kernel(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise OpCheckError("Integer division by zero")
    with np.errstate(**_ERRSTATE):
        return np.mod(x, y)


def _floormod_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, g, multiply(g, negative(floor(divide_op(x, y)))))


FLOORMOD = register_binary("FloorMod", _floormod_kernel, REAL, _floormod_grad, doc="x mod y (Python sign)")


@export("math.floormod", "math.mod")
def floormod(x, y, name=None):
    """x mod y elementwise, with the sign of y (Python's `%`)."""
    return execute(FLOORMOD, [x, y], name=name, default_name="FloorMod")


def _pow_grad(op, g):
    x, y = (conj(t) for t in op.inputs)
    z = conj(op.outputs[0])
    gx = multiply(g, multiply(y, pow_op(x, subtract(y, _ones_like(y)))))
    # log(x) where it is defined: x > 0 for reals, x != 0 for complex numbers
    mask = not_equal(x, _zeros_like(x)) if x.dtype.is_complex else greater(x, _zeros_like(x))
    safe_x = where_v2(mask, x, _ones_like(x))
    log_x = where_v2(mask, log(safe_x), _zeros_like(x))
    gy = multiply(g, multiply(z, log_x))
    return binary_grads(op, gx, gy)


def _pow_kernel(x, y):
    if x.dtype.kind in "iu":
        if np.any(np.asarray(y) < 0):
            raise OpCheckError("Integers to negative integer powers are not allowed")
    with np.errstate(**_ERRSTATE):
        return np.power(x, y)


def _ones_like(x):
    return array_ops.ones_like(x)


def pow_op(x, y, name=None):
    return execute(POW, [x, y], name=name, default_name="Pow")


POW = register_binary("Pow", _pow_kernel, NUMERIC, _pow_grad, doc="x ** y")


@export("math.pow", "pow")
def pow(x, y, name=None):
    """x ** y elementwise, with broadcasting."""
    return execute(POW, [x, y], name=name, default_name="Pow")


def _maximum_grad(op, g):
    x, y = op.inputs
    mask = greater_equal(x, y)
    zeros = _zeros_like(g)
    return binary_grads(op, where_v2(mask, g, zeros), where_v2(mask, zeros, g))


MAXIMUM = register_binary("Maximum", np.maximum, REAL, _maximum_grad, fused="np.maximum({0}, {1})")


@export("math.maximum", "maximum")
def maximum(x, y, name=None):
    """The larger of x and y, elementwise with broadcasting.

    >>> tf.maximum([1, 5], 3)
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([3, 5], dtype=int32)>
    """
    return execute(MAXIMUM, [x, y], name=name, default_name="Maximum")


def _minimum_grad(op, g):
    x, y = op.inputs
    mask = less_equal(x, y)
    zeros = _zeros_like(g)
    return binary_grads(op, where_v2(mask, g, zeros), where_v2(mask, zeros, g))


MINIMUM = register_binary("Minimum", np.minimum, REAL, _minimum_grad, fused="np.minimum({0}, {1})")


@export("math.minimum", "minimum")
def minimum(x, y, name=None):
    """The smaller of x and y, elementwise with broadcasting."""
    return execute(MINIMUM, [x, y], name=name, default_name="Minimum")


def _sqdiff_grad(op, g):
    x, y = op.inputs
    two_d = multiply(scalar_like(2, g), multiply(g, subtract(x, y)))
    return binary_grads(op, two_d, negative(two_d))


def _sqdiff(x, y):
    d = x - y
    return d * np.conj(d) if d.dtype.kind == "c" else np.square(d)  # |x - y|^2 for complex, as TF


SQDIFF = register_binary("SquaredDifference", _sqdiff, NUMERIC, _sqdiff_grad, fused="({0} - {1}) * ({0} - {1})")


@export("math.squared_difference")
def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise, with broadcasting ((x - y) * conj(x - y) for complex)."""
    return execute(SQDIFF, [x, y], name=name, default_name="SquaredDifference")


_CMP = ALL[:-2]


EQUAL = register_binary("Equal", np.equal, _CMP, None, dtypes.bool_)


@export("math.equal", "equal")
def equal(x, y, name=None):
    """x == y elementwise, with broadcasting.

    >>> tf.equal([1, 2, 3], 2)
    <tf.Tensor: shape=(3,), dtype=bool, numpy=array([False,  True, False])>
    """
    return execute(EQUAL, [x, y], name=name, default_name="Equal")


NOT_EQUAL = register_binary("NotEqual", np.not_equal, _CMP, None, dtypes.bool_)


@export("math.not_equal", "not_equal")
def not_equal(x, y, name=None):
    """x != y elementwise, with broadcasting."""
    return execute(NOT_EQUAL, [x, y], name=name, default_name="NotEqual")


LESS = register_binary("Less", np.less, REAL, None, dtypes.bool_)


@export("math.less", "less")
def less(x, y, name=None):
    """x < y elementwise, with broadcasting."""
    return execute(LESS, [x, y], name=name, default_name="Less")


LESS_EQUAL = register_binary("LessEqual", np.less_equal, REAL, None, dtypes.bool_)


@export("math.less_equal", "less_equal")
def less_equal(x, y, name=None):
    """x <= y elementwise, with broadcasting."""
    return execute(LESS_EQUAL, [x, y], name=name, default_name="LessEqual")


GREATER = register_binary("Greater", np.greater, REAL, None, dtypes.bool_)


@export("math.greater", "greater")
def greater(x, y, name=None):
    """x > y elementwise, with broadcasting."""
    return execute(GREATER, [x, y], name=name, default_name="Greater")
GREATER_EQUAL = register_binary("GreaterEqual", np.greater_equal, REAL, None, dtypes.bool_)


@export("math.greater_equal", "greater_equal")
def greater_equal(x, y, name=None):
    """x >= y elementwise, with broadcasting."""
    return execute(GREATER_EQUAL, [x, y], name=name, default_name="GreaterEqual")
_BOOL = (dtypes.bool_,)


LOGICAL_AND = register_op(
    "LogicalAnd", group="math", inputs=("x: bool", "y: bool"), outputs=("z: bool",),
    infer=EQUAL.infer, kernel=lambda x, y: np.logical_and(x, y),
    elementwise=True)


@export("math.logical_and", "logical_and")
def logical_and(x, y, name=None):
    """x AND y elementwise for boolean tensors."""
    return execute(LOGICAL_AND, [x, y], name=name, default_name="LogicalAnd")


LOGICAL_OR = register_op(
    "LogicalOr", group="math", inputs=("x: bool", "y: bool"), outputs=("z: bool",),
    infer=EQUAL.infer, kernel=lambda x, y: np.logical_or(x, y), elementwise=True)


@export("math.logical_or", "logical_or")
def logical_or(x, y, name=None):
    """x OR y elementwise for boolean tensors."""
    return execute(LOGICAL_OR, [x, y], name=name, default_name="LogicalOr")


LOGICAL_NOT = register_op(
    "LogicalNot", group="math", inputs=("x: bool",), outputs=("y: bool",),
    infer=lambda op: [(op.shape(0), dtypes.bool_)], kernel=np.logical_not, elementwise=True)


@export("math.logical_not", "logical_not")
def logical_not(x, name=None):
    """NOT x elementwise for a boolean tensor."""
    return execute(LOGICAL_NOT, [x], name=name, default_name="LogicalNot")


@export("math.logical_xor")
def logical_xor(x, y, name="LogicalXor"):
    """x XOR y elementwise for boolean tensors."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# ------------------------------------------------------------------------------------------
# Elementwise unary ops
# ------------------------------------------------------------------------------------------

def _errstate(fn):
    def k(x):
        with np.errstate(**_ERRSTATE):
            return fn(x)

    k.__name__ = fn.__name__
    return k


# TF's UNARY() type list: signed numbers only (negating or signing a uint is an error)
_UNARY = FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64) + dtypes.COMPLEX
NEG = register_unary("Neg", np.negative, _UNARY, lambda op, g: [negative(g)], fused="-{0}")


@export("math.negative", "negative")
def negative(x, name=None):
    """-x elementwise."""
    return execute(NEG, [x], name=name, default_name="Neg")


ABS = register_unary("Abs", np.abs, FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64), lambda op, g: [multiply(g, sign(op.inputs[0]))], fused="np.abs({0})")


@export("math.abs", "abs")
def abs(x, name=None):
    """|x|; for complex input the real magnitude (`ComplexAbs`)."""
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x.value() if getattr(x, "_is_variable", False) else x)
    if x.dtype.is_complex:
        return complex_abs(x, name=name)
    return execute(ABS, [x], name=name, default_name="Abs")


SIGN = register_unary("Sign", np.sign, _UNARY, lambda op, g: [_zeros_like(op.inputs[0])])


@export("math.sign", "sign")
def sign(x, name=None):
    """-1, 0 or 1 elementwise, by the sign of x."""
    return execute(SIGN, [x], name=name, default_name="Sign")
SQUARE = register_unary(
    "Square", np.square, NUMERIC,
    lambda op, g: [multiply(g, multiply(scalar_like(2, g), op.inputs[0]))], fused="{0} * {0}")


@export("math.square", "square")
def square(x, name=None):
    """x * x elementwise.

    >>> tf.square([-2.0, 3.0])
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([4., 9.], dtype=float32)>
    """
    return execute(SQUARE, [x], name=name, default_name="Square")


SQRT = register_unary(
    "Sqrt", _errstate(np.sqrt), FLOAT_COMPLEX,
    lambda op, g: [divide_op(multiply(g, scalar_like(0.5, g)), op.outputs[0])], fused="np.sqrt({0})")


@export("math.sqrt", "sqrt")
def sqrt(x, name=None):
    """The square root of x, elementwise.

    >>> tf.sqrt([4.0, 9.0])
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([2., 3.], dtype=float32)>
    """
    return execute(SQRT, [x], name=name, default_name="Sqrt")


EXP = register_unary("Exp", _errstate(np.exp), FLOAT_COMPLEX,
                     lambda op, g: [multiply(g, op.outputs[0])], fused="np.exp({0})")


@export("math.exp", "exp")
def exp(x, name=None):
    """e ** x elementwise.

    >>> tf.exp(0.0)
    <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """
    return execute(EXP, [x], name=name, default_name="Exp")


LOG = register_unary("Log", _errstate(np.log), FLOAT_COMPLEX,
                     lambda op, g: [divide_op(g, op.inputs[0])], fused="np.log({0})")


@export("math.log")
def log(x, name=None):
    """The natural logarithm of x, elementwise."""
    return execute(LOG, [x], name=name, default_name="Log")


RECIPROCAL = register_unary(
    "Reciprocal", _errstate(lambda x: np.reciprocal(x) if x.dtype.kind in "fc" else 1 // x),
    NUMERIC, lambda op, g: [negative(multiply(g, square(op.outputs[0])))], fused="ONE / {0}")


@export("math.reciprocal")
def reciprocal(x, name=None):
    """1 / x elementwise."""
    return execute(RECIPROCAL, [x], name=name, default_name="Reciprocal")


TANH = register_unary(
    "Tanh", np.tanh, FLOAT_COMPLEX,
    lambda op, g: [multiply(g, subtract(scalar_like(1, g), square(op.outputs[0])))], fused="np.tanh({0})")


@export("math.tanh", "tanh", "nn.tanh")
def tanh(x, name=None):
    """The hyperbolic tangent of x, elementwise."""
    return execute(TANH, [x], name=name, default_name="Tanh")


def _sigmoid_kernel(x):
    with np.errstate(**_ERRSTATE):
        return (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)


SIGMOID = register_unary(
    "Sigmoid", _sigmoid_kernel, FLOAT_COMPLEX,
    lambda op, g: [multiply(g, multiply(op.outputs[0],
                                        subtract(scalar_like(1, g), op.outputs[0])))], fused="ONE / (ONE + np.exp(-{0}))")


@export("math.sigmoid", "sigmoid", "nn.sigmoid")
def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise."""
    return execute(SIGMOID, [x], name=name, default_name="Sigmoid")


FLOOR = register_unary("Floor", np.floor, FLOAT, lambda op, g: [None])  # TF: no gradient flows


@export("math.floor", "floor")
def floor(x, name=None):
    """The largest integer not greater than x, elementwise."""
    return execute(FLOOR, [x], name=name, default_name="Floor")


def _cast_kernel(x, DstT, Truncate=False):
    if DstT is dtypes.string:
        raise OpCheckError(f"Cast {dtypes.from_numpy(x.dtype).name} to string is not supported",
                           cls=UnimplementedError)
    if x.dtype == object:
        raise OpCheckError(f"Cast string to {DstT.c_name} is not supported",
                           cls=UnimplementedError)
    if DstT is dtypes.bool_:
        return x != 0
    if x.dtype.kind == "c" and DstT._np.kind != "c":
        x = x.real
    with np.errstate(invalid="ignore", over="ignore"):
        return x.astype(DstT._np)


def _cast_grad(op, g):
    src = op.inputs[0].dtype
    dst = op.outputs[0].dtype
    if (src.is_floating or src.is_complex) and (dst.is_floating or dst.is_complex):
        return [cast(g, src)]
    return [None]


CAST = register_op(
    "Cast", group="math",
    inputs=("x: SrcT",),
    outputs=("y: DstT",),
    type_attrs={"SrcT": ALL, "DstT": ALL},
    attrs={"Truncate": False},
    infer=lambda op: [(op.shape(0), op.attrs["DstT"])],
    kernel=_cast_kernel,
    grad=_cast_grad,
    doc="Convert to another dtype; floats to ints truncate toward zero.",
)


@export("cast", "dtypes.cast")
def cast(x, dtype, name=None):
    """Convert `x` to `dtype`; floats to ints truncate toward zero (`tf.cast`).

    >>> tf.cast([1.7, -1.7], tf.int32)
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([ 1, -1], dtype=int32)>
    """
    dtype = dtypes.as_dtype(dtype)
    if not isinstance(x, Tensor) and not getattr(x, "_is_variable", False):
        x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    return execute(CAST, [x], {"DstT": dtype}, name=name, default_name="Cast")


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------

def _reduce_infer(op, out_dtype=None):
    shape = op.shape(0)
    rank = shape.rank
    axes_val = op.const_value(1)
    keep = op.attrs.get("keep_dims", False)
    dtype = out_dtype or op.dtype(0)
    if axes_val is None or rank is None:
        if keep and rank is not None:
            return [(TensorShape([None] * rank), dtype)]
        return [(TensorShape(None), dtype)]
    axes = reduction_axes(axes_val, rank)
    flat = [int(a) % rank if rank else int(a) for a in np.asarray(axes_val).reshape(-1)]
    if len(flat) != len(set(flat)) and not op.name:  # eager: the kernel's check, at once
        dup = next(a for i, a in enumerate(flat) if a in flat[:i])
        op.fail(f"Invalid reduction arguments: Axes contains duplicate dimension: {dup}")
    # TF's shape function reduces the set of axes; duplicates wait for the kernel (which
    # Grappler may remove in a tf.function: see tfedu.graph.shape_simplification)
    dims = shape.as_list()
    if keep:
        out = [1 if i in axes else d for i, d in enumerate(dims)]
    else:
        out = [d for i, d in enumerate(dims) if i not in axes]
    return [(TensorShape(out), dtype)]


def _axes(axis, rank):
    """A reduction kernel's axes, refused when two name one dimension (TF's ReductionHelper:
    its shape function lets duplicates through, the kernel does not)."""
    ax = tuple(np.reshape(axis, -1).tolist())
    for v in ax:  # a shape fed at run time: the graph could not check the axes
        if not -rank <= v < rank:
            raise OpCheckError(f"Invalid reduction dimension ({v} for input with {rank} "
                               "dimension(s)")
    if len(ax) < 2:
        return ax
    seen = set()
    for v in ax:
        d = v % rank if rank and -rank <= v < rank else v
        if d in seen:
            raise OpCheckError(f"Invalid reduction arguments: Axes contains duplicate dimension: {d}")
        seen.add(d)
    return ax


def _reduced_shape_for_grad(op):
    """The input shape with reduced axes set to 1 (static when possible)."""
    x = op.inputs[0]
    xs = x.shape
    axes_val = _static_or_none(op.inputs[1])
    if xs.is_fully_defined() and axes_val is not None:
        axes = reduction_axes(axes_val, xs.rank)
        return [1 if i in axes else d for i, d in enumerate(xs.as_list())], xs.as_list()
    shp = array_ops.shape(x)
    return array_ops.reduced_shape(shp, op.inputs[1]), shp


def _static_or_none(t):
    return static_value(t)


def _sum_grad(op, g):
    kept, full = _reduced_shape_for_grad(op)
    g = array_ops.reshape(g, kept)
    return [array_ops.broadcast_to(g, full), None]


def _minmax_grad(op, g):
    kept, full = _reduced_shape_for_grad(op)
    x = op.inputs[0]
    y = array_ops.reshape(op.outputs[0], kept)
    g = array_ops.reshape(g, kept)
    ind = cast(equal(y, x), g.dtype)
    num = array_ops.reshape(reduce_sum(ind, op.inputs[1]), kept)
    return [multiply(divide_op(ind, num), g), None]


def _register_reduction(type, kernel, allowed, grad):
    return register_op(
        type, group="math",
        inputs=("input: T", "reduction_indices: Tidx"),
        outputs=("output: T",),
        type_attrs={"T": allowed, "Tidx": (dtypes.int32, dtypes.int64)},
        attrs={"keep_dims": False},
        infer=_reduce_infer,
        kernel=kernel,
        grad=grad,
        memo_infer=True,
    )


def _reduce(opdef, x, axis, keepdims, name, default):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if axis is None:
        rank = x.shape.rank
        if rank is not None:
            axis = np.arange(rank, dtype=np.int32)
            if _state.graph is None:  # eagerly a tensor now: `execute` takes it as it is
                axis = convert_to_tensor(axis)
        else:
            axis = array_ops.range(0, array_ops.rank(x))
    elif not isinstance(axis, Tensor) and not getattr(axis, "_is_variable", False):
        # Python axes are int32 (an empty list too, which would default to float32)
        axis = convert_to_tensor(axis, dtype=dtypes.int32)
    return execute(opdef, [x, axis], {"keep_dims": bool(keepdims)}, name=name,
                   default_name=default)


def _sum_kernel(x, axis, keep_dims=False):
    # np.sum's own ufunc, without np.sum's dispatch: the same values
    return np.add.reduce(x, axis=_axes(axis, x.ndim), keepdims=keep_dims, dtype=x.dtype)


SUM = _register_reduction("Sum", _sum_kernel, NUMERIC, _sum_grad)


@export("math.reduce_sum", "reduce_sum")
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over `axis` (all axes when None).

    >>> x = tf.constant([[1, 2], [3, 4]])
    >>> tf.reduce_sum(x)
    <tf.Tensor: shape=(), dtype=int32, numpy=10>
    >>> tf.reduce_sum(x, axis=0)
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([4, 6], dtype=int32)>
    """
    return _reduce(SUM, input_tensor, axis, keepdims, name, "Sum")


def _mean_kernel(x, axis, keep_dims=False):
    ax = _axes(axis, x.ndim)
    n = 1
    for a in ax:
        n *= x.shape[a]
    if x.dtype.kind in "iu":
        s = np.sum(x, axis=ax, keepdims=keep_dims, dtype=np.int64)
        if n == 0:
            return np.zeros_like(s, dtype=x.dtype)
        return np.fix(s / n).astype(x.dtype)
    if n == 0:  # TF: 0 / 0 is NaN for floats, and 0 for complex numbers (Eigen's division)
        shape = np.sum(x, axis=ax, keepdims=keep_dims).shape
        return np.full(shape, 0 if x.dtype.kind == "c" else np.nan, dtype=x.dtype)
    with np.errstate(**_ERRSTATE):
        return np.mean(x, axis=ax, keepdims=keep_dims, dtype=x.dtype)


def _mean_grad(op, g):
    (sum_g, _) = _sum_grad(op, g)
    x = op.inputs[0]
    y = op.outputs[0]
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        n = max(x.shape.num_elements(), 1) // max(y.shape.num_elements(), 1)
        return [divide_op(sum_g, scalar_like(n, sum_g)), None]
    n = cast(floordiv(array_ops.size(x), maximum(array_ops.size(y), 1)), sum_g.dtype)
    return [divide_op(sum_g, n), None]


MEAN = _register_reduction("Mean", _mean_kernel, NUMERIC, _mean_grad)


@export("math.reduce_mean", "reduce_mean")
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis`; integer means truncate, as TF's do.

    >>> tf.reduce_mean([[1., 2.], [3., 4.]], axis=1)
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.5, 3.5], dtype=float32)>
    """
    return _reduce(MEAN, input_tensor, axis, keepdims, name, "Mean")


def _empty_reduction(x, axes, keep_dims, identity):
    """Max/Min of an empty input: the identity (-inf/+inf, the dtype's extremes) where numpy
    refuses; negative axes count from the end (keep_dims keeps them as size 1)."""
    reduced = {a % x.ndim for a in axes} if x.ndim else set()
    shape = [1 if i in reduced else d for i, d in enumerate(x.shape)] if keep_dims else \
        [d for i, d in enumerate(x.shape) if i not in reduced]
    return np.full(shape, identity, dtype=x.dtype)


def _max_kernel(x, axis, keep_dims=False):
    ax = _axes(axis, x.ndim)
    if x.size == 0:
        lo = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        return _empty_reduction(x, ax, keep_dims, lo)
    return np.max(x, axis=ax, keepdims=keep_dims)


MAX = _register_reduction("Max", _max_kernel, REAL, _minmax_grad)


@export("math.reduce_max", "reduce_max")
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """The largest element across `axis` (all axes when None).

    >>> tf.reduce_max([[1, 5], [3, 2]], axis=1)
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([5, 3], dtype=int32)>
    """
    return _reduce(MAX, input_tensor, axis, keepdims, name, "Max")


def _min_kernel(x, axis, keep_dims=False):
    ax = _axes(axis, x.ndim)
    if x.size == 0:
        hi = np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max
        return _empty_reduction(x, ax, keep_dims, hi)
    return np.min(x, axis=ax, keepdims=keep_dims)


MIN = _register_reduction("Min", _min_kernel, REAL, _minmax_grad)


@export("math.reduce_min", "reduce_min")
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """The smallest element across `axis` (all axes when None)."""
    return _reduce(MIN, input_tensor, axis, keepdims, name, "Min")


def _prod_kernel(x, axis, keep_dims=False):
    return np.prod(x, axis=_axes(axis, x.ndim), keepdims=keep_dims, dtype=x.dtype)


def _prod_grad(op, g):
    kept, full = _reduced_shape_for_grad(op)
    x = op.inputs[0]
    y = array_ops.reshape(op.outputs[0], kept)
    g = array_ops.broadcast_to(array_ops.reshape(g, kept), full)
    # d prod / d x_i = product of the other entries; prod / x_i only as a dynamic-shape fallback
    axes_val = _static_or_none(op.inputs[1])
    if axes_val is not None and x.shape.rank is not None:
        axes = reduction_axes(axes_val, x.shape.rank)
        if len(axes) == 1:
            # product of everything left and right of x_i along the axis: exact at zeros
            a = axes[0]
            prod_l = cumprod(x, axis=a, exclusive=True)
            prod_r = cumprod(x, axis=a, exclusive=True, reverse=True)
            return [multiply(g, multiply(prod_l, prod_r)), None]
        if x.shape.is_fully_defined() and axes:
            return [multiply(g, _prod_others(x, axes)), None]
    safe = divide_op(array_ops.broadcast_to(y, full), x)
    return [multiply(g, safe), None]


def _prod_others(x, axes):
    """For each x_i, the product of the other entries of its reduction group (exact at zeros).

    The reduced axes are moved to the front and flattened to one, so a left and a right
    exclusive cumprod along it give the product of everything except x_i (TF's _ProdGrad).
    """
    dims = x.shape.as_list()
    others = [i for i in range(len(dims)) if i not in axes]
    perm = list(axes) + others
    n_red = int(np.prod([dims[i] for i in axes], dtype=np.int64))
    n_oth = int(np.prod([dims[i] for i in others], dtype=np.int64))
    permuted = array_ops.transpose(x, perm)
    flat = array_ops.reshape(permuted, [n_red, n_oth])
    left = cumprod(flat, axis=0, exclusive=True)
    right = cumprod(flat, axis=0, exclusive=True, reverse=True)
    y = array_ops.reshape(multiply(conj(left), conj(right)), [dims[i] for i in perm])
    return array_ops.transpose(y, [int(i) for i in np.argsort(perm)])


PROD = _register_reduction("Prod", _prod_kernel, NUMERIC, _prod_grad)


@export("math.reduce_prod", "reduce_prod")
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """The product of the elements across `axis` (all axes when None)."""
    return _reduce(PROD, input_tensor, axis, keepdims, name, "Prod")


ALL_OP = register_op(
    "All", group="math", inputs=("input: bool", "reduction_indices: Tidx"), outputs=("output: bool",),
    type_attrs={"Tidx": (dtypes.int32, dtypes.int64)}, attrs={"keep_dims": False},
    infer=_reduce_infer,
    kernel=lambda x, axis, keep_dims=False: np.all(x, axis=_axes(axis, x.ndim), keepdims=keep_dims))


@export("math.reduce_all", "reduce_all")
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND of the elements across `axis` (all axes when None)."""
    return _reduce(ALL_OP, _bool_input(input_tensor, axis), axis, keepdims, name, "All")


ANY_OP = register_op(
    "Any", group="math", inputs=("input: bool", "reduction_indices: Tidx"), outputs=("output: bool",),
    type_attrs={"Tidx": (dtypes.int32, dtypes.int64)}, attrs={"keep_dims": False},
    infer=_reduce_infer,
    kernel=lambda x, axis, keep_dims=False: np.any(x, axis=_axes(axis, x.ndim), keepdims=keep_dims))


@export("math.reduce_any", "reduce_any")
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR of the elements across `axis` (all axes when None)."""
    return _reduce(ANY_OP, _bool_input(input_tensor, axis), axis, keepdims, name, "Any")


def _bool_input(x, axis):
    """TF runs an eager All/Any with a list `axis` through its generic path, which converts
    the input to bool: a tensor of another dtype is its ValueError (else the kernel's error)."""
    if isinstance(axis, (list, tuple)) and isinstance(x, Tensor) and _state.graph is None:
        return convert_to_tensor(x, dtype=dtypes.bool_)
    return x


# ------------------------------------------------------------------------------------------
# Matrix multiplication
# ------------------------------------------------------------------------------------------

def _matmul_infer(op):
    da, db = op.shape(0).as_tuple(), op.shape(1).as_tuple()
    attrs = op.attrs
    ta = attrs.get("transpose_a", False) or attrs.get("adj_x", False)
    tb = attrs.get("transpose_b", False) or attrs.get("adj_y", False)
    if da is None or db is None:
        known = [len(d) for d in (da, db) if d is not None]
        if known and known[0] < 2 and op.opdef.type != "MatMul":  # TF's WithRankAtLeast(2)
            op.fail(f"Shape must be at least rank 2 but is rank {known[0]}")
        return [(TensorShape(None), op.dtype(0))]
    da, db = list(da), list(db)
    if len(da) < 2 or len(db) < 2:
        op.fail(f"In[0] and In[1] has different ndims: {shape_text(da)} vs. "
                f"{shape_text(db)}" if len(da) != len(db) else
                f"In[0] ndims must be >= 2: {len(da)}")
    m, k1 = (da[-1], da[-2]) if ta else (da[-2], da[-1])
    k2, n = (db[-1], db[-2]) if tb else (db[-2], db[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        op.fail(f"Matrix size-incompatible: In[0]: {shape_text(da)}, In[1]: {shape_text(db)}")
    if op.opdef.type == "MatMul":
        if len(da) != 2 or len(db) != 2:
            op.fail(f"In[0] and In[1] must be matrices: {shape_text(da)}, {shape_text(db)}")
        return [(TensorShape._from_tuple((m, n)), op.dtype(0))]

    try:
        batch = broadcast_shapes(TensorShape(da[:-2]), TensorShape(db[:-2]))
    except OpCheckError:
        op.fail(f"In[0] and In[1] must have compatible batch dimensions: {shape_text(da)} vs. "
                f"{shape_text(db)}")
    return [(batch.concatenate([m, n]), op.dtype(0))]


def _matmul_kernel(a, b, transpose_a=False, transpose_b=False, adj_x=False, adj_y=False):
    for i, x in enumerate((a, b)):  # a rank fed at run time (numpy would take vectors)
        if x.ndim < 2:
            raise OpCheckError(f"In[{i}] ndims must be >= 2: {x.ndim}")
    ka = a.shape[-2] if (transpose_a or adj_x) else a.shape[-1]
    kb = b.shape[-1] if (transpose_b or adj_y) else b.shape[-2]
    if ka != kb:  # reached at run time when graph shapes were partly unknown
        raise OpCheckError(f"Matrix size-incompatible: In[0]: {shape_text(a.shape)}, "
                           f"In[1]: {shape_text(b.shape)}")
    if transpose_a or adj_x:
        a = np.swapaxes(a, -1, -2)
        if adj_x and a.dtype.kind == "c":
            a = a.conj()
    if transpose_b or adj_y:
        b = np.swapaxes(b, -1, -2)
        if adj_y and b.dtype.kind == "c":
            b = b.conj()
    return blas.matmul(a, b)


# TF's OpDef allows every numeric dtype; `tf_kernels.py` says which it has kernels for
_MATMUL_T = NUMERIC


def _skipped(op):
    """The inputs whose gradient no source needs (set eagerly by the backward pass; TF's
    `op.skip_input_indices`), or ()."""
    return getattr(op, "skip_input_indices", None) or ()


# For each (transpose_a, transpose_b): the products giving d/da and d/db from the upstream g, as
# (left, right, transpose_left, transpose_right) over the names "a", "b", "g".
_MATMUL_GRADS = {
    (False, False): (("g", "b", False, True), ("a", "g", True, False)),
    (False, True): (("g", "b", False, False), ("g", "a", True, False)),
    (True, False): (("b", "g", False, True), ("a", "g", False, False)),
    (True, True): (("b", "g", True, True), ("g", "a", True, True)),
}


def _matmul_grad(op, g):
    """Both input gradients, each skipped when no source needs it (as TF's `_MatMulGrad`)."""
    a, b = op.inputs
    named = {"a": a, "b": b, "g": g}
    skip = _skipped(op)
    forms = _MATMUL_GRADS[(bool(op.get_attr("transpose_a")), bool(op.get_attr("transpose_b")))]
    return [None if i in skip else matmul(named[x], named[y], transpose_a=tx, transpose_b=ty)
            for i, (x, y, tx, ty) in enumerate(forms)]


MATMUL = register_op(
    "MatMul", group="math", inputs=("a: T", "b: T"), outputs=("product: T",), type_attrs={"T": _MATMUL_T},
    attrs={"transpose_a": False, "transpose_b": False}, infer=_matmul_infer,
    kernel=_matmul_kernel, grad=_matmul_grad, memo_infer=True, doc="Matrix product of two matrices (BLAS).")


def _batch_matmul_grad(op, g):
    """As `_matmul_grad` with adjoints, each gradient summed over the batch dims it broadcast."""
    a, b = op.inputs
    named = {"a": a, "b": b, "g": g}
    skip = _skipped(op)
    forms = _MATMUL_GRADS[(bool(op.get_attr("adj_x")), bool(op.get_attr("adj_y")))]
    return [None if i in skip else unbroadcast(
        matmul(named[x], named[y], adjoint_a=tx, adjoint_b=ty), (a, b)[i])
        for i, (x, y, tx, ty) in enumerate(forms)]


BATCH_MATMUL = register_op(
    "BatchMatMulV2", group="math", inputs=("x: T", "y: T"), outputs=("output: T",),
    type_attrs={"T": _MATMUL_T}, attrs={"adj_x": False, "adj_y": False}, infer=_matmul_infer,
    kernel=_matmul_kernel, grad=_batch_matmul_grad, memo_infer=True,
    doc="Batched matrix product with broadcasting batch dims.")


@export("linalg.matmul", "matmul")
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """Matrix product; rank > 2 inputs are batches (broadcast), as `tf.matmul`.

    >>> x = tf.constant([[1., 2.], [3., 4.]])
    >>> tf.matmul(x, [[1.], [1.]])
    <tf.Tensor: shape=(2, 1), dtype=float32, numpy=
    array([[3.],
           [7.]], dtype=float32)>
    """
    a = a if isinstance(a, Tensor) else convert_to_tensor(a)
    b = b if isinstance(b, Tensor) else convert_to_tensor(b, dtype_hint=a.dtype)
    ra, rb = a.ndim, b.ndim
    if (transpose_a and adjoint_a) or (transpose_b and adjoint_b):
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if ra == 2 and rb == 2 and not adjoint_a and not adjoint_b:
        return execute(MATMUL, [a, b], {"transpose_a": transpose_a, "transpose_b": transpose_b},
                       name=name, default_name="MatMul")
    if adjoint_a or adjoint_b or (ra is not None and ra > 2) or (rb is not None and rb > 2) \
            or ra is None or rb is None:
        # BatchMatMul has adjoints only: a transpose is the adjoint of the conjugate, as in TF
        a = conj(a) if transpose_a else a
        b = conj(b) if transpose_b else b
        return execute(BATCH_MATMUL, [a, b], {"adj_x": bool(adjoint_a or transpose_a),
                                              "adj_y": bool(adjoint_b or transpose_b)},
                       name=name, default_name="MatMul")
    return execute(MATMUL, [a, b], {"transpose_a": transpose_a, "transpose_b": transpose_b},
                   name=name, default_name="MatMul")


def _addn_infer(op):
    shape = op.shape(0)
    for i, s in enumerate(op.input_shapes[1:], start=1):
        if not shape.is_compatible_with(s):
            a, b = shape.as_list(), s.as_list()
            if op.name and len(a) != len(b):  # graph construction: the shape function's words
                op.fail(f"Shapes must be equal rank, but are {len(a)} and {len(b)}. From "
                        "merging shape 0 with other shapes.")
            if op.name:
                d = next(j for j, (u, v) in enumerate(zip(a, b)) if None not in (u, v) and u != v)
                op.fail(f"Dimension {d} in both shapes must be equal, but are {a[d]} and {b[d]}. "
                        f"Shapes are {shape_text(a)} and {shape_text(b)}. From merging shape 0 "
                        "with other shapes.")
            op.fail(f"Inputs to operation AddN of type AddN must have the same size and shape.  "
                    f"Input 0: {shape_text(op.shape(0).as_list())} != input {i}: {shape_text(b)}")
        shape = shape.merge_with(s)
    return [(shape, op.dtype(0))]


def _addn_kernel(inputs):
    out = inputs[0].copy() if inputs[0].ndim else inputs[0]
    for x in inputs[1:]:
        out = out + x
    return np.asarray(out, dtype=inputs[0].dtype)


ADD_N = register_op(
    "AddN", group="math", inputs=("inputs: N*T",), outputs=("sum: T",), type_attrs={"T": NUMERIC},
    infer=_addn_infer, kernel=_addn_kernel, grad=lambda op, g: [g] * len(op.inputs))


@export("math.add_n", "add_n")
def add_n(inputs, name=None):
    """Sum of a list of same-shape tensors."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    if len(inputs) == 1:
        x = inputs[0]
        return x if isinstance(x, Tensor) else convert_to_tensor(x)
    return execute(ADD_N, [list(inputs)], name=name, default_name="AddN")


# ------------------------------------------------------------------------------------------
# Helpers of the gradient functions; Conj
# ------------------------------------------------------------------------------------------

def _zeros_like(x):
    return array_ops.zeros_like(x)


def scalar_like(value, like):
    """A scalar constant of `like`'s dtype (used by gradient functions)."""
    return convert_to_tensor(np.asarray(value, dtype=like.dtype.as_numpy_dtype))


def _conj_kernel(x):
    return np.conj(x)


CONJ = register_unary("Conj", _conj_kernel, dtypes.COMPLEX, lambda op, g: [conj(g)],
                      export={"graphdef": {"outputs": ("output",)}})


@export("math.conj")
def conj(x, name=None):
    """Complex conjugate (a real tensor is returned unchanged)."""
    x = as_tensor(x, name="x")
    if x.dtype.is_complex:
        return execute(CONJ, [x], name=name, default_name="Conj")
    return x


def where_v2(cond, x, y):
    return array_ops.where(cond, x, y)


_FLOAT_C = FLOAT + dtypes.COMPLEX
_INT_T = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
_ROUND_T = FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
# TF's op definitions list these in their own orders, which its error messages repeat.
_HALF_FIRST = (dtypes.float16, FLOAT[0], dtypes.float32, dtypes.float64)

# Sizes (elements) from which the Numba kernels are used. Once loaded they win at every size
# measured (segment sum 13x at 1k elements, scans 3x, erf 10x), so these only keep small,
# notebook-sized work on numpy and spare it the one-off cost of loading Numba.
NB_SCAN_MIN = 8192


def _one(g, v):
    return scalar_like(v, g)


# ------------------------------------------------------------------------------------------
# exp / log family and special functions
# ------------------------------------------------------------------------------------------


def _expm1_grad(op, g):
    return [multiply(g, exp(op.inputs[0]))]


EXPM1 = register_unary("Expm1", float_kernel(np.expm1), _FLOAT_C, _expm1_grad, doc="exp(x) - 1")


expm1 = export("math.expm1")(unary_function(EXPM1, "Expm1"))


def _log1p_grad(op, g):
    return [divide_op(g, add(_one(g, 1), op.inputs[0]))]


LOG1P = register_unary("Log1p", float_kernel(np.log1p), _FLOAT_C, _log1p_grad, doc="log(1 + x)")


log1p = export("math.log1p")(unary_function(LOG1P, "Log1p"))


def _rsqrt_grad(op, g):
    y = op.outputs[0]
    return [multiply(multiply(g, _one(g, -0.5)), multiply(square(y), y))]


RSQRT = register_unary("Rsqrt", float_kernel(lambda x: 1 / np.sqrt(x)), _FLOAT_C, _rsqrt_grad,
                       doc="1 / sqrt(x)", fused="ONE / np.sqrt({0})")


rsqrt = export("math.rsqrt")(unary_function(RSQRT, "Rsqrt"))


def _not_zero(x):
    return cast(not_equal(x, scalar_like(0, x)), x.dtype)


def _mul_no_nan_kernel(x, y):
    with np.errstate(**ERRSTATE_IGNORE):
        r = np.where(y == 0, np.zeros((), x.dtype), x * y)
    return r.astype(x.dtype, copy=False)


def _mul_no_nan_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, multiply_no_nan(g, y), multiply_no_nan(x, g))


@export("math.multiply_no_nan")
def multiply_no_nan(x, y, name=None):
    """x * y, with 0 wherever y is 0 even if x is inf or nan."""
    return execute(MUL_NO_NAN, [x, as_tensor(y, dtype=as_tensor(x).dtype)], name=name,
                   default_name="MulNoNan")


MUL_NO_NAN = register_binary("MulNoNan", _mul_no_nan_kernel, _FLOAT_C, _mul_no_nan_grad,
                             doc="x * y, 0 where y == 0 even if x is inf or nan")


def _div_no_nan_kernel(x, y):
    with np.errstate(**ERRSTATE_IGNORE):
        r = np.where(y == 0, np.zeros((), x.dtype), x / np.where(y == 0, np.ones((), y.dtype), y))
    return r.astype(x.dtype, copy=False)


def _div_no_nan_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, divide_no_nan(g, y),
                        multiply(g, divide_no_nan(divide_no_nan(negative(x), y), y)))


DIV_NO_NAN = register_binary("DivNoNan", _div_no_nan_kernel, _FLOAT_C, _div_no_nan_grad,
                             doc="x / y, 0 where y == 0")


@export("math.divide_no_nan")
def divide_no_nan(x, y, name=None):
    """x / y, with 0 wherever y is 0 (even 0 / 0); integers are cast to float first."""
    with name_scope(name or "div_no_nan") as scope:
        if not isinstance(x, Tensor) and isinstance(y, Tensor):
            x = as_tensor(x, dtype=y.dtype, name="x")
        x = as_tensor(x, name="x")
        y = as_tensor(y, dtype=x.dtype, name="y")
        if x.dtype is not y.dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}.")
        if x.dtype.is_integer:  # true division's table: small ints to float32, others to float64
            target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
            x, y = cast(x, target), cast(y, target)
        return execute(DIV_NO_NAN, [x, y], name=scope)


@export("math.reciprocal_no_nan")
def reciprocal_no_nan(x, name=None):
    """1 / x, with 0 where x is 0."""
    with name_scope(name or "reciprocal_no_nan") as scope:
        x = as_tensor(x, name="x")
        one = convert_to_tensor(np.ones((), x.dtype.as_numpy_dtype), name="one")
        return execute(DIV_NO_NAN, [one, x], name=scope)


NEXTAFTER = register_binary("NextAfter", binary_float_kernel(np.nextafter),
                            (dtypes.float32, dtypes.float64),
                            export={"graphdef": {"outputs": ("output",)}},
                            doc="next representable value after x towards y")


@export("math.nextafter")
def nextafter(x1, x2, name=None):
    """The next representable float after x1 in the direction of x2, elementwise."""
    return execute(NEXTAFTER, [x1, as_tensor(x2, dtype=as_tensor(x1).dtype)], name=name,
                   default_name="NextAfter")


# ------------------------------------------------------------------------------------------
# Complex numbers
# ------------------------------------------------------------------------------------------

def _part_infer(op):
    return [(op.shape(0), op.attrs["Tout"])]


REAL_OP = register_op(
    "Real", group="math", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.real(x).copy(),
    grad=lambda op, g: [complex(g, array_ops.zeros_like(g))], doc="real part")


@export("math.real")
def real(input, name=None):
    """Real part (a real tensor is returned unchanged)."""
    out, x = _part(REAL_OP, "Real", input, name)
    return x if out is None else out


IMAG_OP = register_op(
    "Imag", group="math", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.imag(x).copy(),
    grad=lambda op, g: [complex(array_ops.zeros_like(g), g)], doc="imaginary part")


def _part(opdef, default, x, name):
    x = as_tensor(x, name="input")
    if not x.dtype.is_complex:
        return None, x
    return execute(opdef, [x], {"Tout": x.dtype.real_dtype}, name=name,
                   default_name=default), x


@export("math.imag")
def imag(input, name=None):
    """Imaginary part (zeros for a real tensor)."""
    out, x = _part(IMAG_OP, "Imag", input, name)
    return array_ops.zeros_like(x) if out is None else out


def _angle_grad(op, g):
    x = op.inputs[0]
    z = reciprocal(complex(imag(x), real(x)))
    return [negative(multiply(complex(g, array_ops.zeros_like(g)), z))]


ANGLE_OP = register_op(
    "Angle", group="math", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.angle(x), grad=_angle_grad,
    doc="argument of a complex number")


@export("math.angle")
def angle(input, name=None):
    """Argument of each element: atan2(imag, real); pi for negative reals, else 0."""
    out, x = _part(ANGLE_OP, "Angle", input, name)
    if out is not None:
        return out
    pi = multiply(array_ops.ones_like(x), scalar_like(math.pi, x))
    return array_ops.where(less(x, scalar_like(0, x)), pi, array_ops.zeros_like(x))


def _complex_abs_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    return [divide_no_nan(multiply(complex(g, array_ops.zeros_like(g)), x),
                          complex(y, array_ops.zeros_like(y)))]


COMPLEX_ABS = register_op(
    "ComplexAbs", group="math", inputs=("x: T",), outputs=("y: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.abs(x), grad=_complex_abs_grad,
    doc="magnitude of a complex number")


def complex_abs(x, name=None):
    """|x| of a complex tensor, as a real tensor (what `tf.abs` runs for complex input)."""
    return execute(COMPLEX_ABS, [x], {"Tout": x.dtype.real_dtype}, name=name,
                   default_name="ComplexAbs")


def _bshape(op):
    return broadcast_shapes(op.shape(0), op.shape(1))


def _complex_infer(op):
    return [(_bshape(op), op.attrs["Tout"])]


def _complex_kernel(re, im, Tout):
    return (re + 1j * im).astype(Tout.as_numpy_dtype)


def _complex_grad(op, g):
    return binary_grads(op, real(g), imag(g))


COMPLEX_OP = register_op(
    "Complex", group="math", inputs=("real: T", "imag: T"), outputs=("out: Tout",),
    type_attrs={"T": (dtypes.float32, dtypes.float64), "Tout": dtypes.COMPLEX},
    infer=_complex_infer, kernel=_complex_kernel, grad=_complex_grad,
    doc="real + imag * 1j")


@export("complex", "dtypes.complex")
def complex(real, imag, name=None):
    """Build complex numbers from real and imaginary parts (complex64 from float32)."""
    re = as_tensor(real, name="real")
    im = as_tensor(imag, dtype=re.dtype, name="imag")
    if re.dtype not in (dtypes.float32, dtypes.float64) or im.dtype is not re.dtype:
        raise TypeError(f"real and imag have incorrect types: {re.dtype.name} "
                        f"{im.dtype.name}")
    out = dtypes.complex64 if re.dtype is dtypes.float32 else dtypes.complex128
    return execute(COMPLEX_OP, [re, im], {"Tout": out}, name=name, default_name="Complex")


# ------------------------------------------------------------------------------------------
# Trigonometric and hyperbolic functions
# ------------------------------------------------------------------------------------------

def _rsqrt_1mx2(x):
    return rsqrt(subtract(scalar_like(1, x), square(x)))


_TRIG = {
    "Sin": (np.sin, lambda op, g: [multiply(g, cos(op.inputs[0]))]),
    "Cos": (np.cos, lambda op, g: [negative(multiply(g, sin(op.inputs[0])))]),
    "Tan": (np.tan, lambda op, g: [multiply(g, square(reciprocal(cos(op.inputs[0]))))]),
    "Asin": (np.arcsin, lambda op, g: [multiply(g, _rsqrt_1mx2(op.inputs[0]))]),
    "Acos": (np.arccos, lambda op, g: [negative(multiply(g, _rsqrt_1mx2(op.inputs[0])))]),
    "Atan": (np.arctan, lambda op, g: [divide_op(g, add(
        scalar_like(1, g), square(op.inputs[0])))]),
    "Sinh": (np.sinh, lambda op, g: [multiply(g, cosh(op.inputs[0]))]),
    "Cosh": (np.cosh, lambda op, g: [multiply(g, sinh(op.inputs[0]))]),
    "Asinh": (np.arcsinh, lambda op, g: [divide_op(g, cosh(op.outputs[0]))]),
    "Acosh": (np.arccosh, lambda op, g: [divide_op(g, sinh(op.outputs[0]))]),
    "Atanh": (np.arctanh, lambda op, g: [divide_op(g, subtract(
        scalar_like(1, g), square(op.inputs[0])))]),
}
_TRIG_DOCS = {"Sin": "sine", "Cos": "cosine", "Tan": "tangent", "Asin": "inverse sine",
              "Acos": "inverse cosine", "Atan": "inverse tangent", "Sinh": "hyperbolic sine",
              "Cosh": "hyperbolic cosine", "Asinh": "inverse hyperbolic sine",
              "Acosh": "inverse hyperbolic cosine", "Atanh": "inverse hyperbolic tangent"}
_TRIG_OPS = {k: register_unary(k, float_kernel(fn), _FLOAT_C, grad, doc=_TRIG_DOCS[k])
             for k, (fn, grad) in _TRIG.items()}


sin = export("math.sin", "sin")(unary_function(_TRIG_OPS["Sin"], "Sin"))
cos = export("math.cos", "cos")(unary_function(_TRIG_OPS["Cos"], "Cos"))
tan = export("math.tan", "tan")(unary_function(_TRIG_OPS["Tan"], "Tan"))
asin = export("math.asin", "asin")(unary_function(_TRIG_OPS["Asin"], "Asin"))
acos = export("math.acos", "acos")(unary_function(_TRIG_OPS["Acos"], "Acos"))
atan = export("math.atan", "atan")(unary_function(_TRIG_OPS["Atan"], "Atan"))
sinh = export("math.sinh", "sinh")(unary_function(_TRIG_OPS["Sinh"], "Sinh"))
cosh = export("math.cosh", "cosh")(unary_function(_TRIG_OPS["Cosh"], "Cosh"))
asinh = export("math.asinh")(unary_function(_TRIG_OPS["Asinh"], "Asinh"))
acosh = export("math.acosh")(unary_function(_TRIG_OPS["Acosh"], "Acosh"))
atanh = export("math.atanh")(unary_function(_TRIG_OPS["Atanh"], "Atanh"))


def _atan2_grad(op, g):
    y, x = op.inputs
    inv = reciprocal(add(square(x), square(y)))
    return binary_grads(op, multiply(g, multiply(x, inv)),
                        negative(multiply(g, multiply(y, inv))))


ATAN2 = register_binary("Atan2", binary_float_kernel(np.arctan2), FLOAT, _atan2_grad,
                        doc="atan(y / x) in the right quadrant")


@export("math.atan2", "atan2")
def atan2(y, x, name=None):
    """arctan(y / x) elementwise, in the quadrant of (x, y)."""
    y = as_tensor(y, name="y")
    x = as_tensor(x, dtype=y.dtype, name="x")
    return execute(ATAN2, [y, x], name=name, default_name="Atan2")


# ------------------------------------------------------------------------------------------
# Rounding, classification, truncating division
# ------------------------------------------------------------------------------------------


def _isk(fn):
    def kernel(x):
        return fn(x)

    kernel.__name__ = fn.__name__
    return kernel


def _round_kernel(x):
    return np.round(x) if x.dtype.kind == "f" else x.copy()


ROUND = register_unary("Round", _round_kernel, _ROUND_T, lambda op, g: [None],
                       doc="round half to even")


@export("math.round", "round")
def round(x, name=None):
    """Round half to even (banker's rounding), like `tf.round`; integers pass through."""
    x = as_tensor(x)
    if x.dtype.is_integer:
        return x
    return execute(ROUND, [x], name=name, default_name="Round")


CEIL = register_unary("Ceil", np.ceil, FLOAT, lambda op, g: [None], doc="smallest integer >= x")
RINT = register_unary("Rint", np.rint, FLOAT, lambda op, g: [None], doc="round half to even")
IS_NAN = register_unary("IsNan", _isk(np.isnan), FLOAT, out_dtype=dtypes.bool_,
                        doc="whether x is NaN")
IS_INF = register_unary("IsInf", _isk(np.isinf), FLOAT, out_dtype=dtypes.bool_,
                        doc="whether x is +inf or -inf")
IS_FINITE = register_unary("IsFinite", _isk(np.isfinite), FLOAT, out_dtype=dtypes.bool_,
                           doc="whether x is neither inf nor NaN")


ceil = export("math.ceil")(unary_function(CEIL, "Ceil"))
rint = export("math.rint")(unary_function(RINT, "Rint"))
is_nan = export("math.is_nan")(unary_function(IS_NAN, "IsNan"))
is_inf = export("math.is_inf")(unary_function(IS_INF, "IsInf"))
is_finite = export("math.is_finite")(unary_function(IS_FINITE, "IsFinite"))


def _int_div_check(x, y):
    """TF's kernels name only Div, Mod, FloorDiv and FloorMod's zero division; for TruncateDiv
    and TruncateMod it reports its generic binary-operator failure, an InternalError."""
    np.broadcast_shapes(x.shape, y.shape)  # shapes first: TF's "Incompatible shapes"
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise OpCheckError("Unexpected error in binary operator (only integer div and mod "
                           "should have errors)", cls=errors.InternalError)


def _truncatediv_kernel(x, y):
    _int_div_check(x, y)
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        fix = (np.mod(x, y) != 0) & ((x < 0) != (y < 0))
        return (q + fix).astype(np.result_type(x, y), copy=False)
    with np.errstate(**ERRSTATE_IGNORE):
        return np.trunc(x / y).astype(np.result_type(x, y), copy=False)


TRUNCATEDIV = register_binary("TruncateDiv", _truncatediv_kernel, NUMERIC,
                              doc="x / y rounded toward zero")


def _truncatemod_kernel(x, y):
    _int_div_check(x, y)
    with np.errstate(**ERRSTATE_IGNORE):
        return np.fmod(x, y)


TRUNCATEMOD = register_binary("TruncateMod", _truncatemod_kernel, REAL,
                              doc="remainder with the sign of x (C's fmod)")


truncatediv = export("math.truncatediv", "truncatediv")(
    binary_function(TRUNCATEDIV, "TruncateDiv", "truncatediv"))
truncatemod = export("math.truncatemod", "truncatemod")(
    binary_function(TRUNCATEMOD, "TruncateMod", "truncatemod"))


# ------------------------------------------------------------------------------------------
# Scans: cumsum / cumprod
# ------------------------------------------------------------------------------------------

def _scan_axis(axis_value, rank, op_fail):
    a = np.asarray(axis_value)
    if a.ndim != 0:
        op_fail(f"ScanOp: axis must be a scalar, not {shape_text(a.shape)}")
    ax = int(a)
    if rank is not None and not -rank <= ax < rank:
        op_fail(f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got {ax}")
    return ax


def _scan_infer(op):
    ax = op.const_value(1)
    if ax is not None:
        _scan_axis(ax, op.shape(0).rank, op.fail)
    return [(op.shape(0), op.dtype(0))]


def _scan_kernel(is_prod):
    def kernel(x, axis, exclusive=False, reverse=False):
        ax = _scan_axis(axis, x.ndim, raise_op_error) % max(x.ndim, 1)
        if x.ndim == 0:
            return x.copy()
        shape = x.shape
        outer = int(np.prod(shape[:ax], dtype=np.int64))
        inner = int(np.prod(shape[ax + 1:], dtype=np.int64))
        x3 = x.reshape(outer, shape[ax], inner)
        if x.size >= NB_SCAN_MIN and x.dtype.kind in "iuf":
            out = math_kernels.nb_scan(np.ascontiguousarray(x3), is_prod, bool(exclusive), bool(reverse))
        else:
            with np.errstate(**ERRSTATE_IGNORE):
                out = ref_scan(x3, is_prod, bool(exclusive), bool(reverse))
        return out.reshape(shape)

    return kernel


def _register_scan(type, is_prod, grad, **fields):
    """Register Cumsum or Cumprod (an `axis` input; `exclusive` and `reverse` attrs)."""
    return register_op(
        type, group="math", inputs=("x: T", "axis: Tidx"), outputs=("out: T",),
        type_attrs={"T": NUMERIC, "Tidx": INTS}, attrs={"exclusive": False, "reverse": False},
        infer=_scan_infer, kernel=_scan_kernel(is_prod), grad=grad, **fields)


def _scan(opdef, default, x, axis, exclusive, reverse, name):
    x = as_tensor(x, name="x")
    axis = as_tensor(axis, dtype=dtypes.int32, name="axis")
    return execute(opdef, [x, axis], {"exclusive": bool(exclusive), "reverse": bool(reverse)},
                   name=name, default_name=default)


def _cumsum_grad(op, g):
    return [cumsum(g, op.inputs[1], exclusive=op.get_attr("exclusive"),
                   reverse=not op.get_attr("reverse")), None]


CUMSUM = _register_scan("Cumsum", False, _cumsum_grad, numba=("math_kernels.nb_scan",))


@export("math.cumsum", "cumsum")
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` scans from the end.

    >>> tf.math.cumsum([1, 2, 3])
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 3, 6], dtype=int32)>
    """
    return _scan(CUMSUM, "Cumsum", x, axis, exclusive, reverse, name)


def _cumprod_grad(op, g):
    x, axis = op.inputs
    ex, rev = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = cumprod(x, axis, exclusive=ex, reverse=rev)
    out = cumsum(multiply(prod, g), axis, exclusive=ex, reverse=not rev)
    return [divide_op(out, x), None]


CUMPROD = _register_scan("Cumprod", True, _cumprod_grad, numba=("math_kernels.nb_scan",))


@export("math.cumprod")
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (same options as `cumsum`)."""
    return _scan(CUMPROD, "Cumprod", x, axis, exclusive, reverse, name)


# ------------------------------------------------------------------------------------------
# argmax / argmin
# ------------------------------------------------------------------------------------------

def _arg_infer(op):
    shape = op.shape(0)
    rank = shape.rank
    out_t = op.attrs.get("output_type", dtypes.int64)
    ax = op.const_value(1)
    if ax is None or rank is None:
        return [(TensorShape(None if rank is None else [None] * max(rank - 1, 0)), out_t)]
    ax = np.asarray(ax)
    if ax.ndim != 0:
        op.fail(f"dim must be a scalar, but received tensor of shape: {shape_text(ax.shape)}")
    ax = int(ax)
    if rank == 0:  # TF's shape function lets a scalar through; its kernel refuses any axis
        return [(TensorShape([]), out_t)]
    # TF's shape function checks the axis except for a vector (whose result is a scalar
    # anyway), and never whether the axis is empty: its kernel refuses those when run
    if not -max(rank, 1) <= ax < max(rank, 1):
        op.fail(f"Expected dimension in the range [{-rank}, {rank}), but got {ax}",
                runtime_only=rank == 1)
    ax %= max(rank, 1)
    dims = shape.as_list()
    if rank and dims[ax] == 0:
        op.fail(f"Reduction axis {ax} is empty in shape {shape_text(dims)}", runtime_only=True)
    return [(TensorShape(dims[:ax] + dims[ax + 1:]), out_t)]


def _arg_kernel(fn):
    def kernel(x, axis, output_type=dtypes.int64):
        ax = int(np.asarray(axis))
        if not -x.ndim <= ax < x.ndim:
            raise OpCheckError(f"Expected dimension in the range [{-x.ndim}, {x.ndim}), but "
                               f"got {ax}")
        if x.shape[ax] == 0:
            raise OpCheckError(f"Reduction axis {ax % x.ndim} is empty in shape "
                               f"{shape_text(x.shape)}")
        return fn(x, axis=ax).astype(output_type.as_numpy_dtype)

    return kernel


def _argminmax(opdef, default, input, axis, output_type, name):
    x = as_tensor(input, name="input")
    if axis is None:
        axis = 0
    axis = as_tensor(axis, dtype=dtypes.int32, name="dimension")
    return execute(opdef, [x, axis], {"output_type": dtypes.as_dtype(output_type)},
                   name=name, default_name=default)


_ARG_OUT = (dtypes.int16, dtypes.uint16, dtypes.int32, dtypes.int64)


ARGMAX = register_op(
    "ArgMax", group="math", inputs=("input: T", "dimension: Tidx"), outputs=("output: output_type",),
    type_attrs={"T": REAL + (dtypes.bool_,), "Tidx": INTS, "output_type": _ARG_OUT},
    attrs={"output_type": dtypes.int64}, infer=_arg_infer, kernel=_arg_kernel(np.argmax))


@export("math.argmax", "argmax")
def argmax(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the largest value along `axis` (0 when None); int64 unless `output_type`.

    >>> tf.argmax([[1, 9, 3], [7, 2, 5]], axis=1)
    <tf.Tensor: shape=(2,), dtype=int64, numpy=array([1, 0])>
    """
    return _argminmax(ARGMAX, "ArgMax", input, axis, output_type, name)


ARGMIN = register_op(
    "ArgMin", group="math", inputs=("input: T", "dimension: Tidx"), outputs=("output: output_type",),
    type_attrs={"T": REAL + (dtypes.bool_,), "Tidx": INTS, "output_type": _ARG_OUT},
    attrs={"output_type": dtypes.int64}, infer=_arg_infer, kernel=_arg_kernel(np.argmin))


@export("math.argmin", "argmin")
def argmin(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the smallest value along `axis` (0 when None); int64 unless `output_type`."""
    return _argminmax(ARGMIN, "ArgMin", input, axis, output_type, name)


# ------------------------------------------------------------------------------------------
# EuclideanNorm
# ------------------------------------------------------------------------------------------


def _euclidean_kernel(x, axis, keep_dims=False):
    ax = _axes(axis, x.ndim)
    with np.errstate(**ERRSTATE_IGNORE):
        s = np.sum(x * np.conj(x) if x.dtype.kind == "c" else x * x, axis=ax, keepdims=keep_dims)
        return np.sqrt(s).astype(x.dtype)


def _euclidean_grad(op, g):
    kept, _ = _reduced_shape_for_grad(op)
    y = array_ops.reshape(op.outputs[0], kept)
    g = array_ops.reshape(g, kept)
    return [divide_op(op.inputs[0], divide_op(y, g)), None]


EUCLIDEAN_NORM = _register_reduction("EuclideanNorm", _euclidean_kernel, NUMERIC,
                                       _euclidean_grad)


@export("math.reduce_euclidean_norm")
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x**2)) along `axis`."""
    return _reduce(EUCLIDEAN_NORM, input_tensor, axis, keepdims, name, "EuclideanNorm")


# ------------------------------------------------------------------------------------------
# Composites: functions TF writes with other ops (no op of their own)
# ------------------------------------------------------------------------------------------


@export("math.is_non_decreasing")
def is_non_decreasing(x, name=None):
    """True when every element is >= the one before it (flattened); True for < 2 elements."""
    return _monotone(x, less_equal, name or "is_non_decreasing")


@export("math.is_strictly_increasing")
def is_strictly_increasing(x, name=None):
    """True when every element is > the one before it (flattened); True for < 2 elements."""
    return _monotone(x, less, name or "is_strictly_increasing")


def _monotone(x, cmp, scope):
    with name_scope(scope):
        v = array_ops.reshape(as_tensor(x, name="x"), [-1])
        if v.dtype.is_complex or v.dtype is dtypes.string:
            raise TypeError("Expected x to be numeric, not complex or string.")
        return reduce_all(cmp(v[:-1], v[1:]))


@export("math.cumulative_logsumexp")
def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis`, shifted by the max so it does not overflow."""
    with name_scope(name or "CumulativeLogsumexp"):
        x = as_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise TypeError(f"Value for attr 'T' of {x.dtype.name} is not in the list of "
                            "allowed values: half, float, double")
        m = array_ops.stop_gradient(reduce_max(x, axis=axis, keepdims=True))
        m = array_ops.where(is_finite(m), m, array_ops.zeros_like(m))
        return add(log(cumsum(exp(subtract(x, m)), axis=axis, exclusive=exclusive,
                                  reverse=reverse)), m)


@export("math.polyval")
def polyval(coeffs, x, name=None):
    """Evaluate the polynomial coeffs[0]*x**(n-1) + ... + coeffs[-1] by Horner's rule."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    x = as_tensor(x, name="x")
    if not coeffs:
        return array_ops.zeros_like(x, name=name)
    p = as_tensor(coeffs[0], dtype=x.dtype)
    for c in coeffs[1:]:
        p = add(as_tensor(c, dtype=x.dtype), multiply(p, x))
    return p


@export("math.count_nonzero")
def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):
    """How many entries are non-zero along `axis` (int64 by default)."""
    keepdims = bool(keepdims)
    with name_scope(name or "count_nonzero"):
        x = as_tensor(input, name="input")
        zero = array_ops.zeros([], dtype=x.dtype) if x.dtype is not dtypes.string else ""
        nz = cast(not_equal(x, zero), dtypes.int64)
        return cast(reduce_sum(nz, axis=axis, keepdims=keepdims), dtype=dtype)


@export("math.reduce_variance")
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance along `axis` (float or complex input)."""
    with name_scope(name or "reduce_variance"):
        x = as_tensor(input_tensor, name="input_tensor")
        means = reduce_mean(x, axis=axis, keepdims=True)  # first, as TF: bad axes fail here
        if x.dtype.is_integer or x.dtype is dtypes.bool_:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{x.dtype}.")
        dev = subtract(x, means)
        sq = square(abs(dev)) if x.dtype.is_complex else square(dev)
        return reduce_mean(sq, axis=axis, keepdims=keepdims)


@export("math.reduce_std")
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation along `axis`."""
    with name_scope(name or "reduce_std"):
        return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


@export("math.reduce_logsumexp", "reduce_logsumexp")
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) along `axis`, shifted by the max so it does not overflow."""
    with name_scope(name or "ReduceLogSumExp") as scope:
        x = as_tensor(input_tensor, name="input_tensor")
        raw_max = reduce_max(x, axis=axis, keepdims=True)
        my_max = array_ops.stop_gradient(
            array_ops.where(is_finite(raw_max), raw_max, array_ops.zeros_like(raw_max)))
        result = log(reduce_sum(exp(subtract(x, my_max)), axis=axis,
                                    keepdims=keepdims))
        if not keepdims:
            my_max = array_ops.reshape(my_max, array_ops.shape(result))
        return add(result, my_max, name=scope)


@export("math.accumulate_n")
def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Sum of a list of same-shape tensors (the same as `add_n` here)."""
    return add_n(inputs, name=name)


# ------------------------------------------------------------------------------------------
# Python operators. `x + y` converts a non-tensor operand to x's dtype when it can
# (TF's binary_op_wrapper); `2.5 + x` converts with x's dtype strictly (r_binary_op_wrapper).
# ------------------------------------------------------------------------------------------

def _operand(y, x):
    if isinstance(y, Tensor):
        return y
    if getattr(y, "_is_variable", False):
        return y.value()
    return convert_to_tensor(y, dtype_hint=x.dtype, name="y")


# `x / y` is the RealDiv op itself for floats; integers are cast first (`truediv`).
_DIRECT = {"truediv": frozenset(id(d) for d in FLOAT_COMPLEX[1:])}


# Python < 3.14 takes a reference for every load of a variable, so a reference count tells a
# temporary from a named tensor (3.14 may borrow instead: no donation there).
_COUNTS_TELL_TEMPORARIES = sys.version_info < (3, 14)


def _temporary(x, y):
    """The operand that is a temporary of the expression being evaluated (`a * b` in
    `a * b + c`: nothing but this operator call holds it), which `execute` may reuse; or None.

    Called from `forward` only: a temporary there has 5 references (the expression's stack,
    `forward`'s argument, the input list `forward` already built, ours, getrefcount's); a named
    one has a 6th, its variable's."""
    if not _COUNTS_TELL_TEMPORARIES:
        return None
    if type(x) is EagerTensor and sys.getrefcount(x) <= 5:
        return x
    if sys.getrefcount(y) <= 5:
        return y
    return None


def _make_binary_operator(opdef, name, fn=None):
    """`Tensor.__add__` and friends: the same `execute` call as `tf.add`, named as TF names it."""
    direct = _DIRECT.get(name)

    def forward(x, y):
        g = _state.graph
        if g is None:
            if fn is None:
                if type(y) is not EagerTensor:
                    return execute(opdef, [x, _operand(y, x)], default_name=name)
                return execute(opdef, [x, y], default_name=name, donated=_temporary(x, y))
            if direct is not None and type(y) is EagerTensor and x._dtype is y._dtype \
                    and id(x._dtype) in direct:
                return execute(opdef, [x, y], default_name=name)
            return fn(x, _operand(y, x), name)
        # In a graph, the operand constant is named after the op: `add/y` (TF's name_scope).
        with g.name_scope(name) as scope:
            y = _operand(y, x) if not isinstance(y, Tensor) else y
            if fn is not None:
                return fn(x, y, scope)
            return execute(opdef, [x, y], name=scope)

    def reflected(y, x):
        # `x op y` where only y (self) is a tensor
        xv = x if isinstance(x, Tensor) else convert_to_tensor(
            x.value() if getattr(x, "_is_variable", False) else x, dtype=y.dtype)
        if fn is not None:
            return fn(xv, y, name)
        return execute(opdef, [xv, y], default_name=name)

    forward.__name__ = reflected.__name__ = name
    return forward, reflected


def _truediv_op(x, y, name):
    return _truediv(x, y, name, hint_from_x=False)


def _matmul_op(x, y, name):
    return matmul(x, y, name=name if name != "matmul" else None)


def _compares_by_identity(x) -> bool:
    """TF compares tensors by identity while a TF 1.x graph is being built (the outermost
    graph is a plain tf.Graph); eagerly and in tf.function, `==` is elementwise."""
    g = getattr(x, "graph", None) if isinstance(x, SymbolicTensor) else None
    while g is not None and getattr(g, "outer_graph", None) is not None:
        g = g.outer_graph
    return g is not None and not getattr(g, "_building_function", False)


def _eq(x, y):
    if _compares_by_identity(x):
        return x is y
    if y is None:
        return False
    try:
        y = _operand(y, x)
    except (TypeError, ValueError):
        return False
    if x.dtype is not y.dtype:
        return False
    try:
        return execute(EQUAL, [x, y], default_name="Equal")
    except Exception as e:  # incompatible shapes compare unequal (incompatible_shape_error=False)

        if isinstance(e, (InvalidArgumentError, ValueError)):
            return convert_to_tensor(False)
        raise


def _ne(x, y):
    if _compares_by_identity(x):
        return x is not y
    if y is None:
        return True
    r = _eq(x, y)
    if r is False:
        return True
    return logical_not(r)


def _install_operators():
    table = {
        "add": (ADD, None), "sub": (SUB, None), "mul": (MUL, None),
        "truediv": (REALDIV, _truediv_op), "floordiv": (FLOORDIV, None),
        "mod": (FLOORMOD, None), "pow": (POW, None), "matmul": (MATMUL, _matmul_op),
        "lt": (LESS, None), "le": (LESS_EQUAL, None), "gt": (GREATER, None),
        "ge": (GREATER_EQUAL, None), "and": (LOGICAL_AND, None), "or": (LOGICAL_OR, None),
    }
    for short, (opdef, fn) in table.items():
        fwd, rev = _make_binary_operator(opdef, short, fn)
        Tensor._override_operator(f"__{short}__", fwd)
        if short not in ("lt", "le", "gt", "ge"):
            Tensor._override_operator(f"__r{short}__", rev)
    Tensor._override_operator("__xor__", lambda x, y: logical_xor(x, y))
    Tensor._override_operator("__rxor__", lambda y, x: logical_xor(x, y))
    Tensor._override_operator("__invert__", lambda x: logical_not(x))
    Tensor._override_operator("__neg__", lambda x: execute(NEG, [x], default_name="Neg"))
    Tensor._override_operator("__abs__", lambda x: abs(x))
    Tensor._override_operator("__eq__", _eq)
    Tensor._override_operator("__ne__", _ne)


_install_operators()
