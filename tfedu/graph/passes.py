"""Named optimisation passes over an execution plan (the graph itself is never changed).

- `constant_folding`: a pure op whose inputs are all known before running (constants, or
  results of folded ops) is computed once, at compile time; its result becomes a constant of
  the plan. Stateful ops (variables, random numbers, placeholders) are never folded.
- `common_subexpression_elimination`: two pure steps with the same op type, the same inputs
  and the same attributes compute the same thing; the second is dropped and its users read
  the first one's outputs.
- `shape_simplification`: a Reshape that keeps its input's shape, and a reduction over
  size-1 dims (or of one element), forward their input without running a kernel
  (`tfedu.graph.shape_simplification`, TF's Grappler); in `tf.function` only, as in TF.
- `remapper`: a matrix product or convolution followed by a bias and a ReLU becomes one
  fused step, as do a batch normalisation and the ReLU after it, and a max-pool gradient and
  the ReLU gradient after it (`tfedu.graph.remapper`, TF's Grappler "remapping"); on by
  default.
- `fusion`: chains of elementwise ops become one generated Numba kernel
  (`tfedu.graph.fusion`); on for `tf.function(jit_compile=True)`.
- `scalar_chains`: runs of elementwise ops with scalar constants run as one program over one
  buffer (`tfedu.graph.scalar_chains`); on by default.
- `static_args`: `Reshape`/`Transpose`/`ExpandDims` steps whose shape, permutation or axis is
  a constant have it worked out once and call NumPy directly (`tfedu.graph.static_args`); on
  by default.
- `buffer_reuse`: elementwise steps call their NumPy ufunc directly, writing into the buffer
  of an input nothing reads any more (`tfedu.graph.buffer_reuse`); on by default, last.

Passes are switched on and off by name: `set_pass_options({"fusion": True})` changes the
defaults, `compile_plan(..., passes=["constant_folding"])` picks them for one plan.
Each pass returns a one-line report ("folded 3 ops: ...") that `Plan.explain()` prints.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops.op_helpers import export

__all__ = ["constant_folding", "common_subexpression_elimination", "shape_simplification",
           "remapper", "conv_patches", "fusion", "scalar_chains", "static_args", "buffer_reuse", "FUNCTION_ONLY",
           "DEFAULT_PASSES", "PASSES", "resolve_passes", "set_pass_options", "get_pass_options", "function_passes",
           "set_experimental_options", "get_experimental_options", "set_jit", "get_jit"]

_MAX_KEY_BYTES = 4096


def _pure(step) -> bool:
    op = step.op
    return (not op._opdef.stateful and not step.uses_resources and bool(step.outputs)
            and not op._control_inputs and not step.skip)


def _slots_of(inputs):
    for i in inputs:
        if type(i) is list:
            yield from i
        else:
            yield i


def consumers_of(steps) -> dict:
    """slot -> indices of the steps reading it (once per read)."""
    consumers: dict[int, list] = {}
    for k, step in enumerate(steps):
        for s in _slots_of(step.inputs):
            consumers.setdefault(s, []).append(k)
    return consumers


def protected_slots(plan) -> set:
    """Slots a pass must not make disappear: the fetched and the fed ones."""
    return {s for s in plan.fetch_slots if s is not None} | set(plan.feed_slots)


def splice_steps(plan, replace: dict, drop: set) -> list:
    """Put `replace[k]` where step k was and leave out the other steps in `drop`; returns
    the new steps (fused passes use it)."""
    plan.steps = [replace.get(k, step) for k, step in enumerate(plan.steps)
                  if k in replace or k not in drop]
    return list(replace.values())


def _names(steps, limit=6):
    names = [s.op.name for s in steps[:limit]]
    more = f", ... ({len(steps) - limit} more)" if len(steps) > limit else ""
    return ", ".join(names) + more


def constant_folding(plan) -> str:
    """Run pure steps whose inputs are all constants now; keep their results in the plan."""
    known = dict(plan.constants)
    kept, folded = [], []
    for step in plan.steps:
        if _pure(step) and all(s in known for s in _slots_of(step.inputs)):
            args = [[known[j] for j in i] if type(i) is list else known[i] for i in step.inputs]
            try:
                result = step.kernel(*args, **step.attrs)
            except Exception:  # leave it to run time, which reports errors properly
                kept.append(step)
                continue
            if step.single:
                result = (result,)
            for s, r in zip(step.outputs, result):
                known[s] = r
            if step.op.type != "Const":
                folded.append(step)
            continue
        kept.append(step)
    plan.steps = kept
    plan.constants = known
    if not folded:
        return "nothing to fold"
    return f"folded {len(folded)} op(s) into constants: {_names(folded)}"


def _attr_key(value):
    if isinstance(value, np.ndarray):
        if value.nbytes > _MAX_KEY_BYTES or value.dtype == object:
            raise TypeError("too large to compare")
        return ("nd", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_attr_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _attr_key(v)) for k, v in value.items()))
    if isinstance(value, TensorShape):
        return ("shape", None if value.rank is None else tuple(value.as_list()))
    hash(value)
    return value


def _step_key(step, alias):
    inputs = tuple(tuple(alias.get(j, j) for j in i) if type(i) is list else alias.get(i, i)
                   for i in step.inputs)
    return (step.op.type, inputs, _attr_key(step.attrs))


def common_subexpression_elimination(plan) -> str:
    """Drop pure steps that repeat an earlier step exactly; reuse its outputs."""
    alias, seen, kept, merged = {}, {}, [], []
    protected = set(plan.feed_slots)
    by_value = {}
    for slot, value in plan.constants.items():  # equal constants are one subexpression
        try:
            key = _attr_key(np.asarray(value))
        except TypeError:
            continue
        first = by_value.setdefault(key, slot)
        if first != slot and slot not in protected:
            alias[slot] = first
    for step in plan.steps:
        if alias:
            step.inputs = [[alias.get(j, j) for j in i] if type(i) is list else alias.get(i, i)
                           for i in step.inputs]
        if not _pure(step) or any(s in protected for s in step.outputs):
            kept.append(step)
            continue
        try:
            key = _step_key(step, alias)
        except TypeError:
            kept.append(step)
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = step
            kept.append(step)
            continue
        for dup, orig in zip(step.outputs, first.outputs):
            alias[dup] = orig
        merged.append(step)
    plan.steps = kept
    plan.fetch_slots = [None if s is None else alias.get(s, s) for s in plan.fetch_slots]
    if not merged:
        return "no repeated subexpressions"
    return f"merged {len(merged)} repeated op(s): {_names(merged)}"


def shape_simplification(plan) -> str:
    """Reshapes and reductions that cannot change their input forward it (Grappler's)."""
    from tfedu.graph.shape_simplification import shape_simplification as run

    return run(plan)


def remapper(plan) -> str:
    """Fuse Conv2D/MatMul + bias (+ ReLU), and MaxPoolGrad + ReluGrad, into single steps."""
    from tfedu.graph.remapper import remap

    return remap(plan)


def conv_patches(plan) -> str:
    """A Conv2DBackpropFilter takes the patches its forward Conv2D built (bit-identical)."""
    from tfedu.graph.conv_patches import share_conv_patches

    return share_conv_patches(plan)


def fusion(plan) -> str:
    """Fuse chains of float elementwise ops into single generated kernels."""
    from tfedu.graph.fusion import fuse_elementwise

    return fuse_elementwise(plan)


def scalar_chains(plan) -> str:
    """Run chains of scalar elementwise ops as one program each (bit-identical)."""
    from tfedu.graph.scalar_chains import scalar_chains as run_chains

    return run_chains(plan)


def static_args(plan) -> str:
    """Work out constant shape/permutation/axis arguments once (`tfedu.graph.static_args`)."""
    from tfedu.graph.static_args import static_args as work_out

    return work_out(plan)


def buffer_reuse(plan) -> str:
    """Call elementwise steps' ufuncs directly, in place on dead inputs (bit-identical)."""
    from tfedu.graph.buffer_reuse import buffer_reuse as reuse

    return reuse(plan)


DEFAULT_PASSES = (constant_folding, common_subexpression_elimination, shape_simplification,
                  remapper, conv_patches, scalar_chains, static_args, buffer_reuse)

PASSES = {
    "constant_folding": constant_folding,
    "common_subexpression_elimination": common_subexpression_elimination,
    "shape_simplification": shape_simplification,
    "remapper": remapper,
    "conv_patches": conv_patches,
    "fusion": fusion,
    "scalar_chains": scalar_chains,
    "static_args": static_args,
    "buffer_reuse": buffer_reuse,
}
"""Every pass by name, in the order they run."""

_ALIASES = {"arithmetic_optimization": "common_subexpression_elimination",
            "remapping": "remapper", "cse": "common_subexpression_elimination"}

# name -> on/off for Session and tf.function; "fusion" is off except under jit_compile=True.
_options = {"constant_folding": True, "common_subexpression_elimination": True,
            "shape_simplification": True, "remapper": True, "conv_patches": True,
            "fusion": False, "scalar_chains": True,
            "static_args": True, "buffer_reuse": True}
_jit_options = {"fusion": True}


def _canonical(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in PASSES:
        raise ValueError(f"Unknown optimization pass {name!r}; known: {sorted(PASSES)}")
    return name


def set_pass_options(options: dict, jit_compile: bool = False) -> None:
    """Switch passes on or off by name (for plain runs, or for `jit_compile=True` functions)."""
    target = _jit_options if jit_compile else _options
    for name, on in options.items():
        target[_canonical(name)] = bool(on)


def get_pass_options(jit_compile: bool = False) -> dict:
    """Which passes are on, by name."""
    out = dict(_options)
    if jit_compile:
        out.update(_jit_options)
    return out


def resolve_passes(passes) -> tuple:
    """Pass functions from names or functions, kept in their canonical order."""
    chosen = []
    for p in passes:
        chosen.append(PASSES[_canonical(p)] if isinstance(p, str) else p)
    order = list(PASSES.values())
    known = [p for p in order if p in chosen]
    return tuple(known + [p for p in chosen if p not in order])


FUNCTION_ONLY = frozenset({"shape_simplification"})
"""Passes TF's Grappler runs on function graphs but not on the graphs of `Session.run`."""


def function_passes(jit_compile: bool = False, session: bool = False) -> tuple:
    """The passes a tf.function's plan runs (fusion only with `jit_compile=True`); with
    `session=True` those of a `Session.run` plan (none of `FUNCTION_ONLY`)."""
    opts = get_pass_options(jit_compile)
    return tuple(PASSES[name] for name, on in opts.items()
                 if on and not (session and name in FUNCTION_ONLY))


_TF_ONLY_OPTIONS = {"layout_optimizer", "shape_optimization", "dependency_optimization",
                    "loop_optimization", "function_optimization", "debug_stripper",
                    "disable_model_pruning", "scoped_allocator_optimization",
                    "pin_to_host_optimization", "implementation_selector",
                    "auto_mixed_precision", "disable_meta_optimizer", "min_graph_nodes"}
_set_by_user: dict = {}


@export("config.optimizer.set_experimental_options")
def set_experimental_options(options: dict) -> None:
    """`tf.config.optimizer.set_experimental_options`: switch passes on or off.

    TF's names map to ours: `constant_folding`, `arithmetic_optimization` (common
    subexpression elimination), `remapping` (the remapper); tfedu's pass names work too. TF's other
    options are accepted and kept, with nothing to switch here.
    """
    ours = {}
    for name, value in options.items():
        if name in _TF_ONLY_OPTIONS:
            _set_by_user[name] = value
            continue
        ours[name] = value
    set_pass_options(ours)
    _set_by_user.update(ours)


@export("config.optimizer.set_jit")
def set_jit(enabled) -> None:
    """`tf.config.optimizer.set_jit`: TF's XLA auto-clustering, here the fusion pass for every
    graph (as `jit_compile=True` does for one function). True or "autoclustering" switch it on."""
    if enabled not in (True, False, "autoclustering", ""):
        raise ValueError(f"Invalid value for `enabled`: {enabled!r}; use a bool or "
                         "'autoclustering'.")
    set_pass_options({"fusion": bool(enabled)})


@export("config.optimizer.get_jit")
def get_jit() -> str:
    """"autoclustering" after `set_jit(True)`, else "" (as TF returns)."""
    return "autoclustering" if _options["fusion"] else ""


@export("config.optimizer.get_experimental_options")
def get_experimental_options() -> dict:
    """The options set with `set_experimental_options` (TF returns only those)."""
    return dict(_set_by_user)
