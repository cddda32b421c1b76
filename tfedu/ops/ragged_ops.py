"""`tf.RaggedTensor`: rows of different lengths, as flat `values` plus `row_splits`.

A ragged tensor is a Python object holding ordinary tensors, so every computation on it is made
of regular ops and differentiates through `values`.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.convert import constant, convert_to_tensor
from tfedu.framework.errors import InvalidArgumentError
from tfedu.framework.execute import static_value
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.ops import array_ops, math_ops
from tfedu.ops.gather_ops import boolean_mask, gather
from tfedu.ops.math_ops import cast, subtract
from tfedu.ops.op_helpers import as_numpy, as_tensor, export
from tfedu.ops.scatter_ops import tensor_scatter_nd_update


def _t(x, dtype=None):
    """A ragged tensor as it is; anything else as a tensor (`as_tensor`)."""
    return x if isinstance(x, RaggedTensor) else as_tensor(x, dtype)


# ------------------------------------------------------------------------------------------
# RaggedTensor
# ------------------------------------------------------------------------------------------

@export("RaggedTensor", "ragged.RaggedTensor")
class RaggedTensor:
    """A batch of rows of different lengths: row i is values[row_splits[i]:row_splits[i+1]]."""
    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise ValueError("RaggedTensor constructor is private; please use one of the "
                             "factory methods instead (e.g., RaggedTensor.from_row_lengths())")
        self._values = values
        self._row_splits = row_splits
        self._uniform_row_length = None  # set when every row has one known length

    # --- factories -------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows are values[row_splits[i]:row_splits[i+1]]."""
        values = _t(values)
        splits = _t(row_splits, dtypes.int64) if not isinstance(row_splits, Tensor) \
            else row_splits
        sv = static_value(splits)
        if validate and sv is not None:
            sv = np.asarray(sv)
            nvals = _nrows_of(values)
            if sv.ndim != 1 or sv.size == 0 or sv[0] != 0 or np.any(np.diff(sv) < 0) or \
                    (nvals is not None and sv[-1] != nvals):
                raise InvalidArgumentError(None, None, "Arguments to from_row_splits do not "
                                           "form a valid RaggedTensor")
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        lengths = np.asarray(static_value(_t(row_lengths, dtypes.int64))).astype(np.int64)
        splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        ids = np.asarray(static_value(_t(value_rowids, dtypes.int64))).astype(np.int64)
        n = int(ids.max()) + 1 if nrows is None and ids.size else int(nrows or 0)
        return cls.from_row_lengths(values, np.bincount(ids, minlength=n), validate=validate)

    # --- attributes ------------------------------------------------------------------------
    @property
    def values(self):
        return self._values

    @property
    def row_splits(self):
        return self._row_splits

    @property
    def flat_values(self):
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v.values
        return v

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def ragged_rank(self) -> int:
        return 1 + (self._values.ragged_rank if isinstance(self._values, RaggedTensor) else 0)

    @property
    def shape(self) -> TensorShape:
        n = self._row_splits.shape[0]
        inner = self._values.shape
        rest = [self._uniform_row_length] + (inner.as_list()[1:] if inner.rank is not None
                                             else [])
        return TensorShape([None if n is None else n - 1] + rest)

    @property
    def ndim(self):
        return self.shape.rank

    def nrows(self, out_type=dtypes.int64, name=None):
        return cast(subtract(array_ops.size(self._row_splits, out_type=dtypes.int64), 1),
                    out_type)

    def row_lengths(self, axis=1, name=None):
        s = self._row_splits
        return subtract(s[1:], s[:-1])

    def row_starts(self, name=None):
        return self._row_splits[:-1]

    def row_limits(self, name=None):
        return self._row_splits[1:]

    def value_rowids(self, name=None):
        cached = getattr(self, "_cached_value_rowids", None)
        if cached is not None:
            return cached
        splits = cast(self._row_splits, dtypes.int64)
        return row_ids(splits, array_ops.shape(self._values, out_type=dtypes.int64)[0])

    # --- conversion ------------------------------------------------------------------------
    def to_list(self):
        """The rows as nested Python lists."""
        splits = np.asarray(self._row_splits).tolist()
        vals = self._values.to_list() if isinstance(self._values, RaggedTensor) \
            else np.asarray(self._values).tolist()
        return [vals[a:b] for a, b in zip(splits[:-1], splits[1:])]

    def numpy(self):
        rows = self.to_list()
        out = np.empty(len(rows), dtype=object)
        for i, r in enumerate(rows):
            out[i] = np.array(r, dtype=self.dtype._np)
        return out

    def to_tensor(self, default_value=None, name=None, shape=None):
        """A dense tensor, short rows padded with `default_value` (zero or b"" by default),
        cut to `shape` where it gives smaller sizes. Made of graph ops (the row of each value
        found by `searchsorted` on the splits, then one scatter into a filled tensor), so it
        runs in tf.function too and differentiates through the values."""
        dims = None if shape is None else TensorShape(shape)
        dims = None if dims is None or dims.rank is None else dims.as_list()
        values = self._values
        if isinstance(values, RaggedTensor):
            inner = None if dims is None else [None] + dims[2:]
            values = values.to_tensor(default_value, shape=inner)
        if default_value is None:
            default_value = b"" if self.dtype is dtypes.string else 0
        fill = convert_to_tensor(default_value, dtype=self.dtype)
        return _pad_rows(values, self._row_splits, fill, dims)

    def _dense_rows(self):
        """Nested lists of flat-value positions (leaves are ints)."""
        n = int(np.asarray(array_ops.shape(self.flat_values))[0])
        pos = list(range(n))
        for splits in reversed(self._all_splits()):
            s = np.asarray(splits).tolist()
            pos = [pos[a:b] for a, b in zip(s[:-1], s[1:])]
        return pos

    def _all_splits(self):
        out, v = [], self
        while isinstance(v, RaggedTensor):
            out.append(v.row_splits)
            v = v.values
        return out

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=dtypes.int64):
        """Rows of a dense matrix, cut at `lengths` or before trailing `padding` values."""
        t = _t(tensor)
        v = np.asarray(t)
        n, m = v.shape[0], v.shape[1]
        if lengths is not None:
            ln = np.asarray(static_value(_t(lengths, dtypes.int64))).astype(np.int64)
        elif padding is not None:
            pad = v == np.asarray(padding)
            pad = pad.reshape(n, m, -1).all(axis=2)
            keep = ~pad[:, ::-1]
            ln = np.where(keep.any(axis=1), m - np.argmax(keep, axis=1), 0)
        else:
            ln = np.full(n, m, dtype=np.int64)

        mask = np.arange(m)[None, :] < ln[:, None]
        return cls.from_row_lengths(boolean_mask(t, mask), ln)

    def with_values(self, new_values):
        out = RaggedTensor(_t(new_values), self._row_splits, internal=True)
        out._uniform_row_length = self._uniform_row_length  # same rows, same lengths
        return out

    def with_flat_values(self, new_values):
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def bounding_shape(self, axis=None, name=None, out_type=dtypes.int64):
        dims = np.array(_dense_shape(self._dense_rows()) + tuple(
            self.flat_values.shape.as_list()[1:]), dtype=dtypes.as_dtype(out_type)._np)
        return convert_to_tensor(dims if axis is None else dims[axis])

    def __iter__(self):
        n = int(np.asarray(self._row_splits).size) - 1
        for i in range(n):
            yield self[i]

    def _binary(self, other, fn, reverse=False):
        if isinstance(other, RaggedTensor):
            if np.asarray(other.row_splits).tolist() != np.asarray(self._row_splits).tolist():
                raise InvalidArgumentError(None, None, "Inputs must have identical ragged "
                                           "splits")
            o = other.flat_values
        else:
            o = _t(other) if isinstance(other, Tensor) else other
            if np.ndim(o) > 0:
                raise ValueError("tfedu RaggedTensor arithmetic supports scalars and ragged "
                                 "tensors of the same row structure")
        a = self.flat_values
        return self.with_flat_values(fn(o, a) if reverse else fn(a, o))

    def __add__(self, o):
        return self._binary(o, _math("add"))

    def __radd__(self, o):
        return self._binary(o, _math("add"), True)

    def __sub__(self, o):
        return self._binary(o, _math("subtract"))

    def __rsub__(self, o):
        return self._binary(o, _math("subtract"), True)

    def __mul__(self, o):
        return self._binary(o, _math("multiply"))

    def __rmul__(self, o):
        return self._binary(o, _math("multiply"), True)

    def __truediv__(self, o):
        return self._binary(o, _math("truediv"))

    def __neg__(self):
        return self.with_flat_values(_math("negative")(self.flat_values))

    def __repr__(self):
        if static_value(self._row_splits) is None or static_value(self.flat_values) is None:
            return f"tf.RaggedTensor(values={self._values}, row_splits={self._row_splits})"
        return f"<tf.RaggedTensor {self.to_list()}>"

    __str__ = __repr__

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            s = np.asarray(self._row_splits)
            n = s.size - 1
            if not -n <= key < n:
                raise IndexError(f"Row index {key} out of bounds")
            key %= n
            return self._values[int(s[key]):int(s[key + 1])]
        raise TypeError("tfedu RaggedTensor supports integer row indexing only")


def _math(name):
    return getattr(math_ops, name)


@export("ragged.map_flat_values")
def map_flat_values(op, *args, **kwargs):
    """Apply `op` to the flat values of the ragged arguments, keeping their row structure."""
    rt = next((a for a in list(args) + list(kwargs.values()) if isinstance(a, RaggedTensor)),
              None)
    unwrap = [a.flat_values if isinstance(a, RaggedTensor) else a for a in args]
    kw = {k: v.flat_values if isinstance(v, RaggedTensor) else v for k, v in kwargs.items()}
    out = op(*unwrap, **kw)
    return out if rt is None else rt.with_flat_values(out)


def _nrows_of(values):
    if isinstance(values, RaggedTensor):
        n = values.row_splits.shape[0]
        return None if n is None else n - 1
    return values.shape[0] if values.shape.rank else None


def row_ids(splits, nvals):
    """The row of each of `nvals` values (int64), from int64 row splits: graph ops (a
    `searchsorted` on the splits), so it runs in tf.function too."""
    from tfedu.ops.sort_ops import searchsorted

    return subtract(searchsorted(splits, array_ops.range(nvals), side="right",
                                 out_type=dtypes.int64), 1)


def _pad_rows(values, splits, fill, dims):
    """Rows `values[splits[i]:splits[i+1]]` padded with `fill` into a dense tensor; `dims`
    (or None) gives sizes that cut or widen the rows and the row count."""
    splits = cast(splits, dtypes.int64)
    lengths = subtract(splits[1:], splits[:-1])
    nvals = array_ops.shape(values, out_type=dtypes.int64)[0]
    rowids = row_ids(splits, nvals)
    cols = subtract(array_ops.range(nvals), gather(splits, rowids))
    nrows = array_ops.size(lengths, out_type=dtypes.int64)
    width = math_ops.reduce_max(array_ops.concat([lengths, constant([0], dtypes.int64)], 0))
    if dims is not None and dims[0] is not None:
        nrows = constant(dims[0], dtypes.int64)
    if dims is not None and len(dims) > 1 and dims[1] is not None:
        width = constant(dims[1], dtypes.int64)
    keep = math_ops.logical_and(math_ops.less(cols, width), math_ops.less(rowids, nrows))
    index = boolean_mask(array_ops.stack([rowids, cols], axis=1), keep)
    inner = array_ops.shape(values, out_type=dtypes.int64)[1:]
    base = array_ops.fill(array_ops.concat([array_ops.stack([nrows, width]), inner], 0), fill)
    return tensor_scatter_nd_update(base, index, boolean_mask(values, keep))


def _dense_shape(rows):
    if not isinstance(rows, list):
        return ()
    inner = [_dense_shape(r) for r in rows]
    depth = max((len(s) for s in inner), default=0)
    out = [len(rows)] + [0] * depth
    for s in inner:
        for i, d in enumerate(s):
            out[i + 1] = max(out[i + 1], d)
    return tuple(out)


def _positions(rows, prefix, idx, pos):
    for i, r in enumerate(rows):
        if isinstance(r, list):
            _positions(r, prefix + (i,), idx, pos)
        else:
            idx.append(prefix + (i,))
            pos.append(r)


def _depth(x):
    if isinstance(x, (list, tuple)):
        return 1 + max((_depth(e) for e in x), default=0)
    if isinstance(x, np.ndarray):
        return x.ndim
    return 0


@export("ragged.constant")
def ragged_constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
                    row_splits_dtype=dtypes.int64):
    """A RaggedTensor from nested Python lists whose rows may differ in length."""
    depth = _depth(pylist)
    if ragged_rank is None:
        ragged_rank = max(depth - 1, 0) if inner_shape is None else depth - 1 - len(inner_shape)
    if depth == 0 or ragged_rank == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    sd = dtypes.as_dtype(row_splits_dtype)._np
    levels = []
    cur = list(pylist)
    for _ in range(ragged_rank):
        splits = [0]
        flat = []
        for row in cur:
            row = list(row)
            flat.extend(row)
            splits.append(len(flat))
        levels.append(np.array(splits, dtype=sd))
        cur = flat
    values = convert_to_tensor(cur, dtype=dtype) if cur else convert_to_tensor(
        np.zeros([0], dtype=(dtypes.as_dtype(dtype) if dtype else dtypes.float32)._np))
    for splits in reversed(levels):
        values = RaggedTensor(values, convert_to_tensor(splits), internal=True)
    return values


# ------------------------------------------------------------------------------------------
# tf.ragged.range, more RaggedTensor constructors, RaggedTensorSpec, tf.type_spec_from_value
# ------------------------------------------------------------------------------------------


@export("ragged.range")
def ragged_range(starts, limits=None, deltas=1, dtype=None, name=None,
                 row_splits_dtype=dtypes.int64):
    """One `range(start, limit, delta)` row per element."""
    if limits is None:
        starts, limits = 0, starts
    s, lim, d = np.broadcast_arrays(as_numpy(starts), as_numpy(limits), as_numpy(deltas))
    rows = [np.arange(a, b, c) for a, b, c in zip(s.ravel(), lim.ravel(), d.ravel())]
    dt = dtypes.as_dtype(dtype) if dtype else as_tensor(starts).dtype
    flat = np.concatenate(rows).astype(dt.as_numpy_dtype) if rows else np.zeros(0)
    return RaggedTensor.from_row_lengths(constant(flat, dtype=dt),
                                         np.array([len(r) for r in rows], np.int64))


def _from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
    out = flat_values
    for splits in reversed(list(nested_row_splits)):
        out = cls.from_row_splits(out, splits)
    return out


def _from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                             name=None):
    n = as_tensor(values).shape[0] if not isinstance(values, RaggedTensor) else \
        int(values.nrows())
    k = int(uniform_row_length)
    rows = (n // k if k else int(nrows or 0)) if nrows is None else int(nrows)
    out = cls.from_row_lengths(values, np.full([rows], k, np.int64))
    out._uniform_row_length = k  # the shape says it, as TF's `[nrows, k, ...]`
    return out


def _from_sparse(cls, st_input, name=None, row_splits_dtype=dtypes.int64):
    idx, shape = as_numpy(st_input.indices), as_numpy(st_input.dense_shape)
    if len(shape) != 2:
        raise ValueError(f"rank(st_input) must be 2, got {len(shape)}")
    lengths = np.bincount(idx[:, 0], minlength=shape[0]) if idx.size else np.zeros(shape[0])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    if idx.size and (idx[:, 1] != np.arange(len(idx)) - np.repeat(starts, lengths)).any():
        raise errors.InvalidArgumentError(
            None, None, "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
            "Summarized data: b'SparseTensor is not right-ragged'")
    return cls.from_row_lengths(st_input.values, lengths.astype(np.int64))


RaggedTensor.from_nested_row_splits = classmethod(_from_nested_row_splits)
RaggedTensor.from_uniform_row_length = classmethod(_from_uniform_row_length)
RaggedTensor.from_sparse = classmethod(_from_sparse)


@export("RaggedTensorSpec", "ragged.RaggedTensorSpec")
class RaggedTensorSpec:
    """The type of a RaggedTensor: shape (ragged dimensions None), dtype, ragged rank."""

    def __init__(self, shape=None, dtype=dtypes.float32, ragged_rank=None,
                 row_splits_dtype=dtypes.int64, flat_values_spec=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        rank = self.shape.rank
        self.ragged_rank = ragged_rank if ragged_rank is not None else (rank - 1 if rank else 1)
        self.row_splits_dtype = dtypes.as_dtype(row_splits_dtype)

    def __repr__(self):
        return (f"RaggedTensorSpec(TensorShape({self.shape.as_list() if self.shape.rank is not None else None}), "
                f"{self.dtype!r}, {self.ragged_rank}, {self.row_splits_dtype!r})")

    def __eq__(self, other):
        return isinstance(other, RaggedTensorSpec) and repr(self) == repr(other)

    def is_compatible_with(self, value):
        return self.dtype == value.dtype and self.shape.is_compatible_with(value.shape)


@export("type_spec_from_value")
def type_spec_from_value(value):
    """The TypeSpec of a value: TensorSpec, RaggedTensorSpec, or a SparseTensorSpec-like one."""
    if isinstance(value, RaggedTensor):
        return RaggedTensorSpec(value.shape, value.dtype, value.ragged_rank)
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return TensorSpec(value.shape, value.dtype)
    t = as_tensor(value)
    return TensorSpec(t.shape, t.dtype)
