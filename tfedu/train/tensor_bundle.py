"""TensorFlow's tensor bundle: the `.index` + `.data-00000-of-00001` pair every checkpoint is.

`prefix.data-00000-of-00001` is the tensors' bytes, one after another: a numeric tensor as its
little-endian C-order array; a string tensor as the varint64 length of each element, the masked
CRC-32C of those lengths (4 bytes), then the elements' bytes. `prefix.index` is a sorted table
(`tfedu.train.table`) mapping each tensor's name to a `BundleEntryProto` (dtype, shape, shard,
offset, size, masked CRC-32C of its bytes); the empty key holds the `BundleHeaderProto`.

Reading checks each tensor's checksum and size and raises `DataLossError` rather than return
bytes that are not what was written. Nothing in the files is ever executed: they hold numbers,
strings and protobuf messages.
"""

from __future__ import annotations

import os
import struct

import numpy as np
from tensorboard.compat.proto import types_pb2

from tfedu.framework import dtypes, errors
from tfedu.protos.tensor_bundle import BundleEntryProto, BundleHeaderProto
from tfedu.train import crc32c
from tfedu.train.files import atomic_write
from tfedu.train.table import TableWriter, get_varint, put_varint, read_table

__all__ = ["BundleWriter", "BundleReader", "data_path", "index_path", "dtype_from_enum",
           "dtype_to_enum"]

_VERSION_PRODUCER = 1


def data_path(prefix: str, shard: int = 0, num_shards: int = 1) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def index_path(prefix: str) -> str:
    return f"{prefix}.index"


def dtype_to_enum(dtype) -> int:
    return types_pb2.DataType.Value(dtypes.as_dtype(dtype).as_datatype_enum)


def dtype_from_enum(enum: int):
    """The tfedu dtype for a `DataType` number; an error naming the type if tfedu lacks it."""
    name = types_pb2.DataType.Name(enum) if enum in types_pb2.DataType.values() else str(enum)
    for d in dtypes.ALL:
        if d.as_datatype_enum == name:
            return d
    raise errors.UnimplementedError(None, None, f"tfedu does not support tensors of type {name}")


def _lengths_crc(lengths) -> int:
    """TF checksums string lengths as fixed-width integers (the file stores varints)."""
    return crc32c.value(b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n)
                                 for n in lengths))


def _string_crc(lengths, checksum: bytes, body) -> int:
    return crc32c.extend(crc32c.extend(_lengths_crc(lengths), checksum), body)


def _encode(array: np.ndarray, dtype) -> tuple[bytes, int]:
    """(bytes, unmasked crc) of one tensor as TensorFlow lays it out in a data file."""
    if dtype is dtypes.string:
        items = [v if isinstance(v, bytes) else str(v).encode() for v in array.reshape(-1)]
        lengths = bytearray()
        for s in items:
            put_varint(lengths, len(s))
        checksum = struct.pack("<I", crc32c.mask(_lengths_crc([len(s) for s in items])))
        body = b"".join(items)
        return bytes(lengths) + checksum + body, _string_crc([len(s) for s in items], checksum,
                                                              body)
    data = np.ascontiguousarray(array, dtype=np.dtype(dtype._np).newbyteorder("<")).tobytes()
    return data, crc32c.value(data)


class BundleWriter:
    """Collects tensors, then writes the data shard and the index (each atomically)."""

    def __init__(self, prefix: str):
        self.prefix = str(prefix)
        self._entries = {}
        self._chunks = []
        self._offset = 0

    def add(self, key: str, value, dtype=None) -> None:
        array = np.asarray(value)
        dtype = dtypes.as_dtype(dtype) if dtype is not None else (
            dtypes.string if array.dtype.kind in "OSU" else dtypes.from_numpy(array.dtype))
        if key in self._entries:
            raise errors.InvalidArgumentError(None, None, f"Adding duplicate key: {key}")
        data, crc = _encode(array, dtype)
        entry = BundleEntryProto(dtype=dtype_to_enum(dtype), offset=self._offset,
                                 size=len(data), crc32c=crc32c.mask(crc))
        entry.shape.SetInParent()
        for d in array.shape:
            entry.shape.dim.add(size=int(d))
        self._entries[key] = entry
        self._chunks.append(data)
        self._offset += len(data)

    def index_bytes(self) -> bytes:
        table = TableWriter()
        header = BundleHeaderProto(num_shards=1)
        header.version.producer = _VERSION_PRODUCER
        table.add(b"", header.SerializeToString())
        for key in sorted(self._entries, key=lambda k: k.encode()):
            table.add(key.encode(), self._entries[key].SerializeToString())
        return table.finish()

    def finish(self) -> str:
        """Write `prefix.data-00000-of-00001`, then `prefix.index`; returns the prefix."""
        atomic_write(data_path(self.prefix), lambda f: [f.write(c) for c in self._chunks])
        index = self.index_bytes()
        atomic_write(index_path(self.prefix), lambda f: f.write(index))
        return self.prefix


def _read_file(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None


class BundleReader:
    """Reads a bundle by prefix: `keys()`, `entry(key)`, `get(key)` (checked numpy arrays)."""

    def __init__(self, prefix: str):
        self.prefix = str(prefix)
        raw = _read_file(index_path(self.prefix), "index")
        try:
            table = read_table(raw)
        except errors.DataLossError as e:
            raise errors.DataLossError(
                None, None, f"Unable to open table file {index_path(self.prefix)}: "
                f"{e.message}: perhaps your file is in a different file format and you need to "
                "use a different restore operator?") from None
        self.header = self._parse(BundleHeaderProto, table.pop(b"", None), "header")
        if self.header.num_shards < 1 or self.header.endianness != 0:
            raise errors.UnimplementedError(
                None, None, "Reading a bundle with a different number of shards or "
                "big-endian data is not supported")
        self._entries = {k.decode("utf-8", "replace"): v for k, v in table.items()}
        self._shards = {}

    def _parse(self, cls, raw, what):
        if raw is None:
            raise errors.DataLossError(None, None, f"Bundle {what} missing in {self.prefix}")
        msg = cls()
        try:
            msg.ParseFromString(raw)
        except Exception:  # protobuf's DecodeError
            raise errors.DataLossError(None, None, f"Corrupted bundle {what}") from None
        return msg

    def keys(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, key) -> bool:
        return key in self._entries

    def entry(self, key: str):
        raw = self._entries.get(key)
        if raw is None:
            raise errors.NotFoundError(
                None, None, f"Key {key} not found in checkpoint")
        entry = self._parse(BundleEntryProto, raw, "entry")
        if entry.slices:
            raise errors.UnimplementedError(
                None, None, f"Tensor {key} is stored in slices (a partitioned variable); "
                "tfedu reads whole tensors only")
        return entry

    def dtype(self, key: str):
        return dtype_from_enum(self.entry(key).dtype)

    def shape(self, key: str) -> list[int]:
        return [d.size for d in self.entry(key).shape.dim]

    def _shard(self, shard_id: int) -> bytes:
        if shard_id not in self._shards:
            path = data_path(self.prefix, shard_id, self.header.num_shards)
            self._shards[shard_id] = _read_file(path, "data")
        return self._shards[shard_id]

    def get(self, key: str) -> np.ndarray:
        """The tensor's value; DataLossError if its bytes are short or fail the checksum."""
        entry = self.entry(key)
        dtype = dtype_from_enum(entry.dtype)
        shape = [d.size for d in entry.shape.dim]
        data = self._shard(entry.shard_id)
        chunk = data[entry.offset:entry.offset + entry.size]
        if entry.offset < 0 or len(chunk) != entry.size:
            raise errors.DataLossError(
                None, None, f"Requested {entry.size} bytes but read {len(chunk)} bytes "
                f"for {key} from {data_path(self.prefix, entry.shard_id, self.header.num_shards)}")
        if dtype is dtypes.string:
            value, crc = _decode_strings(chunk, shape, key)
        else:
            value, crc = _decode(chunk, dtype, shape, key), crc32c.value(chunk)
        if crc32c.mask(crc) != entry.crc32c:
            raise errors.DataLossError(
                None, None, f"Checksum does not match: stored {entry.crc32c} vs. calculated on "
                f"the restored bytes {crc32c.mask(crc)}")
        return value


def _decode_strings(chunk: bytes, shape, key):
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    lengths, pos = [], 0
    for _ in range(n):
        length, pos = get_varint(chunk, pos, len(chunk), "string length")
        lengths.append(length)
    checksum = bytes(chunk[pos:pos + 4])
    pos += 4
    if sum(lengths) != len(chunk) - pos or len(checksum) != 4:
        raise errors.DataLossError(None, None, f"String tensor {key} has the wrong size")
    if struct.unpack("<I", checksum)[0] != crc32c.mask(_lengths_crc(lengths)):
        raise errors.DataLossError(None, None, f"The length checksum of {key} does not match")
    out = np.empty(n, dtype=object)
    for i, length in enumerate(lengths):
        out[i] = bytes(chunk[pos:pos + length])
        pos += length
    return out.reshape(shape), _string_crc(lengths, checksum, chunk[pos - sum(lengths):])


def _decode(chunk: bytes, dtype, shape, key) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    np_dtype = np.dtype(dtype._np).newbyteorder("<")
    if n * np_dtype.itemsize != len(chunk):
        raise errors.DataLossError(
            None, None, f"Tensor {key} holds {len(chunk)} bytes, not the {n * np_dtype.itemsize}"
            f" its shape {shape} needs")
    return np.frombuffer(chunk, dtype=np_dtype).astype(dtype._np).reshape(shape)


def exists(prefix: str) -> bool:
    return os.path.exists(index_path(prefix))
