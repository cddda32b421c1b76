"""Saving models: the `.keras` zip (JSON config + weights) and `.weights.h5`-named weight files.

A `.keras` file is a zip archive with `metadata.json`, `config.json` (the architecture) and
`model.weights.npz` (arrays in weight order). Nothing is pickled, and files are written to a
temporary name first and renamed, so a failed save never leaves half a file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from tfedu.framework import nest


def _layer_classes():
    from tfedu.keras import layers as layers_mod
    from tfedu.keras.engine.functional import Functional, Sequential

    table = {name: getattr(layers_mod, name) for name in dir(layers_mod)
             if isinstance(getattr(layers_mod, name), type)}
    table.update({"Sequential": Sequential, "Functional": Functional})
    return table


def serialize_layer(layer) -> dict:
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}


def _functional_config(model):
    from tfedu.keras.layers.core import InputLayer

    layers = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if isinstance(layer, InputLayer):
                continue
            args = []
            for t in node.input_tensors:
                src, ni, ti = t._keras_history
                args.append([src.name, ni, ti])
            inbound.append(args)
        layers.append({"class_name": type(layer).__name__, "name": layer.name,
                       "config": layer.get_config(), "inbound_nodes": inbound})

    def ref(t):
        src, ni, ti = t._keras_history
        return [src.name, ni, ti]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": [ref(t) for t in model.inputs],
            "output_layers": [ref(t) for t in model.outputs]}


def model_config(model) -> dict:
    from tfedu.keras.engine.functional import Functional, Sequential

    if isinstance(model, Functional):
        return {"class_name": "Functional", "config": _functional_config(model)}
    if isinstance(model, Sequential):
        cfg = model.get_config()
        cfg["build_input_shape"] = list(model._build_input_shape) if \
            model._build_input_shape else None
        return {"class_name": "Sequential", "config": cfg}
    raise NotImplementedError(
        f"Saving the architecture of subclassed model {type(model).__name__} is not supported; "
        "use `save_weights` and rebuild the model in code.")


def _from_layer_config(class_name, config):
    classes = _layer_classes()
    cls = classes.get(class_name)
    if cls is None:
        raise TypeError(f"Could not locate class '{class_name}'. Make sure custom classes are "
                        "decorated with `@keras.saving.register_keras_serializable()`.")
    config = dict(config)
    if class_name == "InputLayer":
        from tfedu.keras.layers.core import InputLayer

        return InputLayer(batch_shape=tuple(config["batch_shape"]), dtype=config.get("dtype"),
                          name=config.get("name"))
    return cls.from_config(config)


def model_from_config(cfg):
    from tfedu.keras.engine.functional import Functional, Sequential

    class_name, config = cfg["class_name"], cfg["config"]
    if class_name == "Sequential":
        layers = [_from_layer_config(lyr["class_name"], lyr["config"]) for lyr in config["layers"]]
        model = Sequential(name=config["name"])
        for layer in layers:
            model.add(layer.output_tensor if hasattr(layer, "output_tensor") else layer,
                      rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
    if class_name == "Functional":
        created = {}
        outputs_of = {}
        for spec in config["layers"]:
            layer = _from_layer_config(spec["class_name"], spec["config"])
            created[spec["name"]] = layer
            if spec["class_name"] == "InputLayer":
                outputs_of[(spec["name"], 0)] = [layer.output_tensor]
        for spec in config["layers"]:
            layer = created[spec["name"]]
            for ni, args in enumerate(spec["inbound_nodes"]):
                ins = [outputs_of[(src, sni)][ti] for src, sni, ti in args]
                out = layer(ins[0] if len(ins) == 1 else ins)
                outputs_of[(spec["name"], ni)] = nest.flatten(out)
        inputs = [outputs_of[(n, ni)][ti] for n, ni, ti in config["input_layers"]]
        outputs = [outputs_of[(n, ni)][ti] for n, ni, ti in config["output_layers"]]
        return Functional(inputs[0] if len(inputs) == 1 else inputs,
                          outputs[0] if len(outputs) == 1 else outputs, name=config["name"])
    raise TypeError(f"Unknown model class '{class_name}'")


def _weights_npz(model) -> bytes:
    buf = io.BytesIO()
    arrays = {f"w{i:05d}": np.asarray(w.numpy()) for i, w in enumerate(model.weights)}
    np.savez(buf, **arrays)
    return buf.getvalue()


def _load_npz(model, data: bytes):
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        arrays = [f[k] for k in sorted(f.files)]
    model.set_weights(arrays)


def _atomic_write(path, write):
    d = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tfedu-save-")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_model(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         "extension. Use `model.export(filepath)` if you want to export a "
                         f"SavedModel for use with TFLite/TFServing/etc. Received: "
                         f"filepath={filepath}.")
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(filepath)
    config = model_config(model)
    compile_cfg = None
    if getattr(model, "compiled", False):
        compile_cfg = {"optimizer": {"class_name": type(model.optimizer).__name__,
                                     "config": model.optimizer.get_config()},
                       "loss": model.loss if isinstance(model.loss, str) else None,
                       "metrics": [m for m in model._metric_ids if isinstance(m, str)]}
    config["compile_config"] = compile_cfg
    meta = {"keras_version": "3.15.1", "tfedu_format": 1}
    weights = _weights_npz(model)

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("metadata.json", json.dumps(meta))
            z.writestr("config.json", json.dumps(config))
            z.writestr("model.weights.npz", weights)

    _atomic_write(filepath, write)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    try:
        with zipfile.ZipFile(filepath) as z:
            config = json.loads(z.read("config.json"))
            weights = z.read("model.weights.npz")
    except (zipfile.BadZipFile, KeyError) as e:
        raise ValueError(f"The file {filepath} is not a valid `.keras` archive ({e}).") from None
    model = model_from_config(config)
    _load_npz(model, weights)
    cc = config.get("compile_config")
    if compile and cc:
        from tfedu.keras import optimizers

        opt_cls = getattr(optimizers, cc["optimizer"]["class_name"])
        model.compile(optimizer=opt_cls.from_config(cc["optimizer"]["config"]),
                      loss=cc["loss"], metrics=cc["metrics"])
    return model


def save_weights(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. Received: "
                         f"filepath={filepath}")
    data = _weights_npz(model)

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    _atomic_write(filepath, write)


def load_weights(model, filepath):
    filepath = os.fspath(filepath)
    with open(filepath, "rb") as f:
        _load_npz(model, f.read())
