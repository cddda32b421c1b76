"""TF 1.x SavedModels: simple_save / Builder, the session loader, and TF 2's load of them."""

import pytest

import tfedu as tf

tf1 = tf.compat.v1


@pytest.fixture
def graph_model(tmp_path):
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
        y = tf.identity(tf.matmul(x, w), name="y")
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(w.assign_add(tf.ones([2, 2])))
            tf1.saved_model.simple_save(sess, str(tmp_path / "m"), {"x": x}, {"y": y})
    return str(tmp_path / "m")


def test_session_loader_runs_the_signature(graph_model):
    with tf1.Session(graph=tf.Graph()) as sess:
        mg = tf1.saved_model.loader.load(sess, [tf1.saved_model.tag_constants.SERVING],
                                         graph_model)
        sig = mg.signature_def[tf1.saved_model.signature_constants
                               .DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        assert sig.method_name == "tensorflow/serving/predict"
        out = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0, 1.0]]})
    assert out.tolist() == [[6.0, 8.0]]


def test_tf2_load_of_a_tf1_saved_model(graph_model):
    loaded = tf.saved_model.load(graph_model)
    assert list(loaded.signatures) == ["serving_default"]
    out = loaded.signatures["serving_default"](x=tf.constant([[1.0, 0.0]]))
    assert out["y"].numpy().tolist() == [[2.0, 3.0]]


def test_session_loader_reads_tf2_saved_models(tmp_path):
    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = tf.Variable([2.0, 3.0])

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def __call__(self, x):
            return x * self.v

    tf.saved_model.save(M(), str(tmp_path / "m"))
    with tf1.Session(graph=tf.Graph()) as sess:
        mg = tf1.saved_model.load(sess, ["serve"], str(tmp_path / "m"))
        sig = mg.signature_def["serving_default"]
        out = sess.run(sig.outputs["output_0"].name, {sig.inputs["x"].name: [[1.0, 1.0]]})
    assert out.tolist() == [[2.0, 3.0]]


def test_errors(graph_model):
    with tf1.Session(graph=tf.Graph()) as sess, pytest.raises(
            RuntimeError, match="MetaGraphDef associated with tags"):
        tf1.saved_model.load(sess, ["train"], graph_model)
    with pytest.raises(AssertionError, match="Export directory already exists"):
        tf1.saved_model.Builder(graph_model)
    with pytest.raises(ValueError, match="Prediction inputs cannot be None or empty"):
        tf1.saved_model.predict_signature_def({}, {"y": None})
