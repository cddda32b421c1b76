"""Recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional, unrolled over the time axis.

Each step is ordinary ops (matmul, sigmoid, tanh), so gradients flow through time by the same
tape mechanism as everything else: back-propagation through time with no special code.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import activations, constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import Layer


class _RNN(Layer):
    gates = 1
    cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, dropout=0.0,
                 recurrent_dropout=0.0, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, seed=None, **kwargs):
        # Keras: True gives zeros for masked time steps instead of the previous output
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        for k in ("unit_forget_bias", "reset_after", "time_major", "use_cudnn"):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stateful, self.unroll = stateful, unroll
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initial(self, shape, dtype=None):
        return self.bias_initializer(shape, dtype=dtype)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        g = self.gates * self.units
        self.kernel = self.add_weight(shape=(in_dim, g), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, g),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                name="recurrent_kernel")
        self.bias = self.add_weight(shape=self._bias_shape(), initializer=self._bias_initial,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None
        for w in self._weights_list:  # Keras keeps them in the layer's cell: lstm/lstm_cell/...
            head, _, tail = w.path.rpartition("/")
            w._path = f"{head}/{self.cell_name}/{tail}" if head else f"{self.cell_name}/{tail}"
        self.built = True

    def _initial_state(self, batch, dtype):
        return [tf.zeros(tf.stack([batch, self.units]), dtype=dtype)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs = self._float_input(inputs)
        steps = inputs.shape[1]
        if steps is None:
            raise ValueError(f"{type(self).__name__} in tfedu unrolls over time and needs a "
                             f"known number of time steps; got input shape {inputs.shape}.")
        batch = tf.shape(inputs)[0]
        states = list(initial_state) if initial_state is not None else \
            self._initial_state(batch, inputs.dtype)
        xs = tf.unstack(inputs, axis=1)
        masks = [None] * len(xs)
        if mask is not None:  # Keras: a masked step keeps the states and repeats the output
            masks = [tf.expand_dims(m, -1) for m in tf.unstack(tf.cast(mask, "bool"), axis=1)]
        if self.go_backwards:
            xs, masks = xs[::-1], masks[::-1]
        outputs = []
        previous = None
        for x, m in zip(xs, masks):
            h, new_states = self._step(x, states)
            if m is not None:
                states = [tf.where(m, n, o) for n, o in zip(new_states, states)]
                h = tf.where(m, h, tf.zeros_like(h) if previous is None or
                             self.zero_output_for_mask else previous)
                previous = h
            else:
                states = new_states
            outputs.append(h)
        out = tf.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return [out] + list(states)
        return out

    def compute_mask(self, inputs, mask=None):
        """Keras: the sequence keeps its time-step mask; a last output or a state has none."""
        out = mask if self.return_sequences and mask is not None else None
        if self.return_state:
            return [out] + [None] * len(self._initial_state_sizes())
        return out

    def _initial_state_sizes(self):
        return [self.units] * (2 if self.gates == 4 else 1)

    def _cell_config(self):
        return {"units": self.units, "activation": activations.serialize(self.activation)}

    def get_config(self):
        c = super().get_config()
        c.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask})
        c.update(self._cell_config())
        c.update({"use_bias": self.use_bias,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer)})
        c.update(self._after_initializers())
        c.update({"kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                  "activity_regularizer": None,
                  "kernel_constraint": constraints.serialize(self.kernel_constraint),
                  "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                  "bias_constraint": constraints.serialize(self.bias_constraint),
                  "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout})
        c.update(self._tail_config())
        return c

    def _after_initializers(self):
        return {}

    def _tail_config(self):
        return {}


class SimpleRNN(_RNN):
    gates = 1

    def _step(self, x, states):
        (h,) = states
        z = tf.matmul(x, self.kernel) + tf.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]


class LSTM(_RNN):
    gates = 4
    cell_name = "lstm_cell"

    def _cell_config(self):
        return {"units": self.units, "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation)}

    def _after_initializers(self):
        return {"unit_forget_bias": self.unit_forget_bias}

    def _tail_config(self):
        return {"seed": self.seed}

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_initial(self, shape, dtype=None):
        b = np.asarray(self.bias_initializer(shape, dtype=dtype))
        if self.unit_forget_bias:
            b = b.copy()
            b[self.units:2 * self.units] = 1.0
        return tf.constant(b)

    def _initial_state(self, batch, dtype):
        z = tf.zeros(tf.stack([batch, self.units]), dtype=dtype)
        return [z, z]

    def _step(self, x, states):
        h, c = states
        z = tf.matmul(x, self.kernel) + tf.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = tf.split(z, 4, axis=-1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]


class GRU(_RNN):
    gates = 3
    cell_name = "gru_cell"

    def _cell_config(self):
        return {"units": self.units, "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation)}

    def _tail_config(self):
        return {"reset_after": self.reset_after, "seed": self.seed}

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _step(self, x, states):
        (h,) = states
        u = self.units
        xw = tf.matmul(x, self.kernel)
        if self.reset_after:
            if self.bias is not None:
                xw = xw + self.bias[0]
            hu = tf.matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                hu = hu + self.bias[1]
            xz, xr, xh = tf.split(xw, 3, axis=-1)
            hz, hr, hh = tf.split(hu, 3, axis=-1)
            z = self.recurrent_activation(xz + hz)
            r = self.recurrent_activation(xr + hr)
            cand = self.activation(xh + r * hh)
        else:
            if self.bias is not None:
                xw = xw + self.bias
            xz, xr, xh = tf.split(xw, 3, axis=-1)
            uz, ur, uh = (self.recurrent_kernel[:, :u], self.recurrent_kernel[:, u:2 * u],
                          self.recurrent_kernel[:, 2 * u:])
            z = self.recurrent_activation(xz + tf.matmul(h, uz))
            r = self.recurrent_activation(xr + tf.matmul(h, ur))
            cand = self.activation(xh + tf.matmul(r * h, uh))
        h = z * h + (1.0 - z) * cand
        return h, [h]


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy backwards; merge their outputs."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        # Keras renames the wrapped layer and its reversed copy forward_<name>/backward_<name>.
        cfg = layer.get_config()
        cfg.pop("dtype", None)
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        cfg["name"] = f"forward_{base}"
        self.forward_layer = type(layer)(**cfg)
        if backward_layer is None:
            cfg["name"] = f"backward_{base}"
            cfg["go_backwards"] = not layer.go_backwards
            backward_layer = type(layer)(**cfg)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.supports_masking = True
        # Keras: merged sequences hold zeros where the input is masked
        self.forward_layer.zero_output_for_mask = self.return_sequences
        self.backward_layer.zero_output_for_mask = self.return_sequences

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if getattr(self.forward_layer, "return_state", False):
            n = len(self.forward_layer._initial_state_sizes())
            return [out] + [None] * (2 * n)
        return out

    def call(self, inputs, training=None):
        f = self.forward_layer(inputs)
        b = self.backward_layer(inputs)
        states = []
        if getattr(self.forward_layer, "return_state", False):
            # Keras returns [merged output, *forward states, *backward states].
            (f, *f_states), (b, *b_states) = f, b
            states = f_states + b_states
        if self.return_sequences:
            b = tf.reverse(b, axis=[1])
        out = self._merge(f, b)
        if states:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def _merge(self, f, b):
        if self.merge_mode == "concat":
            return tf.concat([f, b], axis=-1)
        if self.merge_mode == "sum":
            return f + b
        if self.merge_mode == "mul":
            return f * b
        if self.merge_mode == "ave":
            return (f + b) / 2.0
        return [f, b]

    def get_config(self):
        def ser(layer):
            return {"module": "keras.layers", "class_name": type(layer).__name__,
                    "config": layer.get_config(), "registered_name": None}

        c = super().get_config()
        c.update({"merge_mode": self.merge_mode, "layer": ser(self.forward_layer),
                  "backward_layer": ser(self.backward_layer)})
        return c

    @classmethod
    def from_config(cls, config):
        from tfedu.keras import layers as layers_mod

        config = dict(config)
        for key in ("layer", "backward_layer"):
            spec = config.get(key)
            if isinstance(spec, dict):
                config[key] = getattr(layers_mod, spec["class_name"]).from_config(spec["config"])
        return super().from_config(config)
