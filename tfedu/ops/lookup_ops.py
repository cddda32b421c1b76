"""`tf.lookup`: immutable key -> value tables (`StaticHashTable`) and vocabularies with
out-of-vocabulary buckets (`StaticVocabularyTable`), looked up eagerly on values known now."""

from __future__ import annotations

import zlib

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import constant
from tfedu.ops.op_helpers import as_numpy, as_tensor, export


@export("lookup.KeyValueTensorInitializer")
class KeyValueTensorInitializer:
    """The keys and values a static table is built from (two tensors of the same length)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self.keys, self.values = as_tensor(keys, key_dtype), as_tensor(values, value_dtype)
        self.key_dtype, self.value_dtype = self.keys.dtype, self.values.dtype


def _key(v):
    return v.item() if isinstance(v, np.generic) else v


@export("lookup.StaticHashTable")
class StaticHashTable:
    """An immutable key -> value table; missing keys give `default_value`."""

    def __init__(self, initializer, default_value, name=None):
        self._table = {_key(k): _key(v) for k, v in zip(as_numpy(initializer.keys).ravel(),
                                                        as_numpy(initializer.values).ravel())}
        self.key_dtype, self.value_dtype = initializer.key_dtype, initializer.value_dtype
        self.default_value = default_value

    def lookup(self, keys, name=None):
        k = as_numpy(keys)
        out = np.array([self._table.get(_key(x), self.default_value) for x in k.ravel()],
                       dtype=object if self.value_dtype == dtypes.string else
                       self.value_dtype.as_numpy_dtype).reshape(k.shape)
        return constant(out, dtype=self.value_dtype)

    def size(self, name=None):
        return constant(len(self._table), dtypes.int64)

    __getitem__ = lookup


@export("lookup.StaticVocabularyTable")
class StaticVocabularyTable(StaticHashTable):
    """Vocabulary ids, with `num_oov_buckets` extra ids for unknown keys (by a stable hash)."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        super().__init__(initializer, -1)
        self._n, self._oov = len(self._table), int(num_oov_buckets)

    def lookup(self, keys, name=None):
        k = as_numpy(keys)
        ids = [self._table.get(_key(x), None) for x in k.ravel()]
        ids = [i if i is not None else self._n + zlib.crc32(str(_key(x)).encode()) % self._oov
               for i, x in zip(ids, k.ravel())]
        return constant(np.array(ids, np.int64).reshape(k.shape))

    def size(self, name=None):
        return constant(self._n + self._oov, dtypes.int64)
