"""`tf.random`: seeded random ops with TensorFlow's seed semantics.

Seeds follow TF's rule (`get_seed`): a random op runs with a pair `(seed, seed2)` made from the
global seed (`tf.random.set_seed`, or the graph's seed while building a graph) and the op seed:
    global seed | op seed | pair used
    ------------+---------+------------------------------------------------------------
    None        | None    | nondeterministic: fresh entropy on every run
    None        | s       | (87654321, s)
    g           | None    | (g, next op seed): eagerly from Python's random.Random(g), in a
                |         | graph from a per-graph counter, so a program repeats itself
    g           | s       | (g, s)

A stateful op keeps a stream per pair (eagerly) or per graph node, so calling
`tf.random.uniform([2], seed=1)` twice gives two different draws; `set_seed` restarts the eager
ones and `reset_graph_streams(graph)` a graph's (TF keeps those per Session).

The streams are numpy Philox generators, so tfedu's numbers differ from TensorFlow's: shapes,
dtypes, ranges, distributions and reproducibility match, the values do not. Stateless ops
(`stateless_normal(shape, seed=[a, b])`) and `tf.random.Generator` are deterministic functions
of their seed or state, built on the same generators.
"""

from __future__ import annotations

import collections
import enum
import itertools
import os
import random as _pyrandom
import threading
import weakref

import numpy as np

from tfedu.framework import context, dtypes, errors
from tfedu.framework.context import _state, get_default_graph
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.name_scope import composite_scope as _scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import FLOAT, INTS, NUMERIC, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.variables import Variable
from tfedu.ops import array_ops, math_ops
from tfedu.ops.array_ops import _shape_input
from tfedu.ops.op_helpers import export

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
_MASK64 = (1 << 64) - 1
# Live streams kept for repeat callers; each eager call with a derived op seed makes a new one,
# so the table is bounded (the oldest is dropped).
_MAX_STREAMS = 4096

# ------------------------------------------------------------------------------------------
# Seeds
# ------------------------------------------------------------------------------------------


class _SeedState:
    """The eager global seed, the op-seed generator derived from it, and the live streams."""
    def __init__(self):
        self.global_seed = None
        self.op_seed_rng = None
        # (seed, seed2) or ("node", id) -> numpy Generator, least recently used first
        self.streams: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()


_seeds = _SeedState()
_graph_op_seeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_node_ids = itertools.count(1)
_graph_nodes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> stream ids


def _truncate_seed(seed: int) -> int:
    return int(seed) % _MAXINT32


@export("random.set_seed")
def set_seed(seed) -> None:
    """Set the global random seed: the same seed makes the same sequence of random values.

    Eagerly it also restarts every op's stream (TF clears its kernel cache); while building a
    graph it sets that graph's seed.
    """
    g = _state.graph
    if g is not None:
        g.seed = seed
        return
    with _seeds.lock:
        _seeds.global_seed = None if seed is None else int(np.asarray(seed))
        _seeds.op_seed_rng = _pyrandom.Random(_seeds.global_seed)
        _seeds.streams.clear()


@export("compat.v1.random.set_random_seed", "compat.v1.set_random_seed")
def set_random_seed(seed) -> None:
    """TF1 name: sets the default graph's seed (or the global seed when eager)."""
    if _state.graph is None and not _building_v1_default():
        set_seed(seed)
        return
    get_default_graph().seed = seed


def _building_v1_default():
    return not context.eager_globally_enabled()


def _graph_global_seed(g):
    seed = getattr(g, "seed", None)
    if seed is None and getattr(g, "_building_function", False):
        seed = _seeds.global_seed
    return seed


@export("compat.v1.get_seed", "compat.v1.random.get_seed")
def get_seed(op_seed):
    """The `(seed, seed2)` pair a random op uses, by TF's rule (see the module docstring)."""
    g = _state.graph
    if g is None:
        global_seed = _seeds.global_seed
    else:
        global_seed = _graph_global_seed(g)
    if global_seed is not None:
        if op_seed is None:
            if g is None:
                with _seeds.lock:
                    if _seeds.op_seed_rng is None:
                        _seeds.op_seed_rng = _pyrandom.Random(global_seed)
                    op_seed = _seeds.op_seed_rng.randint(0, _MAXINT32)
            else:
                op_seed = _graph_op_seeds.get(g, 0)
                _graph_op_seeds[g] = op_seed + 1
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def _seed_attrs(seed):
    s1, s2 = get_seed(seed)
    attrs = {"seed": 0 if s1 is None else s1, "seed2": 0 if s2 is None else s2}
    g = _state.graph
    if g is not None:
        attrs["_stream"] = node = next(_node_ids)  # each graph node owns its own stream
        _graph_nodes.setdefault(g, set()).add(node)
    return attrs


def _philox(key: int, counter=(0, 0)) -> np.random.Generator:
    bg = np.random.Philox(key=[int(key) & _MASK64, 0],
                          counter=[int(counter[0]) & _MASK64, int(counter[1]) & _MASK64, 0, 0])
    return np.random.Generator(bg)


def _stream(seed=0, seed2=0, _stream=None) -> np.random.Generator:
    """The generator a stateful op draws from (fresh entropy when both seeds are 0)."""
    if seed == 0 and seed2 == 0:
        return np.random.default_rng()
    key = (seed, seed2) if _stream is None else ("node", _stream)
    with _seeds.lock:
        gen = _seeds.streams.get(key)
        if gen is None:
            gen = _philox((int(seed) << 32) | int(seed2))
            _seeds.streams[key] = gen
            if len(_seeds.streams) > _MAX_STREAMS:
                _seeds.streams.popitem(last=False)
        else:
            _seeds.streams.move_to_end(key)
    return gen


def reset_graph_streams(graph=None) -> None:
    """Restart the streams of `graph`'s random ops (all graphs' when None).

    TF keeps a graph op's random state in the Session, so a new Session replays the same
    numbers; a Session calls this when it starts to give the same behaviour.
    """
    with _seeds.lock:
        nodes = None if graph is None else _graph_nodes.get(graph, set())
        for k in [k for k in _seeds.streams if k[0] == "node"]:
            if nodes is None or k[1] in nodes:
                del _seeds.streams[k]


# ------------------------------------------------------------------------------------------
# Sampling on a numpy Generator (shared by stateful, stateless and Generator ops)
# ------------------------------------------------------------------------------------------

def _float_np(dtype):
    d = dtypes.as_dtype(dtype)._np
    return np.float64 if d == np.float64 else np.float32


def sample_normal(gen, shape, dtype):
    x = gen.standard_normal(shape, dtype=_float_np(dtype))
    return x.astype(dtypes.as_dtype(dtype)._np, copy=False)


def sample_uniform(gen, shape, dtype):
    npd = dtypes.as_dtype(dtype)._np
    x = gen.random(shape, dtype=_float_np(dtype)).astype(npd, copy=False)
    if npd == np.float16:  # rounding to half precision must not reach 1.0
        x = np.minimum(x, np.nextafter(np.float16(1), np.float16(0)))
    return x


def sample_truncated_normal(gen, shape, dtype):
    """Standard normal values, redrawing any more than 2 standard deviations out."""
    x = gen.standard_normal(shape)
    bad = np.abs(x) > 2.0
    while bad.any():
        x[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2.0
    return x.astype(dtypes.as_dtype(dtype)._np)


def sample_uniform_int(gen, shape, lo, hi, npd):
    return gen.integers(int(lo), int(hi), size=shape, dtype=np.int64).astype(npd)


def sample_categorical(gen, logits, n, npd):
    """For each row of logits, `n` class indices drawn from softmax(logits) (inverse CDF)."""
    logits = np.asarray(logits, dtype=np.float64)
    batch, k = logits.shape
    out = np.zeros((batch, n), dtype=npd)
    if k == 0 or n == 0:
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(logits, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        p = np.exp(logits - m)
    p = np.where(np.isnan(p), 0.0, p)
    cdf = np.cumsum(p, axis=1)
    total = cdf[:, -1:]
    # Classes from the last one with positive probability on get CDF exactly 1, so float
    # rounding can never select a zero-probability class.
    cdf_n = cdf / np.where(total > 0, total, 1.0)
    last_pos = k - 1 - np.argmax(p[:, ::-1] > 0, axis=1)
    cdf_n[np.arange(k)[None, :] >= last_pos[:, None]] = 1.0
    # One searchsorted for all rows: row b's CDF is shifted into [b, b + 1].
    rows = np.arange(batch, dtype=np.float64)[:, None]
    shifted = (cdf_n + rows).reshape(-1)
    u = np.minimum(gen.random((batch, n)) + rows, np.nextafter(rows + 1, rows))
    flat = np.searchsorted(shifted, u.reshape(-1), side="right").reshape(batch, n)
    out[...] = np.clip(flat - np.arange(batch)[:, None] * k, 0, k - 1)
    return out


def sample_gamma(gen, alpha):
    """Gamma(alpha, 1) samples; alpha < 0 or NaN gives NaN (as TF's kernel does)."""
    bad = ~(alpha >= 0)
    out = gen.standard_gamma(np.where(bad, 1.0, alpha))
    return np.where(bad, np.nan, out)


def sample_poisson(gen, lam):
    """Poisson(lam) samples as floats; lam < 0 or NaN gives NaN (as TF's kernel does)."""
    bad = ~(lam >= 0)
    out = gen.poisson(np.where(bad, 0.0, lam)).astype(np.float64)
    return np.where(bad, np.nan, out)


# ------------------------------------------------------------------------------------------
# Shape functions
# ------------------------------------------------------------------------------------------

def _shape_from(op, i=0):
    s = op.shape(i)
    if s.rank not in (None, 1) and not (s.rank == 0 and op.const_value(i) is not None
                                        and np.asarray(op.const_value(i)).size == 0):
        op.fail(f"shape must be a vector of {{int32,int64}}, got shape "
                f"{shape_text(s.as_list())}")
    v = op.const_value(i)
    if v is None:
        n = s.as_list()[0] if s.rank == 1 else None
        return TensorShape(None if n is None else [None] * n)
    dims = [int(d) for d in np.reshape(v, -1)]
    bad = [d for d in dims if d < 0]
    if bad:
        # TF's graph shape function reads -1 as an unknown size (the kernel refuses it when
        # the graph runs) and refuses smaller values at once; eager kernels refuse both.
        if op.name and min(bad) < -1:
            op.fail(f"Invalid value in tensor used for shape: {min(bad)}", wrapped=False)
        op.fail(f"Dimension {bad[0]} must be >= 0", runtime_only=True)
    return TensorShape(dims)


def _random_infer(op):
    return [(_shape_from(op), op.attrs["dtype"])]


def _uniform_int_infer(op, lo=1, hi=2):
    for i, what in ((lo, "minval"), (hi, "maxval")):
        if op.shape(i).rank not in (None, 0):
            op.fail(f"{what} must be 0-D, got shape {shape_text(op.shape(i).as_list())}")
    a, b = op.const_value(lo), op.const_value(hi)
    shape = _shape_from(op)
    if a is not None and b is not None and shape.num_elements() != 0 and not a < b:
        op.fail(f"Need minval < maxval, got {a} >= {b}", runtime_only=True)  # TF: kernel only
    return [(shape, op.dtype(lo))]


def _check_int_range(lo, hi, shape):
    if int(np.prod(shape)) > 0 and not lo < hi:
        raise OpCheckError(f"Need minval < maxval, got {lo} >= {hi}")


def _multinomial_infer(op, seed_input=False):
    s, graph = op.shape(0), bool(op.name)  # graph: TF's shape function's words
    if s.rank is not None and s.rank != 2:
        op.fail(f"Shape must be rank 2 but is rank {s.rank}" if graph else
                f"logits should be a matrix, got shape {shape_text(s.as_list())}")
    if op.shape(1).rank not in (None, 0):
        op.fail(f"Shape must be rank 0 but is rank {op.shape(1).rank}" if graph else
                f"num_samples should be a scalar, got shape {shape_text(op.shape(1).as_list())}")
    n = op.const_value(1)
    if n is not None and int(n) < 0:
        op.fail(f"Dimension size, given by scalar input 1, must be non-negative but is {int(n)}"
                if graph else f"num_samples should be non-negative, got {int(n)}")
    batch = s.as_list()[0] if s.rank == 2 else None
    return [(TensorShape([batch, None if n is None else int(n)]), op.attrs["output_dtype"])]


def _check_logits(logits, n):
    if logits.ndim != 2:
        raise OpCheckError(f"logits should be a matrix, got shape {shape_text(logits.shape)}")
    if int(n) < 0:
        raise OpCheckError(f"num_samples should be non-negative, got {int(n)}")
    if logits.shape[1] == 0:  # even with no rows or no samples, as TF's kernel
        raise OpCheckError("num_classes should be positive, got 0")


def _dims(shape):
    dims = tuple(int(d) for d in np.reshape(shape, -1))
    bad = [d for d in dims if d < 0]
    if bad:  # a graph's shape function let an unknown (-1) size through
        raise OpCheckError(f"Dimension {bad[0]} must be >= 0")
    return dims


# ------------------------------------------------------------------------------------------
# Stateful ops
# ------------------------------------------------------------------------------------------

_FLOATS = FLOAT[1:]
_SEED_ATTRS = {"seed": 0, "seed2": 0}


def _normal_kernel(shape, dtype, seed=0, seed2=0, _stream=None):
    return sample_normal(_stream_of(seed, seed2, _stream), _dims(shape), dtype)


def _stream_of(seed, seed2, node):
    return _stream(seed, seed2, node)


def _uniform_kernel(shape, dtype, seed=0, seed2=0, _stream=None):
    return sample_uniform(_stream_of(seed, seed2, _stream), _dims(shape), dtype)


def _truncated_kernel(shape, dtype, seed=0, seed2=0, _stream=None):
    return sample_truncated_normal(_stream_of(seed, seed2, _stream), _dims(shape), dtype)


def _uniform_int_kernel(shape, minval, maxval, seed=0, seed2=0, _stream=None):
    dims = _dims(shape)
    _check_int_range(minval, maxval, dims)
    return sample_uniform_int(_stream_of(seed, seed2, _stream), dims, minval, maxval,
                              minval.dtype)


def _multinomial_kernel(logits, num_samples, output_dtype=dtypes.int64, seed=0, seed2=0,
                        _stream=None):
    _check_logits(logits, num_samples)
    return sample_categorical(_stream_of(seed, seed2, _stream), logits, int(num_samples),
                              output_dtype._np)


def _shuffle_kernel(value, seed=0, seed2=0, _stream=None):
    if value.ndim == 0:
        return value.copy()
    gen = _stream_of(seed, seed2, _stream)
    return np.ascontiguousarray(value[gen.permutation(value.shape[0])])


def _gamma_infer(op):
    shape = _shape_from(op)
    a = op.shape(1)
    if shape.rank is None or a.rank is None:
        return [(TensorShape(None), op.dtype(1))]
    return [(shape.concatenate(a), op.dtype(1))]


def _gamma_kernel(shape, alpha, seed=0, seed2=0, _stream=None):
    gen = _stream_of(seed, seed2, _stream)
    dims = _dims(shape) + alpha.shape
    with np.errstate(invalid="ignore"):
        x = sample_gamma(gen, np.broadcast_to(alpha.astype(np.float64), dims))
    return x.astype(alpha.dtype)


def _poisson_infer(op):
    (s, _), = _gamma_infer(op)
    return [(s, op.attrs["dtype"])]


def _poisson_kernel(shape, rate, dtype, seed=0, seed2=0, _stream=None):
    gen = _stream_of(seed, seed2, _stream)
    dims = _dims(shape) + rate.shape
    x = sample_poisson(gen, np.broadcast_to(rate.astype(np.float64), dims))
    with np.errstate(invalid="ignore"):
        return x.astype(dtype._np)


def _stateful(type, inputs, kernel, infer, outputs=("output: dtype",), type_attrs=None,
              attrs=None, doc=""):
    return register_op(type, group="random", inputs=inputs, outputs=outputs,
                       type_attrs=type_attrs or {"dtype": _FLOATS, "T": INTS},
                       attrs=dict(_SEED_ATTRS, **(attrs or {})), infer=infer, kernel=kernel,
                       stateful=True, doc=doc)


RANDOM_STANDARD_NORMAL = _stateful(
    "RandomStandardNormal", ("shape: T",), _normal_kernel, _random_infer,
    doc="Samples from N(0, 1).")
RANDOM_UNIFORM = _stateful(
    "RandomUniform", ("shape: T",), _uniform_kernel, _random_infer,
    doc="Samples from U[0, 1).")
TRUNCATED_NORMAL = _stateful(
    "TruncatedNormal", ("shape: T",), _truncated_kernel, _random_infer,
    doc="Samples from N(0, 1), redrawn when more than 2 standard deviations out.")
RANDOM_UNIFORM_INT = _stateful(
    "RandomUniformInt", ("shape: T", "minval: Tout", "maxval: Tout"), _uniform_int_kernel,
    _uniform_int_infer, outputs=("output: Tout",), type_attrs={"Tout": INTS, "T": INTS},
    doc="Integers uniform in [minval, maxval).")
MULTINOMIAL = _stateful(
    "Multinomial", ("logits: T", "num_samples: int32"), _multinomial_kernel, _multinomial_infer,
    outputs=("output: output_dtype",),
    type_attrs={"T": NUMERIC[1:], "output_dtype": INTS}, attrs={"output_dtype": dtypes.int64},
    doc="Class indices drawn from the categorical distribution softmax(logits), per row.")
RANDOM_SHUFFLE = _stateful(
    "RandomShuffle", ("value: T",), _shuffle_kernel, lambda op: [(op.shape(0), op.dtype(0))],
    outputs=("output: T",), type_attrs={"T": dtypes.ALL},
    doc="Randomly permutes the first dimension.")
RANDOM_GAMMA = _stateful(
    "RandomGamma", ("shape: S", "alpha: T"), _gamma_kernel, _gamma_infer,
    outputs=("output: T",), type_attrs={"S": INTS, "T": _FLOATS},
    doc="Gamma(alpha, 1) samples; output shape = shape + alpha.shape.")
RANDOM_POISSON = _stateful(
    "RandomPoissonV2", ("shape: S", "rate: R"), _poisson_kernel, _poisson_infer,
    type_attrs={"S": INTS, "R": _FLOATS + INTS, "dtype": _FLOATS + INTS},
    doc="Poisson(rate) samples; output shape = shape + rate.shape.")


# ------------------------------------------------------------------------------------------
# Stateless ops: a key and counter in, the same numbers out, every time
# ------------------------------------------------------------------------------------------

def _key_counter_from_seed(seed):
    """Scramble a 2-element seed into a Philox key and counter."""
    s = [int(v) & _MASK64 for v in np.reshape(seed, -1)]
    words = np.random.SeedSequence(s).generate_state(3, np.uint64)
    return np.array([words[0]], np.uint64), np.array(words[1:], np.uint64)


def _seed_infer(op):
    s = op.shape(0)
    if s.rank is not None and (s.rank != 1 or s.as_list()[0] not in (None, 2)):
        op.fail(f"seed must have shape [2], not {shape_text(s.as_list())}")
    return [(TensorShape([1]), dtypes.uint64), (TensorShape([2]), dtypes.uint64)]


def _get_key_counter_kernel(seed):
    if seed.shape != (2,):
        raise OpCheckError(f"seed must have shape [2], not {shape_text(seed.shape)}")
    return _key_counter_from_seed(seed)


GET_KEY_COUNTER = register_op(
    "StatelessRandomGetKeyCounter", group="random", inputs=("seed: Tseed",),
    outputs=("key: uint64", "counter: uint64"), type_attrs={"Tseed": INTS},
    infer=_seed_infer, kernel=_get_key_counter_kernel,
    doc="Turn a seed pair into a Philox key and counter.")


def _gen_kc(key, counter):
    return _philox(int(np.reshape(key, -1)[0]), np.reshape(counter, -1)[:2])


def _kc_infer(op):
    return [(_shape_from(op), op.attrs["dtype"])]


def _stateless(type, fn, infer=_kc_infer, extra_inputs=(), outputs=("output: dtype",),
               type_attrs=None, doc=""):
    return register_op(
        type, group="random", inputs=("shape: Tshape", "key: uint64", "counter: uint64", "alg: int32")
        + extra_inputs, outputs=outputs,
        type_attrs=type_attrs or {"dtype": _FLOATS, "Tshape": INTS}, infer=infer, kernel=fn,
        doc=doc)


STATELESS_NORMAL = _stateless(
    "StatelessRandomNormalV2",
    lambda shape, key, counter, alg, dtype: sample_normal(_gen_kc(key, counter), _dims(shape),
                                                          dtype),
    doc="N(0, 1) samples, a pure function of (key, counter).")
STATELESS_UNIFORM = _stateless(
    "StatelessRandomUniformV2",
    lambda shape, key, counter, alg, dtype: sample_uniform(_gen_kc(key, counter), _dims(shape),
                                                           dtype),
    doc="U[0, 1) samples, a pure function of (key, counter).")
STATELESS_TRUNCATED = _stateless(
    "StatelessTruncatedNormalV2",
    lambda shape, key, counter, alg, dtype: sample_truncated_normal(_gen_kc(key, counter),
                                                                    _dims(shape), dtype),
    doc="Truncated N(0, 1) samples, a pure function of (key, counter).")


def _stateless_int_kernel(shape, key, counter, alg, minval, maxval, dtype=None):
    dims = _dims(shape)
    _check_int_range(minval, maxval, dims)
    return sample_uniform_int(_gen_kc(key, counter), dims, minval, maxval, minval.dtype)


def _stateless_full_int_kernel(shape, key, counter, alg, dtype):
    gen = _gen_kc(key, counter)
    npd = dtype._np
    bits = gen.integers(0, 2**64, size=_dims(shape), dtype=np.uint64)
    return bits.view(np.int64).astype(npd) if npd != np.uint64 else bits


STATELESS_UNIFORM_INT = _stateless(
    "StatelessRandomUniformIntV2", _stateless_int_kernel,
    infer=lambda op: _uniform_int_infer(op, 4, 5), extra_inputs=("minval: dtype",
                                                                 "maxval: dtype"),
    type_attrs={"dtype": INTS + (dtypes.uint32, dtypes.uint64), "Tshape": INTS},
    doc="Integers uniform in [minval, maxval), a pure function of (key, counter).")
STATELESS_UNIFORM_FULL_INT = _stateless(
    "StatelessRandomUniformFullIntV2", _stateless_full_int_kernel,
    type_attrs={"dtype": INTS + (dtypes.uint32, dtypes.uint64), "Tshape": INTS},
    doc="Integers uniform over the whole range of the dtype.")


class _Shifted:
    """An InferContext view whose input 0 is input `i` of the real one."""
    def __init__(self, op, i):
        self._op, self._i = op, i

    def shape(self, j):
        return self._op.shape(self._i + j)

    def fail(self, *a, **k):
        return self._op.fail(*a, **k)


def _stateless_multinomial_kernel(logits, num_samples, seed, output_dtype=dtypes.int64):
    _check_logits(logits, num_samples)
    key, counter = _get_key_counter_kernel(seed)
    return sample_categorical(_gen_kc(key, counter), logits, int(num_samples),
                              output_dtype._np)


def _stateless_multinomial_infer(op):
    _seed_infer(_Shifted(op, 2))
    return _multinomial_infer(op)


STATELESS_MULTINOMIAL = register_op(
    "StatelessMultinomial", group="random", inputs=("logits: T", "num_samples: int32", "seed: Tseed"),
    outputs=("output: output_dtype",),
    type_attrs={"T": NUMERIC[1:], "Tseed": INTS, "output_dtype": INTS},
    attrs={"output_dtype": dtypes.int64}, infer=_stateless_multinomial_infer,
    kernel=_stateless_multinomial_kernel,
    doc="Categorical samples, a pure function of the seed.")


@export("random.stateless_categorical")
def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64,
                          name=None) -> Tensor:
    """Categorical samples from `logits`, the same for the same `seed`."""
    with _scope(name, "stateless_categorical") as sc:
        lg = logits if isinstance(logits, Tensor) else convert_to_tensor(logits)
        return execute(STATELESS_MULTINOMIAL,
                       [lg, _as(num_samples, dtypes.int32), _seed_tensor(seed)],
                       {"output_dtype": dtypes.as_dtype(dtype)}, name=_final(sc),
                       default_name="StatelessMultinomial")


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

_UNIFORM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)




def _final(scope):
    return scope if scope else None


def _shape_tensor(shape):
    if isinstance(shape, (list, tuple)) and not any(isinstance(d, Tensor) for d in shape):
        t = convert_to_tensor(list(shape), dtype_hint=dtypes.int32, name="shape")
        if not shape:
            t = convert_to_tensor(np.zeros([0], np.int32), name="shape")
    else:
        t = _shape_input(shape)
    if not t.dtype.is_integer:  # TF's random ops type their shape input: int32 or int64
        msg = (f"Value for attr 'T' of {t.dtype.c_name} is not in the list of allowed values: "
               "int32, int64")
        raise errors.InvalidArgumentError(None, None, msg) if context.executing_eagerly() \
            else TypeError(msg)
    return t


def _as(x, dtype, name=None):
    if isinstance(x, Tensor):
        return x if x.dtype is dtype else math_ops.cast(x, dtype)
    if getattr(x, "_is_variable", False):
        return _as(x.value(), dtype)
    return convert_to_tensor(x, dtype=dtype, name=name)


def _float_dtype(dtype, what, value=0.0):
    """`dtype` if floating; else TF's TypeError, raised as TF converts the float parameter
    (`mean=0.0`, ...) of `what` to that dtype first."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _FLOATS:
        if context.executing_eagerly():
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.c_name}")
        raise TypeError(f"Expected {dtype.name}, but got {value!r} of type "
                        f"'{type(value).__name__}'.")
    return dtype


@export("random.normal", "compat.v1.random_normal", "compat.v1.random.normal")
def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Samples from N(mean, stddev**2) (`RandomStandardNormal * stddev + mean`)."""
    dtype = _float_dtype(dtype, "random.normal")
    with _scope(name, "random_normal") as sc:
        shp = _shape_tensor(shape)
        m = _as(mean, dtype, "mean")
        s = _as(stddev, dtype, "stddev")
        rnd = execute(RANDOM_STANDARD_NORMAL, [shp], dict(_seed_attrs(seed), dtype=dtype),
                      default_name="RandomStandardNormal")
        return math_ops.add(math_ops.multiply(rnd, s, name="mul"), m, name=_final(sc))


@export("random.truncated_normal", "compat.v1.truncated_normal",
        "compat.v1.random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None) -> Tensor:
    """Samples from N(mean, stddev**2) with values beyond 2 stddev redrawn."""
    dtype = _float_dtype(dtype, "random.truncated_normal")
    with _scope(name, "truncated_normal") as sc:
        shp = _shape_tensor(shape)
        m = _as(mean, dtype, "mean")
        s = _as(stddev, dtype, "stddev")
        rnd = execute(TRUNCATED_NORMAL, [shp], dict(_seed_attrs(seed), dtype=dtype),
                      default_name="TruncatedNormal")
        return math_ops.add(math_ops.multiply(rnd, s, name="mul"), m, name=_final(sc))


@export("random.uniform", "compat.v1.random_uniform", "compat.v1.random.uniform")
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None,
            name=None) -> Tensor:
    """Samples from U[minval, maxval); integer dtypes need an explicit maxval."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         f"(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, "
                         f"tf.int64).")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with _scope(name, "random_uniform") as sc:
        shp = _shape_tensor(shape)
        if dtype.is_integer:
            lo, hi = _as(minval, dtype, "min"), _as(maxval, dtype, "max")
            return execute(RANDOM_UNIFORM_INT, [shp, lo, hi], _seed_attrs(seed),
                           name=_final(sc), default_name="RandomUniformInt")
        zero_min = isinstance(minval, (int, float)) and minval == 0
        one_max = isinstance(maxval, (int, float)) and maxval == 1
        if not (zero_min and one_max):
            lo, hi = _as(minval, dtype, "min"), _as(maxval, dtype, "max")
        rnd = execute(RANDOM_UNIFORM, [shp], dict(_seed_attrs(seed), dtype=dtype),
                      name=_final(sc) if zero_min and one_max else None,
                      default_name="RandomUniform")
        if zero_min and one_max:
            return rnd
        if zero_min:
            return math_ops.multiply(rnd, hi, name=_final(sc))
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo,
                            name=_final(sc))


@export("random.categorical", "compat.v1.random.categorical")
def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """`[batch, num_samples]` class indices drawn from softmax(logits) row by row."""
    return _categorical(logits, num_samples, dtype, seed, name, "categorical")


def _categorical(logits, num_samples, dtype, seed, name, scope):
    out = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    with _scope(name, scope):  # the op is `<scope>/Multinomial`, as in TF
        lg = logits if isinstance(logits, Tensor) else convert_to_tensor(logits)
        n = _as(num_samples, dtypes.int32)
        return execute(MULTINOMIAL, [lg, n], dict(_seed_attrs(seed), output_dtype=out),
                       default_name="Multinomial")


@export("compat.v1.multinomial", "compat.v1.random.multinomial")
def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None) -> Tensor:
    """Draw `num_samples` class indices per row from the categorical `logits` (TF1)."""
    return _categorical(logits, num_samples, output_dtype, seed, name, "multinomial")


@export("random.shuffle", "compat.v1.random_shuffle", "compat.v1.random.shuffle")
def shuffle(value, seed=None, name=None) -> Tensor:
    """A random permutation of `value` along its first dimension."""
    v = value if isinstance(value, Tensor) else (
        value.value() if getattr(value, "_is_variable", False) else convert_to_tensor(value))
    return execute(RANDOM_SHUFFLE, [v], _seed_attrs(seed), name=name,
                   default_name="RandomShuffle")


@export("random.gamma", "compat.v1.random_gamma", "compat.v1.random.gamma")
def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Gamma(alpha, beta) samples of shape `shape + broadcast(alpha, beta).shape`."""
    dtype = _float_dtype(dtype, "random.gamma")
    with _scope(name, "random_gamma") as sc:
        shp = _shape_tensor(shape)
        a = _as(alpha, dtype, "alpha")
        if beta is not None:
            b = _as(beta, dtype, "beta")
            a = math_ops.add(a, math_ops.multiply(b, math_ops.scalar_like(0, b)))
        rnd = execute(RANDOM_GAMMA, [shp, a], _seed_attrs(seed),
                      name=_final(sc) if beta is None else None, default_name="RandomGamma")
        if beta is None:
            return rnd
        return math_ops.divide_op(rnd, b, name=_final(sc))


@export("random.poisson", "compat.v1.random_poisson", "compat.v1.random.poisson")
def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None) -> Tensor:
    """Poisson(lam) samples of shape `shape + lam.shape`."""
    dtype = dtypes.as_dtype(dtype)
    with _scope(name, "random_poisson") as sc:
        shp = _shape_tensor(shape)
        lam_t = lam if isinstance(lam, Tensor) else convert_to_tensor(lam, dtype_hint=dtype)
        return execute(RANDOM_POISSON, [shp, lam_t], dict(_seed_attrs(seed), dtype=dtype),
                       name=_final(sc), default_name="RandomPoissonV2")


# --- stateless ----------------------------------------------------------------------------

def _seed_tensor(seed):
    if isinstance(seed, Tensor):
        return seed
    s = convert_to_tensor(seed, dtype_hint=dtypes.int64)
    if not s.dtype.is_integer:
        raise TypeError(f"seed must be int32 or int64, got {s.dtype.name}")
    return s


def _key_counter(seed):
    key, counter = execute(GET_KEY_COUNTER, [_seed_tensor(seed)],
                           default_name="StatelessRandomGetKeyCounter")
    return key, counter


_ALG_PHILOX = 1


def _alg():
    return convert_to_tensor(np.int32(_ALG_PHILOX))


@export("random.stateless_normal")
def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select") -> Tensor:
    """N(mean, stddev**2) samples that depend only on `seed` (shape [2] ints)."""
    dtype = _float_dtype(dtype, "random.stateless_normal")
    with _scope(name, "stateless_random_normal") as sc:
        shp = _shape_tensor(shape)
        key, counter = _key_counter(seed)
        m, s = _as(mean, dtype, "mean"), _as(stddev, dtype, "stddev")
        rnd = execute(STATELESS_NORMAL, [shp, key, counter, _alg()], {"dtype": dtype},
                      default_name="StatelessRandomNormalV2")
        return math_ops.add(math_ops.multiply(rnd, s, name="mul"), m, name=_final(sc))


@export("random.stateless_truncated_normal")
def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select") -> Tensor:
    """Truncated-normal samples (within 2 stddevs), the same for the same `seed`."""
    dtype = _float_dtype(dtype, "random.stateless_truncated_normal")
    with _scope(name, "stateless_truncated_normal") as sc:
        shp = _shape_tensor(shape)
        key, counter = _key_counter(seed)
        m, s = _as(mean, dtype, "mean"), _as(stddev, dtype, "stddev")
        rnd = execute(STATELESS_TRUNCATED, [shp, key, counter, _alg()], {"dtype": dtype},
                      default_name="StatelessTruncatedNormalV2")
        return math_ops.add(math_ops.multiply(rnd, s, name="mul"), m, name=_final(sc))


_STATELESS_UNIFORM_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64",
                             "uint32", "uint64")


@export("random.stateless_uniform")
def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select") -> Tensor:
    """U[minval, maxval) samples that depend only on `seed`; integer dtypes with both bounds
    None cover the dtype's whole range."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.name not in _STATELESS_UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         f"({', '.join('tf.' + d for d in _STATELESS_UNIFORM_DTYPES)}).")
    if dtype.is_integer and (minval is None) != (maxval is None):
        raise ValueError(f"For integer `dtype` argument {dtype}, argument `minval` and "
                         f"`maxval` must be both None or not None. Got `minval`={minval} and "
                         f"`maxval`={maxval}.")
    if minval is not None and dtype in (dtypes.uint32, dtypes.uint64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype} when argument `minval` "
                         "is not None. Please don't use unsigned integers in this case.")
    with _scope(name, "stateless_random_uniform") as sc:
        shp = _shape_tensor(shape)
        key, counter = _key_counter(seed)
        if dtype.is_integer:
            if minval is None:
                return execute(STATELESS_UNIFORM_FULL_INT, [shp, key, counter, _alg()],
                               {"dtype": dtype}, name=_final(sc),
                               default_name="StatelessRandomUniformFullIntV2")
            lo, hi = _as(minval, dtype, "min"), _as(maxval, dtype, "max")
            return execute(STATELESS_UNIFORM_INT, [shp, key, counter, _alg(), lo, hi],
                           name=_final(sc), default_name="StatelessRandomUniformIntV2")
        dtype = _float_dtype(dtype, "random.stateless_uniform")
        maxval = 1 if maxval is None else maxval
        lo, hi = _as(minval, dtype, "min"), _as(maxval, dtype, "max")
        rnd = execute(STATELESS_UNIFORM, [shp, key, counter, _alg()], {"dtype": dtype},
                      default_name="StatelessRandomUniformV2")
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo,
                            name=_final(sc))


# --- stateless gamma / poisson / binomial: parameters broadcast to `shape` ----------------

def _stateless_param_infer(op, n_params, out_dtype=None):
    shape = _shape_from(op)
    for i in range(2, 2 + n_params):
        p = op.shape(i)
        if shape.rank is not None and p.rank is not None:
            dims, pd = shape.as_list(), p.as_list()
            ok = len(pd) <= len(dims) and all(
                a is None or b is None or b in (1, a) for a, b in zip(dims[::-1], pd[::-1]))
            if not ok:
                op.fail(f"Shape passed in must end with broadcasted shape: "
                        f"{shape_text(dims)} vs. {shape_text(pd)}")
    return [(shape, out_dtype or op.attrs.get("dtype") or op.dtype(2))]


def _seeded_gen(seed):
    key, counter = _get_key_counter_kernel(seed)
    return _gen_kc(key, counter)


def _stateless_gamma_kernel(shape, seed, alpha):
    dims = _dims(shape)
    with np.errstate(invalid="ignore"):
        x = sample_gamma(_seeded_gen(seed),
                         np.broadcast_to(alpha.astype(np.float64), dims))
    return x.astype(alpha.dtype)


STATELESS_GAMMA = register_op(
    "StatelessRandomGammaV2", group="random", inputs=("shape: T", "seed: Tseed", "alpha: dtype"),
    outputs=("output: dtype",), type_attrs={"T": INTS, "Tseed": INTS, "dtype": _FLOATS},
    infer=lambda op: _stateless_param_infer(op, 1), kernel=_stateless_gamma_kernel,
    doc="Gamma(alpha, 1) samples, a pure function of the seed.")


@export("random.stateless_gamma")
def stateless_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None) -> Tensor:
    """Gamma(alpha, beta) samples of shape `shape` (alpha, beta broadcast to it), from `seed`."""
    dtype = _float_dtype(dtype, "random.stateless_gamma")
    with _scope(name, "stateless_random_gamma") as sc:
        a = _as(alpha, dtype, "alpha")
        out = execute(STATELESS_GAMMA, [_shape_tensor(shape), _seed_tensor(seed), a],
                      name=None if beta is not None else _final(sc),
                      default_name="StatelessRandomGammaV2")
        if beta is None:
            return out
        return math_ops.divide_op(out, _as(beta, dtype, "beta"), name=_final(sc))


def _stateless_poisson_kernel(shape, seed, lam, dtype):
    dims = _dims(shape)
    x = sample_poisson(_seeded_gen(seed), np.broadcast_to(lam.astype(np.float64), dims))
    with np.errstate(invalid="ignore"):
        return x.astype(dtype._np)


STATELESS_POISSON = register_op(
    "StatelessRandomPoisson", group="random", inputs=("shape: T", "seed: Tseed", "lam: Rtype"),
    outputs=("output: dtype",),
    type_attrs={"T": INTS, "Tseed": INTS, "Rtype": _FLOATS + INTS, "dtype": _FLOATS + INTS},
    infer=lambda op: _stateless_param_infer(op, 1, op.attrs["dtype"]),
    kernel=_stateless_poisson_kernel, doc="Poisson(lam) samples, a pure function of the seed.")


@export("random.stateless_poisson")
def stateless_poisson(shape, seed, lam, dtype=dtypes.int32, name=None) -> Tensor:
    """Poisson(lam) samples of shape `shape` (lam broadcast to it), from `seed`."""
    lam_t = lam if isinstance(lam, Tensor) else convert_to_tensor(lam, dtype_hint=dtypes.float32)
    return execute(STATELESS_POISSON, [_shape_tensor(shape), _seed_tensor(seed), lam_t],
                   {"dtype": dtypes.as_dtype(dtype)}, name=name,
                   default_name="stateless_random_poisson")


def _stateless_binomial_kernel(shape, seed, counts, probs, dtype):
    dims = _dims(shape)
    n = np.broadcast_to(counts.astype(np.int64), dims)
    p = np.clip(np.broadcast_to(probs.astype(np.float64), dims), 0.0, 1.0)
    return _seeded_gen(seed).binomial(n, p).astype(dtype._np)


STATELESS_BINOMIAL = register_op(
    "StatelessRandomBinomial", group="random", inputs=("shape: S", "seed: Tseed", "counts: T", "probs: T"),
    outputs=("output: dtype",),
    type_attrs={"S": INTS, "Tseed": INTS, "T": _FLOATS + INTS, "dtype": _FLOATS + INTS},
    infer=lambda op: _stateless_param_infer(op, 2, op.attrs["dtype"]),
    kernel=_stateless_binomial_kernel,
    doc="Binomial(counts, probs) samples, a pure function of the seed.")


@export("random.stateless_binomial")
def stateless_binomial(shape, seed, counts, probs, output_dtype=dtypes.int32,
                       name=None) -> Tensor:
    """Binomial(counts, probs) samples of shape `shape`, from `seed`."""
    c = counts if isinstance(counts, Tensor) else convert_to_tensor(
        counts, dtype_hint=dtypes.float32)
    p = _as(probs, c.dtype)
    return execute(STATELESS_BINOMIAL, [_shape_tensor(shape), _seed_tensor(seed), c, p],
                   {"dtype": dtypes.as_dtype(output_dtype)}, name=name,
                   default_name="stateless_random_binomial")


# --- candidate samplers (negative sampling, e.g. word2vec) --------------------------------

def _log_uniform_probs(values, range_max):
    v = np.asarray(values, dtype=np.float64)
    return np.log((v + 2.0) / (v + 1.0)) / np.log(range_max + 1.0)


def _draw_log_uniform(gen, n, range_max):
    v = np.floor(np.exp(gen.random(n) * np.log(range_max + 1.0))).astype(np.int64) - 1
    return np.clip(v, 0, range_max - 1)


def _draw_uniform(gen, n, range_max):
    return gen.integers(0, range_max, size=n, dtype=np.int64)


def _uniform_probs(values, range_max):
    return np.full(np.shape(values), 1.0 / range_max)


def _expected_count(p, num_sampled, num_tries, unique):
    """TF's expected count of a class among the samples (a probability-weighted count)."""
    if not unique or num_tries == num_sampled:
        return p * num_sampled
    return -np.expm1(num_tries * np.log1p(-p))


def _candidate_kernel(draw, probs):
    def kernel(true_classes, num_true=1, num_sampled=1, unique=True, range_max=1, seed=0,
               seed2=0, _stream=None):
        if unique and num_sampled > range_max:
            raise OpCheckError("Sampler's range is too small.")
        gen = _stream_of(seed, seed2, _stream)
        if unique:
            picked, seen, tries = [], set(), 0
            while len(picked) < num_sampled:
                batch = draw(gen, max(num_sampled - len(picked), 1) * 2, range_max)
                for v in batch.tolist():
                    tries += 1
                    if v not in seen:
                        seen.add(v)
                        picked.append(v)
                        if len(picked) == num_sampled:
                            break
            sampled = np.array(picked, dtype=np.int64)
        else:
            sampled = draw(gen, num_sampled, range_max)
            tries = num_sampled
        true_count = _expected_count(probs(true_classes, range_max), num_sampled, tries, unique)
        samp_count = _expected_count(probs(sampled, range_max), num_sampled, tries, unique)
        return sampled, true_count.astype(np.float32), samp_count.astype(np.float32)

    return kernel


def _candidate_infer(op):
    s = op.shape(0)
    if s.rank is not None and s.rank != 2:
        op.fail(f"true_classes must be a matrix, got shape {shape_text(s.as_list())}")
    num_true = op.attrs["num_true"]
    if s.rank == 2 and s.as_list()[1] not in (None, num_true):
        op.fail(f"true_classes must have num_true columns, expected: {s.as_list()[1]} was: "
                f"{num_true}")
    n = op.attrs["num_sampled"]
    batch = s.as_list()[0] if s.rank == 2 else None
    return [(TensorShape([n]), dtypes.int64), (TensorShape([batch, num_true]), dtypes.float32),
            (TensorShape([n]), dtypes.float32)]


def _candidate_sampler(type, draw, probs):
    return register_op(
        type, group="random", inputs=("true_classes: int64",),
        outputs=("sampled_candidates: int64", "true_expected_count: float",
                 "sampled_expected_count: float"),
        attrs=dict(_SEED_ATTRS, num_true=1, num_sampled=1, unique=True, range_max=1),
        infer=_candidate_infer, kernel=_candidate_kernel(draw, probs), stateful=True,
        doc="Sample classes for sampled losses, with each class's expected count.")


LOG_UNIFORM_SAMPLER = _candidate_sampler("LogUniformCandidateSampler", _draw_log_uniform,
                                         _log_uniform_probs)
UNIFORM_SAMPLER = _candidate_sampler("UniformCandidateSampler", _draw_uniform, _uniform_probs)
_SAMPLER_RESULT = {
    op.type: collections.namedtuple(op.type, ["sampled_candidates", "true_expected_count",
                                              "sampled_expected_count"])
    for op in (LOG_UNIFORM_SAMPLER, UNIFORM_SAMPLER)}


def _sample_candidates(opdef, true_classes, num_true, num_sampled, unique, range_max, seed,
                       name):
    tc = _as(true_classes, dtypes.int64)
    attrs = dict(_seed_attrs(seed), num_true=int(num_true), num_sampled=int(num_sampled),
                 unique=bool(unique), range_max=int(range_max))
    out = execute(opdef, [tc], attrs, name=name, default_name=opdef.type)
    return _SAMPLER_RESULT[opdef.type](*out)


@export("random.log_uniform_candidate_sampler", "nn.log_uniform_candidate_sampler",
        "compat.v1.random.log_uniform_candidate_sampler")
def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """Sample `num_sampled` classes with P(c) ~ log((c+2)/(c+1)) (Zipf-like: small ids are
    frequent words), plus the expected counts sampled losses correct for."""
    return _sample_candidates(LOG_UNIFORM_SAMPLER, true_classes, num_true, num_sampled, unique,
                              range_max, seed, name)


@export("random.uniform_candidate_sampler", "nn.uniform_candidate_sampler",
        "compat.v1.random.uniform_candidate_sampler")
def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                              seed=None, name=None):
    """Sample `num_sampled` classes uniformly from [0, range_max)."""
    return _sample_candidates(UNIFORM_SAMPLER, true_classes, num_true, num_sampled, unique,
                              range_max, seed, name)


@export("random.split", "random.experimental.stateless_split")
def split(seed, num=2, alg="auto_select") -> Tensor:
    """`num` new seeds (int[num, 2]) derived from `seed`, for independent stateless streams."""
    s = _seed_tensor(seed)
    return stateless_uniform([int(num), 2], seed=s, minval=None, maxval=None, dtype=s.dtype)


@export("random.fold_in", "random.experimental.stateless_fold_in")
def fold_in(seed, data, alg="auto_select") -> Tensor:
    """A new seed from `seed` and an integer `data` (e.g. a step number)."""
    s = _seed_tensor(seed)
    d = _as(data, s.dtype)
    first = stateless_uniform([], seed=s, minval=None, maxval=None, dtype=s.dtype)
    return array_ops.stack([first, d])


# ------------------------------------------------------------------------------------------
# tf.random.Generator
# ------------------------------------------------------------------------------------------

class Algorithm(enum.Enum):
    """Random-number algorithms (`tf.random.Algorithm`). tfedu computes every one with
    numpy's Philox; the algorithm only sets the state's size (Philox 3 words, ThreeFry 2)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _alg_int(alg) -> int:
    if alg is None:
        return Algorithm.PHILOX.value
    if isinstance(alg, str):
        table = {"philox": 1, "threefry": 2, "auto_select": 3}
        if alg.lower() not in table:
            raise ValueError(f"Argument `alg` got unsupported value {alg}. Supported values "
                             f"are {list(table)}.")
        return table[alg.lower()]
    return int(getattr(alg, "value", alg))


def _state_size(alg) -> int:
    return 2 if _alg_int(alg) == Algorithm.THREEFRY.value else 3


def _make_state(seed, alg) -> np.ndarray:
    """A seed (an int, chopped into 64-bit words low first, or a 1-D array) as a state."""
    size = _state_size(alg)
    if isinstance(seed, (int, np.integer)):
        s, words = int(seed), []
        for _ in range(size):
            words.append(s & _MASK64)
            s >>= 64
        return np.array(words, dtype=np.uint64).view(np.int64)
    arr = np.reshape(np.asarray(getattr(seed, "numpy", lambda: seed)()), -1)
    arr = np.array([int(v) & _MASK64 for v in arr], dtype=np.uint64).view(np.int64)
    if arr.size > size:
        raise ValueError(f"Seed is too long: {arr.size} words for a state of {size}")
    return np.concatenate([arr, np.zeros(size - arr.size, np.int64)])


def _key_counter_state(key, counter, alg) -> np.ndarray:
    counter = np.reshape(np.asarray(counter, np.int64), -1)
    key = np.reshape(np.asarray(key, np.int64), -1)
    return np.concatenate([counter[:_state_size(alg) - 1], key[:1]])


def create_rng_state(seed, alg) -> Tensor:
    """The state a Generator gets from `seed`: `create_rng_state(1234, "philox")` is
    `[1234, 0, 0]`."""
    return convert_to_tensor(_make_state(seed, alg))


# Counter steps a draw of n values advances the state by: far more Philox blocks than
# numpy's samplers consume, so successive draws never overlap.
def _counter_step(n: int) -> int:
    return 4 * int(n) + 16


class Generator:
    """A random-number generator whose state lives in a `tf.Variable` (int64[3]:
    counter low, counter high, key). Draws are pure functions of the state, which each draw
    advances, so resetting the state replays the numbers."""

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            state = copy_from.state.numpy()
            alg = copy_from.algorithm
        if state is None:
            raise ValueError("Generator needs `copy_from` or `state`; use from_seed or "
                             "from_non_deterministic_state")
        state = np.asarray(getattr(state, "numpy", lambda: state)(), dtype=np.int64).reshape(-1)
        self._alg = _alg_int(alg)
        if state.shape != (_state_size(self._alg),):
            raise ValueError(f"The state must have shape [{_state_size(self._alg)}] for "
                             f"algorithm {self._alg}, got {list(state.shape)}")
        self._state_var = Variable(state, dtype=dtypes.int64, trainable=False)

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None) -> Generator:
        return cls(state=_make_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        words = np.frombuffer(os.urandom(8 * _state_size(alg)), dtype=np.int64).copy()
        return cls(state=words, alg=alg)

    @classmethod
    def from_state(cls, state, alg) -> Generator:
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg) -> Generator:
        return cls(state=_key_counter_state(key, counter, alg), alg=alg)

    # --- state --------------------------------------------------------------------------
    @property
    def state(self):
        """The state variable (int64: the counter words, then the key)."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self):
        return self._state_var.value()[-1]

    def reset(self, state) -> None:
        self._state_var.assign(np.asarray(getattr(state, "numpy", lambda: state)(), np.int64))

    def reset_from_seed(self, seed) -> None:
        self._state_var.assign(_make_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter) -> None:
        self._state_var.assign(_key_counter_state(key, counter, self._alg))

    def skip(self, delta) -> None:
        self._advance(int(delta))

    def _advance(self, steps: int) -> None:
        delta = np.zeros(_state_size(self._alg), np.int64)
        delta[0] = steps
        self._state_var.assign_add(delta)

    def _key_counter(self):
        """The current (key, counter) as uint64 tensors, read from the state variable."""
        st = self._state_var.value()

        parts = array_ops.unstack(math_ops.cast(st, dtypes.uint64), num=_state_size(self._alg))
        counter = parts[:-1] + [array_ops.zeros_like(parts[0])] * (3 - len(parts))
        return array_ops.stack([parts[-1]]), array_ops.stack(counter)

    def _draw(self, opdef, shape, dtype, extra=()):
        shp = _shape_tensor(shape)
        key, counter = self._key_counter()
        out = execute(opdef, [shp, key, counter, _alg()] + list(extra),
                      {"dtype": dtype} if not extra else {}, default_name=opdef.type)
        n = out.shape.num_elements()
        self._advance(_counter_step(n if n is not None else 1 << 20))
        return out

    # --- sampling -----------------------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None) -> Tensor:
        dtype = _float_dtype(dtype, "Generator.normal")
        with _scope(name, "stateful_normal") as sc:
            rnd = self._draw(STATELESS_NORMAL, shape, dtype)
            return math_ops.add(math_ops.multiply(rnd, _as(stddev, dtype)), _as(mean, dtype),
                                name=_final(sc))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                         name=None) -> Tensor:
        dtype = _float_dtype(dtype, "Generator.truncated_normal")
        with _scope(name, "truncated_normal") as sc:
            rnd = self._draw(STATELESS_TRUNCATED, shape, dtype)
            return math_ops.add(math_ops.multiply(rnd, _as(stddev, dtype)), _as(mean, dtype),
                                name=_final(sc))

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None) -> Tensor:
        dtype = dtypes.as_dtype(dtype)
        if dtype.is_integer and (minval is None) != (maxval is None):
            raise ValueError(f"For integer `dtype` argument {dtype}, argument `minval` and "
                             f"`maxval` must be both None or not None. Got `minval`={minval} "
                             f"and `maxval`={maxval}.")
        with _scope(name, "stateful_uniform") as sc:
            if dtype.is_integer:
                if minval is None:
                    return self.uniform_full_int(shape, dtype=dtype)
                lo, hi = _as(minval, dtype), _as(maxval, dtype)
                return self._draw(STATELESS_UNIFORM_INT, shape, dtype, extra=(lo, hi))
            dtype = _float_dtype(dtype, "Generator.uniform")
            maxval = 1 if maxval is None else maxval
            lo, hi = _as(minval, dtype), _as(maxval, dtype)
            rnd = self._draw(STATELESS_UNIFORM, shape, dtype)
            return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo,
                                name=_final(sc))

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None) -> Tensor:
        return self._draw(STATELESS_UNIFORM_FULL_INT, shape, dtypes.as_dtype(dtype))

    def make_seeds(self, count=1) -> Tensor:
        """int64[2, count] seeds for stateless ops."""
        return self.uniform_full_int([2, int(count)], dtype=dtypes.int64)

    def split(self, count=1) -> list:
        """`count` new independent generators; this one advances."""
        keys = self.make_seeds(count).numpy()[0]
        zeros = [0] * (_state_size(self._alg) - 1)
        return [Generator(state=np.array(zeros + [k], np.int64), alg=self._alg) for k in keys]

    def __repr__(self):
        return f"<tf.random.Generator state={self._state_var.numpy().tolist()} alg={self._alg}>"


export("random.Generator", "random.experimental.Generator")(Generator)
export("random.Algorithm")(Algorithm)
export("random.create_rng_state", "random.experimental.create_rng_state")(create_rng_state)

_global_generator: Generator | None = None


@export("random.get_global_generator", "random.experimental.get_global_generator")
def get_global_generator() -> Generator:
    """The process-wide Generator (nondeterministic until set_global_generator)."""
    global _global_generator
    if _global_generator is None:
        _global_generator = Generator.from_non_deterministic_state()
    return _global_generator


@export("random.set_global_generator", "random.experimental.set_global_generator")
def set_global_generator(generator: Generator) -> None:
    """Replace the global `tf.random.Generator` with `generator`."""
    global _global_generator
    _global_generator = generator


@export("random_normal_initializer")
class random_normal_initializer:
    """Initializer drawing from a normal distribution."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        return normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)
