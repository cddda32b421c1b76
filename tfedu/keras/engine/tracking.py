"""How Keras models, layers and optimizers name their state in checkpoints, as Keras 3 does.

A checkpoint names each variable by the attribute path that reaches it, so a tfedu model must
offer the same paths as the same model built with Keras 3 on TensorFlow, or neither could read
the other's checkpoints. Keras 3 (checked against 3.15 on TF 2.21) tracks:

- a layer's variables and sub-layers under its attribute names, with a few Keras-internal
  names: `Dense`/`Conv1D`/`Conv2D` keep their kernel as `_kernel`, `Embedding` as
  `_embeddings`, `Normalization` its statistics as `adapt_mean`/`adapt_variance`; a recurrent
  layer keeps its weights in its `cell`;
- a functional model its layers as `_operations/<i>` (the input layer is 0); a `Sequential`
  model the same under `_functional`; a subclassed model its attributes; a compiled model its
  `optimizer`;
- an optimizer `_iterations`, `_learning_rate`, all its variables as `_variables/<i>`
  (iterations, learning rate, then the slots in build order), the variables it trains as
  `_trainable_variables/<i>`, and each kind of slot as a list (`_momentums`, `_velocities`,
  ... and SGD's `momentums`, Adamax's `_m` and `_u`), plus Nadam's `_u_product`.

tfedu's own bookkeeping attributes are not part of that picture and are left out.
"""

from __future__ import annotations

from tfedu.framework.trackable import is_trackable, is_variable

__all__ = ["layer_children", "optimizer_children"]

# tfedu's internal attributes on layers and models: never checkpoint children.
_INTERNAL = frozenset({
    "_tracked_layers", "_weights_list", "_inbound_nodes", "_losses", "_build_input_shape",
    "_batch_input_shape", "_input_tensor", "_nodes", "inputs", "outputs", "_inputs_struct",
    "_outputs_struct", "optimizer", "compiled_loss", "compiled_metrics", "_metrics",
    "_compiled", "_step_fns", "_tfedu_tracking_views", "_deferred_restorations",
})

# Keras 3 attribute names of variables, by layer class (first class in the MRO that is listed).
_RENAMES = {
    "Dense": {"kernel": "_kernel"},
    "Conv1D": {"kernel": "_kernel"},
    "Conv2D": {"kernel": "_kernel"},
    "Conv2DTranspose": {},
    "DepthwiseConv2D": {},
    "Embedding": {"embeddings": "_embeddings"},
    "Normalization": {"mean": "adapt_mean", "variance": "adapt_variance"},
}
_CELL_WEIGHTS = ("kernel", "recurrent_kernel", "bias")
_RNN_CLASSES = ("SimpleRNN", "LSTM", "GRU")

_SLOT_LISTS = {"momentum": "_momentums", "velocity": "_velocities",
               "velocity_hat": "_velocity_hats", "average_gradient": "_average_gradients",
               "accumulator": "_accumulators"}
_SLOT_LISTS_BY_CLASS = {"SGD": {"momentum": "momentums"},
                        "Adamax": {"momentum": "_m", "norm": "_u"}}


def _class_table(obj, table):
    for klass in type(obj).__mro__:
        if klass.__name__ in table:
            return klass.__name__, table[klass.__name__]
    return None, None


class _View:
    """A node Keras has and tfedu does not (a recurrent layer's `cell`, a Sequential model's
    `_functional`, a list of operations): children computed from the real object. One view per
    object and name, so that a restore waiting on it finds it again."""

    def __init__(self, children):
        self._children = children

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        return self._children()


def _view(owner, name, children):
    views = owner.__dict__.setdefault("_tfedu_tracking_views", {})
    if name not in views:
        views[name] = _View(children)
    return views[name]


def _attribute_children(layer, save_type):
    _, renames = _class_table(layer, _RENAMES)
    renames = renames or {}
    out = {}
    for name, value in vars(layer).items():
        if name in _INTERNAL or name.startswith("_tfedu") or not is_trackable(value, save_type):
            continue
        if not _only_state(value):
            continue
        out[renames.get(name, name)] = value
    return out


def _only_state(value, depth=0) -> bool:
    """Variables, layers and containers of them (not metrics, losses or other helpers)."""
    from tfedu.keras.engine.base_layer import Layer

    if is_variable(value) or isinstance(value, Layer):
        return True
    if depth < 8 and isinstance(value, (list, tuple)):
        return any(_only_state(v, depth + 1) for v in value)
    if depth < 8 and isinstance(value, dict):
        return any(_only_state(v, depth + 1) for v in value.values())
    return False


def _operations(model):
    from tfedu.keras.layers.core import InputLayer

    layers = list(model._tracked_layers)
    if not layers or not isinstance(layers[0], InputLayer):
        layers = [None] + layers  # index 0 is Keras's input layer
    return {str(i): layer for i, layer in enumerate(layers) if layer is not None}


def layer_children(layer, save_type="checkpoint") -> dict:
    """A Keras layer's (or model's) checkpoint children, named as Keras 3 names them."""
    from tfedu.keras.engine.functional import Functional, Sequential

    out = _attribute_children(layer, save_type)
    if _class_table(layer, dict.fromkeys(_RNN_CLASSES, None))[0] is not None:
        cell = {k: out.pop(k) for k in _CELL_WEIGHTS if k in out}
        if cell:
            out["cell"] = _view(layer, "cell", lambda: {
                k: getattr(layer, k) for k in _CELL_WEIGHTS if is_variable(getattr(layer, k,
                                                                                    None))})
    if isinstance(layer, Sequential):
        ops = _view(layer, "_operations", lambda: _operations(layer))
        out["_functional"] = _view(layer, "_functional", lambda: {"_operations": ops})
    elif isinstance(layer, Functional):
        out["_operations"] = _view(layer, "_operations", lambda: _operations(layer))
    optimizer = getattr(layer, "optimizer", None)
    if optimizer is not None and hasattr(type(optimizer), "_trackable_children"):
        out["optimizer"] = optimizer
    return out


def optimizer_children(opt, save_type="checkpoint") -> dict:
    """A Keras optimizer's checkpoint children, named as Keras 3 names them."""
    out = {"_variables": list(opt.variables),
           "_trainable_variables": list(getattr(opt, "_trainable_variables", ()) or ()),
           "_iterations": opt.iterations}
    if opt._schedule is None:
        out["_learning_rate"] = opt._learning_rate
    out.update(getattr(opt, "_extra_variables", {}))
    _, by_class = _class_table(opt, _SLOT_LISTS_BY_CLASS)
    names = dict(_SLOT_LISTS, **(by_class or {}))
    lists = {}
    for (ref_id, slot), v in opt._slots.items():
        lists.setdefault(names.get(slot, f"_{slot}s"), []).append((ref_id, v))
    order = {id(v): i for i, v in enumerate(out["_trainable_variables"])}
    for name, pairs in lists.items():
        pairs.sort(key=lambda p: order.get(p[0], len(order)))
        out[name] = [v for _, v in pairs]
    return out
