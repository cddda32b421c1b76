"""Clipping (`tf.clip_by_value`, `tf.clip_by_norm`, `tf.clip_by_global_norm`): composites of
ordinary ops, so their gradients come for free.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.name_scope import name_scope
from tfedu.ops import array_ops
from tfedu.ops import math_ops as M
from tfedu.ops.op_helpers import (
    as_tensor,
    export,
)


@export("clip_by_value")
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp every entry of `t` to `[clip_value_min, clip_value_max]`."""
    with name_scope(name or "clip_by_value") as scope:
        values = as_tensor(t, name="t")
        t_min = M.minimum(values, as_tensor(clip_value_max, dtype=values.dtype))
        out = M.maximum(t_min, as_tensor(clip_value_min, dtype=values.dtype), name=scope)
        if values.shape.is_fully_defined() and out.shape.is_fully_defined() \
                and values.shape.as_list() != out.shape.as_list():
            raise ValueError(f"Shapes {out.shape} and {values.shape} are incompatible")
        return out


@export("clip_by_norm")
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescale `t` so its L2 norm (over `axes`) is at most `clip_norm`."""
    with name_scope(name or "clip_by_norm") as scope:
        values = as_tensor(t, name="t")
        clip_norm = as_tensor(clip_norm, dtype=values.dtype)
        l2sum = M.reduce_sum(M.multiply(values, values), axis=axes, keepdims=True)
        pred = M.greater(l2sum, M.scalar_like(0, l2sum))
        l2sum_safe = array_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(pred, M.sqrt(l2sum_safe), l2sum)
        intermediate = M.multiply(values, clip_norm)
        return array_ops.identity(M.divide_op(intermediate, M.maximum(l2norm, clip_norm)),
                                  name=scope)


def _global_norm(t_list):
    sq = [M.reduce_sum(M.square(as_tensor(t))) for t in t_list if t is not None]
    if not sq:
        return convert_to_tensor(np.float32(0.0))
    dt = sq[0].dtype
    total = M.add_n([M.cast(s, dt) for s in sq])
    return M.sqrt(total)


@export("clip_by_global_norm")
def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor in `t_list` by clip_norm / max(global_norm, clip_norm).

    Returns `(list_clipped, global_norm)`; `None` entries stay `None`.
    """
    if not isinstance(t_list, (list, tuple)) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")

    t_list = list(t_list)
    with name_scope(name or "clip_by_global_norm"):
        norm = _global_norm(t_list) if use_norm is None else as_tensor(use_norm)
        clip_norm = as_tensor(clip_norm, dtype=norm.dtype)
        one = M.scalar_like(1, norm)
        scale_for_finite = M.multiply(clip_norm, M.minimum(
            M.divide_op(one, norm), M.divide_op(one, clip_norm)))
        scale = M.add(scale_for_finite, M.subtract(norm, norm))
        clipped = [None if t is None else
                   array_ops.identity(M.multiply(as_tensor(t), M.cast(scale, as_tensor(t).dtype)))
                   for t in t_list]
        return clipped, norm
