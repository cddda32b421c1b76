"""`tf.map_fn`, `tf.vectorized_map`, `tf.py_function`, `tf.numpy_function`.

`py_function`/`numpy_function` put a Python function into the graph as one op (`EagerPyFunc` /
`PyFunc`): when the op runs, the function is called with EagerTensors (py_function) or numpy
arrays (numpy_function), as in TensorFlow; its outputs' shapes are unknown to the graph.
`map_fn` applies a function to the slices of its input along axis 0: a Python loop eagerly, one
`tf.while_loop` inside `tf.function` (the results so far are loop variables, so gradients flow
back to every slice); `scan`, `foldl` and `foldr` carry an accumulator through those slices
the same way.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes, errors, nest
from tfedu.framework.convert import constant
from tfedu.framework.execute import execute
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops.array_ops import NumberedOpCheck
from tfedu.ops.op_helpers import as_tensor, export


def _tf():
    import tfedu

    return tfedu


def _pyfunc_infer(op):
    return [(TensorShape(None), t) for t in op.attrs["Tout"]]


def _to_arrays(out, tout, eager):
    if out is None:
        out = []
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(outs) != len(tout):
        raise errors.InvalidArgumentError(
            None, None, f"{len(outs)} values returned but {len(tout)} expected (Tout)")
    arrays = []
    for v, t in zip(outs, tout):
        a = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        if t == dtypes.string:
            a = np.vectorize(lambda x: x.encode() if isinstance(x, str) else x,
                             otypes=[object])(a) if a.size else a.astype(object)
        elif a.dtype != t.as_numpy_dtype:
            a = a.astype(t.as_numpy_dtype)
        arrays.append(a)
    return arrays


def _pyfunc_kernel(inputs, func=None, Tout=(), eager=False):
    if eager:
        args = [constant(a) for a in inputs]
    else:
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in inputs]
    try:
        out = func(*args)
    except Exception as e:
        import traceback

        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        raise NumberedOpCheck(f"{type(e).__name__}: {e}\n{tb}\n",
                              f"_Tin_{len(inputs)}_Tout_{len(Tout)}") from e
    return _to_arrays(out, Tout, eager)


_PYFUNC_SPEC = dict(group="control", inputs=("input: N*Tin",), outputs=("output: M*Tout",),
                    attrs={"func": None, "Tout": (), "eager": False}, infer=_pyfunc_infer,
                    export={"graphdef": {"unsupported": "it calls a Python function, which a "
                                         "graph file cannot hold"}},
                    kernel=_pyfunc_kernel, stateful=True)
EAGER_PY_FUNC = register_op("EagerPyFunc", doc="Call a Python function on EagerTensors.",
                            **_PYFUNC_SPEC)
PY_FUNC = register_op("PyFunc", doc="Call a Python function on numpy arrays.", **_PYFUNC_SPEC)


def _call_python(opdef, func, inp, Tout, name, eager):
    single = not isinstance(Tout, (list, tuple))
    tout = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    args = [as_tensor(x) for x in nest.flatten(inp)]
    out = execute(opdef, [args], {"func": func, "Tout": tuple(tout), "eager": eager}, name=name,
                  default_name=opdef.type)
    outs = out if isinstance(out, list) else ([] if out is None or not tout else [out])
    if not tout:
        return []
    return outs[0] if single else outs


@export("py_function")
def py_function(func=None, inp=None, Tout=None, name=None):
    """Run `func` (Python, eager) on `inp` as one op; `Tout` gives the output dtype(s)."""
    if func is None:
        return lambda f: py_function(f, inp, Tout, name)
    return _call_python(EAGER_PY_FUNC, func, inp or [], Tout, name, True)


@export("numpy_function", "compat.v1.py_func")
def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):
    """Run `func` on numpy arrays as one op; `Tout` gives the output dtype(s)."""
    if func is None:
        return lambda f: numpy_function(f, inp, Tout, stateful, name)
    return _call_python(PY_FUNC, func, inp or [], Tout, name, False)


# ---------------------------------------------------------------------------------------------
# map_fn

def _spec_dtypes(spec):
    return nest.map_structure(lambda s: dtypes.as_dtype(getattr(s, "dtype", s)), spec)


@export("map_fn")
def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Apply `fn` to each slice `elems[i]` (nested structures too) and stack the results."""
    tf = _tf()
    flat = [as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors. Got "
                         f"{elems}")
    n = flat[0].shape[0] if flat[0].shape.rank else None
    if flat[0].shape.rank == 0:
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    sig = fn_output_signature if fn_output_signature is not None else dtype
    if tf.executing_eagerly() and n is not None:
        return _map_eager(fn, elems, flat, n, sig)
    return _map_graph(fn, elems, flat, sig)


def _stack(results, sig, n):
    tf = _tf()
    if n == 0:
        return _empty_result(sig)
    first = results[0]
    cols = [tf.stack([nest.flatten(r)[i] for r in results])
            for i in range(len(nest.flatten(first)))]
    if sig is not None:
        dts = nest.flatten(_spec_dtypes(sig))
        cols = [c if c.dtype == d else tf.cast(c, d) for c, d in zip(cols, dts)]
    return nest.pack_sequence_as(first, cols)


def _empty_result(sig):
    tf = _tf()
    if sig is None:
        raise ValueError("map_fn over zero elements needs fn_output_signature")
    return nest.map_structure(lambda d: tf.zeros([0], d), _spec_dtypes(sig))


def _map_eager(fn, elems, flat, n, sig):
    results = []
    for i in range(n):
        item = nest.pack_sequence_as(elems, [t[i] for t in flat])
        results.append(nest.map_structure(as_tensor, fn(item)))
    return _stack(results, sig, n)


def _map_graph(fn, elems, flat, sig):
    """One While over the slices; the results so far are loop variables grown by a concat
    each step, so gradients flow back through them to every slice."""
    tf = _tf()
    n = tf.shape(flat[0])[0]
    probe = fn(nest.pack_sequence_as(elems, [t[0] for t in flat]))
    probe_flat = [as_tensor(p) for p in nest.flatten(probe)]
    dts = nest.flatten(_spec_dtypes(sig)) if sig is not None else [p.dtype for p in probe_flat]
    outs = [tf.zeros(tf.concat([[0], tf.shape(p)], 0), d) for p, d in zip(probe_flat, dts)]

    def body(i, outs):
        new = nest.flatten(fn(nest.pack_sequence_as(elems, [t[i] for t in flat])))
        return i + 1, [tf.concat([o, tf.cast(v, o.dtype)[None]], 0) for o, v in zip(outs, new)]

    invariants = (TensorShape([]), [TensorShape([None]).concatenate(p.shape)
                                    for p in probe_flat])
    _, stacked = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), outs),
                               shape_invariants=invariants)
    for s, p in zip(stacked, probe_flat):
        s.set_shape(TensorShape([flat[0].shape[0]]).concatenate(p.shape))
    return nest.pack_sequence_as(probe, stacked)


# ---------------------------------------------------------------------------------------------
# scan, foldl, foldr: an accumulator carried through the slices of `elems`

def _slices(elems):
    flat = [as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems}")
    if flat[0].shape.rank == 0:
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    return flat, lambda i: nest.pack_sequence_as(elems, [t[i] for t in flat])


def _first_acc(flat, item, n, reverse):
    """The accumulator's start when no initializer is given: the first slice visited."""
    if n == 0:
        raise errors.OutOfRangeError(None, None,
                                     "Tried to read from index 0 but array size is: 0 ")
    tf = _tf()
    return item(n - 1 if reverse else 0) if n is not None else \
        item(tf.shape(flat[0])[0] - 1 if reverse else 0)


def _carry_eager(fn, item, n, acc, skip, reverse, keep):
    order = list(range(n))[::-1] if reverse else list(range(n))
    seen = [acc] if skip else []
    for i in order[1 if skip else 0:]:
        acc = nest.map_structure(as_tensor, fn(acc, item(i)))
        seen.append(acc)
    if not keep:
        return acc
    seen = seen[::-1] if reverse else seen
    tf = _tf()
    if not seen:  # no slices: an empty stack of the accumulator's dtype and shape
        return nest.map_structure(lambda a: tf.zeros([0] + a.shape.as_list(), a.dtype), acc)
    cols = [tf.stack([nest.flatten(a)[k] for a in seen]) for k in range(len(nest.flatten(acc)))]
    return nest.pack_sequence_as(acc, cols)


def _carry_graph(fn, flat, item, acc, skip, reverse, keep):
    """The loop as one While: the accumulators (and, for scan, their stack so far, grown by
    a concat each step so gradients flow back through it) are its loop variables."""
    tf = _tf()
    n = tf.shape(flat[0])[0]
    acc_flat = [as_tensor(a) for a in nest.flatten(acc)]
    outs = [tf.expand_dims(a, 0) if skip else tf.zeros(tf.concat([[0], tf.shape(a)], 0), a.dtype)
            for a in acc_flat] if keep else []

    def body(i, acc_flat, outs):
        j = n - 1 - i if reverse else i
        new = nest.flatten(fn(nest.pack_sequence_as(acc, list(acc_flat)), item(j)))
        new = [tf.cast(as_tensor(v), a.dtype) for v, a in zip(new, acc_flat)]
        grown = [tf.concat([v[None], o] if reverse else [o, v[None]], 0)
                 for o, v in zip(outs, new)]
        return i + 1, new, grown

    invariants = (TensorShape([]), [a.shape for a in acc_flat],
                  [TensorShape([None]).concatenate(a.shape) for a in acc_flat] if keep else [])
    _, acc_flat, outs = tf.while_loop(lambda i, *_: i < n, body,
                                      (tf.constant(1 if skip else 0), acc_flat, outs),
                                      shape_invariants=invariants)
    return nest.pack_sequence_as(acc, outs if keep else acc_flat)


def _carry(fn, elems, initializer, reverse, keep):
    tf = _tf()
    flat, item = _slices(elems)
    n = flat[0].shape[0]
    eager = tf.executing_eagerly() and n is not None
    skip = initializer is None
    acc = _first_acc(flat, item, n, reverse) if skip else \
        nest.map_structure(as_tensor, initializer)
    if eager:
        return _carry_eager(fn, item, n, acc, skip, reverse, keep)
    return _carry_graph(fn, flat, item, acc, skip, reverse, keep)


@export("scan")
def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """Every accumulator of `acc = fn(acc, elems[i])` stacked along axis 0 (the first slice
    starts the accumulator when no `initializer` is given; `reverse` goes from the end)."""
    return _carry(fn, elems, initializer, reverse, keep=True)


@export("foldl")
def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The last accumulator of `acc = fn(acc, elems[i])`, from the first slice to the last."""
    return _carry(fn, elems, initializer, False, keep=False)


@export("foldr")
def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The last accumulator of `acc = fn(acc, elems[i])`, from the last slice to the first."""
    return _carry(fn, elems, initializer, True, keep=False)


@export("vectorized_map")
def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` over the slices of `elems` (tfedu runs it as `map_fn`: same values, not fused)."""
    return map_fn(fn, elems)
