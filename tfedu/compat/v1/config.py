"""`ConfigProto`, `GPUOptions`, `RunOptions`, `RunMetadata`: accepted, recorded, not needed.

TF 1.x programs pass these to `Session`; tfedu runs on one CPU and keeps the fields only so
such programs run unchanged.
"""

from __future__ import annotations

__all__ = ["ConfigProto", "GPUOptions", "RunOptions", "RunMetadata", "GraphOptions",
           "OptimizerOptions"]


class _Proto:
    """A keyword-argument record that prints like a protobuf message."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __repr__(self):
        return "\n".join(f"{k}: {v!r}" for k, v in self.__dict__.items())


class ConfigProto(_Proto):
    pass


class GPUOptions(_Proto):
    pass


class GraphOptions(_Proto):
    pass


class OptimizerOptions(_Proto):
    pass


class RunOptions(_Proto):
    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3


class RunMetadata(_Proto):
    pass
