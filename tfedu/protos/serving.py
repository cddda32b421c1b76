"""TensorFlow Serving's messages: its gRPC API, its model config file and batching parameters.

The package, message, field names and numbers are TF Serving's (`tensorflow.serving`), so a
client built with TF Serving's own `tensorflow_serving.apis` talks to tfedu's server unchanged
and `GetModelMetadataResponse.metadata["signature_def"]` unpacks as TF Serving's
`SignatureDefMap`. Tensors and signatures are TensorFlow's messages from
`tensorboard.compat.proto`. Fields a teaching server never uses (streamed predict options,
logging configs, custom model configs) are left out; unknown fields are kept as bytes by
protobuf, so a real client's request still parses.

    ModelSpec, PredictRequest, PredictResponse               prediction_service Predict
    GetModelMetadataRequest/Response, SignatureDefMap         prediction_service GetModelMetadata
    GetModelStatusRequest/Response, ModelVersionStatus        model_service GetModelStatus
    ModelServerConfig, ModelConfigList, ModelConfig           --model_config_file (text format)
    ClassificationRequest/Response, RegressionRequest/Response, Input    Classify, Regress
    BatchingParameters                                        --batching_parameters_file
"""

from __future__ import annotations

from google.protobuf import any_pb2, wrappers_pb2  # noqa: F401  (registers the dependencies)
from tensorboard.compat.proto import meta_graph_pb2, tensor_pb2

from tfedu.protos._build import message_classes

_SPEC = ".tensorflow.serving.ModelSpec"
_TENSOR = ".tensorboard.TensorProto"
_I64 = ".google.protobuf.Int64Value"

# tensorflow/core/protobuf/error_codes.proto: the status codes, by number.
ERROR_CODES = [("OK", 0), ("CANCELLED", 1), ("UNKNOWN", 2), ("INVALID_ARGUMENT", 3),
               ("DEADLINE_EXCEEDED", 4), ("NOT_FOUND", 5), ("ALREADY_EXISTS", 6),
               ("PERMISSION_DENIED", 7), ("RESOURCE_EXHAUSTED", 8),
               ("FAILED_PRECONDITION", 9), ("ABORTED", 10), ("OUT_OF_RANGE", 11),
               ("UNIMPLEMENTED", 12), ("INTERNAL", 13), ("UNAVAILABLE", 14),
               ("DATA_LOSS", 15), ("UNAUTHENTICATED", 16)]

_VERSION_POLICY = {
    "nested": {"Latest": {"fields": [(1, "num_versions", "uint32")]},
               "All": {"fields": []},
               "Specific": {"fields": [(1, "versions", "int64", None, True)]}},
    "oneofs": ["policy_choice"],
    "fields": [(100, "latest", "message", "Latest", False, 0),
               (101, "all", "message", "All", False, 0),
               (102, "specific", "message", "Specific", False, 0)]}

_MESSAGES = {
    # tensorflow_serving/apis/model.proto
    "ModelSpec": {"oneofs": ["version_choice"], "fields": [
        (1, "name", "string"), (2, "version", "message", _I64, False, 0),
        (3, "signature_name", "string"), (4, "version_label", "string", None, False, 0)]},
    # predict.proto
    "PredictRequest": {"fields": [(1, "model_spec", "message", _SPEC),
                                  (3, "output_filter", "string", None, True)],
                       "maps": [(2, "inputs", "string", "message", _TENSOR)]},
    "PredictResponse": {"fields": [(2, "model_spec", "message", _SPEC)],
                        "maps": [(1, "outputs", "string", "message", _TENSOR)]},
    # get_model_metadata.proto
    "SignatureDefMap": {"fields": [], "maps": [
        (1, "signature_def", "string", "message", ".tensorboard.SignatureDef")]},
    "GetModelMetadataRequest": {"fields": [(1, "model_spec", "message", _SPEC),
                                           (2, "metadata_field", "string", None, True)]},
    "GetModelMetadataResponse": {"fields": [(1, "model_spec", "message", _SPEC)], "maps": [
        (2, "metadata", "string", "message", ".google.protobuf.Any")]},
    # status.proto (error.Code is declared here as StatusProto.Code: same numbers on the wire)
    "StatusProto": {"enums": {"Code": ERROR_CODES},
                    "fields": [(1, "error_code", "enum", "Code"), (2, "error_message", "string")],
                    "json_names": {"error_code": "error_code",
                                   "error_message": "error_message"}},
    # get_model_status.proto
    "GetModelStatusRequest": {"fields": [(1, "model_spec", "message", _SPEC)]},
    "ModelVersionStatus": {
        "enums": {"State": [("UNKNOWN", 0), ("START", 10), ("LOADING", 20), ("AVAILABLE", 30),
                            ("UNLOADING", 40), ("END", 50)]},
        "fields": [(1, "version", "int64"), (2, "state", "enum", "State"),
                   (3, "status", "message", ".tensorflow.serving.StatusProto")]},
    "GetModelStatusResponse": {
        "fields": [(1, "model_version_status", "message",
                    ".tensorflow.serving.ModelVersionStatus", True)],
        "json_names": {"model_version_status": "model_version_status"}},
    # config/file_system_storage_path_source.proto (only the version policy)
    "FileSystemStoragePathSourceConfig": {
        "fields": [], "nested": {"ServableVersionPolicy": _VERSION_POLICY}},
    # config/model_server_config.proto
    "ModelConfig": {
        "fields": [(1, "name", "string"), (2, "base_path", "string"),
                   (4, "model_platform", "string"),
                   (7, "model_version_policy", "message",
                    ".tensorflow.serving.FileSystemStoragePathSourceConfig."
                    "ServableVersionPolicy")],
        "maps": [(8, "version_labels", "string", "int64")]},
    "ModelConfigList": {"fields": [(1, "config", "message", ".tensorflow.serving.ModelConfig",
                                    True)]},
    "ModelServerConfig": {"oneofs": ["config"], "fields": [
        (1, "model_config_list", "message", ".tensorflow.serving.ModelConfigList", False, 0)]},
    # input.proto, classification.proto, regression.proto
    # (Examples are kept serialized, as TF Serving's own SerializedInput reads them: a bytes
    # field and a message field are the same on the wire.)
    "ExampleList": {"fields": [(1, "examples", "bytes", None, True)]},
    "ExampleListWithContext": {"fields": [(1, "examples", "bytes", None, True),
                                          (2, "context", "bytes")]},
    "Input": {"oneofs": ["kind"], "fields": [
        (1, "example_list", "message", ".tensorflow.serving.ExampleList", False, 0),
        (2, "example_list_with_context", "message",
         ".tensorflow.serving.ExampleListWithContext", False, 0)]},
    "Class": {"fields": [(1, "label", "string"), (2, "score", "float")]},
    "Classifications": {"fields": [(1, "classes", "message", ".tensorflow.serving.Class",
                                    True)]},
    "ClassificationResult": {"fields": [
        (1, "classifications", "message", ".tensorflow.serving.Classifications", True)]},
    "ClassificationRequest": {"fields": [(1, "model_spec", "message", _SPEC),
                                         (2, "input", "message", ".tensorflow.serving.Input")]},
    "ClassificationResponse": {"fields": [
        (2, "model_spec", "message", _SPEC),
        (1, "result", "message", ".tensorflow.serving.ClassificationResult")]},
    "Regression": {"fields": [(1, "value", "float")]},
    "RegressionResult": {"fields": [(1, "regressions", "message",
                                     ".tensorflow.serving.Regression", True)]},
    "RegressionRequest": {"fields": [(1, "model_spec", "message", _SPEC),
                                     (2, "input", "message", ".tensorflow.serving.Input")]},
    "RegressionResponse": {"fields": [
        (2, "model_spec", "message", _SPEC),
        (1, "result", "message", ".tensorflow.serving.RegressionResult")]},
    # servables/tensorflow/session_bundle_config.proto
    "BatchingParameters": {"fields": [
        (1, "max_batch_size", "message", _I64), (2, "batch_timeout_micros", "message", _I64),
        (3, "max_enqueued_batches", "message", _I64), (4, "num_batch_threads", "message", _I64),
        (5, "thread_pool_name", "message", ".google.protobuf.StringValue"),
        (6, "allowed_batch_sizes", "int64", None, True),
        (7, "pad_variable_length_inputs", "bool"),
        (8, "enable_large_batch_splitting", "message", ".google.protobuf.BoolValue"),
        (9, "max_execution_batch_size", "message", _I64)]},
}

_classes = message_classes(
    "tfedu/protos/serving.proto", "tensorflow.serving",
    ["google/protobuf/any.proto", "google/protobuf/wrappers.proto",
     meta_graph_pb2.DESCRIPTOR.name, tensor_pb2.DESCRIPTOR.name], _MESSAGES)

globals().update(_classes)
__all__ = sorted(_classes) + ["ERROR_CODES"]
