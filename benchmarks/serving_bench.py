"""tfedu.serving under load: requests/s and p50/p99 latency for a small MLP.

    .venv/bin/python benchmarks/serving_bench.py [--requests 400] [--clients 1 16]

The server is a separate `python -m tfedu.serving` process (loopback), run once without and
once with `--enable_batching` (max_batch_size 32, batch_timeout_micros 1000). Each row is one
protocol (REST with `requests`, gRPC with TF Serving's messages) and one number of concurrent
clients, each client sending one-example requests back to back. The first rows are plain
`model.predict` on the same one-example inputs in this process, the floor any server adds to.
Figures depend on the machine and its load (printed): compare rows of one run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_model(base):
    import tfedu as tf
    from tfedu.serving.notebook import export_version

    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((16,), name="x"),
                                 tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    export_version(model, base, 1)
    return model


def start_server(base, batching: bool, tmp):
    args = [sys.executable, "-m", "tfedu.serving", "--model_name=mlp",
            f"--model_base_path={base}", "--rest_api_port=-1", "--port=-1"]
    if batching:
        params = Path(tmp) / "batching.config"
        params.write_text("max_batch_size { value: 32 }\nbatch_timeout_micros { value: 1000 }\n"
                          "num_batch_threads { value: 1 }\n")
        args += ["--enable_batching", f"--batching_parameters_file={params}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    rest = grpc_addr = None
    while rest is None or grpc_addr is None:
        line = proc.stderr.readline()
        if not line:
            raise RuntimeError("server did not start")
        if m := re.search(r"REST API at:(\S+) ", line):
            rest = m.group(1)
        if m := re.search(r"gRPC ModelServer at (\S+) ", line):
            grpc_addr = m.group(1)
    return proc, rest, grpc_addr


def rest_client(url, x):
    import requests

    session = requests.Session()
    body = json.dumps({"instances": x.tolist()})

    def call():
        r = session.post(url, data=body, headers={"Content-Type": "application/json"})
        if r.status_code != 200:
            raise RuntimeError(r.text)
    return call


def grpc_client(address, x):
    import grpc

    from tfedu.protos import serving as pb
    from tfedu.serving.grpc_api import tensor_proto

    channel = grpc.insecure_channel(address)
    predict = channel.unary_unary("/tensorflow.serving.PredictionService/Predict",
                                  request_serializer=pb.PredictRequest.SerializeToString,
                                  response_deserializer=pb.PredictResponse.FromString)
    req = pb.PredictRequest()
    req.model_spec.name = "mlp"
    req.inputs["x"].CopyFrom(tensor_proto(x))
    return lambda: predict(req, timeout=60)


def measure(make_call, clients: int, total: int) -> dict:
    """Requests/s and latency percentiles of `clients` threads sending `total` requests."""
    per = max(1, total // clients)
    calls = [make_call() for _ in range(clients)]
    for call in calls:
        call()                                   # warm: connections, first batches

    def run(call):
        times = []
        for _ in range(per):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        return times

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        times = np.concatenate(list(pool.map(run, calls)))
    wall = time.perf_counter() - start
    return {"rps": len(times) / wall, "p50": np.percentile(times, 50) * 1e3,
            "p99": np.percentile(times, 99) * 1e3}


def row(name, clients, m) -> str:
    return f"{name:34s} {clients:7d} {m['rps']:10.0f} {m['p50']:9.2f} {m['p99']:9.2f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=800)
    p.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    args = p.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="serving-bench-")
    base = os.path.join(tmp, "mlp")
    model = build_model(base)
    x = np.random.default_rng(0).random((1, 16), dtype=np.float32)
    print(f"tfedu.serving: MLP 16-64-64-3, one-example requests, {args.requests} per row; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'':34s} {'clients':>7s} {'req/s':>10s} {'p50 ms':>9s} {'p99 ms':>9s}")
    for clients in args.clients:
        m = measure(lambda: (lambda: model.predict(x, verbose=0)), clients, args.requests)
        print(row("model.predict (in process)", clients, m), flush=True)
    for batching in (False, True):
        proc, rest, grpc_addr = start_server(base, batching, tmp)
        tag = "batching" if batching else "no batching"
        try:
            for clients in args.clients:
                url = rest + "/v1/models/mlp:predict"
                print(row(f"REST, {tag}", clients,
                          measure(lambda u=url: rest_client(u, x), clients, args.requests)),
                      flush=True)
                print(row(f"gRPC, {tag}", clients,
                          measure(lambda a=grpc_addr: grpc_client(a, x), clients, args.requests)),
                      flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
