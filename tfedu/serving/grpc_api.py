"""TF Serving's gRPC API on grpcio: `tensorflow.serving.PredictionService` (Predict,
GetModelMetadata, Classify, Regress) and `tensorflow.serving.ModelService` (GetModelStatus).

The method paths and messages are TF Serving's (`tfedu.protos.serving`), so a stub from
`tensorflow_serving.apis.prediction_service_pb2_grpc` works against this server unchanged.
Errors are gRPC statuses with TF's code and message (`grpc.StatusCode.NOT_FOUND`,
`Servable not found for request: Latest(m)`).
"""

from __future__ import annotations

from concurrent import futures

import grpc
import numpy as np
from tensorboard.compat.proto import tensor_pb2, types_pb2

from tfedu.protos import serving as pb
from tfedu.serving.core import ServingCore
from tfedu.serving.status import CODE_NAMES, invalid, status_of

_FIELDS = {np.dtype(np.float32): "float_val", np.dtype(np.float64): "double_val",
           np.dtype(np.int32): "int_val", np.dtype(np.int16): "int_val",
           np.dtype(np.int8): "int_val", np.dtype(np.uint8): "int_val",
           np.dtype(np.uint16): "int_val", np.dtype(np.int64): "int64_val",
           np.dtype(np.uint32): "uint32_val", np.dtype(np.uint64): "uint64_val",
           np.dtype(np.bool_): "bool_val"}


def tensor_proto(arr: np.ndarray) -> tensor_pb2.TensorProto:
    """Tensor::AsProtoField: typed repeated values, as TF Serving answers by default."""
    from tfedu.saved_model.proto_values import dtype_enum, shape_proto

    arr = np.asarray(arr)
    if arr.dtype == object or arr.dtype.kind in "SU":
        p = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
        p.string_val.extend(v if isinstance(v, bytes) else str(v).encode()
                            for v in arr.reshape(-1))
    else:
        from tfedu.framework import dtypes

        p = tensor_pb2.TensorProto(dtype=dtype_enum(dtypes.from_numpy(arr.dtype)))
        field = _FIELDS.get(arr.dtype)
        if field is None:
            from tfedu.saved_model.proto_values import tensor_proto as content_proto

            return content_proto(arr)
        getattr(p, field).extend(arr.reshape(-1).tolist())
    p.tensor_shape.CopyFrom(shape_proto(arr.shape))
    return p


def _spec_args(spec) -> tuple:
    if not spec.name:
        raise invalid("ModelSpec has no name specified.")
    choice = spec.WhichOneof("version_choice")
    version = spec.version.value if choice == "version" else None
    label = spec.version_label if choice == "version_label" else None
    return spec.name, version, label


def _response_spec(out, servable, signature_name=None) -> None:
    """MakeModelSpec: name, version, and the signature actually used."""
    out.name = servable.name
    out.version.value = servable.version
    if signature_name is not None:
        out.signature_name = signature_name or "serving_default"


def _inputs(request, sig) -> dict:
    from tfedu.saved_model.proto_values import array_from_proto

    out = {}
    for i, (name, proto) in enumerate(sorted(request.inputs.items())):
        want = sig.inputs[name].dtype if name in sig.inputs else proto.dtype
        if proto.dtype != want:
            raise invalid(f"Expects arg[{i}] to be {types_pb2.DataType.Name(want)[3:].lower()} "
                          f"but {types_pb2.DataType.Name(proto.dtype)[3:].lower()} is provided")
        out[name] = array_from_proto(proto)
    return out


class Services:
    """The RPC methods, each taking (request, context) as grpcio calls them."""

    def __init__(self, core: ServingCore):
        self.core = core

    def predict(self, request, context):
        if not request.HasField("model_spec"):
            raise invalid("Missing ModelSpec")
        servable = self.core.servable(*_spec_args(request.model_spec))
        sig_name = request.model_spec.signature_name
        _, sig = servable.signature(sig_name)
        outputs = self.core.run(servable, sig_name, _inputs(request, sig),
                                list(request.output_filter))
        resp = pb.PredictResponse()
        _response_spec(resp.model_spec, servable, sig_name)
        for alias, arr in outputs.items():
            resp.outputs[alias].CopyFrom(tensor_proto(arr))
        return resp

    def get_model_metadata(self, request, context):
        if not request.HasField("model_spec"):
            raise invalid("Missing ModelSpec")
        if not request.metadata_field:
            raise invalid("GetModelMetadataRequest must specify at least one metadata_field")
        for field in request.metadata_field:
            if field != "signature_def":
                raise invalid("Metadata field ", field, " is not supported")
        return self.core.metadata(*_spec_args(request.model_spec))

    def get_model_status(self, request, context):
        if not request.HasField("model_spec"):
            raise invalid("Missing ModelSpec")
        return self.core.status(*_spec_args(request.model_spec))


def _handler(method, request_cls, response_cls):
    def call(request, context):
        try:
            return method(request, context)
        except Exception as e:  # the call's error, never the server's
            code, message = status_of(e)
            context.abort(getattr(grpc.StatusCode, CODE_NAMES[code]), message)

    return grpc.unary_unary_rpc_method_handler(
        call, request_deserializer=request_cls.FromString,
        response_serializer=response_cls.SerializeToString)


def make_server(core: ServingCore, address: str, max_workers: int = 16,
                max_message_bytes: int = 64 * 1024 * 1024):
    """A started-ready grpc.Server on `address` ("127.0.0.1:8500"); returns (server, port)."""
    s = Services(core)
    prediction = {"Predict": _handler(s.predict, pb.PredictRequest, pb.PredictResponse),
                  "GetModelMetadata": _handler(s.get_model_metadata, pb.GetModelMetadataRequest,
                                               pb.GetModelMetadataResponse)}
    from tfedu.serving import classify

    prediction.update(classify.grpc_handlers(core, _handler))
    model = {"GetModelStatus": _handler(s.get_model_status, pb.GetModelStatusRequest,
                                        pb.GetModelStatusResponse)}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers,
                                                    thread_name_prefix="tfedu-grpc"),
                         options=[("grpc.max_receive_message_length", max_message_bytes),
                                  ("grpc.max_send_message_length", max_message_bytes),
                                  ("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("tensorflow.serving.PredictionService", prediction),
        grpc.method_handlers_generic_handler("tensorflow.serving.ModelService", model)))
    port = server.add_insecure_port(address)
    return server, port
