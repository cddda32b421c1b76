"""The exercise registry and `check()`: answers get feedback that teaches.

An exercise declares its common wrong answers (`Mistake`s) and the misconception each reveals.
A wrong answer is told what is wrong with it and gets the hint aimed at its misconception (or
the exercise's general hint); the reference answer and the explanation come only when asked
(`solution(id)`) or after `TRIES_BEFORE_ANSWER` wrong tries. Nothing raises for a wrong answer.
"""

from __future__ import annotations

import difflib
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tfedu.teach.rules import (  # noqa: F401 - the rules are part of this module's API
    Rule,
    at_least,
    behaves_like,
    close_to,
    matches,
    one_of,
    same_value,
    show,
    text_answer,
    yes_no,
)

__all__ = ["BLANK", "CheckResult", "Exercise", "Mistake", "TRIES_BEFORE_ANSWER", "check",
           "exercise", "exercises", "hint", "register", "reset", "solution", "solutions_mode"]

BLANK = ...  # what a notebook's exercise cell holds until the student answers
SOLUTIONS_ENV = "TFEDU_TEACH_SOLUTIONS"
TRIES_BEFORE_ANSWER = 3
_NOTHING = object()


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer and the misconception it reveals.

    `means` is said to the student as the hint. The mistake is recognised by `answers` (values
    compared loosely: any wording that contains the phrase, any number close to the value) or
    by `match(answer)` for answers that are objects. `example` (or `make_example()`, built only
    when needed) is an answer showing the mistake, for the tests; `looks_like` describes it in
    the answer key.
    """

    means: str
    answers: tuple = ()
    match: Callable[[Any], bool] | None = field(default=None, repr=False)
    example: Any = _NOTHING
    make_example: Callable[[], Any] | None = field(default=None, repr=False)
    looks_like: str = ""  # the wrong answer in words, for the answer key (when it is an object)

    def recognises(self, answer: Any) -> bool:
        if self.match is not None:
            try:
                return bool(self.match(answer))
            except Exception:
                return False
        return any(matches(answer, value) for value in self.answers)

    def sample(self) -> Any:
        """An answer that shows this mistake."""
        if self.make_example is not None:
            return self.make_example()
        return self.example if self.example is not _NOTHING else self.answers[0]


@dataclass(frozen=True)
class Exercise:
    """One exercise: question, reference solution, rule, hint, mistakes and explanation."""

    id: str
    question: str
    solution: Any = None
    explanation: str = ""
    hint: str = ""
    make_solution: Callable[[], Any] | None = field(default=None, repr=False)
    rule: Rule | None = None
    mistakes: tuple[Mistake, ...] = ()
    show_solution: Callable[[], str] | None = field(default=None, repr=False)
    wrong_example: Any = None  # older form of `mistakes`: one wrong answer, no misconception

    def all_mistakes(self) -> tuple[Mistake, ...]:
        """The declared mistakes (a bare `wrong_example` counts as one, with the general hint)."""
        if self.mistakes or self.wrong_example is None:
            return self.mistakes
        return (Mistake(self.hint, example=self.wrong_example),)

    def reference(self) -> Any:
        """The reference solution (built once, on first use, when it is made by a function)."""
        if self.make_solution is None:
            return self.solution
        if self.id not in _MADE:
            _MADE[self.id] = self.make_solution()
        return _MADE[self.id]

    def compare(self, answer: Any) -> tuple[bool, str]:
        return (self.rule or same_value)(answer, self.reference())

    def diagnose(self, answer: Any) -> Mistake | None:
        """The declared mistake this wrong answer shows, if any."""
        return next((m for m in self.all_mistakes() if m.recognises(answer)), None)

    def answer_text(self) -> str:
        return self.show_solution() if self.show_solution else show(self.reference())


_MADE: dict[str, Any] = {}


@dataclass
class CheckResult:
    """The verdict on one answer; true when right. Shows itself as text or Markdown."""

    exercise: Exercise
    passed: bool
    detail: str
    filled: bool = False  # the reference solution stood in for an empty answer
    answered: bool = True  # False while the exercise cell still holds `...`
    mistake: Mistake | None = None
    revealed: bool = False  # the answer and the explanation are shown
    rehearsal: list[CheckResult] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def _lines(self) -> list[str]:
        ex = self.exercise
        if self.passed:
            head = f"Right ({ex.id})" + (" - reference solution filled in" if self.filled else "")
            return [head, ex.explanation]
        lines = [f"Not yet ({ex.id}): {self.detail}"]
        advice = self.mistake.means if self.mistake else ex.hint
        if advice:
            lines.append(f"Hint: {advice}")
        if self.revealed:
            lines += [f"The answer: {ex.answer_text()}", f"Why: {ex.explanation}"]
        elif self.answered:
            lines.append(f'Try again; solution("{ex.id}") shows the answer.')
        return lines

    def _own_text(self) -> str:
        mark = "✔" if self.passed else "✘"
        lines = self._lines()
        return "\n".join([f"{mark} {lines[0]}", *("  " + line for line in lines[1:])])

    def __str__(self) -> str:
        return "\n".join([*(r._own_text() for r in self.rehearsal), self._own_text()])

    __repr__ = __str__

    def _own_markdown(self) -> str:
        mark = "✔" if self.passed else "✘"
        lines = [html.escape(line, quote=False) for line in self._lines()]
        return "\n\n".join([f"{mark} **{lines[0]}**", *lines[1:]])

    def _repr_markdown_(self) -> str:
        return "\n\n---\n\n".join([*(r._own_markdown() for r in self.rehearsal),
                                    self._own_markdown()])


_REGISTRY: dict[str, Exercise] = {}
_TRIES: dict[str, int] = {}


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


def solutions_mode() -> str:
    """What blank answers become: "" (nothing: the student answers), "solutions" (the reference
    solution; TFEDU_TEACH_SOLUTIONS=1) or "mistakes" (each declared mistake is tried first,
    then the reference solution; TFEDU_TEACH_SOLUTIONS=mistakes)."""
    value = os.environ.get(SOLUTIONS_ENV, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return ""
    return "mistakes" if value == "mistakes" else "solutions"


def check(exercise_id: str, answer: Any = BLANK) -> CheckResult:
    """Say whether `answer` is right for the exercise, and why. Never raises for a wrong answer."""
    ex = exercise(exercise_id)
    if answer is not BLANK:
        return _judge(ex, answer)
    mode = solutions_mode()
    if not mode:
        return CheckResult(ex, False, "no answer yet: replace the `...` with your answer.",
                           answered=False)
    rehearsal = [_judge(ex, m.sample(), count=False) for m in ex.all_mistakes()] \
        if mode == "mistakes" else []
    result = _judge(ex, ex.reference())
    result.filled, result.rehearsal = True, rehearsal
    return result


def _judge(ex: Exercise, answer: Any, count: bool = True) -> CheckResult:
    try:
        passed, detail = ex.compare(answer)
    except Exception as e:  # an answer that breaks the comparison is simply wrong
        passed, detail = False, f"checking your answer raised {type(e).__name__}: {e}"
    if passed:
        if count:
            _TRIES.pop(ex.id, None)
        return CheckResult(ex, True, "")
    tries = _TRIES.get(ex.id, 0) + 1
    if count:
        _TRIES[ex.id] = tries
    return CheckResult(ex, False, detail, mistake=ex.diagnose(answer),
                       revealed=count and tries >= TRIES_BEFORE_ANSWER)


def reset(exercise_id: str | None = None) -> None:
    """Forget the wrong tries counted so far (of one exercise, or of all)."""
    if exercise_id is None:
        _TRIES.clear()
    else:
        _TRIES.pop(exercise_id, None)


def hint(exercise_id: str) -> str:
    """The exercise's general hint."""
    return exercise(exercise_id).hint


def solution(exercise_id: str) -> Any:
    """The reference solution (a value, or for code exercises the solution's source)."""
    ex = exercise(exercise_id)
    return ex.show_solution() if ex.show_solution else ex.reference()
