"""Special functions of `tf.math` (and `tf.math.special`): the error function and its
inverse, gamma-family functions, Bessel functions, `xlogy`/`xdivy` and `lbeta`.

Large inputs run Numba kernels (`tfedu.kernels.math_kernels`); small ones stay on numpy.
"""

from __future__ import annotations

import math

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.execute import execute
from tfedu.framework.name_scope import name_scope
from tfedu.framework.registry import FLOAT, register_op
from tfedu.kernels import math_kernels
from tfedu.kernels.math_kernels import ref_special
from tfedu.ops import math_ops as M
from tfedu.ops.gradient_util import binary_grads
from tfedu.ops.math_ops import _bshape, _not_zero, _one
from tfedu.ops.op_helpers import (
    ERRSTATE_IGNORE,
    as_tensor,
    binary_function,
    export,
    float_kernel,
    register_binary,
    register_unary,
    unary_function,
)

# Size (elements) from which the Numba kernels are used (erf 10x once loaded).
NB_SPECIAL_MIN = 256
_XLOGY_T = (dtypes.float16, dtypes.float32, dtypes.float64) + dtypes.COMPLEX


def _special_kernel(name):
    def kernel(x):
        if x.size >= NB_SPECIAL_MIN and x.dtype.kind == "f":
            r = math_kernels.nb_special(name, x)
        else:
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
    with np.errstate(**ERRSTATE_IGNORE):
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
        out = np.array(series + acc + refl)  # an array even for a scalar x
    out[pole] = np.inf  # Eigen (and so TF) returns +inf at the poles
    out[np.isnan(x)] = np.nan
    return out


_BERNOULLI_2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _erf_grad(op, g):
    x = op.inputs[0]
    two_over_root_pi = _one(g, 2 / math.sqrt(math.pi))
    return [M.multiply(g, M.multiply(two_over_root_pi, M.exp(M.negative(M.square(x)))))]


ERF = register_unary("Erf", _special_kernel("erf"), FLOAT, _erf_grad, doc="Gauss error function", numba=("math_kernels.nb_special",))


def _erfc_grad(op, g):
    return [M.negative(_erf_grad(op, g)[0])]


ERFC = register_unary("Erfc", _special_kernel("erfc"), FLOAT, _erfc_grad, doc="1 - erf(x)", numba=("math_kernels.nb_special",))
LGAMMA = register_unary("Lgamma", _special_kernel("lgamma"), FLOAT,
                        lambda op, g: [M.multiply(g, digamma(op.inputs[0]))],
                        doc="log |Gamma(x)|", numba=("math_kernels.nb_special",))
DIGAMMA = register_unary(
    "Digamma", float_kernel(_digamma_np), FLOAT,
    lambda op, g: [M.multiply(g, polygamma(M.scalar_like(1, op.inputs[0]), op.inputs[0]))],
    doc="psi(x), the derivative of lgamma")


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
        with np.errstate(**ERRSTATE_IGNORE):
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


POLYGAMMA = register_op(
    "Polygamma", group="math", inputs=("a: T", "x: T"), outputs=("z: T",),
    type_attrs={"T": (dtypes.float32, dtypes.float64)},
    infer=lambda op: [(_bshape(op), op.dtype(1))],
    kernel=lambda a, x: _polygamma_np(a, x).astype(x.dtype),
    grad=lambda op, g: [None, M.multiply(g, polygamma(
        M.add(op.inputs[0], M.scalar_like(1, op.inputs[0])), op.inputs[1]))],
    doc="psi^(a)(x), the a-th derivative of digamma")


@export("math.polygamma")
def polygamma(a, x, name=None):
    """The n-th derivative of the digamma function, `psi^(a)(x)`, elementwise."""
    a = as_tensor(a, name="a")
    x = as_tensor(x, dtype=a.dtype, name="x")
    return execute(POLYGAMMA, [a, x], name=name, default_name="Polygamma")


def _xlogy_kernel(x, y):
    with np.errstate(**ERRSTATE_IGNORE):
        r = np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))
    return r.astype(x.dtype, copy=False)


def _xlogy_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, M.multiply(g, xlogy(_not_zero(x), y)), M.multiply(g, xdivy(x, y)))


XLOGY = register_binary("Xlogy", _xlogy_kernel, _XLOGY_T, _xlogy_grad,
                        doc="x * log(y), 0 where x == 0")


def _xdivy_kernel(x, y):
    with np.errstate(**ERRSTATE_IGNORE):
        r = np.where(x == 0, np.zeros((), x.dtype), x / y)
    return r.astype(x.dtype, copy=False)


def _xdivy_grad(op, g):
    x, y = op.inputs
    return binary_grads(op, M.multiply(g, xdivy(_not_zero(x), y)),
                        M.multiply(g, xdivy(M.negative(x), M.square(y))))


XDIVY = register_binary("Xdivy", _xdivy_kernel, _XLOGY_T, _xdivy_grad, doc="x / y, 0 where x == 0")


def _erfinv_np(y):
    """Inverse error function: Giles' single-precision start, then two Newton steps on erf."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(**ERRSTATE_IGNORE):
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
    "Erfinv", float_kernel(_erfinv_np), FLOAT,
    lambda op, g: [M.multiply(g, M.multiply(M.scalar_like(math.sqrt(math.pi) / 2, g),
                                            M.exp(M.square(op.outputs[0]))))],
    doc="inverse of erf")
NDTRI = register_unary(
    "Ndtri", float_kernel(lambda p: math.sqrt(2) * _erfinv_np(2 * np.asarray(p, np.float64) - 1)),
    FLOAT,
    lambda op, g: [M.multiply(g, M.multiply(M.scalar_like(math.sqrt(2 * math.pi), g),
                                            M.exp(M.multiply(M.scalar_like(0.5, g),
                                                             M.square(op.outputs[0])))))],
    doc="inverse of the standard normal CDF")
BESSEL_I0 = register_unary(
    "BesselI0", float_kernel(lambda x: np.i0(x.astype(np.float64))), FLOAT, None, doc="modified Bessel function of order 0")
BESSEL_I0E = register_unary(
    "BesselI0e", float_kernel(lambda x: np.exp(-np.abs(x.astype(np.float64))) * np.i0(x.astype(np.float64))), FLOAT, None,
    doc="exponentially scaled modified Bessel function of order 0")
erf = export("math.erf")(unary_function(ERF, "Erf"))
erfc = export("math.erfc")(unary_function(ERFC, "Erfc"))
lgamma = export("math.lgamma")(unary_function(LGAMMA, "Lgamma"))
digamma = export("math.digamma")(unary_function(DIGAMMA, "Digamma"))
erfinv = export("math.erfinv")(unary_function(ERFINV, "Erfinv"))
ndtri = export("math.ndtri")(unary_function(NDTRI, "Ndtri"))
bessel_i0 = export("math.bessel_i0", "math.special.bessel_i0")(unary_function(BESSEL_I0, "BesselI0"))
bessel_i0e = export("math.bessel_i0e", "math.special.bessel_i0e")(
    unary_function(BESSEL_I0E, "BesselI0e"))


@export("math.lbeta")
def lbeta(x, name=None):
    """log(|Beta(x)|) over the last axis: sum(lgamma(x)) - lgamma(sum(x))."""
    with name_scope(name or "lbeta"):
        x = as_tensor(x, name="x")
        log_prod_gamma = M.reduce_sum(lgamma(x), axis=[-1])
        log_gamma_sum = lgamma(M.reduce_sum(x, axis=[-1]))
        return M.subtract(log_prod_gamma, log_gamma_sum)


xlogy = export("math.xlogy")(binary_function(XLOGY, "Xlogy", "xlogy"))
xdivy = export("math.xdivy")(binary_function(XDIVY, "Xdivy", "xdivy"))


