"""Keras 3's object configs: `serialize_keras_object` and `deserialize_keras_object`.

An object is written as `{"module", "class_name", "config", "registered_name"}` (plus
`build_config`/`compile_config` for layers and models), exactly as Keras 3 writes it, so that real
Keras reads what tfedu writes and the reverse. Reading resolves a class only among tfedu's own
Keras classes (by the public name Keras gives them, e.g. `keras.layers>Dense`) and the objects the
user registered or passed in `custom_objects`: no module is imported and no code runs because a
file names it. A Python lambda (stored by Keras as bytecode) is refused.
"""

from __future__ import annotations

import base64
import functools
import marshal
import threading
import types
import warnings

import numpy as np

from tfedu.keras.saving import object_registration as registry

PLAIN_TYPES = (str, int, float, bool)
_state = threading.local()

LAMBDA_REFUSED = (
    "Requested the deserialization of a Python lambda. This carries a potential risk of "
    "arbitrary code execution and thus it is disallowed by default. If you trust the source of "
    "the artifact, you can override this error by passing `safe_mode=False` to the loading "
    "function, or calling `keras.config.enable_unsafe_deserialization()."
)
NO_BYTECODE = (
    "tfedu never runs code stored in a file, even with `safe_mode=False`: {what} is Python "
    "bytecode. Pass the function itself instead, e.g. `custom_objects={{{key!r}: fn}}`, or give "
    "the layer a named function decorated with "
    "`@keras.saving.register_keras_serializable()`."
)


# --- safe mode ------------------------------------------------------------------------------
class SafeModeScope:
    """Inside, `in_safe_mode()` is `safe_mode` (lambdas refused when True)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self.previous = getattr(_state, "safe_mode", None)
        _state.safe_mode = self.safe_mode
        return self

    def __exit__(self, *args):
        _state.safe_mode = self.previous


def in_safe_mode():
    """False after `enable_unsafe_deserialization()`, else the innermost scope's flag (None
    outside any scope)."""
    if _state_global["safe_mode"] is False:
        return False
    return getattr(_state, "safe_mode", None)


_state_global = {"safe_mode": None}


def enable_unsafe_deserialization():
    """`keras.config.enable_unsafe_deserialization()`: allow functions named by custom objects
    in place of stored lambdas (tfedu still never runs stored bytecode)."""
    _state_global["safe_mode"] = False


# --- the public names of tfedu's Keras classes ----------------------------------------------
def _subclasses_in(namespace, base) -> dict:
    out = {}
    for name in dir(namespace):
        obj = getattr(namespace, name)
        if isinstance(obj, type) and issubclass(obj, base) and not name.startswith("_"):
            out.setdefault(name, obj)
    return out


@functools.lru_cache(maxsize=1)
def _class_tables() -> dict:
    """Keras module path -> {class name: tfedu class}, for every class a file may name."""
    from tfedu.keras import (
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from tfedu.keras.engine.functional import Functional, Sequential
    from tfedu.keras.engine.training import Model

    models = {"Sequential": Sequential, "Functional": Functional, "Model": Model}
    return {
        "keras.layers": _subclasses_in(layers, layers.Layer),
        "keras": dict(models),
        "keras.models": dict(models),
        "keras.src.models.functional": {"Functional": Functional},
        "keras.initializers": _subclasses_in(initializers, initializers.Initializer),
        "keras.regularizers": _subclasses_in(regularizers, regularizers.Regularizer),
        "keras.constraints": _subclasses_in(constraints, constraints.Constraint),
        "keras.optimizers": _subclasses_in(optimizers, optimizers.Optimizer),
        "keras.optimizers.schedules": _subclasses_in(optimizers.schedules,
                                                     optimizers.LearningRateSchedule),
        "keras.losses": _subclasses_in(losses, losses.Loss),
        "keras.metrics": _subclasses_in(metrics, metrics.Metric),
    }


@functools.lru_cache(maxsize=1)
def _function_tables() -> dict:
    from tfedu.keras import activations, losses

    loss_fns = {k: v for k, v in losses._BY_NAME.items() if isinstance(v, types.FunctionType)}
    return {"keras.activations": dict(activations._BY_NAME), "keras.losses": loss_fns}


@functools.lru_cache(maxsize=1)
def _public_names() -> dict:
    """tfedu class -> (module, class name) that Keras uses for its counterpart."""
    out = {}
    for module, table in _class_tables().items():
        for name, cls in table.items():
            if cls.__name__ == name:
                out.setdefault(cls, (module, name))
    from tfedu.keras.engine.functional import Functional, Sequential

    out[Sequential] = ("keras", "Sequential")
    out[Functional] = ("keras.src.models.functional", "Functional")
    return out


def _public_function_name(fn):
    for module, table in _function_tables().items():
        if table.get(getattr(fn, "__name__", None)) is fn:
            return module, fn.__name__
        for name, f in table.items():
            if f is fn:
                return module, name
    return None


# --- serializing ----------------------------------------------------------------------------
def serialize_keras_object(obj):
    """The JSON-ready config Keras 3 writes for `obj` (plain values pass through)."""
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    special = _serialize_special(obj)
    if special is not None:
        return special
    if isinstance(obj, types.FunctionType):
        return _serialize_function(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj)}. To be "
                        "serializable, a class must implement the `get_config()` method.")
    config = _header(type(obj), serialize_keras_object(obj.get_config()))
    _add_build_and_compile(obj, config)
    return config


def _serialize_special(obj):
    from tfedu.keras.engine.keras_tensor import KerasTensor

    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, KerasTensor):
        history = list(obj._keras_history) if obj._keras_history else None
        if history:
            history[0] = history[0].name
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(obj.shape), "dtype": obj.dtype,
                           "keras_history": history}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                       "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic) or (isinstance(obj, np.ndarray) and obj.ndim == 0):
        return obj.item()
    if hasattr(obj, "numpy") and hasattr(obj, "dtype") and not hasattr(obj, "get_config"):
        value = np.asarray(obj.numpy())
        return {"class_name": "__tensor__", "config": {"value": value.tolist(),
                                                        "dtype": value.dtype.name}}
    return None


def func_dump(fn):
    """Keras's `(code, defaults, closure)` of a lambda: base64 of its marshalled code."""
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def _serialize_function(fn):
    if fn.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`. This is unsafe. In "
                      "order to reload the object, you will have to pass `safe_mode=False` to "
                      "the loading function. Please avoid using `lambda` in the future, and use "
                      "named Python functions instead.", stacklevel=3)
        return {"class_name": "__lambda__", "config": {"value": func_dump(fn)}}
    public = _public_function_name(fn)
    if public is not None:
        return {"module": public[0], "class_name": "function", "config": public[1],
                "registered_name": public[1]}
    name = registry.get_registered_name(fn)
    return {"module": _module_of(fn), "class_name": "function", "config": name,
            "registered_name": name}


def _module_of(obj):
    module = getattr(obj, "__module__", None)
    return None if module == "__main__" else module


def _header(cls, inner_config):
    public = _public_names().get(cls)
    if public is not None:
        registered = "Functional" if public[1] == "Functional" else None
        return {"module": public[0], "class_name": public[1], "config": inner_config,
                "registered_name": registered}
    return {"module": _module_of(cls), "class_name": cls.__name__, "config": inner_config,
            "registered_name": registry.get_registered_name(cls)}


def _add_build_and_compile(obj, config):
    if hasattr(obj, "get_build_config"):
        build = obj.get_build_config()
        if build is not None:
            config["build_config"] = serialize_keras_object(build)
    if hasattr(obj, "get_compile_config"):
        compiled = obj.get_compile_config()
        if compiled is not None:
            config["compile_config"] = serialize_keras_object(compiled)


# --- deserializing --------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a Keras 3 config describes, built from tfedu's classes or custom objects."""
    scoped = in_safe_mode()
    safe_mode = scoped if scoped is not None else safe_mode
    if config is None or isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode)
                for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    if class_name in _SPECIAL_READERS:
        return _SPECIAL_READERS[class_name](inner, safe_mode)
    if class_name == "function":
        return _retrieve(inner, config, "function", custom_objects)
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name},\n"
                        f"instead got {type(inner)}\nFull config: {config}")
    cls = _retrieve(class_name, config, "class", custom_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    return _instantiate(cls, inner, config, custom_objects, safe_mode)


def _instantiate(cls, inner, config, custom_objects, safe_mode):
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{config['class_name']}' because "
                        "the class is missing a `from_config()` method. "
                        f"Full object config: {config}")
    with registry.CustomObjectScope(custom_objects or {}), SafeModeScope(safe_mode):
        try:
            instance = cls.from_config(dict(inner))
        except TypeError as e:
            raise TypeError(
                f"{cls} could not be deserialized properly. Please ensure that components that "
                "are Python object instances (layers, models, etc.) returned by `get_config()` "
                "are explicitly deserialized in the model's `from_config()` method."
                f"\n\nconfig={config}.\n\nException encountered: {e}") from None
        build = config.get("build_config")
        if build and not getattr(instance, "built", True) and hasattr(instance,
                                                                      "build_from_config"):
            instance.build_from_config(build)
        compiled = config.get("compile_config")
        if compiled and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compiled)
    return instance


def _read_lambda(inner, safe_mode):
    if safe_mode is not False:
        raise ValueError(LAMBDA_REFUSED)
    raise ValueError(NO_BYTECODE.format(what="the lambda", key="<name>"))


LAMBDA_LAYER_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
    "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
    "default. If you trust the source of the artifact, you can override this error by passing "
    "`safe_mode=False` to the loading function, or calling "
    "`keras.config.enable_unsafe_deserialization()."
)


def lambda_function_config(fn):
    """A `Lambda` layer's function as Keras stores it: bytecode for a lambda, else by name."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


def lambda_function_from_config(fn_config, layer_name, custom_objects=None, safe_mode=None):
    """The function of a saved `Lambda` layer. A stored lambda is refused in safe mode (Keras's
    message); outside it, the function must come from `custom_objects`/a scope under the
    layer's name, as tfedu never runs stored bytecode."""
    if fn_config.get("class_name") != "__lambda__":
        return deserialize_keras_object(fn_config, custom_objects)
    scoped = in_safe_mode()
    effective = safe_mode if safe_mode is not None else scoped
    if effective is not False:
        raise ValueError(LAMBDA_LAYER_REFUSED)
    fn = registry.get_registered_object(layer_name, custom_objects)
    if fn is None:
        raise ValueError(NO_BYTECODE.format(what=f"the function of Lambda layer '{layer_name}'",
                                            key=layer_name))
    return fn


def _read_keras_tensor(inner, safe_mode):
    from tfedu.keras.engine.keras_tensor import KerasTensor

    t = KerasTensor(tuple(inner["shape"]), inner["dtype"])
    t._pre_serialization_keras_history = inner.get("keras_history")
    return t


_SPECIAL_READERS = {
    "__keras_tensor__": _read_keras_tensor,
    "__numpy__": lambda c, s: np.array(c["value"], dtype=_plain_dtype(c["dtype"])),
    "__tensor__": lambda c, s: _tensor(c),
    "__bytes__": lambda c, s: str(c["value"]).encode("utf-8"),
    "__ellipsis__": lambda c, s: Ellipsis,
    "__lambda__": _read_lambda,
}


def _plain_dtype(name):
    dtype = np.dtype(str(name))
    if dtype.kind not in "biufc":
        raise ValueError(f"Unsupported dtype {name!r} in a saved config.")
    return dtype


def _tensor(c):
    import tfedu

    return tfedu.constant(np.array(c["value"], dtype=_plain_dtype(c["dtype"])))


def _retrieve(name, config, obj_type, custom_objects):
    """A class or function by the name a config gives: custom objects, then registered
    objects, then tfedu's own Keras classes. Anything else is refused."""
    registered = config.get("registered_name") or name
    for key in ((name,) if obj_type == "function" else (registered, name)):
        found = registry.get_registered_object(key, custom_objects)
        if found is not None:
            return found
    module = config.get("module")
    found = _builtin(name, module, obj_type)
    if found is not None:
        return found
    raise TypeError(
        f"Could not locate {obj_type} '{name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()`. If they are already "
        "decorated, make sure they are all imported so that the decorator is run before trying "
        f"to load them. Full object config: {config}")


def _builtin(name, module, obj_type):
    if not isinstance(name, str):
        return None
    if obj_type == "function":
        tables = _function_tables()
        if module in tables:
            return tables[module].get(name)
        if module in (None, "builtins") or str(module).startswith("keras"):
            return next((t[name] for t in tables.values() if name in t), None)
        return None
    if module is not None and not str(module).startswith("keras"):
        return None
    tables = _class_tables()
    if module in tables and name in tables[module]:
        return tables[module][name]
    return next((t[name] for t in tables.values() if name in t), None)
