"""The `ag__` runtime: what converted code calls instead of Python's `if`, `while` and `for`.

Each statement decides *when it runs* from the type of its condition or iterable:

    if_stmt(cond, ...)     cond a graph tensor -> tf.cond (both branches traced), else Python
    while_stmt(test, ...)  test a graph tensor -> tf.while_loop, else a Python loop
    for_stmt(iter, ...)    iter a graph tensor -> tf.while_loop over its rows, else Python

The converted code keeps the variables a statement changes in nested functions
(`get_state`/`set_state`), so the same body can run once in Python or be traced into a graph.
"""

from __future__ import annotations

import builtins
import inspect
import types

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["ld", "ldu", "Undefined", "UndefinedReturnValue", "FunctionScope", "ConversionOptions",
           "if_stmt", "while_stmt", "for_stmt", "not_", "and_", "or_", "if_exp",
           "converted_call", "set_loop_options"]


class Undefined:
    """A variable that has no value yet on this path (e.g. set in one branch only)."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name):
        self.symbol_name = symbol_name

    def __repr__(self):
        return self.symbol_name

    def __getattr__(self, name):
        raise AttributeError(f"'{self.symbol_name}' is used before assignment")


class UndefinedReturnValue:
    """The return value of a function that has not returned (yet)."""


def ld(v):
    return v


def ldu(fn, name):
    try:
        return fn()
    except (NameError, UnboundLocalError):
        return Undefined(name)


class ConversionOptions:
    def __init__(self, recursive=True, user_requested=True, optional_features=(),
                 internal_convert_user_code=True):
        self.recursive = recursive
        self.user_requested = user_requested
        self.optional_features = optional_features
        self.internal_convert_user_code = internal_convert_user_code


class FunctionScope:
    """Context of one converted function call (its options; `ret` picks the return value)."""

    def __init__(self, function_name, scope_name, options):
        self.name = function_name
        self.scope_name = scope_name
        self.options = options

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ret(self, value, did_return):
        if isinstance(value, (UndefinedReturnValue, Undefined)):
            return None
        return value


def _is_graph_tensor(x) -> bool:
    return isinstance(x, SymbolicTensor)


# ------------------------------------------------------------------------------------------
# Logical operators
# ------------------------------------------------------------------------------------------


def not_(x):
    if isinstance(x, Tensor):
        from tfedu.ops.math_ops import logical_not

        return logical_not(x)
    return not x


def and_(a_fn, b_fn):
    a = a_fn()
    if _is_graph_tensor(a):
        from tfedu.ops.control_flow_ops import cond

        return cond(a, lambda: _as_bool(b_fn()), lambda: a)
    if isinstance(a, EagerTensor):
        return b_fn() if bool(a) else a
    return a and b_fn()


def or_(a_fn, b_fn):
    a = a_fn()
    if _is_graph_tensor(a):
        from tfedu.ops.control_flow_ops import cond

        return cond(a, lambda: a, lambda: _as_bool(b_fn()))
    if isinstance(a, EagerTensor):
        return a if bool(a) else b_fn()
    return a or b_fn()


def _as_bool(x):
    from tfedu.framework.convert import convert_to_tensor

    return convert_to_tensor(x, dtype=dtypes.bool_)


def if_exp(cond, if_true, if_false, expr_repr=""):
    if _is_graph_tensor(cond):
        from tfedu.ops.control_flow_ops import cond as tf_cond

        return tf_cond(cond, if_true, if_false)
    return if_true() if cond else if_false()


# ------------------------------------------------------------------------------------------
# if
# ------------------------------------------------------------------------------------------


def _undefined(v) -> bool:
    return isinstance(v, (Undefined, UndefinedReturnValue))


def if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    """`if cond: body() else: orelse()` — a tf.cond when `cond` is a graph tensor."""
    if not _is_graph_tensor(cond):
        if isinstance(cond, EagerTensor):
            cond = bool(cond)
        return body() if cond else orelse()
    from tfedu.framework.convert import convert_to_tensor
    from tfedu.ops import control_flow_ops as cf

    init = get_state()
    results = {}

    def branch(fn, label):
        def run():
            set_state(init)
            fn()
            state = get_state()
            results[label] = state
            return state

        return run

    tg, tres = cf._trace_subgraph("cond_true", branch(body, "then"))
    eg, eres = cf._trace_subgraph("cond_false", branch(orelse, "else"))
    tres, eres = list(tres), list(eres)
    keep = []
    for i, name in enumerate(symbol_names):
        a, b = tres[i], eres[i]
        if _undefined(a) and _undefined(b):
            continue
        if isinstance(a, UndefinedReturnValue) or isinstance(b, UndefinedReturnValue):
            other, graph_, idx, side = (b, tg, 0, "t") if isinstance(a, UndefinedReturnValue) \
                else (a, eg, 1, "e")
            if other is None:
                which = "main" if idx == 1 else "else"
                raise ValueError(f"'{name}' is None at the end of the {which} branch.")
            with graph_.as_default():
                filler = _placeholder_value(other)
            if idx == 0:
                tres[i] = filler
            else:
                eres[i] = filler
            keep.append(i)
            continue
        if isinstance(a, Undefined):
            raise ValueError(f"'{name}' must also be initialized in the main branch")
        if isinstance(b, Undefined):
            raise ValueError(f"'{name}' must also be initialized in the else branch")
        if a is None or b is None:
            if a is None and b is None:
                continue
            which = "main" if a is None else "else"
            raise ValueError(f"'{name}' is None at the end of the {which} branch.")
        if not isinstance(a, Tensor) and not isinstance(b, Tensor) and _same_python(a, b):
            continue
        keep.append(i)
    names = [symbol_names[i] for i in keep]
    tvals = [tres[i] for i in keep]
    evals = [eres[i] for i in keep]
    for name, a, b in zip(names, tvals, evals):
        ta = _dtype_of(a)
        tb = _dtype_of(b)
        if ta is not None and tb is not None and ta is not tb:
            raise TypeError(f"'{name}' has dtype {ta.name} in the main branch, but dtype "
                            f"{tb.name} in the else branch")
    del convert_to_tensor
    if keep or cf._is_stateful(tg, eg):
        outs = cf._finish_cond(cond, tg, tvals, eg, evals, names=names)
    else:
        outs = []
    final = list(init)
    for i, v in zip(keep, outs if keep else []):
        final[i] = v
    for i in range(len(symbol_names)):
        if i not in keep:
            a = tres[i]
            final[i] = a if not _undefined(a) else init[i]
    set_state(tuple(final))
    return None


def _placeholder_value(like):
    """A stand-in return value for the branch that did not return (never observed)."""
    from tfedu.ops import array_ops

    if not isinstance(like, Tensor):
        return like
    shape = like.shape
    dims = [] if shape.rank is None else [0 if d is None else d for d in shape.as_list()]
    return array_ops.zeros(dims, dtype=like.dtype)


def _same_python(a, b) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return a is b


def _dtype_of(v):
    if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
        return v.dtype
    if isinstance(v, bool):
        return dtypes.bool_
    if isinstance(v, int):
        return dtypes.int32
    if isinstance(v, float):
        return dtypes.float32
    return None


# ------------------------------------------------------------------------------------------
# Loops
# ------------------------------------------------------------------------------------------

_LOOP_OPTIONS = []


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """`tf.autograph.experimental.set_loop_options`: hints for the enclosing tensor loop."""
    if _LOOP_OPTIONS:
        opts = _LOOP_OPTIONS[-1]
        if shape_invariants is not None:
            opts["shape_invariants"] = list(shape_invariants)
        if maximum_iterations is not None:
            opts["maximum_iterations"] = maximum_iterations


def _check_loop_init(names, values):
    for name, v in zip(names, values):
        if isinstance(v, UndefinedReturnValue) or (name == "retval_" and v is None):
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may "
                "happen if a return statement depends on a static Python condition such as a "
                "hyperparameter")
        if isinstance(v, Undefined):
            raise ValueError(f"'{name}' must be defined before the loop.")
        if v is None:
            raise ValueError(f"'{name}' is None before the loop; loop variables of a "
                             "TensorFlow loop must be tensors.")


def _loop_values(values):
    from tfedu.framework import nest
    from tfedu.ops.control_flow_ops import TensorArray, _as_loop_tensor

    out = []
    for v in values:
        if isinstance(v, TensorArray) or nest.is_nested(v):
            out.append(v)
        else:
            out.append(_as_loop_tensor(v))
    return out


def _invariants(init, opts):
    pairs = opts.get("shape_invariants") or []
    if not pairs:
        return None
    shapes = []
    for v in init:
        s = None
        for var, shape in pairs:
            if var is v:
                s = TensorShape(shape)
        shapes.append(s)
    return shapes


def _check_shapes(names, before, after, invariants):
    for k, (name, b, a) in enumerate(zip(names, before, after)):
        if not isinstance(b, Tensor) or not isinstance(a, Tensor):
            continue
        want = invariants[k] if invariants and invariants[k] is not None else b.shape
        if a.dtype is not b.dtype:
            raise TypeError(f"'{name}' has dtype {b.dtype.name} before the loop, but dtype "
                            f"{a.dtype.name} after one iteration")
        ok = want.rank is None or (a.shape.rank == want.rank and all(
            w is None or x == w for x, w in zip(a.shape.as_list(), want.as_list())))
        if not ok:
            raise ValueError(
                f"'{name}' has shape {b.shape} before the loop, but shape {a.shape} after one "
                "iteration. Use tf.autograph.experimental.set_loop_options to set shape "
                "invariants.")


def _tensor_loop(cond_fn, body_fn, get_state, set_state, symbol_names, opts, extra_vars=()):
    """Run a loop as tf.while_loop: loop vars are `extra_vars` + the state."""
    from tfedu.ops.control_flow_ops import while_loop

    init = tuple(get_state())
    _check_loop_init(symbol_names, init)
    init_vals = _loop_values(init)
    n_extra = len(extra_vars)
    invariants = _invariants(init, opts)
    full_inv = None
    if invariants is not None:
        full_inv = [None] * n_extra + invariants

    def cond_(*vals):
        set_state(tuple(vals[n_extra:]))
        return cond_fn(*vals[:n_extra])

    def body_(*vals):
        set_state(tuple(vals[n_extra:]))
        extra = body_fn(*vals[:n_extra])
        after = list(get_state())
        _check_shapes(symbol_names, list(vals[n_extra:]), after, invariants)
        for name, a in zip(symbol_names, after):
            if isinstance(a, Undefined):
                raise ValueError(f"'{name}' must be defined before the loop.")
        return list(extra) + after

    kwargs = {}
    if opts.get("maximum_iterations") is not None:
        kwargs["maximum_iterations"] = opts["maximum_iterations"]
    res = while_loop(cond_, body_, list(extra_vars) + list(init_vals),
                     shape_invariants=full_inv, **kwargs)
    set_state(tuple(res[n_extra:]))


def _dispatch_test(test):
    """The loop's first test, to choose a Python or a graph loop. Inside a graph it runs in a
    throwaway graph (as TF does), so the graph drawn keeps no dead copy of the condition."""
    outer = _state.graph
    if outer is None:
        return test()
    from tfedu.framework.func_graph import FuncGraph

    with FuncGraph("tmp", outer_graph=outer).as_default():
        return test()


def while_stmt(test, body, get_state, set_state, symbol_names, opts):
    """`while test(): body()` — a tf.while_loop when the test is a graph tensor."""
    opts = dict(opts or {})
    _LOOP_OPTIONS.append(opts)
    try:
        first = _dispatch_test(test)
    finally:
        _LOOP_OPTIONS.pop()
    if _is_graph_tensor(first):
        _tensor_loop(lambda: test(), lambda: (body(), ())[1], get_state, set_state,
                     symbol_names, opts)
        return
    _python_while(first, test, body)


def _python_while(cond_value, test, body):
    """The loop as Python runs it: the test gave a Python value (or an eager tensor)."""
    while True:
        if _is_graph_tensor(cond_value):
            raise NotImplementedError(
                "The condition of while loop started as non-Tensor, then changed to Tensor. "
                "This may happen either because variables changed type, or when a break or "
                "return statement inside the loop depends on a Tensor condition. In both "
                "cases, changing to a TF loop should remove the error.")
        if isinstance(cond_value, EagerTensor):
            cond_value = bool(cond_value)
        if not cond_value:
            break
        body()
        cond_value = test()


def _range_parts(t):
    """(start, limit, delta) tensors when `t` is the output of a Range op, else None."""
    op = getattr(t, "op", None)
    if op is not None and op.type == "Range":
        return op.inputs
    return None


def for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    """`for x in iter_: body(x)` — a tf.while_loop over rows when `iter_` is a graph tensor."""
    opts = dict(opts or {})
    if _is_graph_tensor(iter_):
        _tensor_for(iter_, extra_test, body, get_state, set_state, symbol_names, opts)
        return
    if hasattr(iter_, "_tfedu_autograph_for"):
        iter_._tfedu_autograph_for(extra_test, body, get_state, set_state, symbol_names, opts)
        return
    if _state.graph is not None and hasattr(iter_, "element_spec") and hasattr(iter_, "reduce"):
        # a tf.data pipeline: its elements are produced eagerly, the body is traced per element
        from tfedu.framework.func_graph import init_scope

        with init_scope():
            iter_ = list(iter_)
    for itr in iter_:
        if extra_test is not None:
            ok = extra_test()
            if _is_graph_tensor(ok):
                raise NotImplementedError(
                    "break or return inside a Python loop that depends on a Tensor condition "
                    "is not supported; iterate over a tensor (tf.range) instead.")
            if not ok:
                break
        body(itr)


def _tensor_for(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    from tfedu.ops import math_ops
    from tfedu.ops.control_flow_ops import TensorArray

    parts = _range_parts(iter_)
    if parts is not None:
        start, limit, delta = parts
        n = math_ops.maximum(
            math_ops.cast(math_ops.ceil_div(limit - start, delta) if hasattr(
                math_ops, "ceil_div") else _ceil_div(limit - start, delta), dtypes.int32), 0)

        def element(i):
            return start + math_ops.cast(i, start.dtype) * delta
    else:
        if iter_.shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        ta = TensorArray(iter_.dtype, element_shape=iter_.shape[1:] if iter_.shape.rank
                         else None).unstack(iter_)
        n = ta.size()

        def element(i):
            return ta.read(i)

    def cond_fn(i):
        c = math_ops.less(i, n)
        if extra_test is not None:
            more = extra_test()
            if isinstance(more, Tensor):
                c = math_ops.logical_and(c, more)
            elif not more:
                c = math_ops.logical_and(c, False)
        return c

    def body_fn(i):
        body(element(i))
        return (math_ops.add(i, 1),)

    from tfedu.framework.convert import convert_to_tensor

    _tensor_loop(cond_fn, body_fn, get_state, set_state, symbol_names, opts,
                 extra_vars=(convert_to_tensor(0, dtype=dtypes.int32),))


def _ceil_div(a, b):
    from tfedu.ops import math_ops

    return math_ops.negative(math_ops.floordiv(math_ops.negative(a), b))


# ------------------------------------------------------------------------------------------
# Calls
# ------------------------------------------------------------------------------------------


def _any_tensor(args) -> bool:
    return any(isinstance(a, Tensor) for a in args)


def converted_call(f, args, kwargs, caller_fn_scope=None, options=None):
    """Call `f`, converting it first when it is user code (AutoGraph is recursive)."""
    kwargs = kwargs or {}
    if f is builtins.range and _any_tensor(args):
        from tfedu.ops.array_ops import range as tf_range

        return tf_range(*args, **kwargs)
    if f is builtins.len and args and isinstance(args[0], SymbolicTensor):
        x = args[0]
        if x.shape.rank and x.shape[0] is not None:
            return x.shape[0]
        from tfedu.ops import array_ops

        return array_ops.shape(x)[0]
    if isinstance(f, types.FunctionType) and (caller_fn_scope is None or
                                               caller_fn_scope.options.recursive):
        from tfedu.function.autograph.api import convert_for_tracing

        conv = convert_for_tracing(f)
        return conv(*args, **kwargs)
    if isinstance(f, types.MethodType) and isinstance(f.__func__, types.FunctionType) \
            and not inspect.isbuiltin(f):
        from tfedu.function.autograph.api import convert_for_tracing

        conv = convert_for_tracing(f)
        return conv(*args, **kwargs)
    return f(*args, **kwargs)
