"""Recurrent layers over an unknown number of time steps (a tf.while_loop), and their dropout.

Known time steps are unrolled; both ways must give the same outputs and gradients.
"""

import numpy as np
import pytest

import tfedu as tf

keras = tf.keras
layers = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()  # layer names (and so weight paths) start again

CASES = [
    ("SimpleRNN", {}),
    ("LSTM", {}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("LSTM", {"go_backwards": True, "return_sequences": True}),
    ("GRU", {"return_state": True}),
]


def _pair(cls, kw, masked):
    """The same layer in a model with 5 known time steps and one with unknown steps."""
    models = []
    for steps in (5, None):
        inp = keras.Input((steps, 3))
        x = layers.Masking(0.0)(inp) if masked else inp
        out = getattr(layers, cls)(4, **kw)(x)
        models.append(keras.Model(inp, out))
    models[1].set_weights(models[0].get_weights())
    return models


def _data():
    x = np.random.RandomState(0).randn(2, 5, 3).astype("float32")
    x[0, 3:] = 0.0  # padding, masked in the masked models
    return x


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("cls,kw", CASES)
def test_unknown_time_steps_match_the_unrolled_layer(cls, kw, masked):
    known, unknown = _pair(cls, kw, masked)
    assert unknown.output_shape == known.output_shape if not kw.get("return_sequences") \
        else unknown.output_shape == (None, None, 4)
    x = _data()
    for a, b in zip(tf.nest.flatten(known(x)), tf.nest.flatten(unknown(x))):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kw", CASES[1:4])
def test_gradients_through_the_time_loop_match_the_unrolled_layer(cls, kw):
    known, unknown = _pair(cls, kw, masked=True)
    x = tf.constant(_data())

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
    def grads_unknown(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(unknown(x) ** 2)
        return tape.gradient(loss, unknown.trainable_variables)

    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(known(x) ** 2)
    want = tape.gradient(loss, known.trainable_variables)
    ops = {op.type for op in grads_unknown.get_concrete_function().graph.get_operations()}
    assert ops & {"While", "StatelessWhile"}
    for g, w in zip(grads_unknown(x), want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-6)


def test_a_model_on_variable_length_padded_batches_trains():
    rng = np.random.RandomState(0)
    seqs = [rng.randint(1, 20, rng.randint(2, 9)) for _ in range(32)]
    labels = rng.randint(0, 2, 32).astype("float32")
    ds = tf.data.Dataset.from_generator(
        lambda: zip(seqs, labels),
        output_signature=(tf.TensorSpec([None], tf.int64), tf.TensorSpec([], tf.float32)))
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              layers.Embedding(20, 4, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
                              layers.GRU(3), layers.Dense(1)])
    assert model.output_shape == (None, 1)
    assert [layer.output.shape for layer in model.layers[:2]] == [(None, None, 4), (None, None, 8)]
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    h = model.fit(ds.padded_batch(8), epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and h.history["loss"][-1] < h.history["loss"][0]
    assert all(not np.array_equal(a, b) for a, b in zip(before[1:], model.get_weights()[1:]))


def test_input_dropout_uses_one_mask_for_every_time_step():
    layer = layers.SimpleRNN(6, activation=None, use_bias=False, dropout=0.5,
                             return_sequences=True, kernel_initializer="identity",
                             recurrent_initializer="zeros")
    x = tf.ones([64, 4, 6])
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - 0.5)
    assert 0.3 < (y == 0).mean() < 0.7
    for t in range(1, 4):  # Keras draws the mask once per call, not per step
        np.testing.assert_array_equal(y[:, t], y[:, 0])
    np.testing.assert_array_equal(layer(x, training=False).numpy(), np.ones([64, 4, 6]))
    assert not np.array_equal(layer(x, training=True).numpy(), y)  # a new mask per call


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_recurrent_dropout_changes_training_outputs_only(cls):
    plain = getattr(layers, cls)(5)
    dropped = getattr(layers, cls)(5, dropout=0.3, recurrent_dropout=0.4)
    x = tf.constant(np.random.RandomState(1).randn(8, 6, 3).astype("float32"))
    plain(x)
    dropped(x)
    dropped.set_weights(plain.get_weights())
    np.testing.assert_allclose(dropped(x, training=False).numpy(), plain(x).numpy(), atol=1e-6)
    assert not np.allclose(dropped(x, training=True).numpy(), plain(x).numpy(), atol=1e-3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(dropped(x, training=True))
    grads = tape.gradient(loss, dropped.trainable_variables)
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)


def test_stateful_layer_carries_states_between_batches_as_keras():
    # Expected values produced by Keras 3.15 with the same weights
    layer = layers.LSTM(3, stateful=True)
    m = keras.Sequential([keras.Input(batch_shape=(2, 4, 2)), layer, layers.Dense(1)])
    rng = np.random.RandomState(0)
    m.set_weights([rng.uniform(-.5, .5, w.shape).astype("float32") for w in m.get_weights()])
    x = rng.randn(2, 8, 2).astype("float32")
    np.testing.assert_allclose(m(x[:, :4]).numpy(), [[-0.48053], [-0.40236]], atol=2e-5)
    np.testing.assert_allclose(m(x[:, 4:]).numpy(), [[-0.44092], [-0.35244]], atol=2e-5)
    layer.reset_state()
    np.testing.assert_allclose(m(x[:, 4:]).numpy(), [[-0.44043], [-0.35268]], atol=2e-5)
    assert [w.name for w in m.weights] == ["kernel", "recurrent_kernel", "bias", "kernel", "bias"]
    with pytest.raises(ValueError, match="Expected batch size: 2\n- Received batch size: 1"):
        m(x[:1, :4])
    with pytest.raises(ValueError, match=r"the batch size must be static. Found dynamic batch "
                                         r"size: sequence.shape=\(None, 4, 2\)"):
        keras.Sequential([keras.Input((4, 2)), layers.GRU(3, stateful=True)])
    m.compile("sgd", "mse")
    m.fit(x[:, :4], np.zeros((2, 1)), epochs=2, verbose=0, shuffle=False, batch_size=2)
    np.testing.assert_allclose(layer.states[0].numpy(), [[0.0369, -0.1883, -0.0782],
                                                        [0.1301, -0.1449, 0.0496]], atol=2e-4)


def test_initial_state_may_be_one_tensor_and_get_initial_state_gives_zeros():
    gru = layers.GRU(3, return_sequences=True, return_state=True)
    x = tf.constant(np.random.RandomState(2).randn(2, 4, 5).astype("float32"))
    zeros = gru.get_initial_state(2)
    assert len(zeros) == 1 and zeros[0].shape == (2, 3) and not np.any(zeros[0].numpy())
    seq, h = gru(x, initial_state=zeros)
    seq2, h2 = gru(x[:, 2:], initial_state=gru(x[:, :2])[1])  # a tensor, as Keras allows
    np.testing.assert_allclose(seq2.numpy(), seq.numpy()[:, 2:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h2.numpy(), h.numpy(), rtol=1e-5, atol=1e-6)
    assert [s.shape for s in layers.LSTM(4).get_initial_state(3)] == [(3, 4), (3, 4)]


def test_text_generation_one_step_model_as_the_tutorial_writes_it():
    text = "hello world, a tiny corpus. " * 4
    ids_from_chars = layers.StringLookup(vocabulary=sorted(set(text)), mask_token=None)
    chars_from_ids = layers.StringLookup(vocabulary=ids_from_chars.get_vocabulary(),
                                         invert=True, mask_token=None)
    vocab_size = len(ids_from_chars.get_vocabulary())

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.embedding = layers.Embedding(vocab_size, 8)
            self.gru = layers.GRU(8, return_sequences=True, return_state=True)
            self.dense = layers.Dense(vocab_size)

        def call(self, inputs, states=None, return_state=False, training=False):
            x = self.embedding(inputs, training=training)
            if states is None:
                states = self.gru.get_initial_state(tf.shape(x)[0])
            x, states = self.gru(x, initial_state=states, training=training)
            x = self.dense(x, training=training)
            return (x, states) if return_state else x

    model = Model()
    skip = ids_from_chars(["[UNK]"])[:, None]
    mask = tf.sparse.to_dense(tf.SparseTensor(values=[-float("inf")] * len(skip), indices=skip,
                                              dense_shape=[vocab_size]))

    @tf.function
    def generate_one_step(inputs, states=None):
        input_ids = ids_from_chars(tf.strings.unicode_split(inputs, "UTF-8")).to_tensor()
        logits, states = model(inputs=input_ids, states=states, return_state=True)
        logits = logits[:, -1, :] + mask
        predicted = tf.squeeze(tf.random.categorical(logits, num_samples=1), axis=-1)
        return chars_from_ids(predicted), states

    states, next_char, result = None, tf.constant(["hello"]), [tf.constant(["hello"])]
    for _ in range(12):
        next_char, states = generate_one_step(next_char, states=states)
        result.append(next_char)
    out = tf.strings.join(result)[0].numpy()
    assert type(out) is bytes and len(out) == 17 and out.startswith(b"hello")
    assert set(out[5:].decode()) <= set(text)  # never the masked [UNK]
    assert generate_one_step.experimental_get_tracing_count() == 2  # states None, then a tensor


def _same_weights(*models):
    for m in models[1:]:
        m.set_weights(models[0].get_weights())


def test_rnn_of_a_cell_equals_its_layer_and_a_stack_equals_stacked_layers():
    x = tf.constant(np.random.RandomState(3).randn(2, 5, 3).astype("float32"))
    inp = keras.Input((None, 3))
    by_cell = keras.Model(inp, layers.RNN(layers.LSTMCell(4), return_sequences=True)(inp))
    by_layer = keras.Sequential([keras.Input((None, 3)), layers.LSTM(4, return_sequences=True)])
    _same_weights(by_cell, by_layer)
    assert [w.path for w in by_cell.weights] == ["rnn/lstm_cell/kernel",
                                                 "rnn/lstm_cell/recurrent_kernel",
                                                 "rnn/lstm_cell/bias"]
    np.testing.assert_allclose(by_cell(x).numpy(), by_layer(x).numpy(), atol=1e-6)
    stacked = layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)], return_state=True)
    out, h1, h2 = stacked(x)
    assert stacked.cell.state_size == [2, 3] and (h1.shape, h2.shape) == ((2, 2), (2, 3))
    two = keras.Sequential([layers.SimpleRNN(2, return_sequences=True), layers.GRU(3)])
    two(x)
    two.set_weights(stacked.get_weights())
    np.testing.assert_allclose(out.numpy(), two(x).numpy(), atol=1e-6)
    np.testing.assert_allclose(h2.numpy(), out.numpy(), atol=1e-6)


def test_a_cell_called_directly_is_one_step_of_its_layer():
    x = np.random.RandomState(4).randn(2, 1, 3).astype("float32")
    layer = layers.LSTM(4, return_state=True)
    seq, h, c = layer(x)
    cell = layers.LSTMCell(4)
    zeros = cell.get_initial_state(batch_size=2)
    cell(x[:, 0], zeros)
    cell.set_weights(layer.get_weights())
    out, (h2, c2) = cell(x[:, 0], states=zeros)
    np.testing.assert_allclose(out.numpy(), seq.numpy(), atol=1e-6)
    np.testing.assert_allclose(c2.numpy(), c.numpy(), atol=1e-6)
    gru = layers.GRUCell(2)
    assert isinstance(gru(x[:, 0], tf.zeros([2, 2]))[1], tf.Tensor)  # one state, not a list
    assert isinstance(gru(x[:, 0], [tf.zeros([2, 2])])[1], list)
    assert [layers.SimpleRNNCell(2).state_size, layers.LSTMCell(2).state_size] == [2, [2, 2]]


def test_a_hand_written_cell_runs_in_rnn_as_the_keras_guide_writes_it():
    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = tf.matmul(inputs, self.kernel)
            output = h + tf.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    x = tf.constant(np.random.RandomState(5).randn(2, 4, 3).astype("float32"))
    rnn = layers.RNN(MinimalRNNCell(5))
    y = rnn(x).numpy()
    k, r = (w.numpy() for w in rnn.weights)
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
        h = x.numpy()[:, t] @ k + h @ r
    np.testing.assert_allclose(y, h, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="should have a `call` method and a `state_size`"):
        layers.RNN(layers.Dense(3))


def test_feedback_model_of_the_time_series_tutorial_trains():
    class FeedBack(keras.Model):
        def __init__(self, units, out_steps):
            super().__init__()
            self.out_steps = out_steps
            self.lstm_cell = layers.LSTMCell(units)
            self.lstm_rnn = layers.RNN(self.lstm_cell, return_state=True)
            self.dense = layers.Dense(2)

        def call(self, inputs, training=None):
            x, *state = self.lstm_rnn(inputs)
            prediction = self.dense(x)
            predictions = [prediction]
            for _ in range(1, self.out_steps):
                x, state = self.lstm_cell(prediction, states=state, training=training)
                prediction = self.dense(x)
                predictions.append(prediction)
            return tf.transpose(tf.stack(predictions), [1, 0, 2])

    rng = np.random.RandomState(6)
    x, y = rng.randn(32, 6, 2).astype("float32"), rng.randn(32, 3, 2).astype("float32")
    model = FeedBack(8, 3)
    assert model(x[:4]).shape == (4, 3, 2)
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01))
    h = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_gradients_reach_a_layer_whose_whole_sequence_feeds_the_next_in_a_loop():
    unknown = keras.Sequential([keras.Input((None, 3)), layers.LSTM(4, return_sequences=True),
                                layers.GRU(2)])
    known = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                              layers.GRU(2)])
    _same_weights(unknown, known)
    x = tf.constant(np.random.RandomState(7).randn(2, 5, 3).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
    def grads(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(unknown(x))
        return tape.gradient(loss, unknown.trainable_variables)

    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(known(x))
    want = tape.gradient(loss, known.trainable_variables)
    got = grads(x)
    assert all(g is not None for g in got)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-6)
