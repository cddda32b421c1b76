"""`OpCheckError`: how shape functions and kernels report bad input.

A shape function or kernel raises `OpCheckError("Incompatible shapes: [2,3] vs. [4]")`; the
dispatcher then decorates it the way TensorFlow would at that moment: in eager mode an
`InvalidArgumentError` ending `[Op:AddV2] name: `, while building a graph a `ValueError` naming
the node and its input shapes. One check, two timings.
"""

from __future__ import annotations

from tfedu.framework import errors


class OpCheckError(Exception):
    def __init__(self, message: str, cls: type = errors.InvalidArgumentError, wrapped: bool = True,
                 name_suffix: bool = True, graph_cls: type = ValueError):
        super().__init__(message)
        self.message = message
        self.cls = cls
        self.wrapped = wrapped
        self.name_suffix = name_suffix
        self.graph_cls = graph_cls

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
