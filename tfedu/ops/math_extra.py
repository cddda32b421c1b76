"""The rest of `tf.math`: special functions, trig, rounding, scans, arg-reductions, top-k,
segment reductions, bincount, clipping and the composite reductions (variance, logsumexp).

Every op is registered once with its shape function, numpy kernel (Numba for large segment,
bincount, scan and special-function inputs) and gradient; composites are written with public
ops the way TensorFlow's Python layer writes them, so their graphs look like TF's.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import FLOAT, INTS, NUMERIC, REAL, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops import math_ops as M
from tfedu.ops.gradient_util import binary_grads
from tfedu.ops.op_helpers import export, register_binary, register_unary

_ERR = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}
_FLOAT_C = FLOAT + dtypes.COMPLEX
_INT_T = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
_ROUND_T = FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
# TF's op definitions list these in their own orders, which its error messages repeat.
_HALF_FIRST = (dtypes.float16, FLOAT[0], dtypes.float32, dtypes.float64)
_XLOGY_T = (dtypes.float16, dtypes.float32, dtypes.float64) + dtypes.COMPLEX

# Sizes (elements) from which the Numba kernels are used. Once loaded they win at every size
# measured (segment sum 13x at 1k elements, scans 3x, erf 10x), so these only keep small,
# notebook-sized work on numpy and spare it the one-off cost of loading Numba.
NB_SEGMENT_MIN = 1024
NB_BINCOUNT_MIN = 2048
NB_SCAN_MIN = 8192
NB_SPECIAL_MIN = 256


def _nb():
    """The Numba kernels, imported on first use (keeps `import tfedu` fast)."""
    from tfedu.kernels import math_kernels

    return math_kernels


def _as_tensor(x, dtype=None, name=None):
    if isinstance(x, Tensor):
        return x
    if getattr(x, "_is_variable", False):
        return x.value()
    return convert_to_tensor(x, dtype=dtype, name=name)


def _floatk(fn):
    """A float kernel run under errstate that keeps the input dtype."""

    def kernel(x):
        with np.errstate(**_ERR):
            r = fn(x)
        return np.asarray(r).astype(x.dtype, copy=False)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _binfloatk(fn):
    def kernel(x, y):
        with np.errstate(**_ERR):
            r = fn(x, y)
        return np.asarray(r).astype(np.result_type(x, y), copy=False)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _one(g, v):
    return M.scalar_like(v, g)


# ------------------------------------------------------------------------------------------
# exp / log family and special functions
# ------------------------------------------------------------------------------------------

def _special_kernel(name):
    def kernel(x):
        if x.size >= NB_SPECIAL_MIN and x.dtype.kind == "f":
            r = _nb().nb_special(name, x)
        else:
            from tfedu.kernels.math_kernels import ref_special

            r = ref_special(name, x)
        return r.astype(x.dtype, copy=False)

    kernel.__name__ = name
    return kernel


def _digamma_np(x):
    """psi(x) by reflection, upward recurrence to x >= 6 and the asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    neg = x <= 0
    pole = neg & (x == np.floor(x))
    xr = np.where(neg, 1.0 - x, x)
    with np.errstate(**_ERR):
        refl = np.where(neg & ~pole, -np.pi / np.tan(np.pi * x), 0.0)
        acc = np.zeros_like(x)
        xr = xr.copy()
        for _ in range(6):
            small = xr < 6
            acc -= np.where(small, 1.0 / np.where(small, xr, 1.0), 0.0)
            xr = np.where(small, xr + 1, xr)
        inv2 = 1.0 / (xr * xr)
        series = (np.log(xr) - 0.5 / xr
                  - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
                      1 / 240 - inv2 * (1 / 132))))))
        out = series + acc + refl
    out[pole] = np.inf  # Eigen (and so TF) returns +inf at the poles
    out[np.isnan(x)] = np.nan
    return out


_BERNOULLI_2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _polygamma_np(n, x):
    """psi^(n)(x) for integer n >= 0 (x > 0 recurrence + asymptotic series; nan elsewhere)."""
    n = np.asarray(n, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n, x = np.broadcast_arrays(n, x)
    out = np.full(x.shape, np.nan)
    zero = n == 0
    out[zero] = _digamma_np(x[zero])
    m = ~zero & (n == np.floor(n)) & (n > 0) & (x > 0)
    if np.any(m):
        nn, xx = n[m], x[m].copy()
        fact = np.array([math.factorial(int(v)) for v in nn])
        sgn = np.where(nn % 2 == 1, 1.0, -1.0)
        acc = np.zeros_like(xx)
        with np.errstate(**_ERR):
            for _ in range(20):
                small = xx < 20
                acc += np.where(small, fact / np.where(small, xx, 1.0) ** (nn + 1), 0.0)
                xx = np.where(small, xx + 1, xx)
            gam_n = np.array([math.gamma(v) for v in nn])  # (n-1)!
            s = gam_n / xx ** nn + fact / (2 * xx ** (nn + 1))
            for k, b in enumerate(_BERNOULLI_2K, start=1):
                coef = np.array([math.gamma(2 * k + v) / math.factorial(2 * k) for v in nn])
                s = s + b * coef / xx ** (2 * k + nn)
        out[m] = sgn * (acc + s)
    return out


def _expm1_grad(op, g):
    return [M.multiply(g, M.exp(op.inputs[0]))]


def _log1p_grad(op, g):
    return [M.divide_op(g, M.add(_one(g, 1), op.inputs[0]))]


def _rsqrt_grad(op, g):
    y = op.outputs[0]
    return [M.multiply(M.multiply(g, _one(g, -0.5)), M.multiply(M.square(y), y))]


def _softplus_kernel(x):
    with np.errstate(**_ERR):
        return np.logaddexp(np.zeros((), x.dtype), x).astype(x.dtype, copy=False)


def _erf_grad(op, g):
    x = op.inputs[0]
    two_over_root_pi = _one(g, 2 / math.sqrt(math.pi))
    return [M.multiply(g, M.multiply(two_over_root_pi, M.exp(M.negative(M.square(x)))))]


def _erfc_grad(op, g):
    return [M.negative(_erf_grad(op, g)[0])]


EXPM1 = register_unary("Expm1", _floatk(np.expm1), _FLOAT_C, _expm1_grad, doc="exp(x) - 1")
LOG1P = register_unary("Log1p", _floatk(np.log1p), _FLOAT_C, _log1p_grad, doc="log(1 + x)")
RSQRT = register_unary("Rsqrt", _floatk(lambda x: 1 / np.sqrt(x)), _FLOAT_C, _rsqrt_grad,
                       doc="1 / sqrt(x)")
SOFTPLUS = register_unary(
    "Softplus", _softplus_kernel, _HALF_FIRST,
    lambda op, g: [M.multiply(g, M.sigmoid(op.inputs[0]))], doc="log(exp(x) + 1), stably")
ERF = register_unary("Erf", _special_kernel("erf"), FLOAT, _erf_grad, doc="Gauss error function")
ERFC = register_unary("Erfc", _special_kernel("erfc"), FLOAT, _erfc_grad, doc="1 - erf(x)")
LGAMMA = register_unary("Lgamma", _special_kernel("lgamma"), FLOAT,
                        lambda op, g: [M.multiply(g, digamma(op.inputs[0]))],
                        doc="log |Gamma(x)|")
DIGAMMA = register_unary(
    "Digamma", _floatk(_digamma_np), FLOAT,
    lambda op, g: [M.multiply(g, polygamma(M.scalar_like(1, op.inputs[0]), op.inputs[0]))],
    doc="psi(x), the derivative of lgamma")
POLYGAMMA = register_op(
    "Polygamma", inputs=("a: T", "x: T"), outputs=("z: T",),
    type_attrs={"T": (dtypes.float32, dtypes.float64)},
    infer=lambda op: [(_bshape(op), op.dtype(1))],
    kernel=lambda a, x: _polygamma_np(a, x).astype(x.dtype),
    grad=lambda op, g: [None, M.multiply(g, polygamma(
        M.add(op.inputs[0], M.scalar_like(1, op.inputs[0])), op.inputs[1]))],
    doc="psi^(a)(x), the a-th derivative of digamma")


def _bshape(op):
    from tfedu.ops.op_helpers import broadcast_shapes

    return broadcast_shapes(op.shape(0), op.shape(1))


def _xlogy_kernel(x, y):
    with np.errstate(**_ERR):
        r = np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))
    return r.astype(x.dtype, copy=False)


def _xdivy_kernel(x, y):
    with np.errstate(**_ERR):
        r = np.where(x == 0, np.zeros((), x.dtype), x / y)
    return r.astype(x.dtype, copy=False)


def _div_no_nan_kernel(x, y):
    with np.errstate(**_ERR):
        r = np.where(y == 0, np.zeros((), x.dtype), x / np.where(y == 0, np.ones((), y.dtype), y))
    return r.astype(x.dtype, copy=False)


def _not_zero(x):
    return M.cast(M.not_equal(x, M.scalar_like(0, x)), x.dtype)


def _xlogy_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, M.multiply(g, xlogy(_not_zero(x), y)), M.multiply(g, xdivy(x, y)))


def _xdivy_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, M.multiply(g, xdivy(_not_zero(x), y)),
                        M.multiply(g, xdivy(M.negative(x), M.square(y))))


def _div_no_nan_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, divide_no_nan(g, y),
                        M.multiply(g, divide_no_nan(divide_no_nan(M.negative(x), y), y)))


def _mul_no_nan_kernel(x, y):
    with np.errstate(**_ERR):
        r = np.where(y == 0, np.zeros((), x.dtype), x * y)
    return r.astype(x.dtype, copy=False)


def _mul_no_nan_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, multiply_no_nan(g, y), multiply_no_nan(x, g))


MUL_NO_NAN = register_binary("MulNoNan", _mul_no_nan_kernel, _FLOAT_C, _mul_no_nan_grad,
                             doc="x * y, 0 where y == 0 even if x is inf or nan")
XLOGY = register_binary("Xlogy", _xlogy_kernel, _XLOGY_T, _xlogy_grad,
                        doc="x * log(y), 0 where x == 0")
XDIVY = register_binary("Xdivy", _xdivy_kernel, _XLOGY_T, _xdivy_grad, doc="x / y, 0 where x == 0")
DIV_NO_NAN = register_binary("DivNoNan", _div_no_nan_kernel, _FLOAT_C, _div_no_nan_grad,
                             doc="x / y, 0 where y == 0")


def _erfinv_np(y):
    """Inverse error function: Giles' single-precision start, then two Newton steps on erf."""
    from tfedu.kernels.math_kernels import ref_special

    y = np.asarray(y, dtype=np.float64)
    with np.errstate(**_ERR):
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws = np.where(small, w - 2.5, np.sqrt(np.where(small, 5.0, w)) - 3.0)
        cs = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
        cl = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
              -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
        ps, pl = np.full_like(y, cs[0]), np.full_like(y, cl[0])
        for a, b in zip(cs[1:], cl[1:]):
            ps, pl = a + ps * ws, b + pl * ws
        x = np.where(small, ps, pl) * y
        for _ in range(2):
            err = ref_special("erf", x) - y
            x = x - err / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    return np.where(np.abs(y) > 1, np.nan, x)


ERFINV = register_unary(
    "Erfinv", _floatk(_erfinv_np), FLOAT,
    lambda op, g: [M.multiply(g, M.multiply(M.scalar_like(math.sqrt(math.pi) / 2, g),
                                            M.exp(M.square(op.outputs[0]))))],
    doc="inverse of erf")
NDTRI = register_unary(
    "Ndtri", _floatk(lambda p: math.sqrt(2) * _erfinv_np(2 * np.asarray(p, np.float64) - 1)),
    FLOAT,
    lambda op, g: [M.multiply(g, M.multiply(M.scalar_like(math.sqrt(2 * math.pi), g),
                                            M.exp(M.multiply(M.scalar_like(0.5, g),
                                                             M.square(op.outputs[0])))))],
    doc="inverse of the standard normal CDF")
BESSEL_I0 = register_unary(
    "BesselI0", _floatk(lambda x: np.i0(x.astype(np.float64))), FLOAT, None, doc="modified Bessel function of order 0")
BESSEL_I0E = register_unary(
    "BesselI0e", _floatk(lambda x: np.exp(-np.abs(x.astype(np.float64))) * np.i0(x.astype(np.float64))), FLOAT, None,
    doc="exponentially scaled modified Bessel function of order 0")
NEXTAFTER = register_binary("NextAfter", _binfloatk(np.nextafter),
                            (dtypes.float32, dtypes.float64),
                            doc="next representable value after x towards y")


# ------------------------------------------------------------------------------------------
# Complex numbers
# ------------------------------------------------------------------------------------------

def _part_infer(op):
    return [(op.shape(0), op.attrs["Tout"])]


def _complex_infer(op):
    return [(_bshape(op), op.attrs["Tout"])]


REAL_OP = register_op(
    "Real", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.real(x).copy(),
    grad=lambda op, g: [complex(g, array_ops.zeros_like(g))], doc="real part")
IMAG_OP = register_op(
    "Imag", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.imag(x).copy(),
    grad=lambda op, g: [complex(array_ops.zeros_like(g), g)], doc="imaginary part")


def _angle_grad(op, g):
    x = op.inputs[0]
    z = M.reciprocal(complex(imag(x), real(x)))
    return [M.negative(M.multiply(complex(g, array_ops.zeros_like(g)), z))]


ANGLE_OP = register_op(
    "Angle", inputs=("input: T",), outputs=("output: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.angle(x), grad=_angle_grad,
    doc="argument of a complex number")


def _complex_abs_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    return [divide_no_nan(M.multiply(complex(g, array_ops.zeros_like(g)), x),
                          complex(y, array_ops.zeros_like(y)))]


COMPLEX_ABS = register_op(
    "ComplexAbs", inputs=("x: T",), outputs=("y: Tout",),
    type_attrs={"T": dtypes.COMPLEX, "Tout": (dtypes.float32, dtypes.float64)},
    infer=_part_infer, kernel=lambda x, Tout=None: np.abs(x), grad=_complex_abs_grad,
    doc="magnitude of a complex number")


def complex_abs(x, name=None):
    """|x| of a complex tensor, as a real tensor (what `tf.abs` runs for complex input)."""
    return execute(COMPLEX_ABS, [x], {"Tout": x.dtype.real_dtype}, name=name,
                   default_name="ComplexAbs")


def _complex_kernel(re, im, Tout):
    return (re + 1j * im).astype(Tout.as_numpy_dtype)


def _complex_grad(op, g):
    return binary_grads(op, real(g), imag(g))


COMPLEX_OP = register_op(
    "Complex", inputs=("real: T", "imag: T"), outputs=("out: Tout",),
    type_attrs={"T": (dtypes.float32, dtypes.float64), "Tout": dtypes.COMPLEX},
    infer=_complex_infer, kernel=_complex_kernel, grad=_complex_grad,
    doc="real + imag * 1j")


# ------------------------------------------------------------------------------------------
# Trigonometric and hyperbolic functions
# ------------------------------------------------------------------------------------------

def _rsqrt_1mx2(x):
    return rsqrt(M.subtract(M.scalar_like(1, x), M.square(x)))


_TRIG = {
    "Sin": (np.sin, lambda op, g: [M.multiply(g, cos(op.inputs[0]))]),
    "Cos": (np.cos, lambda op, g: [M.negative(M.multiply(g, sin(op.inputs[0])))]),
    "Tan": (np.tan, lambda op, g: [M.multiply(g, M.square(M.reciprocal(cos(op.inputs[0]))))]),
    "Asin": (np.arcsin, lambda op, g: [M.multiply(g, _rsqrt_1mx2(op.inputs[0]))]),
    "Acos": (np.arccos, lambda op, g: [M.negative(M.multiply(g, _rsqrt_1mx2(op.inputs[0])))]),
    "Atan": (np.arctan, lambda op, g: [M.divide_op(g, M.add(
        M.scalar_like(1, g), M.square(op.inputs[0])))]),
    "Sinh": (np.sinh, lambda op, g: [M.multiply(g, cosh(op.inputs[0]))]),
    "Cosh": (np.cosh, lambda op, g: [M.multiply(g, sinh(op.inputs[0]))]),
    "Asinh": (np.arcsinh, lambda op, g: [M.divide_op(g, cosh(op.outputs[0]))]),
    "Acosh": (np.arccosh, lambda op, g: [M.divide_op(g, sinh(op.outputs[0]))]),
    "Atanh": (np.arctanh, lambda op, g: [M.divide_op(g, M.subtract(
        M.scalar_like(1, g), M.square(op.inputs[0])))]),
}
_TRIG_DOCS = {"Sin": "sine", "Cos": "cosine", "Tan": "tangent", "Asin": "inverse sine",
              "Acos": "inverse cosine", "Atan": "inverse tangent", "Sinh": "hyperbolic sine",
              "Cosh": "hyperbolic cosine", "Asinh": "inverse hyperbolic sine",
              "Acosh": "inverse hyperbolic cosine", "Atanh": "inverse hyperbolic tangent"}
_TRIG_OPS = {k: register_unary(k, _floatk(fn), _FLOAT_C, grad, doc=_TRIG_DOCS[k])
             for k, (fn, grad) in _TRIG.items()}


def _atan2_grad(op, g):
    y, x = op.inputs
    inv = M.reciprocal(M.add(M.square(x), M.square(y)))
    return binary_grads(op, M.multiply(g, M.multiply(x, inv)),
                        M.negative(M.multiply(g, M.multiply(y, inv))))


ATAN2 = register_binary("Atan2", _binfloatk(np.arctan2), FLOAT, _atan2_grad,
                        doc="atan(y / x) in the right quadrant")


# ------------------------------------------------------------------------------------------
# Rounding, classification, truncating division
# ------------------------------------------------------------------------------------------

def _round_kernel(x):
    return np.round(x) if x.dtype.kind == "f" else x.copy()


def _isk(fn):
    def kernel(x):
        return fn(x)

    kernel.__name__ = fn.__name__
    return kernel


ROUND = register_unary("Round", _round_kernel, _ROUND_T, lambda op, g: [None],
                       doc="round half to even")
CEIL = register_unary("Ceil", np.ceil, FLOAT, lambda op, g: [None], doc="smallest integer >= x")
RINT = register_unary("Rint", np.rint, FLOAT, lambda op, g: [None], doc="round half to even")
IS_NAN = register_unary("IsNan", _isk(np.isnan), FLOAT, out_dtype=dtypes.bool_,
                        doc="whether x is NaN")
IS_INF = register_unary("IsInf", _isk(np.isinf), FLOAT, out_dtype=dtypes.bool_,
                        doc="whether x is +inf or -inf")
IS_FINITE = register_unary("IsFinite", _isk(np.isfinite), FLOAT, out_dtype=dtypes.bool_,
                           doc="whether x is neither inf nor NaN")


def _int_div_check(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise OpCheckError("Integer division by zero")


def _truncatediv_kernel(x, y):
    _int_div_check(x, y)
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        fix = (np.mod(x, y) != 0) & ((x < 0) != (y < 0))
        return (q + fix).astype(np.result_type(x, y), copy=False)
    with np.errstate(**_ERR):
        return np.trunc(x / y).astype(np.result_type(x, y), copy=False)


def _truncatemod_kernel(x, y):
    _int_div_check(x, y)
    with np.errstate(**_ERR):
        return np.fmod(x, y)


TRUNCATEDIV = register_binary("TruncateDiv", _truncatediv_kernel, NUMERIC,
                              doc="x / y rounded toward zero")
TRUNCATEMOD = register_binary("TruncateMod", _truncatemod_kernel, REAL,
                              doc="remainder with the sign of x (C's fmod)")


# ------------------------------------------------------------------------------------------
# Scans: cumsum / cumprod
# ------------------------------------------------------------------------------------------

def _scan_axis(axis_value, rank, op_fail):
    a = np.asarray(axis_value)
    if a.ndim != 0:
        op_fail(f"ScanOp: axis must be a scalar, not {shape_text(a.shape)}")
    ax = int(a)
    if rank is not None and not -rank <= ax < rank:
        op_fail(f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got {ax}")
    return ax


def _raise(msg):
    raise OpCheckError(msg)


def _scan_infer(op):
    ax = op.const_value(1)
    if ax is not None:
        _scan_axis(ax, op.shape(0).rank, op.fail)
    return [(op.shape(0), op.dtype(0))]


def _scan_kernel(is_prod):
    def kernel(x, axis, exclusive=False, reverse=False):
        ax = _scan_axis(axis, x.ndim, _raise) % max(x.ndim, 1)
        if x.ndim == 0:
            return x.copy()
        shape = x.shape
        outer = int(np.prod(shape[:ax], dtype=np.int64))
        inner = int(np.prod(shape[ax + 1:], dtype=np.int64))
        x3 = x.reshape(outer, shape[ax], inner)
        if x.size >= NB_SCAN_MIN and x.dtype.kind in "iuf":
            out = _nb().nb_scan(np.ascontiguousarray(x3), is_prod, bool(exclusive), bool(reverse))
        else:
            from tfedu.kernels.math_kernels import ref_scan

            with np.errstate(**_ERR):
                out = ref_scan(x3, is_prod, bool(exclusive), bool(reverse))
        return out.reshape(shape)

    return kernel


def _cumsum_grad(op, g):
    return [cumsum(g, op.inputs[1], exclusive=op.get_attr("exclusive"),
                   reverse=not op.get_attr("reverse")), None]


def _cumprod_grad(op, g):
    x, axis = op.inputs
    ex, rev = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = cumprod(x, axis, exclusive=ex, reverse=rev)
    out = cumsum(M.multiply(prod, g), axis, exclusive=ex, reverse=not rev)
    return [M.divide_op(out, x), None]


def _register_scan(type, is_prod, grad):
    return register_op(
        type, inputs=("x: T", "axis: Tidx"), outputs=("out: T",),
        type_attrs={"T": NUMERIC, "Tidx": INTS}, attrs={"exclusive": False, "reverse": False},
        infer=_scan_infer, kernel=_scan_kernel(is_prod), grad=grad)


CUMSUM = _register_scan("Cumsum", False, _cumsum_grad)
CUMPROD = _register_scan("Cumprod", True, _cumprod_grad)


# ------------------------------------------------------------------------------------------
# argmax / argmin
# ------------------------------------------------------------------------------------------

def _arg_infer(op):
    shape = op.shape(0)
    rank = shape.rank
    out_t = op.attrs.get("output_type", dtypes.int64)
    ax = op.const_value(1)
    if ax is None or rank is None:
        return [(TensorShape(None if rank is None else [None] * max(rank - 1, 0)), out_t)]
    ax = np.asarray(ax)
    if ax.ndim != 0:
        op.fail(f"dim must be a scalar, but received tensor of shape: {shape_text(ax.shape)}")
    ax = int(ax)
    if not -max(rank, 1) <= ax < max(rank, 1):
        op.fail(f"Expected dimension in the range [{-rank}, {rank}), but got {ax}")
    ax %= max(rank, 1)
    dims = shape.as_list()
    if rank and dims[ax] == 0:
        op.fail(f"Reduction axis {ax} is empty in shape {shape_text(dims)}")
    return [(TensorShape(dims[:ax] + dims[ax + 1:]), out_t)]


def _arg_kernel(fn):
    def kernel(x, axis, output_type=dtypes.int64):
        ax = int(np.asarray(axis))
        if x.ndim == 0:
            return np.zeros((), output_type.as_numpy_dtype)
        if not -x.ndim <= ax < x.ndim:
            raise OpCheckError(f"Expected dimension in the range [{-x.ndim}, {x.ndim}), but "
                               f"got {ax}")
        if x.shape[ax] == 0:
            raise OpCheckError(f"Reduction axis {ax % x.ndim} is empty in shape "
                               f"{shape_text(x.shape)}")
        return fn(x, axis=ax).astype(output_type.as_numpy_dtype)

    return kernel


_ARG_OUT = (dtypes.int16, dtypes.uint16, dtypes.int32, dtypes.int64)
ARGMAX = register_op(
    "ArgMax", inputs=("input: T", "dimension: Tidx"), outputs=("output: output_type",),
    type_attrs={"T": REAL + (dtypes.bool_,), "Tidx": INTS, "output_type": _ARG_OUT},
    attrs={"output_type": dtypes.int64}, infer=_arg_infer, kernel=_arg_kernel(np.argmax))
ARGMIN = register_op(
    "ArgMin", inputs=("input: T", "dimension: Tidx"), outputs=("output: output_type",),
    type_attrs={"T": REAL + (dtypes.bool_,), "Tidx": INTS, "output_type": _ARG_OUT},
    attrs={"output_type": dtypes.int64}, infer=_arg_infer, kernel=_arg_kernel(np.argmin))


# ------------------------------------------------------------------------------------------
# top_k / in_top_k
# ------------------------------------------------------------------------------------------

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _topk_check(rank, last, k, fail):
    if k is not None and k < 0:
        fail(f"Need k >= 0, got {k}")
    if rank is not None and rank < 1:
        fail("input must be >= 1-D, got shape []")
    if k is not None and last is not None and last < k:
        fail(f"input must have at least k columns. Had {last}, needed {k}")


def _topk_infer(op):
    shape = op.shape(0)
    kv = op.const_value(1)
    k = None if kv is None else int(np.asarray(kv).reshape(-1)[0])
    if kv is not None and np.ndim(kv) != 0:
        op.fail(f"k must be 0-D, got shape {shape_text(np.shape(kv))}")
    last = None if shape.rank in (None, 0) else shape.as_list()[-1]
    _topk_check(shape.rank, last, k, op.fail)
    out = TensorShape(None) if shape.rank is None else TensorShape(shape.as_list()[:-1] + [k])
    return [(out, op.dtype(0)), (out, dtypes.int32)]


def _topk_kernel(x, k, sorted=True):
    k = int(k)
    _topk_check(x.ndim, x.shape[-1] if x.ndim else None, k, _raise)
    # stable descending order with ties broken by the lower index, as TF does
    order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    idx = (x.shape[-1] - 1 - order)[..., :k].astype(np.int32)
    return np.take_along_axis(x, idx, axis=-1), idx


def _topk_grad(op, g_values, g_indices=None):
    """Scatter the value gradients back to the positions top_k picked them from."""
    x = op.inputs[0]
    idx = op.outputs[1]
    if g_values is None:
        return [None, None]
    xs, ks = x.shape, idx.shape
    if xs.is_fully_defined() and ks.is_fully_defined():
        last, k = xs.as_list()[-1], ks.as_list()[-1]
        rows = int(np.prod(ks.as_list()[:-1], dtype=np.int64))
        total = int(np.prod(xs.as_list(), dtype=np.int64))
        offsets = np.arange(rows, dtype=np.int32).reshape(-1, 1) * last
        flat = array_ops.reshape(M.add(array_ops.reshape(idx, [rows, k]), offsets), [-1])
        summed = unsorted_segment_sum(array_ops.reshape(g_values, [-1]), flat, total)
        return [array_ops.reshape(summed, xs.as_list()), None]
    k = M.maximum(op.inputs[1], 1)
    rows = M.floordiv(array_ops.size(idx), k)
    last = M.floordiv(array_ops.size(x), M.maximum(rows, 1))
    offsets = M.multiply(array_ops.reshape(array_ops.range(rows), [-1, 1]), last)
    flat = array_ops.reshape(M.add(array_ops.reshape(idx, array_ops.stack([rows, k])),
                                   offsets), [-1])
    summed = unsorted_segment_sum(array_ops.reshape(g_values, [-1]), flat, array_ops.size(x))
    return [array_ops.reshape(summed, array_ops.shape(x)), None]


TOPK = register_op(
    "TopKV2", inputs=("input: T", "k: int32"), outputs=("values: T", "indices: int32"),
    type_attrs={"T": REAL}, attrs={"sorted": True}, infer=_topk_infer, kernel=_topk_kernel,
    grad=_topk_grad, doc="The k largest entries of the last axis and their indices.")


def _in_top_k_infer(op):
    p, t = op.shape(0), op.shape(1)
    if p.rank is not None and p.rank != 2:
        op.fail(f"predictions must be 2-dimensional, got {shape_text(p.as_list())}")
    if t.rank is not None and t.rank != 1:
        op.fail(f"targets must be 1-dimensional, got {shape_text(t.as_list())}")
    n = p.as_list()[0] if p.rank else None
    return [(TensorShape([n]), dtypes.bool_)]


def _in_top_k_kernel(pred, targets, k):
    if pred.shape[0] != targets.shape[0]:
        raise OpCheckError(f"First dimension of predictions {pred.shape[0]} must match length "
                           f"of targets {targets.shape[0]}")
    n, c = pred.shape
    ok = (targets >= 0) & (targets < c)
    safe = np.where(ok, targets, 0)
    tv = pred[np.arange(n), safe]
    higher = np.sum(pred > tv[:, None], axis=1)
    finite = np.all(np.isfinite(pred), axis=1)
    return ok & finite & np.isfinite(tv) & (higher < int(k))


IN_TOP_K = register_op(
    "InTopKV2", inputs=("predictions: float32", "targets: T", "k: T"),
    outputs=("precision: bool",), type_attrs={"T": INTS}, infer=_in_top_k_infer,
    kernel=_in_top_k_kernel, doc="Whether each target's score is among the row's top k.")


# ------------------------------------------------------------------------------------------
# Segment reductions
# ------------------------------------------------------------------------------------------

_SUM, _PROD, _MAX, _MIN = 0, 1, 2, 3


def _segment_run(data, ids, num_segments, code, empty_fill):
    """Reduce rows of `data` into segments (ids already validated); empty segments get fill."""
    lead = ids.ndim
    inner = data.shape[lead:]
    d2 = data.reshape((int(np.prod(data.shape[:lead], dtype=np.int64)), -1)
                      if data.size else (int(np.prod(data.shape[:lead])),
                                         int(np.prod(inner, dtype=np.int64))))
    flat_ids = ids.reshape(-1).astype(np.int64)
    kern = _nb() if data.size >= NB_SEGMENT_MIN and data.dtype.kind in "iuf" else None
    if kern is not None:
        out, seen = kern.nb_segment_reduce(np.ascontiguousarray(d2), flat_ids, num_segments, code)
    else:
        from tfedu.kernels.math_kernels import ref_segment_reduce

        with np.errstate(**_ERR):
            out, seen = ref_segment_reduce(d2, flat_ids, num_segments, code)
    if code in (_MAX, _MIN) or kern is not None:
        if empty_fill is None:
            from tfedu.kernels.math_kernels import identity_of

            empty_fill = identity_of(code, data.dtype)
        out[~seen] = empty_fill
    return out.reshape((num_segments,) + tuple(inner))


def _check_sorted_ids(ids):
    if ids.size == 0:
        return 0
    if np.any(np.diff(ids) < 0):
        raise OpCheckError("segment ids are not increasing")
    rows = int(ids[-1]) + 1
    if rows <= 0:
        raise OpCheckError("segment ids must be >= 0")
    if ids[0] < 0:
        raise OpCheckError(f"Segment id {int(ids[0])} out of range [0, {rows}), possibly "
                           "because 'segment_ids' input is not sorted.")
    return rows


def _sorted_segment_infer(op):
    d, s = op.shape(0), op.shape(1)
    if s.rank is not None and s.rank != 1:
        op.fail("segment_ids should be a vector.")
    if d.rank is not None and d.rank < 1:
        op.fail("Shape must be at least rank 1 but is rank 0")
    if s.rank == 1 and d.rank and s.as_list()[0] is not None and d.as_list()[0] is not None \
            and s.as_list()[0] != d.as_list()[0]:
        op.fail("segment_ids should be the same size as dimension 0 of input.")
    ids = op.const_value(1)
    n = None
    if ids is not None:
        ids = np.asarray(ids).reshape(-1)
        n = int(ids[-1]) + 1 if ids.size else 0
    if d.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape([n] + d.as_list()[1:]), op.dtype(0))]


def _sorted_segment_kernel(code, mean=False):
    def kernel(data, ids):
        if ids.ndim != 1:
            raise OpCheckError("segment_ids should be a vector.")
        if data.ndim < 1 or ids.shape[0] != data.shape[0]:
            raise OpCheckError("segment_ids should be the same size as dimension 0 of input.")
        rows = _check_sorted_ids(ids)
        out = _segment_run(data, ids, rows, code, data.dtype.type(0))
        if mean:
            from tfedu.kernels.math_kernels import segment_counts

            cnt = np.maximum(segment_counts(ids.astype(np.int64), rows), 1)
            cnt = cnt.reshape((-1,) + (1,) * (data.ndim - 1))
            if data.dtype.kind in "iu":
                out = (out // cnt).astype(data.dtype)
            else:
                with np.errstate(**_ERR):
                    out = (out / cnt).astype(data.dtype)
        return out

    return kernel


def _unsorted_infer(op):
    d, s = op.shape(0), op.shape(1)
    if d.rank is not None and s.rank is not None:
        dl, sl = d.as_list(), s.as_list()
        ok = len(dl) >= len(sl) and all(a is None or b is None or a == b for a, b in zip(dl, sl))
        if not ok:
            op.fail(f"data.shape = {shape_text(dl)} does not start with segment_ids.shape = "
                    f"{shape_text(sl)}")
    nv = op.const_value(2)
    n = None
    if nv is not None:
        if np.ndim(nv) != 0:
            op.fail(f"num_segments should be a scalar, not shape {shape_text(np.shape(nv))}")
        n = int(nv)
        if n < 0:
            op.fail(f"Input num_segments == {n} must not be negative.")
    if d.rank is None or s.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape([n] + d.as_list()[s.rank:]), op.dtype(0))]


def _unsorted_kernel(code):
    def kernel(data, ids, num_segments):
        n = int(num_segments)
        if n < 0:
            raise OpCheckError(f"Input num_segments == {n} must not be negative.")
        if data.shape[:ids.ndim] != ids.shape:
            raise OpCheckError(f"data.shape = {shape_text(data.shape)} does not start with "
                               f"segment_ids.shape = {shape_text(ids.shape)}")
        bad = np.flatnonzero(ids.reshape(-1) >= n)
        if bad.size:
            i = int(bad[0])
            where = ",".join(str(v) for v in np.unravel_index(i, ids.shape))
            raise OpCheckError(f"segment_ids[{where}] = {int(ids.reshape(-1)[i])} is out of "
                               f"range [0, {n})")
        return _segment_run(data, ids, n, code, None)

    return kernel


def _gather(params, indices):
    from tfedu.ops import array_extra

    return array_extra.gather(params, indices)


def _gather_drop_negatives(params, ids):
    """gather(params, ids) with rows for negative ids set to zero (unsorted segment grads)."""
    safe = M.maximum(ids, M.scalar_like(0, ids))
    gathered = _gather(params, safe)
    keep = M.greater_equal(ids, M.scalar_like(0, ids))
    extra = gathered.shape.rank - ids.shape.rank
    if extra:
        dims = ids.shape.as_list() if ids.shape.is_fully_defined() else [-1]
        keep = array_ops.reshape(keep, dims + [1] * extra)
    return array_ops.where(keep, gathered, array_ops.zeros_like(gathered))


def _segment_sum_grad(op, g):
    return [_gather(g, op.inputs[1]), None]


def _segment_mean_grad(op, g):
    data, ids = op.inputs
    ones = array_ops.ones_like(ids, dtype=g.dtype)
    counts = segment_sum(ones, ids)
    rank = g.shape.rank
    counts = array_ops.reshape(counts, [-1] + [1] * (rank - 1)) if rank and rank > 1 else counts
    return [_gather(M.divide_op(g, counts), ids), None]


def _segment_minmax_grad(op, g, gather=_gather, sum_fn=None):
    data, ids = op.inputs[0], op.inputs[1]
    gathered_out = gather(op.outputs[0], ids)
    selected = M.equal(data, gathered_out)
    sel = M.cast(selected, g.dtype)
    if sum_fn is None:
        num = segment_sum(sel, ids)
    else:
        num = sum_fn(sel, ids, op.inputs[2])
    weighted = divide_no_nan(g, num)
    return [array_ops.where(selected, gather(weighted, ids), array_ops.zeros_like(data))] + \
        [None] * (len(op.inputs) - 1)


def _segment_prod_grad(op, g, gather=_gather, sum_fn=None, prod_fn=None):
    data, ids = op.inputs[0], op.inputs[1]
    extra = op.inputs[2:]
    is_zero = M.equal(data, M.scalar_like(0, data))
    zsum = sum_fn or (lambda v, i, *e: segment_sum(v, i))
    pfn = prod_fn or (lambda v, i, *e: segment_prod(v, i))
    num_zeros = zsum(M.cast(is_zero, dtypes.int32), ids, *extra)
    g = array_ops.where(M.greater(num_zeros, 1), array_ops.zeros_like(g), g)
    non_zero = array_ops.where(is_zero, array_ops.ones_like(data), data)
    non_zero_prod = pfn(non_zero, ids, *extra)
    gathered_prod = gather(op.outputs[0], ids)
    gathered_nz = gather(non_zero_prod, ids)
    partial = array_ops.where(is_zero, gathered_nz, M.divide_op(gathered_prod, non_zero))
    return [M.multiply(gather(g, ids), partial)] + [None] * (len(op.inputs) - 1)


def _unsorted_sum_grad(op, g):
    return [_gather_drop_negatives(g, op.inputs[1]), None, None]


def _unsorted_minmax_grad(op, g):
    return _segment_minmax_grad(op, g, _gather_drop_negatives,
                                lambda v, i, n: unsorted_segment_sum(v, i, n))


def _unsorted_prod_grad(op, g):
    return _segment_prod_grad(op, g, _gather_drop_negatives,
                              lambda v, i, n: unsorted_segment_sum(v, i, n),
                              lambda v, i, n: unsorted_segment_prod(v, i, n))


def _reg_sorted(type, code, grad, mean=False, allowed=NUMERIC):
    return register_op(
        type, inputs=("data: T", "segment_ids: Tindices"), outputs=("output: T",),
        type_attrs={"T": allowed, "Tindices": INTS}, infer=_sorted_segment_infer,
        kernel=_sorted_segment_kernel(code, mean), grad=grad)


def _reg_unsorted(type, code, grad, allowed=NUMERIC):
    return register_op(
        type, inputs=("data: T", "segment_ids: Tindices", "num_segments: Tnumsegments"),
        outputs=("output: T",),
        type_attrs={"T": allowed, "Tindices": INTS, "Tnumsegments": INTS},
        infer=_unsorted_infer, kernel=_unsorted_kernel(code), grad=grad)


SEGMENT_SUM = _reg_sorted("SegmentSum", _SUM, _segment_sum_grad)
SEGMENT_MEAN = _reg_sorted("SegmentMean", _SUM, _segment_mean_grad, mean=True)
SEGMENT_PROD = _reg_sorted("SegmentProd", _PROD, _segment_prod_grad)
SEGMENT_MAX = _reg_sorted("SegmentMax", _MAX, _segment_minmax_grad, allowed=REAL)
SEGMENT_MIN = _reg_sorted("SegmentMin", _MIN, _segment_minmax_grad, allowed=REAL)
UNSORTED_SUM = _reg_unsorted("UnsortedSegmentSum", _SUM, _unsorted_sum_grad)
UNSORTED_PROD = _reg_unsorted("UnsortedSegmentProd", _PROD, _unsorted_prod_grad)
UNSORTED_MAX = _reg_unsorted("UnsortedSegmentMax", _MAX, _unsorted_minmax_grad, allowed=REAL)
UNSORTED_MIN = _reg_unsorted("UnsortedSegmentMin", _MIN, _unsorted_minmax_grad, allowed=REAL)


# ------------------------------------------------------------------------------------------
# bincount
# ------------------------------------------------------------------------------------------

def _bincount_infer(op):
    a, w = op.shape(0), op.shape(2)
    if a.rank is not None and a.rank > 2:
        op.fail(f"Shape must be at most rank 2 but is rank {a.rank}")
    sz = op.const_value(1)
    n = None
    if sz is not None:
        n = int(sz)
        if n < 0:
            op.fail(f"size ({n}) must be non-negative")
    if w.is_fully_defined() and w.num_elements() != 0 and a.is_fully_defined() \
            and w.as_list() != a.as_list():
        op.fail("`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which "
                f"case it acts as all weights equal to 1. Received {shape_text(w.as_list())}")
    if a.rank == 2:
        return [(TensorShape([a.as_list()[0], n]), op.dtype(2))]
    return [(TensorShape([n]), op.dtype(2))]


def _bincount_kernel(arr, size, weights, binary_output=False):
    size = int(size)
    if size < 0:
        raise OpCheckError(f"size ({size}) must be non-negative")
    if weights.size and weights.shape != arr.shape:
        raise OpCheckError(
            "`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which case it "
            f"acts as all weights equal to 1. Received {shape_text(weights.shape)}")
    if arr.size and int(arr.min()) < 0:
        raise OpCheckError("Input arr must be non-negative!")
    rows = arr.shape[0] if arr.ndim == 2 else 1
    flat = arr.reshape(-1).astype(np.int64)
    w = weights.reshape(-1) if weights.size and not binary_output else None
    if arr.ndim == 2:
        row = np.repeat(np.arange(rows, dtype=np.int64), arr.shape[1])
        flat = np.where(flat < size, flat + row * size, rows * size)
    total = size * rows
    if flat.size >= NB_BINCOUNT_MIN:
        acc = np.zeros(total, dtype=np.float64 if w is not None and w.dtype.kind == "f"
                       else np.int64)
        wv = np.zeros(0, acc.dtype) if w is None else w.astype(acc.dtype)
        out = _nb().nb_bincount(flat, wv, total, acc)
    else:
        from tfedu.kernels.math_kernels import ref_bincount

        out = ref_bincount(flat, w, total)
    if binary_output:
        out = out > 0
    out = out.astype(weights.dtype)
    return out.reshape(rows, size) if arr.ndim == 2 else out


BINCOUNT = register_op(
    "DenseBincount", inputs=("input: Tidx", "size: Tidx", "weights: T"), outputs=("output: T",),
    type_attrs={"Tidx": INTS, "T": (dtypes.int32, dtypes.int64, dtypes.float32,
                                    dtypes.float64)},
    attrs={"binary_output": False}, infer=_bincount_infer, kernel=_bincount_kernel,
    doc="Counts (or summed weights) of each integer value.")


# ------------------------------------------------------------------------------------------
# EuclideanNorm
# ------------------------------------------------------------------------------------------

def _euclidean_kernel(x, axis, keep_dims=False):
    ax = M._axes(axis)
    with np.errstate(**_ERR):
        s = np.sum(x * np.conj(x) if x.dtype.kind == "c" else x * x, axis=ax, keepdims=keep_dims)
        return np.sqrt(s).astype(x.dtype)


def _euclidean_grad(op, g):
    kept, _ = M._reduced_shape_for_grad(op)
    y = array_ops.reshape(op.outputs[0], kept)
    g = array_ops.reshape(g, kept)
    return [M.divide_op(op.inputs[0], M.divide_op(y, g)), None]


EUCLIDEAN_NORM = M._register_reduction("EuclideanNorm", _euclidean_kernel, NUMERIC,
                                       _euclidean_grad)


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

def _named(fn, public, opdef=None, doc=None):
    """Give a generated public function its TF name and a one-line docstring."""
    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = doc or (f"{opdef.doc or public} elementwise (`{opdef.type}`)." if opdef else None)
    return fn


def _unary(opdef, default, public=None):
    def fn(x, name=None):
        return execute(opdef, [x], name=name, default_name=default)

    return _named(fn, public or _snake(default), opdef)


def _snake(type_name):
    out = "".join("_" + c.lower() if c.isupper() else c for c in type_name).lstrip("_")
    return out.replace("_n_", "_n").replace("i0_e", "i0e")


expm1 = export("math.expm1")(_unary(EXPM1, "Expm1"))
log1p = export("math.log1p")(_unary(LOG1P, "Log1p"))
rsqrt = export("math.rsqrt")(_unary(RSQRT, "Rsqrt"))
erf = export("math.erf")(_unary(ERF, "Erf"))
erfc = export("math.erfc")(_unary(ERFC, "Erfc"))
lgamma = export("math.lgamma")(_unary(LGAMMA, "Lgamma"))
digamma = export("math.digamma")(_unary(DIGAMMA, "Digamma"))
sin = export("math.sin", "sin")(_unary(_TRIG_OPS["Sin"], "Sin"))
cos = export("math.cos", "cos")(_unary(_TRIG_OPS["Cos"], "Cos"))
tan = export("math.tan", "tan")(_unary(_TRIG_OPS["Tan"], "Tan"))
asin = export("math.asin", "asin")(_unary(_TRIG_OPS["Asin"], "Asin"))
acos = export("math.acos", "acos")(_unary(_TRIG_OPS["Acos"], "Acos"))
atan = export("math.atan", "atan")(_unary(_TRIG_OPS["Atan"], "Atan"))
sinh = export("math.sinh", "sinh")(_unary(_TRIG_OPS["Sinh"], "Sinh"))
cosh = export("math.cosh", "cosh")(_unary(_TRIG_OPS["Cosh"], "Cosh"))
asinh = export("math.asinh")(_unary(_TRIG_OPS["Asinh"], "Asinh"))
acosh = export("math.acosh")(_unary(_TRIG_OPS["Acosh"], "Acosh"))
atanh = export("math.atanh")(_unary(_TRIG_OPS["Atanh"], "Atanh"))
ceil = export("math.ceil")(_unary(CEIL, "Ceil"))
rint = export("math.rint")(_unary(RINT, "Rint"))
is_nan = export("math.is_nan")(_unary(IS_NAN, "IsNan"))
is_inf = export("math.is_inf")(_unary(IS_INF, "IsInf"))
is_finite = export("math.is_finite")(_unary(IS_FINITE, "IsFinite"))


erfinv = export("math.erfinv")(_unary(ERFINV, "Erfinv"))
ndtri = export("math.ndtri")(_unary(NDTRI, "Ndtri"))
bessel_i0 = export("math.bessel_i0", "math.special.bessel_i0")(_unary(BESSEL_I0, "BesselI0"))
bessel_i0e = export("math.bessel_i0e", "math.special.bessel_i0e")(
    _unary(BESSEL_I0E, "BesselI0e"))


def _part(opdef, default, x, name):
    x = _as_tensor(x, name="input")
    if not x.dtype.is_complex:
        return None, x
    return execute(opdef, [x], {"Tout": x.dtype.real_dtype}, name=name,
                   default_name=default), x


@export("math.real")
def real(input, name=None):
    """Real part (a real tensor is returned unchanged)."""
    out, x = _part(REAL_OP, "Real", input, name)
    return x if out is None else out


@export("math.imag")
def imag(input, name=None):
    """Imaginary part (zeros for a real tensor)."""
    out, x = _part(IMAG_OP, "Imag", input, name)
    return array_ops.zeros_like(x) if out is None else out


@export("math.angle")
def angle(input, name=None):
    """Argument of each element: atan2(imag, real); pi for negative reals, else 0."""
    out, x = _part(ANGLE_OP, "Angle", input, name)
    if out is not None:
        return out
    pi = M.multiply(array_ops.ones_like(x), M.scalar_like(math.pi, x))
    return array_ops.where(M.less(x, M.scalar_like(0, x)), pi, array_ops.zeros_like(x))


@export("math.conj")
def conj(x, name=None):
    """Complex conjugate (a real tensor is returned unchanged)."""
    x = _as_tensor(x, name="x")
    if x.dtype.is_complex:
        return execute(M.CONJ, [x], name=name, default_name="Conj")
    return x


@export("complex", "dtypes.complex")
def complex(real, imag, name=None):
    """Build complex numbers from real and imaginary parts (complex64 from float32)."""
    re = _as_tensor(real, name="real")
    im = _as_tensor(imag, dtype=re.dtype, name="imag")
    if re.dtype not in (dtypes.float32, dtypes.float64) or im.dtype is not re.dtype:
        raise TypeError(f"real and imag have incorrect types: {re.dtype.name} "
                        f"{im.dtype.name}")
    out = dtypes.complex64 if re.dtype is dtypes.float32 else dtypes.complex128
    return execute(COMPLEX_OP, [re, im], {"Tout": out}, name=name, default_name="Complex")


@export("math.nextafter")
def nextafter(x1, x2, name=None):
    return execute(NEXTAFTER, [x1, _as_tensor(x2, dtype=_as_tensor(x1).dtype)], name=name,
                   default_name="NextAfter")


@export("math.lbeta")
def lbeta(x, name=None):
    """log(|Beta(x)|) over the last axis: sum(lgamma(x)) - lgamma(sum(x))."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "lbeta"):
        x = _as_tensor(x, name="x")
        log_prod_gamma = M.reduce_sum(lgamma(x), axis=[-1])
        log_gamma_sum = lgamma(M.reduce_sum(x, axis=[-1]))
        return M.subtract(log_prod_gamma, log_gamma_sum)


@export("math.is_non_decreasing")
def is_non_decreasing(x, name=None):
    """True when every element is >= the one before it (flattened); True for < 2 elements."""
    return _monotone(x, M.less_equal, name or "is_non_decreasing")


@export("math.is_strictly_increasing")
def is_strictly_increasing(x, name=None):
    """True when every element is > the one before it (flattened); True for < 2 elements."""
    return _monotone(x, M.less, name or "is_strictly_increasing")


def _monotone(x, cmp, scope):
    from tfedu.ops.name_scope import name_scope

    with name_scope(scope):
        v = array_ops.reshape(_as_tensor(x, name="x"), [-1])
        if v.dtype.is_complex or v.dtype is dtypes.string:
            raise TypeError("Expected x to be numeric, not complex or string.")
        return M.reduce_all(cmp(v[:-1], v[1:]))


@export("math.cumulative_logsumexp")
def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis`, shifted by the max so it does not overflow."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "CumulativeLogsumexp"):
        x = _as_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise TypeError(f"Value for attr 'T' of {x.dtype.name} is not in the list of "
                            "allowed values: half, float, double")
        m = array_ops.stop_gradient(M.reduce_max(x, axis=axis, keepdims=True))
        m = array_ops.where(is_finite(m), m, array_ops.zeros_like(m))
        return M.add(M.log(cumsum(M.exp(M.subtract(x, m)), axis=axis, exclusive=exclusive,
                                  reverse=reverse)), m)


@export("math.round", "round")
def round(x, name=None):
    """Round half to even (banker's rounding), like `tf.round`; integers pass through."""
    x = _as_tensor(x)
    if x.dtype.is_integer:
        return x
    return execute(ROUND, [x], name=name, default_name="Round")


@export("math.softplus", "nn.softplus")
def softplus(features, name=None):
    """log(exp(x) + 1), computed without overflow."""
    return execute(SOFTPLUS, [features], name=name, default_name="Softplus")


@export("math.log_sigmoid")
def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "LogSigmoid") as scope:
        x = _as_tensor(x, name="x")
        return M.negative(softplus(M.negative(x)), name=scope)


def _binary(opdef, default, public):
    def fn(x, y, name=None):
        x = _as_tensor(x, name="x")
        y = _as_tensor(y, dtype=x.dtype, name="y")
        return execute(opdef, [x, y], name=name, default_name=default)

    return _named(fn, public, opdef)


xlogy = export("math.xlogy")(_binary(XLOGY, "Xlogy", "xlogy"))
xdivy = export("math.xdivy")(_binary(XDIVY, "Xdivy", "xdivy"))
truncatediv = export("math.truncatediv", "truncatediv")(
    _binary(TRUNCATEDIV, "TruncateDiv", "truncatediv"))
truncatemod = export("math.truncatemod", "truncatemod")(
    _binary(TRUNCATEMOD, "TruncateMod", "truncatemod"))


@export("math.divide_no_nan")
def divide_no_nan(x, y, name=None):
    """x / y, with 0 wherever y is 0 (even 0 / 0); integers are cast to float first."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "div_no_nan") as scope:
        if not isinstance(x, Tensor) and isinstance(y, Tensor):
            x = _as_tensor(x, dtype=y.dtype, name="x")
        x = _as_tensor(x, name="x")
        y = _as_tensor(y, dtype=x.dtype, name="y")
        if x.dtype is not y.dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}.")
        if x.dtype.is_integer:  # true division's table: small ints to float32, others to float64
            target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
            x, y = M.cast(x, target), M.cast(y, target)
        return execute(DIV_NO_NAN, [x, y], name=scope)


@export("math.reciprocal_no_nan")
def reciprocal_no_nan(x, name=None):
    """1 / x, with 0 where x is 0."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "reciprocal_no_nan") as scope:
        x = _as_tensor(x, name="x")
        one = convert_to_tensor(np.ones((), x.dtype.as_numpy_dtype), name="one")
        return execute(DIV_NO_NAN, [one, x], name=scope)


@export("math.multiply_no_nan")
def multiply_no_nan(x, y, name=None):
    """x * y, with 0 wherever y is 0 even if x is inf or nan."""
    return execute(MUL_NO_NAN, [x, _as_tensor(y, dtype=_as_tensor(x).dtype)], name=name,
                   default_name="MulNoNan")


@export("math.atan2", "atan2")
def atan2(y, x, name=None):
    y = _as_tensor(y, name="y")
    x = _as_tensor(x, dtype=y.dtype, name="x")
    return execute(ATAN2, [y, x], name=name, default_name="Atan2")


@export("math.polygamma")
def polygamma(a, x, name=None):
    a = _as_tensor(a, name="a")
    x = _as_tensor(x, dtype=a.dtype, name="x")
    return execute(POLYGAMMA, [a, x], name=name, default_name="Polygamma")


@export("math.polyval")
def polyval(coeffs, x, name=None):
    """Evaluate the polynomial coeffs[0]*x**(n-1) + ... + coeffs[-1] by Horner's rule."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    x = _as_tensor(x, name="x")
    if not coeffs:
        return array_ops.zeros_like(x, name=name)
    p = _as_tensor(coeffs[0], dtype=x.dtype)
    for c in coeffs[1:]:
        p = M.add(_as_tensor(c, dtype=x.dtype), M.multiply(p, x))
    return p


def _scan(opdef, default, x, axis, exclusive, reverse, name):
    x = _as_tensor(x, name="x")
    axis = _as_tensor(axis, dtype=dtypes.int32, name="axis")
    return execute(opdef, [x, axis], {"exclusive": bool(exclusive), "reverse": bool(reverse)},
                   name=name, default_name=default)


@export("math.cumsum", "cumsum")
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` scans from the end."""
    return _scan(CUMSUM, "Cumsum", x, axis, exclusive, reverse, name)


@export("math.cumprod")
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (same options as `cumsum`)."""
    return _scan(CUMPROD, "Cumprod", x, axis, exclusive, reverse, name)


def _argminmax(opdef, default, input, axis, output_type, name):
    x = _as_tensor(input, name="input")
    if axis is None:
        axis = 0
    axis = _as_tensor(axis, dtype=dtypes.int32, name="dimension")
    return execute(opdef, [x, axis], {"output_type": dtypes.as_dtype(output_type)},
                   name=name, default_name=default)


@export("math.argmax", "argmax")
def argmax(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the largest value along `axis` (0 when None); int64 unless `output_type`."""
    return _argminmax(ARGMAX, "ArgMax", input, axis, output_type, name)


@export("math.argmin", "argmin")
def argmin(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the smallest value along `axis` (0 when None); int64 unless `output_type`."""
    return _argminmax(ARGMIN, "ArgMin", input, axis, output_type, name)


@export("math.top_k", "nn.top_k")
def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):
    """The `k` largest entries along the last axis: `TopKV2(values, indices)`."""
    x = _as_tensor(input, name="input")
    k = _as_tensor(k, dtype=dtypes.int32, name="k")
    values, indices = execute(TOPK, [x, k], {"sorted": bool(sorted)}, name=name,
                              default_name="TopKV2")
    if dtypes.as_dtype(index_type) is not dtypes.int32:
        indices = M.cast(indices, index_type)
    return TopKV2(values, indices)


@export("math.in_top_k", "nn.in_top_k")
def in_top_k(targets, predictions, k, name=None):
    """Whether `predictions[i, targets[i]]` is among the `k` largest of row i."""
    p = _as_tensor(predictions, dtype=dtypes.float32, name="predictions")
    t = _as_tensor(targets, name="targets")
    kk = _as_tensor(k, dtype=t.dtype, name="k")
    return execute(IN_TOP_K, [p, t, kk], name=name, default_name="InTopKV2")


def _segment_fn(opdef, default):
    def fn(data, segment_ids, name=None):
        d = _as_tensor(data, name="data")
        s = _as_tensor(segment_ids, name="segment_ids")
        return execute(opdef, [d, s], name=name, default_name=default)

    return _named(fn, _snake(default), doc=f"`{default}`: reduce the rows of `data` over "
                  "sorted `segment_ids`.")


segment_sum = export("math.segment_sum")(_segment_fn(SEGMENT_SUM, "SegmentSum"))
segment_mean = export("math.segment_mean")(_segment_fn(SEGMENT_MEAN, "SegmentMean"))
segment_prod = export("math.segment_prod")(_segment_fn(SEGMENT_PROD, "SegmentProd"))
segment_max = export("math.segment_max")(_segment_fn(SEGMENT_MAX, "SegmentMax"))
segment_min = export("math.segment_min")(_segment_fn(SEGMENT_MIN, "SegmentMin"))


def _unsorted_fn(opdef, default):
    def fn(data, segment_ids, num_segments, name=None):
        d = _as_tensor(data, name="data")
        s = _as_tensor(segment_ids, name="segment_ids")
        n = _as_tensor(num_segments, dtype=dtypes.int32, name="num_segments")
        return execute(opdef, [d, s, n], name=name, default_name=default)

    return _named(fn, _snake(default), doc=f"`{default}`: reduce entries of `data` into "
                  "`num_segments` by id (any order).")


unsorted_segment_sum = export("math.unsorted_segment_sum")(
    _unsorted_fn(UNSORTED_SUM, "UnsortedSegmentSum"))
unsorted_segment_prod = export("math.unsorted_segment_prod")(
    _unsorted_fn(UNSORTED_PROD, "UnsortedSegmentProd"))
unsorted_segment_max = export("math.unsorted_segment_max")(
    _unsorted_fn(UNSORTED_MAX, "UnsortedSegmentMax"))
unsorted_segment_min = export("math.unsorted_segment_min")(
    _unsorted_fn(UNSORTED_MIN, "UnsortedSegmentMin"))


def _unsorted_segment_n(data, segment_ids, num_segments):
    ones = array_ops.ones_like(segment_ids, dtype=data.dtype)
    n = unsorted_segment_sum(ones, segment_ids, num_segments)
    extra = data.shape.rank - segment_ids.shape.rank
    if extra > 0:
        n = array_ops.reshape(n, [-1] + [1] * extra)
    return M.maximum(n, M.scalar_like(1, n))


@export("math.unsorted_segment_mean")
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Mean of the entries of each segment (0 for empty ones)."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "UnsortedSegmentMean"):
        data = _as_tensor(data)
        segment_ids = _as_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return summed / n


@export("math.unsorted_segment_sqrt_n")
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sum of each segment divided by the square root of its size."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "UnsortedSegmentSqrtN"):
        data = _as_tensor(data)
        segment_ids = _as_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        return unsorted_segment_sum(data, segment_ids, num_segments) / M.sqrt(n)


@export("math.bincount")
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Count occurrences of each non-negative integer in `arr` (weighted sums with `weights`)."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "bincount"):
        arr = _as_tensor(arr, name="arr")
        if weights is not None:
            if binary_output:
                raise ValueError("Arguments `binary_output` and `weights` are mutually "
                                 "exclusive. Please specify only one.")
            weights = _as_tensor(weights, name="weights")
        if not arr.dtype.is_integer:
            arr = M.cast(arr, dtypes.int32)
        if arr.dtype not in INTS:
            arr = M.cast(arr, dtypes.int32)
        axis = 0 if axis is None else axis
        if axis not in (0, -1):
            raise ValueError(f"Unsupported value for argument axis={axis}. Only 0 and -1 are "
                             "currently supported.")
        nonempty = M.cast(M.greater(array_ops.size(arr), 0), arr.dtype)
        output_size = M.multiply(nonempty, M.add(M.reduce_max(arr), M.scalar_like(1, arr)))
        if minlength is not None:
            output_size = M.maximum(_as_tensor(minlength, dtype=arr.dtype), output_size)
        if maxlength is not None:
            output_size = M.minimum(_as_tensor(maxlength, dtype=arr.dtype), output_size)
        if axis == 0:
            if weights is not None:
                weights = array_ops.reshape(weights, [-1])
            arr = array_ops.reshape(arr, [-1])
        if weights is None:
            weights = convert_to_tensor(np.zeros(0, dtypes.as_dtype(dtype).as_numpy_dtype))
        return execute(BINCOUNT, [arr, output_size, weights],
                       {"binary_output": bool(binary_output)}, default_name="DenseBincount")


def _range_checks(checks):
    """Run (condition_fn, x, y, cond_text, message) checks: now when eager, else Assert ops."""
    from tfedu.framework.context import _state
    from tfedu.ops import debugging

    graph = _state.graph
    asserts = []
    for fn, eager_fn, x, y, text, message in checks:
        if graph is None:
            eager_fn(x, message=message) if y is None else eager_fn(x, y, message=message)
            continue
        cond = M.reduce_all(fn(x) if y is None else fn(x, y))
        asserts.append(debugging.Assert(cond, [f"{message}.  Condition {text} did not hold."]))
    return graph, asserts


@export("math.confusion_matrix")
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """`num_classes x num_classes` counts of (label, prediction) pairs."""
    from tfedu.ops import debugging
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "confusion_matrix"):
        labels = M.cast(_as_tensor(labels, name="labels"), dtypes.int64)
        predictions = M.cast(_as_tensor(predictions, name="predictions"), dtypes.int64)
        if labels.shape.rank is not None and predictions.shape.rank is not None \
                and labels.shape.rank != predictions.shape.rank:
            raise ValueError(f"labels and predictions must have the same rank, got "
                             f"{labels.shape.rank} and {predictions.shape.rank}")

        def non_negative(v):
            return M.greater_equal(v, M.scalar_like(0, v))

        checks = [
            (non_negative, debugging.assert_non_negative, labels, None, "x >= 0",
             "`labels` contains negative values"),
            (non_negative, debugging.assert_non_negative, predictions, None, "x >= 0",
             "`predictions` contains negative values"),
        ]
        static_n = int(num_classes) if isinstance(num_classes, (int, np.integer)) else None
        if num_classes is None:
            num_classes = M.add(M.maximum(M.reduce_max(predictions), M.reduce_max(labels)),
                                M.scalar_like(1, labels))
        else:
            num_classes = M.cast(_as_tensor(num_classes), dtypes.int64)
            checks += [
                (M.less, debugging.assert_less, labels, num_classes, "x < y",
                 "`labels` out of bound"),
                (M.less, debugging.assert_less, predictions, num_classes, "x < y",
                 "`predictions` out of bound"),
            ]
        graph, asserts = _range_checks(checks)
        dtype = dtypes.as_dtype(dtype)
        values = array_ops.ones_like(predictions, dtype=dtype) if weights is None \
            else M.cast(_as_tensor(weights), dtype)
        if asserts:
            with graph.control_dependencies(asserts):
                labels = array_ops.identity(labels)
        flat = M.add(M.multiply(labels, num_classes), predictions)
        counts = unsorted_segment_sum(values, flat, M.multiply(num_classes, num_classes))
        shape = [static_n, static_n] if static_n is not None else \
            array_ops.stack([num_classes, num_classes])
        return array_ops.reshape(counts, shape)


@export("math.count_nonzero")
def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):
    """How many entries are non-zero along `axis` (int64 by default)."""
    from tfedu.ops.name_scope import name_scope

    keepdims = bool(keepdims)
    with name_scope(name or "count_nonzero"):
        x = _as_tensor(input, name="input")
        zero = array_ops.zeros([], dtype=x.dtype) if x.dtype is not dtypes.string else ""
        nz = M.cast(M.not_equal(x, zero), dtypes.int64)
        return M.cast(M.reduce_sum(nz, axis=axis, keepdims=keepdims), dtype=dtype)


@export("math.reduce_variance")
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance along `axis` (float or complex input)."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "reduce_variance"):
        x = _as_tensor(input_tensor, name="input_tensor")
        if x.dtype.is_integer or x.dtype is dtypes.bool_:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{x.dtype}.")
        means = M.reduce_mean(x, axis=axis, keepdims=True)
        dev = M.subtract(x, means)
        sq = M.square(M.abs(dev)) if x.dtype.is_complex else M.square(dev)
        return M.reduce_mean(sq, axis=axis, keepdims=keepdims)


@export("math.reduce_std")
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation along `axis`."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "reduce_std"):
        return M.sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


@export("math.reduce_logsumexp", "reduce_logsumexp")
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) along `axis`, shifted by the max so it does not overflow."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "ReduceLogSumExp") as scope:
        x = _as_tensor(input_tensor, name="input_tensor")
        raw_max = M.reduce_max(x, axis=axis, keepdims=True)
        my_max = array_ops.stop_gradient(
            array_ops.where(is_finite(raw_max), raw_max, array_ops.zeros_like(raw_max)))
        result = M.log(M.reduce_sum(M.exp(M.subtract(x, my_max)), axis=axis,
                                    keepdims=keepdims))
        if not keepdims:
            my_max = array_ops.reshape(my_max, array_ops.shape(result))
        return M.add(result, my_max, name=scope)


@export("math.reduce_euclidean_norm")
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x**2)) along `axis`."""
    return M._reduce(EUCLIDEAN_NORM, input_tensor, axis, keepdims, name, "EuclideanNorm")


@export("math.accumulate_n")
def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Sum of a list of same-shape tensors (the same as `add_n` here)."""
    return M.add_n(inputs, name=name)


# ------------------------------------------------------------------------------------------
# Clipping
# ------------------------------------------------------------------------------------------

@export("clip_by_value")
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp every entry of `t` to `[clip_value_min, clip_value_max]`."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "clip_by_value") as scope:
        values = _as_tensor(t, name="t")
        t_min = M.minimum(values, _as_tensor(clip_value_max, dtype=values.dtype))
        out = M.maximum(t_min, _as_tensor(clip_value_min, dtype=values.dtype), name=scope)
        if values.shape.is_fully_defined() and out.shape.is_fully_defined() \
                and values.shape.as_list() != out.shape.as_list():
            raise ValueError(f"Shapes {out.shape} and {values.shape} are incompatible")
        return out


@export("clip_by_norm")
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescale `t` so its L2 norm (over `axes`) is at most `clip_norm`."""
    from tfedu.ops.name_scope import name_scope

    with name_scope(name or "clip_by_norm") as scope:
        values = _as_tensor(t, name="t")
        clip_norm = _as_tensor(clip_norm, dtype=values.dtype)
        l2sum = M.reduce_sum(M.multiply(values, values), axis=axes, keepdims=True)
        pred = M.greater(l2sum, M.scalar_like(0, l2sum))
        l2sum_safe = array_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(pred, M.sqrt(l2sum_safe), l2sum)
        intermediate = M.multiply(values, clip_norm)
        return array_ops.identity(M.divide_op(intermediate, M.maximum(l2norm, clip_norm)),
                                  name=scope)


def _global_norm(t_list):
    sq = [M.reduce_sum(M.square(_as_tensor(t))) for t in t_list if t is not None]
    if not sq:
        return convert_to_tensor(np.float32(0.0))
    dt = sq[0].dtype
    total = M.add_n([M.cast(s, dt) for s in sq])
    return M.sqrt(total)


@export("clip_by_global_norm")
def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor in `t_list` by clip_norm / max(global_norm, clip_norm).

    Returns `(list_clipped, global_norm)`; `None` entries stay `None`.
    """
    if not isinstance(t_list, (list, tuple)) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    from tfedu.ops.name_scope import name_scope

    t_list = list(t_list)
    with name_scope(name or "clip_by_global_norm"):
        norm = _global_norm(t_list) if use_norm is None else _as_tensor(use_norm)
        clip_norm = _as_tensor(clip_norm, dtype=norm.dtype)
        one = M.scalar_like(1, norm)
        scale_for_finite = M.multiply(clip_norm, M.minimum(
            M.divide_op(one, norm), M.divide_op(one, clip_norm)))
        scale = M.add(scale_for_finite, M.subtract(norm, norm))
        clipped = [None if t is None else
                   array_ops.identity(M.multiply(_as_tensor(t), M.cast(scale, _as_tensor(t).dtype)))
                   for t in t_list]
        return clipped, norm
