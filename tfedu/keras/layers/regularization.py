"""Regularization layers beyond Dropout: SpatialDropout1D/2D/3D (drop whole channels),
GaussianNoise (add noise), GaussianDropout (multiply by noise around 1) and
ActivityRegularization (a penalty on the activations). Like Dropout they act only in training
(`fit`, or `training=True`) and are the identity otherwise."""

from __future__ import annotations

import math

import tfedu as tf
from tfedu.keras import regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer
from tfedu.keras.layers.core import Dropout


def _unit_rate(value, name):
    if not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `{name}`. Expected a float value "
                         f"between 0 and 1. Received: {name}={value}")


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per sample and channel."""

    ndim = 3

    def __init__(self, rate, seed=None, name=None, dtype=None, data_format=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        if data_format not in (None, "channels_last"):
            raise ValueError("tfedu layers use data_format='channels_last' (NHWC).")
        self.input_spec = InputSpec(ndim=self.ndim)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        shape = tf.shape(inputs)
        noise = tf.concat([shape[:1], tf.ones([self.ndim - 2], "int32"), shape[-1:]], 0)
        return tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise, seed=self.seed)

    def get_config(self):  # Keras's: no `trainable`, the dtype's name
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    ndim = 3

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed, name, dtype)


class SpatialDropout2D(_SpatialDropout):
    ndim = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed, name, dtype, data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last"}


class SpatialDropout3D(SpatialDropout2D):
    ndim = 5


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of `stddev` while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        _unit_rate(stddev, "stddev")
        self.stddev, self.seed = stddev, seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            return inputs + tf.random.normal(tf.shape(inputs), 0.0, self.stddev,
                                             dtype=self.compute_dtype, seed=self.seed)
        return inputs

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiply by Gaussian noise of mean 1 and variance `rate / (1 - rate)` while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        _unit_rate(rate, "rate")
        self.rate, self.seed = rate, seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return inputs * tf.random.normal(tf.shape(inputs), 1.0, stddev,
                                             dtype=self.compute_dtype, seed=self.seed)
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """The identity, adding `l1 * sum|x| + l2 * sum(x^2)` (per sample of the batch) to the
    model's losses on each call."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = l1, l2
        self._penalty = regularizers.L1L2(l1=l1, l2=l2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        loss = self._penalty(inputs)
        if inputs.shape.rank:
            loss = tf.math.divide_no_nan(loss, tf.cast(tf.shape(inputs)[0], loss.dtype))
        self._losses = [loss]  # this call's penalty (Keras clears the last call's)
        return inputs

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
