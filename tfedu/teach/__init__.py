"""Exercise checks for the lessons in notebooks/.

    from tfedu.teach import check
    answer = 3
    check("lesson02.trace_count", answer)   # says right or wrong, and why

Every exercise (`tfedu/teach/lessons.py`) has an id `lessonNN.name`, a reference solution, a
rule that compares an answer with it and an explanation shown either way. A wrong answer is
explained, never raised. `hint(id)` and `solution(id)` reveal more; with the environment
variable `TFEDU_TEACH_SOLUTIONS=1` an unanswered exercise (`...`) is filled with the reference
solution, so a whole lesson can be run and checked as its author meant it.
"""

from tfedu.teach.core import (
    BLANK,
    CheckResult,
    Exercise,
    check,
    exercise,
    exercises,
    hint,
    register,
    solution,
    solutions_mode,
)

__all__ = ["BLANK", "CheckResult", "Exercise", "check", "exercise", "exercises", "hint",
           "register", "solution", "solutions_mode"]
