"""Exporting an Estimator's PREDICT graph: serving input receivers and `export_saved_model`."""

from __future__ import annotations

import collections

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


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, checkpoint_path,
                       as_text=False):
    raise NotImplementedError(
        "Estimator.export_saved_model needs tfedu's SavedModel writer, which is not available "
        "yet in this version.")
