"""TF 1.x spellings of core ops: `keep_dims` / `reduction_indices`, `to_float`, `random_normal`...

Each wrapper translates the v1 arguments and calls the TF 2 function, so both build the same ops.
"""

from __future__ import annotations

from tfedu.framework import dtypes

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_all", "reduce_any", "to_float", "to_double", "to_int32", "to_int64",
           "log", "div", "arg_max",
           "arg_min"]


def _tf():
    import tfedu

    return tfedu


def _axis(axis, reduction_indices):
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
    return axis if axis is not None else reduction_indices


def _keep(keepdims, keep_dims):
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
    v = keepdims if keepdims is not None else keep_dims
    return bool(v) if v is not None else False


def _reduction(name):
    def reduce(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
        fn = getattr(_tf(), reduce.__name__)
        return fn(input_tensor, axis=_axis(axis, reduction_indices),
                  keepdims=_keep(keepdims, keep_dims), name=name)

    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"`tf.compat.v1.{name}`: also accepts `reduction_indices` and `keep_dims`."
    return reduce


reduce_sum = _reduction("reduce_sum")
reduce_mean = _reduction("reduce_mean")
reduce_max = _reduction("reduce_max")
reduce_min = _reduction("reduce_min")
reduce_prod = _reduction("reduce_prod")
reduce_all = _reduction("reduce_all")
reduce_any = _reduction("reduce_any")


def _caster(dtype, name):
    default = "To" + dtype.name.capitalize()

    def cast(x, name=None):
        return _tf().cast(x, dtype, name=name or default)

    cast.__name__ = cast.__qualname__ = name
    return cast


to_float = _caster(dtypes.float32, "to_float")
to_double = _caster(dtypes.float64, "to_double")
to_int32 = _caster(dtypes.int32, "to_int32")
to_int64 = _caster(dtypes.int64, "to_int64")


def log(x, name=None):
    return _tf().math.log(x, name=name)


def div(x, y, name=None):
    return _tf().math.divide(x, y, name=name) if not dtypes.as_dtype(
        getattr(x, "dtype", dtypes.float32)).is_integer else _tf().math.floordiv(x, y, name=name)


def arg_max(input, dimension, name=None, output_type=dtypes.int64):
    return _tf().math.argmax(input, dimension, output_type=output_type, name=name)


def arg_min(input, dimension, name=None, output_type=dtypes.int64):
    return _tf().math.argmin(input, dimension, output_type=output_type, name=name)
