"""CRC-32C (Castagnoli), the checksum of TensorFlow's checkpoint and table files.

Every tensor in a checkpoint's `.data` file and every block of its `.index` table carries a
CRC-32C of its bytes, stored *masked* (rotated and offset, so that a CRC of data containing
CRCs stays well distributed). Reading recomputes it and refuses data that does not match.
Large buffers go through a Numba loop (slicing-by-8); small ones through the same table in
Python.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

_POLY = 0x82F63B78  # reversed Castagnoli polynomial
_MASK_DELTA = 0xA282EAD8
_SMALL = 256


def _tables() -> np.ndarray:
    t = np.zeros((8, 256), dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t[0, i] = c
    for k in range(1, 8):
        for i in range(256):
            t[k, i] = (t[k - 1, i] >> 8) ^ t[0, t[k - 1, i] & 0xFF]
    return t


_T = _tables()
_T0 = [int(x) for x in _T[0]]


@lazy_njit()
def _extend_loop(crc, data, t):  # pragma: no cover - compiled by Numba on first use
    c = crc ^ np.uint32(0xFFFFFFFF)
    n = data.shape[0]
    i = 0
    while i + 8 <= n:
        c ^= (np.uint32(data[i]) | (np.uint32(data[i + 1]) << 8) |
              (np.uint32(data[i + 2]) << 16) | (np.uint32(data[i + 3]) << 24))
        c = (t[7, c & 0xFF] ^ t[6, (c >> 8) & 0xFF] ^ t[5, (c >> 16) & 0xFF] ^
             t[4, c >> 24] ^ t[3, data[i + 4]] ^ t[2, data[i + 5]] ^ t[1, data[i + 6]] ^
             t[0, data[i + 7]])
        i += 8
    while i < n:
        c = t[0, (c ^ data[i]) & 0xFF] ^ (c >> 8)
        i += 1
    return c ^ np.uint32(0xFFFFFFFF)


def extend(crc: int, data) -> int:
    """The CRC-32C of (the data `crc` covers) followed by `data` (bytes-like)."""
    view = memoryview(data).cast("B")
    if len(view) < _SMALL:
        c = crc ^ 0xFFFFFFFF
        for b in bytes(view):
            c = _T0[(c ^ b) & 0xFF] ^ (c >> 8)
        return c ^ 0xFFFFFFFF
    arr = np.frombuffer(view, dtype=np.uint8)
    return int(_extend_loop(np.uint32(crc), arr, _T))


def value(data) -> int:
    return extend(0, data)


def mask(crc: int) -> int:
    """TensorFlow's (and LevelDB's) masked form of a CRC, as stored in files."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
