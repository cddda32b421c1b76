"""`serve()`: a model server in the background of a notebook kernel.

    server = tfedu.serving.serve(model)      # a Keras model, a tf.Module or a SavedModel dir
    server.url                               # 'http://127.0.0.1:41237'
    requests.post(server.predict_url, json={"instances": [[5.1, 3.5, 1.4, 0.2]]}).json()
    server.stop()

A model object is exported as version 1 of a fresh base directory (`export_version` writes a
version into a temporary directory first and renames it into place, so a running server never
sees half a version). Ports default to free ones chosen by the system.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import tempfile
import types

from tfedu.serving.batching import BatchingOptions
from tfedu.serving.manager import ModelSpecConfig, version_dirs
from tfedu.serving.server import ModelServer, ServerOptions


def _keras_input(model):
    """(key, batch shape, dtype) of a Keras model's single input, as `model.export` names it."""
    layers = getattr(model, "_tracked_layers", None) or []
    first = layers[0] if layers else None
    if first is not None and hasattr(first, "batch_shape"):
        return first.name, tuple(first.batch_shape), first.dtype
    inputs = getattr(model, "inputs", None)
    if inputs:
        t = inputs[0]
        name = getattr(t, "name", None) or "keras_tensor"
        return name.split(":")[0], tuple(t.shape), t.dtype
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError("The model has no known input shape: build it (call it once or give "
                         "it a keras.Input) before serving it")
    return "inputs", tuple(shape), "float32"


def _with_parameter_name(fn, name: str):
    """`fn(x)` as a function whose one parameter is called `name`: a signature's input key is
    its function's parameter name, and Keras names it after the model's Input."""
    name = re.sub(r"\W", "_", name)
    if not name.isidentifier() or keyword.iskeyword(name):
        name = "inputs"

    def call(x):
        return fn(x)

    code = call.__code__.replace(co_varnames=(name,) + call.__code__.co_varnames[1:])
    return types.FunctionType(code, call.__globals__, "serve", None, call.__closure__)


def _keras_signature(model):
    import tfedu as tf

    key, shape, dtype = _keras_input(model)
    spec = tf.TensorSpec((None,) + tuple(shape[1:]), dtype)
    serve = tf.function(_with_parameter_name(lambda x: model(x, training=False), key),
                        input_signature=[spec])
    return {"serving_default": serve.get_concrete_function()}


def save_model(model, path) -> None:
    """Write `model` as a SavedModel at `path` with a serving_default signature."""
    import tfedu as tf

    if hasattr(model, "_tracked_layers") or hasattr(model, "compile"):
        # Only what serving needs: the weights and the serving function. (Saving the model
        # object itself would also walk its traced training step and optimizer.)
        holder = tf.Module()
        holder.weights = list(model.weights)
        holder.serve = _keras_signature(model)["serving_default"]
        tf.saved_model.save(holder, path, signatures={"serving_default": holder.serve})
        return
    tf.saved_model.save(model, path)
    from tfedu.saved_model.loading import read_saved_model

    sigs = read_saved_model(path).meta_graphs[0].signature_def
    if "serving_default" not in sigs:
        shutil.rmtree(path, ignore_errors=True)
        raise ValueError("The object has no serving_default signature: give one of its "
                         "tf.functions an input_signature, or save it with "
                         "tf.saved_model.save(obj, dir, signatures=...) and serve the directory")


def export_version(model, base_path, version: int | None = None) -> str:
    """Save `model` as version `version` (default: one above the highest) under `base_path`,
    atomically: into a temporary sibling first, renamed into place when complete."""
    os.makedirs(base_path, exist_ok=True)
    if version is None:
        version = (version_dirs(base_path) or [0])[-1] + 1
    final = os.path.join(base_path, str(int(version)))
    if os.path.exists(final):
        raise FileExistsError(f"Version {version} already exists in {base_path}")
    tmp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=base_path)
    try:
        save_model(model, os.path.join(tmp, "m"))
        os.replace(os.path.join(tmp, "m"), final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _base_path(model_or_dir):
    """(base path, temp dir to remove at stop or None)."""
    if isinstance(model_or_dir, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(model_or_dir))
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            return path, None
        base = tempfile.mkdtemp(prefix="tfedu-serving-")
        os.symlink(path, os.path.join(base, "1"))
        return base, base
    base = tempfile.mkdtemp(prefix="tfedu-serving-")
    try:
        export_version(model_or_dir, base, 1)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return base, base


class ServerHandle:
    """A running background server: `url`, `predict_url`, `grpc_address`, `stop()`."""

    def __init__(self, server: ModelServer, name: str, base_path: str, temp_dir):
        self.server, self.name, self.base_path, self._temp = server, name, base_path, temp_dir

    url = property(lambda self: self.server.url)
    grpc_address = property(lambda self: self.server.grpc_address)
    model_url = property(lambda self: f"{self.server.url}/v1/models/{self.name}")
    predict_url = property(lambda self: f"{self.model_url}:predict")

    def batch_sizes(self) -> dict:
        """{batch size: how many batches ran at that size} (with batching on)."""
        counts = self.server.core.batch_stats.snapshot()["batch_sizes"]
        return {size: n for (model, size), n in sorted(counts.items()) if model == self.name}

    def stop(self) -> None:
        self.server.stop()
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        grpc = f", grpc={self.grpc_address}" if self.grpc_address else ""
        return f"<ServerHandle {self.name!r} at {self.url}{grpc}>"


def serve(model_or_dir, name: str = "model", rest_api_port: int = -1, port: int = -1,
          host: str = "127.0.0.1", enable_batching: bool = False,
          batching: BatchingOptions | None = None, poll_seconds: float = 1.0,
          log: bool = False) -> ServerHandle:
    """Start a server for a model (exported as version 1) or a directory (a SavedModel, or a
    base path of version directories) and return its handle. Ports: -1 (the default) picks a
    free one, 0 turns that API off."""
    base, temp = _base_path(model_or_dir)
    if enable_batching and batching is None:
        batching = BatchingOptions()
    options = ServerOptions(host=host, rest_api_port=rest_api_port, port=port,
                            batching=batching if enable_batching or batching else None,
                            file_system_poll_wait_seconds=poll_seconds, log=log,
                            max_num_load_retries=0)
    server = ModelServer([ModelSpecConfig(name, base)], options)
    try:
        server.start()
    except BaseException:
        server.stop()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    return ServerHandle(server, name, base, temp)
