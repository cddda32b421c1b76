"""The lessons' exercises: question, reference solution, rule, hint, mistakes, explanation.

Ids are `lessonNN.name`, NN being the notebook's number in notebooks/. Each exercise declares
its common wrong answers (`Mistake`) with the misconception each reveals, said as a hint.
Exercises whose answer is an object (a tf.function, a model) check the object itself.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.teach.core import Exercise, Mistake, register
from tfedu.teach.rules import as_array, behaves_like, close_to, one_of, show, text_answer, yes_no


def _is_tf_function(f) -> bool:
    return hasattr(f, "get_concrete_function") and hasattr(f, "python_function")


def _op_types(fn, *specs) -> set[str]:
    """The op types of the graph `fn` traces for these argument specs."""
    return {op.type for op in fn.get_concrete_function(*specs).graph.get_operations()}


def _near(target, atol=0.1):
    def match(answer):
        a = as_array(answer)
        return a is not None and a.shape == np.shape(target) and np.allclose(a, target, atol=atol)
    return match


def _raises(fn, *args, text=""):
    try:
        fn(*args)
    except Exception as e:
        return text in str(e)
    return False


# ---- 00 welcome -------------------------------------------------------------------------------

register(Exercise(
    id="lesson00.eager_default",
    question="In TensorFlow 2, does `tf.constant(2.0) * 3` compute a value right away? "
             "Answer with what `tf.executing_eagerly()` returns.",
    solution=True,
    rule=yes_no,
    mistakes=(Mistake("That is TF 1.x's default (build a graph, run it later in a Session). "
                      "In TF2 an op outside a tf.function runs the moment it is called; run "
                      "`tf.executing_eagerly()` to see.", answers=(False,)),),
    explanation="TF2 runs eagerly by default: every op computes its result the moment it is "
                "called, like numpy. Graphs are still there, built on request by tf.function.",
    hint="Run `tf.executing_eagerly()` in a cell.",
))

register(Exercise(
    id="lesson00.centre",
    question="Which API is at the centre of TensorFlow 2 for building and training models? "
             "A: tf.Session, B: tf.keras, C: tf.contrib, D: tf.placeholder",
    solution="B",
    rule=one_of({"A": "TF1's way to run a graph, now tf.compat.v1.Session",
                 "B": "Keras, TF2's high-level model API",
                 "C": "a TF1 grab-bag removed in TF2",
                 "D": "TF1's graph inputs, replaced by function arguments"}),
    mistakes=(Mistake("Sessions run TF1 graphs; TF2 has no tf.Session (only "
                      "tf.compat.v1.Session). Which API builds, trains and saves models?",
                      answers=("A",)),
              Mistake("tf.contrib was removed in TF2: its parts moved into TF, into add-ons, or "
                      "were dropped. Look at the table: which API is at the centre?",
                      answers=("C",)),
              Mistake("Placeholders were TF1's graph inputs; in TF2 a function's inputs are its "
                      "arguments. Which API builds and trains models?", answers=("D",))),
    explanation="TF2 made Keras the standard way to define, train and save models; "
                "sessions and placeholders live on only in tf.compat.v1.",
    hint="Look at the 'Models' row of the table.",
))

register(Exercise(
    id="lesson00.tf1_eager",
    question="Could TensorFlow 1.x run ops eagerly? A: no, graphs were the only mode; "
             "B: yes, when a program called tf.compat.v1.enable_eager_execution() at its "
             "start; C: yes, eager was already the default",
    solution="B",
    rule=one_of({"A": "graphs only", "B": "opt-in at program start",
                 "C": "eager by default"}),
    mistakes=(Mistake("TF 1.x did have eager execution, from 1.5 (tf.contrib.eager) and as "
                      "tf.enable_eager_execution() from 1.7; graphs were the default, not the "
                      "only mode.", answers=("A",)),
              Mistake("Eager became the default only in 2.0; in 1.x a program switched it on.",
                      answers=("C",))),
    explanation="In TF 1.x eager execution was opt-in, switched on once at program start with "
                "enable_eager_execution(); TF2 made it the default and kept graphs for "
                "tf.function.",
    hint="Read the 'Running code' row of the table and the sentence under it.",
))

# ---- 01 eager vs Session ----------------------------------------------------------------------


def _is_symbolic(answer) -> bool:
    return hasattr(answer, "op") and not hasattr(answer, "numpy")


register(Exercise(
    id="lesson01.session_value",
    question="What does `sess.run(y, feed_dict={x: [[1., 2.], [3., 4.]]})` return for "
             "y = tf.reduce_sum(x * 2., axis=1)?",
    solution=np.array([6.0, 14.0], dtype=np.float32),
    mistakes=(Mistake("That is the sum of every element: reduce_sum with axis=1 sums each row "
                      "on its own and keeps one number per row.", answers=(20.0, [20.0])),
              Mistake("That sums each column (axis=0). axis=1 runs along a row: one sum per "
                      "row.", answers=([8.0, 12.0],)),
              Mistake("Those are the rows summed without the `* 2.`: every op between x and y "
                      "runs.", answers=([3.0, 7.0],)),
              Mistake("That is x * 2 before the reduction: y is the output of reduce_sum.",
                      answers=([[2.0, 4.0], [6.0, 8.0]],)),
              Mistake("That is the symbolic tensor itself: in a graph, y has no value until a "
                      "Session runs it. Answer what sess.run(...) returns.",
                      match=_is_symbolic, make_example=lambda: _symbolic_y(),
                      looks_like="y itself (a symbolic graph tensor)")),
    explanation="Session.run feeds the placeholder, runs only the ops y needs and returns a "
                "numpy array: each row doubled and summed, [2+4, 6+8].",
    hint="Work it out row by row: double each element, then add up the row.",
))


def _symbolic_y():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 2])
        return tf.reduce_sum(x * 2.0, axis=1)


register(Exercise(
    id="lesson01.when_unknown",
    question="A placeholder of shape [None, None] is multiplied (tf.matmul) with a [4, 2] "
             "constant, and fed a [2, 3] array. When does the error surface: 'build' or 'run'?",
    solution="run",
    rule=text_answer("runtime", "run time", "running", "session run", "sess run", "execution",
                     "executing", "when it runs",
                     not_with=("build", "built", "construction", "trace", "tracing")),
    mistakes=(Mistake("Shape inference can only check dimensions it knows. With [None, None] "
                      "the inner dimension is unknown while the graph is built, so building "
                      "succeeds: look again at the cell that prints 'built fine'.",
                      answers=("build", "built", "construction", "graph creation")),),
    explanation="With unknown dimensions shape inference cannot see the mismatch when the "
                "graph is built; the kernel finds it when Session.run executes the op, and the "
                "error names the node and the line that created it.",
    hint="Which line of the failing cell raised the error: the tf.matmul or the sess.run?",
))

# ---- 02 tf.function and retracing -------------------------------------------------------------

register(Exercise(
    id="lesson02.trace_count",
    question="f is `@tf.function def f(x): return tf.add(x, 1.)`. It is called with "
             "tf.constant(1.), tf.constant(5.), tf.constant([1., 2.]), tf.constant([3., 4.]) and "
             "tf.constant([[1.]]). What is f.experimental_get_tracing_count()?",
    solution=3,
    mistakes=(Mistake("Not every call traces: a tensor's trace key is its dtype and shape, "
                      "not its value. Which calls have the same shape?", answers=(5, 4)),
              Mistake("The shape is part of the key: a scalar, a vector of 2 and a 1x1 matrix "
                      "each need their own graph.", answers=(1,)),
              Mistake("[[1.]] holds one number like a scalar, but its shape is (1, 1), not (): "
                      "a different key.", answers=(2,))),
    explanation="A tensor argument's trace key is its dtype and shape, not its value: the two "
                "scalars share a graph, the two vectors of shape [2] share one, the matrix "
                "needs a third.",
    hint="Group the calls by shape.",
))

register(Exercise(
    id="lesson02.python_values",
    question="g is `@tf.function def g(x, n): return x * n`. It is called as g(t, 1), g(t, 2), "
             "g(t, 3), g(t, 1) with the same tensor t and Python ints n. How many traces?",
    solution=3,
    mistakes=(Mistake("A Python number is not a tensor: it is part of the trace key by value "
                      "and baked into the graph as a constant. Each new value traces.",
                      answers=(1,)),
              Mistake("The last call repeats n=1, whose graph already exists: it is reused.",
                      answers=(4,))),
    explanation="A Python value is part of the cache key by value: each new n traces a new "
                "graph with n baked in as a constant; the second n=1 call reuses the first graph. "
                "Pass tf.constant(n) to share one graph.",
    hint="Count the different values of n.",
))

register(Exercise(
    id="lesson02.print_count",
    question="h has a Python print() and a tf.print() in its body. Called 3 times with "
             "float32 scalars, how many times does the Python print() run?",
    solution=1,
    mistakes=(Mistake("That is tf.print's count: it is an op in the graph and runs on every "
                      "call. Python code in the body runs only while tracing, and all three "
                      "calls share one trace.", answers=(3,)),
              Mistake("Tracing runs the Python body once, print() included: that is when it "
                      "prints.", answers=(0,))),
    explanation="Python code in a tf.function runs only while tracing; the graph it leaves "
                "behind has no Python in it. tf.print is an op in the graph, so it prints on "
                "every call.",
    hint="How many traces do three float32 scalars make?",
))

register(Exercise(
    id="lesson02.predict_mix",
    question="Predict before running: a fresh `@tf.function def g(x): return x * 2` is called "
             "with tf.constant(1), tf.constant(2), tf.constant(1.), tf.constant([1., 2.]), "
             "tf.constant([3., 4., 5.]), 3 and tf.constant(7). How many traces?",
    solution=5,
    mistakes=(Mistake("Calls with the same dtype and shape share a graph: tf.constant(1), "
                      "tf.constant(2) and tf.constant(7) are all int32 scalars.",
                      answers=(7, 6)),
              Mistake("Shape is part of the key (vectors of 2 and of 3 differ), and a Python 3 "
                      "is not an int32 tensor: it is its own key, by value.", answers=(4, 3)),
              Mistake("dtype and shape both count: int32 and float32 scalars differ, and so do "
                      "vectors of different lengths.", answers=(2, 1))),
    explanation="Keys: int32 scalar (1, 2 and 7 share it), float32 scalar, float32[2], "
                "float32[3], and the Python value 3: five graphs. Retracing view: five "
                "'traced' chips and two 'reused'.",
    hint="Write each call's key (dtype and shape for tensors, the value for Python numbers), "
         "then count the different keys.",
))

# ---- 03 AutoGraph -----------------------------------------------------------------------------


_COLLATZ_SOLUTION = """\
@tf.function
def collatz_steps(n):
    count = tf.constant(0)
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        count += 1
    return count
"""


@tf.function
def collatz_steps(n):
    """The reference, written as the While/If ops AutoGraph makes of the solution's loop
    (AutoGraph leaves tfedu's own modules unconverted, as TF does its own)."""
    def step(n, count):
        n = tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        return n, count + 1

    return tf.while_loop(lambda n, count: n > 1, step, (n, tf.constant(0)))[1]


def _has_while(fn) -> bool:
    return bool(_op_types(fn, tf.TensorSpec([], tf.int32)) & {"While", "StatelessWhile"})


def _collatz_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    if not _has_while(answer):
        return False, "its graph has no While op: the loop did not become part of the graph."
    return behaves_like([(tf.constant(n),) for n in (1, 6, 7, 27)])(answer, expected)


def _python_collatz(n):
    count = 0
    n = int(n)
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        count += 1
    return count


@tf.function
def _unrolled_collatz(n):
    count = tf.constant(0)
    for _ in range(120):  # a Python loop: unrolled while tracing, no While op
        count += tf.cast(n > 1, tf.int32)
        n = tf.where(n > 1, tf.where(n % 2 == 0, n // 2, 3 * n + 1), n)
    return count


@tf.function
def _collatz_plus_one(n):
    def step(n, count):
        return tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1), count + 1

    return tf.while_loop(lambda n, count: n > 1, step, (n, tf.constant(1)))[1]


register(Exercise(
    id="lesson03.collatz",
    question="Write `collatz_steps(n)` (a tf.function over an int32 tensor n) that counts the "
             "steps of the Collatz rule (n//2 if even, else 3n+1) until n is 1.",
    solution=collatz_steps,
    rule=_collatz_rule,
    show_solution=lambda: _COLLATZ_SOLUTION,
    mistakes=(Mistake("This is plain Python: it works eagerly, but no graph is traced. "
                      "Decorate it with @tf.function so that AutoGraph turns the loop into a "
                      "While op.", match=lambda a: callable(a) and not _is_tf_function(a),
                      looks_like="a plain Python function (no @tf.function)",
                      example=_python_collatz),
              Mistake("The loop ran in Python while tracing and was unrolled: a `for` over "
                      "range() (or a condition on a Python value) does not become a While op. "
                      "Loop with `while n > 1:` on the tensor n.",
                      match=lambda a: _is_tf_function(a) and not _has_while(a),
                      looks_like="a tf.function whose loop is a Python for over range()",
                      example=_unrolled_collatz),
              Mistake("One step too many: the count stops when n reaches 1 (6 -> 3 -> 10 -> 5 "
                      "-> 16 -> 8 -> 4 -> 2 -> 1 is 8 steps).",
                      match=lambda a: int(a(tf.constant(6))) == 9, example=_collatz_plus_one,
                      looks_like="a loop that also counts n == 1 (9 for n = 6)")),
    explanation="AutoGraph turns `while` and `if` on tensors into While and If ops, so the "
                "loop runs inside the graph however many steps it takes.",
    hint="Keep n a tensor: `while n > 1:` with an `if n % 2 == 0:` inside; AutoGraph converts "
         "both.",
))

register(Exercise(
    id="lesson03.if_op",
    question="A Python `if` on a tensor condition inside a tf.function becomes which kind of "
             "graph op? (its type name)",
    solution="If",
    rule=text_answer("StatelessIf", "tf.cond", "cond", not_with=("switch", "merge", "while")),
    mistakes=(Mistake("Switch and Merge are TF 1.x's control flow (v1), still in tf.compat.v1 "
                      "graphs. TF2's control flow v2 builds one op that holds both branches "
                      "as functions.", answers=("Switch", "Merge")),
              Mistake("tf.where (Select) computes both values and picks elementwise; an `if` "
                      "becomes an op that runs only the chosen branch.",
                      answers=("where", "select", "SelectV2")),
              Mistake("While is what a `while` loop becomes; an `if` makes a different op.",
                      answers=("While", "StatelessWhile"))),
    explanation="AutoGraph rewrites the `if` into tf.cond, which builds an If op holding the "
                "two branches as sub-graphs; only the chosen branch runs. (StatelessIf when "
                "the branches have no side effects.)",
    hint="Look at the op types printed under the clip_or_double graph.",
))

register(Exercise(
    id="lesson03.bool_traces",
    question="Predict: maybe_square (with `if square:` on its second argument) is called with "
             "square = True, False, True, tf.constant(True), tf.constant(False). How many "
             "traces?",
    solution=3,
    mistakes=(Mistake("A Python True repeated reuses its graph: Python values are keys by "
                      "value.", answers=(5, 4)),
              Mistake("tf.constant(True) is a tensor, not the Python bool: a new key (bool "
                      "scalar), and this time the `if` becomes an If op; tf.constant(False) "
                      "reuses that graph.", answers=(2,))),
    explanation="True and False are two Python keys (two graphs, each with one branch only); "
                "the bool tensors share one key and one graph with an If op that picks the "
                "branch at run time: 3.",
    hint="Python bools are keys by value; a bool tensor's key is its dtype and shape.",
))

# ---- 04 gradients and training loops ----------------------------------------------------------

register(Exercise(
    id="lesson04.grad_value",
    question="With a GradientTape, what is d/dx of x**3 + 2*x at x = 2?",
    solution=14.0,
    mistakes=(Mistake("None means the tape did not connect the result to x. A tf.constant is "
                      "not watched: call tape.watch(x) first, or make x a tf.Variable.",
                      answers=(None,)),
              Mistake("12 is the value of x**3 + 2*x at 2 (and also the derivative of x**3 "
                      "alone): answer tape.gradient(y, x) for the whole expression.",
                      answers=(12.0,)),
              Mistake("2 is the derivative of 2*x alone: x**3 contributes 3*x**2.",
                      answers=(2.0,))),
    explanation="3x² + 2 at x = 2 is 14. The tape recorded Pow, Mul and Add and multiplied "
                "their local derivatives backwards.",
    hint="x = tf.constant(2.0); inside the tape, tape.watch(x) then y = x**3 + 2*x; "
         "answer tape.gradient(y, x).",
))

register(Exercise(
    id="lesson04.fit_line",
    question="Train w and b so that w*x + b fits y = 3x - 1; answer [w, b].",
    solution=[3.0, -1.0],
    rule=close_to(0.05),
    mistakes=(Mistake("w and b have not moved from 0: the loop must compute the gradients "
                      "under a tape and apply them (w2.assign_sub(lr * dw)).",
                      match=_near([0.0, 0.0], 0.05), example=[0.0, 0.0], looks_like="about [0, 0]"),
              Mistake("That fits ys (2x + 0.5) from the lesson, not targets = 3x - 1.",
                      match=_near([2.0, 0.5]), example=[2.0, 0.5], looks_like="about [2, 0.5]"),
              Mistake("The values blew up (inf or nan): the step (learning rate) is too large, "
                      "or the update adds the gradient instead of subtracting it.",
                      match=lambda a: as_array(a) is not None and not np.all(
                          np.isfinite(as_array(a).astype(float))),
                      example=[np.nan, np.nan], looks_like="nan or inf")),
    explanation="Gradient descent on the mean squared error moves w and b against their "
                "gradients until the line fits: w ≈ 3, b ≈ -1.",
    hint="Copy train_step with w2, b2 and targets; 100 steps at lr=0.5 are enough. Answer "
         "[w2, b2] (the variables or their values).",
))

register(Exercise(
    id="lesson04.none_gradient",
    question="`x = tf.Variable(2.)`; under a tape, `y = tf.constant(np.square(x.numpy()))`. "
             "tape.gradient(y, x) is None. Why? A: x is not watched; B: the value went through "
             "numpy, where the tape cannot follow; C: the gradient of a square is zero there",
    solution="B",
    rule=one_of({"A": "not watched", "B": "left the tape through numpy",
                 "C": "zero gradient"}),
    mistakes=(Mistake("Trainable variables are watched automatically. Follow y back to x: "
                      "which step is not a TensorFlow op?", answers=("A",)),
              Mistake("A zero gradient comes back as 0, not None; and 2x at x=2 is 4. None "
                      "means no path from y to x on the tape.", answers=("C",))),
    explanation="The tape records TensorFlow ops only. x.numpy() and np.square leave "
                "TensorFlow, so y is a new constant with no recorded path to x: the gradient "
                "is None (unconnected). Keep the computation in TF ops (tf.square(x)).",
    hint="The tape records the TensorFlow ops run inside it, and nothing else.",
))

register(Exercise(
    id="lesson04.backward_passes",
    question="A TF1 graph calls `tf.gradients(loss, [w, b])` and then "
             "`GradientDescentOptimizer(0.5).minimize(loss)`. How many copies of the backward "
             "pass does the graph hold?",
    solution=2,
    mistakes=(Mistake("Each call adds its own gradient ops to the graph (scopes gradients/ and "
                      "gradients_1/); TF1 does not share them. To compute the gradients once, "
                      "use compute_gradients and apply_gradients.", answers=(1,)),),
    explanation="tf.gradients and minimize each build the backward ops: two copies. "
                "opt.compute_gradients(loss) + opt.apply_gradients(...) build them once and "
                "let you fetch the same gradients the update uses.",
    hint="minimize(loss) is compute_gradients(loss) followed by apply_gradients.",
))

# ---- 05 Keras ---------------------------------------------------------------------------------

register(Exercise(
    id="lesson05.param_count",
    question="How many trainable parameters has Sequential([Input((3,)), Dense(4), Dense(2)])?",
    solution=26,
    mistakes=(Mistake("That counts the weights only: each Dense layer also has one bias per "
                      "unit.", answers=(20,)),
              Mistake("That counts the biases only: a Dense layer has inputs x units weights "
                      "too.", answers=(6,)),
              Mistake("The second layer's inputs are the first layer's 4 outputs, not the 3 "
                      "model inputs.", answers=(24,))),
    explanation="Dense(4) on 3 inputs: 3*4 weights + 4 biases = 16; Dense(2) on 4 inputs: "
                "4*2 + 2 = 10; 26 in all. model.count_params() or model.summary() tell you.",
    hint="Each Dense layer has inputs*units weights and units biases.",
))


def _iris_test_arrays():
    import tfedu.datasets as tfds

    x, y = next(iter(tfds.load("iris", split="train[80%:]", as_supervised=True).batch(1000)))
    return x.numpy(), y.numpy()


def _iris_accuracy(model) -> float | None:
    """The model's accuracy on the test split, measured here; None if its output is not
    three class scores per flower."""
    x, y = _iris_test_arrays()
    scores = np.asarray(model.predict(x, verbose=0))
    if scores.ndim != 2 or scores.shape[-1] != 3:
        return None
    return float(np.mean(scores.argmax(axis=1) == y))


def _iris_rule(answer, expected):
    if not hasattr(answer, "predict"):
        return False, f"the answer is your trained Keras model; you gave {show(answer)}."
    accuracy = _iris_accuracy(answer)
    if accuracy is None:
        return False, "its output is not three class scores per flower."
    if accuracy >= 0.85:
        return True, ""
    return False, f"its test accuracy is {accuracy:.3f}; at least 0.85 is needed."


def _iris_model(units_out=3, train=True):
    import tfedu.datasets as tfds

    keras = tf.keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(units_out, activation="softmax",
                                                 kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if train:
        data = tfds.load("iris", split="train[:80%]", as_supervised=True)
        model.fit(data.shuffle(120, seed=0).batch(16), epochs=20, verbose=0)
    return model


def _low_accuracy(model) -> bool:
    accuracy = _iris_accuracy(model)
    return accuracy is not None and accuracy < 0.6


register(Exercise(
    id="lesson05.iris_accuracy",
    question="Build and train a classifier on the iris training split; answer the trained "
             "model. check measures its accuracy on the test split (at least 0.85).",
    make_solution=_iris_model,
    rule=_iris_rule,
    show_solution=lambda: "a model like the lesson's Sequential (Dense(16, relu), Dense(3, "
                          "softmax)), compiled with Adam(0.05) and fitted 20-30 epochs on "
                          "`train`; answer the model itself",
    mistakes=(Mistake("check measures the model itself: answer the trained model (e.g. "
                      "my_model), not a number you typed or read off the output.",
                      match=lambda a: isinstance(a, (int, float, np.number)), example=0.9,
                      looks_like="a number such as 0.9"),
              Mistake("Accuracy near a third is what guessing gets: the model has not learned. "
                      "Did fit run (enough epochs, a learning rate like 0.05)?",
                      match=_low_accuracy, make_example=lambda: _iris_model(train=False),
                      looks_like="a model that was not trained (accuracy about 1/3)"),
              Mistake("Three species need three outputs: end with Dense(3, "
                      "activation='softmax') and the sparse categorical cross-entropy loss.",
                      match=lambda a: hasattr(a, "predict") and _iris_accuracy(a) is None,
                      make_example=lambda: _iris_model(units_out=1, train=False),
                      looks_like="a model with one output unit")),
    explanation="Three classes, four features: a small dense network reaches 0.9 or more in a "
                "few dozen epochs. A third is what guessing gives.",
    hint="Copy one of the lesson's models, compile and fit it on `train`, then answer the "
         "model.",
))

# ---- 06 tf.data -------------------------------------------------------------------------------

register(Exercise(
    id="lesson06.batch_count",
    question="How many batches does tf.data.Dataset.range(10).batch(3) produce?",
    solution=4,
    mistakes=(Mistake("The last, smaller batch is kept: only batch(3, drop_remainder=True) "
                      "drops it.", answers=(3,)),
              Mistake("That counts elements; batch(3) groups them three at a time.",
                      answers=(10,))),
    explanation="Three full batches and a last one of 1 element; batch(3, drop_remainder=True) "
                "would drop it and give 3.",
    hint="10 elements, 3 per batch: what happens to the one left over?",
))

register(Exercise(
    id="lesson06.first_batch",
    question="What is the first batch of Dataset.range(10).map(lambda x: x * 2)"
             ".filter(lambda x: x % 3 == 0).batch(2)? Answer a list.",
    solution=[0, 6],
    mistakes=(Mistake("Those are the first two doubled values; filter then keeps only the "
                      "multiples of 3 among them.", answers=([0, 2],)),
              Mistake("That filters before doubling. Transformations apply in the order "
                      "written: map first, then filter.", answers=([0, 3],)),
              Mistake("batch(2) puts two elements in each batch: answer only the first.",
                      answers=([0, 6, 12, 18],))),
    explanation="map doubles 0..9 to 0, 2, ..., 18; filter keeps multiples of 3: 0, 6, 12, 18; "
                "batch(2) groups them in pairs.",
    hint="Write the elements after each step: after map, after filter, then pair them.",
))

register(Exercise(
    id="lesson06.prefetch",
    question="Which transformation lets the pipeline prepare the next batch while the model "
             "works on the current one? A: cache(), B: prefetch(), C: shuffle(), D: batch()",
    solution="B",
    rule=one_of({"A": "keeps the first epoch's elements", "B": "overlaps producer and consumer",
                 "C": "randomises the order", "D": "groups elements"}),
    mistakes=(Mistake("cache() saves the elements of the first epoch so later epochs skip the "
                      "work; it does not overlap anything with training.", answers=("A",)),
              Mistake("shuffle() and batch() change which elements come together and in which "
                      "order, not when they are prepared.", answers=("C", "D"))),
    explanation="prefetch(n) runs the pipeline in the background, up to n elements ahead, so "
                "the next batch is ready when the training step asks for it.",
    hint="Look at the timing with a slow consumer.",
))

# ---- 07 graphs are fast -----------------------------------------------------------------------

register(Exercise(
    id="lesson07.cse",
    question="Which optimisation pass removes the second of two identical tf.square(x) ops?",
    solution="common subexpression elimination",
    rule=text_answer("cse", "common subexpression", "arithmetic optimization",
                     "arithmetic optimizer", "dedup",
                     not_with=("folding", "fusion", "remapper", "pruning")),
    mistakes=(Mistake("Constant folding computes ops whose inputs are all known before the "
                      "graph runs; x is an input, so tf.square(x) cannot be folded. Which "
                      "pass notices that two ops are the same?",
                      answers=("constant folding", "folding")),
              Mistake("Fusion and the remapper merge different ops into one kernel; neither "
                      "notices that two ops compute the same thing.",
                      answers=("fusion", "remapper", "xla")),
              Mistake("Pruning drops ops the result does not need; both squares are needed.",
                      answers=("pruning", "prune"))),
    explanation="Two pure ops with the same type, inputs and attributes compute the same "
                "value: common subexpression elimination keeps one (in TF, Grappler's "
                "arithmetic optimizer does this). Constant folding instead computes ops whose "
                "inputs are all known before running.",
    hint="Read what each pass did in the plan printed above.",
))

register(Exercise(
    id="lesson07.why_faster",
    question="Why does a tf.function run a loop of many small ops faster than eager code? "
             "A: it uses the GPU, B: it skips Python's per-op work (dispatch, checks, wrapping) "
             "and can optimise the whole graph, C: it uses lower precision",
    solution="B",
    rule=one_of({"A": "uses the GPU",
                 "B": "per-op Python overhead gone, whole-graph optimisation",
                 "C": "lower precision"}),
    mistakes=(Mistake("There is no GPU here, and graphs are faster on a CPU too: what does "
                      "eager code pay on every op?", answers=("A",)),
              Mistake("The dtypes do not change: float32 stays float32 in both.",
                      answers=("C",))),
    explanation="Eager mode pays Python overhead on every op; a traced graph runs a prepared "
                "plan of kernels and can fold constants and remove duplicates first.",
    hint="Compare the ratio for 10 elements with the ratio for 1,000.",
))


def _pass_report(fn) -> dict:
    from tfedu.graph.plan import compile_plan

    cf = fn.get_concrete_function(tf.TensorSpec([None], tf.float32))
    plan = compile_plan(cf.graph, cf.outputs, cf.inputs, optimize=True)
    return dict(plan.report)


def _did(report: dict, name: str) -> bool:
    """Did the pass change the plan? (Its report says what it folded or merged.)"""
    return any(w in report.get(name, "") for w in ("folded", "merged"))


def _work_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    report = _pass_report(answer)
    missing = [n.replace("_", " ") for n in ("constant_folding",
                                             "common_subexpression_elimination")
               if not _did(report, n)]
    if missing:
        return False, f"in its plan, {' and '.join(missing)} found nothing to do."
    return True, ""


@tf.function
def _wasteful(x):
    return tf.square(x) + tf.square(x) + tf.constant(2.0) * 3.0


@tf.function
def _only_folding(x):
    return tf.square(x) + tf.constant(2.0) * 3.0


@tf.function
def _only_cse(x):
    return tf.square(x) + tf.square(x)


register(Exercise(
    id="lesson07.make_work",
    question="Write a tf.function of one float32 vector x whose plan gives both constant "
             "folding and common subexpression elimination something to do.",
    solution=_wasteful,
    rule=_work_rule,
    show_solution=lambda: ("@tf.function\ndef wasteful(x):\n"
                           "    return tf.square(x) + tf.square(x) + tf.constant(2.) * 3.\n"),
    mistakes=(Mistake("Constant folding worked; CSE needs two ops of the same type on the "
                      "same inputs (the same op written twice).",
                      match=lambda a: _is_tf_function(a) and not _did(
                          _pass_report(a), "common_subexpression_elimination"),
                      example=_only_folding, looks_like="a function with a constant product only"),
              Mistake("CSE worked; constant folding needs an op whose inputs are all constants "
                      "(such as tf.constant(2.) * 3.).",
                      match=lambda a: _is_tf_function(a) and not _did(
                          _pass_report(a), "constant_folding"),
                      example=_only_cse, looks_like="a function with tf.square(x) twice only")),
    explanation="An op on constants only is computed while compiling (folded); two identical "
                "ops on the same input are computed once (CSE). TF's Grappler does both before "
                "a graph runs.",
    hint="Look at the graph at the top of the lesson: which parts did each pass act on?",
))

# ---- 08 saving and loading -------------------------------------------------------------------

register(Exercise(
    id="lesson08.keras_kernel_path",
    question="Where in model.weights.h5 (inside a .keras file) is the kernel of the first Dense "
             "layer of a Sequential model stored? Answer the HDF5 path.",
    solution="layers/dense/vars/0",
    rule=text_answer("layers/dense/vars/0", not_with=("kernel", "vars/1")),
    mistakes=(Mistake("Keras's weights file names a variable by its position in the layer "
                      "(vars/0, vars/1...), not by its name.", answers=("dense/kernel",)),
              Mistake("vars/1 is the bias: a Dense layer creates its kernel first.",
                      answers=("layers/dense/vars/1",))),
    explanation="A model's layers sit under layers/, named by class in snake case (dense, "
                "dense_1...), each with its variables under vars/ numbered in creation order: "
                "kernel 0, bias 1.",
    hint="Look at the paths visititems printed.",
))

register(Exercise(
    id="lesson08.resumed_epochs",
    question="fit(epochs=5) with BackupAndRestore stops with an error as epoch 2 (0-based) "
             "begins; the same fit is run again. Which epochs does the second fit run?",
    solution=[2, 3, 4],
    mistakes=(Mistake("BackupAndRestore does not start over: it restores the backup and goes on "
                      "from the epoch after the last one completed.", answers=([0, 1, 2, 3, 4],)),
              Mistake("Epochs 0 and 1 were completed and backed up; epoch 2 never ran, so the "
                      "restarted fit begins with it.", answers=([3, 4],))),
    explanation="The backup after epoch 1 records that epoch 2 is next; the restarted fit loads "
                "the weights and optimizer state and runs epochs 2, 3 and 4.",
    hint="history.epoch lists the epochs a fit ran.",
))

# ---- 09 TensorBoard ---------------------------------------------------------------------------

register(Exercise(
    id="lesson09.recorded_points",
    question="A tf.function writes tf.summary.scalar('loss', ..., step=step) then increments "
             "step, 20 times, under tf.summary.record_if(lambda: step % 5 == 0). How many loss "
             "points does the run hold?",
    solution=4,
    mistakes=(Mistake("A summary in a tf.function is an op that runs at every call, but "
                      "record_if still decides at each call: only steps 0, 5, 10 and 15 are "
                      "recorded.", answers=(20,)),
              Mistake("The summary is not written once when the function is traced: it is an "
                      "op of the graph and writes each time the condition holds.",
                      answers=(1,))),
    explanation="Steps 0, 5, 10 and 15 satisfy step % 5 == 0. The WriteSummary op runs on every "
                "call of the traced function and checks the record_if condition each time.",
    hint="List the steps from 0 to 19 that are multiples of 5.",
))

register(Exercise(
    id="lesson09.validation_tag",
    question="Under which tag does keras.callbacks.TensorBoard log the per-epoch validation "
             "loss (in the 'validation' run)?",
    solution="epoch_loss",
    rule=text_answer("epoch_loss", not_with=("val_loss", "evaluation_loss")),
    mistakes=(Mistake("val_loss is the key in history.history; the callback drops the val_ "
                      "prefix and writes into the validation run instead.",
                      answers=("val_loss",)),
              Mistake("evaluation_loss_vs_iterations is logged too, but against optimizer "
                      "steps, not epochs.", answers=("evaluation_loss_vs_iterations",))),
    explanation="Keras writes epoch_loss in both runs, train and validation, so TensorBoard "
                "draws the two curves of the same tag on one chart.",
    hint="Look at the tags printed for the validation run.",
))

# ---- 10 serving -------------------------------------------------------------------------------

register(Exercise(
    id="lesson10.missing_version_status",
    question="A client asks TF Serving (or tfedu.serving) for version 7 of a model whose only "
             "version is 1. Which HTTP status does the server answer?",
    solution=404,
    mistakes=(Mistake("400 is for requests the server cannot read (bad JSON, wrong types). "
                      "This request is well formed: what it names does not exist, which is "
                      "NOT_FOUND.", answers=(400,)),
              Mistake("500 would be the server's own failure; an unknown version is the "
                      "client's, and TF Serving says NOT_FOUND.", answers=(500,))),
    explanation="The server looks up the servable Specific(model, 7), finds none and answers "
                "NOT_FOUND, which TF Serving maps to HTTP 404 with the body {\"error\": "
                "\"Servable not found for request: Specific(iris, 7)\"}.",
    hint="Look at the status printed for the request to /versions/7 in the errors above.",
))

register(Exercise(
    id="lesson10.columnar_key",
    question="A :predict request uses the columnar format ({\"inputs\": ...}). Under which "
             "key of the response are the results?",
    solution="outputs",
    rule=text_answer("outputs", not_with=("predictions",)),
    mistakes=(Mistake("predictions answers the row format (\"instances\"); the columnar "
                      "format is answered in columns too.", answers=("predictions",)),),
    explanation="Row requests (instances) get \"predictions\", one entry per example; columnar "
                "requests (inputs) get \"outputs\", one full tensor per output.",
    hint="Compare the two answers printed in the Predict section.",
))

# ---- 11 TensorFlow Lite -----------------------------------------------------------------------

register(Exercise(
    id="lesson11.quantize",
    question="A tensor has scale 0.5 and zero point -10. Which int8 value stores 3.2?",
    solution=-4,
    mistakes=(Mistake("That is round(3.2 / 0.5) alone: the zero point shifts every stored "
                      "value. Add it.", answers=(6,)),
              Mistake("The zero point is added, not subtracted: q = round(x / scale) + "
                      "zero_point.", answers=(-16,)),
              Mistake("Round x / scale to a whole number first: int8 holds integers.",
                      answers=(-3.6,))),
    explanation="q = round(3.2 / 0.5) + (-10) = round(6.4) - 10 = -4. Back to a real number: "
                "0.5 * (-4 - (-10)) = 3.0. The int8 grid has steps of 0.5, so 3.2 is stored as "
                "the nearest step: that rounding is quantisation's error.",
    hint="Divide by the scale, round, then add the zero point.",
))

register(Exercise(
    id="lesson11.dynamic_range",
    question="Which tensors does dynamic-range quantisation store as int8? A: every tensor, "
             "B: the weights with at least 1024 values, C: the activations",
    solution="B",
    rule=one_of({"A": "every tensor", "B": "large weights only",
                 "C": "the activations"}),
    mistakes=(Mistake("Activations stay float in this mode, and so do small weights and biases: "
                      "look at the int8 tensors in get_tensor_details().", answers=("A",)),
              Mistake("An activation's range is only known after running data through the "
                      "model: that is what full integer's representative dataset is for.",
                      answers=("C",))),
    explanation="Dynamic range quantises only large weights (TF's threshold: 1024 values); the "
                "layers quantise their float input on the fly. Full-integer quantisation also "
                "needs each activation's range, which a representative dataset calibrates.",
    hint="Which mode needed a representative dataset, and why?",
))

register(Exercise(
    id="lesson11.accumulator",
    question="A full-integer FULLY_CONNECTED layer: input scale 0.1 (zero point -128), weight "
             "scale 0.02 (zero point 0). One output's int32 sum, bias included, is 500. Which "
             "real value does that sum stand for?",
    solution=1.0,
    mistakes=(Mistake("Only the input's scale: each product is of an input and a weight, so "
                      "both scales multiply the sum.", answers=(50.0,)),
              Mistake("Only the weight's scale: each product is of an input and a weight, so "
                      "both scales multiply the sum.", answers=(10.0,)),
              Mistake("The kernel takes the input's zero point off each input before "
                      "multiplying (xs - zero_point in _integer_product): the sum is already "
                      "centred; take nothing more off it.",
                      answers=(1.256,)),
              Mistake("That is the stored integer itself: an int32 sum stands for a real value "
                      "only times its scale.", answers=(500,))),
    explanation="Each product (x_q - x_zp) * w_q stands for x * w / (x_scale * w_scale), and so "
                "does their sum (the int32 bias is stored at scale x_scale * w_scale for that "
                "reason): 500 * 0.1 * 0.02 = 1.0. The kernel then requantises it to the "
                "output's int8 scale.",
    hint="Read the last line of _integer_product: acc * (input scale * weight scale).",
))

# ---- 12 TensorFlow.js -------------------------------------------------------------------------

register(Exercise(
    id="lesson12.weight_name",
    question="Under which name does TensorFlow.js look up the kernel of the layer 'dense_1' in "
             "the weights manifest?",
    solution="dense_1/kernel",
    rule=text_answer("dense_1/kernel", not_with=("sequential",)),
    mistakes=(Mistake("That is Keras 3's path, with the model's name in front; TensorFlow.js "
                      "names a weight '<layer name>/<weight name>'.",
                      answers=("sequential/dense_1/kernel",)),
              Mistake("The weight's own name is not enough: several layers have a 'kernel'. "
                      "Put the layer's name in front.", answers=("kernel",))),
    explanation="The layers format names a weight '<layer name>/<weight name>'. Keras 3 paths "
                "with the model's name in front ('sequential/dense_1/kernel') are not found.",
    hint="Look at the names in doc['weightsManifest'][0]['weights'].",
))

register(Exercise(
    id="lesson12.shards",
    question="A model has 10,000 bytes of weights, exported with weight_shard_size_bytes=4000. "
             "How many shard files are written?",
    solution=3,
    mistakes=(Mistake("10,000 / 4000 is 2.5, and the half shard is a file too: the last shard "
                      "holds what is left.", answers=(2, 2.5)),),
    explanation="4000 + 4000 + 2000 bytes: every shard but the last has exactly the shard "
                "size, because TensorFlow.js finds a weight's shard as offset // 4000.",
    hint="Cut 10,000 bytes into pieces of 4000: what is left over?",
))

register(Exercise(
    id="lesson12.dequantize",
    question="A uint8 weight's manifest entry says min -0.5 and scale 0.004. Which float does "
             "the stored byte 200 stand for?",
    solution=0.3,
    mistakes=(Mistake("That is q * scale alone: min shifts every value, so that byte 0 stands "
                      "for min. Add it.", answers=(0.8,)),
              Mistake("min is added as it is, with its sign: -0.5, not +0.5.", answers=(1.3,)),
              Mistake("That is the stored byte; the browser multiplies by scale and adds min "
                      "when it loads the weight.", answers=(200,))),
    explanation="w = q * scale + min = 200 * 0.004 - 0.5 = 0.3. Bytes 0..255 cover [min, min + "
                "255 * scale] = [-0.5, 0.52] in steps of 0.004: a weight is off by at most "
                "half a step, 0.002.",
    hint="Use w = q * scale + min, as the entry printed above shows.",
))

# ---- 13 hub and transfer learning ------------------------------------------------------------

_L13_URL = "https://tfhub.dev/google/nnlm-en-dim50/2"


def _l13_cache_name() -> str:
    import hashlib

    return hashlib.sha1(_L13_URL.encode("utf8")).hexdigest()


register(Exercise(
    id="lesson13.frozen_trainable_weights",
    question="How many trainable weights does `frozen_model` have "
             "(`len(frozen_model.trainable_weights)`) while its hub layer is frozen?",
    solution=2,
    mistakes=(Mistake("The module's word vectors are frozen (trainable=False): they are "
                      "weights of the model, but not trainable ones.", answers=(3,)),
              Mistake("Freezing the hub layer leaves the new Dense classifier trainable: its "
                      "kernel and bias are what the frozen run learns.", answers=(0,))),
    explanation="The Dense layer's kernel (32x8) and bias (8) train; the module's embeddings "
                "(218x32) are non-trainable weights until `layer.trainable = True`.",
    hint="Count the Dense layer's variables, then ask whether the module's count.",
))

register(Exercise(
    id="lesson13.fine_tune_rate",
    question="After the frozen run, the module is unfrozen to fine-tune it. Should the learning "
             "rate be larger than, the same as, or smaller than the frozen run's?",
    solution="smaller",
    rule=text_answer("smaller", "lower", not_with=("larger", "same", "higher")),
    mistakes=(Mistake("Large steps on pretrained weights undo what they learned from far more "
                      "data: fine-tuning nudges them.", answers=("larger",)),
              Mistake("The head is trained already; the pretrained vectors need small steps, "
                      "not the head's.", answers=("the same",))),
    explanation="Fine-tuning uses a small learning rate (here 10x smaller) so the pretrained "
                "vectors move a little toward the new task instead of being overwritten by "
                "the gradients of a few examples.",
    hint="Compare the two `Adam(...)` calls of the frozen and fine-tuning runs.",
))

register(Exercise(
    id="lesson13.cache_directory",
    question=f"Offline, in which subdirectory of the cache directory does `hub.resolve` look "
             f"for {_L13_URL!r}? (Its name.)",
    make_solution=_l13_cache_name,
    rule=text_answer(),
    mistakes=(Mistake("The cache does not keep the URL's path: the directory is named by the "
                      "SHA-1 of the whole handle, as tensorflow_hub names it.",
                      answers=("google/nnlm-en-dim50/2", "nnlm-en-dim50")),),
    explanation="tensorflow_hub (and tfedu.hub) cache a module in $TFHUB_CACHE_DIR/<sha1 of the "
                "handle>/: `hashlib.sha1(handle.encode()).hexdigest()`. Copy a module's files "
                "there and it loads offline.",
    hint="`hub.resolver.cache_path(url)` gives the full path; the answer is its last part.",
))

# ---- 14 estimators ----------------------------------------------------------------------------

register(Exercise(
    id="lesson14.global_step",
    question="train(input_fn, steps=30) on an endless dataset, then a new Estimator on the same "
             "model_dir runs train(input_fn, max_steps=50). Global step of the last checkpoint?",
    solution=50,
    mistakes=(Mistake("steps=30 then max_steps=50 are not added: max_steps is an absolute "
                      "global step, so the second call trains only from 30 to 50.",
                      answers=(80,)),
              Mistake("A new Estimator on the same model_dir does not start over: it restores "
                      "the checkpoint of step 30 and goes on from there.", answers=(20,))),
    explanation="steps counts more steps from where the checkpoint is (0 -> 30); max_steps is "
                "an absolute global step, so the second call trains 20 more (30 -> 50).",
    hint="steps is relative, max_steps is absolute; the second Estimator resumes from 30.",
))

register(Exercise(
    id="lesson14.predict_key",
    question="What string is tf.estimator.ModeKeys.PREDICT?",
    solution="infer",
    rule=text_answer("infer"),
    mistakes=(Mistake("The method is predict(), but the mode key is another word: print "
                      "tf.estimator.ModeKeys.PREDICT.", answers=("predict",)),),
    explanation="TRAIN is 'train', EVAL is 'eval' and PREDICT is 'infer': the name of the mode "
                "is not the name of the method.",
    hint="print(tf.estimator.ModeKeys.PREDICT)",
))

# ---- 15 distribution --------------------------------------------------------------------------

register(Exercise(
    id="lesson15.split",
    question="A global batch of 5 examples is split over 2 replicas: how many examples does "
             "each replica get? Answer a list, replica 0 first.",
    solution=[3, 2],
    mistakes=(Mistake("Examples are not cut in halves: each replica gets whole examples.",
                      answers=([2.5, 2.5],)),
              Mistake("The first replicas take the extra example, not the last ones.",
                      answers=([2, 3],))),
    explanation="The batch is split along its first axis as evenly as possible, the first "
                "replicas taking one more: 3 + 2. A batch of 1 on 2 replicas gives 1 + 0.",
    hint="Run the lesson's distributed dataset on Dataset.range(5).batch(5) and count.",
))

register(Exercise(
    id="lesson15.loss_scale",
    question="Global batch 64 on 4 replicas (16 examples each): by what does "
             "compute_average_loss(per_example_loss, global_batch_size=64) divide each "
             "replica's summed loss?",
    solution=64,
    mistakes=(Mistake("Dividing by the replica's own batch makes each replica's gradient a "
                      "mean; the all-reduce then adds 4 of them: updates 4 times too large.",
                      answers=(16,)),
              Mistake("The number of replicas is not the divisor; the examples are.",
                      answers=(4,))),
    explanation="By the global batch size: the all-reduce then sums the 4 replicas' gradients, "
                "which gives the gradient of the mean over all 64 examples. Dividing by 16 would "
                "make every update 4 times too large.",
    hint="The optimizer sums the replicas' gradients: what divisor turns that sum into a mean "
         "over the whole batch?",
))

# ---- 16 stepping through graphs ----------------------------------------------------------------

_L16_X = np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
_L16_W = np.array([[1.0, 0.0], [0.5, 1.0], [2.0, -1.0]], dtype=np.float32)


def _close_to_array(target):
    def match(answer) -> bool:
        try:
            a = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a.size == np.size(target) and np.allclose(a.reshape(np.shape(target)), target)
    return match


register(Exercise(
    id="lesson16.matmul_value",
    question="Step the Session.run (or the tf.function) until MatMul is the current node: "
             "what value does it show?",
    solution=_L16_X @ _L16_W,
    mistakes=(Mistake("That is the value after `+ 1.0` and the Relu, two steps later: "
                      "MatMul's own output comes first.", match=_close_to_array([[2.0, 0.0]]),
                      example=np.array([[2.0, 0.0]])),
              Mistake("That includes the `+ 1.0` (the add step after MatMul).",
                      match=_close_to_array([[2.0, -1.5]]), example=np.array([[2.0, -1.5]])),
              Mistake("That is x itself, the fed value: step forward to MatMul.",
                      match=_close_to_array(_L16_X), example=_L16_X.copy())),
    explanation="x @ w = [[1 - 1 + 1, 0 - 2 - 0.5]] = [[1, -2.5]]: the step's output, shown "
                "on the node and in the panel. The same kernel gives the same value in the "
                "Session and in the tf.function.",
    hint="Use ▶ until the amber border is on MatMul, then read its output in the panel.",
))

register(Exercise(
    id="lesson16.while_body_runs",
    question="In the stepped `flow`, how many times did the While loop's body graph run?",
    solution=3,
    mistakes=(Mistake("That counts the cond graph too: the condition runs once more than the "
                      "body, the last time to say stop.", answers=(4,)),
              Mistake("The If branch is not part of the loop: count the frames labelled "
                      "`body of while`.", answers=(1,))),
    explanation="i goes 0, 1, 2: three bodies. The cond ran four times (0 < 3, 1 < 3, 2 < 3, "
                "then 3 < 3 is false): a While op alternates cond and body until cond says no.",
    hint="Step through and watch the bar above the graph: `› body of while (call n)`.",
))


def _fusion_saved_steps() -> int:
    """Plan steps of the lesson's training step, plain minus jit_compile=True."""
    rng = np.random.RandomState(0)
    xs = tf.constant(rng.rand(256, 32).astype("float32"))
    ys = tf.constant(rng.rand(256, 16).astype("float32"))
    kernel = tf.Variable(rng.randn(32, 16).astype("float32") * 0.1)
    bias = tf.Variable(np.zeros(16, "float32"))

    def train_step(x, y):
        with tf.GradientTape() as tape:
            pred = tf.nn.relu(tf.matmul(x, kernel) + bias)
            loss = tf.reduce_mean(tf.square(pred - y) * 0.5 + 0.01 * tf.abs(pred))
        grads = tape.gradient(loss, [kernel, bias])
        kernel.assign_sub(0.1 * grads[0])
        bias.assign_sub(0.1 * grads[1])
        return loss

    counts = []
    for jit in (False, True):
        cf = tf.function(train_step, jit_compile=jit).get_concrete_function(xs, ys)
        counts.append(len(cf._compile().steps))
    return counts[0] - counts[1]


register(Exercise(
    id="lesson16.fusion_saves_steps",
    question="How many steps fewer does the jit_compile=True training step run than the "
             "plain one? (Each profile's first line says how many distinct steps ran.)",
    make_solution=_fusion_saved_steps,
    mistakes=(Mistake("The times differ from run to run; the steps do not. Compare the "
                      "`distinct steps` of the two profiles.", answers=(0,)),),
    explanation="Fusion turns chains of elementwise ops (here the loss and its gradient) into "
                "one generated loop each: fewer kernel calls, and no intermediate arrays "
                "between them.",
    hint="Subtract the second profile's number of distinct steps from the first's.",
))

# ---- 17 tf.function pitfalls ------------------------------------------------------------------


def _counts_calls(fn) -> tuple[bool, str]:
    """Call `fn` with three different arguments: each call must return the count so far."""
    got = []
    for x in (tf.constant(1.0), tf.constant(2.0), tf.constant([1.0, 2.0])):
        got.append(int(fn(x)))
    if got[1] - got[0] == 1 and got[2] - got[1] == 1:
        return True, ""
    return False, f"three calls in a row returned {got}; each call should add 1."


def _count_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    return _counts_calls(answer)


def _python_counter():
    state = {"calls": 0}

    @tf.function
    def count_calls(x):
        state["calls"] += 1          # Python: runs only while tracing
        return tf.constant(state["calls"])

    return count_calls


def _variable_inside():
    @tf.function
    def count_calls(x):
        calls = tf.Variable(0)       # a new variable on every trace
        calls.assign_add(1)
        return calls.read_value()

    return count_calls


def _reference_counter():
    calls = tf.Variable(0)

    @tf.function
    def count_calls(x):
        calls.assign_add(1)
        return calls.read_value()

    return count_calls


_COUNT_SOLUTION = """\
calls = tf.Variable(0)          # created once, outside the function

@tf.function
def count_calls(x):
    calls.assign_add(1)         # an op: runs on every call
    return calls.read_value()
"""


register(Exercise(
    id="lesson17.count_calls",
    question="Find the bug: count_calls(x) should return how many times it has been called, "
             "but it keeps the count in a Python variable. Fix it: answer a tf.function that "
             "returns the number of calls so far, whatever x is.",
    make_solution=_reference_counter,
    rule=_count_rule,
    show_solution=lambda: _COUNT_SOLUTION,
    mistakes=(Mistake("A Python counter (`calls += 1`) runs only while tracing: calls that reuse "
                      "a graph do not count. Keep the count in a tf.Variable and update it "
                      "with assign_add, an op that runs on every call.",
                      match=lambda a: _is_tf_function(a) and not _raises(a, tf.constant(1.0))
                      and not _counts_calls(a)[0],
                      make_example=_python_counter, looks_like="a Python counter in the body"),
              Mistake("tf.function allows variables to be created only on the first trace; a "
                      "new shape traces again and tries to create another one. Create the "
                      "variable once, outside the function (or in a tf.Module's __init__).",
                      match=lambda a: _raises(a, tf.constant(1.0), text="only supports "
                                              "singleton") or _raises(a, tf.constant([1.0]),
                                                                      text="non-first call"),
                      make_example=_variable_inside, looks_like="tf.Variable(0) in the body")),
    explanation="Python code in a tf.function runs while tracing; ops run on every call. A "
                "tf.Variable created once and updated with assign_add counts every call, "
                "whichever graph runs.",
    hint="What in the body runs on every call, and what only while tracing?",
))


@tf.function
def _power_reference(x, n):
    def step(i, result):
        return i + 1, result * x

    return tf.while_loop(lambda i, result: i < n, step, (tf.constant(0), tf.constant(1.0)))[1]


_POWER_SOLUTION = """\
@tf.function
def power(x, n):
    result = tf.constant(1.0)
    for _ in tf.range(n):
        result = result * x
    return result
"""


def _power_has_while(fn) -> bool:
    types = _op_types(fn, tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32))
    return bool(types & {"While", "StatelessWhile"})


def _power_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    if not _power_has_while(answer):
        return False, "traced for a tensor n, its graph has no While op."
    cases = [(tf.constant(2.0), tf.constant(3)), (tf.constant(1.5), tf.constant(2)),
             (tf.constant(3.0), tf.constant(0))]
    return behaves_like(cases)(answer, expected)


@tf.function
def _power_by_pow(x, n):
    return x ** tf.cast(n, tf.float32)


def _python_power(x, n):
    result = 1.0
    for _ in range(int(n)):
        result *= float(x)
    return result


register(Exercise(
    id="lesson17.power_loop",
    question="Make a graph that has a While op: write power(x, n), a tf.function that "
             "multiplies 1.0 by x, n times, where n is an int32 tensor.",
    solution=_power_reference,
    rule=_power_rule,
    show_solution=lambda: _POWER_SOLUTION,
    mistakes=(Mistake("The value is right, but tf.pow (x ** n) is one op: there is no loop in "
                      "the graph. The exercise asks for a loop that runs inside the graph: "
                      "`for _ in tf.range(n):`.",
                      match=lambda a: _is_tf_function(a) and not _power_has_while(a),
                      example=_power_by_pow, looks_like="x ** n"),
              Mistake("This is plain Python: no graph, no While op. Decorate it with "
                      "@tf.function and loop over tf.range(n).",
                      match=lambda a: callable(a) and not _is_tf_function(a),
                      example=_python_power, looks_like="a Python loop without tf.function")),
    explanation="A for loop over tf.range(n) (or range(n) with a tensor n) becomes a While op: "
                "one graph serves every n. Over range(3) with a Python 3, the loop would be "
                "unrolled into three copies of its body, and each new n would trace again.",
    hint="Start from result = tf.constant(1.0) and loop with `for _ in tf.range(n):`.",
))

register(Exercise(
    id="lesson17.python_iterator",
    question="`consume_next` (a tf.function that tf.prints next(iterator)) is called three "
             "times with the same Python iterator, iter([1, 2, 3]). What does it print? "
             "A: 1, 2, 3; B: 1, 1, 1; C: an error",
    solution="B",
    rule=one_of({"A": "advances on every call", "B": "the same value every call",
                 "C": "an error"}),
    mistakes=(Mistake("That is what a tf.data iterator does: its next() is an op in the graph. "
                      "A Python iterator's next() is Python: it ran once, while tracing, and "
                      "its value became a constant of the graph.", answers=("A",)),
              Mistake("A Python iterator is an ordinary Python argument: the same object every "
                      "call, so the graph traced on the first call is reused, with the value "
                      "next() gave while tracing.", answers=("C",))),
    explanation="next() on a Python iterator runs while tracing and its value is baked in: "
                "1, 1, 1. Use a tf.data iterator (iter(dataset)) for a graph that takes the "
                "next element on every call.",
    hint="When does Python code in a tf.function run?",
))


def _squares_reference_fn():
    @tf.function
    def squares(n):
        ta = tf.TensorArray(tf.int32, size=n)

        def step(i, ta):
            return i + 1, ta.write(i, i * i)

        return tf.while_loop(lambda i, ta: i < n, step, (tf.constant(0), ta))[1].stack()

    return squares


_SQUARES_SOLUTION = """\
@tf.function
def squares(n):
    ta = tf.TensorArray(tf.int32, size=n)
    for i in tf.range(n):
        ta = ta.write(i, i * i)
    return ta.stack()
"""


def _squares_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    return behaves_like([(tf.constant(n),) for n in (4, 1, 0)])(answer, expected)


def _list_append_squares():
    @tf.function
    def squares(n):  # what AutoGraph makes of out.append(i * i) in a `for i in tf.range(n)`
        out = []

        def step(i):
            out.append(i * i)       # a Python list inside a graph loop
            return i + 1

        tf.while_loop(lambda i: i < n, step, (tf.constant(0),))
        return tf.stack(out)

    return squares


register(Exercise(
    id="lesson17.squares",
    question="Write squares(n), a tf.function that returns [0, 1, 4, ..., (n-1)**2] (int32) "
             "for an int32 tensor n, collecting the values in a loop.",
    make_solution=_squares_reference_fn,
    rule=_squares_rule,
    show_solution=lambda: _SQUARES_SOLUTION,
    mistakes=(Mistake("A Python list inside a graph loop holds the loop body's symbolic "
                      "tensors, which cannot leave the loop ('out of scope'). Collect the "
                      "values in a tf.TensorArray: ta = ta.write(i, i * i), then ta.stack().",
                      match=lambda a: _raises(a, tf.constant(3), text="out of scope"),
                      make_example=_list_append_squares,
                      looks_like="out.append(i * i) in a tf.range loop"),),
    explanation="A TensorArray is a list that lives in the graph (TensorList ops): each write "
                "is an op of the loop body, and stack() turns it into one tensor after the "
                "loop.",
    hint="tf.TensorArray(tf.int32, size=n), write in a `for i in tf.range(n):` loop, stack.",
))

# ---- 18 migrating from TF1 --------------------------------------------------------------------

_W18 = np.array([[1.0], [2.0]], dtype=np.float32)


@tf.function
def _predict_reference(x):
    return tf.nn.relu(tf.matmul(x, tf.constant(_W18)) + 0.5)


_PREDICT_SOLUTION = """\
W = tf.Variable([[1.], [2.]])
b = tf.Variable(0.5)

@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def predict(x):
    return tf.nn.relu(tf.matmul(x, W) + b)
"""

_PREDICT_CASES = [(tf.constant([[1.0, 2.0]]),), (tf.constant([[-3.0, 0.0]]),),
                  (tf.constant([[0.0, 1.0], [2.0, -4.0], [1.0, 1.0]]),)]


def _predict_rule(answer, expected):
    if not _is_tf_function(answer):
        return False, f"{show(answer)} is not a tf.function."
    return behaves_like(_PREDICT_CASES)(answer, expected)


@tf.function
def _predict_without_relu(x):
    return tf.matmul(x, tf.constant(_W18)) + 0.5


def _predict_with_placeholder():
    @tf.function
    def predict(x):
        x = tf.compat.v1.placeholder(tf.float32, [None, 2])
        return tf.nn.relu(tf.matmul(x, tf.constant(_W18)) + 0.5)

    return predict


def _has_negative_output(fn) -> bool:
    return bool(np.any(np.asarray(fn(tf.constant([[-3.0, 0.0]]))) < 0))


register(Exercise(
    id="lesson18.predict",
    question="Migrate: the TF1 model y = relu(x @ W + b) with a [None, 2] placeholder x, "
             "W = [[1.], [2.]] and b = 0.5, run by sess.run(y, feed_dict={x: data}). Answer "
             "predict, a tf.function that takes x and returns y.",
    solution=_predict_reference,
    rule=_predict_rule,
    show_solution=lambda: _PREDICT_SOLUTION,
    mistakes=(Mistake("The placeholder stays behind: in TF2 the input is the function's "
                      "argument, and a placeholder inside a tf.function fails when the graph "
                      "runs (nothing feeds it). Use x itself.", match=lambda a: _raises(a, *_PREDICT_CASES[0],
                                                        text="placeholder"),
                      make_example=_predict_with_placeholder,
                      looks_like="tf.compat.v1.placeholder inside the function"),
              Mistake("It returns negative values: the TF1 model ends with tf.nn.relu, and the "
                      "migrated one must compute the same thing.",
                      match=lambda a: _is_tf_function(a) and _has_negative_output(a),
                      example=_predict_without_relu, looks_like="no relu"),
              Mistake("This is plain Python: it computes eagerly, but TF1's graph becomes a "
                      "graph again only under @tf.function.",
                      match=lambda a: callable(a) and not _is_tf_function(a),
                      example=_predict_reference.python_function,
                      looks_like="the body without @tf.function")),
    explanation="Placeholder -> argument, feed_dict -> the call, the fetched tensor -> the "
                "return value, Session.run -> calling the tf.function; the variables are "
                "created (and initialised) once, outside.",
    hint="W = tf.Variable(...), b = tf.Variable(...), then @tf.function def predict(x): "
         "return tf.nn.relu(tf.matmul(x, W) + b).",
))

register(Exercise(
    id="lesson18.tensor_equality",
    question="In TF2, eagerly, what is tf.constant([1, 2]) == tf.constant([1, 3])? "
             "A: False (they are different objects); B: a bool tensor [True, False]; "
             "C: an error",
    solution="B",
    rule=one_of({"A": "object identity", "B": "elementwise, by value", "C": "an error"}),
    mistakes=(Mistake("That is TF 1.x: `==` compared the tensor objects (and it still does "
                      "while a TF1-style graph is being built). Eagerly and in tf.function, "
                      "TF2 compares values, elementwise.", answers=("A",)),
              Mistake("The shapes match, so the comparison is elementwise; only unequal shapes "
                      "that cannot broadcast compare as plain False.", answers=("C",))),
    explanation="TF2 made `==` elementwise (tf.equal), like numpy. A side effect: tensors are "
                "unhashable; use tensor.ref() as a dict key or set member.",
    hint="Run it in a cell.",
))

register(Exercise(
    id="lesson18.no_counterpart",
    question="Which TF1 line has no TF2 counterpart at all? A: "
             "sess.run(tf.compat.v1.global_variables_initializer()); B: w = tf.Variable(0.0); "
             "C: optimizer.apply_gradients(grads_and_vars)",
    solution="A",
    rule=one_of({"A": "running the initializers", "B": "creating a variable",
                 "C": "applying gradients"}),
    mistakes=(Mistake("Variables exist in TF2 too (tf.Variable); what changed is when they get "
                      "their value.", answers=("B",)),
              Mistake("apply_gradients is in TF2 as well: Keras optimizers have it, after a "
                      "GradientTape.", answers=("C",))),
    explanation="A TF2 variable is initialised when it is created, so there is nothing to run "
                "first: global_variables_initializer (and Session) have no TF2 counterpart.",
    hint="Which one is a step that TF1 needed only because the graph is built before it runs?",
))

register(Exercise(
    id="lesson18.while_op",
    question="TF 1.x built tf.while_loop from Enter, Merge, Switch, NextIteration and Exit "
             "ops. Which single op (type name) does TF2 build instead?",
    solution="While",
    rule=text_answer("StatelessWhile", "while loop", not_with=("enter", "merge", "switch",
                                                               "exit", "nextiteration")),
    mistakes=(Mistake("Those are control flow v1, TF 1.x's ops. TF2's control flow v2 builds "
                      "one op that holds the condition and the body as functions.",
                      answers=("Enter", "Merge", "Switch", "Exit", "NextIteration",
                               "LoopCond")),
              Mistake("If is what tf.cond builds; a loop makes another op.",
                      answers=("If", "StatelessIf"))),
    explanation="Control flow v2 makes a loop one While op (StatelessWhile without side "
                "effects) with cond and body sub-graphs; TF 2.x builds it in tf.function and "
                "in tf.compat.v1 graphs alike.",
    hint="Look at the op types printed in the control flow section.",
))

register(Exercise(
    id="lesson18.upgrade_script",
    question="What does TensorFlow's upgrade script, tf_upgrade_v2, do with `tf.Session()`? "
             "A: rewrites the code around it into a tf.function; B: renames it "
             "tf.compat.v1.Session(); C: deletes it",
    solution="B",
    rule=one_of({"A": "rewrites into tf.function", "B": "renames to tf.compat.v1",
                 "C": "deletes it"}),
    mistakes=(Mistake("The script only renames: TF1 calls become tf.compat.v1 calls, so the "
                      "program runs on TF2 as TF1 code. Rewriting it the TF2 way (this "
                      "lesson's patterns) is your work.", answers=("A",)),
              Mistake("Deleting it would break the program; the script keeps the program "
                      "running by pointing it at tf.compat.v1.", answers=("C",))),
    explanation="tf_upgrade_v2 renames TF1 symbols to tf.compat.v1 and reports what it "
                "cannot convert; the result still builds graphs and runs Sessions (with eager "
                "execution switched off). Idiomatic TF2 comes from rewriting it.",
    hint="Read the output of the script in the lesson.",
))
