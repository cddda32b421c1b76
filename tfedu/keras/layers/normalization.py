"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization and Normalization (with adapt)."""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer
from tfedu.ops.batch_norm_ops import fused_batch_norm_v3


class BatchNormalization(Layer):
    """Normalise with batch statistics while training and moving averages at inference."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized

    def build(self, input_shape):
        dim = input_shape[self.axis]
        self._reduce_axes = [i for i in range(len(input_shape))
                             if i != self.axis % len(input_shape)]
        self.gamma = self.add_weight(shape=(dim,), initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=(dim,), initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    name="beta") if self.center else None
        self.moving_mean = self.add_weight(shape=(dim,), initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=(dim,),
                                               initializer=self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            if self._fusable(inputs):
                return self._fused_training(inputs)
            mean, var = tf.nn.moments(inputs, axes=self._reduce_axes)
            self._update_moving(mean, var)
        else:
            mean, var = self.moving_mean.value(), self.moving_variance.value()
        return tf.nn.batch_normalization(inputs, mean, var, self.beta, self.gamma, self.epsilon)

    def _update_moving(self, mean, var):
        m = self.momentum
        self.moving_mean.assign(self.moving_mean * m + tf.stop_gradient(mean) * (1 - m))
        self.moving_variance.assign(self.moving_variance * m + tf.stop_gradient(var) * (1 - m))

    def _fusable(self, inputs):
        """Whether training can run as one FusedBatchNormV3 op: float32 NHWC images (its
        epsilon floor is 1.001e-5; a smaller one keeps the two-op path, which honours it)."""
        shape = inputs.shape
        return (shape.rank == 4 and self.axis % 4 == 3 and inputs.dtype == tf.float32
                and self.moving_mean.dtype == tf.float32 and self.epsilon >= 1.001e-5)

    def _fused_training(self, inputs):
        """Batch statistics and normalisation in one op (its gradient is one op too). The
        moving averages take the batch mean and the biased variance, as Keras 3 does."""
        dim = inputs.shape[-1]
        gamma = self.gamma if self.gamma is not None else tf.ones([dim])
        beta = self.beta if self.beta is not None else tf.zeros([dim])
        y, _, _, mean, var, _ = fused_batch_norm_v3(inputs, gamma, beta, epsilon=self.epsilon)
        self._update_moving(mean, var)
        return y

    def get_config(self):
        c = super().get_config()
        c.update({"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                  "center": self.center, "scale": self.scale,
                  "beta_initializer": initializers.serialize(self.beta_initializer),
                  "gamma_initializer": initializers.serialize(self.gamma_initializer),
                  "moving_mean_initializer": initializers.serialize(
                      self.moving_mean_initializer),
                  "moving_variance_initializer": initializers.serialize(
                      self.moving_variance_initializer),
                  "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                  "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                  "beta_constraint": constraints.serialize(self.beta_constraint),
                  "gamma_constraint": constraints.serialize(self.gamma_constraint),
                  "synchronized": self.synchronized,
                  "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99})
        return c


class LayerNormalization(Layer):
    """Normalise each sample over its last axis (or `axis`), then scale and shift."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rms_scaling = rms_scaling
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        self._axes = [a % len(input_shape) for a in axes]
        shape = tuple(input_shape[a] for a in self._axes)
        # rms_scaling: scale by gamma only, no shift (Keras creates no beta then)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     name="gamma") if self.scale or self.rms_scaling else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    name="beta") if self.center and not self.rms_scaling else None
        self._param_shape = [input_shape[a] if a in self._axes else 1
                             for a in range(len(input_shape))]
        self.built = True

    def _broadcast(self, v, rank):
        """gamma/beta shaped to broadcast against the input when `axis` is not just the last."""
        if v is None or self._axes == [rank - 1]:
            return v
        return tf.reshape(v, [1 if d is None else d for d in self._param_shape])

    def call(self, inputs):
        rank = inputs.shape.rank
        gamma, beta = self._broadcast(self.gamma, rank), self._broadcast(self.beta, rank)
        if self.rms_scaling:  # Keras: x * rsqrt(var(x) + epsilon) * gamma
            _, var = tf.nn.moments(inputs, axes=self._axes, keepdims=True)
            out = inputs * tf.math.rsqrt(var + self.epsilon)
            return out if gamma is None else out * gamma
        mean, var = tf.nn.moments(inputs, axes=self._axes, keepdims=True)
        return tf.nn.batch_normalization(inputs, mean, var, beta, gamma, self.epsilon)

    def get_config(self):
        c = super().get_config()
        c.update({"axis": self.axis if isinstance(self.axis, int) else list(self.axis),
                  "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                  "rms_scaling": self.rms_scaling,
                  "beta_initializer": initializers.serialize(self.beta_initializer),
                  "gamma_initializer": initializers.serialize(self.gamma_initializer),
                  "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                  "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                  "beta_constraint": constraints.serialize(self.beta_constraint),
                  "gamma_constraint": constraints.serialize(self.gamma_constraint)})
        return c


class Normalization(Layer):
    """Standardise features with a mean and variance learned by `adapt(data)`.

    As in Keras, the statistics are variables `adapt_mean`/`adapt_variance` of the kept axes'
    shape plus a sample `count` (what Keras's files store); `mean`/`variance` are those
    reshaped to broadcast against a batch, e.g. (1, features) for `axis=-1`. Statistics passed
    to the constructor are constants: the layer then has no variables.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = (axis,) if isinstance(axis, int) else (None if axis is None else
                                                           tuple(axis))
        self.invert = invert
        self._given = (mean, variance)
        self.adapted = mean is not None

    def build(self, input_shape):
        rank = len(input_shape)
        self._keep = sorted(a % rank for a in (self.axis or ()))
        self._broadcast_shape = [input_shape[a] if a in self._keep else 1 for a in range(rank)]
        shape = tuple(input_shape[a] for a in self._keep)
        m, v = self._given
        if m is not None:
            self._constants = tuple(
                np.broadcast_to(np.asarray(x, np.float32), shape).reshape(self._broadcast_shape)
                for x in (m, v))
        else:
            self.adapt_mean = self.add_weight(shape=shape, initializer="zeros", name="mean",
                                              trainable=False)
            self.adapt_variance = self.add_weight(shape=shape, initializer="ones",
                                                  name="variance", trainable=False)
            self.count = self.add_weight(shape=(), initializer="zeros", name="count",
                                         dtype="int64", trainable=False)
        self.built = True

    def _statistic(self, index):
        if self._given[0] is not None:
            return tf.constant(self._constants[index])
        v = self.adapt_mean if index == 0 else self.adapt_variance
        return tf.reshape(v.value(), self._broadcast_shape)

    @property
    def mean(self):
        return self._statistic(0) if self.built else None

    @property
    def variance(self):
        return self._statistic(1) if self.built else None

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` (an array or a dataset)."""
        if isinstance(data, tf.data.Dataset):
            arr = np.concatenate([np.asarray(b) for b in data.as_numpy_iterator()], axis=0)
        else:
            arr = np.asarray(data, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[:, None]
        if not self.built:
            self._maybe_build((None,) + arr.shape[1:])
        reduce = tuple(a for a in range(arr.ndim) if a not in self._keep)
        self.adapt_mean.assign(arr.mean(axis=reduce).astype(np.float32))
        self.adapt_variance.assign(arr.var(axis=reduce).astype(np.float32))
        self.count.assign(np.int64(arr.size // max(1, int(np.prod(self._keep_sizes(arr))))))
        self.adapted = True

    def _keep_sizes(self, arr):
        return [arr.shape[a] for a in self._keep]

    def get_config(self):
        c = super().get_config()
        m, v = self._given
        c.update({"axis": self.axis, "invert": self.invert,
                  "mean": None if m is None else np.array(m).tolist(),
                  "variance": None if v is None else np.array(v).tolist()})
        return c

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return super().from_config(config)

    def call(self, inputs):
        x = tf.cast(inputs, "float32")
        mean = self.mean
        std = tf.maximum(tf.sqrt(self.variance), 1e-7)  # Keras: max(sqrt(var), epsilon)
        if self.invert:
            return mean + x * std
        return (x - mean) / std


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm along `axis` (`x * rsqrt(sum(x^2))`, as Keras)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
        elif not isinstance(axis, int):
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis}")
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = self._float_input(inputs)
        squares = tf.reduce_sum(tf.square(x), axis=self.axis, keepdims=True)
        return x * tf.minimum(tf.math.rsqrt(squares), tf.cast(1e12, x.dtype))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(Layer):
    """Normalise each sample over groups of `groups` channels (and all other axes), then scale
    and shift per channel: batch-size independent, for small batches. `groups=-1` is instance
    normalization."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _check_groups(self, dim, input_shape):
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")

    def build(self, input_shape):
        dim = input_shape[self.axis]
        self._check_groups(dim, input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = self.add_weight(
            name="gamma", shape=(dim,), initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer,
            constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(
            name="beta", shape=(dim,), initializer=self.beta_initializer,
            regularizer=self.beta_regularizer,
            constraint=self.beta_constraint) if self.center else None
        self.built = True

    def _group_shape(self, inputs, rank):
        """The input's shape with the channel axis split into (groups, channels per group)."""
        axis = self.axis % rank
        dyn = tf.shape(inputs)
        dims = [dyn[i] if d is None else d for i, d in enumerate(inputs.shape.as_list())]
        dims[0] = -1
        dims[axis:axis + 1] = [self.groups, dims[axis] // self.groups]
        return dims, axis

    def call(self, inputs):
        rank = inputs.shape.rank
        dims, axis = self._group_shape(inputs, rank)
        x = tf.reshape(inputs, tf.stack(dims) if any(isinstance(d, tf.Tensor) for d in dims)
                       else dims)
        reduce = [i for i in range(1, rank + 1) if i != axis]
        mean, variance = tf.nn.moments(x, axes=reduce, keepdims=True)
        inv = tf.math.rsqrt(variance + self.epsilon)
        param = [1] * (rank + 1)
        param[axis:axis + 2] = [self.groups, dims[axis + 1]]
        if self.gamma is not None:
            inv = inv * tf.reshape(self.gamma, param)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + tf.reshape(self.beta, param)
        return tf.reshape(x * inv + shift, tf.shape(inputs))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
