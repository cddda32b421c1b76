"""Graph payloads (`application/vnd.tfedu.graph+json`, schema v2) and their notebook display.

`graph_payload` turns a `tfedu.Graph` (or anything holding one: an Operation, a tensor, a
traced function) into plain JSON data; `show_graph` wraps it in an object that Jupyter
displays with the tfedu lab extension, falling back to a static SVG or text elsewhere. The
SVG is drawn only when quick: up to `SVG_FALLBACK_MAX_NODES` drawn nodes and
`SVG_FALLBACK_TIMEOUT_S` of Graphviz; bigger graphs get a text summary instead.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from importlib import resources
from typing import Any

import numpy as np

__all__ = [
    "GRAPH_MIME_TYPE",
    "GRAPH_SCHEMA_VERSION",
    "GraphView",
    "graph_payload",
    "graph_schema",
    "show_graph",
]

GRAPH_MIME_TYPE = "application/vnd.tfedu.graph+json"
GRAPH_SCHEMA_VERSION = 2

_VALUE_TEXT_LIMIT = 400
# The static SVG is drawn only up to this many nodes (ops outside collapsed scopes, plus one
# per collapsed scope) and within this time; bigger graphs get a text summary instead.
SVG_FALLBACK_MAX_NODES = 500
SVG_FALLBACK_TIMEOUT_S = 2.0
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def graph_schema() -> dict:
    """The JSON Schema (draft 2020-12) of graph payload version 2."""
    text = resources.files("tfedu.viz").joinpath("schemas/graph.v2.json").read_text("utf-8")
    return json.loads(text)


def _as_graph(obj: Any):
    """The `tfedu.Graph` that `obj` is or holds."""
    from tfedu.framework.graph import Graph

    seen = 0
    while not isinstance(obj, Graph):
        for attr in ("graph", "_graph"):
            inner = getattr(obj, attr, None)
            if inner is not None and inner is not obj:
                obj = inner
                break
        else:
            get_concrete = getattr(obj, "get_concrete_function", None)
            if callable(get_concrete):
                traced = getattr(obj, "concrete_functions", None)
                if traced:
                    obj = traced[-1]  # the latest trace of a tf.function
                    continue
                try:
                    obj = get_concrete()
                except TypeError as e:
                    raise TypeError(
                        "This tf.function has not been traced yet: call it once, or pass "
                        "f.get_concrete_function(...) to show_graph."
                    ) from e
            else:
                raise TypeError(
                    f"Cannot show an object of type {type(obj).__name__} as a graph: pass a tf.Graph, an "
                    "Operation or Tensor of one, or a traced tf.function."
                )
        seen += 1
        if seen > 8:
            raise TypeError(f"Cannot find a graph in {type(obj).__name__}.")
    return obj


def _value_text(value: Any) -> str:
    a = np.asarray(value)
    if a.size <= 24 and a.dtype.kind in "biufc":  # graphs repeat small constants: format once
        return _small_value_text(a.dtype.str, a.shape, a.tobytes())
    return _format_value(a)


@functools.lru_cache(maxsize=4096)
def _small_value_text(dtype: str, shape: tuple, raw: bytes) -> str:
    return _format_value(np.frombuffer(raw, dtype=dtype).reshape(shape))


def _format_value(a: np.ndarray) -> str:
    text = np.array2string(a, threshold=24, edgeitems=3, precision=4)
    if len(text) > _VALUE_TEXT_LIMIT:
        text = text[: _VALUE_TEXT_LIMIT - 1] + "\u2026"
    return text


def _attr_text(value: Any) -> str:
    """An attribute value as short display text."""
    from tfedu.framework.dtypes import DType
    from tfedu.framework.tensor_shape import TensorShape

    from .dot import shape_text

    if isinstance(value, DType):
        return value.name
    if isinstance(value, TensorShape):
        return shape_text(None if value.rank is None else value.as_list())
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return str(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, np.ndarray):
        return _value_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_attr_text(v) for v in value) + "]"
    if isinstance(getattr(value, "dtype", None), DType) and hasattr(value, "shape"):
        shape = TensorShape(value.shape)
        return f"{shape_text(None if shape.rank is None else shape.as_list())} {value.dtype.name}"
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    return _ADDRESS.sub("", repr(value))


def _holds_graph(value: Any) -> bool:
    from tfedu.framework.graph import Graph

    return isinstance(value, Graph) or isinstance(getattr(value, "graph", None), Graph)


def _source_file(file: str) -> str:
    """`Cell In[3]` for code typed in a notebook cell (as IPython tracebacks say), else `file`."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    fmt = getattr(getattr(shell, "compile", None), "format_code_name", None)
    try:
        label = fmt(file) if fmt is not None else None
    except Exception:  # an unusual shell only loses the nicer name
        label = None
    return f"{label[0]} {label[1]}" if label else file


def source_of(op) -> dict | None:
    """Where the user created `op`: file (a notebook cell as `Cell In[3]`), line, function
    (AutoGraph's converted `tf__f` shown as `f`)."""
    src = op.source_location
    if src is None:
        return None
    function = str(src[2])
    function = function[4:] if function.startswith("tf__") else function
    return {"file": _source_file(str(src[0])), "line": int(src[1]), "function": function}


def _output(t) -> dict:
    shape = t.shape
    dims = None if shape.rank is None else [None if d is None else int(d) for d in shape.as_list()]
    return {"shape": dims, "dtype": t.dtype.name}


def _captured_variables(graph) -> dict[str, str]:
    """Op name -> variable name for the placeholders through which a function reads a
    captured variable (their own names, `ReadVariableOp/resource`, say nothing)."""
    out = {}
    for outer, inner in getattr(graph, "_captures", {}).values():
        if getattr(outer, "_is_variable", False):
            name = getattr(outer, "name", "")
            out[inner.op.name] = name[:-2] if name.endswith(":0") else name
    return out


def _payload(graph, title: str, active: set) -> dict:
    from .dot import layout_model

    active = active | {id(graph)}
    nodes = []
    subgraphs: dict[str, dict] = {}
    variables = _captured_variables(graph)
    for op in graph.get_operations():
        attrs: dict[str, str] = {}
        if op.name in variables:
            attrs["variable"] = variables[op.name]
        value = None
        for key, v in sorted(op.attrs.items()):
            if key.startswith("_"):
                continue
            if isinstance(v, np.ndarray) or (key == "value" and hasattr(v, "dtype")):
                value = _value_text(v)
                continue
            if _holds_graph(v):
                sub = _as_graph(v)
                fname = getattr(v, "name", None)
                sub_key = fname if isinstance(fname, str) and fname else f"{op.name}.{key}"
                attrs[key] = sub_key
                if id(sub) not in active and sub_key not in subgraphs:
                    subgraphs[sub_key] = _payload(sub, sub_key, active)
                continue
            attrs[key] = _attr_text(v)
        nodes.append({
            "id": op.name,
            "type": op.type,
            "scope": op.name.rpartition("/")[0],
            "attrs": attrs,
            "inputs": [t.name for t in op.inputs],
            "control_inputs": [c.name for c in op.control_inputs],
            "outputs": [_output(t) for t in op.outputs],
            "source": source_of(op),
            "value": value,
        })
    payload = {
        "version": GRAPH_SCHEMA_VERSION,
        "kind": "graph",
        "title": title,
        "nodes": nodes,
        "subgraphs": subgraphs,
    }
    payload["layout"] = layout_model(payload)
    return payload


def with_layouts(payload: dict) -> dict:
    """`payload` with the layout of it and of each subgraph computed from their nodes (after
    nodes were edited or built by hand)."""
    from .dot import layout_model

    for sub in payload.get("subgraphs", {}).values():
        with_layouts(sub)
    payload["layout"] = layout_model(payload)
    return payload


def graph_payload(graph_like: Any, title: str | None = None) -> dict:
    """The schema-v1 payload (plain JSON data) describing `graph_like`'s graph."""
    graph = _as_graph(graph_like)
    if title is None:
        name = getattr(graph, "name", None)
        title = name if isinstance(name, str) and name else "Graph"
    return _payload(graph, title, set())


def _check_payload(payload: Mapping) -> dict:
    if not isinstance(payload, Mapping) or payload.get("kind") != "graph":
        raise ValueError("A graph payload is a dict with kind 'graph'.")
    if payload.get("version") != GRAPH_SCHEMA_VERSION:
        raise ValueError(
            f"Unsupported graph payload version {payload.get('version')!r}; "
            f"this tfedu writes version {GRAPH_SCHEMA_VERSION}."
        )
    return with_layouts(json.loads(json.dumps(payload)))


def _in_thread(fn, timeout: float):
    """`fn()`'s result, or its exception raised here; `FutureTimeout` after `timeout` s.

    A daemon thread of its own per call: an abandoned slow drawing finishes in the background
    without holding up the next one (a shared pool would queue it behind) or Python's exit.
    """
    job: Future = Future()

    def run() -> None:
        try:
            job.set_result(fn())
        except BaseException as e:  # handed to the waiting caller
            job.set_exception(e)

    threading.Thread(target=run, name="tfedu-graphviz", daemon=True).start()
    return job.result(timeout=timeout)


def _pipe_svg(dot: str) -> str | None:
    """`dot`'s drawing as SVG text by the `graphviz` package, or None.

    None when the package is not installed (it comes with the `lab` extra), when Graphviz
    fails, or after `SVG_FALLBACK_TIMEOUT_S`: `Source.pipe` has no timeout of its own, so it
    runs in a thread and the display stops waiting for it (the node cap keeps that run short;
    it finishes on its own).
    """
    try:
        import graphviz
    except ImportError:
        return None
    source = graphviz.Source(dot)
    try:
        return _in_thread(lambda: source.pipe(format="svg", encoding="utf-8", quiet=True),
                          SVG_FALLBACK_TIMEOUT_S)
    except (FutureTimeout, graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError,
            UnicodeDecodeError):
        return None  # a slow, broken or missing Graphviz only loses the fallback


def _svg(payload: dict) -> str | None:
    """Static SVG of the graph and the graphs it calls (`tfedu.viz.static`: laid out again
    or with its scopes collapsed when too wide), drawn by Graphviz.

    None when Graphviz's `dot` is not installed, when more than `SVG_FALLBACK_MAX_NODES`
    nodes would be drawn (a flat 2,000-op graph takes seconds), or when Graphviz takes longer
    than `SVG_FALLBACK_TIMEOUT_S`: the caller then gives a text summary.
    """
    if shutil.which("dot") is None:
        return None
    from .static import static_svg

    return static_svg(payload, _pipe_svg, SVG_FALLBACK_MAX_NODES, SVG_FALLBACK_TIMEOUT_S)


def _summary(payload: dict, drawn: int) -> str:
    """Why there is no static drawing of a graph (too big, or Graphviz too slow)."""
    edges = sum(len(n["inputs"]) for n in payload["nodes"])
    why = (f"too big for a static drawing ({drawn} nodes to draw, more than "
           f"{SVG_FALLBACK_MAX_NODES})" if drawn > SVG_FALLBACK_MAX_NODES else
           f"Graphviz could not draw it within {SVG_FALLBACK_TIMEOUT_S:g} s")
    return (f"{len(payload['nodes'])} ops, {edges} edges: {why}. "
            "JupyterLab with tfedu installed shows it interactively.")


class GraphView:
    """A displayable graph: the lab extension's view, with SVG and text fallbacks."""

    def __init__(self, payload: dict):
        self.payload = payload
        if "layout" not in payload:
            with_layouts(payload)

    @property
    def title(self) -> str:
        return self.payload["title"]

    def to_dot(self) -> str:
        """Graphviz DOT source of the main graph."""
        from .dot import graph_to_dot

        return graph_to_dot(self.payload)

    def _text(self) -> str:
        """`<tfedu graph 'g': 5 ops>` and what the graph is: inputs, results, op types,
        scopes, the graphs it calls (see `tfedu.viz.static.describe`)."""
        from .static import describe

        nodes = self.payload["nodes"]
        subs = len(self.payload["subgraphs"])
        text = f"<tfedu graph {self.title!r}: {len(nodes)} ops"
        if subs:
            text += f", {subs} subgraph{'s' if subs != 1 else ''}"
        return "\n".join([text + ">"] + [f"  {line}" for line in describe(self.payload)])

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The lab extension's payload, a static SVG when it is quick to draw, and text.

        Without the extension, notebooks show the SVG (needs Graphviz's `dot`); when the graph
        is too big to lay out quickly (see `_svg`), the text adds a summary of its op types
        and scopes instead.
        """
        bundle: dict[str, Any] = {GRAPH_MIME_TYPE: self.payload, "text/plain": self._text()}
        wants_svg = (include is None or "image/svg+xml" in include) and not (
            exclude and "image/svg+xml" in exclude
        )
        if wants_svg and self.payload["nodes"]:
            from .dot import drawn_nodes

            svg = _svg(self.payload)
            drawn = drawn_nodes(self.payload)
            if svg is not None:
                bundle["image/svg+xml"] = svg
            elif drawn > SVG_FALLBACK_MAX_NODES or shutil.which("dot") is not None:
                bundle["text/plain"] += "\n  " + _summary(self.payload, drawn)
        return bundle


def show_graph(obj: Any, title: str | None = None) -> GraphView:
    """A notebook view of `obj`'s graph (a tf.Graph, op, tensor, traced function or payload)."""
    if isinstance(obj, GraphView):
        return obj
    if isinstance(obj, Mapping):
        payload = _check_payload(obj)
        if title is not None:
            payload["title"] = title
        return GraphView(payload)
    return GraphView(graph_payload(obj, title=title))
