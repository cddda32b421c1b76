"""Execution plans: pruning, ordering, feeds, resources and run-time errors."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.framework import graph_ops as go
from tfedu.framework.execute import execute
from tfedu.graph.plan import compile_plan


def _placeholder(name, shape):
    return execute(go.PLACEHOLDER, [], {"dtype": tf.float32, "shape": tf.TensorShape(shape)},
                   name=name)


def test_prunes_to_fetches_and_runs_each_op_once():
    g = tf.Graph()
    with g.as_default():
        x = _placeholder("x", [None, 3])
        unused = _placeholder("unused", None)
        y = tf.reduce_sum(x * 2.0, axis=1)
        z = y + y
        w = unused * 3.0
    plan = compile_plan(g, [z, y], [x])
    names = [op.name for op in plan.ops]
    assert "unused" not in names and w.op.name not in names
    assert names.count("mul") == 1
    zv, yv = plan.run([np.ones((2, 3), np.float32)])
    np.testing.assert_allclose(yv, [6.0, 6.0])
    np.testing.assert_allclose(zv, [12.0, 12.0])


def test_feeding_an_intermediate_tensor_skips_its_producer():
    g = tf.Graph()
    with g.as_default():
        x = _placeholder("x", [])
        y = x * 2.0
        z = y + 1.0
    plan = compile_plan(g, [z], [y])
    assert "x" not in [op.name for op in plan.ops]
    assert plan.run([np.float32(10.0)])[0] == 11.0


def test_unfed_placeholder_error_names_node_and_user_line():
    g = tf.Graph()
    with g.as_default():
        x = _placeholder("x", [None, 3])
        y = x + 1.0
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        compile_plan(g, [y], []).run([])
    msg = info.value.message
    assert "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]" in msg
    assert "Detected at node 'x'" in msg and "test_plan.py" in msg
    assert msg.endswith("[[{{node x}}]]")


def test_kernel_value_error_becomes_invalid_argument():
    g = tf.Graph()
    with g.as_default():
        x = _placeholder("x", [None])
        y = _placeholder("y", [None])
        z = tf.add(x, y, name="plus")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes") as info:
        compile_plan(g, [z], [x, y]).run([np.ones(2, np.float32), np.ones(3, np.float32)])
    assert "node plus" in info.value.message


def test_resource_variables_live_in_the_store():
    g = tf.Graph()
    with g.as_default():
        h = execute(go.VAR_HANDLE, [], {"dtype": tf.float32, "shape": tf.TensorShape([]),
                                         "shared_name": "v"}, name="v")
        execute(go.ASSIGN_VARIABLE, [h, 3.0], name="v/Assign")
        assign = g.get_operations()[-1]
        execute(go.ASSIGN_ADD_VARIABLE, [h, 1.0])
        inc = g.get_operations()[-1]
        r = execute(go.READ_VARIABLE, [h], {"dtype": tf.float32})
    store_a, store_b = go.ResourceStore(), go.ResourceStore()
    read = compile_plan(g, [r], [])
    with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable v"):
        read.run([], store_a)
    assert compile_plan(g, [assign], []).run([], store_a) == [None]
    compile_plan(g, [inc], []).run([], store_a)
    assert read.run([], store_a)[0] == 4.0
    compile_plan(g, [assign], []).run([], store_b)
    assert read.run([], store_b)[0] == 3.0


def test_control_inputs_are_followed():
    g = tf.Graph()
    with g.as_default():
        h = execute(go.VAR_HANDLE, [], {"dtype": tf.float32, "shape": tf.TensorShape([]),
                                         "shared_name": "c"}, name="c")
        execute(go.ASSIGN_VARIABLE, [h, 7.0])
        assign = g.get_operations()[-1]
        with g.control_dependencies([assign]):
            r = execute(go.READ_VARIABLE, [h], {"dtype": tf.float32})
    assert compile_plan(g, [r], []).run([], go.ResourceStore())[0] == 7.0


def test_list_inputs_are_regrouped():
    g = tf.Graph()
    with g.as_default():
        x = _placeholder("x", [2])
        s = tf.add_n([x, x, tf.constant([1.0, 2.0])])
    out = compile_plan(g, [s], [x]).run([np.array([1.0, 1.0], np.float32)])[0]
    np.testing.assert_allclose(out, [3.0, 4.0])
