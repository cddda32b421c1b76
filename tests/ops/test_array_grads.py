"""Finite-difference checks of the array-op gradients."""

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(2, 3, 4))

CASES = {
    "getitem_int": (lambda x: x[1], A),
    "getitem_slices": (lambda x: x[::-1, 1:3], A),
    "getitem_neg_step": (lambda x: x[..., ::-2], B),
    "getitem_newaxis": (lambda x: x[None, :, 2], A),
    "getitem_tensor_index": (lambda x: x[tf.constant(2)], A),
    "strided_slice": (lambda x: tf.strided_slice(x, [0, 1], [3, 4], [2, 2]), A),
    "slice": (lambda x: tf.slice(x, [1, 1], [2, -1]), A),
    "transpose": (lambda x: tf.transpose(x, [2, 0, 1]), B),
    "transpose_default": (lambda x: tf.transpose(x), A),
    "concat": (lambda x: tf.concat([x, x * 2.0], axis=-1), A),
    "split_num": (lambda x: tf.split(x, 2, axis=1)[1], A),
    "split_sizes": (lambda x: tf.split(x, [1, -1], axis=0)[1] * 3.0, A),
    "tile": (lambda x: tf.tile(x, [2, 3]), A),
    "tile_3d": (lambda x: tf.tile(x, [1, 2, 1]), B),
    "pad_constant": (lambda x: tf.pad(x, [[1, 0], [2, 1]]), A),
    "pad_value": (lambda x: tf.pad(x, [[1, 0], [2, 1]], constant_values=3.0), A),
    "pad_reflect": (lambda x: tf.pad(x, [[1, 2], [2, 1]], mode="REFLECT"), A),
    "pad_symmetric": (lambda x: tf.pad(x, [[2, 1], [3, 0]], mode="SYMMETRIC"), A),
    "squeeze": (lambda x: tf.squeeze(x[None], 0), A),
    "expand_dims": (lambda x: tf.expand_dims(x, 1), A),
    "reverse": (lambda x: tf.reverse(x, [0, -1]), A),
    "roll": (lambda x: tf.roll(x, [1, -2], [0, 1]), A),
    "gather": (lambda x: tf.gather(x, [2, 0, 2]), A),
    "gather_axis1": (lambda x: tf.gather(x, [[3, 0], [1, 1]], axis=1), A),
    "gather_axis2": (lambda x: tf.gather(x, [3, 3, 0], axis=2), B),
    "gather_batch": (lambda x: tf.gather(x, [[0, 2, 2], [1, 1, 0], [3, 0, 1]], axis=1,
                                         batch_dims=1), A),
    "gather_batch_axis2": (lambda x: tf.gather(x, [[3, 0, 3], [1, 2, 2]], axis=2,
                                               batch_dims=1), B),
    "gather_batch_axis1_2d_idx": (lambda x: tf.gather(x, [[[0, 2], [1, 1]], [[2, 2], [0, 1]]],
                                                      axis=2, batch_dims=1), B),
    "dynamic_partition": (lambda x: tf.dynamic_partition(x, [1, 0, 1], 2)[1] * 2.0, A),
    "dynamic_stitch": (lambda x: tf.dynamic_stitch([[2, 0], [1]], [x[:2], x[2:]]), A),
    "gather_nd": (lambda x: tf.gather_nd(x, [[0, 1], [2, 3], [0, 1]]), A),
    "gather_nd_rows": (lambda x: tf.gather_nd(x, [[1], [0]]), A),
    "boolean_mask": (lambda x: tf.boolean_mask(x, [True, False, True]), A),
    "boolean_mask_axis": (lambda x: tf.boolean_mask(x, [True, False, True, True], axis=1), A),
    "getitem_bool": (lambda x: x[x > 0.0], A),
    "where": (lambda x: tf.where(x > 0.0, x * 2.0, -x), A),
    "sort": (lambda x: tf.sort(x), A),
    "sort_desc_axis0": (lambda x: tf.sort(x, axis=0, direction="DESCENDING"), A),
    "repeat": (lambda x: tf.repeat(x, [1, 0, 2], axis=0), A),
    "meshgrid": (lambda x: tf.meshgrid(x[0], x[1])[0] * tf.meshgrid(x[0], x[1])[1], A),
    "stack_unstack": (lambda x: tf.stack(tf.unstack(x)[::-1], axis=1), A),
    "convert_list_of_tensors": (lambda x: tf.convert_to_tensor([x[0], x[2]]), A),
    "scatter_nd": (lambda x: tf.scatter_nd([[1], [3], [1]], x[:, :2], [5, 2]), A),
    "tensor_scatter_update": (lambda x: tf.tensor_scatter_nd_update(x, [[0, 1], [2, 2]],
                                                                    x[1, :2]), A),
    "tensor_scatter_add": (lambda x: tf.tensor_scatter_nd_add(x, [[1], [1]], x[:2] * x[:2]), A),
    "tensor_scatter_sub": (lambda x: tf.tensor_scatter_nd_sub(x, [[2]], x[:1]), A),
    "tensor_scatter_max": (lambda x: tf.tensor_scatter_nd_max(x, [[0, 0], [1, 1]],
                                                              tf.constant([0.3, -5.0], tf.float64)),
                           A),
    "sparse_to_dense": (lambda x: tf.sparse.to_dense(tf.SparseTensor([[0, 1], [2, 0]], x[0, :2],
                                                                     [3, 3])), A),
    "identity_n": (lambda x: tf.identity_n([x, x])[1], A),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    fn, x = CASES[name]
    check_gradients(fn, x)


def test_gradients_in_graph_mode_have_static_shapes():
    with tf.Graph().as_default():
        x = tf.constant(A)
        y = tf.reduce_sum(tf.gather(tf.transpose(x)[1:], [0, 0]) * 2.0)
        (g,) = tf.gradients(y, [x])
        assert g.shape.as_list() == [3, 4]


def test_variable_slices_and_gathers_are_differentiable():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = (tf.reduce_sum(tf.gather(v, [0, 0])) + v[1, 1] * 3.0
             + tf.reduce_sum(tf.boolean_mask(v, v > 2.5)))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[2.0, 2.0], [1.0, 4.0]])


def test_symbolic_gradients_with_unknown_dims_run_in_a_session():
    tf1 = tf.compat.v1
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3])
        y = tf1.placeholder(tf.float32, [None, 3])
        t = tf.tile(x, [2, 1])
        sl = x[1:, ::-1]
        loss = (tf.reduce_sum(tf.concat([x, y * 2.0], 0)) + tf.reduce_sum(t * t)
                + tf.reduce_sum(tf.pad(x, [[1, 0], [0, 2]]))
                + tf.reduce_sum(tf.split(x, [1, 2], axis=1)[1] * 3.0)
                + tf.reduce_sum(tf.gather(x, [0, 0])) + tf.reduce_sum(sl * sl))
        gx, gy = tf.gradients(loss, [x, y])
        assert gx.shape.as_list() == [None, 3]
        with tf1.Session() as sess:
            xv = np.arange(6, dtype=np.float32).reshape(2, 3)
            vx, vy = sess.run([gx, gy], {x: xv, y: xv})
    np.testing.assert_array_equal(vx, [[4, 11, 15], [20, 29, 35]])
    np.testing.assert_array_equal(vy, np.full((2, 3), 2.0))
