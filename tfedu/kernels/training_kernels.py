"""Optimizer updates as one pass over a variable and its slots, written in place.

`ref_apply_adam` is the numpy version to read; `nb_apply_adam` the Numba loop (serial for
small variables, parallel for large ones). Both follow TF's `ResourceApplyAdam` kernel:

    m   += (g - m) * (1 - beta1)
    v   += (g * g - v) * (1 - beta2)
    var -= alpha * m / (sqrt(v) + epsilon)        alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)

All arrays are 1-D, C-contiguous and of one float dtype; the scalars have that dtype, so every
operation rounds as numpy's float32 (or float64) arithmetic does.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

__all__ = ["ref_apply_adam", "nb_apply_adam", "PARALLEL_MIN_SIZE"]

PARALLEL_MIN_SIZE = 1 << 20
"""From this many elements the update runs on several threads."""


def ref_apply_adam(var, m, v, g, alpha, one_minus_beta1, one_minus_beta2, epsilon):
    m += (g - m) * one_minus_beta1
    v += (g * g - v) * one_minus_beta2
    var -= alpha * m / (np.sqrt(v) + epsilon)


prange = range  # numba.prange once a parallel loop is compiled (serial njit treats it as range)


def _adam_loop(var, m, v, g, alpha, one_minus_beta1, one_minus_beta2, epsilon):
    for i in prange(var.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_minus_beta1
        vi = v[i] + (gi * gi - v[i]) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        var[i] -= alpha * mi / (np.sqrt(vi) + epsilon)


_serial = lazy_njit(error_model="numpy")(_adam_loop)
_parallel = lazy_njit(parallel=True, error_model="numpy")(_adam_loop)


def nb_apply_adam(var, m, v, g, alpha, one_minus_beta1, one_minus_beta2, epsilon):
    run = _parallel if var.size >= PARALLEL_MIN_SIZE else _serial
    run(var, m, v, g, alpha, one_minus_beta1, one_minus_beta2, epsilon)
