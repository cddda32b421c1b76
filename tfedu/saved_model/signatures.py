"""Signatures: the named, flat entry points of a SavedModel (`serving_default`, ...).

A signature is what TF Serving, the TFLite converter and `saved_model_cli` call: keyword
arguments in, a dict of tensors out. `tf.saved_model.save(obj, d, signatures=f)` traces a small
*signature wrapper* around `f`'s concrete function:

- its inputs are the concrete function's tensor arguments, named by the argument names (`x`),
  or `x_1`, `x_2`, ... for a nested argument;
- it calls the function and returns a dict: a single tensor becomes `{"output_0": t}`, a
  list or tuple `{"output_0": ..., "output_1": ...}`, a dict keeps its keys.

Loading gives these wrappers back as `loaded.signatures["serving_default"]`.
"""

from __future__ import annotations

from collections.abc import Mapping

from tfedu.framework import nest
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.framework.trackable import Trackable, is_function

__all__ = ["SignatureMap", "canonicalize_signatures", "signature_wrapper", "normalize_outputs",
           "DEFAULT_SERVING_SIGNATURE_DEF_KEY", "PREDICT_METHOD_NAME"]

DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"


class SignatureMap(Mapping, Trackable):
    """`loaded.signatures`: signature name -> concrete function (kwargs in, dict out)."""

    def __init__(self, signatures=None):
        self._signatures = dict(signatures or {})

    def __getitem__(self, key):
        return self._signatures[key]

    def __iter__(self):
        return iter(self._signatures)

    def __len__(self):
        return len(self._signatures)

    def __repr__(self):
        return f"_SignatureMap({dict(self._signatures)})"

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        return dict(self._signatures) if save_type == "savedmodel" else {}


def _concrete(fn, name):
    """The concrete function a signature stands for (the function needs a fixed signature)."""
    if hasattr(fn, "_run_arrays"):  # already a ConcreteFunction
        return fn
    if getattr(fn, "input_signature", None) is not None or not getattr(fn, "_python_function",
                                                                       None):
        return fn.get_concrete_function()
    raise ValueError(
        f"Expected a TensorFlow function for which to generate a signature, but got {fn!r}. "
        "Only `tf.functions` with an input signature or concrete functions can be used as a "
        "signature.")


def canonicalize_signatures(obj, signatures) -> dict:
    """{name: ConcreteFunction} from what `save(signatures=...)` accepts."""
    if signatures is None:
        return _default_signatures(obj)
    if not isinstance(signatures, Mapping):
        signatures = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: signatures}
    out = {}
    for name, fn in signatures.items():
        if not isinstance(name, str):
            raise ValueError(f"Signature keys must be strings, got {name!r}")
        if not (is_function(fn) or hasattr(fn, "get_concrete_function")):
            raise ValueError(f"Expected a TensorFlow function for which to generate a signature, "
                             f"but got {fn!r}. Only `tf.functions` with an input signature or "
                             "concrete functions can be used as a signature.")
        out[name] = _concrete(fn, name)
    return out


def _default_signatures(obj) -> dict:
    """TF's rule: a Keras model serves its call; a module with exactly one tf.function that has
    an input_signature serves that one; otherwise there are no signatures."""
    default = getattr(obj, "_default_serving_function", None)
    if default is not None:
        fn = default()
        return {} if fn is None else {DEFAULT_SERVING_SIGNATURE_DEF_KEY: fn}
    from tfedu.framework.trackable import children_of

    found = [c for c in children_of(obj, "savedmodel").values()
             if is_function(c) and getattr(c, "input_signature", None) is not None]
    if len(found) == 1:
        return {DEFAULT_SERVING_SIGNATURE_DEF_KEY: found[0].get_concrete_function()}
    return {}


def input_keys(cf) -> list:
    """[(key, TensorSpec)] of a concrete function's tensor inputs, in flat order: a spec's own
    name, else the argument's name (`x`, then `x_1`, `x_2` for a nested argument)."""
    out, used = [], set()
    for (name, _), spec in zip(cf._params, cf._arg_specs):
        for i, leaf in enumerate(s for s in nest.flatten(spec) if isinstance(s, TensorSpec)):
            key = leaf.name or (name if i == 0 else f"{name}_{i}")
            while key in used:
                key += "_"
            used.add(key)
            out.append((key, leaf))
    return out


def normalize_outputs(structure, fn_name="the signature function") -> dict:
    """A signature's outputs as a flat {name: tensor} dict (TF's `output_0`, ... naming)."""
    if isinstance(structure, Mapping):
        for k, v in structure.items():
            if not isinstance(k, str) or nest.is_nested(v):
                raise ValueError(f"Got a dictionary with a non-string key {k!r} or a nested "
                                 f"value in the outputs of {fn_name}; signatures return a "
                                 "flat dict of tensors keyed by strings.")
        return dict(structure)
    flat = nest.flatten(structure)
    if any(not hasattr(t, "dtype") for t in flat):
        raise ValueError(f"Got a non-Tensor value in the outputs of {fn_name}: {structure!r}. "
                         "Signature outputs must be tensors.")
    return {f"output_{i}": t for i, t in enumerate(flat)}


def signature_wrapper(cf, name: str):
    """Trace the signature function for `cf`: keyword tensors in, a dict of tensors out."""
    from tfedu.framework.func_graph import FuncGraph, placeholder
    from tfedu.function.concrete_function import ConcreteFunction
    from tfedu.ops.array_ops import identity

    keys = input_keys(cf)
    g = FuncGraph(f"signature_wrapper_{name}")
    with g.as_default():
        # TF's wrapper takes its keyword arguments sorted by key (loaders bind them so).
        by_key = {key: placeholder(g, spec.dtype, spec.shape, key + "/")
                  for key, spec in sorted(keys, key=lambda kv: kv[0])}
        g.inputs.extend(by_key.values())
        flat_in = _pack_args(cf, [by_key[key] for key, _ in keys])
        result = cf._call_flat(flat_in)
        outputs = normalize_outputs(result, getattr(cf, "_name", name))
        outs = {k: identity(outputs[k]) for k in sorted(outputs)}
    g.outputs = [outs[k] for k in sorted(outs)]
    keys = sorted(keys, key=lambda kv: kv[0])
    params = [(key, "KEYWORD_ONLY") for key, _ in keys]
    specs = [TensorSpec(spec.shape, spec.dtype, key) for key, spec in keys]
    wrapper = ConcreteFunction(g, params, specs, outs)
    wrapper._name = f"__inference_signature_wrapper_{name}_{wrapper._uid}"
    wrapper._outputs_named_by_key = True  # its saved output specs take the keys as names, as TF
    return wrapper


def _pack_args(cf, args):
    """The flat argument list `cf._call_flat` takes, from one placeholder per tensor input."""
    it = iter(args)
    flat = []
    for spec in cf._arg_specs:
        for leaf in nest.flatten(spec):
            if isinstance(leaf, TensorSpec):
                flat.append(next(it))
    return flat
