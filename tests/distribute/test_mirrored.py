"""MirroredStrategy: the same model on 1, 2 and 4 replica threads reaches the same weights."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.distribute import device
from tfedu.distribute.input_lib import split_sizes

RNG = np.random.default_rng(0)
X = RNG.normal(size=(128, 6)).astype("float32")
Y = (X @ RNG.normal(size=(6, 1)) + 0.1).astype("float32")


def _model():
    tf.keras.utils.set_random_seed(0)
    m = tf.keras.Sequential([
        tf.keras.Input((6,)),
        tf.keras.layers.Dense(8, activation="relu"),
        tf.keras.layers.Dense(1)])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return m


def _strategy(n):
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(n)])


@pytest.fixture(scope="module")
def fitted():
    out = {}
    for n in (1, 2, 4):
        with _strategy(n).scope():
            m = _model()
        hist = m.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        out[n] = (m, hist.history)
    return out


@pytest.mark.parametrize("n", [2, 4])
def test_fit_same_weights_and_logs(fitted, n):
    ref, hist = fitted[1]
    m, h = fitted[n]
    for a, b in zip(ref.get_weights(), m.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(h["loss"], hist["loss"], rtol=1e-5)
    np.testing.assert_allclose(h["mae"], hist["mae"], rtol=1e-5)


def test_replica_copies_stay_equal(fitted):
    m, _ = fitted[4]
    for v in m.trainable_variables:
        copies = [c.numpy() for c in v.values]
        assert len(copies) == 4
        for c in copies[1:]:
            np.testing.assert_array_equal(c, copies[0])
    assert m.optimizer.iterations.numpy() == 8


def _custom_loop(strategy, traced=True, global_batch=16):
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.Input((6,)),
                                     tf.keras.layers.Dense(1, kernel_initializer="ones")])
        opt = tf.keras.optimizers.SGD(0.05)
    data = tf.data.Dataset.from_tensor_slices((X[:64], Y[:64])).batch(global_batch)
    dist = strategy.experimental_distribute_dataset(data)

    def step(inputs):
        x, y = inputs
        with tf.GradientTape() as tape:
            per_example = tf.reduce_sum(tf.square(model(x, training=True) - y), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def dstep(inputs):
        return strategy.reduce("SUM", strategy.run(step, args=(inputs,)), axis=None)

    dstep = tf.function(dstep) if traced else dstep
    losses = [float(dstep(b)) for b in dist]
    return [w.numpy() for w in model.weights], losses


@pytest.mark.parametrize("n,traced", [(2, True), (4, True), (2, False)])
def test_custom_loop_matches_one_replica(n, traced):
    w1, l1 = _custom_loop(tf.distribute.get_strategy())
    wn, ln = _custom_loop(_strategy(n), traced)
    np.testing.assert_allclose(ln, l1, rtol=1e-5)
    for a, b in zip(w1, wn):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_one_device_strategy_is_one_plain_replica():
    w1, _ = _custom_loop(tf.distribute.OneDeviceStrategy("/cpu:0"))
    w0, _ = _custom_loop(tf.distribute.get_strategy())
    for a, b in zip(w0, w1):
        np.testing.assert_allclose(a, b)


def test_split_rule_uneven():
    assert split_sizes(3, 2) == [2, 1] and split_sizes(5, 2) == [3, 2]
    assert split_sizes(1, 2) == [1, 0] and split_sizes(6, 4) == [2, 2, 1, 1]


def test_replica_error_is_raised_not_hung():
    s = _strategy(2)

    def fn():
        ctx = tf.distribute.get_replica_context()
        if int(ctx.replica_id_in_sync_group) == 1:
            raise ValueError("replica 1 failed")
        return ctx.all_reduce("SUM", tf.constant(1.0))

    with pytest.raises(ValueError, match="replica 1 failed"):
        s.run(fn)

    @tf.function
    def traced(x):
        def body(t):
            t = tf.debugging.check_numerics(tf.math.log(t), "log of a negative")
            return tf.distribute.get_replica_context().all_reduce("SUM", t)
        return s.run(body, args=(x,))

    per = s.experimental_distribute_values_from_function(
        lambda ctx: tf.constant([1.0, -1.0][ctx.replica_id_in_sync_group]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        traced(per)


def test_logical_devices_fixed_after_initialisation(monkeypatch):
    monkeypatch.setattr(device, "_config", {"logical": None, "initialized": False,
                                            "log_placement": False})
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 3)
    assert len(tf.config.list_logical_devices("CPU")) == 3
    assert tf.distribute.MirroredStrategy().num_replicas_in_sync == 3
    with pytest.raises(RuntimeError, match="cannot be modified after being initialized"):
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()])


def test_device_strings():
    assert device.canonical_device("/job:worker/task:1/device:CPU:0") == \
        "/job:worker/replica:0/task:1/device:CPU:0"
    assert device.canonical_device("GPU:1").endswith("device:CPU:0")
    with tf.device("/cpu:0"):
        assert device.current_device().endswith("CPU:0")
    tf.debugging.set_log_device_placement(True)
    assert tf.debugging.get_log_device_placement()
    tf.debugging.set_log_device_placement(False)
