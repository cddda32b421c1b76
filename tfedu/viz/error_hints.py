"""After TensorFlow's error text: the student's line that made the failing op, and a hint.

In a notebook, a run-time error of a graph (`Session.run`, a `tf.function` call) shows
IPython's traceback with TensorFlow's message unchanged, then two more things: the cell and
line that created the failing op (`Cell In[4], line 3:` and the code), and, when the message
matches a common mistake, a one-line hint. `OpError._render_traceback_` (the display hook
IPython asks exceptions for) calls `render_traceback`; the step-through view shows the same
lines under the error. Outside IPython nothing changes: the exception and its text are TF's.
"""

from __future__ import annotations

import linecache
import re

__all__ = ["error_lines", "hint_for", "render_traceback"]

# (pattern of the message, hint): the first that matches is shown.
_HINTS = [
    (r"cannot reshape array of size (\d+)|Input to reshape is a tensor with (\d+) values",
     "A reshape keeps the number of values: the new shape must hold exactly as many "
     "(write -1 for the one dimension to infer)."),
    (r"Matrix size-incompatible|In\[0\] mismatch In\[1\]|shapes .* not aligned",
     "In a matrix product the inner dimensions must agree: (a, b) @ (b, c). Print both "
     "shapes, or transpose one (tf.transpose, or transpose_b=True)."),
    (r"Incompatible shapes|could not be broadcast",
     "Elementwise ops need shapes that broadcast: equal dimensions, or 1, counted from the "
     "right. Print the shapes of both inputs."),
    (r"You must feed a value for placeholder",
     "A placeholder has no value of its own: pass one in feed_dict, "
     "sess.run(fetches, feed_dict={placeholder: value})."),
    (r"uninitialized|Could not find variable|not initialized",
     "Variables of a TF1 graph start empty: run tf.compat.v1.global_variables_initializer() "
     "in the session first."),
    (r"expected to be a (\w+) tensor but is a (\w+) tensor|cannot compute \w+ as input",
     "The inputs' dtypes differ (for example int32 and float32): cast one with tf.cast, or "
     "write 1.0 instead of 1."),
    (r"indices?\[.*\] = .* is not in|out of range|out of bounds",
     "An index is outside the tensor: indices run from 0 to size - 1 along that axis."),
]


def hint_for(error) -> str | None:
    """A one-line hint for a common mistake the error's message shows, or None."""
    text = str(getattr(error, "message", None) or error)
    for pattern, hint in _HINTS:
        if re.search(pattern, text):
            return hint
    return None


def _student_line(error) -> tuple[str, str] | None:
    """(`Cell In[4], line 3`, the code) where the failing op was created."""
    from .graph_view import _source_file

    loc = getattr(getattr(error, "op", None), "source_location", None)
    if not loc:
        return None
    file, line = str(loc[0]), int(loc[1])
    code = linecache.getline(file, line).strip()
    where = _source_file(file)
    return (f"{where}, line {line}" if where != file else f'File "{file}", line {line}', code)


def error_lines(error) -> list[str]:
    """What follows TF's text: where the failing op was made, and a hint (may be empty)."""
    lines = []
    place = _student_line(error)
    op = getattr(getattr(error, "op", None), "name", None)
    if place is not None:
        lines.append(f"The op '{op}' that failed was created at {place[0]}:")
        if place[1]:
            lines.append(f"    {place[1]}")
    hint = hint_for(error)
    if hint:
        lines.append(f"Hint: {hint}")
    return lines


def render_traceback(error) -> list[str]:
    """IPython's usual traceback of `error`, then `error_lines` (IPython only)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("not in IPython")  # IPython then prints its standard traceback
    stb = shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__,
                                                   tb_offset=1)
    extra = error_lines(error)
    return list(stb) + ([""] + extra if extra else [])
