"""The Numba conv/pool kernels agree with their numpy references, on any memory layout."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tfedu.kernels import nn_kernels as K

SETTINGS = settings(deadline=None, max_examples=25)
LAYOUTS = ["c", "transposed", "sliced", "broadcast"]


def _layout(x, how):
    """`x` in a C-ordered, transposed or strided (sliced) buffer, or its first image broadcast
    (stride 0) over the batch."""
    if how == "broadcast":
        return np.broadcast_to(x[:1], x.shape)
    if how == "transposed":
        return np.ascontiguousarray(x.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
    if how == "sliced":
        big = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
        big[..., ::2] = x
        return big[..., ::2]
    return np.ascontiguousarray(x)


@st.composite
def windows(draw, dilate=True):
    n, h, w, c = (draw(st.integers(1, 3)), draw(st.integers(1, 7)), draw(st.integers(1, 7)),
                  draw(st.integers(1, 4)))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilate else (1, 1)
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    oh, ph, _ = K.window_geometry(h, kh, sh, dh, padding)
    ow, pw, _ = K.window_geometry(w, kw, sw, dw, padding)
    assume(oh > 0 and ow > 0)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    layout = draw(st.sampled_from(LAYOUTS))
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).normal(size=(n, h, w, c)).astype(dtype)
    return dict(x=_layout(x, layout), geo=(kh, kw, sh, sw, dh, dw, ph, pw, oh, ow), seed=seed)


@SETTINGS
@given(windows())
def test_im2col_matches_reference(case):
    x, geo = case["x"], case["geo"]
    np.testing.assert_array_equal(K.nb_im2col(x, *geo), K.ref_im2col(x, *geo))


@SETTINGS
@given(windows(), st.sampled_from(LAYOUTS))
def test_col2im_matches_reference(case, layout):
    x, (kh, kw, sh, sw, dh, dw, ph, pw, oh, ow) = case["x"], case["geo"]
    n, h, w, c = x.shape
    rng = np.random.default_rng(case["seed"] + 1)
    cols = rng.normal(size=(n, oh, ow, kh, kw, c)).astype(x.dtype)
    if layout == "transposed":
        cols = np.ascontiguousarray(cols.transpose(0, 2, 1, 3, 4, 5)).transpose(0, 2, 1, 3, 4, 5)
    elif layout == "sliced":
        big = np.zeros(cols.shape[:-1] + (2 * c,), cols.dtype)
        big[..., ::2] = cols
        cols = big[..., ::2]
    elif layout == "broadcast":
        cols = np.broadcast_to(cols[:, :1], cols.shape)
    got = K.nb_col2im(cols, h, w, sh, sw, dh, dw, ph, pw)
    want = K.ref_col2im(cols, h, w, sh, sw, dh, dw, ph, pw)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 5, 3))
    geo = (3, 2, 2, 1, 1, 2, 1, 1, 3, 3)
    cols = K.ref_im2col(x, *geo)
    r = rng.normal(size=cols.shape)
    back = K.ref_col2im(r, 6, 5, 2, 1, 1, 2, 1, 1)
    assert np.isclose(np.sum(cols * r), np.sum(x * back))


def _pool_geo(geo):
    kh, kw, sh, sw, _, _, ph, pw, oh, ow = geo
    return kh, kw, sh, sw, ph, pw, oh, ow


@SETTINGS
@given(windows(dilate=False))
def test_max_pool_matches_reference(case):
    x, geo = case["x"], _pool_geo(case["geo"])
    out, arg = K.nb_max_pool(x, *geo, -np.inf)
    ref_out, ref_arg = K.ref_max_pool(x, *geo)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(arg, ref_arg)


def test_max_pool_ties_pick_the_first_cell_and_ints_work():
    x = np.zeros((1, 2, 2, 1), np.int32)
    out, arg = K.nb_max_pool(x, 2, 2, 2, 2, 0, 0, 1, 1, int(np.iinfo(np.int32).min))
    ref_out, ref_arg = K.ref_max_pool(x, 2, 2, 2, 2, 0, 0, 1, 1)
    assert out.dtype == np.int32 and int(out[0, 0, 0, 0]) == 0
    assert arg[0, 0, 0, 0] == ref_arg[0, 0, 0, 0] == 0


def test_max_pool_window_wholly_in_padding():
    x = np.ones((1, 1, 1, 1))
    out, arg = K.ref_max_pool(x, 1, 1, 1, 1, 2, 0, 3, 1)
    nb_out, nb_arg = K.nb_max_pool(x, 1, 1, 1, 1, 2, 0, 3, 1, -np.inf)
    np.testing.assert_array_equal(out, nb_out)
    np.testing.assert_array_equal(arg.ravel(), [-1, -1, 0])
    np.testing.assert_array_equal(nb_arg, arg)


@SETTINGS
@given(windows(dilate=False), st.sampled_from(LAYOUTS))
def test_max_pool_scatter_matches_reference(case, layout):
    x, geo = case["x"], _pool_geo(case["geo"])
    _, arg = K.ref_max_pool(x, *geo)
    g = np.random.default_rng(case["seed"]).normal(size=arg.shape).astype(x.dtype)
    g = _layout(g, layout)
    h, w = x.shape[1:3]
    np.testing.assert_allclose(K.nb_max_pool_scatter(g, arg, h, w),
                               K.ref_max_pool_scatter(g, arg, h, w), rtol=1e-6, atol=1e-6)


@SETTINGS
@given(windows(dilate=False))
def test_max_pool_values_match_reference(case):
    x, geo = case["x"], _pool_geo(case["geo"])
    np.testing.assert_array_equal(K.nb_max_pool_values(x, *geo, -np.inf),
                                  K.ref_max_pool(x, *geo)[0])


@SETTINGS
@given(windows(dilate=False), st.sampled_from(LAYOUTS), st.booleans(), st.booleans())
def test_max_pool_grad_matches_reference(case, layout, relu_mask, relu_input):
    x, geo = case["x"], _pool_geo(case["geo"])
    if relu_input:  # many tied zeros, as after a ReLU
        x = np.maximum(x, 0)
    kh, kw, sh, sw, ph, pw, oh, ow = geo
    g = np.random.default_rng(case["seed"]).normal(size=(x.shape[0], oh, ow, x.shape[3]))
    g = _layout(g.astype(x.dtype), layout)
    got = K.nb_max_pool_grad(x, g, kh, kw, sh, sw, ph, pw, relu_mask)
    want = K.ref_max_pool_grad(x, g, kh, kw, sh, sw, ph, pw, relu_mask)
    assert got.dtype == want.dtype == x.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_max_pool_grad_tiled_windows_write_every_cell():
    # 2x2 windows with stride 2 tile a 4x6 image: each cell is the max or gets a zero
    x = np.maximum(np.random.default_rng(1).normal(size=(2, 4, 6, 3)), 0).astype(np.float32)
    g = np.random.default_rng(2).normal(size=(2, 2, 3, 3)).astype(np.float32)
    for mask in (False, True):
        got = K.nb_max_pool_grad(x, g, 2, 2, 2, 2, 0, 0, mask)
        np.testing.assert_array_equal(got, K.ref_max_pool_grad(x, g, 2, 2, 2, 2, 0, 0, mask))
    assert np.count_nonzero(K.nb_max_pool_grad(x, g, 2, 2, 2, 2, 0, 0, False)) == g.size



def _first_max_2x2(x, g, mask):
    """2x2 stride-2 max pooling and its gradient spelled out: the first cell in row-major
    order wins ties, a NaN wins only as the first cell (later cells must compare greater)."""
    cells = [x[:, i::2, j::2] for i in (0, 1) for j in (0, 1)]
    top, k = cells[0], np.zeros(cells[0].shape, int)
    for n, c in enumerate(cells[1:], 1):
        k, top = np.where(c > top, n, k), np.where(c > top, c, top)
    gv = np.where(top > 0, g, g * 0) if mask else g
    dx = np.empty_like(x)
    for n, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        dx[:, i::2, j::2] = np.where(k == n, gv, 0)
    return top, dx


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_2x2_windows_take_the_first_max_with_ties_and_nans(layout, dtype):
    """2x2 stride-2 windows run a loop of their own: ties, NaN and -0.0 as the general loop."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 6, 8, 5)).astype(dtype)
    x[0, :2, :2] = 1.0
    x[1, 0, 0, 0] = x[1, 1, 1, 1] = np.nan
    x[2, :2, :2] = -0.0
    g = rng.normal(size=(3, 3, 4, 5)).astype(dtype)
    x = np.asfortranarray(x) if layout == "F" else x
    with np.errstate(invalid="ignore"):
        for mask in (False, True):
            top, dx = _first_max_2x2(x, g, mask)
            np.testing.assert_array_equal(
                K.nb_max_pool_values(x, 2, 2, 2, 2, 0, 0, 3, 4, -np.inf), top)
            got = K.nb_max_pool_grad(x, g, 2, 2, 2, 2, 0, 0, mask)
            np.testing.assert_array_equal(got, dx)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(dx))
            general = K.nb_max_pool_grad(x[:, :5], g[:, :2], 2, 2, 2, 2, 0, 0, mask)
            np.testing.assert_array_equal(got[:, :4], general[:, :4])  # not tiled: general


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 9), st.sampled_from([0, 1, 2]),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2**16))
def test_bias_act_matches_reference(rows, cols, act, dtype, seed):
    rng = np.random.default_rng(seed)
    out = (rng.normal(size=(rows, cols)) * 8).astype(dtype)
    out[0, 0] = np.nan
    bias = rng.normal(size=cols).astype(dtype)
    got = K.nb_bias_act(out.copy(), bias, act)
    want = K.ref_bias_act(out.copy(), bias, act)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, want)  # NaN stays NaN, as np.maximum keeps it


@SETTINGS
@given(windows(dilate=False))
def test_avg_pool_matches_reference(case):
    x, geo = case["x"], _pool_geo(case["geo"])
    np.testing.assert_allclose(K.nb_avg_pool(x, *geo), K.ref_avg_pool(x, *geo),
                               rtol=1e-5, atol=1e-6)


@SETTINGS
@given(windows(dilate=False), st.sampled_from(LAYOUTS))
def test_avg_pool_grad_matches_reference(case, layout):
    x = case["x"]
    kh, kw, sh, sw, ph, pw, oh, ow = _pool_geo(case["geo"])
    n, h, w, c = x.shape
    g = np.random.default_rng(case["seed"]).normal(size=(n, oh, ow, c)).astype(x.dtype)
    g = _layout(g, layout)
    np.testing.assert_allclose(K.nb_avg_pool_grad(g, h, w, kh, kw, sh, sw, ph, pw),
                               K.ref_avg_pool_grad(g, h, w, kh, kw, sh, sw, ph, pw),
                               rtol=1e-5, atol=1e-6)


def test_window_geometry_follows_tf():
    assert K.window_geometry(4, 2, 2, 1, "SAME") == (2, 0, 0)
    assert K.window_geometry(5, 3, 2, 1, "SAME") == (3, 1, 1)
    assert K.window_geometry(4, 3, 1, 1, "SAME") == (4, 1, 1)
    assert K.window_geometry(4, 2, 1, 1, "SAME") == (4, 0, 1)
    assert K.window_geometry(7, 3, 2, 2, "VALID") == (2, 0, 0)
    assert K.window_geometry(2, 3, 1, 1, "VALID")[0] == 0
    assert K.window_geometry(4, 3, 1, 1, "EXPLICIT", (1, 2)) == (5, 1, 2)


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 9), st.sampled_from([np.float32, np.float64]),
       st.integers(0, 2**16))
def test_bias_add_grad_matches_reference(rows, cols, dtype, seed):
    g = np.random.default_rng(seed).normal(size=(rows, cols)).astype(dtype)
    got = K.nb_bias_add_grad(g)
    assert got.dtype == dtype and got.shape == (cols,)
    np.testing.assert_allclose(got, K.ref_bias_add_grad(g), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, g.astype(np.float64).sum(axis=0), rtol=1e-6, atol=1e-5)
