"""The REST API of a real `python -m tfedu.serving` process, against TF Serving's behaviour:
both request formats, the JSON layout and number formatting, every error of TF Serving's
table with its HTTP status and exact body, unknown models and versions, labels, metadata."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from tests.serving import models


def error(message: str) -> str:
    """TF Serving's error body: rapidjson's pretty-printed {"error": message}."""
    return '{\n    "error": ' + json.dumps(message, ensure_ascii=False) + "\n}"


@pytest.fixture(scope="module")
def expected_mlp():
    x = models.mlp_inputs(2)
    return x, models.mlp(seed=0)(x).numpy()


def test_row_and_columnar_predict_of_a_keras_model(server, expected_mlp):
    x, want = expected_mlp
    r = server.post("/v1/models/mlp:predict", json={"instances": x.tolist()})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.text.startswith('{\n    "predictions": [[') and r.text.endswith("]\n    ]\n}")
    np.testing.assert_allclose(r.json()["predictions"], want, rtol=1e-6)
    c = server.post("/v1/models/mlp:predict", json={"inputs": x.tolist()})
    assert c.text.startswith('{\n    "outputs": [\n        [\n            ')
    np.testing.assert_allclose(c.json()["outputs"], want, rtol=1e-6)
    v = server.post("/v1/models/mlp/versions/1:predict",
                    json={"signature_name": "serving_default", "instances": x.tolist()})
    assert v.json() == r.json()


def test_several_inputs_and_outputs(server):
    row = server.post("/v1/models/multi:predict", json={"instances": [
        {"x": [1.5, 2.0], "k": 2}, {"x": [0.5, -1.0], "k": 3}]})
    assert row.status_code == 200, row.text
    assert row.text == ('{\n    "predictions": [\n        {\n            "k": 4,\n'
                        '            "scaled": [3.0, 4.0]\n        },\n        {\n'
                        '            "k": 6,\n            "scaled": [1.5, -3.0]\n        }\n'
                        '    ]\n}')
    col = server.post("/v1/models/multi:predict",
                      json={"inputs": {"x": [[1.0, 0.25]], "k": [4]}})
    assert col.json() == {"outputs": {"k": [8], "scaled": [[4.0, 1.0]]}}


def test_strings_b64_and_labels(server):
    raw = b"\xff\x00bin"
    r = server.post("/v1/models/text/labels/stable:predict",
                    json={"instances": [{"b64": base64.b64encode(raw).decode()}, "héllo"]})
    assert r.status_code == 200, r.text
    preds = r.json()["predictions"]
    assert [p["length"] for p in preds] == [5, 6]
    assert base64.b64decode(preds[0]["text_bytes"]["b64"]) == raw
    assert preds[1]["text"] == "héllo"


def test_number_formatting():
    from tfedu.serving.jsonwriter import float_text

    f = np.float32
    assert [float_text(f(v)) for v in (4, 9e6, 0.1, 3e-5, 1 / 3, 123456789)] == [
        "4.0", "9e+06", "0.1", "3e-05", "0.333333343", "123456792.0"]
    assert float_text(1 / 3, double=True) == "0.33333333333333331"
    assert [float_text(v) for v in (float("nan"), float("inf"), -float("inf"))] == [
        "NaN", "Infinity", "-Infinity"]


def test_nan_and_infinity_tokens_are_accepted(server):
    r = server.post("/v1/models/multi:predict",
                    data=b'{"inputs": {"x": [[NaN, Infinity]], "k": [1]}}')
    assert r.text == '{\n    "outputs": {\n        "k": [\n            2\n        ],\n' \
        '        "scaled": [\n            [\n                NaN,\n                Infinity\n' \
        '            ]\n        ]\n    }\n}'


SPEC_ERRORS = [
    (b'{"instances": [[1, 2, 3, 4]], "inputs": [[1, 2, 3, 4]]}', 400,
     'JSON Value: {\n    "instances": [[1, 2, 3, 4]],\n    "inputs": [[1, 2, 3, 4]]\n} '
     "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "),
    (b'{"signature_name": "serving_default"}', 400, "Missing 'inputs' or 'instances' key"),
    (b'{"instances": 5}', 400,
     "JSON Value: {\n    \"instances\": 5\n} Expecting 'instances' to be an list/array"),
    (b'{"instances": []}', 400,
     "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array"),
    (b"instances = [1, 2]", 400, "JSON Parse error: Invalid value. at offset: 0"),
    (b"", 400, "JSON Parse error: The document is empty"),
    (b'{"instances": [1, 2', 400,
     "JSON Parse error: Missing a comma or ']' after an array element. at offset: 19"),
    (b'{"instances": [["a", 1, 2, 3]]}', 400,
     "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
     'JSON Value: "a" Type: String is not of expected type: float'),
    (b'{"instances": [[1, 2, 3, 4], [1, 2, 3]]}', 400,
     "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: "
     "Expecting tensor size: 4 but got: 3"),
    (b'{"signature_name": "foo", "instances": [[1, 2, 3, 4]]}', 400,
     'Serving signature name: "foo" not found in signature def'),
    (b'{"signature_name": 7, "instances": [[1, 2, 3, 4]]}', 400,
     'JSON Value: {\n    "signature_name": 7,\n    "instances": [[1, 2, 3, 4]]\n} not formatted '
     "correctly. 'signature_name' key must be a string value."),
    (b"[1, 2]", 400, "JSON Value: [1, 2] Is not object"),
]


@pytest.mark.parametrize("body,status,message", SPEC_ERRORS)
def test_errors_of_the_spec_table_for_one_input(server, body, status, message):
    r = server.post("/v1/models/mlp:predict", data=body)
    assert (r.status_code, r.text) == (status, error(message))
    assert r.headers["content-type"] == "application/json"


def test_errors_of_several_inputs(server):
    plain = server.post("/v1/models/multi:predict", json={"instances": [[1.0, 2.0]]})
    assert (plain.status_code, plain.json()["error"]) == (400, (
        "instances is a plain list, but expecting list of objects as multiple input tensors "
        "required as per tensorinfo_map"))
    missing = server.post("/v1/models/multi:predict", json={"inputs": {"x": [[1.0, 2.0]]}})
    assert missing.json() == {"error": "Missing named input: k in 'inputs' object."}
    keys = server.post("/v1/models/multi:predict", json={"instances": [{"x": [1.0, 2.0]}]})
    assert keys.json()["error"] == (
        "Failed to process element: 0 of 'instances' list. JSON object: {\n    \"x\": "
        "[1.0, 2.0]\n} keys must be equal to: k,x")
    ints = server.post("/v1/models/multi:predict", json={"instances": [{"x": [1, 2], "k": 1.5}]})
    assert ints.json()["error"] == (
        "Failed to process element: 0 key: k of 'instances' list. Error: INVALID_ARGUMENT: "
        "JSON Value: 1.5 Type: Number is not of expected type: int32")


@pytest.mark.parametrize("method,path,status,message", [
    ("POST", "/v1/models/half:predict", 404, "Servable not found for request: Latest(half)"),
    ("POST", "/v1/models/mlp/versions/2:predict", 404,
     "Servable not found for request: Specific(mlp, 2)"),
    ("POST", "/v1/models/half/versions/2:predict", 404,
     "Servable not found for request: Specific(half, 2)"),
    ("POST", "/v1/models/mlp/versions/99999999999999999999:predict", 400,
     "Failed to convert version: 99999999999999999999 to numeric."),
    ("POST", "/v1/models/mlp/versions/abc:predict", 400,
     "Malformed request: POST /v1/models/mlp/versions/abc:predict"),
    ("POST", "/v1/models/mlp/labels/canary:predict", 400,
     "Unrecognized servable version label: canary"),
    ("GET", "/v1/models/mlp:predict", 400, "Malformed request: GET /v1/models/mlp:predict"),
    ("PUT", "/v1/models/mlp", 400, "Malformed request: PUT /v1/models/mlp"),
    ("POST", "/v1/models/mlp/metadata", 400, "Malformed request: POST /v1/models/mlp/metadata"),
    ("GET", "/v1/models", 400, "Missing model name in request."),
    ("GET", "/v1/models/half", 404, "Could not find any versions of model half"),
    ("GET", "/v1/models/mlp/versions/5", 404, "Could not find version 5 of model mlp"),
    ("GET", "/v1/models/half/metadata", 404, "Servable not found for request: Latest(half)"),
])
def test_unknown_models_versions_and_paths(server, method, path, status, message):
    import requests

    r = requests.request(method, server.url + path, data=b'{"instances": [[1, 2, 3, 4]]}',
                         timeout=60)
    assert (r.status_code, r.text) == (status, error(message))


def test_status_and_metadata_documents(server):
    s = server.get("/v1/models/mlp")
    assert s.text == ('{\n "model_version_status": [\n  {\n   "version": "1",\n'
                      '   "state": "AVAILABLE",\n   "status": {\n    "error_code": "OK",\n'
                      '    "error_message": ""\n   }\n  }\n ]\n}\n')
    assert server.get("/v1/models/mlp/versions/1").json() == s.json()
    m = server.get("/v1/models/mlp/versions/1/metadata")
    assert m.text.startswith('{\n"model_spec":{\n "name": "mlp",\n "signature_name": "",\n'
                             ' "version": "1"\n}\n,\n"metadata": {"signature_def": {\n')
    sig = m.json()["metadata"]["signature_def"]["signature_def"]
    assert set(sig) == {"serving_default", "__saved_model_init_op"}
    feat = sig["serving_default"]["inputs"]["feat"]
    assert feat["dtype"] == "DT_FLOAT" and feat["name"] == "serving_default_feat:0"
    assert feat["tensor_shape"] == {"dim": [{"size": "-1", "name": ""},
                                            {"size": "4", "name": ""}], "unknown_rank": False}
    assert sig["serving_default"]["method_name"] == "tensorflow/serving/predict"


def test_classify_and_regress(server):
    cls = server.post("/v1/models/text:classify", json={
        "signature_name": "classify_len", "examples": [{"x": 1.0}, {"x": [1, 2], "s": "ab"}],
        "context": {"c": "ctx"}})
    assert cls.status_code == 200, cls.text
    results = cls.json()["results"]
    assert [[label for label, _ in r] for r in results] == [["long", "short"]] * 2
    assert all(r[1][1] == r[0][1] / 2 for r in results) and results[1][0][1] > results[0][0][1]
    reg = server.post("/v1/models/text:regress",
                      json={"signature_name": "regress_len", "examples": [{"x": 2.5}]})
    assert reg.status_code == 200 and reg.text.startswith('{\n    "results": [')
    assert reg.json()["results"][0] > 0
    bad = server.post("/v1/models/text:regress", json={"signature_name": "regress_len"})
    assert bad.json()["error"] == ('JSON Value: {\n    "signature_name": "regress_len"\n} When '
                                   "method is classify, key 'examples' is expected and was not "
                                   "found")
    kinds = server.post("/v1/models/text:regress", json={"signature_name": "regress_len",
                                                         "examples": [{"x": [1, "a"]}]})
    assert kinds.json()["error"] == "Unexpected element type in feature: x expecting type: int64"
    predict_sig = server.post("/v1/models/mlp:classify", json={"examples": [{"x": 1.0}]})
    assert predict_sig.json()["error"] == "No classification inputs found in SignatureDef: " \
        + predict_sig.json()["error"].split("SignatureDef: ", 1)[1]


def test_listening_socket_is_tcp_so_responses_skip_nagle():
    """asyncio disables Nagle only on sockets whose proto is TCP: a proto-0 socket made every
    keep-alive response wait ~40 ms for the client's delayed ACK."""
    import socket

    from tfedu.serving.server import _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
