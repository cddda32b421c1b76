"""tf.math beyond the core: special functions, trig, rounding, scans, arg/top-k, segments,
bincount, clipping, composite reductions. Values, dtypes, TF errors, graph shapes, gradients."""

import math
import re

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients

rng = np.random.default_rng(1)
A = rng.uniform(0.2, 0.9, size=(3, 4))
V = rng.normal(size=(6,))


def _err(fn, cls=tf.errors.InvalidArgumentError):
    with pytest.raises(cls) as e:
        fn()
    return str(e.value)


# ------------------------------------------------------------------------------------------
# elementwise values
# ------------------------------------------------------------------------------------------

UNARY = [
    ("expm1", np.expm1), ("log1p", np.log1p), ("rsqrt", lambda v: 1 / np.sqrt(v)),
    ("sin", np.sin), ("cos", np.cos), ("tan", np.tan), ("asin", np.arcsin),
    ("acos", np.arccos), ("atan", np.arctan), ("sinh", np.sinh), ("cosh", np.cosh),
    ("asinh", np.arcsinh), ("atanh", np.arctanh),
    ("erf", np.vectorize(math.erf)), ("erfc", np.vectorize(math.erfc)),
    ("lgamma", np.vectorize(math.lgamma)), ("softplus", lambda v: np.log1p(np.exp(v))),
    ("log_sigmoid", lambda v: -np.log1p(np.exp(-v))),
]


@pytest.mark.parametrize("name,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_dtype(name, ref):
    x = np.array([0.1, 0.5, 0.75], np.float32)
    y = getattr(tf.math, name)(x)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), ref(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_acosh_and_large_special_inputs_use_same_values():
    np.testing.assert_allclose(tf.math.acosh([1.5, 3.0]).numpy(), np.arccosh([1.5, 3.0]),
                               rtol=1e-6)
    big = np.linspace(-3, 3, 2000)
    np.testing.assert_allclose(tf.math.erf(big).numpy(), np.vectorize(math.erf)(big), atol=1e-12)
    pos = np.linspace(0.1, 30, 2000)
    np.testing.assert_allclose(tf.math.lgamma(pos).numpy(), np.vectorize(math.lgamma)(pos),
                               rtol=1e-12, atol=1e-14)


def test_top_level_aliases_follow_tf2():
    assert tf.sin is tf.math.sin and tf.atan2 is tf.math.atan2 and tf.round is tf.math.round
    assert tf.argmax is tf.math.argmax and tf.cumsum is tf.math.cumsum
    assert tf.reduce_logsumexp is tf.math.reduce_logsumexp
    assert tf.truncatediv is tf.math.truncatediv
    for name in ("rsqrt", "expm1", "is_nan", "cumprod", "bincount", "floordiv", "mod", "erf"):
        assert not hasattr(tf, name), name
    assert tf.nn.softplus is tf.math.softplus and tf.nn.top_k is tf.math.top_k


def test_softplus_is_stable():
    y = tf.math.softplus(tf.constant([-100.0, 0.0, 100.0]))
    np.testing.assert_allclose(y.numpy(), [0.0, math.log(2), 100.0], atol=1e-6)
    np.testing.assert_allclose(tf.math.log_sigmoid(tf.constant([-100.0])).numpy(), [-100.0])


def test_digamma_polygamma():
    np.testing.assert_allclose(tf.math.digamma([1.0, 0.5, 10.0, -0.5]).numpy(),
                               [-0.5772157, -1.9635100, 2.2517526, 0.0364900], rtol=1e-5)
    assert tf.math.digamma([-2.0, 0.0]).numpy().tolist() == [np.inf, np.inf]
    np.testing.assert_allclose(tf.math.polygamma(1.0, [1.0, 2.0]).numpy(),
                               [math.pi ** 2 / 6, math.pi ** 2 / 6 - 1], rtol=1e-6)
    np.testing.assert_allclose(tf.math.polygamma(2.0, [1.0]).numpy(), [-2.4041138], rtol=1e-6)


def test_round_is_bankers_and_ceil_rint():
    assert tf.round([0.5, 1.5, 2.5, -0.5, -1.7]).numpy().tolist() == [0, 2, 2, -0, -2]
    assert tf.round(tf.constant([3, -4])).numpy().tolist() == [3, -4]
    assert tf.math.rint([0.5, 1.5]).numpy().tolist() == [0.0, 2.0]
    assert tf.math.ceil([1.2, -1.2]).numpy().tolist() == [2.0, -1.0]


def test_is_nan_inf_finite_and_float_only():
    x = tf.constant([1.0, np.nan, np.inf, -np.inf])
    assert tf.math.is_nan(x).numpy().tolist() == [False, True, False, False]
    assert tf.math.is_inf(x).numpy().tolist() == [False, False, True, True]
    assert tf.math.is_finite(x).dtype == tf.bool
    msg = _err(lambda: tf.math.is_nan(tf.constant([1])))
    assert "Value for attr 'T' of int32 is not in the list of allowed values" in msg


def test_truncating_division_and_mod_signs():
    assert int(tf.truncatediv(-7, 3)) == -2 and int(tf.truncatemod(-7, 3)) == -1
    assert int(tf.math.floordiv(-7, 3)) == -3 and int(tf.math.floormod(-7, 3)) == 2
    assert tf.truncatediv(tf.constant([7, -7, 6]), tf.constant([-2, -2, 3])).numpy().tolist() \
        == [-3, 3, 2]
    assert tf.truncatemod(-7.5, 2.0).numpy() == pytest.approx(-1.5)
    # TF's kernels word only Div/Mod/FloorDiv/FloorMod's zero division: TruncateDiv and
    # TruncateMod fail with the generic InternalError, eagerly, in functions and sessions
    unexpected = ("Unexpected error in binary operator (only integer div and mod should have "
                  "errors)")
    with pytest.raises(tf.errors.InternalError, match=re.escape(unexpected + " [Op:TruncateDiv]")):
        tf.truncatediv(tf.constant([1]), tf.constant([0]))
    with pytest.raises(tf.errors.InternalError, match=re.escape(unexpected)):
        tf.function(tf.truncatediv)(tf.constant([[3]], tf.uint16), tf.constant([2, 0], tf.uint16))
    with pytest.raises(tf.errors.InternalError, match=re.escape(unexpected)):
        tf.truncatemod(tf.constant([1, 2], tf.int64), tf.constant(0, tf.int64))
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.int32, [None])
        r = tf.truncatediv(x, x)
    with tf.compat.v1.Session(graph=g) as sess, pytest.raises(tf.errors.InternalError):
        sess.run(r, {x: [0, 1]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        tf.math.floordiv(tf.constant([1]), tf.constant([0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        tf.truncatediv(tf.constant([1, 2]), tf.constant([0, 1, 2]))  # shapes come first


def test_divide_no_nan_xlogy_xdivy():
    assert tf.math.divide_no_nan([1.0, 2.0, 0.0], [0.0, 4.0, 0.0]).numpy().tolist() == [0, .5, 0]
    r = tf.math.divide_no_nan(tf.constant([3, 4]), tf.constant([0, 8]))
    assert r.dtype == tf.float64 and r.numpy().tolist() == [0.0, 0.5]
    assert tf.math.divide_no_nan(tf.constant([3], tf.int16), tf.constant([2], tf.int16)).dtype \
        == tf.float32
    assert tf.math.xlogy([0.0, 2.0], [0.0, 1.0]).numpy().tolist() == [0.0, 0.0]
    assert tf.math.xdivy([0.0, 3.0], [0.0, 2.0]).numpy().tolist() == [0.0, 1.5]
    assert tf.math.multiply_no_nan([np.inf, 2.0], [0.0, 3.0]).numpy().tolist() == [0.0, 6.0]
    assert tf.math.reciprocal_no_nan([0.0, 4.0]).numpy().tolist() == [0.0, 0.25]


def test_atan2_polyval():
    np.testing.assert_allclose(tf.atan2([1.0, -1.0], [1.0, 1.0]).numpy(),
                               [math.pi / 4, -math.pi / 4], rtol=1e-6)
    assert tf.math.polyval([1.0, 2.0, 3.0], tf.constant(2.0)).numpy() == 11.0


def test_inverse_error_functions_and_bessel():
    y = np.array([-0.9, -0.3, 0.0, 0.5, 0.99])
    x = tf.math.erfinv(y).numpy()
    np.testing.assert_allclose(np.vectorize(math.erf)(x), y, rtol=1e-12)
    assert tf.math.erfinv([1.0, -1.0]).numpy().tolist() == [np.inf, -np.inf]
    assert np.isnan(tf.math.erfinv([1.5]).numpy()[0])
    np.testing.assert_allclose(tf.math.ndtri([0.5, 0.975]).numpy(), [0.0, 1.959964], atol=1e-6)
    assert tf.math.bessel_i0([0.0]).numpy().tolist() == [1.0]
    np.testing.assert_allclose(tf.math.bessel_i0e([1.0]).numpy(), [np.exp(-1) * 1.2660659],
                               rtol=1e-6)
    assert float(tf.math.nextafter(1.0, 2.0)) == float(np.nextafter(np.float32(1), 2))


def test_complex_parts():
    z = tf.complex(tf.constant([1.0, -1.0]), tf.constant([2.0, 0.0]))
    assert z.dtype == tf.complex64
    assert tf.math.real(z).numpy().tolist() == [1.0, -1.0] and tf.math.real(z).dtype == tf.float32
    assert tf.math.imag(z).numpy().tolist() == [2.0, 0.0]
    np.testing.assert_allclose(tf.math.angle(z).numpy(), [math.atan2(2, 1), math.pi], rtol=1e-6)
    assert tf.math.conj(z).numpy().tolist() == [1 - 2j, -1 + 0j]
    assert tf.math.angle([-2.0, 3.0]).numpy().tolist() == pytest.approx([math.pi, 0.0])
    assert tf.math.imag(tf.constant([1.0])).numpy().tolist() == [0.0]
    m = tf.abs(tf.constant([3 + 4j]))
    assert m.dtype == tf.float64 and m.numpy().tolist() == [5.0] and abs(z).dtype == tf.float32
    with pytest.raises(TypeError):
        tf.complex(tf.constant([1]), tf.constant([2]))


def test_monotonicity_lbeta_cumulative_logsumexp():
    assert bool(tf.math.is_non_decreasing([1, 2, 2])) and not bool(
        tf.math.is_strictly_increasing([1, 2, 2]))
    assert bool(tf.math.is_strictly_increasing([[1], [3]]))
    assert float(tf.math.lbeta([1.0, 2.0])) == pytest.approx(math.log(0.5))
    np.testing.assert_allclose(tf.math.cumulative_logsumexp([0.0, 0.0, 0.0]).numpy(),
                               np.log([1.0, 2.0, 3.0]), rtol=1e-6)
    big = tf.math.cumulative_logsumexp(tf.constant([1000.0, 1000.0]), reverse=True)
    np.testing.assert_allclose(big.numpy(), [1000 + math.log(2), 1000.0], rtol=1e-6)


# ------------------------------------------------------------------------------------------
# scans, arg reductions, top_k
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_cumprod_options(exclusive, reverse):
    x = np.arange(1, 13, dtype=np.int32).reshape(3, 4)
    for axis in (0, 1, -1):
        y = x[:, ::-1] if reverse and axis else (x[::-1] if reverse else x)
        ax = axis % 2
        want = np.cumsum(y, axis=ax)
        if exclusive:
            want = np.concatenate([np.zeros_like(np.take(want, [0], ax)),
                                   np.delete(want, -1, ax)], ax)
        if reverse:
            want = np.flip(want, ax)
        got = tf.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse)
        assert got.dtype == tf.int32
        np.testing.assert_array_equal(got.numpy(), want)
    assert tf.math.cumprod([1, 2, 3, 4], exclusive=exclusive,
                           reverse=reverse).numpy().tolist() == \
        {(False, False): [1, 2, 6, 24], (True, False): [1, 1, 2, 6],
         (False, True): [24, 24, 12, 4], (True, True): [24, 12, 4, 1]}[(exclusive, reverse)]


def test_large_scans_match_numpy_on_strided_input():
    x = rng.normal(size=(300, 80))[:, ::2].T  # (40, 300), non-contiguous
    got = tf.cumsum(x, axis=1, exclusive=True, reverse=True).numpy()
    want = np.flip(np.cumsum(np.flip(x, 1), axis=1), 1) - x
    np.testing.assert_allclose(got, want, atol=1e-10)
    np.testing.assert_allclose(tf.math.cumprod(x[:, :20], axis=0).numpy(),
                               np.cumprod(x[:, :20], axis=0), rtol=1e-10)


def test_cumsum_errors_and_graph_shape():
    msg = _err(lambda: tf.cumsum([1, 2], axis=1))
    assert "ScanOp: Expected scan axis in the range [-1, 1), but got 1 [Op:Cumsum]" in msg
    with tf.Graph().as_default():
        y = tf.cumsum(tf.zeros([2, 3]), axis=1)
        assert y.shape.as_list() == [2, 3] and y.op.type == "Cumsum"
        with pytest.raises(ValueError, match="ScanOp: Expected scan axis"):
            tf.cumsum(tf.zeros([2, 3]), axis=2)


def test_argmax_argmin():
    m = tf.constant([[3, 7, 7], [9, 1, 9]])
    r = tf.argmax(m)
    assert r.dtype == tf.int64 and r.numpy().tolist() == [1, 0, 1]
    assert tf.argmax(m, axis=1).numpy().tolist() == [1, 0]
    assert tf.argmin(m, axis=-1).numpy().tolist() == [0, 1]
    assert tf.math.argmax(m, axis=1, output_type=tf.int32).dtype == tf.int32
    msg = _err(lambda: tf.argmax(m, axis=2))
    assert "Expected dimension in the range [-2, 2), but got 2 [Op:ArgMax]" in msg
    assert "Reduction axis 0 is empty in shape [0]" in _err(lambda: tf.argmin(tf.zeros([0])))
    with tf.Graph().as_default():
        assert tf.argmax(tf.zeros([2, 5, 3]), axis=1).shape.as_list() == [2, 3]


def test_top_k_namedtuple_ties_and_errors():
    r = tf.math.top_k([1.0, 5.0, 3.0, 5.0, 2.0], k=3)
    assert type(r).__name__ == "TopKV2"
    assert r.values.numpy().tolist() == [5.0, 5.0, 3.0]
    assert r.indices.numpy().tolist() == [1, 3, 2] and r.indices.dtype == tf.int32
    assert tf.math.top_k([[1, 9, 4], [8, 2, 6]], k=2).indices.numpy().tolist() == [[1, 2], [0, 2]]
    assert tf.math.top_k(tf.constant([1, 2], tf.uint8), k=1).values.numpy().tolist() == [2]
    assert "input must have at least k columns. Had 2, needed 3" in _err(
        lambda: tf.math.top_k([1.0, 2.0], k=3))
    assert "Need k >= 0, got -1" in _err(lambda: tf.math.top_k([1.0], k=-1))
    with tf.Graph().as_default():
        v, i = tf.math.top_k(tf.zeros([4, 6]), k=2)
        assert v.shape.as_list() == [4, 2] and i.dtype == tf.int32


def test_in_top_k():
    preds = tf.constant([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
    assert tf.math.in_top_k([1, 1], preds, k=1).numpy().tolist() == [True, False]
    assert tf.math.in_top_k(targets=[1, 5], predictions=preds, k=2).numpy().tolist() == \
        [True, False]


# ------------------------------------------------------------------------------------------
# segments, bincount, confusion matrix
# ------------------------------------------------------------------------------------------

def test_sorted_segments():
    data = tf.constant([5, 1, 7, 2, 3, 4])
    ids = [0, 0, 1, 1, 1, 3]
    assert tf.math.segment_sum(data, ids).numpy().tolist() == [6, 12, 0, 4]
    assert tf.math.segment_max(data, ids).numpy().tolist() == [5, 7, 0, 4]
    assert tf.math.segment_min(data, ids).numpy().tolist() == [1, 2, 0, 4]
    assert tf.math.segment_prod(data, ids).numpy().tolist() == [5, 42, 1, 4]
    assert tf.math.segment_mean(data, ids).numpy().tolist() == [3, 4, 0, 4]
    m = tf.math.segment_mean(tf.constant([[1.0, 2.0], [3.0, 5.0]]), [0, 0])
    assert m.numpy().tolist() == [[2.0, 3.5]]


def test_sorted_segment_errors():
    assert "segment ids are not increasing [Op:SegmentSum]" in _err(
        lambda: tf.math.segment_sum([1, 2, 3], [1, 0, 0]))
    assert ("Segment id -1 out of range [0, 1), possibly because 'segment_ids' input is not "
            "sorted.") in _err(lambda: tf.math.segment_sum([1, 2, 3], [-1, 0, 0]))
    assert "segment ids must be >= 0" in _err(lambda: tf.math.segment_max([1, 2], [-2, -1]))
    assert "segment_ids should be the same size as dimension 0 of input." in _err(
        lambda: tf.math.segment_sum([1, 2], [0, 0, 1]))


def test_unsorted_segments():
    data = tf.constant([5, 1, 7, 2, 3, 4])
    ids = [2, 0, 2, 1, 0, -1]
    assert tf.math.unsorted_segment_sum(data, ids, 4).numpy().tolist() == [4, 2, 12, 0]
    mx = tf.math.unsorted_segment_max(data, ids, 4).numpy().tolist()
    assert mx == [3, 2, 7, np.iinfo(np.int32).min]
    assert tf.math.unsorted_segment_min(tf.constant([1.0]), [0], 2).numpy().tolist() == \
        [1.0, np.finfo(np.float32).max]
    assert tf.math.unsorted_segment_prod(data, ids, 3).numpy().tolist() == [3, 2, 35]
    mean = tf.math.unsorted_segment_mean(tf.constant([1.0, 2.0, 4.0]), [0, 1, 0], 3)
    assert mean.numpy().tolist() == [2.5, 2.0, 0.0]
    two_d = tf.math.unsorted_segment_sum(tf.ones([2, 2, 3]), [[0, 1], [1, 1]], 2)
    assert two_d.numpy().tolist() == [[1, 1, 1], [3, 3, 3]]
    msg = _err(lambda: tf.math.unsorted_segment_sum(data, [0, 5, 0, 0, 0, 0], 4))
    assert "segment_ids[1] = 5 is out of range [0, 4) [Op:UnsortedSegmentSum]" in msg
    msg = _err(lambda: tf.math.unsorted_segment_sum(data, [0, 1], 4))
    assert "data.shape = [6] does not start with segment_ids.shape = [2]" in msg
    with tf.Graph().as_default():
        y = tf.math.unsorted_segment_sum(tf.zeros([5, 3]), tf.zeros([5], tf.int32), 7)
        assert y.shape.as_list() == [7, 3]


def test_large_segments_use_same_semantics():
    n = 5000
    data = rng.normal(size=(n, 3))
    ids = np.sort(rng.integers(0, 40, size=n))
    got = tf.math.segment_max(data, ids).numpy()
    want = np.stack([data[ids == s].max(0) if np.any(ids == s) else np.zeros(3)
                     for s in range(ids[-1] + 1)])
    np.testing.assert_allclose(got, want)
    uids = rng.integers(-1, 50, size=n)
    got = tf.math.unsorted_segment_sum(data, uids, 50).numpy()
    want = np.stack([data[uids == s].sum(0) for s in range(50)])
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_bincount():
    assert tf.math.bincount([1, 1, 3, 0, 3, 3]).numpy().tolist() == [1, 2, 0, 3]
    assert tf.math.bincount([1, 1, 3], minlength=6).numpy().tolist() == [0, 2, 0, 1, 0, 0]
    assert tf.math.bincount([1, 1, 3], maxlength=2).numpy().tolist() == [0, 2]
    w = tf.math.bincount([0, 1, 1], weights=[0.5, 1.0, 2.0])
    assert w.dtype == tf.float32 and w.numpy().tolist() == [0.5, 3.0]
    assert tf.math.bincount([], minlength=2).numpy().tolist() == [0, 0]
    assert tf.math.bincount([[1, 2], [0, 0]], axis=-1).numpy().tolist() == [[0, 1, 1], [2, 0, 0]]
    assert tf.math.bincount([3, 3], binary_output=True).numpy().tolist() == [0, 0, 0, 1]
    assert "Input arr must be non-negative!" in _err(lambda: tf.math.bincount([-1, 2]))
    big = rng.integers(0, 100, size=10000)
    np.testing.assert_array_equal(tf.math.bincount(big).numpy(), np.bincount(big))
    bw = rng.normal(size=10000)
    np.testing.assert_allclose(tf.math.bincount(big, weights=bw, dtype=tf.float64).numpy(),
                               np.bincount(big, bw), atol=1e-9)


def test_confusion_matrix():
    cm = tf.math.confusion_matrix([0, 1, 2, 1], [0, 2, 2, 1])
    assert cm.dtype == tf.int32
    assert cm.numpy().tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert tf.math.confusion_matrix([0, 1], [1, 1], num_classes=3).numpy().tolist() == \
        [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    wcm = tf.math.confusion_matrix([0, 1], [0, 0], weights=[0.5, 2.0], dtype=tf.float32)
    assert wcm.numpy().tolist() == [[0.5, 0.0], [2.0, 0.0]]
    assert "`labels` contains negative values" in _err(
        lambda: tf.math.confusion_matrix([-1, 0], [0, 0]))
    assert "`labels` out of bound" in _err(
        lambda: tf.math.confusion_matrix([3, 0], [0, 0], num_classes=2))


def test_graph_mode_checks_run_in_session():
    with tf.Graph().as_default():
        ids = tf.compat.v1.placeholder(tf.int32, [None])
        cm = tf.math.confusion_matrix(ids, ids, num_classes=4)
        seg = tf.math.segment_sum(tf.constant([1, 2, 3]), ids)
        assert cm.shape.as_list() == [4, 4] and seg.shape.as_list() == [None]
        with tf.compat.v1.Session() as sess:
            assert sess.run(cm, {ids: [0, 3]})[3, 3] == 1
            assert sess.run(seg, {ids: [0, 0, 1]}).tolist() == [3, 3]
            with pytest.raises(tf.errors.InvalidArgumentError, match="`labels` out of bound"):
                sess.run(cm, {ids: [0, 5]})
            with pytest.raises(tf.errors.InvalidArgumentError, match="contains negative values"):
                sess.run(cm, {ids: [-1, 0]})
            with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
                sess.run(seg, {ids: [1, 0, 0]})


# ------------------------------------------------------------------------------------------
# composite reductions and clipping
# ------------------------------------------------------------------------------------------

def test_variance_std_logsumexp_count_nonzero_euclidean():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]], np.float32)
    np.testing.assert_allclose(tf.math.reduce_std(x, axis=1).numpy(), x.std(1), rtol=1e-6)
    v = tf.math.reduce_variance(x, axis=0, keepdims=True)
    assert v.shape == (1, 4)
    np.testing.assert_allclose(v.numpy(), x.var(0, keepdims=True), rtol=1e-6)
    assert tf.math.reduce_variance(x).dtype == tf.float32
    lse = tf.reduce_logsumexp(x, axis=1)
    np.testing.assert_allclose(lse.numpy(), np.log(np.exp(x).sum(1)), rtol=1e-6)
    assert tf.reduce_logsumexp(tf.constant([1000.0, 1000.0])).numpy() == pytest.approx(
        1000 + math.log(2))
    assert tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf])).numpy() == -np.inf
    c = tf.math.count_nonzero([[0.0, 1.0], [2.0, 0.0]], axis=1)
    assert c.dtype == tf.int64 and c.numpy().tolist() == [1, 1]
    assert int(tf.math.count_nonzero([0, 1, 2, 0, 3])) == 3
    assert tf.math.reduce_euclidean_norm([[3.0, 4.0]], axis=1).numpy().tolist() == [5.0]
    with pytest.raises(TypeError, match=r"Received integer type <dtype: 'int32'>\."):
        tf.math.reduce_variance([1, 2])


def test_clipping():
    assert tf.clip_by_value([-2.0, 0.5, 3.0], -1.0, 1.0).numpy().tolist() == [-1.0, 0.5, 1.0]
    r = tf.clip_by_value([1, 5, 9], 2, 8)
    assert r.dtype == tf.int32 and r.numpy().tolist() == [2, 5, 8]
    np.testing.assert_allclose(tf.clip_by_norm([3.0, 4.0], 1.0).numpy(), [0.6, 0.8], rtol=1e-6)
    assert tf.clip_by_norm([0.3, 0.4], 1.0).numpy().tolist() == pytest.approx([0.3, 0.4])
    assert tf.clip_by_norm([0.0, 0.0], 1.0).numpy().tolist() == [0.0, 0.0]
    rows = tf.clip_by_norm([[3.0, 4.0], [0.3, 0.4]], 1.0, axes=[1]).numpy()
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), None, tf.constant([4.0])], 1.0)
    assert clipped[1] is None and float(norm) == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0].numpy(), [0.6], rtol=1e-6)
    with pytest.raises(TypeError, match="`t_list` should be a sequence"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


def test_graph_ops_are_named_like_tf():
    with tf.Graph().as_default() as g:
        tf.math.reduce_std(tf.zeros([2, 3]), axis=0)
        tf.clip_by_value(tf.zeros([2]), 0.0, 1.0)
        names = [op.name for op in g.get_operations()]
    assert any(n.startswith("reduce_std/") for n in names)
    assert "clip_by_value/Minimum" in names and "clip_by_value" in names
    with tf.Graph().as_default():
        assert tf.clip_by_norm(tf.ones([2]), 1.0).op.name == "clip_by_norm"
        assert tf.math.log_sigmoid(tf.ones([2])).op.type == "Neg"
        assert tf.reduce_logsumexp(tf.ones([2])).op.name == "ReduceLogSumExp"


# ------------------------------------------------------------------------------------------
# gradients (finite differences)
# ------------------------------------------------------------------------------------------

GRADS = {
    "expm1": (tf.math.expm1, A), "log1p": (tf.math.log1p, A), "rsqrt": (tf.math.rsqrt, A),
    "softplus": (tf.math.softplus, V), "log_sigmoid": (tf.math.log_sigmoid, V),
    "erf": (tf.math.erf, V), "erfc": (tf.math.erfc, V), "lgamma": (tf.math.lgamma, A + 1),
    "digamma": (tf.math.digamma, A + 1), "sin": (tf.sin, V), "cos": (tf.cos, V),
    "tan": (tf.tan, A), "asin": (tf.asin, A), "acos": (tf.acos, A), "atan": (tf.atan, V),
    "sinh": (tf.sinh, V), "cosh": (tf.cosh, V), "asinh": (tf.math.asinh, V),
    "acosh": (tf.math.acosh, A + 1.5), "atanh": (tf.math.atanh, A),
    "cumsum": (lambda x: tf.cumsum(x, axis=1), A),
    "lbeta": (tf.math.lbeta, A + 1),
    "polygamma": (lambda x: tf.math.polygamma(tf.ones_like(x), x + 1.0), A),
    "unsorted_segment_mean": (lambda x: tf.math.unsorted_segment_mean(x, [1, 0, 1], 3), A),
    "unsorted_segment_sqrt_n": (lambda x: tf.math.unsorted_segment_sqrt_n(x, [1, 1, 1], 2), A),
    "in_graph_top_k_rows": (lambda x: tf.math.top_k(tf.transpose(x), k=1).values, A),
    "cumulative_logsumexp": (lambda x: tf.math.cumulative_logsumexp(x, axis=1), A),
    "cumsum_ex_rev": (lambda x: tf.cumsum(x, axis=0, exclusive=True, reverse=True), A),
    "cumprod": (lambda x: tf.math.cumprod(x, axis=1), A),
    "cumprod_ex": (lambda x: tf.math.cumprod(x, axis=0, exclusive=True), A),
    "top_k": (lambda x: tf.math.top_k(x, k=2).values, A),
    "reduce_std": (lambda x: tf.math.reduce_std(x, axis=1), A),
    "reduce_variance": (lambda x: tf.math.reduce_variance(x), A),
    "logsumexp": (lambda x: tf.reduce_logsumexp(x, axis=0), A),
    "euclidean": (lambda x: tf.math.reduce_euclidean_norm(x, axis=1, keepdims=True), A),
    "clip_by_value": (lambda x: tf.clip_by_value(x, 0.3, 0.7), A),
    "clip_by_norm": (lambda x: tf.clip_by_norm(x, 0.5), A),
    "clip_by_global_norm": (lambda x: tf.clip_by_global_norm([x, x * 2.0], 0.5)[0][1], A),
    "reduce_prod_axis": (lambda x: tf.reduce_prod(x, axis=1), A),
    "unsorted_segment_sum": (lambda x: tf.math.unsorted_segment_sum(x, [1, -1, 1], 3), A),
    "unsorted_segment_max": (lambda x: tf.math.unsorted_segment_max(x, [1, 0, 1], 2), A),
    "unsorted_segment_prod": (lambda x: tf.math.unsorted_segment_prod(x, [1, 0, 1], 2), A),
    "segment_sum": (lambda x: tf.math.segment_sum(x, [0, 0, 2]), A),
    "segment_mean": (lambda x: tf.math.segment_mean(x, [0, 0, 1]), A),
    "segment_min": (lambda x: tf.math.segment_min(x, [0, 1, 1]), A),
    "segment_prod": (lambda x: tf.math.segment_prod(x, [0, 0, 1]), A),
}

BINARY_GRADS = {
    "atan2": (tf.atan2, A, A[::-1].copy()),
    "xlogy": (tf.math.xlogy, A, A + 0.5),
    "xdivy": (tf.math.xdivy, A, A + 0.5),
    "divide_no_nan": (tf.math.divide_no_nan, A, A + 0.5),
    "xlogy_broadcast": (tf.math.xlogy, A[:1], A + 0.5),
    "multiply_no_nan": (tf.math.multiply_no_nan, A, A + 0.5),
    "complex_parts": (lambda x, y: tf.math.real(tf.complex(x, y) * tf.complex(y, x))
                      + tf.math.imag(tf.complex(x, y) ** 2) + tf.math.angle(tf.complex(x, y))
                      + tf.abs(tf.complex(x, y * y)),
                      A, A + 0.5),
    "erfinv_ndtri": (lambda x, y: tf.math.erfinv(x - 0.5) * tf.math.ndtri(y * 0.5 + 0.1),
                              A, A),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_unary_gradients(name):
    if "segment" in name and not hasattr(tf, "gather"):
        pytest.skip("needs tf.gather")
    fn, x = GRADS[name]
    check_gradients(fn, x, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(BINARY_GRADS))
def test_binary_gradients(name):
    fn, x, y = BINARY_GRADS[name]
    check_gradients(fn, x, y)


def test_gradient_edge_cases():
    x = tf.constant([0.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.math.reduce_prod(x)
    assert t.gradient(y, x).numpy().tolist() == [2.0, 0.0]
    y0 = tf.constant([0.0, 0.0])
    with tf.GradientTape() as t:
        t.watch(y0)
        z = tf.math.divide_no_nan(tf.constant([1.0, 2.0]), y0)
    assert t.gradient(z, y0).numpy().tolist() == [0.0, 0.0]
    with tf.GradientTape() as t:
        t.watch(x)
        r = tf.round(x) + tf.floor(x) + tf.math.ceil(x)
    assert t.gradient(r, x) is None


def test_public_functions_have_tf_names_and_docs():
    for fn in (tf.sin, tf.math.expm1, tf.math.is_nan, tf.math.unsorted_segment_sum,
               tf.math.segment_max, tf.math.xlogy, tf.truncatediv):
        assert "<locals>" not in fn.__qualname__ and fn.__doc__
    assert tf.math.segment_max.__name__ == "segment_max"
    assert tf.math.bessel_i0e.__name__ == "bessel_i0e"
