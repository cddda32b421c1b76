"""Running an execution plan one step at a time and writing down what each step did.

`Recorder.run_plan(plan, feed_arrays, resources)` walks `plan.steps` as `Plan.run` does,
calling the same kernels with the same arguments, and records for every step its inputs and
outputs (shape, dtype, a short preview, a histogram), its time and the bytes it produced.
Function-valued attributes (If's branches, While's cond and body, a call's function) are
handed to the kernel wrapped, so that when the real kernel runs a body, the body's plan is
recorded too, as a child frame. A failing kernel is recorded with its inputs, then raises
TensorFlow's run-time error as `Plan.run` would.

The step-through view (`tfedu.viz.step`) and the profile (`tfedu.viz.profile`) are both
built on it: the values they show come from this very run.
"""

from __future__ import annotations

import time
from array import array

import numpy as np

__all__ = ["Recorder", "summarize", "slot_names"]

# A While loop records its first iterations in full, then only counts the rest.
MAX_LOOP_FRAMES = 40
_PREVIEW_CHARS = 160
_HIST_BINS = 12


def _dtype_name(arr: np.ndarray) -> str:
    from tfedu.framework import dtypes

    try:
        return dtypes.as_dtype(arr.dtype).name
    except (TypeError, ValueError, KeyError):
        return str(arr.dtype)


def _histogram(arr: np.ndarray) -> dict | None:
    """Counts in `_HIST_BINS` bins between the finite min and max (None if nothing to bin)."""
    if arr.dtype.kind not in "biuf" or arr.size < 16:
        return None
    flat = arr.astype(np.float64, copy=False).ravel()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0 or flat.min() == flat.max():
        return None
    counts, edges = np.histogram(flat, bins=_HIST_BINS)
    return {"counts": counts.tolist(), "lo": float(edges[0]), "hi": float(edges[-1])}


def summarize(value) -> dict:
    """What the views show of a value: shape, dtype, a preview text, stats, a histogram."""
    if getattr(value, "_is_variable", False) or not _array_like(value):
        name = getattr(value, "name", None) or type(value).__name__
        return {"shape": None, "dtype": "resource", "text": f"<{name}>"}
    arr = np.asarray(value)
    text = np.array2string(arr, threshold=12, edgeitems=2, precision=4, max_line_width=72)
    out = {"shape": list(arr.shape), "dtype": _dtype_name(arr),
           "text": text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "\u2026"}
    if arr.dtype.kind in "biuf" and arr.size > 1:
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        if finite.size:
            out["stats"] = {"min": float(finite.min()), "max": float(finite.max()),
                            "mean": float(finite.mean())}
        out["hist"] = _histogram(arr)
    return out


def _array_like(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic, int, float, bool, complex, list, tuple,
                              bytes, str))


def _nbytes(result) -> int:
    return sum(int(getattr(r, "nbytes", 0) or 0) for r in result)


def slot_names(plan) -> dict[int, str]:
    """Slot -> tensor name for every tensor the plan knows (feeds, outputs, inner steps)."""
    slots = plan.slot_tensors or {}
    names = {}
    for op in plan.graph.get_operations():
        for t in op.outputs:
            s = slots.get(id(t))
            if s is not None:
                names[s] = t.name
    for t, s in zip(plan.feeds, plan.feed_slots):
        names.setdefault(s, t.name)
    return names


class _Entered:
    """A function attribute handed to a kernel: running it records its plan as a frame."""

    def __init__(self, fn, recorder: Recorder, parent_frame: int, label: str):
        self._fn = fn
        self._recorder = recorder
        self._parent = parent_frame
        self._label = label
        self.calls = 0

    def run(self, arrays, resources):
        return self._run_arrays(list(arrays), resources)

    def _run_arrays(self, arrays, resources=None):
        self.calls += 1
        fn, rec = self._fn, self._recorder
        plan = fn._plan if fn._plan is not None else fn._compile()
        label = self._label + (f" (call {self.calls})" if self.calls > 1 else "")
        n_fetch = getattr(fn, "_n_fetch", len(plan.fetch_slots))
        return rec.run_plan(plan, arrays, resources, parent=self._parent, label=label,
                            function=fn)[:n_fetch]

    def __getattr__(self, name):
        return getattr(self._fn, name)


class Recorder:
    """Records plan runs as frames of events (see the module docstring).

    `values=False` records only times and bytes (the profile); `events` and `frames` are
    plain JSON-ready lists; `error` is the run-time error of a failing step, if any.
    """

    def __init__(self, values: bool = True):
        self.values = values
        self.frames: list[dict] = []
        self.events: list[dict] = []
        self.error = None
        self.plans: dict[int, tuple] = {}  # frame -> (plan, function or None)
        # Without values (the profile): per (plan, step) [bytes, each call's microseconds]
        # instead of events, so that a long `fit` costs little memory.
        self.totals: dict[tuple, list] = {}
        self.plan_of: dict[int, tuple] = {}  # id(plan) -> (plan, function or None)

    # --- where runs come from -----------------------------------------------------------
    def runner_for(self, cf):
        """The runner (arrays, resources) -> fetches that records `cf`'s plan: what the
        plan observer gives concrete functions while `recording()` is active."""
        plan = cf._plan if cf._plan is not None else cf._compile()
        n_fetch = cf._n_fetch

        def run(arrays, resources):
            label = getattr(cf, "_name", "function")
            return self.run_plan(plan, arrays, resources, label=label, function=cf)[:n_fetch]

        return run

    def recording(self):
        """A context in which every concrete function called from Python (in this thread)
        runs through this recorder."""
        return _Observing(self)

    # --- one plan -----------------------------------------------------------------------
    def run_plan(self, plan, feed_arrays, resources, parent: int = -1, label: str = "",
                 function=None) -> list:
        """Run `plan` on `feed_arrays` step by step, recording a frame; returns the fetches."""
        from tfedu.framework.graph_ops import ResourceStore

        resources = resources if resources is not None else ResourceStore()
        frame = self._new_frame(plan, parent, label, function)
        names = slot_names(plan)
        values = [None] * plan.num_slots
        for s, v in plan.constants.items():
            values[s] = v
        for s, v in zip(plan.feed_slots, feed_arrays):
            values[s] = v
        if self.values:
            self._feed_events(frame, plan, feed_arrays, names)
        for step in plan.steps:
            self._run_step(frame, step, values, resources, names)
        return [None if s is None else values[s] for s in plan.fetch_slots]

    def _new_frame(self, plan, parent: int, label: str, function) -> int:
        siblings = sum(1 for f in self.frames if f["parent"] == parent and f["label"] == label)
        frame = len(self.frames)
        self.frames.append({"parent": parent, "label": label, "events": 0, "us": 0.0,
                            "hidden": parent >= 0 and siblings >= MAX_LOOP_FRAMES})
        self.plans[frame] = (plan, function)
        self.plan_of.setdefault(id(plan), (plan, function))
        return frame

    def _feed_events(self, frame: int, plan, feed_arrays, names) -> None:
        for s, v in zip(plan.feed_slots, feed_arrays):
            self._add(frame, {"op": names.get(s, "?").rpartition(":")[0], "type": "feed",
                              "inputs": [], "outputs": [summarize(v)], "us": 0.0, "bytes": 0,
                              "slot": s})

    def _add(self, frame: int, event: dict) -> int:
        if not self.values and event.get("error") is None:
            plan = self.plans[frame][0]
            total = self.totals.setdefault((id(plan), event["step"]), [0, array("d")])
            total[0] += event["bytes"]
            total[1].append(event["us"])
            return -1
        if self.frames[frame]["hidden"]:
            return -1
        event = {"frame": frame, "enters": [], "error": None, **event}
        self.events.append(event)
        self.frames[frame]["events"] += 1
        return len(self.events) - 1

    # --- one step -----------------------------------------------------------------------
    def _args(self, step, values):
        return [[values[j] for j in i] if type(i) is list else values[i] for i in step.inputs]

    def _attrs(self, step, frame: int) -> tuple[dict, list]:
        """The step's attributes, function-valued ones wrapped to record their runs."""
        attrs, entered = step.attrs, []
        for key, v in attrs.items():
            if hasattr(v, "_run_arrays") and hasattr(v, "_compile"):
                if attrs is step.attrs:
                    attrs = dict(step.attrs)
                attrs[key] = _Entered(v, self, frame, f"{key} of {step.op.name}")
                entered.append(attrs[key])
        return attrs, entered

    def _run_step(self, frame: int, step, values, resources, names) -> None:
        from tfedu.graph.plan import RUN_ERRORS, reraise_as_runtime_error

        args = self._args(step, values)
        attrs, entered = self._attrs(step, frame)
        first_child = len(self.frames)
        start = time.perf_counter()
        try:
            result = (step.kernel(resources, *args, **attrs) if step.uses_resources
                      else step.kernel(*args, **attrs))
        except RUN_ERRORS as e:
            try:
                reraise_as_runtime_error(step.op, e)
            except Exception as tf_error:  # TF's run-time error for it, as Plan.run raises
                self._record(frame, step, args, (), names, start, first_child, tf_error)
                raise
        result = () if not step.outputs else ((result,) if step.single else tuple(result))
        for s, r in zip(step.outputs, result):
            if s not in step.skip:
                values[s] = r
        self._record(frame, step, args, result, names, start, first_child, None)

    def _record(self, frame, step, args, result, names, start, first_child, error) -> None:
        spent = (time.perf_counter() - start) * 1e6
        children = list(range(first_child, len(self.frames)))
        child_us = sum(self.frames[c]["us"] for c in children if self.frames[c]["parent"] == frame)
        self.frames[frame]["us"] += spent - child_us
        event = {"op": step.op.name, "type": step.op.type, "us": spent - child_us,
                 "bytes": _nbytes(result), "step": step}
        if self.values or error is not None:
            flat = [(j, a) for i, a in zip(step.inputs, args)
                    for j, a in (zip(i, a) if type(i) is list else [(i, a)])]
            event["inputs"] = [{"name": names.get(j, "?"), **summarize(a)} for j, a in flat]
            event["outputs"] = [summarize(r) for r in result]
        if error is not None:
            self.error = error if self.error is None else self.error
            event["error"] = {"type": type(error).__name__, "message": _error_text(error)}
        k = self._add(frame, event)
        if k >= 0:
            self.events[k]["enters"] = [c for c in children if self.frames[c]["parent"] == frame]


class _Observing:
    def __init__(self, recorder: Recorder):
        self._recorder = recorder

    def __enter__(self):
        from tfedu.framework.context import _state

        self._saved = _state.plan_observer
        _state.plan_observer = self._recorder.runner_for
        return self._recorder

    def __exit__(self, *exc):
        from tfedu.framework.context import _state

        _state.plan_observer = self._saved
        return False


def _error_text(error) -> str:
    return str(getattr(error, "message", None) or error)
