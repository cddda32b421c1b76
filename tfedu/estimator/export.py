"""Exporting an Estimator's PREDICT graph: serving input receivers and `export_saved_model`."""

from __future__ import annotations

import collections
import inspect

import tfedu as tf

__all__ = ["ServingInputReceiver", "build_raw_serving_input_receiver_fn",
           "export_saved_model"]


class ServingInputReceiver(collections.namedtuple(
        "ServingInputReceiver", ["features", "receiver_tensors", "receiver_tensors_alternatives"])):
    """The features a served model gets, and the placeholders a request feeds."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if not isinstance(receiver_tensors, dict):
            receiver_tensors = {"input": receiver_tensors}
        return super().__new__(cls, features, receiver_tensors, receiver_tensors_alternatives)


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A receiver fn feeding each feature through a placeholder of its dtype and shape."""
    def fn():
        phs = {}
        for name, t in features.items():
            shape = [default_batch_size] + list(t.shape.as_list()[1:])
            phs[name] = tf.compat.v1.placeholder(t.dtype, shape, name=name)
        return ServingInputReceiver(phs, phs)
    return fn


def _receiver_specs(serving_input_receiver_fn):
    """{name: TensorSpec} of the receiver's placeholders (built in a scratch graph)."""
    with tf.Graph().as_default():
        receiver = serving_input_receiver_fn()
        feats = receiver.features if isinstance(receiver.features, dict) else {
            "feature": receiver.features}
        raw = all(any(f is t for t in receiver.receiver_tensors.values())
                  for f in feats.values())
        if not raw:
            raise NotImplementedError(
                "tfedu exports Estimators whose serving features are the receiver's "
                "placeholders themselves (build_raw_serving_input_receiver_fn or a receiver "
                "returning them); this receiver transforms them.")
        names = {id(t): k for k, t in receiver.receiver_tensors.items()}
        return {k: tf.TensorSpec(t.shape, t.dtype, name=k)
                for k, t in receiver.receiver_tensors.items()}, {
            names[id(f)]: k for k, f in feats.items()}


def _restored_variables(checkpoint_path):
    """Eager variables holding the checkpoint's values, by name."""
    from tfedu.train.checkpoint_utils import load_checkpoint

    reader = load_checkpoint(checkpoint_path)
    return {name: tf.Variable(reader.get_tensor(name), name=name, trainable=False)
            for name in reader.get_variable_to_shape_map()}


def _serving_function(estimator, specs, feature_names, variables):
    """A tf.function of the PREDICT graph whose `get_variable` calls find `variables`."""
    from tfedu.compat.v1.variable_scope import (
        AUTO_REUSE,
        _store,
        get_variable_scope,
        variable_scope,
    )
    from tfedu.estimator.model_fn import ModeKeys

    def serve(**inputs):
        _store(tf.compat.v1.get_default_graph()).update(variables)
        features = {feature_names[k]: v for k, v in inputs.items()}
        if list(features) == ["feature"]:
            features = features["feature"]
        with variable_scope(get_variable_scope(), reuse=AUTO_REUSE):
            spec = estimator._call_model_fn(features, None, ModeKeys.PREDICT)
        preds = spec.predictions
        return preds if isinstance(preds, dict) else {"output": preds}

    names = list(specs)

    def signature(*args, **kwargs):
        bound = signature.__signature__.bind(*args, **kwargs)
        return serve(**bound.arguments)

    # the receiver's names as the parameters (the signature's inputs), without generated code
    signature.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return tf.function(signature, input_signature=[specs[n] for n in names])


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, checkpoint_path,
                       as_text=False):
    """Write the PREDICT graph with the checkpoint's variables as a SavedModel in
    `export_dir_base/<timestamp>` (its `serving_default` signature takes the receiver's
    tensors); returns that path as bytes."""
    import os
    import tempfile
    import time

    if checkpoint_path is None:
        raise ValueError(f"Couldn't find trained model at {estimator.model_dir}.")
    specs, feature_names = _receiver_specs(serving_input_receiver_fn)
    if not all(n.isidentifier() for n in specs):
        raise ValueError(f"Receiver tensor names must be identifiers: {sorted(specs)}")
    variables = _restored_variables(checkpoint_path)
    fn = _serving_function(estimator, specs, feature_names, variables)
    module = tf.Module()
    module.serve = fn
    module.model_variables = list(variables.values())
    os.makedirs(export_dir_base, exist_ok=True)
    final = os.path.join(os.fspath(export_dir_base), str(int(time.time())))
    tmp = tempfile.mkdtemp(dir=export_dir_base, prefix="temp-")
    try:
        tf.saved_model.save(module, tmp, signatures={"serving_default": fn})
        os.replace(tmp, final)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final.encode()
