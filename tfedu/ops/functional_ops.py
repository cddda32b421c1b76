"""`tf.map_fn`, `tf.vectorized_map`, `tf.py_function`, `tf.numpy_function`.

`py_function`/`numpy_function` put a Python function into the graph as one op (`EagerPyFunc` /
`PyFunc`): when the op runs, the function is called with EagerTensors (py_function) or numpy
arrays (numpy_function), as in TensorFlow; its outputs' shapes are unknown to the graph.
`map_fn` applies a function to the slices of its input along axis 0 with a `tf.while_loop` and a
`TensorArray`, so it works eagerly and inside `tf.function` alike.
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
    tf = _tf()
    n = tf.shape(flat[0])[0]
    probe = fn(nest.pack_sequence_as(elems, [t[0] for t in flat]))
    probe_flat = [as_tensor(p) for p in nest.flatten(probe)]
    dts = nest.flatten(_spec_dtypes(sig)) if sig is not None else [p.dtype for p in probe_flat]
    tas = [tf.TensorArray(d, size=n) for d in dts]

    def body(i, *tas):
        out = nest.flatten(fn(nest.pack_sequence_as(elems, [t[i] for t in flat])))
        return (i + 1,) + tuple(ta.write(i, tf.cast(o, ta.dtype)) for ta, o in zip(tas, out))

    res = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0),) + tuple(tas))
    stacked = [ta.stack() for ta in res[1:]]
    for s, p in zip(stacked, probe_flat):
        s.set_shape(TensorShape([flat[0].shape[0]]).concatenate(p.shape))
    return nest.pack_sequence_as(probe, stacked)


@export("vectorized_map")
def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` over the slices of `elems` (tfedu runs it as `map_fn`: same values, not fused)."""
    return map_fn(fn, elems)
