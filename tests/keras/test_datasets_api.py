"""`tf.keras.datasets.mnist / fashion_mnist .load_data()` on the tfedu.datasets downloads."""

import hashlib

import numpy as np

import tfedu as tf
from tests.datasets.idx_server import data_dir, idx_server  # noqa: F401


def test_mnist_load_data_returns_uint8_keras_layout(data_dir, idx_server):  # noqa: F811
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (20, 28, 28) and x_test.shape == (6, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.shape == (20,) and y_test.shape == (6,)
    np.testing.assert_array_equal(x_train, idx_server.arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, idx_server.arrays["t10k-labels-idx1-ubyte.gz"])


def test_fashion_mnist_uses_its_own_mirror_and_cache(data_dir, idx_server, monkeypatch):  # noqa: F811
    from tfedu.datasets import builtin

    sums = {k: hashlib.sha256(v).hexdigest() for k, v in idx_server.files.items()}
    monkeypatch.setattr(builtin, "FASHION_MNIST_CHECKSUMS", sums)
    monkeypatch.setenv("TFEDU_FASHION_MNIST_MIRRORS", idx_server.url)
    (x_train, y_train), _ = tf.keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (20, 28, 28) and y_train.dtype == np.uint8
    assert (data_dir / "downloads" / "fashion_mnist").is_dir()
    assert (data_dir / "fashion_mnist" / "3.0.1" / "dataset_info.json").exists()


def test_no_invented_keras_names():
    assert not hasattr(tf.keras.datasets, "iris")
    assert not hasattr(tf.keras.datasets, "digits")
