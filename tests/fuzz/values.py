"""Random dtypes, shapes, values and "hostile" arguments for the fuzzer's op calls.

Everything draws from one `random.Random`, so a seed gives the same calls on every machine.
Values are small and exact in binary (halves and quarters, small integers) so that printing,
float16 and summation order do not blur a comparison.
"""

from __future__ import annotations

import numpy as np

FLOATS = ("float16", "float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
COMPLEX = ("complex64", "complex128")
NUMERIC = FLOATS + INTS + COMPLEX
ALL = NUMERIC + ("bool", "string")
WORDS = (b"", b"a", b"tf", b"edu", b"Hello", b"x y", b"12", b"-3.5", b"\xc3\xa9t\xc3\xa9", b"abc")
HUGE_DIM = 1 << 22  # with another such dim: 2**44 elements, beyond any machine's memory


def dtype(rng, pool=ALL, common=("float32", "int32")) -> str:
    """Mostly a common dtype, sometimes any of `pool`."""
    usual = [d for d in common if d in pool]
    return rng.choice(usual) if usual and rng.random() < 0.6 else rng.choice(pool)


def shape(rng, max_rank=3, max_dim=4, zero=0.06) -> list:
    rank = rng.randint(0, max_rank)
    return [0 if rng.random() < zero else rng.randint(1, max_dim) for _ in range(rank)]


def array(rng, shp, dt: str, lo=-4, hi=4, special=0.0) -> np.ndarray:
    """Values of dtype `dt` and shape `shp` (with nan/inf at rate `special` for floats)."""
    n = int(np.prod(shp, dtype=np.int64))
    if dt == "string":
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = rng.choice(WORDS)
        return out.reshape(shp)
    if dt == "bool":
        return np.array([rng.random() < 0.5 for _ in range(n)], dtype=bool).reshape(shp)
    if dt in INTS:
        info = np.iinfo(dt)
        lo_, hi_ = max(lo, info.min), min(hi, info.max)
        hi_ = max(lo_, hi_)
        return np.array([rng.randint(lo_, hi_) for _ in range(n)], dtype=dt).reshape(shp)
    vals = [rng.randint(lo * 4, hi * 4) / 4 for _ in range(n)]
    for i in range(n):
        if rng.random() < special:
            vals[i] = rng.choice([np.nan, np.inf, -np.inf])
    if dt in COMPLEX:
        return (np.array(vals) + 1j * np.array([rng.randint(-8, 8) / 4 for _ in range(n)])
                ).astype(dt).reshape(shp)
    return np.array(vals, dtype=dt).reshape(shp)


def broadcastable(rng, shp) -> list:
    """A shape that broadcasts with `shp` (or, rarely, one that does not)."""
    if rng.random() < 0.1:
        return [d + 1 for d in shp] or [2]
    out = [1 if rng.random() < 0.3 else d for d in shp]
    cut = rng.randint(0, len(out))
    return out[cut:]


def axis(rng, rank, bad=0.15):
    """An axis of a tensor of `rank` (negative ones too); sometimes out of range."""
    if rng.random() < bad or rank == 0:
        return rng.choice([rank, -rank - 1, rank + 2, 1])
    return rng.randint(-rank, rank - 1)


def huge(rng) -> bool:
    return rng.random() < 0.01
