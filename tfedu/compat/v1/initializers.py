"""`tf.compat.v1` initializers: callables `init(shape, dtype)` giving a variable's first value.

Random initializers draw with numpy when the graph is built; the drawn value becomes the
variable's initial-value constant, so each Session initializes to the same numbers (seeded by
`seed`, or by the graph seed when set).
"""

from __future__ import annotations

import math

import numpy as np

from tfedu.framework import dtypes

__all__ = ["zeros_initializer", "ones_initializer", "constant_initializer",
           "random_normal_initializer", "random_uniform_initializer",
           "truncated_normal_initializer", "glorot_uniform_initializer",
           "glorot_normal_initializer", "variance_scaling_initializer"]


def _dtype(dtype, default):
    return dtypes.as_dtype(dtype if dtype is not None else default)


class Initializer:
    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def get_config(self):
        return {}

    def _const(self, value, dtype):
        from tfedu.framework.convert import constant

        return constant(np.asarray(value, dtype=dtype._np), dtype=dtype)


class zeros_initializer(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        return self._const(np.zeros(shape), dt)


class ones_initializer(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        return self._const(np.ones(shape), dt)


class constant_initializer(Initializer):
    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        super().__init__(dtype)
        self.value = value

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        v = np.asarray(self.value)
        if v.size == int(np.prod(shape)):
            return self._const(v.reshape(shape), dt)
        if v.size == 1:
            return self._const(np.full(shape, v.reshape(())), dt)
        raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got {v.shape}.")


class _Random(Initializer):
    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(dtype)
        self.seed = seed
        self._rng = np.random.default_rng(seed)


class random_normal_initializer(_Random):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(seed, dtype)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        return self._const(self._rng.normal(self.mean, self.stddev, shape), dt)


class truncated_normal_initializer(random_normal_initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        v = self._rng.normal(0.0, 1.0, shape)
        bad = np.abs(v) > 2
        while bad.any():
            v[bad] = self._rng.normal(0.0, 1.0, int(bad.sum()))
            bad = np.abs(v) > 2
        return self._const(self.mean + self.stddev * v, dt)


class random_uniform_initializer(_Random):
    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        super().__init__(seed, dtype)
        self.minval, self.maxval = minval, 1.0 if maxval is None else maxval

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        return self._const(self._rng.uniform(self.minval, self.maxval, shape), dt)


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class variance_scaling_initializer(_Random):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        super().__init__(seed, dtype)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtype(dtype, self.dtype)
        fan_in, fan_out = _fans(list(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        var = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            v = self._rng.uniform(-limit, limit, shape)
        else:
            std = math.sqrt(var) / (0.87962566103423978 if "truncated" in self.distribution
                                    else 1.0)
            v = self._rng.normal(0.0, 1.0, shape)
            if "truncated" in self.distribution:
                bad = np.abs(v) > 2
                while bad.any():
                    v[bad] = self._rng.normal(0.0, 1.0, int(bad.sum()))
                    bad = np.abs(v) > 2
            v = v * std
        return self._const(v, dt)


class glorot_uniform_initializer(variance_scaling_initializer):
    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)


class glorot_normal_initializer(variance_scaling_initializer):
    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)


zeros = zeros_initializer
ones = ones_initializer
constant = constant_initializer
random_normal = random_normal_initializer
random_uniform = random_uniform_initializer
truncated_normal = truncated_normal_initializer
glorot_uniform = glorot_uniform_initializer
glorot_normal = glorot_normal_initializer
variance_scaling = variance_scaling_initializer


def global_variables():
    from tfedu.graph.api import global_variables_initializer

    return global_variables_initializer()


def variables(var_list, name="init"):
    from tfedu.graph.api import variables_initializer

    return variables_initializer(var_list, name)
