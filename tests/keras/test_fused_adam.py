"""Keras Adam runs TF's fused ResourceApplyAdam op: in place, copy-on-write, same numbers."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.keras import optimizers as opt_mod
from tfedu.kernels import training_kernels
from tfedu.train import training_ops


def _train(fused, monkeypatch, dtype, shape, in_function, steps=4):
    monkeypatch.setattr(opt_mod, "_fused_updates_here", lambda: fused)
    rng = np.random.default_rng(0)
    v = tf.Variable(rng.normal(size=shape).astype(dtype))
    opt = tf.keras.optimizers.Adam(0.05)

    def step(g):
        opt.apply_gradients([(g, v)])

    if in_function:
        step = tf.function(step)
    for i in range(steps):
        step(tf.constant(rng.normal(size=shape).astype(dtype) * (i + 1)))
    return v.numpy(), [s.numpy() for s in opt.variables[-2:]]


@pytest.mark.parametrize("in_function", [False, True])
@pytest.mark.parametrize("dtype,shape", [(np.float32, (3,)), (np.float64, (5, 4)),
                                         (np.float32, (training_kernels.PARALLEL_MIN_SIZE + 7,))])
def test_fused_adam_gives_the_unfused_numbers(monkeypatch, dtype, shape, in_function):
    fused, fused_slots = _train(True, monkeypatch, dtype, shape, in_function)
    plain, plain_slots = _train(False, monkeypatch, dtype, shape, in_function)
    assert fused.dtype == dtype
    np.testing.assert_array_equal(fused, plain)
    for a, b in zip(fused_slots, plain_slots):
        np.testing.assert_array_equal(a, b)


def test_values_read_before_an_update_keep_their_value():
    v = tf.Variable([1.0, 2.0, 3.0])
    opt = tf.keras.optimizers.Adam(0.5)
    before = v.value()
    view = v.numpy()
    snapshot = view.copy()
    opt.apply_gradients([(tf.constant([1.0, 1.0, 1.0]), v)])
    np.testing.assert_array_equal(before.numpy(), snapshot)
    np.testing.assert_array_equal(view, snapshot)
    np.testing.assert_allclose(v.numpy(), snapshot - 0.5, rtol=1e-5)


def test_train_step_updates_in_place_with_one_op_per_variable(monkeypatch):
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    model.compile(tf.keras.optimizers.Adam(0.01), "mse")
    x, y = np.ones((8, 4), np.float32), np.zeros((8, 3), np.float32)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    outcomes = []
    original = training_ops.writable_value

    def spy(handle):
        before = id(handle._value)  # an id, not a reference: holding it would force a copy
        out = original(handle)
        outcomes.append(id(out) == before)
        return out

    monkeypatch.setattr(training_ops, "writable_value", spy)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert len(outcomes) == 4 * 3 * 2 and all(outcomes)  # 4 steps, 3 arrays, 2 variables
    ops = [op.type for op in
           next(iter(model._train_function._cache.values())).cf.graph.get_operations()]
    assert ops.count("ResourceApplyAdam") == 2  # kernel and bias


def test_amsgrad_keeps_the_elementwise_update():
    v = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.Adam(0.1, amsgrad=True)
    f = tf.function(lambda g: opt.apply_gradients([(g, v)]))
    f(tf.constant([1.0, -1.0]))
    ops = [op.type for op in f.get_concrete_function(tf.constant([1.0, -1.0])).graph
           .get_operations()]
    assert "ResourceApplyAdam" not in ops and "AssignSubVariableOp" in ops
    np.testing.assert_allclose(v.numpy(), [0.9, 2.1], rtol=1e-5)
