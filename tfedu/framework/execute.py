"""`execute`: the one path every op call takes.

    tf.add(a, b) -> execute(ADD, [a, b], {}, name)
        eager: convert inputs -> check dtypes -> (shape check) -> kernel -> wrap -> record on tapes
        graph: convert inputs (Const ops) -> infer static shapes -> add an Operation -> record

The two branches differ only in timing: a graph op is the same registry entry, not yet run.

Buffer donation: in `a * b + c` the product is a temporary nothing else can see, so the Python
operator donates it (`execute(..., donated=t)`) and the elementwise kernel writes the sum into
its buffer, as numpy reuses its own temporaries: one large array allocated instead of two, the
same values. Only a large, unshared buffer of the result's shape and dtype is reused, and never
while a GradientTape records (the tape keeps the inputs it may differentiate through).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.op_check import _SMALL as SMALL_OUTPUT_BYTES
from tfedu.framework.op_check import OpCheckError, check_budget, oom_from_numpy
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor, _wrap
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["execute", "InferContext", "eager_value_of", "EagerOp"]


class InferContext:
    """What a shape function sees: input shapes/dtypes, attrs, and constant input values."""

    __slots__ = ("opdef", "inputs", "attrs", "name", "_shapes")

    def __init__(self, opdef, inputs, attrs, name=""):
        self.opdef = opdef
        self.inputs = inputs  # flat list of tensors (eager or symbolic)
        self.attrs = attrs
        self.name = name
        self._shapes = None

    @property
    def input_shapes(self):
        if self._shapes is None:
            self._shapes = [t.shape for t in self.inputs]
        return self._shapes

    @property
    def input_dtypes(self):
        return [t.dtype for t in self.inputs]

    def shape(self, i) -> TensorShape:
        return self.input_shapes[i]

    def dtype(self, i):
        return self.inputs[i].dtype

    def const_value(self, i):
        """The value of input `i` if it is known before running (eager value or a Const op)."""
        return static_value(self.inputs[i])

    def fail(self, message, cls=errors.InvalidArgumentError, **kw):
        raise OpCheckError(message, cls, **kw)


def static_value(t):
    """The numpy value of a tensor if known without running the graph (else None)."""
    if isinstance(t, EagerTensor):
        return t._value
    op = getattr(t, "_op", None)
    if op is None:
        return None
    if op.type == "Const":
        return op._attrs["value"]
    folder = getattr(op._opdef, "static_value", None)
    if folder is not None:
        return folder(op)
    return None


class EagerOp:
    """What a gradient function sees for an op that ran eagerly (same surface as `Operation`)."""

    __slots__ = ("opdef", "inputs", "outputs", "attrs", "name", "_grad_fn", "skip_input_indices")

    def __init__(self, opdef, inputs, outputs, attrs, grad_fn=None):
        self.opdef = opdef
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.name = opdef.type if opdef is not None else "CustomGradient"
        self._grad_fn = grad_fn
        # set by the backward pass: inputs that need no gradient (TF's attribute), or None
        self.skip_input_indices = None

    @property
    def type(self):
        return self.opdef.type

    def get_attr(self, name):
        return self.attrs[name]

    @property
    def graph(self):
        return None


def eager_value_of(t):
    if isinstance(t, EagerTensor):
        return t._value
    if getattr(t, "_is_variable", False):
        return t._eager_value()
    raise TypeError(f"{t!r} has no value outside a session")


# ------------------------------------------------------------------------------------------
# Input conversion and dtype resolution
# ------------------------------------------------------------------------------------------


def _type_mismatch(opdef, index, expected, got):
    return OpCheckError(
        f"cannot compute {opdef.type} as input #{index}(zero-based) was expected to be a "
        f"{expected.c_name} tensor but is a {got.c_name} tensor",
        wrapped=False,
    )


def _mismatch_or_no_kernel(opdef, attr, index, expected, got):
    """TF's eager runtime looks up the kernel for the first input's dtype before it checks the
    other inputs' dtypes: `uint32 @ float32` is NotFoundError (no uint32 MatMul), not a
    mismatch."""
    if _state.graph is None and opdef.no_kernel and (missing := missing_kernel(
            opdef, {attr: expected})):
        return _no_kernel_eager(opdef, missing)
    return _type_mismatch(opdef, index, expected, got)


def _not_allowed(opdef, attr, dtype, name):
    allowed = opdef.type_attrs[attr]
    names = ", ".join(d.c_name for d in allowed)
    enums = ", ".join(d.as_datatype_enum for d in allowed)
    return OpCheckError(
        f"Value for attr '{attr}' of {dtype.c_name} is not in the list of allowed values: "
        f"{names}\n\t; NodeDef: {{{{node {name}}}}}; Op<name={opdef.type}; "
        f"signature={opdef.signature_text}; attr={attr}:type,allowed=[{enums}]>",
        wrapped=False,
    )


def missing_kernel(opdef, attrs) -> str | None:
    """TF's `[T=DT_INT32]` when TensorFlow has no CPU kernel for the op's dtypes, else None."""
    for attr, refused in opdef.no_kernel_ids.items():
        d = attrs.get(attr)
        if id(d) in refused:
            return f"[{attr}={d.as_datatype_enum}]"
    return None


def _no_kernel_eager(opdef, attrs_text):
    return OpCheckError(
        f"Could not find device for node: {{{{node {opdef.type}}}}} = {opdef.type}{attrs_text}\n"
        f"All kernels registered for op {opdef.type}: no CPU kernel for these dtypes",
        cls=errors.NotFoundError, wrapped=False)


def no_kernel_error(op_name, op_type, attrs_text) -> OpCheckError:
    """What running a graph op without a CPU kernel for its dtypes raises (TF's text)."""
    return OpCheckError(
        f"No OpKernel was registered to support Op '{op_type}' used by {{{{node {op_name}}}}} "
        f"with these attrs: {attrs_text}\nRegistered devices: [CPU]")


def _first_tensor_dtype(inputs, positions, specs):
    for p in positions:
        v = inputs[p]
        vals = v if specs[p].is_list else (v,)
        for x in vals:
            if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
                return x._dtype
    return None


def _convert_one(value, dtype, name):
    if isinstance(value, Tensor):
        if _state.graph is not None:
            return convert_to_tensor(value, name=name)  # captures outside tensors
        return value
    if getattr(value, "_is_variable", False):
        return convert_to_tensor(value)
    return convert_to_tensor(value, dtype=dtype, name=name)


def _convert_inputs(opdef, inputs, attrs, op_name):
    """Convert inputs to tensors and resolve the type attrs; returns (flat, structured, attrs)."""
    specs = opdef.input_specs
    if len(inputs) != len(specs):
        raise TypeError(f"{opdef.type} takes {len(specs)} inputs, got {len(inputs)}")
    full_attrs = dict(opdef.attrs)
    full_attrs.update(attrs)
    for k in opdef.type_attrs:
        v = attrs.get(k)
        if v is not None and not isinstance(v, dtypes.DType):
            full_attrs[k] = attrs[k] = dtypes.as_dtype(v)  # `dtype="float32"` is fine too
    resolved = {}
    flat = []
    structured = []
    for spec, value in zip(specs, inputs):
        t = spec.type
        fixed = t not in opdef.type_attrs and t not in resolved and t not in full_attrs
        if fixed:
            try:
                want = dtypes.as_dtype(t)
            except TypeError:
                want = None
        else:
            want = resolved.get(t) or full_attrs.get(t)
            if want is None:
                want = _first_tensor_dtype(inputs, opdef.type_groups.get(t, ()), specs)
        vals = list(value) if spec.is_list else [value]
        converted = []
        for v in vals:
            x = _convert_one(v, want, spec.name)
            if want is None:
                want = x.dtype
            elif x.dtype is not want:
                raise _mismatch_or_no_kernel(opdef, t, len(flat), want, x.dtype)
            converted.append(x)
            flat.append(x)
        if not fixed and want is not None:
            if t in opdef.allowed_sets and want not in opdef.allowed_sets[t]:
                raise _not_allowed(opdef, t, want, op_name or opdef.type)
            resolved[t] = want
        if spec.is_list:
            full_attrs[spec.number_attr] = len(converted)
            structured.append(converted)
        else:
            structured.append(converted[0])
    for k, v in resolved.items():
        full_attrs.setdefault(k, v)
    return flat, structured, full_attrs


def _eager_inputs(opdef, inputs, attrs):
    """`_convert_inputs` for the common eager call, or None: every input already an eager tensor
    of an allowed dtype, one tensor per input, no type attr given by the caller."""
    sig = opdef.input_type_attrs
    if sig is None or len(inputs) != len(sig):
        return None
    for k in attrs:
        if k in opdef.type_attrs:
            return None
    resolved = {}
    for t, x in zip(sig, inputs):
        if type(x) is not EagerTensor:
            return None
        d = x._dtype
        want = resolved.setdefault(t, d)
        if want is not d or id(d) not in opdef.allowed_ids[t]:
            return None  # the general path words the error
    full_attrs = dict(opdef.attrs)
    full_attrs.update(attrs)
    full_attrs.update(resolved)
    inputs = list(inputs)
    return inputs, inputs, full_attrs


# ------------------------------------------------------------------------------------------
# execute
# ------------------------------------------------------------------------------------------


def execute(opdef, inputs, attrs=None, name=None, default_name=None, donated=None):
    """Run (eager) or add to the current graph (graph mode) one op; returns its output(s).

    `donated`: an input the caller knows is a temporary (see the module doc), whose buffer an
    elementwise kernel may write its result into."""
    g = _state.graph
    if g is not None:
        return _build(g, opdef, inputs, attrs or {}, name, default_name)
    fast = opdef.binary_fast_path
    if fast is not None and not attrs:
        x, y = inputs
        if type(x) is EagerTensor and type(y) is EagerTensor and x._dtype is y._dtype \
                and id(x._dtype) in fast[2]:
            return _binary_now(opdef, fast, x, y, name, donated)
    attrs = attrs or {}
    try:
        ready = _eager_inputs(opdef, inputs, attrs)
        flat, structured, full_attrs = ready if ready is not None else \
            _convert_inputs(opdef, inputs, attrs, None)
        if opdef.no_kernel and (missing := missing_kernel(opdef, full_attrs)):
            raise _no_kernel_eager(opdef, missing)
        if opdef.validate_eager and opdef.infer is not None:
            _validate(opdef, flat, full_attrs, attrs)
        try:
            arrays = [[x._value for x in s] if type(s) is list else s._value for s in structured]
        except AttributeError:  # graph tensors used outside their graph: build into it, as TF
            return _build_in_inputs_graph(flat, opdef, inputs, attrs, name, default_name)
        try:
            result = opdef.kernel(*arrays, **attrs)
        except OpCheckError:
            raise
        except (ValueError, IndexError, ZeroDivisionError, FloatingPointError) as e:
            raise OpCheckError(str(e)) from e
        except MemoryError as e:
            raise oom_from_numpy(e) from None
    except OpCheckError as e:
        raise e.eager_error(opdef.type, name or "") from None
    if not opdef.output_specs:
        return None
    outputs = _wrap_outputs(opdef, result)
    if _state.tapes:
        record(opdef, flat, outputs, full_attrs)
    if len(outputs) == 1 and not opdef.output_specs[0].is_list:
        return outputs[0]
    return outputs


MEMO_MAX_ENTRIES = 256
"""An op remembers at most this many input signatures (then starts again)."""
_VALUE_KINDS = frozenset("iub")


def _validate(opdef, flat, full_attrs, attrs):
    """The eager shape check: `infer` (TF's words for bad shapes, axes...) and the output
    budget. An op declared `memo_infer` remembers the signatures (input shapes and dtypes,
    small integer inputs' values, the attrs given) whose check passed, as TF caches a kernel per
    signature: a training step repeats the same few and skips the check after its first call."""
    memo = opdef.infer_memo
    key = _signature(flat, attrs) if memo is not None else None
    if key is not None and key in memo:
        return
    specs = opdef.infer(InferContext(opdef, flat, full_attrs))
    check_budget(specs)
    if key is not None and _all_small(specs):  # large outputs: the budget is asked each time
        if len(memo) >= MEMO_MAX_ENTRIES:
            memo.clear()
        memo[key] = True


def _signature(flat, attrs):
    """What an eager shape check depends on, as a dict key, or None (not memoizable)."""
    parts = []
    for x in flat:
        if type(x) is not EagerTensor:
            return None
        v = x._value
        if v.dtype.kind in _VALUE_KINDS:  # axes, shapes, indices: the check reads the values
            if v.size > 8:
                return None
            parts.append((id(x._dtype), v.shape, v.tobytes()))
        else:  # DTypes are singletons: their ids name them (and hash faster)
            parts.append((id(x._dtype), v.shape))
    key = (tuple(parts), tuple(attrs.items()))
    try:
        hash(key)
    except TypeError:  # a list attr
        return None
    return key


def _all_small(specs) -> bool:
    for shape, _ in specs or ():
        dims = shape.as_tuple() if type(shape) is TensorShape else None
        if dims is None or None in dims or math.prod(dims) * 16 > SMALL_OUTPUT_BYTES:
            return False
    return True


DONATE_MIN_BYTES = 1 << 18
"""Smaller temporaries are not reused: allocating them is cheap (numpy's threshold too)."""


def _donated_buffer(t, x, y, raw):
    """The buffer of the donated temporary `t` if the result of `raw(x, y)` can go there."""
    if t is None or type(raw) is not np.ufunc or _state.tapes:
        return None
    arr = t._value
    other = (y if t is x else x)._value
    if arr.nbytes < DONATE_MIN_BYTES or arr.base is not None or not arr.flags.writeable \
            or (other.shape != arr.shape and other.ndim != 0) or other.dtype != arr.dtype:
        return None
    # held only by `t` (not shared with a variable, a view or another tensor): `t`'s slot,
    # the local `arr` and getrefcount's argument
    return arr if sys.getrefcount(arr) <= 3 else None


def _binary_now(opdef, fast, x, y, name, donated=None):
    """Eager `x op y` for two tensors of one allowed dtype: kernel, wrap, record."""
    raw, to_bool, _ = fast
    out = None if to_bool else _donated_buffer(donated, x, y, raw)
    try:
        try:
            r = raw(x._value, y._value) if out is None else raw(x._value, y._value, out=out)
        except ValueError:  # the kernel words broadcasting errors as TF does
            r = opdef.kernel(x._value, y._value)
    except OpCheckError as e:
        raise e.eager_error(opdef.type, name or "") from None
    except (ValueError, IndexError, ZeroDivisionError, FloatingPointError) as e:
        raise OpCheckError(str(e)).eager_error(opdef.type, name or "") from None
    except MemoryError as e:
        raise oom_from_numpy(e).eager_error(opdef.type, name or "") from None
    if type(r) is not np.ndarray:
        r = np.asarray(r)
    # these kernels keep the input dtype (or return bool): no dtype lookup needed
    out = _wrap(r, dtypes.bool_ if to_bool else x._dtype)
    if _state.tapes:
        record(opdef, [x, y], [out], {"T": x._dtype})
    return out


def _build_in_inputs_graph(flat, opdef, inputs, attrs, name, default_name):
    from tfedu.framework.context import pop_graph, push_graph

    g = _graph_of_inputs(flat)

    def lift(v):
        if isinstance(v, EagerTensor):
            return g._capture(v)
        if isinstance(v, (list, tuple)):
            return [lift(x) for x in v]
        return v

    push_graph(g)
    try:
        return _build(g, opdef, [lift(v) for v in inputs], attrs, name, default_name)
    finally:
        pop_graph(g)


def _graph_of_inputs(flat):
    """The one graph the symbolic inputs belong to (TF's `_get_graph_from_inputs`)."""
    original = None
    for t in flat:
        if isinstance(t, SymbolicTensor):
            if original is None:
                original = t
            elif t.graph is not original.graph:
                raise ValueError(f"{t} must be from the same graph as {original} (graphs are "
                                 f"{t.graph!r} and {original.graph!r}).")
    if original is None:
        raise TypeError("An op received an input that is neither a value nor a graph tensor.")
    return original.graph


def _wrap_outputs(opdef, result):
    if len(opdef.output_specs) == 1 and not opdef.output_specs[0].is_list:
        result = (result,)
    out = []
    for r in result:
        if type(r) is not np.ndarray:
            r = np.asarray(r)
        out.append(_wrap(r, dtypes.from_numpy(r.dtype)))
    return out


def _build(g, opdef, inputs, attrs, name, default_name):
    op_name = g._op_name(name, default_name or opdef.type)
    saved = g._name_stack
    g._name_stack = op_name
    try:
        flat, structured, full_attrs = _convert_inputs(opdef, inputs, attrs, op_name)
    except OpCheckError as e:
        raise TypeError(e.message) from None
    finally:
        g._name_stack = saved
    ctx = InferContext(opdef, flat, full_attrs, op_name)
    try:
        specs = opdef.infer(ctx)
    except OpCheckError as e:
        specs = _unknown_outputs(opdef, full_attrs) if e.runtime_only else None
        if specs is None:
            raise e.graph_error(opdef.type, op_name, ctx.input_shapes) from None
    op = g._create_op(opdef, op_name, flat, full_attrs, specs)
    op._kernel_attrs = attrs
    op._structure = [len(s) if type(s) is list else -1 for s in structured]
    outputs = op._outputs
    if not outputs:
        return op
    if _state.tapes:
        record(opdef, flat, outputs, full_attrs, op)
    if len(outputs) == 1 and not opdef.output_specs[0].is_list:
        return outputs[0]
    return list(outputs)


def _unknown_outputs(opdef, attrs):
    """Outputs of unknown shape, for an op whose bad input only its kernel reports."""
    if any(s.is_list for s in opdef.output_specs):
        return None
    out = []
    for s in opdef.output_specs:
        d = attrs.get(s.type)
        out.append((TensorShape(None), d if d is not None else dtypes.as_dtype(s.type)))
    return out


def record(opdef, inputs, outputs, attrs, graph_op=None):
    """Record an op on every active tape that watches one of its inputs."""
    if opdef.grad is None:
        return
    for tape in _state.tapes:
        tape._record(opdef, inputs, outputs, attrs, graph_op)


def record_gradient(inputs, outputs, grad_fn):
    """Record a hand-made op on the active tapes: d outputs / d inputs given by `grad_fn`.

    Control flow and function calls record themselves this way: one record whose gradient
    function differentiates the whole branch, loop or call.
    """
    for tape in list(_state.tapes):
        tape._record(None, inputs, outputs, {}, None, grad_fn)


def run_kernel(opdef, arrays, attrs):
    """Call a kernel on numpy arrays (used by plans and sessions), checks already done."""
    return opdef.kernel(*arrays, **attrs)


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)
