"""Recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

A known number of time steps is unrolled: each step is ordinary ops (matmul, sigmoid, tanh),
so gradients flow through time by the same tape mechanism as everything else
(back-propagation through time with no special code). An unknown number (a model built on
`keras.Input((None, features))` and traced as a graph) runs the same step inside a
`tf.while_loop` over the time axis, collecting outputs in a `TensorArray`, as Keras does.
Dropout follows Keras: masks drawn once per call, reused at every step.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import activations, initializers, regularizers
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
        self.states = None  # stateful: the last batch's final states, as variables
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint
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
        if self.stateful:
            self._create_states(input_shape)
        self.built = True

    def _create_states(self, input_shape):
        """Keras: a stateful layer keeps each batch's final states in (untracked, never
        saved) variables of a fixed batch size, the next batch's initial states."""
        if self.states is not None:
            self.reset_state()
            return
        batch = input_shape[0]
        if batch is None:
            raise ValueError("When using `stateful=True` in a RNN, the batch size must be "
                             f"static. Found dynamic batch size: sequence.shape="
                             f"{tuple(input_shape)}")
        self.states = [tf.Variable(tf.zeros([batch, n], dtype=self.dtype), trainable=False,
                                   name="rnn_state") for n in self._initial_state_sizes()]

    def reset_state(self):
        """Zero the states a stateful layer carries from batch to batch."""
        for v in self.states or ():
            v.assign(tf.zeros_like(v))

    reset_states = reset_state

    def get_initial_state(self, batch_size):
        """Keras: the zero states for `batch_size` sequences (a list, one per state)."""
        return self._initial_state(batch_size, self.compute_dtype)

    def _start_states(self, inputs, initial_state):
        if initial_state is not None:  # one state may come as a tensor, not in a list
            if isinstance(initial_state, (list, tuple)):
                return [tf.convert_to_tensor(s) for s in initial_state]
            return [tf.convert_to_tensor(initial_state)]
        if not self.stateful:
            return self._initial_state(tf.shape(inputs)[0], inputs.dtype)
        want, got = self.states[0].shape[0], inputs.shape[0]
        if got is not None and got != want:
            raise ValueError("If an RNN is stateful, the batch size of the input sequences "
                             "must be the same as the batch size of the initial state. \n"
                             f"- Expected batch size: {want}\n- Received batch size: {got}")
        return [tf.identity(v) for v in self.states]

    def _initial_state(self, batch, dtype):
        return [tf.zeros(tf.stack([batch, self.units]), dtype=dtype)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs = self._float_input(inputs)
        states = self._start_states(inputs, initial_state)
        drop = self._dropout_masks(inputs, states[0], training)
        if mask is not None:
            mask = tf.cast(mask, "bool")
        # Known time steps are unrolled; an unknown number (a graph traced for
        # `Input((None, features))`) runs a tf.while_loop over the time axis.
        over_time = self._unrolled if inputs.shape[1] is not None else self._looped
        out, states = over_time(inputs, mask, states, drop)
        for v, state in zip(self.states if self.stateful else (), states):
            v.assign(state)
        if self.return_state:
            return [out] + list(states)
        return out

    def _dropout_masks(self, inputs, h, training):
        """Keras's dropout masks: drawn once per call and used at every time step, for the
        inputs (`dropout`) and for the previous output (`recurrent_dropout`). With
        recurrent dropout each gate draws its own mask (Keras's implementation 1)."""
        if not training:
            return None, None
        count = self.gates if 0.0 < self.recurrent_dropout < 1.0 else None

        def masks(like, rate):
            if not 0.0 < rate < 1.0:
                return None
            ones = tf.ones_like(like)
            if count is None:
                return tf.nn.dropout(ones, rate=rate)
            return [tf.nn.dropout(ones, rate=rate) for _ in range(count)]

        return masks(inputs[:, 0, :], self.dropout), masks(h, self.recurrent_dropout)

    def _project(self, x, w, masks):
        """`x @ w`; with dropout, each gate's columns see `x` times its own mask (or all
        see `x` times the one mask)."""
        if masks is None:
            return tf.matmul(x, w)
        if not isinstance(masks, list):
            return tf.matmul(x * masks, w)
        u = self.units
        return tf.concat([tf.matmul(x * m, w[:, g * u:(g + 1) * u])
                          for g, m in enumerate(masks)], axis=-1)

    def _unrolled(self, inputs, mask, states, drop):
        xs = tf.unstack(inputs, axis=1)
        masks = [None] * len(xs)
        if mask is not None:  # Keras: a masked step keeps the states and repeats the output
            masks = [tf.expand_dims(m, -1) for m in tf.unstack(mask, axis=1)]
        if self.go_backwards:
            xs, masks = xs[::-1], masks[::-1]
        outputs = []
        previous = None
        for x, m in zip(xs, masks):
            h, new_states = self._step(x, states, drop)
            if m is not None:
                states = [tf.where(m, n, o) for n, o in zip(new_states, states)]
                h = tf.where(m, h, tf.zeros_like(h) if previous is None or
                             self.zero_output_for_mask else previous)
                previous = h
            else:
                states = new_states
            outputs.append(h)
        return (tf.stack(outputs, axis=1) if self.return_sequences else outputs[-1]), states

    def _looped(self, inputs, mask, states, drop):
        xs = tf.transpose(inputs, [1, 0, 2])  # time first
        ms = None if mask is None else tf.expand_dims(tf.transpose(mask, [1, 0]), -1)
        if self.go_backwards:
            xs = tf.reverse(xs, [0])
            ms = None if ms is None else tf.reverse(ms, [0])
        steps = tf.shape(xs)[0]
        zeros = tf.zeros_like(states[0][:, :self.units])
        seq = tf.TensorArray(inputs.dtype, size=steps, element_shape=zeros.shape) \
            if self.return_sequences else zeros

        def body(t, last, seq, *old):
            h, new = self._step(xs[t], list(old), drop)
            if ms is not None:
                new = [tf.where(ms[t], n, o) for n, o in zip(new, old)]
                h = tf.where(ms[t], h, zeros if self.zero_output_for_mask else last)
            seq = seq.write(t, h) if self.return_sequences else seq
            return (t + 1, h, seq, *new)

        def any_batch(t):  # given initial states may know a batch size the inputs do not
            return tf.TensorShape([None] + t.shape.as_list()[1:])

        invariants = [tf.TensorShape([]), any_batch(zeros), None] + [any_batch(s) for s in states]
        _, last, seq, *states = tf.while_loop(lambda t, *_: t < steps, body,
                                              [tf.constant(0), zeros, seq, *states],
                                              shape_invariants=invariants)
        out = tf.transpose(seq.stack(), [1, 0, 2]) if self.return_sequences else last
        return out, states

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
                  "activity_regularizer": None, "kernel_constraint": self.kernel_constraint,
                  "recurrent_constraint": self.recurrent_constraint,
                  "bias_constraint": self.bias_constraint, "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout})
        c.update(self._tail_config())
        return c

    def _after_initializers(self):
        return {}

    def _tail_config(self):
        return {}


class SimpleRNN(_RNN):
    gates = 1

    def _step(self, x, states, drop):
        (h,) = states
        z = self._project(x, self.kernel, drop[0]) + \
            self._project(h, self.recurrent_kernel, drop[1])
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

    def _step(self, x, states, drop):
        h, c = states
        z = self._project(x, self.kernel, drop[0]) + \
            self._project(h, self.recurrent_kernel, drop[1])
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

    def _step(self, x, states, drop):
        (h,) = states
        u = self.units
        x_drop, h_drop = drop
        xw = self._project(x, self.kernel, x_drop)
        if self.reset_after:
            if self.bias is not None:
                xw = xw + self.bias[0]
            hu = self._project(h, self.recurrent_kernel, h_drop)
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
            h_z, h_r, h_h = (h * m for m in h_drop) if h_drop is not None else (h, h, h)
            z = self.recurrent_activation(xz + tf.matmul(h_z, self.recurrent_kernel[:, :u]))
            r = self.recurrent_activation(xr + tf.matmul(h_r, self.recurrent_kernel[:, u:2 * u]))
            cand = self.activation(xh + tf.matmul(r * h_h, self.recurrent_kernel[:, 2 * u:]))
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
