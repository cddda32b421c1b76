"""The sorted string table behind a checkpoint's `.index` file (LevelDB's table format).

A table is a file of blocks followed by a fixed-size footer:

    [data block 1] [data block 2] ... [metaindex block] [index block] [footer: 48 bytes]

A block holds key/value entries sorted by key, each key stored as the length of the prefix it
shares with the previous key plus the rest ("prefix compression"); every 16th entry (a
"restart point") stores its key whole, and the block ends with the offsets of its restart
points. Each block is followed by a one-byte compression type (0: none) and the masked CRC-32C
of the block and that byte. The index block maps, for each data block, a key at least as large
as the block's last key to the block's (offset, size). The footer gives where the metaindex and
index blocks are and ends with the table's magic number.

Reading checks the magic number and every block's checksum, and raises `DataLossError` (as
TensorFlow does) for a truncated or altered file instead of returning wrong data.
"""

from __future__ import annotations

import struct

from tfedu.framework import errors
from tfedu.train import crc32c

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5
BLOCK_SIZE = 262144  # TensorFlow's table default: a new data block every 256 KiB
RESTART_INTERVAL = 16


def put_varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def get_varint(buf, pos: int, limit: int, what="varint") -> tuple[int, int]:
    result = shift = 0
    while pos < limit and shift <= 63:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    raise _corrupt(f"bad {what}")


def _corrupt(what: str):
    return errors.DataLossError(None, None, f"corrupted block contents: {what}")


# --- writing -------------------------------------------------------------------------------

def shortest_separator(start: bytes, limit: bytes) -> bytes:
    """A short key k with start <= k < limit (LevelDB's bytewise FindShortestSeparator)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def short_successor(key: bytes) -> bytes:
    """A short key >= `key` (LevelDB's FindShortSuccessor)."""
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


class _BlockBuilder:
    def __init__(self, restart_interval: int):
        self.interval = restart_interval
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.interval:
            n = min(len(key), len(self.last_key))
            while shared < n and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        put_varint(self.buf, shared)
        put_varint(self.buf, len(key) - shared)
        put_varint(self.buf, len(value))
        self.buf += key[shared:]
        self.buf += value
        self.last_key = key
        self.counter += 1

    def size_estimate(self) -> int:
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        tail = struct.pack(f"<{len(self.restarts)}I", *self.restarts)
        return bytes(self.buf) + tail + struct.pack("<I", len(self.restarts))

    def empty(self) -> bool:
        return not self.buf


class TableWriter:
    """Builds a table in memory from keys added in strictly increasing order."""

    def __init__(self, block_size: int = BLOCK_SIZE):
        self.block_size = block_size
        self.out = bytearray()
        self.data = _BlockBuilder(RESTART_INTERVAL)
        self.index = _BlockBuilder(1)
        self.last_key = None
        self.pending = None  # handle of the last data block, waiting for its index key

    def add(self, key: bytes, value: bytes) -> None:
        if self.last_key is not None and key <= self.last_key:
            raise ValueError(f"table keys must increase: {key!r} after {self.last_key!r}")
        if self.pending is not None:
            self.index.add(shortest_separator(self.last_key, key), self.pending)
            self.pending = None
        self.data.add(key, value)
        self.last_key = key
        if self.data.size_estimate() >= self.block_size:
            self._flush()

    def _flush(self) -> None:
        if self.data.empty():
            return
        self.pending = self._write_block(self.data.finish())
        self.data = _BlockBuilder(RESTART_INTERVAL)

    def _write_block(self, contents: bytes) -> bytes:
        handle = bytearray()
        put_varint(handle, len(self.out))
        put_varint(handle, len(contents))
        crc = crc32c.mask(crc32c.extend(crc32c.value(contents), b"\x00"))
        self.out += contents + b"\x00" + struct.pack("<I", crc)
        return bytes(handle)

    def finish(self) -> bytes:
        self._flush()
        meta = self._write_block(_BlockBuilder(RESTART_INTERVAL).finish())
        if self.pending is not None:
            self.index.add(short_successor(self.last_key), self.pending)
        index = self._write_block(self.index.finish())
        footer = (meta + index).ljust(FOOTER_SIZE - 8, b"\x00") + struct.pack("<Q", MAGIC)
        return bytes(self.out + footer)


# --- reading -------------------------------------------------------------------------------

def _block_entries(buf, start: int, size: int):
    """(key, value) pairs of the block at buf[start:start+size] (trailer checked first)."""
    end = start + size
    if end + BLOCK_TRAILER_SIZE > len(buf) or size < 4:
        raise errors.DataLossError(None, None, "truncated block read")
    stored = struct.unpack_from("<I", buf, end + 1)[0]
    if buf[end] != 0:
        raise _corrupt(f"unsupported block compression type {buf[end]}")
    actual = crc32c.mask(crc32c.value(memoryview(buf)[start:end + 1]))
    if stored != actual:
        raise errors.DataLossError(None, None, "block checksum mismatch")
    num_restarts = struct.unpack_from("<I", buf, end - 4)[0]
    limit = end - 4 - 4 * num_restarts
    if num_restarts < 1 or limit < start:
        raise _corrupt("bad restart array")
    pos, key = start, b""
    while pos < limit:
        shared, pos = get_varint(buf, pos, limit, "entry")
        unshared, pos = get_varint(buf, pos, limit, "entry")
        vlen, pos = get_varint(buf, pos, limit, "entry")
        if shared > len(key) or pos + unshared + vlen > limit:
            raise _corrupt("bad entry in block")
        key = key[:shared] + bytes(buf[pos:pos + unshared])
        pos += unshared
        yield key, bytes(buf[pos:pos + vlen])
        pos += vlen


def _handle(value: bytes, pos: int = 0) -> tuple[int, int, int]:
    offset, pos = get_varint(value, pos, len(value), "block handle")
    size, pos = get_varint(value, pos, len(value), "block handle")
    return offset, size, pos


def read_table(buf: bytes) -> dict[bytes, bytes]:
    """Every entry of a table held in `buf`, checked; DataLossError if it is not whole."""
    if len(buf) < FOOTER_SIZE:
        raise errors.DataLossError(None, None, "file is too short to be an sstable")
    footer = buf[-FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)[0] != MAGIC:
        raise errors.DataLossError(None, None, "not an sstable (bad magic number)")
    _, _, pos = _handle(footer)
    index_offset, index_size, _ = _handle(footer, pos)
    entries = {}
    for _, handle in _block_entries(buf, index_offset, index_size):
        offset, size, _ = _handle(handle)
        entries.update(_block_entries(buf, offset, size))
    return entries
