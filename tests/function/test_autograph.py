"""AutoGraph: Python control flow on tensors becomes tf.cond / tf.while_loop."""

import pytest

import tfedu as tf


def _op_types(f, *args):
    return {op.type for op in f.get_concrete_function(*args).graph.get_operations()}


def test_if_on_tensor_builds_cond_and_traces_both_branches(capsys):
    @tf.function
    def f(x):
        if x > 0:
            print("then")
            y = x * x
        else:
            print("else")
            y = -x
        return y

    assert int(f(tf.constant(3))) == 9
    assert int(f(tf.constant(-4))) == 4
    assert capsys.readouterr().out == "then\nelse\n"
    assert "StatelessIf" in _op_types(f, tf.constant(1))


def test_if_on_python_value_stays_python():
    @tf.function
    def f(x, flag):
        if flag:
            return x + 100
        return x - 100

    assert int(f(tf.constant(1), True)) == 101
    assert int(f(tf.constant(1), False)) == -99
    assert not _op_types(f, tf.constant(1), True) & {"If", "StatelessIf"}


def test_while_on_tensor():
    @tf.function
    def collatz(n):
        steps = 0
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        return steps

    assert int(collatz(tf.constant(27))) == 111
    assert collatz.experimental_get_tracing_count() == 1


def test_for_over_tensor_with_continue_and_break():
    @tf.function
    def sum_even(xs):
        s = 0
        for x in xs:
            if x % 2 == 1:
                continue
            s += x
        return s

    assert int(sum_even(tf.constant([1, 2, 3, 4, 6]))) == 12

    @tf.function
    def first_above(xs, limit):
        total = tf.constant(0.0)
        for i in tf.range(tf.shape(xs)[0]):
            total += xs[i]
            if total > limit:
                break
        return total

    xs = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert float(first_above(xs, tf.constant(2.5))) == 3.0
    assert float(first_above(xs, tf.constant(100.0))) == 10.0


def test_python_range_is_unrolled():
    @tf.function
    def f(x):
        for i in range(3):
            x = x + i
        return x

    types = [op.type for op in f.get_concrete_function(tf.constant(0)).graph.get_operations()]
    assert types.count("AddV2") == 3 and "While" not in types


def test_return_inside_tensor_loop_and_ifexp():
    @tf.function
    def find(xs, target):
        for i in tf.range(5):
            if xs[i] == target:
                return i
        return -1

    with pytest.raises(NotImplementedError):
        find(tf.constant([1, 2, 3, 4, 5]), tf.constant(3))

    @tf.function
    def pick(x):
        return x * 2 if x > 0 else -x

    assert int(pick(tf.constant(3))) == 6 and int(pick(tf.constant(-3))) == 3


def test_branch_errors():
    @tf.function
    def one_branch(x):
        if x > 0:
            y = x
        return y

    with pytest.raises(ValueError, match="'y' must also be initialized in the else branch"):
        one_branch(tf.constant(1))

    @tf.function
    def dtypes(x):
        if x > 0:
            y = 1
        else:
            y = 1.5
        return y

    with pytest.raises(TypeError, match="'y' has dtype int32 in the main branch, but dtype "
                                        "float32 in the else branch"):
        dtypes(tf.constant(1))


def test_loop_shape_change_and_set_loop_options():
    @tf.function
    def grow(n):
        v = tf.constant([1])
        for i in tf.range(n):
            v = tf.concat([v, [i]], 0) if hasattr(tf, "concat") else tf.stack([i, i])
        return v

    with pytest.raises(ValueError, match="'v' has shape \\(1,\\) before the loop, but shape "
                                         "\\(2,\\) after one iteration"):
        grow(tf.constant(3))


def test_autograph_false_raises_on_tensor_bool():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant(1))


def test_to_code_if_else():
    def f(x):
        if x > 0:
            x = x * x
        else:
            x = -x
        return x

    code = tf.autograph.to_code(f)
    assert code.startswith("def tf__f(x):\n    with ag__.FunctionScope('f', 'fscope'")
    assert "ag__.if_stmt(ag__.ld(x) > 0, if_body, else_body, get_state, set_state, ('x',), 1)" \
        in code
    assert code.rstrip().endswith("return fscope.ret(retval_, do_return)")


def test_do_not_convert():
    @tf.autograph.experimental.do_not_convert
    def plain(x):
        if x > 0:
            return x
        return -x

    @tf.function
    def f(x):
        return plain(x)

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant(1))


def test_user_functions_are_converted_recursively():
    def helper(x):
        if x > 0:
            return x
        return -x

    @tf.function
    def f(x):
        return helper(x) + 1

    assert int(f(tf.constant(-5))) == 6


def test_callable_objects_and_nested_control_flow():
    class Absolute:
        def __call__(self, x):
            if x > 0:
                return x
            return -x

    f = tf.function(Absolute())
    assert int(f(tf.constant(-3))) == 3

    @tf.function
    def outer(x):
        return tf.cond(x > 0, lambda: tf.while_loop(lambda i: i < x, lambda i: i + 1, [0])[0],
                       lambda: -x)

    assert int(outer(tf.constant(4))) == 4 and int(outer(tf.constant(-4))) == 4


def test_for_over_dataset_inside_function():
    ds = tf.data.Dataset.range(5).map(lambda v: v * 2)

    @tf.function
    def total():
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        return s

    assert int(total()) == 20


def test_early_return_on_tensor_condition_and_super():
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            return x * 2
        return -x

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert f(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]
    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert cf.outputs[0].shape.as_list() == [None]

    class Base(tf.Module):
        def f(self, x):
            return x + 1

    class M(Base):
        @tf.function
        def f(self, x):
            if x > 0:
                return super().f(x)
            return x

    assert int(M().f(tf.constant(1))) == 2 and int(M().f(tf.constant(-1))) == -1


def test_side_effects_in_tensor_branches_and_nested_loops():
    v = tf.Variable(0)

    @tf.function
    def bump(x):
        if x > 0:
            v.assign_add(1)
        else:
            v.assign_sub(1)
        return v.read_value()

    assert [int(bump(tf.constant(k))) for k in (1, -1, 5, 5)] == [1, 0, 1, 2]

    @tf.function
    def triangle(n):
        total = tf.constant(0)
        for i in tf.range(n):
            for j in tf.range(n):
                if j > i:
                    break
                total += 1
        return total

    assert int(triangle(tf.constant(4))) == 10
