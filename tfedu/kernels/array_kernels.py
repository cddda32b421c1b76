"""Gather and scatter kernels: a numpy reference (`ref_*`) and a Numba kernel (`nb_*`) each.

Callers validate indices first; the Numba kernels assume every index is in bounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


def ref_gather_axis(params: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """np.take along `axis`."""
    return np.take(params, indices, axis=axis)


@njit(cache=True, nogil=True, parallel=True)
def nb_gather_rows(p3, idx, out3):
    """out3[o, j, :] = p3[o, idx[j], :] for a params view [outer, n, inner]."""
    outer = p3.shape[0]
    m = idx.shape[0]
    inner = p3.shape[2]
    for t in prange(outer * m):
        o = t // m
        j = t % m
        src = idx[j]
        for k in range(inner):
            out3[o, j, k] = p3[o, src, k]


def gather_axis(params: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """Gather along `axis` with the Numba kernel (indices already checked)."""
    outer = int(np.prod(params.shape[:axis])) if axis else 1
    inner = int(np.prod(params.shape[axis + 1:])) if axis + 1 < params.ndim else 1
    p3 = np.ascontiguousarray(params).reshape(outer, params.shape[axis], inner)
    flat = np.ascontiguousarray(indices, dtype=np.int64).reshape(-1)
    out3 = np.empty((outer, flat.size, inner), dtype=params.dtype)
    if out3.size:
        nb_gather_rows(p3, flat, out3)
    return out3.reshape(params.shape[:axis] + indices.shape + params.shape[axis + 1:])


def ref_scatter_rows(out2: np.ndarray, rows: np.ndarray, upd2: np.ndarray, mode: int) -> None:
    """out2[rows[i]] (op)= upd2[i] in order; mode 0 update, 1 add, 2 sub, 3 max, 4 min."""
    if mode == 0:
        for i, r in enumerate(rows):
            out2[r] = upd2[i]
    elif mode == 1:
        np.add.at(out2, rows, upd2)
    elif mode == 2:
        np.subtract.at(out2, rows, upd2)
    elif mode == 3:
        np.maximum.at(out2, rows, upd2)
    else:
        np.minimum.at(out2, rows, upd2)


@njit(cache=True, nogil=True)
def nb_scatter_rows(out2, rows, upd2, mode):
    """Sequential (duplicates apply in order, as TF's CPU kernel does)."""
    n = rows.shape[0]
    inner = out2.shape[1]
    for i in range(n):
        r = rows[i]
        for k in range(inner):
            u = upd2[i, k]
            if mode == 0:
                out2[r, k] = u
            elif mode == 1:
                out2[r, k] += u
            elif mode == 2:
                out2[r, k] -= u
            elif mode == 3:
                if u > out2[r, k]:
                    out2[r, k] = u
            else:
                if u < out2[r, k]:
                    out2[r, k] = u


def scatter_rows(out2: np.ndarray, rows: np.ndarray, upd2: np.ndarray, mode: int) -> None:
    """Scatter whole rows of `upd2` into `out2` in place with the Numba kernel."""
    nb_scatter_rows(out2, np.ascontiguousarray(rows, dtype=np.int64),
                    np.ascontiguousarray(upd2, dtype=out2.dtype), mode)
