"""The FlatBuffer writer and verifying reader; damaged files give clear errors, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

import tfedu as tf
from tests.lite import models
from tfedu.lite import flatbuffer

_CLEAR_ERRORS = (ValueError, RuntimeError)  # InvalidModelError is a ValueError, as in TF


@pytest.fixture(scope="module")
def content():
    return models.convert(models.cnn())


def test_round_trip_keeps_every_table(content):
    model = flatbuffer.read_model(content)
    again = flatbuffer.read_model(flatbuffer.write_model(model))
    assert again["version"] == 3 and again["description"] == model["description"]
    assert [t["name"] for t in again["subgraphs"][0]["tensors"]] == \
        [t["name"] for t in model["subgraphs"][0]["tensors"]]
    assert [b.get("data") for b in again["buffers"]] == [b.get("data") for b in model["buffers"]]
    assert again["subgraphs"][0]["operators"][0]["builtin_options"] == \
        model["subgraphs"][0]["operators"][0]["builtin_options"]


def test_weights_start_on_16_byte_boundaries(content):
    model = flatbuffer.read_model(content)
    found = [b["data"] for b in model["buffers"]
             if b.get("data") and b["data"][0] and content.count(b["data"]) == 1]
    assert len(found) >= 3
    for data in found:
        assert content.find(data) % 16 == 0


def _run(data: bytes):
    it = tf.lite.Interpreter(model_content=data)
    it.allocate_tensors()
    it.invoke()


def test_damaged_files_give_clear_errors(content):
    with pytest.raises(ValueError, match="not a valid Flatbuffer buffer"):
        tf.lite.Interpreter(model_content=b"hello world, not a model at all" * 3)
    with pytest.raises(ValueError, match="identifier"):
        tf.lite.Interpreter(model_content=content[:4] + b"XXXX" + content[8:])
    for end in range(0, len(content), 97):
        with pytest.raises(_CLEAR_ERRORS):
            _run(content[:end])


def test_random_byte_flips_never_crash(content):
    rng = np.random.default_rng(0)
    for _ in range(300):
        data = bytearray(content)
        for pos in rng.integers(0, len(data), size=rng.integers(1, 4)):
            data[pos] = int(rng.integers(0, 256))
        try:
            _run(bytes(data))
        except _CLEAR_ERRORS:
            pass


def test_huge_dilation_is_refused_not_allocated(content):
    """SAME padding of a dilation of 2^30 would pad the input to gigabytes: refused."""
    model = flatbuffer.read_model(content)
    model["subgraphs"][0]["operators"][0]["builtin_options"]["dilation_h_factor"] = 1 << 30
    with pytest.raises(RuntimeError, match="CONV_2D.*refusing to allocate"):
        _run(flatbuffer.write_model(model))


def test_overlapping_vectors_hit_the_work_budget():
    """A vector of 10^4 offsets all pointing at one huge table vector must not take forever."""
    reader = flatbuffer._Reader(b"\0" * 64)
    reader.budget = 100
    with pytest.raises(ValueError, match="overlap or repeat"):
        for _ in range(200):
            reader.spend(1)
