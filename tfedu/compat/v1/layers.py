"""`tf.compat.v1.layers`: TF 1.x functional layers built from `get_variable` and core ops.

`dense(x, 10)` opens variable scope `dense` (`dense_1`, ... for later calls), creates
`dense/kernel` and `dense/bias`, and returns `activation(x @ kernel + bias)`.
"""

from __future__ import annotations

from tfedu.compat.v1.variable_scope import get_variable, variable_scope

__all__ = ["dense", "flatten"]


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
