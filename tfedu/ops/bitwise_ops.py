"""`tf.bitwise`: and, or, xor, shifts and invert of integer tensors, one op each; and the
`&`, `|`, `^`, `~` operators, which TensorFlow makes bitwise on integers (logical on bools)."""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.tensor import Tensor
from tfedu.ops.op_helpers import (
    binary_function,
    export,
    register_binary,
    register_unary,
    unary_function,
)

_INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
         dtypes.uint32, dtypes.uint64)


def _binary(type, fn, public):
    """Register the op `type` computing `fn` and export `tf.bitwise.<public>` running it."""
    opdef = register_binary(type, fn, _INTS, doc=f"Bitwise {public} of integers.")
    return export(f"bitwise.{public}")(binary_function(opdef, type, public))


bitwise_and = _binary("BitwiseAnd", np.bitwise_and, "bitwise_and")
bitwise_or = _binary("BitwiseOr", np.bitwise_or, "bitwise_or")
bitwise_xor = _binary("BitwiseXor", np.bitwise_xor, "bitwise_xor")
left_shift = _binary("LeftShift", np.left_shift, "left_shift")
right_shift = _binary("RightShift", np.right_shift, "right_shift")
INVERT = register_unary("Invert", np.invert, _INTS, doc="Bitwise NOT of integers.")
invert = export("bitwise.invert")(unary_function(INVERT, "Invert", "invert"))


def install_operators():
    """`&`, `|`, `^`, `~` on integer tensors are bitwise, as in TensorFlow (logical on bools)."""
    pairs = {"and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor}
    for short, fn in pairs.items():
        for name, flip in ((f"__{short}__", False), (f"__r{short}__", True)):
            prev = getattr(Tensor, name)

            def op(x, y, prev=prev, fn=fn, flip=flip):
                if x.dtype.is_integer:
                    return fn(y, x) if flip else fn(x, y)
                return prev(x, y)
            Tensor._override_operator(name, op)
    prev_inv = Tensor.__invert__
    Tensor._override_operator("__invert__", lambda x: invert(x) if x.dtype.is_integer
                              else prev_inv(x))
