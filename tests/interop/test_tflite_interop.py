"""tfedu's .tflite files in the real LiteRT runtime, and TF's converter's files in tfedu's.

One TensorFlow side process does everything TF has to do: it runs each file tfedu wrote in
`ai_edge_litert`, and converts its own Keras MLP and CNN in every quantisation mode (saving the
files, the inputs and LiteRT's outputs). Float results must agree to 1e-5; int8 results to one
step of the output's int8 grid (the measured quantisation error is printed with -rA).
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import tfedu as tf
from tests.lite import models

MODES = ("float", "dynamic", "int8", "int8io", "float16")
SHAPES = {"mlp": (64,), "cnn": (8, 8, 1)}

_TF_SCRIPT = r"""
import glob, json, os, sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter

root = %(root)r

def run(path, x):
    it = Interpreter(model_path=path)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], x.shape)
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])

for path in sorted(glob.glob(os.path.join(root, "tfedu_*.tflite"))):
    x = np.load(path[:-7] + ".x.npy")
    np.save(path[:-7] + ".litert.npy", run(path, x))

for path in sorted(glob.glob(os.path.join(root, "sig_*.tflite"))):
    data = np.load(path[:-7] + ".npz")
    it = Interpreter(model_path=path)
    names = it.get_signature_list()["serving_default"]["inputs"]
    xs = [data[f"arr_{i}"] for i in range(len(names))]
    np.save(path[:-7] + ".litert.npy", it.get_signature_runner()(**dict(zip(names, xs)))["output_0"])

import tensorflow as tf
keras = tf.keras
tf.keras.utils.set_random_seed(0)
L = keras.layers
built = {
    "mlp": keras.Sequential([keras.Input((64,)), L.Dense(64, activation="relu"),
                             L.Dense(10, activation="softmax")]),
    "cnn": keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(8, 3, padding="same"),
                             L.BatchNormalization(), L.Activation("relu"),
                             L.DepthwiseConv2D(3, depth_multiplier=2), L.MaxPooling2D(),
                             L.Flatten(), L.Dense(10, activation="softmax")]),
}
rng = np.random.default_rng(0)
%(convert)s
for name, model in built.items():
    shape = model.input_shape[1:]
    x = rng.normal(size=(3,) + shape).astype("float32")
    for mode in %(modes)r:
        path = os.path.join(root, f"tf_{name}_{mode}.tflite")
        open(path, "wb").write(convert(model, mode, shape))
        it = Interpreter(model_path=path)
        d = it.get_input_details()[0]
        xi = x
        if d["dtype"] == np.int8:
            s, z = d["quantization"]
            xi = np.clip(np.round(x / s + z), -128, 127).astype(np.int8)
        np.save(path[:-7] + ".x.npy", xi)
        np.save(path[:-7] + ".litert.npy", run(path, xi))
print(json.dumps(sorted(os.listdir(root))))
"""


def _quantised_input(content: bytes, x: np.ndarray) -> np.ndarray:
    d = tf.lite.Interpreter(model_content=content).get_input_details()[0]
    if d["dtype"] != np.int8:
        return x
    scale, zero = d["quantization"]
    return np.clip(np.round(x / scale + zero), -128, 127).astype(np.int8)


def _run_raw(path, x):
    it = tf.lite.Interpreter(model_path=str(path))
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], x.shape)
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    out = it.get_output_details()[0]
    return it.get_tensor(out["index"]), out["quantization"][0]


@pytest.fixture(scope="module")
def exchanged(tf_side, tmp_path_factory):
    root = tmp_path_factory.mktemp("tflite")
    builders = {"mlp": models.mlp, "cnn": models.cnn}
    for name, build in builders.items():
        x = models.inputs(SHAPES[name])
        for mode in MODES:
            content = models.convert(build(), mode, SHAPES[name])
            (root / f"tfedu_{name}_{mode}.tflite").write_bytes(content)
            np.save(root / f"tfedu_{name}_{mode}.x.npy", _quantised_input(content, x))
    for i, (model, xs) in enumerate(models.recurrent_and_merge()):
        (root / f"sig_{i}.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(
            model).convert())
        np.savez(root / f"sig_{i}.npz", *xs, want=model(xs if len(xs) > 1 else xs[0]).numpy())
    # the converter calls of tests/lite/models.py, run by TensorFlow's own tf.lite
    shared = "\n\n".join(inspect.getsource(f) for f in (models.representative, models.convert))
    out = tf_side.run_tf(_TF_SCRIPT % {"modes": MODES, "root": str(root), "convert": shared},
                         timeout=600)
    assert json.loads(out.stdout.strip().splitlines()[-1])
    return root


@pytest.mark.parametrize("writer", ["tfedu", "tf"])
@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("mode", MODES)
def test_tfedu_and_litert_agree_on_files_from_either_converter(exchanged, writer, name, mode):
    """writer tfedu: tfedu's file in LiteRT; writer tf: TF's file in tfedu's interpreter."""
    stem = exchanged / f"{writer}_{name}_{mode}"
    ours, _ = _run_raw(f"{stem}.tflite", np.load(f"{stem}.x.npy"))
    litert = np.load(f"{stem}.litert.npy")
    diff = np.abs(ours.astype(np.float64) - litert.astype(np.float64)).max()
    _check(ours, mode, diff, (writer, name, mode))


@pytest.mark.parametrize("index", range(4))
def test_litert_runs_tfedus_recurrent_and_merge_conversions(exchanged, index):
    """Embedding + LSTM, GRU + SimpleRNN (unrolled into builtins), Concatenate, pooling."""
    want = np.load(exchanged / f"sig_{index}.npz")["want"]
    np.testing.assert_allclose(np.load(exchanged / f"sig_{index}.litert.npy"), want, atol=1e-5)


def _check(ours, mode, diff, what):
    """Float to 1e-5; int8 to one step of the output grid (softmax's step is 1/256)."""
    if ours.dtype == np.int8:
        assert diff <= 1, (what, diff)
    elif mode == "int8":
        assert diff <= 1 / 256 + 1e-6, (what, diff)
    else:
        assert diff <= 1e-5, (what, diff)
