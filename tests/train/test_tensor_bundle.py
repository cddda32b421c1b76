"""The tensor bundle (.index table + .data shard): round trips, checksums, damage detection."""

import os

import numpy as np
import pytest

import tfedu as tf
from tfedu.train import crc32c, table
from tfedu.train.tensor_bundle import BundleReader, BundleWriter, data_path, index_path


def test_crc32c_known_values_and_mask():
    assert crc32c.value(b"123456789") == 0xE3069283
    assert crc32c.value(b"") == 0
    big = bytes(range(256)) * 40
    assert crc32c.value(big) == crc32c.extend(crc32c.value(big[:1000]), big[1000:])
    for c in (0, 1, 0xDEADBEEF, 0xFFFFFFFF):
        assert crc32c.unmask(crc32c.mask(c)) == c


def test_table_round_trip_across_blocks():
    w = table.TableWriter(block_size=64)
    items = {f"key/{i:04d}".encode(): bytes([i % 256]) * (i % 7) for i in range(300)}
    for k in sorted(items):
        w.add(k, items[k])
    assert table.read_table(w.finish()) == items


def test_table_keys_must_increase():
    w = table.TableWriter()
    w.add(b"b", b"1")
    with pytest.raises(ValueError):
        w.add(b"a", b"2")


def test_separators():
    assert table.shortest_separator(b"abcd", b"abzz") == b"abd"
    assert table.shortest_separator(b"abc", b"abd") == b"abc"
    assert table.short_successor(b"s/x") == b"t"


ARRAYS = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "f64": np.array(3.5),
    "f16": np.array([1.5, -2.0], dtype=np.float16),
    "i8": np.array([-3, 4], dtype=np.int8),
    "u16": np.array([7], dtype=np.uint16),
    "i64": np.array([[1 << 40]], dtype=np.int64),
    "b": np.array([True, False]),
    "c64": np.array([1 + 2j], dtype=np.complex64),
    "s": np.array([b"ab", b"", "caf\xe9".encode()], dtype=object),
    "empty": np.zeros((0, 4), dtype=np.float32),
}


@pytest.fixture
def bundle(tmp_path):
    w = BundleWriter(str(tmp_path / "ck"))
    for k, v in ARRAYS.items():
        w.add(k, v)
    return w.finish()


def test_bundle_round_trip_every_dtype(bundle):
    r = BundleReader(bundle)
    assert r.keys() == sorted(ARRAYS)
    for k, v in ARRAYS.items():
        got = r.get(k)
        assert got.shape == v.shape and got.dtype == v.dtype, k
        assert (got == v).all(), k
    assert r.dtype("s") is tf.string and r.shape("f32") == [2, 3]


def _flip(path, offset):
    data = bytearray(open(path, "rb").read())
    data[offset] ^= 0x40
    open(path, "wb").write(bytes(data))


def test_tampered_data_is_data_loss_not_a_wrong_value(bundle):
    _flip(data_path(bundle), 2)  # inside "b"/"c64"/... whichever comes first
    r = BundleReader(bundle)
    bad = 0
    for k in ARRAYS:
        try:
            r.get(k)
        except tf.errors.DataLossError as e:
            assert "Checksum does not match" in str(e) or "checksum" in str(e)
            bad += 1
    assert bad == 1


def test_truncated_data_and_index(bundle):
    size = os.path.getsize(data_path(bundle))
    with open(data_path(bundle), "r+b") as f:
        f.truncate(size - 3)
    r = BundleReader(bundle)
    with pytest.raises(tf.errors.DataLossError):
        for k in ARRAYS:
            r.get(k)
    with open(index_path(bundle), "r+b") as f:
        f.truncate(30)
    with pytest.raises(tf.errors.DataLossError, match="Unable to open table file"):
        BundleReader(bundle)


def test_tampered_index_block(bundle):
    _flip(index_path(bundle), 10)
    with pytest.raises(tf.errors.DataLossError, match="block checksum mismatch"):
        BundleReader(bundle)


def test_writes_leave_no_temporary_files(tmp_path):
    w = BundleWriter(str(tmp_path / "x"))
    w.add("a", np.ones(3))
    w.finish()
    assert sorted(os.listdir(tmp_path)) == ["x.data-00000-of-00001", "x.index"]

    w = BundleWriter(str(tmp_path / "y"))
    w.add("a", np.ones(3))
    w._chunks.append(None)  # writing fails half way
    with pytest.raises(TypeError):
        w.finish()
    assert sorted(os.listdir(tmp_path)) == ["x.data-00000-of-00001", "x.index"]
