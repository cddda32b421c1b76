"""Every lesson in notebooks/ runs top to bottom in a fresh kernel, and its exercises teach.

The notebooks run with TFEDU_TEACH_SOLUTIONS=mistakes: each exercise left blank (`answer = ...`)
is answered first with each of its declared wrong answers, whose feedback must show the hint
aimed at that misconception and not the answer, then with the reference solution, which
`tfedu.teach.check` must say is right.
A cell tagged `raises-exception` is meant to fail (it shows an error to the student): it must
raise, and execution goes on after it. Notebooks are stored without outputs, except in cells
tagged `keep-output`. Each lesson must run in under a minute (a classroom waits for it); the run
times are printed at the end of the test run.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSON_SECONDS = 60
CHECK_CALL = re.compile(r"""check\(\s*["'](lesson\d\d\.\w+)["']""")


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _kernel_env() -> dict[str, str]:
    """The kernel imports this checkout's tfedu, shares the test run's Numba cache and fills
    blank exercises with their reference solutions."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["TFEDU_TEACH_SOLUTIONS"] = "mistakes"
    return env


def _checked_ids(nb) -> list[str]:
    return [m for c in nb.cells if c.cell_type == "code" for m in CHECK_CALL.findall(c.source)]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds the curriculum and must not be empty"


def test_lessons_are_numbered_from_00():
    # Lesson numbers are fixed by topic (08-18 are assigned), so a later lesson may land before
    # an earlier one: numbers start at 00, and are unique and increasing.
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers[0] == 0 and numbers == sorted(set(numbers)), numbers
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in NOTEBOOKS)


def test_every_exercise_is_used_in_its_lesson():
    from tfedu import teach

    used: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        ids = _checked_ids(nbformat.read(path, as_version=4))
        assert all(i.startswith(f"lesson{path.name[:2]}.") for i in ids), (path.name, ids)
        used[path.name[:2]] = ids
    for ex in teach.exercises():
        assert ex.id in used.get(ex.id[6:8], []), f"{ex.id} is not checked in its notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "keep-output" in _tags(cell):
            continue
        assert not cell.outputs and cell.execution_count is None, (
            f"{path.name} cell {i} has stored output; clear it before committing"
        )


def _assert_feedback_teaches(where: str, exercise_id: str, shown: str) -> None:
    """The wrong answers came first, each with its misconception's hint and without the
    answer; then the reference solution passed."""
    from tfedu import teach

    ex = teach.exercise(exercise_id)
    wrong, _, right = shown.rpartition(f"✔ Right ({exercise_id})")
    assert right, f"{where}: the reference solution of {exercise_id} did not pass: {shown}"
    assert wrong.count(f"✘ Not yet ({exercise_id})") == len(ex.all_mistakes()), (where, wrong)
    flat = " ".join(wrong.split())
    for mistake in ex.all_mistakes():
        assert " ".join(f"Hint: {mistake.means}".split()) in flat, (where, mistake.means, wrong)
    assert "The answer:" not in wrong and " ".join(ex.explanation.split()) not in flat, (where, wrong)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, record_property):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",  # jupyter_client runs it with this interpreter
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(env=_kernel_env())
    seconds = time.perf_counter() - start
    record_property("timing", f"lesson {path.name}: {seconds:.1f} s (kernel start included)")

    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in _tags(cell):
            assert errors, f"{path.name} cell {i} is tagged raises-exception but did not raise"
        else:
            assert not errors, f"{path.name} cell {i}: {errors[0].ename}: {errors[0].evalue}"
        for exercise_id in CHECK_CALL.findall(cell.source):
            shown = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            _assert_feedback_teaches(f"{path.name} cell {i}", exercise_id, shown)
    if seconds >= LESSON_SECONDS:  # reported, not failed: a loaded machine is no lesson's fault
        warnings.warn(f"{path.name} took {seconds:.0f} s; lessons aim at < 60 s", stacklevel=1)
