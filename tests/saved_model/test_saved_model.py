"""tf.saved_model.save / load inside tfedu: objects, variables, functions, signatures."""

import os

import numpy as np
import pytest

import tfedu as tf


class Scaler(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[2.0, 0.0], [0.0, 3.0]])
        self.b = tf.Variable([1.0, -1.0])
        self.parts = [tf.Variable(4.0), {"k": tf.Variable(5.0)}]
        self.note = "plain attributes are not saved"

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b

    @tf.function
    def scale(self, x, k=2.0):
        return {"scaled": x * k * self.parts[0], "k": tf.constant(k)}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    m = Scaler()
    m.scale(tf.constant([1.0, 2.0]))
    m.scale(tf.constant([[1.0]]), k=3.0)
    d = str(tmp_path_factory.mktemp("sm") / "scaler")
    tf.saved_model.save(m, d, signatures={"serving_default": m.__call__,
                                          "scale": m.scale.get_concrete_function(
                                              tf.TensorSpec([None], tf.float32))})
    return m, d


def test_layout(saved):
    _, d = saved
    assert sorted(os.listdir(d)) == ["assets", "fingerprint.pb", "saved_model.pb", "variables"]
    assert sorted(os.listdir(os.path.join(d, "variables"))) == [
        "variables.data-00000-of-00001", "variables.index"]
    assert not [f for f in os.listdir(os.path.dirname(d)) if f.startswith(".tmp")]
    keys = [k for k, _ in tf.train.list_variables(os.path.join(d, "variables", "variables"))]
    assert "w/.ATTRIBUTES/VARIABLE_VALUE" in keys and "parts/1/k/.ATTRIBUTES/VARIABLE_VALUE" in keys


def test_round_trip(saved):
    m, d = saved
    loaded = tf.saved_model.load(d)
    x = tf.constant([[1.0, 1.0]])
    np.testing.assert_allclose(loaded(x).numpy(), m(x).numpy())
    assert loaded.w.numpy().tolist() == m.w.numpy().tolist()
    assert loaded.parts[1]["k"].numpy() == 5.0
    out = loaded.scale(tf.constant([[1.0]]), k=3.0)
    assert out["scaled"].numpy().tolist() == [[12.0]] and out["k"].numpy() == 3.0
    assert not hasattr(loaded, "note")
    assert len(loaded.scale.concrete_functions) == 3  # two calls and the signature's trace
    loaded.w.assign(tf.zeros([2, 2]))  # loaded functions read the loaded variables
    assert loaded(x).numpy().tolist() == [[1.0, -1.0]]


def test_signatures(saved):
    _, d = saved
    loaded = tf.saved_model.load(d)
    assert sorted(loaded.signatures) == ["scale", "serving_default"]
    out = loaded.signatures["serving_default"](x=tf.constant([[1.0, 2.0]]))
    assert list(out) == ["output_0"] and out["output_0"].numpy().tolist() == [[3.0, 5.0]]
    sc = loaded.signatures["scale"]
    assert sorted(sc(x=tf.constant([1.0]))) == ["k", "scaled"]
    args, kwargs = sc.structured_input_signature
    assert args == () and kwargs["x"] == tf.TensorSpec([None], tf.float32, "x")


def test_untraced_call_is_refused_with_tf_message(saved):
    _, d = saved
    loaded = tf.saved_model.load(d)
    with pytest.raises(ValueError, match="Could not find matching concrete function to call "
                                         "loaded from the SavedModel") as e:
        loaded.scale(tf.constant(1.0, dtype=tf.float64))
    assert "Expected these arguments to match one of the following 3 option(s)" in str(e.value)


def test_default_signatures_follow_tf_rules(tmp_path):
    class NoSig(tf.Module):
        @tf.function
        def f(self, x):
            return x

    m = NoSig()
    m.f(tf.constant(1.0))
    tf.saved_model.save(m, str(tmp_path / "a"))
    assert list(tf.saved_model.load(str(tmp_path / "a")).signatures) == []
    tf.saved_model.save(Scaler(), str(tmp_path / "b"))  # one function with a signature
    assert list(tf.saved_model.load(str(tmp_path / "b")).signatures) == ["serving_default"]
    with pytest.raises(ValueError, match="Expected a TensorFlow function for which to generate"):
        tf.saved_model.save(m, str(tmp_path / "c"), signatures=m.f)


def test_load_errors(tmp_path, saved):
    with pytest.raises(OSError, match="SavedModel file does not exist at"):
        tf.saved_model.load(str(tmp_path / "none"))
    with pytest.raises(ValueError, match="Got an incompatible argument to `tags`"):
        tf.saved_model.load(saved[1], tags=["train"])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "saved_model.pb").write_bytes(b"\x0a\x05not a saved model at all")
    with pytest.raises(tf.errors.DataLossError):
        tf.saved_model.load(str(bad))


def test_untracked_variable_is_refused(tmp_path):
    outside = tf.Variable(1.0)

    class Leaky(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def f(self, x):
            return x * outside

    with pytest.raises(AssertionError, match="'untracked' resource"):
        tf.saved_model.save(Leaky(), str(tmp_path / "x"))
    assert not os.path.exists(tmp_path / "x")
    assert os.listdir(tmp_path) == []


def test_checkpoint_restores_from_saved_model(saved):
    m, d = saved
    fresh = Scaler()
    fresh.w.assign(tf.zeros([2, 2]))
    tf.train.Checkpoint(fresh).restore(d).expect_partial()
    assert fresh.w.numpy().tolist() == m.w.numpy().tolist()


def test_constants_and_contains(saved):
    assert tf.saved_model.SERVING == "serve"
    assert tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY == "serving_default"
    assert tf.saved_model.contains_saved_model(saved[1])


def test_cli_show(saved, capsys):
    from tfedu.saved_model import cli

    _, d = saved
    assert cli.main(["show", "--dir", d]) == 0
    assert capsys.readouterr().out == ("The given SavedModel contains the following tag-sets:\n"
                                       "'serve'\n")
    assert cli.main(["show", "--dir", d, "--tag_set", "serve", "--signature_def",
                     "serving_default"]) == 0
    text = capsys.readouterr().out
    assert "  inputs['x'] tensor_info:\n      dtype: DT_FLOAT\n      shape: (-1, 2)\n" \
           "      name: serving_default_x:0" in text
    assert text.endswith("Method name is: tensorflow/serving/predict\n")
    assert cli.main(["show", "--dir", d, "--all"]) == 0
    text = capsys.readouterr().out
    assert "signature_def['__saved_model_init_op']:" in text and "Concrete Functions:" in text
    assert "  Function Name: 'scale'" in text
    assert cli.main(["show", "--dir", d + "/nope"]) == 1
    assert "SavedModel file does not exist" in capsys.readouterr().err


def test_graph_view_draws_a_loaded_function(saved):
    from tfedu.viz import show_graph

    _, d = saved
    loaded = tf.saved_model.load(d)
    cf = loaded.signatures["serving_default"]
    bundle = show_graph(loaded.__call__.concrete_functions[0].graph)._repr_mimebundle_()
    assert any("MatMul" in str(v) for v in bundle.values())
    assert cf.graph.get_operations()  # the signature wrapper is a graph too
