"""`KerasTensor`: a symbolic placeholder flowing through layers to define a functional model.

Calling a layer on KerasTensors records a `Node` (layer, inputs, outputs) instead of computing.
The output shapes come from tracing the layer's `call` once into a scratch tfedu graph with
placeholders of the input shapes: the same static shape inference every op already has.
"""

from __future__ import annotations

from tfedu.framework import dtypes, nest
from tfedu.framework.tensor_shape import TensorShape


class KerasTensor:
    """A symbolic tensor of a functional model (`keras.Input(...)`, a layer's symbolic output)."""

    def __init__(self, shape, dtype="float32", name=None, keras_history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.as_dtype(dtype).name
        self.name = name
        self._keras_history = keras_history  # (layer, node_index, tensor_index)
        self.sparse = False
        self.ragged = False

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")

    def __hash__(self):
        return id(self)

    def _binary(self, other, fn, name):
        from tfedu.keras.layers.core import _OpLambda

        return _OpLambda(fn, name)(self, other)

    def __add__(self, other):
        return self._binary(other, lambda a, b: a + b, "add")

    def __radd__(self, other):
        return self._binary(other, lambda a, b: b + a, "add")

    def __sub__(self, other):
        return self._binary(other, lambda a, b: a - b, "subtract")

    def __rsub__(self, other):
        return self._binary(other, lambda a, b: b - a, "subtract")

    def __mul__(self, other):
        return self._binary(other, lambda a, b: a * b, "multiply")

    def __rmul__(self, other):
        return self._binary(other, lambda a, b: b * a, "multiply")

    def __truediv__(self, other):
        return self._binary(other, lambda a, b: a / b, "divide")

    def __matmul__(self, other):
        return self._binary(other, lambda a, b: a @ b, "matmul")

    def __neg__(self):
        from tfedu.keras.layers.core import _OpLambda

        return _OpLambda(lambda a: -a, "negative")(self)

    def __getitem__(self, key):
        from tfedu.keras.layers.core import _OpLambda

        return _OpLambda(lambda a: a[key], "get_item")(self)


class Node:
    """One call of a layer inside a functional model: which KerasTensors went in and out."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in nest.flatten((call_args, call_kwargs))
                              if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            out.append(layer._inbound_nodes[node_index])
        return out


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


def any_symbolic(structure) -> bool:
    return any(isinstance(t, KerasTensor) for t in nest.flatten(structure))


def trace_output_spec(fn, args, kwargs):
    """Run `fn` on placeholders standing for the KerasTensors in (args, kwargs) in a scratch graph.

    Returns the structure of (shape tuple, dtype name) of the outputs.
    """
    from tfedu.framework.execute import execute
    from tfedu.framework.func_graph import FuncGraph
    from tfedu.framework.graph_ops import PLACEHOLDER

    g = FuncGraph("keras_output_spec")  # a function's graph, as TF Keras traces: `==` compares values
    with g.as_default():
        def to_placeholder(t):
            if not isinstance(t, KerasTensor):
                return t
            return execute(PLACEHOLDER, [], {"dtype": dtypes.as_dtype(t.dtype),
                                             "shape": TensorShape(list(t.shape))})

        flat = nest.flatten((args, kwargs))
        placed = [to_placeholder(t) for t in flat]
        a, k = nest.pack_sequence_as((args, kwargs), placed)
        out = fn(*a, **k)
    return nest.map_structure(
        lambda t: (tuple(t.shape.as_list()) if t.shape.rank is not None else None, t.dtype.name),
        out)
