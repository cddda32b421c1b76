"""The catalogue: shipped datasets, split slicing, info, errors."""

import numpy as np
import pytest

import tfedu as tf
import tfedu.datasets as tfds


def test_list_builders_has_the_builtins():
    names = tfds.list_builders()
    assert {"digits", "iris", "mnist", "fashion_mnist"} <= set(names)


def test_digits_shapes_dtypes_and_sizes():
    ds, info = tfds.load("digits", split="train", with_info=True)
    assert isinstance(ds, tf.data.Dataset)
    assert len(ds) == 1437 and info.splits["test"].num_examples == 360
    assert info.splits["train"].num_examples + info.splits["test"].num_examples == 1797
    elem = next(iter(ds))
    assert sorted(elem) == ["image", "label"]
    assert elem["image"].shape == (8, 8, 1) and elem["image"].dtype == tf.uint8
    assert elem["label"].dtype == tf.int64
    x, y = tfds.as_numpy(tfds.load("digits", split="train+test", as_supervised=True,
                                   batch_size=-1))
    assert x.shape == (1797, 8, 8, 1) and x.max() == 16 and x.min() == 0
    assert sorted(np.unique(y)) == list(range(10))
    assert info.features["label"].num_classes == 10


def test_iris_supervised_and_names():
    ds, info = tfds.load("iris", split="train", as_supervised=True, with_info=True)
    x, y = next(iter(ds))
    assert x.shape == (4,) and x.dtype == tf.float32 and y.dtype == tf.int64
    assert len(ds) == 150
    assert info.supervised_keys == ("features", "label")
    assert info.features["label"].int2str(1) == "Iris-versicolor"
    assert info.features["label"].str2int("Iris-virginica") == 2
    _, labels = tfds.as_numpy(tfds.load("iris", split="train", as_supervised=True,
                                        batch_size=-1))
    assert np.bincount(labels).tolist() == [50, 50, 50]


def _labels(split, name="iris"):
    return tfds.as_numpy(tfds.load(name, split=split, as_supervised=True, batch_size=-1))[1]


def test_split_slicing_matches_python_slices():
    full = _labels("train")
    np.testing.assert_array_equal(_labels("train[:80%]"), full[:120])
    np.testing.assert_array_equal(_labels("train[80%:]"), full[120:])
    np.testing.assert_array_equal(_labels("train[10:20]"), full[10:20])
    np.testing.assert_array_equal(_labels("train[-10%:]"), full[-15:])
    np.testing.assert_array_equal(_labels("train[:-5]"), full[:-5])
    np.testing.assert_array_equal(_labels("train[:10]+train[-3:]"),
                                  np.concatenate([full[:10], full[-3:]]))
    d = _labels("test", "digits")
    np.testing.assert_array_equal(_labels("train+test", "digits")[-360:], d)


def test_split_none_gives_dict_and_list_gives_list():
    all_splits = tfds.load("digits")
    assert sorted(all_splits) == ["test", "train"]
    a, b = tfds.load("digits", split=["train[:50%]", "test"])
    assert len(a) == 718
    assert len(b) == 360


def test_percent_rounds_to_closest():
    # 1437 * 50% = 718.5 -> python round -> 718
    assert len(tfds.load("digits", split="train[:50%]")) == round(1437 * 0.5)


def test_batch_size_batches():
    ds = tfds.load("iris", split="train", batch_size=32, as_supervised=True)
    sizes = [int(x.shape[0]) for x, _ in ds]
    assert sizes == [32, 32, 32, 32, 22]


def test_shuffle_files_changes_order_but_keeps_examples():
    ds = tfds.load("iris", split="train", as_supervised=True, shuffle_files=True)
    a = np.array([int(y) for _, y in ds])
    b = np.array([int(y) for _, y in ds])
    ref = _labels("train")
    assert sorted(a.tolist()) == sorted(ref.tolist())
    assert not (np.array_equal(a, ref) and np.array_equal(b, ref))


@pytest.mark.parametrize("split,msg", [
    ("validation", "Unknown split 'validation'. Should be one of ['test', 'train']."),
    ("train[a:b]", "Invalid split boundary 'a'"),
    ("train[:200%]", "Invalid split boundary '200%'"),
    ("train[[", "Unrecognized split format"),
])
def test_bad_splits_raise(split, msg):
    with pytest.raises(ValueError) as e:
        tfds.load("digits", split=split)
    assert msg in str(e.value)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="Dataset nope not found. Available datasets: "):
        tfds.load("nope")


def test_info_repr_is_readable():
    info = tfds.builder("digits").info
    r = repr(info)
    assert r.startswith("tfedu.datasets.DatasetInfo(\n    name='digits',\n")
    assert "'label': ClassLabel(shape=(), dtype=int64, num_classes=10)," in r
    assert "'image': Image(shape=(8, 8, 1), dtype=uint8)," in r
    assert "'train': <SplitInfo num_examples=1437, num_shards=1>," in r
    assert "supervised_keys=('image', 'label')" in r
    assert info.citation and info.homepage.startswith("https://")


def test_shipped_files_are_small():
    import os

    from tfedu.datasets import builtin

    total = sum(os.path.getsize(os.path.join(builtin._PKG_DATA, f))
                for f in builtin.SHIPPED_CHECKSUMS)
    assert total < 1_000_000


def test_corrupted_shipped_file_is_reported(monkeypatch):
    from tfedu.datasets import builtin

    monkeypatch.setitem(builtin.SHIPPED_CHECKSUMS, "iris.npz", "0" * 64)
    with pytest.raises(tfds.ChecksumError) as e:
        tfds.load("iris", split="train")
    msg = str(e.value)
    assert "iris.npz" in msg and "expected sha256 " + "0" * 64 in msg
    assert "got " in msg
