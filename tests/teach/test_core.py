"""tfedu.teach: every exercise accepts its reference solution, and each declared wrong answer gets
the hint aimed at its misconception, without the answer, until asked or after a few tries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfedu as tf
from tfedu import teach
from tfedu.teach.core import Exercise, Mistake, behaves_like, one_of, same_value, text_answer

EXERCISES = teach.exercises()
MISTAKES = [(ex, i) for ex in EXERCISES for i in range(len(ex.all_mistakes()))]
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(autouse=True)
def _fresh_tries():
    teach.reset()
    yield
    teach.reset()


def test_every_lesson_has_exercises():
    lessons = {e.id.split(".")[0] for e in EXERCISES}
    assert lessons == {f"lesson{p.name[:2]}" for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_every_exercise_has_a_hint_and_declared_mistakes(ex):
    assert ex.hint, f"{ex.id} needs a hint"
    assert ex.mistakes, f"{ex.id} needs its common wrong answers (Mistake) with what each means"
    for m in ex.mistakes:
        assert m.means and m.means != ex.hint


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_reference_solution_passes(ex):
    result = teach.check(ex.id, ex.reference())
    assert result.passed, str(result)
    assert str(result).startswith("✔ Right")
    assert ex.explanation in str(result)


@pytest.mark.parametrize("ex,i", MISTAKES, ids=[f"{ex.id}-{i}" for ex, i in MISTAKES])
def test_each_mistake_gets_its_own_hint_and_not_the_answer(ex, i):
    mistake = ex.all_mistakes()[i]
    result = teach.check(ex.id, mistake.sample())
    assert not result.passed and result.mistake is mistake, str(result)
    text = str(result)
    assert text.startswith(f"✘ Not yet ({ex.id}): ")
    assert f"Hint: {mistake.means}" in text
    assert "The answer:" not in text and ex.explanation not in text
    assert f'solution("{ex.id}")' in text
    assert result._repr_markdown_().startswith(f"✘ **Not yet ({ex.id})")


def test_the_answer_comes_after_a_few_tries_or_on_request():
    for _ in range(teach.TRIES_BEFORE_ANSWER - 1):
        assert "The answer:" not in str(teach.check("lesson02.trace_count", 5))
    text = str(teach.check("lesson02.trace_count", 5))
    assert "The answer: 3" in text and "Why: A tensor argument's trace key" in text
    assert teach.check("lesson02.trace_count", 3).passed  # a right answer starts the count again
    assert "The answer:" not in str(teach.check("lesson02.trace_count", 5))
    assert teach.solution("lesson02.trace_count") == 3


def test_an_undeclared_wrong_answer_gets_the_general_hint():
    text = str(teach.check("lesson02.trace_count", 17))
    assert "Hint: Group the calls by shape." in text and "The answer:" not in text


def test_blank_answer_is_not_an_error(monkeypatch):
    monkeypatch.delenv("TFEDU_TEACH_SOLUTIONS", raising=False)
    result = teach.check("lesson02.trace_count")
    assert not result.passed and "no answer yet" in result.detail
    assert "Hint: Group the calls by shape." in str(result)
    assert "Why" not in str(result) and "Try again" not in str(result)
    assert teach.check("lesson02.trace_count", ...).passed is False


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_solutions_mode_fills_blank_answers(monkeypatch, value):
    monkeypatch.setenv("TFEDU_TEACH_SOLUTIONS", value)
    result = teach.check("lesson02.trace_count")
    assert result.passed and result.filled and not result.rehearsal
    assert "reference solution filled in" in str(result)
    assert not teach.check("lesson02.trace_count", 5).passed  # a given answer is still checked


def test_mistakes_mode_shows_each_mistake_then_the_solution(monkeypatch):
    monkeypatch.setenv("TFEDU_TEACH_SOLUTIONS", "mistakes")
    result = teach.check("lesson02.trace_count")
    assert result.passed and len(result.rehearsal) == 3
    text = str(result)
    for m in teach.exercise("lesson02.trace_count").mistakes:
        assert f"Hint: {m.means}" in text
    assert text.count("✘ Not yet") == 3 and "The answer:" not in text
    assert text.rstrip().endswith(teach.exercise("lesson02.trace_count").explanation)
    assert "---" in result._repr_markdown_()


def test_solutions_mode_off(monkeypatch):
    monkeypatch.setenv("TFEDU_TEACH_SOLUTIONS", "0")
    assert not teach.check("lesson02.trace_count").passed


@pytest.mark.parametrize("exercise_id,answer", [
    ("lesson01.when_unknown", "at run time"),
    ("lesson01.when_unknown", "during Session.run"),
    ("lesson01.when_unknown", "RUNTIME"),
    ("lesson07.cse", "CSE pass"),
    ("lesson07.cse", "Grappler's arithmetic optimizer"),
    ("lesson00.eager_default", "True"),
    ("lesson00.eager_default", "yes"),
    ("lesson03.if_op", "`If`"),
    ("lesson03.if_op", "StatelessIf"),
    ("lesson03.if_op", "a tf.cond"),
    ("lesson00.centre", "(b)"),
])
def test_generous_wordings(exercise_id, answer):
    assert teach.check(exercise_id, answer).passed, str(teach.check(exercise_id, answer))


def test_an_answer_naming_both_is_not_accepted():
    result = teach.check("lesson01.when_unknown", "build or run")
    assert not result.passed and "keep only the one you mean" in result.detail


def test_wordings_of_a_mistake_are_recognised_too():
    result = teach.check("lesson03.if_op", "a Switch op")
    assert "Switch and Merge are TF 1.x's control flow" in str(result)
    assert "tf.compat.v1 graphs" in str(teach.check("lesson03.if_op", "merge"))


def test_variables_as_answers_keep_their_hint():
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    result = teach.check("lesson04.fit_line", [w, b])
    assert "w and b have not moved from 0" in str(result)
    assert teach.check("lesson04.fit_line", [tf.Variable(3.01), tf.Variable(-0.99)]).passed


def test_collatz_checks_a_while_op_was_traced():
    @tf.function
    def collatz_steps(n):
        count = tf.constant(0)
        while n > 1:
            n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)
            count += 1
        return count

    assert teach.check("lesson03.collatz", collatz_steps).passed
    assert "while n > 1" in teach.solution("lesson03.collatz")
    plain = str(teach.check("lesson03.collatz", collatz_steps.python_function))
    assert "is not a tf.function" in plain and "Decorate it with @tf.function" in plain


def test_iris_checks_the_model_not_a_typed_number():
    result = teach.check("lesson05.iris_accuracy", 0.99)
    assert not result.passed and "answer the trained model" in str(result)


def test_an_answer_that_breaks_the_comparison_is_just_wrong():
    class Weird:
        def numpy(self):
            raise RuntimeError("boom")

    result = teach.check("lesson04.fit_line", Weird())
    assert not result.passed and "RuntimeError: boom" in result.detail


def test_tensor_answers_are_compared_by_value():
    assert teach.check("lesson04.grad_value", tf.constant(14.0)).passed
    assert teach.check("lesson01.session_value", [6, 14]).passed
    r = teach.check("lesson01.session_value", [[6.0, 14.0]])
    assert not r.passed and "shape (1, 2); the answer has shape (2,)" in r.detail


def test_same_value_rules():
    assert same_value(np.float32(0.1) * 3, 0.3)[0]
    assert not same_value("3", 3)[0]
    ok, why = same_value([1, 2], [1, 3])
    assert not ok and "3" not in why  # the message does not give the answer away
    assert same_value("x", "x") == (True, "")


def test_text_and_choice_rules():
    rule = text_answer("cse")
    assert rule(" 'CSE' ", "common subexpression elimination")[0]
    assert rule("Common  Subexpression elimination", "common subexpression elimination")[0]
    assert not rule("folding", "common subexpression elimination")[0]
    choice = one_of({"A": "first", "B": "second"})
    assert choice("b", "B")[0]
    ok, why = choice("A", "B")
    assert not ok and why == "A (first) is not it."
    ok, why = choice("Z", "B")
    assert not ok and "one letter of A, B" in why


def test_function_answers_are_called_on_cases():
    rule = behaves_like([(1,), (2,)])
    assert rule(lambda n: n * 2, lambda n: n + n)[0]
    ok, why = rule(lambda n: n * 3, lambda n: n + n)
    assert not ok and why == "for 1 it returned 3, not 2."
    ok, why = rule(lambda n: 1 / 0, lambda n: n)
    assert not ok and "ZeroDivisionError" in why
    assert rule(42, lambda n: n) == (False, "the answer is a function; you gave 42.")


def test_an_exercise_with_only_a_wrong_example_still_works():
    ex = Exercise(id="lesson99.old_style", question="2 + 2?", solution=4, wrong_example=5,
                  explanation="Four.", hint="Count.")
    assert ex.all_mistakes()[0].sample() == 5 and ex.all_mistakes()[0].means == "Count."
    assert isinstance(ex.all_mistakes()[0], Mistake)


def test_answer_key_lists_every_exercise_with_its_answer_and_mistakes():
    key = teach.answer_key()
    for ex in EXERCISES:
        assert ex.id in key
    assert "Answer: 3" in teach.answer_key("lesson02")
    assert "Wrong: 5 / 4 -> Not every call traces" in " ".join(teach.answer_key("lesson02").split())
    with pytest.raises(KeyError):
        teach.answer_key("lesson99")


def test_hint_and_solution():
    assert teach.hint("lesson02.trace_count") == "Group the calls by shape."
    assert teach.solution("lesson05.param_count") == 26


def test_unknown_id_names_the_closest():
    with pytest.raises(KeyError, match="did you mean lesson02.trace_count"):
        teach.check("lesson02.trace_cuont", 3)


def test_ids_are_unique():
    with pytest.raises(ValueError, match="already defined"):
        teach.register(EXERCISES[0])
