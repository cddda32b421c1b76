"""The exercise registry and `check()`: compare a student's answer with a reference solution."""

from __future__ import annotations

import difflib
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BLANK", "CheckResult", "Exercise", "check", "exercise", "exercises", "hint",
           "register", "solution", "solutions_mode"]

BLANK = ...  # what a notebook's exercise cell holds until the student answers
SOLUTIONS_ENV = "TFEDU_TEACH_SOLUTIONS"

# A rule returns (right?, what was wrong); the message is shown only when the answer is wrong.
Rule = Callable[[Any, Any], "tuple[bool, str]"]


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question, reference solution, comparison rule and explanation."""

    id: str
    question: str
    solution: Any
    explanation: str
    rule: Rule | None = None
    hint: str = ""
    wrong_example: Any = None  # a typical wrong answer, used by the tests
    show_solution: Callable[[], str] | None = field(default=None, repr=False)

    def compare(self, answer: Any) -> tuple[bool, str]:
        return (self.rule or same_value)(answer, self.solution)


@dataclass
class CheckResult:
    """The verdict on one answer; true when right. Shows itself as text or Markdown."""

    exercise: Exercise
    passed: bool
    detail: str
    filled: bool = False  # the reference solution stood in for an empty answer
    answered: bool = True  # False while the exercise cell still holds `...`

    def __bool__(self) -> bool:
        return self.passed

    def _lines(self) -> list[str]:
        ex = self.exercise
        if self.passed:
            head = f"Right ({ex.id})" + (" - reference solution filled in" if self.filled else "")
            return [head, ex.explanation]
        lines = [f"Not yet ({ex.id}): {self.detail}"]
        if ex.hint:
            lines.append(f"Hint: {ex.hint}")
        if self.answered:  # the explanation would give the answer away before a first try
            lines.append(f"Why it matters: {ex.explanation}")
        return lines

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘"
        lines = self._lines()
        return "\n".join([f"{mark} {lines[0]}", *("  " + line for line in lines[1:])])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        mark = "✔" if self.passed else "✘"
        lines = [html.escape(line, quote=False) for line in self._lines()]
        return "\n\n".join([f"{mark} **{lines[0]}**", *lines[1:]])


_REGISTRY: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    """Add an exercise (an id may be defined once)."""
    if ex.id in _REGISTRY:
        raise ValueError(f"exercise {ex.id!r} is already defined")
    _REGISTRY[ex.id] = ex
    return ex


def _load() -> None:
    import tfedu.teach.lessons  # noqa: F401 - registers the lessons' exercises


def exercises(lesson: str | None = None) -> list[Exercise]:
    """All exercises, or those of one lesson ("lesson02")."""
    _load()
    return [e for e in _REGISTRY.values() if lesson is None or e.id.split(".")[0] == lesson]


def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; a typo gets a KeyError naming the closest ids."""
    _load()
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        close = difflib.get_close_matches(exercise_id, list(_REGISTRY), n=3)
        also = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no exercise {exercise_id!r}{also}") from None


def solutions_mode() -> bool:
    """True when TFEDU_TEACH_SOLUTIONS is set: unanswered exercises get the reference answer."""
    return os.environ.get(SOLUTIONS_ENV, "").strip().lower() not in ("", "0", "false", "no")


def check(exercise_id: str, answer: Any = BLANK) -> CheckResult:
    """Say whether `answer` is right for the exercise, and why. Never raises for a wrong answer."""
    ex = exercise(exercise_id)
    filled = False
    if answer is BLANK:
        if not solutions_mode():
            return CheckResult(ex, False, "no answer yet: replace the `...` with your answer.",
                               answered=False)
        answer, filled = ex.solution, True
    try:
        passed, detail = ex.compare(answer)
    except Exception as e:  # an answer that breaks the comparison is simply wrong
        passed, detail = False, f"checking your answer raised {type(e).__name__}: {e}"
    return CheckResult(ex, bool(passed), detail, filled)


def hint(exercise_id: str) -> str:
    """The exercise's hint (or its question again when it has none)."""
    ex = exercise(exercise_id)
    return ex.hint or ex.question


def solution(exercise_id: str) -> Any:
    """The reference solution (a value, or for code exercises the function's source)."""
    ex = exercise(exercise_id)
    return ex.show_solution() if ex.show_solution else ex.solution


# ---- comparison rules ----------------------------------------------------------------------

def _as_array(x: Any) -> np.ndarray | None:
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    if isinstance(x, (bool, str, bytes)) or x is None:
        return None
    try:
        arr = np.asarray(x)
    except Exception:
        return None
    return arr if arr.dtype.kind in "biufc" else None


def same_value(answer: Any, expected: Any) -> tuple[bool, str]:
    """Numbers, arrays and tensors: same shape and close values; anything else: equal."""
    a, e = _as_array(answer), _as_array(expected)
    if e is not None:
        if a is None:
            return False, f"expected a number or array like {_show(expected)}, got {_show(answer)}."
        if a.shape != e.shape:
            return False, f"expected shape {e.shape}, got shape {a.shape} ({_show(answer)})."
        if not np.allclose(a.astype(float), e.astype(float), rtol=1e-4, atol=1e-6):
            return False, f"expected {_show(expected)}, got {_show(answer)}."
        return True, ""
    if answer == expected:
        return True, ""
    return False, f"expected {_show(expected)}, got {_show(answer)}."


def text_answer(*accepted: str) -> Rule:
    """A word or short phrase; case, spaces and surrounding quotes do not matter."""
    def norm(s: Any) -> str:
        return " ".join(str(s).strip().strip("'\"`").lower().split())

    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        ok = {norm(expected), *map(norm, accepted)}
        if norm(answer) in ok:
            return True, ""
        return False, f"expected {_show(expected)}, got {_show(answer)}."
    return rule


def one_of(options: dict[str, str]) -> Rule:
    """A multiple-choice letter; the message says what the chosen option would mean."""
    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        key = str(answer).strip().strip("'\"()").upper()
        if key == expected:
            return True, ""
        if key not in options:
            return False, f"answer with one letter of {', '.join(options)}; got {_show(answer)}."
        return False, f"{key} ({options[key]}) is not it; the answer is {expected} ({options[expected]})."
    return rule


def behaves_like(cases: list[tuple], compare: Rule = same_value) -> Rule:
    """A function answer: called on each case's arguments, it must return what the solution does."""
    def rule(answer: Any, expected: Callable) -> tuple[bool, str]:
        if not callable(answer):
            return False, f"expected a function, got {_show(answer)}."
        for args in cases:
            want = expected(*args)
            try:
                got = answer(*args)
            except Exception as e:
                return False, f"calling it with {_show_args(args)} raised {type(e).__name__}: {e}"
            ok, why = compare(got, want)
            if not ok:
                return False, f"for {_show_args(args)}: {why}"
        return True, ""
    return rule


def _show(x: Any) -> str:
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, np.ndarray):
        text = np.array2string(x, precision=4, threshold=12)
    else:
        text = repr(x)
    return text if len(text) <= 120 else text[:117] + "..."


def _show_args(args: tuple) -> str:
    return ", ".join(_show(a) for a in args)
