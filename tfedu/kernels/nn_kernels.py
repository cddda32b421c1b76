"""Convolution and pooling kernels on NHWC arrays: numpy references and Numba versions.

A 2-D convolution is a matrix product once every output position's receptive field is laid
out as a row ("im2col"):

    cols[n, oy, ox, i, j, c] = x[n, oy*sh - ph + i*dh, ox*sw - pw + j*dw, c]   (0 outside x)
    y = cols.reshape(-1, kh*kw*c) @ w.reshape(kh*kw*c, f)

Its input gradient scatters rows back onto the image ("col2im", a sum where windows overlap).
Pooling walks the same windows but keeps the max (and where it was) or the mean of the cells
that lie inside the image.

`ref_*` functions are the short numpy versions to read first; `nb_*` are Numba loops, parallel
over the batch (every image is written by one thread, so no two threads touch one cell).
The window geometry (`oh, ow, ph, pw`) is computed by the caller (`window_geometry`).

Importing this module does not import Numba: each `nb_*` kernel is compiled on its first call
(`lazy_njit`), so small tensors, which take the numpy path, never pay Numba's import.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

prange = range  # replaced by numba.prange when the first kernel is compiled


__all__ = [
    "window_geometry",
    "ref_im2col", "nb_im2col", "ref_col2im", "nb_col2im",
    "ref_max_pool", "nb_max_pool", "ref_max_pool_scatter", "nb_max_pool_scatter",
    "nb_max_pool_values", "ref_max_pool_grad", "nb_max_pool_grad", "ref_bias_act", "nb_bias_act",
    "ref_bias_add_grad", "nb_bias_add_grad",
    "ref_avg_pool", "nb_avg_pool", "ref_avg_pool_grad", "nb_avg_pool_grad",
]


def window_geometry(size: int, k: int, stride: int, dilation: int, padding: str,
                    explicit: tuple[int, int] = (0, 0)) -> tuple[int, int, int]:
    """(output size, padding before, padding after) of one spatial dim, as TF computes them.

    VALID: out = ceil((size - eff_k + 1) / stride); SAME: out = ceil(size / stride) with the
    padding split evenly, the extra cell after. A negative VALID size is returned as is so the
    caller can report it.
    """
    eff_k = (k - 1) * dilation + 1
    if padding == "VALID":
        return _div_toward_zero(size - eff_k + stride, stride), 0, 0
    if padding == "SAME":
        out = (size + stride - 1) // stride
        total = max((out - 1) * stride + eff_k - size, 0)
        return out, total // 2, total - total // 2
    lo, hi = explicit
    return _div_toward_zero(size + lo + hi - eff_k + stride, stride), lo, hi


def _div_toward_zero(a: int, b: int) -> int:
    """C++ integer division, as TF's shape code does it."""
    return a // b if a >= 0 else -(-a // b)


# ------------------------------------------------------------------------------------------
# im2col / col2im
# ------------------------------------------------------------------------------------------


def _padded(x, ph, pw, oh, ow, kh, kw, sh, sw, dh, dw, fill=0):
    """x padded so every window of the output grid lies inside (a numpy helper)."""
    n, h, w, c = x.shape
    need_h = (oh - 1) * sh + (kh - 1) * dh + 1
    need_w = (ow - 1) * sw + (kw - 1) * dw + 1
    out = np.full((n, max(need_h, h + ph), max(need_w, w + pw), c), fill, dtype=x.dtype)
    out[:, ph:ph + h, pw:pw + w, :] = x
    return out


def ref_im2col(x, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow):
    """cols[n, oy, ox, i, j, c]: the receptive field of every output cell, zero-padded."""
    n, _, _, c = x.shape
    xp = _padded(x, ph, pw, oh, ow, kh, kw, sh, sw, dh, dw)
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = xp[:, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                                        j * dw: j * dw + sw * (ow - 1) + 1: sw, :]
    return cols


@lazy_njit(parallel=True, error_model="numpy")
def nb_im2col(x, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow):
    n, h, w, c = x.shape
    cols = np.empty((n, oh * ow, kh * kw * c), dtype=x.dtype)
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                r = oy * ow + ox
                for i in range(kh):
                    iy = oy * sh - ph + i * dh
                    for j in range(kw):
                        ix = ox * sw - pw + j * dw
                        q = (i * kw + j) * c
                        if iy < 0 or iy >= h or ix < 0 or ix >= w:
                            for ch in range(c):
                                cols[b, r, q + ch] = 0
                        else:
                            for ch in range(c):
                                cols[b, r, q + ch] = x[b, iy, ix, ch]
    return cols.reshape(n, oh, ow, kh, kw, c)


def ref_col2im(cols, h, w, sh, sw, dh, dw, ph, pw):
    """The adjoint of im2col: add every window row back onto an (n, h, w, c) image."""
    n, oh, ow, kh, kw, c = cols.shape
    xp = _padded(np.zeros((n, h, w, c), dtype=cols.dtype), ph, pw, oh, ow, kh, kw, sh, sw,
                 dh, dw)
    for i in range(kh):
        for j in range(kw):
            xp[:, i * dh: i * dh + sh * (oh - 1) + 1: sh,
               j * dw: j * dw + sw * (ow - 1) + 1: sw, :] += cols[:, :, :, i, j, :]
    return np.ascontiguousarray(xp[:, ph:ph + h, pw:pw + w, :])


@lazy_njit(parallel=True, error_model="numpy")
def nb_col2im(cols, h, w, sh, sw, dh, dw, ph, pw):
    n, oh, ow, kh, kw, c = cols.shape
    flat = np.ascontiguousarray(cols).reshape(n, oh * ow, kh * kw * c)
    x = np.zeros((n, h, w, c), dtype=cols.dtype)
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                r = oy * ow + ox
                for i in range(kh):
                    iy = oy * sh - ph + i * dh
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j * dw
                        if ix < 0 or ix >= w:
                            continue
                        q = (i * kw + j) * c
                        for ch in range(c):
                            x[b, iy, ix, ch] += flat[b, r, q + ch]
    return x


# ------------------------------------------------------------------------------------------
# Max pooling: the max of each window and where it is (first one in row-major order on ties)
# ------------------------------------------------------------------------------------------


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def ref_max_pool(x, kh, kw, sh, sw, ph, pw, oh, ow):
    """(out, argmax): argmax[n, oy, ox, c] is the flat index iy * w + ix of the max cell.

    A window lying wholly in the padding gets the dtype's lowest value and argmax -1.
    """
    n, h, w, c = x.shape
    xp = _padded(x, ph, pw, oh, ow, kh, kw, sh, sw, 1, 1, fill=_lowest(x.dtype))
    win = np.empty((n, oh, ow, c, kh * kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            win[..., i * kw + j] = xp[:, i: i + sh * (oh - 1) + 1: sh,
                                      j: j + sw * (ow - 1) + 1: sw, :]
    k = np.argmax(win, axis=-1)
    out = np.take_along_axis(win, k[..., None], axis=-1)[..., 0]
    iy = np.arange(oh)[None, :, None, None] * sh - ph + k // kw
    ix = np.arange(ow)[None, None, :, None] * sw - pw + k % kw
    inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    return out, np.where(inside, iy * w + ix, -1).astype(np.int64)


@lazy_njit(parallel=True, error_model="numpy")
def nb_max_pool(x, kh, kw, sh, sw, ph, pw, oh, ow, lowest):
    n, h, w, c = x.shape
    out = np.empty((n, oh, ow, c), dtype=x.dtype)
    arg = np.empty((n, oh, ow, c), dtype=np.int64)
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    out[b, oy, ox, ch] = lowest
                    arg[b, oy, ox, ch] = -1
                for i in range(kh):
                    iy = oy * sh - ph + i
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j
                        if ix < 0 or ix >= w:
                            continue
                        where = iy * w + ix
                        for ch in range(c):  # channels innermost: contiguous reads
                            v = x[b, iy, ix, ch]
                            if arg[b, oy, ox, ch] < 0 or v > out[b, oy, ox, ch]:
                                out[b, oy, ox, ch] = v
                                arg[b, oy, ox, ch] = where
    return out, arg


@lazy_njit(parallel=True, error_model="numpy")
def nb_max_pool_values(x, kh, kw, sh, sw, ph, pw, oh, ow, lowest):
    """MaxPool's forward: the window maxima only (no argmax array to write).

    2x2 windows at stride 2 lying inside the image (`MaxPooling2D()`, the usual case) take one
    loop over the channels that compares the four cells as selects (first max in row-major
    order, as below): the general loop's per-cell inner loops are a few vectors long and
    their set-up costs more than the comparisons (2.5x faster)."""
    n, h, w, c = x.shape
    out = np.empty((n, oh, ow, c), dtype=x.dtype)
    if kh == 2 and kw == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0 \
            and 2 * oh <= h and 2 * ow <= w:
        for b in prange(n):
            for oy in range(oh):
                for ox in range(ow):
                    a0, a1 = x[b, 2 * oy, 2 * ox], x[b, 2 * oy, 2 * ox + 1]
                    a2, a3 = x[b, 2 * oy + 1, 2 * ox], x[b, 2 * oy + 1, 2 * ox + 1]
                    o = out[b, oy, ox]
                    for ch in range(c):
                        t = a0[ch]
                        t = a1[ch] if a1[ch] > t else t
                        t = a2[ch] if a2[ch] > t else t
                        o[ch] = a3[ch] if a3[ch] > t else t
        return out
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                first = True
                for i in range(kh):
                    iy = oy * sh - ph + i
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j
                        if ix < 0 or ix >= w:
                            continue
                        if first:
                            for ch in range(c):
                                out[b, oy, ox, ch] = x[b, iy, ix, ch]
                            first = False
                        else:
                            for ch in range(c):
                                v = x[b, iy, ix, ch]
                                if v > out[b, oy, ox, ch]:
                                    out[b, oy, ox, ch] = v
                if first:
                    for ch in range(c):
                        out[b, oy, ox, ch] = lowest
    return out


def ref_max_pool_grad(x, g, kh, kw, sh, sw, ph, pw, relu_mask):
    """MaxPoolGrad: each output gradient goes to its window's first max cell. With
    `relu_mask`, it is then multiplied by (x > 0) there (ReluGrad of a ReLU feeding the pool)."""
    n, h, w, c = x.shape
    _, oh, ow, _ = g.shape
    _, arg = ref_max_pool(x, kh, kw, sh, sw, ph, pw, oh, ow)
    dx = ref_max_pool_scatter(g, arg, h, w)
    if relu_mask:
        dx = dx * (x > 0)
    return dx.astype(g.dtype, copy=False)


@lazy_njit(parallel=True, error_model="numpy")
def nb_max_pool_grad(x, g, kh, kw, sh, sw, ph, pw, relu_mask):
    """2x2 windows tiling the image (the usual `MaxPooling2D()`) take one loop over each
    window's channels, the four cells compared and written as selects (2x faster)."""
    n, h, w, c = x.shape
    _, oh, ow, _ = g.shape
    # Windows that tile the image exactly write every cell once: no zeroing, no adding.
    tiled = sh == kh and sw == kw and ph == 0 and pw == 0 and oh * sh == h and ow * sw == w
    dx = np.empty((n, h, w, c), dtype=g.dtype) if tiled else np.zeros((n, h, w, c), g.dtype)
    if tiled and kh == 2 and kw == 2:
        zero = np.zeros(1, dtype=g.dtype)[0]
        xc = np.ascontiguousarray(x)
        for b in prange(n):
            for oy in range(oh):  # rows as (ow, 2c): a window's two cells side by side
                r0, r1 = xc[b, 2 * oy].reshape(ow, 2 * c), xc[b, 2 * oy + 1].reshape(ow, 2 * c)
                e0, e1 = dx[b, 2 * oy].reshape(ow, 2 * c), dx[b, 2 * oy + 1].reshape(ow, 2 * c)
                for ox in range(ow):
                    p0, p1, q0, q1, gr = r0[ox], r1[ox], e0[ox], e1[ox], g[b, oy, ox]
                    for ch in range(c):
                        t, k = p0[ch], 0
                        u = p0[c + ch]
                        k = 1 if u > t else k
                        t = u if u > t else t
                        u = p1[ch]
                        k = 2 if u > t else k
                        t = u if u > t else t
                        u = p1[c + ch]
                        k = 3 if u > t else k
                        t = u if u > t else t
                        v = gr[ch]
                        if relu_mask:
                            v = v if t > 0 else v * 0
                        q0[ch] = v if k == 0 else zero
                        q0[c + ch] = v if k == 1 else zero
                        q1[ch] = v if k == 2 else zero
                        q1[c + ch] = v if k == 3 else zero
        return dx
    for b in prange(n):
        best = np.empty(c, dtype=np.int64)
        top = np.empty(c, dtype=x.dtype)
        gv = np.empty(c, dtype=g.dtype)
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    best[ch] = -1
                for i in range(kh):
                    iy = oy * sh - ph + i
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j
                        if ix < 0 or ix >= w:
                            continue
                        cell = i * kw + j
                        for ch in range(c):
                            v = x[b, iy, ix, ch]
                            if best[ch] < 0 or v > top[ch]:
                                top[ch] = v
                                best[ch] = cell
                for ch in range(c):
                    gv[ch] = g[b, oy, ox, ch]
                    if relu_mask and not top[ch] > 0:
                        gv[ch] = gv[ch] * 0
                for i in range(kh):
                    iy = oy * sh - ph + i
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j
                        if ix < 0 or ix >= w:
                            continue
                        cell = i * kw + j
                        if tiled:
                            for ch in range(c):
                                dx[b, iy, ix, ch] = gv[ch] if best[ch] == cell else 0
                        else:
                            for ch in range(c):
                                if best[ch] == cell:
                                    dx[b, iy, ix, ch] += gv[ch]
    return dx


def ref_max_pool_scatter(g, arg, h, w):
    """MaxPoolGrad's core: add each output gradient to the input cell that was the max."""
    n, _, _, c = g.shape
    dx = np.zeros((n, h * w, c), dtype=g.dtype)
    bi = np.broadcast_to(np.arange(n)[:, None, None, None], g.shape)
    ci = np.broadcast_to(np.arange(c)[None, None, None, :], g.shape)
    keep = arg >= 0
    np.add.at(dx, (bi[keep], arg[keep], ci[keep]), g[keep])
    return dx.reshape(n, h, w, c)


@lazy_njit(parallel=True, error_model="numpy")
def nb_max_pool_scatter(g, arg, h, w):
    n, oh, ow, c = g.shape
    dx = np.zeros((n, h * w, c), dtype=g.dtype)
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    k = arg[b, oy, ox, ch]
                    if 0 <= k < h * w:
                        dx[b, k, ch] += g[b, oy, ox, ch]
    return dx.reshape(n, h, w, c)


# ------------------------------------------------------------------------------------------
# Average pooling: the mean over the cells of each window that lie inside the image
# ------------------------------------------------------------------------------------------


def _window_counts(h, w, kh, kw, sh, sw, ph, pw, oh, ow):
    rows = np.clip(np.arange(oh) * sh - ph + kh, 0, h) - np.clip(np.arange(oh) * sh - ph, 0, h)
    cols = np.clip(np.arange(ow) * sw - pw + kw, 0, w) - np.clip(np.arange(ow) * sw - pw, 0, w)
    return np.outer(rows, cols)


def ref_avg_pool(x, kh, kw, sh, sw, ph, pw, oh, ow):
    n, h, w, c = x.shape
    cols = ref_im2col(x, kh, kw, sh, sw, 1, 1, ph, pw, oh, ow)
    total = cols.sum(axis=(3, 4))
    count = _window_counts(h, w, kh, kw, sh, sw, ph, pw, oh, ow)
    return (total / np.maximum(count, 1)[None, :, :, None]).astype(x.dtype)


@lazy_njit(parallel=True, error_model="numpy")
def nb_avg_pool(x, kh, kw, sh, sw, ph, pw, oh, ow):
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c), dtype=x.dtype)
    for b in prange(n):
        for oy in range(oh):
            y0 = max(oy * sh - ph, 0)
            y1 = min(oy * sh - ph + kh, h)
            for ox in range(ow):
                x0 = max(ox * sw - pw, 0)
                x1 = min(ox * sw - pw + kw, w)
                count = max((y1 - y0) * (x1 - x0), 1)
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ch in range(c):
                            out[b, oy, ox, ch] += x[b, iy, ix, ch]
                for ch in range(c):
                    out[b, oy, ox, ch] /= count
    return out


def ref_avg_pool_grad(g, h, w, kh, kw, sh, sw, ph, pw):
    """AvgPoolGrad: each output gradient, divided by its window's cell count, to every cell."""
    n, oh, ow, c = g.shape
    count = _window_counts(h, w, kh, kw, sh, sw, ph, pw, oh, ow)
    share = (g / np.maximum(count, 1)[None, :, :, None]).astype(g.dtype)
    cols = np.broadcast_to(share[:, :, :, None, None, :], (n, oh, ow, kh, kw, c))
    return ref_col2im(cols, h, w, sh, sw, 1, 1, ph, pw)


@lazy_njit(parallel=True, error_model="numpy")
def nb_avg_pool_grad(g, h, w, kh, kw, sh, sw, ph, pw):
    n, oh, ow, c = g.shape
    dx = np.zeros((n, h, w, c), dtype=g.dtype)
    for b in prange(n):
        for oy in range(oh):
            y0 = max(oy * sh - ph, 0)
            y1 = min(oy * sh - ph + kh, h)
            for ox in range(ow):
                x0 = max(ox * sw - pw, 0)
                x1 = min(ox * sw - pw + kw, w)
                count = max((y1 - y0) * (x1 - x0), 1)
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ch in range(c):
                            dx[b, iy, ix, ch] += g[b, oy, ox, ch] / count
    return dx


# ------------------------------------------------------------------------------------------
# Bias and activation applied in place to a fresh matrix product (fused Conv2D / MatMul)
# ------------------------------------------------------------------------------------------

ACTIVATIONS = {None: 0, "Relu": 1, "Relu6": 2}
"""Activation codes of `nb_bias_act` (ops that can follow a fused BiasAdd)."""


def ref_bias_act(out, bias, act):
    """out = act(out + bias) in place; `out` is (rows, channels), `bias` (channels,)."""
    out += bias
    if act == 1:
        np.maximum(out, np.zeros((), out.dtype), out=out)
    elif act == 2:
        np.maximum(out, np.zeros((), out.dtype), out=out)
        np.minimum(out, np.asarray(6, out.dtype), out=out)
    return out


@lazy_njit(parallel=True, error_model="numpy")
def nb_bias_act(out, bias, act):
    rows, c = out.shape
    for r in prange(rows):
        for ch in range(c):
            v = out[r, ch] + bias[ch]
            if act >= 1 and v < 0:
                v = 0.0
            if act == 2 and v > 6:
                v = 6.0
            out[r, ch] = v
    return out


def ref_bias_add_grad(g2d):
    """BiasAddGrad on (rows, channels): the column sums."""
    return g2d.sum(axis=0, dtype=np.float64).astype(g2d.dtype)


@lazy_njit(parallel=True, error_model="numpy")
def nb_bias_add_grad(g2d):
    """Column sums through 16 fixed chunks (thread-count independent), each adding four rows
    at a time into float64 accumulators (with 32-64 channels a row is a few vectors: storing
    the accumulators every row cost more than the additions)."""
    rows, c = g2d.shape
    chunks = 16
    partial = np.zeros((chunks, c), dtype=np.float64)
    for k in prange(chunks):
        lo, hi = rows * k // chunks, rows * (k + 1) // chunks
        acc = np.zeros(c)
        for r in range(lo, hi - 3, 4):
            g0, g1, g2, g3 = g2d[r], g2d[r + 1], g2d[r + 2], g2d[r + 3]
            for ch in range(c):
                acc[ch] += (np.float64(g0[ch]) + np.float64(g1[ch])) + \
                    (np.float64(g2[ch]) + np.float64(g3[ch]))
        for r in range(lo + (hi - lo) // 4 * 4, hi):
            for ch in range(c):
                acc[ch] += np.float64(g2d[r, ch])
        partial[k] = acc
    out = np.empty(c, dtype=g2d.dtype)
    for ch in range(c):
        total = 0.0
        for k in range(chunks):
            total += partial[k, ch]
        out[ch] = total
    return out
