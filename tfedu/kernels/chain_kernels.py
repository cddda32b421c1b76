"""A chain of elementwise ops with scalar constants, run as one small program over an array.

`((x + 0.001) * 0.999 - 2) / 3` in a plan is four steps: four kernel calls, four fresh
arrays. Here it is one call: the array is copied once into the output buffer, then each
instruction updates the buffer in place:

    for k in range(len(codes)):          # the ops, in order
        for i in range(n):               # the elements (a loop the compiler vectorises)
            buf[i] = buf[i] <op codes[k]> consts[k]

Only ops whose float result is exactly rounded are used (add, subtract, multiply, divide,
negate), each computed in the array's own dtype, so every element gets the same bits numpy
would give op by op. The program is data (`codes`, `consts`): one kernel compiled once serves
every chain of every graph, so no graph waits on a compile.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels.lazy_njit import lazy_njit

__all__ = ["OPCODES", "ref_run_program", "nb_run_program"]

OPCODES = {"add": 0, "sub": 1, "rsub": 2, "mul": 3, "div": 4, "rdiv": 5, "neg": 6}
"""Instruction codes: `sub` is buf - c, `rsub` c - buf; `div` buf / c, `rdiv` c / buf."""


_REF_STEPS = (
    lambda b, c: np.add(b, c, out=b), lambda b, c: np.subtract(b, c, out=b),
    lambda b, c: np.subtract(c, b, out=b), lambda b, c: np.multiply(b, c, out=b),
    lambda b, c: np.divide(b, c, out=b), lambda b, c: np.divide(c, b, out=b),
    lambda b, c: np.negative(b, out=b),
)


def ref_run_program(buf, codes, consts):
    """numpy version: the same instructions, one ufunc each, in place."""
    for code, c in zip(codes, consts, strict=True):
        _REF_STEPS[code](buf, c)
    return buf


@lazy_njit(error_model="numpy")
def nb_run_program(buf, codes, consts):
    n = buf.size
    for k in range(codes.size):
        code = codes[k]
        c = consts[k]
        if code == 0:
            for i in range(n):
                buf[i] = buf[i] + c
        elif code == 1:
            for i in range(n):
                buf[i] = buf[i] - c
        elif code == 2:
            for i in range(n):
                buf[i] = c - buf[i]
        elif code == 3:
            for i in range(n):
                buf[i] = buf[i] * c
        elif code == 4:
            for i in range(n):
                buf[i] = buf[i] / c
        elif code == 5:
            for i in range(n):
                buf[i] = c / buf[i]
        else:
            for i in range(n):
                buf[i] = -buf[i]
    return buf
