"""Keras backend utilities: default float type, epsilon, and per-class name counters."""

from __future__ import annotations

import collections

_FLOATX = "float32"
_EPSILON = 1e-7
_uids = collections.defaultdict(int)


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    _FLOATX = str(value)


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def unique_name(prefix: str) -> str:
    """`dense`, `dense_1`, ...: Keras' default layer and model names."""
    n = _uids[prefix]
    _uids[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session(free_memory: bool = True) -> None:
    """Reset the name counters (new layers are named `dense`, `dense_1`, ... again)."""
    _uids.clear()


def image_data_format() -> str:
    return "channels_last"
