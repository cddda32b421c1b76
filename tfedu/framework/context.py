"""The execution context: are ops computed now (eager) or added to a graph?

One thread-local record holds the answer, so the eager fast path checks a single attribute
(`_state.graph is None`). Graphs are entered with `Graph.as_default()` (pushed on a stack) or
globally by `tf.compat.v1.disable_eager_execution()`; `tf.function` pushes its `FuncGraph`.
"""

from __future__ import annotations

import threading

_eager_globally = True
_global_default_graph = None


class _ThreadState(threading.local):
    def __init__(self):
        self.graph_stack = []  # explicitly entered graphs, innermost last
        self.graph = None  # the graph new ops go into, or None when eager
        self.tapes = []  # active GradientTapes (eager or symbolic)
        self.eager_name_stack = ""  # tf.name_scope while eager (no op names, but get_name_scope)
        self.device_stack = []
        self.control_flow_stack = []  # cond/while builders while tracing control flow
        # While tfedu.viz records plan runs (step-through, profile): called with a concrete
        # function, it returns the runner that records its plan (see tfedu/viz/recorder.py).
        self.plan_observer = None
        _refresh(self)


def _refresh(state=None):
    st = state if state is not None else _state
    if st.graph_stack:
        st.graph = st.graph_stack[-1]
    elif not _eager_globally:
        st.graph = get_global_default_graph()
    else:
        st.graph = None


_state = _ThreadState()


def get_global_default_graph():
    global _global_default_graph
    if _global_default_graph is None:
        from tfedu.framework.graph import Graph

        _global_default_graph = Graph()
    return _global_default_graph


def reset_global_default_graph():
    global _global_default_graph
    if _state.graph_stack:
        raise AssertionError(
            "Do not use tf.reset_default_graph() to clear nested graphs. If you need a cleared "
            "graph, exit the nesting and create a new graph."
        )
    _global_default_graph = None
    _refresh()


def push_graph(graph):
    _state.graph_stack.append(graph)
    _state.graph = graph


def pop_graph(graph):
    stack = _state.graph_stack
    if not stack or stack[-1] is not graph:
        raise RuntimeError("Nesting violated for default graph stack.")
    stack.pop()
    _refresh()


def executing_eagerly() -> bool:
    """True when ops run immediately (TF 2 default); False while building a graph."""
    return _state.graph is None


def building_graph():
    """The graph ops are currently added to, or None."""
    return _state.graph


def get_default_graph():
    return _state.graph if _state.graph is not None else get_global_default_graph()


def set_eager_globally(enabled: bool):
    global _eager_globally
    _eager_globally = bool(enabled)
    _refresh()


def eager_globally_enabled() -> bool:
    return _eager_globally


def state():
    return _state
