"""tfedu.hub: every handle form resolves to the shipped modules, offline; errors name the handle
and the cache directory; KerasLayer freezes and fine-tunes in Sequential and functional models,
and a fine-tuned model saves and reloads."""

import os
import shutil

import numpy as np
import pytest

import tfedu as tf
import tfedu.hub as hub
from tfedu.hub import catalogue, resolver

IMAGE, TEXT = "tfedu/digits_feature_vector/1", "tfedu/text_embedding_dim32/1"
TFHUB_URL = "https://tfhub.dev/tfedu/digits_feature_vector/1"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _images(n=6):
    return np.random.default_rng(0).uniform(size=(n, 8, 8, 1)).astype(np.float32)


def _inputs(handle):
    if handle == IMAGE:
        return _images()
    return tf.constant(["the cat sat on the mat", "stocks fell sharply today"])


def _handles(handle):
    """Every handle form naming a shipped module (the URLs after placing it in the cache)."""
    name = handle.split("/")[1]
    path = catalogue.module_path(handle)
    urls = [f"https://tfhub.dev/{handle}",
            f"https://www.kaggle.com/models/tfedu/{name.replace('_', '-')}/tensorFlow2/default/1"]
    for url in urls:
        shutil.copytree(path, resolver.cache_path(url))
    return [handle, name, handle + "/", path, "file://" + path] + urls


@pytest.mark.parametrize("module", [IMAGE, TEXT])
def test_every_handle_form_loads_the_same_module(cache, module):
    want = hub.load(module)(_inputs(module)).numpy()
    for handle in _handles(module):
        assert os.path.isfile(os.path.join(hub.resolve(handle), "saved_model.pb")), handle
        np.testing.assert_allclose(hub.load(handle)(_inputs(module)).numpy(), want, rtol=1e-6)
    url = f"https://tfhub.dev/{module}"
    assert hub.resolve(url) == str(cache / resolver.cache_path(url).split(os.sep)[-1])


@pytest.mark.parametrize("handle", ["no_such_module", "/no/such/dir", "file:///no/such/dir"])
def test_unknown_handle_names_handle_and_cache(cache, handle):
    with pytest.raises(OSError) as err:
        hub.load(handle)
    assert handle in str(err.value)
    if not handle.startswith("file://"):
        assert str(cache) in str(err.value)


def test_unreachable_url_says_where_to_put_the_files(cache):
    with pytest.raises(OSError) as err:
        hub.KerasLayer(TFHUB_URL)
    msg = str(err.value)
    assert TFHUB_URL in msg and resolver.cache_path(TFHUB_URL) in msg and "TFHUB_CACHE_DIR" in msg


def test_bad_handle_type():
    with pytest.raises(OSError, match="non-empty string"):
        hub.resolve("")


def test_list_modules_describes_each_module():
    mods = hub.list_modules()
    assert set(mods) == {IMAGE, TEXT}
    for handle, info in mods.items():
        assert {"input_shape", "output_shape", "description", "size_bytes"} <= set(info)
        assert 0 < info["size_bytes"] < 1_000_000, handle  # ships in the wheel
        assert os.path.isfile(info["model_card"])
        assert hub.load(handle) is not None
    assert mods[IMAGE]["output_shape"] == [None, 64] and mods[TEXT]["output_shape"] == [None, 32]


def test_text_embedding_by_name_and_signature():
    embed = hub.load("text_embedding_dim32")
    out = embed(tf.constant(["The cat sleeps.", "unknownword", ""])).numpy()
    assert out.shape == (3, 32) and np.all(out[1:] == 0) and np.any(out[0] != 0)
    layer = hub.KerasLayer(TEXT, signature="serving_default", output_key="default")
    np.testing.assert_allclose(layer(tf.constant(["The cat sleeps."])).numpy(), out[:1], rtol=1e-5)


def _classifier(layer, functional=False):
    if functional:
        inputs = tf.keras.Input((8, 8, 1))
        return tf.keras.Model(inputs, tf.keras.layers.Dense(3)(layer(inputs)))
    return tf.keras.Sequential([tf.keras.Input((8, 8, 1)), layer, tf.keras.layers.Dense(3)])


def _fit(model, epochs=2):
    x, y = _images(12), np.arange(12) % 3
    model.compile(tf.keras.optimizers.Adam(1e-2),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model.fit(x, y, epochs=epochs, batch_size=6, verbose=0)


@pytest.mark.parametrize("functional", [False, True])
def test_frozen_layer_keeps_module_weights(functional):
    tf.keras.utils.set_random_seed(0)
    layer = hub.KerasLayer(IMAGE, trainable=False)
    model = _classifier(layer, functional)
    before = [w.numpy().copy() for w in layer.weights]
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 8
    _fit(model)
    for b, w in zip(before, layer.weights):
        np.testing.assert_array_equal(b, w.numpy())


@pytest.mark.parametrize("functional", [False, True])
def test_fine_tuning_trains_module_weights(functional):
    tf.keras.utils.set_random_seed(0)
    layer = hub.KerasLayer(IMAGE, trainable=True)
    model = _classifier(layer, functional)
    assert len(layer.trainable_weights) == 8
    before = [w.numpy().copy() for w in layer.trainable_weights]
    _fit(model)
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, layer.trainable_weights))


def test_fine_tuned_model_saves_and_reloads(tmp_path):
    tf.keras.utils.set_random_seed(0)
    model = _classifier(hub.KerasLayer(IMAGE, trainable=True))
    _fit(model, epochs=1)
    want = model(_images()).numpy()
    model.save(tmp_path / "tuned.keras")
    again = tf.keras.models.load_model(tmp_path / "tuned.keras")
    np.testing.assert_allclose(again(_images()).numpy(), want, rtol=1e-5, atol=1e-6)
    tf.saved_model.save(model, str(tmp_path / "sm"))
    served = tf.saved_model.load(str(tmp_path / "sm"))
    out = served.signatures["serving_default"](tf.constant(_images()))
    np.testing.assert_allclose(next(iter(out.values())).numpy(), want, rtol=1e-5, atol=1e-6)


def test_fine_tuned_model_exports_as_a_module(tmp_path):
    """A fine-tuned model is itself a hub module: export it, load it back by its directory."""
    tf.keras.utils.set_random_seed(0)
    model = _classifier(hub.KerasLayer(IMAGE, trainable=True))
    _fit(model, epochs=1)
    hub.export_module(model, str(tmp_path / "mine"))
    again = hub.KerasLayer("file://" + str(tmp_path / "mine"))
    np.testing.assert_allclose(again(_images()).numpy(), model(_images()).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_fine_tuned_module_weights_are_in_checkpoints(tmp_path):
    tf.keras.utils.set_random_seed(0)
    layer = hub.KerasLayer(IMAGE, trainable=True)
    model = _classifier(layer)
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "ckpt"))
    first = layer.trainable_weights[0]
    saved = first.numpy().copy()
    first.assign(np.zeros(first.shape, np.float32))
    tf.train.Checkpoint(model=model).read(path).assert_consumed()
    np.testing.assert_array_equal(first.numpy(), saved)


def test_module_is_one_call_block_in_the_graph():
    """In a tf.function the module is one call op whose body is a subgraph: the viewer draws
    it as one block that expands."""
    from tfedu.viz.graph_view import graph_payload

    model = _classifier(hub.KerasLayer(IMAGE))
    fn = tf.function(lambda x: model(x))
    payload = graph_payload(fn.get_concrete_function(tf.TensorSpec([None, 8, 8, 1])))
    calls = [n for n in payload["nodes"] if n["type"] == "StatefulPartitionedCall"]
    assert len(calls) == 1 and not any(n["type"] == "Conv2D" for n in payload["nodes"])
    body = payload["subgraphs"][calls[0]["attrs"]["f"]]
    assert sum(n["type"] == "Conv2D" for n in body["nodes"]) == 3
