"""tfedu.teach: every exercise accepts its reference solution and explains a wrong answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfedu as tf
from tfedu import teach
from tfedu.teach.core import behaves_like, one_of, same_value, text_answer

EXERCISES = teach.exercises()


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_lesson_has_exercises():
    lessons = {e.id.split(".")[0] for e in EXERCISES}
    assert lessons == {f"lesson{p.name[:2]}" for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_every_exercise_has_a_wrong_example(ex):
    assert ex.wrong_example is not None, f"{ex.id} needs a typical wrong answer for the tests"


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_reference_solution_passes(ex):
    result = teach.check(ex.id, ex.solution)
    assert result.passed, str(result)
    assert str(result).startswith("✔ Right")
    assert ex.explanation in str(result)


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_wrong_answer_fails_with_an_explanation(ex):
    result = teach.check(ex.id, ex.wrong_example)
    assert not result.passed
    assert result.detail  # says what was expected
    text = str(result)
    assert text.startswith(f"✘ Not yet ({ex.id}): ")
    assert "Why it matters: " + ex.explanation in text
    assert result._repr_markdown_().startswith(f"✘ **Not yet ({ex.id})")


def test_blank_answer_is_not_an_error(monkeypatch):
    monkeypatch.delenv("TFEDU_TEACH_SOLUTIONS", raising=False)
    result = teach.check("lesson02.trace_count")
    assert not result.passed and "no answer yet" in result.detail
    # the hint helps; the explanation would give the answer away
    assert "Hint: Group the calls by shape." in str(result)
    assert "Why it matters" not in str(result) and "Why it matters" not in result._repr_markdown_()
    assert teach.check("lesson02.trace_count", ...).passed is False


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_solutions_mode_fills_blank_answers(monkeypatch, value):
    monkeypatch.setenv("TFEDU_TEACH_SOLUTIONS", value)
    result = teach.check("lesson02.trace_count")
    assert result.passed and result.filled
    assert "reference solution filled in" in str(result)
    # a given answer is still checked as it is
    assert not teach.check("lesson02.trace_count", 5).passed


def test_solutions_mode_off(monkeypatch):
    monkeypatch.setenv("TFEDU_TEACH_SOLUTIONS", "0")
    assert not teach.check("lesson02.trace_count").passed


def test_unknown_id_names_the_closest():
    with pytest.raises(KeyError, match="did you mean lesson02.trace_count"):
        teach.check("lesson02.trace_cuont", 3)


def test_answer_that_breaks_the_comparison_is_just_wrong():
    class Weird:
        def numpy(self):
            raise RuntimeError("boom")

    result = teach.check("lesson04.grad_value", Weird())
    assert not result.passed and "RuntimeError: boom" in result.detail


def test_tensor_answers_are_compared_by_value():
    assert teach.check("lesson04.grad_value", tf.constant(14.0)).passed
    assert teach.check("lesson01.session_value", [6, 14]).passed
    r = teach.check("lesson01.session_value", [[6.0, 14.0]])
    assert not r.passed and "expected shape (2,), got shape (1, 2)" in r.detail


def test_same_value_rules():
    assert same_value(np.float32(0.1) * 3, 0.3)[0]
    assert not same_value("3", 3)[0]
    assert not same_value([1, 2], [1, 3])[0]
    assert same_value("x", "x") == (True, "")


def test_text_and_choice_rules():
    rule = text_answer("cse")
    assert rule(" 'CSE' ", "common subexpression elimination")[0]
    assert rule("Common  Subexpression elimination", "common subexpression elimination")[0]
    assert not rule("folding", "common subexpression elimination")[0]
    choice = one_of({"A": "first", "B": "second"})
    assert choice("b", "B")[0]
    ok, why = choice("A", "B")
    assert not ok and "A (first) is not it; the answer is B (second)" in why
    ok, why = choice("Z", "B")
    assert not ok and "one letter of A, B" in why


def test_function_answers_are_called_on_cases():
    rule = behaves_like([(1,), (2,)])
    assert rule(lambda n: n * 2, lambda n: n + n)[0]
    ok, why = rule(lambda n: n * 3, lambda n: n + n)
    assert not ok and why == "for 1: expected 2, got 3."
    ok, why = rule(lambda n: 1 / 0, lambda n: n)
    assert not ok and "ZeroDivisionError" in why
    assert rule(42, lambda n: n) == (False, "expected a function, got 42.")


def test_collatz_accepts_an_autograph_solution():
    @tf.function
    def collatz_steps(n):
        count = tf.constant(0)
        while n > 1:
            n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)
            count += 1
        return count

    assert teach.check("lesson03.collatz", collatz_steps).passed
    assert "while n > 1" in teach.solution("lesson03.collatz")


def test_hint_and_solution():
    assert teach.hint("lesson02.trace_count") == "Group the calls by shape."
    assert teach.hint("lesson02.print_count").startswith("h has a Python print()")
    assert teach.solution("lesson05.param_count") == 26


def test_ids_are_unique():
    with pytest.raises(ValueError, match="already defined"):
        teach.register(EXERCISES[0])
