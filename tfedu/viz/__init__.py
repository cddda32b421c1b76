"""Notebook views of tfedu objects: MIME bundles read by the `tfedu-lab` JupyterLab extension.

`show_graph(g)` displays a dataflow graph (interactive in JupyterLab with the extension,
static SVG or text elsewhere); `graph_payload(g)` gives the underlying JSON data.
`show_retracing(f)` / `RetracingMonitor()` show tf.function traces, `TrainingCurves` logs
and draws training curves, `compare_graphs(v1, f)` puts a TF1 graph next to a traced one.
`step(f, *args)` / `step(sess, fetches, feed_dict)` runs a graph once and replays it node by
node with its values; `profile(f, *args, runs=n)` shows where the time of graph runs goes.

In a kernel with ipywidgets the live views (`RetracingMonitor`, `TrainingCurves`, and the
curves every `model.fit` shows by itself until `disable_fit_curves()`) are widgets
(`tfedu.viz.widgets`); their outputs also keep the last state as static data, so a saved
notebook shows it without a kernel. A tf.function, ConcreteFunction or Keras model as the
last line of a cell shows its retracing or graph view.
"""

from tfedu.viz.graph_view import (
    GRAPH_MIME_TYPE,
    GRAPH_SCHEMA_VERSION,
    GraphView,
    graph_payload,
    graph_schema,
    show_graph,
)
from tfedu.viz.compare import COMPARE_MIME_TYPE, CompareView, compare_graphs
from tfedu.viz.curves import (
    CURVES_MIME_TYPE,
    TrainingCurves,
    disable_fit_curves,
    enable_fit_curves,
)
from tfedu.viz.profile import PROFILE_MIME_TYPE, ProfileView, profile
from tfedu.viz.stepper import STEP_MIME_TYPE, StepView, step
from tfedu.viz.retracing import (
    RETRACING_MIME_TYPE,
    RetracingMonitor,
    RetracingView,
    retracing_payload,
    show_retracing,
)

__all__ = [
    "PROFILE_MIME_TYPE",
    "ProfileView",
    "STEP_MIME_TYPE",
    "StepView",
    "profile",
    "step",
    "COMPARE_MIME_TYPE",
    "CURVES_MIME_TYPE",
    "CompareView",
    "RETRACING_MIME_TYPE",
    "RetracingMonitor",
    "RetracingView",
    "TrainingCurves",
    "compare_graphs",
    "disable_fit_curves",
    "enable_fit_curves",
    "retracing_payload",
    "show_retracing",
    "GRAPH_MIME_TYPE",
    "GRAPH_SCHEMA_VERSION",
    "GraphView",
    "graph_payload",
    "graph_schema",
    "show_graph",
]
