"""The teacher's answer key: every exercise with its answer, the wrong answers students
usually give, what each reveals, and the explanation. `python -m tfedu.teach [lessonNN]`."""

from __future__ import annotations

import textwrap

from tfedu.teach.core import Exercise, exercises
from tfedu.teach.rules import show

__all__ = ["answer_key"]


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent=indent,
                         subsequent_indent=" " * (len(indent) + 2))


def _wrong_answers(m) -> str:
    if m.answers:
        return " / ".join(show(a) for a in m.answers)
    return m.looks_like or show(m.example)


def _entry(ex: Exercise) -> list[str]:
    lines = [ex.id, *_wrap(ex.question, "  Q: ")]
    answer = ex.answer_text().rstrip()
    if "\n" in answer:
        lines += ["  Answer:", *("      " + ln for ln in answer.splitlines())]
    else:
        lines += _wrap(answer, "  Answer: ")
    lines += _wrap(ex.hint, "  Hint: ")
    for m in ex.all_mistakes():
        lines += _wrap(f"{_wrong_answers(m)} -> {m.means}", "  Wrong: ")
    lines += _wrap(ex.explanation, "  Why: ")
    return lines


def answer_key(lesson: str | None = None) -> str:
    """The answer key of one lesson ("lesson04") or of all, as text to print."""
    chosen = exercises(lesson)
    if not chosen:
        raise KeyError(f"no exercises for {lesson!r}")
    out: list[str] = []
    current = None
    for ex in chosen:
        prefix = ex.id.split(".")[0]
        if prefix != current:
            current = prefix
            out += ["", f"== {prefix} " + "=" * (90 - len(prefix))]
        out += [*_entry(ex), ""]
    return "\n".join(out).strip() + "\n"
