"""Write and read `.tflite` FlatBuffers, driven by the table descriptions in `schema.py`.

A model is handled as plain Python data: a dict per table (`{"version": 3, "subgraphs": [...]}`),
numpy arrays for vectors of numbers, `bytes` for buffer data; an operator's options are a dict in
`builtin_options` whose table `builtin_options_type` names (see `options()`).

`write_model` builds the file with the `flatbuffers` library's `Builder` (children first, since
a FlatBuffer is built back to front). `read_model` is a *verifying* reader: every offset, table
and vector is checked against the file's bounds before it is used, so a damaged or hostile file
gives a `ValueError` naming what is wrong, never a crash, a huge allocation or a hang.
"""

from __future__ import annotations

import struct

import flatbuffers
import numpy as np
from flatbuffers.table import Table

from tfedu.lite import schema

__all__ = ["write_model", "read_model", "options", "InvalidModelError"]

_SCALARS = {  # type -> (Prepend...Slot method, struct format)
    "i8": ("PrependInt8Slot", "<b"), "u8": ("PrependUint8Slot", "<B"),
    "bool": ("PrependBoolSlot", "<?"), "i32": ("PrependInt32Slot", "<i"),
    "u32": ("PrependUint32Slot", "<I"), "i64": ("PrependInt64Slot", "<q"),
    "u64": ("PrependUint64Slot", "<Q"), "f32": ("PrependFloat32Slot", "<f"),
}
_VECTOR_DTYPES = {"[i32]": np.dtype("<i4"), "[f32]": np.dtype("<f4"), "[i64]": np.dtype("<i8")}
BUFFER_ALIGNMENT = 16  # weights start on 16-byte boundaries, as TF's converter places them


class InvalidModelError(ValueError):
    """A `.tflite` file that is not a valid TFLite FlatBuffer (TF raises `ValueError`)."""


# ----------------------------------------------------------------------------- writing


def write_model(model: dict) -> bytes:
    """Serialise a model dict (root table `Model`) to `.tflite` bytes with identifier TFL3."""
    builder = flatbuffers.Builder(1024)
    root = _write_table(builder, "Model", model)
    builder.Finish(root, file_identifier=schema.FILE_IDENTIFIER)
    return bytes(builder.Output())


def _write_table(b, table: str, values: dict, fields: dict | None = None) -> int:
    """Children first (strings, vectors, sub-tables), then the table's own slots."""
    fields = fields if fields is not None else schema.TABLES[table]
    offsets = {}
    for name, (_slot, typ, *_) in fields.items():
        value = values.get(name)
        if value is not None and typ not in _SCALARS:
            offsets[name] = _write_child(b, typ, value, values)
    b.StartObject(max((f[0] for f in fields.values()), default=-1) + 1)
    for name, (slot, typ, *_) in fields.items():
        value = values.get(name)
        if name in offsets:
            b.PrependUOffsetTRelativeSlot(slot, offsets[name], 0)
        elif value is not None and typ in _SCALARS:
            getattr(b, _SCALARS[typ][0])(slot, _scalar(typ, value), None)
    return b.EndObject()


def _scalar(typ, value):
    return float(value) if typ == "f32" else bool(value) if typ == "bool" else int(value)


def _write_child(b, typ: str, value, siblings: dict) -> int:
    if typ == "str":
        return b.CreateString(value)
    if typ == "bytes":
        b.Prep(BUFFER_ALIGNMENT, len(value))
        return b.CreateByteVector(bytes(value))
    if typ in _VECTOR_DTYPES:
        return b.CreateNumpyVector(np.asarray(value).astype(_VECTOR_DTYPES[typ]).ravel())
    if typ == "union":
        name, fields = schema.OPTIONS_BY_CODE[siblings["builtin_options_type"]]
        return _write_table(b, name, value, fields)
    if typ.startswith("["):
        items = [_write_table(b, typ[1:-1], v) for v in value]
        b.StartVector(4, len(items), 4)
        for off in reversed(items):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()
    return _write_table(b, typ, value)


def options(name: str, **fields) -> dict:
    """An operator's options as its two fields: `options("SoftmaxOptions", beta=1.0)`."""
    return {"builtin_options_type": schema.OPTIONS[name][0], "builtin_options": fields}


# ----------------------------------------------------------------------------- reading


def read_model(data: bytes) -> dict:
    """Parse and verify `.tflite` bytes into a model dict; `InvalidModelError` if malformed."""
    data = bytes(data)
    reader = _Reader(data)
    if len(data) < 8:
        reader.fail(f"the file has {len(data)} bytes, too few for a FlatBuffer")
    if data[4:8] != schema.FILE_IDENTIFIER:
        reader.fail(f"its identifier is {data[4:8]!r}, not {schema.FILE_IDENTIFIER!r}")
    return reader.table("Model", reader.u32(0))


def _default(typ: str, default: list):
    if default:
        return default[0]
    return (False if typ == "bool" else 0) if typ in _SCALARS else None


class _Reader:
    """Bounds-checked access to a FlatBuffer. Work is capped by the file's size (no hangs)."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)
        self.budget = 2 * self.size + 10_000  # elements decoded; a valid file needs fewer
        self.memo = {}

    def fail(self, why: str):
        raise InvalidModelError(f"The model is not a valid Flatbuffer buffer: {why}")

    def need(self, pos: int, nbytes: int, what: str = "data"):
        if pos < 0 or nbytes < 0 or pos + nbytes > self.size:
            self.fail(f"{what} at byte {pos} (+{nbytes}) lies outside the {self.size}-byte file")

    def unpack(self, fmt: str, pos: int, what: str = "data"):
        self.need(pos, struct.calcsize(fmt), what)
        return struct.unpack_from(fmt, self.data, pos)[0]

    def u32(self, pos: int) -> int:
        return self.unpack("<I", pos, "offset") + pos

    def spend(self, n: int):
        self.budget -= n
        if self.budget < 0:
            self.fail("tables and vectors overlap or repeat far more than a model needs")

    def table(self, table: str, pos: int, fields: dict | None = None) -> dict:
        key = (table, pos)
        if key not in self.memo:
            self.spend(1)
            self.memo[key] = self._table(table, pos, schema.TABLES[table] if fields is None else fields)
        return self.memo[key]

    def _table(self, table: str, pos: int, fields: dict) -> dict:
        vtable = pos - self.unpack("<i", pos, f"{table} table")
        vt_size = self.unpack("<H", vtable, f"{table} vtable")
        obj_size = self.unpack("<H", vtable + 2, f"{table} vtable")
        if vt_size < 4 or vt_size % 2:
            self.fail(f"the {table} vtable at byte {vtable} has size {vt_size}")
        self.need(vtable, vt_size, f"{table} vtable")
        self.need(pos, obj_size, f"{table} table")
        tab = Table(self.data, pos)
        out = {}
        for name, (slot, typ, *default) in fields.items():
            voff = 4 + 2 * slot
            field = tab.Offset(voff) if voff < vt_size else 0
            if field and field + self._width(typ) > obj_size:
                self.fail(f"field {name} of a {table} table lies outside it")
            out[name] = self.field(typ, pos + field, out) if field else _default(typ, default)
        return out

    @staticmethod
    def _width(typ: str) -> int:
        return struct.calcsize(_SCALARS[typ][1]) if typ in _SCALARS else 4

    def field(self, typ: str, pos: int, siblings: dict):
        if typ in _SCALARS:
            return self.unpack(_SCALARS[typ][1], pos)
        target = self.u32(pos)
        if typ == "union":
            return self.union(siblings.get("builtin_options_type") or 0, target)
        if typ in ("str", "bytes") or typ in _VECTOR_DTYPES:
            if (typ, target) not in self.memo:
                self.memo[typ, target] = self.vector(typ, target)
            return self.memo[typ, target]
        if typ.startswith("["):
            count = self.count(target, 4, typ)
            return [self.table(typ[1:-1], self.u32(target + 4 + 4 * i)) for i in range(count)]
        return self.table(typ, target)

    def count(self, pos: int, item_size: int, what: str) -> int:
        n = self.unpack("<I", pos, f"{what} length")
        self.need(pos + 4, n * item_size, f"{what} of {n} elements")
        self.spend(n + 1)
        return n

    def vector(self, typ: str, pos: int):
        if typ in ("str", "bytes"):
            n = self.count(pos, 1, typ)
            raw = self.data[pos + 4: pos + 4 + n]
            return raw.decode("utf-8", errors="replace") if typ == "str" else raw
        dtype = _VECTOR_DTYPES[typ]
        n = self.count(pos, dtype.itemsize, typ)
        return np.frombuffer(self.data, dtype, n, pos + 4).astype(dtype.newbyteorder("="))

    def union(self, code: int, pos: int):
        known = schema.OPTIONS_BY_CODE.get(code)
        if known is None:
            return None  # an options table tfedu does not know: kept as absent
        name, fields = known
        return self.table(name, pos, fields)
