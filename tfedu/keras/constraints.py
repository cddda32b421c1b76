"""`keras.constraints`: projections of a weight, applied by the optimizer after each step.

A layer given `kernel_constraint=` (or `bias_constraint=`, `embeddings_constraint=`...) hands the
constraint to the weight it creates; `optimizer.apply` then replaces that weight `w` by
`constraint(w)` right after updating it, so the weight never leaves the allowed set.
"""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import backend


class Constraint:
    """Base class: `__call__(w)` returns the projected weight (here, `w` unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value` down to it."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = tf.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return tf.maximum(tf.convert_to_tensor(w), 0.0)


class UnitNorm(Constraint):
    """Divides each slice along `axis` by its L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's norm towards `[min_value, max_value]` (all the way when `rate=1`)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = tf.clip_by_value(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_BY_NAME = {"Constraint": Constraint, "constraint": Constraint, "MaxNorm": MaxNorm,
            "max_norm": MaxNorm, "MinMaxNorm": MinMaxNorm, "min_max_norm": MinMaxNorm,
            "NonNeg": NonNeg, "non_neg": NonNeg, "UnitNorm": UnitNorm, "unit_norm": UnitNorm}


def serialize(constraint):
    """A constraint as Keras writes it in a layer's config (None stays None)."""
    from tfedu.keras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint a config describes."""
    from tfedu.keras.saving import serialization_lib

    if isinstance(config, str):
        return get(config)
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier):
    """A constraint from None, a config dict, a name ('max_norm'), a class or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _BY_NAME.get(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret constraint identifier: {identifier}")
    return obj
