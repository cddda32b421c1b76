"""`tf.lite.Interpreter`: a small TensorFlow Lite runtime in numpy, to read.

What an embedded runtime does, step by step:

1. read the FlatBuffer (`flatbuffer.read_model`): tensors, operators, weights, signatures;
2. `allocate_tensors()`: fix every tensor's shape and give it memory. Here, this runs the
   operators once on zeros, which works out each shape and checks that every operator can run
   (a real runtime calls each kernel's "prepare" and plans one arena of memory);
3. `set_tensor` the inputs, `invoke()` - run the operators in the order the file lists them,
   each reading tensors written before it - and `get_tensor` the outputs.

The API and the error messages are TensorFlow's (`tf.lite.Interpreter`, `ai_edge_litert`). The
kernels are numpy functions in `tfedu/lite/kernels/`; no tfedu engine, no Numba.
"""

from __future__ import annotations

import os

import numpy as np

from tfedu.lite import flatbuffer, schema
from tfedu.lite.kernels.base import KERNELS, MAX_ELEMENTS, Node, Quant
from tfedu.lite.signature_runner import SignatureRunner

__all__ = ["Interpreter", "InvalidModelError"]

InvalidModelError = flatbuffer.InvalidModelError


class _Tensor:
    """One tensor of the graph: its type, shape, quantisation and (for weights) its data."""

    def __init__(self, index: int, spec: dict, buffers: list):
        self.index = index
        self.name = spec.get("name") or ""
        code = spec.get("type") or 0
        if code not in schema.TYPE_NAMES:
            _invalid(f"tensor {index} ({self.name!r}) has unknown type code {code}")
        self.type_name = schema.TYPE_NAMES[code]
        self.dtype = np.dtype(schema.TENSOR_TYPES[self.type_name][1])
        self.shape = _shape(spec.get("shape"), index)
        signature = spec.get("shape_signature")
        self.shape_signature = self.shape.copy() if signature is None else _shape(signature, index,
                                                                                   allow_unknown=True)
        self.quant = _quant(spec.get("quantization"), self, index)
        self.data = _constant(spec.get("buffer") or 0, buffers, self)


def _invalid(why: str):
    raise InvalidModelError(f"The model is not a valid TFLite model: {why}")


def _shape(values, index: int, allow_unknown: bool = False) -> np.ndarray:
    shape = np.zeros(0, np.int32) if values is None else np.asarray(values, np.int32)
    if np.any(shape < (-1 if allow_unknown else 0)) or np.prod(np.maximum(shape, 1),
                                                               dtype=np.float64) > MAX_ELEMENTS:
        _invalid(f"tensor {index} has shape {shape.tolist()}")
    return shape


def _quant(spec, tensor: _Tensor, index: int) -> Quant:
    if not spec or spec.get("scale") is None or not len(spec["scale"]):
        return Quant()
    scale = np.asarray(spec["scale"], np.float32)
    zero = np.asarray(spec.get("zero_point") if spec.get("zero_point") is not None
                      else np.zeros(len(scale)), np.int64)
    axis = int(spec.get("quantized_dimension") or 0)
    if len(zero) != len(scale) or (len(scale) > 1 and not (
            0 <= axis < len(tensor.shape) and tensor.shape[axis] == len(scale))):
        _invalid(f"tensor {index} has {len(scale)} scales and {len(zero)} zero points "
                 f"for shape {tensor.shape.tolist()} along dimension {axis}")
    return Quant(scale, zero, axis)


def _constant(buffer: int, buffers: list, tensor: _Tensor):
    if not 0 <= buffer < max(len(buffers), 1):
        _invalid(f"tensor {tensor.index} refers to buffer {buffer} of {len(buffers)}")
    data = (buffers[buffer] or {}).get("data") if buffers else None
    if not data:
        return None
    count = int(np.prod(tensor.shape, dtype=np.int64))
    if tensor.dtype == np.object_ or count * tensor.dtype.itemsize != len(data):
        _invalid(f"tensor {tensor.index} ({tensor.name!r}) of shape {tensor.shape.tolist()} "
                 f"and type {tensor.type_name} has {len(data)} bytes of data")
    return np.frombuffer(data, tensor.dtype.newbyteorder("<"), count).astype(tensor.dtype) \
        .reshape(tensor.shape)


class _Operator:
    def __init__(self, index: int, spec: dict, opcodes: list, num_tensors: int):
        code_index = spec.get("opcode_index") or 0
        if not 0 <= code_index < len(opcodes):
            _invalid(f"operator {index} uses operator code {code_index} of {len(opcodes)}")
        code = opcodes[code_index]
        builtin = max(code.get("builtin_code") or 0, code.get("deprecated_builtin_code") or 0)
        self.name = schema.BUILTIN_NAMES.get(builtin, f"builtin code {builtin}")
        if code.get("custom_code"):
            self.name = code["custom_code"]
        self.version = code.get("version") or 1
        self.index = index
        self.inputs = _indices(spec.get("inputs"), num_tensors, index, optional=True)
        self.outputs = _indices(spec.get("outputs"), num_tensors, index)
        self.options = spec.get("builtin_options") or {}


def _indices(values, num_tensors: int, op: int, optional: bool = False) -> list:
    out = [int(i) for i in (values if values is not None else [])]
    lowest = -1 if optional else 0
    if any(not lowest <= i < num_tensors for i in out):
        _invalid(f"operator {op} refers to tensors {out} of {num_tensors}")
    return out


class _Subgraph:
    def __init__(self, spec: dict, model: dict):
        buffers = model.get("buffers") or []
        specs = spec.get("tensors") or []
        self.name = spec.get("name") or ""
        self.tensors = [_Tensor(i, t, buffers) for i, t in enumerate(specs)]
        self.inputs = _indices(spec.get("inputs"), len(specs), -1)
        self.outputs = _indices(spec.get("outputs"), len(specs), -1)
        opcodes = model.get("operator_codes") or []
        self.operators = [_Operator(i, o, opcodes, len(specs))
                          for i, o in enumerate(spec.get("operators") or [])]


def _load_bytes(model_path, model_content) -> bytes:
    if model_content:
        return bytes(model_content)
    if not model_path:
        raise ValueError("`model_path` or `model_content` must be specified.")
    try:
        with open(os.fspath(model_path), "rb") as f:
            return f.read()
    except OSError:
        raise ValueError(f"Could not open '{model_path}'.") from None


class Interpreter:
    """Runs a `.tflite` model: `allocate_tensors`, `set_tensor`, `invoke`, `get_tensor`."""

    def __init__(self, model_path=None, model_content=None, experimental_delegates=None,
                 num_threads=None, experimental_op_resolver_type=None,
                 experimental_preserve_all_tensors=False, **unused):
        self._model = flatbuffer.read_model(_load_bytes(model_path, model_content))
        if (self._model.get("version") or 0) > schema.SCHEMA_VERSION:
            _invalid(f"schema version {self._model['version']} is newer than "
                     f"{schema.SCHEMA_VERSION}")
        subgraphs = self._model.get("subgraphs") or []
        if not subgraphs:
            _invalid("it has no subgraph")
        self._graph = _Subgraph(subgraphs[0], self._model)
        self._check_kernels()
        self._values: list = [t.data for t in self._graph.tensors]
        self._ready = False

    def _check_kernels(self):
        for op in self._graph.operators:
            if op.name not in KERNELS:
                raise ValueError(
                    f"Didn't find op for builtin opcode '{op.name}' version '{op.version}'. "
                    f"tfedu's interpreter has no kernel for it (its kernels are in "
                    f"tfedu/lite/kernels/).\nRegistration failed.")

    # ------------------------------------------------------------------ details

    def _detail(self, index: int) -> dict:
        t = self._graph.tensors[index]
        q = t.quant
        per_tensor = (float(q.scale[0]), int(q.zero_point[0])) if q.scale.size == 1 else (0.0, 0)
        return {"name": t.name, "index": index, "shape": t.shape.copy(),
                "shape_signature": t.shape_signature.copy(), "dtype": t.dtype.type,
                "quantization": per_tensor,
                "quantization_parameters": {"scales": q.scale.copy(),
                                            "zero_points": q.zero_point.astype(np.int32),
                                            "quantized_dimension": q.axis, "block_size": 0},
                "sparsity_parameters": {}}

    def get_input_details(self) -> list:
        return [self._detail(i) for i in self._graph.inputs]

    def get_output_details(self) -> list:
        return [self._detail(i) for i in self._graph.outputs]

    def get_tensor_details(self) -> list:
        return [self._detail(i) for i in range(len(self._graph.tensors))]

    # ------------------------------------------------------------------ tensors

    def _check_index(self, index: int):
        count = len(self._graph.tensors)
        if not isinstance(index, (int, np.integer)) or not 0 <= index < count:
            raise ValueError(f"Invalid tensor index {index} exceeds max tensor index {count}")

    def set_tensor(self, tensor_index: int, value) -> None:
        """Copy `value` into a tensor: exactly its dtype and shape (resize first to change it)."""
        self._check_index(tensor_index)
        t = self._graph.tensors[tensor_index]
        value = np.asarray(value)
        if value.dtype != t.dtype:
            raise ValueError(
                f"Cannot set tensor: Got value of type {_type_name(value.dtype)} but expected "
                f"type {t.type_name} for input {tensor_index}, name: {t.name} ")
        if value.ndim != len(t.shape):
            raise ValueError(f"Cannot set tensor: Dimension mismatch. Got {value.ndim} but "
                             f"expected {len(t.shape)} for input {tensor_index}.")
        for dim, (got, want) in enumerate(zip(value.shape, t.shape)):
            if got != want:
                raise ValueError(f"Cannot set tensor: Dimension mismatch. Got {got} but "
                                 f"expected {want} for dimension {dim} of input {tensor_index}.")
        self._values[tensor_index] = value.copy()

    def get_tensor(self, tensor_index: int, subgraph_index: int = 0) -> np.ndarray:
        """A copy of the tensor's current value."""
        self._check_index(tensor_index)
        value = self._values[tensor_index]
        if value is None or (not self._ready and self._graph.tensors[tensor_index].data is None):
            raise ValueError("Tensor data is null. Run allocate_tensors() first")
        return np.array(value)

    def tensor(self, tensor_index: int):
        """A function returning the tensor's current value (a view, as in TF)."""
        self._check_index(tensor_index)
        return lambda: self._values[tensor_index]

    def resize_tensor_input(self, input_index: int, tensor_size, strict: bool = False) -> None:
        """Give an input a new shape; call `allocate_tensors()` again before `invoke()`."""
        self._check_index(input_index)
        if input_index not in self._graph.inputs:
            raise ValueError(f"Tensor {input_index} is not an input of the model; only inputs "
                             f"{self._graph.inputs} can be resized.")
        t = self._graph.tensors[input_index]
        size = np.asarray(tensor_size, np.int32).ravel()
        if len(size) != len(t.shape_signature) or np.any(size < 0):
            raise ValueError(f"Cannot resize input {input_index} of shape "
                             f"{t.shape_signature.tolist()} to {size.tolist()}: the rank must stay "
                             f"{len(t.shape_signature)}.")
        fixed = t.shape_signature != -1
        if strict and np.any(size[fixed] != t.shape_signature[fixed]):
            raise ValueError(f"ResizeInputTensorStrict only allows mutating unknown dimensions "
                             f"identified by -1; got {size.tolist()} for "
                             f"{t.shape_signature.tolist()}.")
        t.shape = size
        self._ready = False

    # ------------------------------------------------------------------ running

    def allocate_tensors(self) -> None:
        """Fix every tensor's shape: run the graph once on zeros (the 'prepare' step)."""
        for i in self._graph.inputs:
            t = self._graph.tensors[i]
            if t.data is None:
                self._values[i] = np.zeros(t.shape, t.dtype)
        self._run(prepare=True)
        self._ready = True

    def invoke(self) -> None:
        """Run every operator, in the file's order."""
        if not self._ready:
            raise RuntimeError("Invoke called on model that is not ready.")
        self._run(prepare=False)

    def _run(self, prepare: bool):
        written = {i for i, t in enumerate(self._graph.tensors) if t.data is not None}
        written.update(self._graph.inputs)
        with np.errstate(all="ignore"):
            for op in self._graph.operators:
                self._run_operator(op, written, prepare)
        for i in self._graph.outputs:
            if i not in written:
                raise RuntimeError(f"Output tensor {i} is never written by any operator.")

    def _run_operator(self, op: _Operator, written: set, prepare: bool):
        missing = [i for i in op.inputs if i >= 0 and i not in written]
        step = "prepare" if prepare else "invoke"
        if missing:
            raise RuntimeError(f"Node number {op.index} ({op.name}) failed to {step}: it reads "
                               f"tensor {missing[0]} before any operator writes it.")
        node = self._node(op)
        try:
            results = list(KERNELS[op.name](node))
            if len(results) != len(op.outputs):
                raise ValueError(f"it made {len(results)} outputs, the model lists "
                                 f"{len(op.outputs)}")
        except (ValueError, TypeError, IndexError, KeyError, OverflowError, MemoryError,
                AttributeError, ZeroDivisionError) as e:
            raise RuntimeError(f"Node number {op.index} ({op.name}) failed to {step}: "
                               f"{e}") from None
        for i, value in zip(op.outputs, results):
            self._store(i, value, prepare)
            written.add(i)

    def _node(self, op: _Operator) -> Node:
        tensors = self._graph.tensors
        return Node(op.name, [None if i < 0 else self._values[i] for i in op.inputs], op.options,
                    [Quant() if i < 0 else tensors[i].quant for i in op.inputs],
                    [tensors[i].quant for i in op.outputs],
                    [tensors[i].dtype for i in op.outputs])

    def _store(self, index: int, value, prepare: bool):
        t = self._graph.tensors[index]
        value = np.asarray(value)
        if value.dtype != t.dtype:
            value = value.astype(t.dtype)
        self._values[index] = value
        if prepare:
            t.shape = np.asarray(value.shape, np.int32)

    # ------------------------------------------------------------------ signatures

    def get_signature_list(self) -> dict:
        """{'serving_default': {'inputs': [...], 'outputs': [...]}}"""
        return {s.get("signature_key") or "": {
            "inputs": [m.get("name") for m in s.get("inputs") or []],
            "outputs": [m.get("name") for m in s.get("outputs") or []]}
            for s in self._model.get("signature_defs") or []}

    def get_signature_runner(self, signature_key: str | None = None) -> SignatureRunner:
        """A callable running the model by input names: `runner(x=...)` -> {'output_0': ...}."""
        signatures = {s.get("signature_key") or "": s
                      for s in self._model.get("signature_defs") or []}
        if signature_key is None:
            if len(signatures) != 1:
                raise ValueError(f"SignatureDef signature_key is None and model has "
                                 f"{len(signatures)} Signatures. None is only allowed when the "
                                 f"model has 1 SignatureDef")
            signature_key = next(iter(signatures))
        if signature_key not in signatures:
            raise ValueError(f'Invalid signature_key provided: "{signature_key}".')
        return SignatureRunner(self, signatures[signature_key])

    def _get_ops_details(self) -> list:
        """The operators in the order they run: index, op_name, inputs, outputs (as TF's)."""
        return [{"index": op.index, "op_name": op.name, "inputs": np.array(op.inputs, np.int32),
                 "outputs": np.array(op.outputs, np.int32), "operand_types": [],
                 "result_types": []} for op in self._graph.operators]

    def num_subgraphs(self) -> int:
        return len(self._model.get("subgraphs") or [])

    def reset_all_variables(self) -> None:
        """Models from tfedu's converter hold no variables: nothing to reset."""


def _type_name(dtype) -> str:
    code = schema.TYPE_CODES.get(np.dtype(dtype))
    return schema.TYPE_NAMES.get(code, str(dtype).upper())
