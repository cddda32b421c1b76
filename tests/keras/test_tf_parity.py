"""Behaviour checked against TensorFlow 2.21 / Keras 3 (expected values were produced by TF)."""

import re

import numpy as np
import pytest

import tfedu as tf

keras = tf.keras
layers = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def test_auto_names_follow_keras_snake_case():
    names = [layers.Conv2D(2, 3).name, layers.Conv1D(2, 3).name, layers.MaxPooling2D().name,
             layers.GlobalAveragePooling2D().name, layers.SimpleRNN(2).name,
             layers.DepthwiseConv2D(3).name, layers.Conv2DTranspose(2, 3).name,
             layers.Conv2D(2, 3).name]
    assert names == ["conv2d", "conv1d", "max_pooling2d", "global_average_pooling2d",
                     "simple_rnn", "depthwise_conv2d", "conv2d_transpose", "conv2d_1"]
    opts = [keras.optimizers.get(n).name for n in ["sgd", "adam", "adamw", "rmsprop", "adagrad"]]
    assert opts == ["sgd", "adam", "adam_w", "rm_sprop", "adagrad"]


def test_summary_width_defaults_to_terminal_less_four(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    m.summary()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "┏" + "━" * 33 + "┳" + "━" * 24 + "┳" + "━" * 15 + "┓"
    assert lines[2] == "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃"


def _mlp():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                          layers.Dense(3, activation="softmax")])
    m.set_weights([np.random.RandomState(i).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for i, w in enumerate(m.get_weights())])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def _xy():
    rng = np.random.RandomState(1)
    return rng.randn(50, 4).astype("float32"), rng.randint(0, 3, 50)


def test_class_weight_weights_the_loss_not_the_compiled_metrics():
    x, y = _xy()
    h = _mlp().fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                   class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    np.testing.assert_allclose(h.history["accuracy"], [0.30000001, 0.28], atol=1e-6)


def test_fit_with_validation_split_matches_tf():
    x, y = _xy()
    m = _mlp()
    h = m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_split=0.2)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert h.params == {"verbose": 0, "epochs": 3, "steps": 3}


def test_fit_before_compile_is_a_value_error():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    x = np.zeros((2, 4), "float32")
    for call in (lambda: m.fit(x, x[:, :3], verbose=0), lambda: m.evaluate(x, x[:, :3]),
                 lambda: m.train_on_batch(x, x[:, :3]), lambda: m.test_on_batch(x, x[:, :3])):
        with pytest.raises(ValueError, match=r"^You must call `compile\(\)` before using the "
                                             r"model\.$"):
            call()


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            def hook(*args, **kwargs):
                self.events.append((name, [sorted(a) if isinstance(a, dict) else a
                                           for a in args],
                                    {k: sorted(v) for k, v in kwargs.items()}))
            return hook
        return super().__getattribute__(name)


def test_callback_hooks_and_logs_as_keras_calls_them():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    x, y = np.ones((16, 3), "float32"), np.zeros((16, 1), "float32")
    r = _Recorder()
    m.fit(x, y, epochs=1, batch_size=8, validation_data=(x[:10], y[:10]), shuffle=False,
          verbose=0, callbacks=[r])
    m.evaluate(x, y, batch_size=8, verbose=0, callbacks=[r])
    m.predict(x, batch_size=8, verbose=0, callbacks=[r])
    lm = ["loss", "mae"]
    val = ["loss", "mae", "val_loss", "val_mae"]
    test = [("on_test_begin", [[]], {}), ("on_test_batch_begin", [0], {"logs": []}),
            ("on_test_batch_end", [0], {"logs": lm}), ("on_test_batch_begin", [1], {"logs": []}),
            ("on_test_batch_end", [1], {"logs": lm}), ("on_test_end", [lm], {})]
    assert r.events == [
        ("on_train_begin", [[]], {}), ("on_epoch_begin", [0, []], {}),
        ("on_train_batch_begin", [0], {"logs": []}), ("on_train_batch_end", [0], {"logs": lm}),
        ("on_train_batch_begin", [1], {"logs": []}), ("on_train_batch_end", [1], {"logs": lm}),
        *test, ("on_epoch_end", [0, val], {}), ("on_train_end", [val], {}), *test,
        ("on_predict_begin", [[]], {}), ("on_predict_batch_begin", [0], {"logs": []}),
        ("on_predict_batch_end", [0], {"logs": ["outputs"]}),
        ("on_predict_batch_begin", [1], {"logs": []}),
        ("on_predict_batch_end", [1], {"logs": ["outputs"]}), ("on_predict_end", [[]], {})]


def _strip_times(text):
    """Times become T; so do the spaces Keras pads a line with when it got shorter than the
    line it overwrites (a faster step prints fewer digits), which depend on timing too."""
    text = re.sub(r"\d+(us|ms|s)\b", "T", text).replace("\b", "")
    return re.sub(r" +(\n|\r)", r"\1", text)


def test_progress_bar_text_matches_keras(capsys):
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, kernel_initializer="ones")])
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((50, 4), "float32"), np.zeros((50, 3), "float32")
    m.fit(x, y, epochs=2, batch_size=16, verbose=2)
    assert _strip_times(capsys.readouterr().out) == (
        "Epoch 1/2\n4/4 - T - T/step - loss: 14.8973 - mae: 3.8579\n"
        "Epoch 2/2\n4/4 - T - T/step - loss: 11.3585 - mae: 3.3687\n")
    m.evaluate(x, y, verbose=2)
    assert _strip_times(capsys.readouterr().out) == "2/2 - T - T/step - loss: 9.3014 - mae: 3.0498\n"
    m.predict(x, verbose=1)
    out = _strip_times(capsys.readouterr().out)
    green, grey = "\x1b[32m" + "━" * 20 + "\x1b[0m", "\x1b[37m\x1b[0m"
    assert out.endswith(f"\r\x1b[1m2/2\x1b[0m {green}{grey} \x1b[1mT\x1b[0m T/step\n")


def test_early_stopping_warns_when_monitor_missing_and_rejects_unknown_mode():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    es = keras.callbacks.EarlyStopping(monitor="val_foo", mode="min")
    with pytest.warns(UserWarning, match=r"Early stopping conditioned on metric `val_foo` which "
                                         r"is not available\. Available metrics are: loss,mae"):
        m.fit(x, y, epochs=1, verbose=0, callbacks=[es])
    with pytest.raises(ValueError, match="isn't able to automatically determine whether that "
                                         "metric should be maximized"):
        m.fit(x, y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(monitor="val_foo")])


def test_model_checkpoint_reports_finished_saving(tmp_path, capsys):
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.05), "mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    path = str(tmp_path / "m_{epoch:02d}.keras")
    m.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(
        path, monitor="loss", save_best_only=True, verbose=1)])
    out = capsys.readouterr().out.replace(str(tmp_path), "D")
    assert out == ("\nEpoch 1: loss improved from None to 9.00000, saving model to D/m_01.keras\n"
                   "\nEpoch 1: finished saving model to D/m_01.keras\n")


# --- optimizers ---------------------------------------------------------------------------------
TF_TRAJECTORIES = {  # the variable after 3 steps on sum(v**2 * [1, 3, .5]) from [1, -2, 3]
    "sgd_nesterov": [-0.108352, 0.608128, 0.981963],
    "adam_amsgrad": [0.701589, -1.700625, 2.700384],
    "adamw": [0.675104, -1.644371, 2.614408],
    "rmsprop_centered_momentum": [0.020841, -0.896942, 1.863874],
    "adagrad": [0.161456, -0.983867, 1.940175],
    "sgd_clipnorm": [0.950638, -1.713677, 2.925333],
    "sgd_clipvalue": [0.85, -1.85, 2.85],
    "adam_global_clipnorm": [0.700702, -1.7, 2.699846],
}


def _optimizer(name):
    o = keras.optimizers
    return {"sgd_nesterov": lambda: o.SGD(0.1, momentum=0.9, nesterov=True),
            "adam_amsgrad": lambda: o.Adam(0.1, amsgrad=True),
            "adamw": lambda: o.AdamW(0.1, weight_decay=0.1),
            "rmsprop_centered_momentum": lambda: o.RMSprop(0.1, centered=True, momentum=0.5),
            "adagrad": lambda: o.Adagrad(0.5),
            "sgd_clipnorm": lambda: o.SGD(0.1, clipnorm=1.0),
            "sgd_clipvalue": lambda: o.SGD(0.1, clipvalue=0.5),
            "adam_global_clipnorm": lambda: o.Adam(0.1, global_clipnorm=1.0)}[name]()


@pytest.mark.parametrize("name", sorted(TF_TRAJECTORIES))
def test_optimizer_steps_match_tf(name):
    opt = _optimizer(name)
    v = tf.Variable(np.array([1.0, -2.0, 3.0], "float32"))
    for _ in range(3):
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(v ** 2 * tf.constant([1.0, 3.0, 0.5]))
        opt.apply_gradients([(t.gradient(loss, v), v)])
    np.testing.assert_allclose(v.numpy(), TF_TRAJECTORIES[name], atol=1e-5)


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match=r"Only one of `clipnorm`, `clipvalue` and "
                                         r"`global_clipnorm` can be set\. Received: clipnorm=1\.0, "
                                         r"clipvalue=1\.0, global_clipnorm=None"):
        keras.optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_schedules_match_tf():
    s = keras.optimizers.schedules
    expected = {
        "exp": (s.ExponentialDecay(0.1, 2, 0.5),
                [0.1, 0.0707107, 0.05, 0.0353553, 0.025, 0.0176777, 0.0125]),
        "exp_st": (s.ExponentialDecay(0.1, 3, 0.5, staircase=True),
                   [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]),
        "pw": (s.PiecewiseConstantDecay([1, 2], [0.1, 0.05, 0.01]),
               [0.1, 0.1, 0.05, 0.01, 0.01, 0.01, 0.01]),
        "cos": (s.CosineDecay(0.1, 3, alpha=0.1), [0.1, 0.0775, 0.0325, 0.01, 0.01, 0.01, 0.01]),
        "cosw": (s.CosineDecay(0.0, 3, warmup_target=0.1, warmup_steps=2),
                 [0.0, 0.05, 0.1, 0.075, 0.025, 0.0, 0.0]),
    }
    for sched, values in expected.values():
        np.testing.assert_allclose([float(np.asarray(sched(i))) for i in range(7)], values,
                                   atol=1e-6)
    assert s.CosineDecay(0.1, 3).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 3, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}


def test_schedule_drives_the_learning_rate_inside_fit():
    o = keras.optimizers
    m = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    m.compile(o.SGD(o.schedules.ExponentialDecay(0.1, 1, 0.5)), "mse")
    m.fit(np.ones((8, 2), "float32"), np.zeros((8, 1), "float32"), batch_size=2, epochs=1,
          verbose=0, shuffle=False)
    np.testing.assert_allclose(m.get_weights()[0], [[0.48010004], [0.48010004]], atol=1e-6)
    np.testing.assert_allclose(m.get_weights()[1], [-0.51990002], atol=1e-6)
    assert float(np.asarray(m.optimizer.learning_rate)) == pytest.approx(0.00625)
    assert [v.path for v in m.optimizer.variables][:1] == ["sgd/iteration"]
    with pytest.raises(TypeError, match="hence its learning rate is not settable"):
        m.optimizer.learning_rate = 0.1


# --- layer input checks and call errors -------------------------------------------------------
def test_built_dense_rejects_a_wrong_input_width():
    d = layers.Dense(3)
    d(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError) as e:
        d(np.zeros((2, 5), "float32"))
    assert str(e.value) == ("Input 0 with name 'None' of layer 'dense' is incompatible with the "
                            "layer: expected axis -1 of input shape to have value 4, but received "
                            "input with shape (2, 5)")


def test_errors_inside_a_model_call_name_the_model_call():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(3)])
    with pytest.raises(ValueError) as e:
        m(np.zeros((2, 5), "float32"))
    assert str(e.value) == (
        "Exception encountered when calling Sequential.call().\n\n\x1b[1mInput 0 with name "
        "'None' of layer 'dense' is incompatible with the layer: expected axis -1 of input shape "
        "to have value 4, but received input with shape (2, 5)\x1b[0m\n\nArguments received by "
        "Sequential.call():\n  • inputs=tf.Tensor(shape=(2, 5), dtype=float32)\n"
        "  • training=None\n  • mask=None\n  • kwargs=<class 'inspect._empty'>")


def test_conv_and_pool_input_rank_checks():
    with pytest.raises(ValueError, match=r"^Input 0 with name 'None' of layer 'conv2d' is "
                                         r"incompatible with the layer: expected min_ndim=4, "
                                         r"found ndim=3\. Full shape received: \(2, 5, 5\)$"):
        layers.Conv2D(2, 3)(np.zeros((2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3\. Full shape received: "
                                         r"\(2, 5, 5\)$"):
        layers.MaxPooling2D()(np.zeros((2, 5, 5), "float32"))


def test_reshape_checks_the_total_size():
    with pytest.raises(ValueError) as e:
        layers.Reshape((3, 2))(np.zeros((2, 6, 3), "float32"))
    assert str(e.value) == (
        "Exception encountered when calling Reshape.call().\n\n\x1b[1mThe total size of the "
        "tensor must be unchanged. Received: input_shape=(6, 3), target_shape=(3, 2)\x1b[0m\n\n"
        "Arguments received by Reshape.call():\n  • inputs=tf.Tensor(shape=(2, 6, 3), "
        "dtype=float32)")
    assert layers.Reshape((-1, 2))(np.zeros((2, 6, 3), "float32")).shape == (2, 9, 2)


# --- losses ---------------------------------------------------------------------------------------
def test_vector_labels_meet_column_predictions_elementwise():
    rng = np.random.RandomState(0)
    x = rng.randn(20, 3).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    for loss, expected in (("binary_crossentropy", [0.674331, 0.668239]),
                           ("mse", [0.213876, 0.213453])):
        m = keras.Sequential([keras.Input((3,)),
                              layers.Dense(1, activation="sigmoid", kernel_initializer="ones")])
        m.compile("sgd", loss)
        h = m.fit(x, y, epochs=2, batch_size=5, verbose=0, shuffle=False)
        np.testing.assert_allclose(h.history["loss"], expected, atol=1e-5)
    assert float(keras.losses.MeanSquaredError()(y, x[:, :1])) == pytest.approx(0.82834959)
    bce = keras.losses.BinaryCrossentropy()(y[:, None], tf.sigmoid(x[:, :1]),
                                             sample_weight=np.arange(20.0))
    assert float(bce) == pytest.approx(4.05492496, rel=1e-5)


def test_crossentropy_shape_errors():
    probs = np.full((6, 4), 0.25, "float32")
    labels = np.arange(6) % 4
    with pytest.raises(ValueError, match=r"^Arguments `target` and `output` must have the same "
                                         r"rank \(ndim\)\. Received: target\.shape=\(6,\), "
                                         r"output\.shape=\(6, 4\)$"):
        keras.losses.CategoricalCrossentropy()(labels, probs)
    with pytest.raises(ValueError, match=r"^Argument `output` must have rank \(ndim\) "
                                         r"`target\.ndim - 1`\. Received: target\.shape=\(6, 4\), "
                                         r"output\.shape=\(6, 4\)$"):
        keras.losses.SparseCategoricalCrossentropy()(np.eye(4)[labels], probs)
    with pytest.raises(ValueError, match=r"^Arguments `target` and `output` must have the same "
                                         r"shape\. Received: target\.shape=\(6, 2\), "
                                         r"output\.shape=\(6, 1\)$"):
        keras.losses.BinaryCrossentropy()(np.zeros((6, 2)), probs[:, :1])


def test_loss_configs_and_lookup_by_class_name():
    assert keras.losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None}
    assert keras.losses.Huber(delta=0.5).get_config() == {"name": "huber_loss",
                                                          "reduction": "sum_over_batch_size"}
    assert type(keras.losses.get("Huber")).__name__ == "Huber"
    with pytest.raises(ValueError, match="Could not interpret loss identifier: logcosh"):
        keras.losses.get("logcosh")


# --- metrics --------------------------------------------------------------------------------------
_YT = np.array([[0.0], [0.0], [1.0], [1.0], [0.0], [0.0]], "float32")
_YP = np.array([[0.5106], [0.8851], [0.8884], [0.1331], [0.2131], [0.0604]], "float32")
_LAB = np.array([0, 0, 3, 1, 1, 2])
_LOGITS = np.array([[-0.46, -0.058, 2.078, -0.601], [0.939, -1.18, -0.347, 0.066],
                    [-1.628, 0.398, -1.629, -0.639], [-0.561, 1.819, 0.157, -1.203],
                    [-0.704, 1.019, -0.535, -1.327], [0.668, 0.286, -0.371, 1.05]], "float32")
_PROBS = np.exp(_LOGITS) / np.exp(_LOGITS).sum(-1, keepdims=True)
_SW = np.array([1, 0.5, 2], "float32")


@pytest.mark.parametrize("name, make, onehot, expected", [
    ("precision", lambda m: m.Precision(), False, (0.333333, 0.461538)),
    ("recall_thresholds", lambda m: m.Recall(thresholds=[0.3, 0.6]), False, ([0.5, 0.5],
                                                                             [0.75, 0.75])),
    ("precision_class_id", lambda m: m.Precision(class_id=2), True, (0.0, 0.0)),
    ("recall_top_k", lambda m: m.Recall(top_k=2), True, (0.666667, 0.684211)),
    ("auc", lambda m: m.AUC(), False, (0.5625, 0.693182)),
    ("auc_pr", lambda m: m.AUC(curve="PR"), False, (0.415285, 0.609192)),
    ("auc_minoring", lambda m: m.AUC(summation_method="minoring"), False, (0.5, 0.590909)),
    ("rmse", lambda m: m.RootMeanSquaredError(), True, (0.41525, 0.453173)),
])
def test_metric_values_and_sample_weights_match_tf(name, make, onehot, expected):
    m = make(keras.metrics)
    y, p = (np.eye(4, dtype="float32")[_LAB], _PROBS) if onehot else (_YT, _YP)
    m.update_state(y, p)
    np.testing.assert_allclose(np.asarray(m.result()), expected[0], atol=2e-5)
    m.update_state(y[:3], p[:3], sample_weight=_SW)  # (n,) weights with (n, 1) labels
    np.testing.assert_allclose(np.asarray(m.result()), expected[1], atol=2e-5)


def test_metric_names_and_configs():
    m = keras.metrics
    assert [m.Mean().name, m.Mean().name, m.Precision().name, m.Precision().name,
            m.AUC().name] == ["mean", "mean", "precision", "precision_1", "auc"]
    assert m.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                               "threshold": 0.5}
    assert m.Recall(thresholds=[0.3, 0.6]).get_config() == {
        "name": "recall", "dtype": "float32", "thresholds": [0.3, 0.6], "top_k": None,
        "class_id": None}
    assert m.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "dtype": "float32", "from_logits": False,
        "ignore_class": None, "axis": -1}


# --- layer configs, weight paths and order ------------------------------------------------------
def test_conv_config_matches_keras():
    c = layers.Conv2D(2, 3, kernel_regularizer="l2").get_config()
    assert list(c) == ["name", "trainable", "dtype", "filters", "kernel_size", "strides",
                       "padding", "data_format", "dilation_rate", "groups", "activation",
                       "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                       "bias_regularizer", "activity_regularizer", "kernel_constraint",
                       "bias_constraint"]
    assert c["kernel_initializer"]["config"] == {"seed": None, "input_axes": None,
                                                 "output_axes": None}
    assert c["kernel_regularizer"] == {"module": "keras.regularizers", "class_name": "L2",
                                       "config": {"l2": 0.01}, "registered_name": None}
    assert layers.Conv2D.from_config(c).kernel_regularizer.l2 == 0.01


def test_recurrent_weights_live_in_their_cell_and_bidirectional_names():
    lstm = layers.LSTM(2)
    lstm(np.zeros((1, 3, 2), "float32"))
    assert [w.path for w in lstm.weights] == ["lstm/lstm_cell/kernel",
                                               "lstm/lstm_cell/recurrent_kernel",
                                               "lstm/lstm_cell/bias"]
    b = layers.Bidirectional(layers.GRU(2))
    b(np.zeros((1, 3, 2), "float32"))
    assert [w.path for w in b.weights] == [
        "bidirectional/forward_gru/gru_cell/kernel",
        "bidirectional/forward_gru/gru_cell/recurrent_kernel",
        "bidirectional/forward_gru/gru_cell/bias", "bidirectional/backward_gru/gru_cell/kernel",
        "bidirectional/backward_gru/gru_cell/recurrent_kernel",
        "bidirectional/backward_gru/gru_cell/bias"]
    c = b.get_config()
    assert c["merge_mode"] == "concat" and c["layer"]["config"]["name"] == "forward_gru"
    assert c["backward_layer"]["config"]["go_backwards"] is True


def test_model_weights_are_listed_layer_by_layer():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
                          layers.Dense(2)])
    assert [w.path for w in m.weights] == [
        "sequential/dense/kernel", "sequential/dense/bias",
        "sequential/batch_normalization/gamma", "sequential/batch_normalization/beta",
        "sequential/batch_normalization/moving_mean",
        "sequential/batch_normalization/moving_variance", "sequential/dense_1/kernel",
        "sequential/dense_1/bias"]


def test_conv2d_transpose_keeps_static_spatial_shape_and_models_round_trip(tmp_path):
    inp = keras.Input((5, 5, 3))
    assert layers.Conv2DTranspose(2, 3, strides=2)(inp).shape == (None, 11, 11, 2)
    x = layers.Reshape((-1, 2))(layers.Conv2DTranspose(2, 3, strides=2)(inp))
    out = layers.Dense(2)(layers.Bidirectional(layers.LSTM(3))(x))
    m = keras.Model(inp, out)
    xs = np.random.RandomState(0).randn(2, 5, 5, 3).astype("float32")
    m.save(tmp_path / "m.keras")
    m2 = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(m2.predict(xs, verbose=0), m.predict(xs, verbose=0), atol=1e-6)
    assert [w.path for w in m2.weights] == [w.path for w in m.weights]


def test_initializers_activations_regularizers():
    assert keras.initializers.get("lecun_uniform").get_config() == {
        "seed": None, "input_axes": None, "output_axes": None}
    np.testing.assert_allclose(keras.activations.get("mish")(np.array([-1.0, 0.5], "float32")),
                               [-0.3034015, 0.37524524], atol=1e-6)
    d = layers.Dense(2, bias_regularizer=keras.regularizers.L1(0.5))
    assert d.get_config()["bias_regularizer"]["config"] == {"l1": 0.5}


# --- models -----------------------------------------------------------------------------------
def _set_seeded_weights(m):
    m.set_weights([np.random.RandomState(i).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for i, w in enumerate(m.get_weights())])


def _two_headed():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")
    h = layers.Concatenate()([shared(layers.Dense(4, name="pa")(a)),
                              shared(layers.Dense(4, name="pb")(b))])
    m = keras.Model([a, b], [layers.Dense(1, name="reg")(h),
                             layers.Dense(3, activation="softmax", name="cls")(h)],
                    name="multi")
    _set_seeded_weights(m)
    return m


def _two_headed_data():
    rng = np.random.RandomState(0)
    return (rng.randn(30, 3).astype("float32"), rng.randn(30, 2).astype("float32"),
            rng.randn(30, 1).astype("float32"), rng.randint(0, 3, 30))


def test_functional_layers_in_depth_order_and_shared_layer_connections(capsys):
    m = _two_headed()
    assert [lyr.name for lyr in m.layers] == ["a", "b", "pa", "pb", "shared", "concatenate",
                                              "reg", "cls"]
    m.summary(line_length=76)
    out = capsys.readouterr().out
    assert "│ shared (Dense)      │ (None, 4)         │         20 │ pa[0][0],         │\n" \
           "│                     │                   │            │ pb[0][0]          │" in out
    with pytest.raises(ValueError, match=r"""^Layer "multi" expects 2 named input\(s\) with keys """
                                         r"""\['a', 'b'\], but it received 1 input tensors\."""):
        m.predict(np.zeros((2, 3), "float32"), verbose=0)


def test_multi_output_losses_and_metrics_per_output():
    xa, xb, yr, yc = _two_headed_data()
    m = _two_headed()
    m.compile(keras.optimizers.SGD(0.05), loss=["mse", "sparse_categorical_crossentropy"],
              loss_weights=[0.5, 1.0], metrics=[["mae"], ["accuracy"]])
    h = m.fit([xa, xb], [yr, yc], epochs=2, batch_size=10, verbose=0, shuffle=False)
    expected = {"cls_accuracy": [0.33333334, 0.36666667], "cls_loss": [1.10668218, 1.1001513],
                "loss": [1.67891693, 1.6081326], "reg_loss": [1.1444695, 1.01596272],
                "reg_mae": [0.82020754, 0.80444604]}
    assert sorted(h.history) == sorted(expected)
    for k, v in expected.items():
        np.testing.assert_allclose(h.history[k], v, atol=1e-5)
    np.testing.assert_allclose(m.evaluate([xa, xb], [yr, yc], verbose=0),
                               [1.57288468, 0.96213639, 1.09181643, 0.36666667, 0.80003315],
                               atol=1e-5)
    assert m.metrics_names == ["loss", "compile_metrics", "reg_loss", "cls_loss"]


def test_dict_losses_follow_output_names():
    xa, xb, yr, yc = _two_headed_data()
    m = _two_headed()
    m.compile(keras.optimizers.SGD(0.05),
              loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
              metrics={"cls": "accuracy"})
    h = m.fit({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, epochs=1, batch_size=10, verbose=0,
              shuffle=False)
    np.testing.assert_allclose(h.history["loss"], [2.20764947], atol=1e-5)
    np.testing.assert_allclose(h.history["reg_loss"], [1.10210967], atol=1e-5)
    np.testing.assert_allclose(h.history["cls_loss"], [1.1055398], atol=1e-5)


def test_steps_per_epoch_continues_the_dataset_iterator():
    rng = np.random.RandomState(0)
    x = rng.randn(40, 3).astype("float32")
    y = (x.sum(1) > 0).astype("float32")[:, None]
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    _set_seeded_weights(m)
    m.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    h = m.fit(ds.repeat(), epochs=2, steps_per_epoch=3, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [0.59918469, 0.5419839], atol=1e-5)
    np.testing.assert_allclose(h.history["accuracy"], [0.875, 0.95833331], atol=1e-6)


def test_overridden_train_step_logs_and_subclass_built_functionally():
    class TS(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self(x, training=True) - y))
            g = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(g, self.trainable_variables))
            return {"my_loss": loss}

    rng = np.random.RandomState(0)
    x = rng.randn(40, 3).astype("float32")
    y = (x.sum(1) > 0).astype("float32")[:, None]
    inp = keras.Input((3,))
    m = TS(inp, layers.Dense(1)(inp))
    _set_seeded_weights(m)
    m.compile(keras.optimizers.SGD(0.1))
    h = m.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    assert list(h.history) == ["my_loss"]
    np.testing.assert_allclose(h.history["my_loss"], [0.17620863, 0.10446204], atol=1e-5)


def test_subclassed_model_paths_and_summary(capsys):
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(4, activation="relu")
            self.d2 = layers.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

    m = MyModel()
    m(np.zeros((1, 3), "float32"))
    assert [w.path for w in m.weights] == ["my_model/dense/kernel", "my_model/dense/bias",
                                           "my_model/dense_1/kernel", "my_model/dense_1/bias"]
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32"), verbose=0)
    m.summary(line_length=76)
    out = capsys.readouterr().out
    assert "│ dense (Dense)                   │ (1, 4)                 │            16 │" in out
    assert out.endswith(" Total params: 23 (96.00 B)\n Trainable params: 21 (84.00 B)\n"
                        " Non-trainable params: 0 (0.00 B)\n Optimizer params: 2 (12.00 B)\n")


def test_sequential_config_round_trip():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")], name="s")
    cfg = m.get_config()
    assert sorted(cfg) == ["build_input_shape", "dtype", "layers", "name", "trainable"]
    assert [lyr["class_name"] for lyr in cfg["layers"]] == ["InputLayer", "Dense"]
    m2 = keras.Sequential.from_config(cfg)
    assert [lyr.name for lyr in m2.layers] == ["d"]
    assert sorted(_two_headed().get_config()) == ["input_layers", "layers", "name",
                                                  "output_layers", "trainable"]


def test_normalization_statistics_shape_config_and_embedding_mask():
    rng = np.random.RandomState(0)
    data = rng.randn(20, 3).astype("float32") * [1, 10, 100] + [0, 5, -5]
    n = layers.Normalization()
    n.adapt(data)
    np.testing.assert_allclose(n.mean.numpy(), [[0.27573451, 6.95871544, -29.16041946]],
                               rtol=1e-5)
    assert n.variance.shape == (1, 3)
    c = n.get_config()
    assert (c["axis"], c["invert"], c["mean"], c["variance"]) == ((-1,), False, None, None)
    mask = layers.Embedding(10, 2, mask_zero=True).compute_mask(tf.constant([[0, 1, 2]]))
    assert mask.numpy().tolist() == [[False, True, True]]
    assert keras.utils.to_categorical([0, 2, 1], 3).dtype == np.float64
    with pytest.raises(ValueError, match=r"^The `padding` argument must be a list/tuple or one "
                                         r"of \{'same', 'valid'\}\. Received: foo$"):
        layers.Conv2D(2, 3, padding="foo")


def _es_model():
    m = keras.Sequential([keras.Input((3,)),
                          layers.Dense(4, activation="tanh", kernel_initializer="ones"),
                          layers.Dense(1, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    rng = np.random.RandomState(0)
    x = rng.randn(40, 3).astype("float32")
    y = (x.sum(1, keepdims=True) > 0).astype("float32")
    xv, yv = rng.randn(10, 3).astype("float32"), rng.randn(10, 1).astype("float32") * 5
    return m, x, y, xv, yv


def test_early_stopping_restores_best_weights_even_without_stopping(capsys):
    m, x, y, xv, yv = _es_model()
    es = keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True, verbose=1)
    h = m.fit(x, y, epochs=6, batch_size=8, validation_data=(xv, yv), shuffle=False, verbose=0,
              callbacks=[es])
    np.testing.assert_allclose(h.history["val_loss"], [27.24706078, 25.13528061, 24.86195755,
                                                       24.87413216, 24.9152813, 24.94657898],
                               rtol=1e-5)
    assert (es.stopped_epoch, es.best_epoch) == (0, 2)
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 3.\n"
    np.testing.assert_allclose(m.get_weights()[0][:, 0], [0.94019985, 0.97549087, 0.97627866],
                               rtol=1e-5)


def test_early_stopping_baseline_does_not_seed_best():
    m, x, y, _, _ = _es_model()
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=1, baseline=0.01)
    h = m.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0, callbacks=[es])
    assert h.epoch == [0, 1, 2, 3, 4, 5] and es.stopped_epoch == 0


def test_fit_argument_errors():
    m, x, y, _, _ = _es_model()
    with pytest.raises(ValueError, match=r"^You cannot `class_weight` and `sample_weight` at the "
                                         r"same time\.$"):
        m.fit(x, y, verbose=0, class_weight={0: 1, 1: 2}, sample_weight=np.ones(40))
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    with pytest.raises(ValueError, match=r"^When providing `x` as a tf\.data\.Dataset, `y` should "
                                         r"not be passed\. Instead, the targets should be "
                                         r"included as part of the tf\.data\.Dataset\.$"):
        m.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match=r"^Argument `validation_split` is only supported for "
                                         r"tensors or NumPy arrays\.Found incompatible type"):
        m.fit(ds, validation_split=0.2, verbose=0)


def test_evaluate_lists_metrics_in_compile_order():
    m = keras.Sequential([keras.Input((3,)),
                          layers.Dense(1, activation="sigmoid", kernel_initializer="ones")])
    m.compile("sgd", "binary_crossentropy",
              metrics=["mse", "accuracy", keras.metrics.AUC(name="zz"),
                       keras.metrics.Precision(name="aa")])
    x = np.random.RandomState(0).randn(20, 3).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    values = m.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(values, [0.67589903, 0.21401823, 0.7, 0.73626375, 0.81818181],
                               atol=1e-5)


def test_integer_inputs_and_unsupported_data():
    d = layers.Dense(2, kernel_initializer="ones")
    y = d(np.array([[1, 2]], "int64"))
    assert y.dtype == tf.float32 and y.numpy().tolist() == [[3.0, 3.0]]
    m = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    with pytest.raises(ValueError, match=r"^Unrecognized data type: x=\[\[1\.0, 2\.0\]\] \(of type "
                                         r"<class 'list'>\)$"):
        m.predict([[1.0, 2.0]], verbose=0)
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"^None values not supported\.$"):
        m.fit(np.ones((4, 2), "float32"), verbose=0)


def test_bidirectional_return_state_and_checkpoint_format_error(tmp_path):
    x = np.random.RandomState(0).randn(2, 4, 3).astype("float32")
    out = layers.Bidirectional(layers.SimpleRNN(2, return_state=True))(x)
    assert [tuple(t.shape) for t in out] == [(2, 4), (2, 2), (2, 2)]
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    m.compile("sgd", "mse")
    path = str(tmp_path / "m_{val_loss:.2f}.keras")
    with pytest.raises(KeyError) as e:
        m.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(path)])
    assert e.value.args[0] == (f'Failed to format this callback filepath: "{path}". '
                               "Reason: 'val_loss'")


def test_optimizer_slots_are_listed_as_keras_builds_them():
    v1, v2 = tf.Variable([1.0, 2.0]), tf.Variable([3.0])

    def names(opt):
        opt.apply_gradients([(tf.constant([0.1, 0.2]), v1), (tf.constant([0.3]), v2)])
        return [v.path.split("/", 1)[1] for v in opt.variables]

    o = keras.optimizers
    assert names(o.Adam(amsgrad=True)) == [
        "iteration", "learning_rate", "Variable_0_momentum", "Variable_0_velocity",
        "Variable_0_momentum", "Variable_0_velocity", "Variable_0_velocity_hat",
        "Variable_0_velocity_hat"]
    assert names(o.RMSprop(momentum=0.5, centered=True))[2:] == [
        "Variable_0_velocity", "Variable_0_velocity", "Variable_0_momentum",
        "Variable_0_momentum", "Variable_0_average_gradient", "Variable_0_average_gradient"]


def test_accuracy_and_acc_resolve_from_shapes_and_keep_their_name():
    rng = np.random.RandomState(0)
    x = rng.randn(30, 4).astype("float32")
    y = rng.randint(0, 3, 30)
    m = keras.Sequential([keras.Input((4,)),
                          layers.Dense(3, activation="softmax", kernel_initializer="ones")])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    h = m.fit(x, y, epochs=1, batch_size=10, verbose=0, shuffle=False)
    assert sorted(h.history) == ["acc", "loss"]
    np.testing.assert_allclose(h.history["acc"], [0.3], atol=1e-6)
    assert type(m.metrics[1]).__name__ == "SparseCategoricalAccuracy"


def test_monitor_direction_comes_from_the_compiled_metric():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.01), "mse",
              metrics=[keras.metrics.RootMeanSquaredError(name="r")])
    x = np.random.RandomState(0).randn(20, 3).astype("float32")
    es = keras.callbacks.EarlyStopping(monitor="r", patience=0)
    h = m.fit(x, x.sum(1, keepdims=True) * 2, epochs=5, verbose=0, callbacks=[es],
              shuffle=False)
    assert h.epoch == [0, 1, 2, 3, 4] and es.stopped_epoch == 0  # "r" improves: minimised


@pytest.mark.parametrize("kw,shapes,first", [
    (dict(rms_scaling=True), [(4,)],
     [0.40043, -0.04378, -1.6785, -0.34084, -0.69482, 0.04881]),
    (dict(axis=1), [(3,), (3,)],
     [0.32743, -0.63922, -0.69583, -1.48808, -0.50074, -0.36026]),
    (dict(axis=[1, 2]), [(3, 4), (3, 4)],
     [-0.52097, -0.15018, 0.13175, 1.38512, -0.89689, 1.61999]),
    (dict(axis=1, rms_scaling=True), [(3,)],
     [0.31604, -0.17504, 0.72321, 0.22891, -0.14011, 0.04986]),
])
def test_layer_normalization_rms_scaling_and_other_axes_match_keras(kw, shapes, first):
    # TF 2.21 / Keras 3 values for the same inputs and weights
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.LayerNormalization(**kw)
    layer.build(x.shape)
    assert [w.shape for w in layer.get_weights()] == shapes
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    np.testing.assert_allclose(layer(x).numpy().ravel()[:6], first, atol=2e-5)


# Outputs of TF 2.21 / Keras 3 for token ids with trailing padding (0), weights drawn in order
_MASKED_EXPECTED = {'bidir_seq': [[[-0.0171, -0.2043, 0.0303, 0.024], [0.0206, -0.1805, 0.0173, 0.1041],
                [0.0226, -0.2545, 0.0224, 0.0287], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0]],
               [[-0.0122, -0.153, 0.071, 0.02], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
               [[-0.0338, -0.1439, -0.0567, -0.0027], [-0.0255, -0.2348, -0.055, -0.0022],
                [-0.0065, -0.2851, -0.0516, -0.0014], [0.0108, -0.312, -0.0448, -0.0004],
                [0.0235, -0.3264, -0.0306, 0.0005]]],
 'gru_seq_pool': [[-0.1555, 0.2688, -0.4755], [0.1498, -0.0165, -0.4681],
                  [-0.2526, 0.3679, -0.5098]],
 'lstm': [[0.1553, -0.005, -0.2339], [0.137, -0.0152, -0.1459], [-0.0762, 0.067, -0.3482]],
 'lstm_seq': [[[0.4934, -0.5728], [0.0731, -0.6007], [-0.4087, -0.8623], [-0.4087, -0.8623],
               [-0.4087, -0.8623]],
              [[-0.5449, -0.9032], [-0.5449, -0.9032], [-0.5449, -0.9032], [-0.5449, -0.9032],
               [-0.5449, -0.9032]],
              [[-0.4211, -0.6544], [-0.5235, -0.8917], [-0.5639, -0.9236], [-0.5658, -0.9309],
               [-0.5671, -0.9315]]]}


@pytest.mark.parametrize("name", sorted(_MASKED_EXPECTED))
def test_embedding_mask_zero_reaches_recurrent_layers_as_in_keras(name):
    cases = {
        "lstm": lambda: [layers.Embedding(6, 4, mask_zero=True), layers.LSTM(3)],
        "gru_seq_pool": lambda: [layers.Embedding(6, 4, mask_zero=True),
                                 layers.GRU(3, return_sequences=True),
                                 layers.GlobalAveragePooling1D()],
        "bidir_seq": lambda: [layers.Embedding(6, 4, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(2, return_sequences=True))],
        "lstm_seq": lambda: [layers.Embedding(6, 4, mask_zero=True),
                             layers.SimpleRNN(2, return_sequences=True)],
    }
    x = np.array([[3, 5, 2, 0, 0], [1, 0, 0, 0, 0], [4, 4, 4, 4, 4]], dtype="int32")
    m = keras.Sequential([keras.Input((5,), dtype="int32")] + cases[name]())
    rng = np.random.default_rng(1)
    m.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in m.get_weights()])
    y = m(x)
    np.testing.assert_allclose(y.numpy(), _MASKED_EXPECTED[name], atol=2e-4)
    if name == "lstm_seq":  # the sequence passes its mask on; a masked step repeats its output
        np.testing.assert_array_equal(y._keras_mask.numpy(), x != 0)


def test_masked_model_trains_under_fit():
    keras.utils.set_random_seed(1)  # seeded: initial weights and shuffling are random
    x = np.array([[3, 5, 2, 0, 0], [1, 0, 0, 0, 0], [4, 4, 4, 4, 4]] * 20, dtype="int32")
    y = np.array([0, 1, 1] * 20)
    m = keras.Sequential([keras.Input((5,), dtype="int32"),
                          layers.Embedding(6, 8, mask_zero=True),
                          layers.Bidirectional(layers.LSTM(4)), layers.Dense(2)])
    m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    hist = m.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    assert hist.history["accuracy"][-1] == 1.0


def test_lookup_vocabulary_may_start_with_its_special_tokens():
    # As the text-generation tutorial builds its inverse lookup: from get_vocabulary()
    ids = layers.StringLookup(vocabulary=list("abc"), mask_token=None)
    chars = layers.StringLookup(vocabulary=ids.get_vocabulary(), invert=True, mask_token=None)
    assert chars.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert chars(tf.constant([0, 1, 2, 3, 4])).numpy().tolist() == [
        b"[UNK]", b"a", b"b", b"c", b"[UNK]"]
    again = layers.StringLookup(vocabulary=ids.get_vocabulary(), mask_token=None)
    assert again(tf.constant(["a", "c", "z", "[UNK]"])).numpy().tolist() == [1, 3, 0, 0]
    masked = layers.StringLookup(vocabulary=["", "[UNK]", "x"], mask_token="")
    assert masked(tf.constant(["", "x", "q"])).numpy().tolist() == [0, 2, 1]
    ragged = ids(tf.strings.unicode_split(["ab", "c"], "UTF-8"))
    assert isinstance(ragged, tf.RaggedTensor) and ragged.to_list() == [[1, 2], [3]]
    with pytest.raises(ValueError, match=r"Found reserved OOV token at unexpected location .*"
                                         r"Received: oov_token=\[UNK\] at vocabulary index \[1\]"):
        layers.StringLookup(vocabulary=["a", "[UNK]"], invert=True)
    with pytest.raises(ValueError, match="Found reserved mask token at unexpected location"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="")


def test_text_vectorization_as_the_text_classification_tutorial_uses_it():
    import re
    import string

    texts = ["This movie was <br />great fun!", "Terrible, awful film.",
             "I loved it; great acting.", "Boring and bad.", "Great great great",
             "bad bad film"] * 4
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(4)

    def custom_standardization(input_data):
        lowercase = tf.strings.lower(input_data)
        stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
        return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")

    vectorize = layers.TextVectorization(standardize=custom_standardization, max_tokens=50,
                                         output_mode="int", output_sequence_length=6)
    vectorize.adapt(ds)
    # Expected values produced by Keras 3.15
    assert vectorize.get_vocabulary()[:8] == ["", "[UNK]", "great", "bad", "film", "was", "this",
                                              "terrible"]
    assert len(vectorize.get_vocabulary()) == 17
    assert vectorize(["great movie, bad acting"]).numpy().tolist() == [[2, 8, 3, 16, 0, 0]]
    multi = layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    multi.adapt(ds)
    assert multi(["great film"]).shape == (1, 17)  # no mask token outside "int" output
    tfidf = layers.TextVectorization(max_tokens=10, output_mode="tf_idf", ngrams=2)
    tfidf.adapt(ds)
    np.testing.assert_allclose(tfidf(["great film"]).numpy(),
                               [[1.577, 1.046, 0, 0, 1.299, 0, 0, 0, 0, 0]], atol=1e-3)
