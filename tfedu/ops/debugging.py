"""`tf.debugging`: assertions and numeric checks.

Eagerly an assertion checks now and raises `InvalidArgumentError`; in a graph it is an `Assert`
op that checks when it runs (add it to control dependencies, as in TF 1.x).
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.errors import InvalidArgumentError
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import ALL, FLOAT, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import math_ops
from tfedu.ops.op_helpers import export, unary_infer


def _assert_kernel(condition, data, summarize=3):
    if not bool(np.all(condition)):
        parts = []
        for d in data:
            parts.append(d.decode() if isinstance(d, bytes) else
                         (d.item().decode() if d.dtype == object and d.ndim == 0
                          and isinstance(d.item(), bytes) else str(d)))
        raise OpCheckError("\n".join(parts) if parts else "Assertion failed", wrapped=False)
    return np.zeros((0,), np.float32)


ASSERT = register_op(
    "Assert", group="debug", inputs=("condition: bool", "data: N*T"), outputs=(),
    export={"graphdef": {"type_list": {"T": 1}, "drop": ("N",)}},
    type_attrs={"T": ALL}, attrs={"summarize": 3}, stateful=True,
    infer=lambda op: [], kernel=lambda c, data, summarize=3: _assert_kernel(c, data, summarize),
    doc="Fails with the data as message when the condition is false.")


@export("debugging.Assert", "Assert")
def Assert(condition, data, summarize=None, name=None):
    """Fail with `data` printed when `condition` is false (eager: now; graph: when run)."""
    if _state.graph is None:
        if not bool(np.all(np.asarray(condition))):
            raise _condition_failed(None, "", None, None, summarize or 3,
                                    data=[np.asarray(d) if isinstance(d, Tensor) else d
                                          for d in data])
        return None
    data = [d if isinstance(d, Tensor) else convert_to_tensor(d) for d in data]
    return execute(ASSERT, [condition, data], {"summarize": summarize or 3}, name=name,
                   default_name="Assert")


def _check_numerics_kernel(x, message=""):
    if np.isnan(x).any():
        raise OpCheckError(f"{message} : Tensor had NaN values")
    if np.isinf(x).any():
        raise OpCheckError(f"{message} : Tensor had Inf values")
    return x


CHECK_NUMERICS = register_op(
    "CheckNumerics", group="debug", inputs=("tensor: T",), outputs=("output: T",), type_attrs={"T": FLOAT},
    attrs={"message": ""}, infer=unary_infer, kernel=_check_numerics_kernel,
    grad=lambda op, g: [g], stateful=True)


@export("debugging.check_numerics", "compat.v1.check_numerics")
def check_numerics(tensor, message, name=None):
    """Fail if `tensor` has NaN or Inf values; otherwise return it unchanged."""
    return execute(CHECK_NUMERICS, [tensor], {"message": message}, name=name,
                   default_name="CheckNumerics")


@export("debugging.assert_all_finite")
def assert_all_finite(x, message, name=None):
    """`x` itself, after checking it holds no NaN or Inf (`check_numerics`)."""
    return check_numerics(x, message, name=name)


def _first(arr, n=3):
    flat = np.asarray(arr).reshape(-1)[:n]
    return flat


def _condition_failed(message, cond_text, x, y, summarize, data=None):
    lines = []
    if message:
        lines.append(str(message))
    if data is not None:
        lines.extend(str(d) for d in data)
    else:
        xs = np.asarray(x)
        lines.append(f"Condition {cond_text} did not hold.")
        n = min(xs.size, summarize)
        lines.append(f"First {n} elements of x:")
        lines.append(str(_first(xs, n)))
        if y is not None:
            ys = np.asarray(y)
            m = min(ys.size, summarize)
            lines.append(f"First {m} elements of y:")
            lines.append(str(_first(ys, m)))
    return InvalidArgumentError(None, None, "\n".join(lines))


def _binary_assert(cond_fn, cond_text, default_name):
    def assert_fn(x, y, message=None, summarize=None, name=None):
        """Assert a sign condition on every element of `x` (eagerly now, in a graph when run)."""
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
        summarize = 3 if summarize is None else summarize
        if _state.graph is None:
            if not bool(np.all(cond_fn(np.asarray(x), np.asarray(y)))):
                raise _condition_failed(message, cond_text, x, y, summarize)
            return None

        ok = math_ops.reduce_all(_graph_cond(cond_fn, x, y))
        msg = convert_to_tensor(f"{message or ''}Condition {cond_text} did not hold.")
        return execute(ASSERT, [ok, [msg, x, y]], {"summarize": summarize}, name=name,
                       default_name=default_name)

    assert_fn.__name__ = default_name.lower()
    return assert_fn


def _graph_cond(cond_fn, x, y):
    table = {np.equal: math_ops.equal, np.not_equal: math_ops.not_equal, np.less: math_ops.less,
             np.less_equal: math_ops.less_equal, np.greater: math_ops.greater,
             np.greater_equal: math_ops.greater_equal}
    return table[cond_fn](x, y)


assert_equal = export("debugging.assert_equal", "assert_equal")(
    _binary_assert(np.equal, "x == y", "assert_equal"))
assert_none_equal = export("debugging.assert_none_equal")(
    _binary_assert(np.not_equal, "x != y", "assert_none_equal"))
assert_less = export("debugging.assert_less", "assert_less")(
    _binary_assert(np.less, "x < y", "assert_less"))
assert_less_equal = export("debugging.assert_less_equal")(
    _binary_assert(np.less_equal, "x <= y", "assert_less_equal"))
assert_greater = export("debugging.assert_greater", "assert_greater")(
    _binary_assert(np.greater, "x > y", "assert_greater"))
assert_greater_equal = export("debugging.assert_greater_equal")(
    _binary_assert(np.greater_equal, "x >= y", "assert_greater_equal"))


def _unary_assert(check, text):
    def assert_fn(x, message=None, summarize=None, name=None):
        """Assert a sign condition on every element of `x` (eagerly now, in a graph when run)."""
        x = convert_to_tensor(x)
        if _state.graph is not None:
            return None
        if not bool(np.all(check(np.asarray(x)))):
            raise _condition_failed(message, text, x, None, 3 if summarize is None else summarize)
        return None

    return assert_fn


assert_positive = export("debugging.assert_positive")(_unary_assert(lambda v: v > 0, "x > 0"))
assert_negative = export("debugging.assert_negative")(_unary_assert(lambda v: v < 0, "x < 0"))
assert_non_negative = export("debugging.assert_non_negative")(
    _unary_assert(lambda v: v >= 0, "x >= 0"))
assert_non_positive = export("debugging.assert_non_positive")(
    _unary_assert(lambda v: v <= 0, "x <= 0"))


@export("debugging.assert_near")
def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Assert `x` and `y` are close (`|x - y| <= atol + rtol * |y|`) elementwise."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    eps = np.finfo(x.dtype.as_numpy_dtype).eps if x.dtype.is_floating else 0
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    xv, yv = np.asarray(x), np.asarray(y)
    if not np.all(np.abs(xv - yv) <= atol + rtol * np.abs(yv)):
        raise _condition_failed(message, "x and y not equal to tolerance", x, y,
                                3 if summarize is None else summarize)


@export("debugging.assert_rank", "assert_rank")
def assert_rank(x, rank, message=None, name=None):
    """Assert `x` has rank `rank` (statically when known, else when run)."""
    x = convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank != rank:
        raise ValueError(f"{message or ''}Tensor {name or 'x'} must have rank {rank}. "
                         f"Received rank {x.shape.rank}, shape {x.shape}")


@export("debugging.assert_type")
def assert_type(tensor, tf_type, message=None, name=None):
    """Raise `TypeError` unless `tensor` has dtype `tf_type`."""
    if tensor.dtype is not dtypes.as_dtype(tf_type):
        raise TypeError(f"{message or ''}{tensor!r} must be of type {dtypes.as_dtype(tf_type)!r}; "
                        f"got {tensor.dtype!r}")


@export("debugging.assert_shapes")
def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Assert tensors' shapes agree with symbolic specs like `('N', 3)`."""
    sizes = {}
    for x, spec in shapes:
        s = convert_to_tensor(x).shape if not hasattr(x, "shape") else TensorShape(x.shape)
        if len(spec) != s.rank:
            raise ValueError(f"{message or ''}Specified by tensor {x!r} dimension 0. Tensor "
                             f"must have rank {len(spec)}. Received rank {s.rank}")
        for sym, d in zip(spec, s.as_list()):
            if isinstance(sym, int):
                if d is not None and d != sym:
                    raise ValueError(f"{message or ''}Tensor has shape {s}; expected {spec}")
            elif sym in sizes and d is not None and sizes[sym] != d:
                raise ValueError(f"{message or ''}Dimension '{sym}' is {sizes[sym]} in one "
                                 f"tensor and {d} in another")
            elif d is not None:
                sizes[sym] = d


@export("debugging.is_numeric_tensor")
def is_numeric_tensor(tensor) -> bool:
    """Whether `tensor` is a tensor of a numeric dtype."""
    return isinstance(tensor, Tensor) and tensor.dtype.is_numeric
