"""Every notebook in notebooks/ runs top to bottom in a fresh kernel without an error.

A cell tagged `raises-exception` is meant to fail (it shows an error to the student): it must
raise, and execution goes on after it. Notebooks are stored without outputs, except in cells
tagged `keep-output`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _kernel_env() -> dict[str, str]:
    """The kernel imports this checkout's tfedu and shares the test run's Numba cache."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds the curriculum and must not be empty"


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",  # jupyter_client runs it with this interpreter
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=_kernel_env())

    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in _tags(cell):
            assert errors, f"{path.name} cell {i} is tagged raises-exception but did not raise"
        else:
            assert not errors, f"{path.name} cell {i}: {errors[0].ename}: {errors[0].evalue}"
