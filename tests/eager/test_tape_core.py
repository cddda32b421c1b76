import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients


def test_second_order_through_nested_tapes():
    v = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = v * v * v
        dy = inner.gradient(y, v)
    assert float(dy) == 27.0
    assert float(outer.gradient(dy, v)) == 18.0


def test_broadcast_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    check_gradients(lambda a, b: a * b + a / (b * b + 1.0), rng.normal(size=(2, 3)),
                    rng.normal(size=(3,)))


def test_non_persistent_tape_can_be_used_once():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        t.gradient(y, x)


def test_gradient_inside_the_context_warns_only_for_a_persistent_tape(caplog):
    """As TF: a non-persistent tape stops recording there; a persistent one would record the
    gradient ops too, which is what the warning is about."""
    x = tf.Variable(2.0)
    with caplog.at_level("WARNING", logger="tfedu"):
        with tf.GradientTape() as tape:
            y = x * x
            tape.gradient(y, x)
        assert "persistent tape inside its context" not in caplog.text
        with tf.GradientTape(persistent=True) as tape:
            y = x * x
            assert float(tape.gradient(y, x)) == 4.0
        assert "persistent tape inside its context" in caplog.text


def test_backward_ops_in_a_graph_are_in_the_gradient_tape_scope():
    """As TF names them, so that a drawn training step shows its backward pass as one frame."""
    w = tf.Variable(2.0)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x))
        return tape.gradient(loss, w)

    ops = step.get_concrete_function(tf.TensorSpec([None])).graph.get_operations()
    backward = [op.name for op in ops if op.name.startswith("gradient_tape/")]
    assert backward and not any(op.name.startswith("gradient_tape") for op in ops
                                if op.type in ("Square", "Mean", "Placeholder"))
    assert float(step(tf.constant([1.0, 2.0]))) == pytest.approx(10.0)
