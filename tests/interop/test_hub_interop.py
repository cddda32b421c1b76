"""tfedu's hub modules in real TensorFlow and tensorflow_hub, and TensorFlow's in tfedu.

One TensorFlow process: it loads tfedu's shipped modules with `tf.saved_model.load` and
`tensorflow_hub.load`, finds one by its TF Hub URL in a cache tfedu filled (same SHA-1 naming),
fine-tunes it as a `hub.KerasLayer` in a tf_keras model, runs a tfedu model fine-tuned around
a hub layer (SavedModel), and saves a Reusable SavedModel of its
own (a `__call__` without `training`, a regularization loss), which tfedu then loads, calls and
fine-tunes."""

import json
import shutil

import numpy as np
import pytest

import tfedu as tf
import tfedu.hub as hub
from tfedu.hub import catalogue, resolver

URL = "https://tfhub.dev/tfedu/digits_feature_vector/1"
SENTENCES = ["the hungry fox hunts a rabbit", "a comet drifts near the planet", "zzz", ""]

TF_SCRIPT = r"""
import json, os, sys, numpy as np, tensorflow as tf
d, image_dir, text_dir, url = ARGS
img = np.load(os.path.join(d, "img.npy"))
texts = tf.constant(json.load(open(os.path.join(d, "texts.json"))))
out = {}

def describe(m, arg):
    return {"call": m(arg).numpy().tolist(),
            "serving": {k: v.numpy().tolist()
                        for k, v in m.signatures["serving_default"](inputs=arg).items()},
            "variables": len(m.variables), "trainable": len(m.trainable_variables),
            "regularization_losses": len(m.regularization_losses)}

out["image"] = describe(tf.saved_model.load(image_dir), tf.constant(img))
out["image"]["training"] = tf.saved_model.load(image_dir)(img, training=True).numpy().tolist()
out["text"] = describe(tf.saved_model.load(text_dir), texts)

try:
    import tensorflow_hub as hub, tf_keras
except ImportError as e:
    out["no_hub"] = repr(e)
else:
    out["hub_version"] = hub.__version__
    out["resolved"] = hub.resolve(url)
    out["hub_text"] = hub.load(text_dir)(texts).numpy().tolist()
    layer = hub.KerasLayer(url, trainable=True)
    model = tf_keras.Sequential([tf_keras.Input((8, 8, 1)), layer, tf_keras.layers.Dense(3)])
    model.compile(tf_keras.optimizers.Adam(1e-2),
                  tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.fit(img, np.arange(len(img)) % 3, epochs=2, verbose=0)
    out["hub_trainable"] = len(layer.trainable_weights)
    out["hub_changed"] = sum(not np.array_equal(b, w.numpy())
                             for b, w in zip(before, layer.trainable_weights))

tuned = tf.saved_model.load(os.path.join(d, "tfedu_tuned"))
sig = tuned.signatures["serving_default"]
got = sig(**{next(iter(sig.structured_input_signature[1])): tf.constant(img)})
out["tfedu_tuned"] = next(iter(got.values())).numpy().tolist()

class Reusable(tf.train.Checkpoint):
    # TF Hub's documented form of a Reusable SavedModel
    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.w = tf.Variable(rng.normal(size=(64, 4)).astype(np.float32), name="w")
        self.b = tf.Variable(np.linspace(-1, 1, 4, dtype=np.float32), name="b")
        self.variables = [self.w, self.b]
        self.trainable_variables = [self.w, self.b]
        self.regularization_losses = [
            tf.function(input_signature=[])(lambda: 0.01 * tf.reduce_sum(tf.square(self.w)))]

    @tf.function(input_signature=[tf.TensorSpec([None, 64], tf.float32)])
    def __call__(self, inputs):
        return tf.nn.relu(tf.matmul(inputs, self.w) + self.b)

r = Reusable()
tf.saved_model.save(r, os.path.join(d, "tf_reusable"))
feats = np.linspace(-1, 1, 3 * 64, dtype=np.float32).reshape(3, 64)
np.save(os.path.join(d, "feats.npy"), feats)
out["tf_reusable"] = r(feats).numpy().tolist()
out["tf_reusable_loss"] = float(r.regularization_losses[0]())
print(json.dumps(out))
"""


def _images():
    return np.random.default_rng(1).uniform(size=(6, 8, 8, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("hub_interop")
    np.save(d / "img.npy", _images())
    (d / "texts.json").write_text(json.dumps(SENTENCES))
    cache = d / "cache"
    image_dir, text_dir = (catalogue.module_path(n) for n in ("digits_feature_vector",
                                                              "text_embedding_dim32"))
    shutil.copytree(image_dir, cache / resolver.cache_path(URL).rsplit("/", 1)[-1])
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), hub.KerasLayer("digits_feature_vector", trainable=True),
                                 tf.keras.layers.Dense(3)])
    model.compile(tf.keras.optimizers.Adam(1e-2),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(_images(), np.arange(6) % 3, epochs=1, verbose=0)
    tf.saved_model.save(model, str(d / "tfedu_tuned"))
    np.save(d / "tuned.npy", model(_images()).numpy())
    args = repr((str(d), image_dir, text_dir, URL))
    out = tf_side.run_tf_json(TF_SCRIPT.replace("ARGS", args), env={"TFHUB_CACHE_DIR": str(cache)})
    return d, cache, out


def test_tensorflow_loads_tfedu_image_module(exchange):
    _, _, out = exchange
    m = hub.load("digits_feature_vector")
    want = m(tf.constant(_images())).numpy()
    np.testing.assert_allclose(out["image"]["call"], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["image"]["training"], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["image"]["serving"]["feature_vector"], want, rtol=1e-5,
                               atol=1e-6)
    assert (out["image"]["variables"], out["image"]["trainable"]) == (8, 8)
    assert out["image"]["regularization_losses"] == 0


def test_tensorflow_loads_tfedu_text_module(exchange):
    _, _, out = exchange
    want = hub.load("text_embedding_dim32")(tf.constant(SENTENCES)).numpy()
    np.testing.assert_allclose(out["text"]["call"], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["text"]["serving"]["default"], want, rtol=1e-5, atol=1e-6)


def test_tensorflow_runs_a_fine_tuned_tfedu_model_holding_a_hub_layer(exchange):
    d, _, out = exchange
    np.testing.assert_allclose(out["tfedu_tuned"], np.load(d / "tuned.npy"), rtol=1e-5,
                               atol=1e-5)


def test_tensorflow_hub_resolves_and_fine_tunes_tfedu_module(exchange, monkeypatch):
    _, cache, out = exchange
    if "no_hub" in out:
        pytest.skip(f"tensorflow_hub is not in the side environment: {out['no_hub']}")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(cache))
    assert out["resolved"] == hub.resolve(URL)  # the same cache directory, named the same way
    np.testing.assert_allclose(out["hub_text"], out["text"]["call"], rtol=1e-6)
    assert out["hub_trainable"] == 8 and out["hub_changed"] == 8


def test_tfedu_loads_and_fine_tunes_a_tensorflow_module(exchange):
    d, _, out = exchange
    feats = np.load(d / "feats.npy")
    module = hub.load(str(d / "tf_reusable"))
    np.testing.assert_allclose(module(tf.constant(feats)).numpy(), out["tf_reusable"], rtol=1e-5,
                               atol=1e-6)
    layer = hub.KerasLayer("file://" + str(d / "tf_reusable"), trainable=True)
    np.testing.assert_allclose(layer(tf.constant(feats)).numpy(), out["tf_reusable"], rtol=1e-5,
                               atol=1e-6)
    assert [float(x) for x in layer.losses] == pytest.approx([out["tf_reusable_loss"]], rel=1e-5)
    model = tf.keras.Sequential([tf.keras.Input((64,)), layer, tf.keras.layers.Dense(2)])
    model.compile(tf.keras.optimizers.Adam(1e-2),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.fit(feats, np.array([0, 1, 0]), epochs=2, verbose=0)
    assert len(before) == 2
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, layer.trainable_weights))
