"""Users' own datasets: from_arrays, from_csv, from_image_folder, subclasses; stored checksums."""

import json
import os

import numpy as np
import pytest

import tfedu as tf
import tfedu.datasets as tfds
from tfedu.datasets import features as F


def _toy_arrays():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.array([0, 1] * 5)
    return x, y


def test_from_arrays_register_and_load(data_dir):
    x, y = _toy_arrays()
    b = tfds.DatasetBuilder.from_arrays(
        "toy_arrays", {"train": {"x": x[:8], "label": y[:8]}, "test": (x[8:], y[8:])},
        description="ten points").register()
    assert "toy_arrays" in tfds.list_builders()
    ds, info = tfds.load("toy_arrays", split="train", as_supervised=True, with_info=True)
    got = list(ds.as_numpy_iterator())
    assert len(got) == 8
    np.testing.assert_array_equal(got[3][0], x[3])
    assert got[3][1] == 1 and got[3][1].dtype == np.int64
    assert info.supervised_keys == ("x", "label")
    assert repr(info.features) == ("FeaturesDict({\n    'label': ClassLabel(shape=(), "
                                   "dtype=int64, num_classes=2),\n    'x': Tensor(shape=(2,), "
                                   "dtype=float32),\n})")
    # prepared into the data dir with a checksum per split
    meta = json.load(open(os.path.join(b.data_dir, "toy_arrays", "1.0.0",
                                       "dataset_info.json")))
    assert set(meta["splits"]) == {"train", "test"}
    assert len(meta["splits"]["train"]["sha256"]) == 64
    assert str(data_dir) in info.data_dir


def test_data_dir_argument_overrides_env(data_dir, tmp_path):
    x, y = _toy_arrays()
    tfds.DatasetBuilder.from_arrays("toy_dir", {"train": (x, y)}).register()
    other = tmp_path / "elsewhere"
    ds = tfds.load("toy_dir", split="train", data_dir=str(other))
    assert len(ds) == 10
    assert (other / "toy_dir" / "1.0.0" / "dataset_info.json").exists()
    assert not (data_dir / "toy_dir").exists()


def test_default_data_dir_under_cache_root(monkeypatch, tmp_path):
    monkeypatch.delenv("TFEDU_DATA_DIR", raising=False)
    monkeypatch.setenv("TFEDU_CACHE_DIR", str(tmp_path / "cache"))
    assert tfds.default_data_dir() == str(tmp_path / "cache" / "datasets")


def test_corrupted_prepared_file_names_file_and_hashes(data_dir):
    x, y = _toy_arrays()
    b = tfds.DatasetBuilder.from_arrays("toy_corrupt", {"train": (x, y)}).register()
    tfds.load("toy_corrupt", split="train")
    path = os.path.join(b.data_dir, "toy_corrupt", "1.0.0", "toy_corrupt-train.npz")
    meta = json.load(open(os.path.join(os.path.dirname(path), "dataset_info.json")))
    with open(path, "r+b") as f:
        f.seek(40)
        f.write(b"\xff\xff\xff\xff")
    with pytest.raises(tfds.ChecksumError) as e:
        tfds.load("toy_corrupt", split="train")
    msg = str(e.value)
    assert path in msg
    assert meta["splits"]["train"]["sha256"] in msg
    got = msg.split("got ")[1][:64]
    assert len(got) == 64 and got != meta["splits"]["train"]["sha256"]


def test_download_false_when_not_prepared(data_dir):
    x, y = _toy_arrays()
    tfds.DatasetBuilder.from_arrays("toy_lazy", {"train": (x, y)}).register()
    with pytest.raises(AssertionError, match="Dataset toy_lazy: could not find data in .* "
                                             "Please make sure to call dataset_builder."
                                             "download_and_prepare()"):
        tfds.load("toy_lazy", split="train", download=False)


def test_subclass_is_registered_under_snake_case(data_dir):
    class MyToySet(tfds.DatasetBuilder):
        VERSION = "0.2.0"

        def _info(self):
            return tfds.DatasetInfo(
                builder=self, description="toy",
                features=F.FeaturesDict(x=F.Tensor((2,), "float32"),
                                        label=F.ClassLabel(names=["neg", "pos"])),
                supervised_keys=("x", "label"))

        def _generate_splits(self):
            i = np.arange(6)
            return {"train": {"x": np.stack([i, -i], 1).astype(np.float32), "label": i % 2}}

    assert "my_toy_set" in tfds.list_builders()
    ds, info = tfds.load("my_toy_set", split="train[2:4]", with_info=True)
    elems = list(ds.as_numpy_iterator())
    assert [e["label"] for e in elems] == [0, 1]
    np.testing.assert_array_equal(elems[1]["x"], [3.0, -3.0])
    assert info.full_name == "my_toy_set/0.2.0"
    assert info.features["label"].names == ["neg", "pos"]


def test_feature_validation_errors(data_dir):
    b = tfds.DatasetBuilder.from_arrays(
        "toy_bad", {"train": {"x": np.zeros((3, 2), np.float32), "label": np.array([0, 1, 5])}},
        features=F.FeaturesDict(x=F.Tensor((2,), "float32"), label=F.ClassLabel(num_classes=2)))
    with pytest.raises(ValueError, match=r"ClassLabel values must be in \[0, 2\); got \[0, 5\]"):
        b.download_and_prepare()
    b2 = tfds.DatasetBuilder.from_arrays(
        "toy_bad2", {"train": {"x": np.zeros((3, 3), np.float32), "label": np.array([0, 1, 1])}},
        features=F.FeaturesDict(x=F.Tensor((2,), "float32"), label=F.ClassLabel(num_classes=2)))
    with pytest.raises(ValueError, match=r"Tensor expects examples of shape \(2,\); got \(3,\)"):
        b2.download_and_prepare()


def test_from_csv_with_named_classes(data_dir, tmp_path):
    p = tmp_path / "flowers.csv"
    p.write_text("a,b,species\n1.0,2.0,rose\n3.0,4.5,tulip\n5.0,6.0,rose\n")
    tfds.DatasetBuilder.from_csv("flowers_csv", str(p), label_column="species").register()
    ds, info = tfds.load("flowers_csv", split="train", as_supervised=True, with_info=True)
    rows = list(ds.as_numpy_iterator())
    np.testing.assert_allclose(rows[1][0], [3.0, 4.5])
    assert [int(r[1]) for r in rows] == [0, 1, 0]
    assert info.features["label"].names == ["rose", "tulip"]
    assert info.features["features"].shape == (2,)


def test_from_image_folder_npy(data_dir, tmp_path):
    root = tmp_path / "imgs"
    rng = np.random.RandomState(0)
    for split, n in (("train", 3), ("test", 1)):
        for cls in ("cat", "dog"):
            d = root / split / cls
            d.mkdir(parents=True)
            for i in range(n):
                np.save(d / f"{i}.npy", rng.randint(0, 255, (4, 5)).astype(np.uint8))
    tfds.DatasetBuilder.from_image_folder("pets_folder", str(root)).register()
    ds, info = tfds.load("pets_folder", split="train", as_supervised=True, with_info=True)
    items = list(ds.as_numpy_iterator())
    assert len(items) == 6
    assert items[0][0].shape == (4, 5, 1) and items[0][0].dtype == np.uint8
    assert [int(lab) for _, lab in items] == [0, 0, 0, 1, 1, 1]
    assert info.features["label"].names == ["cat", "dog"]
    assert info.splits["test"].num_examples == 2
    np.testing.assert_array_equal(items[4][0][..., 0], np.load(root / "train" / "dog" / "1.npy"))


def test_loaded_dataset_feeds_keras_fit(data_dir):
    x = np.random.RandomState(0).rand(32, 3).astype(np.float32)
    y = (x.sum(1) > 1.5).astype(np.int64)
    tfds.DatasetBuilder.from_arrays("toy_fit", {"train": (x, y)}).register()
    ds = tfds.load("toy_fit", split="train", as_supervised=True, batch_size=8)
    m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    m.compile("sgd", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = m.fit(ds, epochs=2, verbose=0)
    assert h.params["steps"] == 4 and len(h.history["loss"]) == 2


def test_registered_subclass_instance_keeps_its_settings(data_dir, tmp_path):
    class Squares(tfds.DatasetBuilder, skip_registration=True):
        def __init__(self, n, data_dir=None):
            super().__init__(data_dir)
            self.n = n

        def _info(self):
            return tfds.DatasetInfo(builder=self, features=F.FeaturesDict(
                x=F.Tensor((), "int64"), label=F.ClassLabel(num_classes=2)),
                supervised_keys=("x", "label"))

        def _generate_splits(self):
            i = np.arange(self.n)
            return {"train": {"x": i * i, "label": i % 2}}

    assert "squares" not in tfds.list_builders()
    Squares(4).register()
    other = tmp_path / "other"
    got = [int(x) for x, _ in tfds.load("squares", split="train", as_supervised=True,
                                        data_dir=str(other))]
    assert got == [0, 1, 4, 9]
    assert (other / "squares" / "1.0.0" / "squares-train.npz").exists()
