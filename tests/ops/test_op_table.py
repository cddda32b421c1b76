"""One table of ops, run every way: eager, a v1 `Session`, and `tf.function`.

Each row names an op, the public function that runs it, and a numpy reference written
independently of tfedu's kernel. Every row runs on random inputs and on edge inputs (empty
tensors, broadcasting operands, non-contiguous arrays) in the three modes and must match the
reference; rows marked differentiable also have their gradient checked against central finite
differences of the reference, in the three modes. A new op is covered by adding one row.

`test_every_op_with_a_numpy_reference_is_covered` lists what the table leaves out and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

import tfedu as tf
from tfedu.framework.registry import GROUPS, OPS

tf1 = tf.compat.v1
RNG = np.random.default_rng(20261207)


class NC(np.ndarray):
    """A non-contiguous input (Fortran order): kernels must not assume C-contiguous arrays."""


def nc(a):
    return np.asfortranarray(a).view(NC)


def F(*shape, lo=-2.0, hi=2.0, dtype=np.float32):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def I(*shape, lo=0, hi=5, dtype=np.int32):  # noqa: E743
    return RNG.integers(lo, hi, shape).astype(dtype)


def B(*shape):
    return RNG.random(shape) < 0.5


@dataclass
class Row:
    """One op: `fn(*tensors)` runs it, `ref(*arrays)` is what it must compute."""

    op: str | tuple
    fn: object
    ref: object
    cases: list
    grad: tuple = ()  # indices of inputs whose gradient is checked (float64, first case)
    rtol: float = 2e-5
    atol: float = 1e-6
    modes: tuple = ("eager", "session", "function")
    ops: tuple = field(init=False)

    def __post_init__(self):
        self.ops = self.op if isinstance(self.op, tuple) else (self.op,)


# Input sets. Elementwise ops: same shapes, broadcasting, empty, non-contiguous.
def unary(lo=-2.0, hi=2.0, dtype=np.float32):
    return [[F(3, 4, lo=lo, hi=hi, dtype=dtype)], [F(0, 3, lo=lo, hi=hi, dtype=dtype)],
            [nc(F(4, 3, lo=lo, hi=hi, dtype=dtype))], [F(lo=lo, hi=hi, dtype=dtype)]]


def binary(lo=-2.0, hi=2.0, lo2=None, hi2=None, dtype=np.float32):
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def y(*s):
        return F(*s, lo=lo2, hi=hi2, dtype=dtype)

    def x(*s):
        return F(*s, lo=lo, hi=hi, dtype=dtype)

    return [[x(3, 4), y(3, 4)], [x(2, 1, 3), y(4, 1)], [x(0, 4), y(4)], [nc(x(4, 3)), y(4, 3)]]


def ints_binary(lo=1, hi=7):
    return [[I(3, 4, lo=-6, hi=7), I(3, 4, lo=lo, hi=hi)], [I(2, 3, lo=-6, hi=7), I(3, lo=lo, hi=hi)],
            [I(0, 3), I(3, lo=lo, hi=hi)]]


def bools(n):
    return [[B(3, 4) for _ in range(n)], [B(0, 2) for _ in range(n)], [nc(B(4, 3)) for _ in range(n)]]


def mats(*shapes, lo=-1.0, hi=1.0):
    return [[F(*s, lo=lo, hi=hi) for s in shapes]]


def spd(n=3, batch=()):
    a = F(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=np.float32)


def _softplus(x):
    return np.logaddexp(0, x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _lgamma(x):
    return np.vectorize(math.lgamma, otypes=[np.float64])(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _conv2d(x, w, stride=1):
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, o), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def _depthwise(x, w):
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    out = np.zeros((n, h - kh + 1, wd - kw + 1, c * m), np.float64)
    for i in range(h - kh + 1):
        for j in range(wd - kw + 1):
            patch = x[:, i:i + kh, j:j + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, w).reshape(n, -1)
    return out


def _pool(x, k, s, fn):
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = fn(x[:, i * s:i * s + k, j * s:j * s + k, :], axis=(1, 2))
    return out


def _segment(fn, data, ids, n):
    out = []
    for k in range(n):
        sel = data[ids == k]
        out.append(fn(sel, axis=0) if len(sel) else np.zeros(data.shape[1:], data.dtype))
    return np.stack(out)


def _digamma(x):
    """psi(x) for x > 0: psi(x) = psi(x + 10) - sum 1/(x + k), then the asymptotic series."""
    x = np.asarray(x, np.float64)
    acc = sum(1.0 / (x + k) for k in range(10))
    z = x + 10
    return np.log(z) - 1 / (2 * z) - 1 / (12 * z**2) + 1 / (120 * z**4) - 1 / (252 * z**6) - acc


def _erfinv(y):
    """Inverse of math.erf by bisection (float64)."""
    y = np.asarray(y, np.float64)
    lo, hi = np.full(y.shape, -6.0), np.full(y.shape, 6.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _erf(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def _bessel_i0(x):
    return np.i0(x)


UNARY = [
    ("Neg", tf.negative, np.negative, {}, True), ("Abs", tf.abs, np.abs, {}, True),
    ("Sign", tf.sign, np.sign, {}, False), ("Square", tf.square, np.square, {}, True),
    ("Sqrt", tf.sqrt, np.sqrt, {"lo": 0.5}, True), ("Exp", tf.exp, np.exp, {}, True),
    ("Log", tf.math.log, np.log, {"lo": 0.5}, True),
    ("Reciprocal", tf.math.reciprocal, np.reciprocal, {"lo": 0.5}, True),
    ("Tanh", tf.tanh, np.tanh, {}, True), ("Sigmoid", tf.sigmoid, _sigmoid, {}, True),
    ("Floor", tf.floor, np.floor, {}, False), ("Ceil", tf.math.ceil, np.ceil, {}, False),
    ("Rint", tf.math.rint, np.rint, {}, False), ("Round", tf.round, np.round, {}, False),
    ("Expm1", tf.math.expm1, np.expm1, {}, True), ("Log1p", tf.math.log1p, np.log1p,
                                                       {"lo": -0.5}, True),
    ("Rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), {"lo": 0.5}, True),
    ("Sin", tf.sin, np.sin, {}, True), ("Cos", tf.cos, np.cos, {}, True),
    ("Tan", tf.tan, np.tan, {"lo": -1.0, "hi": 1.0}, True),
    ("Asin", tf.asin, np.arcsin, {"lo": -0.8, "hi": 0.8}, True),
    ("Acos", tf.acos, np.arccos, {"lo": -0.8, "hi": 0.8}, True),
    ("Atan", tf.atan, np.arctan, {}, True), ("Sinh", tf.sinh, np.sinh, {}, True),
    ("Cosh", tf.cosh, np.cosh, {}, True), ("Asinh", tf.math.asinh, np.arcsinh, {}, True),
    ("Acosh", tf.math.acosh, np.arccosh, {"lo": 1.2, "hi": 3.0}, True),
    ("Atanh", tf.math.atanh, np.arctanh, {"lo": -0.8, "hi": 0.8}, True),
    ("Erf", tf.math.erf, _erf, {}, True), ("Erfc", tf.math.erfc, lambda x: 1 - _erf(x), {}, True),
    ("Lgamma", tf.math.lgamma, _lgamma, {"lo": 0.5, "hi": 4.0}, True),
    ("Digamma", tf.math.digamma, lambda x: _digamma(x), {"lo": 0.5, "hi": 4.0}, True),
    ("Erfinv", tf.math.erfinv, lambda x: _erfinv(x), {"lo": -0.9, "hi": 0.9}, True),
    ("Ndtri", tf.math.ndtri, lambda p: math.sqrt(2) * _erfinv(2 * p - 1), {"lo": 0.05, "hi": 0.95},
     True),
    ("BesselI0", tf.math.bessel_i0, _bessel_i0, {}, False),
    ("BesselI0e", tf.math.bessel_i0e, lambda x: np.exp(-np.abs(x)) * np.i0(x), {}, False),
    ("Relu", tf.nn.relu, lambda x: np.maximum(x, 0), {}, True),
    ("Relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), {"lo": -3.0, "hi": 8.0}, True),
    ("Elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), {}, True),
    ("Selu", tf.nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(x)), {}, True),
    ("LeakyRelu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), {}, True),
    ("Softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x)), {}, True),
    ("Softplus", tf.nn.softplus, _softplus, {}, True),
    ("IsNan", tf.math.is_nan, np.isnan, {}, False), ("IsInf", tf.math.is_inf, np.isinf, {}, False),
    ("IsFinite", tf.math.is_finite, np.isfinite, {}, False),
    ("Identity", tf.identity, lambda x: x, {}, True),
    ("StopGradient", tf.stop_gradient, lambda x: x, {}, False),
    ("ZerosLike", tf.zeros_like, np.zeros_like, {}, False),
    ("OnesLike", tf.ones_like, np.ones_like, {}, False),
]

BINARY = [
    ("AddV2", tf.add, np.add, {}, True), ("Sub", tf.subtract, np.subtract, {}, True),
    ("Mul", tf.multiply, np.multiply, {}, True),
    ("RealDiv", tf.divide, np.divide, {"lo2": 0.5, "hi2": 2.0}, True),
    ("Maximum", tf.maximum, np.maximum, {}, True), ("Minimum", tf.minimum, np.minimum, {}, True),
    ("SquaredDifference", tf.math.squared_difference, lambda x, y: (x - y) ** 2, {}, True),
    ("Pow", tf.pow, np.power, {"lo": 0.5, "hi": 2.0}, True),
    ("Atan2", tf.math.atan2, np.arctan2, {}, True),
    ("Xlogy", tf.math.xlogy, lambda x, y: x * np.log(y), {"lo2": 0.5, "hi2": 2.0}, True),
    ("Xdivy", tf.math.xdivy, lambda x, y: x / y, {"lo2": 0.5, "hi2": 2.0}, True),
    ("MulNoNan", tf.math.multiply_no_nan, np.multiply, {}, True),
    ("DivNoNan", tf.math.divide_no_nan, np.divide, {"lo2": 0.5, "hi2": 2.0}, True),
    ("FloorMod", tf.math.floormod, np.mod, {"lo2": 0.5, "hi2": 2.0}, False),
    ("FloorDiv", tf.math.floordiv, np.floor_divide, {"lo2": 0.5, "hi2": 2.0}, False),
    ("NextAfter", tf.math.nextafter, np.nextafter, {}, False),
    ("Equal", tf.equal, np.equal, {}, False), ("NotEqual", tf.not_equal, np.not_equal, {}, False),
    ("Less", tf.less, np.less, {}, False), ("LessEqual", tf.less_equal, np.less_equal, {}, False),
    ("Greater", tf.greater, np.greater, {}, False),
    ("GreaterEqual", tf.greater_equal, np.greater_equal, {}, False),
]


def _elementwise_rows():
    rows = [Row(op, fn, ref, unary(**kw), (0,) if g else ()) for op, fn, ref, kw, g in UNARY]
    rows += [Row(op, fn, ref, binary(**kw), (0, 1) if g else ()) for op, fn, ref, kw, g in BINARY]
    rows += [
        Row("TruncateDiv", tf.truncatediv, lambda x, y: np.trunc(x / y).astype(x.dtype),
            ints_binary()),
        Row("TruncateMod", tf.truncatemod, np.fmod, ints_binary()),
        Row("FloorDiv", lambda x, y: x // y, np.floor_divide, ints_binary()),
        Row("LogicalAnd", tf.logical_and, np.logical_and, bools(2)),
        Row("LogicalOr", tf.logical_or, np.logical_or, bools(2)),
        Row("LogicalNot", tf.logical_not, np.logical_not, bools(1)),
        Row("Cast", lambda x: tf.cast(x, tf.int32), lambda x: x.astype(np.int32), unary()),
        Row("Polygamma", tf.math.polygamma,
            lambda a, x: np.vectorize(_polygamma, otypes=[np.float64])(a, x),
            [[np.full((3,), 1.0, np.float32), F(3, lo=0.5, hi=3.0)]], rtol=1e-4),
        Row("Complex", tf.complex, lambda r, i: r + 1j * i, binary()[:3]),
        Row(("Real", "Imag", "Angle", "ComplexAbs", "Conj"),
            lambda z: [tf.math.real(z), tf.math.imag(z), tf.math.angle(z), tf.abs(z),
                       tf.math.conj(z)],
            lambda z: [z.real, z.imag, np.angle(z), np.abs(z), np.conj(z)],
            [[(F(3, 4) + 1j * F(3, 4)).astype(np.complex64)]]),
    ]
    return rows


def _polygamma(a, x):
    # psi^(1)(x) = sum_k 1 / (x + k)^2 (a = 1 only), enough for the row
    return sum(1.0 / (x + k) ** 2 for k in range(20000)) + 1.0 / (x + 20000)


def _reduce_rows():
    x = F(3, 4, 5)
    cases = [[x], [F(0, 4, 5)], [nc(F(5, 4))]]
    rows = []
    for op, fn, ref, g in [("Sum", tf.reduce_sum, np.sum, True), ("Mean", tf.reduce_mean,
                                                                     np.mean, True),
                           ("Max", tf.reduce_max, np.max, True), ("Min", tf.reduce_min,
                                                                   np.min, True),
                           ("Prod", tf.reduce_prod, np.prod, True)]:
        rows.append(Row(op, lambda t, fn=fn: fn(t, axis=1), lambda a, ref=ref: ref(a, axis=1),
                        cases if op not in ("Max", "Min") else [[x], [nc(F(5, 4))]],
                        (0,) if g else ()))
    rows += [
        Row("All", lambda t: tf.reduce_all(t, axis=0), lambda a: np.all(a, axis=0), bools(1)),
        Row("Any", lambda t: tf.reduce_any(t, axis=-1), lambda a: np.any(a, axis=-1), bools(1)),
        Row("EuclideanNorm", lambda t: tf.math.reduce_euclidean_norm(t, axis=1),
            lambda a: np.sqrt((a * a).sum(axis=1)), [[x], [nc(F(5, 4))]], (0,)),
        Row("ArgMax", lambda t: tf.argmax(t, axis=1), lambda a: np.argmax(a, axis=1),
            [[x], [nc(F(5, 4))]]),
        Row("ArgMin", lambda t: tf.argmin(t, axis=0), lambda a: np.argmin(a, axis=0),
            [[x], [nc(F(5, 4))]]),
        Row("Cumsum", lambda t: tf.math.cumsum(t, axis=1), lambda a: np.cumsum(a, axis=1),
            cases, (0,)),
        Row("Cumprod", lambda t: tf.math.cumprod(t, axis=0), lambda a: np.cumprod(a, axis=0),
            cases, (0,)),
        Row("AddN", lambda a, b, c: tf.add_n([a, b, c]), lambda a, b, c: a + b + c,
            [[F(2, 3), F(2, 3), F(2, 3)], [F(0, 2), F(0, 2), F(0, 2)]], (0, 1, 2)),
        Row("MatMul", tf.matmul, np.matmul, [[F(3, 4), F(4, 2)], [F(0, 4), F(4, 2)],
                                             [nc(F(4, 3)), F(3, 2)]], (0, 1), rtol=1e-4),
        Row("BatchMatMulV2", tf.matmul, np.matmul, [[F(2, 3, 4), F(4, 2)], [F(2, 0, 4), F(2, 4, 3)]],
            (0, 1), rtol=1e-4),
    ]
    return rows


def _array_rows():
    x = F(2, 3, 4)
    return [
        Row("Reshape", lambda t: tf.reshape(t, [4, -1]), lambda a: a.reshape(4, -1),
            [[x], [nc(F(4, 6))]], (0,)),
        Row("Transpose", lambda t: tf.transpose(t, [2, 0, 1]), lambda a: a.transpose(2, 0, 1),
            [[x], [F(0, 2, 3)]], (0,)),
        Row("ConcatV2", lambda a, b: tf.concat([a, b], 1), lambda a, b: np.concatenate([a, b], 1),
            [[F(2, 3), F(2, 1)], [F(2, 0), F(2, 2)], [nc(F(2, 2)), F(2, 2)]], (0, 1)),
        Row("Pack", lambda a, b: tf.stack([a, b], 1), lambda a, b: np.stack([a, b], 1),
            [[F(2, 3), F(2, 3)], [F(0, 3), F(0, 3)]], (0, 1)),
        Row("Unpack", lambda t: tf.unstack(t, axis=1), lambda a: list(np.moveaxis(a, 1, 0)),
            [[x]], (0,)),
        Row("Split", lambda t: tf.split(t, 2, axis=2), lambda a: np.split(a, 2, axis=2),
            [[x]], (0,)),
        Row("SplitV", lambda t: tf.split(t, [1, 3], axis=2), lambda a: np.split(a, [1], axis=2),
            [[x]], (0,)),
        Row("Tile", lambda t: tf.tile(t, [2, 1, 3]), lambda a: np.tile(a, (2, 1, 3)), [[x]], (0,)),
        Row("Pad", lambda t: tf.pad(t, [[1, 0], [0, 2]]), lambda a: np.pad(a, [(1, 0), (0, 2)]),
            [[F(2, 3)], [F(0, 3)], [nc(F(3, 2))]], (0,)),
        Row("PadV2", lambda t: tf.pad(t, [[1, 1], [0, 1]], constant_values=3.0),
            lambda a: np.pad(a, [(1, 1), (0, 1)], constant_values=3.0), [[F(2, 3)]], (0,)),
        Row(("MirrorPad", "MirrorPadGrad"), lambda t: tf.pad(t, [[1, 1], [2, 0]], mode="REFLECT"),
            lambda a: np.pad(a, [(1, 1), (2, 0)], mode="reflect"), [[F(3, 4)]], (0,)),
        Row("Squeeze", lambda t: tf.squeeze(t, [1]), lambda a: a.squeeze(1), [[F(2, 1, 3)]], (0,)),
        Row("ExpandDims", lambda t: tf.expand_dims(t, 1), lambda a: a[:, None],
            [[F(2, 3)], [F(0, 3)]], (0,)),
        Row("BroadcastTo", lambda t: tf.broadcast_to(t, [3, 2, 4]),
            lambda a: np.broadcast_to(a, (3, 2, 4)), [[F(2, 1)], [F(4)]], (0,)),
        Row("ReverseV2", lambda t: tf.reverse(t, [0, 2]), lambda a: a[::-1, :, ::-1], [[x]], (0,)),
        Row("Roll", lambda t: tf.roll(t, 2, axis=1), lambda a: np.roll(a, 2, axis=1), [[x]], (0,)),
        Row("SelectV2", tf.where, np.where, [[B(3, 4), F(3, 4), F(3, 4)], [B(4), F(3, 4), F(1)]],
            (1, 2)),
        Row("Where", lambda c: tf.where(c), lambda c: np.argwhere(c).astype(np.int64),
            bools(1), modes=("eager", "session", "function")),
        Row("OneHot", lambda i: tf.one_hot(i, 4), lambda i: np.eye(4, dtype=np.float32)[i],
            [[I(5, hi=4)], [I(0, hi=4)]]),
        Row("Unique", lambda t: tf.unique(t)[0], lambda a: _unique(a), [[I(8, hi=4)]]),
        Row("UniqueWithCounts", lambda t: list(tf.unique_with_counts(t)), lambda a: _unique_c(a),
            [[I(8, hi=4)]]),
        Row("Range", lambda: tf.range(2, 11, 3), lambda: np.arange(2, 11, 3, dtype=np.int32), [[]]),
        Row("LinSpace", lambda: tf.linspace(0.0, 1.0, 5), lambda: np.linspace(0, 1, 5,
                                                                           dtype=np.float32),
            [[]]),
        Row("Fill", lambda: tf.fill([2, 3], 7.0), lambda: np.full((2, 3), 7.0, np.float32), [[]]),
        Row(("Shape", "Size", "Rank"), lambda t: [tf.shape(t), tf.size(t), tf.rank(t)],
            lambda a: [np.array(a.shape, np.int32), np.int32(a.size), np.int32(a.ndim)],
            [[x], [F(0, 3)]]),
        Row("InvertPermutation", tf.math.invert_permutation, np.argsort,
            [[RNG.permutation(6).astype(np.int32)]]),
        Row("GatherV2", lambda p, i: tf.gather(p, i, axis=1), lambda p, i: np.take(p, i, axis=1),
            [[F(3, 5), I(4, hi=5)], [F(3, 5), I(0, hi=5)], [nc(F(5, 3)), I(2, hi=3)]], (0,)),
        Row("GatherNd", tf.gather_nd, lambda p, i: p[tuple(np.moveaxis(i, -1, 0))],
            [[F(3, 4), I(5, 2, hi=3)]], (0,)),
        Row("StridedSlice", lambda t: t[1:, ::-2, None, 1], lambda a: a[1:, ::-2, None, 1],
            [[x], [nc(F(4, 3, 5))]], (0,)),
        Row("Slice", lambda t: tf.slice(t, [0, 1, 1], [2, -1, 2]), lambda a: a[0:2, 1:, 1:3],
            [[x]], (0,)),
        Row("ScatterNd", lambda i, u: tf.scatter_nd(i, u, [5, 3]), lambda i, u: _scatter(i, u),
            [[np.array([[0], [3], [0]], np.int32), F(3, 3)]], (1,)),
        Row("TensorScatterAdd", lambda t, u: tf.tensor_scatter_nd_add(t, [[1], [3]], u),
            lambda t, u: _scatter_add(t, u), [[F(5, 2), F(2, 2)]], (0, 1)),
        Row("TensorScatterUpdate", lambda t, u: tf.tensor_scatter_nd_update(t, [[1], [3]], u),
            lambda t, u: _scatter_set(t, u), [[F(5, 2), F(2, 2)]], (0, 1)),
        Row("DynamicPartition", lambda d, p: tf.dynamic_partition(d, p, 3),
            lambda d, p: [d[p == k] for k in range(3)], [[F(6, 2), I(6, hi=3)]], (0,)),
        Row("DynamicStitch", lambda a, b: tf.dynamic_stitch([[0, 2], [1, 3]], [a, b]),
            lambda a, b: np.stack([a[0], b[0], a[1], b[1]]), [[F(2, 3), F(2, 3)]], (0, 1)),
        Row("UnravelIndex", lambda i: tf.unravel_index(i, [3, 4]),
            lambda i: np.array(np.unravel_index(i, (3, 4)), np.int32), [[I(5, hi=12)]]),
        Row(("ArgSort",), lambda t: tf.argsort(t, axis=-1),
            lambda a: np.argsort(a, axis=-1, kind="stable").astype(np.int32), [[F(3, 5)]]),
        Row("TopKV2", lambda t: list(tf.math.top_k(t, 2)),
            lambda a: [np.sort(a)[:, ::-1][:, :2], np.argsort(-a, kind="stable")[:, :2]],
            [[F(3, 5)]], (0,)),
        Row("InTopKV2", lambda p: tf.math.in_top_k(np.array([1, 0, 3], np.int32), p, 2),
            lambda p: np.array([t in np.argsort(-r)[:2] for t, r in zip([1, 0, 3], p)]),
            [[F(3, 5)]]),
        Row(("LowerBound", "UpperBound"),
            lambda s, v: [tf.searchsorted(s, v), tf.searchsorted(s, v, side="right")],
            lambda s, v: [np.stack([np.searchsorted(r, w) for r, w in zip(s, v)]).astype(np.int32),
                          np.stack([np.searchsorted(r, w, side="right") for r, w in zip(s, v)]
                                   ).astype(np.int32)],
            [[np.sort(F(2, 6), axis=-1), F(2, 3)]]),
        Row("EnsureShape", lambda t: tf.ensure_shape(t, [2, None, 4]), lambda a: a, [[x]], (0,)),
        Row("IdentityN", lambda a, b: tf.identity_n([a, b]), lambda a, b: [a, b],
            [[F(2), I(3)]]),
    ]


def _unique(a):
    _, idx = np.unique(a, return_index=True)
    return a[np.sort(idx)]


def _unique_c(a):
    u = _unique(a)
    pos = {v: k for k, v in enumerate(u.tolist())}
    return [u, np.array([pos[v] for v in a.tolist()], np.int32),
            np.array([np.sum(a == v) for v in u], np.int32)]


def _scatter(i, u):
    out = np.zeros((5, 3), u.dtype)
    np.add.at(out, i[:, 0], u)
    return out


def _scatter_add(t, u):
    out = t.copy()
    out[[1, 3]] += u
    return out


def _scatter_set(t, u):
    out = t.copy()
    out[[1, 3]] = u
    return out


def _batch_norm(x, s, o):
    x64 = x.astype(np.float64).reshape(-1, x.shape[-1])
    mean, var = x64.mean(0), x64.var(0)
    y = (x64 - mean) / np.sqrt(var + 1e-3) * s + o
    return [y.reshape(x.shape), mean, x64.var(0, ddof=1)]


def _nn_rows():
    img, flt = F(2, 5, 5, 3), F(3, 3, 3, 4, lo=-0.5, hi=0.5)
    return [
        Row(("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"),
            lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"), _conv2d, [[img, flt]], (0, 1), rtol=1e-4),
        Row("Conv2D", lambda x, w: tf.nn.conv2d(x, w, 2, "VALID"),
            lambda x, w: _conv2d(x, w, 2), [[F(1, 7, 7, 2), F(3, 3, 2, 2)]], rtol=1e-4),
        Row(("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
             "DepthwiseConv2dNativeBackpropFilter"),
            lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID"), _depthwise,
            [[F(1, 4, 4, 2), F(2, 2, 2, 2)]], (0, 1), rtol=1e-4),
        Row(("MaxPool", "MaxPoolGrad"), lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
            lambda x: _pool(x, 2, 2, np.max), [[img]], (0,)),
        Row(("AvgPool", "AvgPoolGrad"), lambda x: tf.nn.avg_pool2d(x, 2, 1, "VALID"),
            lambda x: _pool(x, 2, 1, np.mean), [[img]], (0,)),
        Row(("BiasAdd", "BiasAddGrad"), tf.nn.bias_add, np.add, [[F(2, 3, 4), F(4)],
                                                                 [F(0, 4), F(4)]], (0, 1)),
        Row("Softmax", tf.nn.softmax, _softmax, [[F(3, 5)], [F(0, 5)], [nc(F(5, 3))]], (0,)),
        Row("LogSoftmax", tf.nn.log_softmax, lambda x: np.log(_softmax(x)), [[F(3, 5)]], (0,)),
        Row("SoftmaxCrossEntropyWithLogits",
            lambda lab, x: tf.nn.softmax_cross_entropy_with_logits(lab, x),
            lambda lab, x: -(lab * np.log(_softmax(x))).sum(-1),
            [[_softmax(F(3, 4)), F(3, 4)]], (1,)),
        Row("SparseSoftmaxCrossEntropyWithLogits",
            lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
                np.array([1, 0, 3], np.int32), x),
            lambda x: -np.log(_softmax(x))[np.arange(3), [1, 0, 3]], [[F(3, 4)]], (0,)),
        Row("FusedBatchNormV3",  # float32 only (TF's kernel): its gradient in test_batch_norm
            lambda x, s, o: tf1.nn.fused_batch_norm(x, s, o, epsilon=1e-3), _batch_norm,
            [[F(2, 3, 3, 4), F(4, lo=0.5), F(4)], [F(3, 32, 32, 8), F(8), F(8)]], rtol=1e-4,
            atol=1e-5),
        Row("L2Loss", tf.nn.l2_loss, lambda x: (x * x).sum() / 2, [[F(3, 4)], [F(0)]], (0,)),
    ]


def _linalg_rows():
    a, s = F(3, 3), spd(3)
    return [
        Row("MatrixInverse", tf.linalg.inv, np.linalg.inv, [[s], [spd(2, (2,))]], (0,), rtol=1e-4),
        Row("MatrixDeterminant", tf.linalg.det, np.linalg.det, [[a]], (0,), rtol=1e-4),
        Row("LogMatrixDeterminant", lambda t: list(tf.linalg.slogdet(t)),
            lambda m: list(np.linalg.slogdet(m)), [[s]], rtol=1e-4),
        Row("MatrixSolve", tf.linalg.solve, np.linalg.solve, [[s, F(3, 2)]], (0, 1), rtol=1e-4),
        Row("Cholesky", tf.linalg.cholesky, np.linalg.cholesky, [[s]], rtol=1e-4),
        Row("MatrixTriangularSolve", tf.linalg.triangular_solve,
            lambda m, r: np.linalg.solve(np.tril(m), r),
            [[s, F(3, 2)], [nc(s), F(2, 3, 1)], [F(0, 0), F(0, 2)]], (0, 1), rtol=1e-4),
        Row("Qr", lambda t: list(tf.linalg.qr(t)), lambda m: list(np.linalg.qr(m)), [[F(4, 3)]],
            rtol=1e-4, atol=1e-5),
        Row("Svd", lambda t: tf.linalg.svd(t, compute_uv=False),
            lambda m: np.linalg.svd(m, compute_uv=False), [[F(4, 3)]], rtol=1e-4),
        Row("SelfAdjointEigV2", lambda t: tf.linalg.eigvalsh(t), np.linalg.eigvalsh, [[s]],
            rtol=1e-4),
        Row("MatrixSolveLs", lambda m, r: tf.linalg.lstsq(m, r),
            lambda m, r: np.linalg.lstsq(m, r, rcond=None)[0], [[F(5, 3), F(5, 2)]],
            rtol=1e-3, atol=1e-4),
        Row(("MatrixDiagV3", "MatrixDiagPartV3"), lambda d: [tf.linalg.diag(d),
                                                             tf.linalg.diag_part(tf.linalg.diag(d))],
            lambda d: [np.stack([np.diag(r) for r in d]), d], [[F(2, 3)]], (0,)),
        Row("MatrixSetDiagV3", tf.linalg.set_diag, lambda m, d: _set_diag(m, d),
            [[F(3, 3), F(3)]], (0, 1)),
        Row("MatrixBandPart", lambda t: tf.linalg.band_part(t, 1, 0),
            lambda m: np.tril(np.triu(m, -1)), [[F(4, 4)]], (0,)),
        Row("Einsum", lambda x, y: tf.einsum("ij,jk->ik", x, y), lambda x, y: x @ y,
            [[F(2, 3), F(3, 4)]], (0, 1), rtol=1e-4),
        Row("Cross", tf.linalg.cross, np.cross, [[F(4, 3), F(4, 3)]], (0, 1), rtol=1e-4),
        Row("MatrixExponential", tf.linalg.expm, _expm, [[F(3, 3, lo=-0.5, hi=0.5)]], rtol=1e-4),
        Row(("Diag", "DiagPart"), lambda d: [tf.linalg.tensor_diag(d),
                                             tf.linalg.tensor_diag_part(tf.linalg.tensor_diag(d))],
            lambda d: [np.diag(d), d], [[F(3)]], (0,)),
    ]


def _set_diag(m, d):
    out = m.copy()
    np.fill_diagonal(out, d)
    return out


def _expm(m):
    out, term = np.eye(len(m)), np.eye(len(m))
    for k in range(1, 30):
        term = term @ m / k
        out = out + term
    return out


def _segment_rows():
    data, ids = F(6, 3), np.array([0, 0, 1, 2, 2, 2], np.int32)
    rows = []
    for op, fn, ref in [("SegmentSum", tf.math.segment_sum, np.sum),
                        ("SegmentMean", tf.math.segment_mean, np.mean),
                        ("SegmentProd", tf.math.segment_prod, np.prod),
                        ("SegmentMax", tf.math.segment_max, np.max),
                        ("SegmentMin", tf.math.segment_min, np.min)]:
        rows.append(Row(op, lambda d, fn=fn: fn(d, ids),
                        lambda d, ref=ref: _segment(ref, d, ids, 3), [[data]], (0,)))
    uids = np.array([2, 0, 2, 1, 0, 2], np.int32)
    for op, fn, ref in [("UnsortedSegmentSum", tf.math.unsorted_segment_sum, np.sum),
                        ("UnsortedSegmentProd", tf.math.unsorted_segment_prod, np.prod),
                        ("UnsortedSegmentMax", tf.math.unsorted_segment_max, np.max),
                        ("UnsortedSegmentMin", tf.math.unsorted_segment_min, np.min)]:
        rows.append(Row(op, lambda d, fn=fn: fn(d, uids, 3),
                        lambda d, ref=ref: _segment(ref, d, uids, 3), [[data]], (0,)))
    rows.append(Row("DenseBincount", lambda a: tf.math.bincount(a, minlength=6),
                    lambda a: np.bincount(a, minlength=6).astype(np.int32), [[I(9, hi=5)]]))
    return rows


def _string_rows():
    s = np.array([b" Ab c", b"xyZ ", b""], dtype=object)
    u = np.array(["héllo wörld".encode(), b"", "日本 x".encode()], dtype=object)
    return [
        Row("StringLength", tf.strings.length, lambda a: np.array([len(x) for x in a], np.int32),
            [[s]]),
        Row("StringUpper", tf.strings.upper, lambda a: np.array([x.upper() for x in a], object),
            [[s]]),
        Row("StringLower", tf.strings.lower, lambda a: np.array([x.lower() for x in a], object),
            [[s]]),
        Row("StringStrip", tf.strings.strip, lambda a: np.array([x.strip() for x in a], object),
            [[s]]),
        Row("StringJoin", lambda a: tf.strings.join([a, a], separator="-"),
            lambda a: np.array([x + b"-" + x for x in a], object), [[s]]),
        Row("RegexReplace", lambda a: tf.strings.regex_replace(a, "[a-z]", "_"),
            lambda a: np.array([bytes(c if not (97 <= c <= 122) else 95 for c in x) for x in a],
                               object), [[s]]),
        Row("StaticRegexFullMatch", lambda a: tf.strings.regex_full_match(a, "[a-z]+"),
            lambda a: np.array([x.isalpha() and x.islower() for x in a], bool), [[s]]),
        Row("ReduceJoin", lambda a: tf.strings.reduce_join(a, separator="+"),
            lambda a: np.array(b"+".join(a), object), [[s]]),
        Row("Substr", lambda a: tf.strings.substr(a, 0, 2),
            lambda a: np.array([x[:2] for x in a], object), [[s]]),
        Row(("StringToNumber", "AsString"),
            lambda a: [tf.strings.to_number(a), tf.strings.as_string(tf.strings.to_number(a))],
            lambda a: [np.array([float(x) for x in a], np.float32),
                       np.array([b"%f" % np.float32(float(x)) for x in a], object)],
            [[np.array([b"1.5", b"-2", b"0.25"], object)]]),
        Row("StringSplitV2", lambda a: [tf.strings.split(a).values, tf.strings.split(a).row_splits],
            lambda a: [np.array([p for x in a for p in x.split()], object),
                       np.cumsum([0] + [len(x.split()) for x in a]).astype(np.int64)], [[s]]),
        Row(("UnicodeDecodeWithOffsets", "UnicodeEncode"),
            lambda a: [tf.strings.unicode_split_with_offsets(a, "UTF-8")[0].values,
                       tf.strings.unicode_split_with_offsets(a, "UTF-8")[1].values],
            lambda a: [np.array([c.encode() for x in a for c in x.decode()], object),
                       np.array([len(x.decode()[:i].encode()) for x in a
                                 for i in range(len(x.decode()))], np.int64)], [[u]]),
        Row("UnicodeDecode", lambda a: tf.strings.unicode_decode(a, "UTF-8").row_splits,
            lambda a: np.cumsum([0] + [len(x.decode()) for x in a]).astype(np.int64), [[u]]),
    ]


def _stateless_rows():
    seed = np.array([3, 7], np.int32)
    return [
        Row(("StatelessRandomGetKeyCounter", "StatelessRandomUniformV2"),
            lambda: tf.random.stateless_uniform([1000], seed),
            None, [[]]),
        Row("StatelessRandomNormalV2", lambda: tf.random.stateless_normal([1000], seed), None, [[]]),
        Row("StatelessTruncatedNormalV2",
            lambda: tf.random.stateless_truncated_normal([1000], seed), None, [[]]),
        Row("StatelessRandomUniformIntV2",
            lambda: tf.random.stateless_uniform([1000], seed, 0, 10, dtype=tf.int32), None, [[]]),
    ]


def _bilinear(img, oh, ow):
    """TF2's bilinear resize (half-pixel centres) of one [h, w, c] image, in float64."""
    h, w = img.shape[:2]

    def taps(n_out, n_in):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        return lo, np.minimum(lo + 1, n_in - 1), src - lo

    y0, y1, fy = taps(oh, h)
    x0, x1, fx = taps(ow, w)
    a = img.astype(np.float64)
    top = a[y0][:, x0] * (1 - fx)[None, :, None] + a[y0][:, x1] * fx[None, :, None]
    bot = a[y1][:, x0] * (1 - fx)[None, :, None] + a[y1][:, x1] * fx[None, :, None]
    return top * (1 - fy)[:, None, None] + bot * fy[:, None, None]


def _hsv(rgb):
    import colorsys

    return np.array([colorsys.rgb_to_hsv(*p) for p in rgb.reshape(-1, 3)]).reshape(rgb.shape)


def _rgb(hsv):
    import colorsys

    return np.array([colorsys.hsv_to_rgb(*p) for p in hsv.reshape(-1, 3)]).reshape(hsv.shape)


def _api_family_rows():
    import base64

    words = np.array([b"ab?", b"", b"tfedu"], object)
    return [
        Row("BitwiseAnd", tf.bitwise.bitwise_and, np.bitwise_and, ints_binary()),
        Row("BitwiseOr", tf.bitwise.bitwise_or, np.bitwise_or, ints_binary()),
        Row("BitwiseXor", tf.bitwise.bitwise_xor, np.bitwise_xor, ints_binary()),
        Row("Invert", tf.bitwise.invert, np.invert, [[I(3, 4, lo=-9, hi=9)]]),
        Row("LeftShift", tf.bitwise.left_shift, np.left_shift, ints_binary(0, 5)),
        Row("RightShift", tf.bitwise.right_shift, np.right_shift, ints_binary(0, 5)),
        Row("Bitcast", lambda x: tf.bitcast(x, tf.int32), lambda a: a.view(np.int32), [[F(3, 2)]]),
        Row(("EncodeBase64", "DecodeBase64"),
            lambda s: [tf.io.encode_base64(s), tf.io.decode_base64(tf.io.encode_base64(s))],
            lambda s: [np.array([base64.urlsafe_b64encode(x).rstrip(b"=") for x in s], object),
                       s], [[words]]),
        Row("DecodeRaw", lambda s: tf.io.decode_raw(s, tf.uint8),
            lambda s: np.stack([np.frombuffer(x, np.uint8) for x in s]),
            [[np.array([b"abc", b"xyz"], object)]]),
        Row(("RGBToHSV", "HSVToRGB"),
            lambda x: [tf.image.rgb_to_hsv(x), tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x))],
            lambda x: [_hsv(x), _rgb(_hsv(x))], [[F(2, 3, 3, lo=0.0, hi=1.0)]], rtol=1e-4,
            atol=1e-5),
        Row("ResizeBilinear", lambda x: tf.image.resize(x, [2, 3]), lambda x: _bilinear(x, 2, 3),
            [[F(4, 4, 2)]], rtol=1e-4),  # no gradient registered yet (TF: ResizeBilinearGrad)
        Row("ResizeNearestNeighbor", lambda x: tf.image.resize(x, [2, 2], method="nearest"),
            lambda x: x[1::2, 1::2], [[F(4, 4, 2)]]),
    ]


ROWS = (_elementwise_rows() + _reduce_rows() + _array_rows() + _nn_rows() + _linalg_rows()
        + _segment_rows() + _string_rows() + _stateless_rows() + _api_family_rows())


# ------------------------------------------------------------------------------------------
# Running a row in the three modes
# ------------------------------------------------------------------------------------------


def _eager_tensor(a):
    t = tf.constant(np.asarray(a))
    if isinstance(a, NC) and a.ndim >= 2 and a.size > 1:  # tensors keep numpy's layout
        assert not t._value.flags.c_contiguous
    return t


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


def run(row, arrays, mode):
    """The row's outputs as numpy arrays, computed in `mode`."""
    if mode == "eager":
        return _flat(row.fn(*[_eager_tensor(a) for a in arrays]))
    if mode == "function":
        return _flat(tf.function(row.fn)(*[_eager_tensor(a) for a in arrays]))
    with tf.Graph().as_default():
        phs = [tf1.placeholder(tf.as_dtype(np.asarray(a).dtype) if np.asarray(a).dtype != object
                               else tf.string, np.shape(a)) for a in arrays]
        out = row.fn(*phs)
        fetches = list(out) if isinstance(out, (list, tuple)) else [out]
        with tf1.Session() as sess:
            return _flat(sess.run(fetches, dict(zip(phs, [np.asarray(a) for a in arrays]))))


def _compare(row, got, arrays):
    want = row.ref(*[np.asarray(a) for a in arrays])
    want = want if isinstance(want, list) else [want]
    assert len(got) == len(want), f"{row.ops[0]}: {len(got)} outputs, reference has {len(want)}"
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape, f"{row.ops[0]}: shape {g.shape} != reference {w.shape}"
        if w.dtype == object or g.dtype.kind in "biuSO":
            np.testing.assert_array_equal(g, w.astype(g.dtype) if g.dtype.kind != "O" else w)
        else:
            np.testing.assert_allclose(g, w, rtol=row.rtol, atol=row.atol, equal_nan=True)


def _row_id(row):
    return "-".join(row.ops) + f"@{ROWS.index(row)}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_op_matches_its_numpy_reference_in_every_mode(row):
    for arrays in row.cases:
        results = {mode: run(row, arrays, mode) for mode in row.modes}
        if row.ref is None:  # stateless random ops: the same numbers in every mode
            first = results[row.modes[0]]
            for mode in row.modes[1:]:
                for a, b in zip(first, results[mode]):
                    np.testing.assert_array_equal(a, b, err_msg=f"{row.ops[0]} in {mode}")
            continue
        for mode, got in results.items():
            try:
                _compare(row, got, arrays)
            except AssertionError as e:
                raise AssertionError(f"{row.ops[0]} in {mode} mode on shapes "
                                     f"{[np.shape(a) for a in arrays]}: {e}") from None


# ------------------------------------------------------------------------------------------
# Gradients: finite differences of the reference, checked in the three modes
# ------------------------------------------------------------------------------------------


def _numeric_gradient(row, xs, w, i, eps=1e-6):
    def f(*vals):
        out = row.ref(*vals)
        out = out if isinstance(out, list) else [out]
        return sum(float(np.sum(np.asarray(o, np.float64) * wk)) for o, wk in zip(out, w)
                   if np.asarray(o).dtype.kind == "f")

    x = xs[i].copy()
    g = np.zeros_like(x)
    for j in range(x.size):
        for sign in (1, -1):
            v = x.copy().reshape(-1)
            v[j] += sign * eps
            args = list(xs)
            args[i] = v.reshape(x.shape)
            g.reshape(-1)[j] += sign * f(*args) / (2 * eps)
    return g


def _weighted_sum(out, w):
    outs = out if isinstance(out, (list, tuple)) else [out]
    return tf.add_n([tf.reduce_sum(o * tf.constant(wk, dtype=o.dtype)) for o, wk in zip(outs, w)
                     if o.dtype.is_floating])


def _tape_gradient(row, ts, w):
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = _weighted_sum(row.fn(*ts), w)
    return tape.gradient(y, [ts[i] for i in row.grad])


def analytic_gradient(row, xs, w, mode):
    if mode == "eager":
        return [np.asarray(g) for g in _tape_gradient(row, [tf.constant(x) for x in xs], w)]
    if mode == "function":
        f = tf.function(lambda *ts: _tape_gradient(row, list(ts), w))
        return [np.asarray(g) for g in f(*[tf.constant(x) for x in xs])]
    with tf.Graph().as_default():
        phs = [tf1.placeholder(tf.as_dtype(x.dtype), x.shape) for x in xs]
        grads = tf.gradients(_weighted_sum(row.fn(*phs), w), [phs[i] for i in row.grad])
        with tf1.Session() as sess:
            return [np.asarray(g) for g in sess.run(grads, dict(zip(phs, xs)))]


GRAD_ROWS = [r for r in ROWS if r.grad]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=_row_id)
def test_gradient_matches_finite_differences_in_every_mode(row):
    arrays = row.cases[0]
    xs = [np.asarray(a).astype(np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
          for a in arrays]
    out = row.ref(*xs)
    outs = out if isinstance(out, list) else [out]
    rng = np.random.default_rng(7)
    w = [rng.uniform(0.5, 1.5, np.shape(o)) for o in outs]
    numeric = [_numeric_gradient(row, xs, w, i) for i in row.grad]
    for mode in row.modes:
        for i, a, n in zip(row.grad, analytic_gradient(row, xs, w, mode), numeric):
            np.testing.assert_allclose(a, n, rtol=1e-4, atol=1e-6, err_msg=(
                f"{row.ops[0]}: gradient of input {i} in {mode} mode"))


# ------------------------------------------------------------------------------------------
# Coverage: every op with a numpy reference is in the table
# ------------------------------------------------------------------------------------------

# Ops whose behaviour is state, side effects or plumbing rather than a function of their inputs:
# tested where that state lives (variables, sessions, iterators, optimizers, control flow).
NO_NUMPY_REFERENCE_GROUPS = {"const", "input", "variable", "control", "io", "training", "debug",
                             "distribute"}
# Stateful random ops draw from a seed stream (tests/ops/test_random_ops.py checks their
# distributions); the others are gradients of ops in the table, run by its gradient checks, or
# helpers of other ops' gradients and shape functions.
NOT_IN_TABLE = {
    "RandomStandardNormal", "RandomUniform", "TruncatedNormal", "RandomUniformInt", "Multinomial",
    "RandomShuffle", "RandomGamma", "RandomPoissonV2", "StatelessRandomUniformFullIntV2",
    "StatelessMultinomial", "StatelessRandomGammaV2", "StatelessRandomPoisson",
    "StatelessRandomBinomial", "LogUniformCandidateSampler", "UniformCandidateSampler",
    "ReluGrad", "Relu6Grad", "LeakyReluGrad", "EluGrad", "SeluGrad", "SoftsignGrad",
    "SoftplusGrad", "FusedBatchNormGradV3", "MaxPoolGradGrad", "StridedSliceGrad", "BroadcastGradientArgs",
    "BroadcastArgs", "ConjugateTranspose", "Eig", "Lu", "TensorScatterSub", "TensorScatterMax",
    "TensorScatterMin",
}


def _tfedu_ops():
    """The registered ops, less those a test module registers for itself."""
    return {k: o for k, o in OPS.items()
            if not getattr(o.kernel, "__module__", "").startswith("tests")}


def test_every_op_with_a_numpy_reference_is_covered():
    in_table = {op for row in ROWS for op in row.ops}
    eligible = {k for k, o in _tfedu_ops().items() if o.group not in NO_NUMPY_REFERENCE_GROUPS}
    missing = sorted(eligible - in_table - NOT_IN_TABLE)
    assert not missing, f"ops with a numpy reference but no row in the op table: {missing}"
    unknown = sorted(in_table - set(OPS))
    assert not unknown, f"rows name ops that are not registered: {unknown}"


def test_every_op_declares_its_viewer_group():
    undeclared = sorted(k for k, o in _tfedu_ops().items() if o.group not in GROUPS)
    assert not undeclared, f"ops without a `group` for the graph viewer: {undeclared}"
