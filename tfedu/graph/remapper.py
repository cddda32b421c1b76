"""The `remapper` pass: common op patterns become one fused kernel, as TF's Grappler remapper
does on CPU (`_FusedConv2D`, `_FusedMatMul`).

- `Conv2D` or `MatMul`, then `BiasAdd` (or `AddV2` of a 1-D bias), then optionally `Relu` or
  `Relu6`: the bias and the activation are applied in place to the fresh product, in the same
  pass, instead of two more passes that each allocate a new array.
- `MaxPoolGrad` whose result feeds only the `ReluGrad` of the ReLU that fed the pool: the
  gradient is masked while it is scattered (`_FusedMaxPoolGradReluGrad`).
- `FusedBatchNormV3` whose normalised output feeds only a `Relu`: the ReLU is taken in the
  normalisation's own pass (`_FusedBatchNormEx` with `activation_mode="Relu"`, as TF names it),
  instead of a second pass over the activations that allocates another array.

A pattern is fused only when the intermediate results have no other user and are not fetched,
so the fused step computes exactly what the steps it replaces computed. At run time an input
it cannot handle (another dtype, a bias of the wrong size) runs the original steps, which give
the original results and error messages.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import errors
from tfedu.framework.op_check import OpCheckError
from tfedu.graph.fusion import FusedOp
from tfedu.graph.passes import _pure, consumers_of, protected_slots, splice_steps
from tfedu.graph.plan import _KERNEL_ERRORS, RUN_ERRORS, reraise_as_runtime_error, run_unfused
from tfedu.kernels import nn_kernels as K
from tfedu.ops.nn_ops import _pool_attrs, max_pool_grad_values

__all__ = ["remap"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_CONTRACTIONS = {"Conv2D": "_FusedConv2D", "MatMul": "_FusedMatMul"}
_SHAPE_OPS = ("Shape", "Size", "Rank")
_NUMBA_MIN = 1 << 18  # below this many elements numpy's in-place passes are faster


def _float(op) -> bool:
    try:
        return np.dtype(op._outputs[0].dtype._np) in _FLOATS
    except (AttributeError, TypeError):
        return False


class RemappedStep:
    """One plan step running a fused pattern (same interface as `tfedu.graph.plan.Step`)."""

    __slots__ = ("op", "kernel", "inputs", "outputs", "attrs", "uses_resources", "single",
                 "skip", "steps", "_fast")

    def __init__(self, type_name, steps, inputs, fast, description, outputs=None):
        self.steps = steps
        self.inputs = list(inputs)
        self.outputs = list(outputs or [steps[-1].outputs[0]])
        self.attrs = {}
        self.uses_resources = False
        self.single = len(self.outputs) == 1
        self.skip = set()
        self._fast = fast
        self.kernel = self._run
        self.op = FusedOp(steps[-1].op, [s.op for s in steps], description)
        self.op.type = type_name

    def _run(self, *arrays):
        result = self._fast(*arrays)
        if result is None:
            if not self.single:  # the first step's other outputs are the step's other outputs
                return _run_first_then_rest(self.steps, arrays)
            return run_unfused(self.steps, dict(zip(self.inputs, arrays)))
        return result

    def explain_lines(self) -> list:
        return ["fuses " + ", ".join(f"{s.op.name} ({s.op.type})" for s in self.steps)]

    def __repr__(self):
        return f"<RemappedStep {self.op.type} {self.op.name} {self.inputs} -> {self.outputs}>"


def _contraction_fast(product, act):
    """x, w, bias -> act(product(x, w) + bias), the bias and act done in place."""
    code = K.ACTIVATIONS[act]

    def fast(x, w, b):
        try:
            y = product.kernel(x, w, **product.attrs)
        except (OpCheckError, errors.OpError, *_KERNEL_ERRORS):
            return None  # the original steps raise it, naming the right node
        if not (type(y) is np.ndarray and type(b) is np.ndarray and y.dtype in _FLOATS
                and b.dtype == y.dtype and b.ndim == 1 and y.ndim >= 1
                and y.shape[-1] == b.shape[0] and y.flags.c_contiguous and y.flags.writeable):
            return None
        flat = y.reshape(-1, b.shape[0]) if y.size else y
        if y.size >= _NUMBA_MIN:
            K.nb_bias_act(flat, b, code)
        elif y.size:
            K.ref_bias_act(flat, b, code)
        return y

    return fast


def _bias_slot(step, product_out, channels):
    """The bias input of a BiasAdd/AddV2 step adding a 1-D bias to `product_out`, or None."""
    op = step.op
    if op.type == "BiasAdd":
        if op._attrs.get("data_format", "NHWC") not in ("NHWC", b"NHWC") \
                or step.inputs[0] != product_out:
            return None
        return step.inputs[1]
    if op.type in ("AddV2", "Add"):
        if step.inputs.count(product_out) != 1:
            return None
        k = 1 if step.inputs[0] == product_out else 0
        bias = op._inputs[k]
        dims = bias.shape.as_list() if bias.shape.rank is not None else None
        if dims is None or len(dims) != 1 or channels is None or dims[0] != channels:
            return None
        out_dims = op._outputs[0].shape
        prod_dims = op._inputs[1 - k].shape
        if out_dims.rank is None or prod_dims.rank is None \
                or out_dims.as_list() != prod_dims.as_list():
            return None
        return step.inputs[k]
    return None


def remap(plan) -> str:
    """Replace fusable patterns in `plan.steps` by `RemappedStep`s; returns a report line."""
    steps = plan.steps
    consumers = consumers_of(steps)
    protected = protected_slots(plan)

    def only_user(k, shape_users=None):
        """The single step consuming step k's single output (once), or None. With a list
        `shape_users`, steps that only read the output's shape (a gradient's `Shape` of an
        unknown batch size) may read it too; they are added to that list."""
        step = steps[k]
        if not step.single or len(step.outputs) != 1 or step.outputs[0] in protected:
            return None
        users = consumers.get(step.outputs[0], [])
        if shape_users is not None:
            shaped = [u for u in users if steps[u].op.type in _SHAPE_OPS]
            users = [u for u in users if u not in shaped]
            shape_users += [(u, step.outputs[0]) for u in shaped]
        if len(users) != 1 or not _pure(steps[users[0]]):
            return None
        return users[0]

    used, replace = set(), {}
    for k, step in enumerate(steps):
        op = step.op
        if k in used or not _pure(step) or not _float(op):
            continue
        if op.type in _CONTRACTIONS and not any(type(i) is list for i in step.inputs):
            shape_users = []
            q = only_user(k, shape_users)
            if q is None or q in used:
                continue
            channels = op._outputs[0].shape
            channels = channels.as_list()[-1] if channels.rank else None
            bias = _bias_slot(steps[q], step.outputs[0], channels)
            if bias is None or steps[q].op._outputs[0].dtype is not op._outputs[0].dtype:
                continue
            chain, act = [step, steps[q]], None
            more_shape_users = list(shape_users)
            r = only_user(q, more_shape_users)
            if r is not None and r not in used and steps[r].op.type in K.ACTIVATIONS \
                    and steps[r].inputs[0] == steps[q].outputs[0]:
                chain.append(steps[r])
                act = steps[r].op.type
                shape_users = more_shape_users
            ks = [k, q] + ([r] if act else [])
            # The fused result has the product's shape (a 1-D bias does not broadcast it), so
            # shape readers after it read the fused result instead.
            if any(u <= ks[-1] for u, _ in shape_users):
                continue
            out = steps[ks[-1]].outputs[0]
            for u, slot in shape_users:
                steps[u].inputs = [out if i == slot else i for i in steps[u].inputs]
            name = _CONTRACTIONS[op.type]
            desc = f"{op.type} + {steps[q].op.type}" + (f" + {act}" if act else "")
            fused = RemappedStep(name, chain, step.inputs + [bias],
                                 _contraction_fast(step, act), desc)
            replace[ks[-1]] = fused
            used.update(ks)
        elif op.type == "FusedBatchNormV3":
            r = _relu_of_output0(step, consumers, steps, protected)
            if r is None or r in used:
                continue
            outs = steps[r].outputs + step.outputs[1:]
            replace[k] = RemappedStep("_FusedBatchNormEx", [step, steps[r]], step.inputs,
                                      _batch_norm_relu_fast(step), "FusedBatchNormV3 + Relu",
                                      outputs=outs)
            used.update((k, r))
        elif op.type == "MaxPoolGrad":
            r = only_user(k)
            if r is None or r in used:
                continue
            rg = steps[r]
            if rg.op.type != "ReluGrad" or rg.inputs[0] != step.outputs[0] \
                    or rg.inputs[1] != step.inputs[0]:
                continue
            replace[r] = RemappedStep("_FusedMaxPoolGradReluGrad", [step, rg], step.inputs,
                                      _max_pool_relu_fast(step), "MaxPoolGrad + ReluGrad")
            used.update((k, r))
    if not replace:
        return "nothing to remap"
    made = splice_steps(plan, replace, used)
    names = ", ".join(f"{f.op.type} ({f.op.source})" for f in made[:4])
    more = f", ... ({len(made) - 4} more)" if len(made) > 4 else ""
    return f"fused {sum(len(f.steps) for f in made)} ops into {len(made)}: {names}{more}"


def _max_pool_relu_fast(step):
    a = step.attrs
    if a.get("data_format", "NHWC") not in ("NHWC", b"NHWC"):
        return lambda *arrays: None
    attrs = _pool_attrs(a["ksize"], a["strides"], a["padding"], a.get("explicit_paddings", ()),
                        "NHWC")

    def fast(x, y, g):
        if not (type(x) is np.ndarray and type(g) is np.ndarray and x.dtype in _FLOATS
                and g.dtype == x.dtype and x.ndim == 4):
            return None
        try:
            return max_pool_grad_values(x, g, attrs, relu_mask=True)
        except (OpCheckError, errors.OpError, *_KERNEL_ERRORS):
            return None

    return fast


def _relu_of_output0(step, consumers, steps, protected):
    """The index of the `Relu` step that alone reads `step`'s first output, or None."""
    y = step.outputs[0]
    users = consumers.get(y, [])
    if y in protected or len(users) != 1:
        return None
    r = users[0]
    relu = steps[r]
    if relu.op.type != "Relu" or relu.inputs != [y] or not _pure(relu):
        return None
    return r


def _batch_norm_relu_fast(step):
    """x, scale, offset, mean, variance -> FusedBatchNormV3's outputs with relu(y) first
    (the ReLU in the normalisation's pass); None on an error, which the steps then raise."""
    def fast(*arrays):
        try:
            return step.kernel(*arrays, **step.attrs, activation_mode="Relu")
        except (OpCheckError, errors.OpError, *_KERNEL_ERRORS):
            return None

    return fast


def _run_first_then_rest(steps, arrays):
    """Run a multi-output first step, then the single-input steps chained on its first output;
    returns the last result and the first step's other outputs (what the fused step gives)."""
    first = list(_checked(steps[0], arrays))
    y = first[0]
    for st in steps[1:]:
        y = _checked(st, [y])
    return (y, *first[1:])


def _checked(step, args):
    try:
        return step.kernel(*args, **step.attrs)
    except RUN_ERRORS as e:
        reraise_as_runtime_error(step.op, e)
