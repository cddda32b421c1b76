"""Numba scatter kernels against their numpy references."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tfedu.kernels import array_kernels as ak


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 6), st.integers(1, 4), st.lists(st.integers(0, 5), max_size=12),
       st.integers(0, 4), st.sampled_from(["c", "transposed", "sliced", "broadcast"]))
def test_scatter_rows_matches_reference(nrows, inner, rows, mode, layout):
    rows = np.array([r % nrows for r in rows], dtype=np.int64)
    rng = np.random.default_rng(len(rows))
    upd = rng.normal(size=(len(rows), inner))
    if layout == "transposed":
        upd = np.ascontiguousarray(upd.T).T
    elif layout == "sliced":
        upd = np.repeat(upd, 2, axis=0)[::2]
    elif layout == "broadcast":
        upd = np.broadcast_to(upd[:1], upd.shape) if len(upd) else upd
    base = rng.normal(size=(nrows, inner))
    a, b = base.copy(), base.copy()
    ak.scatter_rows(a, rows, upd, mode)
    ak.ref_scatter_rows(b, rows, upd, mode)
    np.testing.assert_allclose(a, b)


def test_scatter_rows_integer_add():
    out = np.zeros((3, 2), dtype=np.int32)
    ak.scatter_rows(out, np.array([2, 2, 0]), np.ones((3, 2), dtype=np.int32), 1)
    assert out.tolist() == [[1, 1], [0, 0], [2, 2]]


def test_op_dispatch_uses_kernel_for_large_updates_with_same_result():
    import tfedu as tf

    rng = np.random.default_rng(3)
    base = rng.normal(size=(64, 128)).T  # non-contiguous input
    idx = rng.integers(0, 128, size=(100, 1))
    upd = rng.normal(size=(100, 64))
    for fn, uf in ((tf.tensor_scatter_nd_max, np.maximum), (tf.tensor_scatter_nd_min, np.minimum),
                   (tf.tensor_scatter_nd_sub, np.subtract)):
        want = base.copy()
        uf.at(want, idx[:, 0], upd)
        np.testing.assert_allclose(fn(base, idx, upd).numpy(), want)
