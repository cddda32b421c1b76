"""tfedu.js: the TensorFlow.js layers format (spec/deploy.md section 4) and loading it back."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tfedu as tf
import tfedu.js as tfjs
from tests.lite import models

L = tf.keras.layers


def _doc(path):
    with open(os.path.join(path, "model.json")) as f:
        return json.load(f)


def test_sequential_export_is_keras2_json_with_a_manifest(tmp_path):
    model = models.cnn()
    tfjs.converters.save_keras_model(model, str(tmp_path))
    doc = _doc(tmp_path)
    assert doc["format"] == "layers-model"
    config = doc["modelTopology"]["model_config"]
    assert config["class_name"] == "Sequential"
    first = config["config"]["layers"][0]
    assert first["class_name"] == "InputLayer"
    assert first["config"]["batch_input_shape"] == [None, 8, 8, 1]
    assert all(isinstance(layer["config"].get("dtype", "float32"), str)
               for layer in config["config"]["layers"])
    names = [w["name"] for w in doc["weightsManifest"][0]["weights"]]
    conv, norm, _, depthwise = model.layers[:4]  # names depend on the layers made before
    assert names[0] == f"{conv.name}/kernel" and f"{depthwise.name}/depthwise_kernel" in names
    assert f"{norm.name}/moving_variance" in names
    assert sorted(os.listdir(tmp_path)) == ["group1-shard1of1.bin", "model.json"]


def test_shards_are_equal_except_a_shorter_last_one(tmp_path):
    tfjs.save_keras_model(models.mlp(), str(tmp_path), weight_shard_size_bytes=4000)
    paths = _doc(tmp_path)["weightsManifest"][0]["paths"]
    sizes = [os.path.getsize(tmp_path / p) for p in paths]
    total = sum(4 * np.prod(w.shape) for w in models.mlp().weights)
    assert paths[0] == f"group1-shard1of{len(paths)}.bin" and sum(sizes) == total
    assert set(sizes[:-1]) == {4000} and sizes[-1] <= 4000


def test_round_trip_and_quantisation(tmp_path):
    x = models.inputs((8, 8, 1))
    want = models.cnn()(x).numpy()
    for dtype, tolerance in (("none", 1e-6), ("float16", 1e-3), ("uint16", 1e-3),
                             ("uint8", 5e-2)):
        out = tmp_path / dtype
        qmap = None if dtype == "none" else {dtype: "*"}
        tfjs.save_keras_model(models.cnn(), str(out), quantization_dtype_map=qmap)
        loaded = tfjs.load_keras_model(str(out / "model.json"))
        np.testing.assert_allclose(loaded(x).numpy(), want, atol=tolerance, err_msg=dtype)
        spec = _doc(out)["weightsManifest"][0]["weights"][0]
        assert spec.get("quantization", {}).get("dtype", "none") == dtype


def test_functional_model_keeps_keras2_inbound_nodes(tmp_path):
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,), name="b")
    model = tf.keras.Model([a, b], L.Concatenate()([L.Dense(5)(a), b]))
    tfjs.save_keras_model(model, str(tmp_path))
    config = _doc(tmp_path)["modelTopology"]["model_config"]
    assert config["class_name"] == "Functional"
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    concat = config["config"]["layers"][-1]
    assert concat["inbound_nodes"][0][1] == ["b", 0, 0, {}]
    loaded = tfjs.load_keras_model(str(tmp_path / "model.json"))
    xs = [models.inputs((4,)), models.inputs((3,))]
    np.testing.assert_allclose(loaded(xs).numpy(), model(xs).numpy(), atol=1e-6)


def test_what_tfjs_cannot_load_is_refused_at_export(tmp_path):
    gru = tf.keras.Sequential([tf.keras.Input((5, 2)), L.GRU(3)])
    with pytest.raises(ValueError, match=r"GRU\(reset_after=False\) only"):
        tfjs.save_keras_model(gru, str(tmp_path / "gru"))
    lam = tf.keras.Sequential([tf.keras.Input((2,)), L.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="TensorFlow.js has no layer 'Lambda'"):
        tfjs.save_keras_model(lam, str(tmp_path / "lambda"))
    assert not os.path.exists(tmp_path / "gru" / "model.json")
    hard = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(2, activation="hard_sigmoid")])
    with pytest.raises(ValueError, match="Keras 3's hard_sigmoid"):
        tfjs.save_keras_model(hard, str(tmp_path / "hard"))


def test_keras2_hard_sigmoid_loads_as_tfjs_computes_it_and_exports_back(tmp_path):
    """TF.js's LSTM/GRU default to Keras 2's hard sigmoid, clip(0.2 x + 0.5)."""
    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(2, activation="relu")])
    tfjs.save_keras_model(model, str(tmp_path))
    doc = _doc(tmp_path)
    doc["modelTopology"]["model_config"]["config"]["layers"][1]["config"].update(
        activation="hard_sigmoid", implementation=None)
    (tmp_path / "model.json").write_text(json.dumps(doc))
    loaded = tfjs.load_keras_model(str(tmp_path / "model.json"))
    x = np.array([[4.0, -1.0], [0.5, 0.25]], "float32")
    logits = x @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    np.testing.assert_allclose(loaded(x).numpy(), np.clip(0.2 * logits + 0.5, 0, 1), atol=1e-6)
    tfjs.save_keras_model(loaded, str(tmp_path / "again"))
    layer = _doc(tmp_path / "again")["modelTopology"]["model_config"]["config"]["layers"][1]
    assert layer["config"]["activation"] == "hard_sigmoid"


def _corrupt(tmp_path, edit):
    out = tmp_path / "m"
    tfjs.save_keras_model(models.mlp(), str(out))
    doc = _doc(out)
    text = edit(doc, out)
    (out / "model.json").write_text(text if isinstance(text, str) else json.dumps(doc))
    return str(out / "model.json")


@pytest.mark.parametrize("edit, message", [
    (lambda d, o: '{"modelTopology": ', "not valid JSON"),
    (lambda d, o: "[1, 2]", "no modelTopology"),
    (lambda d, o: d.update(modelTopology={"class_name": "Nope"}), "not a Keras model config"),
    (lambda d, o: d["weightsManifest"][0].update(paths=["../../etc/passwd"]), "outside"),
    (lambda d, o: d["weightsManifest"][0].update(paths=["missing.bin"]), "Cannot read weight"),
    (lambda d, o: d["weightsManifest"][0]["weights"][0].update(shape=[64, 6400]),
     "weight files hold"),
    (lambda d, o: d["weightsManifest"][0]["weights"][0].update(shape=[-1]), "invalid shape"),
    (lambda d, o: d["weightsManifest"][0]["weights"][0].update(name="x/y"), "are not set"),
    (lambda d, o: d["weightsManifest"][0]["weights"][0].update(
        quantization={"dtype": "int4"}), "unknown quantization"),
    (lambda d, o: d.update(weightsManifest={"a": 1}), "must be a list"),
])
def test_malformed_model_json_gives_a_clear_error(tmp_path, edit, message):
    path = _corrupt(tmp_path, edit)
    with pytest.raises(ValueError, match=message):
        tfjs.load_keras_model(path)


def _leaves(node, path=()):
    """(path, value) of every number, string and null in a JSON document."""
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, path + (k,))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, path + (i,))]
    return [(path, node)]


def _set(doc, path, value):
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def test_mutated_model_json_loads_or_gives_a_clear_error(tmp_path):
    """Any value of model.json replaced (huge, negative, wrong type): a model or a ValueError."""
    out = tmp_path / "m"
    tfjs.save_keras_model(models.cnn(), str(out))
    original = _doc(out)
    leaves = _leaves(original)
    rng = np.random.default_rng(0)
    odd = [10**12, -3, 0, 2.5, "x", None, [], {}, True, 10**400]
    for _ in range(120):
        doc = json.loads(json.dumps(original))
        for i in rng.choice(len(leaves), size=rng.integers(1, 3), replace=False):
            _set(doc, leaves[i][0], odd[rng.integers(len(odd))])
        (out / "model.json").write_text(json.dumps(doc))
        try:
            tfjs.load_keras_model(str(out / "model.json"))
        except ValueError:
            pass


def test_keras2_cell_weight_names_load_as_tfjs_loads_them(tmp_path):
    """tensorflowjs's converter names Keras 2 RNN weights through the cell: lstm/lstm_cell/kernel."""
    model = tf.keras.Sequential([tf.keras.Input((5,), dtype="int32"), L.Embedding(20, 4),
                                 L.LSTM(3)])
    tfjs.save_keras_model(model, str(tmp_path))
    doc = _doc(tmp_path)
    lstm = model.layers[-1].name
    for w in doc["weightsManifest"][0]["weights"]:
        w["name"] = w["name"].replace(f"{lstm}/", f"{lstm}/lstm_cell/")
    assert any("/lstm_cell/" in w["name"] for w in doc["weightsManifest"][0]["weights"])
    (tmp_path / "model.json").write_text(json.dumps(doc))
    x = np.array([[1, 2, 3, 4, 5]], "int32")
    loaded = tfjs.load_keras_model(str(tmp_path / "model.json"))
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-6)
