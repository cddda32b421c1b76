"""The scalar_chains pass: runs of scalar elementwise ops become one program, bit-identical."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.graph.passes import set_pass_options
from tfedu.graph.scalar_chains import ChainStep
from tfedu.kernels import chain_kernels

# (tfedu op, numpy op): the chain's value is `v`, the constant `c`
OPS = [(lambda v, c: v + c, np.add), (lambda v, c: c + v, lambda v, c: c + v),
       (lambda v, c: v - c, np.subtract), (lambda v, c: c - v, lambda v, c: c - v),
       (lambda v, c: v * c, np.multiply), (lambda v, c: v / c, np.divide),
       (lambda v, c: c / v, lambda v, c: c / v), (lambda v, c: -v, lambda v, c: -v)]


def _program(rng, n):
    return [(int(rng.integers(len(OPS))), float(rng.uniform(0.5, 2.0))) for _ in range(n)]


def _apply(program, v, dtype, ours):
    for k, c in program:
        c = dtype(c) if not ours else tf.constant(c, dtype=tf.as_dtype(dtype))
        v = OPS[k][0 if ours else 1](v, c)
    return v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_chain_runs_as_one_step_with_the_bits_numpy_gives_op_by_op(dtype):
    rng = np.random.default_rng(0)
    program = _program(rng, 40)
    x = rng.standard_normal((3, 7)).astype(dtype)
    x[0, :2] = 0.0  # c / 0 and 0 / c, as numpy computes them
    f = tf.function(lambda v: _apply(program, v, dtype, ours=True))
    with np.errstate(all="ignore"):
        expected = _apply(program, x, dtype, ours=False)
    got = f(tf.constant(x)).numpy()
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    text = f.get_concrete_function(tf.constant(x)).explain()
    assert "scalar_chains: 40 scalar elementwise op(s) run as 1 program(s)" in text
    assert "runs 40 scalar op(s) as one program over one buffer:" in text


def test_a_result_read_elsewhere_or_fetched_ends_the_chain():
    def f(x):
        a = (x + 1.0) * 2.0
        b = (a - 3.0) / 4.0   # a is read twice: b's chain starts after it
        c = (a * 5.0) + 6.0
        return b, c, a

    x = np.linspace(-1, 1, 9, dtype=np.float32)
    fn = tf.function(f)
    got = [t.numpy() for t in fn(tf.constant(x))]
    a = (x + np.float32(1)) * np.float32(2)
    expected = [(a - np.float32(3)) / np.float32(4), a * np.float32(5) + np.float32(6), a]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    text = fn.get_concrete_function(tf.constant(x)).explain()
    assert "6 scalar elementwise op(s) run as 3 program(s)" in text


def test_session_run_uses_the_pass_and_it_can_be_switched_off():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [4])
        y = -((x * 3.0) - 1.0)
    value = np.array([0.1, 0.2, -5.0, 1e300])
    expected = -((value * 3.0) - 1.0)
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run(y, {x: value}), expected)
        plan = sess._plan([y], [x])
        assert [type(s) for s in plan.steps].count(ChainStep) == 1
    set_pass_options({"scalar_chains": False})
    try:
        with tf.compat.v1.Session(graph=g) as sess:
            np.testing.assert_array_equal(sess.run(y, {x: value}), expected)
            assert "no chains" not in sess._plan([y], [x]).explain()
            assert not any(isinstance(s, ChainStep) for s in sess._plan([y], [x]).steps)
    finally:
        set_pass_options({"scalar_chains": True})


def test_inputs_the_program_does_not_take_run_the_original_steps():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2])
        y = (x + 1.0) * 2.0
    with tf.compat.v1.Session(graph=g) as sess:
        plan = sess._plan([y], [x])
    step = next(s for s in plan.steps if isinstance(s, ChainStep))
    np.testing.assert_array_equal(step.kernel(np.array([1.0, 2.0], np.float64)), [4.0, 6.0])
    assert step.kernel(np.float32(1.0)) == 4.0


def test_numba_and_numpy_programs_agree():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 7, 64).astype(np.int8)
    consts = rng.uniform(0.5, 2, 64).astype(np.float32)
    x = rng.standard_normal(33).astype(np.float32)
    ours = chain_kernels.nb_run_program(x.copy(), codes, consts)
    with np.errstate(all="ignore"):
        ref = chain_kernels.ref_run_program(x.copy(), codes, consts)
    np.testing.assert_array_equal(ours, ref)
