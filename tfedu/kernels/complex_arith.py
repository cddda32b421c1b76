"""Complex multiplication and division as TensorFlow's C++ kernels do them, for NaN and inf.

numpy multiplies complex numbers the textbook way and divides them with Smith's method. In
TensorFlow the answer depends on where the arithmetic runs:

- scalar C++ code (`std::complex` operators, compiled to libgcc's `__muldc3`/`__divdc3`) follows
  C99 Annex G: a product or quotient that comes out NaN+NaNj is recomputed so that an infinite
  operand gives an infinite result and a finite/infinite quotient gives zero;
  `(inf+infj) * 1` is inf+infj, `1 / (inf+2j)` is 0.
- Eigen's vectorised packets use the textbook product (`(inf+infj) * 1` is NaN+NaNj) and a
  division scaled by max(|re|, |im|) of the divisor (`1 / (inf+2j)` is NaN+NaNj).

The linear-algebra kernels call these only on their careful path, for matrices holding NaN or
inf; finite matrices go to LAPACK. Every function works elementwise on broadcast arrays.
"""

from __future__ import annotations

import numpy as np


def _complex(re, im, dtype):
    out = np.empty(np.broadcast_shapes(np.shape(re), np.shape(im)), dtype)
    out.real, out.imag = re, im
    return out


def _parts(a, b):
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    return a.real, a.imag, b.real, b.imag, np.result_type(a, b, np.complex64)


def multiply_packet(a, b):
    """The textbook product (Eigen's packets): no recovery of NaN+NaNj."""
    ar, ai, br, bi, dt = _parts(a, b)
    with np.errstate(all="ignore"):
        return _complex(ar * br - ai * bi, ar * bi + ai * br, dt)


def _box(x):
    """An infinite part becomes +-1, a finite one +-0 (Annex G's "boxing" of an infinity)."""
    return np.copysign(np.isinf(x).astype(x.dtype), x)


def _zero_nan(x, where):
    return np.where(where & np.isnan(x), np.copysign(np.zeros_like(x), x), x)


def multiply_scalar(a, b):
    """`__muldc3`: the textbook product, then C99 Annex G's recovery of NaN+NaNj."""
    ar, ai, br, bi, dt = _parts(a, b)
    with np.errstate(all="ignore"):
        x, y = ar * br - ai * bi, ar * bi + ai * br
        lost = np.isnan(x) & np.isnan(y)
        if not lost.any():
            return _complex(x, y, dt)
        inf_a, inf_b = np.isinf(ar) | np.isinf(ai), np.isinf(br) | np.isinf(bi)
        over = ~inf_a & ~inf_b & (np.isinf(ar * br) | np.isinf(ai * bi) | np.isinf(ar * bi)
                                  | np.isinf(ai * br))
        ar, ai = np.where(inf_a, _box(ar), ar), np.where(inf_a, _box(ai), ai)
        br, bi = np.where(inf_b, _box(br), br), np.where(inf_b, _box(bi), bi)
        ar, ai = _zero_nan(ar, inf_b | over), _zero_nan(ai, inf_b | over)
        br, bi = _zero_nan(br, inf_a | over), _zero_nan(bi, inf_a | over)
        redo = lost & (inf_a | inf_b | over)
        x = np.where(redo, np.inf * (ar * br - ai * bi), x)
        y = np.where(redo, np.inf * (ar * bi + ai * br), y)
    return _complex(x, y, dt)


def _smith(ar, ai, br, bi):
    """libgcc's quotient before recovery: Smith's method, scaled by the larger divisor part."""
    small = np.abs(br) < np.abs(bi)
    c, d = np.where(small, bi, br), np.where(small, br, bi)  # |c| >= |d|
    ratio = d / c
    denom = d * ratio + c
    x = np.where(small, ar * ratio + ai, ai * ratio + ar) / denom
    y = np.where(small, ai * ratio - ar, ai - ar * ratio) / denom
    return x, y


def divide_scalar(a, b):
    """`__divdc3`: Smith's quotient, then C99 Annex G's recovery of NaN+NaNj (x/0 infinite,
    inf/finite infinite, finite/inf zero)."""
    ar, ai, br, bi, dt = _parts(a, b)
    with np.errstate(all="ignore"):
        x, y = _smith(ar, ai, br, bi)
        lost = np.isnan(x) & np.isnan(y)
        by_zero = lost & (br == 0) & (bi == 0) & ~(np.isnan(ar) & np.isnan(ai))
        inf_num = lost & ~by_zero & (np.isinf(ar) | np.isinf(ai)) & np.isfinite(br) \
            & np.isfinite(bi)
        inf_den = lost & ~by_zero & ~inf_num & (np.isinf(br) | np.isinf(bi)) \
            & np.isfinite(ar) & np.isfinite(ai)
        inf_c = np.copysign(np.inf, br)
        x = np.where(by_zero, inf_c * ar, x)
        y = np.where(by_zero, inf_c * ai, y)
        x = np.where(inf_num, np.inf * (_box(ar) * br + _box(ai) * bi), x)
        y = np.where(inf_num, np.inf * (_box(ai) * br - _box(ar) * bi), y)
        x = np.where(inf_den, 0.0 * (ar * _box(br) + ai * _box(bi)), x)
        y = np.where(inf_den, 0.0 * (ai * _box(br) - ar * _box(bi)), y)
    return _complex(x, y, dt)


def divide_packet(a, b):
    """Eigen's packet quotient: divisor scaled by m = max(|re|, |im|), a * conj(b/m) /
    |b/m|^2 / m; an infinite divisor makes NaN (inf/inf), as does a zero one (0/0)."""
    ar, ai, br, bi, dt = _parts(a, b)
    with np.errstate(all="ignore"):
        m = np.maximum(np.abs(br), np.abs(bi))
        sr, si = br / m, bi / m
        denom = sr * sr + si * si
        num = multiply_packet(_complex(ar, ai, dt), _complex(sr, -si, dt))
        return _complex(num.real / denom / m, num.imag / denom / m, dt)
