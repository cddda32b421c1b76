"""TF Serving's Classify and Regress APIs: examples in, classes/scores or values out.

A request carries `tf.train.Example`s (REST: `{"examples": [{"x": 1.0}, ...], "context":
{...}}`, each feature a value or a list: floats become a float_list, integers and booleans an
int64_list, strings and `{"b64": ...}` a bytes_list). As in TF Serving, the signature named by
the request (default serving_default) must take one input called `inputs`; it is fed the batch
of serialized Examples (each prefixed with the serialized context when there is one), and its
outputs are read as `classes` (string) / `scores` (float) of shape [batch, classes] for
classify, or one float `outputs` of shape [batch] or [batch, 1] for regress.
"""

from __future__ import annotations

import numpy as np

from tfedu.protos import example as ex
from tfedu.protos import serving as pb
from tfedu.serving import json_codec
from tfedu.serving.jsonwriter import PrettyWriter, float_text
from tfedu.serving.status import invalid


def _kind_error(name, feature):
    kind = {"bytes_list": "bytes", "float_list": "float",
            "int64_list": "int64"}.get(feature.WhichOneof("kind"), "UNKNOWN")
    return invalid("Unexpected element type in feature: ", name, " expecting type: ", kind)


def _add_value(v, name, feature) -> None:
    """AddValueToFeature."""
    if isinstance(v, bool) or (isinstance(v, int) and not isinstance(v, bool)):
        kind, value = "int64_list", int(v)
        if value >= 2 ** 63:
            raise invalid("Feature: ", name, " has uint64_t element. Only int64_t is supported.")
    elif isinstance(v, float):
        kind, value = "float_list", v
    elif isinstance(v, str):
        kind, value = "bytes_list", v.encode("utf-8", errors="surrogateescape")
    elif json_codec.is_b64(v):
        kind, value = "bytes_list", json_codec._b64(v)
    else:
        raise invalid("Feature: ", name, " has element with unexpected JSON type: ",
                      json_codec._json_type(v))
    current = feature.WhichOneof("kind")
    if current not in (None, kind):
        raise _kind_error(name, feature)
    getattr(feature, kind).value.append(value)


def example_from_json(obj, out) -> None:
    """MakeExampleFromJsonObject."""
    if not isinstance(obj, dict):
        raise invalid("Example must be JSON object but got JSON ", json_codec._json_type(obj))
    for name, content in obj.items():
        feature = ex.Feature()
        for v in content if isinstance(content, list) else [content]:
            _add_value(v, name, feature)
        out.features.feature[name].CopyFrom(feature)


def input_from_json(doc) -> pb.Input:
    """FillClassifyRegressRequestFromJson's `input`."""
    inp = pb.Input()
    has_context = "context" in doc
    if has_context:
        context = ex.Example()
        example_from_json(doc["context"], context)
        inp.example_list_with_context.context = context.SerializeToString()
    if "examples" not in doc:
        # TF Serving says "classify" for both methods.
        raise invalid("JSON Value: ", json_codec.debug_string(doc), " When method is classify,"
                      " key 'examples' is expected and was not found")
    items = doc["examples"]
    if not isinstance(items, list):
        raise invalid("JSON Value: ", json_codec.debug_string(doc),
                      " Expecting 'examples' value to be an list/array")
    if not items:
        raise invalid("JSON Value: ", json_codec.debug_string(doc),
                      " 'examples' value is an empty array")
    target = inp.example_list_with_context if has_context else inp.example_list
    for item in items:
        example = ex.Example()
        example_from_json(item, example)
        target.examples.append(example.SerializeToString())
    return inp


def serialized_examples(inp) -> np.ndarray:
    """InputToSerializedExampleTensor: one string per example, context bytes first."""
    kind = inp.WhichOneof("kind")
    if kind == "example_list_with_context":
        context = inp.example_list_with_context.context
        examples = inp.example_list_with_context.examples
    else:
        context, examples = b"", inp.example_list.examples
    if not len(examples):
        raise invalid("Input is empty.")
    arr = np.empty(len(examples), dtype=object)
    arr[:] = [context + e for e in examples]
    return arr


def _signature(servable, name):
    key = name or "serving_default"
    sig = servable.signature_defs.get(key)
    if sig is None:
        raise invalid("No signature was found with the name: ", key)
    if len(sig.inputs) != 1:
        raise invalid("Expected one input Tensor.")
    return key, sig


def _classify_outputs(sig) -> list:
    if len(sig.outputs) not in (1, 2):
        raise invalid("Expected one or two output Tensors, found ", len(sig.outputs))
    if "inputs" not in sig.inputs:
        raise invalid("No classification inputs found in SignatureDef: ", sig)
    names = [n for n in ("classes", "scores") if n in sig.outputs]
    if not names:
        raise invalid('Expected classification signature outputs to contain at least one of '
                      '"classes" or "scores". Signature was: ', sig)
    return names


def _check_matrix(arr, what, n, dtype_ok, dtype_name):
    if arr.ndim != 2:
        raise invalid("Expected Tensor shape: [batch_size num_classes] but got ",
                      list(arr.shape))
    if not dtype_ok:
        raise invalid(f"Expected {what} Tensor of {dtype_name}. Got: {arr.dtype}")
    if arr.shape[0] != n:
        raise invalid(f"Expected {what} output batch size of {n}. Got: {arr.shape[0]}")


def classify(core, servable, sig_name, inp) -> pb.ClassificationResult:
    key, sig = _signature(servable, sig_name)
    names = _classify_outputs(sig)
    examples = serialized_examples(inp)
    out = core.run(servable, key, {"inputs": examples}, names)
    n = len(examples)
    classes, scores = out.get("classes"), out.get("scores")
    if classes is not None:
        _check_matrix(classes, "classes", n, classes.dtype == object, "DT_STRING")
    if scores is not None:
        _check_matrix(scores, "scores", n, scores.dtype == np.float32, "DT_FLOAT")
    if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
        raise invalid("Tensors class and score should match in dim_size(1). Got ",
                      classes.shape[1], " vs. ", scores.shape[1])
    width = (classes if classes is not None else scores).shape[1]
    result = pb.ClassificationResult()
    for i in range(n):
        c = result.classifications.add()
        for j in range(width):
            cl = c.classes.add()
            if classes is not None:
                cl.label = classes[i, j].decode("utf-8", errors="replace")
            if scores is not None:
                cl.score = float(scores[i, j])
    return result


def regress(core, servable, sig_name, inp) -> pb.RegressionResult:
    key, sig = _signature(servable, sig_name)
    if len(sig.outputs) != 1:
        raise invalid("Expected one output Tensor.")
    if "inputs" not in sig.inputs:
        raise invalid("No regression inputs found in SignatureDef: ", sig)
    if "outputs" not in sig.outputs:
        raise invalid("No regression outputs found in SignatureDef: ", sig)
    examples = serialized_examples(inp)
    values = core.run(servable, key, {"inputs": examples}, ["outputs"])["outputs"]
    n = len(examples)
    if not (values.ndim == 1 or (values.ndim == 2 and values.shape[1] == 1)):
        raise invalid("Expected output Tensor shape to be either [batch_size] or "
                      "[batch_size, 1] but got ", list(values.shape))
    if values.shape[0] != n:
        raise invalid(f"Input batch size did not match output batch size: {n} vs. "
                      f"{values.shape[0]}")
    if values.dtype != np.float32:
        raise invalid(f"Expected output Tensor of DT_FLOAT.  Got: {values.dtype}")
    result = pb.RegressionResult()
    for v in values.reshape(-1):
        result.regressions.add(value=float(v))
    return result


def _results_json(result, what: str) -> str:
    w = PrettyWriter()
    w.start(False)
    w.key("results")
    if what == "regress":
        if not result.regressions:
            raise invalid("Cannot convert empty RegressionResults to JSON")
        w.single_line = True
        w.start(True)
        for r in result.regressions:
            w.value(float_text(r.value))
    else:
        if not result.classifications:
            raise invalid("Cannot convert empty ClassificationResults to JSON")
        w.start(True)
        for c in result.classifications:
            w.single_line = True
            w.start(True)
            for cl in c.classes:
                w.start(True)
                w.string(cl.label)
                w.value(float_text(cl.score))
                w.end()
            w.end()
            w.single_line = False
    w.end()
    w.end()
    return w.text()


def classify_or_regress(core, what, name, version, label, body) -> str:
    """The REST body for `:classify` / `:regress`."""
    doc = json_codec.parse_json(body)
    sig_name = json_codec.signature_name(doc)
    inp = input_from_json(doc)
    servable = core.servable(name, version, label)
    run = classify if what == "classify" else regress
    return _results_json(run(core, servable, sig_name, inp), what)


def grpc_handlers(core, handler) -> dict:
    """Classify and Regress for the PredictionService."""

    def call(run, response_cls):
        def method(request, context):
            from tfedu.serving.grpc_api import _response_spec, _spec_args

            if not request.HasField("model_spec"):
                raise invalid("Missing ModelSpec")
            servable = core.servable(*_spec_args(request.model_spec))
            resp = response_cls()
            resp.result.CopyFrom(run(core, servable, request.model_spec.signature_name,
                                     request.input))
            _response_spec(resp.model_spec, servable, request.model_spec.signature_name)
            return resp
        return method

    return {"Classify": handler(call(classify, pb.ClassificationResponse),
                                pb.ClassificationRequest, pb.ClassificationResponse),
            "Regress": handler(call(regress, pb.RegressionResponse), pb.RegressionRequest,
                               pb.RegressionResponse)}
