"""Elementwise math, activations, reductions and casts.

Each is the numpy function of its name. On quantised tensors it dequantises its inputs, computes
in float and quantises the result onto the output's grid (`float_inputs` / `to_output`).
"""

from __future__ import annotations

import math as _math

import numpy as np

from tfedu.lite.kernels.base import Node, activate, float_inputs, kernel, to_output


def _unary(name: str, fn):
    kernel(name)(lambda node: [to_output(node, fn(float_inputs(node)[0]))])


def _gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    erf = np.vectorize(_math.erf, otypes=[np.float64])
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


for _name, _fn in {
    "RELU": lambda x: np.maximum(x, 0),
    "RELU6": lambda x: np.clip(x, 0, 6),
    "RELU_N1_TO_1": lambda x: np.clip(x, -1, 1),
    "RELU_0_TO_1": lambda x: np.clip(x, 0, 1),
    "LOGISTIC": lambda x: 1 / (1 + np.exp(-x)),
    "TANH": np.tanh,
    "ELU": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "HARD_SWISH": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "EXP": np.exp, "LOG": np.log, "SQRT": np.sqrt, "RSQRT": lambda x: 1 / np.sqrt(x),
    "SQUARE": np.square, "ABS": np.abs, "NEG": np.negative, "SIN": np.sin, "COS": np.cos,
    "FLOOR": np.floor, "CEIL": np.ceil, "ROUND": np.round, "SIGN": np.sign,
    "LOGICAL_NOT": np.logical_not,
}.items():
    _unary(_name, _fn)


@kernel("LEAKY_RELU")
def leaky_relu(node: Node):
    x = float_inputs(node)[0]
    return [to_output(node, np.where(x >= 0, x, node.options.get("alpha", 0.2) * x))]


@kernel("GELU")
def gelu(node: Node):
    x = float_inputs(node)[0]
    return [to_output(node, _gelu(x, node.options.get("approximate")))]


def _binary(name: str, fn, fused: bool = False):
    def run(node: Node):
        a, b = float_inputs(node)[:2]
        y = fn(a, b)
        return [to_output(node, activate(node, y) if fused else y)]

    kernel(name)(run)


def _integer_safe(fn):
    """Integer division by zero is an error in TFLite (numpy would give 0 and a warning)."""

    def run(a, b):
        if np.asarray(a).dtype.kind in "iu" and np.any(np.asarray(b) == 0):
            raise ValueError("integer division by zero")
        return fn(a, b)

    return run


for _name, _fn in {"ADD": np.add, "SUB": np.subtract, "MUL": np.multiply,
                   "DIV": _integer_safe(np.divide)}.items():
    _binary(_name, _fn, fused=True)
for _name, _fn in {
    "MAXIMUM": np.maximum, "MINIMUM": np.minimum, "POW": np.power,
    "SQUARED_DIFFERENCE": lambda a, b: np.square(a - b),
    "FLOOR_DIV": _integer_safe(np.floor_divide), "FLOOR_MOD": _integer_safe(np.mod),
    "LESS": np.less, "LESS_EQUAL": np.less_equal, "GREATER": np.greater,
    "GREATER_EQUAL": np.greater_equal, "EQUAL": np.equal, "NOT_EQUAL": np.not_equal,
    "LOGICAL_AND": np.logical_and, "LOGICAL_OR": np.logical_or,
}.items():
    _binary(_name, _fn)


@kernel("ADD_N")
def add_n(node: Node):
    return [to_output(node, sum(float_inputs(node)))]


def _reduce(name: str, fn):
    def run(node: Node):
        x = float_inputs(node)[0]
        axes = tuple(int(a) % max(x.ndim, 1) for a in np.ravel(node.inputs[1]))
        return [to_output(node, fn(x, axis=axes, keepdims=bool(node.options.get("keep_dims"))))]

    kernel(name)(run)


for _name, _fn in {"MEAN": np.mean, "SUM": np.sum, "REDUCE_MAX": np.max,
                   "REDUCE_MIN": np.min, "REDUCE_PROD": np.prod, "REDUCE_ANY": np.any,
                   "REDUCE_ALL": np.all}.items():
    _reduce(_name, _fn)


def _arg(name: str, fn):
    def run(node: Node):
        x = float_inputs(node)[0]
        return [fn(x, axis=int(np.ravel(node.inputs[1])[0])).astype(node.out_dtypes[0])]

    kernel(name)(run)


_arg("ARG_MAX", np.argmax)
_arg("ARG_MIN", np.argmin)


@kernel("CAST")
def cast(node: Node):
    return [node.inputs[0].astype(node.out_dtypes[0])]


@kernel("SELECT", "SELECT_V2")
def select(node: Node):
    cond, a, b = node.inputs[0], *float_inputs(node)[1:3]
    return [to_output(node, np.where(cond, a, b))]

