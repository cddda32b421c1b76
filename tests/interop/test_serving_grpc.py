"""A client written with TF Serving's own `tensorflow_serving.apis` (tensorflow-serving-api
2.21, in the side environment) talks to `python -m tfedu.serving` over gRPC unchanged:
Predict, GetModelMetadata, GetModelStatus, Classify, Regress, and TF Serving's errors. It also
reads a SavedModel that real TensorFlow exported and tfedu serves."""

from __future__ import annotations

import numpy as np
import pytest

from tests.serving import models
from tests.serving.server_process import ServerProcess

CLIENT = """
import json, grpc, numpy as np, tensorflow as tf
from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2,
    get_model_status_pb2, model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc,
    regression_pb2)
channel = grpc.insecure_channel(ADDRESS)
stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
out = {}
def predict(name, inputs, version=None, signature=""):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = name
    req.model_spec.signature_name = signature
    if version is not None:
        req.model_spec.version.value = version
    for k, v in inputs.items():
        req.inputs[k].CopyFrom(tf.make_tensor_proto(v))
    try:
        resp = stub.Predict(req, timeout=60)
    except grpc.RpcError as e:
        return {"code": e.code().name, "details": e.details()}
    return {"spec": [resp.model_spec.name, resp.model_spec.version.value,
                     resp.model_spec.signature_name],
            "outputs": {k: tf.make_ndarray(v).tolist() for k, v in resp.outputs.items()}}
x = np.arange(8, dtype=np.float32).reshape(2, 4) / 10
out["mlp"] = predict("mlp", {"feat": x})
out["multi"] = predict("multi", {"x": np.array([[1.5, 2.0]], np.float32),
                                 "k": np.array([3], np.int32)}, version=1)
out["tf_model"] = predict("tfmodel", {"x": np.array([[1.0, 2.0]], np.float32)})
out["unknown"] = predict("nope", {"feat": x})
out["bad_version"] = predict("mlp", {"feat": x}, version=9)
out["bad_signature"] = predict("mlp", {"feat": x}, signature="nope")
out["extra_input"] = predict("mlp", {"feat": x, "other": x})
out["bad_dtype"] = predict("mlp", {"feat": x.astype(np.int32)})
req = get_model_metadata_pb2.GetModelMetadataRequest()
req.model_spec.name = "mlp"
req.metadata_field.append("signature_def")
meta = stub.GetModelMetadata(req, timeout=60)
sigs = get_model_metadata_pb2.SignatureDefMap()
meta.metadata["signature_def"].Unpack(sigs)
out["metadata"] = {"version": meta.model_spec.version.value, "signatures": sorted(sigs.signature_def),
                   "input": sigs.signature_def["serving_default"].inputs["feat"].dtype}
status = model_service_pb2_grpc.ModelServiceStub(channel)
sreq = get_model_status_pb2.GetModelStatusRequest()
sreq.model_spec.name = "mlp"
st = status.GetModelStatus(sreq, timeout=60).model_version_status[0]
out["status"] = [st.version, get_model_status_pb2.ModelVersionStatus.State.Name(st.state),
                 st.status.error_code]
creq = classification_pb2.ClassificationRequest()
creq.model_spec.name = "text"
creq.model_spec.signature_name = "classify_len"
ex = creq.input.example_list.examples.add()
ex.features.feature["x"].float_list.value.extend([1.0, 2.0])
cres = stub.Classify(creq, timeout=60)
out["classify"] = [[c.label, c.score] for c in cres.result.classifications[0].classes]
rreq = regression_pb2.RegressionRequest()
rreq.model_spec.name = "text"
rreq.model_spec.signature_name = "regress_len"
rreq.input.example_list.examples.add().features.feature["s"].bytes_list.value.append(b"abc")
out["regress"] = [r.value for r in stub.Regress(rreq, timeout=60).result.regressions]
print(json.dumps(out))
"""

TF_EXPORT = """
import tensorflow as tf
class M(tf.Module):
    def __init__(self):
        self.w = tf.Variable([[2.0], [3.0]])
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return {"y": tf.matmul(x, self.w) + 1.0}
m = M()
tf.saved_model.save(m, PATH, signatures={"serving_default": m.__call__})
"""


@pytest.fixture(scope="module")
def grpc_results(tf_side, tmp_path_factory):
    root = tmp_path_factory.mktemp("grpc")
    paths = models.build(root)
    tf_side.run_tf(TF_EXPORT.replace("PATH", repr(str(root / "tfmodel" / "1"))))
    config = root / "models.config"
    config.write_text("model_config_list {\n" + "".join(
        f'  config {{ name: "{n}" base_path: "{p}" }}\n'
        for n, p in {**paths, "tfmodel": str(root / "tfmodel")}.items()) + "}\n")
    server = ServerProcess([f"--model_config_file={config}"])
    try:
        return tf_side.run_tf_json(CLIENT.replace("ADDRESS", repr(server.grpc)))
    finally:
        server.stop()


def test_predict_with_tf_servings_client(grpc_results):
    r = grpc_results
    want = models.mlp(seed=0)(models.mlp_inputs(2)).numpy()
    assert r["mlp"]["spec"] == ["mlp", 1, "serving_default"]
    np.testing.assert_allclose(r["mlp"]["outputs"]["output_0"], want, rtol=1e-6)
    assert r["multi"]["outputs"] == {"k": [6], "scaled": [[4.5, 6.0]]}
    assert r["tf_model"]["outputs"] == {"y": [[9.0]]}


def test_errors_reach_tf_servings_client_with_their_codes(grpc_results):
    r = grpc_results
    assert r["unknown"] == {"code": "NOT_FOUND",
                            "details": "Servable not found for request: Latest(nope)"}
    assert r["bad_version"] == {"code": "NOT_FOUND",
                                "details": "Servable not found for request: Specific(mlp, 9)"}
    assert r["bad_signature"] == {"code": "FAILED_PRECONDITION",
                                  "details": 'Serving signature key "nope" not found.'}
    assert r["extra_input"] == {"code": "INVALID_ARGUMENT", "details": (
        "input size does not match signature: 2!=1 len({feat,other}) != len({feat}). "
        "Sent extra: {other}. Missing but required: {}.")}
    assert r["bad_dtype"]["code"] == "INVALID_ARGUMENT"


def test_metadata_status_classify_regress(grpc_results):
    r = grpc_results
    assert r["metadata"] == {"version": 1, "input": 1,
                             "signatures": ["__saved_model_init_op", "serving_default"]}
    assert r["status"] == [1, "AVAILABLE", 0]
    (long_label, long_score), (short_label, short_score) = r["classify"]
    assert (long_label, short_label) == ("long", "short") and short_score == long_score / 2
    assert len(r["regress"]) == 1 and r["regress"][0] > 0
