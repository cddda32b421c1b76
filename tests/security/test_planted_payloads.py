"""Reading a file never runs code from it: a payload planted in each reader's files stays data.

(Checkpoints, SavedModels and the v1 Saver have their own planted-payload tests in
tests/saved_model/; this file covers the other readers.)
"""

import os

import numpy as np
import pytest

import tfedu as tf

# ---- tf.data's file cache ----------------------------------------------------------------

def _cache_files(prefix):
    return prefix + ".data-00000-of-00001", prefix + ".index"


def test_data_cache_holding_a_pickled_npz_is_data_loss(tmp_path, payload):
    prefix = str(tmp_path / "cache")
    data, index = _cache_files(prefix)
    payload.npz(data)  # the old numpy layout, holding a pickled object array
    with open(index, "wb") as f:
        f.write(b"tfedu cache: 1 elements\n")
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.Dataset.range(3).cache(prefix))


def test_data_cache_with_payload_strings_returns_them_as_bytes(tmp_path, payload):
    prefix = str(tmp_path / "cache")
    ds = tf.data.Dataset.from_tensor_slices([payload.blob, payload.code.encode()])
    assert list(ds.cache(prefix).as_numpy_iterator()) == [payload.blob, payload.code.encode()]
    again = tf.data.Dataset.from_tensor_slices(["x", "y"]).cache(prefix)  # read from the files
    assert list(again.as_numpy_iterator()) == [payload.blob, payload.code.encode()]


@pytest.mark.parametrize("damage", ["truncate_data", "flip_data", "garbage_index", "empty_index"])
def test_damaged_data_cache_is_data_loss(tmp_path, damage):
    prefix = str(tmp_path / "cache")
    list(tf.data.Dataset.range(5).cache(prefix))
    data, index = _cache_files(prefix)
    raw = open(data, "rb").read()
    if damage == "truncate_data":
        open(data, "wb").write(raw[:-3])
    elif damage == "flip_data":
        open(data, "wb").write(raw[:4] + bytes([raw[4] ^ 0xFF]) + raw[5:])
    else:
        open(index, "wb").write(b"" if damage == "empty_index" else os.urandom(64))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.Dataset.range(5).cache(prefix))


def test_data_cache_of_another_structure_is_data_loss(tmp_path):
    prefix = str(tmp_path / "cache")
    list(tf.data.Dataset.range(3).cache(prefix))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.Dataset.from_tensor_slices(["a", "b", "c"]).cache(prefix))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.Dataset.from_tensor_slices(([1], [2])).cache(prefix))


def test_data_cache_keys_are_tensorflows(tmp_path):
    prefix = str(tmp_path / "cache")
    ds = tf.data.Dataset.from_tensor_slices(tuple([np.arange(2)] * 11))
    list(ds.cache(prefix))
    from tfedu.train.tensor_bundle import BundleReader

    keys = BundleReader(prefix).keys()
    assert keys[:3] == ["      0_ 0", "      0_ 1", "      0_ 2"] and len(keys) == 22
