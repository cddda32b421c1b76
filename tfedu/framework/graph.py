"""`Graph` and `Operation`: the dataflow graph shared by TF 1.x graph mode and `tf.function`.

A graph is a list of operations in creation order. Each `Operation` has an op type (a registry
entry), attributes, input tensors and output `SymbolicTensor`s. Names follow TensorFlow's rules:
`add`, `add_1`; uniquified case-insensitively; prefixed by `name_scope`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
import threading

from tfedu.framework import context
from tfedu.framework.tensor import SymbolicTensor

__all__ = ["Graph", "Operation", "GraphKeys", "user_source_location"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# Installed libraries (IPython, ipykernel, the standard library): never the user's line.
_LIBRARY_DIRS = tuple({os.path.abspath(p) + os.sep for k, p in sysconfig.get_paths().items()
                       if k in ("stdlib", "platstdlib", "purelib", "platlib") and p})


def user_source_location():
    """(filename, lineno, function) of the innermost frame outside tfedu and installed
    libraries: the user's line (None when there is none, e.g. a graph traced by a display)."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PKG_DIR) and not fn.startswith(_LIBRARY_DIRS) and \
                "importlib" not in fn and not fn.startswith("<frozen"):
            return (fn, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


class GraphKeys:
    """Standard collection names (`tf.compat.v1.GraphKeys`)."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    GLOBAL_STEP = "global_step"
    VARIABLES = GLOBAL_VARIABLES


class Operation:
    """A node of a graph: one op type applied to input tensors, producing output tensors."""

    def __init__(self, graph, opdef, name, inputs, attrs, output_specs, control_inputs=()):
        self._graph = graph
        self._opdef = opdef
        self._name = name
        self._inputs = list(inputs)
        self._attrs = dict(attrs)
        self._control_inputs = list(control_inputs)
        self._outputs = [
            SymbolicTensor(self, i, shape, dtype) for i, (shape, dtype) in enumerate(output_specs)
        ]
        self._device = ""
        self._source = user_source_location()
        self._id = None
        for t in self._inputs:
            t._consumers.append(self)

    # --- TF's public surface -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._opdef.type

    @property
    def opdef(self):
        return self._opdef

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        return tuple(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def device(self) -> str:
        return self._device

    @property
    def attrs(self) -> dict:
        return self._attrs

    @property
    def source_location(self):
        """(file, line, function) of the user code that created this op, if known."""
        return self._source

    def values(self):
        return tuple(self._outputs)

    def get_attr(self, name):
        try:
            return self._attrs[name]
        except KeyError:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.") from None

    def _add_control_input(self, op):
        if op not in self._control_inputs:
            self._control_inputs.append(op)

    def run(self, feed_dict=None, session=None):
        """Run this op in `session` (or the default session), as in TF 1.x."""
        from tfedu.framework.session_hooks import run_operation

        return run_operation(self, feed_dict, session)

    @property
    def node_def(self):
        from tfedu.framework.graph_def import node_def

        return node_def(self)

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self.type}>"

    def __str__(self):
        return str(self.node_def)


class Graph:
    """A TensorFlow graph: operations, their names, name scopes and collections."""

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._collections = {}
        self._finalized = False
        self._lock = threading.RLock()
        self._control_dependencies_stack = []
        self._seed = None
        self._last_op_id = 0
        self._building_function = False
        self._version = 0

    # --- entering ------------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Make this the graph new ops go into (works even while eager is on globally)."""
        context.push_graph(self)
        try:
            yield self
        finally:
            context.pop_graph(self)

    # --- names ---------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_name_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_name_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Open a name scope: `name` is uniquified; a trailing `/` re-enters a scope verbatim."""
        old = self._name_stack
        if name:
            if name.endswith("/"):
                new_stack = name[:-1]
            else:
                new_stack = self.unique_name(name)
        else:
            new_stack = ""
        self._name_stack = new_stack
        try:
            yield (new_stack + "/") if new_stack else ""
        finally:
            self._name_stack = old

    def _op_name(self, name: str | None, default: str) -> str:
        """The name for a new op: verbatim if it ends in `/`, else uniquified under the scope."""
        if name and name.endswith("/"):
            return name[:-1]
        return self.unique_name(name or default)

    # --- building ------------------------------------------------------------------------
    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    def _create_op(self, opdef, name, inputs, attrs, output_specs) -> Operation:
        self._check_not_finalized()
        control = []
        for deps in self._control_dependencies_stack:
            for c in deps:
                if c not in control:
                    control.append(c)
        op = Operation(self, opdef, name, inputs, attrs, output_specs, control)
        self._last_op_id += 1
        op._id = self._last_op_id
        self._ops.append(op)
        self._ops_by_name[name] = op
        self._version += 1
        return op

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after `control_inputs` (ops or tensors). None clears."""
        if control_inputs is None:
            saved = self._control_dependencies_stack
            self._control_dependencies_stack = []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_graph_op"):
                c = c._graph_op()
            op = c if isinstance(c, Operation) else getattr(c, "op", None)
            if op is None:
                raise TypeError(f"Control input must be an Operation or Tensor: {c!r}")
            ops.append(op)
        self._control_dependencies_stack.append(ops)
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def _capture(self, tensor, name=None):
        """An outside tensor used in this graph: eager values become constants."""
        from tfedu.framework.convert import _const_in_graph
        from tfedu.framework.tensor import EagerTensor

        if isinstance(tensor, EagerTensor):
            return _const_in_graph(self, tensor._value, tensor._dtype, name)
        raise ValueError(
            f"Tensor {tensor!r} must be from the same graph as the other inputs "
            f"(it belongs to a different graph)."
        )

    def finalize(self):
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    @property
    def version(self) -> int:
        return self._version

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        self._seed = value

    # --- lookup --------------------------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        op = self._ops_by_name.get(name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        return op

    def get_tensor_by_name(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        op_name, sep, idx = name.rpartition(":")
        if not sep or not idx.isdigit():
            raise ValueError(
                f"The name '{name}' looks a like an Operation name, not a Tensor name. Tensor "
                "names must be of the form \"<op_name>:<output_index>\"."
            )
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                f"'{op_name}', does not exist in the graph."
            )
        i = int(idx)
        if i >= len(op._outputs):
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                f"'{op_name}', exists but only has {len(op._outputs)} outputs."
            )
        return op._outputs[i]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                if obj not in self._ops_by_name:
                    raise KeyError(f"The name {obj!r} refers to an Operation not in the graph.")
                return self._ops_by_name[obj]
        if isinstance(obj, SymbolicTensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    # --- collections ---------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in [names] if isinstance(names, str) else names:
            self.add_to_collection(n, value)

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        import re

        rx = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and rx.match(i.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return [k for k in self._collections if isinstance(k, str)]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # --- serialisation -------------------------------------------------------------------
    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as a `GraphDef` (prints like TF's protobuf text form)."""
        from tfedu.framework.graph_def import graph_def

        return graph_def(self)

    def as_json(self) -> dict:
        """JSON-safe description of every op (for the graph viewer and exporters)."""
        from tfedu.framework.graph_def import graph_to_dict

        return graph_to_dict(self)

    def __repr__(self):
        return f"<tfedu Graph with {len(self._ops)} operations>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the interactive graph view of `tfedu.viz.show_graph`."""
        from tfedu.viz import show_graph

        return show_graph(self)._repr_mimebundle_(include=include, exclude=exclude)
