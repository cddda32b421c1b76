"""TF 1.x SavedModel loading: `tf.compat.v1.saved_model.load(sess, tags, dir)`, and
`tf.saved_model.load` of a SavedModel that has no object graph (one written by TF 1.x code).

The session loader is what TF Serving does: import the MetaGraph's main graph into the
session's graph, run the saver's restore op on `variables/variables`, run the init op, and
return the `MetaGraphDef` (its `signature_def` names the tensors to feed and fetch). Only the
nodes the signatures, the restore op and the init op need are imported, so a graph whose
unused parts hold ops tfedu lacks still loads.
"""

from __future__ import annotations

import os

__all__ = ["load", "load_v1_in_v2", "maybe_saved_model_directory"]

_INIT_KEYS = ("saved_model_main_op", "legacy_init_op")


def _strict_meta_graph(sm, tags, export_dir):
    want = set([tags] if isinstance(tags, str) else tags)
    for mg in sm.meta_graphs:
        if set(mg.meta_info_def.tags) == want:
            return mg
    available = [list(mg.meta_info_def.tags) for mg in sm.meta_graphs]
    raise RuntimeError(f"MetaGraphDef associated with tags {sorted(want)!r} could not be found "
                       f"in SavedModel, with available tags '{available}'. To inspect available "
                       "tag-sets in the SavedModel, please use the SavedModel CLI: "
                       "`saved_model_cli`.")


def _init_op_names(mg) -> list:
    names = []
    for key in _INIT_KEYS:
        if key in mg.collection_def:
            names += list(mg.collection_def[key].node_list.value)
    init = mg.signature_def.get("__saved_model_init_op")
    if init is not None and "__saved_model_init_op" in init.outputs:
        names.append(init.outputs["__saved_model_init_op"].name)
    return list(dict.fromkeys(n.split(":")[0] for n in names))


def _needed_nodes(mg, roots) -> list:
    """The main graph's nodes the `roots` (node names) depend on, in the graph's order."""
    by_name = {n.name: n for n in mg.graph_def.node}
    keep, todo = set(), [r.split(":")[0].lstrip("^") for r in roots]
    while todo:
        name = todo.pop()
        if name in keep or name not in by_name:
            continue
        keep.add(name)
        todo += [i.lstrip("^").split(":")[0] for i in by_name[name].input]
    return [n for n in mg.graph_def.node if n.name in keep]


def _roots(mg) -> list:
    roots = [t.name for sig in mg.signature_def.values()
             for t in list(sig.inputs.values()) + list(sig.outputs.values())]
    saver = mg.saver_def
    roots += [saver.restore_op_name, saver.filename_tensor_name] if saver.restore_op_name else []
    return roots + _init_op_names(mg)


def _import(graph, mg):
    from tfedu.saved_model.graph_import import import_nodes
    from tfedu.train import io_ops  # noqa: F401  (the saver's ops)

    import_nodes(graph, _needed_nodes(mg, _roots(mg)), where="the SavedModel's graph",
                 library=mg.graph_def.library)


def _restore(sess, mg, export_dir):
    from tfedu.train.tensor_bundle import index_path

    prefix = os.path.join(export_dir, "variables", "variables")
    saver = mg.saver_def
    if not saver.restore_op_name or not os.path.exists(index_path(prefix)):
        return
    g = sess.graph
    sess.run(g.as_graph_element(saver.restore_op_name),
             {g.as_graph_element(saver.filename_tensor_name): prefix})


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Load a SavedModel into `sess` (graph, variables, init op); returns its MetaGraphDef."""
    from tfedu.saved_model.loading import read_saved_model

    export_dir = os.fspath(export_dir)
    mg = _strict_meta_graph(read_saved_model(export_dir), tags, export_dir)
    with sess.graph.as_default():
        _import(sess.graph, mg)
    _restore(sess, mg, export_dir)
    for name in _init_op_names(mg):
        sess.run(sess.graph.get_operation_by_name(name))
    return mg


class _SessionSignature:
    """A TF 1.x signature as a function: keyword tensors in, a dict of numpy-backed tensors
    out, run in the loaded session."""

    def __init__(self, sess, sig):
        self._sess = sess
        self._sig = sig
        g = sess.graph
        self._inputs = {k: g.get_tensor_by_name(v.name) for k, v in sig.inputs.items()}
        self._outputs = {k: g.get_tensor_by_name(v.name) for k, v in sig.outputs.items()}

    @property
    def structured_input_signature(self):
        from tfedu.framework.tensor_spec import TensorSpec

        return (), {k: TensorSpec(t.shape, t.dtype, k) for k, t in self._inputs.items()}

    def __call__(self, **kwargs):
        from tfedu.framework.convert import constant

        missing = set(self._inputs) - set(kwargs)
        if missing or set(kwargs) - set(self._inputs):
            raise TypeError(f"This signature takes the keyword arguments "
                            f"{sorted(self._inputs)}; got {sorted(kwargs)}")
        feeds = {self._inputs[k]: _numpy(v) for k, v in kwargs.items()}
        values = self._sess.run(self._outputs, feeds)
        return {k: constant(v) for k, v in values.items()}


def _numpy(v):
    return v.numpy() if hasattr(v, "numpy") else v


def load_v1_in_v2(export_dir, mg):
    """`tf.saved_model.load` of a TF 1.x SavedModel: its signatures, run in a session."""
    from tfedu.framework.graph import Graph
    from tfedu.graph.session import Session
    from tfedu.saved_model.loading import _UserObject
    from tfedu.saved_model.signatures import SignatureMap

    graph = Graph()
    with graph.as_default():
        _import(graph, mg)
    sess = Session(graph=graph)
    _restore(sess, mg, export_dir)
    for name in _init_op_names(mg):
        sess.run(graph.get_operation_by_name(name))
    root = _UserObject()
    sigs = {k: _SessionSignature(sess, s) for k, s in mg.signature_def.items()
            if k != "__saved_model_init_op"}
    object.__setattr__(root, "signatures", SignatureMap(sigs))
    object.__setattr__(root, "graph", graph)
    object.__setattr__(root, "_session", sess)
    object.__setattr__(root, "tensorflow_version", mg.meta_info_def.tensorflow_version)
    return root


def maybe_saved_model_directory(export_dir) -> bool:
    from tfedu.saved_model.options import contains_saved_model

    return contains_saved_model(export_dir)
