"""Eager shape checks remembered per input signature (`OpDef.memo_infer`) and the eager shortcuts
of the training step: the same values and the same errors, first call or hundredth."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.framework import execute as ex
from tfedu.ops import array_ops, math_ops


def _f32(*shape):
    return tf.constant(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))


def test_a_passed_check_is_remembered_and_a_failing_one_still_fails():
    memo = math_ops.MATMUL.infer_memo
    memo.clear()
    a, b = _f32(2, 3), _f32(3, 4)
    for _ in range(2):
        np.testing.assert_array_equal(tf.matmul(a, b).numpy(), a.numpy() @ b.numpy())
    assert len(memo) == 1
    for _ in range(2):  # never remembered: the error comes every time, in TF's words
        with pytest.raises(tf.errors.InvalidArgumentError, match="Matrix size-incompatible"):
            tf.matmul(a, _f32(4, 4))
    assert len(memo) == 1
    tf.matmul(_f32(3, 2), b, transpose_a=True)  # other attrs: another signature
    assert len(memo) == 2


def test_axes_and_shapes_are_part_of_the_signature():
    x = _f32(2, 3)
    np.testing.assert_array_equal(tf.reduce_sum(x, axis=[0]).numpy(), [3, 5, 7])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension"):
        tf.reduce_sum(x, axis=[2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate dimension"):
        tf.reduce_sum(x, axis=[1, -1])
    np.testing.assert_array_equal(tf.reshape(x, [3, 2]).numpy(), x.numpy().reshape(3, 2))
    with pytest.raises(tf.errors.InvalidArgumentError, match="6 values, but the requested shape has 4"):
        tf.reshape(x, [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="requires a multiple of 4"):
        tf.reshape(x, [-1, 4])
    np.testing.assert_array_equal(tf.reshape(x, [-1]).numpy(), np.arange(6))


def test_memo_forgets_when_full():
    memo = array_ops.RESHAPE.infer_memo
    memo.clear()
    x = _f32(ex.MEMO_MAX_ENTRIES + 1)
    for n in range(1, ex.MEMO_MAX_ENTRIES + 2):
        tf.reshape(x[:n], [n, 1])
    assert 0 < len(memo) <= ex.MEMO_MAX_ENTRIES


def test_signature_of_large_integer_inputs_is_not_kept():
    assert ex._signature([tf.constant(np.arange(9))], {}) is None
    assert ex._signature([tf.constant([1, 2])], {"a": [1]}) is None  # unhashable attr
    assert ex._signature([tf.constant([1, 2])], {}) != ex._signature([tf.constant([1, 3])], {})


def test_int64_product_wraps_as_numpy_does():
    for dims in ([], [3, 4], [2**40, 2**40], [2**62, 3], [-1, 5]):
        assert array_ops._int64_prod(dims) == int(np.prod(dims, dtype=np.int64))


@pytest.mark.parametrize("bshape", [(3,), (1, 3), (2, 1), (), (1, 1)])
def test_broadcast_gradients_sum_back_to_the_input_shape(bshape):
    x = _f32(2, 3)
    b = tf.Variable(np.ones(bshape, np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum((x + b) * x)
    g = tape.gradient(y, b)
    want = np.broadcast_to(x.numpy(), (2, 3))
    lead = 2 - len(bshape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(bshape) if d == 1)
    assert g.shape == bshape
    np.testing.assert_array_equal(g.numpy(), want.sum(axis=axes).reshape(bshape))
