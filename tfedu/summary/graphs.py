"""Graphs for TensorBoard's Graphs dashboard: `tf.summary.graph` and `trace_on`/`trace_export`.

`graph(g)` writes the graph as a `GraphDef` in an event of its own (TensorBoard's "run graph").
Between `trace_on()` and `trace_export(name, step)`, every `tf.function` that runs is noted;
the export writes their traced graphs as the `function_graphs` of a `RunMetadata`, under a tag
TensorBoard lists as an op graph, as TensorFlow does. Keras models are also written as their
JSON config for the dashboard's conceptual graph (`keras_model`).
"""

from __future__ import annotations

from tfedu.summary import writer as writer_mod
from tfedu.summary.ops import write_event

_trace = {"on": False, "calls": []}


def graph_def_of(graph_data):
    """A `GraphDef` protobuf for a tfedu graph (`tf.Graph`, a traced function's graph, a
    concrete function) or an existing GraphDef / its bytes, for TensorBoard to draw: ops
    TensorFlow could not run (a tf.data iterator) are kept without their attrs."""
    from tensorboard.compat.proto import graph_pb2

    if isinstance(graph_data, graph_pb2.GraphDef):
        return graph_data
    if isinstance(graph_data, (bytes, bytearray)):
        return graph_pb2.GraphDef.FromString(bytes(graph_data))
    graph = getattr(graph_data, "graph", graph_data)
    from tfedu.saved_model.graph_export import graph_def_proto

    return graph_def_proto(graph, for_display=True)


def graph(graph_data):
    """Write a graph to the default writer (`tf.summary.graph`); False without a writer."""
    from tensorboard.compat.proto import event_pb2

    import tfedu

    if not writer_mod.recording():
        return tfedu.constant(False)
    gdef = graph_def_of(graph_data)
    writer_mod.default_writer()._write_event(
        event_pb2.Event(wall_time=writer_mod.wall_time(), step=0,
                        graph_def=gdef.SerializeToString()))
    return tfedu.constant(True)


# --- tracing --------------------------------------------------------------------------------
def _note_call(log, record):
    if _trace["on"]:
        _trace["calls"].append((log, record.trace_index))


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Start noting the graphs of the tf.functions that run (`profiler` is not supported)."""
    from tfedu.function import trace_log

    if profiler:
        import warnings

        warnings.warn("tfedu has no profiler: only graphs are traced.", stacklevel=2)
    _trace["on"] = bool(graph)
    _trace["calls"] = []
    trace_log.add_listener(_note_call)


def trace_off():
    """Stop tracing and forget what was noted."""
    from tfedu.function import trace_log

    _trace["on"] = False
    _trace["calls"] = []
    trace_log.remove_listener(_note_call)


def _traced_graphs():
    from tfedu.function import trace_log

    by_log = {id(fn._log): fn for fn in trace_log.live_functions()}
    seen, out = set(), []
    for log, index in _trace["calls"]:
        fn = by_log.get(id(log))
        if fn is None or index is None or (id(log), index) in seen:
            continue
        seen.add((id(log), index))
        trace = next((t for t in fn._traces if t.index == index), None)
        if trace is not None:
            out.append(trace.cf.graph)
    return out


def trace_export(name, step=None, profiler_outdir=None):
    """Write the graphs of the functions that ran since `trace_on()` and stop tracing."""
    if not _trace["on"]:
        raise ValueError("Must enable trace before export through tf.summary.trace_on.")
    graphs = _traced_graphs()
    try:
        if writer_mod.recording():
            _write_run_metadata(name, graphs, writer_mod.resolve_step(step))
    finally:
        trace_off()


def _write_run_metadata(name, graphs, step):
    import numpy as np
    from tensorboard.compat.proto import config_pb2, summary_pb2
    from tensorboard.plugins.graph import metadata

    run_metadata = config_pb2.RunMetadata()
    for g in graphs:
        run_metadata.function_graphs.add().pre_optimization_graph.CopyFrom(graph_def_of(g))
    md = summary_pb2.SummaryMetadata(data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE)
    md.plugin_data.plugin_name = metadata.PLUGIN_NAME_RUN_METADATA_WITH_GRAPH
    md.plugin_data.content = b"1"
    value = np.array([run_metadata.SerializeToString()], dtype=object)
    write_event(writer_mod.default_writer(), name, value, step, md)


def keras_model(name, model, step=None):
    """Write a Keras model's JSON config for the conceptual graph (Keras's
    `keras_model_summary`); False if the model cannot be described."""
    import warnings

    import numpy as np
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.graph import metadata

    if not writer_mod.recording():
        return False
    try:
        json_string = model.to_json()
    except Exception as exc:
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
        return False
    md = summary_pb2.SummaryMetadata(data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE)
    md.plugin_data.plugin_name = metadata.PLUGIN_NAME_KERAS_MODEL
    md.plugin_data.content = b"1"
    write_event(writer_mod.default_writer(), name, np.array([json_string.encode()], dtype=object),
                writer_mod.resolve_step(step), md)
    return True
