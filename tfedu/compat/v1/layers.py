"""`tf.compat.v1.layers`: TF 1.x functional layers built from `get_variable` and core ops.

`dense(x, 10)` opens variable scope `dense` (`dense_1`, ... for later calls), creates
`dense/kernel` and `dense/bias`, and returns `activation(x @ kernel + bias)`.
"""

from __future__ import annotations

from tfedu.compat.v1.variable_scope import get_variable, variable_scope

__all__ = ["dense", "flatten", "conv2d", "max_pooling2d", "average_pooling2d", "dropout"]


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=None, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """A fully connected layer: `activation(inputs @ kernel + bias)`."""
    import tfedu as tf
    from tfedu.compat.v1 import initializers

    x = tf.convert_to_tensor(inputs)
    in_dim = x.shape[-1] if x.shape.rank is not None else None
    if in_dim is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                         "Found `None`.")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [in_dim, units], dtype=x.dtype,
                              initializer=kernel_initializer
                              or initializers.glorot_uniform_initializer(),
                              trainable=trainable)
        if x.shape.rank == 2:
            y = tf.matmul(x, kernel)
        else:
            y = tf.tensordot(x, kernel, [[x.shape.rank - 1], [0]])
        if use_bias:
            bias = get_variable("bias", [units], dtype=x.dtype,
                                initializer=bias_initializer or initializers.zeros_initializer(),
                                trainable=trainable)
            y = tf.nn.bias_add(y, bias)
        if activation is not None:
            y = activation(y)
    return y


def flatten(inputs, name=None, data_format="channels_last"):
    """Collapse all but the first dimension."""
    import numpy as np

    import tfedu as tf

    x = tf.convert_to_tensor(inputs)
    rest = x.shape.as_list()[1:]
    n = int(np.prod(rest)) if all(d is not None for d in rest) else -1
    return tf.reshape(x, [-1, n], name=name)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _channels_last(data_format):
    if data_format not in ("channels_last", "NHWC"):
        raise ValueError("tfedu's v1 layers support data_format='channels_last' only.")


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """A 2-D convolution layer (NHWC): variables `conv2d/kernel`, `conv2d/bias`."""
    import tfedu as tf
    from tfedu.compat.v1 import initializers

    _channels_last(data_format)
    x = tf.convert_to_tensor(inputs)
    in_ch = x.shape[-1] if x.shape.rank is not None else None
    if in_ch is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
    kh, kw = _pair(kernel_size)
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, in_ch, filters], dtype=x.dtype,
                              initializer=kernel_initializer
                              or initializers.glorot_uniform_initializer(),
                              trainable=trainable)
        y = tf.nn.conv2d(x, kernel, strides=[1, *_pair(strides), 1], padding=padding.upper(),
                         dilations=[1, *_pair(dilation_rate), 1])
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype,
                                initializer=bias_initializer or initializers.zeros_initializer(),
                                trainable=trainable)
            y = tf.nn.bias_add(y, bias)
        if activation is not None:
            y = activation(y)
    return y


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """2-D max pooling (NHWC)."""
    import tfedu as tf

    _channels_last(data_format)
    return tf.nn.max_pool2d(inputs, ksize=[1, *_pair(pool_size), 1],
                            strides=[1, *_pair(strides), 1], padding=padding.upper(), name=name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """2-D average pooling (NHWC)."""
    import tfedu as tf

    _channels_last(data_format)
    return tf.nn.avg_pool2d(inputs, ksize=[1, *_pair(pool_size), 1],
                            strides=[1, *_pair(strides), 1], padding=padding.upper(), name=name)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout that is active only when `training` is True (a Python bool or a bool tensor)."""
    import tfedu as tf

    if isinstance(training, bool):
        if not training:
            return tf.identity(inputs, name=name)
        return tf.nn.dropout(inputs, rate, noise_shape=noise_shape, seed=seed, name=name)
    return tf.cond(training,
                   lambda: tf.nn.dropout(inputs, rate, noise_shape=noise_shape, seed=seed),
                   lambda: tf.identity(inputs))
