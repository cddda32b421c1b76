"""A fuzzed op call and the three programs that make it: eager, `tf.function` and `Session`.

A `Call` is an expression over tensor inputs (`x0`, `x1`, ...) with Python arguments written
into it, e.g. `tf.gather(x0, x1, axis=1)`. `program(call, mode)` writes it as a snippet for the
differential checker (`tests/differential/core.py`):

- eager: the inputs are `tf.constant`s and the expression runs at once;
- function: the inputs are the arguments of a `tf.function` that computes the expression;
- session: the inputs are `tf.compat.v1.placeholder`s (some of unknown shape, so checks move
  to run time) in a fresh graph, fed by `Session.run`.

`post` turns the result `r` into what is compared: random ops compare the shape, the dtype and
whether every value is in range, not the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MODES = ("eager", "function", "session")


@dataclass
class Call:
    family: str
    op: str
    expr: str
    args: list = field(default_factory=list)  # numpy arrays, named x0, x1, ...
    post: str = ""  # an expression of `r` (default: `r` itself)
    opts: dict = field(default_factory=dict)  # comparison options (core.compare)
    unknown: tuple = ()  # in session mode, these inputs' placeholders have no static shape
    modes: tuple = MODES


def _num(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return repr(bool(v))
    if isinstance(v, (complex, np.complexfloating)):
        return f"complex({_num(v.real)}, {_num(v.imag)})"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "np.nan"
        if math.isinf(f):
            return "np.inf" if f > 0 else "-np.inf"
        return repr(f)
    if isinstance(v, bytes):
        return repr(v)
    return repr(int(v))


def literal(a: np.ndarray) -> str:
    """Python source for the numpy array `a` (its dtype and shape included)."""
    a = np.asarray(a)
    if a.dtype == object:
        items = "[" + ", ".join(_num(v) for v in a.ravel()) + "]"
        return f"np.array({items}, dtype=object).reshape({list(a.shape)})"
    items = "[" + ", ".join(_num(v) for v in a.ravel().tolist()) + "]"
    return f"np.array({items}, dtype={a.dtype.name!r}).reshape({list(a.shape)})"


def _tf_dtype(a: np.ndarray) -> str:
    return "tf.string" if a.dtype == object else f"tf.{a.dtype.name}"


def _names(call):
    return [f"x{i}" for i in range(len(call.args))]


def _result(call) -> str:
    return call.post or "r"


def eager(call: Call) -> str:
    lines = [f"x{i} = tf.constant({literal(a)}, dtype={_tf_dtype(a)})"
             for i, a in enumerate(call.args)]
    lines += [f"r = {call.expr}", _result(call)]
    return "\n".join(lines) + "\n"


def function(call: Call) -> str:
    names = ", ".join(_names(call))
    lines = [f"x{i} = tf.constant({literal(a)}, dtype={_tf_dtype(a)})"
             for i, a in enumerate(call.args)]
    lines += ["@tf.function", f"def f({names}):", f"    r = {call.expr}",
              f"    return {_result(call)}", f"f({names})"]
    return "\n".join(lines) + "\n"


def session(call: Call) -> str:
    lines = ["g = tf.Graph()", "with g.as_default():"]
    for i, a in enumerate(call.args):
        shape = "None" if i in call.unknown else str(list(a.shape))
        lines.append(f"    x{i} = tf.compat.v1.placeholder({_tf_dtype(a)}, shape={shape})")
    lines += [f"    r = {call.expr}", f"    out = {_result(call)}",
              "with tf.compat.v1.Session(graph=g) as sess:"]
    feeds = ", ".join(f"x{i}: {literal(a)}" for i, a in enumerate(call.args))
    lines += [f"    res = sess.run(out, feed_dict={{{feeds}}})", "res"]
    return "\n".join(lines) + "\n"


PROGRAMS = {"eager": eager, "function": function, "session": session}
PRELUDE = "import numpy as np\nimport tensorflow as tf\n"


def program(call: Call, mode: str) -> str:
    return PRELUDE + PROGRAMS[mode](call)
