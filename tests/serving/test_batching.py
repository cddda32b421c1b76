"""--enable_batching: concurrent requests run as one batch, and the batch sizes that ran are
visible in the metrics. The batch timeout is long, so a batch here closes only when it is full:
which batches form does not depend on timing."""

from __future__ import annotations

import concurrent.futures
import re

import numpy as np
import pytest

from tests.serving import models
from tests.serving.server_process import ServerProcess


@pytest.fixture(scope="module")
def batching_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("batching")
    from tfedu.serving.notebook import export_version

    export_version(models.mlp(), root / "mlp", 1)
    params = root / "batching.config"
    params.write_text("max_batch_size { value: 4 }\nbatch_timeout_micros { value: 600000000 }\n"
                      "num_batch_threads { value: 1 }\nmax_enqueued_batches { value: 100 }\n")
    s = ServerProcess(["--model_name=mlp", f"--model_base_path={root / 'mlp'}",
                       "--enable_batching", f"--batching_parameters_file={params}"])
    yield s
    s.stop()


def _batch_sizes(server) -> dict:
    text = server.get("/monitoring/prometheus/metrics").text
    return {int(size): int(n) for size, n in re.findall(
        r'processed_batch_size\{model_name="mlp",padded_batch_size="(\d+)"\} (\d+)', text)}


def test_concurrent_requests_run_as_full_batches(batching_server):
    xs = [models.mlp_inputs(8)[i:i + 1] for i in range(8)]
    want = models.mlp(seed=0)(np.concatenate(xs)).numpy()

    def call(x):
        return batching_server.post("/v1/models/mlp:predict", json={"instances": x.tolist()})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(call, xs))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    got = np.concatenate([a.json()["predictions"] for a in answers])
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert _batch_sizes(batching_server) == {4: 2}

    with concurrent.futures.ThreadPoolExecutor(2) as pool:      # 3 examples + 1 example
        pair = list(pool.map(call, [models.mlp_inputs(3), models.mlp_inputs(1)]))
    assert [len(a.json()["predictions"]) for a in pair] == [3, 1]
    assert _batch_sizes(batching_server) == {4: 3}


def test_a_request_larger_than_a_batch_is_refused(batching_server):
    r = batching_server.post("/v1/models/mlp:predict",
                             json={"instances": models.mlp_inputs(5).tolist()})
    assert (r.status_code, r.json()) == (400, {
        "error": "Task size 5 is larger than maximum input batch size 4"})


def test_padding_to_allowed_batch_sizes_and_options():
    from tfedu.protos.serving import BatchingParameters
    from tfedu.serving.batching import Batcher, BatchingOptions, BatchStats

    seen = []

    def run(inputs):
        seen.append(inputs["x"].shape[0])
        return {"y": inputs["x"] * 2}

    stats = BatchStats()
    opts = BatchingOptions(max_batch_size=4, allowed_batch_sizes=(2, 4), num_batch_threads=1)
    b = Batcher(run, opts, stats, "m")
    out = b.submit({"x": np.arange(3.0)[:, None]}).result(timeout=60)
    b.close()
    assert seen == [4] and out["y"].ravel().tolist() == [0.0, 2.0, 4.0]
    assert stats.snapshot()["batch_sizes"] == {("m", 4): 1}
    from google.protobuf import text_format

    p = text_format.Parse("max_batch_size { value: 8 } allowed_batch_sizes: 4",
                          BatchingParameters())
    with pytest.raises(Exception, match="Last entry in allowed_batch_sizes must match"):
        BatchingOptions.from_proto(p)
    defaults = BatchingOptions.from_proto(BatchingParameters())
    assert (defaults.max_batch_size, defaults.batch_timeout_micros) == (1000, 0)
