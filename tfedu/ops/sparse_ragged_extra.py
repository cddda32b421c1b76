"""More of `tf.sparse` (slice, concat, transpose, reduce_max, map_values, retain), `tf.ragged`
(range, RaggedTensor.from_nested_row_splits / from_uniform_row_length / from_sparse,
`RaggedTensorSpec`), `tf.lookup` static tables, `tf.signal` FFTs, `tf.type_spec_from_value`.

Written eagerly over numpy, on values known now: these are the shapes of the API as the guides
use it, not new graph ops.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.ops.op_helpers import as_tensor, export
from tfedu.ops.ragged_ops import RaggedTensor
from tfedu.ops.sparse_ops import SparseTensor


def _tf():
    import tfedu

    return tfedu


def _np(t):
    return np.asarray(as_tensor(t).numpy())


def _sparse(indices, values, shape, dtype):
    tf = _tf()
    vals = tf.constant(np.asarray(values, dtype=object if dtype == dtypes.string else
                                  dtype.as_numpy_dtype), dtype=dtype)
    return SparseTensor(np.asarray(indices, np.int64).reshape(-1, len(shape)), vals,
                        np.asarray(shape, np.int64))


@export("sparse.slice")
def sparse_slice(sp_input, start, size, name=None):
    """The entries inside the box [start, start + size), re-indexed from `start`."""
    idx, vals = _np(sp_input.indices), _np(sp_input.values)
    start, size = np.asarray(start, np.int64), np.asarray(size, np.int64)
    shape = _np(sp_input.dense_shape)
    end = np.minimum(start + size, shape)
    keep = np.all((idx >= start) & (idx < end), axis=1) if idx.size else np.zeros(0, bool)
    return _sparse(idx[keep] - start, vals[keep], np.maximum(end - start, 0), sp_input.dtype)


@export("sparse.concat")
def sparse_concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """Join SparseTensors along `axis` (their other dimensions must agree)."""
    shapes = [_np(s.dense_shape) for s in sp_inputs]
    rank = len(shapes[0])
    axis = axis % rank
    for pos, s in enumerate(shapes[1:], 1):
        bad = [d for d in range(rank) if d != axis and s[d] != shapes[0][d]]
        if bad and not expand_nonconcat_dims:
            raise errors.InvalidArgumentError(
                None, None, f"{{{{function_node __wrapped__SparseConcat_N_{len(shapes)}_device_"
                f"{errors.CPU_DEVICE}}}}} Input shapes must match: expected "
                f"{shapes[0][bad[0]]} for dimension {bad[0]} but got {s[bad[0]]} at position "
                f"{pos} [Op:SparseConcat] name: ")
    out_idx, out_vals, offset = [], [], 0
    for s, shp in zip(sp_inputs, shapes):
        i = _np(s.indices).copy()
        i[:, axis] += offset
        out_idx.append(i)
        out_vals.append(_np(s.values))
        offset += shp[axis]
    shape = shapes[0].copy()
    shape[axis] = offset
    idx, vals = np.concatenate(out_idx), np.concatenate(out_vals)
    order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
    return _sparse(idx[order], vals[order], shape, sp_inputs[0].dtype)


@export("sparse.transpose")
def sparse_transpose(sp_input, perm=None, name=None):
    idx, shape = _np(sp_input.indices), _np(sp_input.dense_shape)
    perm = list(range(len(shape)))[::-1] if perm is None else list(perm)
    new = idx[:, perm]
    order = np.lexsort(new.T[::-1]) if new.size else np.arange(0)
    return _sparse(new[order], _np(sp_input.values)[order], shape[perm], sp_input.dtype)


@export("sparse.reduce_max")
def sparse_reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Max over the present entries only (absent ones are not zeros here)."""
    tf = _tf()
    idx, vals, shape = _np(sp_input.indices), _np(sp_input.values), _np(sp_input.dense_shape)
    if axis is None:
        return tf.constant(vals.max() if vals.size else np.array(np.iinfo(np.int64).min),
                           dtype=sp_input.dtype)
    axes = [a % len(shape) for a in np.atleast_1d(axis)]
    keep = [d for d in range(len(shape)) if d not in axes]
    low = np.finfo(vals.dtype).min if vals.dtype.kind == "f" else np.iinfo(vals.dtype).min
    out = np.full([shape[d] for d in keep], low, vals.dtype)
    for i, v in zip(idx, vals):
        k = tuple(i[keep])
        out[k] = max(out[k], v)
    if keepdims:
        out = out.reshape([1 if d in axes else shape[d] for d in range(len(shape))])
    return tf.constant(out)


@export("sparse.map_values")
def sparse_map_values(op, *args, **kwargs):
    """Apply `op` to the values of the SparseTensor arguments (same indices)."""
    sp = next(a for a in args if isinstance(a, SparseTensor))
    new = [a.values if isinstance(a, SparseTensor) else a for a in args]
    return SparseTensor(sp.indices, op(*new, **kwargs), sp.dense_shape)


@export("sparse.retain")
def sparse_retain(sp_input, to_retain):
    keep = np.asarray(_np(to_retain), bool)
    return _sparse(_np(sp_input.indices)[keep], _np(sp_input.values)[keep],
                   _np(sp_input.dense_shape), sp_input.dtype)


# ---------------------------------------------------------------------------------------------
# ragged

@export("ragged.range")
def ragged_range(starts, limits=None, deltas=1, dtype=None, name=None,
                 row_splits_dtype=dtypes.int64):
    """One `range(start, limit, delta)` row per element."""
    if limits is None:
        starts, limits = 0, starts
    s, lim, d = np.broadcast_arrays(_np(starts), _np(limits), _np(deltas))
    rows = [np.arange(a, b, c) for a, b, c in zip(s.ravel(), lim.ravel(), d.ravel())]
    dt = dtypes.as_dtype(dtype) if dtype else as_tensor(starts).dtype
    flat = np.concatenate(rows).astype(dt.as_numpy_dtype) if rows else np.zeros(0)
    return RaggedTensor.from_row_lengths(_tf().constant(flat, dtype=dt),
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
    return cls.from_row_lengths(values, np.full([rows], k, np.int64))


def _from_sparse(cls, st_input, name=None, row_splits_dtype=dtypes.int64):
    idx, shape = _np(st_input.indices), _np(st_input.dense_shape)
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


# ---------------------------------------------------------------------------------------------
# tf.lookup

@export("lookup.KeyValueTensorInitializer")
class KeyValueTensorInitializer:
    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self.keys, self.values = as_tensor(keys, key_dtype), as_tensor(values, value_dtype)
        self.key_dtype, self.value_dtype = self.keys.dtype, self.values.dtype


def _key(v):
    return v.item() if isinstance(v, np.generic) else v


@export("lookup.StaticHashTable")
class StaticHashTable:
    """An immutable key -> value table; missing keys give `default_value`."""

    def __init__(self, initializer, default_value, name=None):
        self._table = {_key(k): _key(v) for k, v in zip(_np(initializer.keys).ravel(),
                                                        _np(initializer.values).ravel())}
        self.key_dtype, self.value_dtype = initializer.key_dtype, initializer.value_dtype
        self.default_value = default_value

    def lookup(self, keys, name=None):
        k = _np(keys)
        out = np.array([self._table.get(_key(x), self.default_value) for x in k.ravel()],
                       dtype=object if self.value_dtype == dtypes.string else
                       self.value_dtype.as_numpy_dtype).reshape(k.shape)
        return _tf().constant(out, dtype=self.value_dtype)

    def size(self, name=None):
        return _tf().constant(len(self._table), dtypes.int64)

    __getitem__ = lookup


@export("lookup.StaticVocabularyTable")
class StaticVocabularyTable(StaticHashTable):
    """Vocabulary ids, with `num_oov_buckets` extra ids for unknown keys (by a stable hash)."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        super().__init__(initializer, -1)
        self._n, self._oov = len(self._table), int(num_oov_buckets)

    def lookup(self, keys, name=None):
        import zlib

        k = _np(keys)
        ids = [self._table.get(_key(x), None) for x in k.ravel()]
        ids = [i if i is not None else self._n + zlib.crc32(str(_key(x)).encode()) % self._oov
               for i, x in zip(ids, k.ravel())]
        return _tf().constant(np.array(ids, np.int64).reshape(k.shape))

    def size(self, name=None):
        return _tf().constant(self._n + self._oov, dtypes.int64)


# ---------------------------------------------------------------------------------------------
# tf.signal

def _fft(fn, real_out=None, n_axes=1):
    def op(input_tensor, fft_length=None, name=None):
        x = _np(input_tensor)
        axes = tuple(range(-n_axes, 0))
        kw = {} if fft_length is None else {"s": [int(v) for v in np.atleast_1d(fft_length)]}
        y = fn(x, axes=axes, **kw)
        if real_out is not None:
            return _tf().constant(y.astype(real_out))
        return _tf().constant(y.astype(np.complex64 if x.dtype in (np.float32, np.complex64)
                                       else np.complex128))
    return op


for _n, _f, _r, _k in (("fft", np.fft.fftn, None, 1), ("ifft", np.fft.ifftn, None, 1),
                       ("fft2d", np.fft.fftn, None, 2), ("ifft2d", np.fft.ifftn, None, 2),
                       ("rfft", np.fft.rfftn, None, 1), ("rfft2d", np.fft.rfftn, None, 2),
                       ("irfft", np.fft.irfftn, np.float32, 1),
                       ("irfft2d", np.fft.irfftn, np.float32, 2)):
    export(f"signal.{_n}")(_fft(_f, _r, _k))


@export("signal.stft")
def stft(signals, frame_length, frame_step, fft_length=None, window_fn=None, pad_end=False,
         name=None):
    """Short-time Fourier transform: Hann-windowed frames, then an rfft of each."""
    x = _np(signals).astype(np.float32)
    n = fft_length or int(2 ** np.ceil(np.log2(frame_length)))
    if pad_end:
        extra = (-(x.shape[-1] - frame_length) % frame_step) if x.shape[-1] >= frame_length \
            else frame_length - x.shape[-1]
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, extra)])
    count = max(0, 1 + (x.shape[-1] - frame_length) // frame_step)
    frames = np.stack([x[..., i * frame_step:i * frame_step + frame_length]
                       for i in range(count)], -2) if count else np.zeros(
        x.shape[:-1] + (0, frame_length), np.float32)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length) \
        if window_fn is None else _np(window_fn(frame_length, dtype=_tf().float32))
    return _tf().constant(np.fft.rfft(frames * win, n=n).astype(np.complex64))
