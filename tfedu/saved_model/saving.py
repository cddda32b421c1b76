"""`tf.saved_model.save`: an object, its variables and its traced functions, in TF's format.

The directory written:

    saved_model.pb        a `SavedModel` protobuf: one MetaGraphDef (tag `serve`) holding
                          - graph_def: the main graph (`main_graph`) and, in its library, a
                            `FunctionDef` for every traced function and signature wrapper;
                          - signature_def: the signatures, by name;
                          - object_graph_def: a `SavedObjectGraph`: one node per object
                            (user object, variable, function, list, dict), its named children,
                            and for each concrete function its argument and result structure
                            and the variables it captures (`bound_inputs`);
                          - saver_def: how a session-based loader restores the variables.
    variables/variables.index, variables.data-00000-of-00001
                          the variables as a checkpoint of `obj` (`tf.train.Checkpoint`'s
                          format), so `tf.train.load_checkpoint(d + "/variables/variables")`
                          reads it too
    assets/               (empty: tfedu saves no asset files)
    fingerprint.pb        a `FingerprintDef`: 64-bit hashes of the pieces above

What is saved: variables reachable from `obj`, and each `tf.function` attribute with the
concrete functions traced so far (or traced now from its `input_signature`). Plain Python
attributes are not saved. Files are written to temporary names and renamed; into a new
directory the whole SavedModel appears at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid

import numpy as np
from tensorboard.compat.proto import meta_graph_pb2, saved_object_graph_pb2

from tfedu import _tmpfiles
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.framework.trackable import children_of, is_function, is_variable
from tfedu.protos.saved_model import FingerprintDef, SavedModel
from tfedu.saved_model import structure
from tfedu.saved_model.graph_export import FunctionLibrary
from tfedu.saved_model.main_graph import INIT_OP_SIGNATURE_KEY, MainGraph
from tfedu.saved_model.proto_values import dtype_enum, shape_proto
from tfedu.saved_model.signatures import (
    SignatureMap,
    canonicalize_signatures,
    signature_wrapper,
)
from tfedu.train.checkpoint import serialize_object_graph, variable_value
from tfedu.train.files import DIR_MODE, atomic_write, make_readable
from tfedu.train.tensor_bundle import BundleWriter

__all__ = ["save", "SaveOptions", "TF_VERSION_WRITTEN"]

# The TensorFlow version written into `meta_info_def`: the one whose formats tfedu follows
# (loaders compare it against their own to decide how to read the file).
TF_VERSION_WRITTEN = "2.21.0"
TF_GIT_VERSION_WRITTEN = "tfedu"
SCHEMA_VERSION = 1


class SaveOptions:
    """`tf.saved_model.SaveOptions` (accepted; tfedu has one device and no assets to copy)."""

    def __init__(self, namespace_whitelist=None, save_debug_info=False, function_aliases=None,
                 experimental_io_device=None, experimental_variable_policy=None,
                 experimental_custom_gradients=True, experimental_image_format=False,
                 experimental_skip_saver=False, experimental_sharding_callback=None,
                 extra_tags=None):
        self.function_aliases = dict(function_aliases or {})
        self.extra_tags = list(extra_tags or [])


class _Root:
    """The object graph's root as SavedModel sees it: the object plus `signatures`."""

    def __init__(self, obj, signatures):
        self.obj = obj
        self.signatures = signatures

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        out = dict(children_of(self.obj, save_type))
        if save_type == "savedmodel":
            out["signatures"] = self.signatures
        return out


def _walk(root):
    """Breadth-first object graph for SavedModel ([objects], [[(name, child id)]])."""
    from tfedu.framework.trackable import object_graph

    return object_graph(root, "savedmodel")


def _function_spec(fn) -> saved_object_graph_pb2.FunctionSpec:
    spec = saved_object_graph_pb2.FunctionSpec()
    params = getattr(fn, "_sig", None)
    args, varargs, varkw, kwonly, defaults = [], None, None, [], []
    for p in (params.parameters.values() if params is not None else ()):
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            args.append(p.name)
            if p.default is not p.empty:
                defaults.append(p.default)
        elif p.kind is p.VAR_POSITIONAL:
            varargs = p.name
        elif p.kind is p.VAR_KEYWORD:
            varkw = p.name
        else:
            kwonly.append(p.name)
    fields = [("args", args), ("varargs", varargs), ("varkw", varkw),
              ("defaults", tuple(defaults) if defaults else None), ("kwonlyargs", kwonly),
              ("kwonlydefaults", None), ("annotations", {})]
    nt = spec.fullargspec.named_tuple_value
    nt.name = "FullArgSpec"
    for k, v in fields:
        nt.values.add(key=k).value.CopyFrom(_encode_default(v))
    sig = getattr(fn, "input_signature", None)
    spec.input_signature.CopyFrom(structure.encode(tuple(sig) if sig is not None else None))
    return spec


def _encode_default(v):
    try:
        return structure.encode(v)
    except ValueError:  # a default tfedu cannot describe: recorded as None
        return structure.encode(None)


class _Saver:
    def __init__(self, obj, signatures):
        self.obj = obj
        self.signature_map = SignatureMap(
            {name: signature_wrapper(cf, name) for name, cf in signatures.items()})
        self.root = _Root(obj, self.signature_map)
        self.graph = _walk(self.root)
        self.library = FunctionLibrary()
        self.proto = saved_object_graph_pb2.SavedObjectGraph()

    def build_object_graph(self):
        for i, o in enumerate(self.graph.objects):
            node = self.proto.nodes.add()
            for name, j in self.graph.edges[i]:
                node.children.add(node_id=j, local_name=name)
            self._fill(node, o)

    def _fill(self, node, o):
        if is_variable(o):
            v = node.variable
            v.dtype, v.name = dtype_enum(o._dtype), _var_name(o)
            v.shape.CopyFrom(shape_proto(o.shape))
            v.trainable = bool(getattr(o, "trainable", True))
        elif hasattr(o, "_run_arrays"):
            self._bare_function(node.bare_concrete_function, o)
        elif is_function(o):
            node.function.function_spec.CopyFrom(_function_spec(o))
            for cf in self._traces(o):
                node.function.concrete_functions.append(self._add_concrete(cf))
        else:
            node.user_object.identifier = _identifier(o)
            node.user_object.version.producer = 1
            node.user_object.version.min_consumer = 1

    def _traces(self, fn):
        traces = list(getattr(fn, "concrete_functions", []))
        if not traces and getattr(fn, "input_signature", None) is not None:
            traces = [fn.get_concrete_function()]
        return traces

    def _bare_function(self, bare, cf):
        bare.concrete_function_name = self._add_concrete(cf)
        kw = [name for name, kind in cf._params if kind == "KEYWORD_ONLY"]
        positional = [name for name, kind in cf._params if kind != "KEYWORD_ONLY"]
        bare.argument_keywords.extend(positional + kw)
        bare.allowed_positional_arguments = len(positional)

    def _add_concrete(self, cf) -> str:
        name = self.library.add(cf)
        if name in self.proto.concrete_functions:
            return name
        entry = self.proto.concrete_functions[name]
        entry.bound_inputs.extend(self._bound_inputs(cf))
        entry.canonicalized_input_signature.CopyFrom(
            structure.encode(cf.structured_input_signature))
        outputs = cf.structured_outputs
        if getattr(cf, "_outputs_named_by_key", False):
            outputs = {k: TensorSpec(t.shape, t.dtype, k) for k, t in outputs.items()}
        entry.output_signature.CopyFrom(structure.encode(outputs))
        return name

    def _bound_inputs(self, cf) -> list:
        ids = []
        for outer, _ in cf.graph._captures.values():
            if not is_variable(outer):
                continue  # captured constants are written into the function
            node = self.graph.ids.get(id(outer))
            if node is None:
                raise AssertionError(
                    "Tried to export a function which references an 'untracked' resource. "
                    "TensorFlow objects (e.g. tf.Variable) captured by functions must be "
                    "'tracked' by assigning them to an attribute of a tracked object or "
                    "assigned to an attribute of the main object directly.\n\tFunction name = "
                    f"{cf._name}\n\tCaptured variable = {outer!r}")
            ids.append(node)
        return ids

    def variables(self):
        return [o for o in self.graph.objects if is_variable(o)]


def _var_name(v) -> str:
    name = v.name
    return name[:-2] if name.endswith(":0") else name


def _identifier(o) -> str:
    if isinstance(o, SignatureMap):
        return "signature_map"
    if isinstance(o, list):
        return "trackable_list_wrapper"
    if isinstance(o, tuple):
        return "trackable_tuple_wrapper"
    if isinstance(o, dict):
        return "trackable_dict_wrapper"
    return "_generic_user_object"


def _meta_graph(saver: _Saver, checkpoint_proto, keyed) -> meta_graph_pb2.MetaGraphDef:
    mg = meta_graph_pb2.MetaGraphDef()
    info = mg.meta_info_def
    info.tags.append("serve")
    info.tensorflow_version = TF_VERSION_WRITTEN
    info.tensorflow_git_version = TF_GIT_VERSION_WRITTEN
    main = MainGraph()
    main.add_variables(saver.variables())
    for name, wrapper in saver.signature_map.items():
        bound = [o for o, _ in wrapper.graph._captures.values() if is_variable(o)]
        mg.signature_def[name].CopyFrom(main.add_signature(name, wrapper, bound))
    mg.signature_def[INIT_OP_SIGNATURE_KEY].CopyFrom(main.add_init_op())
    mg.collection_def["saved_model_main_op"].node_list.value.append("NoOp")
    mg.saver_def.CopyFrom(main.add_saver(keyed, checkpoint_proto.SerializeToString()))
    mg.graph_def.CopyFrom(main.finish(saver.library))
    mg.object_graph_def.CopyFrom(saver.proto)
    return mg


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _fingerprint(saved_model_bytes: bytes, mg, checkpoint_index: bytes) -> bytes:
    fp = FingerprintDef(
        saved_model_checksum=_hash64(saved_model_bytes),
        graph_def_program_hash=_hash64(mg.graph_def.SerializeToString(deterministic=True)),
        signature_def_hash=_hash64(b"".join(
            k.encode() + mg.signature_def[k].SerializeToString(deterministic=True)
            for k in sorted(mg.signature_def))),
        saved_object_graph_hash=_hash64(mg.object_graph_def.SerializeToString(
            deterministic=True)),
        checkpoint_hash=_hash64(checkpoint_index), uuid=str(uuid.uuid4()))
    fp.version.producer = 1
    return fp.SerializeToString()


def _checkpoint_writer(obj, prefix):
    """The variables' bundle and the object graph of `obj` (checkpoint view)."""
    from tfedu.framework.trackable import object_graph

    proto, keyed = serialize_object_graph(object_graph(obj))
    writer = BundleWriter(prefix)
    for key, v in keyed.items():
        writer.add(key, variable_value(v), v._dtype)
    writer.add("_CHECKPOINTABLE_OBJECT_GRAPH", np.array(proto.SerializeToString(), dtype=object))
    return writer, proto, keyed


def _write_files(directory, obj, saver):
    prefix = os.path.join(directory, "variables", "variables")
    writer, proto, keyed = _checkpoint_writer(obj, prefix)
    saver.build_object_graph()
    mg = _meta_graph(saver, proto, keyed)
    sm = SavedModel(saved_model_schema_version=SCHEMA_VERSION)
    sm.meta_graphs.add().CopyFrom(mg)
    data = sm.SerializeToString(deterministic=True)  # same model, same bytes
    os.makedirs(os.path.join(directory, "assets"), exist_ok=True)
    writer.finish()
    atomic_write(os.path.join(directory, "saved_model.pb"), lambda f: f.write(data))
    fingerprint = _fingerprint(data, mg, writer.index_bytes())
    atomic_write(os.path.join(directory, "fingerprint.pb"), lambda f: f.write(fingerprint))


def save(obj, export_dir, signatures=None, options=None):
    """Save `obj` (a `tf.Module`, Keras model, any trackable) as a SavedModel in `export_dir`."""
    if not (hasattr(type(obj), "_trackable_children")):
        raise ValueError(f"Expected an object of type `Trackable`, such as `tf.Module` or a "
                         f"subclass of the `Trackable` class, for export. Got {obj} with type "
                         f"{type(obj)}.")
    export_dir = os.fspath(export_dir)
    saver = _Saver(obj, canonicalize_signatures(obj, signatures))
    if os.path.isdir(export_dir) and os.listdir(export_dir):
        _write_files(export_dir, obj, saver)  # each file replaced atomically
        return
    parent = os.path.dirname(os.path.abspath(export_dir))
    os.makedirs(parent, exist_ok=True)
    _tmpfiles.sweep(parent)
    tmp = tempfile.mkdtemp(dir=parent, prefix=_tmpfiles.prefix() + "saved_model-")
    try:
        _write_files(tmp, obj, saver)
        make_readable(tmp, DIR_MODE)
        if os.path.isdir(export_dir):
            os.rmdir(export_dir)
        os.replace(tmp, export_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
