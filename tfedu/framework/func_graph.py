"""`FuncGraph`: the graph a `tf.function` (or a `tf.cond` branch, a loop body) is traced into.

On top of a plain `Graph` it knows its inputs and outputs and what it *captured* from outside:

- an eager tensor used inside is captured by value: a `Const` when small (TF's threshold is 128
  elements), otherwise a placeholder fed with the value frozen at trace time;
- a tensor of an enclosing graph becomes a placeholder; whoever calls this graph passes the
  outer tensor in (that is how cond branches and loop bodies see the surrounding function);
- an eager `tf.Variable` is captured *by reference*: a `resource` placeholder fed with the
  variable itself, read through `ReadVariableOp` each time the graph runs.
"""

from __future__ import annotations

import contextlib
import itertools

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework import graph_ops as go
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.graph import Graph
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor, _shape_text, _wrap
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["FuncGraph", "placeholder", "init_scope", "VariableArgument", "handle_in_graph",
           "is_eager_variable", "InaccessibleTensorError", "create_graph_op", "graph_inputs",
           "tape_inputs", "graph_function", "gradient_function", "FUNCTION_RUNTIME"]

_EAGER_CONST_THRESHOLD = 128
_VARIANT = dtypes.variant


class InaccessibleTensorError(ValueError):
    """A tensor of another (inner or finished) graph used where it cannot be reached."""
_uid = itertools.count(1)


def placeholder(graph, dtype, shape, name):
    """A `Placeholder` op in `graph` (which must be the default graph)."""
    t = execute(go.PLACEHOLDER, [], {"dtype": dtype, "shape": TensorShape(shape)}, name=name,
                default_name="Placeholder")
    return t


@contextlib.contextmanager
def init_scope():
    """Leave every graph being built: code inside runs eagerly (variable creation, lifting)."""
    saved_stack, saved_graph = _state.graph_stack, _state.graph
    _state.graph_stack = []
    from tfedu.framework.context import _refresh

    _refresh()
    try:
        yield
    finally:
        _state.graph_stack = saved_stack
        _state.graph = saved_graph


def is_eager_variable(v) -> bool:
    return getattr(v, "_is_variable", False) and isinstance(getattr(v, "_value", None),
                                                            np.ndarray)


class FuncGraph(Graph):
    """A graph with explicit inputs/outputs and captures of outer values."""

    def __init__(self, name: str, outer_graph=None):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs = []  # placeholders: arguments first, then captures
        self.outputs = []
        self.structured_input_signature = None
        self.structured_outputs = None
        self._building_function = True
        self._captures = {}  # id(outer value) -> (outer value, placeholder)
        self._variable_handles = {}  # id(variable) -> (variable, handle placeholder)
        self._created_variables = []
        self._seed = getattr(outer_graph, "_seed", None)

    def __repr__(self):
        return f"FuncGraph(name={self.name}, id={id(self)})"

    # --- captures ------------------------------------------------------------------------
    @property
    def captures(self):
        """(outer value, inner placeholder) pairs, in capture order."""
        return list(self._captures.values())

    @property
    def external_captures(self):
        return [c[0] for c in self._captures.values()]

    @property
    def internal_captures(self):
        return [c[1] for c in self._captures.values()]

    @property
    def variables(self):
        return [v for v, _ in self._variable_handles.values()]

    def _capture(self, tensor, name=None):
        if isinstance(tensor, EagerTensor):
            v = tensor._value
            if v.size <= _EAGER_CONST_THRESHOLD and v.dtype != object:
                from tfedu.framework.convert import _const_in_graph

                return _const_in_graph(self, v, tensor._dtype, name)
        elif not isinstance(tensor, SymbolicTensor):
            raise TypeError(f"Cannot capture {tensor!r}")
        hit = self._captures.get(id(tensor))
        if hit is not None:
            return hit[1]
        if isinstance(tensor, SymbolicTensor) and not self._is_ancestor(tensor.graph):
            raise self._out_of_scope(tensor)
        with self.as_default(), self.control_dependencies(None):
            saved = self._name_stack
            self._name_stack = ""
            try:
                ph = placeholder(self, tensor.dtype, tensor.shape, name or "Placeholder")
            finally:
                self._name_stack = saved
        hd = getattr(getattr(tensor, "_op", None), "_handle_data", None)
        if hd is not None:
            ph._op._handle_data = hd
        self._captures[id(tensor)] = (tensor, ph)
        self.inputs.append(ph)
        return ph

    def _out_of_scope(self, tensor) -> Exception:
        """TF's error for a tensor of a graph that does not enclose this one: one of a graph
        nested in this one (a loop body's) is InaccessibleTensorError; one of an unrelated graph
        (kept from another tf.function's trace, "leaked") is a TypeError, in the same words."""
        message = (f"{tensor!r} is out of scope and cannot be used here. Use return values, "
                   "explicit Python locals or TensorFlow collections to access it.\nPlease see "
                   "https://www.tensorflow.org/guide/function#all_outputs_of_a_tffunction_must_"
                   "be_return_values for more information.")
        g = tensor.graph
        while g is not None:
            if g is self:
                return InaccessibleTensorError(message)
            g = getattr(g, "outer_graph", None)
        return TypeError(message)

    def _is_ancestor(self, graph) -> bool:
        g = self.outer_graph
        while g is not None:
            if g is graph:
                return True
            g = getattr(g, "outer_graph", None)
        return False

    def variable_handle(self, var, consumer="ReadVariableOp"):
        """The resource placeholder standing for `var` in this graph (captured once).

        Named after the op that first uses it, as TF does: `mul/ReadVariableOp/resource`.
        """
        hit = self._variable_handles.get(id(var))
        if hit is not None:
            return hit[1]
        if isinstance(var, VariableArgument) and var._graph is self:
            return var._handle
        name = self.unique_name(consumer, mark_as_used=False)
        while name + "/resource" in self._ops_by_name:  # handles a call captures, no read yet
            self.unique_name(consumer)
            name = self.unique_name(consumer, mark_as_used=False)
        name += "/resource/"
        saved_stack, saved_deps = self._name_stack, self._control_dependencies_stack
        self._control_dependencies_stack = []
        _state.graph_stack.append(self)
        _state.graph = self
        try:
            ph = placeholder(self, dtypes.resource, [], name)
        finally:
            _state.graph_stack.pop()
            from tfedu.framework.context import _refresh

            _refresh()
            self._name_stack, self._control_dependencies_stack = saved_stack, saved_deps
        ph._op._handle_data = (var._dtype, TensorShape(var.shape))
        self._variable_handles[id(var)] = (var, ph)
        self._captures[id(var)] = (var, ph)
        self.inputs.append(ph)
        return ph

    def _read_eager_variable(self, var):
        """`var.value()` inside this graph: a `ReadVariableOp` on the captured handle."""
        return read_through_handle(var, self.variable_handle(var))

    def _assign_eager_variable(self, var, kind, value, read_value):
        handle = self.variable_handle(var, _ASSIGN_OPS[kind][1])
        return assign_through_handle(var, handle, kind, value, read_value)


_ASSIGN_OPS = {"assign": (go.ASSIGN_VARIABLE, "AssignVariableOp"),
               "assign_add": (go.ASSIGN_ADD_VARIABLE, "AssignAddVariableOp"),
               "assign_sub": (go.ASSIGN_SUB_VARIABLE, "AssignSubVariableOp")}


def read_through_handle(var, handle):
    t = execute(go.READ_VARIABLE, [handle], {"dtype": var._dtype}, default_name="ReadVariableOp")
    t._shape = TensorShape(var.shape)
    if _state.tapes:
        for tape in _state.tapes:
            tape._read_variable(var, t)
    return t


def assign_through_handle(var, handle, kind, value, read_value):
    opdef, default = _ASSIGN_OPS[kind]
    v = convert_to_tensor(value, dtype=var._dtype)
    op = execute(opdef, [handle, v], default_name=default)
    if not read_value:
        return op
    # like TF's unread variable: read only when used (plans run ops in creation order)
    unread = VariableArgument(_state.graph, handle, var.dtype, var.shape, var.name,
                              getattr(var, "trainable", True))
    unread._primary = getattr(var, "_primary", var)
    return unread


def handle_in_graph(graph, var):
    """The tensor that carries `var`'s resource handle into `graph`."""
    if isinstance(graph, FuncGraph) and is_eager_variable(var):
        return graph.variable_handle(var)
    h = var.handle
    if isinstance(h, SymbolicTensor):
        if h.graph is graph:
            return h
        if isinstance(graph, FuncGraph):
            hit = graph._variable_handles.get(id(var))
            if hit is not None:
                return hit[1]
            ph = graph._capture(h)
            graph._variable_handles[id(var)] = (var, ph)
            return ph
    raise ValueError(f"Cannot use variable {var!r} inside graph {graph!r}")


class VariableArgument:
    """A `tf.Variable` passed as an argument, as the traced function sees it: a handle input."""

    _is_variable = True
    __array_priority__ = 100

    def __init__(self, graph, handle, dtype, shape, name, trainable=True):
        self._graph = graph
        self._handle = handle
        self._dtype = dtype
        self._shape = TensorShape(shape)
        self._name = name
        self._trainable = trainable
        self._uid = next(_uid)

    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    name = property(lambda self: self._name)
    trainable = property(lambda self: self._trainable)
    handle = property(lambda self: self._handle)
    graph = property(lambda self: self._graph)

    def get_shape(self):
        return self._shape

    def value(self) -> Tensor:
        g = _state.graph
        h = self._handle if g is self._graph else handle_in_graph(g, self)
        return read_through_handle(self, h)

    read_value = value

    def _tfedu_tensor_(self, dtype=None, name=None, as_ref=False):
        if dtype is not None and dtypes.as_dtype(dtype) is not self._dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for variable with dtype {self._dtype.name}: {self!r}")
        return self.value()

    def _assign(self, kind, value, read_value):
        g = _state.graph
        h = self._handle if g is self._graph else handle_in_graph(g, self)
        return assign_through_handle(self, h, kind, value, read_value)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._assign("assign", value, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign("assign_add", delta, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign("assign_sub", delta, read_value)

    def __getitem__(self, key):
        return self.value()[key]

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def ref(self):
        from tfedu.framework.tensor import Reference

        return Reference(self)

    def __bool__(self):
        return bool(self.value())

    def __repr__(self):
        return (f"<tf.Variable '{self._name}' shape={_shape_text(self._shape.as_tuple())} "
                f"dtype={self._dtype.name}>")


def _forward(opname):
    def method(self, *args):
        return getattr(self.value(), opname)(*args)

    method.__name__ = opname
    return method


for _op in Tensor.OVERLOADABLE_OPERATORS - {"__getitem__"}:
    setattr(VariableArgument, _op, _forward(_op))
VariableArgument.__hash__ = None


# ------------------------------------------------------------------------------------------
# Call and control-flow ops: their inputs in the graph being built, and what tapes record
# ------------------------------------------------------------------------------------------


def create_graph_op(opdef, inputs, attrs, output_specs, default_name, name=None):
    """Add an op with a heterogeneous input list (call and control-flow ops) to the graph."""
    g = _state.graph
    op_name = g._op_name(name, default_name)
    op = g._create_op(opdef, op_name, inputs, attrs, output_specs)
    op._kernel_attrs = dict(attrs)
    op._structure = [len(inputs)]
    return op


def graph_inputs(values):
    """Tensors for `values` in the current graph (variables become their resource handle)."""
    g = _state.graph
    out = []
    for v in values:
        if getattr(v, "_is_variable", False):
            out.append(handle_in_graph(g, v))
        elif isinstance(v, np.ndarray) and v.dtype == object and v.shape == () \
                and isinstance(v[()], tuple):
            out.append(convert_to_tensor(_wrap(v, _VARIANT)))
        else:
            out.append(convert_to_tensor(v))
    return out


def tape_inputs(values, tensors):
    """What tapes see as inputs of a call: tensors, and a fresh read for each variable."""
    out = []
    for v, t in zip(values, tensors):
        if getattr(v, "_is_variable", False):
            out.append(v.value())
        else:
            out.append(t)
    return out


# ------------------------------------------------------------------------------------------
# The function runtime hook
# ------------------------------------------------------------------------------------------
# Control-flow ops (in tfedu.ops) trace branches and loop bodies into FuncGraphs. Running such
# a graph (a compiled execution plan) and differentiating it (a gradient FuncGraph) is the
# machinery of tf.function, one layer up: `tfedu.function` registers it here when it loads
# (tfedu's __init__ loads it), as `Tensor.eval` reaches a Session through `session_hooks`.


class _FunctionRuntime:
    """Filled by `tfedu.function.concrete_function` and `tfedu.function.gradients` (both loaded
    by `tfedu.function`'s __init__)."""

    graph_function = None  # FuncGraph -> a callable ConcreteFunction of it
    gradient_function = None  # FuncGraph -> (ConcreteFunction of input gradients, mask)


FUNCTION_RUNTIME = _FunctionRuntime()


def graph_function(graph):
    """`graph` as a runnable function (a ConcreteFunction whose inputs are `graph.inputs`)."""
    return FUNCTION_RUNTIME.graph_function(graph)


def gradient_function(graph):
    """(function computing `graph`'s input gradients from upstream ones, mask of inputs)."""
    return FUNCTION_RUNTIME.gradient_function(graph)
