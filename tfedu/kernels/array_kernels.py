"""Scatter kernels: a numpy reference (`ref_*`) and a Numba kernel (`nb_*`).

`np.add.at` and friends are slow (tens of times slower than a plain loop); gathers are not, so
`np.take` serves them directly. Callers validate indices first; the kernels assume every index
is in bounds.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit


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


@lazy_njit()
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


def ref_select(c: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x where c is true, else y (broadcasting): `np.where`."""
    return np.where(c, x, y)


@lazy_njit()
def nb_select(c, x, y):
    """`ref_select` for C-contiguous arrays of one shape. np.where branches on every element,
    which a random mask (dropout) mispredicts half the time; this loop picks without branching
    (a vector blend), 10-20x faster on such masks."""
    out = np.empty_like(x)
    cf, xf, yf, of = c.reshape(-1), x.reshape(-1), y.reshape(-1), out.reshape(-1)
    for i in range(cf.shape[0]):
        of[i] = xf[i] if cf[i] else yf[i]
    return out
