"""`tf.GradientTape`: record ops as they run, then play them backwards.

While a tape is active, every op whose inputs include a *watched* tensor is recorded (the op,
its inputs and outputs); its outputs become watched too. `gradient()` hands the records to
the reverse-mode engine (`tfedu.ops.backprop`, shared with `tf.gradients`), which walks them in
reverse, calling each op's registered gradient function, which builds its result with ordinary
ops. Because those ops are themselves recorded by any outer tape, nested tapes give higher-order
derivatives for free, and inside `tf.function` the same code records symbolic ops.
"""

from __future__ import annotations

import contextlib
import inspect
import logging

import numpy as np

from tfedu.framework import nest
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import EagerOp, record_gradient
from tfedu.framework.tensor import Tensor
from tfedu.ops import array_ops
from tfedu.ops.backprop import (
    UnconnectedGradients,
    backpropagate,
    differentiable,
    no_gradient,
    sum_gradients,
)

__all__ = ["GradientTape", "UnconnectedGradients", "custom_gradient", "stop_recording_all",
           "record_gradient"]

_log = logging.getLogger("tfedu")


class GradientTape:
    """Records operations for automatic differentiation (`tf.GradientTape`)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self._reset_state()

    def _reset_state(self):
        self._watched = {}  # id(tensor) -> tensor (kept alive so ids stay unique)
        self._records = []
        self._variables = []  # watched variables, in the order first watched
        self._variable_ids = set()
        self._reads = {}  # id(variable) -> [tensors read from it while recording]

    # --- context ---------------------------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, *exc):
        if self._recording:
            self._pop()

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        _state.tapes.append(self)
        self._recording = True

    def _pop(self):
        _state.tapes.remove(self)
        self._recording = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording: ops inside are not differentiated through."""
        if not self._recording:
            raise ValueError("Tape must be recording when stop_recording is called.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Forget everything recorded so far (the tape keeps recording)."""
        self._reset_state()
        self._used = False

    # --- watching --------------------------------------------------------------------------
    def watch(self, tensor):
        """Make the tape track `tensor` (or variables, or a nested structure of them)."""
        for t in nest.flatten(tensor):
            if getattr(t, "_is_variable", False):
                self._watch_variable(t)
                continue
            if not isinstance(t, Tensor):
                raise ValueError(
                    f"Passed in object {t} of type {type(t).__name__!r}, not tf.Tensor or "
                    "tf.Variable or ExtensionType."
                )
            if not differentiable(t.dtype):
                _log.warning("The dtype of the watched tensor must be floating (e.g. "
                             "tf.float32), got %r", t.dtype)
            self._watched[id(t)] = t

    def _watch_variable(self, var):
        var = getattr(var, "_primary", var)
        if id(var) not in self._variable_ids:
            self._variable_ids.add(id(var))
            self._variables.append(var)

    def watched_variables(self):
        """The variables this tape watched, in creation order (as TF returns them)."""
        return tuple(sorted(self._variables, key=lambda v: getattr(v, "_uid", 0)))

    def _read_variable(self, var, tensor):
        """Called when `var` is read while this tape records: connect the read to `var`."""
        if not self._recording:
            return
        var = getattr(var, "_primary", var)
        if id(var) not in self._variable_ids:
            if not (self._watch_accessed_variables and var.trainable):
                return
            self._watch_variable(var)
        if differentiable(tensor.dtype):
            self._watched[id(tensor)] = tensor
            self._reads.setdefault(id(var), []).append(tensor)

    # --- recording -------------------------------------------------------------------------
    def _record(self, opdef, inputs, outputs, attrs, graph_op=None, grad_fn=None):
        if not self._recording:
            return
        w = self._watched
        for x in inputs:
            if id(x) in w:
                break
        else:
            return
        rec = graph_op if (graph_op is not None and grad_fn is None) else EagerOp(
            opdef, inputs, outputs, attrs, grad_fn)
        self._records.append(rec)
        for o in outputs:
            if differentiable(o.dtype):
                w[id(o)] = o

    # --- differentiation -------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, in the structure of `sources`."""
        self._check_usable()
        if self._recording and self._persistent:  # TF warns only for persistent tapes
            _log.warning("Calling GradientTape.gradient on a persistent tape inside its context "
                         "is significantly less efficient than calling it outside the context "
                         "(it causes the gradient ops to be recorded on the tape, leading to "
                         "increased CPU and memory usage). Only call GradientTape.gradient "
                         "inside the context if you actually want to trace the gradient in "
                         "order to compute higher order derivatives.")
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = _checked_sources(sources)
        if target is None:
            raise TypeError("Argument `target` should be a list or nested structure of Tensors, "
                            "Variables or CompositeTensors to be differentiated, but received "
                            "None.")
        flat_targets = nest.flatten(target)
        if output_gradients is not None:
            output_gradients = nest.flatten(output_gradients)
        with _gradient_scope():
            result = self._backprop(flat_targets, flat_sources, output_gradients, unconnected)
        self._spend()
        return nest.pack_sequence_as(sources, result)

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")

    def _spend(self):
        """A non-persistent tape serves one gradient (or jacobian) call, then forgets: it lets
        go of every tensor it recorded, so variables' buffers are free for in-place updates."""
        if not self._persistent:
            self._used = True
            self._records = []
            self._watched = {}
            self._reads = {}

    def _backprop(self, targets, sources, output_gradients, unconnected):
        """Seed the targets' gradients, run the reverse-mode engine over the useful records."""
        was_recording = self._recording
        if was_recording:
            self._pop()
        try:
            grads, direct = {}, {}  # direct: a variable that is itself a target (d v/d v = 1)
            for i, t in enumerate(targets):
                var = getattr(t, "_primary", t) if getattr(t, "_is_variable", False) else None
                t = t.value() if var is not None else t
                og = output_gradients[i] if output_gradients is not None else None
                og = array_ops.ones_like(t) if og is None else convert_to_tensor(og, dtype=t.dtype)
                (direct.setdefault(id(var), []) if var is not None
                 else grads.setdefault(id(t), [])).append(og)
            w = self._watched
            useful, reach = self._useful_records(self._source_ids(sources))
            # an input takes a gradient if it is watched, differentiable and leads to a source
            takes = {i for i in reach if i in w and differentiable(w[i].dtype)}
            backpropagate(useful, grads, lambda x: id(x) in takes)
            return [self._source_gradient(s, grads, direct, unconnected) for s in sources]
        finally:
            if was_recording:
                self._push()

    def _reads_of(self, variable):
        return self._reads.get(id(getattr(variable, "_primary", variable)), ())

    def _source_ids(self, sources):
        """ids of the tensors gradients flow to: a variable's reads while recording."""
        ids = set()
        for s in sources:
            if getattr(s, "_is_variable", False):
                ids.update(id(r) for r in self._reads_of(s))
            else:
                ids.add(id(s))
        return ids

    def _source_gradient(self, s, grads, direct, unconnected):
        if getattr(s, "_is_variable", False):
            parts = [g for r in self._reads_of(s) for g in grads.get(id(r), ())]
            parts += direct.get(id(getattr(s, "_primary", s)), [])
        else:
            parts = list(grads.get(id(s), ()))
        if parts and differentiable(s.dtype):
            return sum_gradients(parts)
        return no_gradient(s, unconnected)

    def _useful_records(self, source_ids):
        """The records that depend on a source, and the ids of the tensors that do."""
        reach = set(source_ids)
        useful = []
        for rec in self._records:
            for x in rec.inputs:
                if id(x) in reach:
                    useful.append(rec)
                    for o in rec.outputs:
                        reach.add(id(o))
                    break
        return useful, reach

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The full Jacobian: shape `target.shape + source.shape` for each source."""
        self._check_usable()
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = nest.flatten(sources)
        tshape = target.shape.as_list()
        rows = [[] for _ in flat_sources]
        for og in _one_hots(target, tshape):  # one backward pass per target element
            gs = self._backprop([target], flat_sources, [og], UnconnectedGradients.NONE)
            for k, g in enumerate(gs):
                rows[k].append(g)
        out = [_stack_rows(s, r, tshape, unconnected) for s, r in zip(flat_sources, rows)]
        self._spend()
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: `[batch] + target.shape[1:] + source.shape[1:]`."""
        self._check_usable()
        tshape, sshape = target.shape.as_list(), source.shape.as_list()
        if tshape[0] != sshape[0]:
            raise ValueError("Need first dimension of target shape "
                             f"({target.shape}) and source shape ({source.shape}) to match.")
        zero = UnconnectedGradients(unconnected_gradients) is UnconnectedGradients.ZERO
        cols = []
        for og in _one_hots(target, tshape, batched=True):  # one pass per example element
            (g,) = self._backprop([target], [source], [og], UnconnectedGradients.NONE)
            if g is None and not zero:
                return None
            cols.append(g if g is not None else array_ops.zeros(sshape, dtype=source.dtype))
        self._spend()
        return array_ops.reshape(array_ops.stack(cols, axis=1), tshape[:1] + tshape[1:]
                                 + sshape[1:])


def _checked_sources(sources):
    """`sources` flattened; each must be a tensor or a variable."""
    flat = nest.flatten(sources)
    for s in flat:
        if not (isinstance(s, Tensor) or getattr(s, "_is_variable", False)):
            raise ValueError(f"Passed in object {s!r} of type {type(s).__name__!r}, not "
                             "tf.Tensor or tf.Variable or ExtensionType.")
    return flat


def _one_hots(target, tshape, batched=False):
    """Upstream gradients selecting one element of `target` at a time (per example if batched)."""
    lead = tshape[:1] if batched else []
    rest = tshape[1:] if batched else tshape
    m = int(np.prod(rest)) if rest else 1
    for j in range(m):
        onehot = np.zeros(lead + [m], dtype=target.dtype.as_numpy_dtype)
        onehot[..., j] = 1
        yield array_ops.constant_like_numpy(onehot.reshape(tshape))


def _stack_rows(source, row, tshape, unconnected):
    """One source's Jacobian from its per-element gradients (None where disconnected)."""
    sshape = source.shape.as_list()
    if all(g is None for g in row):
        if unconnected is UnconnectedGradients.ZERO:
            return array_ops.zeros(tshape + sshape, dtype=source.dtype)
        return None
    row = [g if g is not None else array_ops.zeros(sshape, dtype=source.dtype) for g in row]
    return array_ops.reshape(array_ops.stack(row), tshape + sshape)


@contextlib.contextmanager
def stop_recording_all():
    """Pause every active tape (used by custom_gradient and by optimizers' updates)."""
    saved = list(_state.tapes)
    for t in saved:
        t._pop()
    try:
        yield
    finally:
        for t in saved:
            t._push()


def custom_gradient(f=None):
    """Decorator: `f` returns `(outputs, grad_fn)`; tapes use `grad_fn` instead of `f`'s ops."""
    if f is None:
        return custom_gradient

    def decorated(*args, **kwargs):
        result, grad_fn, variables = _run_watching_variables(f, args, kwargs)
        wants_vars = _accepts_variables(grad_fn)
        if variables and not wants_vars:
            raise TypeError(
                "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since "
                "function uses variables: " + ", ".join(v.name for v in variables)
            )
        flat_args = [a for a in nest.flatten((args, kwargs)) if isinstance(a, Tensor)
                     or getattr(a, "_is_variable", False)]
        inputs = [a.value() if getattr(a, "_is_variable", False) else a for a in flat_args]
        var_reads = [v.value() for v in variables] if wants_vars else []
        with stop_recording_all():
            outs = [array_ops.identity(o) for o in nest.flatten(result)]
        variables = variables if wants_vars else []
        record_gradient(inputs + var_reads, outs, _tape_grad(grad_fn, variables, len(inputs)))
        return nest.pack_sequence_as(result, outs)

    decorated.__name__ = getattr(f, "__name__", "custom_gradient")
    decorated.__doc__ = getattr(f, "__doc__", None)
    decorated.__wrapped__ = f
    return decorated


def _run_watching_variables(f, args, kwargs):
    """Run `f` with no tape recording; returns its result, grad_fn and the variables it read."""
    probe = GradientTape(watch_accessed_variables=True)
    with stop_recording_all():
        probe._push()
        try:
            result, grad_fn = f(*args, **kwargs)
        finally:
            probe._pop()
    return result, grad_fn, list(probe.watched_variables()) if _state.tapes else []


def _accepts_variables(grad_fn) -> bool:
    params = inspect.signature(grad_fn).parameters
    return "variables" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                        for p in params.values())


def _tape_grad(grad_fn, variables, n_in):
    """The recorded gradient function: `grad_fn`'s input gradients, then the variables'."""

    def tape_grad(op, *upstream):
        if variables:
            in_grads, var_grads = grad_fn(*upstream, variables=variables)
        else:
            in_grads, var_grads = grad_fn(*upstream), []
        in_grads = nest.flatten(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
        in_grads = list(in_grads) + [None] * (n_in - len(in_grads))
        return in_grads[:n_in] + list(var_grads)

    return tape_grad


def _gradient_scope():
    """While building a graph, the backward ops go in a `gradient_tape` name scope, as in TF (the
    graph view then shows the backward pass as one frame); eagerly, nothing."""
    from tfedu.framework.name_scope import name_scope

    return name_scope("gradient_tape") if _state.graph is not None else contextlib.nullcontext()
