"""`tf.Variable`: mutable state that tapes watch and optimizers update.

An eager variable owns a numpy buffer. Reading it (`v.value()`, or using it in any op) returns
an EagerTensor that shares the buffer; `assign*` replaces the buffer, so earlier reads never
change under your feet. When nothing but the variable holds the buffer (no read of it is still
alive: the usual case for an optimizer's `assign_sub` after `tape.gradient`), `assign_add` and
`assign_sub` write into it instead, as TensorFlow's in-place updates do: the same values, without
allocating a new buffer each step. Reads made while a GradientTape records are tied back to the variable,
which is how `tape.gradient(loss, v)` finds them.
"""

from __future__ import annotations

import itertools

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.graph_ops import update_in_place
from tfedu.framework.registry import get_op
from tfedu.framework.tensor import EagerTensor, Tensor, _wrap, numpy_text
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["Variable", "VariableSynchronization", "VariableAggregation"]


# Set by tfedu.distribute when it is imported: called with each new variable.
variable_creation_hook = None


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


def _shape_text(shape: TensorShape) -> str:
    return str(shape)


class Variable:
    """A mutable tensor-like value (`tf.Variable`)."""

    _is_variable = True
    __array_priority__ = 100

    def __new__(cls, *args, **kwargs):
        if cls is Variable:
            if _state.graph is not None and _graph_variable_factory is not None:
                return _graph_variable_factory(*args, **kwargs)
            cls = ResourceVariable
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None, synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (`None`) must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        if isinstance(initial_value, Tensor) and dtype is not None \
                and initial_value.dtype is not dtype:
            # the registered Cast op (tfedu.ops.math_ops declares it; framework sits below ops)
            initial_value = execute(get_op("Cast"), [initial_value], {"DstT": dtype},
                                    default_name="Cast")
        t = convert_to_tensor(initial_value, dtype=dtype)
        if not isinstance(t, EagerTensor):
            raise ValueError("An eager tf.Variable needs a value it can compute now; got a "
                             f"symbolic tensor {t!r}")
        self._value = np.array(t._value, copy=True)
        self._dtype = t._dtype
        self._shape = TensorShape(self._value.shape) if shape is None else TensorShape(shape)
        if shape is not None and not self._shape.is_compatible_with(self._value.shape):
            raise ValueError(
                f"The initial value's shape ({t.shape}) is not compatible with the explicitly "
                f"supplied `shape` argument ({self._shape})."
            )
        self._trainable = True if trainable is None else bool(trainable)
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to VariableSynchronization."
                             "ON_READ only for non-trainable variables.")
        base = name if name is not None else "Variable"
        if _state.eager_name_stack and name is not None:
            base = f"{_state.eager_name_stack}/{name}"
        self._name = base if base.endswith(":0") else base + ":0"
        self._constraint = constraint
        self._initial_value = t
        self._uid = next(_uids)
        self._synchronization = synchronization
        self._aggregation = aggregation
        if variable_creation_hook is not None:  # a tf.distribute scope mirrors new variables
            variable_creation_hook(self)

    # --- properties ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def initial_value(self):
        return self._initial_value

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def device(self) -> str:
        from tfedu.framework.errors import CPU_DEVICE

        return CPU_DEVICE

    @property
    def handle(self):
        return self

    # --- reading ---------------------------------------------------------------------------
    def _eager_value(self):
        return self._value

    def value(self) -> Tensor:
        """Read the variable: a tensor (recorded on tapes so gradients reach the variable)."""
        g = _state.graph
        if g is not None and hasattr(g, "_read_eager_variable"):  # inside tf.function
            return g._read_eager_variable(self)
        t = _wrap(self._value, self._dtype)
        if _state.tapes:
            for tape in _state.tapes:
                tape._read_variable(self, t)
        return t

    def read_value(self) -> Tensor:
        return self.value()

    def numpy(self):
        v = self._value
        return v[()] if v.ndim == 0 else v

    def _tfedu_tensor_(self, dtype=None, name=None, as_ref=False):
        if dtype is not None and dtypes.as_dtype(dtype) is not self._dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for variable "
                f"with dtype {self._dtype.name}: {self!r}"
            )
        return self.value()

    def __array__(self, dtype=None, copy=None):
        return np.array(self._value, dtype=dtype, copy=True)

    # --- writing ---------------------------------------------------------------------------
    def _converted(self, value):
        if type(value) is EagerTensor and value._dtype is self._dtype:  # `lr * g`
            return value._value
        t = convert_to_tensor(value, dtype=self._dtype)
        return t._value if isinstance(t, EagerTensor) else np.asarray(t)

    def _check_shape(self, new):
        if not self._shape.is_compatible_with(new.shape):
            raise ValueError(
                f"Cannot assign value to variable ' {self._name}': Shape mismatch.The variable "
                f"shape {self._shape}, and the assigned value shape {TensorShape(new.shape)} are "
                "incompatible."
            )

    def _write(self, new, read_value):
        self._value = new
        return _UnreadVariable(self) if read_value else None

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Set the value; returns the (unread) variable, or None with `read_value=False`."""
        g = _state.graph
        if g is not None and hasattr(g, "_assign_eager_variable"):  # inside tf.function
            return g._assign_eager_variable(self, "assign", value, read_value)
        new = self._converted(value)
        self._check_shape(new)
        return self._write(np.array(new, dtype=self._dtype._np, copy=True), read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        g = _state.graph
        if g is not None and hasattr(g, "_assign_eager_variable"):  # inside tf.function
            return g._assign_eager_variable(self, "assign_add", delta, read_value)
        return self._update(np.add, delta, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        g = _state.graph
        if g is not None and hasattr(g, "_assign_eager_variable"):  # inside tf.function
            return g._assign_eager_variable(self, "assign_sub", delta, read_value)
        return self._update(np.subtract, delta, read_value)

    def _update(self, ufunc, delta, read_value):
        """`ufunc(value, delta)` becomes the value: in place when no one else holds the buffer."""
        d = self._converted(delta)
        # a read, a view or a `numpy()` result still alive: a new buffer, as before
        if update_in_place(self, ufunc, d):
            return _UnreadVariable(self) if read_value else None
        new = ufunc(self._value, d)
        self._check_shape(new)
        return self._write(new.astype(self._dtype._np, copy=False), read_value)

    def scatter_nd_update(self, indices, updates, name=None):
        op = get_op("TensorScatterUpdate")  # declared in tfedu.ops.scatter_ops
        value = self.value()
        updates = convert_to_tensor(updates, dtype=value.dtype)
        return self.assign(execute(op, [value, convert_to_tensor(indices), updates],
                                   default_name="TensorScatterUpdate"))

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        idx = np.asarray(sparse_delta.indices)
        new = self._value.copy()
        new[idx] = np.asarray(sparse_delta.values)
        return self._write(new, True)

    def _assign_slice(self, key, value):
        new = self._value.copy()
        new[key] = self._converted(value)
        return self._write(new, True)

    # --- python protocol -------------------------------------------------------------------
    def __getitem__(self, key):
        sliced = self.value()[key]
        if not isinstance(sliced, EagerTensor):
            return sliced  # in a graph: the slice is an ordinary symbolic tensor
        out = _SlicedVariable(sliced, self, key)
        if _state.tapes:  # gradients flow from the returned object back through the slice
            from tfedu.framework.execute import record
            from tfedu.framework.registry import get_op

            record(get_op("Identity"), [sliced], [out], {})
        return out

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def ref(self):
        from tfedu.framework.tensor import Reference

        return Reference(self)

    experimental_ref = ref

    def __bool__(self):
        return bool(self._value)

    def __len__(self):
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        return int(self._value)

    def __format__(self, spec):
        return format(self.numpy(), spec) if spec else str(self)

    def __repr__(self):
        return (
            f"<tf.Variable '{self._name}' shape={_shape_text(self._shape)} dtype={self._dtype.name}, "
            f"numpy={numpy_text(self.numpy(), True)}>"
        )

    __str__ = __repr__

    def __deepcopy__(self, memo):
        return Variable(self._value.copy(), trainable=self._trainable,
                        name=self._name[:-2], dtype=self._dtype)

    def __reduce__(self):
        return (_rebuild_variable, (self._value, self._trainable, self._name[:-2]))


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


class ResourceVariable(Variable):
    """The variable class TF 2 creates by default (`type(tf.Variable(1.))`)."""


_uids = itertools.count()
_graph_variable_factory = None  # set by the graph layer: tf.Variable while building a graph


class _UnreadVariable(Variable):
    """What `assign` returns: reads its variable when used; prints as 'UnreadVariable'."""

    def __init__(self, parent):
        self._primary = getattr(parent, "_primary", parent)

    def __getattr__(self, name):
        if name == "_primary":
            raise AttributeError(name)
        return getattr(self._primary, name)

    @property
    def name(self):
        return self._primary._name

    @property
    def dtype(self):
        return self._primary._dtype

    @property
    def shape(self):
        return self._primary._shape

    @property
    def trainable(self):
        return self._primary._trainable

    def value(self):
        return self._primary.value()

    def _eager_value(self):
        return self._primary._value

    def numpy(self):
        return self._primary.numpy()

    def assign(self, *a, **k):
        return self._primary.assign(*a, **k)

    def assign_add(self, *a, **k):
        return self._primary.assign_add(*a, **k)

    def assign_sub(self, *a, **k):
        return self._primary.assign_sub(*a, **k)

    def __repr__(self):
        p = self._primary
        return (
            f"<tf.Variable 'UnreadVariable' shape={_shape_text(p._shape)} dtype={p._dtype.name}, "
            f"numpy={numpy_text(p.numpy(), True)}>"
        )

    __str__ = __repr__


class _SlicedVariable(EagerTensor):
    """`v[0]`: a plain tensor value that also knows how to `assign` into its variable slice."""

    __slots__ = ("_var", "_key")

    def __init__(self, sliced, var, key):
        self._value = sliced._value
        self._dtype = sliced._dtype
        self._var = var
        self._key = key

    def assign(self, value, use_locking=None, name=None, read_value=True):
        key = self._key
        if isinstance(key, Tensor):
            key = int(key)
        return self._var._assign_slice(key, value)


_SlicedVariable.__name__ = "EagerTensor"
_SlicedVariable.__qualname__ = "EagerTensor"


def _forward_operator(opname):
    def method(self, *args):
        return getattr(self.value(), opname)(*args)

    method.__name__ = opname
    return method


for _op in Tensor.OVERLOADABLE_OPERATORS - {"__getitem__"}:
    setattr(Variable, _op, _forward_operator(_op))
Variable.__hash__ = Variable.__dict__["__hash__"] if "__hash__" in Variable.__dict__ else None
