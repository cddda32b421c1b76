"""Parsing `tf.train.Example`s: `tf.io.parse_single_example`, `tf.io.parse_example` and their
feature specs (`FixedLenFeature`, `VarLenFeature`, `FixedLenSequenceFeature`, `RaggedFeature`).

Each requested feature is one `ParseExampleFeature` op on the serialized strings (numpy kernel,
protobuf parsing), so parsing runs inside `Dataset.map` as in TensorFlow's TFRecord pipelines.
Fixed-length features become dense tensors, variable-length ones `SparseTensor`s, ragged ones
`RaggedTensor`s.
"""

from __future__ import annotations

import collections

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.errors import CPU_DEVICE
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops.op_helpers import as_tensor, export
from tfedu.ops.ragged_ops import RaggedTensor
from tfedu.ops.sparse_ops import SparseTensor
from tfedu.protos.example import Example

_KINDS = {dtypes.int64: "int64_list", dtypes.float32: "float_list", dtypes.string: "bytes_list"}
_TYPE_NAMES = {dtypes.int64: "int64", dtypes.float32: "float", dtypes.string: "string"}


@export("io.FixedLenFeature")
class FixedLenFeature(collections.namedtuple("FixedLenFeature",
                                             ["shape", "dtype", "default_value"])):
    """A feature of a fixed shape (a dense tensor), with an optional default."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


@export("io.VarLenFeature")
class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature of any length: parsed to a `SparseTensor`."""


@export("io.FixedLenSequenceFeature")
class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """Any number of values of a fixed shape, stacked along a new first axis."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


@export("io.RaggedFeature")
class RaggedFeature(collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"])):
    """A feature of any length: parsed to a `RaggedTensor` (only values, no partitions here)."""

    def __new__(cls, dtype, value_key=None, partitions=(), row_splits_dtype=dtypes.int32,
                validate=False):
        return super().__new__(cls, dtype, value_key, partitions, row_splits_dtype, validate)


def _values(example_bytes, key, dtype):
    try:
        ex = Example.FromString(bytes(example_bytes))
    except Exception:
        raise OpCheckError("Could not parse example input, value: '"
                           f"{bytes(example_bytes)[:50].decode('latin-1')}'") from None
    feats = ex.features.feature
    if key not in feats:
        return None
    f = feats[key]
    kind = f.WhichOneof("kind")
    if kind is None:
        return np.zeros([0], object if dtype == dtypes.string else dtype.as_numpy_dtype)
    if kind != _KINDS[dtype]:
        got = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}[kind]
        raise OpCheckError(f"Key: {key}.  Data types don't match. "
                           f"Data type: {got} but expected type: {_TYPE_NAMES[dtype]}")
    vals = list(getattr(f, kind).value)
    return np.array(vals, dtype=object if dtype == dtypes.string else dtype.as_numpy_dtype)


def _fixed(vals, key, dtype, shape, default):
    n = int(np.prod(shape)) if shape else 1
    if vals is None:
        if default is None:
            raise OpCheckError(f"Feature: {key} (data type: {_TYPE_NAMES[dtype]}) is required but "
                               "could not be found.")
        return np.broadcast_to(np.asarray(default, dtype=vals_dtype(dtype)), shape).copy()
    if vals.size != n:
        kind = {"int64": "int64_list", "float": "float_list", "string": "bytes_list"}[
            _TYPE_NAMES[dtype]]
        raise OpCheckError(f"Key: {key}.  Can't parse serialized Example: Some {kind} slice "
                           "was not parsed.")
    return vals.reshape(shape)


def vals_dtype(dtype):
    return object if dtype == dtypes.string else dtype.as_numpy_dtype


class ParseExampleError(OpCheckError):
    """Reported as TensorFlow reports it: from its one ParseExampleV2 op for all features."""

    def __init__(self, message, suffix):
        super().__init__(message)
        self.suffix = suffix

    def eager_error(self, op_type, name=""):
        return self.cls(None, None, f"{{{{function_node __wrapped__ParseExampleV2{self.suffix}"
                                    f"_device_{CPU_DEVICE}}}}} {self.message} [Op:ParseExampleV2]")


def _parse_kernel(serialized, key=None, kind=None, dtype=None, shape=(), default=None,
                  counts=(0, 0, 0)):
    try:
        return _parse(serialized, key, kind, dtype, shape, default)
    except OpCheckError as e:
        nd, ns, nr = counts
        raise ParseExampleError(e.message, f"_Tdense_{nd}_num_sparse_{ns}_ragged_split_types_{nr}"
                                f"_ragged_value_types_{nr}_sparse_types_{ns}") from None


def _parse(serialized, key, kind, dtype, shape, default):
    flat = serialized.reshape(-1)
    parsed = [_values(s, key, dtype) for s in flat]
    if kind == "fixed":
        rows = [_fixed(v, key, dtype, list(shape), default) for v in parsed]
        out = np.stack(rows) if rows else np.zeros([0, *shape], vals_dtype(dtype))
        return [out.reshape(serialized.shape + tuple(shape))]
    if kind == "seq":
        rows = [np.zeros([0], vals_dtype(dtype)) if v is None else v for v in parsed]
        per = int(np.prod(shape)) if shape else 1
        rows = [r.reshape([-1, *shape]) if per else r for r in rows]
        n = max([len(r) for r in rows], default=0)
        pad = np.asarray(default if default is not None else ("" if dtype == dtypes.string else 0),
                         dtype=vals_dtype(dtype))
        out = np.stack([np.concatenate([r, np.broadcast_to(pad, [n - len(r), *shape])])
                        for r in rows]) if rows else np.zeros([0, 0, *shape], vals_dtype(dtype))
        return [out.reshape(serialized.shape + (n, *shape))]
    rows = [np.zeros([0], vals_dtype(dtype)) if v is None else v for v in parsed]
    values = np.concatenate(rows) if rows else np.zeros([0], vals_dtype(dtype))
    lengths = np.array([len(r) for r in rows], np.int64)
    if kind == "ragged":
        return [values, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)]
    batch = serialized.ndim == 1
    idx = [[b, j] if batch else [j] for b, r in enumerate(rows) for j in range(len(r))]
    width = int(lengths.max()) if lengths.size else 0
    dense = [len(rows), width] if batch else [width]
    return [np.array(idx, np.int64).reshape(-1, len(dense)), values, np.array(dense, np.int64)]


def _parse_infer(op):
    s, a = op.shape(0), op.attrs
    kind, dt, shape = a["kind"], a["dtype"], list(a["shape"])
    lead = s.as_list() if s.rank is not None else None
    if kind == "fixed":
        return [(TensorShape(None if lead is None else lead + shape), dt)]
    if kind == "seq":
        return [(TensorShape(None if lead is None else lead + [None] + shape), dt)]
    if kind == "ragged":
        return [(TensorShape([None]), dt), (TensorShape([None]), dtypes.int64)]
    r = 1 + (s.rank or 0)
    return [(TensorShape([None, r]), dtypes.int64), (TensorShape([None]), dt),
            (TensorShape([r]), dtypes.int64)]


PARSE_FEATURE = register_op(
    "ParseExampleFeature", group="io", inputs=("serialized: string",),
    outputs=("output: M*T",), attrs={"key": "", "kind": "fixed", "dtype": None, "shape": (),
                                     "default": None, "counts": (0, 0, 0)},
    export={"graphdef": {"unsupported": "TensorFlow parses Examples with ParseExampleV2, which "
                         "tfedu does not write yet"}},
    infer=_parse_infer, kernel=_parse_kernel,
    doc="One feature of serialized tf.train.Examples (dense, sparse or ragged parts).")


def _check_dtype(key, dt):
    dt = dtypes.as_dtype(dt)
    if dt not in _KINDS:
        raise ValueError(f"Unsupported dtype {dt.name} for feature {key!r}: tf.train.Example "
                         "features are tf.int64, tf.float32 or tf.string")
    return dt


def _counts(features):
    kinds = [type(f).__name__ for f in features.values()]
    return (sum(k in ("FixedLenFeature", "FixedLenSequenceFeature") for k in kinds),
            kinds.count("VarLenFeature"), kinds.count("RaggedFeature"))


def _parse_one(serialized, key, spec, name, counts=(0, 0, 0)):

    dt = _check_dtype(key, spec.dtype)
    shape = tuple(getattr(spec, "shape", ()) or ())
    if isinstance(spec, FixedLenFeature):
        kind = "fixed"
    elif isinstance(spec, FixedLenSequenceFeature):
        kind = "seq"
    elif isinstance(spec, RaggedFeature):
        kind = "ragged"
    elif isinstance(spec, VarLenFeature):
        kind = "var"
    else:
        raise ValueError(f"Invalid feature {key}:{spec}.")
    default = getattr(spec, "default_value", None)
    attrs = {"key": getattr(spec, "value_key", None) or key, "kind": kind, "dtype": dt,
             "shape": tuple(int(d) for d in shape),
             "default": None if default is None else np.asarray(default, vals_dtype(dt)),
             "counts": counts}
    out = execute(PARSE_FEATURE, [serialized], attrs, name=name, default_name="ParseExample")
    if kind in ("fixed", "seq"):
        return out[0] if isinstance(out, list) else out
    if kind == "ragged":
        if serialized.shape.rank == 0:
            return out[0]
        return RaggedTensor.from_row_splits(out[0], out[1])
    return SparseTensor(out[0], out[1], out[2])


@export("io.parse_single_example", "compat.v1.parse_single_example")
def parse_single_example(serialized, features, name=None, example_names=None):
    """A dict of tensors, one per entry of `features`, from one serialized Example."""
    s = as_tensor(serialized, dtype=dtypes.string)
    if s.shape.rank not in (None, 0):
        raise ValueError(f"Input serialized must be a scalar, got shape {s.shape}")
    return {k: _parse_one(s, k, spec, name, _counts(features)) for k, spec in features.items()}


@export("io.parse_example", "compat.v1.parse_example")
def parse_example(serialized, features, name=None, example_names=None):
    """A dict of batched tensors from a vector of serialized Examples."""
    s = as_tensor(serialized, dtype=dtypes.string)
    if s.shape.rank not in (None, 1):
        raise ValueError(f"Input serialized must be a vector, got shape {s.shape}")
    return {k: _parse_one(s, k, spec, name, _counts(features)) for k, spec in features.items()}
