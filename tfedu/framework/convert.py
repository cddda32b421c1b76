"""Turning Python and numpy values into tensors: `tf.constant` and `tf.convert_to_tensor`.

The dtype rules are TensorFlow's: Python floats become float32, ints int32 (int64 if too big),
numpy arrays keep their dtype; a requested dtype that would lose information is an error.
While building a graph, a converted value becomes a `Const` op.
"""

from __future__ import annotations

import numbers

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.registry import ALL, register_op
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor, _wrap
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["constant", "convert_to_tensor", "to_numpy_value", "register_tensor_conversion_function"]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

CONST = register_op(
    "Const", group="const",
    outputs=("output: dtype",),
    type_attrs={"dtype": ALL},
    infer=lambda op: [(TensorShape(op.attrs["value"].shape), op.attrs["dtype"])],
    kernel=lambda value, dtype: value,
    doc="A constant value baked into the graph.",
)

_conversion_functions = []  # (type, fn(value, dtype, name, as_ref) -> Tensor)


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Let objects of `base_type` be used wherever a tensor is expected."""
    _conversion_functions.append((priority, base_type, conversion_func))
    _conversion_functions.sort(key=lambda p: p[0])


def _python_kind(value):
    """The dtype TF gives a nested Python value, or None if it holds numpy/tensors."""
    if isinstance(value, bool):
        return dtypes.bool_
    if isinstance(value, int):
        return dtypes.int32 if _INT32_MIN <= value <= _INT32_MAX else dtypes.int64
    if isinstance(value, float):
        return dtypes.float32
    if isinstance(value, complex):
        return dtypes.complex128
    if isinstance(value, (str, bytes)):
        return dtypes.string
    return None


def _strings_to_object(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "U":
        out = np.empty(arr.shape, dtype=object)
        flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
        for i in range(flat_in.size):
            flat_out[i] = flat_in[i].encode("utf-8")
        return out
    if arr.dtype.kind == "S":
        return arr.astype(object)
    if arr.dtype == object:
        out = np.empty(arr.shape, dtype=object)
        flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
        for i in range(flat_in.size):
            v = flat_in[i]
            flat_out[i] = v.encode("utf-8") if isinstance(v, str) else v
        return out
    return arr


def _conversion_error(value, dtype):
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.c_name}")


def _list_to_array(value) -> tuple[np.ndarray, bool]:
    """A nested list as an ndarray; True when it held only Python scalars (TF defaults apply)."""
    try:
        arr = np.array(value)
    except ValueError:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    if arr.dtype.kind in "US" and not _all_text(value):
        raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
    if arr.dtype.kind == "S":  # numpy's fixed-width bytes drop trailing NULs: keep the objects
        arr = np.array(value, dtype=object)
    if arr.dtype == object and arr.size and not all(
        isinstance(v, (str, bytes)) for v in arr.reshape(-1)
    ):
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.")
    pure = _all_python(value)
    return arr, pure


def _all_text(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_all_text(v) for v in value)
    return isinstance(value, (str, bytes, np.str_, np.bytes_))


def _all_python(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_all_python(v) for v in value)
    return isinstance(value, (bool, int, float, complex, str, bytes))


def _default_dtype_for_array(arr: np.ndarray, pure_python: bool) -> dtypes.DType:
    kind = arr.dtype.kind
    if kind in "USO":
        return dtypes.string
    if pure_python:
        if kind == "f":
            return dtypes.float32
        if kind in "iu":
            if arr.size == 0 or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX):
                return dtypes.int32
            return dtypes.int64
        if kind == "c":
            return dtypes.complex128
    return dtypes.from_numpy(arr.dtype)


def _check_python_compatible(value, kind_dtype: dtypes.DType, dtype: dtypes.DType, arr):
    """Python values may only be converted without losing meaning (TF's _AssertCompatible)."""
    if arr.size == 0:
        return
    if dtype is dtypes.string or kind_dtype is dtypes.string:
        if dtype is not kind_dtype:
            raise _conversion_error(value, dtype)
        return
    src = kind_dtype
    if dtype.is_bool and not src.is_bool:
        raise _conversion_error(value, dtype)
    if dtype.is_integer and (src.is_floating or src.is_complex):
        raise _conversion_error(value, dtype)
    if dtype.is_floating and src.is_complex:
        raise _conversion_error(value, dtype)
    if dtype.is_integer and arr.size and src.is_integer:
        info = np.iinfo(dtype._np)
        if arr.min() < info.min or arr.max() > info.max:
            raise _conversion_error(value, dtype)


def to_numpy_value(value, dtype: dtypes.DType | None = None):
    """Convert a Python/numpy value to (ndarray, DType) following TF's rules."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.kind in "USO":
            arr = _strings_to_object(arr)
            if dtype is not None and dtype is not dtypes.string:
                raise _conversion_error(value, dtype)
            return arr, dtypes.string
        if dtype is None:
            return arr, dtypes.from_numpy(arr.dtype)
        if dtype is dtypes.string:
            raise _conversion_error(value, dtype)
        return arr.astype(dtype._np, copy=False), dtype
    kind = _python_kind(value)
    if kind is not None:  # a Python scalar
        if kind is dtypes.string:
            arr = np.array(value.encode("utf-8") if isinstance(value, str) else value, dtype=object)
        else:
            arr = np.array(value)
        if dtype is None:
            dtype = kind
        else:
            _check_python_compatible(value, kind, dtype, arr)
        if dtype is dtypes.string:
            return arr, dtype
        return np.asarray(arr, dtype=dtype._np), dtype
    if isinstance(value, (list, tuple)):
        arr, pure = _list_to_array(value)
        kind_dtype = _default_dtype_for_array(arr, pure)
        if kind_dtype is dtypes.string:
            arr = _strings_to_object(arr)
        if dtype is None:
            dtype = kind_dtype
        elif pure:
            _check_python_compatible(value, kind_dtype, dtype, arr)
        if dtype is dtypes.string:
            return arr, dtype
        return np.asarray(arr, dtype=dtype._np), dtype
    if value is None:
        raise ValueError("Attempt to convert a value (None) with an unsupported type "
                         "(<class 'NoneType'>) to a Tensor.")
    if isinstance(value, numbers.Number):
        return to_numpy_value(complex(value) if isinstance(value, numbers.Complex)
                              and not isinstance(value, numbers.Real) else float(value), dtype)
    arr = getattr(value, "__array__", None)
    if arr is not None:
        return to_numpy_value(np.asarray(value), dtype)
    raise ValueError(
        f"Attempt to convert a value ({value!r}) with an unsupported type ({type(value)}) to a "
        "Tensor."
    )


def _const_in_graph(graph, arr, dtype, name):
    op_name = graph._op_name(name, "Const")
    op = graph._create_op(
        CONST, op_name, [], {"value": arr, "dtype": dtype}, [(TensorShape(arr.shape), dtype)]
    )
    op._kernel_attrs = {"value": arr, "dtype": dtype}
    return op._outputs[0]


def _make_tensor(arr, dtype, name):
    g = _state.graph
    if g is None:
        return _wrap(arr, dtype)
    return _const_in_graph(g, arr, dtype, name)


def constant(value, dtype=None, shape=None, name="Const") -> Tensor:
    """`tf.constant`: a tensor from a Python or numpy value (a `Const` op in a graph)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, EagerTensor):
        arr = value._value
        if dtype is not None and dtype is not value._dtype:
            arr = arr.astype(dtype._np)
        else:
            dtype = value._dtype
    elif isinstance(value, SymbolicTensor) or getattr(value, "_is_variable", False):
        from tfedu.framework.execute import eager_value_of

        arr = eager_value_of(value)
        dtype = dtype or value._dtype
    else:
        arr, dtype = to_numpy_value(value, dtype)
    if shape is not None:
        shape = TensorShape(shape)
        if not shape.is_fully_defined():
            raise TypeError(f"Expected a fully defined shape, got {shape}")
        dims = tuple(shape.as_list())
        n = int(np.prod(dims))
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), dims).copy()
        elif arr.size == n:
            arr = arr.reshape(dims)
        else:
            flat = " ".join(str(v) for v in arr.reshape(-1))
            raise TypeError(
                "Eager execution of tf.constant with unsupported shape. Tensor "
                f"[{flat}] (converted from {value!r}) has {arr.size} elements, but got `shape` "
                f"{_tuple_text(dims)} with {n} elements)."
            )
    return _make_tensor(arr, dtype, name)


def _int32_values(value, empty_ok):
    """A flat list of plain Python ints within int32 as an int32 array, else None."""
    if not value and not empty_ok:
        return None  # TF makes [] float32
    for v in value:
        if type(v) is not int or not _INT32_MIN <= v <= _INT32_MAX:
            return None
    return np.array(value, dtype=np.int32)


def _tuple_text(dims):
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(map(str, dims)) + ")"


def convert_to_tensor(value, dtype=None, name=None, dtype_hint=None, preferred_dtype=None,
                      as_ref=False) -> Tensor:
    """`tf.convert_to_tensor`: tensors pass through (dtype-checked), everything else converts."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype is not dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}: {value!r}"
            )
        if isinstance(value, EagerTensor) and _state.graph is not None:
            return _state.graph._capture(value, name)
        if isinstance(value, SymbolicTensor) and _state.graph is not None \
                and value.graph is not _state.graph:
            return _state.graph._capture(value, name)
        return value
    conv = getattr(value, "_tfedu_tensor_", None)
    if conv is not None:
        t = conv(dtype=dtype, name=name, as_ref=as_ref)
        if isinstance(t, EagerTensor) and _state.graph is not None:
            return _state.graph._capture(t, name)
        return t
    for _, base, fn in _conversion_functions:
        if isinstance(value, base):
            out = fn(value, dtype=dtype, name=name, as_ref=as_ref)
            if out is not NotImplemented:
                return out
    if type(value) is float and dtype is not None and dtype.is_floating:  # `lr * g`'s lr
        return _make_tensor(np.asarray(value, dtype._np), dtype, name or "Const")
    hint = dtype_hint if dtype_hint is not None else preferred_dtype
    if type(value) in (list, tuple) and (dtype or hint or dtypes.int32) is dtypes.int32:
        ints = _int32_values(value, empty_ok=dtype is dtypes.int32)
        if ints is not None:  # a shape or axes: TF's rules give int32, no checks needed
            return _make_tensor(ints, dtypes.int32, name or "Const")
    if dtype is None and hint is not None:
        try:
            arr, dt = to_numpy_value(value, dtypes.as_dtype(hint))
        except (TypeError, ValueError):
            arr, dt = to_numpy_value(value, None)
    else:
        arr, dt = to_numpy_value(value, dtype)
    return _make_tensor(arr, dt, name or "Const")
