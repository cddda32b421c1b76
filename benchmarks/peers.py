"""Which Python runs each library of a benchmark.

tfedu runs in the interpreter that started the benchmark (the project's .venv). TensorFlow
and PyTorch are not dependencies of tfedu: they run in the first interpreter that has them,
in this order: `$TFEDU_BENCH_PEER_PYTHON`, the side environment `.venv-tf/bin/python`
(`make interop-env`), this interpreter. Each figure still compares libraries measured in the
same `make bench` run, one process per library, so imports and memory never mix.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _candidates() -> list[str]:
    found = [os.environ.get("TFEDU_BENCH_PEER_PYTHON", "")]
    side = ROOT / ".venv-tf"
    if not (side / ".unavailable").exists():
        found.append(str(side / "bin" / "python"))
    found.append(sys.executable)
    return [p for p in found if p and Path(p).exists()]


@functools.cache
def python_for(lib: str) -> str | None:
    """The interpreter that can import `lib` (None when none can)."""
    if lib in ("tfedu", "numpy"):
        return sys.executable
    for python in _candidates():
        probe = subprocess.run([python, "-c", f"import {lib}"], capture_output=True,
                               env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        if probe.returncode == 0:
            return python
    return None


def _env() -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")  # as the test suite: BLAS threads spin against each other
    return env


def run_json(lib: str, argv: list[str], timeout: float = 1800) -> dict | None:
    """Runs `argv` (a script and its arguments) under `lib`'s interpreter and returns the
    JSON object it printed on its last line starting with RESULT (None on failure)."""
    python = python_for(lib)
    if python is None:
        return None
    proc = subprocess.run([python, *argv], capture_output=True, text=True, env=_env(),
                          timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    print(f"  [{lib}: {' '.join(argv[:3])} failed: {tail}]", file=sys.stderr)
    return None


class Worker:
    """A process of `lib`'s interpreter that answers requests one at a time, so figures of
    several libraries can be measured in turns (A, B, A, B...) while each imports only once.

    The script reads one JSON request a line on stdin and answers `RESULT <json>` on stdout
    (`serve`). A worker that could not start, or died, answers None."""

    def __init__(self, lib: str, argv: list[str]):
        python = python_for(lib)
        self.lib = lib
        self.proc = None if python is None else subprocess.Popen(
            [python, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=_env(), bufsize=1)

    def ask(self, request: dict) -> dict | None:
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
        return None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def serve(handle) -> None:
    """The worker's side of `Worker`: `handle(request) -> dict` for each line of stdin."""
    for line in sys.stdin:
        print("RESULT " + json.dumps(handle(json.loads(line))), flush=True)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the header of every table."""
    if not hasattr(os, "getloadavg"):
        return "load average n/a"
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
