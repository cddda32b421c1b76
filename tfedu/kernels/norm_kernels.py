"""Batch normalisation kernels (`FusedBatchNormV3` and its gradient) on (rows, channels) arrays.

The caller flattens an NHWC batch to `x2d = x.reshape(-1, C)`: every row is one pixel of one
image, every column one channel, and batch normalisation works per column.

Forward, while training (two passes over `x`, none over temporaries):

    mean, var = column means of x and of (x - mean)**2        (accumulated in float64)
    y = x * inv + shift     with inv = scale / sqrt(var + eps), shift = offset - mean * inv

Backward, with xhat = (x - mean) / sqrt(var + eps) and N rows (two passes):

    d_offset = sum(dy),   d_scale = sum(dy * xhat)
    dx = scale / sqrt(var + eps) * (dy - d_offset / N - xhat * d_scale / N)
       = a * dy + b * x + c     (a, b, c per channel: one multiply-add pass)

`ref_*` are the numpy versions to read first; `nb_*` are Numba loops. Sums over rows go through
16 fixed chunks (each a serial loop, in parallel with the others) added in order at the end, so
results do not depend on the thread count. Statistics take one pass: float64 sums of x and x*x
(the variance E[x*x] - mean*mean loses nothing a float32 input can hold unless |mean| is
thousands of times the standard deviation). A chunk adds four rows at a time into its per-channel
float64 accumulators: with 32 or 64 channels a row is only a few vectors long, and loading and
storing the accumulators for every row cost more than the additions (4 rows: 2x faster).

`nb_bn_apply` can also apply a ReLU in the same pass (`relu=True`): TensorFlow's remapper fuses
FusedBatchNormV3 + Relu into `_FusedBatchNormEx`, and so does tfedu's (`tfedu/graph/remapper.py`).
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

prange = range  # replaced by numba.prange when the first kernel is compiled

__all__ = ["ref_bn_stats", "nb_bn_stats", "nb_bn_sums", "ref_bn_apply", "nb_bn_apply",
           "ref_bn_grad_sums", "nb_bn_grad_sums", "ref_bn_grad_apply", "nb_bn_grad_apply"]


def ref_bn_stats(x2d):
    """(mean, biased variance) of every column, float64."""
    x = x2d.astype(np.float64)
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    var = ((x - mean) ** 2).mean(axis=0) if len(x) else np.zeros(x.shape[1])
    return mean, var


def nb_bn_stats(x2d):
    """`ref_bn_stats` from the chunk sums of `nb_bn_sums` (added in chunk order)."""
    s, q = nb_bn_sums(x2d)
    rows = x2d.shape[0]
    if rows == 0:
        return np.zeros(x2d.shape[1]), np.zeros(x2d.shape[1])
    mean = s.sum(axis=0) / rows
    return mean, np.maximum(q.sum(axis=0) / rows - mean * mean, 0.0)


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_sums(x2d):
    """Per-chunk float64 sums of x and x*x: two (16, channels) arrays."""
    rows, c = x2d.shape
    s = np.zeros((16, c))
    q = np.zeros((16, c))
    for k in prange(16):
        lo, hi = rows * k // 16, rows * (k + 1) // 16
        ls, lq = np.zeros(c), np.zeros(c)
        for r in range(lo, hi - 3, 4):
            x0, x1, x2, x3 = x2d[r], x2d[r + 1], x2d[r + 2], x2d[r + 3]
            for ch in range(c):
                v0, v1 = np.float64(x0[ch]), np.float64(x1[ch])
                v2, v3 = np.float64(x2[ch]), np.float64(x3[ch])
                ls[ch] += (v0 + v1) + (v2 + v3)
                lq[ch] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
        for r in range(lo + (hi - lo) // 4 * 4, hi):
            for ch in range(c):
                v = np.float64(x2d[r, ch])
                ls[ch] += v
                lq[ch] += v * v
        s[k], q[k] = ls, lq
    return s, q


def ref_bn_apply(x2d, inv, shift, relu=False):
    """y = x * inv + shift, per column, in x's dtype (then max(y, 0) with `relu`)."""
    y = (x2d * inv.astype(x2d.dtype) + shift.astype(x2d.dtype)).astype(x2d.dtype, copy=False)
    return np.maximum(y, np.zeros((), y.dtype), out=y) if relu else y


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_apply(x2d, inv, shift, relu=False):
    rows, c = x2d.shape
    out = np.empty_like(x2d)
    a = inv.astype(x2d.dtype)
    b = shift.astype(x2d.dtype)
    for k in prange(16):
        for r in range(rows * k // 16, rows * (k + 1) // 16):
            xr, o = x2d[r], out[r]
            if relu:  # not (v < 0) keeps NaN, as np.maximum(v, 0) does
                for ch in range(c):
                    v = xr[ch] * a[ch] + b[ch]
                    o[ch] = v if not v < 0 else 0
            else:
                for ch in range(c):
                    o[ch] = xr[ch] * a[ch] + b[ch]
    return out


def ref_bn_grad_sums(dy2d, x2d, mean):
    """(sum of dy, sum of dy * (x - mean)) per column, float64."""
    dy = dy2d.astype(np.float64)
    return dy.sum(axis=0), (dy * (x2d.astype(np.float64) - mean)).sum(axis=0)


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_grad_sums(dy2d, x2d, mean):
    rows, c = x2d.shape
    s = np.zeros((16, c))
    p = np.zeros((16, c))
    for k in prange(16):
        lo, hi = rows * k // 16, rows * (k + 1) // 16
        ls, lp = np.zeros(c), np.zeros(c)
        for r in range(lo, hi - 3, 4):
            g0, g1, g2, g3 = dy2d[r], dy2d[r + 1], dy2d[r + 2], dy2d[r + 3]
            x0, x1, x2, x3 = x2d[r], x2d[r + 1], x2d[r + 2], x2d[r + 3]
            for ch in range(c):
                a0, a1 = np.float64(g0[ch]), np.float64(g1[ch])
                a2, a3 = np.float64(g2[ch]), np.float64(g3[ch])
                m = mean[ch]
                ls[ch] += (a0 + a1) + (a2 + a3)
                lp[ch] += ((a0 * (np.float64(x0[ch]) - m) + a1 * (np.float64(x1[ch]) - m))
                           + (a2 * (np.float64(x2[ch]) - m) + a3 * (np.float64(x3[ch]) - m)))
        for r in range(lo + (hi - lo) // 4 * 4, hi):
            for ch in range(c):
                g = np.float64(dy2d[r, ch])
                ls[ch] += g
                lp[ch] += g * (np.float64(x2d[r, ch]) - mean[ch])
        s[k], p[k] = ls, lp
    return s.sum(axis=0), p.sum(axis=0)


def ref_bn_grad_apply(dy2d, x2d, a, b, c):
    """dx = a * dy + b * x + c, per column, in dy's dtype."""
    t = dy2d.dtype
    return (dy2d * a.astype(t) + x2d * b.astype(t) + c.astype(t)).astype(t, copy=False)


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_grad_apply(dy2d, x2d, a, b, c):
    rows, nc = x2d.shape
    out = np.empty_like(dy2d)
    a1 = a.astype(dy2d.dtype)
    b1 = b.astype(dy2d.dtype)
    c1 = c.astype(dy2d.dtype)
    for k in prange(16):
        for r in range(rows * k // 16, rows * (k + 1) // 16):
            for ch in range(nc):
                out[r, ch] = dy2d[r, ch] * a1[ch] + x2d[r, ch] * b1[ch] + c1[ch]
    return out
