"""The lessons' exercises: question, reference solution, comparison rule and explanation.

Ids are `lessonNN.name`, NN being the notebook's number in notebooks/.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.teach.core import Exercise, behaves_like, one_of, register, same_value, text_answer


def _close_to(atol: float):
    def rule(answer, expected):
        ok, why = same_value(np.shape(expected) and answer, expected)
        if not ok and "shape" in why:
            return ok, why
        a = np.asarray(answer.numpy() if hasattr(answer, "numpy") else answer, dtype=float)
        if np.allclose(a, expected, atol=atol):
            return True, ""
        return False, (f"expected values within {atol} of {np.asarray(expected).tolist()}, "
                       f"got {np.round(a, 4).tolist()}: train longer or with a larger step.")
    return rule


def _at_least(threshold: float):
    def rule(answer, expected):
        value = float(answer.numpy() if hasattr(answer, "numpy") else answer)
        if value >= threshold:
            return True, ""
        return False, f"expected at least {threshold}, got {value:.3f}."
    return rule


# ---- 00 welcome -------------------------------------------------------------------------------

register(Exercise(
    id="lesson00.eager_default",
    question="In TensorFlow 2, does `tf.constant(2.0) * 3` compute a value right away? "
             "Answer with what `tf.executing_eagerly()` returns.",
    solution=True,
    wrong_example=False,
    explanation="TF2 runs eagerly by default: every op computes its result the moment it is "
                "called, like numpy. Graphs are still there, built on request by tf.function.",
    hint="Run `tf.executing_eagerly()` in a cell.",
))

register(Exercise(
    id="lesson00.centre",
    question="Which API is at the centre of TensorFlow 2 for building and training models? "
             "A: tf.Session, B: tf.keras, C: tf.contrib, D: tf.placeholder",
    solution="B",
    wrong_example="A",
    rule=one_of({"A": "TF1's way to run a graph, now tf.compat.v1.Session",
                 "B": "Keras, TF2's high-level model API",
                 "C": "a TF1 grab-bag removed in TF2",
                 "D": "TF1's graph inputs, replaced by function arguments"}),
    explanation="TF2 made Keras the standard way to define, train and save models; "
                "sessions and placeholders live on only in tf.compat.v1.",
))

# ---- 01 eager vs Session ----------------------------------------------------------------------

register(Exercise(
    id="lesson01.session_value",
    question="What does `sess.run(y, feed_dict={x: [[1., 2.], [3., 4.]]})` return for "
             "y = tf.reduce_sum(x * 2., axis=1)?",
    solution=np.array([6.0, 14.0], dtype=np.float32),
    wrong_example=np.array([20.0]),
    explanation="Session.run feeds the placeholder, runs only the ops y needs and returns a "
                "numpy array: each row doubled and summed, [2+4, 6+8].",
))

register(Exercise(
    id="lesson01.when_unknown",
    question="A placeholder of shape [None, None] is multiplied (tf.matmul) with a [4, 2] "
             "constant, and fed a [2, 3] array. When does the error surface: 'build' or 'run'?",
    solution="run",
    wrong_example="build",
    rule=text_answer("at run", "session.run", "sess.run", "run time", "runtime"),
    explanation="With unknown dimensions shape inference cannot see the mismatch when the "
                "graph is built; the kernel finds it when Session.run executes the op, and the "
                "error names the node and the line that created it.",
))

# ---- 02 tf.function and retracing -------------------------------------------------------------

register(Exercise(
    id="lesson02.trace_count",
    question="f is `@tf.function def f(x): return tf.add(x, 1.)`. It is called with "
             "tf.constant(1.), tf.constant(5.), tf.constant([1., 2.]), tf.constant([3., 4.]) and "
             "tf.constant([[1.]]). What is f.experimental_get_tracing_count()?",
    solution=3,
    wrong_example=5,
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
    wrong_example=1,
    explanation="A Python value is part of the cache key by value: each new n traces a new "
                "graph with n baked in as a constant; the second n=1 call reuses the first graph. "
                "Pass tf.constant(n) to share one graph.",
))

register(Exercise(
    id="lesson02.print_count",
    question="h has a Python print() and a tf.print() in its body. Called 3 times with "
             "float32 scalars, how many times does the Python print() run?",
    solution=1,
    wrong_example=3,
    explanation="Python code in a tf.function runs only while tracing; the graph it leaves "
                "behind has no Python in it. tf.print is an op in the graph, so it prints on "
                "every call.",
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


register(Exercise(
    id="lesson03.collatz",
    question="Write `collatz_steps(n)` (a tf.function over an int32 tensor n) that counts the "
             "steps of the Collatz rule (n//2 if even, else 3n+1) until n is 1.",
    solution=collatz_steps,
    wrong_example=lambda n: 0,
    rule=behaves_like([(tf.constant(n),) for n in (1, 6, 7, 27)]),
    show_solution=lambda: _COLLATZ_SOLUTION,
    explanation="AutoGraph turns `while` and `if` on tensors into While and If ops, so the "
                "loop runs inside the graph however many steps it takes.",
))

register(Exercise(
    id="lesson03.if_op",
    question="A Python `if` on a tensor condition inside a tf.function becomes which kind of "
             "graph op? (its type name)",
    solution="If",
    wrong_example="Switch",
    rule=text_answer("StatelessIf", "tf.cond", "cond"),
    explanation="AutoGraph rewrites the `if` into tf.cond, which builds an If op holding the "
                "two branches as sub-graphs; only the chosen branch runs.",
))

# ---- 04 gradients and training loops ----------------------------------------------------------

register(Exercise(
    id="lesson04.grad_value",
    question="With a GradientTape, what is d/dx of x**3 + 2*x at x = 2?",
    solution=14.0,
    wrong_example=12.0,
    explanation="3x² + 2 at x = 2 is 14. The tape recorded Pow, Mul and Add and multiplied "
                "their local derivatives backwards.",
))

register(Exercise(
    id="lesson04.fit_line",
    question="Train w and b so that w*x + b fits y = 3x - 1; answer [w, b].",
    solution=[3.0, -1.0],
    wrong_example=[0.0, 0.0],
    rule=_close_to(0.05),
    explanation="Gradient descent on the mean squared error moves w and b against their "
                "gradients until the line fits: w ≈ 3, b ≈ -1.",
))

# ---- 05 Keras ---------------------------------------------------------------------------------

register(Exercise(
    id="lesson05.param_count",
    question="How many trainable parameters has Sequential([Input((3,)), Dense(4), Dense(2)])?",
    solution=26,
    wrong_example=20,
    explanation="Dense(4) on 3 inputs: 3*4 weights + 4 biases = 16; Dense(2) on 4 inputs: "
                "4*2 + 2 = 10; 26 in all. model.count_params() or model.summary() tell you.",
    hint="Each Dense layer has inputs*units weights and units biases.",
))

register(Exercise(
    id="lesson05.iris_accuracy",
    question="Train a classifier on the iris training split; answer its accuracy on the test "
             "split (at least 0.85).",
    solution=1.0,
    wrong_example=0.33,
    rule=_at_least(0.85),
    explanation="Three classes, four features: a small dense network reaches 0.9 or more in a "
                "few dozen epochs. A third is what guessing gives.",
))

# ---- 06 tf.data -------------------------------------------------------------------------------

register(Exercise(
    id="lesson06.batch_count",
    question="How many batches does tf.data.Dataset.range(10).batch(3) produce?",
    solution=4,
    wrong_example=3,
    explanation="Three full batches and a last one of 1 element; batch(3, drop_remainder=True) "
                "would drop it and give 3.",
))

register(Exercise(
    id="lesson06.first_batch",
    question="What is the first batch of Dataset.range(10).map(lambda x: x * 2)"
             ".filter(lambda x: x % 3 == 0).batch(2)? Answer a list.",
    solution=[0, 6],
    wrong_example=[0, 2],
    explanation="map doubles 0..9 to 0, 2, ..., 18; filter keeps multiples of 3: 0, 6, 12, 18; "
                "batch(2) groups them in pairs.",
))

# ---- 07 graphs are fast -----------------------------------------------------------------------

register(Exercise(
    id="lesson07.cse",
    question="Which optimisation pass removes the second of two identical tf.square(x) ops?",
    solution="common subexpression elimination",
    wrong_example="constant folding",
    rule=text_answer("cse", "common_subexpression_elimination"),
    explanation="Two pure ops with the same type, inputs and attributes compute the same "
                "value: common subexpression elimination keeps one. Constant folding instead "
                "computes ops whose inputs are all known before running.",
))

register(Exercise(
    id="lesson07.why_faster",
    question="Why does a tf.function run a loop of many small ops faster than eager code? "
             "A: it uses the GPU, B: it skips Python's per-op work (dispatch, checks, wrapping) "
             "and can optimise the whole graph, C: it uses lower precision",
    solution="B",
    wrong_example="A",
    rule=one_of({"A": "there is no GPU here; graphs are faster on a CPU too",
                 "B": "per-op Python overhead gone, whole-graph optimisation",
                 "C": "precision does not change"}),
    explanation="Eager mode pays Python overhead on every op; a traced graph runs a prepared "
                "plan of kernels and can fold constants and remove duplicates first.",
))

# ---- 14 estimators ----------------------------------------------------------------------------

register(Exercise(
    id="lesson14.global_step",
    question="train(input_fn, steps=30) on an endless dataset, then a new Estimator on the same "
             "model_dir runs train(input_fn, max_steps=50). Global step of the last checkpoint?",
    solution=50,
    wrong_example=80,
    explanation="steps counts more steps from where the checkpoint is (0 -> 30); max_steps is "
                "an absolute global step, so the second call trains 20 more (30 -> 50).",
    hint="steps is relative, max_steps is absolute; the second Estimator resumes from 30.",
))

register(Exercise(
    id="lesson14.predict_key",
    question="What string is tf.estimator.ModeKeys.PREDICT?",
    solution="infer",
    wrong_example="predict",
    rule=text_answer("infer"),
    explanation="TRAIN is 'train', EVAL is 'eval' and PREDICT is 'infer': the name of the mode "
                "is not the name of the method.",
))

# ---- 15 distribution --------------------------------------------------------------------------

register(Exercise(
    id="lesson15.split",
    question="A global batch of 5 examples is split over 2 replicas: how many examples does "
             "each replica get? Answer a list, replica 0 first.",
    solution=[3, 2],
    wrong_example=[2.5, 2.5],
    explanation="The batch is split along its first axis as evenly as possible, the first "
                "replicas taking one more: 3 + 2. A batch of 1 on 2 replicas gives 1 + 0.",
    hint="Examples are not cut in halves; try the lesson's distributed dataset with range(5).",
))

register(Exercise(
    id="lesson15.loss_scale",
    question="Global batch 64 on 4 replicas (16 examples each): by what does "
             "compute_average_loss(per_example_loss, global_batch_size=64) divide each "
             "replica's summed loss?",
    solution=64,
    wrong_example=16,
    explanation="By the global batch size: the all-reduce then sums the 4 replicas' gradients, "
                "which gives the gradient of the mean over all 64 examples. Dividing by 16 would "
                "make every update 4 times too large.",
    hint="The optimizer sums the replicas' gradients.",
))
