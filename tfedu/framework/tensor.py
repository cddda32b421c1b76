"""Tensors: `EagerTensor` holds a value now; `SymbolicTensor` is an edge of a graph.

Both are `tf.Tensor`. Python operators (`+`, `@`, `[...]`, ...) are installed by the ops layer
with `Tensor._override_operator`, as TensorFlow does, so this file knows nothing about math.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.errors import CPU_DEVICE
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["Tensor", "EagerTensor", "SymbolicTensor", "Reference", "is_tensor"]


class Tensor:
    """A multi-dimensional array with a dtype and a shape (`tf.Tensor`)."""

    __slots__ = ()
    __array_priority__ = 100
    OVERLOADABLE_OPERATORS = frozenset(
        "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
        "__floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ "
        "__lt__ __le__ __gt__ __ge__ __eq__ __ne__ __and__ __rand__ __or__ __ror__ __xor__ "
        "__rxor__ __invert__ __neg__ __abs__ __getitem__".split()
    )

    @classmethod
    def _override_operator(cls, operator: str, func):
        """Install `func` as a Python operator on every tensor class (done by the ops layer)."""
        if operator not in cls.OVERLOADABLE_OPERATORS:
            raise ValueError(f"Overriding {operator} is disallowed")
        setattr(cls, operator, func)

    def __pos__(self):
        return self

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> Reference:
        """A hashable reference to this tensor (for use as a dict key or set member)."""
        return Reference(self)

    experimental_ref = ref

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self.shape.rank

    @property
    def is_symbolic(self) -> bool:
        return False


class Reference:
    """What `tensor.ref()` returns: hashable by identity, `deref()` gives the tensor back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


# ------------------------------------------------------------------------------------------
# Eager tensors
# ------------------------------------------------------------------------------------------


def numpy_text(value, is_repr: bool) -> str:
    """The value part of a tensor's str/repr, exactly as TensorFlow's `numpy_text`."""
    if is_repr:
        if isinstance(value, np.generic) and not isinstance(value, np.bytes_):
            text = repr(value.item())
        else:
            text = repr(value)
    else:
        text = str(value)
    if "\n" in text:
        text = "\n" + text
    return text


def _shape_text(shape_tuple) -> str:
    if shape_tuple is None:
        return "<unknown>"
    if len(shape_tuple) == 1:
        return f"({shape_tuple[0]},)"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape_tuple) + ")"


class EagerTensor(Tensor):
    """A tensor with a concrete value, produced by running an op immediately."""

    __slots__ = ("_value", "_dtype", "_keras_mask", "__weakref__")

    def __init__(self, value, dtype=None):
        value = np.asarray(value)
        self._value = value
        self._dtype = dtypes.from_numpy(value.dtype) if dtype is None else dtype

    # --- attributes ----------------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape._from_tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        return CPU_DEVICE

    @property
    def backing_device(self) -> str:
        return CPU_DEVICE

    def numpy(self):
        """The value as numpy: an ndarray, or a numpy scalar for 0-d tensors. Treat it as read-only."""
        v = self._value
        if v.ndim == 0:
            x = v[()]
            return bytes(x) if type(x) is np.bytes_ else x  # a string scalar is bytes, as TF's
        return v

    def __array__(self, dtype=None, copy=None):
        v = self._value
        if dtype is not None:
            return v.astype(dtype)
        return v.copy() if copy else v

    # Graph-only attributes fail helpfully in eager mode.
    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def op(self):
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def graph(self):
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")

    def set_shape(self, shape):
        if not self.shape.is_compatible_with(shape):
            raise ValueError(
                f"Tensor's shape {self.shape} is not compatible with supplied shape {TensorShape(shape)}."
            )

    # --- python protocol -----------------------------------------------------------------
    def __bool__(self):
        return bool(self._value)

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):
        v = self._value
        if v.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        d = self._dtype
        for i in range(v.shape[0]):
            yield _wrap(v[i], d)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if not self._dtype.is_integer and self._dtype is not dtypes.bool_:
            raise TypeError(f"Only integer tensors can be used as an index, got {self._dtype!r}")
        return int(self._value)

    def __complex__(self):
        return complex(self._value)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return _wrap(self._value.copy(), self._dtype)

    def __reduce__(self):
        from tfedu.framework.convert import constant

        return constant, (self._value,)

    def __format__(self, spec):
        if spec:
            return format(self.numpy(), spec)
        return str(self)

    def __str__(self):
        return (
            f"tf.Tensor({numpy_text(self.numpy(), False)}, "
            f"shape={_shape_text(self._value.shape)}, dtype={self._dtype.name})"
        )

    def __repr__(self):
        return (
            f"<tf.Tensor: shape={_shape_text(self._value.shape)}, dtype={self._dtype.name}, "
            f"numpy={numpy_text(self.numpy(), True)}>"
        )


def _wrap(value, dtype) -> EagerTensor:
    """Wrap a numpy result in an EagerTensor without any checks (the eager hot path)."""
    t = object.__new__(EagerTensor)
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    t._value = value
    t._dtype = dtype
    return t


def wrap_numpy(value) -> EagerTensor:
    """Wrap a numpy array or scalar, taking the dtype from it."""
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    t = object.__new__(EagerTensor)
    t._value = value
    t._dtype = dtypes.from_numpy(value.dtype)
    return t


# ------------------------------------------------------------------------------------------
# Symbolic tensors
# ------------------------------------------------------------------------------------------


class SymbolicTensor(Tensor):
    """An output of an `Operation` in a graph: a name, a static shape, a dtype, no value."""

    __slots__ = ("_op", "_value_index", "_shape", "_dtype", "_consumers", "_keras_mask",
                 "__weakref__")

    def __init__(self, op, value_index: int, shape: TensorShape, dtype):
        self._op = op
        self._value_index = value_index
        self._shape = shape
        self._dtype = dtype
        self._consumers = []

    @property
    def is_symbolic(self) -> bool:
        return True

    @property
    def op(self):
        return self._op

    @property
    def value_index(self) -> int:
        return self._value_index

    @property
    def graph(self):
        return self._op.graph

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def device(self) -> str:
        return self._op.device

    def set_shape(self, shape):
        shape = TensorShape(shape)
        if not self._shape.is_compatible_with(shape):
            raise ValueError(
                f"Tensor's shape {self._shape} is not compatible with supplied shape {shape}."
            )
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return list(self._consumers)

    def __hash__(self):
        # TF 1.x graph tensors are hashable (feed_dict keys); tensors inside tf.function are not.
        if getattr(self._op._graph, "_building_function", False):
            raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")
        return id(self)

    def eval(self, feed_dict=None, session=None):
        """Run this tensor in `session` (or the default session), as in TF 1.x."""
        from tfedu.framework.session_hooks import eval_tensor

        return eval_tensor(self, feed_dict, session)

    def __bool__(self):
        from tfedu.framework.errors import OperatorNotAllowedInGraphError

        raise OperatorNotAllowedInGraphError(
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. You can attempt the "
            "following resolutions to the problem: If you are running in Graph mode, use Eager "
            "execution mode or decorate this function with @tf.function. If you are using "
            "AutoGraph, you can try decorating this function with @tf.function. If that does "
            "not work, then you may be using an unsupported feature or your source code may "
            "not be visible to AutoGraph. See "
            "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/limitations.md#access-to-source-code "
            "for more information."
        )

    def __iter__(self):
        from tfedu.framework.errors import OperatorNotAllowedInGraphError

        shape = self._shape
        if shape.rank is None or shape[0] is None:
            raise OperatorNotAllowedInGraphError(
                "Iterating over a symbolic `tf.Tensor` is not allowed. You can attempt the "
                "following resolutions to the problem: If you are running in Graph mode, use "
                "Eager execution mode or decorate this function with @tf.function."
            )
        if shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(shape[0]):
            yield self[i]

    def __len__(self):
        shape = self._shape
        if shape.rank is None or shape.rank == 0 or shape[0] is None:
            raise TypeError(
                f"len is not well defined for a symbolic Tensor ({self.name}). Please call "
                "`x.shape` rather than `len(x)` for shape information."
            )
        return shape[0]

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. This error "
            "may indicate that you're trying to pass a Tensor to a NumPy call, which is not "
            "supported."
        )

    def __str__(self):
        shape = "" if self._shape.rank is None else f", shape={_shape_text(self._shape.as_tuple())}"
        return f'Tensor("{self.name}"{shape}, dtype={self._dtype.name})'

    def __repr__(self):
        return (
            f"<tf.Tensor '{self.name}' shape={_shape_text(self._shape.as_tuple())} "
            f"dtype={self._dtype.name}>"
        )


def is_tensor(x) -> bool:
    """`tf.is_tensor`: True for tensors and variables."""
    return isinstance(x, Tensor) or getattr(x, "_is_variable", False)
