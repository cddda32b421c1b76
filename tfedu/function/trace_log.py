"""The trace log: every call of every `tf.function`, and *why* a call had to trace again.

Each call adds a `CallRecord` to its function's log: a hit (which trace served it) or a miss
(a new trace, how long it took, and how the arguments differ from the closest earlier
signature: "arg `x`: now float32[2], before float32[]"). `f.explain_retracing()` prints the
story; `record.to_dict()` is JSON-ready for viewers. A module-level registry tracks live
functions, and listeners (a notebook retracing monitor) hear about every call.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass, field

__all__ = ["CallRecord", "TraceLog", "live_functions", "add_listener", "remove_listener"]

_registry: weakref.WeakSet = weakref.WeakSet()
_listeners: list = []


@dataclass
class CallRecord:
    """One call of a tf.function."""

    function: str
    call_index: int
    traced: bool
    signature: str  # the trace that served the call, e.g. "(x: float32[2])"
    trace_index: int | None = None  # which trace (0-based) ran
    reasons: list[str] = field(default_factory=list)  # why a new trace was needed
    trace_seconds: float | None = None
    closest_signature: str | None = None
    repeats: int = 1  # consecutive calls served by the same trace, folded into one record

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self):
        head = f"call {self.call_index}: "
        if not self.traced:
            more = f" (x{self.repeats})" if self.repeats > 1 else ""
            return head + f"reused trace #{self.trace_index} {self.signature}{more}"
        text = head + f"TRACED #{self.trace_index} {self.signature}"
        if self.trace_seconds is not None:
            text += f" in {self.trace_seconds * 1e3:.2f} ms"
        if self.reasons:
            text += "".join(f"\n    {r}" for r in self.reasons)
        return text


class TraceLog:
    """The call history of one function (bounded, so long training loops stay cheap)."""

    MAX_RECORDS = 1000

    def __init__(self, name: str):
        self.name = name
        self.records: list[CallRecord] = []
        self.calls = 0
        self.traces = 0

    def hit(self, signature_fn, key, trace_index):
        """Record a call served by an existing trace (signature text built lazily)."""
        self.calls += 1
        recs = self.records
        if recs and not _listeners:
            last = recs[-1]
            if not last.traced and last.trace_index == trace_index:
                last.repeats += 1
                return
        self._add(CallRecord(self.name, self.calls, False, signature_fn(key), trace_index))

    def miss(self, signature, trace_index, reasons, seconds, closest=None):
        self.calls += 1
        self.traces += 1
        self._add(CallRecord(self.name, self.calls, True, signature, trace_index, list(reasons),
                             seconds, closest))

    def _add(self, rec):
        self.records.append(rec)
        if len(self.records) > self.MAX_RECORDS:
            del self.records[: len(self.records) - self.MAX_RECORDS]
        for fn in list(_listeners):
            fn(self, rec)

    def to_list(self) -> list[dict]:
        return [r.to_dict() for r in self.records]

    def explain(self) -> str:
        lines = [f"tf.function {self.name}: {self.calls} call(s), {self.traces} trace(s)"]
        hits = 0
        for r in self.records:
            if r.traced:
                if hits:
                    lines.append(f"  ... {hits} call(s) reused existing traces")
                    hits = 0
                lines.append("  " + str(r).replace("\n", "\n  "))
            else:
                hits += r.repeats
        if hits:
            lines.append(f"  ... {hits} call(s) reused existing traces")
        return "\n".join(lines)


def register(function) -> None:
    _registry.add(function)


def live_functions() -> list:
    """The tf.functions alive in this process."""
    return list(_registry)


def add_listener(fn) -> None:
    """`fn(trace_log, call_record)` is called after every call of every tf.function."""
    if fn not in _listeners:
        _listeners.append(fn)


def remove_listener(fn) -> None:
    if fn in _listeners:
        _listeners.remove(fn)
