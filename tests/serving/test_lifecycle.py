"""Versions come and go while the server runs; bad requests never take it down; nothing in a
model directory is ever executed; 2,000 requests from 16 concurrent clients all succeed."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import time

import numpy as np
import requests

from tests.serving import models


def _versions(server, name):
    r = server.get(f"/v1/models/{name}")
    return {int(v["version"]): (v["state"], v["status"]["error_code"])
            for v in r.json().get("model_version_status", [])}


def _served_version(server, name):
    return server.get(f"/v1/models/{name}/metadata").json()["model_spec"]["version"]


def test_a_new_version_dropped_in_is_served_and_a_broken_one_is_not(server, model_paths):
    from tfedu.serving.notebook import export_version

    base = model_paths["drop"]
    x = models.mlp_inputs(1).tolist()
    before = server.post("/v1/models/drop:predict", json={"instances": x}).json()
    export_version(models.mlp(seed=1), base, 2)          # renamed into place: atomic
    server.wait_for(lambda: _versions(server, "drop").get(2) == ("AVAILABLE", "OK"),
                    what="version 2 becoming AVAILABLE")
    server.wait_for(lambda: _versions(server, "drop").get(1, ("",))[0] == "END",
                    what="version 1 being unloaded")
    after = server.post("/v1/models/drop:predict", json={"instances": x}).json()
    assert after != before and _served_version(server, "drop") == "2"

    broken = os.path.join(base, ".partial")
    os.makedirs(os.path.join(broken, "variables"))
    with open(os.path.join(broken, "saved_model.pb"), "wb") as f:
        f.write(b"\x08\x01garbage that is not a SavedModel")
    os.rename(broken, os.path.join(base, "3"))
    state = server.wait_for(lambda: _versions(server, "drop").get(3, ("",))[0] == "END"
                            and _versions(server, "drop")[3], what="version 3 failing")
    assert state[1] != "OK"
    status = server.get("/v1/models/drop/versions/3").json()["model_version_status"][0]
    assert status["status"]["error_message"]
    assert _versions(server, "drop")[2] == ("AVAILABLE", "OK")
    assert server.post("/v1/models/drop:predict", json={"instances": x}).json() == after
    r = server.post("/v1/models/drop/versions/3:predict", json={"instances": x})
    assert r.status_code == 404


def test_malformed_and_oversized_requests_leave_the_server_up(server):
    bodies = [b"{" * 100000, b'{"instances": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
              b"\xff\xfe\x00garbage", b'{"instances": [[1e999, 2, 3, 4]]}',
              b'{"inputs": {"b64": "!!!"}}', b'{"instances": [{"b64": 5}]}']
    for body in bodies:
        r = server.post("/v1/models/mlp:predict", data=body)
        assert 400 <= r.status_code < 500, (body[:40], r.status_code, r.text[:200])
        assert "error" in r.json()
    big = server.post("/v1/models/mlp:predict", data=b" " * 300000)
    assert big.status_code == 413 and "limit of 200000 bytes" in big.json()["error"]
    chunked = server.post("/v1/models/mlp:predict", data=iter([b" " * 150000] * 3))
    assert chunked.status_code == 413
    host, port = server.url.rsplit("/", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:   # not HTTP at all
        s.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        s.recv(1024)
    assert server.alive()
    assert server.get("/v1/models/mlp").status_code == 200


def test_nothing_in_a_model_directory_is_executed(tmp_path):
    from tests.serving.server_process import ServerProcess
    from tfedu.serving.notebook import export_version

    base = tmp_path / "evil"
    version = export_version(models.mlp(), base, 1)
    marker = tmp_path / "executed"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for rel in ("__init__.py", "saved_model.py", "keras.py", "numpy.py", "tfedu.py",
                "sitecustomize.py", "assets/__init__.py", "variables/__init__.py"):
        path = os.path.join(version, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(payload)
    for d in (str(base), version):
        with open(os.path.join(d, "evil.pth"), "w") as f:
            f.write("import os; " + payload)
    s = ServerProcess(["--model_name=evil", f"--model_base_path={base}"], cwd=str(tmp_path))
    try:
        r = s.post("/v1/models/evil:predict", json={"instances": models.mlp_inputs(2).tolist()})
        assert r.status_code == 200, r.text
        assert s.get("/v1/models/evil/metadata").status_code == 200
    finally:
        s.stop()
    assert not marker.exists()


def test_load_of_2000_requests_from_16_clients(server):
    x = models.mlp_inputs(1).tolist()
    url = server.url + "/v1/models/mlp:predict"

    def client(n):
        latencies, errors = [], 0
        with requests.Session() as session:
            for _ in range(n):
                t = time.perf_counter()
                r = session.post(url, json={"instances": x}, timeout=120)
                latencies.append(time.perf_counter() - t)
                errors += r.status_code != 200 or "predictions" not in r.json()
        return latencies, errors

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(client, [125] * 16))
    latencies = np.concatenate([r[0] for r in results])
    errors = sum(r[1] for r in results)
    print(f"\n2000 requests, 16 clients: p50 {np.percentile(latencies, 50) * 1e3:.1f} ms, "
          f"p99 {np.percentile(latencies, 99) * 1e3:.1f} ms, {errors} errors")
    assert len(latencies) == 2000 and errors == 0
