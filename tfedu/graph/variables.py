"""Variables in a graph: a handle op plus read/assign ops; the value lives in a Session.

`tf.Variable(1.0, name="v")` while building a graph adds

    v/Initializer/initial_value   Const           the initial value
    v                             VarHandleOp     the handle (dtype resource)
    v/Assign                      AssignVariableOp  the initializer (`v.initializer`)
    v/Read/ReadVariableOp         ReadVariableOp  the value `sess.run(v)` fetches

and nothing has a value until a Session runs the initializer. Each `v.value()` adds a fresh
`ReadVariableOp`, so a read inside `tf.control_dependencies` really waits for the dependency.
Classic TF1 "ref" variables (after `disable_v2_behavior()`) share the mechanism and differ in
their names (`v/read`), their repr (`float32_ref`) and their uninitialised-read message.
"""

from __future__ import annotations

from tfedu.framework import context, dtypes
from tfedu.framework import graph_ops as go
from tfedu.framework import variables as _vars
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.graph import GraphKeys
from tfedu.framework.tensor import Tensor, _shape_text
from tfedu.framework.tensor_shape import TensorShape
from tfedu.graph.session import _session_or_default
from tfedu.ops.math_ops import cast

__all__ = ["GraphVariable", "use_ref_variables", "function_variable_factory"]

_ref_variables = False  # set by disable_v2_behavior(): tf.compat.v1.Variable makes ref variables
function_variable_factory = None  # tf.function may set this to handle variables it creates


def use_ref_variables(enabled: bool):
    global _ref_variables
    _ref_variables = bool(enabled)


def ref_variables_enabled() -> bool:
    return _ref_variables


def _last_op(g):
    return g._ops[-1]


class GraphVariable(_vars.Variable):
    """A `tf.Variable` created while building a graph (resource or classic ref flavour)."""

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=_vars.VariableSynchronization.AUTO,
                 aggregation=_vars.VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True, collections=None,
                 use_resource=None, expected_shape=None, _kind=None):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (`None`) must be specified.")
        g = context.get_default_graph()
        self._graph = g
        self._kind = _kind or "resource"
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        with g.control_dependencies(None), g.name_scope(name or "Variable") as scope:
            op_name = scope[:-1]
            with g.name_scope("Initializer"):
                init = initial_value() if callable(initial_value) else initial_value
                if isinstance(init, Tensor) and dtype is not None and init.dtype is not dtype:
                    init = cast(init, dtype)
                init_t = convert_to_tensor(init, dtype=dtype, name="initial_value")
            self._dtype = init_t.dtype
            if shape is not None:
                self._shape = TensorShape(shape)
            elif validate_shape:
                self._shape = init_t.shape
            else:
                self._shape = TensorShape(None)
            attrs = {"dtype": self._dtype, "shape": self._shape, "shared_name": op_name}
            opdef = go.VARIABLE_V2 if self._kind == "ref" else go.VAR_HANDLE
            self._handle = execute(opdef, [], attrs, name=op_name + "/")
            execute(go.ASSIGN_VARIABLE, [self._handle, init_t], name="Assign")
            self._initializer_op = _last_op(g)
            self._snapshot = self._read(name="read" if self._kind == "ref" else "Read/ReadVariableOp")
        self._name = op_name + ":0"
        self._initial_value = init_t
        self._trainable = True if trainable is None else bool(trainable)
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        self._save_slice_info = None
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if self._trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        g.add_to_collections(collections, self)

    # --- graph surface -----------------------------------------------------------------
    def _read(self, name=None):
        t = execute(go.READ_VARIABLE, [self._handle], {"dtype": self._dtype},
                    name=name, default_name="ReadVariableOp")
        t._shape = self._shape
        return t

    @property
    def graph(self):
        return self._graph

    @property
    def op(self):
        """The `VarHandleOp` (or, for ref variables, the variable op) named like the variable."""
        return self._handle.op

    @property
    def handle(self):
        return self._handle

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def device(self) -> str:
        return ""

    def _graph_op(self):
        return self._snapshot.op

    def value(self) -> Tensor:
        """A new read of the variable (a `ReadVariableOp`), recorded on active tapes.

        A classic ref variable answers with its one snapshot tensor `v/read`, as TF 1.x did.
        """
        if _state.graph is None or _state.graph is not self._graph or self._kind == "ref":
            return self._snapshot
        return self.read_value()

    def read_value(self) -> Tensor:
        """A new read of the variable: ordered after any surrounding control dependencies."""
        if _state.graph is None or _state.graph is not self._graph:
            return self._snapshot
        t = self._read(name="read" if self._kind == "ref" else None)
        if _state.tapes:
            for tape in _state.tapes:
                tape._read_variable(self, t)
        return t

    def is_initialized(self, name=None):
        return execute(go.VAR_IS_INITIALIZED, [self._handle], name=name,
                       default_name="VarIsInitializedOp")

    def _eager_value(self):
        raise TypeError(f"{self!r} has no value outside a session")

    def numpy(self):
        raise NotImplementedError("numpy() is only available when eager execution is enabled.")

    def eval(self, session=None):
        """The variable's value in `session` (or the default session)."""
        return self._snapshot.eval(session=session)

    def load(self, value, session=None):
        sess = _session_or_default(session, self._snapshot)
        sess._set_variable(self, value)

    def _tfedu_tensor_(self, dtype=None, name=None, as_ref=False):
        if dtype is not None and dtypes.as_dtype(dtype) is not self._dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for variable "
                f"with dtype {self._dtype.name}: {self!r}"
            )
        return self.value()

    # --- writing (ops that take effect when run) ----------------------------------------
    def _assign_op(self, opdef, value, name, read_value, default_name):
        g = self._graph
        v = convert_to_tensor(value, dtype=self._dtype)
        execute(opdef, [self._handle, v], name=name if name and not read_value else None,
                default_name=default_name)
        op = _last_op(g)
        if not read_value:
            return op
        with g.control_dependencies([op]):
            return self._read()

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._assign_op(go.ASSIGN_VARIABLE, value, name, read_value, "AssignVariableOp")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign_op(go.ASSIGN_ADD_VARIABLE, delta, name, read_value,
                               "AssignAddVariableOp")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign_op(go.ASSIGN_SUB_VARIABLE, delta, name, read_value,
                               "AssignSubVariableOp")

    # --- python protocol ----------------------------------------------------------------
    def __getitem__(self, key):
        return self.value()[key]

    def __bool__(self):
        return self.value().__bool__()

    def __iter__(self):
        return iter(self.value())

    def __len__(self):
        return len(self.value())

    def __float__(self):
        raise TypeError("A graph variable has no value outside a Session.")

    __int__ = __index__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Variable ({self._name}) to a numpy array.")

    def __deepcopy__(self, memo):
        raise TypeError("Graph variables cannot be copied.")

    def __reduce__(self):
        raise TypeError("Graph variables cannot be pickled.")

    def __repr__(self):
        dt = self._dtype.name + ("_ref" if self._kind == "ref" else "")
        return (f"<tf.Variable '{self._name}' shape={_shape_text(self._shape.as_tuple())} "
                f"dtype={dt}>")

    __str__ = __repr__


def _graph_variable_factory(*args, **kwargs):
    """Called by `tf.Variable(...)` while a graph is being built: make a graph variable."""
    g = _state.graph
    if getattr(g, "_building_function", False) and function_variable_factory is not None:
        return function_variable_factory(*args, **kwargs)
    return object.__new__(GraphVariable)


_vars._graph_variable_factory = _graph_variable_factory
