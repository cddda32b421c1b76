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
thousands of times the standard deviation).
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

prange = range  # replaced by numba.prange when the first kernel is compiled

__all__ = ["ref_bn_stats", "nb_bn_stats", "ref_bn_apply", "nb_bn_apply",
           "ref_bn_grad_sums", "nb_bn_grad_sums", "ref_bn_grad_apply", "nb_bn_grad_apply"]


def ref_bn_stats(x2d):
    """(mean, biased variance) of every column, float64."""
    x = x2d.astype(np.float64)
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    var = ((x - mean) ** 2).mean(axis=0) if len(x) else np.zeros(x.shape[1])
    return mean, var


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_stats(x2d):
    rows, c = x2d.shape
    s = np.zeros((16, c))
    q = np.zeros((16, c))
    for k in prange(16):
        for r in range(rows * k // 16, rows * (k + 1) // 16):
            for ch in range(c):
                v = np.float64(x2d[r, ch])
                s[k, ch] += v
                q[k, ch] += v * v
    mean = np.zeros(c)
    var = np.zeros(c)
    if rows == 0:
        return mean, var
    for ch in range(c):
        ts = 0.0
        tq = 0.0
        for k in range(16):
            ts += s[k, ch]
            tq += q[k, ch]
        mean[ch] = ts / rows
        var[ch] = max(tq / rows - mean[ch] * mean[ch], 0.0)
    return mean, var


def ref_bn_apply(x2d, inv, shift):
    """y = x * inv + shift, per column, in x's dtype."""
    return (x2d * inv.astype(x2d.dtype) + shift.astype(x2d.dtype)).astype(x2d.dtype, copy=False)


@lazy_njit(parallel=True, error_model="numpy")
def nb_bn_apply(x2d, inv, shift):
    rows, c = x2d.shape
    out = np.empty_like(x2d)
    a = inv.astype(x2d.dtype)
    b = shift.astype(x2d.dtype)
    for k in prange(16):
        for r in range(rows * k // 16, rows * (k + 1) // 16):
            for ch in range(c):
                out[r, ch] = x2d[r, ch] * a[ch] + b[ch]
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
        for r in range(rows * k // 16, rows * (k + 1) // 16):
            for ch in range(c):
                g = np.float64(dy2d[r, ch])
                s[k, ch] += g
                p[k, ch] += g * (np.float64(x2d[r, ch]) - mean[ch])
    sum_dy = np.zeros(c)
    sum_dyx = np.zeros(c)
    for ch in range(c):
        for k in range(16):
            sum_dy[ch] += s[k, ch]
            sum_dyx[ch] += p[k, ch]
    return sum_dy, sum_dyx


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
