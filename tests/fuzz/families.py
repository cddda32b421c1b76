"""The fuzzer's op families: each draws one random `Call` (valid mostly, hostile sometimes).

A hostile call has a dtype TF has no kernel for, shapes that do not fit, an axis out of range,
an index out of bounds, a count that does not divide, a mask TF refuses, or a size no machine
could allocate; TensorFlow's answer (a value or an exception class) is the oracle.
"""

from __future__ import annotations

from tests.fuzz import values as V
from tests.fuzz.calls import Call

UNARY = ("abs", "negative", "sqrt", "exp", "log", "sin", "tanh", "sigmoid", "square",
         "reciprocal", "floor", "ceil", "round", "sign", "rsqrt", "softplus", "erf",
         "is_nan", "is_finite", "logical_not", "invert", "log1p", "expm1", "cos", "atan")
UNARY_NS = {"sigmoid": "tf.math", "invert": "tf.bitwise", "softplus": "tf.math", "erf": "tf.math"}
BINARY = ("add", "subtract", "multiply", "truediv", "divide", "floordiv", "floormod", "pow",
          "maximum", "minimum", "squared_difference", "equal", "not_equal", "less",
          "greater_equal", "logical_and", "logical_or", "bitwise_and", "bitwise_xor",
          "atan2", "truncatediv", "xdivy", "left_shift")
BINARY_NS = {"bitwise_and": "tf.bitwise", "bitwise_xor": "tf.bitwise", "left_shift": "tf.bitwise",
             "truncatediv": "tf.truncatediv", "xdivy": "tf.math"}


def _ns(name, table):
    ns = table.get(name, "tf.math")
    return ns if ns.endswith(name) else f"{ns}.{name}"


def _pick_dtype(rng, op, pool):
    if op in ("logical_not", "logical_and", "logical_or"):
        return "bool" if rng.random() < 0.8 else V.dtype(rng)
    if op in ("invert", "bitwise_and", "bitwise_xor", "left_shift"):
        return rng.choice(V.INTS) if rng.random() < 0.8 else V.dtype(rng)
    return V.dtype(rng, pool)


def elementwise(rng):
    if rng.random() < 0.45:
        op = rng.choice(UNARY)
        dt = _pick_dtype(rng, op, V.NUMERIC + ("bool",))
        x = V.array(rng, V.shape(rng), dt, special=0.05)
        return Call("elementwise", op, f"{_ns(op, UNARY_NS)}(x0)", [x], opts={"rtol": "1e-3"})
    op = rng.choice(BINARY)
    dt = _pick_dtype(rng, op, V.NUMERIC)
    s = V.shape(rng)
    dt2 = dt if rng.random() < 0.9 else V.dtype(rng)
    lo = 0 if op == "left_shift" else -4
    a, b = V.array(rng, s, dt, lo=lo), V.array(rng, V.broadcastable(rng, s), dt2, lo=lo, hi=6)
    if rng.random() < 0.5:
        a, b = b, a
    return Call("elementwise", op, f"{_ns(op, BINARY_NS)}(x0, x1)", [a, b],
                opts={"rtol": "1e-3"}, unknown=(0,) if rng.random() < 0.2 else ())


def _shape_arg(rng):
    """A shape argument: a list, sometimes with negatives, floats, huge sizes."""
    s = V.shape(rng, max_rank=3)
    r = rng.random()
    if r < 0.05 and s:
        s[rng.randrange(len(s))] = -rng.randint(1, 3)
    elif r < 0.08:
        return repr([float(d) + 0.5 for d in s] or [2.5])
    elif r < 0.1:
        return repr([V.HUGE_DIM, V.HUGE_DIM] + s)
    return repr(s)


def fill(rng):
    dt = V.dtype(rng, V.ALL, ("float32", "int32", "bool", "string"))
    kind = rng.choice(["zeros", "ones", "fill", "zeros_like", "ones_like", "eye"])
    if kind in ("zeros_like", "ones_like"):
        x = V.array(rng, V.shape(rng), V.dtype(rng))
        extra = f", dtype=tf.{dt}" if rng.random() < 0.4 and dt != "string" else ""
        return Call("fill", kind, f"tf.{kind}(x0{extra})", [x])
    if kind == "fill":
        v = V.array(rng, [] if rng.random() < 0.9 else [2], dt)
        return Call("fill", kind, f"tf.fill({_shape_arg(rng)}, x0)", [v])
    if kind == "eye":
        n, m = rng.randint(-1, 4), rng.choice([None, rng.randint(0, 4)])
        batch = rng.choice(["", ", batch_shape=[2]"])
        return Call("fill", kind, f"tf.eye({n}, num_columns={m}{batch}, dtype=tf.{dt})")
    return Call("fill", kind, f"tf.{kind}({_shape_arg(rng)}, dtype=tf.{dt})")


def _reshape_target(rng, s):
    n = 1
    for d in s:
        n *= d
    r = rng.random()
    if r < 0.5 and n:
        t = [n]
        if n % 2 == 0 and rng.random() < 0.5:
            t = [2, n // 2]
        return [-1 if rng.random() < 0.3 else d for d in t]
    if r < 0.7:
        return [-1, -1]
    return V.shape(rng)


def reshape(rng):
    s = V.shape(rng)
    x = V.array(rng, s, V.dtype(rng))
    kind = rng.choice(["reshape", "expand_dims", "squeeze", "transpose", "unstack", "tile",
                       "broadcast_to"])
    rank = len(s)
    if kind == "reshape":
        return Call("reshape", kind, f"tf.reshape(x0, {_reshape_target(rng, s)})", [x],
                    unknown=(0,) if rng.random() < 0.3 else ())
    if kind == "expand_dims":
        return Call("reshape", kind, f"tf.expand_dims(x0, {V.axis(rng, rank + 1)})", [x])
    if kind == "squeeze":
        ax = rng.choice([None, V.axis(rng, rank), [V.axis(rng, rank)]])
        return Call("reshape", kind, f"tf.squeeze(x0, axis={ax!r})", [x])
    if kind == "transpose":
        perm = list(range(rank))
        rng.shuffle(perm)
        if rng.random() < 0.2:
            perm = perm[:-1] if perm else [0]
        return Call("reshape", kind, f"tf.transpose(x0, perm={perm})", [x])
    if kind == "unstack":
        ax = V.axis(rng, rank)
        num = rng.choice([None, None, rng.randint(0, 4)])
        return Call("reshape", kind, f"tf.unstack(x0, num={num}, axis={ax})", [x])
    if kind == "tile":
        mult = [rng.randint(0, 3) for _ in range(rank + (rng.random() < 0.1))]
        if V.huge(rng) and mult:
            mult[0] = V.HUGE_DIM ** 2
        return Call("reshape", kind, f"tf.tile(x0, {mult})", [x])
    target = V.broadcastable(rng, s)[::-1][::-1]
    target = [rng.randint(1, 3)] + s if rng.random() < 0.6 else target
    if V.huge(rng):
        target = [V.HUGE_DIM, V.HUGE_DIM] + s
    return Call("reshape", kind, f"tf.broadcast_to(x0, {target})", [x])


def _indices(rng, n, shp, bad=0.15):
    lo, hi = (-1, n + 1) if rng.random() < bad else (0, max(n - 1, 0))
    idt = rng.choice(["int32", "int64"]) if rng.random() > 0.05 else "float32"
    return V.array(rng, shp, idt, lo=lo, hi=hi)


def gather(rng):
    s = V.shape(rng, max_rank=3) or [3]
    x = V.array(rng, s, V.dtype(rng))
    if rng.random() < 0.6:
        ax = V.axis(rng, len(s), bad=0.1)
        n = s[ax] if -len(s) <= ax < len(s) else 2
        idx = _indices(rng, n, V.shape(rng, max_rank=2))
        bd = ", batch_dims=1" if rng.random() < 0.15 else ""
        return Call("gather", "gather", f"tf.gather(x0, x1, axis={ax}{bd})", [x, idx],
                    unknown=(1,) if rng.random() < 0.2 else ())
    depth = rng.randint(1, len(s) + (rng.random() < 0.1))
    lead = V.shape(rng, max_rank=2)
    idx = V.array(rng, lead + [depth], "int32", lo=0, hi=min(s) - 1 if min(s) else 0)
    if rng.random() < 0.15:
        idx = _indices(rng, max(s) + 1, lead + [depth], bad=1.0)
    return Call("gather", "gather_nd", "tf.gather_nd(x0, x1)", [x, idx])


def scatter(rng):
    s = V.shape(rng, max_rank=3) or [4]
    dt = V.dtype(rng, V.NUMERIC + ("bool",))
    k = rng.randint(1, len(s))
    n = rng.randint(0, 3)
    idx = V.array(rng, [n, k], rng.choice(["int32", "int64"]), lo=0, hi=min(s[:k]) - 1)
    if rng.random() < 0.15:
        idx = V.array(rng, [n, k], "int32", lo=-1, hi=max(s) + 1)
    upd_shape = [n] + s[k:]
    if rng.random() < 0.1:
        upd_shape = [n + 1] + s[k:]
    upd = V.array(rng, upd_shape, dt if rng.random() < 0.95 else V.dtype(rng))
    kind = rng.choice(["tensor_scatter_nd_update", "tensor_scatter_nd_add",
                       "tensor_scatter_nd_sub", "tensor_scatter_nd_max", "scatter_nd"])
    if kind == "scatter_nd":
        shp = s if not V.huge(rng) else [V.HUGE_DIM, V.HUGE_DIM] + s[1:]
        return Call("scatter", kind, f"tf.scatter_nd(x0, x1, {shp})", [idx, upd])
    return Call("scatter", kind, f"tf.{kind}(x0, x1, x2)",
                [V.array(rng, s, dt), idx, upd])


def one_hot(rng):
    idt = rng.choice(["int32", "int64", "uint8", "int32", "float32"])
    depth = rng.choice([0, 1, 3, 4, 5, -1]) if not V.huge(rng) else rng.choice([10 ** 9, 2 ** 40])
    x = V.array(rng, V.shape(rng, max_rank=2), idt, lo=-1, hi=5)
    extra = ""
    if rng.random() < 0.4:
        extra += f", axis={rng.choice([-1, 0, 1, 2, 3, -2])}"
    if rng.random() < 0.3:
        extra += f", dtype=tf.{V.dtype(rng, V.ALL)}"
    if rng.random() < 0.2:
        extra += ", on_value=2.0, off_value=-1.0"
    return Call("one_hot", "one_hot", f"tf.one_hot(x0, {depth}{extra})", [x])


def conv_pool(rng):
    rank = rng.choice([3, 4, 4])
    dt = V.dtype(rng, V.NUMERIC, ("float32", "float32", "float64"))
    spatial = [rng.randint(1, 5) for _ in range(rank - 2)]
    c = rng.randint(1, 3)
    x = V.array(rng, [rng.randint(1, 2)] + spatial + [c], dt)
    pad = rng.choice(["'SAME'", "'VALID'", "'VALID'", "'same'"])
    stride = rng.choice([1, 1, 2, 3, 0 if rng.random() < 0.1 else 1])
    if rng.random() < 0.5:
        k = [rng.randint(1, 4) for _ in range(rank - 2)]
        cin = c if rng.random() < 0.9 else c + 1
        w = V.array(rng, k + [cin, rng.randint(1, 3)], dt if rng.random() < 0.95 else "float64")
        fn = "tf.nn.conv2d" if rank == 4 else "tf.nn.conv1d"
        return Call("conv_pool", fn[6:], f"{fn}(x0, x1, {stride}, {pad})", [x, w],
                    opts={"rtol": "1e-3", "atol": "1e-3"})
    win = rng.randint(1, 6)
    kind = rng.choice(["max_pool", "avg_pool"]) + ("2d" if rank == 4 else "1d")
    return Call("conv_pool", kind, f"tf.nn.{kind}(x0, {win}, {stride}, {pad})", [x],
                opts={"rtol": "1e-3"})


def matmul(rng):
    dt = V.dtype(rng, V.NUMERIC, ("float32", "float64", "int32"))
    m, k, n = (rng.randint(0 if rng.random() < 0.05 else 1, 4) for _ in range(3))
    batch = rng.choice([[], [], [2], [1], [2, 1]])
    a_shape, b_shape = batch + [m, k], rng.choice([batch, [], batch[-1:]]) + [k, n]
    if rng.random() < 0.12:
        b_shape = b_shape[:-2] + [k + 1, n]
    if rng.random() < 0.05:
        a_shape = [k]
    ta, tb = rng.random() < 0.2, rng.random() < 0.2
    if ta:
        a_shape[-2:] = a_shape[-2:][::-1]
    if tb:
        b_shape[-2:] = b_shape[-2:][::-1]
    a, b = V.array(rng, a_shape, dt), V.array(rng, b_shape, dt if rng.random() < 0.95 else "float32")
    return Call("matmul", "matmul", f"tf.linalg.matmul(x0, x1, transpose_a={ta}, "
                f"transpose_b={tb})", [a, b], opts={"rtol": "1e-3", "atol": "1e-3"},
                unknown=(1,) if rng.random() < 0.2 else ())


REDUCE = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
          "reduce_any", "reduce_logsumexp", "reduce_std", "reduce_variance", "argmax", "argmin",
          "reduce_euclidean_norm")


def reductions(rng):
    op = rng.choice(REDUCE)
    pool = ("bool",) if op in ("reduce_all", "reduce_any") and rng.random() < 0.8 else V.NUMERIC
    s = V.shape(rng)
    x = V.array(rng, s, V.dtype(rng, pool + ("string",) if rng.random() < 0.05 else pool))
    r = rng.random()
    ax = None if r < 0.3 else (V.axis(rng, len(s)) if r < 0.8 else
                               [V.axis(rng, len(s)), V.axis(rng, len(s))])
    if op in ("argmax", "argmin"):
        ax = 0 if ax is None or isinstance(ax, list) else ax
        return Call("reductions", op, f"tf.math.{op}(x0, axis={ax})", [x])
    kd = ", keepdims=True" if rng.random() < 0.3 else ""
    return Call("reductions", op, f"tf.math.{op}(x0, axis={ax!r}{kd})", [x],
                opts={"rtol": "1e-3", "atol": "1e-3"}, unknown=(0,) if rng.random() < 0.2 else ())


def _slice_item(rng, d):
    r = rng.random()
    if r < 0.3:
        return str(rng.randint(-d - 1, d)) if d else "0"
    if r < 0.4:
        return rng.choice(["...", "tf.newaxis"])
    parts = [rng.choice(["", str(rng.randint(-d - 1, d + 1))]) for _ in range(2)]
    step = rng.choice(["", "", "2", "-1", "-2", "0" if rng.random() < 0.2 else "1"])
    return ":".join(parts + ([step] if step else []))


def slicing(rng):
    s = V.shape(rng, max_rank=3) or [3]
    x = V.array(rng, s, V.dtype(rng))
    kind = rng.choice(["getitem", "getitem", "slice", "strided_slice"])
    if kind == "getitem":
        items = ", ".join(_slice_item(rng, d) for d in s[:rng.randint(1, len(s) + 1)])
        return Call("slicing", kind, f"x0[{items}]", [x])
    if kind == "slice":
        begin = [rng.randint(-1, d) for d in s]
        size = [rng.randint(-1, d - b + (rng.random() < 0.1)) if b >= 0 else 1
                for d, b in zip(s, begin)]
        return Call("slicing", kind, f"tf.slice(x0, {begin}, {size})", [x])
    n = len(s) if rng.random() < 0.8 else rng.randint(1, 3)
    begin = [rng.randint(-3, 3) for _ in range(n)]
    end = [rng.randint(-3, 4) for _ in range(n)]
    strides = [rng.choice([1, 1, 2, -1, -2, 0 if rng.random() < 0.2 else 1]) for _ in range(n)]
    masks = {m: rng.randint(0, (1 << n) - 1) if rng.random() < 0.4 else 0
             for m in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                       "shrink_axis_mask")}
    extra = "".join(f", {k}={v}" for k, v in masks.items() if v)
    return Call("slicing", kind, f"tf.strided_slice(x0, {begin}, {end}, {strides}{extra})", [x])


def split_concat(rng):
    s = V.shape(rng, max_rank=3) or [4]
    dt = V.dtype(rng)
    x = V.array(rng, s, dt)
    kind = rng.choice(["split", "split", "concat", "concat", "stack"])
    ax = V.axis(rng, len(s))
    if kind == "split":
        d = s[ax] if -len(s) <= ax < len(s) else 2
        r = rng.random()
        arg = (rng.choice([1, 2, 3, d or 1]) if r < 0.5 else
               [d - 1, 1] if r < 0.7 else [-1, min(d, 1)] if r < 0.85 else [d, 1])
        return Call("split_concat", kind, f"tf.split(x0, {arg}, axis={ax})", [x])
    other = list(s)
    if rng.random() < 0.15 and other:
        other[rng.randrange(len(other))] += 1
    elif rng.random() < 0.1:
        other = other + [1]
    y = V.array(rng, other, dt if rng.random() < 0.93 else V.dtype(rng))
    return Call("split_concat", kind, f"tf.{kind}([x0, x1], axis={ax})", [x, y],
                unknown=(1,) if rng.random() < 0.2 else ())


LINALG = ("inv", "det", "cholesky", "qr", "svd", "solve", "eigh", "trace", "diag_part",
          "band_part", "triangular_solve", "norm", "matrix_transpose", "logdet", "slogdet")
LINALG_POST = {
    "cholesky": "tf.linalg.band_part(r, -1, 0)",  # TF leaves a failed matrix's upper part unset
    "qr": "tf.linalg.matmul(*r)",
    "svd": "r",
    "eigh": "r[0]",
    "slogdet": "r",
}


def _matrix(rng, dt, square=True):
    n = rng.randint(0 if rng.random() < 0.05 else 1, 3)
    m = n if square or rng.random() < 0.5 else n + 1
    batch = rng.choice([[], [], [2]])
    a = V.array(rng, batch + [n, m], dt, special=0.03)
    return a


def _spd(a):
    import numpy as np

    if a.dtype.kind not in "fc" or a.shape[-1] != a.shape[-2]:
        return a
    t = np.swapaxes(a.conj(), -1, -2)
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    with np.errstate(all="ignore"):
        return (a @ t + eye * a.shape[-1]).astype(a.dtype)


def linalg(rng):
    op = rng.choice(LINALG)
    dt = V.dtype(rng, V.FLOATS + V.COMPLEX + ("int32",), ("float32", "float64"))
    a = _matrix(rng, dt, square=rng.random() < 0.9)
    if op in ("cholesky", "eigh", "logdet") and rng.random() < 0.8:
        a = _spd(a)
    args, expr = [a], f"tf.linalg.{op}(x0)"
    if op == "svd":
        expr = "tf.linalg.svd(x0, compute_uv=False)"
    elif op in ("solve", "triangular_solve"):
        rhs = V.array(rng, list(a.shape[:-1]) + [rng.randint(1, 2)], dt)
        if rng.random() < 0.1:
            rhs = V.array(rng, [a.shape[-1] + 1, 1], dt)
        args, expr = [a, rhs], f"tf.linalg.{op}(x0, x1)"
    elif op == "band_part":
        expr = f"tf.linalg.band_part(x0, {rng.randint(-1, 2)}, {rng.randint(-1, 2)})"
    elif op == "norm":
        expr = f"tf.norm(x0, ord={rng.choice(['euclidean', 1, 2, 'fro', -1])!r}, axis=[-2, -1])"
    return Call("linalg", op, expr, args, post=LINALG_POST.get(op, ""),
                opts={"rtol": "2e-2", "atol": "2e-2"})


RANDOM_POST = ("(tf.shape(r), tf.constant(r.dtype.name), "
               "tf.reduce_all(tf.logical_and(r >= {lo}, r < {hi})))")


def random(rng):
    kind = rng.choice(["uniform", "normal", "truncated_normal", "stateless_uniform",
                       "categorical", "shuffle", "uniform_int"])
    shp = _shape_arg(rng) if rng.random() < 0.4 else repr(V.shape(rng))
    dt = V.dtype(rng, V.FLOATS + ("int32", "int64", "bool"), ("float32", "float64"))
    lo, hi = "-100", "100"
    if kind == "uniform":
        expr, lo, hi = f"tf.random.uniform({shp}, dtype=tf.{dt}, seed=1)", "0", "1"
    elif kind == "uniform_int":
        mn, mx = rng.randint(-2, 3), rng.choice([None, rng.randint(-2, 5)])
        expr = f"tf.random.uniform({shp}, minval={mn}, maxval={mx}, dtype=tf.{dt})"
        lo, hi = str(mn), str(mx if mx is not None else 1)
    elif kind == "stateless_uniform":
        expr, lo, hi = f"tf.random.stateless_uniform({shp}, seed=[1, 2], dtype=tf.{dt})", "0", "1"
    elif kind == "categorical":
        logits = V.array(rng, [rng.randint(0, 2), rng.randint(0, 3)], rng.choice(V.FLOATS))
        return Call("random", kind, f"tf.random.categorical(x0, {rng.randint(-1, 3)})",
                    [logits], post=RANDOM_POST.format(lo=0, hi=max(logits.shape[-1], 1)))
    elif kind == "shuffle":
        x = V.array(rng, V.shape(rng) or [3], "int32", lo=0, hi=0)
        return Call("random", kind, "tf.random.shuffle(x0, seed=3)", [x],
                    post="(tf.shape(r), tf.reduce_sum(r))")
    else:
        expr = f"tf.random.{kind}({shp}, dtype=tf.{dt}, seed=1)"
    return Call("random", kind, expr, post=RANDOM_POST.format(lo=lo, hi=hi))


STRING_OPS = ("join", "length", "substr", "upper", "lower", "split", "regex_full_match",
              "to_number", "as_string", "reduce_join", "strip", "regex_replace")


def strings(rng):
    op = rng.choice(STRING_OPS)
    s = V.shape(rng, max_rank=2)
    x = V.array(rng, s, "string" if rng.random() < 0.92 else V.dtype(rng))
    if op == "join":
        y = V.array(rng, V.broadcastable(rng, s), "string")
        return Call("strings", op, "tf.strings.join([x0, x1], separator='-')", [x, y])
    if op == "as_string":
        x = V.array(rng, s, V.dtype(rng, V.NUMERIC + ("bool", "string")))
        prec = rng.choice(["", ", precision=2", ", width=5"])
        return Call("strings", op, f"tf.strings.as_string(x0{prec})", [x])
    exprs = {
        "length": f"tf.strings.length(x0, unit={rng.choice(['BYTE', 'UTF8_CHAR', 'bad'])!r})",
        "substr": f"tf.strings.substr(x0, {rng.randint(-2, 4)}, {rng.randint(-1, 3)})",
        "split": "tf.strings.split(x0).to_list()",
        "regex_full_match": f"tf.strings.regex_full_match(x0, {rng.choice(['a.*', '[', '.*'])!r})",
        "to_number": f"tf.strings.to_number(x0, out_type=tf.{rng.choice(['float32', 'int32'])})",
        "reduce_join": f"tf.strings.reduce_join(x0, axis={V.axis(rng, len(s)) if s else None})",
        "regex_replace": "tf.strings.regex_replace(x0, 'a|e', 'Z')",
    }
    expr = exprs.get(op, f"tf.strings.{op}(x0)")
    modes = ("eager",) if op == "split" else ("eager", "function", "session")
    return Call("strings", op, expr, [x], modes=modes)


FAMILIES = {
    "elementwise": elementwise, "fill": fill, "reshape": reshape, "gather": gather,
    "scatter": scatter, "one_hot": one_hot, "conv_pool": conv_pool, "matmul": matmul,
    "reductions": reductions, "slicing": slicing, "split_concat": split_concat,
    "linalg": linalg, "random": random, "strings": strings,
}
