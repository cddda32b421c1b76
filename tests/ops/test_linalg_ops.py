"""tf.linalg: values against numpy, shapes (eager and graph), TF's errors, gradients by FD."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfedu as tf
from tests.gradcheck import check_gradients

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
B = RNG.normal(size=(3, 2))
SPD = A @ A.T + np.eye(3)
BATCH = RNG.normal(size=(2, 3, 3)) + 3 * np.eye(3)


def _sym(a):
    return 0.5 * (a + tf.linalg.matrix_transpose(a))


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------

def test_inverse_det_slogdet_values():
    a = tf.constant([[4.0, 7.0], [2.0, 6.0]])
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-5)
    assert tf.linalg.inv(a).dtype == tf.float32
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), 10.0, rtol=1e-5)
    sign, logdet = tf.linalg.slogdet(a)
    assert sign.numpy() == 1.0
    np.testing.assert_allclose(logdet.numpy(), np.log(10.0), rtol=1e-5)
    np.testing.assert_allclose(tf.linalg.inv(BATCH).numpy(), np.linalg.inv(BATCH), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.inv(A, adjoint=True).numpy(), np.linalg.inv(A.T))
    assert tf.linalg.det(BATCH).shape == (2,)


def test_solve_and_lstsq():
    x = tf.linalg.solve(tf.constant([[4.0, 7.0], [2.0, 6.0]]), [[1.0], [2.0]])
    np.testing.assert_allclose(x.numpy(), [[-0.8], [0.6]], rtol=1e-5)
    np.testing.assert_allclose(tf.linalg.solve(A, B, adjoint=True).numpy(),
                               np.linalg.solve(A.T, B))
    tall = RNG.normal(size=(5, 3))
    rhs = RNG.normal(size=(5, 2))
    expected = np.linalg.lstsq(tall, rhs, rcond=None)[0]
    np.testing.assert_allclose(tf.linalg.lstsq(tall, rhs).numpy(), expected, rtol=1e-8)
    np.testing.assert_allclose(tf.linalg.lstsq(tall, rhs, fast=False).numpy(), expected,
                               rtol=1e-8)
    lam = 0.5
    reg = np.linalg.solve(tall.T @ tall + lam * np.eye(3), tall.T @ rhs)
    np.testing.assert_allclose(tf.linalg.lstsq(tall, rhs, l2_regularizer=lam).numpy(), reg)


def test_cholesky_reads_lower_triangle():
    a = tf.constant([[4.0, 2.0], [2.0, 3.0]])
    lo = tf.linalg.cholesky(a)
    np.testing.assert_allclose(lo.numpy(), [[2.0, 0.0], [1.0, np.sqrt(2.0)]], rtol=1e-6)
    garbage_upper = tf.constant([[4.0, 99.0], [2.0, 3.0]])
    np.testing.assert_allclose(tf.linalg.cholesky(garbage_upper).numpy(), lo.numpy())


def test_qr_svd_eigh():
    m = RNG.normal(size=(4, 3))
    q, r = tf.linalg.qr(m)
    assert (q.shape, r.shape) == ((4, 3), (3, 3))
    np.testing.assert_allclose((q @ r).numpy(), m, atol=1e-12)
    np.testing.assert_allclose(np.tril(r.numpy(), -1), 0)
    qf, rf = tf.linalg.qr(m, full_matrices=True)
    assert (qf.shape, rf.shape) == ((4, 4), (4, 3))
    assert type(tf.linalg.qr(m)).__name__ == "Qr"
    s, u, v = tf.linalg.svd(m)
    assert (s.shape, u.shape, v.shape) == ((3,), (4, 3), (3, 3))
    # TF returns v, not v^H: m == u @ diag(s) @ v^T
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ v.numpy().T, m, atol=1e-12)
    np.testing.assert_allclose(tf.linalg.svd(m, compute_uv=False).numpy(),
                               np.linalg.svd(m, compute_uv=False))
    e, vec = tf.linalg.eigh(SPD)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(SPD))
    np.testing.assert_allclose(vec.numpy() @ np.diag(e.numpy()) @ vec.numpy().T, SPD)
    np.testing.assert_allclose(tf.linalg.eigvalsh(SPD).numpy(), e.numpy())
    ev, _ = tf.linalg.eig(tf.constant([[2.0, 0.0], [0.0, 3.0]]))
    assert ev.dtype == tf.complex64
    np.testing.assert_allclose(np.sort(ev.numpy().real), [2.0, 3.0])


def test_pinv_and_logdet():
    m = tf.constant([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(tf.linalg.pinv(m).numpy(), [[0.04, 0.08], [0.08, 0.16]],
                               rtol=1e-5)
    np.testing.assert_allclose(tf.linalg.logdet(SPD).numpy(), np.log(np.linalg.det(SPD)))


def test_diagonals_and_bands():
    m = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    assert tf.linalg.trace(m).numpy() == 15.0
    np.testing.assert_array_equal(tf.linalg.diag_part(m).numpy(), [1, 5, 9])
    np.testing.assert_array_equal(tf.linalg.diag_part(m, k=1).numpy(), [2, 6])
    np.testing.assert_array_equal(tf.linalg.diag_part(m, k=-2).numpy(), [7])
    d = tf.linalg.diag([1, 2])
    assert d.dtype == tf.int32
    np.testing.assert_array_equal(d.numpy(), [[1, 0], [0, 2]])
    np.testing.assert_array_equal(tf.linalg.diag([1, 2], k=1).numpy(),
                                  [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
    assert tf.linalg.diag(tf.ones([4, 3])).shape == (4, 3, 3)
    np.testing.assert_array_equal(tf.linalg.set_diag(m, [0.0, 0.0, 0.0]).numpy(),
                                  m.numpy() - np.diag([1, 5, 9]))
    np.testing.assert_array_equal(tf.linalg.band_part(m, 0, -1).numpy(), np.triu(m.numpy()))
    np.testing.assert_array_equal(tf.linalg.band_part(m, -1, 0).numpy(), np.tril(m.numpy()))
    np.testing.assert_array_equal(tf.linalg.band_part(m, 1, 0).numpy(),
                                  np.tril(m.numpy()) - np.tril(m.numpy(), -2))
    np.testing.assert_array_equal(tf.linalg.trace(BATCH).numpy(),
                                  np.trace(BATCH, axis1=-2, axis2=-1))


def test_einsum_and_tensordot_values():
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.constant([[5, 6], [7, 8]])
    np.testing.assert_array_equal(tf.einsum("ij,jk->ik", a, b).numpy(), [[19, 22], [43, 50]])
    assert tf.einsum("ii->", a).numpy() == 5
    assert tf.einsum("ij->ji", a).dtype == tf.int32
    assert tf.einsum("ij,jk", a, b).shape == (2, 2)  # implicit output
    assert tf.einsum("bij,bjk->bik", tf.ones([2, 2, 3]), tf.ones([2, 3, 1])).shape == (2, 2, 1)
    assert tf.einsum("...ij,jk->...ik", tf.ones([5, 2, 3]), tf.ones([3, 4])).shape == (5, 2, 4)
    np.testing.assert_array_equal(tf.tensordot(a, b, axes=1).numpy(), [[19, 22], [43, 50]])
    assert tf.tensordot(a, b, axes=0).shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(tf.tensordot(a, b, axes=[[0], [0]]).numpy(),
                                  [[26, 30], [38, 44]])
    assert tf.linalg.tensordot is tf.tensordot and tf.linalg.einsum is tf.einsum


def test_matvec_cross_transpose_adjoint():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tf.linalg.matvec(a, [1.0, 1.0]).numpy(), [3.0, 7.0])
    np.testing.assert_array_equal(tf.linalg.matvec(a, [1.0, 1.0], transpose_a=True).numpy(),
                                  [4.0, 6.0])
    assert tf.linalg.matvec(tf.ones([4, 2, 3]), tf.ones([3])).shape == (4, 2)
    np.testing.assert_array_equal(tf.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy(),
                                  [0.0, 0.0, 1.0])
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tf.linalg.matrix_transpose(m).numpy(), m.T)
    c = tf.constant([[1 + 2j, 3j]], dtype=tf.complex64)
    np.testing.assert_array_equal(tf.linalg.adjoint(c).numpy(), np.conj(c.numpy()).T)
    assert tf.linalg.matrix_transpose(tf.ones([4, 2, 3])).shape == (4, 3, 2)


def test_norms():
    assert tf.norm([3.0, 4.0]).numpy() == 5.0
    assert tf.norm([[1.0, -2.0]], ord=1).numpy() == 3.0
    m = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(tf.norm(m, ord="fro", axis=[0, 1]).numpy(),
                               np.linalg.norm(m, "fro"))
    np.testing.assert_allclose(tf.norm(m, ord=1, axis=[-2, -1]).numpy(), np.linalg.norm(m, 1))
    np.testing.assert_allclose(tf.norm(m, ord=np.inf, axis=[0, 1]).numpy(),
                               np.linalg.norm(m, np.inf))
    np.testing.assert_allclose(tf.norm(m, ord=2, axis=[0, 1]).numpy(), np.linalg.norm(m, 2))
    np.testing.assert_allclose(tf.norm(m, axis=1).numpy(), np.linalg.norm(m, axis=1))
    np.testing.assert_allclose(tf.norm(m, ord=3, axis=0).numpy(),
                               np.linalg.norm(m, 3, axis=0))
    assert tf.norm(m, axis=1, keepdims=True).shape == (2, 1)
    assert tf.norm(np.ones((2, 3, 4)), ord=2, axis=[0, 2], keepdims=True).shape == (1, 3, 1)
    assert tf.linalg.norm is tf.norm
    np.testing.assert_allclose(tf.math.l2_normalize([3.0, 4.0]).numpy(), [0.6, 0.8])
    assert tf.nn.l2_normalize is tf.math.l2_normalize
    np.testing.assert_allclose(
        tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([4.0, 12.0])]).numpy(),
        13.0)


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------

def test_singular_and_invalid_inputs_raise_tf_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Input is not invertible\. "
                       r"\[Op:MatrixInverse\]"):
        tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix is not invertible"):
        tf.linalg.solve(tf.zeros([2, 2]), tf.ones([2, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix must be square"):
        tf.linalg.det(tf.ones([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have rank >= 2"):
        tf.linalg.inv(tf.ones([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix and rhs are "
                       "incompatible"):
        tf.linalg.solve(np.eye(2, dtype=np.float32), tf.ones([3, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="First input \\(lhs\\) must be a "
                       "square matrix"):
        tf.linalg.solve(tf.ones([2, 3]), tf.ones([2, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have the same rank"):
        tf.linalg.solve(tf.ones([2, 2, 2]), tf.ones([2, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="of int32 is not in the list of allowed values: double, float, half"):
        tf.linalg.inv(tf.constant([[1, 0], [0, 1]]))


def test_einsum_and_norm_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected 2 inputs but got: 1"):
        tf.einsum("ij,jk->ik", tf.ones([2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected dimension 3"):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="to have rank 2 but got: 3"):
        tf.einsum("ij->ji", tf.ones([2, 2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid character"):
        tf.einsum("i1->i", tf.ones([2]))
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got -1"):
        tf.norm([1.0], ord=-1)
    with pytest.raises(ValueError, match="supported matrix norm"):
        tf.norm(tf.ones([2, 2]), ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="'axes' must not be larger"):
        tf.tensordot(tf.ones([2]), tf.ones([2]), axes=2)
    with pytest.raises(TypeError, match="should be a sequence of tensors"):
        tf.linalg.global_norm(tf.ones([2]))


# ------------------------------------------------------------------------------------------
# Graph mode: static shapes and errors at build time
# ------------------------------------------------------------------------------------------

def test_graph_static_shapes():
    with tf.Graph().as_default():
        x = tf.constant(np.ones((4, 3, 3), np.float32))
        assert tf.linalg.inv(x).shape.as_list() == [4, 3, 3]
        assert tf.linalg.det(x).shape.as_list() == [4]
        s, u, v = tf.linalg.svd(tf.constant(np.ones((5, 2), np.float32)))
        assert (s.shape.as_list(), u.shape.as_list(), v.shape.as_list()) == \
            ([2], [5, 2], [2, 2])
        q, r = tf.linalg.qr(tf.constant(np.ones((5, 2), np.float32)), full_matrices=True)
        assert (q.shape.as_list(), r.shape.as_list()) == ([5, 5], [5, 2])
        e = tf.einsum("bij,bjk->bik", x, tf.constant(np.ones((4, 3, 2), np.float32)))
        assert e.shape.as_list() == [4, 3, 2]
        assert e.op.type == "Einsum"
        assert tf.linalg.diag_part(x).shape.as_list() == [4, 3]
        assert tf.linalg.eigh(x)[1].shape.as_list() == [4, 3, 3]
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
            tf.linalg.inv(tf.constant(np.ones((2, 3), np.float32)))
        with pytest.raises(ValueError, match="Expected dimension"):
            tf.einsum("ij,jk->ik", tf.constant(np.ones((2, 3), np.float32)),
                      tf.constant(np.ones((2, 2), np.float32)))


# ------------------------------------------------------------------------------------------
# Gradients (finite differences)
# ------------------------------------------------------------------------------------------

GRAD_CASES = {
    "inv": (lambda a: tf.linalg.inv(a), [A]),
    "inv_batch": (lambda a: tf.linalg.inv(a), [BATCH]),
    "det": (lambda a: tf.linalg.det(a), [A]),
    "slogdet": (lambda a: tf.linalg.slogdet(a)[1], [A]),
    "solve": (lambda a, b: tf.linalg.solve(a, b), [A, B]),
    "solve_adjoint": (lambda a, b: tf.linalg.solve(a, b, adjoint=True), [A, B]),
    "cholesky": (lambda a: tf.linalg.cholesky(_sym(a)), [SPD]),
    "qr_square": (lambda a: tf.linalg.qr(a)[0] + tf.linalg.qr(a)[1], [A]),
    "qr_tall_q": (lambda a: tf.linalg.qr(a)[0], [RNG.normal(size=(4, 3))]),
    "qr_tall_r": (lambda a: tf.linalg.qr(a)[1], [RNG.normal(size=(4, 3))]),
    "svd_s": (lambda a: tf.linalg.svd(a, compute_uv=False), [RNG.normal(size=(4, 3))]),
    "svd_uv_tall": (lambda a: tf.abs(tf.linalg.svd(a)[1]) * 2.0, [RNG.normal(size=(4, 3))]),
    "svd_v_wide": (lambda a: tf.abs(tf.linalg.svd(a)[2]), [RNG.normal(size=(2, 4))]),
    "eigh_values": (lambda a: tf.linalg.eigh(_sym(a))[0], [SPD]),
    "eigh_vectors": (lambda a: tf.abs(tf.linalg.eigh(_sym(a))[1]), [SPD]),
    "eigvalsh": (lambda a: tf.linalg.eigvalsh(_sym(a)), [SPD]),
    "norm": (lambda a: tf.norm(a), [A]),
    "norm_matrix_1": (lambda a: tf.norm(a, ord=1, axis=[0, 1]), [A]),
    "norm_matrix_2": (lambda a: tf.norm(a, ord=2, axis=[0, 1]), [A]),
    "norm_p3": (lambda a: tf.norm(a, ord=3, axis=1), [A]),
    "trace": (lambda a: tf.linalg.trace(a), [BATCH]),
    "diag": (lambda d: tf.linalg.diag(d, k=1), [B]),
    "diag_part": (lambda a: tf.linalg.diag_part(a, k=-1), [A]),
    "set_diag": (lambda a, d: tf.linalg.set_diag(a, d), [A, B[:, 0]]),
    "band_part": (lambda a: tf.linalg.band_part(a, 1, 0), [A]),
    "einsum_matmul": (lambda a, b: tf.einsum("ij,jk->ik", a, b), [A, B]),
    "einsum_trace": (lambda a: tf.einsum("ii->", a), [A]),
    "einsum_diag": (lambda a: tf.einsum("ii->i", a), [A]),
    "einsum_outer_sum": (lambda a, b: tf.einsum("ij,kl->ik", a, b), [A, B]),
    "einsum_broadcast": (lambda a, b: tf.einsum("...ij,...jk->...ik", a, b),
                         [RNG.normal(size=(2, 1, 3, 3)), RNG.normal(size=(4, 3, 2))]),
    "tensordot": (lambda a, b: tf.tensordot(a, b, axes=[[0], [0]]), [A, B]),
    "matvec": (lambda a, b: tf.linalg.matvec(a, b), [BATCH, B[:, 0]]),
    "lstsq_tall": (lambda a, b: tf.linalg.lstsq(a, b),
                   [RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2))]),
    "lstsq_wide_reg": (lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.1),
                       [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2))]),
    "pinv": (lambda a: tf.linalg.pinv(a), [RNG.normal(size=(3, 2))]),
    "cross": (lambda a, b: tf.linalg.cross(a, b),
              [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))]),
    "l2_normalize": (lambda a: tf.math.l2_normalize(a, axis=1), [A]),
    "global_norm": (lambda a, b: tf.linalg.global_norm([a, b]), [A, B]),
    "matrix_transpose": (lambda a: tf.linalg.matrix_transpose(a), [BATCH]),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_match_finite_differences(case):
    fn, args = GRAD_CASES[case]
    check_gradients(fn, *args, rtol=1e-4, atol=1e-6)


def test_gradient_in_graph_mode():
    with tf.Graph().as_default():
        x = tf.constant(A)
        y = tf.reduce_sum(tf.linalg.inv(x))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.linalg.inv(x))
        g = tape.gradient(y, x)
        assert g.shape.as_list() == [3, 3]
        assert not tf.executing_eagerly()


def test_tensor_diag_normalize_rank_and_v1_names():
    d = tf.linalg.tensor_diag([[1, 2], [3, 4]])
    assert d.shape == (2, 2, 2, 2) and d.numpy()[1, 0, 1, 0] == 3 and d.numpy()[0, 1, 1, 0] == 0
    np.testing.assert_array_equal(tf.linalg.tensor_diag_part(d).numpy(), [[1, 2], [3, 4]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="should be even"):
        tf.linalg.tensor_diag_part(tf.ones([2, 2, 2]))
    unit, n = tf.linalg.normalize([3.0, 4.0])
    np.testing.assert_allclose(unit.numpy(), [0.6, 0.8])
    assert n.shape == (1,) and n.numpy()[0] == 5.0
    assert tf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]]).numpy() == 1
    assert tf.linalg.matrix_rank(np.eye(3)).numpy() == 3
    assert tf.compat.v1.matrix_inverse is tf.linalg.inv
    assert tf.compat.v1.self_adjoint_eig is tf.linalg.eigh
    assert not hasattr(tf, "matrix_diag") and not hasattr(tf, "cross")


def test_tensor_diag_gradients():
    check_gradients(lambda x: tf.linalg.tensor_diag(x), B)
    check_gradients(lambda x: tf.linalg.tensor_diag_part(x), RNG.normal(size=(2, 3, 2, 3)))


# ------------------------------------------------------------------------------------------
# Property tests: einsum / tensordot / matvec agree with numpy on any layout
# ------------------------------------------------------------------------------------------

@st.composite
def _batched_pair(draw):
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    bcast = [1 if draw(st.booleans()) else d for d in batch]
    a = RNG_H.normal(size=batch + [m, k])
    b = RNG_H.normal(size=bcast + [n, k]).swapaxes(-1, -2)  # non-contiguous
    if draw(st.booleans()):
        a = a[..., ::-1, :]  # negative strides
    return a, b


RNG_H = np.random.default_rng(42)


@settings(deadline=None, max_examples=25)
@given(_batched_pair())
def test_einsum_batched_matches_numpy(pair):
    a, b = pair
    got = tf.einsum("...ij,...jk->...ik", a, b).numpy()
    np.testing.assert_allclose(got, np.einsum("...ij,...jk->...ik", a, b), atol=1e-12)
    np.testing.assert_allclose(tf.linalg.matvec(a, b[..., 0]).numpy(),
                               np.einsum("...ij,...j->...i", a, b[..., 0]), atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 2), st.lists(st.integers(1, 3), min_size=2, max_size=3))
def test_tensordot_matches_numpy(n_axes, dims):
    a = RNG_H.normal(size=dims)
    b = RNG_H.normal(size=dims[len(dims) - n_axes:] + [2])
    np.testing.assert_allclose(tf.tensordot(a, b, axes=n_axes).numpy(),
                               np.tensordot(a, b, axes=n_axes), atol=1e-12)


@pytest.mark.parametrize("ord_", [1, np.inf, 2, "fro"])
@pytest.mark.parametrize("axis", [(0, 1), (2, 0), (-2, -1), (-1, -2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norms_over_any_axis_pair(ord_, axis, keepdims):
    m = RNG.normal(size=(2, 3, 4))
    got = tf.norm(m, ord=ord_, axis=axis, keepdims=keepdims).numpy()
    np.testing.assert_allclose(got, np.linalg.norm(m, ord=ord_, axis=axis, keepdims=keepdims))


def test_matrix_norm_with_unknown_batch_in_graph():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3, 3])
        assert tf.norm(x, ord=1, axis=[-2, -1]).shape.as_list() == [None]
        assert tf.norm(x, ord=2, axis=[1, 2], keepdims=True).shape.as_list() == [None, 1, 1]


def test_einsum_gradient_with_unknown_dims_in_a_session():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float64, [None, None])
        y = tf.einsum("ii->", x) + tf.einsum("ij->i", x)[0]
        g = tf.gradients(y, x)[0]
        with tf.compat.v1.Session() as sess:
            got = sess.run(g, {x: np.ones((3, 3))})
    np.testing.assert_array_equal(got, [[2, 1, 1], [0, 1, 0], [0, 0, 1]])


def test_triangular_and_cholesky_solve_broadcast_batch_dims():
    lo = np.tril(BATCH)
    rhs = RNG.normal(size=(3, 2))
    got = tf.linalg.triangular_solve(lo, rhs).numpy()
    assert got.shape == (2, 3, 2)
    np.testing.assert_allclose(lo @ got, np.broadcast_to(rhs, (2, 3, 2)), atol=1e-12)
    upper = tf.linalg.triangular_solve(BATCH, rhs, lower=False).numpy()
    np.testing.assert_allclose(np.triu(BATCH) @ upper, np.broadcast_to(rhs, (2, 3, 2)),
                               atol=1e-12)
    chol = np.linalg.cholesky(SPD)
    np.testing.assert_allclose(tf.linalg.cholesky_solve(chol, B).numpy(),
                               np.linalg.solve(SPD, B), rtol=1e-10)
    check_gradients(lambda a, b: tf.linalg.triangular_solve(a, b), np.tril(A), B)


def test_half_precision_inputs_compute_in_float32():
    a = tf.constant([[4.0, 7.0], [2.0, 6.0]], dtype=tf.float16)
    inv_a = tf.linalg.inv(a)
    assert inv_a.dtype == tf.float16
    np.testing.assert_allclose(inv_a.numpy(), [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-3)


def test_half_precision_where_tensorflow_has_no_kernel():
    a = tf.constant([[4.0, 7.0], [2.0, 6.0]], dtype=tf.float16)
    for f in (tf.linalg.svd, tf.linalg.det, tf.linalg.cholesky,
              lambda m: tf.linalg.solve(m, tf.ones([2, 1], tf.float16))):
        with pytest.raises(tf.errors.NotFoundError, match="Could not find device for node"):
            f(a)


def test_expm_values_and_gradient():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]]) * (np.pi / 2)
    np.testing.assert_allclose(tf.linalg.expm(rot).numpy(), [[0.0, -1.0], [1.0, 0.0]],
                               atol=1e-14)
    np.testing.assert_array_equal(tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])).numpy(),
                                  [[1.0, 1.0], [0.0, 1.0]])
    big = 10 * RNG.normal(size=(2, 4, 4))  # needs several squarings
    w, v = np.linalg.eig(big)
    ref = np.real(v @ (np.exp(w)[..., None] * np.linalg.inv(v)))
    np.testing.assert_allclose(tf.linalg.expm(big).numpy(), ref, rtol=1e-9)
    check_gradients(lambda x: tf.linalg.expm(x), RNG.normal(size=(2, 3, 3)))


def test_diag_sizes_and_errors():
    assert tf.linalg.diag([1, 2], k=-1).shape == (3, 3)
    np.testing.assert_array_equal(tf.linalg.diag([1, 2], num_rows=2, num_cols=4).numpy(),
                                  [[1, 0, 0, 0], [0, 2, 0, 0]])
    np.testing.assert_array_equal(tf.linalg.diag([1, 2], padding_value=9).numpy(),
                                  [[1, 9], [9, 2]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not consistent"):
        tf.linalg.diag([1, 2], num_rows=5, num_cols=5)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"diagonal must have shape \[3\]"):
        tf.linalg.set_diag(tf.zeros([3, 3]), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 2-dim"):
        tf.linalg.diag_part([1.0, 2.0])
    assert tf.einsum("i->", [1.0, 2.0]).numpy() == 3.0  # a list is one operand


def test_lu_family():
    a = RNG.normal(size=(2, 4, 4))
    lu, p = tf.linalg.lu(a)
    assert type(tf.linalg.lu(a)).__name__ == "Lu" and p.dtype == tf.int32
    lower = np.tril(lu.numpy(), -1) + np.eye(4)
    np.testing.assert_allclose(np.take_along_axis(a, p.numpy()[..., None], axis=-2),
                               lower @ np.triu(lu.numpy()), atol=1e-12)
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), a, atol=1e-12)
    rhs = RNG.normal(size=(2, 4, 2))
    np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, rhs).numpy(), np.linalg.solve(a, rhs))
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu, p).numpy(), np.linalg.inv(a))
    small = tf.linalg.lu(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    assert small.p.numpy().tolist() == [1, 0] and small.lu.dtype == tf.float32
    assert tf.linalg.lu(tf.zeros([2, 2])).lu.numpy().tolist() == [[0, 0], [0, 0]]
    perm = tf.constant(p.numpy()[0])
    check_gradients(lambda m, r: tf.linalg.lu_solve(m, perm, r), lu.numpy()[0], rhs[0])


def test_non_finite_inputs_give_nan_not_garbage():
    bad = tf.constant([[np.nan, 1.0], [1.0, 1.0]])
    assert np.all(np.isnan(tf.linalg.svd(bad)[0].numpy()))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Self-adjoint eigen decomposition "
                       "was not successful"):
        tf.linalg.eigh(bad)
    assert np.all(np.isnan(tf.linalg.eig(bad)[0].numpy()))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(bad)
    for empty in (tf.zeros([0, 0]), tf.zeros([2, 0, 0])):
        assert tf.linalg.inv(empty).shape == empty.shape
        assert tf.linalg.eigh(empty)[0].shape == empty.shape[:-1]
    assert tf.linalg.det(tf.zeros([0, 0])).numpy() == 1.0


# ------------------------------------------------------------------------------------------
# Findings of the differential fuzzer (TensorFlow 2.21's answers)
# ------------------------------------------------------------------------------------------

NAN, INF = np.nan, np.inf


def test_cholesky_breakdown_and_nan_give_nan_values_as_tf():
    # a pivot <= 0 fills that matrix's lower triangle with NaN (the others are factored)
    batch = tf.constant([[[4.0, 2.0], [2.0, 5.0]], [[1.0, 2.0], [2.0, 1.0]]], tf.float64)
    out = tf.linalg.cholesky(batch).numpy()
    np.testing.assert_allclose(out[0], [[2.0, 0.0], [1.0, 2.0]])
    assert np.isnan(out[1][np.tril_indices(2)]).all() and out.dtype == np.float64
    # NaN flows through Eigen's LLT; an infinite pivot does too
    nan_out = tf.linalg.cholesky(tf.constant([[2.0, NAN], [1.0, NAN]])).numpy()
    np.testing.assert_allclose(nan_out, [[np.sqrt(2), 0], [np.sqrt(0.5), NAN]])
    inf_out = tf.linalg.cholesky(tf.constant([[INF, 0.0], [1.0, 2.0]])).numpy()
    np.testing.assert_allclose(inf_out, [[INF, 0], [0, np.sqrt(2)]])
    f = tf.function(tf.linalg.cholesky)
    assert np.isnan(f(tf.zeros([2, 2]))[:, 0].numpy()).all()


def test_logdet_and_slogdet_of_bad_matrices_as_tf():
    assert np.isnan(tf.linalg.logdet(tf.constant([[1.0, 2.0], [2.0, 1.0]])).numpy())
    c = tf.linalg.logdet(tf.constant([[2.0 + 0j, 0], [0, 2.0]], tf.complex64))
    assert c.dtype == tf.float32 and np.isclose(c.numpy(), np.log(4.0))
    sign, logabs = tf.linalg.slogdet(tf.constant([[[NAN, 1.0], [1.0, 2.0]], [[2.0, 0], [0, 3]]]))
    np.testing.assert_allclose(sign.numpy(), [NAN, 1.0])
    np.testing.assert_allclose(logabs.numpy(), [NAN, np.log(6.0)], rtol=1e-6)
    sign, logabs = tf.linalg.slogdet(tf.constant([[-INF, 0.0], [1.0, 2.0]]))
    assert sign.numpy() == -1.0 and logabs.numpy() == INF


def test_eigh_non_finite_as_tf():
    msg = "Self-adjoint eigen decomposition was not successful. The input might not be valid."
    for m in ([[NAN, 0.0], [0.0, 2.0]], [[1.0, 0.0], [INF, 2.0]],
              [[3.0, 0, 0], [1, INF, 0], [0, 0, 1]]):
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            tf.linalg.eigh(tf.constant(m))
    e, v = tf.linalg.eigh(tf.constant([[INF, 0.0], [1.0, 2.0]]))  # scaled by inf: no error
    assert np.isnan(e.numpy()).all() and v.numpy().tolist() == [[1, 0], [0, 1]]
    e, v = tf.linalg.eigh(tf.constant([[2.0, NAN], [1.0, 2.0]]))  # the upper half is not read
    np.testing.assert_allclose(e.numpy(), [1.0, 3.0], rtol=1e-6)
    assert np.isnan(tf.linalg.eigh(tf.constant([[NAN]]))[0].numpy()).all()  # 1x1: no scaling
    with pytest.raises(tf.errors.InvalidArgumentError, match="Self-adjoint eigen"):
        tf.function(tf.linalg.eigvalsh)(tf.constant([[NAN, 1.0], [1.0, 1.0]]))


def test_svd_of_complex_gives_real_singular_values():
    x = tf.constant([[3.0 + 4j, 0], [0, 1j]], tf.complex128)
    s = tf.linalg.svd(x, compute_uv=False)
    assert s.dtype == tf.float64
    np.testing.assert_allclose(s.numpy(), [5.0, 1.0])
    s, u, v = tf.linalg.svd(tf.constant(x.numpy().astype(np.complex64)))
    assert s.dtype == tf.float32 and u.dtype == tf.complex64
    # a non-finite complex matrix gives zeros (a real one NaN), batch neighbours untouched
    s = tf.linalg.svd(tf.constant([[[INF, 1], [1, 2]], [[3, 0], [0, 4]]], tf.complex128),
                      compute_uv=False)
    np.testing.assert_allclose(s.numpy(), [[0, 0], [4, 3]])
    assert np.isnan(tf.linalg.svd(tf.constant([[INF, 1.0], [1, 2]]), compute_uv=False)).all()


def test_cholesky_of_non_finite_or_complex_breakdown_as_tf():
    # LAPACK is not used on non-finite input: Eigen's steps give NaN below an infinite pivot
    out = tf.linalg.cholesky(tf.constant([[INF, -INF], [-INF, INF]])).numpy()
    assert out[0, 0] == INF and np.isnan(out[1]).all() and out[0, 1] == 0
    # a complex breakdown is filled with Eigen's complex "NaN", zeros: logdet -inf
    x = tf.constant([[[1.0, 2.0], [2.0, 1.0]], [[4, 0], [0, 4]]], tf.complex128)
    np.testing.assert_allclose(tf.linalg.cholesky(x).numpy()[0], 0)
    np.testing.assert_allclose(tf.linalg.logdet(x).numpy(), [-INF, np.log(16.0)])


def test_inv_and_solve_of_non_finite_matrices_as_tf():
    # Eigen's partial pivoting: a NaN met first is the pivot (refused), later ones spread
    for f, msg in ((tf.linalg.inv, "Input is not invertible"),
                   (lambda a: tf.linalg.solve(a, tf.ones([2, 1])), "Input matrix is not "
                                                                    "invertible")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            f(tf.constant([[NAN, 1.0], [1.0, 2.0]]))
        assert np.isnan(f(tf.constant([[2.0, 1.0], [1.0, NAN]])).numpy()).all()
    np.testing.assert_allclose(tf.linalg.inv(tf.constant([[INF, 0.0], [1.0, 2.0]])).numpy(),
                               [[0, 0], [0, 0.5]])
    # singular in exact arithmetic: LAPACK's pivot order meets an exact 0, Eigen's (TF's) not
    near = tf.constant([[-2.0, 0.75, 1.0], [1.25, -1.75, -2.75], [3.5, 1.25, 2.5]], tf.float64)
    np.testing.assert_allclose(tf.linalg.inv(near).numpy()[0],
                               [-274609733376249.7, -183073155584166.4, -91536577792083.14])
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 2, 2])
        inv = tf.linalg.inv(x)
        with tf.compat.v1.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                                           match="Input is not invertible"):
            sess.run(inv, {x: [[[2.0, 0.5], [-0.75, -1.75]], [[NAN, -2.5], [-3.25, 1.75]]]})


def test_triangular_solve_is_one_op_with_tf_checks_and_ieee_values():
    a = tf.constant([[0.75, 2.75, 3.0], [2.25, -2.0, 3.25], [3.5, 2.0, INF]], tf.float64)
    b = tf.constant([[-3.5, -1.5], [2.5, 3.0], [-3.75, 2.75]], tf.float64)
    np.testing.assert_allclose(tf.linalg.triangular_solve(a, b).numpy(),
                               [[-14 / 3, -2.0], [-6.5, -3.75], [0.0, 0.0]])
    singular = tf.linalg.triangular_solve(tf.constant([[1.0, 0], [1, 0]]), tf.ones([2, 1]))
    assert singular.numpy()[0, 0] == 1.0 and np.isnan(singular.numpy()[1, 0])  # 0 / 0
    batch = tf.linalg.triangular_solve(tf.eye(2, batch_shape=[3]), tf.ones([2, 1]))
    assert batch.shape == (3, 2, 1)  # batch dims broadcast
    checks = {((2,), (2, 1)): "In\\[0\\] ndims must be >= 2: 1",
              ((2, 3), (2, 1)): "In\\[0\\] matrices in the last dimensions must be square "
                                "\\(3 =/= 2\\)",
              ((2, 2), (3, 1)): "In\\[0\\] mismatch In\\[1\\] shape: 2 vs. 3: \\[2,2\\] "
                                "\\[3,1\\] 1 0",
              ((2, 2, 2), (3, 2, 1)): "must have compatible batch dimensions"}
    for (sa, sb), msg in checks.items():
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            tf.linalg.triangular_solve(tf.zeros(sa), tf.zeros(sb))
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.float32, [2, 3])
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
            tf.linalg.triangular_solve(p, tf.zeros([2, 1]))
        q = tf.compat.v1.placeholder(tf.float32)
        out = tf.linalg.triangular_solve(q, tf.zeros([2, 1]))
        assert out.op.type == "MatrixTriangularSolve"
        with tf.compat.v1.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                                           match="must be square"):
            sess.run(out, {q: np.zeros((2, 3), np.float32)})
    with pytest.raises(tf.errors.NotFoundError):
        tf.linalg.triangular_solve(tf.eye(2, dtype=tf.float16), tf.ones([2, 1], tf.float16))


def test_band_part_checks_wait_for_the_kernel_as_tf():
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_lower must be negative or "
                       "less or equal to number of rows \\(1\\) got: 2"):
        tf.function(lambda x: tf.linalg.band_part(x, 2, 2))(tf.ones([1, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_upper must be scalar"):
        tf.linalg.band_part(tf.ones([2, 2]), 1, [1])
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3])
        out = tf.linalg.band_part(x, 0, 0)  # TF's shape function checks nothing
        with tf.compat.v1.Session() as sess, pytest.raises(
                tf.errors.InvalidArgumentError, match="input must be at least 2-dim"):
            sess.run(out, {x: np.ones(3, np.float32)})


def test_det_and_slogdet_of_non_finite_matrices_follow_eigens_lu():
    m = tf.constant([[[1.75, 3.75, -0.5], [-3.75, INF, 1.5], [-0.25, 2.75, -1.25]],
                     [[2.0, 1.0, 0], [INF, 3.0, 0], [0, 0, 1]]],
                    tf.float64)
    sign, logabs = tf.linalg.slogdet(m)
    np.testing.assert_array_equal(sign.numpy(), [NAN, -1.0])  # LAPACK's pivots give -1, inf
    np.testing.assert_array_equal(logabs.numpy(), [NAN, INF])
    np.testing.assert_array_equal(tf.linalg.det(m).numpy(), [NAN, -INF])
    c = tf.constant([[[complex(INF, 1)]], [[complex(NAN, -1.25)]], [[0j]]], tf.complex128)
    sign, logabs = tf.linalg.slogdet(c)
    assert np.isnan(sign.numpy()[:2].real).all() and np.isnan(sign.numpy()[:2].imag).all()
    assert sign.numpy()[2] == 0 and logabs.numpy()[2] == -INF and logabs.numpy()[0] == INF
    assert np.isnan(tf.linalg.det(c).numpy()[:2].imag).all()


def test_graph_shape_errors_are_worded_as_tf_shape_functions():
    with tf.Graph().as_default():
        def p(*s):
            return tf.compat.v1.placeholder(tf.float32, s)

        cases = [(lambda: tf.linalg.inv(p(3)), "Shape must be at least rank 2 but is rank 1"),
                 (lambda: tf.linalg.det(p(2, 3)), "Dimensions must be equal, but are 3 and 2"),
                 (lambda: tf.linalg.cholesky(p(2, 3)), "Dimensions must be equal, but are 2 and 3"),
                 (lambda: tf.linalg.solve(p(2, 2, 2), p(2, 1)),
                  "Shapes must be equal rank, but are 1 and 0"),
                 (lambda: tf.linalg.solve(p(2, 2, 2), p(3, 2, 1)), r"Dimension 0 in both shapes "
                  r"must be equal, but are 2 and 3\. Shapes are \[2\] and \[3\]\."),
                 (lambda: tf.linalg.solve(p(2, 2), p(2)), "at least rank 2 but is rank 1")]
        for build, msg in cases:
            with pytest.raises(ValueError, match=msg):
                build()


def test_complex_nan_and_inf_spread_as_in_tfs_eigen_lu():
    # inv/solve: the column under an infinite pivot is divided in scalar C++ (C99 Annex G:
    # finite / inf is 0), the rank-1 updates are packet products (textbook: inf * 0 is NaN)
    a = tf.constant([[complex(0.5, 1.5), complex(-0.75, -0.75)],
                     [complex(2.25, -2.0), complex(INF, 2.0)]], tf.complex128)
    for inv in (tf.linalg.inv(a), tf.function(tf.linalg.inv)(a),
                tf.linalg.solve(a, tf.eye(2, dtype=tf.complex128))):
        out = inv.numpy()
        assert np.isnan(out[0].real).all() and np.isnan(out[0].imag).all()
        np.testing.assert_array_equal(out[1], [0, 0])
    # det/slogdet (a column-major copy): packet divisions, inf / inf is NaN, so log|det| is NaN
    b = tf.constant([[complex(INF, 2), 0], [0, 1]], tf.complex64)
    sign, logabs = tf.linalg.slogdet(b)
    assert np.isnan(sign.numpy().real) and np.isnan(sign.numpy().imag)
    assert np.isnan(logabs.numpy().real) and logabs.numpy().imag == 0
    # a real pivot's sign is Eigen's sign (0 for 0, NaN for NaN), whatever the log
    sign, logabs = tf.linalg.slogdet(tf.constant([[0.75, 0], [-INF, -1.25]]))
    assert sign.numpy() == 0 and np.isnan(logabs.numpy())


def test_complex_arith_scalar_and_packet_semantics():
    from tfedu.kernels import complex_arith as ca

    inf_inf, inf_2 = complex(INF, INF), complex(INF, 2)
    assert ca.multiply_scalar(inf_inf, 1) == inf_inf  # Annex G recovers the infinity
    assert np.isnan(ca.multiply_packet(inf_inf, 1).real)
    assert ca.divide_scalar(1, inf_2) == 0 and np.isnan(ca.divide_packet(1, inf_2).imag)
    by_zero = ca.divide_scalar(1, 0j)
    assert by_zero.real == INF and np.isnan(by_zero.imag)
    tiny = ca.divide_scalar(complex(1, 1), complex(2, INF))
    assert tiny == 0 and np.signbit(tiny.imag) and not np.signbit(tiny.real)
    np.testing.assert_allclose(ca.divide_scalar([1 + 2j], [3 - 1j]), [(1 + 2j) / (3 - 1j)])
