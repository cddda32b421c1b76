"""`keras.layers.Layer`: weights, lazy building, the training flag and symbolic calls.

A layer creates its weights in `build(input_shape)`, called automatically on the first call
with the first input's shape (so `Dense(8)` does not need to know its input size). Weights are
`KerasVariable`s whose `path` records the model and layer that own them
(`sequential/dense/kernel`). Calling a layer on `KerasTensor`s records a node of a functional
model instead of computing.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import threading
import warnings

import numpy as np

import tfedu as tf
from tfedu.framework import nest
from tfedu.framework.context import _state
from tfedu.framework.module import Module
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.trackable import restore_pending
from tfedu.keras import backend, constraints, initializers, regularizers
from tfedu.keras.engine.keras_tensor import KerasTensor, Node, any_symbolic, trace_output_spec
from tfedu.keras.variables import KerasVariable

_scope = threading.local()


def _path_stack():
    if not hasattr(_scope, "stack"):
        _scope.stack = []
    return _scope.stack


@contextlib.contextmanager
def keras_name_scope(name):
    """Weights created inside get `<name>/` in their path (models enter their own name)."""
    stack = _path_stack()
    stack.append(name)
    try:
        yield
    finally:
        stack.pop()


_call_context = threading.local()


def _training_default():
    return getattr(_call_context, "training", None)


@contextlib.contextmanager
def _training_scope(value):
    old = getattr(_call_context, "training", None)
    _call_context.training = value
    try:
        yield
    finally:
        _call_context.training = old


def _snake(name: str) -> str:
    """Keras's `to_snake_case`: `Conv2D` -> `conv2d`, `SimpleRNN` -> `simple_rnn`."""
    s = re.sub(r"\W+", "", name)
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", s)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _shape_of(x):
    if isinstance(x, KerasTensor):
        return x.shape
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    if isinstance(shape, TensorShape):
        return tuple(shape.as_list()) if shape.rank is not None else None
    return tuple(shape)


class ShapesDict(dict):
    """The shapes a multi-input layer is built from, by `build` argument (`query_shape`...);
    saved as Keras's `{"shapes_dict": ...}` build config."""


class InputSpec:
    """What a layer accepts (`ndim`, `min_ndim`, `max_ndim`, fixed `axes`, `shape`); checked
    on every call with Keras's messages."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional

    def __repr__(self):
        parts = [f"{k}={getattr(self, k)}" for k in ("dtype", "shape", "ndim", "max_ndim",
                                                      "min_ndim") if getattr(self, k)]
        if self.axes:
            parts.append(f"axes={self.axes}")
        return f"InputSpec({', '.join(parts)})"


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise Keras's ValueError when `inputs` do not fit the layer's `input_spec`."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    inputs = nest.flatten(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for i, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                             f"{type(x)}) as input for layer '{layer_name}'.")
        shape = _shape_of(x)
        if shape is None:
            continue
        ndim = len(shape)
        head = (f"Input {i} with name '{spec.name}' of layer '{layer_name}' is incompatible "
                "with the layer: ")
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(head + f"expected ndim={spec.ndim}, found ndim={ndim}. Full shape "
                             f"received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(head + f"expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(head + f"expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is not None and -ndim <= axis < ndim and shape[axis] not in (value, None):
                raise ValueError(head + f"expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            spec_shape, got = spec.shape, shape
            if spec.allow_last_axis_squeeze:
                got = got[:-1] if got and got[-1] == 1 else got
                spec_shape = spec_shape[:-1] if spec_shape and spec_shape[-1] == 1 else spec_shape
            for a, b in zip(spec_shape, got):
                if a is not None and b is not None and a != b:
                    raise ValueError(head + f"expected shape={spec.shape}, found shape={shape}")


def _format_argument(value):
    if isinstance(value, (tf.Tensor, KerasTensor)) or hasattr(value, "_dtype") and hasattr(
            value, "shape") and not isinstance(value, np.ndarray):
        dtype = getattr(value.dtype, "name", value.dtype)
        return f"tf.Tensor(shape={_shape_of(value)}, dtype={dtype})"
    return repr(value)


def _with_call_info(e, layer, call, args, kwargs):
    """Keras's error context: which layer's `call()` failed and with which arguments."""
    if getattr(e, "_keras_call_info_injected", False) or not isinstance(
            e, (ValueError, TypeError, tf.errors.OpError)):
        return e
    name = f"{type(layer).__name__}.call()"
    try:
        sig = inspect.signature(call)
        bound = sig.bind(*args, **kwargs).arguments
        lines = []
        for p in sig.parameters.values():
            value = nest.map_structure(_format_argument, bound[p.name]) if p.name in bound \
                else p.default
            lines.append(f"  • {p.name}={value}")
        context = "\n".join(lines)
    except Exception:
        context = ""
    message = e.message if isinstance(e, tf.errors.OpError) else (e.args[0] if e.args else "")
    message = (f"Exception encountered when calling {name}.\n\n\x1b[1m{message}\x1b[0m\n\n"
               f"Arguments received by {name}:\n{context}")
    try:
        new = (type(e)(e.node_def, e.op, message) if isinstance(e, tf.errors.OpError)
               else type(e)(message))
    except Exception:
        return e
    new._keras_call_info_injected = True
    return new


def _mask_of(x):
    """The Keras mask carried by a tensor (or the list of masks of a list of tensors)."""
    if isinstance(x, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in x]
        return None if all(m is None for m in masks) else masks
    return getattr(x, "_keras_mask", None)


def _set_masks(outputs, mask):
    """Attach `mask` (one per output when `outputs` is a list) to the output tensors."""
    flat = nest.flatten(outputs)
    masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(flat)
    for t, m in zip(flat, masks):
        if isinstance(t, tf.Tensor):
            try:
                t._keras_mask = m
            except AttributeError:  # a variable or another object without the slot
                pass


_PLAIN = (str, int, float, bool, type(None))


def _plain(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def _auto_config(cls, args, kwargs):
    """Keras's automatic config for a user's layer that writes no `get_config`: its `__init__`
    arguments (defaults included), when all are plain values; else None."""
    if cls.__module__.startswith("tfedu."):
        return None
    try:
        sig = inspect.signature(cls.__init__)
        bound = sig.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = sig.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        elif kind is not inspect.Parameter.VAR_POSITIONAL:
            config[name] = value
    return config if _plain(config) else None


class Layer(Module):
    """Base class of all Keras layers."""

    input_spec = None

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        object.__setattr__(obj, "_auto_config", _auto_config(cls, args, kwargs))
        return obj

    def __init__(self, trainable=True, name=None, dtype=None, autocast=True,
                 input_dim=None, input_shape=None, batch_input_shape=None, **kwargs):
        kwargs.pop("batch_size", None)
        for k in ("activity_regularizer", "input_length", "weights", "quantization_config"):
            kwargs.pop(k, None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{kwargs}")
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_weights_list", [])
        self._name = name or backend.unique_name(_snake(type(self).__name__))
        self._scope_name = self._name
        self._trainable = trainable
        self._dtype = dtype if isinstance(dtype, str) or dtype is None else tf.as_dtype(dtype).name
        self.built = False
        self._inbound_nodes = []
        self._losses = []
        self.supports_masking = False
        self._build_input_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if input_shape is not None or batch_input_shape is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.", UserWarning, stacklevel=2)
            self._batch_input_shape = (tuple(batch_input_shape) if batch_input_shape is not None
                                       else (None,) + tuple(input_shape))
        else:
            self._batch_input_shape = None
        sig = inspect.signature(self.call)
        self._call_has_training = "training" in sig.parameters
        self._call_has_mask = "mask" in sig.parameters
        # Keras fills `<arg>_mask` (MultiHeadAttention's `value_mask`) from `<arg>`'s mask
        self._masked_args = [p for p in sig.parameters if f"{p}_mask" in sig.parameters]

    # --- attribute tracking ----------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and not name.startswith("_inbound"):
            tracked = self.__dict__.get("_tracked_layers")
            if tracked is not None and all(value is not t for t in tracked):
                tracked.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer)
                                                                for v in value):
            tracked = self.__dict__.get("_tracked_layers")
            if tracked is not None:
                for v in value:
                    if all(v is not t for t in tracked):
                        tracked.append(v)
        Module.__setattr__(self, name, value)  # also runs restorations waiting for `name`

    # --- properties ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        return self._dtype or backend.floatx()

    @property
    def compute_dtype(self) -> str:
        return self.dtype

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        for sub in self._tracked_layers:
            sub.trainable = value

    @property
    def path(self) -> str:
        return "/".join(_path_stack() + [self._name])

    def _flatten_layers(self, include_self=True, recursive=True):
        out = [self] if include_self else []
        for sub in self._tracked_layers:
            if recursive:
                out.extend(sub._flatten_layers(include_self=True, recursive=True))
            else:
                out.append(sub)
        return out

    @property
    def weights(self):
        """All weights as Keras orders them: the layer's own (trainable first), then each
        sub-layer's in turn, so `get_weights()` lists a model layer by layer."""
        own = [w for w in self._weights_list if w.trainable]
        own += [w for w in self._weights_list if not w.trainable]
        out, seen = [], set()
        for w in own + [w for sub in self._tracked_layers for w in sub.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    @property
    def variables(self):
        return self.weights

    def _all_weights(self):
        seen = set()
        out = []
        for layer in self._flatten_layers():
            for w in layer._weights_list:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append((layer, w))
        return out

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for layer, w in self._all_weights() if w.trainable and layer.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return [w for _, w in self._all_weights()]
        return [w for layer, w in self._all_weights() if not (w.trainable and layer.trainable)]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for w in layer._weights_list:
                reg = getattr(w, "regularizer", None)
                if reg is not None:
                    out.append(reg(w))
        return out

    def add_loss(self, loss):
        self._losses.append(loss)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             f"`layer.build(input_shape)`.")
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # --- weights ---------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, **kwargs):
        """Create a weight of this layer (a `KerasVariable`)."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = dtype or self.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if tf.as_dtype(dtype).is_floating else "zeros"
        init = initializers.get(initializer)
        from tfedu.framework.func_graph import init_scope

        with init_scope():  # weights are state: created eagerly even while a step is traced
            return self._create_weight(init, shape, dtype, trainable, regularizer, constraint,
                                       name)

    def _create_weight(self, init, shape, dtype, trainable, regularizer, constraint, name):
        value = init(shape, dtype=dtype)
        prefix = _path_stack()
        if not prefix or prefix[-1] != self._name:
            prefix = prefix + [self._name]
        wname = name or "variable"
        v = KerasVariable(value, name=wname, path="/".join(prefix + [wname]),
                          trainable=trainable, dtype=dtype,
                          constraint=constraints.get(constraint),
                          regularizer=regularizers.get(regularizer))
        self._weights_list.append(v)
        return v

    def get_weights(self):
        return [np.array(w.numpy()) for w in self.weights]

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape.as_list()) != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(p.shape.as_list())} is not "
                    f"compatible with provided weight shape {w.shape}.")
            p.assign(w)

    # --- building and calling --------------------------------------------------------------
    def build(self, input_shape=None):
        self.built = True

    def _maybe_build(self, input_shape):
        if self.built:
            return
        with keras_name_scope(self._name):
            self._run_build(input_shape)

    def _run_build(self, input_shape):
        sig = inspect.signature(self.build)
        if len(sig.parameters) == 0:
            self.build()
        elif isinstance(input_shape, ShapesDict):
            self.build(**input_shape)
        else:
            self.build(input_shape)
        self._build_input_shape = input_shape
        self.built = True
        restore_pending()  # checkpoint values waiting for these weights

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        """Checkpoint children named as Keras 3 names them (`tfedu.keras.engine.tracking`)."""
        from tfedu.keras.engine.tracking import layer_children

        return layer_children(self, save_type)

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        spec = trace_output_spec(
            lambda x: self.call(x), (KerasTensor(input_shape, self.compute_dtype),), {})
        return spec[0]

    def __call__(self, *args, **kwargs):
        if any_symbolic((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        first = args[0] if args else next(iter(kwargs.values()))
        assert_input_compatibility(self.input_spec, first, self.name)
        if not self.built:
            self._maybe_build(self._call_shapes(args, kwargs, _shape_of))
        if self._call_has_training:
            if kwargs.get("training") is None:
                kwargs["training"] = _training_default()
                if kwargs["training"] is None:
                    kwargs.pop("training")
            training = kwargs.get("training")
        else:
            kwargs.pop("training", None)
            training = _training_default()
        # Keras masking: the input's mask (`_keras_mask`, set by Embedding(mask_zero=True) and
        # passed on by layers that support masking) reaches `call(mask=...)`.
        input_mask = kwargs["mask"] if "mask" in kwargs else _mask_of(first)
        if self._call_has_mask and "mask" not in kwargs and input_mask is not None:
            kwargs["mask"] = input_mask
        if self._masked_args:
            self._fill_arg_masks(args, kwargs)
        args = tuple(nest.map_structure(self._convert_input, a) for a in args)
        call = self.call
        if _state.graph is not None:
            # While tracing (fit's train step), a user's `call` gets AutoGraph like any
            # function the traced code calls: tensor `if`s become `tf.cond`.
            from tfedu.function.autograph.api import convert_for_tracing

            call = convert_for_tracing(call)
        with keras_name_scope(self._name), _training_scope(training):
            try:
                outputs = call(*args, **kwargs)
            except Exception as e:
                new = _with_call_info(e, self, self.call, args, kwargs)
                if new is e:
                    raise
                raise new.with_traceback(e.__traceback__) from None
            # only layers that see a mask or make one touch their outputs' masks
            if not self._keeps_inner_masks and (
                    input_mask is not None or type(self).compute_mask is not Layer.compute_mask):
                _set_masks(outputs, self.compute_mask(first, input_mask))
        return outputs

    _keeps_inner_masks = False  # models: their outputs carry the masks their layers set

    def _call_shapes(self, args, kwargs, shape_of):
        """What `build` receives: the first input's shape (a structure of shapes for a list).
        Layers whose `build` takes one shape per call argument return a `ShapesDict`."""
        first = args[0] if args else next(iter(kwargs.values()))
        return nest.map_structure(shape_of, first) if nest.is_nested(first) else shape_of(first)

    def _fill_arg_masks(self, args, kwargs):
        """`<arg>_mask=None` becomes the mask `<arg>` carries, as Keras passes it."""
        try:
            bound = inspect.signature(self.call).bind_partial(*args, **kwargs).arguments
        except TypeError:
            return
        for name in self._masked_args:
            mask = getattr(bound.get(name), "_keras_mask", None)
            if mask is not None and bound.get(f"{name}_mask") is None:
                kwargs[f"{name}_mask"] = mask

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: the input's mask if the layer supports masking."""
        return mask if self.supports_masking else None

    def _float_input(self, x):
        """Integer inputs meet float weights as Keras's ops promote them: cast to float."""
        dtype = getattr(x, "dtype", None)
        if dtype is not None and not tf.as_dtype(dtype).is_floating:
            return tf.cast(x, self.compute_dtype)
        return x

    def _convert_input(self, x):
        if isinstance(x, np.ndarray):
            if x.dtype.kind == "f" and self.compute_dtype:
                x = x.astype(self.compute_dtype, copy=False)
            return tf.constant(x)
        return x

    def _symbolic_call(self, args, kwargs):
        first = args[0] if args else next(iter(kwargs.values()))
        assert_input_compatibility(self.input_spec, first, self.name)
        if not self.built:
            self._maybe_build(self._call_shapes(args, kwargs, lambda t: t.shape))
        kw = dict(kwargs)
        if self._call_has_training:
            kw.setdefault("training", False)
        else:
            kw.pop("training", None)
        spec = trace_output_spec(self.call, args, kw)
        node_index = len(self._inbound_nodes)
        if _is_leaf_spec(spec):
            structure, flat = None, [spec]
        else:
            structure, flat = spec, _flatten_specs(spec)
        outs = [KerasTensor(s if s is not None else (), d, name=self._name if i == 0 else
                            f"{self._name}_{i}", keras_history=(self, node_index, i))
                for i, (s, d) in enumerate(flat)]
        outputs = outs[0] if structure is None else _pack_specs(structure, outs)
        self._inbound_nodes.append(Node(self, args, kwargs, outputs))
        return outputs

    # --- config ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name}
        auto = self.__dict__.get("_auto_config")
        if auto is not None and type(self).get_config in (Layer.get_config, _model_get_config()):
            config.update(auto)
            spec = inspect.getfullargspec(type(self).__init__)
            if spec.varkw != "kwargs" and "name" not in spec.args[1:]:
                config.pop("name", None)  # as Keras: only arguments __init__ names survive
        return {**config, "trainable": self.trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy",
                          "config": {"name": self.dtype}, "registered_name": None}}

    def get_build_config(self):
        """`{"input_shape": ...}` that `build_from_config` rebuilds the weights from."""
        from tfedu.keras.saving.model_config import get_build_config

        return get_build_config(self)

    def build_from_config(self, config):
        from tfedu.keras.saving.model_config import build_from_config

        build_from_config(self, config)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dt = config.get("dtype")
        if isinstance(dt, dict):
            config["dtype"] = dt.get("config", {}).get("name")
        return cls(**config)

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        node = self._inbound_nodes[0]
        return node.call_args[0] if node.call_args else None

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        return self._inbound_nodes[0].outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _model_get_config():
    from tfedu.keras.engine.training import Model

    return Model.get_config


def _is_leaf_spec(s) -> bool:
    """A traced output spec leaf is `(shape tuple or None, dtype name)`."""
    return (isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], str)
            and (s[0] is None or isinstance(s[0], tuple)))


def _flatten_specs(spec):
    if _is_leaf_spec(spec):
        return [spec]
    if isinstance(spec, dict):
        return [s for k in sorted(spec) for s in _flatten_specs(spec[k])]
    if isinstance(spec, (list, tuple)):
        return [s for x in spec for s in _flatten_specs(x)]
    return [spec]


def _pack_specs(structure, flat):
    it = iter(flat)

    def rec(s):
        if _is_leaf_spec(s):
            return next(it)
        if isinstance(s, dict):
            return {k: rec(s[k]) for k in sorted(s)}
        if isinstance(s, list):
            return [rec(x) for x in s]
        if isinstance(s, tuple):
            return tuple(rec(x) for x in s)
        return next(it)

    return rec(structure)
