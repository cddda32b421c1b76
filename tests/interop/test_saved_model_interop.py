"""SavedModel both ways with real TensorFlow, outputs compared.

tfedu writes a `tf.Module` with traced functions; TensorFlow loads it with
`tf.saved_model.load` and with the TF 1.x session loader (as TF Serving does) and runs its
signatures. TensorFlow writes a module and Keras exports (dense and convolutional models);
tfedu loads them and must give TensorFlow's outputs. One TensorFlow process for all of it."""

import json

import numpy as np
import pytest

import tfedu as tf

X = (np.arange(12, dtype=np.float32).reshape(6, 2) - 5) / 3

TF_SCRIPT = r"""
import contextlib, io, json, os, sys, numpy as np, tensorflow as tf, keras
d = sys.argv[1]
x = np.load(os.path.join(d, "x.npy"))
out = {}

# 1. tfedu's module, through tf.saved_model.load
m = tf.saved_model.load(os.path.join(d, "tfedu_module"))
out["signatures"] = sorted(m.signatures)
out["call"] = m(tf.constant(x)).numpy().tolist()
out["serving"] = {k: v.numpy().tolist() for k, v in
                  m.signatures["serving_default"](x=tf.constant(x)).items()}
out["scale"] = {k: v.numpy().tolist() for k, v in m.scale(tf.constant(x[0])).items()}
out["w"] = m.w.numpy().tolist()

# 2. the same directory through the TF 1.x loader that TF Serving uses
with tf.compat.v1.Session(graph=tf.Graph()) as sess:
    mg = tf.compat.v1.saved_model.load(sess, ["serve"], os.path.join(d, "tfedu_module"))
    sig = mg.signature_def["serving_default"]
    out["session"] = sess.run(sig.outputs["output_0"].name, {sig.inputs["x"].name: x}).tolist()

# 3. TensorFlow writes: a module, and Keras exports
class Affine(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.5, -2.0, 0.5], [0.25, 1.0, -1.0]])
        self.b = tf.Variable([0.1, 0.2, 0.3])
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)
a = Affine()
tf.saved_model.save(a, os.path.join(d, "tf_module"))
np.save(os.path.join(d, "tf_module.npy"), a(tf.constant(x)).numpy())

keras.utils.set_random_seed(0)
dense = keras.Sequential([keras.Input((2,), name="feat"), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(3, activation="softmax")])
dense.export(os.path.join(d, "tf_dense"), verbose=False)
np.save(os.path.join(d, "tf_dense.npy"), dense(x).numpy())
conv = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
                         keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                         keras.layers.BatchNormalization(), keras.layers.Dense(2)])
img = np.linspace(-1, 1, 72, dtype=np.float32).reshape(2, 6, 6, 1)
conv.export(os.path.join(d, "tf_conv"), verbose=False)
np.save(os.path.join(d, "img.npy"), img)
np.save(os.path.join(d, "tf_conv.npy"), conv(img).numpy())

# 4. what `saved_model_cli show` prints (its own functions, in this process), for tfedu's
# directory and TensorFlow's
from tensorflow.python.tools import saved_model_cli as smc
out["cli"] = {}
for name in ("tfedu_module", "tf_module", "tf_dense"):
    path = os.path.join(d, name)
    for extra, show in ((["--all"], lambda: smc._show_all(path)),
                        ([], lambda: smc._show_tag_sets(path)),
                        (["--tag_set", "serve"],
                         lambda: smc._show_signature_def_map_keys(path, "serve")),
                        (["--tag_set", "serve", "--signature_def", "serving_default"],
                         lambda: smc._show_inputs_outputs(path, "serve", "serving_default"))):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            show()
        out["cli"][name + " " + " ".join(extra)] = buf.getvalue()
print(json.dumps(out))
"""


class Affine(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]])
        self.b = tf.Variable([0.0, 1.0, -2.0])
        self.parts = [tf.Variable(2.0)]

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)

    @tf.function
    def scale(self, x):
        return {"scaled": x * self.parts[0], "sum": tf.reduce_sum(x)}


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("sm_interop")
    np.save(d / "x.npy", X)
    m = Affine()
    m.scale(tf.constant(X[0]))
    tf.saved_model.save(m, str(d / "tfedu_module"))
    proc = tf_side.run_tf(TF_SCRIPT.replace("sys.argv[1]", repr(str(d))))
    return m, d, json.loads(proc.stdout.strip().splitlines()[-1])


def test_tensorflow_loads_tfedu_module(exchange):
    m, _, out = exchange
    want = m(tf.constant(X)).numpy()
    assert out["signatures"] == ["serving_default"]
    np.testing.assert_allclose(out["call"], want, rtol=1e-6)
    np.testing.assert_allclose(out["serving"]["output_0"], want, rtol=1e-6)
    assert out["scale"]["sum"] == pytest.approx(float(X[0].sum()))
    np.testing.assert_allclose(out["scale"]["scaled"], X[0] * 2.0)
    assert out["w"] == m.w.numpy().tolist()


def test_tensorflow_session_loader_runs_tfedu_signature(exchange):
    m, _, out = exchange
    np.testing.assert_allclose(out["session"], m(tf.constant(X)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name,key,data", [("tf_module", "x", "x"), ("tf_dense", "feat", "x"),
                                           ("tf_conv", None, "img")])
def test_tfedu_loads_tensorflow_saved_models(exchange, name, key, data):
    _, d, _ = exchange
    inputs = np.load(d / f"{data}.npy")
    want = np.load(d / f"{name}.npy")
    loaded = tf.saved_model.load(str(d / name))
    sig = loaded.signatures["serving_default"]
    key = key or next(iter(sig.structured_input_signature[1]))
    got = sig(**{key: tf.constant(inputs)})
    np.testing.assert_allclose(next(iter(got.values())).numpy(), want, rtol=1e-5, atol=1e-6)
    if name != "tf_module":
        np.testing.assert_allclose(loaded.serve(inputs).numpy(), want, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(loaded(tf.constant(inputs)).numpy(), want, rtol=1e-6)


def _ops_sorted(text):
    """saved_model_cli prints the ops as a Python set (in the set's order): sort it."""
    lines = []
    for line in text.splitlines():
        head, sep, ops = line.partition("contains the following ops: ")
        if sep:
            line = head + sep + "{" + ", ".join(sorted(ops.strip("{}").split(", "))) + "}"
        lines.append(line)
    return "\n".join(lines)


def test_cli_prints_what_saved_model_cli_prints(exchange):
    from tfedu.saved_model.cli import show

    _, d, out = exchange
    assert len(out["cli"]) == 12
    for key, want in out["cli"].items():
        name, *extra = key.split(" ")
        extra = [e for e in extra if e]
        tag = extra[extra.index("--tag_set") + 1] if "--tag_set" in extra else None
        sig = extra[extra.index("--signature_def") + 1] if "--signature_def" in extra else None
        got = show(str(d / name), tag, sig, "--all" in extra)
        assert _ops_sorted(got) == _ops_sorted(want), key
