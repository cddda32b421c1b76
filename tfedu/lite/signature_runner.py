"""`SignatureRunner`: call a `.tflite` model by its inputs' names, as TF's runner does.

A signature maps the names a model was exported with (`keras_tensor`, `x`) to tensor indices and
names the outputs (`output_0`). The runner resizes inputs to the arrays it is given, allocates,
sets, invokes and returns `{output name: array}`.
"""

from __future__ import annotations

import numpy as np


class SignatureRunner:
    def __init__(self, interpreter, signature: dict):
        if signature.get("subgraph_index") or 0:
            raise ValueError("tfedu's interpreter runs the first subgraph only; this signature "
                             f"uses subgraph {signature['subgraph_index']}.")
        self._interpreter = interpreter
        self._inputs = {m.get("name"): m.get("tensor_index") or 0 for m in signature.get("inputs") or []}
        self._outputs = {m.get("name"): m.get("tensor_index") or 0
                         for m in signature.get("outputs") or []}
        for index in list(self._inputs.values()) + list(self._outputs.values()):
            interpreter._check_index(index)

    def __call__(self, **kwargs) -> dict:
        if len(kwargs) != len(self._inputs):
            raise ValueError(f"Invalid number of inputs provided for running a SignatureDef, "
                             f"expected {len(self._inputs)} vs provided {len(kwargs)}")
        for name in kwargs:
            if name not in self._inputs:
                raise ValueError(f"Invalid Input name ({name}) for SignatureDef")
        it = self._interpreter
        for name, value in kwargs.items():
            index = self._inputs[name]
            shape = np.shape(value)
            if list(shape) != it._graph.tensors[index].shape.tolist():
                it.resize_tensor_input(index, shape)
        if not it._ready:
            it.allocate_tensors()
        for name, value in kwargs.items():
            it.set_tensor(self._inputs[name], value)
        it.invoke()
        return {name: it.get_tensor(index) for name, index in self._outputs.items()}

    def get_input_details(self) -> dict:
        return {name: self._interpreter._detail(i) for name, i in self._inputs.items()}

    def get_output_details(self) -> dict:
        return {name: self._interpreter._detail(i) for name, i in self._outputs.items()}
