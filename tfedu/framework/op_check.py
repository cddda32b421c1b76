"""`OpCheckError`: how shape functions and kernels report bad input.

A shape function or kernel raises `OpCheckError("Incompatible shapes: [2,3] vs. [4]")`; the
dispatcher then decorates it the way TensorFlow would at that moment: in eager mode an
`InvalidArgumentError` ending `[Op:AddV2] name: `, while building a graph a `ValueError` naming
the node and its input shapes. One check, two timings.
"""

from __future__ import annotations

import math
import os
import re

from tfedu.framework import errors
from tfedu.framework.tensor_shape import TensorShape


class OpCheckError(Exception):
    """`runtime_only=True`: TF's shape function lets this through while building a graph (the
    output shape is then unknown) and only the kernel refuses it, when the graph runs."""

    def __init__(self, message: str, cls: type = errors.InvalidArgumentError, wrapped: bool = True,
                 name_suffix: bool = True, graph_cls: type = ValueError,
                 runtime_only: bool = False):
        super().__init__(message)
        self.message = message
        self.cls = cls
        self.wrapped = wrapped
        self.name_suffix = name_suffix
        self.graph_cls = graph_cls
        self.runtime_only = runtime_only

    def eager_error(self, op_type: str, name: str = "") -> errors.OpError:
        prefix = (
            f"{{{{function_node __wrapped__{op_type}_device_{errors.CPU_DEVICE}}}}} "
            if self.wrapped else ""
        )
        suffix = f" name: {name}" if self.name_suffix else ""
        return self.cls(None, None, f"{prefix}{self.message} [Op:{op_type}]{suffix}")

    def graph_error(self, op_type: str, name: str, input_shapes) -> Exception:
        shapes = ", ".join(s.as_proto_text() for s in input_shapes)
        text = f"{self.message} for '{{{{node {name}}}}} = {op_type}[]' with input shapes: {shapes}."
        if self.graph_cls is ValueError or not issubclass(self.graph_cls, errors.OpError):
            return self.graph_cls(text)
        return self.graph_cls(None, None, text)


def shape_text(shape) -> str:
    """`[2,3]` as TensorFlow prints shapes in runtime messages."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


# ------------------------------------------------------------------------------------------
# Memory: a shape too large to allocate is TF's ResourceExhaustedError, at once
# ------------------------------------------------------------------------------------------

_NP_OOM = re.compile(r"shape \(([^)]*)\) and data type (\w+)")


_SMALL = 1 << 28  # 256 MB: below any budget worth having


def memory_budget() -> int:
    """Bytes one output may take: `TFEDU_MEMORY_BUDGET`, else a quarter of physical memory.

    An output beyond it would have numpy allocate (or page in) more than the machine can give
    a notebook (a kernel's temporaries take a few times its output), swapping for minutes or
    raising a raw `MemoryError` late; TF fails an allocation it cannot make at once. Outputs
    under 256 MB are never checked (so a smaller budget acts as 256 MB)."""
    env = os.environ.get("TFEDU_MEMORY_BUDGET")
    if env:
        return int(float(env))
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    except (ValueError, OSError, AttributeError):
        return 1 << 32


def oom(shape, dtype) -> OpCheckError:
    """TF's out-of-memory error for a tensor of `shape` (ints) and `dtype` (a DType)."""
    return OpCheckError(
        f"OOM when allocating tensor with shape{shape_text(shape)} and type {dtype.c_name} on "
        f"{errors.CPU_DEVICE} by allocator cpu", cls=errors.ResourceExhaustedError,
        graph_cls=errors.ResourceExhaustedError)


def oom_from_numpy(e: MemoryError) -> OpCheckError:
    """`oom` for numpy's MemoryError ('... with shape (2, 3) and data type float32')."""
    from tfedu.framework import dtypes

    m = _NP_OOM.search(str(e))
    if m is None:
        return OpCheckError(f"OOM when allocating a tensor: {e}", cls=errors.ResourceExhaustedError)
    shape = [int(d) for d in m.group(1).replace(" ", "").split(",") if d]
    name = m.group(2)
    return oom(shape, dtypes.string if name == "object" else dtypes.as_dtype(name))


def check_budget(specs) -> None:
    """Raise `oom` when an inferred output (`(TensorShape, DType)` pairs) exceeds the budget."""
    for shape, dtype in specs or ():
        dims = shape.as_tuple() if type(shape) is TensorShape else getattr(shape, "dims", None)
        if dims is None or None in dims:
            continue
        n = math.prod(dims)
        size = getattr(dtype, "size", 8) if dtype is not None else 8
        nbytes = n * max(size or 8, 1)
        if nbytes > _SMALL and nbytes > memory_budget():  # most outputs: no budget lookup
            raise oom(dims, dtype)
