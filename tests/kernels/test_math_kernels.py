"""Numba math kernels against their numpy references (random, non-contiguous, broadcast inputs)."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tfedu.kernels import math_kernels as K

SETTINGS = settings(deadline=None, max_examples=25)


def _layout(arr, how):
    """The same values in a transposed, strided or broadcast (zero-stride) layout."""
    if how == "transposed":
        return np.ascontiguousarray(arr.T).T
    if how == "sliced":
        big = np.repeat(arr, 2, axis=0)
        return big[::2]
    if how == "broadcast" and arr.shape[0] > 0:
        return np.broadcast_to(arr[:1], arr.shape)
    return arr


@SETTINGS
@given(rows=st.integers(0, 40), inner=st.integers(1, 4), nseg=st.integers(1, 8),
       code=st.sampled_from([K.SUM, K.PROD, K.MAX, K.MIN]),
       dtype=st.sampled_from([np.float64, np.int64]),
       how=st.sampled_from(["plain", "transposed", "sliced", "broadcast"]), seed=st.integers(0, 99))
def test_segment_reduce_matches_reference(rows, inner, nseg, code, dtype, how, seed):
    rng = np.random.default_rng(seed)
    data = _layout((rng.normal(size=(rows, inner)) * 5).astype(dtype), how)
    ids = rng.integers(-1, nseg, size=rows)
    ref, ref_seen = K.ref_segment_reduce(data, ids, nseg, code)
    got, seen = K.nb_segment_reduce(np.ascontiguousarray(data), ids, nseg, code)
    np.testing.assert_array_equal(seen, ref_seen)
    np.testing.assert_allclose(got[seen], ref[seen], rtol=1e-5)


@SETTINGS
@given(n=st.integers(0, 60), size=st.integers(0, 12), weighted=st.booleans(),
       how=st.sampled_from(["plain", "sliced"]), seed=st.integers(0, 99))
def test_bincount_matches_reference(n, size, weighted, how, seed):
    rng = np.random.default_rng(seed)
    arr = _layout(rng.integers(0, 15, size=(n, 1)), how)[:, 0]
    w = rng.normal(size=n) if weighted else None
    ref = K.ref_bincount(arr, w, size)
    acc = np.zeros(size, np.float64 if weighted else np.int64)
    got = K.nb_bincount(np.ascontiguousarray(arr), np.zeros(0) if w is None else w, size, acc)
    np.testing.assert_allclose(got, ref, atol=1e-12)


@SETTINGS
@given(shape=st.tuples(st.integers(1, 4), st.integers(0, 7), st.integers(1, 3)),
       is_prod=st.booleans(), exclusive=st.booleans(), reverse=st.booleans(),
       dtype=st.sampled_from([np.float64, np.int32]),
       how=st.sampled_from(["plain", "transposed", "broadcast"]), seed=st.integers(0, 99))
def test_scan_matches_reference(shape, is_prod, exclusive, reverse, dtype, how, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=shape).astype(dtype)
    x = _layout(x.reshape(shape[0], -1), how).reshape(shape)
    ref = K.ref_scan(x, is_prod, exclusive, reverse)
    got = K.nb_scan(np.ascontiguousarray(x), is_prod, exclusive, reverse)
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


@SETTINGS
@given(name=st.sampled_from(["erf", "erfc", "lgamma"]),
       vals=st.lists(st.floats(-20, 20, allow_nan=False), min_size=0, max_size=30),
       transposed=st.booleans())
def test_special_functions_match_reference(name, vals, transposed):
    x = np.array(vals + [0.0, -2.0], dtype=np.float64)
    x = np.stack([x, x[::-1]])
    if transposed:
        x = x.T
    np.testing.assert_allclose(K.nb_special(name, x), K.ref_special(name, x), rtol=1e-12,
                               atol=1e-12)


def test_identity_of_and_lgamma_poles():
    assert K.identity_of(K.MAX, np.int32) == np.iinfo(np.int32).min
    assert K.identity_of(K.MIN, np.float32) == np.finfo(np.float32).max
    assert K.identity_of(K.PROD, np.float64) == 1.0
    assert K.ref_special("lgamma", np.array([0.0, -1.0]))[0] == math.inf
    assert K.nb_special("lgamma", np.array([-3.0]))[0] == math.inf


def test_small_math_ops_do_not_load_numba():
    import subprocess
    import sys

    code = ("import sys, tfedu as tf; tf.math.segment_sum([1.0, 2.0], [0, 0]); tf.cumsum([1, 2]);"
            " tf.math.erf([1.0]); tf.math.bincount([1, 2]);"
            " print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
