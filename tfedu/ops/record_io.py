"""TFRecord files (`tf.io.TFRecordWriter`, `tf.compat.v1.io.tf_record_iterator`), `tf.io.gfile`,
and the `tf.train.Example` protocol buffers.

A TFRecord file is a sequence of records, each framed as
`uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`
(little endian), where CRC-32C is the Castagnoli checksum TensorFlow uses, masked by a rotation
and a constant. Files written here read in TensorFlow and the reverse.
"""

from __future__ import annotations

import glob as _glob
import gzip
import os
import shutil
import struct
import zlib

from tfedu.framework import errors
from tfedu.ops.io_ops import atomic_write
from tfedu.ops.op_helpers import export
from tfedu.protos import example as _example

for _n in ("Example", "SequenceExample", "Features", "Feature", "FeatureList", "FeatureLists",
           "BytesList", "FloatList", "Int64List"):
    export(f"train.{_n}")(getattr(_example, _n))


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(record: bytes) -> bytes:
    head = struct.pack("<Q", len(record))
    return head + struct.pack("<I", masked_crc(head)) + record + struct.pack("<I",
                                                                            masked_crc(record))


def _compression(options):
    if options is None:
        return ""
    if isinstance(options, str):
        return options.upper()
    return (getattr(options, "compression_type", "") or "").upper()


@export("io.TFRecordOptions")
class TFRecordOptions:
    """Options of a TFRecord file: `compression_type` "", "GZIP" or "ZLIB"."""

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None, **kw):
        self.compression_type = (compression_type or "").upper()


@export("io.TFRecordWriter")
class TFRecordWriter:
    """Write records (bytes, e.g. serialized `tf.train.Example`s) to a TFRecord file."""

    def __init__(self, path, options=None):
        self._path = os.fspath(path.decode() if isinstance(path, bytes) else path)
        self._kind = _compression(options)
        self._chunks = []
        self._closed = False

    def write(self, record):
        if self._closed:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if hasattr(record, "numpy"):
            record = record.numpy()
        if isinstance(record, str):
            record = record.encode("utf-8")
        self._chunks.append(frame(bytes(record)))

    def flush(self):
        self._write_out()

    def _write_out(self):
        data = b"".join(self._chunks)
        if self._kind == "GZIP":
            data = gzip.compress(data)
        elif self._kind == "ZLIB":
            data = zlib.compress(data)
        atomic_write(self._path, data)

    def close(self):
        if not self._closed:
            self._write_out()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def read_records(path, compression=""):
    """Yield the records of a TFRecord file, checking lengths and checksums."""
    path = path.decode() if isinstance(path, bytes) else os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    if compression == "GZIP":
        data = gzip.decompress(data)
    elif compression == "ZLIB":
        data = zlib.decompress(data)
    pos = 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise errors.DataLossError(None, None, f"truncated record at {pos} in {path}")
        (n,) = struct.unpack_from("<Q", data, pos)
        (hcrc,) = struct.unpack_from("<I", data, pos + 8)
        if masked_crc(data[pos:pos + 8]) != hcrc:
            raise errors.DataLossError(None, None, f"corrupted record at {pos} in {path}")
        rec = data[pos + 12:pos + 12 + n]
        if len(rec) < n or pos + 16 + n > len(data):
            raise errors.DataLossError(None, None, f"truncated record at {pos} in {path}")
        (dcrc,) = struct.unpack_from("<I", data, pos + 12 + n)
        if masked_crc(rec) != dcrc:
            raise errors.DataLossError(None, None, f"corrupted record at {pos} in {path}")
        yield rec
        pos += 16 + n


@export("compat.v1.io.tf_record_iterator", "compat.v1.python_io.tf_record_iterator")
def tf_record_iterator(path, options=None):
    return read_records(path, _compression(options))


# ---------------------------------------------------------------------------------------------
# tf.io.gfile

def _p(path):
    return os.fspath(path.decode() if isinstance(path, bytes) else path)


def _not_found(path):
    return errors.NotFoundError(None, None, f"{path}; No such file or directory")


@export("io.gfile.exists")
def exists(path):
    return os.path.exists(_p(path))


@export("io.gfile.isdir")
def isdir(path):
    return os.path.isdir(_p(path))


@export("io.gfile.makedirs")
def makedirs(path):
    os.makedirs(_p(path), exist_ok=True)


@export("io.gfile.mkdir")
def mkdir(path):
    try:
        os.mkdir(_p(path))
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{_p(path)}; File exists") from None
    except FileNotFoundError:
        raise _not_found(path) from None


@export("io.gfile.listdir")
def listdir(path):
    try:
        return sorted(os.listdir(_p(path)))
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"Could not find directory {_p(path)}") from None


@export("io.gfile.glob")
def glob(pattern):
    pats = pattern if isinstance(pattern, (list, tuple)) else [pattern]
    return sorted(p for pat in pats for p in _glob.glob(_p(pat)))


@export("io.gfile.remove")
def remove(path):
    try:
        os.remove(_p(path))
    except FileNotFoundError:
        raise _not_found(path) from None


@export("io.gfile.rmtree")
def rmtree(path):
    if not os.path.exists(_p(path)):
        raise _not_found(path)
    shutil.rmtree(_p(path))


@export("io.gfile.rename")
def rename(src, dst, overwrite=False):
    if os.path.exists(_p(dst)) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"file already exists: {_p(dst)}")
    os.replace(_p(src), _p(dst))


@export("io.gfile.copy")
def copy(src, dst, overwrite=False):
    if os.path.exists(_p(dst)) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"file already exists: {_p(dst)}")
    shutil.copyfile(_p(src), _p(dst))


@export("io.gfile.walk")
def walk(top, topdown=True, onerror=None):
    for root, dirs, files in os.walk(_p(top), topdown=topdown):
        yield root, sorted(dirs), sorted(files)


@export("io.gfile.GFile", "io.gfile.Open", "compat.v1.gfile.GFile", "compat.v1.gfile.Open")
class GFile:
    """A file object (TensorFlow's file API on local paths)."""

    def __init__(self, name, mode="r"):
        self._name = _p(name)
        if "r" in mode and not os.path.exists(self._name):
            raise _not_found(self._name)
        self._f = open(self._name, mode)

    def __getattr__(self, attr):
        return getattr(self._f, attr)

    def size(self):
        return os.path.getsize(self._name)

    def __iter__(self):
        return iter(self._f)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()
        return False
