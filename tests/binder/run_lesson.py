"""Run one lesson top to bottom in a fresh kernel and print each code cell's time."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import nbclient
import nbformat


def _seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def main(path: str) -> int:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                                     resources={"metadata": {"path": path.rsplit("/", 1)[0]}})
    client.execute()
    total = time.perf_counter() - t0
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [c for c in code if any(o.output_type == "error" for o in c.outputs)
              and "raises-exception" not in c.metadata.get("tags", [])]
    print(f"first cell: {_seconds(code[0]):.2f} s")
    times = [t for t in map(_seconds, code) if t == t]  # NaN when a cell has no timing
    print(f"slowest cell: {max(times):.2f} s of {len(times)} timed cells")
    print(f"whole lesson (with kernel start): {total:.1f} s")
    print(f"unexpected errors: {len(errors)}")
    for c in errors:
        err = next(o for o in c.outputs if o.output_type == "error")
        print(f"  {c.source.splitlines()[0]!r}: {err.ename}: {err.evalue}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
