"""What both APIs do: find the servable a request names, run it (batched or not), and describe
models (status, metadata). The REST handler (`rest.py`) and the gRPC services (`grpc_api.py`)
are thin translations around `ServingCore`.
"""

from __future__ import annotations

import threading

from tfedu.protos import serving as pb
from tfedu.serving.batching import Batcher, BatchingOptions, BatchStats
from tfedu.serving.manager import ModelManager
from tfedu.serving.protojson import message_json
from tfedu.serving.servable import Servable

_STATE_NUMBERS = {"START": 10, "LOADING": 20, "AVAILABLE": 30, "UNLOADING": 40, "END": 50}


class ServingCore:
    """The manager, plus the batch queues when batching is on."""

    def __init__(self, manager: ModelManager, batching: BatchingOptions | None = None):
        self.manager = manager
        self.batching = batching
        self.batch_stats = BatchStats()
        self._batchers: dict = {}
        self._lock = threading.Lock()

    def servable(self, name, version=None, label=None) -> Servable:
        return self.manager.servable(name, version, label)

    def run(self, servable: Servable, signature: str, inputs: dict, output_filter=()) -> dict:
        """{alias: array}: straight through the servable, or through its batch queue."""
        if self.batching is None:
            return servable.run(signature, inputs, output_filter)
        key, sig = servable.signature(signature)
        from tfedu.serving.servable import _check_inputs

        _check_inputs(sig, inputs)
        return self._batcher(servable, key, tuple(output_filter)).submit(inputs).result()

    def _batcher(self, servable: Servable, key: str, output_filter: tuple) -> Batcher:
        ident = (servable.name, servable.version, id(servable), key, output_filter)
        with self._lock:
            b = self._batchers.get(ident)
            if b is None:
                def run(inputs, servable=servable):
                    return servable.run(key, inputs, output_filter)

                b = self._batchers[ident] = Batcher(run, self.batching, self.batch_stats,
                                                    servable.name)
            return b

    def close(self) -> None:
        with self._lock:
            for b in self._batchers.values():
                b.close()
            self._batchers.clear()

    # --- descriptions ---------------------------------------------------------------------

    def status(self, name, version=None, label=None) -> pb.GetModelStatusResponse:
        resp = pb.GetModelStatusResponse()
        for st in self.manager.status(name, version, label):
            vs = resp.model_version_status.add(version=st.version,
                                               state=_STATE_NUMBERS[st.state])
            vs.status.error_code, vs.status.error_message = st.error
        return resp

    def metadata(self, name, version=None, label=None) -> pb.GetModelMetadataResponse:
        servable = self.servable(name, version, label)
        resp = pb.GetModelMetadataResponse()
        resp.model_spec.name = servable.name
        resp.model_spec.version.value = servable.version
        resp.metadata["signature_def"].Pack(signature_def_map(servable))
        return resp

    def metrics_text(self) -> str:
        """Prometheus text: batches run per model and size, and requests per batch."""
        snap = self.batch_stats.snapshot()
        name = ":tensorflow:serving:batching:processed_batch_size"
        lines = [f"# TYPE {name} counter"]
        for (model, size), n in sorted(snap["batch_sizes"].items()):
            lines.append(f'{name}{{model_name="{model}",padded_batch_size="{size}"}} {n}')
        tasks = ":tensorflow:serving:batching:requests_per_batch"
        lines.append(f"# TYPE {tasks} counter")
        for (model, k), n in sorted(snap["requests_per_batch"].items()):
            lines.append(f'{tasks}{{model_name="{model}",requests="{k}"}} {n}')
        return "\n".join(lines) + "\n"


def signature_def_map(servable: Servable) -> pb.SignatureDefMap:
    out = pb.SignatureDefMap()
    for key, sig in servable.signature_defs.items():
        out.signature_def[key].CopyFrom(sig)
    return out


def status_json(resp) -> str:
    return message_json(resp)


def metadata_json(resp) -> str:
    """TF Serving's hand-assembled metadata document around the two printed messages."""
    sigs = pb.SignatureDefMap()
    resp.metadata["signature_def"].Unpack(sigs)
    return ("{\n\"model_spec\":" + message_json(resp.model_spec, True) + ",\n"
            + "\"metadata\": {\"signature_def\": " + message_json(sigs, True) + "}\n}\n")
