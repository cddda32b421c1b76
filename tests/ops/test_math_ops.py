"""Core tf.math: arithmetic, comparisons, logic, cast, reductions, matmul, operators, gradients."""

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients

rng = np.random.default_rng(2)
A = rng.uniform(0.5, 1.5, size=(3, 4))
B = rng.uniform(0.5, 1.5, size=(3, 4))


def _err(fn, cls=tf.errors.InvalidArgumentError):
    with pytest.raises(cls) as e:
        fn()
    return str(e.value)


def test_elementwise_arithmetic_values_and_dtypes():
    a = tf.constant([1.0, -2.0, 3.0])
    b = tf.constant([4.0, 5.0, -6.0])
    assert tf.add(a, b).numpy().tolist() == [5.0, 3.0, -3.0]
    assert tf.subtract(a, b).numpy().tolist() == [-3.0, -7.0, 9.0]
    assert tf.multiply(a, b).dtype == tf.float32
    assert tf.divide(a, b).numpy().tolist() == pytest.approx([0.25, -0.4, -0.5])
    assert tf.maximum(a, b).numpy().tolist() == [4.0, 5.0, 3.0]
    assert tf.math.squared_difference(a, b).numpy().tolist() == [9.0, 49.0, 81.0]
    z = tf.math.squared_difference(tf.constant([1 + 2j, 3 - 1j]), tf.constant([0.5 + 0j, 1j]))
    assert z.dtype == tf.complex128 and z.numpy().tolist() == [4.25 + 0j, 13 + 0j]  # |x - y|^2
    assert tf.math.reciprocal([2.0, 4.0]).numpy().tolist() == [0.5, 0.25]
    assert tf.sign(tf.constant([-3, 0, 2])).numpy().tolist() == [-1, 0, 1]
    assert tf.add is tf.math.add and tf.reduce_sum is tf.math.reduce_sum
    for fn in (tf.negative, tf.sign, tf.abs):  # TF only signs/negates signed numbers
        assert "Value for attr 'T' of uint8 is not in the list" in _err(
            lambda fn=fn: fn(tf.constant([1], tf.uint8)))


def test_integer_division_semantics():
    r = tf.constant(7) / tf.constant(2)
    assert r.dtype == tf.float64 and float(r) == 3.5
    assert int(tf.constant(-7) // 2) == -4 and int(tf.constant(-7) % 3) == 2
    assert float(tf.constant(-7.5) % 2.0) == 0.5
    assert tf.math.floormod(tf.constant([7.0, -7.0]), 2.0).numpy().tolist() == [1.0, 1.0]
    assert "Integer division by zero [Op:FloorDiv]" in _err(
        lambda: tf.constant([1]) // tf.constant([0]))
    assert "Integers to negative integer powers are not allowed" in _err(
        lambda: tf.constant(2) ** tf.constant(-1))
    assert tf.math.mod is tf.math.floormod


def test_comparisons_and_logic():
    a, b = tf.constant([1, 2, 3]), tf.constant([3, 2, 1])
    assert tf.greater(a, b).numpy().tolist() == [False, False, True]
    assert (a <= 2).numpy().tolist() == [True, True, False]
    t, f = tf.constant([True, False, True]), tf.constant([True, True, False])
    assert (t & f).numpy().tolist() == [True, False, False]
    assert tf.math.logical_xor(t, f).numpy().tolist() == [False, True, True]
    assert (~t).numpy().tolist() == [False, True, False]
    assert "Value for attr 'T' of bool is not in the list" in _err(lambda: tf.less(t, f))


def test_broadcast_error_and_dtype_mismatch():
    msg = _err(lambda: tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0]))
    assert "Incompatible shapes: [2] vs. [3] [Op:AddV2]" in msg
    msg = _err(lambda: tf.add(tf.constant(1), tf.constant(1.0)))
    assert "expected to be a int32 tensor but is a float tensor" in msg


def test_cast():
    assert tf.cast([1.7, -1.7], tf.int32).numpy().tolist() == [1, -1]
    assert tf.cast([0, 2], tf.bool).numpy().tolist() == [False, True]
    x = tf.constant([1.0])
    assert tf.cast(x, tf.float32) is x


def test_reductions_axis_keepdims_negative():
    m = tf.constant([[1, 2, 3], [4, 5, 6]])
    assert int(tf.reduce_sum(m)) == 21
    assert tf.reduce_sum(m, axis=1, keepdims=True).shape == (2, 1)
    assert tf.reduce_sum(m, axis=-1).numpy().tolist() == [6, 15]
    assert int(tf.reduce_sum(m, axis=[0, -1])) == 21
    assert tf.reduce_max(m, axis=0).numpy().tolist() == [4, 5, 6]
    assert tf.reduce_min(m, axis=1).numpy().tolist() == [1, 4]
    assert tf.reduce_prod(m, axis=1).numpy().tolist() == [6, 120]
    assert tf.reduce_mean(m, axis=1).numpy().tolist() == [2, 5]
    assert tf.reduce_mean(tf.cast(m, tf.float32), axis=0).numpy().tolist() == [2.5, 3.5, 4.5]
    b = tf.constant([[True, False], [True, True]])
    assert tf.reduce_all(b, axis=1).numpy().tolist() == [False, True]
    assert bool(tf.reduce_any(b))
    assert bool(tf.reduce_all(tf.constant([], dtype=tf.bool)))
    assert float(tf.reduce_sum(tf.zeros([0]))) == 0.0
    assert float(tf.reduce_max(tf.zeros([0]))) == -np.inf


def test_mean_of_nothing_is_nan_for_floats_and_zero_for_complex_numbers_without_a_warning():
    """As TF (eager and tf.function): 0 / 0 is NaN for floats, 0 for complex (Eigen)."""
    import warnings

    for dtype, want in (("float32", np.nan), ("float64", np.nan), ("complex64", 0),
                        ("complex128", 0), ("int32", 0)):
        x = tf.constant(np.zeros((4, 0), dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy's "Mean of empty slice" must not leak
            got = [tf.reduce_mean(x, axis=1), tf.function(lambda t: tf.reduce_mean(t, [1, -2]))(x)]
        assert got[0].shape == [4] and got[1].shape == []
        for r in got:
            np.testing.assert_array_equal(r.numpy(), np.full(r.shape, want, dtype))


def test_reduction_bad_axis_errors():
    m = tf.constant([[1, 2], [3, 4]])
    msg = _err(lambda: tf.reduce_sum(m, axis=2))
    assert "Invalid reduction dimension (2 for input with 2 dimension(s) [Op:Sum]" in msg
    assert "Invalid reduction dimension (-3 for input with 2" in _err(
        lambda: tf.reduce_max(m, axis=-3))
    assert "Axes contains duplicate dimension: 1" in _err(lambda: tf.reduce_sum(m, axis=[1, -1]))
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Invalid reduction dimension"):
            tf.reduce_sum(tf.zeros([2, 2]), axis=5)
        assert tf.reduce_mean(tf.zeros([2, 3, 4]), axis=[0, 2]).shape.as_list() == [3]
        assert tf.reduce_sum(tf.zeros([2, 3]), axis=1, keepdims=True).shape.as_list() == [2, 1]


def test_matmul_and_add_n_scalar_mul():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert tf.matmul(a, a).numpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert (a @ a).numpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert tf.matmul(a, a, transpose_b=True).numpy().tolist() == [[5.0, 11.0], [11.0, 25.0]]
    assert "Matrix size-incompatible: In[0]: [2,2], In[1]: [3,2]" in _err(
        lambda: tf.matmul(a, tf.ones([3, 2])))
    assert tf.add_n([a, a, a]).numpy().tolist() == [[3.0, 6.0], [9.0, 12.0]]
    assert tf.scalar_mul(2.0, a).numpy().tolist() == [[2.0, 4.0], [6.0, 8.0]]
    with pytest.raises(ValueError):
        tf.add_n([])
    assert "Input 0: [2] != input 1: [3] [Op:AddN]" in _err(
        lambda: tf.add_n([tf.ones([2]), tf.ones([3])]))


def test_prod_gradient_exact_at_zeros():
    x = tf.constant([[0.0, 2.0], [3.0, 0.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_prod(x)
    assert t.gradient(y, x).numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    x = tf.constant([[0.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_prod(x)
    assert t.gradient(y, x).numpy().tolist() == [[24.0, 0.0], [0.0, 0.0]]


def test_operator_fast_path_keeps_dtypes():
    for dt in (tf.int8, tf.uint8, tf.float16, tf.float64, tf.int64):
        x = tf.constant([3, 4], dt)
        for r in (x + x, x - x, x * x, x // x, x % x):
            assert r.dtype == dt and r.numpy().dtype == dt.as_numpy_dtype
        assert (x < x).dtype == tf.bool


@pytest.mark.parametrize("name,fn", [
    ("add", lambda x, y: x + y), ("sub", lambda x, y: x - y), ("mul", lambda x, y: x * y),
    ("div", lambda x, y: x / y), ("pow", lambda x, y: x ** y),
    ("maximum", tf.maximum), ("minimum", tf.minimum), ("sqdiff", tf.math.squared_difference),
    ("floormod", tf.math.floormod), ("matmul", lambda x, y: tf.matmul(x, y, transpose_b=True)),
    ("broadcast_add", lambda x, y: x + y[:1]),
])
def test_binary_gradients(name, fn):
    check_gradients(fn, A, B)


@pytest.mark.parametrize("name,fn", [
    ("neg", tf.negative), ("abs", tf.abs), ("square", tf.square), ("sqrt", tf.sqrt),
    ("exp", tf.exp), ("log", tf.math.log), ("reciprocal", tf.math.reciprocal),
    ("tanh", tf.tanh), ("sigmoid", tf.sigmoid),
    ("sum", lambda x: tf.reduce_sum(x, axis=1)), ("mean", lambda x: tf.reduce_mean(x, axis=0)),
    ("max", lambda x: tf.reduce_max(x, axis=-1)), ("min", lambda x: tf.reduce_min(x)),
    ("prod", lambda x: tf.reduce_prod(x, axis=0)), ("prod_all", lambda x: tf.reduce_prod(x)),
    ("add_n", lambda x: tf.add_n([x, x * x])),
    ("prod_two_axes", lambda x: tf.reduce_prod(tf.reshape(x, [2, 3, 2]), axis=[0, 2])),
])
def test_unary_gradients(name, fn):
    check_gradients(fn, A)


def test_tensor_equality_is_by_value_except_while_building_a_tf1_graph():
    """TF 2: `==` is elementwise eagerly and in tf.function (tensors are then unhashable); in a
    TF1 graph it compares the objects, as TF 1.x always did (and tensors are feed_dict keys)."""
    assert bool(tf.constant(1) == tf.constant(1))
    assert (tf.constant([1, 2]) != tf.constant([1, 3])).numpy().tolist() == [False, True]
    with pytest.raises(TypeError, match="unhashable"):
        hash(tf.constant(1))
    with tf.Graph().as_default():
        a, b = tf.constant(1), tf.constant(1)
        assert (a == b) is False and (a == a) is True and (a != b) is True
        assert {a: 1}[a] == 1

    @tf.function
    def same(x, y):
        return x == y

    assert bool(same(tf.constant(2), tf.constant(2)))


def test_fuzzed_elementwise_matmul_and_argmax_cases_agree_with_tensorflow():
    """uint16 divides in float32; complex squared_difference is |x - y|**2; BatchMatMulV2
    refuses a vector (while building when its rank is known, else when run); ArgMax's axis and
    empty-axis checks wait for the kernel in a graph, as TF's."""
    q = tf.math.truediv(tf.constant([0, 3], tf.uint16), tf.constant([1, 2], tf.uint16))
    assert (q.dtype, q.numpy().tolist()) == (tf.float32, [0.0, 1.5])
    d = tf.math.squared_difference(tf.constant([2 - 1.25j]), tf.constant([2.5 - 0.5j]))
    assert (d.dtype, d.numpy().tolist()) == (tf.complex128, [0.8125 + 0j])
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float64, [4])
        b = tf.compat.v1.placeholder(tf.float64, None)
        with pytest.raises(ValueError, match="Shape must be at least rank 2 but is rank 1"):
            tf.linalg.matmul(a, b, transpose_b=True)
        u = tf.compat.v1.placeholder(tf.float64, None)
        mm = tf.linalg.matmul(u, b)
        e = tf.compat.v1.placeholder(tf.float32, [0, 2])
        am = tf.math.argmin(e, axis=0)
    with tf.compat.v1.Session(graph=g) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="In\\[0\\] ndims must be >= 2: 1"):
            sess.run(mm, {u: np.ones(3), b: np.ones([3, 2])})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Reduction axis 0 is empty in shape \[0,2\]"):
            sess.run(am, {e: np.zeros([0, 2])})
    f = tf.function(lambda t: tf.math.argmax(t, axis=-2))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Expected dimension in the range \[-1, 1\), but got -2"):
        f(tf.constant([1.0, 2.0]))  # a vector: only the kernel checks the axis
    with pytest.raises(ValueError, match="2"):  # a matrix: the shape function refuses it
        tf.function(lambda t: tf.math.argmax(t, 2))(tf.zeros([2, 2]))


def test_reduce_all_any_with_a_list_axis_convert_their_input_as_tensorflow_eagerly():
    x = tf.constant([[1, 0]])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype bool for Tensor "
                                         "with dtype int32"):
        tf.math.reduce_all(x, axis=[0, 1])
    with pytest.raises(ValueError, match="requested dtype bool"):
        tf.math.reduce_any(x, axis=[0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a bool tensor"):
        tf.math.reduce_any(x, axis=0)
    assert bool(tf.math.reduce_any(tf.constant([[True, False]]), axis=[0, 1]))


def test_max_and_min_of_an_empty_axis_keep_negative_axes_as_size_one():
    x = tf.constant(np.zeros([4, 0], np.int32))
    for fn in (lambda t: tf.reduce_min(t, axis=-1, keepdims=True),
               tf.function(lambda t: tf.reduce_min(t, axis=-1, keepdims=True))):
        r = fn(x)
        assert r.shape == (4, 1) and r.numpy().ravel().tolist() == [2**31 - 1] * 4
    y = tf.constant(np.zeros([4, 0, 4], np.float32))
    assert tf.reduce_max(y, axis=[-1, 1], keepdims=True).shape == (4, 1, 1)
    assert tf.reduce_logsumexp(y, axis=[-1, 1]).numpy().tolist() == [-np.inf] * 4


def test_batched_matmul_transposes_complex_matrices_without_conjugating():
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((1, 2, 3)) + 1j * rng.standard_normal((1, 2, 3))).astype(np.complex64)
    b = (rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))).astype(np.complex64)
    np.testing.assert_allclose(tf.linalg.matmul(a, b, transpose_b=True).numpy(), a @ b.T, rtol=1e-5)
    at = a.swapaxes(1, 2)
    np.testing.assert_allclose(tf.linalg.matmul(at, b.T, transpose_a=True).numpy(), a @ b.T, rtol=1e-5)
    np.testing.assert_allclose(tf.linalg.matmul(a, b.conj(), adjoint_b=True).numpy(), a @ b.T, rtol=1e-5)


def test_reduction_kernels_refuse_duplicate_axes_on_empty_inputs_too():
    for x in (np.zeros([3, 0], np.float32), np.ones([3, 2], np.float32)):
        for fn in (tf.reduce_max, tf.reduce_sum, tf.reduce_mean, tf.reduce_prod):
            f = tf.function(lambda t, fn=fn: fn(t, axis=[-1, 1]))
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Axes contains duplicate dimension: 1"):
                f(tf.constant(x))


def test_reductions_grappler_removes_in_tf_function_skip_the_duplicate_axes_check():
    """TF's constant folding turns a reduction of one element into a Reshape, and one that
    keeps its dims over size-1 axes into an Identity: duplicate axes then pass."""
    x41 = tf.constant([[1.0], [2.0], [3.0], [4.0]])
    keep = tf.function(lambda t: tf.reduce_sum(t, axis=[1, 1], keepdims=True))
    np.testing.assert_array_equal(keep(x41).numpy(), x41.numpy())
    one = tf.function(lambda t: tf.reduce_mean(t, axis=[0, 0]))
    assert one(tf.constant([[-3.0]])).numpy().tolist() == [-3.0]
    refused = [(lambda t: tf.reduce_sum(t, axis=[1, 1]), x41),  # 4 elements, no keepdims
               (lambda t: tf.reduce_all(t, axis=[0, 0]), tf.constant([[True]])),  # no T attr
               (lambda t: tf.reduce_sum(t, axis=[1, 1], keepdims=True), tf.zeros([1, 3])),
               (lambda t: tf.math.reduce_euclidean_norm(t, axis=[1, 1]), tf.constant([[-3.0]])),
               (lambda t: tf.reduce_prod(t, axis=[0, -1]), tf.constant([3.25]))]  # scalar out
    for fn, arg in refused:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Invalid reduction arguments: Axes contains duplicate dimension"):
            tf.function(fn)(arg)
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate dimension: 1"):
        tf.reduce_sum(x41, axis=[1, 1], keepdims=True)  # eager: the kernel's check
    norm = tf.function(lambda t: tf.math.reduce_euclidean_norm(t, axis=1, keepdims=True))
    assert norm(tf.constant([[-3.0]])).numpy().tolist() == [[3.0]]  # not a Grappler reduction


def test_eager_kernel_lookup_for_the_first_dtype_comes_before_the_mismatch():
    u = tf.constant(np.array([[0, 3], [3, 3], [0, 1]], np.uint32))
    f = tf.constant([[2.0, 3.75], [1.0, 0.75]])
    with pytest.raises(tf.errors.NotFoundError, match=r"MatMul\[T=DT_UINT32\]"):
        tf.linalg.matmul(u, f)  # no uint32 MatMul kernel: TF says so before looking at b
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot compute MatMul as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a uint32"):
        tf.linalg.matmul(f, tf.constant(np.ones([2, 2], np.uint32)))
