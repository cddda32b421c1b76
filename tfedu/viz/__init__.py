"""Notebook views of tfedu objects: MIME bundles read by the `tfedu-lab` JupyterLab extension.

`show_graph(g)` displays a dataflow graph (interactive in JupyterLab with the extension,
static SVG or text elsewhere); `graph_payload(g)` gives the underlying JSON data.
"""

from tfedu.viz.graph_view import (
    GRAPH_MIME_TYPE,
    GRAPH_SCHEMA_VERSION,
    GraphView,
    graph_payload,
    graph_schema,
    show_graph,
)

__all__ = [
    "GRAPH_MIME_TYPE",
    "GRAPH_SCHEMA_VERSION",
    "GraphView",
    "graph_payload",
    "graph_schema",
    "show_graph",
]
