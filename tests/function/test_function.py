"""tf.function: tracing, cache keys, retracing rules, concrete functions, variables, gradients."""

import logging
import sys

import numpy as np
import pytest

import tfedu as tf


def test_seed_example_three_traces_and_graph_ops():
    @tf.function
    def f(x):
        return tf.add(x, 1.)

    assert float(f(tf.constant(1.))) == 2.0
    np.testing.assert_array_equal(f(tf.constant([1., 2.])).numpy(), [2., 3.])
    f(tf.constant([[1., 2.], [3., 4.]]))
    assert f.experimental_get_tracing_count() == 3
    f(tf.constant(5.))
    assert f.experimental_get_tracing_count() == 3
    g = f.get_concrete_function(tf.constant(1.)).graph
    assert [op.name for op in g.get_operations()] == ['x', 'Add/y', 'Add', 'Identity']
    assert [op.type for op in g.get_operations()] == ['Placeholder', 'Const', 'AddV2',
                                                      'Identity']


def test_binding_is_canonical():
    @tf.function
    def f(x, y=1):
        return x + y

    t = tf.constant(10)
    outs = [f(t), f(t, 1), f(x=t), f(t, y=1), f(x=t, y=1)]
    assert [int(o) for o in outs] == [11] * 5
    assert f.experimental_get_tracing_count() == 1
    assert int(f(t, 2)) == 12
    assert f.experimental_get_tracing_count() == 2


def test_python_values_equal_share_a_trace():
    @tf.function
    def ident(x):
        return tf.constant(x)

    assert ident(1).dtype == tf.int32
    assert ident(1.0).dtype == tf.int32  # 1 == 1.0: reuses the int trace
    assert ident(True).dtype == tf.int32
    assert ident.experimental_get_tracing_count() == 1


def test_structures_and_objects():
    @tf.function
    def f(arg):
        return 0

    t = tf.constant(1.0)
    f([t, t]), f([t, t]), f((t, t)), f({"a": t, "b": t}), f({"b": t, "a": t})
    assert f.experimental_get_tracing_count() == 3

    class C:
        def __eq__(self, other):
            return True

        def __hash__(self):
            return 1

    @tf.function
    def g(c):
        return 1

    g(C()), g(C())
    assert g.experimental_get_tracing_count() == 2


def test_input_signature_and_binding_errors():
    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
    def s(x):
        return tf.reduce_sum(x)

    assert float(s([4.0, 5.0])) == 9.0
    s(tf.constant([1.0, 2.0, 3.0]))
    assert s.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Can not cast TensorSpec\\(shape=\\(2,\\), "
                                        "dtype=tf.int32, name=None\\)"):
        s(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="too many positional arguments"):
        s(tf.constant([1.0]), tf.constant([2.0]))
    with pytest.raises(TypeError, match="missing a required argument: 'x'"):
        s()
    cf = s.get_concrete_function()
    assert repr(cf.structured_input_signature) == \
        "((TensorSpec(shape=(None,), dtype=tf.float32, name='x'),), {})"


def test_reduce_retracing_generalises_shapes():
    shapes = []

    @tf.function(reduce_retracing=True)
    def f(x):
        shapes.append(str(x.shape))
        return x

    for shape in [[1], [2], [3], [4], [2, 2], [3, 3], [3, 4]]:
        f(tf.zeros(shape))
    assert shapes == ["(1,)", "(None,)", "<unknown>"]


def test_retracing_warning_thresholds(caplog):
    records = []

    class H(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    h = H()
    tf.get_logger().addHandler(h)
    try:
        @tf.function
        def f(x):
            return x

        for n in range(1, 8):
            f(tf.zeros([n]))
    finally:
        tf.get_logger().removeHandler(h)
    assert len(records) == 2
    assert records[0].startswith("5 out of the last 5 calls to <function")
    assert records[1].startswith("6 out of the last 6 calls")
    assert "for  more details." in records[0]


def test_concrete_function_surface():
    @tf.function
    def f(x):
        return tf.add(x, 1.)

    cf = f.get_concrete_function(tf.constant(1.))
    assert str(cf).startswith("ConcreteFunction Input Parameters:\n  x (POSITIONAL_OR_KEYWORD)")
    assert repr(cf.function_type) == ("(x: TensorSpec(shape=(), dtype=tf.float32, name=None)) "
                                      "-> TensorSpec(shape=(), dtype=tf.float32, name=None)")
    assert cf.name.startswith(b"__inference_f_")
    assert repr(cf.inputs) == "[<tf.Tensor 'x:0' shape=() dtype=float32>]"
    with pytest.raises(tf.errors.InvalidArgumentError, match="was expected to be a float "
                                                             "tensor but is a int32 tensor"):
        cf(tf.constant(1))
    spec_cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    np.testing.assert_array_equal(spec_cf(tf.constant([1., 2., 3.])).numpy(), [2., 3., 4.])
    f.get_concrete_function(tf.constant([1.0]))  # reuses the [None] trace
    assert f.experimental_get_tracing_count() == 2


def test_concrete_function_checks_python_and_numpy_arguments_against_its_signature():
    @tf.function
    def g(x, y):
        return {"a": x * 2 + y}

    cg = g.get_concrete_function(tf.TensorSpec([None, 3], tf.float32),
                                 tf.TensorSpec([], tf.float32))
    # Converted to the input's dtype, as TF does (int numpy arrays are cast)
    np.testing.assert_array_equal(cg(np.ones([1, 3], np.int32), 1.0)["a"].numpy(), [[3, 3, 3]])
    with pytest.raises(TypeError) as e:
        cg(tf.zeros([1, 3]), [1., 2.])
    assert str(e.value) == (
        "Binding inputs to tf.function failed due to `Can not cast TensorSpec(shape=(2,), "
        "dtype=tf.float32, name=None) to TensorSpec(shape=(), dtype=tf.float32, name=None)`. "
        "Received args: (<tf.Tensor: shape=(1, 3), dtype=float32, numpy=array([[0., 0., 0.]], "
        "dtype=float32)>, [1.0, 2.0]) and kwargs: {} for signature: (x: TensorSpec(shape=(None, "
        "3), dtype=tf.float32, name=None), y: TensorSpec(shape=(), dtype=tf.float32, name=None))"
        " -> Dict[['a', TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)]].\n"
        "Fallback to flat signature also failed due to: g(x, y): expected argument "
        "#1(zero-based) to be a Tensor; got list ([1.0, 2.0]).")
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype float`"):
        cg(tf.zeros([1, 3]), "a")
    with pytest.raises(TypeError, match=r"Can not cast TensorSpec\(shape=\(2, 4\)"):
        cg(np.zeros([2, 4], np.float32), 1.0)
    # A tensor argument is not checked against the traced shape (TF runs the graph on it)
    assert cg(tf.zeros([2, 4]), 1.0)["a"].shape == (2, 4)


def test_side_effects_only_when_tracing(capsys):
    traced = []

    @tf.function
    def g(x):
        traced.append(1)
        tf.print("run", x, output_stream=sys.stdout)
        return x

    g(tf.constant(1)), g(tf.constant(2))
    out = capsys.readouterr().out
    assert out == "run 1\nrun 2\n"
    assert traced == [1]


def test_globals_frozen_variables_live():
    holder = {"k": 1}
    v = tf.Variable(1)
    t = tf.constant(1)

    @tf.function
    def f():
        return holder["k"] + 0, t + 0, v + 0

    assert [int(x) for x in f()] == [1, 1, 1]
    holder["k"] = 10
    v.assign(10)
    assert [int(x) for x in f()] == [1, 1, 10]


def test_variables_created_once_and_errors():
    class M(tf.Module):
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    m = M()
    assert float(m(tf.constant(3.0))) == 6.0
    assert m.__call__.experimental_get_tracing_count() == 2
    assert float(m(tf.constant(4.0))) == 8.0

    @tf.function
    def bad(x):
        v = tf.Variable(1.0)
        return v * x

    with pytest.raises(ValueError, match="only supports singleton tf.Variables") as e:
        bad(tf.constant(2.0))
    assert "in user code:" in str(e.value)


def test_assign_inside_runs_every_call_in_order():
    v = tf.Variable(0.0)

    @tf.function
    def step(x):
        v.assign_add(x)
        return v.read_value() * 2.0

    assert float(step(tf.constant(1.0))) == 2.0
    assert float(step(tf.constant(2.0))) == 6.0
    assert float(v.numpy()) == 3.0


def test_methods_trace_per_instance():
    class A:
        def __init__(self, k):
            self.k = k

        @tf.function
        def m(self, x):
            return x * self.k

    a, b = A(2), A(3)
    assert int(a.m(tf.constant(1))) == 2 and int(b.m(tf.constant(1))) == 3
    assert a.m.experimental_get_tracing_count() == 1


def test_run_functions_eagerly():
    seen = []

    @tf.function
    def f(x):
        seen.append(type(x).__name__)
        return x + 1

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1))
        assert tf.config.functions_run_eagerly()
    finally:
        tf.config.run_functions_eagerly(False)
    f(tf.constant(1))
    assert seen == ["EagerTensor", "SymbolicTensor"]


def test_nested_functions_are_call_ops():
    v = tf.Variable(1.0)

    @tf.function
    def inner(x):
        return x * 2.0

    @tf.function
    def inner_var(x):
        return x * v

    @tf.function
    def outer(x):
        return inner(x) + inner_var(x)

    assert float(outer(tf.constant(3.0))) == 9.0
    types = [op.type for op in outer.get_concrete_function(tf.constant(1.0)).graph
             .get_operations()]
    assert "PartitionedCall" in types and "StatefulPartitionedCall" in types


def test_gradient_tape_around_and_inside():
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * x * v

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 12.0 and float(gv) == 4.0

    @tf.function
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x * v
        return t.gradient(y, [x, v])

    gx, gv = g(x)
    assert float(gx) == 12.0 and float(gv) == 4.0

    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = f(x)
        d = t1.gradient(y, x)
    assert float(t2.gradient(d, x)) == 6.0


def test_errors_point_at_user_line():
    @tf.function
    def f(x):
        return x.numpy()

    with pytest.raises(AttributeError) as e:
        f(tf.constant(1.0))
    msg = str(e.value)
    assert "'SymbolicTensor' object has no attribute 'numpy'" in msg
    assert "in user code:" in msg and "return x.numpy()" in msg and __file__ in msg


def test_numpy_arguments():
    @tf.function
    def f(x):
        return x + 1

    assert f(np.array([1.0, 2.0])).dtype == tf.float64
    f(np.array([5.0, 6.0]))
    f(np.float32(1.0))
    assert f.experimental_get_tracing_count() == 2


def test_per_instance_functions_do_not_keep_instances_alive():
    import gc
    import weakref

    class A:
        @tf.function
        def m(self, x):
            return x + 1

    a = A()
    assert int(a.m(tf.constant(1))) == 2
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is None
