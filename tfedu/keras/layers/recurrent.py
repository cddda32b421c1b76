"""Recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

A known number of time steps is unrolled: each step is ordinary ops (matmul, sigmoid, tanh),
so gradients flow through time by the same tape mechanism as everything else
(back-propagation through time with no special code). An unknown number (a model built on
`keras.Input((None, features))` and traced as a graph) runs the same step inside a
`tf.while_loop` over the time axis, as Keras does.
Dropout follows Keras: masks drawn once per call, reused at every step.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import activations, constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import Layer, keras_name_scope

_CELL_ARGS = ("activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
              "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
              "unit_forget_bias", "reset_after")


class _CellMath:
    """A recurrent cell's weights and one time step, shared by a layer (LSTM) and its cell
    (LSTMCell). Subclasses give `gates`, `cell_name` and `_step(x, states, drop)`."""

    gates = 1
    cell_name = "simple_rnn_cell"

    def _init_cell(self, units, activation="tanh", recurrent_activation="sigmoid",
                   use_bias=True, kernel_initializer="glorot_uniform",
                   recurrent_initializer="orthogonal", bias_initializer="zeros",
                   kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                   kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                   dropout=0.0, recurrent_dropout=0.0, seed=None, unit_forget_bias=True,
                   reset_after=True):
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout, self.recurrent_dropout, self.seed = dropout, recurrent_dropout, seed
        self.unit_forget_bias, self.reset_after = unit_forget_bias, reset_after

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initial(self, shape, dtype=None):
        return self.bias_initializer(shape, dtype=dtype)

    def _build_cell(self, in_dim):
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

    def _initial_state_sizes(self):
        return [self.units] * (2 if self.gates == 4 else 1)

    def _output_size(self):
        return self.units

    def _dropout_masks(self, x, h, training):
        """Keras's dropout masks: drawn once per sequence and used at every time step, for
        the inputs (`dropout`, shaped as one step `x`) and for the previous output
        (`recurrent_dropout`). With recurrent dropout each gate draws its own mask (Keras's
        implementation 1)."""
        if not training:
            return None, None
        count = self.gates if 0.0 < self.recurrent_dropout < 1.0 else None

        def masks(like, rate):
            if like is None or not 0.0 < rate < 1.0:
                return None
            ones = tf.ones_like(like)
            if count is None:
                return tf.nn.dropout(ones, rate=rate)
            return [tf.nn.dropout(ones, rate=rate) for _ in range(count)]

        return masks(x, self.dropout), masks(h, self.recurrent_dropout)

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

    def _cell_config(self):
        """The cell's arguments, in Keras's config order."""
        c = {"units": self.units, "activation": activations.serialize(self.activation)}
        if self.gates > 1:
            c["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        c["use_bias"] = self.use_bias
        if self.gates == 4:
            c["unit_forget_bias"] = self.unit_forget_bias
        c.update({"kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                  "kernel_constraint": constraints.serialize(self.kernel_constraint),
                  "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                  "bias_constraint": constraints.serialize(self.bias_constraint),
                  "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout})
        if self.gates == 3:
            c["reset_after"] = self.reset_after
        c["seed"] = self.seed
        return c


def _split_cell_args(kwargs):
    return {k: kwargs.pop(k) for k in _CELL_ARGS if k in kwargs}


class _RNN(Layer):
    """A layer running a step over the time axis: masks, direction, states carried between
    batches (`stateful`), the whole sequence or the last output. Subclasses give
    `_step(x, states, drop)`, `_dropout_masks`, `_initial_state_sizes` and `_output_size`."""

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        for k in ("time_major", "use_cudnn", "implementation"):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        self.supports_masking = True
        # Keras: True gives zeros for masked time steps instead of the previous output
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.stateful, self.unroll = stateful, unroll
        self.states = None  # stateful: the last batch's final states, as variables
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards

    def build(self, input_shape):
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
        return [tf.zeros(tf.stack([batch, n]), dtype=dtype) for n in self._initial_state_sizes()]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs = self._float_input(inputs)
        states = self._start_states(inputs, initial_state)
        step_like = inputs[:, 0, :] if training and getattr(self, "dropout", 0) else None
        drop = self._dropout_masks(step_like, states[0], training)
        if mask is not None:
            mask = tf.cast(mask, "bool")
        # Known time steps are unrolled; an unknown number (a graph traced for
        # `Input((None, features))`) or none at all runs a tf.while_loop over the time axis.
        over_time = self._unrolled if inputs.shape[1] else self._looped
        out, states = over_time(inputs, mask, states, drop)
        for v, state in zip(self.states if self.stateful else (), states):
            v.assign(state)
        if self.return_state:
            return [out] + list(states)
        return out

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
        zeros = tf.zeros(tf.stack([tf.shape(states[0])[0], self._output_size()]),
                         dtype=inputs.dtype)
        # The outputs so far, time first, grown by a concat each step (gradients flow back
        # through it to every step); without return_sequences only the last is kept.
        seq = zeros[None][:0] if self.return_sequences else zeros

        def body(t, last, seq, *old):
            h, new = self._step(xs[t], list(old), drop)
            if ms is not None:
                new = [tf.where(ms[t], n, o) for n, o in zip(new, old)]
                h = tf.where(ms[t], h, zeros if self.zero_output_for_mask else last)
            seq = tf.concat([seq, h[None]], 0) if self.return_sequences else seq
            return (t + 1, h, seq, *new)

        def any_batch(t):  # given initial states may know a batch size the inputs do not
            return tf.TensorShape([None] + t.shape.as_list()[1:])

        invariants = [tf.TensorShape([]), any_batch(zeros),
                      tf.TensorShape([None, None, self._output_size()])
                      if self.return_sequences else any_batch(zeros)]
        invariants += [any_batch(s) for s in states]
        _, last, seq, *states = tf.while_loop(lambda t, *_: t < steps, body,
                                              [tf.constant(0), zeros, seq, *states],
                                              shape_invariants=invariants)
        out = tf.transpose(seq, [1, 0, 2]) if self.return_sequences else last
        return out, states

    def compute_mask(self, inputs, mask=None):
        """Keras: the sequence keeps its time-step mask; a last output or a state has none."""
        out = mask if self.return_sequences and mask is not None else None
        if self.return_state:
            return [out] + [None] * len(self._initial_state_sizes())
        return out

    def _sequence_config(self):
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}


class _CellLayer(_CellMath, _RNN):
    """SimpleRNN, LSTM, GRU: the cell's weights live on the layer (saved, as Keras saves
    them, under the layer's `cell`)."""

    def __init__(self, units, **kwargs):
        cell_args = _split_cell_args(kwargs)
        _RNN.__init__(self, **kwargs)
        self._init_cell(units, **cell_args)

    def build(self, input_shape):
        self._build_cell(input_shape[-1])
        for w in self._weights_list:  # Keras keeps them in the layer's cell: lstm/lstm_cell/...
            head, _, tail = w.path.rpartition("/")
            w._path = f"{head}/{self.cell_name}/{tail}" if head else f"{self.cell_name}/{tail}"
        _RNN.build(self, input_shape)

    def get_config(self):
        c = Layer.get_config(self)
        c.update(self._sequence_config())
        for k, v in self._cell_config().items():
            c[k] = v
            if k == "bias_regularizer":  # a layer's config has one more, as Keras's
                c["activity_regularizer"] = None
        return c


class _Cell(_CellMath, Layer):
    """One time step as a layer (`cell(x, states) -> (output, new_states)`), for
    `keras.layers.RNN` or a hand-written loop."""

    def __init__(self, units, **kwargs):
        cell_args = _split_cell_args(kwargs)
        Layer.__init__(self, **kwargs)
        self._init_cell(units, **cell_args)

    @property
    def state_size(self):
        sizes = self._initial_state_sizes()
        return sizes if len(sizes) > 1 else sizes[0]

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self._build_cell(input_shape[-1])
        self.built = True

    def get_initial_state(self, batch_size=None):
        return [tf.zeros(tf.stack([batch_size, n]), dtype=self.compute_dtype)
                for n in self._initial_state_sizes()]

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = [tf.convert_to_tensor(s) for s in states] if nested else [states]
        h, new = self._step(inputs, states, self._dropout_masks(inputs, states[0], training))
        return h, (new if nested or len(new) > 1 else new[0])

    def get_config(self):
        c = Layer.get_config(self)
        c.update(self._cell_config())
        return c


class _SimpleRNNStep:
    gates = 1
    cell_name = "simple_rnn_cell"

    def _step(self, x, states, drop):
        (h,) = states
        z = self._project(x, self.kernel, drop[0]) + \
            self._project(h, self.recurrent_kernel, drop[1])
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]


class _LSTMStep:
    gates = 4
    cell_name = "lstm_cell"

    def _bias_initial(self, shape, dtype=None):
        b = np.asarray(self.bias_initializer(shape, dtype=dtype))
        if self.unit_forget_bias:
            b = b.copy()
            b[self.units:2 * self.units] = 1.0
        return tf.constant(b)

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


class _GRUStep:
    gates = 3
    cell_name = "gru_cell"

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


class SimpleRNN(_SimpleRNNStep, _CellLayer):
    """A fully connected recurrent layer: h = activation(x W + h U + b)."""


class LSTM(_LSTMStep, _CellLayer):
    """Long short-term memory: input, forget, cell and output gates, states [h, c]."""


class GRU(_GRUStep, _CellLayer):
    """Gated recurrent unit: update and reset gates (reset after the matmul by default)."""


class SimpleRNNCell(_SimpleRNNStep, _Cell):
    """One SimpleRNN step, as a layer."""


class LSTMCell(_LSTMStep, _Cell):
    """One LSTM step, as a layer: `cell(x, [h, c]) -> (h, [h, c])`."""


class GRUCell(_GRUStep, _Cell):
    """One GRU step, as a layer."""


class StackedRNNCells(Layer):
    """Cells run one after another at each time step (each one's output feeds the next)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = [_deserialize(c) for c in cells]

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _output_size_of(self.cells[-1])

    def build(self, input_shape):
        for cell in self.cells:
            if not cell.built:
                with keras_name_scope(cell.name):
                    cell.build(input_shape)
                cell.built = True
            input_shape = tuple(input_shape[:-1]) + (_output_size_of(cell),)
        self.built = True

    def call(self, inputs, states, training=False):
        """`states`: every cell's states, one flat list."""
        new_states, k = [], 0
        for cell in self.cells:
            n = len(_sizes(cell.state_size))
            inputs, new = cell(inputs, list(states[k:k + n]), training=training)
            new_states += list(new) if isinstance(new, (list, tuple)) else [new]
            k += n
        return inputs, new_states

    def get_config(self):
        c = super().get_config()
        c["cells"] = [_serialize(cell) for cell in self.cells]
        return c


def _sizes(size):
    """A cell's state size as a flat list of ints."""
    if isinstance(size, (list, tuple)):
        return [n for s in size for n in _sizes(s)]
    return [int(size)]


def _output_size_of(cell):
    return getattr(cell, "output_size", None) or _sizes(cell.state_size)[0]


def _serialize(layer):
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}


def _deserialize(spec):
    if not isinstance(spec, dict):
        return spec
    from tfedu.keras.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(spec)


class RNN(_RNN):
    """A cell run over the time axis (Keras's `RNN`): a cell is a layer with `state_size`
    and `call(x, states) -> (output, new_states)`; a list of cells is stacked."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        cell = StackedRNNCells(cell) if isinstance(cell, (list, tuple)) else _deserialize(cell)
        if not hasattr(cell, "state_size") or not hasattr(cell, "call"):
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` "
                             f"attribute. Received: cell={cell}")
        super().__init__(return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, **kwargs)
        self.cell = cell

    def build(self, input_shape):
        if not self.cell.built:
            with keras_name_scope(self.cell.name):
                self.cell.build((input_shape[0],) + tuple(input_shape[2:]))
            self.cell.built = True
        _RNN.build(self, input_shape)

    @property
    def dropout(self):
        return getattr(self.cell, "dropout", 0.0)

    def _initial_state_sizes(self):
        return _sizes(self.cell.state_size)

    def _output_size(self):
        return _output_size_of(self.cell)

    def _dropout_masks(self, x, h, training):
        if isinstance(self.cell, _CellMath):
            return self.cell._dropout_masks(x, h, training)
        return None, None

    def _step(self, x, states, drop):
        if isinstance(self.cell, _CellMath):
            return self.cell._step(x, states, drop)
        out, new = self.cell(x, states)  # Keras passes the states as a list
        return out, list(new) if isinstance(new, (list, tuple)) else [new]

    def get_config(self):
        c = Layer.get_config(self)
        c.update(self._sequence_config())
        c["cell"] = _serialize(self.cell)
        return c


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
        c = super().get_config()
        c.update({"merge_mode": self.merge_mode, "layer": _serialize(self.forward_layer),
                  "backward_layer": _serialize(self.backward_layer)})
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
