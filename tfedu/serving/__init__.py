"""TensorFlow Serving for tfedu: SavedModels answered over REST and gRPC as TF Serving does.

    python -m tfedu.serving --model_name=iris --model_base_path=models/iris --rest_api_port=8501

    server = tfedu.serving.serve(model)          # in a notebook: a background server
    requests.post(server.url + "/v1/models/model:predict", json={"instances": [[1, 2, 3, 4]]})
    server.stop()

Modules: `manager` (version directories, policies, states), `servable` (one loaded version),
`rest` (the REST API on Starlette/uvicorn), `json_codec` and `jsonwriter` (TF Serving's JSON
mapping and layout), `grpc_api` (PredictionService and ModelService on grpcio, TF Serving's
messages from `tfedu.protos.serving`), `classify` (Classify/Regress), `batching`
(`--enable_batching`), `config` (the text-proto config files), `server` (`ModelServer`),
`notebook` (`serve`), `cli` (`python -m tfedu.serving`).

The server needs the `serving` extra (`pip install tfedu[serving]`: starlette, uvicorn,
grpcio); `make env` installs it.
"""

from __future__ import annotations

from tfedu._lazy import lazy_getattr

_LAZY = {
    "serve": "tfedu.serving.notebook",
    "ServerHandle": "tfedu.serving.notebook",
    "ModelServer": "tfedu.serving.server",
    "ServerOptions": "tfedu.serving.server",
    "BatchingOptions": "tfedu.serving.batching",
    "ModelSpecConfig": "tfedu.serving.manager",
}

__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
