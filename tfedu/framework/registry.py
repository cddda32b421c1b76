"""The op registry: every TensorFlow op is declared here once.

An `OpDef` says, for one op type (`AddV2`, `MatMul`, `Relu`, ...):

- its signature, in TensorFlow's own notation: inputs `"x: T"`, list inputs `"values: N*T"`,
  fixed-type inputs `"axis: int32"`, outputs `"z: T"`, and which dtypes each type attr allows;
- `infer(op)`: static shape and dtype inference, used while building graphs (and in eager mode
  to validate shapes, axes and indices *before* a kernel runs);
- `kernel(*arrays, **attrs)`: the computation on numpy arrays (a numpy reference or a
  dispatcher that picks a Numba kernel for large inputs);
- `grad(op, *output_grads)`: the gradient, written with ordinary tfedu ops so it serves eager
  tapes, tapes inside `tf.function` and v1 `tf.gradients` alike.

Eager execution, graph building, `Session.run`, `tf.function`, autodiff and the graph viewer
all read this one entry. Nothing else knows how an op computes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tfedu.framework import dtypes

__all__ = ["OpDef", "register_op", "get_op", "OPS", "FLOAT", "NUMERIC", "REAL", "INTS", "ALL"]


class _TextOnlyDType:
    """A dtype named in TF's error messages (bfloat16) that tfedu does not compute with."""

    def __init__(self, name, cname, enum):
        self.name, self.c_name, self.as_datatype_enum = name, cname, enum


_BF16 = _TextOnlyDType("bfloat16", "bfloat16", "DT_BFLOAT16")

FLOAT = (_BF16, dtypes.float16, dtypes.float32, dtypes.float64)
FLOAT_COMPLEX = FLOAT + dtypes.COMPLEX
REAL = (_BF16,) + dtypes.REAL_NUMERIC
NUMERIC = (_BF16,) + dtypes.NUMERIC
INTS = (dtypes.int32, dtypes.int64)
ALL = dtypes.ALL + (dtypes.resource, dtypes.variant)


@dataclass
class _ArgSpec:
    name: str
    type: str  # a type attr ("T") or a dtype name ("int32")
    is_list: bool = False
    number_attr: str | None = None

    @classmethod
    def parse(cls, text: str) -> _ArgSpec:
        name, _, typ = (p.strip() for p in text.partition(":"))
        if "*" in typ:
            n, _, t = typ.partition("*")
            return cls(name, t.strip(), True, n.strip())
        return cls(name, typ)


@dataclass
class OpDef:
    type: str
    inputs: tuple = ()
    outputs: tuple = ("output: T",)
    type_attrs: dict = field(default_factory=dict)  # attr -> allowed dtypes
    attrs: dict = field(default_factory=dict)  # non-type attr -> default value
    infer: Callable | None = None
    kernel: Callable | None = None
    grad: Callable | None = None
    stateful: bool = False  # random ops, variable ops: never folded or de-duplicated
    elementwise: bool = False  # candidates for fusion; eager skips shape inference
    validate_eager: bool = True  # run `infer` before the kernel in eager mode
    doc: str = ""

    def __post_init__(self):
        self.input_specs = [_ArgSpec.parse(s) for s in self.inputs]
        self.output_specs = [_ArgSpec.parse(s) for s in self.outputs]
        self.has_list_input = any(s.is_list for s in self.input_specs)
        # positions of inputs whose dtype is a type attr, grouped by attr
        self.type_groups = {}
        for i, s in enumerate(self.input_specs):
            if s.type in self.type_attrs or not _is_dtype_name(s.type):
                self.type_groups.setdefault(s.type, []).append(i)
        self.allowed_sets = {k: frozenset(v) for k, v in self.type_attrs.items()}
        if self.elementwise:
            self.validate_eager = False

    @property
    def signature_text(self) -> str:
        def fmt(specs):
            return ", ".join(
                f"{s.name}:{s.number_attr + '*' if s.is_list else ''}{s.type}" for s in specs
            )

        return f"{fmt(self.input_specs)} -> {fmt(self.output_specs)}"

    @property
    def num_outputs(self) -> int:
        return len(self.output_specs)

    def __repr__(self):
        return f"<OpDef {self.type}: {self.signature_text}>"


def _is_dtype_name(t: str) -> bool:
    try:
        dtypes.as_dtype(t)
        return True
    except TypeError:
        return False


OPS: dict[str, OpDef] = {}


def register_op(type: str, **kwargs) -> OpDef:
    """Declare an op. Returns the `OpDef`, which public functions pass to `execute`."""
    if type in OPS:
        raise ValueError(f"Op {type!r} is registered twice")
    op = OpDef(type=type, **kwargs)
    OPS[type] = op
    return op


def get_op(type: str) -> OpDef:
    try:
        return OPS[type]
    except KeyError:
        raise KeyError(f"No op named {type!r} is registered") from None


def set_gradient(type: str):
    """Decorator attaching a gradient function to a registered op (like `tf.RegisterGradient`)."""

    def deco(fn):
        get_op(type).grad = fn
        return fn

    return deco


RegisterGradient = set_gradient
