"""Shared test fixtures: a private data directory and a local HTTP server serving IDX files."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "tfds"
    monkeypatch.setenv("TFEDU_DATA_DIR", str(d))
    return d


def idx_gz(arr: np.ndarray) -> bytes:
    """Gzipped IDX bytes of a uint8 array."""
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return gzip.compress(header + arr.astype(np.uint8).tobytes(), mtime=0)


def fixture_files(n_train=20, n_test=6, seed=0):
    """Small MNIST-like IDX gz files: name -> bytes, plus the arrays they hold."""
    rng = np.random.RandomState(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "train-labels-idx1-ubyte.gz": rng.randint(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.randint(0, 10, n_test).astype(np.uint8),
    }
    return {k: idx_gz(v) for k, v in arrays.items()}, arrays


class _Server:
    def __init__(self, files):
        self.files = dict(files)
        self.drop_first = set()     # names whose first GET is cut half way
        self.requests = []          # (path, Range header)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                rng = self.headers.get("Range")
                outer.requests.append((name, rng))
                body = outer.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                part = body[start:]
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                if name in outer.drop_first:
                    outer.drop_first.discard(name)
                    self.wfile.write(part[: len(part) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(part)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def idx_server(monkeypatch):
    """Serves fixture IDX files; MNIST's mirror and checksums point at them."""
    from tfedu.datasets import builtin
    from tfedu.datasets import download as dl

    files, arrays = fixture_files()
    server = _Server(files)
    sums = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    monkeypatch.setattr(builtin, "MNIST_CHECKSUMS", sums)
    monkeypatch.setenv("TFEDU_MNIST_MIRRORS", server.url)
    monkeypatch.setattr(dl, "BACKOFF", 0.01)
    monkeypatch.setattr(dl, "TIMEOUT", 5.0)
    server.arrays = arrays
    yield server
    server.close()
