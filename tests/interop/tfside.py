"""The side environment with real TensorFlow (and LiteRT, TF Serving's client, tfjs under Node).

`make interop-env` builds it in `.venv-tf/` (see `tests/interop/requirements-tf.txt` and
`package.json`); tests reach it only through this module, in a subprocess, so tfedu's own
environment never imports TensorFlow. Where the environment could not be built, `unavailable()`
says why and the tests that need it skip with that reason printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("TFEDU_TF_VENV", ROOT / ".venv-tf"))
TF_PYTHON = VENV / "bin" / "python"
NODE_MODULES = VENV / "node" / "node_modules"

# Quiet TF's C++ logging and oneDNN notice; one thread each, as the test workers share 2 cores.
_TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "OMP_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "",
    "PYTHONHASHSEED": "0",
}


def unavailable(need_node: bool = False) -> str | None:
    """None when the side environment is usable, else the reason it is not."""
    reason_file = VENV / ".unavailable"
    if reason_file.exists():
        return f"the TensorFlow side environment could not be built: {reason_file.read_text().strip()}"
    if not TF_PYTHON.exists():
        return f"no TensorFlow side environment at {VENV} (run `make interop-env`)"
    if need_node and not (NODE_MODULES / "@tensorflow" / "tfjs").exists():
        return f"no @tensorflow/tfjs under {NODE_MODULES} (run `make interop-env`)"
    return None


def tf_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TFEDU_", "PYTHON"))}
    env.update(_TF_ENV)
    env.update(extra or {})
    return env


def run_tf(code: str, *, cwd: str | os.PathLike | None = None, timeout: float = 300,
           env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run `code` (dedented) in the side environment's Python; return the finished process."""
    proc = subprocess.run([str(TF_PYTHON), "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=tf_env(env))
    if check and proc.returncode != 0:
        raise AssertionError(f"TensorFlow side script failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def run_tf_json(code: str, **kw):
    """Run `code` in the side environment; it prints one JSON document last: return it."""
    out = run_tf(code, **kw).stdout.strip().splitlines()
    return json.loads(out[-1])


def run_node(script: str, *, cwd: str | os.PathLike | None = None, timeout: float = 120,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run a Node.js script with the side environment's @tensorflow/tfjs on NODE_PATH."""
    env = dict(os.environ, NODE_PATH=str(NODE_MODULES))
    proc = subprocess.run(["node", "-e", textwrap.dedent(script)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"Node script failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-4000:]}")
    return proc


def run_tfedu(code: str, *, cwd=None, timeout: float = 300, check: bool = True):
    """Run `code` in a fresh tfedu process (the test environment's Python)."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if check and proc.returncode != 0:
        raise AssertionError(f"tfedu script failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-4000:]}")
    return proc
