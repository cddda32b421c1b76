"""The differential checker's core: snippets, what running one observed, and their comparison.

A *snippet* is a few lines of TensorFlow code (`import tensorflow as tf`). Running it on a side
(real TensorFlow or tfedu, `driver.py`) gives an *observation*:

    {"stdout": "...", "value": <description of the last expression, or None>,
     "exc": None or {"cls": "InvalidArgumentError", "msg": "..."}}

`compare(expected, actual, opts)` lists the differences between two observations (stdout text,
values with their dtypes and shapes, exception class and message). This module needs only the
standard library and numpy: the driver imports it on both sides, and a fuzzer can import it as a
library (`parse_snippets`, `run_side`, `compare`).

Snippet files hold many snippets; the lines before the first `# %%` are a prelude run before
each of them:

    import tensorflow as tf

    # %% reduce_sum_axis0
    tf.reduce_sum([[1., 2.], [3., 4.]], axis=0)

    # %% reduce_sum_bad_axis msg=first-line
    tf.reduce_sum([[1., 2.]], axis=2)

Options after the name: `rtol=`/`atol=` (value tolerance), `msg=prefix|first-line|class`
(how much of an exception's message must agree; `prefix` by default: TensorFlow's message must
begin tfedu's, which may add a teaching hint after it), `stdout=ignore`, `value=ignore`.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DRIVER = HERE / "driver.py"

RESTART = 3  # the driver's exit status asking for a fresh process (see driver.py)
_CELL = re.compile(r"^# %%\s*(\S+)(.*)$")


@dataclass
class Snippet:
    name: str
    code: str
    opts: dict = field(default_factory=dict)
    line: int = 1  # line of the body's first line in its file

    def to_json(self):
        return {"name": self.name, "code": self.code, "line": self.line}


def parse_opts(text: str) -> dict:
    opts = {}
    for tok in text.split():
        if "=" in tok:
            k, _, v = tok.partition("=")
            opts[k] = v
        elif tok != "#":
            opts[tok] = True
    return opts


def parse_snippets(text: str) -> list[Snippet]:
    """Split a snippet file into Snippets (each with the prelude prepended)."""
    prelude, cells, cur = [], [], None
    for i, line in enumerate(text.splitlines(), 1):
        m = _CELL.match(line)
        if m:
            cur = [m.group(1), parse_opts(m.group(2)), [], i + 1]
            cells.append(cur)
        elif cur is None:
            prelude.append(line)
        else:
            cur[2].append(line)
    head = "\n".join(prelude).rstrip("\n")
    out = []
    for name, opts, body, line in cells:
        code = (head + "\n" if head else "") + "\n".join(body).rstrip("\n") + "\n"
        out.append(Snippet(name, code, opts, line))
    names = [s.name for s in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"duplicate snippet names: {sorted(dup)}")
    return out


# ---------------------------------------------------------------------------------------------
# describing values (runs inside a side's process)

def _scalar(x):
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    if isinstance(x, complex):
        return [_scalar(x.real), _scalar(x.imag)]
    return x


def _listify(arr):
    """Nested lists of the values. An empty array whose nested empty lists would be too many
    is [] (its shape is described beside it): those of [2**22, 2**22, 0] would not fit in memory."""
    import math

    import numpy as np

    if arr.size == 0 and math.prod(arr.shape[:arr.shape.index(0)]) > 10**5:
        return []
    if arr.dtype.kind in "fc":
        flat = [_scalar(complex(v) if arr.dtype.kind == "c" else float(v)) for v in arr.ravel()]
    elif arr.dtype.kind == "O" or arr.dtype.kind == "S":
        flat = [_scalar(v if isinstance(v, bytes) else bytes(v)) if not isinstance(v, str) else v
                for v in arr.ravel()]
    else:
        flat = [_scalar(v.item() if isinstance(v, np.generic) else v) for v in arr.ravel()]
    if not arr.ndim:
        return flat[0]
    cells = np.empty(len(flat), dtype=object)  # filled one by one: a complex value is a pair
    for i, v in enumerate(flat):
        cells[i] = v
    return cells.reshape(arr.shape).tolist()


def _dtype_name(dt):
    return getattr(dt, "name", str(dt))


def describe(v, depth=0):
    """A JSON-able description of a value: kind, dtype, shape and values."""
    import numpy as np

    if depth > 6:
        return {"t": "deep"}
    if v is None or isinstance(v, (bool, int, float, str, bytes)):
        return {"t": "py", "type": type(v).__name__, "value": _scalar(v)}
    if isinstance(v, (list, tuple)):
        kind = type(v).__name__ if type(v) in (list, tuple) else "namedtuple"
        return {"t": kind, "items": [describe(x, depth + 1) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "items": {str(k): describe(x, depth + 1) for k, x in v.items()}}
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        return {"t": "ndarray", "dtype": a.dtype.name, "shape": list(a.shape), "value": _listify(a)}
    cls = type(v).__name__
    if cls == "TensorShape":
        return {"t": "TensorShape", "value": None if v.rank is None else list(v.as_list())}
    if cls == "DType":
        return {"t": "DType", "value": v.name}
    if hasattr(v, "numpy") and hasattr(v, "dtype") and hasattr(v, "shape"):
        return _describe_tensor(v, cls)
    return {"t": "object", "type": cls}


def _describe_tensor(v, cls):
    import numpy as np

    kind = "Variable" if "Variable" in cls else "Tensor"
    try:
        a = np.asarray(v.numpy())
    except Exception as e:  # symbolic tensors
        return {"t": "symbolic", "cls": kind, "dtype": _dtype_name(v.dtype),
                "shape": None if v.shape.rank is None else list(v.shape.as_list()),
                "error": type(e).__name__}
    return {"t": kind, "dtype": _dtype_name(v.dtype), "shape": list(a.shape),
            "value": _listify(a)}


# ---------------------------------------------------------------------------------------------
# normalizing text (paths, addresses, run-dependent numbers)

_NORMALIZE = [
    (re.compile(r" at 0x[0-9a-fA-F]+"), " at 0x…"),
    (re.compile(r"id=\d+"), "id=…"),
    (re.compile(r"(__inference_[A-Za-z0-9_.<>]*?_)\d+"), r"\1…"),
    (re.compile(r"(__forward_[A-Za-z0-9_.<>]*?_)\d+"), r"\1…"),
    (re.compile(r"/[^\s\"']*/tfdiff-[^\s\"'/]+/"), "<tmp>/"),
]
_TRACE_LINE = re.compile(r'^\s*File "[^"]*", line \d+, in ')


def normalize(text: str) -> str:
    for pat, rep in _NORMALIZE:
        text = pat.sub(rep, text)
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


_OP_NAME = re.compile(r"(\[Op:[A-Za-z0-9_]+\]) name: ?[^\s\x1b]*")


def normalize_msg(msg: str) -> str:
    """An exception message without traceback lines (source frames differ by implementation),
    and without the ` name: ...` after `[Op:X]` (TF adds it only when a Python wrapper passed
    a name, which differs from wrapper to wrapper)."""
    msg = _OP_NAME.sub(r"\1", msg)
    lines, skip = [], False
    for line in normalize(msg).splitlines():
        if _TRACE_LINE.match(line):
            skip = True  # the frame's source line follows
            continue
        if skip and line.startswith("    "):
            skip = False
            continue
        skip = False
        lines.append(line.strip())
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


# ---------------------------------------------------------------------------------------------
# comparing

def _close(a, b, rtol, atol):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, int) and isinstance(b, int):
        return a == b and type(a) is type(b)
    return abs(a - b) <= atol + rtol * abs(b)


def _values_equal(a, b, rtol, atol):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_values_equal(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, list) or isinstance(b, list):
        return False
    if a is None or b is None:
        return a is b
    return _close(a, b, rtol, atol)


def diff_values(exp, act, rtol=1e-5, atol=1e-6, path="value"):
    """Differences between two value descriptions, as readable lines."""
    if exp is None and act is None:
        return []
    if exp is None or act is None or exp.get("t") != act.get("t"):
        return [f"{path}: expected {_short(exp)}, got {_short(act)}"]
    t = exp["t"]
    if t in ("list", "tuple", "namedtuple"):
        if len(exp["items"]) != len(act["items"]):
            return [f"{path}: expected {len(exp['items'])} items, got {len(act['items'])}"]
        return [d for i, (x, y) in enumerate(zip(exp["items"], act["items"]))
                for d in diff_values(x, y, rtol, atol, f"{path}[{i}]")]
    if t == "dict":
        if list(exp["items"]) != list(act["items"]):
            return [f"{path}: keys {list(exp['items'])} != {list(act['items'])}"]
        return [d for k in exp["items"]
                for d in diff_values(exp["items"][k], act["items"][k], rtol, atol, f"{path}[{k!r}]")]
    out = []
    for key in ("type", "cls", "dtype", "shape"):
        if exp.get(key) != act.get(key):
            out.append(f"{path}.{key}: expected {exp.get(key)!r}, got {act.get(key)!r}")
    if out:
        return out
    if "value" in exp and not _values_equal(exp["value"], act.get("value"), rtol, atol):
        out.append(f"{path}: expected {_short(exp['value'])}, got {_short(act.get('value'))}")
    return out


def _short(x, n=300):
    s = json.dumps(x) if not isinstance(x, str) else x
    return s if len(s) <= n else s[:n] + "…"


def exc_class(obs):
    e = obs.get("exc")
    return e["cls"] if e else None


def msg_agrees(exp_msg, act_msg, mode="prefix"):
    e, a = normalize_msg(exp_msg), normalize_msg(act_msg)
    if mode == "class":
        return True
    if mode == "first-line":
        e = e.split("\n", 1)[0]
    return a.startswith(e)


def compare(expected: dict, actual: dict, opts: dict | None = None) -> list[str]:
    """The differences between TensorFlow's observation and tfedu's (empty: they agree)."""
    opts = opts or {}
    out = []
    if opts.get("stdout") != "ignore":
        es, as_ = normalize(expected.get("stdout", "")), normalize(actual.get("stdout", ""))
        if es != as_:
            out.append("stdout differs:\n" + _text_diff(es, as_))
    ee, ae = expected.get("exc"), actual.get("exc")
    if ee or ae:
        if not ee or not ae or ee["cls"] != ae["cls"]:
            out.append(f"exception: expected {_exc_text(ee)}\n           got      {_exc_text(ae)}")
        elif not msg_agrees(ee["msg"], ae["msg"], opts.get("msg", "prefix")):
            out.append(f"message of {ee['cls']}:\n  expected: {normalize_msg(ee['msg'])!r}\n"
                       f"  got:      {normalize_msg(ae['msg'])!r}")
    if opts.get("value") != "ignore" and not (ee or ae):
        out += diff_values(expected.get("value"), actual.get("value"),
                           float(opts.get("rtol", 1e-5)), float(opts.get("atol", 1e-6)))
    return out


def _exc_text(e):
    if not e:
        return "no exception"
    return f"{e['cls']}: {_short(normalize_msg(e['msg']), 400)}"


def _text_diff(a, b):
    import difflib

    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), "tensorflow", "tfedu",
                                 lineterm="", n=1)
    return "\n".join("    " + x for x in list(lines)[2:60])


def category(expected, actual, opts=None) -> str:
    """pass, or the first kind of difference: exc-class, message, stdout, value."""
    diffs = compare(expected, actual, opts)
    if not diffs:
        return "pass"
    d = diffs[0]
    if d.startswith("exception"):
        return "exc-class"
    if d.startswith("message"):
        return "message"
    return "stdout" if d.startswith("stdout") else "value"


# ---------------------------------------------------------------------------------------------
# running a side

SIDE_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "-1",
    "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1",
    "COLUMNS": "80", "KERAS_BACKEND": "tensorflow",
}


def side_python(side: str):
    if side == "tf":
        venv = Path(os.environ.get("TFEDU_TF_VENV", ROOT / ".venv-tf"))
        return [str(venv / "bin" / "python")], "tensorflow"
    return [os.environ.get("TFDIFF_TFEDU_PYTHON", sys.executable)], "tfedu"


def _side_env(module):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TFEDU_", "PYTHON", "TF_USE_LEGACY"))}
    env.update(SIDE_ENV)
    if module == "tfedu":
        env["PYTHONPATH"] = str(ROOT)
        if "TFEDU_CACHE_DIR" in os.environ:
            env["TFEDU_CACHE_DIR"] = os.environ["TFEDU_CACHE_DIR"]
    return env


def run_side(side: str, snippets: list[Snippet], timeout: float = 60) -> list[dict]:
    """Run snippets in fresh processes of `side` ("tf" or "tfedu"); one observation each.

    One process runs them all in order; if it dies (a crash, not an exception), the snippet
    it was running is recorded as `ProcessCrash` and a new process goes on with the rest.
    """
    exe, module = side_python(side)
    env = _side_env(module)
    results = []
    with tempfile.TemporaryDirectory(prefix="tfdiff-") as tmp:
        while len(results) < len(snippets):
            rest = snippets[len(results):]
            src, dst = Path(tmp) / "in.json", Path(tmp) / "out.jsonl"
            src.write_text(json.dumps([s.to_json() for s in rest]))
            dst.write_text("")
            proc = subprocess.run(exe + [str(DRIVER), module, str(src), str(dst), str(timeout)],
                                  cwd=tmp, env=env, capture_output=True, text=True)
            got = [json.loads(line) for line in dst.read_text().splitlines() if line.strip()]
            results += got
            if len(got) < len(rest) and proc.returncode != RESTART:
                tail = (proc.stderr or proc.stdout)[-2000:]
                results.append({"stdout": "", "value": None, "exc": {
                    "cls": "ProcessCrash", "msg": f"exit status {proc.returncode}: {tail}"}})
    return results
