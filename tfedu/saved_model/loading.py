"""`tf.saved_model.load`: rebuild a SavedModel's objects, variables and functions.

Reading follows the saved object graph: each node becomes a Python object (a plain
`_UserObject` with attributes, a list, a dict, a `tf.Variable`, a callable function), children
become attributes, and variables get their values from `variables/variables`. Each saved
concrete function is rebuilt from its `FunctionDef` with tfedu's ops (`graph_import`), its
captured-variable arguments bound to the restored variables; a function with several traces
picks the one whose signature matches the call, as TensorFlow's `RestoredFunction` does.

Loading runs nothing from the files: they are parsed as protobufs and tensor bundles, the
graphs are built from tfedu's registry, and code runs only when you call a loaded function.
The original Python classes are not needed (nor imported): the objects are generic.
"""

from __future__ import annotations

import os

from tfedu.framework import errors, nest
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.framework.trackable import AutoTrackable, is_variable
from tfedu.framework.variables import Variable
from tfedu.function.concrete_function import ConcreteFunction
from tfedu.protos.saved_model import SavedModel
from tfedu.saved_model import structure
from tfedu.saved_model.graph_import import FunctionLoader, _build_graph
from tfedu.saved_model.proto_values import dtype_from_enum, shape_from_proto
from tfedu.saved_model.signatures import SignatureMap

__all__ = ["load", "read_saved_model", "select_meta_graph", "RestoredFunction"]


def read_saved_model(export_dir) -> SavedModel:
    """The parsed `saved_model.pb` (OSError if absent, DataLossError if not a SavedModel)."""
    export_dir = os.fspath(export_dir)
    path = os.path.join(export_dir, "saved_model.pb")
    if not os.path.isfile(path):
        if os.path.isfile(os.path.join(export_dir, "saved_model.pbtxt")):
            raise errors.UnimplementedError(None, None, "tfedu reads saved_model.pb, not the "
                                            "text form saved_model.pbtxt")
        raise OSError(f"SavedModel file does not exist at: {export_dir}/"
                      "{saved_model.pbtxt|saved_model.pb}")
    sm = SavedModel()
    with open(path, "rb") as f:
        data = f.read()
    try:
        sm.ParseFromString(data)
    except Exception:  # protobuf's DecodeError
        raise errors.DataLossError(None, None, f"Cannot parse file {path}: it is not a "
                                   "SavedModel protobuf") from None
    if not sm.meta_graphs:
        raise errors.DataLossError(None, None, f"{path} holds no MetaGraphDef")
    return sm


def select_meta_graph(sm, tags, export_dir=""):
    if tags is None:
        if len(sm.meta_graphs) == 1:
            return sm.meta_graphs[0]
        tags = ["serve"]
    tags = [tags] if isinstance(tags, str) else list(tags)
    for mg in sm.meta_graphs:
        if set(mg.meta_info_def.tags) == set(tags):
            return mg
    available = [list(mg.meta_info_def.tags) for mg in sm.meta_graphs]
    raise ValueError(f"Got an incompatible argument to `tags`: {tags}. The SavedModel at "
                     f"{export_dir} has {len(available)} MetaGraph(s) with tags {available}. "
                     "You may omit the argument, pass 'None', or pass matching tags.")


class _UserObject(AutoTrackable):
    """A loaded object: its saved children as attributes (the original class is not needed)."""

    def __repr__(self):
        return f"<tfedu.saved_model.loading._UserObject object at 0x{id(self):x}>"


class _CallableUserObject(_UserObject):
    """A loaded object that had a `__call__` function: calling it calls that function."""

    def __call__(self, *args, **kwargs):
        return vars(self)["__call__"](*args, **kwargs)


# --- functions -----------------------------------------------------------------------------

def _arg_text(v) -> str:
    return repr(v) if isinstance(v, (TensorSpec, Tensor)) else repr(v)


def _args_text(args, kwargs, indent="  ") -> str:
    lines = [f"{indent}Positional arguments ({len(args)} total):"]
    lines += [f"{indent}  * {_arg_text(a)}" for a in args]
    lines.append(f"{indent}Keyword arguments: {kwargs}")
    return "\n".join(lines)


class LoadedConcreteFunction(ConcreteFunction):
    """A concrete function read from a SavedModel. As in TensorFlow, its `structured_outputs`
    are the saved output signature (`TensorSpec`s), not tensors of its graph."""

    _output_signature = None

    @property
    def structured_outputs(self):
        return self._output_signature


class RestoredFunction:
    """A loaded `tf.function`: its traced concrete functions; a call picks the one that fits."""

    _is_tf_function = True

    def __init__(self, name, concrete_functions, arg_names, input_signature=None,
                 defaults=()):
        self.__name__ = name
        self._concrete = list(concrete_functions)
        self._arg_names = list(arg_names)
        self._defaults = tuple(defaults or ())
        self.input_signature = input_signature

    @property
    def concrete_functions(self):
        return list(self._concrete)

    @property
    def _sig(self):
        """The Python signature it was saved with: saving a loaded object again writes it."""
        import inspect

        first_default = len(self._arg_names) - len(self._defaults)
        return inspect.Signature([
            inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=self._defaults[i - first_default] if i >= first_default
                              else inspect.Parameter.empty)
            for i, n in enumerate(self._arg_names)])

    def _bind(self, cf, args, kwargs):
        """Flat tensor arguments for `cf` from this call, or None if the call does not fit."""
        want_args, want_kwargs = cf.structured_input_signature
        names = self._arg_names or [f"arg_{i}" for i in range(len(want_args))]
        defaults = dict(zip(names[len(names) - len(self._defaults):], self._defaults))
        values = list(args)
        for n in names[len(args):len(want_args)]:
            if n in kwargs:
                values.append(kwargs[n])
            elif n in defaults:
                values.append(defaults[n])
        extra = {k: v for k, v in kwargs.items() if k not in names[:len(want_args)]}
        if len(values) != len(want_args) or set(extra) != set(want_kwargs):
            return None
        flat = []
        for value, spec in zip(values + [extra[k] for k in sorted(want_kwargs)],
                               list(want_args) + [want_kwargs[k] for k in sorted(want_kwargs)]):
            if not _matches(value, spec, flat):
                return None
        return flat

    def __call__(self, *args, **kwargs):
        for cf in self._concrete:
            flat = self._bind(cf, args, kwargs)
            if flat is not None:
                return cf._call_flat(flat)
        raise self._no_match(args, kwargs)

    def _no_match(self, args, kwargs):
        if self.input_signature is not None:
            return self._binding_error(args, kwargs)
        got = list(args)
        options = "\n\n".join(
            f"Option {i + 1}:\n" + _args_text(*cf.structured_input_signature)
            for i, cf in enumerate(self._concrete))
        return ValueError(
            "Could not find matching concrete function to call loaded from the SavedModel. "
            f"Got:\n{_args_text(got, kwargs)}\n\n Expected these arguments to match one of the "
            f"following {len(self._concrete)} option(s):\n\n{options}")

    def _binding_error(self, args, kwargs):
        """TensorFlow's error for a call that does not fit the function's input_signature."""
        from tfedu.function.function import _binding_error

        want = [TensorSpec(s.shape, s.dtype) for s in nest.flatten(self.input_signature)]
        names = self._arg_names[:len(want)] or [f"arg_{i}" for i in range(len(want))]
        values = list(args) + [kwargs[n] for n in names[len(args):] if n in kwargs]
        if len(args) > len(want):
            reason = "too many positional arguments"
        elif len(values) < len(want):
            reason = f"missing a required argument: '{names[len(values)]}'"
        else:
            reason = next((f"Can not cast {got!r} to {spec!r}" for got, spec in
                           ((_spec_of(v), s) for v, s in zip(values, want))
                           if got is None or got.dtype is not spec.dtype
                           or not spec.shape.is_compatible_with(got.shape)),
                          "got an unexpected keyword argument "
                          f"'{next((k for k in kwargs if k not in names), '')}'")
        sig = ", ".join(f"{n}: {s!r}" for n, s in zip(names, want))
        return _binding_error(reason, tuple(args), kwargs, f"({sig})")

    def get_concrete_function(self, *args, **kwargs):
        if not args and not kwargs and len(self._concrete) == 1:
            return self._concrete[0]
        for cf in self._concrete:
            specs = [s for s in nest.flatten((args, kwargs)) if isinstance(s, TensorSpec)]
            want = [s for s in nest.flatten(cf.structured_input_signature)
                    if isinstance(s, TensorSpec)]
            if len(specs) == len(want) and all(
                    a.dtype == b.dtype and b.shape.is_compatible_with(a.shape)
                    for a, b in zip(specs, want)):
                return cf
        raise ValueError("No loaded concrete function matches these arguments")

    def __repr__(self):
        return f"<tfedu.saved_model.loading.RestoredFunction object at 0x{id(self):x}>"


def _spec_of(value):
    try:
        t = value if isinstance(value, (Tensor, TensorSpec)) else convert_to_tensor(value)
    except (TypeError, ValueError):
        return None
    return TensorSpec(t.shape, t.dtype)


def _matches(value, spec, flat) -> bool:
    """Does `value` fit `spec` (a structure of TensorSpecs and Python values)? Appends the
    tensors to `flat`."""
    if isinstance(spec, TensorSpec):
        if is_variable(value):
            t = value
        else:
            try:
                t = value if isinstance(value, Tensor) else convert_to_tensor(value)
            except (TypeError, ValueError):
                return False
        if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
            return False
        flat.append(t)
        return True
    if isinstance(spec, (list, tuple)):
        return (isinstance(value, (list, tuple)) and len(value) == len(spec) and
                all(_matches(v, s, flat) for v, s in zip(value, spec)))
    if isinstance(spec, dict):
        return (isinstance(value, dict) and set(value) == set(spec) and
                all(_matches(value[k], spec[k], flat) for k in sorted(spec)))
    return value == spec and type(value) is type(spec) or (value is None and spec is None)


def _params(args_sig, kwargs_sig, arg_names):
    params, specs = [], []
    for i, spec in enumerate(args_sig):
        name = arg_names[i] if i < len(arg_names) else (
            spec.name if isinstance(spec, TensorSpec) and spec.name else f"arg_{i}")
        params.append((name, "POSITIONAL_OR_KEYWORD"))
        specs.append(spec)
    for key in sorted(kwargs_sig):
        params.append((key, "KEYWORD_ONLY"))
        specs.append(kwargs_sig[key])
    return params, specs


def _pack_outputs(signature, outputs):
    leaves = nest.flatten(signature)
    if len([x for x in leaves if isinstance(x, TensorSpec)]) != len(outputs):
        raise errors.InvalidArgumentError(None, None, "The saved output signature does not match "
                                          "the function's outputs")
    it = iter(outputs)
    flat = [next(it) if isinstance(x, TensorSpec) else x for x in leaves]
    if isinstance(signature, TensorSpec):
        return flat[0]
    return nest.pack_sequence_as(signature, flat)


# --- the loader ----------------------------------------------------------------------------

class _Loader:
    def __init__(self, mg, export_dir, skip_variables=False):
        self.mg = mg
        self.export_dir = export_dir
        self.skip_variables = skip_variables
        self.graph = mg.object_graph_def
        self.functions = FunctionLoader(mg.graph_def.library)
        self.functions.check_ops(list(self.graph.concrete_functions))
        self.nodes = [None] * len(self.graph.nodes)
        self.concrete = {}

    def load(self):
        for i, node in enumerate(self.graph.nodes):
            if node.WhichOneof("kind") in ("variable", "user_object", None):
                self.nodes[i] = self._make(node)
        for i, node in enumerate(self.graph.nodes):
            if self.nodes[i] is None:
                self.nodes[i] = self._make(node)
        for i, node in enumerate(self.graph.nodes):
            self._attach_children(i, node)
        self._restore_variables()
        root = self.nodes[0]
        if isinstance(root, _UserObject):
            info = self.mg.meta_info_def
            object.__setattr__(root, "tensorflow_version", info.tensorflow_version)
            object.__setattr__(root, "tensorflow_git_version", info.tensorflow_git_version)
            if "signatures" not in vars(root):
                object.__setattr__(root, "signatures", SignatureMap())
        return root

    def _make(self, node):
        kind = node.WhichOneof("kind")
        if kind == "variable":
            return _variable(node.variable)
        if kind == "function":
            return self._function(node.function)
        if kind == "bare_concrete_function":
            return self._bare(node.bare_concrete_function)
        if kind == "user_object":
            ident = node.user_object.identifier
            if ident == "trackable_list_wrapper":
                return []
            if ident == "trackable_tuple_wrapper":
                return []
            if ident == "trackable_dict_wrapper":
                return {}
            if ident == "signature_map":
                return SignatureMap()
            return _UserObject()
        if kind in ("asset", "constant", "captured_tensor", "resource"):
            return _UserObject()  # not used by tfedu's functions: kept as a placeholder
        return _UserObject()

    def _attach_children(self, i, node):
        obj = self.nodes[i]
        for ref in node.children:
            child = self.nodes[ref.node_id]
            if isinstance(obj, list):
                obj.append(child)
            elif isinstance(obj, SignatureMap):
                obj._signatures[ref.local_name] = child
            elif isinstance(obj, dict):
                obj[ref.local_name] = child
            elif isinstance(obj, _UserObject):
                object.__setattr__(obj, ref.local_name, child)
                if ref.local_name == "__call__" and callable(child):
                    obj.__class__ = _CallableUserObject

    def concrete_function(self, name, arg_names=()):
        cf = self.concrete.get(name)
        if cf is None:
            cf = self.concrete[name] = self._bind(name, arg_names)
        return cf

    def _bind(self, name, arg_names):
        saved = self.graph.concrete_functions[name]
        g = _build_graph(self.functions.defs[name], self.functions)
        bound = [self.nodes[i] for i in saved.bound_inputs]
        n_args = len(g.inputs) - len(bound)
        for value, ph in zip(bound, g.inputs[n_args:]):
            if not is_variable(value):
                raise errors.UnimplementedError(None, None, f"Function {name} captures a saved "
                                                "value tfedu does not load (not a variable)")
            g._captures[id(value)] = (value, ph)
            g._variable_handles[id(value)] = (value, ph)
        args_sig, kwargs_sig = structure.decode(saved.canonicalized_input_signature)
        params, specs = _params(args_sig, kwargs_sig, list(arg_names))
        output_signature = structure.decode(saved.output_signature)
        cf = LoadedConcreteFunction(g, params, specs, _pack_outputs(output_signature, g.outputs))
        cf._name, cf._output_signature = name, output_signature
        return cf

    def _function(self, fn):
        spec = structure.decode(fn.function_spec.fullargspec) if fn.function_spec.HasField(
            "fullargspec") else None
        arg_names = list(getattr(spec, "args", None) or []) if spec is not None else []
        defaults = getattr(spec, "defaults", None) if spec is not None else None
        sig = structure.decode(fn.function_spec.input_signature)
        cfs = [self.concrete_function(n, arg_names) for n in fn.concrete_functions]
        name = cfs[0]._name if cfs else "function"
        return RestoredFunction(name, cfs, arg_names, sig, defaults)

    def _bare(self, bare):
        return self.concrete_function(bare.concrete_function_name,
                                      list(bare.argument_keywords)[
                                          :bare.allowed_positional_arguments])

    def _restore_variables(self):
        from tfedu.train.checkpoint import restore_objects
        from tfedu.train.tensor_bundle import index_path

        prefix = os.path.join(self.export_dir, "variables", "variables")
        variables = [o for o in self.nodes if is_variable(o)]
        if not variables or self.skip_variables:
            return
        if not os.path.exists(index_path(prefix)):
            raise errors.NotFoundError(None, None, f"Failed to find any matching files for "
                                       f"{prefix}")
        restore_objects(self.nodes[0], prefix)


def _variable(v):
    import numpy as np

    dtype = dtype_from_enum(v.dtype)
    shape = shape_from_proto(v.shape)
    dims = [0 if d is None else d for d in shape.as_list()] if shape.rank is not None else []
    value = np.zeros(dims, dtype=dtype._np) if dtype.name != "string" else np.full(
        dims, b"", dtype=object)
    return Variable(value, trainable=v.trainable, name=v.name or None, dtype=dtype, shape=shape)


def load(export_dir, tags=None, options=None, _skip_variables=False):
    """Load a SavedModel: an object with its restored variables, functions and `.signatures`.

    With `options=tf.saved_model.LoadOptions(experimental_skip_checkpoint=True)` the variables
    keep zeros (what `saved_model_cli` does to list the functions)."""
    export_dir = os.fspath(export_dir)
    sm = read_saved_model(export_dir)
    mg = select_meta_graph(sm, tags, export_dir)
    if not mg.object_graph_def.nodes:
        from tfedu.saved_model.loader_v1 import load_v1_in_v2

        return load_v1_in_v2(export_dir, mg)
    skip = _skip_variables or bool(getattr(options, "experimental_skip_checkpoint", False))
    return _Loader(mg, export_dir, skip).load()
