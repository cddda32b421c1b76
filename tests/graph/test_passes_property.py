"""Every optimisation pass keeps a plan's values: random graphs of elementwise ops."""

import contextlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tfedu as tf
from tfedu.graph import fusion
from tfedu.graph.plan import compile_plan

tf1 = tf.compat.v1

OUT = (6, 5)
LEAF_SHAPES = [OUT, (5,), (), (1, 5), (6, 1)]
EXACT = {
    "add": tf.add, "sub": tf.subtract, "mul": tf.multiply, "div": tf.math.divide,
    "max": tf.maximum, "min": tf.minimum, "sqdiff": tf.math.squared_difference,
    "neg": tf.negative, "square": tf.square, "relu": tf.nn.relu, "abs": tf.abs,
}
INEXACT = {"tanh": tf.tanh, "sigmoid": tf.sigmoid, "exp": tf.exp, "sqrt": tf.sqrt,
           "log": tf.math.log}
UNARY = {"neg", "square", "relu", "abs", "tanh", "sigmoid", "exp", "sqrt", "log"}
ALL_OPS = sorted(EXACT) + sorted(INEXACT)


@contextlib.contextmanager
def fused_everywhere():
    """Fuse even tiny arrays, with serial kernels (they compile faster)."""
    saved = fusion.MIN_FUSED_SIZE, fusion.PARALLEL
    fusion.MIN_FUSED_SIZE, fusion.PARALLEL = 1, False
    try:
        yield
    finally:
        fusion.MIN_FUSED_SIZE, fusion.PARALLEL = saved


graphs = st.fixed_dictionaries({
    "leaves": st.lists(st.sampled_from(range(len(LEAF_SHAPES))), min_size=1, max_size=3),
    "consts": st.lists(st.floats(-3, 3, width=32), max_size=2),
    "ops": st.lists(st.tuples(st.sampled_from(ALL_OPS), st.integers(0, 50), st.integers(0, 50)),
                    min_size=1, max_size=6),
    "dtype": st.sampled_from([np.float32, np.float64]),
    "seed": st.integers(0, 2**31 - 1),
    "transposed": st.booleans(),
})


def _build(spec):
    g = tf.Graph()
    dt = tf.as_dtype(spec["dtype"])
    with g.as_default():
        feeds = [tf1.placeholder(dt, LEAF_SHAPES[k], name=f"x{i}")
                 for i, k in enumerate(spec["leaves"])]
        nodes = list(feeds) + [tf.constant(c, dt) for c in spec["consts"]]
        exact = True
        for name, i, j in spec["ops"]:
            fn = EXACT.get(name) or INEXACT[name]
            exact &= name in EXACT
            a = nodes[i % len(nodes)]
            if name in UNARY:
                nodes.append(fn(a))
            else:
                nodes.append(fn(a, nodes[j % len(nodes)]))
        out = tf.identity(nodes[-1] + nodes[len(nodes) // 2])
    return g, feeds, [out, nodes[-1]], exact


def _arrays(spec):
    rng = np.random.default_rng(spec["seed"])
    out = []
    for k in spec["leaves"]:
        shape = LEAF_SHAPES[k]
        if shape == OUT and spec["transposed"]:  # a non-contiguous feed
            a = rng.uniform(-4, 4, shape[::-1]).astype(spec["dtype"]).T
        else:
            a = rng.uniform(-4, 4, shape).astype(spec["dtype"])
        out.append(a)
    return out


@settings(deadline=None, max_examples=25)
@given(graphs)
def test_every_pass_keeps_the_values_of_the_plain_plan(spec):
    g, feeds, fetches, exact = _build(spec)
    arrays = _arrays(spec)
    plain = compile_plan(g, fetches, feeds).run(arrays)
    choices = [["constant_folding"], ["common_subexpression_elimination"], ["fusion"],
               ["constant_folding", "common_subexpression_elimination", "fusion"]]
    with np.errstate(all="ignore"), fused_everywhere():
        for passes in choices:
            plan = compile_plan(g, fetches, feeds, passes=passes)
            got = plan.run(arrays)
            again = plan.run(arrays)
            for p, a, b in zip(plain, got, again):
                assert a.dtype == p.dtype and a.shape == p.shape
                if exact:
                    np.testing.assert_array_equal(a, p)
                else:
                    # transcendental kernels may differ by an ulp; cancellation can turn
                    # that into a larger relative error, so allow ulps of the output's scale
                    finite = np.abs(p[np.isfinite(p)])
                    scale = max(1.0, float(finite.max())) if finite.size else 1.0
                    atol = 16 * np.finfo(p.dtype).eps * scale
                    np.testing.assert_allclose(a, p, rtol=4e-6, atol=atol, equal_nan=True)
                np.testing.assert_array_equal(a, b)
