"""JSON written byte for byte as TF Serving writes it (rapidjson's PrettyWriter).

TF Serving's REST responses and the JSON values quoted in its error messages come from
rapidjson's `PrettyWriter`: objects one member per line indented by four spaces, arrays either
one element per line or, in "single line array" mode, `[1, 2, 3]`. The mode can change between
elements, which is why a row-format response looks like `"predictions": [[1.0, 2.0], [3.0]\n    ]`.
`PrettyWriter` below reproduces that state machine; `float_text` is TF Serving's number
formatting (`%g` when it round-trips, else `max_digits10` digits, `.0` added to whole numbers);
`debug_string` is how a request's JSON value is quoted in an error (at most ~256 bytes).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t"}


def quote(s: str) -> str:
    """A JSON string as rapidjson escapes it (control characters as \\u00XX, upper case)."""
    out = []
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is None and ch < " ":
            esc = f"\\u{ord(ch):04X}"
        out.append(esc or ch)
    return '"' + "".join(out) + '"'


def float_text(value, double: bool = False) -> str:
    """TF Serving's WriteDecimal for a float32 (or, with double=True, a float64) value."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "-Infinity" if v < 0 else "Infinity"
    text = f"{v:g}"
    back = float(text) if double else np.float32(text)
    if back != (v if double else np.float32(v)):
        text = f"{v:.17g}" if double else f"{v:.9g}"
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def rapidjson_double(v: float) -> str:
    """rapidjson's Writer::Double: shortest digits, laid out by its Prettify rules."""
    sign = "-" if math.copysign(1.0, v) < 0 else ""
    t = Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, t.digits)) or "0"
    if digits == "0":
        return sign + "0.0"
    k, n = t.exponent, len(digits)
    kk = n + k
    if 0 <= k and kk <= 21:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 21:
        body = digits[:kk] + "." + digits[kk:]
    elif -6 < kk <= 0:
        body = "0." + "0" * (-kk) + digits
    elif n == 1:
        body = digits + "e" + str(kk - 1)
    else:
        body = digits[0] + "." + digits[1:] + "e" + str(kk - 1)
    return sign + body


class StopWriting(Exception):
    """Raised inside the writer when its byte limit is reached (or a value cannot be written)."""


class PrettyWriter:
    """rapidjson::PrettyWriter with 4-space indentation; `single_line` is kFormatSingleLineArray."""

    def __init__(self, single_line: bool = False, limit: int | None = None):
        self.parts: list[str] = []
        self.size = 0
        self.stack: list[list] = []  # [in_array, value_count]
        self.single_line = single_line
        self.limit = limit

    def text(self) -> str:
        return "".join(self.parts)

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.size += len(s)

    def _check(self) -> None:
        if self.limit is not None and self.size >= self.limit:
            raise StopWriting

    def _indent(self) -> str:
        return " " * (4 * len(self.stack))

    def _prefix(self) -> None:
        if not self.stack:
            return
        level = self.stack[-1]
        if level[0]:
            sep = ("," if level[1] else "") + (" " if self.single_line and level[1] else "")
            if not self.single_line:
                sep += "\n" + self._indent()
        elif level[1] == 0:
            sep = "\n" + self._indent()
        elif level[1] % 2 == 0:
            sep = ",\n" + self._indent()
        else:
            sep = ": "
        self._put(sep)
        level[1] += 1

    def value(self, raw: str) -> None:
        self._check()
        self._prefix()
        self._put(raw)

    def string(self, s: str) -> None:
        self.value(quote(s))

    key = string

    def start(self, array: bool) -> None:
        self._check()
        self._prefix()
        self._put("[" if array else "{")
        self.stack.append([array, 0])

    def end(self) -> None:
        self._check()
        array, count = self.stack.pop()
        if count and (not array or not self.single_line):
            self._put("\n" + self._indent())
        self._put("]" if array else "}")


def _write_value(w: PrettyWriter, v) -> None:
    if isinstance(v, dict):
        w.start(False)
        for k, item in v.items():
            w.key(k)
            _write_value(w, item)
        w.end()
    elif isinstance(v, list):
        w.start(True)
        for item in v:
            _write_value(w, item)
        w.end()
    elif isinstance(v, bool):
        w.value("true" if v else "false")
    elif v is None:
        w.value("null")
    elif isinstance(v, int):
        w.value(str(v))
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise StopWriting  # rapidjson's Writer refuses NaN and Inf
        w.value(rapidjson_double(v))
    else:
        w.string(v)


def debug_string(v, limit: int = 256) -> str:
    """TF Serving's JsonValueToDebugString: the value pretty-printed, single-line arrays,
    cut off at the first token written past `limit` bytes."""
    w = PrettyWriter(single_line=True, limit=limit)
    try:
        _write_value(w, v)
    except StopWriting:
        pass
    return w.text()


def error_body(message: str) -> str:
    """TF Serving's MakeJsonFromStatus: `{"error": message}` pretty-printed."""
    w = PrettyWriter()
    w.start(False)
    w.key("error")
    w.string(message)
    w.end()
    return w.text()
