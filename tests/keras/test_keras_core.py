import numpy as np
import pytest

import tfedu as tf


def test_sequential_builds_with_paths_and_param_counts():
    tf.keras.backend.clear_session()
    m = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(8),
                             tf.keras.layers.Dense(2, use_bias=False)])
    assert [(w.name, w.path) for w in m.weights] == [
        ("kernel", "sequential/dense/kernel"), ("bias", "sequential/dense/bias"),
        ("kernel", "sequential/dense_1/kernel")]
    assert [layer.count_params() for layer in m.layers] == [40, 16]
    assert m(np.ones((3, 4), np.float32)).shape == (3, 2)


def test_unbuilt_sequential_builds_on_first_call():
    m = tf.keras.Sequential([tf.keras.layers.Dense(4)])
    assert not m.built and m.weights == []
    out = m(np.ones((5, 7), dtype="float32"))
    assert m.built and out.shape == (5, 4) and m.count_params() == 32


def test_fit_matches_tensorflow_sgd_linear_regression():
    x = np.array([[0.0], [1.0], [2.0], [3.0]], dtype="float32")
    y = 2.0 * x + 1.0
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(
        1, kernel_initializer="zeros", bias_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    h = model.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(h.history["loss"], [21.0, 7.0587, 2.373], atol=1e-4)
    assert h.params == {"verbose": 0, "epochs": 3, "steps": 1}
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), [[1.6277]], atol=1e-4)


@pytest.mark.parametrize("opt,expected", [
    (lambda: tf.keras.optimizers.SGD(), [0.995, 0.990]),
    (lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9), [0.95, 0.855]),
    (lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), [0.905, 0.7695]),
    (lambda: tf.keras.optimizers.Adam(), [0.999, 0.998]),
    (lambda: tf.keras.optimizers.RMSprop(), [0.99683774, 0.99454355]),
    (lambda: tf.keras.optimizers.Adagrad(), [0.99915487, 0.99850935]),
])
def test_optimizer_update_rules_match_keras(opt, expected):
    o = opt()
    w = tf.Variable(1.0)
    seen = []
    for _ in range(2):
        o.apply_gradients([(tf.constant(0.5), w)])
        seen.append(float(w.numpy()))
    np.testing.assert_allclose(seen, expected, rtol=1e-5)
    assert int(o.iterations.numpy()) == 2


def test_keras_file_round_trip_is_atomic_and_identical(tmp_path):
    m = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(2)])
    path = tmp_path / "m.keras"
    m.save(path)
    m2 = tf.keras.models.load_model(path)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(m.predict(x, verbose=0), m2.predict(x, verbose=0))
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        m.save(tmp_path / "m.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_keras_file_loads_identically_in_a_fresh_process(tmp_path):
    import subprocess
    import sys

    m = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(8, "relu"),
                             tf.keras.layers.Dense(3, "softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)
    m.fit(x, np.array([0, 1, 2, 0, 1, 2]), epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    m.save(path)
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np, tfedu as tf\n"
        f"m = tf.keras.models.load_model({str(path)!r})\n"
        f"x = np.load({str(tmp_path / 'x.npy')!r})\n"
        f"np.save({str(tmp_path / 'p.npy')!r}, m.predict(x, verbose=0))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), m.predict(x, verbose=0))


def test_subclassed_model_with_tensor_condition_trains_under_fit():
    class Gate(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = tf.keras.layers.Dense(1)

        def call(self, x):
            y = self.d(x)
            if tf.reduce_sum(x) > 0:
                y = y * 2.0
            return y

    m = Gate()
    m.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 2), np.float32)
    h = m.fit(x, np.ones((4, 1), np.float32), epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2 and np.isfinite(h.history["loss"]).all()
    np.testing.assert_allclose(m(x).numpy(), 2 * m.d(x).numpy(), rtol=1e-6)
