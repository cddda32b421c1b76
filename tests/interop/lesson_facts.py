"""What the lessons say TensorFlow does, computed by a program that runs on TensorFlow and on tfedu.

`facts(tf)` runs the lessons' claims (trace counts, gradients that are None, op types, error
classes, printed values) with the module it is given and returns them as plain data.
`python lesson_facts.py` prints TensorFlow's as JSON (the side environment runs it as a file,
so that AutoGraph can read the functions' source); test_lesson_facts.py compares both.
"""

from __future__ import annotations

import json


def _error(fn) -> str:
    try:
        fn()
    except Exception as e:  # the class name is the fact
        return type(e).__name__
    return "no error"


def _types(concrete) -> list[str]:
    return sorted({op.type for op in concrete.graph.get_operations()})


def retracing(tf) -> dict:
    @tf.function
    def f(x):
        return tf.add(x, 1.)

    for v in (1., 5., [1., 2.], [3., 4.], [[1.]]):
        f(tf.constant(v))

    @tf.function
    def g(x, n):
        return x * n

    t = tf.constant([1., 2.])
    for n in (1, 2, 3, 1):
        g(t, n)
    python_values = g.experimental_get_tracing_count()

    @tf.function
    def mix(x):
        return x * 2

    for arg in (tf.constant(1), tf.constant(2), tf.constant(1.), tf.constant([1., 2.]),
                tf.constant([3., 4., 5.]), 3, tf.constant(7)):
        mix(arg)

    @tf.function(reduce_retracing=True)
    def r(x):
        return x * 2.

    for n in range(1, 6):
        r(tf.ones([n]))
    return {"trace_count": f.experimental_get_tracing_count(), "python_values": python_values,
            "predict_mix": mix.experimental_get_tracing_count(),
            "reduce_retracing": r.experimental_get_tracing_count()}


def autograph(tf) -> dict:
    @tf.function
    def clip_or_double(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2.
        else:
            y = tf.zeros_like(x)
        return y

    @tf.function
    def maybe_square(x, square):
        if square:
            y = x * x
        else:
            y = x
        return y

    for square in (True, False, True, tf.constant(True), tf.constant(False)):
        maybe_square(tf.constant(3.), square)

    @tf.function
    def halve_until_small(x):
        steps = 0
        while x > 1.:
            x = x / 2.
            steps += 1
        return x, steps

    halved = halve_until_small(tf.constant(100.))
    return {"if_ops": _types(clip_or_double.get_concrete_function(tf.constant([1., 2.]))),
            "bool_traces": maybe_square.experimental_get_tracing_count(),
            "halve": [float(halved[0]), int(halved[1])],
            "halve_has_while": "StatelessWhile" in _types(
                halve_until_small.get_concrete_function(tf.constant(100.))),
            "autograph_if_stmt": "ag__.if_stmt" in tf.autograph.to_code(
                clip_or_double.python_function)}


def none_gradients(tf) -> dict:
    import numpy as np

    x, c, unused = tf.Variable(2.0), tf.constant(2.0), tf.Variable(5.0)
    out = {}
    with tf.GradientTape() as tape:
        y = c * c
    out["unwatched"] = tape.gradient(y, c) is None
    with tf.GradientTape() as tape:
        y = tf.constant(np.square(x.numpy()))
    out["numpy"] = tape.gradient(y, x) is None
    with tf.GradientTape() as tape:
        y = tf.cast(tf.round(x), tf.int32)
    out["integer"] = tape.gradient(y, x) is None
    with tf.GradientTape() as tape:
        y = x * 3.0
    out["unconnected"] = [g is None for g in tape.gradient(y, [x, unused])]
    with tf.GradientTape() as tape:
        y = x * 3.0
    out["zeros"] = [float(g) for g in tape.gradient(
        y, [x, unused], unconnected_gradients=tf.UnconnectedGradients.ZERO)]
    return out


def tapes(tf) -> dict:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x ** 3 + 2 * x
    grad = float(tape.gradient(y, x))
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    second = _error(lambda: tape.gradient(y, x))
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * y
    persistent = [float(tape.gradient(y, x)), float(tape.gradient(z, x))]
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x)
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    for _ in range(3):
        with tf.GradientTape() as t2:
            loss = tf.square(w * 2.0 + b - 1.0)
        opt.apply_gradients(zip(t2.gradient(loss, [w, b]), [w, b]))
    return {"grad_value": grad, "second_gradient": second, "persistent": persistent,
            "stop_gradient": float(tape.gradient(y, x)), "iterations": int(opt.iterations)}


def tf1_graphs(tf) -> dict:
    import numpy as np

    v1 = tf.compat.v1
    out = {}
    for name, both in (("both", True), ("one", False)):
        g = tf.Graph()
        with g.as_default():
            x = v1.placeholder(tf.float32, [None], name="x")
            w = v1.Variable(0.0, name="w")
            loss = tf.reduce_mean(tf.square(w * x - 1.0))
            opt = v1.train.GradientDescentOptimizer(0.5)
            if both:
                tf.gradients(loss, [w])
                opt.minimize(loss)
            else:
                opt.apply_gradients(opt.compute_gradients(loss, [w]))
        out[f"backward_scopes_{name}"] = len({op.name.split("/")[0] for op in g.get_operations()
                                              if op.name.startswith("gradients")})
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 2])
        y = tf.reduce_sum(x * 2., axis=1)
        out["unknown_dim"] = str(y.shape)
        with v1.Session() as sess:
            out["session_value"] = sess.run(y, {x: [[1., 2.], [3., 4.]]}).tolist()
        a, b = tf.constant(1), tf.constant(1)
        out["graph_eq"] = [a == b, a == a]
        out["build_error"] = _error(lambda: tf.matmul(v1.placeholder(tf.float32, [None, 3]),
                                                      tf.ones([4, 2])))
        z = tf.matmul(v1.placeholder(tf.float32, [None, None]), tf.ones([4, 2]))
        with v1.Session() as sess:
            out["run_error"] = _error(lambda: sess.run(z, {z.op.inputs[0]: np.ones([2, 3])}))
    out["eager_eq"] = (tf.constant([1, 2]) == tf.constant([1, 3])).numpy().tolist()
    out["unhashable"] = _error(lambda: hash(tf.constant(1)))
    out["eager_placeholder"] = _error(lambda: v1.placeholder(tf.float32, [None, 2]))
    return out


def pitfalls(tf) -> dict:
    out = {}

    @tf.function
    def scaled(x):
        v = tf.Variable(2.0)
        return v * x

    out["variable_inside"] = _error(lambda: scaled(tf.constant(3.)))

    class Scale(tf.Module):
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    scale = Scale()
    scale(tf.constant(3.))
    scale(tf.constant([1., 2.]))
    out["module_traces"] = scale.__call__.experimental_get_tracing_count()

    @tf.function
    def take(iterator):
        return tf.identity(next(iterator))

    python_iterator = iter([1, 2, 3])
    data_iterator = iter(tf.data.Dataset.from_tensor_slices([1, 2, 3]))
    out["iterators"] = [int(take(it)) for it in [python_iterator] * 3 + [data_iterator] * 3]

    @tf.function
    def show_next(iterator):
        tf.print("Value:", next(iterator))

    out["iterator_print_has_const"] = "Const" in _types(
        show_next.get_concrete_function(iter([1, 2, 3])))
    out.update(_loops(tf))
    out.update(_leaks(tf))
    return out


def _leaks(tf) -> dict:
    leaked = []

    @tf.function
    def leaky(a):
        leaked.append(a + 1)
        return a + 2

    leaky(tf.constant(1))

    @tf.function
    def use_leaked():
        return leaked[0] + 1

    return {"leaked_repr": str(leaked[0]), "leaked_numpy": _error(lambda: leaked[0].numpy()),
            "leaked_reused": _error(use_leaked)}


def _loops(tf) -> dict:
    @tf.function
    def repeat_python(x, n):
        for _ in range(n):
            x = x * 2.
        return x

    @tf.function
    def squares(n):
        ta = tf.TensorArray(tf.int32, size=n)
        for i in tf.range(n):
            ta = ta.write(i, i * i)
        return ta.stack()

    @tf.function
    def squares_list(n):
        out = []
        for i in tf.range(n):
            out.append(i * i)
        return tf.stack(out)

    @tf.function
    def first_above(xs, limit):
        found = tf.constant(-1)
        for i in tf.range(tf.size(xs)):
            if xs[i] > limit:
                found = i
                break
        return found

    @tf.function
    def last_above(xs, limit):
        found = tf.constant(-1)
        for i in tf.range(tf.size(xs)):
            if xs[i] > limit:
                found = i
        return found

    def bool_inputs(fn):
        concrete = fn.get_concrete_function(tf.constant([1., 5.]), tf.constant(4.))
        loop = next(op for op in concrete.graph.get_operations() if op.type.endswith("While"))
        return sum(t.dtype == tf.bool for t in loop.inputs)

    @tf.function
    def debug_me(x):
        return x + 1

    tf.config.run_functions_eagerly(True)
    try:
        debug_me(tf.constant(1.))
        eager_traces = debug_me.experimental_get_tracing_count()
    finally:
        tf.config.run_functions_eagerly(False)
    return {"unrolled_ops": _types(repeat_python.get_concrete_function(tf.constant(1.), 3)),
            "squares": squares(tf.constant(4)).numpy().tolist(),
            "tensor_array_ops": [t for t in _types(squares.get_concrete_function(
                tf.constant(4))) if t.startswith("TensorList")],
            "list_in_loop": _error(lambda: squares_list(tf.constant(4))),
            "eager_traces": eager_traces, "break_bool_inputs": [bool_inputs(first_above),
                                                                 bool_inputs(last_above)]}


def misc(tf) -> dict:
    keras = tf.keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    ds = tf.data.Dataset.range(10)
    first = next(iter(ds.map(lambda x: x * 2).filter(lambda x: x % 3 == 0).batch(2)))
    tf.config.optimizer.set_jit(True)
    try:
        jit = tf.config.optimizer.get_jit()
    finally:
        tf.config.optimizer.set_jit(False)
    return {"eager_default": tf.executing_eagerly(), "param_count": model.count_params(),
            "batch_count": len(list(ds.batch(3))), "first_batch": first.numpy().tolist(),
            "range_dtype": ds.element_spec.dtype.name, "jit": jit}


def facts(tf) -> dict:
    out = {}
    for part in (retracing, autograph, none_gradients, tapes, tf1_graphs, pitfalls, misc):
        out.update(part(tf))
    return out


if __name__ == "__main__":
    import tensorflow

    print(json.dumps(facts(tensorflow)))
