"""The course plan (tfedu/teach/course.py): every lesson placed once, after what it builds on,
sessions that fit a 90-minute class, and extras read from the lessons' code."""

from __future__ import annotations

from pathlib import Path

from tfedu.teach.course import (
    SESSION_MINUTES,
    SESSIONS,
    course_plan,
    lesson_extras,
    planned_lessons,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _code(number: int) -> str:
    import nbformat

    path = next(NOTEBOOKS.glob(f"{number:02d}_*.ipynb"))
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")


def test_every_lesson_is_planned_once_after_its_prerequisites():
    order = planned_lessons()
    assert len(order) == len(set(order)), order
    on_disk = sorted(int(p.name[:2]) for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    missing = [n for n in on_disk if n not in order]
    assert not missing, f"lessons {missing} have no place in tfedu/teach/course.py's SESSIONS"
    for session in SESSIONS:
        for lesson in session.lessons:
            earlier = order[:order.index(lesson.number)]
            assert set(lesson.after) <= set(earlier), (lesson.number, lesson.after)


def test_sessions_fit_a_class_with_time_to_spare():
    for session in SESSIONS:
        minutes = sum(lesson.minutes for lesson in session.lessons)
        assert 45 <= minutes <= SESSION_MINUTES - 10, (session.title, minutes)
        assert all(10 <= lesson.minutes <= 30 and lesson.checks for lesson in session.lessons)


def test_extras_are_read_from_the_lessons_code():
    assert lesson_extras(_code(10)) == ("serving",)
    assert lesson_extras(_code(15)) == ("multiworker",)
    assert lesson_extras(_code(2)) == () and lesson_extras(_code(17)) == ()


def test_plan_shows_only_existing_lessons_and_names_unplanned_ones():
    first = SESSIONS[0].lessons
    titles = {first[1].number: "Eager: a subtitle", 99: "Something new"}
    plan = course_plan(titles, {first[1].number: ("serving",)}, lambda n: f"nb/{n}",
                       lambda n: f"binder/{n}")
    assert plan.count("**Session ") == 1 and f"[open on Binder](binder/{first[1].number})" in plan
    row = next(line for line in plan.splitlines() if line.startswith(f"| [{first[1].number:02d}]"))
    assert "Eager |" in row and "subtitle" not in row and "`serving`" in row
    assert f"{first[1].minutes} min | Python, numpy |" in row  # lesson 00 is not there
    assert "Not placed in a session yet: [99](nb/99) Something new." in plan
