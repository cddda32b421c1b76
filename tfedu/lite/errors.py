"""The converter's error, worded as TensorFlow's converter words it."""

from __future__ import annotations

import numpy as np

__all__ = ["ConverterError", "unsupported_ops_error"]


class ConverterError(Exception):
    """Conversion failed (TF: `tensorflow.lite.python.convert_phase.ConverterError`)."""


def _mlir_type(v) -> str:
    """A value's type as the converter prints it: `tensor<?x4xf32>`."""
    dims = "".join(("?" if d is None else str(d)) + "x" for d in (v.shape or []))
    kind = np.dtype(v.dtype)
    element = {"f": "f", "i": "i", "u": "ui", "b": "i"}.get(kind.kind, "")
    bits = 1 if kind.kind == "b" else kind.itemsize * 8
    return f"tensor<{dims}{element}{bits}>"


def _location(op) -> str:
    if op.source:
        return f"{op.source[0]}:{op.source[1]}:0"
    return "<unknown>:0"


def unsupported_ops_error(ops: list) -> ConverterError:
    """TF's message for ops with no TFLite builtin (TF would offer its Select TF ops here)."""
    lines = [f"{_location(op)}: error: 'tf.{op.type}' op is neither a custom op nor a flex op"
             for op in ops]
    names = sorted({op.type for op in ops})
    details = [f"\ttf.{op.type}({', '.join(_mlir_type(v) for v in op.inputs if v is not None)})"
               f" -> ({', '.join(_mlir_type(v) for v in op.outputs)}) : {{device = \"\"}}"
               for op in ops]
    lines += ["<unknown>:0: note: Error code: ERROR_NEEDS_FLEX_OPS",
              "<unknown>:0: error: failed while converting: 'main': ",
              "Some ops are not supported by the native TFLite runtime, you can enable TF kernels "
              "fallback using TF Select. See instructions: "
              "https://www.tensorflow.org/lite/guide/ops_select ",
              f"TF Select ops: {', '.join(names)}", "Details:", *details, ""]
    return ConverterError("\n".join(lines))
