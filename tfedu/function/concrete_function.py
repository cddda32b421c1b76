"""`ConcreteFunction`: one trace of a `tf.function`, a `FuncGraph` ready to run.

Calling it eagerly feeds the argument values and the captured values into an execution plan
(`tfedu.graph.plan`) compiled once per trace; calling it while another graph is being built
adds one call op (`PartitionedCall`, or `StatefulPartitionedCall` when the body touches
variables or has side effects). Under a `GradientTape` the call is recorded as a single op whose
gradient is the symbolic gradient of the function graph (`tfedu.function.gradients`).
"""

from __future__ import annotations

import itertools

import numpy as np

from tfedu.framework import dtypes, errors, nest
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import record_gradient
from tfedu.framework.func_graph import (
    FUNCTION_RUNTIME,
    FuncGraph,
    create_graph_op,
    gradient_function,
    graph_inputs,
    is_eager_variable,
    tape_inputs,
)
from tfedu.framework.graph_ops import ResourceStore
from tfedu.framework.registry import ALL, register_op
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor, _wrap
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.function.trace_type import Literal
from tfedu.graph.plan import compile_plan
from tfedu.ops import array_ops

__all__ = ["ConcreteFunction", "call_op", "call_gradient", "CALL", "STATEFUL_CALL",
           "run_graph_op", "create_graph_op"]

_counter = itertools.count(1)
_RESOURCE = dtypes.resource
_VARIANT = dtypes.variant
_NO_RESOURCES = ResourceStore()


def next_uid() -> int:
    return next(_counter)


# ------------------------------------------------------------------------------------------
# Call ops
# ------------------------------------------------------------------------------------------


def _call_kernel(resources, args, f=None, **_):
    return f._run_arrays(list(args), resources)


def _call_infer(op):
    f = op.attrs["f"]
    return [(t.shape, t.dtype) for t in f.outputs]


def _call_grad(op, *grads):
    return call_gradient(op.get_attr("f"), list(op.inputs), grads)


def _call_replay(op, values):
    return call_op(op.get_attr("f"), values)


CALL = register_op("PartitionedCall", group="control", inputs=("args: N*T",), outputs=("output: N*T",),
                   export={"graphdef": {"call": True, "drop": ("N",)}},
                   attrs={"f": None}, infer=_call_infer, kernel=_call_kernel,
                   uses_resources=True, replay=_call_replay,
                   doc="Calls a function graph (a tf.function called from another graph).")
STATEFUL_CALL = register_op("StatefulPartitionedCall", group="control", inputs=("args: N*T",),
                            export={"graphdef": {"call": True, "drop": ("N",)}},
                            outputs=("output: N*T",), attrs={"f": None}, infer=_call_infer,
                            kernel=_call_kernel, stateful=True,
                            uses_resources=True, replay=_call_replay,
                            doc="Calls a function graph that reads/writes state.")


def call_op(cf, values, name=None):
    """Call `cf` from the graph being built: one call op; returns the flat output tensors."""
    tensors = graph_inputs(values)
    opdef = STATEFUL_CALL if cf._stateful else CALL
    specs = [(t.shape, t.dtype) for t in cf.outputs]
    op = create_graph_op(opdef, tensors, {"f": cf}, specs,
                         "StatefulPartitionedCall" if cf._stateful else "PartitionedCall", name)
    outs = list(op._outputs)
    if _state.tapes and outs:
        _record_call(cf, values, tensors, outs)
    return outs


def _record_call(cf, values, tensors, outs):
    tin = tape_inputs(values, tensors)

    def grad_fn(rec, *grads):
        return call_gradient(cf, values, grads)

    record_gradient(tin, outs, grad_fn)


def call_gradient(cf, values, grads):
    """Gradients for the inputs `values` of a call of `cf`, given upstream `grads`.

    The gradient function of `cf`'s graph is built once (`tfedu.function.gradients`) and kept.
    """
    if cf._gradient is None:
        cf._gradient = gradient_function(cf.graph)
    gcf, mask = cf._gradient
    ups = _upstream(cf, values, grads)
    res = gcf._call_flat(list(values) + ups) if mask.count(True) else []
    res = iter(list(res) if isinstance(res, (list, tuple)) else [res])
    return [next(res) if m else None for m in mask]


def _upstream(cf, values, grads):
    """The upstream gradients, zeros for outputs none reached."""
    ups = [g if g is not None or not out.shape.is_fully_defined()
           else array_ops.zeros(out.shape.as_list(), dtype=out.dtype)
           for g, out in zip(grads, cf.outputs)]
    if any(u is None for u in ups):
        # shapes only known at run time: zeros shaped like the forward outputs
        fwd = cf._call_flat(list(values[:cf._num_args]))
        fwd = [fwd] if not isinstance(fwd, (list, tuple)) else list(fwd)
        ups = [u if u is not None else array_ops.zeros_like(f) for u, f in zip(ups, fwd)]
    return ups


def run_graph_op(op, arrays, resources=None):
    """Run one op of a graph on numpy values (used by control-flow kernels)."""
    return op._opdef.kernel(*arrays, **op._kernel_attrs)


# ------------------------------------------------------------------------------------------
# ConcreteFunction
# ------------------------------------------------------------------------------------------


def _spec_text(x):
    if isinstance(x, SymbolicTensor):
        return repr(TensorSpec(x.shape, x.dtype))
    if isinstance(x, (list, tuple)):
        inner = ", ".join(_spec_text(v) for v in x)
        if isinstance(x, tuple):
            return f"Tuple[{inner}]"
        return f"List[{inner}]"
    if isinstance(x, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_spec_text(v)}]" for k, v in x.items()) + "]"
    if x is None:
        return "None"
    return repr(Literal(x)) if isinstance(x, (int, float, str, bool)) else repr(x)


class ConcreteFunction:
    """A traced graph with fixed input types; calling it never traces again."""

    _is_tf_function = True  # SavedModel saves it (tfedu.framework.trackable.is_function)

    def __init__(self, graph: FuncGraph, params, arg_specs, structured_outputs,
                 input_signature_names=None, function=None):
        self._graph = graph
        self._params = params  # [(name, kind_name)] of the Python signature
        self._arg_specs = arg_specs  # per parameter: TensorSpec / Literal / structure
        self._structured_outputs = structured_outputs
        self._function = function
        self._plan = None
        self._runner = None
        self._uid = next_uid()
        self._name = f"__inference_{graph.name}_{self._uid}"
        self._num_args = len(graph.inputs) - len(graph._captures)
        out = graph.outputs
        self._out_dtypes = [t.dtype for t in out]
        self._out_np = [None if t.dtype in (_RESOURCE, _VARIANT, dtypes.string) else
                        np.dtype(t.dtype._np) for t in out]
        self._flat_structure = nest.flatten(structured_outputs)
        self._has_composites = any(hasattr(type(x), "_cls") for x in _walk(structured_outputs))
        self._out_positions = [i for i, x in enumerate(self._flat_structure)
                               if isinstance(x, SymbolicTensor)]
        self._single_output = (len(out) == 1 and isinstance(structured_outputs, SymbolicTensor))
        self._stateful = bool(graph._variable_handles) or any(
            op._opdef.stateful and op.type not in ("Placeholder", "Const")
            for op in graph._ops)
        self._gradient = None
        self._capture_values = None
        npdt = self._out_np[0] if len(out) == 1 else None
        self._fast_single = (self._single_output and not graph._captures and npdt is not None
                             and npdt.kind in "biufc")

    # --- TF's surface --------------------------------------------------------------------
    @property
    def graph(self) -> FuncGraph:
        return self._graph

    @property
    def name(self) -> bytes:
        return self._name.encode()

    @property
    def inputs(self):
        return list(self._graph.inputs)

    @property
    def outputs(self):
        return list(self._graph.outputs)

    @property
    def structured_outputs(self):
        return self._structured_outputs

    @property
    def captured_inputs(self):
        return self._graph.external_captures

    @property
    def variables(self):
        return self._graph.variables

    @property
    def trainable_variables(self):
        return [v for v in self._graph.variables if getattr(v, "trainable", False)]

    @property
    def structured_input_signature(self):
        args = []
        kwargs = {}
        for (name, kind), spec in zip(self._params, self._arg_specs):
            named = _rename(spec, name)
            if kind == "KEYWORD_ONLY":
                kwargs[name] = named
            elif kind == "VAR_POSITIONAL":
                args.extend(named)
            elif kind == "VAR_KEYWORD":
                kwargs.update(named)
            else:
                args.append(named)
        return tuple(args), kwargs

    def _output_type_text(self):
        return _spec_text(self._structured_outputs)

    @property
    def function_type(self):
        return _FunctionType(self)

    def pretty_printed_signature(self, verbose=True) -> str:
        lines = ["Input Parameters:"]
        for (name, kind), spec in zip(self._params, self._arg_specs):
            lines.append(f"  {name} ({kind}): {_spec_text_input(spec)}")
        lines.append("Output Type:")
        lines.append(f"  {self._output_type_text()}")
        lines.append("Captures:")
        caps = self._graph.captures
        if not caps:
            lines.append("  None")
        for outer, inner in caps:
            spec = TensorSpec(inner.shape, inner.dtype)
            lines.append(f"  {id(outer)}: {spec!r}")
        return "\n".join(lines)

    def __str__(self):
        return "ConcreteFunction " + self.pretty_printed_signature()

    def __repr__(self):
        return f"<ConcreteFunction {self.function_type} at 0x{id(self):X}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the traced graph (`tfedu.viz.show_graph`); text stays repr."""
        from tfedu.viz.reprs import concrete_bundle

        return concrete_bundle(self, include, exclude)

    # --- running -------------------------------------------------------------------------
    def _compile(self):
        g = self._graph
        fetches = list(g.outputs)
        side_effects = [op for op in g._ops if op._opdef.stateful and not op._outputs]
        side_effects += [op for op in g._ops if op.type in ("StatefulPartitionedCall", "If",
                                                             "While") and op not in fetches]
        from tfedu.graph.passes import function_passes

        jit = bool(getattr(self._function, "_jit_compile", False))
        self._plan = compile_plan(g, fetches + side_effects, list(g.inputs),
                                  passes=function_passes(jit))
        self._n_fetch = len(fetches)
        from tfedu.graph.runner import build_runner

        self._runner = build_runner(self._plan, self._n_fetch)
        return self._plan

    @property
    def optimized_graph(self):
        """A graph view of what actually runs after the optimisation passes (fused ops marked)."""
        from tfedu.viz.graph_view import GraphView  # display hook: the viewer sits above
        from tfedu.viz.plan_view import plan_payload

        plan = self._plan if self._plan is not None else self._compile()
        return GraphView(plan_payload(plan, f"{self._name} (optimized)"))

    def explain(self) -> str:
        """What the optimisation passes did to this trace, and the steps that run."""
        plan = self._plan if self._plan is not None else self._compile()
        return plan.explain()

    def _capture_feed(self):
        vals = []
        for outer, _ in self._graph._captures.values():
            if isinstance(outer, EagerTensor):
                vals.append(outer._value)
            elif getattr(outer, "_is_variable", False):
                vals.append(outer)
            else:
                raise errors.InvalidArgumentError(
                    None, None, f"{self._name} captured the graph tensor {outer!r}; it can only "
                    "be called inside that graph.")
        return vals

    def _run_arrays(self, arrays, resources=None):
        """Run on numpy arrays (args then captures); returns the flat output arrays."""
        if self._plan is None:
            self._compile()
        resources = resources if resources is not None else _NO_RESOURCES
        if _state.plan_observer is not None:
            return _state.plan_observer(self)(arrays, resources)
        if self._runner is not None:
            return self._runner(arrays, resources)
        return self._plan.run(arrays, resources)[: self._n_fetch]

    def _call_flat(self, values):
        """Call with the flat list of argument values (tensors, arrays, variables)."""
        if _state.graph is not None:
            caps = [outer for outer, _ in self._graph._captures.values()]
            outs = call_op(self, list(values) + caps)
            return self._pack(outs)
        arrays = []
        for v in values:
            if type(v) is EagerTensor:
                arrays.append(v._value)
            elif isinstance(v, Tensor):
                arrays.append(v._value)
            elif getattr(v, "_is_variable", False):
                arrays.append(v if is_eager_variable(v) else v._primary)
            else:
                arrays.append(np.asarray(v))
        return self._call_eager(arrays, values)

    def _call_eager(self, arrays, values):
        """Run eagerly on argument arrays; wrap the results; record the call on tapes."""
        runner = self._runner if _state.plan_observer is None else _state.plan_observer(self)
        if self._fast_single and runner is not None and not _state.tapes:
            a = runner(arrays, _NO_RESOURCES)[0]
            if type(a) is not np.ndarray:
                a = np.asarray(a, dtype=self._out_np[0])
            elif a.dtype != self._out_np[0]:
                a = a.astype(self._out_np[0])
            t = object.__new__(EagerTensor)
            t._value = a
            t._dtype = self._out_dtypes[0]
            return t
        caps = self._capture_values
        if caps is None:
            caps = self._capture_feed()
            if not any(getattr(c, "_is_variable", False) for c in caps):
                self._capture_values = caps
        if caps:
            arrays = arrays + caps
        if runner is not None:
            outs = runner(arrays, _NO_RESOURCES)
        else:
            outs = self._run_arrays(arrays)
        wrapped = []
        for a, dt, npdt in zip(outs, self._out_dtypes, self._out_np):
            if type(a) is not np.ndarray:
                a = np.asarray(a, dtype=npdt)
            elif npdt is not None and a.dtype != npdt:
                a = a.astype(npdt)
            wrapped.append(_wrap(a, dt))
        if _state.tapes and wrapped:
            allv = list(values) + [o for o, _ in self._graph._captures.values()]
            tin = tape_inputs(allv, [v if isinstance(v, Tensor) else None for v in allv])
            tin = [t if t is not None else convert_to_tensor(v) for t, v in zip(tin, allv)]
            record_gradient(tin, wrapped, lambda rec, *g: call_gradient(self, allv, g))
        return self._pack(wrapped)

    def _pack(self, outs):
        if self._single_output:
            return outs[0]
        flat = list(self._flat_structure)
        for pos, t in zip(self._out_positions, outs):
            flat[pos] = t
        out = nest.pack_sequence_as(self._structured_outputs, flat)
        if self._has_composites:  # tf.distribute values returned by the function
            from tfedu.function.function import restore_composites

            out = restore_composites(out)
        return out

    def __call__(self, *args, **kwargs):
        """Call with tensors matching the traced signature (never retraces)."""
        flat = []
        params = self._params
        kwargs0 = dict(kwargs)
        bound = list(args)
        for name, _ in params[len(args):]:
            if name in kwargs:
                bound.append(kwargs.pop(name))
        if kwargs:
            raise TypeError(f"{self._name} got unexpected keyword arguments: {sorted(kwargs)}")
        for v, spec in zip(bound, self._arg_specs):
            _flatten_against(v, spec, flat)
        n = self._num_args
        if len(flat) != n:
            raise TypeError(f"{self._name} expected {n} tensor argument(s), got {len(flat)}")
        checked = []
        for i, (v, ph) in enumerate(zip(flat, self._graph.inputs)):
            if getattr(v, "_is_variable", False):
                checked.append(v)
                continue
            t = v if isinstance(v, Tensor) else self._bind_value(i, v, ph, args, kwargs0)
            if t.dtype is not ph.dtype:
                raise errors.InvalidArgumentError(
                    None, None,
                    f"cannot compute {self._name} as input #{i}(zero-based) was expected to be a "
                    f"{ph.dtype.c_name} tensor but is a {t.dtype.c_name} tensor "
                    f"[Op:{self._name}]")
            checked.append(t)
        return self._call_flat(checked)

    def _bind_value(self, i, value, ph, args, kwargs):
        """A Python or numpy argument converted to its input's dtype; TF's binding TypeError
        when it cannot be, or when its shape does not fit the input (a tensor argument is
        not checked against the shape, as in TF)."""
        try:
            t = convert_to_tensor(value, dtype=ph.dtype)
            reason = None
        except (TypeError, ValueError) as e:
            reason = str(e)
        if reason is None and ph.shape.is_compatible_with(t.shape):
            return t
        if reason is None:
            got, want = TensorSpec(t.shape, t.dtype), TensorSpec(ph.shape, ph.dtype)
            reason = f"Can not cast {got!r} to {want!r}"
        names = ", ".join(name for name, _ in self._params)
        fname = self._graph.name
        raise TypeError(
            f"Binding inputs to tf.function failed due to `{reason}`. Received args: {args!r} "
            f"and kwargs: {kwargs!r} for signature: {self.function_type!r}."
            f"\nFallback to flat signature also failed due to: {fname}({names}): expected "
            f"argument #{i}(zero-based) to be a Tensor; got {type(value).__name__} ({value})."
        ) from None

    def get_concrete_function(self, *args, **kwargs):
        return self


def _walk(x):
    """Every container in an output structure (to spot composite stand-ins)."""
    if isinstance(x, (list, tuple)):
        yield x
        for v in x:
            yield from _walk(v)
    elif isinstance(x, dict):
        yield x
        for v in x.values():
            yield from _walk(v)


def _flatten_against(v, spec, out):
    if isinstance(spec, TensorSpec):
        out.append(v)
    elif isinstance(spec, (list, tuple)):
        for x, s in zip(v, spec):
            _flatten_against(x, s, out)
    elif isinstance(spec, dict):
        for k in sorted(spec):
            _flatten_against(v[k], spec[k], out)


def _rename(spec, name):
    if isinstance(spec, TensorSpec):  # a name given in the input signature is kept, as in TF
        return TensorSpec(spec.shape, spec.dtype, spec.name or name)
    if isinstance(spec, list):
        return [_rename(s, name) for s in spec]
    if isinstance(spec, tuple) and not hasattr(type(spec), "_fields"):
        return tuple(_rename(s, name) for s in spec)
    if isinstance(spec, dict):
        return {k: _rename(s, name) for k, s in spec.items()}
    if isinstance(spec, Literal):
        return spec.value
    return spec


def _spec_text_input(spec):
    if isinstance(spec, TensorSpec):
        return repr(TensorSpec(spec.shape, spec.dtype))
    if isinstance(spec, list):
        return "List[" + ", ".join(_spec_text_input(s) for s in spec) + "]"
    if isinstance(spec, tuple) and not hasattr(type(spec), "_fields"):
        return "Tuple[" + ", ".join(_spec_text_input(s) for s in spec) + "]"
    if isinstance(spec, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_spec_text_input(s)}]"
                                   for k, s in spec.items()) + "]"
    return repr(spec)


class _FunctionType:
    """What `cf.function_type` prints: `(x: TensorSpec(...)) -> TensorSpec(...)`."""

    def __init__(self, cf):
        self._cf = cf

    def __repr__(self):
        cf = self._cf
        params = ", ".join(f"{name}: {_spec_text_input(spec)}"
                           for (name, _), spec in zip(cf._params, cf._arg_specs))
        return f"({params}) -> {cf._output_type_text()}"

    __str__ = __repr__


# Placeholder dtype list (ALL) kept for readers of the registry.
_ = ALL


class SubGraphFunction(ConcreteFunction):
    """A traced branch or loop body: a ConcreteFunction whose inputs are set explicitly."""

    def __init__(self, graph):
        params = [(f"arg{i}", "POSITIONAL_OR_KEYWORD") for i in range(len(graph.inputs))]
        super().__init__(graph, params, [None] * len(params), list(graph.outputs))
        self._num_args = len(graph.inputs)

    def __repr__(self):
        return f"<function {self._graph.name}>"

    def run(self, arrays, resources):
        return self._run_arrays(list(arrays), resources)


FUNCTION_RUNTIME.graph_function = SubGraphFunction
