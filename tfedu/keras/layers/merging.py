"""Merge layers (Add, Multiply, Concatenate, ...) and Embedding."""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import Layer


class _Merge(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 1:
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        return self._merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        """Keras's merge mask: none if an input is unmasked, else the masks or-ed together."""
        if mask is None or not isinstance(mask, (list, tuple)) or any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = tf.logical_or(out, m)
        return out


class Add(_Merge):
    def _merge(self, xs):
        return tf.add_n(xs) if len(xs) > 1 else xs[0]


class Subtract(_Merge):
    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs.")
        return xs[0] - xs[1]


class Multiply(_Merge):
    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Average(_Merge):
    def _merge(self, xs):
        return tf.add_n(xs) / float(len(xs))


class Maximum(_Merge):
    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = tf.maximum(out, x)
        return out


class Minimum(_Merge):
    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = tf.minimum(out, x)
        return out


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, xs):
        return tf.concat(xs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras's: unmasked inputs count as all-true; a step is kept if any part of it is."""
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(tf.ones_like(x, dtype="bool"))
            elif m.shape.rank < x.shape.rank:
                full.append(tf.logical_or(tf.expand_dims(m, -1), tf.zeros_like(x, dtype="bool")))
            else:
                full.append(m)
        return tf.reduce_any(tf.concat(full, axis=self.axis), axis=-1)

    def get_config(self):
        c = super().get_config()
        c["axis"] = self.axis
        return c


class Dot(_Merge):
    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def _merge(self, xs):
        a, b = xs
        if self.normalize:
            a = tf.math.l2_normalize(a, axis=-1)
            b = tf.math.l2_normalize(b, axis=-1)
        return tf.reduce_sum(a * b, axis=-1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


class Embedding(Layer):
    """A lookup table from integer ids to dense vectors."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 **kwargs):
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          name="embeddings")
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, 0)

    def call(self, inputs):
        ids = inputs if inputs.dtype.is_integer else tf.cast(inputs, "int32")
        return tf.nn.embedding_lookup(self.embeddings, ids)

    def get_config(self):
        c = super().get_config()
        c.update({"input_dim": self.input_dim, "output_dim": self.output_dim,
                  "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                  "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                  "activity_regularizer": None,
                  "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                  "mask_zero": self.mask_zero,
                  "quantization_config": None})
        return c
