"""`tf.feature_column` (the part canned Estimators use): numeric columns and the input layer.

A feature column says how one entry of the `features` dict becomes model input. Here:
`numeric_column(key, shape)` (a dense float input) and `input_layer(features, columns)`,
which flattens each column to `[batch, prod(shape)]` and concatenates them in key order.
"""

from __future__ import annotations

import collections

import numpy as np

__all__ = ["numeric_column", "input_layer", "NumericColumn"]


class NumericColumn(collections.namedtuple(
        "NumericColumn", ["key", "shape", "default_value", "dtype", "normalizer_fn"])):
    @property
    def name(self):
        return self.key

    @property
    def size(self):
        return int(np.prod(self.shape))


def numeric_column(key, shape=(1,), default_value=None, dtype=None, normalizer_fn=None):
    """A dense numeric feature `features[key]` of the given per-example `shape`."""
    import tfedu as tf

    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key!r}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if any(d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. Given: {shape}")
    return NumericColumn(key, shape, default_value, dtype or tf.float32, normalizer_fn)


def input_layer(features, feature_columns):
    """`[batch, total size]` float32: each column's tensor flattened, concatenated by key."""
    import tfedu as tf

    parts = []
    for col in sorted(feature_columns, key=lambda c: c.name):
        if col.key not in features:
            raise ValueError(f"Feature {col.key} is not in features dictionary.")
        t = tf.cast(tf.convert_to_tensor(features[col.key]), tf.float32)
        if col.normalizer_fn is not None:
            t = col.normalizer_fn(t)
        parts.append(tf.reshape(t, [-1, col.size]))
    return parts[0] if len(parts) == 1 else tf.concat(parts, axis=1)
