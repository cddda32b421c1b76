"""Exercise checks for the lessons in notebooks/: feedback that teaches.

    from tfedu.teach import check
    answer = 3
    check("lesson02.trace_count", answer)   # right, or what is wrong and a hint

Every exercise (`tfedu/teach/lessons.py`) has an id `lessonNN.name`, a reference solution, a
rule that compares an answer with it, a hint, the common wrong answers with the misconception
each reveals (`Mistake`), and an explanation. A wrong answer gets the hint aimed at its
misconception; the answer and the explanation come with `solution(id)` or after
`TRIES_BEFORE_ANSWER` tries. Nothing raises for a wrong answer.

With `TFEDU_TEACH_SOLUTIONS=1` an unanswered exercise (`...`) is filled with the reference
solution, so a whole lesson runs as its author meant it; with `TFEDU_TEACH_SOLUTIONS=mistakes`
each declared mistake is tried first, and its feedback shown. `answer_key()` (or
`python -m tfedu.teach`) prints the teacher's answer key.
"""

from tfedu.teach.core import (
    BLANK,
    TRIES_BEFORE_ANSWER,
    CheckResult,
    Exercise,
    Mistake,
    check,
    exercise,
    exercises,
    hint,
    register,
    reset,
    solution,
    solutions_mode,
)
from tfedu.teach.key import answer_key

__all__ = ["BLANK", "TRIES_BEFORE_ANSWER", "CheckResult", "Exercise", "Mistake", "answer_key",
           "check", "exercise", "exercises", "hint", "register", "reset", "solution",
           "solutions_mode"]
