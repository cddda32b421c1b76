"""Numba kernels for the math family: segment reductions, bincount, scans, special functions.

Each `nb_<name>` has a plain-numpy twin `ref_<name>` with the same contract; Numba itself is
imported when an `nb_` kernel first runs (`lazy_njit`). Callers validate
inputs first (segment ids in range, bins non-negative): the Numba loops trust their indices.
Segment kernels work on `data` reshaped to 2-D `(rows, inner)` and C-contiguous.
"""

from __future__ import annotations

import math

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

# Reduction codes shared by the segment kernels.
SUM, PROD, MAX, MIN = 0, 1, 2, 3


def identity_of(code: int, dtype) -> object:
    """The value an empty segment starts from for reduction `code`."""
    dtype = np.dtype(dtype)
    if code == SUM:
        return dtype.type(0)
    if code == PROD:
        return dtype.type(1)
    # TF starts max/min from the lowest/highest finite value, which empty segments keep
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return dtype.type(info.min if code == MAX else info.max)


# ------------------------------------------------------------------------------------------
# Segment reductions: out[ids[i]] op= data[i]; negative ids are skipped (unsorted semantics)
# ------------------------------------------------------------------------------------------

def ref_segment_reduce(data2d, ids, num_segments, code):
    """Reduce rows of `data2d` (rows, inner) into `num_segments` rows by `ids` (numpy).

    Returns `(out, seen)`; rows of segments nobody hit hold the reduction's identity here and
    an unspecified value in the Numba twin, so callers fill them.
    """
    out = np.full((num_segments, data2d.shape[1]), identity_of(code, data2d.dtype),
                  dtype=data2d.dtype)
    keep = ids >= 0
    ids, rows = ids[keep], data2d[keep]
    ufunc = (np.add, np.multiply, np.maximum, np.minimum)[code]
    ufunc.at(out, ids, rows)
    seen = np.zeros(num_segments, dtype=bool)
    seen[ids] = True
    return out, seen


@lazy_njit()
def nb_segment_reduce(data2d, ids, num_segments, code):
    inner = data2d.shape[1]
    out = np.empty((num_segments, inner), dtype=data2d.dtype)
    init = data2d.dtype.type(0)
    if code == PROD:
        init = data2d.dtype.type(1)
    for s in range(num_segments):
        for j in range(inner):
            out[s, j] = init
    seen = np.zeros(num_segments, dtype=np.bool_)
    for i in range(data2d.shape[0]):
        s = ids[i]
        if s < 0:
            continue
        if code == SUM:
            for j in range(inner):
                out[s, j] += data2d[i, j]
        elif code == PROD:
            for j in range(inner):
                out[s, j] *= data2d[i, j]
        elif not seen[s]:
            for j in range(inner):
                out[s, j] = data2d[i, j]
        elif code == MAX:
            for j in range(inner):
                v = data2d[i, j]
                if v > out[s, j] or v != v:
                    out[s, j] = v
        else:
            for j in range(inner):
                v = data2d[i, j]
                if v < out[s, j] or v != v:
                    out[s, j] = v
        seen[s] = True
    return out, seen


def segment_counts(ids, num_segments):
    """How many rows land in each segment (negative ids dropped)."""
    return np.bincount(ids[ids >= 0], minlength=num_segments)[:num_segments]


# ------------------------------------------------------------------------------------------
# Bincount
# ------------------------------------------------------------------------------------------

def ref_bincount(arr, weights, size):
    """Counts (or summed weights) of each value of flat `arr` in `[0, size)`; larger values drop."""
    keep = arr < size
    w = None if weights is None else weights[keep]
    out = np.bincount(arr[keep], weights=w, minlength=size)[:size]
    return out


@lazy_njit()
def nb_bincount(arr, weights, size, out):
    """Add `weights[i]` (or 1 when weights is empty) to `out[arr[i]]` for arr[i] < size."""
    use_w = weights.shape[0] > 0
    for i in range(arr.shape[0]):
        v = arr[i]
        if v < size:
            if use_w:
                out[v] += weights[i]
            else:
                out[v] += 1
    return out


# ------------------------------------------------------------------------------------------
# Scans along the middle axis of a (outer, n, inner) view
# ------------------------------------------------------------------------------------------

def ref_scan(x3, is_prod, exclusive, reverse):
    """Cumulative sum/product along axis 1 of a 3-D array, TF's exclusive/reverse options."""
    op = np.cumprod if is_prod else np.cumsum
    y = x3[:, ::-1] if reverse else x3
    out = op(y, axis=1, dtype=x3.dtype)
    if exclusive:
        first = np.ones_like(out[:, :1]) if is_prod else np.zeros_like(out[:, :1])
        out = np.concatenate([first, out[:, :-1]], axis=1)
    return out[:, ::-1] if reverse else out


@lazy_njit()
def nb_scan(x3, is_prod, exclusive, reverse):
    outer, n, inner = x3.shape
    out = np.empty_like(x3)
    for o in range(outer):
        for j in range(inner):
            acc = x3.dtype.type(1) if is_prod else x3.dtype.type(0)
            for k in range(n):
                i = n - 1 - k if reverse else k
                v = x3[o, i, j]
                if exclusive:
                    out[o, i, j] = acc
                if is_prod:
                    acc = acc * v
                else:
                    acc = acc + v
                if not exclusive:
                    out[o, i, j] = acc
    return out


# ------------------------------------------------------------------------------------------
# Special functions (numpy has none; math.* per element is slow on big arrays)
# ------------------------------------------------------------------------------------------

_ref_erf = np.vectorize(math.erf, otypes=[np.float64])
_ref_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _ref_lgamma_scalar(v):
    try:
        return math.lgamma(v)
    except ValueError:  # poles at non-positive integers
        return math.inf


_ref_lgamma = np.vectorize(_ref_lgamma_scalar, otypes=[np.float64])


def ref_special(name, x):
    """erf / erfc / lgamma of a float array, computed in float64 (numpy)."""
    fn = {"erf": _ref_erf, "erfc": _ref_erfc, "lgamma": _ref_lgamma}[name]
    if x.size == 0:
        return np.zeros(x.shape)
    return fn(x.astype(np.float64))


@lazy_njit()
def _nb_special_flat(x, which):
    out = np.empty(x.shape[0], dtype=np.float64)
    for i in range(x.shape[0]):
        v = float(x[i])
        if which == 0:
            out[i] = math.erf(v)
        elif which == 1:
            out[i] = math.erfc(v)
        elif v <= 0.0 and v == math.floor(v):
            out[i] = math.inf
        else:
            out[i] = math.lgamma(v)
    return out


def nb_special(name, x):
    which = {"erf": 0, "erfc": 1, "lgamma": 2}[name]
    flat = np.ascontiguousarray(x).reshape(-1)
    return _nb_special_flat(flat, which).reshape(x.shape)
