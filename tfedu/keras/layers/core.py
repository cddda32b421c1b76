"""Core layers: Input, Dense, Activation, Dropout, Flatten, Reshape, Lambda, Rescaling."""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import activations, backend, constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer
from tfedu.keras.engine.keras_tensor import KerasTensor, Node


class InputLayer(Layer):
    """The entry of a functional model; `keras.Input(...)` returns its output KerasTensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 name=None, input_tensor=None, **kwargs):
        for k in ("input_shape", "ragged", "optional"):
            kwargs.pop(k, None)
        super().__init__(name=name or backend.unique_name("input_layer"), dtype=dtype)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.built = True
        out = KerasTensor(self.batch_shape, dtype or backend.floatx(), name=self.name,
                          keras_history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, out))
        self.output_tensor = out

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input of a functional model (`keras.Input(shape=(28, 28, 1))`)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output_tensor


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` on the last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        inputs = self._float_input(inputs)
        if inputs.shape.rank == 2:
            x = tf.matmul(inputs, self.kernel)
        else:
            x = tf.tensordot(inputs, self.kernel, axes=[[inputs.shape.rank - 1], [0]])
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def get_config(self):
        c = super().get_config()
        c.update({
            "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return c


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        c = super().get_config()
        c["activation"] = activations.serialize(self.activation)
        return c


class Dropout(Layer):
    """Zero a fraction `rate` of inputs while training, scaling the rest by 1/(1-rate)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return tf.nn.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                                 seed=self.seed)
        return inputs

    def get_config(self):
        c = super().get_config()
        c.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return c


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def get_config(self):
        c = super().get_config()
        c["data_format"] = "channels_last"
        return c

    def call(self, inputs):
        shape = inputs.shape.as_list()
        rest = shape[1:]
        if all(d is not None for d in rest):
            n = int(np.prod(rest)) if rest else 1
            return tf.reshape(inputs, [-1, n])
        return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        self.built = True

    def call(self, inputs):
        target = [-1 if d is None else d for d in
                  _reshape_output_shape(tuple(inputs.shape.as_list()[1:]), self.target_shape)]
        if inputs.shape[0] is None and -1 in target:  # batch taken from the data, as Keras does
            shape = tf.concat([tf.shape(inputs)[:1], tf.constant(target, dtype="int32")], 0)
            return tf.reshape(inputs, shape)
        return tf.reshape(inputs, [-1 if inputs.shape[0] is None else inputs.shape[0]] + target)

    def get_config(self):
        c = super().get_config()
        c["target_shape"] = list(self.target_shape)
        return c


def _reshape_output_shape(input_shape, target_shape):
    """Keras's check of a `Reshape` target against the input's (per-sample) shape."""
    if None in input_shape:
        return tuple(None if d == -1 else d for d in target_shape)
    size = int(np.prod(input_shape))
    if -1 not in target_shape:
        if size != int(np.prod(target_shape)):
            raise ValueError("The total size of the tensor must be unchanged. Received: "
                             f"input_shape={input_shape}, target_shape={target_shape}")
        return target_shape
    known = int(np.prod([d for d in target_shape if d != -1]))
    if known == 0 or size % known != 0:
        raise ValueError("The total size of the tensor must be unchanged, however, the input size "
                         "cannot by divided by the specified dimensions in target_shape. "
                         f"Received: input_shape={input_shape}, target_shape={target_shape}")
    return tuple(size // known if d == -1 else d for d in target_shape)


class Lambda(Layer):
    """Wrap an arbitrary function of tensors as a layer."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.arguments = arguments or {}
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        from tfedu.keras.saving.serialization_lib import lambda_function_config

        c = {**super().get_config(), "function": lambda_function_config(self.function)}
        if self._output_shape is not None:
            c["output_shape"] = (lambda_function_config(self._output_shape)
                                 if callable(self._output_shape) else self._output_shape)
        c["arguments"] = dict(self.arguments)
        return c

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Keras refuses a stored Python lambda unless `safe_mode=False`; tfedu then takes the
        function from `custom_objects` (by the layer's name), never from the stored bytecode."""
        from tfedu.keras.saving.serialization_lib import lambda_function_from_config

        config = dict(config)
        for key in ("function", "output_shape"):
            if key in config and isinstance(config[key], dict):
                config[key] = lambda_function_from_config(config[key], config.get("name"),
                                                          custom_objects, safe_mode)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return super().from_config(config)


class _OpLambda(Layer):
    """A tensor operation applied to KerasTensors (`x + y` in a functional model)."""

    def __init__(self, fn, name):
        super().__init__(name=backend.unique_name(name))
        self.fn = fn
        self.built = True

    def call(self, *args):
        return self.fn(*args)


class Rescaling(Layer):
    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.built = True

    def call(self, inputs):
        x = tf.cast(inputs, self.compute_dtype)
        return x * tf.cast(self.scale, x.dtype) + tf.cast(self.offset, x.dtype)

    def get_config(self):
        c = super().get_config()
        c.update({"scale": self.scale, "offset": self.offset})
        return c


class Identity(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        return inputs
