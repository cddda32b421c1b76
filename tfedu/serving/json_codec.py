"""TF Serving's JSON <-> tensor mapping for `:predict` (tensorflow_serving/util/json_tensor.cc).

Requests: `{"signature_name": ..., "instances": [...]}` (row format: one element per example,
objects with every input name for several inputs) or `{"inputs": ...}` (columnar: one value or
an object of full tensors). Values are checked against the signature's dtypes exactly as TF
Serving checks them (`1.0` is not an int, a string is not a float, `{"b64": ...}` is binary),
and every error carries TF Serving's message. Responses: `{"predictions": ...}` for a row
request, `{"outputs": ...}` for a columnar one, laid out as rapidjson lays them out.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

import numpy as np
from tensorboard.compat.proto import types_pb2

from tfedu.serving.jsonwriter import PrettyWriter, debug_string, float_text, quote
from tfedu.serving.status import invalid, to_string

INT64_MIN, UINT64_LIMIT = -(2 ** 63), 2 ** 64

# DataTypeString() of TensorFlow, by DataType number.
_TYPE_NAMES = {types_pb2.DT_FLOAT: "float", types_pb2.DT_DOUBLE: "double",
               types_pb2.DT_INT32: "int32", types_pb2.DT_UINT8: "uint8",
               types_pb2.DT_INT16: "int16", types_pb2.DT_INT8: "int8",
               types_pb2.DT_STRING: "string", types_pb2.DT_INT64: "int64",
               types_pb2.DT_BOOL: "bool", types_pb2.DT_UINT32: "uint32",
               types_pb2.DT_UINT64: "uint64", types_pb2.DT_HALF: "half",
               types_pb2.DT_BFLOAT16: "bfloat16", types_pb2.DT_UINT16: "uint16",
               types_pb2.DT_COMPLEX64: "complex64", types_pb2.DT_COMPLEX128: "complex128"}

_NUMPY = {types_pb2.DT_FLOAT: np.float32, types_pb2.DT_DOUBLE: np.float64,
          types_pb2.DT_INT32: np.int32, types_pb2.DT_UINT8: np.uint8,
          types_pb2.DT_INT16: np.int16, types_pb2.DT_INT8: np.int8,
          types_pb2.DT_INT64: np.int64, types_pb2.DT_BOOL: np.bool_,
          types_pb2.DT_UINT32: np.uint32, types_pb2.DT_UINT64: np.uint64,
          types_pb2.DT_STRING: object}

ROW, COLUMNAR = "row", "columnar"


def type_name(dtype: int) -> str:
    return _TYPE_NAMES.get(dtype, types_pb2.DataType.Name(dtype)[3:].lower())


# --- parsing ---------------------------------------------------------------------------------

# Python's json messages, as rapidjson's GetParseError_En words them.
_PARSE_MESSAGES = [
    ("Expecting value", "Invalid value."),
    ("Expecting ',' delimiter", None),
    ("Expecting ':' delimiter", "Missing a colon after a name of object member."),
    ("Expecting property name enclosed in double quotes", "Missing a name for object member."),
    ("Unterminated string", "Missing a closing quotation mark in string."),
    ("Invalid control character", "Invalid encoding in string."),
    ("Invalid \\escape", "Invalid escape character in string."),
    ("Invalid \\uXXXX escape", "Incorrect hex digit after \\u escape in string."),
]


def _parse_int(text: str):
    n = int(text)
    return n if INT64_MIN <= n < UINT64_LIMIT else float(n)


def _first_wins(pairs):
    out = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


class _NumberTooBig(ValueError):
    pass


def _parse_float(text: str) -> float:
    v = float(text)
    if v in (float("inf"), float("-inf")):
        raise _NumberTooBig(text)
    return v


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float,
                            object_pairs_hook=_first_wins)


def _rapidjson_message(e: json.JSONDecodeError, text: str) -> str:
    for prefix, message in _PARSE_MESSAGES:
        if e.msg.startswith(prefix):
            if message is None:  # which closing bracket was expected depends on the container
                message = _comma_message(text, e.pos)
            return message
    return "Invalid value."


def _comma_message(text: str, pos: int) -> str:
    depth = []
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text[:pos]):
        tok = m.group()
        if tok in "[{":
            depth.append(tok)
        elif tok in "]}" and depth:
            depth.pop()
    if depth and depth[-1] == "{":
        return "Missing a comma or '}' after an object member."
    return "Missing a comma or ']' after an array element."


def parse_json(body: bytes):
    """The request document (an object), or TF Serving's parse error."""
    if not body:
        raise invalid("JSON Parse error: The document is empty")
    text = body.decode("utf-8", errors="replace")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if start == len(text):
        raise invalid("JSON Parse error: The document is empty. at offset: ", start)
    try:
        doc, _ = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as e:
        raise invalid("JSON Parse error: ", _rapidjson_message(e, text), " at offset: ",
                      e.pos) from None
    except _NumberTooBig as e:
        raise invalid("JSON Parse error: Number too big to be stored in double. at offset: ",
                      text.find(e.args[0], start)) from None
    except RecursionError:
        raise invalid("JSON Parse error: Terminate parsing due to Handler error. at offset: ",
                      0) from None
    if not isinstance(doc, dict):
        raise invalid("JSON Value: ", debug_string(doc), " Is not object")
    return doc


def signature_name(doc) -> str:
    name = doc.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid("JSON Value: ", debug_string(doc), " not formatted correctly. "
                      "'signature_name' key must be a string value.")
    return name


def _json_type(v) -> str:
    if v is None:
        return "Null"
    if isinstance(v, bool):
        return "True" if v else "False"
    return {dict: "Object", list: "Array", str: "String"}.get(type(v), "Number")


def _type_error(v, dtype):
    return invalid("JSON Value: ", debug_string(v), " Type: ", _json_type(v),
                   " is not of expected type: ", type_name(dtype))


def is_b64(v) -> bool:
    return isinstance(v, dict) and len(v) == 1 and isinstance(v.get("b64"), str)


def _b64(v) -> bytes:
    if not is_b64(v):
        raise invalid("JSON Value: ", debug_string(v), " not formatted correctly for base64 data")
    try:
        return base64.b64decode(v["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid("Unable to base64 decode") from None


def _is_int(v, lo, hi) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v < hi


_INT_RANGES = {types_pb2.DT_INT32: (-(2 ** 31), 2 ** 31), types_pb2.DT_INT16: (-(2 ** 31), 2 ** 31),
               types_pb2.DT_INT8: (-(2 ** 31), 2 ** 31), types_pb2.DT_UINT8: (-(2 ** 31), 2 ** 31),
               types_pb2.DT_INT64: (INT64_MIN, 2 ** 63), types_pb2.DT_UINT32: (0, 2 ** 32),
               types_pb2.DT_UINT64: (0, UINT64_LIMIT)}


def _scalar(v, dtype):
    """AddValueToTensor: the value for one element, or TF Serving's type error."""
    if isinstance(v, dict):
        if dtype == types_pb2.DT_STRING:
            return _b64(v)
        raise _type_error(v, dtype)
    if dtype in (types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
    elif dtype in _INT_RANGES:
        if _is_int(v, *_INT_RANGES[dtype]):
            return v
    elif dtype == types_pb2.DT_STRING:
        if isinstance(v, str):
            return v.encode("utf-8", errors="surrogateescape")
    elif dtype == types_pb2.DT_BOOL:
        if isinstance(v, bool):
            return v
    else:
        from tfedu.framework import errors

        raise errors.UnimplementedError(None, None, f"Conversion of JSON Value: "
                                        f"{debug_string(v)} to type: {type_name(dtype)}")
    raise _type_error(v, dtype)


def dense_shape(v) -> list:
    """GetDenseTensorShape: the sizes along the first element of each level."""
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return shape


def _fill(v, level, shape, dtype, out) -> None:
    """FillTensorProto: the values of `v`, checked against `shape`, appended to `out`."""
    rank = len(shape)
    if not isinstance(v, list):
        if level != rank:
            raise invalid("JSON Value: ", debug_string(v), " found at incorrect level: ",
                          level + 1, " in the JSON DOM. Expected at level: ", rank)
        out.append(_scalar(v, dtype))
        return
    if level >= rank:
        raise invalid("Encountered list at unexpected level: ", level, " expected < ", rank)
    if len(v) != shape[level]:
        raise invalid("Encountered list at unexpected size: ", len(v), " at level: ", level,
                      " expected size: ", shape[level])
    for item in v:
        _fill(item, level + 1, shape, dtype, out)


def to_array(values: list, shape, dtype: int) -> np.ndarray:
    np_type = _NUMPY.get(dtype)
    if np_type is object:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr.reshape(shape)
    with np.errstate(over="ignore"):
        return np.array(values, dtype=np.float64 if dtype == types_pb2.DT_DOUBLE else None
                        ).astype(np_type).reshape(shape) if values else np.zeros(shape, np_type)


def tensor_from_json(v, dtype: int):
    """(values, shape) of one JSON value as a dense tensor of `dtype`."""
    shape = dense_shape(v)
    values: list = []
    _fill(v, 0, shape, dtype, values)
    return values, shape


def _instance_item(item, name, infos, seen, tensors) -> None:
    """AddInstanceItem: one instance's value for input `name`, checked against the first."""
    if name not in infos:
        raise invalid("JSON object: does not have named input: ", name)
    values, shape = tensor_from_json(item, infos[name].dtype)
    if name not in seen:
        seen[name] = (len(values), shape)
    elif seen[name][0] != len(values):
        raise invalid("Expecting tensor size: ", seen[name][0], " but got: ", len(values))
    elif seen[name][1] != shape:
        raise invalid("Expecting shape ", _shape_text(seen[name][1]), " but got: ",
                      _shape_text(shape))
    tensors.setdefault(name, []).extend(values)


def _shape_text(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _is_element_object(v) -> bool:
    return isinstance(v, dict) and not is_b64(v)


def _instances(items: list, infos) -> dict:
    """FillTensorMapFromInstancesList: {input name: array} batched over the instances."""
    if not isinstance(items[0], dict) and len(infos) > 1:
        raise invalid("instances is a plain list, but expecting list of objects as multiple "
                      "input tensors required as per tensorinfo_map")
    objects = _is_element_object(items[0])
    names = sorted(infos)
    seen, tensors = {}, {}
    for i, elem in enumerate(items):
        if objects:
            _instance_object(i, elem, infos, names, seen, tensors)
        elif _is_element_object(elem):
            raise invalid("Expecting value/list but got object at item ", i, " of input list")
        else:
            try:
                _instance_item(elem, names[0], infos, seen, tensors)
            except Exception as e:
                raise _element_error(e, f"Failed to process element: {i} of 'instances' "
                                     "list. Error: ") from None
    return {n: to_array(tensors[n], [len(items)] + seen[n][1], infos[n].dtype)
            for n in tensors}


def _element_error(e, prefix):
    from tfedu.serving.status import status_of

    code, message = status_of(e)
    return invalid(prefix, to_string(code, message))


def _instance_object(i, elem, infos, names, seen, tensors) -> None:
    if not _is_element_object(elem):
        raise invalid("Expecting object but got list at item ", i, " of input list")
    for name, value in elem.items():
        try:
            _instance_item(value, name, infos, seen, tensors)
        except Exception as e:
            raise _element_error(e, f"Failed to process element: {i} key: {name} of "
                                 "'instances' list. Error: ") from None
    if sorted(elem) != names:
        raise invalid("Failed to process element: ", i, " of 'instances' list. JSON object: ",
                      debug_string(elem), " keys must be equal to: ", ",".join(names))


def _columnar(val, infos) -> dict:
    """FillTensorMapFromInputsMap: {input name: array} from the `inputs` value."""
    if not isinstance(val, dict) or is_b64(val):
        if len(infos) > 1:
            raise invalid("inputs is a plain value/list, but expecting an object as multiple "
                          "input tensors required as per tensorinfo_map")
        name = next(iter(infos))
        values, shape = tensor_from_json(val, infos[name].dtype)
        return {name: to_array(values, shape, infos[name].dtype)}
    out = {}
    for name in sorted(infos):
        if name not in val:
            raise invalid("Missing named input: ", name, " in 'inputs' object.")
        values, shape = tensor_from_json(val[name], infos[name].dtype)
        out[name] = to_array(values, shape, infos[name].dtype)
    return out


def predict_inputs(doc, infos, sig_name: str):
    """FillPredictRequestFromJson after the signature is known: (format, {name: array})."""
    if not infos:
        raise invalid("Failed to get input map for signature: ", sig_name or "DEFAULT")
    has_instances, has_inputs = "instances" in doc, "inputs" in doc
    if has_instances and has_inputs:
        raise invalid("JSON Value: ", debug_string(doc), " Not formatted correctly expecting "
                      "only one of 'inputs' or 'instances' keys to exist ")
    if has_instances:
        items = doc["instances"]
        if not isinstance(items, list):
            raise invalid("JSON Value: ", debug_string(doc),
                          " Expecting 'instances' to be an list/array")
        if not items:
            raise invalid("JSON Value: ", debug_string(doc), " No values in 'instances' array")
        return ROW, _instances(items, infos)
    if has_inputs:
        return COLUMNAR, _columnar(doc["inputs"], infos)
    raise invalid("Missing 'inputs' or 'instances' key")


# --- writing ---------------------------------------------------------------------------------

def _write_scalar(w: PrettyWriter, v, as_bytes: bool) -> None:
    if isinstance(v, bytes):
        if as_bytes:
            w.start(False)
            w.key("b64")
            w.string(base64.b64encode(v).decode("ascii"))
            w.end()
        else:
            w.value(quote(v.decode("utf-8", errors="surrogateescape")))
    elif isinstance(v, (bool, np.bool_)):
        w.value("true" if v else "false")
    elif isinstance(v, np.floating):
        w.value(float_text(v, double=v.dtype == np.float64))
    else:
        w.value(str(int(v)))


def _write_tensor(w: PrettyWriter, arr: np.ndarray, as_bytes: bool) -> None:
    """AddTensorValues: nested lists down to the scalars."""
    if not isinstance(arr, np.ndarray):
        _write_scalar(w, arr, as_bytes)
        return
    if arr.ndim == 0:
        _write_scalar(w, arr[()], as_bytes)
        return
    w.start(True)
    for item in arr:
        _write_tensor(w, item, as_bytes)
    w.end()


def _as_bytes(name: str, arr: np.ndarray) -> bool:
    return arr.dtype == object and name.endswith("_bytes")


def _row_batch(outputs: dict) -> int:
    batch = -1
    for name, arr in outputs.items():
        if arr.ndim == 0:
            raise invalid("Tensor name: ", name, " has no shape information ")
        if batch >= 0 and batch != arr.shape[0]:
            raise invalid("Tensor name: ", name, " has inconsistent batch size: ",
                          arr.shape[0], " expecting: ", batch)
        batch = arr.shape[0]
    return batch


def _row_json(outputs: dict) -> str:
    batch = _row_batch(outputs)
    w = PrettyWriter()
    w.start(False)
    w.key("predictions")
    w.start(True)
    several = len(outputs) > 1
    for i in range(batch):
        if several:
            w.start(False)
        w.single_line = True
        for name, arr in outputs.items():
            if several:
                w.key(name)
            _write_tensor(w, arr[i], _as_bytes(name, arr))
        w.single_line = False
        if several:
            w.end()
    w.end()
    w.end()
    return w.text()


def _columnar_json(outputs: dict) -> str:
    w = PrettyWriter()
    w.start(False)
    w.key("outputs")
    several = len(outputs) > 1
    if several:
        w.start(False)
    for name, arr in outputs.items():
        if several:
            w.key(name)
        _write_tensor(w, arr, _as_bytes(name, arr))
    if several:
        w.end()
    w.end()
    return w.text()


def predict_response(outputs: dict, fmt: str) -> str:
    """MakeJsonFromTensors: the response body for {output name: array}."""
    if not outputs:
        raise invalid("Cannot convert empty tensor map to JSON")
    outputs = {k: _output_array(v) for k, v in sorted(outputs.items())}
    return _row_json(outputs) if fmt == ROW else _columnar_json(outputs)


def _output_array(arr) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind in "SU":
        arr = arr.astype(object)
    if arr.dtype == object:
        flat = [v if isinstance(v, bytes) else str(v).encode() for v in arr.reshape(-1)]
        arr = np.array(flat + [None], dtype=object)[:-1].reshape(arr.shape)
    return arr
