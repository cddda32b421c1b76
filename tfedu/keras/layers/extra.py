"""More Keras layers: Softmax, ReLU, LeakyReLU, PReLU, ELU, Permute, RepeatVector,
ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D, GlobalAveragePooling3D, TimeDistributed, and the functional
helpers `concatenate`, `add`, `multiply`, `average`, `maximum`, `subtract`."""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer


class _Stateless(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True


class Softmax(_Stateless):
    """Softmax over `axis` (an axis or a tuple of axes); masked positions (mask False) get
    probability 0, even where a whole row is masked, as in Keras 3."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = mask if mask.dtype == tf.bool else tf.greater(mask, 0.5)
            big = -3e4 if inputs.dtype == tf.float16 else -1e9
            inputs = tf.where(mask, inputs, tf.cast(big, inputs.dtype))
        axis = self.axis
        if isinstance(axis, (tuple, list)) and len(axis) > 1:
            out = tf.exp(inputs - tf.reduce_logsumexp(inputs, axis=list(axis), keepdims=True))
        else:
            out = tf.nn.softmax(inputs, axis=axis[0] if isinstance(axis, (tuple, list)) else axis)
        return out if mask is None else tf.where(mask, out, tf.zeros_like(out))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(_Stateless):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. Received: "
                             f"max_value={max_value}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x):
        if not self.negative_slope and not self.threshold and self.max_value is None:
            return tf.nn.relu(x)  # as Keras: the plain case is one Relu op
        neg = self.negative_slope * (x - self.threshold) if self.negative_slope else None
        y = tf.where(x >= self.threshold, x, neg if self.negative_slope else tf.zeros_like(x))
        if self.threshold and not self.negative_slope:
            y = tf.where(x > self.threshold, x, tf.zeros_like(x))
        return y if self.max_value is None else tf.minimum(y, tf.cast(self.max_value, x.dtype))


class LeakyReLU(_Stateless):
    def __init__(self, negative_slope=0.3, **kwargs):
        kwargs.pop("alpha", None)
        super().__init__(**kwargs)
        self.negative_slope = negative_slope

    def call(self, x):
        return tf.nn.leaky_relu(x, alpha=self.negative_slope)


class PReLU(Layer):
    """A leaky ReLU whose negative slope `alpha` is learned, one per input unit (or shared
    along `shared_axes`, e.g. (1, 2) for one slope per channel of an image)."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.shared_axes = None if shared_axes is None else (
            list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes])

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            shape[i - 1] = 1
        self.alpha = self.add_weight(name="alpha", shape=shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if self.shared_axes and i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return tf.nn.relu(inputs) - self.alpha * tf.nn.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(_Stateless):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, x):
        return tf.where(x > 0, x, self.alpha * (tf.exp(x) - 1))


class Permute(_Stateless):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)

    def call(self, x):
        return tf.transpose(x, (0,) + self.dims)


class RepeatVector(_Stateless):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def call(self, x):
        return tf.tile(tf.expand_dims(x, 1), [1, self.n, 1])


def _pairs(p, n):
    if isinstance(p, int):
        return [(p, p)] * n
    return [(q, q) if isinstance(q, int) else tuple(q) for q in p]


class ZeroPadding1D(_Stateless):
    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 1)

    def call(self, x):
        return tf.pad(x, [[0, 0], list(self.padding[0]), [0, 0]])


class ZeroPadding2D(_Stateless):
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 2)

    def call(self, x):
        return tf.pad(x, [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]])


class Cropping2D(_Stateless):
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 2)

    def call(self, x):
        (t, b), (lf, r) = self.cropping
        return x[:, t:x.shape[1] - b, lf:x.shape[2] - r, :]


class Cropping1D(_Stateless):
    """Cut `cropping` = (start, end) steps off each sequence (an int cuts both ends)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _int_pair(cropping, "cropping")
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        start, end = self.cropping
        if inputs.shape[1] is not None and start + end >= inputs.shape[1]:
            raise ValueError("`cropping` parameter of `Cropping1D` layer must be smaller than "
                             f"the input length. Received: inputs.shape={tuple(inputs.shape)}, "
                             f"cropping={self.cropping}")
        return inputs[:, start:, :] if end == 0 else inputs[:, start:-end, :]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


def _int_pair(value, name):
    """Keras's standardize_tuple(value, 2, allow_zero=True)."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 0 for v in pair):
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received "
                         f"{name}={value}")
    return pair


class UpSampling1D(_Stateless):
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, x):
        return tf.repeat(x, self.size, axis=1)


class UpSampling2D(_Stateless):
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.interpolation = interpolation

    def call(self, x):
        if self.interpolation == "nearest":
            return tf.repeat(tf.repeat(x, self.size[0], axis=1), self.size[1], axis=2)
        return tf.image.resize(x, [x.shape[1] * self.size[0], x.shape[2] * self.size[1]])


class GlobalAveragePooling3D(_Stateless):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, x):
        return tf.reduce_mean(x, axis=[1, 2, 3], keepdims=self.keepdims)


class GlobalMaxPooling3D(GlobalAveragePooling3D):
    def call(self, x):
        return tf.reduce_max(x, axis=[1, 2, 3], keepdims=self.keepdims)


class TimeDistributed(Layer):
    """Apply `layer` to every time step: fold time into the batch, call, unfold."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape):
        self.layer.build((None,) + tuple(input_shape[2:]))
        self.built = True

    def call(self, x, training=None):
        shape = tf.shape(x)
        flat = tf.reshape(x, tf.concat([[-1], shape[2:]], 0))
        y = self.layer(flat)
        out = tf.reshape(y, tf.concat([shape[:2], tf.shape(y)[1:]], 0))
        out.set_shape(x.shape[:2].concatenate(y.shape[1:]))
        return out


def _merge(cls, inputs, **kwargs):
    from tfedu.keras.layers import merging

    return getattr(merging, cls)(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return _merge("Concatenate", inputs, axis=axis, **kwargs)


def add(inputs, **kwargs):
    return _merge("Add", inputs, **kwargs)


def subtract(inputs, **kwargs):
    return _merge("Subtract", inputs, **kwargs)


def multiply(inputs, **kwargs):
    return _merge("Multiply", inputs, **kwargs)


def average(inputs, **kwargs):
    return _merge("Average", inputs, **kwargs)


def maximum(inputs, **kwargs):
    return _merge("Maximum", inputs, **kwargs)
