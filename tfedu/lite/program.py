"""The converter's working form of a model: values and ops in the order they run.

`freeze(concrete_function)` turns a traced `tf.function` graph into a `Program`:

- variables become constants (their current values: the model is *frozen*);
- every op whose inputs are all constants is computed now (*constant folding*), so e.g. a
  batch normalisation's `gamma / sqrt(variance + eps)` is one constant by the time ops are
  mapped to TFLite;
- `Identity`-like ops disappear.

What is left are the ops that depend on the input; `legalize.py` maps them to TFLite builtins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tfedu.function.gradients import structured_inputs

__all__ = ["Value", "Op", "Program", "freeze"]

_PASS_THROUGH = {"Identity", "IdentityN", "StopGradient", "PreventGradient", "Snapshot",
                 "EnsureShape", "CheckNumerics"}
_NEVER_FOLD = {"Placeholder", "RandomUniform", "RandomStandardNormal", "TruncatedNormal",
               "StatelessRandomUniformV2", "RandomUniformInt"}


@dataclass(eq=False)
class Value:
    """A tensor: its name, dtype, static shape (None = unknown, e.g. the batch) and, for
    constants, its data. `quant` is set when the value is quantised (`kernels.Quant`)."""

    name: str
    dtype: np.dtype
    shape: list | None
    const: np.ndarray | None = None
    producer: Op | None = None
    consumers: list = field(default_factory=list)
    quant: object = None

    @property
    def is_const(self) -> bool:
        return self.const is not None

    def __repr__(self):
        return f"<Value {self.name} {self.dtype} {self.shape}{' const' if self.is_const else ''}>"


@dataclass(eq=False)
class Op:
    """An op: a TF op type while frozen, a TFLite builtin name once legalised."""

    type: str
    name: str
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)
    source: tuple | None = None

    def __repr__(self):
        return f"<Op {self.type} {self.name}>"


@dataclass
class Program:
    inputs: list
    outputs: list
    ops: list
    input_names: list
    output_names: list
    signature_key: str | None = "serving_default"  # None: no signature (a bare function)

    def relink(self):
        """Recompute producers and consumers after ops were replaced."""
        for op in self.ops:
            for v in op.inputs + op.outputs:
                if v is not None:
                    v.consumers = []
        for op in self.ops:
            for v in op.outputs:
                v.producer = op
            for v in op.inputs:
                if v is not None:
                    v.consumers.append(op)
        return self


def _shape_of(t) -> list | None:
    dims = getattr(t.shape, "dims", None)
    if dims is None:
        return None
    return [None if d is None else int(d) for d in t.shape.as_list()]


def _value_of(t) -> Value:
    return Value(t.name.split(":")[0] if t.name.endswith(":0") else t.name.replace(":", "_"),
                 np.dtype(t.dtype.as_numpy_dtype), _shape_of(t))


def _capture_values(cf) -> dict:
    """Placeholder id -> the numpy value it stands for (variables and captured constants)."""
    values = {}
    for outer, placeholder in cf.graph.captures:
        value = outer.numpy() if hasattr(outer, "numpy") else np.asarray(outer)
        values[id(placeholder)] = np.asarray(value)
    return values


def _fold(op, inputs: list) -> list | None:
    """Compute an op whose inputs are all constants; None when it cannot or must not be."""
    opdef = op._opdef
    if op.type in _NEVER_FOLD or opdef.stateful or opdef.kernel is None:
        return None
    arrays = structured_inputs(op, [v.const for v in inputs])
    try:
        result = opdef.kernel(*arrays, **dict(getattr(op, "_kernel_attrs", op._attrs)))
    except Exception:  # an op the engine cannot fold here stays in the program
        return None
    many = len(opdef.output_specs) != 1 or opdef.output_specs[0].is_list
    results = list(result) if many else [result]
    return [np.asarray(r, dtype=np.dtype(t.dtype.as_numpy_dtype))
            for r, t in zip(results, op._outputs)]


_CALLS = ("PartitionedCall", "StatefulPartitionedCall")


class _Freezer:
    def __init__(self, cf, ops: list | None = None):
        self.cf = cf
        self.captured = _capture_values(cf)
        self.values: dict = {}  # id(graph tensor) -> Value
        self.ops: list = [] if ops is None else ops

    def run(self) -> None:
        for op in self.cf.graph.get_operations():
            self.visit(op)

    def visit(self, op) -> None:
        if op.type == "Placeholder":
            t = op._outputs[0]
            if id(t) in self.values:  # an input of a function being inlined
                return
            v = _value_of(t)
            v.const = self.captured.get(id(t))
            self.values[id(t)] = v
            return
        inputs = [self.values[id(t)] for t in op._inputs]
        if op.type in _PASS_THROUGH:
            for t, v in zip(op._outputs, inputs):
                self.values[id(t)] = v
            return
        if op.type in _CALLS:
            self._inline(op, inputs)
            return
        if op.type == "ReadVariableOp" and inputs[0].is_const:
            self._constant(op._outputs[0], inputs[0].const)
            return
        if op.type == "Const":
            self._constant(op._outputs[0], np.asarray(op._attrs["value"]))
            return
        self._compute_or_keep(op, inputs)

    def _inline(self, op, inputs) -> None:
        """A call of another function (a SavedModel's signature calls the model's function):
        its ops join this program, its inputs bound to the call's inputs."""
        callee = op._attrs["f"]
        child = _Freezer(callee, self.ops)
        for t, v in zip(callee.graph.inputs, inputs):
            child.values[id(t)] = v
        child.run()
        for t, inner in zip(op._outputs, callee.graph.outputs):
            self.values[id(t)] = child.values[id(inner)]

    def _constant(self, t, data) -> None:
        v = _value_of(t)
        v.const = np.asarray(data, dtype=v.dtype)
        self.values[id(t)] = v

    def _compute_or_keep(self, op, inputs) -> None:
        folded = _fold(op, inputs) if inputs and all(v.is_const for v in inputs) else None
        if folded is not None:
            for t, data in zip(op._outputs, folded):
                self._constant(t, data)
            return
        outputs = [_value_of(t) for t in op._outputs]
        for t, v in zip(op._outputs, outputs):
            self.values[id(t)] = v
        if outputs or op._opdef.stateful:
            self.ops.append(Op(op.type, op.name, inputs, outputs, dict(op._attrs),
                               op.source_location))


def _prune(ops: list, outputs: list) -> list:
    """Only the ops the outputs need, in their original order."""
    needed, stack = set(), [v for v in outputs]
    producer = {id(v): op for op in ops for v in op.outputs}
    while stack:
        op = producer.get(id(stack.pop()))
        if op is not None and id(op) not in needed:
            needed.add(id(op))
            stack.extend(op.inputs)
    return [op for op in ops if id(op) in needed]


def freeze(cf, input_names: list, output_names: list, signature_key="serving_default") -> Program:
    """A `ConcreteFunction` as a frozen, constant-folded `Program`."""
    freezer = _Freezer(cf)
    freezer.run()
    num_args = len(cf.graph.inputs) - len(cf.graph.captures)
    inputs = [freezer.values[id(t)] for t in cf.graph.inputs[:num_args]]
    outputs = [freezer.values[id(t)] for t in cf.graph.outputs]
    ops = _prune(freezer.ops, outputs)
    return Program(inputs, outputs, ops, list(input_names), list(output_names),
                   signature_key).relink()
