"""The fusion pass: generated Numba kernels for chains of elementwise ops."""

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfedu as tf
from tfedu.framework.registry import OPS
from tfedu.graph import fusion, passes
from tfedu.graph.passes import function_passes, get_pass_options, set_pass_options
from tfedu.graph.plan import compile_plan
from tfedu.kernels.fusion_codegen import compile_kernel, kernel_source, ref_fused

tf1 = tf.compat.v1


@contextlib.contextmanager
def fused_everywhere(parallel=False):
    saved = fusion.MIN_FUSED_SIZE, fusion.PARALLEL, fusion.PARALLEL_MIN_SIZE
    fusion.MIN_FUSED_SIZE, fusion.PARALLEL, fusion.PARALLEL_MIN_SIZE = 1, parallel, 1
    try:
        yield
    finally:
        fusion.MIN_FUSED_SIZE, fusion.PARALLEL, fusion.PARALLEL_MIN_SIZE = saved


def _mlp_like_graph(shape=(8, 6)):
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape, name="x")
        b = tf1.placeholder(tf.float32, shape[-1:], name="b")
        y = tf.nn.relu(x * 2.0 + b)
        z = tf.sigmoid(y) - tf.square(x)
    return g, x, b, y, z


def test_fusion_makes_one_step_and_explain_shows_its_source():
    g, x, b, y, z = _mlp_like_graph()
    plan = compile_plan(g, [z], [x, b], passes=["fusion"])
    fused = [s for s in plan.steps if isinstance(s, fusion.FusedStep)]
    assert len(fused) == 1 and [s.op.type for s in plan.steps] == ["Const", "FusedElementwise"]
    assert [s.op.type for s in fused[0].steps] == ["Mul", "AddV2", "Relu", "Sigmoid", "Square",
                                                   "Sub"]
    text = plan.explain()
    assert "FusedElementwise" in text and "prange" in text and "np.exp" in text


def test_fetched_intermediates_stay_outside_the_group():
    g, x, b, y, z = _mlp_like_graph()
    plan = compile_plan(g, [z, y], [x, b], passes=["fusion"])
    groups = [[o.type for o in s.op.fused_ops] for s in plan.steps
              if isinstance(s, fusion.FusedStep)]
    assert ["Mul", "AddV2", "Relu"] in groups
    assert all("Relu" not in grp for grp in groups if "Sub" in grp)
    rng = np.random.default_rng(0)
    feed = [rng.normal(size=(8, 6)).astype(np.float32),
            rng.normal(size=6).astype(np.float32)]
    with fused_everywhere():
        got = plan.run(feed)
    want = compile_plan(g, [z, y], [x, b]).run(feed)
    for a, w in zip(got, want):
        np.testing.assert_allclose(a, w, rtol=1e-6)


def test_integer_ops_are_not_fused():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.int32, [4])
        y = (x * 2 + 1) * x
    plan = compile_plan(g, [y], [x], passes=["fusion"])
    assert not any(isinstance(s, fusion.FusedStep) for s in plan.steps)
    assert "nothing to fuse" in plan.explain()


EXPRESSIONS = {k: op.fused for k, op in OPS.items() if op.fused is not None}
_BINARY = [k for k, v in EXPRESSIONS.items() if "{1}" in v]
_UNARY = [k for k, v in EXPRESSIONS.items() if "{1}" not in v]


@settings(deadline=None, max_examples=25)
@given(op1=st.sampled_from(_BINARY), op2=st.sampled_from(_UNARY),
       mode=st.sampled_from(["f", "s", "t"]), layout=st.sampled_from(["T", "slice", "c"]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31 - 1))
def test_generated_kernels_match_numpy_on_non_contiguous_inputs(op1, op2, mode, layout, dtype,
                                                                 seed):
    rng = np.random.default_rng(seed)
    base = rng.uniform(-3, 3, (12, 10)).astype(dtype)
    a = {"T": base.T[:, :8], "slice": base[::2, ::2], "c": base[:5, :8]}[layout]
    b = {"f": rng.uniform(0.5, 3, a.shape), "s": np.asarray([1.5]),
         "t": rng.uniform(0.5, 3, a.shape[-1:])}[mode].astype(dtype)
    nodes = [(EXPRESSIONS[op1], [("x", 0), ("x", 1)]), (EXPRESSIONS[op2], [("t", 0)])]
    fn = compile_kernel(kernel_source(nodes, "f" + mode, dtype, parallel=False))
    out = np.empty(a.size, dtype)
    args = [np.ascontiguousarray(a).reshape(-1), b.reshape(-1)] + ([b.size] if mode == "t" else [])
    with np.errstate(all="ignore"):
        fn(a.size, out, *args)
        want = ref_fused(nodes, [a, b])
    np.testing.assert_allclose(out.reshape(a.shape), want, rtol=4e-6, atol=1e-30,
                               equal_nan=True)


def test_parallel_kernel_with_broadcasts_matches_the_plain_plan():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [300, 200])
        b = tf1.placeholder(tf.float32, [200])
        c = tf1.placeholder(tf.float32, [300, 1])  # general broadcast: materialised
        y = tf.tanh(x * b + c) * 0.5 - tf.maximum(x, c)
    rng = np.random.default_rng(1)
    feed = [rng.normal(size=(200, 300)).astype(np.float32).T,
            rng.normal(size=200).astype(np.float32), rng.normal(size=(300, 1)).astype(np.float32)]
    plain = compile_plan(g, [y], [x, b, c]).run(feed)[0]
    with fused_everywhere(parallel=True):
        plan = compile_plan(g, [y], [x, b, c], passes=["fusion"])
        got = plan.run(feed)[0]
    assert isinstance(plan.steps[-1], fusion.FusedStep)
    np.testing.assert_allclose(got, plain, rtol=2e-6, atol=1e-7)


def test_returned_arrays_never_alias_a_reused_buffer():
    g, x, b, y, z = _mlp_like_graph((64, 32))
    plan = compile_plan(g, [z], [x, b], passes=["fusion"])
    feed = [np.ones((64, 32), np.float32), np.zeros(32, np.float32)]
    with fused_everywhere():
        first = plan.run(feed)[0]
        keep = first.copy()
        first[...] = 123.0  # the caller owns what it got
        second = plan.run(feed)[0]
        assert second is not first and not np.shares_memory(first, second)
        np.testing.assert_array_equal(second, keep)
        view = second[:2]
        del second
        third = plan.run(feed)[0]
        assert not np.shares_memory(view, third)
        view[...] = -1.0
        np.testing.assert_array_equal(third, keep)


def test_buffers_are_reused_once_the_caller_drops_them():
    g, x, b, y, z = _mlp_like_graph((64, 32))
    plan = compile_plan(g, [z], [x, b], passes=["fusion"])
    feed = [np.ones((64, 32), np.float32), np.zeros(32, np.float32)]
    with fused_everywhere():
        addresses = set()
        for _ in range(6):
            out = plan.run(feed)[0]
            addresses.add(out.__array_interface__["data"][0])
        assert len(addresses) <= 3


def test_errors_name_the_original_op():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None])
        y = tf1.placeholder(tf.float32, [None])
        z = tf.exp(x + y, name="e") * 2.0
    plan = compile_plan(g, [z], [x, y], passes=["fusion"])
    with fused_everywhere(), pytest.raises(tf.errors.InvalidArgumentError) as info:
        plan.run([np.ones(3, np.float32), np.ones(4, np.float32)])
    assert "Incompatible shapes" in str(info.value) and "'add'" in str(info.value)


def test_pass_switches_and_jit_compile_turn_fusion_on():
    assert get_pass_options()["fusion"] is False
    assert get_pass_options(jit_compile=True)["fusion"] is True
    # fusion takes its groups first; scalar_chains then runs what is left
    assert [p.__name__ for p in function_passes(True)][-4:] == ["fusion", "scalar_chains",
                                                                   "static_args", "buffer_reuse"]
    set_pass_options({"constant_folding": False})
    try:
        assert "constant_folding" not in [p.__name__ for p in function_passes()]
    finally:
        set_pass_options({"constant_folding": True})
    with pytest.raises(ValueError, match="Unknown optimization pass"):
        set_pass_options({"nope": True})

    @tf.function(jit_compile=True)
    def f(a, b):
        return tf.nn.relu(a * b + 1.0)

    @tf.function
    def g(a, b):
        return tf.nn.relu(a * b + 1.0)

    a = tf.constant(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))
    np.testing.assert_array_equal(f(a, a).numpy(), g(a, a).numpy())
    assert "FusedElementwise" in f.get_concrete_function(a, a).explain()
    assert "FusedElementwise" not in g.get_concrete_function(a, a).explain()
    payload = f.get_concrete_function(a, a).optimized_graph.payload
    jsonschema = pytest.importorskip("jsonschema")
    from tfedu.viz.graph_view import graph_schema

    jsonschema.validate(payload, graph_schema())
    nodes = payload["nodes"]
    marked = [n for n in nodes if "_fused_ops" in n["attrs"]]
    assert len(marked) == 1 and "Relu" in marked[0]["attrs"]["_fused_ops"]
    assert "def fused" in marked[0]["attrs"]["_source"]


def test_gradients_through_a_jit_compiled_function():
    w = tf.Variable(np.linspace(-1, 1, 40 * 30, dtype=np.float32).reshape(40, 30) / 3)

    def loss_fn(x):
        h = tf.nn.relu(tf.matmul(x, w) * 1.5 + 0.1)
        return tf.reduce_sum(tf.sigmoid(h) * h - tf.square(h) * 0.1)

    jitted = tf.function(loss_fn, jit_compile=True)
    x = tf.constant(np.random.default_rng(2).normal(size=(64, 40)).astype(np.float32))
    with fused_everywhere():
        with tf.GradientTape() as tape:
            loss = jitted(x)
        grad = tape.gradient(loss, w)
    with tf.GradientTape() as tape:
        want_loss = loss_fn(x)
    want = tape.gradient(want_loss, w)
    np.testing.assert_allclose(loss.numpy(), want_loss.numpy(), rtol=1e-5)
    np.testing.assert_allclose(grad.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)


def test_session_fuses_when_the_option_is_on():
    g, x, b, y, z = _mlp_like_graph((40, 30))
    rng = np.random.default_rng(3)
    feed = {x: rng.normal(size=(40, 30)).astype(np.float32),
            b: rng.normal(size=30).astype(np.float32)}
    with tf1.Session(graph=g) as sess:
        want = sess.run(z, feed)
    set_pass_options({"fusion": True})
    try:
        with tf1.Session(graph=g) as sess, fused_everywhere():
            got = sess.run(z, feed)
            plans = list(sess._plans.values())
    finally:
        set_pass_options({"fusion": False})
    assert any(isinstance(s, fusion.FusedStep) for p in plans for s in p.steps)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)


def test_tf_config_optimizer_options_switch_the_passes():
    tf.config.optimizer.set_experimental_options({"remapping": True, "constant_folding": False,
                                                  "layout_optimizer": False})
    try:
        opts = tf.config.optimizer.get_experimental_options()
        assert opts == {"remapping": True, "constant_folding": False, "layout_optimizer": False}
        assert [p.__name__ for p in function_passes()] == ["common_subexpression_elimination",
                                                           "shape_simplification", "remapper", "conv_patches",
                                                           "scalar_chains", "static_args",
                                                           "buffer_reuse"]
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": False,
                                                      "constant_folding": True})
        passes._set_by_user.clear()
    assert get_pass_options()["remapper"] is False and get_pass_options()["constant_folding"]
    tf.config.optimizer.set_experimental_options({"remapping": True})
    passes._set_by_user.clear()
    assert get_pass_options()["remapper"] is True and get_pass_options()["fusion"] is False


def test_set_jit_is_fusion_for_every_graph():
    """TF's XLA auto-clustering switch: here the fusion pass for every plan."""
    assert tf.config.optimizer.get_jit() == ""
    tf.config.optimizer.set_jit(True)
    try:
        assert tf.config.optimizer.get_jit() == "autoclustering"
        assert "fusion" in [p.__name__ for p in function_passes()]
    finally:
        tf.config.optimizer.set_jit(False)
    assert get_pass_options()["fusion"] is False and tf.config.optimizer.get_jit() == ""
    with pytest.raises(ValueError, match="Invalid value"):
        tf.config.optimizer.set_jit("sometimes")
