"""The op registry: every TensorFlow op is declared here once, as one `OpDef`.

An op's declaration is one block of code in its family's module (`tfedu/ops/math_ops.py` for
`AddV2`, `tfedu/ops/nn_ops.py` for `Conv2D`): its kernel and gradient functions just above,
the `register_op(...)` call, and the public function (`tf.add`) just below. The `OpDef` says:

- `inputs` / `outputs` / `type_attrs` / `attrs`: the signature in TensorFlow's notation: inputs
  `"x: T"`, list inputs `"values: N*T"`, fixed-type inputs `"axis: int32"`, outputs `"z: T"`,
  the dtypes each type attr allows, and non-type attrs with their defaults;
- `infer(op)`: static shape and dtype inference, used while building graphs (and in eager mode
  to validate shapes, axes and indices *before* a kernel runs);
- `kernel(*arrays, **attrs)`: what runs, on numpy arrays; `reference` is the plain numpy
  kernel students read first (the same function unless `kernel` dispatches), and `numba` names
  the Numba kernels `kernel` hands large inputs to (`"module.function"` under
  `tfedu/kernels/`), where they pay;
- `grad(op, *output_grads)`: the gradient, written with ordinary tfedu ops so it serves eager
  tapes, tapes inside `tf.function` and v1 `tf.gradients` alike;
- `fused`: for elementwise ops, the scalar expression a fused Numba loop computes (`"{0} + {1}"`
  over the operands, with `ONE`, `ZERO`, `SIX` constants of the dtype; see
  `tfedu/kernels/fusion_codegen.py`);
- `group`: how the graph viewer groups (and colours) the op, one of `GROUPS`;
- `export`: plain data for the exporters, which read it and never patch an `OpDef`:

      export={
          "graphdef": {"op": "AddV2", "attrs": {"T": "dtype"}},  # NodeDef op name and attrs
          "tflite": {"builtin": "ADD", "options": {...}},          # TFLite builtin operator
          "tfjs": {"op": "add"},                                   # TF.js op (or layer)
      }

  every key optional; an op without an entry is one the exporter does not (yet) map;
- `static_value(op)`: the op's output value when known while building a graph (`Shape` of a
  fully known shape), so shape functions downstream see through it;
- `stateful`, `uses_resources`: never folded or de-duplicated; reads/writes variables;
- `memo_infer`: `infer` reads nothing but the inputs' shapes and dtypes, the attrs and the
  values of small integer inputs (axes, shapes), so an eager call remembers the input
  signatures whose check passed and skips `infer` for the next call with the same one;
- `replay(op, inputs)`: for function-calling ops, how `tf.function`'s gradient replays them.

Eager execution, graph building, `Session.run`, `tf.function`, autodiff, fusion, the graph
viewer and every exporter read this one entry. Nothing else knows how an op computes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tfedu.framework import dtypes
from tfedu.framework.tf_kernels import TF_KERNELS

__all__ = [
    "OpDef", "register_op", "get_op", "OPS", "GROUPS", "FLOAT", "NUMERIC", "REAL", "INTS", "ALL",
]


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

# How the graph viewer groups ops (each group has its colour there).
GROUPS = (
    "input",     # Placeholder, PlaceholderWithDefault: values fed in
    "const",     # Const
    "variable",  # variable handles, reads and assignments
    "math",      # elementwise arithmetic, comparisons, reductions, MatMul, special functions
    "linalg",    # decompositions, solvers, einsum
    "nn",        # activations, convolutions, pooling, losses
    "array",     # shapes, reshapes, joins, slices, gathers, scatters, sorting
    "random",    # random number generation
    "control",   # If, While, function calls, NoOp, Identity-like plumbing
    "string",    # string tensors
    "io",        # datasets and iterators
    "training",  # fused optimizer updates (ResourceApply*)
    "debug",     # assertions, numeric checks, printing
    "distribute",  # replica plumbing and cross-replica communication (all-reduce)
)


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


@dataclass(eq=False, slots=True)  # slots: an OpDef gets no attributes beyond these fields
class OpDef:
    type: str
    inputs: tuple = ()
    outputs: tuple = ("output: T",)
    type_attrs: dict = field(default_factory=dict)  # attr -> allowed dtypes
    attrs: dict = field(default_factory=dict)  # non-type attr -> default value
    infer: Callable | None = None
    kernel: Callable | None = None
    reference: Callable | None = None  # the numpy reference kernel (defaults to `kernel`)
    numba: tuple = ()  # Numba kernels `kernel` dispatches to, "module.function" in tfedu.kernels
    grad: Callable | None = None
    fused: str | None = None  # scalar expression of the op in a fused elementwise loop
    group: str = ""  # the viewer's grouping, one of GROUPS
    export: dict = field(default_factory=dict)  # exporters' mappings (see the module doc)
    static_value: Callable | None = None  # output value known while building a graph
    replay: Callable | None = None  # function-calling ops: replay for gradients
    stateful: bool = False  # random ops, variable ops: never folded or de-duplicated
    uses_resources: bool = False  # reads or writes variables (plans keep its order)
    elementwise: bool = False  # candidates for fusion; eager skips shape inference
    validate_eager: bool = True  # run `infer` before the kernel in eager mode
    memo_infer: bool = False  # eager: remember passed checks per input signature (see execute)
    doc: str = ""
    # derived from the signature
    input_specs: list = field(init=False, repr=False)
    output_specs: list = field(init=False, repr=False)
    has_list_input: bool = field(init=False, repr=False)
    type_groups: dict = field(init=False, repr=False)
    allowed_sets: dict = field(init=False, repr=False)
    binary_fast_path: tuple | None = field(init=False, repr=False)  # see `_binary_fast_path`
    input_type_attrs: tuple | None = field(init=False, repr=False)  # see `_input_type_attrs`
    no_kernel: dict = field(init=False, repr=False)  # attr -> dtypes TF has no CPU kernel for
    infer_memo: dict | None = field(init=False, repr=False)  # input signatures that passed
    # the same sets as ids of DTypes (singletons): the eager path tests membership by id,
    # which needs no Python-level `DType.__hash__`
    allowed_ids: dict = field(init=False, repr=False)
    no_kernel_ids: dict = field(init=False, repr=False)

    def __post_init__(self):
        if self.group and self.group not in GROUPS:  # every op of tfedu declares one (tested)
            raise ValueError(f"Op {self.type!r}: group {self.group!r} is not one of {GROUPS}")
        if self.reference is None:
            self.reference = getattr(self.kernel, "reference", self.kernel)
        self.input_specs = [_ArgSpec.parse(s) for s in self.inputs]
        self.output_specs = [_ArgSpec.parse(s) for s in self.outputs]
        self.has_list_input = any(s.is_list for s in self.input_specs)
        # positions of inputs whose dtype is a type attr, grouped by attr
        self.type_groups = {}
        for i, s in enumerate(self.input_specs):
            if s.type in self.type_attrs or not _is_dtype_name(s.type):
                self.type_groups.setdefault(s.type, []).append(i)
        self.no_kernel = _follow_tensorflow(self)
        self.allowed_sets = {k: frozenset(v) for k, v in self.type_attrs.items()}
        self.allowed_ids = {k: frozenset(map(id, v)) for k, v in self.type_attrs.items()}
        self.no_kernel_ids = {k: frozenset(map(id, v)) for k, v in self.no_kernel.items()}
        if self.elementwise:
            self.validate_eager = False
        self.binary_fast_path = _binary_fast_path(self)
        self.input_type_attrs = _input_type_attrs(self)
        self.infer_memo = {} if self.memo_infer else None

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


def _follow_tensorflow(op: OpDef) -> dict:
    """Narrow the signature to the dtypes TensorFlow's OpDef allows; return those it allows
    but has no CPU kernel for (see `tf_kernels.py`), so tfedu refuses what TF refuses."""
    no_kernel = {}
    for attr, entry in TF_KERNELS.get(op.type, {}).items():
        if attr not in op.type_attrs:
            continue
        refused = set(entry.get("refused", ()))
        op.type_attrs[attr] = tuple(d for d in op.type_attrs[attr] if d.name not in refused)
        if entry.get("no_kernel"):
            no_kernel[attr] = frozenset(dtypes.as_dtype(n) for n in entry["no_kernel"])
    return no_kernel


def _binary_fast_path(op: OpDef):
    """(numpy function, returns bool, ids of allowed dtypes) for `x: T, y: T -> z` elementwise ops.

    `execute` runs such an op on two eager tensors of one dtype without converting or checking
    anything else: the path `a + b` and `tf.add(a, b)` take. The numpy function is the bare
    one when the kernel only wraps it to word broadcasting errors as TF does.
    """
    specs = op.input_specs
    if not (op.elementwise and len(specs) == 2 and len(op.output_specs) == 1 and op.kernel):
        return None
    if any(s.is_list or s.type != "T" for s in specs) or "T" not in op.type_attrs:
        return None
    raw = getattr(op.kernel, "reference", op.kernel)
    ids = frozenset(id(d) for d in op.type_attrs["T"] if d not in op.no_kernel.get("T", ()))
    return raw, op.output_specs[0].type == "bool", ids


def _input_type_attrs(op: OpDef):
    """The type attr of each input ("T", "Tidx"...) when every input is one tensor typed by a
    type attr, else None: `execute` then takes eager tensors as they are, reading the attrs
    off their dtypes, with no conversion step."""
    specs = op.input_specs
    if any(s.is_list or s.type not in op.type_attrs for s in specs):
        return None
    return tuple(s.type for s in specs)


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
    """The registered `OpDef` of an op type (`KeyError` naming it when there is none)."""
    try:
        return OPS[type]
    except KeyError:
        raise KeyError(f"No op named {type!r} is registered") from None


def set_gradient(type: str):
    """Decorator replacing a registered op's gradient (TF's `tf.RegisterGradient`, for users).

    tfedu's own ops declare their gradient in `register_op(..., grad=...)`.
    """

    def deco(fn):
        get_op(type).grad = fn
        return fn

    return deco


RegisterGradient = set_gradient
