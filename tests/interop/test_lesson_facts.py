"""The lessons' statements about TensorFlow hold for TensorFlow 2.21 and for tfedu alike.

tests/interop/lesson_facts.py computes each claim the lessons make (trace counts, gradients
that come back None, op types, error classes, values): once with real TensorFlow in the side
environment (one subprocess), once with tfedu. Each fact must agree, and the facts behind
exercise answers must be those answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tfedu
from tests.interop import lesson_facts
from tfedu import teach

FACTS = Path(lesson_facts.__file__)


@pytest.fixture(scope="module")
def tf_facts(tf_side):
    code = f"import runpy; runpy.run_path({str(FACTS)!r}, run_name='__main__')"
    return tf_side.run_tf_json(code)


@pytest.fixture(scope="module")
def tfedu_facts():
    return json.loads(json.dumps(lesson_facts.facts(tfedu)))


def test_tfedu_agrees_with_tensorflow_on_every_lesson_fact(tf_facts, tfedu_facts):
    assert set(tf_facts) == set(tfedu_facts)
    differ = {k: (tf_facts[k], tfedu_facts[k]) for k in tf_facts if tf_facts[k] != tfedu_facts[k]}
    assert not differ, f"TensorFlow vs tfedu: {differ}"


@pytest.mark.parametrize("fact,exercise_id", [
    ("trace_count", "lesson02.trace_count"), ("python_values", "lesson02.python_values"),
    ("predict_mix", "lesson02.predict_mix"), ("bool_traces", "lesson03.bool_traces"),
    ("grad_value", "lesson04.grad_value"), ("backward_scopes_both", "lesson04.backward_passes"),
    ("param_count", "lesson05.param_count"), ("batch_count", "lesson06.batch_count"),
    ("first_batch", "lesson06.first_batch"), ("eager_default", "lesson00.eager_default"),
    ("session_value", "lesson01.session_value"),
])
def test_exercise_answers_are_what_tensorflow_does(tf_facts, fact, exercise_id):
    assert teach.check(exercise_id, tf_facts[fact]).passed, (fact, tf_facts[fact])


def test_the_lessons_claims(tf_facts):
    f = tf_facts
    assert f["unknown_dim"] == "(None,)"                       # 01: None, not ?
    assert (f["build_error"], f["run_error"]) == ("ValueError", "InvalidArgumentError")
    assert f["if_ops"].count("StatelessIf") == 1 and f["halve_has_while"]    # 03
    assert f["unwatched"] and f["numpy"] and f["integer"] and f["unconnected"] == [False, True]
    assert f["zeros"] == [3.0, 0.0] and f["stop_gradient"] == 2.0            # 04
    assert f["backward_scopes_one"] == 1 and f["second_gradient"] == "RuntimeError"
    assert f["graph_eq"] == [False, True] and f["eager_eq"] == [True, False]  # 18
    assert f["iterators"] == [1, 1, 1, 1, 2, 3] and f["module_traces"] == 3   # 17
    assert f["variable_inside"] == "ValueError" and f["list_in_loop"] == "InaccessibleTensorError"
    assert f["tensor_array_ops"] == ["TensorListReserve", "TensorListStack"]
    assert f["unrolled_ops"] == ["Const", "Identity", "Mul", "Placeholder"]
    assert f["leaked_repr"] == 'Tensor("add:0", shape=(), dtype=int32)'                # 17
    assert (f["leaked_numpy"], f["leaked_reused"]) == ("AttributeError", "TypeError")
    assert not f["iterator_print_has_const"] and f["break_bool_inputs"] == [1, 0]
    assert f["eager_traces"] == 0 and f["jit"] == "autoclustering"            # 17, 07
