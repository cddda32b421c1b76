"""The TF 1.x Saver and meta graphs both ways with real TensorFlow.

tfedu builds a graph with variables, trains it a step and saves with `tf.compat.v1.train.Saver`
(a tensor bundle keyed by variable names, and the `.meta` MetaGraphDef). TensorFlow imports the
meta graph, restores with the imported saver and runs the imported graph; it also writes its
own graph and checkpoint, which tfedu imports, restores and runs. One TensorFlow process."""

import json

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1
X = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]], np.float32)

TF_SCRIPT = r"""
import json, os, sys, numpy as np, tensorflow as tf
d = sys.argv[1]
tf1 = tf.compat.v1
x_val = np.load(os.path.join(d, "x.npy"))
out = {}

# 1. tfedu's checkpoint, through its own meta graph
with tf.Graph().as_default() as g, tf1.Session(graph=g) as sess:
    saver = tf1.train.import_meta_graph(os.path.join(d, "tfedu", "model.ckpt-3.meta"))
    saver.restore(sess, os.path.join(d, "tfedu", "model.ckpt-3"))
    values = {v.name: sess.run(v).tolist() for v in tf1.global_variables()}
    out["w"], out["b"] = values["w:0"], values["b:0"]
    out["y"] = sess.run("y:0", {"x:0": x_val}).tolist()
    out["trainable"] = sorted(v.name for v in tf1.trainable_variables())
reader = tf.train.load_checkpoint(os.path.join(d, "tfedu", "model.ckpt-3"))
out["keys"] = sorted(reader.get_variable_to_shape_map())
out["latest"] = os.path.basename(tf.train.latest_checkpoint(os.path.join(d, "tfedu")))

# 2. TensorFlow writes a TF 1.x graph and a Saver checkpoint
with tf.Graph().as_default() as g, tf1.Session(graph=g) as sess:
    x = tf1.placeholder(tf.float32, [None, 2], name="x")
    w = tf1.Variable([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], name="w")
    b = tf1.Variable([0.1, 0.2, 0.3], name="b")
    y = tf.identity(tf.nn.relu(tf.matmul(x, w) + b), name="y")
    sess.run(tf1.global_variables_initializer())
    sess.run(w.assign_add(tf.ones([2, 3])))
    tf1.train.Saver().save(sess, os.path.join(d, "tf", "model.ckpt"), global_step=5)
    np.save(os.path.join(d, "tf_y.npy"), sess.run(y, {x: x_val}))
    tf1.saved_model.simple_save(sess, os.path.join(d, "tf_simple"), {"x": x}, {"y": y})

# 3. tfedu's TF 1.x SavedModel, through the session loader and through TF 2's load
with tf.Graph().as_default() as g, tf1.Session(graph=g) as sess:
    mg = tf1.saved_model.load(sess, ["serve"], os.path.join(d, "tfedu_simple"))
    sig = mg.signature_def["serving_default"]
    out["simple_session"] = sess.run(sig.outputs["y"].name,
                                     {sig.inputs["x"].name: x_val}).tolist()
loaded = tf.saved_model.load(os.path.join(d, "tfedu_simple"))
out["simple_v2"] = loaded.signatures["serving_default"](x=tf.constant(x_val))["y"].numpy().tolist()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("saver_interop")
    np.save(d / "x.npy", X)
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        w = tf.Variable([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]], name="w")
        b = tf.Variable([0.5, -0.5, 0.0], name="b")
        tf.identity(tf.nn.relu(tf.matmul(x, w) + b), name="y")
        step = w.assign_add(tf.fill([2, 3], 0.25))
        saver = tf1.train.Saver()
    with tf1.Session(graph=g) as sess:
        sess.run(tf1.global_variables_initializer())
        for i in range(3):
            sess.run(step)
            saver.save(sess, str(d / "tfedu" / "model.ckpt"), global_step=i + 1)
        want = {"w": sess.run(w), "b": sess.run(b), "y": sess.run("y:0", {x: X})}
        tf1.saved_model.simple_save(sess, str(d / "tfedu_simple"), {"x": x},
                                    {"y": g.get_tensor_by_name("y:0")})
    proc = tf_side.run_tf(TF_SCRIPT.replace("sys.argv[1]", repr(str(d))))
    return d, want, json.loads(proc.stdout.strip().splitlines()[-1])


def test_tensorflow_imports_tfedu_meta_graph_and_restores(exchange):
    _, want, out = exchange
    np.testing.assert_array_equal(out["w"], want["w"])
    np.testing.assert_array_equal(out["b"], want["b"])
    np.testing.assert_allclose(out["y"], want["y"], rtol=1e-6)
    assert out["trainable"] == ["b:0", "w:0"]
    assert out["keys"] == ["b", "w"]
    assert out["latest"] == "model.ckpt-3"


def test_tfedu_imports_tensorflow_meta_graph_and_restores(exchange):
    d, _, _ = exchange
    prefix = tf1.train.latest_checkpoint(str(d / "tf"))
    assert prefix.endswith("model.ckpt-5")
    g = tf.Graph()
    with g.as_default():
        saver = tf1.train.import_meta_graph(prefix + ".meta")
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, prefix)
            w = sess.run([v for v in tf1.global_variables() if v.name == "w:0"][0])
            y = sess.run("y:0", {"x:0": X})
        assert sorted(v.name for v in tf1.global_variables()) == ["b:0", "w:0"]
    np.testing.assert_allclose(w, np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]) + 1)
    np.testing.assert_allclose(y, np.load(d / "tf_y.npy"), rtol=1e-6)


def test_tfedu_saver_restores_tensorflow_checkpoint_by_name(exchange):
    d, _, _ = exchange
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(tf.zeros([2, 3]), name="w")
        b = tf.Variable(tf.zeros([3]), name="b")
        saver = tf1.train.Saver()
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, str(d / "tf" / "model.ckpt-5"))
            assert sess.run(b).tolist() == pytest.approx([0.1, 0.2, 0.3])
            assert sess.run(w)[0, 0] == 1.5


def test_tensorflow_loads_tfedu_tf1_saved_model(exchange):
    _, want, out = exchange
    np.testing.assert_allclose(out["simple_session"], want["y"], rtol=1e-6)
    np.testing.assert_allclose(out["simple_v2"], want["y"], rtol=1e-6)


def test_tfedu_loads_tensorflow_tf1_saved_model(exchange):
    d, _, _ = exchange
    want = np.load(d / "tf_y.npy")
    with tf1.Session(graph=tf.Graph()) as sess:
        mg = tf1.saved_model.load(sess, ["serve"], str(d / "tf_simple"))
        sig = mg.signature_def["serving_default"]
        got = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: X})
    np.testing.assert_allclose(got, want, rtol=1e-6)
    loaded = tf.saved_model.load(str(d / "tf_simple"))
    got = loaded.signatures["serving_default"](x=tf.constant(X))["y"]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
