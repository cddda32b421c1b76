"""Run lessons top to bottom, each in a fresh kernel, and print one line of timings per lesson.

    python run_lesson.py notebooks/00_welcome.ipynb notebooks/01_eager_vs_session.ipynb ...

Used by simulate_binder.sh inside the simulated Binder image, so it needs only nbclient and
nbformat (both in Binder's base environment). A cell tagged `raises-exception` must raise; any
other error, or an exercise `check` that does not say it is right, makes the exit status 1.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbclient
import nbformat

CHECK_CALL = re.compile(r"""check\(\s*["'](lesson\d\d\.\w+)["']""")


def _seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def _problems(nb) -> list[str]:
    """Unexpected errors, cells meant to fail that did not, and exercises not marked right."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in cell.metadata.get("tags", []):
            if not errors:
                problems.append(f"cell {i} is tagged raises-exception but did not raise")
        elif errors:
            problems.append(f"cell {i}: {errors[0].ename}: {errors[0].evalue}")
        shown = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        problems += [f"cell {i}: {ex} was not marked right" for ex in CHECK_CALL.findall(cell.source)
                     if f"✔ Right ({ex})" not in shown]
    return problems


def run(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    total = time.perf_counter() - t0
    code = [c for c in nb.cells if c.cell_type == "code"]
    times = [t for t in map(_seconds, code) if t == t]  # NaN when a cell has no timing
    problems = _problems(nb)
    print(f"lesson {path.name}: {total:.1f} s with kernel start, first cell "
          f"{_seconds(code[0]):.2f} s, slowest cell {max(times):.2f} s, "
          f"problems: {len(problems)}", flush=True)
    for p in problems:
        print(f"  {p}", flush=True)
    return problems


def main(paths: list[str]) -> int:
    failed = [p for p in paths if run(Path(p))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
