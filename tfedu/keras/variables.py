"""Keras weights: tf.Variables that also know their short `name` and full `path`."""

from __future__ import annotations

import numpy as np

from tfedu.framework.variables import ResourceVariable


class KerasVariable(ResourceVariable):
    """A layer weight (`v.name == 'kernel'`, `v.path == 'sequential/dense/kernel'`)."""

    def __init__(self, initial_value, name, path=None, trainable=True, dtype=None,
                 constraint=None, regularizer=None):
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype,
                         constraint=constraint)
        self._short_name = name
        self._path = path or name
        self.regularizer = regularizer

    @property
    def name(self) -> str:
        return self._short_name

    @property
    def path(self) -> str:
        return self._path

    @property
    def dtype(self) -> str:
        """Keras 3 reports variable dtypes by name (`'float32'`); `._dtype` is the DType."""
        return self._dtype.name

    @property
    def value_numpy(self):
        return self.numpy()

    def __repr__(self):
        v = np.array2string(np.asarray(self.numpy()), separator=", ", threshold=6)
        return (f"<Variable path={self._path}, shape={tuple(self.shape.as_list())}, "
                f"dtype={self._dtype.name}, value={v}>")

    __str__ = __repr__
