"""Public graph-mode functions: `tf.group`, `tf.control_dependencies`, `tf.gradients` and the
`tf.compat.v1` graph API (placeholders, sessions, initializers, collections, v1 variables)."""

from __future__ import annotations

import contextlib

import numpy as np

from tfedu.framework import context, dtypes
from tfedu.framework import graph_ops as go
from tfedu.framework.context import _state
from tfedu.framework.execute import execute
from tfedu.framework.graph import Graph, GraphKeys, Operation
from tfedu.framework.name_scope import name_scope
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.variables import Variable
from tfedu.graph.gradients import gradients
from tfedu.graph.session import InteractiveSession, Session, get_default_session
from tfedu.graph.variables import GraphVariable, ref_variables_enabled, use_ref_variables
from tfedu.ops.op_helpers import export

__all__ = ["group", "no_op", "control_dependencies", "placeholder", "placeholder_with_default",
           "global_variables_initializer", "variables_initializer",
           "report_uninitialized_variables", "VariableV1"]

export("gradients", "compat.v1.gradients")(gradients)
export("compat.v1.Session")(Session)
export("compat.v1.InteractiveSession")(InteractiveSession)
export("compat.v1.get_default_session")(get_default_session)
export("compat.v1.Graph")(Graph)
export("compat.v1.GraphKeys")(GraphKeys)
export("compat.v1.Operation")(Operation)


def _ops_of(inputs):
    out = []
    for x in inputs:
        if isinstance(x, (list, tuple)):
            out.extend(_ops_of(x))
        elif x is None:
            continue
        elif isinstance(x, Operation):
            out.append(x)
        elif hasattr(x, "_graph_op"):
            out.append(x._graph_op())
        else:
            out.append(x.op)
    return out


def _no_op(name, default):
    g = _state.graph
    execute(go.NO_OP, [], name=name, default_name=default)
    return g._ops[-1]


@export("group", "compat.v1.group")
def group(*inputs, name=None):
    """An op that runs all `inputs` (ops or tensors) and outputs nothing (None when eager)."""
    if _state.graph is None:
        return None
    deps = _ops_of(inputs)
    with _state.graph.control_dependencies(deps):
        return _no_op(name, "group_deps")


@export("no_op", "compat.v1.no_op")
def no_op(name=None):
    """An op that does nothing (useful as a control-dependency anchor)."""
    if _state.graph is None:
        return None
    return _no_op(name, "NoOp")


@export("control_dependencies", "compat.v1.control_dependencies")
def control_dependencies(control_inputs):
    """Ops created inside run only after `control_inputs` (a no-op context when eager)."""
    if _state.graph is None:
        return contextlib.nullcontext()
    return _state.graph.control_dependencies(control_inputs)


# ------------------------------------------------------------------------------------------
# Graphs and eager mode
# ------------------------------------------------------------------------------------------


@export("compat.v1.get_default_graph")
def get_default_graph():
    """The graph new ops go into: the innermost `as_default()` graph, else the global one."""
    return context.get_default_graph()


@export("compat.v1.reset_default_graph")
def reset_default_graph():
    """Replace the global default graph with a new, empty one."""
    context.reset_global_default_graph()


@export("compat.v1.disable_eager_execution")
def disable_eager_execution():
    """Build ops into the global default graph instead of running them."""
    context.set_eager_globally(False)


@export("compat.v1.enable_eager_execution")
def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Turn eager execution back on (TF1 programs that ask for it; the default here)."""
    context.set_eager_globally(True)


@export("compat.v1.disable_v2_behavior")
def disable_v2_behavior():
    """TF 1.x behaviour: graph mode and classic (ref) variables for `tf.compat.v1.Variable`."""
    context.set_eager_globally(False)
    use_ref_variables(True)


@export("compat.v1.enable_v2_behavior")
def enable_v2_behavior():
    """Turn TF2 behaviour back on: eager execution and resource variables."""
    context.set_eager_globally(True)
    use_ref_variables(False)


@export("compat.v1.executing_eagerly_outside_functions")
def executing_eagerly_outside_functions():
    """Whether ops outside any `tf.function` run eagerly."""
    return context.eager_globally_enabled()


# ------------------------------------------------------------------------------------------
# Placeholders
# ------------------------------------------------------------------------------------------


@export("compat.v1.placeholder")
def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed at `Session.run` time."""
    if _state.graph is None:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    attrs = {"dtype": dtypes.as_dtype(dtype), "shape": TensorShape(shape)}
    return execute(go.PLACEHOLDER, [], attrs, name=name, default_name="Placeholder")


@export("compat.v1.placeholder_with_default")
def placeholder_with_default(input, shape, name=None):
    """`input`, unless a value is fed for this tensor."""
    return execute(go.PLACEHOLDER_WITH_DEFAULT, [input], {"shape": TensorShape(shape)},
                   name=name, default_name="PlaceholderWithDefault")


# ------------------------------------------------------------------------------------------
# Variables and initializers
# ------------------------------------------------------------------------------------------


class VariableV1(Variable):
    """`tf.compat.v1.Variable`: in a graph, a classic ref variable after disable_v2_behavior."""

    def __new__(cls, *args, **kwargs):
        if _state.graph is not None:
            obj = object.__new__(GraphVariable)
            obj.__init__(*args, _kind="ref" if ref_variables_enabled() else "resource", **kwargs)
            return obj
        for k in ("collections", "use_resource", "expected_shape"):
            kwargs.pop(k, None)
        return Variable(*args, **kwargs)


VariableV1.__name__ = VariableV1.__qualname__ = "VariableV1"
export("compat.v1.Variable")(VariableV1)


def _collection(key, scope=None):
    return context.get_default_graph().get_collection(key, scope)


@export("compat.v1.global_variables", "compat.v1.all_variables")
def global_variables(scope=None):
    """The variables of the default graph's GLOBAL_VARIABLES collection."""
    return _collection(GraphKeys.GLOBAL_VARIABLES, scope)


@export("compat.v1.trainable_variables")
def trainable_variables(scope=None):
    """The variables of the default graph's TRAINABLE_VARIABLES collection."""
    return _collection(GraphKeys.TRAINABLE_VARIABLES, scope)


@export("compat.v1.local_variables")
def local_variables(scope=None):
    """The variables of the default graph's LOCAL_VARIABLES collection."""
    return _collection(GraphKeys.LOCAL_VARIABLES, scope)


@export("compat.v1.model_variables")
def model_variables(scope=None):
    """The variables of the default graph's MODEL_VARIABLES collection."""
    return _collection(GraphKeys.MODEL_VARIABLES, scope)


@export("compat.v1.get_collection")
def get_collection(key, scope=None):
    """The items of the default graph's collection `key` (names under `scope` only)."""
    return _collection(key, scope)


@export("compat.v1.get_collection_ref")
def get_collection_ref(key):
    """The default graph's list for collection `key` itself (changes show)."""
    return context.get_default_graph().get_collection_ref(key)


@export("compat.v1.add_to_collection")
def add_to_collection(name, value):
    """Add `value` to the default graph's collection `name`."""
    context.get_default_graph().add_to_collection(name, value)


@export("compat.v1.add_to_collections")
def add_to_collections(names, value):
    """Add `value` to each of the default graph's collections `names`."""
    context.get_default_graph().add_to_collections(names, value)


@export("compat.v1.variables_initializer", "compat.v1.initialize_variables")
def variables_initializer(var_list, name="init"):
    """One op running the initializers of `var_list` (None when eager)."""
    if _state.graph is None:
        return None
    inits = [v.initializer for v in var_list if hasattr(v, "initializer")]
    with _state.graph.control_dependencies(inits):
        return _no_op(name, "init")


@export("compat.v1.global_variables_initializer", "compat.v1.initialize_all_variables")
def global_variables_initializer():
    """The op that initializes every global variable: run it first in each Session."""
    return variables_initializer(global_variables())


@export("compat.v1.local_variables_initializer", "compat.v1.initialize_local_variables")
def local_variables_initializer():
    """An op that initializes every local variable."""
    return variables_initializer(local_variables(), name="init")


@export("compat.v1.is_variable_initialized")
def is_variable_initialized(variable):
    """A boolean op: whether `variable` has been initialized in the session."""
    return variable.is_initialized()


def _report_kernel(*flags, names=()):
    missing = [n.encode() for n, ok in zip(names, flags) if not bool(ok)]
    return np.array(missing, dtype=object).reshape(len(missing))


REPORT_UNINITIALIZED = register_op(
    "ReportUninitializedVariables", group="variable", inputs=("flags: N*bool",), outputs=("names: string",),
    export={"graphdef": {"unsupported": "it is tfedu's own op; TensorFlow has none of that name"}},
    attrs={"names": ()}, infer=lambda op: [(TensorShape([None]), dtypes.string)],
    kernel=lambda flags, names=(): _report_kernel(*flags, names=names),
    doc="Names of the variables whose initializer has not run yet in this session.")


@export("compat.v1.report_uninitialized_variables")
def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor with the names of uninitialized variables (when run)."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    g = context.get_default_graph()
    with g.name_scope(name):
        flags = [v.is_initialized() for v in var_list]
        names = tuple(v.op.name for v in var_list)
        return execute(REPORT_UNINITIALIZED, [flags], {"names": names}, name="boolean_mask")


@export("compat.v1.assert_variables_initialized")
def assert_variables_initialized(var_list=None):
    """An op that fails when run while any of `var_list` is uninitialized."""
    return None


@export("compat.v1.assign")
def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """`ref = value` as an op (TF1's `tf.assign`); returns the new value."""
    return ref.assign(value, name=name)


@export("compat.v1.assign_add")
def assign_add(ref, value, use_locking=None, name=None):
    """`ref += value` as an op (TF1's `tf.assign_add`); returns the new value."""
    return ref.assign_add(value, name=name)


@export("compat.v1.assign_sub")
def assign_sub(ref, value, use_locking=None, name=None):
    """`ref -= value` as an op (TF1's `tf.assign_sub`); returns the new value."""
    return ref.assign_sub(value, name=name)


@export("compat.v1.name_scope")
class name_scope_v1:
    """`tf.compat.v1.name_scope(name, default_name, values)`: None resets to the root scope."""

    def __init__(self, name, default_name=None, values=None):
        self._name = name if name is not None else default_name
        self._reset = name is None and default_name is None
        self._ctx = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        g = _state.graph
        if g is None:
            if self._name is None:
                self._ctx = contextlib.nullcontext("")
            else:
                self._ctx = name_scope(self._name)
        else:
            self._ctx = g.name_scope(None if self._reset else self._name)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


name_scope_v1.__name__ = name_scope_v1.__qualname__ = "name_scope"
