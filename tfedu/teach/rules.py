"""Comparison rules: does an answer match the reference solution? And how loosely it may be said.

A rule is called as `rule(answer, expected)` and returns `(right?, what is wrong)`. The message
says what is wrong with the answer without giving the expected value away: the hint aimed at
the student's misconception comes next, and the answer only on request or after a few tries.
`matches(answer, value)` is the loose comparison used to recognise a declared wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Rule", "at_least", "behaves_like", "close_to", "matches", "one_of", "same_value",
           "show", "text_answer", "words", "yes_no"]

Rule = Callable[[Any, Any], "tuple[bool, str]"]

_YES = {"true", "yes", "y", "1", "it does", "right away", "eagerly"}
_NO = {"false", "no", "n", "0", "it does not", "later"}


def as_array(x: Any) -> np.ndarray | None:
    """Numbers, lists, tensors and variables as a numeric array; None for anything else."""
    if isinstance(x, (list, tuple)):
        x = [v.numpy() if hasattr(v, "numpy") and callable(v.numpy) else v for v in x]
    elif hasattr(x, "numpy") and callable(x.numpy):
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
    a, e = as_array(answer), as_array(expected)
    if e is None:
        return (True, "") if answer == expected else (False, f"{show(answer)} is not it.")
    if a is None:
        what = "nothing (None)" if answer is None else show(answer)
        return False, f"the answer is a number or an array of numbers; you gave {what}."
    if a.shape != e.shape:
        return False, f"your answer has shape {a.shape}; the answer has shape {e.shape}."
    if not np.allclose(a.astype(float), e.astype(float), rtol=1e-4, atol=1e-6):
        return False, f"{show(answer)} is not the value."
    return True, ""


def words(text: Any) -> list[str]:
    """Lower-case words and numbers of a text: what a text answer is compared by."""
    return re.findall(r"[a-z0-9]+", str(text).lower())


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def text_answer(*accepted: str, not_with: tuple[str, ...] = ()) -> Rule:
    """A word or phrase, said any reasonable way: case, quotes, punctuation and surrounding
    words do not matter ("at run time" contains "run"). An answer that also names one of
    `not_with` (the usual wrong answers) is ambiguous and not accepted."""
    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        said = words(answer)
        if not any(_contains(said, words(p)) for p in (expected, *accepted)):
            return False, f"{show(answer)} is not the name we are after."
        clash = [p for p in not_with if _contains(said, words(p))]
        if clash:
            return False, (f"{show(answer)} also says {clash[0]!r}: keep only the one you mean.")
        return True, ""
    return rule


def yes_no(answer: Any, expected: bool) -> tuple[bool, str]:
    """True/False, or the words yes/no, "True"/"False"."""
    value = answer
    if isinstance(answer, str) or not isinstance(answer, (bool, np.bool_)):
        text = " ".join(words(answer))
        value = True if text in _YES else False if text in _NO else None
    if value is None:
        return False, f"answer True or False; got {show(answer)}."
    return (True, "") if bool(value) == expected else (False, f"{show(answer)} is not it.")


def one_of(options: dict[str, str]) -> Rule:
    """A multiple-choice letter; a wrong one is told what it would mean, not which is right."""
    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        key = str(answer).strip().strip("'\"()`.").upper()
        if key == expected:
            return True, ""
        if key not in options:
            return False, f"answer with one letter of {', '.join(options)}; got {show(answer)}."
        return False, f"{key} ({options[key]}) is not it."
    return rule


def behaves_like(cases: list[tuple], compare: Rule = same_value) -> Rule:
    """A function answer: called on each case's arguments, it must return what the solution does."""
    def rule(answer: Any, expected: Callable) -> tuple[bool, str]:
        if not callable(answer):
            return False, f"the answer is a function; you gave {show(answer)}."
        for args in cases:
            want = expected(*args)
            try:
                got = answer(*args)
            except Exception as e:
                return False, f"calling it with {_show_args(args)} raised {type(e).__name__}: {e}"
            a, w = as_array(got), as_array(want)
            if (a is None) != (w is None) or not compare(got, want)[0]:
                return False, f"for {_show_args(args)} it returned {show(got)}, not {show(want)}."
        return True, ""
    return rule


def close_to(atol: float) -> Rule:
    """Values within `atol` of the expected ones (trained weights, say)."""
    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        a, e = as_array(answer), np.asarray(expected, dtype=float)
        if a is None or a.shape != e.shape:
            return False, f"the answer is {e.size} numbers; you gave {show(answer)}."
        if np.allclose(a.astype(float), e, atol=atol):
            return True, ""
        return False, f"{np.round(a.astype(float), 4).tolist()} is not within {atol} of the target."
    return rule


def at_least(threshold: float, measure: Callable[[Any], float] | None = None) -> Rule:
    """A measured value (by `measure(answer)`, else the answer itself) of at least `threshold`."""
    def rule(answer: Any, expected: Any) -> tuple[bool, str]:
        value = float(as_array(measure(answer) if measure else answer))
        if value >= threshold:
            return True, ""
        return False, f"that measures {value:.3f}; at least {threshold} is needed."
    return rule


def matches(answer: Any, value: Any) -> bool:
    """Loose equality, to recognise a declared wrong answer however it is written."""
    if value is None:
        return answer is None
    if isinstance(value, (bool, np.bool_)):
        return yes_no(answer, bool(value))[0]
    if isinstance(value, str):
        if len(value) == 1 and not isinstance(answer, str):
            return False
        if len(value) == 1:
            return answer.strip().strip("'\"()`.").upper() == value.upper()
        return _contains(words(answer), words(value))
    if isinstance(answer, (str, bool)) or as_array(value) is None:
        return False
    return same_value(answer, value)[0]


def show(x: Any) -> str:
    """A short printout of an answer (tensors and arrays by value)."""
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
    return ", ".join(show(a) for a in args)
