"""TF 1.x SavedModel writing: `tf.compat.v1.saved_model.simple_save` and `Builder`, and the
signature helpers (`build_tensor_info`, `predict_signature_def`, `build_signature_def`).

A TF 1.x SavedModel is a `MetaGraphDef` of the session's graph (with a saver added to it), its
signatures naming graph tensors (`x:0`), and the variables saved by that saver (keyed by
variable name) in `variables/variables`. It has no object graph: TensorFlow 2 loads it as
signatures (`tf.saved_model.load`), TF Serving and the session loader as a graph.
"""

from __future__ import annotations

import os

from tensorboard.compat.proto import meta_graph_pb2

from tfedu.saved_model.graph_export import tensor_name
from tfedu.saved_model.proto_values import dtype_enum, shape_proto
from tfedu.saved_model.signatures import PREDICT_METHOD_NAME

__all__ = ["Builder", "SavedModelBuilder", "simple_save", "build_tensor_info",
           "build_signature_def", "predict_signature_def"]


def build_tensor_info(tensor) -> meta_graph_pb2.TensorInfo:
    """A `TensorInfo` naming a graph tensor (`x:0`, as the written GraphDef numbers its
    outputs: a `While`'s count TensorFlow's loop counter and limit first) with its dtype and
    shape."""
    info = meta_graph_pb2.TensorInfo(name=tensor_name(tensor), dtype=dtype_enum(tensor.dtype))
    info.tensor_shape.CopyFrom(shape_proto(tensor.shape))
    return info


def build_signature_def(inputs=None, outputs=None, method_name=None, defaults=None):
    sig = meta_graph_pb2.SignatureDef(method_name=method_name or "")
    for k, v in (inputs or {}).items():
        sig.inputs[k].CopyFrom(v)
    for k, v in (outputs or {}).items():
        sig.outputs[k].CopyFrom(v)
    return sig


def predict_signature_def(inputs, outputs):
    """A predict signature over {name: graph tensor} inputs and outputs."""
    if not inputs:
        raise ValueError("Prediction inputs cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction outputs cannot be None or empty.")
    return build_signature_def({k: build_tensor_info(t) for k, t in inputs.items()},
                               {k: build_tensor_info(t) for k, t in outputs.items()},
                               PREDICT_METHOD_NAME)


class Builder:
    """Writes a TF 1.x SavedModel (`tf.compat.v1.saved_model.Builder`)."""

    def __init__(self, export_dir):
        self._export_dir = os.fspath(export_dir)
        if os.path.exists(os.path.join(self._export_dir, "saved_model.pb")):
            raise AssertionError(f"Export directory already exists, and isn't empty. Please "
                                 f"choose a different export directory, or delete all the "
                                 f"contents of the specified directory: {self._export_dir}")
        self._meta_graphs = []
        self._saved_variables = False

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None, assets_list=None,
                                     clear_devices=False, init_op=None, train_op=None,
                                     strip_default_attrs=False, saver=None, main_op=None,
                                     legacy_init_op=None, **kwargs):
        """Save the session's variables and its graph (with a saver) under `tags`."""
        from tfedu.framework.graph import GraphKeys
        from tfedu.train.saver import Saver

        graph = sess.graph
        with graph.as_default():
            variables = graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
            saver = saver or Saver(variables, allow_empty=True)
        prefix = os.path.join(self._export_dir, "variables", "variables")
        if variables:
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)
        self._add(graph, tags, signature_def_map, saver, init_op or main_op or legacy_init_op)
        self._saved_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_list=None,
                       clear_devices=False, init_op=None, train_op=None, saver=None,
                       strip_default_attrs=False, main_op=None, legacy_init_op=None, **kwargs):
        from tfedu.framework import context

        if not self._saved_variables:
            raise AssertionError("Graph state including variables and assets has not been "
                                 "saved yet. Please invoke `add_meta_graph_and_variables()` "
                                 "first.")
        self._add(context.get_default_graph(), tags, signature_def_map, saver,
                  init_op or main_op or legacy_init_op)

    def _add(self, graph, tags, signature_def_map, saver, init_op):
        from tfedu.train.meta_graph import meta_graph_def

        mg = meta_graph_def(graph, saver.saver_def if saver is not None else None)
        mg.meta_info_def.tags.extend([tags] if isinstance(tags, str) else list(tags))
        for key, sig in (signature_def_map or {}).items():
            mg.signature_def[key].CopyFrom(sig)
        if init_op is not None:
            mg.collection_def["saved_model_main_op"].node_list.value.append(init_op.name)
        self._meta_graphs.append(mg)

    def save(self, as_text=False):
        """Write `saved_model.pb`; returns its path."""
        from tfedu.protos.saved_model import SavedModel
        from tfedu.train.files import atomic_write

        sm = SavedModel(saved_model_schema_version=1)
        for mg in self._meta_graphs:
            sm.meta_graphs.add().CopyFrom(mg)
        path = os.path.join(self._export_dir, "saved_model.pb")
        data = sm.SerializeToString()
        os.makedirs(os.path.join(self._export_dir, "assets"), exist_ok=True)
        atomic_write(path, lambda f: f.write(data))
        return path.encode()


SavedModelBuilder = Builder


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Save `session`'s graph and variables with one `serving_default` predict signature."""
    builder = Builder(export_dir)
    builder.add_meta_graph_and_variables(
        session, ["serve"], {"serving_default": predict_signature_def(inputs, outputs)},
        legacy_init_op=legacy_init_op)
    builder.save()
