"""`export_meta_graph` / `import_meta_graph`: a TF 1.x graph, its saver and collections, as
TensorFlow's `MetaGraphDef` protobuf (the `.meta` file a `Saver` writes next to a checkpoint).

A `MetaGraphDef` holds the `GraphDef`, the `SaverDef` (which tensor takes the file name, which
op restores) and the collections: variables as `VariableDef`s (the names of the handle, its
initializer and its read), other collections as node names. Importing adds the nodes to the
default graph (tfedu's ops, by name), rebuilds the variables and collections and returns a
`Saver` that runs the imported save and restore ops.
"""

from __future__ import annotations

import os

from tensorboard.compat.proto import meta_graph_pb2, variable_pb2

from tfedu.framework import context, errors
from tfedu.framework.graph import GraphKeys, Operation
from tfedu.train.files import atomic_write

__all__ = ["export_meta_graph", "import_meta_graph", "read_meta_graph"]

TF_VERSION_WRITTEN = "2.21.0"
_VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
                         GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES)


def _variable_def(v) -> bytes:
    d = variable_pb2.VariableDef(
        variable_name=v.name, initializer_name=v.initializer.name,
        snapshot_name=v._snapshot.name, is_resource=getattr(v, "_kind", "resource") == "resource",
        trainable=bool(v.trainable))
    init = getattr(v, "_initial_value", None)
    if init is not None and hasattr(init, "name"):
        d.initial_value_name = init.name
    return d.SerializeToString()


def _collection(mg, key, items):
    if key in _VARIABLE_COLLECTIONS:
        mg.collection_def[key].bytes_list.value.extend(
            _variable_def(v) for v in items if hasattr(v, "_snapshot"))
        return
    from tfedu.saved_model.graph_export import tensor_name

    names = [i.name if isinstance(i, Operation) else tensor_name(i) for i in items
             if isinstance(i, Operation) or hasattr(i, "_op")]
    if names:
        mg.collection_def[key].node_list.value.extend(names)


def meta_graph_def(graph=None, saver_def=None, collection_list=None):
    from tfedu.saved_model.graph_export import graph_def_proto

    graph = graph or context.get_default_graph()
    mg = meta_graph_pb2.MetaGraphDef()
    mg.meta_info_def.tensorflow_version = TF_VERSION_WRITTEN
    mg.meta_info_def.tensorflow_git_version = "tfedu"
    mg.graph_def.CopyFrom(graph_def_proto(graph))
    if saver_def is not None:
        mg.saver_def.CopyFrom(saver_def)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        _collection(mg, key, graph.get_collection(key))
    return mg


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, **kwargs):
    """The default graph (or `graph`) as a `MetaGraphDef`; written to `filename` if given."""
    if context.executing_eagerly() and graph is None:
        raise RuntimeError("Exporting/importing meta graphs is not supported when eager "
                           "execution is enabled. No graph exists when eager execution is "
                           "enabled.")
    mg = meta_graph_def(graph, saver_def, collection_list)
    if filename:
        data = str(mg).encode() if as_text else mg.SerializeToString()
        atomic_write(filename, lambda f: f.write(data))
    return mg


def read_meta_graph(filename) -> meta_graph_pb2.MetaGraphDef:
    filename = os.fspath(filename)
    if not os.path.isfile(filename):
        raise OSError(f"File {filename} does not exist.")
    mg = meta_graph_pb2.MetaGraphDef()
    with open(filename, "rb") as f:
        data = f.read()
    try:
        mg.ParseFromString(data)
    except Exception:  # protobuf's DecodeError; TF would also try the text form
        raise errors.DataLossError(None, None, f"Cannot parse {filename} as a MetaGraphDef "
                                   "(tfedu reads the binary form)") from None
    return mg


def _rebuild_variable(graph, vdef):
    from tfedu.graph.variables import GraphVariable

    v = GraphVariable.__new__(GraphVariable)
    handle = graph.get_tensor_by_name(vdef.variable_name)
    v._graph, v._kind = graph, "resource" if vdef.is_resource else "ref"
    v._handle, v._dtype = handle, handle.op.get_attr("dtype")
    v._shape = handle.op.get_attr("shape")
    v._initializer_op = graph.get_operation_by_name(vdef.initializer_name)
    v._snapshot = graph.get_tensor_by_name(vdef.snapshot_name)
    v._initial_value = (graph.get_tensor_by_name(vdef.initial_value_name)
                        if vdef.initial_value_name else None)
    v._name, v._trainable, v._constraint = vdef.variable_name, vdef.trainable, None
    v._synchronization, v._aggregation, v._save_slice_info = 0, 0, None
    return v


def _import_collections(graph, mg):
    variables = {}
    for key, col in mg.collection_def.items():
        kind = col.WhichOneof("kind")
        if kind == "bytes_list" and key in _VARIABLE_COLLECTIONS:
            for raw in col.bytes_list.value:
                vdef = variable_pb2.VariableDef.FromString(raw)
                v = variables.get(vdef.variable_name)
                if v is None:
                    v = variables[vdef.variable_name] = _rebuild_variable(graph, vdef)
                graph.add_to_collection(key, v)
        elif kind == "node_list":
            for name in col.node_list.value:
                graph.add_to_collection(key, graph.as_graph_element(name))
        elif kind in ("int64_list", "float_list"):
            for value in getattr(col, kind).value:
                graph.add_to_collection(key, value)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Add a saved graph to the default graph; returns a `Saver` for it (None without one)."""
    from tfedu.saved_model.graph_import import import_nodes
    from tfedu.train import io_ops  # noqa: F401  (SaveV2/RestoreV2 must be registered)
    from tfedu.train.saver import Saver

    if context.executing_eagerly():
        raise RuntimeError("Exporting/importing meta graphs is not supported when eager "
                           "execution is enabled. No graph exists when eager execution is "
                           "enabled.")
    mg = meta_graph_or_file if isinstance(meta_graph_or_file, meta_graph_pb2.MetaGraphDef) \
        else read_meta_graph(meta_graph_or_file)
    graph = context.get_default_graph()
    import_nodes(graph, mg.graph_def.node, where="the imported meta graph",
                 library=mg.graph_def.library)
    _import_collections(graph, mg)
    if mg.HasField("saver_def") and mg.saver_def.restore_op_name:
        return Saver(saver_def=mg.saver_def)
    return None
