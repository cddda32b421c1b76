"""MNIST-style downloads from a local HTTP server: cache, resume, checksum and offline errors."""

import hashlib
import os
import socket

import numpy as np
import pytest

import tfedu.datasets as tfds
from tfedu.datasets import download as dl


def test_mnist_downloads_prepares_and_caches(data_dir, idx_server):
    ds, info = tfds.load("mnist", split="train", as_supervised=True, with_info=True)
    x, y = tfds.as_numpy(tfds.load("mnist", split="train", as_supervised=True, batch_size=-1))
    a = idx_server.arrays
    np.testing.assert_array_equal(x[..., 0], a["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y, a["train-labels-idx1-ubyte.gz"])
    assert x.shape == (20, 28, 28, 1) and y.dtype == np.int64
    assert info.splits["test"].num_examples == 6
    downloads = data_dir / "downloads" / "mnist"
    assert sorted(os.listdir(downloads)) == sorted(a)
    n = len(idx_server.requests)
    tfds.load("mnist", split="test")        # prepared: no new requests
    assert len(idx_server.requests) == n == 4


def test_broken_connection_resumes_with_range(data_dir, idx_server):
    name = "train-images-idx3-ubyte.gz"
    idx_server.drop_first.add(name)
    path = dl.download(name, hashlib.sha256(idx_server.files[name]).hexdigest(),
                       str(data_dir / "dl"), [idx_server.url])
    with open(path, "rb") as f:
        assert f.read() == idx_server.files[name]
    reqs = [r for r in idx_server.requests if r[0] == name]
    assert reqs[0][1] is None
    half = (len(idx_server.files[name])) // 2
    assert reqs[1][1] == f"bytes={half}-"
    assert not os.path.exists(path + ".part")


def test_existing_part_file_is_resumed(data_dir, idx_server):
    name = "t10k-images-idx3-ubyte.gz"
    body = idx_server.files[name]
    dest = data_dir / "dl2"
    dest.mkdir(parents=True)
    (dest / (name + ".part")).write_bytes(body[:100])
    path = dl.download(name, hashlib.sha256(body).hexdigest(), str(dest), [idx_server.url])
    assert open(path, "rb").read() == body
    assert idx_server.requests[-1] == (name, "bytes=100-")


def test_bad_checksum_errors_and_leaves_nothing(data_dir, idx_server):
    name = "train-labels-idx1-ubyte.gz"
    dest = data_dir / "dl3"
    with pytest.raises(tfds.ChecksumError) as e:
        dl.download(name, "f" * 64, str(dest), [idx_server.url])
    msg = str(e.value)
    assert name in msg and "expected sha256 " + "f" * 64 in msg
    assert hashlib.sha256(idx_server.files[name]).hexdigest() in msg
    assert os.listdir(dest) == []


def test_falls_back_to_next_mirror(data_dir, idx_server):
    name = "t10k-labels-idx1-ubyte.gz"
    path = dl.download(name, hashlib.sha256(idx_server.files[name]).hexdigest(),
                       str(data_dir / "dl4"), ["http://127.0.0.1:9/x/", idx_server.url])
    assert os.path.basename(path) == name
    assert open(path, "rb").read() == idx_server.files[name]


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_offline_gives_clear_error(data_dir, monkeypatch):
    monkeypatch.setattr(dl, "BACKOFF", 0.0)
    monkeypatch.setenv("TFEDU_MNIST_MIRRORS", f"http://127.0.0.1:{_free_port()}/mnist/")
    with pytest.raises(tfds.DownloadError) as e:
        tfds.load("mnist", split="train")
    msg = str(e.value)
    assert msg.startswith("could not download ")
    assert "refused" in msg.lower()
    assert f"copy the files into {data_dir / 'downloads' / 'mnist'} or run with network access" \
        in msg
    assert not (data_dir / "mnist").exists()


def test_http_404_is_reported(data_dir, idx_server):
    with pytest.raises(tfds.DownloadError, match="HTTP 404"):
        dl.download("no-such-file.gz", "0" * 64, str(data_dir / "dl5"), [idx_server.url])


def test_read_idx_rejects_garbage(tmp_path):
    from tfedu.datasets.builtin import read_idx

    p = tmp_path / "bad.idx"
    p.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    with pytest.raises(ValueError, match=r"header says \[5\] but holds 3 bytes"):
        read_idx(str(p))
    p.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="is not an IDX file"):
        read_idx(str(p))
