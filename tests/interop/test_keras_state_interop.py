"""Keras models and optimizers in checkpoints and SavedModels, both ways with real Keras 3.

Same architectures on both sides (`keras_models.py`): dense, convolutional (with batch and
layer normalization), recurrent (embedding, bidirectional LSTM, SimpleRNN, GRU) and subclassed.
tfedu's checkpoints restore into Keras models (optimizer slots included, restored when the
optimizer builds them) and the reverse; tfedu's exported models serve the same predictions in
TensorFlow (`tf.saved_model.load`, `keras.layers.TFSMLayer`), and a Keras export serves in
tfedu's TFSMLayer. One TensorFlow process for the module."""

import json
import os

import numpy as np
import pytest

import tfedu as tf
from tests.interop import keras_models as km
from tfedu import keras

TF_SCRIPT = r"""
import json, os, sys, numpy as np, tensorflow as tf, keras
d, here = sys.argv[1], sys.argv[2]
sys.path.insert(0, here)
import keras_models as km
out = {}

def compiled(m):
    opt = keras.optimizers.Adam(0.01)
    m.compile(opt, "mse")
    return opt

# 1. tfedu's checkpoints restored into Keras models built in TF
for name, build in km.BUILDERS.items():
    m = build(keras)
    opt = compiled(m) if name == "sequential" else None
    ckpt = tf.train.Checkpoint(model=m, **({"optimizer": opt} if opt else {}))
    ckpt.read(os.path.join(d, "tfedu_" + name)).assert_existing_objects_matched()
    if opt is not None:
        opt.build(m.trainable_variables)  # slots appear now: their saved values are restored
        np.savez(os.path.join(d, "tf_restored_opt.npz"), *[v.numpy() for v in opt.variables])
    np.savez(os.path.join(d, "tf_restored_" + name + ".npz"), *m.get_weights())
    np.save(os.path.join(d, "tf_pred_" + name + ".npy"), m.predict(km.INPUTS[name], verbose=0))

# 2. Keras writes checkpoints (the dense model after two Adam steps)
for name, build in km.BUILDERS.items():
    keras.utils.set_random_seed(7)
    m = build(keras)
    km.set_known_weights(m, 3)
    extra = {}
    if name == "sequential":
        opt = compiled(m)
        m.fit(km.INPUTS[name], km.TARGETS, batch_size=3, epochs=1, verbose=0, shuffle=False)
        extra = {"optimizer": opt}
        np.savez(os.path.join(d, "keras_opt.npz"), *[v.numpy() for v in opt.variables])
    tf.train.Checkpoint(model=m, **extra).write(os.path.join(d, "keras_" + name))
    np.savez(os.path.join(d, "keras_weights_" + name + ".npz"), *m.get_weights())
    if name in ("recurrent", "convolutional"):
        m.export(os.path.join(d, "keras_export_" + name), verbose=False)
        np.save(os.path.join(d, "keras_pred_" + name + ".npy"),
                m.predict(km.INPUTS[name], verbose=0))

# 3. tfedu's SavedModels served by TensorFlow
x = km.INPUTS["sequential"]
exp = tf.saved_model.load(os.path.join(d, "tfedu_export"))
out["signatures"] = sorted(exp.signatures)
out["serve"] = exp.serve(x).numpy().tolist()
out["serving_default"] = {k: v.numpy().tolist() for k, v in
                          exp.signatures["serving_default"](feat=tf.constant(x)).items()}
out["tfsm"] = keras.layers.TFSMLayer(os.path.join(d, "tfedu_export"))(x).numpy().tolist()
conv = tf.saved_model.load(os.path.join(d, "tfedu_saved_conv"))
sig = conv.signatures["serving_default"]
out["conv_keys"] = sorted(sig.structured_input_signature[1])
out["conv"] = sig(inputs=tf.constant(km.INPUTS["convolutional"]))["output_0"].numpy().tolist()

# 4. a compiled, trained model saved whole: TF serves it; TF's own save tracks the same variables
trained = tf.saved_model.load(os.path.join(d, "tfedu_saved_trained"))
sig = trained.signatures["serving_default"]
out["trained_keys"] = sorted(sig.structured_input_signature[1])
out["trained"] = sig(inputs=tf.constant(x))["output_0"].numpy().tolist()
out["trained_vars"] = sorted(n for n, _ in tf.train.list_variables(
    os.path.join(d, "tfedu_saved_trained", "variables", "variables")))
m = km.sequential(keras)
m.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
m.fit(x, np.arange(len(x)) % 3, batch_size=2, epochs=2, verbose=0)
tf.saved_model.save(m, os.path.join(d, "tf_saved_trained"))
out["tf_trained_vars"] = sorted(n for n, _ in tf.train.list_variables(
    os.path.join(d, "tf_saved_trained", "variables", "variables")))
print(json.dumps(out))
"""


def _compiled(m):
    opt = keras.optimizers.Adam(0.01)
    m.compile(opt, "mse")
    return opt


def _save_trained(path):
    """A Sequential compiled with metrics and fitted, then saved whole (its optimizer's
    variables are captured by the traced training step: they must be tracked)."""
    m = km.sequential(keras)
    m.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    x = km.INPUTS["sequential"]
    m.fit(x, np.arange(len(x)) % 3, batch_size=2, epochs=2, verbose=0)
    tf.saved_model.save(m, str(path))
    return m


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("keras_interop")
    ours = {}
    for name, build in km.BUILDERS.items():
        m = build(keras)
        km.set_known_weights(m, 1)
        extra = {}
        if name == "sequential":
            opt = _compiled(m)
            m.fit(km.INPUTS[name], km.TARGETS, batch_size=3, epochs=1, verbose=0, shuffle=False)
            extra = {"optimizer": opt}
            ours["opt"] = [v.numpy() for v in opt.variables]
        tf.train.Checkpoint(model=m, **extra).write(str(d / f"tfedu_{name}"))
        ours[name] = m
    ours["sequential"].export(str(d / "tfedu_export"), verbose=False)
    tf.saved_model.save(ours["convolutional"], str(d / "tfedu_saved_conv"))
    ours["trained"] = _save_trained(d / "tfedu_saved_trained")
    here = os.path.dirname(os.path.abspath(km.__file__))
    script = TF_SCRIPT.replace("sys.argv[1], sys.argv[2]", f"{str(d)!r}, {here!r}")
    proc = tf_side.run_tf(script)
    return d, ours, json.loads(proc.stdout.strip().splitlines()[-1])


def _npz(path):
    with np.load(path, allow_pickle=False) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]


@pytest.mark.parametrize("name", list(km.BUILDERS))
def test_keras_restores_tfedu_checkpoint(exchange, name):
    d, ours, _ = exchange
    restored = _npz(d / f"tf_restored_{name}.npz")
    mine = ours[name].get_weights()
    assert len(restored) == len(mine)
    for a, b in zip(restored, mine):
        np.testing.assert_array_equal(a, b)
    pred = np.load(d / f"tf_pred_{name}.npy")
    np.testing.assert_allclose(pred, ours[name].predict(km.INPUTS[name], verbose=0), rtol=2e-5,
                               atol=2e-6)


def test_keras_restores_tfedu_optimizer_slots(exchange):
    d, ours, _ = exchange
    restored = _npz(d / "tf_restored_opt.npz")
    assert len(restored) == len(ours["opt"]) == 10
    for a, b in zip(restored, ours["opt"]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(km.BUILDERS))
def test_tfedu_restores_keras_checkpoint(exchange, name):
    d, _, _ = exchange
    m = km.BUILDERS[name](keras)
    extra = {}
    if name == "sequential":
        opt = _compiled(m)
        extra = {"optimizer": opt}
    status = tf.train.Checkpoint(model=m, **extra).read(str(d / f"keras_{name}"))
    status.assert_existing_objects_matched()
    for a, b in zip(m.get_weights(), _npz(d / f"keras_weights_{name}.npz")):
        np.testing.assert_array_equal(a, b)
    if extra:
        opt.build(m.trainable_variables)  # deferred: the slots get Keras's values now
        for a, b in zip([v.numpy() for v in opt.variables], _npz(d / "keras_opt.npz")):
            np.testing.assert_array_equal(a, b)


def test_tensorflow_serves_tfedu_export(exchange):
    _, ours, out = exchange
    want = ours["sequential"].predict(km.INPUTS["sequential"], verbose=0)
    assert out["signatures"] == ["serve", "serving_default"]
    np.testing.assert_allclose(out["serve"], want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out["serving_default"]["output_0"], want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out["tfsm"], want, rtol=1e-5, atol=1e-7)
    assert out["conv_keys"] == ["inputs"]
    np.testing.assert_allclose(out["conv"], ours["convolutional"].predict(
        km.INPUTS["convolutional"], verbose=0), rtol=1e-4, atol=1e-5)


def test_trained_model_saved_whole_serves_in_tensorflow_and_tfedu_serving(exchange):
    d, ours, out = exchange
    x = km.INPUTS["sequential"]
    want = ours["trained"].predict(x, verbose=0)
    assert out["trained_keys"] == ["inputs"]
    np.testing.assert_allclose(out["trained"], want, rtol=1e-5, atol=1e-7)
    assert out["trained_vars"] == out["tf_trained_vars"]  # the optimizer's, as TF saves them
    assert "optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE" in out["trained_vars"]
    import requests

    from tfedu.serving import serve

    with serve(str(d / "tfedu_saved_trained"), name="trained") as server:
        answer = requests.post(server.predict_url, json={"instances": x.tolist()}, timeout=60)
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(answer.json()["predictions"], want, rtol=1e-5, atol=1e-6)


def test_tfsmlayer_serves_keras_export(exchange):
    d, _, _ = exchange
    layer = keras.layers.TFSMLayer(str(d / "keras_export_convolutional"))
    got = layer(km.INPUTS["convolutional"])
    np.testing.assert_allclose(got.numpy(), np.load(d / "keras_pred_convolutional.npy"),
                               rtol=1e-4, atol=1e-5)
    assert len(layer.weights) == 14
    wrapped = keras.Sequential([keras.Input((6, 6, 1)), layer, keras.layers.Activation("relu")])
    np.testing.assert_allclose(wrapped(km.INPUTS["convolutional"]).numpy(),
                               np.maximum(got.numpy(), 0))


def test_keras_recurrent_export_runs_in_tfedu(exchange):
    d, _, _ = exchange
    # Keras's recurrent layers export as functional While loops over TensorLists
    loaded = tf.saved_model.load(str(d / "keras_export_recurrent"))
    got = loaded.serve(tf.constant(km.INPUTS["recurrent"]))
    np.testing.assert_allclose(got.numpy(), np.load(d / "keras_pred_recurrent.npy"),
                               rtol=1e-4, atol=1e-5)
