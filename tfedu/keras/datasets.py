"""`tf.keras.datasets`: `mnist.load_data()` and `fashion_mnist.load_data()`.

Both return `(x_train, y_train), (x_test, y_test)` as uint8 numpy arrays, images (N, 28, 28),
and share the checksummed, cached downloads of `tfedu.datasets`.
"""

from __future__ import annotations

import types

import numpy as np


def _load(name: str):
    from tfedu.datasets import core

    b = core.builder(name)
    b.download_and_prepare()
    train, test = b.as_arrays("train"), b.as_arrays("test")
    return ((train["image"][..., 0], train["label"].astype(np.uint8)),
            (test["image"][..., 0], test["label"].astype(np.uint8)))


def _mnist_load_data(path: str = "mnist.npz"):
    """MNIST digits: `(x_train, y_train), (x_test, y_test)`, 60000/10000 uint8 images."""
    return _load("mnist")


def _fashion_mnist_load_data():
    """Fashion-MNIST: `(x_train, y_train), (x_test, y_test)`, 60000/10000 uint8 images."""
    return _load("fashion_mnist")


mnist = types.SimpleNamespace(load_data=_mnist_load_data)
fashion_mnist = types.SimpleNamespace(load_data=_fashion_mnist_load_data)
