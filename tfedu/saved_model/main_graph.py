"""The `GraphDef` of a SavedModel's MetaGraph: what TF 1.x-style loaders run.

`tf.saved_model.load` rebuilds objects from the saved object graph and never runs these nodes;
TF Serving, `saved_model_cli run` and `tf.compat.v1.saved_model.load` do. The graph holds:

- one `VarHandleOp` per variable (its `shared_name` is unique);
- per signature, a `Placeholder` per input (`serving_default_x`) and one
  `StatefulPartitionedCall` of the signature function with those placeholders and the variables;
  the signature's outputs are that call's outputs (`StatefulPartitionedCall:0`);
- `NoOp`, the (empty) init op;
- a saver in TF 1.x style: `saver_filename` (a string placeholder), `save/SaveV2` with
  `save/control_dependency` (the save tensor) and `save/RestoreV2` with one
  `AssignVariableOp` per variable under `save/restore_all` (the restore op), over the variables'
  checkpoint keys, so a session-based loader restores `variables/variables`.
"""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import graph_pb2, meta_graph_pb2, saver_pb2

from tfedu.framework import dtypes
from tfedu.framework.graph_def import PRODUCER_VERSION
from tfedu.framework.tensor_shape import TensorShape
from tfedu.saved_model.graph_export import MIN_CONSUMER
from tfedu.saved_model.proto_values import attr_value, shape_proto
from tfedu.saved_model.signatures import PREDICT_METHOD_NAME

__all__ = ["MainGraph", "INIT_OP_SIGNATURE_KEY"]

INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"


class MainGraph:
    """Builds the main `GraphDef` node by node, with TF's unique node names."""

    def __init__(self):
        self.graph = graph_pb2.GraphDef()
        self.names = set()
        self.var_nodes = {}  # id(variable) -> node name

    def unique(self, name: str) -> str:
        base, i = name, 0
        while name.lower() in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name.lower())
        return name

    def node(self, name, op, inputs=(), **attrs):
        n = self.graph.node.add(name=self.unique(name), op=op)
        n.input.extend(inputs)
        for k, v in attrs.items():
            n.attr[k].CopyFrom(attr_value(v))
        return n

    # --- variables ---------------------------------------------------------------------
    def add_variables(self, variables):
        for v in variables:
            raw = getattr(v, "path", None) or v.name
            raw = raw[:-2] if raw.endswith(":0") else raw
            n = self.node(raw or "Variable", "VarHandleOp", dtype=v._dtype,
                          shape=v.shape, shared_name="")
            n.attr["shared_name"].s = n.name.encode()
            self.var_nodes[id(v)] = n.name

    # --- signatures ----------------------------------------------------------------------
    def add_signature(self, name, wrapper, bound_variables) -> meta_graph_pb2.SignatureDef:
        sig = meta_graph_pb2.SignatureDef(method_name=PREDICT_METHOD_NAME)
        inputs = []
        for (key, _), ph in zip(wrapper._params, wrapper.graph.inputs):
            n = self.node(f"{name}_{key}", "Placeholder", dtype=ph.dtype, shape=ph.shape)
            inputs.append(n.name)
            info = sig.inputs[key]
            info.name, info.dtype = f"{n.name}:0", attr_value(ph.dtype).type
            info.tensor_shape.CopyFrom(shape_proto(ph.shape))
        inputs += [self.var_nodes[id(v)] for v in bound_variables]
        call = self.node("StatefulPartitionedCall", "StatefulPartitionedCall", inputs)
        call.attr["f"].func.name = wrapper._name
        call.attr["Tin"].list.type.extend(
            [attr_value(ph.dtype).type for ph in wrapper.graph.inputs])
        call.attr["Tout"].list.type.extend([attr_value(t.dtype).type for t in wrapper.outputs])
        for i, key in enumerate(sorted(wrapper.structured_outputs)):
            t = wrapper.structured_outputs[key]
            info = sig.outputs[key]
            info.name, info.dtype = f"{call.name}:{i}", attr_value(t.dtype).type
            info.tensor_shape.CopyFrom(shape_proto(t.shape))
        return sig

    def add_init_op(self) -> meta_graph_pb2.SignatureDef:
        n = self.node("NoOp", "NoOp")
        sig = meta_graph_pb2.SignatureDef()
        sig.outputs[INIT_OP_SIGNATURE_KEY].name = n.name
        sig.outputs[INIT_OP_SIGNATURE_KEY].tensor_shape.unknown_rank = True
        return sig

    # --- saver -----------------------------------------------------------------------------
    def add_saver(self, keyed_variables, object_graph_bytes) -> saver_pb2.SaverDef:
        """Save/restore nodes for {checkpoint key: variable}; returns the SaverDef."""
        filename = self.node("saver_filename", "Placeholder", dtype=dtypes.string,
                             shape=TensorShape([]))
        keys = sorted(keyed_variables)
        names = self._const("save/tensor_names", keys + ["_CHECKPOINTABLE_OBJECT_GRAPH"])
        slices = self._const("save/shape_and_slices", [""] * (len(keys) + 1))
        reads = [self.node("save/ReadVariableOp", "ReadVariableOp",
                           [self.var_nodes[id(keyed_variables[k])]],
                           dtype=keyed_variables[k]._dtype).name for k in keys]
        graph_const = self._const("save/object_graph", object_graph_bytes, scalar=True)
        save = self.node("save/SaveV2", "SaveV2", [filename.name, names, slices] + reads +
                         [graph_const])
        save.attr["dtypes"].list.type.extend(
            [attr_value(keyed_variables[k]._dtype).type for k in keys] +
            [attr_value(dtypes.string).type])
        done = self.node("save/control_dependency", "Identity",
                         [filename.name, "^" + save.name], T=dtypes.string)
        restore_all = self._restore_nodes(filename.name, keyed_variables, keys)
        return saver_pb2.SaverDef(
            filename_tensor_name=f"{filename.name}:0", save_tensor_name=f"{done.name}:0",
            restore_op_name=restore_all, max_to_keep=5, sharded=False,
            keep_checkpoint_every_n_hours=10000.0, version=saver_pb2.SaverDef.V2)

    def _restore_nodes(self, filename, keyed_variables, keys) -> str:
        if not keys:
            return self.node("save/restore_all", "NoOp").name
        names = self._const("save/RestoreV2/tensor_names", keys)
        slices = self._const("save/RestoreV2/shape_and_slices", [""] * len(keys))
        restore = self.node("save/RestoreV2", "RestoreV2", [filename, names, slices])
        restore.attr["dtypes"].list.type.extend(
            [attr_value(keyed_variables[k]._dtype).type for k in keys])
        assigns = []
        for i, k in enumerate(keys):
            v = keyed_variables[k]
            ref = restore.name if i == 0 else f"{restore.name}:{i}"
            assigns.append(self.node("save/AssignVariableOp", "AssignVariableOp",
                                     [self.var_nodes[id(v)], ref], dtype=v._dtype).name)
        return self.node("save/restore_all", "NoOp", ["^" + a for a in assigns]).name

    def _const(self, name, values, scalar=False) -> str:
        arr = np.empty(() if scalar else len(values), dtype=object)
        if scalar:
            arr[()] = values
        else:
            arr[:] = [v.encode() if isinstance(v, str) else v for v in values]
        return self.node(name, "Const", value=arr, dtype=dtypes.string).name

    def finish(self, library) -> graph_pb2.GraphDef:
        self.graph.versions.producer = PRODUCER_VERSION
        self.graph.versions.min_consumer = MIN_CONSUMER
        self.graph.library.CopyFrom(library.proto())
        return self.graph
