"""Control flow in SavedModels both ways with real TensorFlow, outputs compared.

One module (`control_flow_module.py`: AutoGraph `if`/`else`, a `while_loop` with `maximum_iterations`, a `for`
over `tf.range` filling a `TensorArray`, a cond inside a loop, a variable assigned in a loop
body, a hand-written recurrent cell looping over time) is traced by tfedu and by TensorFlow.
tfedu's SavedModel is loaded and run in TensorFlow; TensorFlow's is loaded and run in tfedu,
re-saved by tfedu and run in TensorFlow again. Keras recurrent layers on `Input((None, 3))`
exported by TensorFlow are run in tfedu. Inputs include loops that run zero times. One
TensorFlow process for all of it."""

import json
from pathlib import Path

import numpy as np
import pytest

import tfedu as tf

from . import control_flow_module

HERE = str(Path(__file__).parent)


SEQ = np.linspace(-1, 1, 2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
CALLS = [  # (method, args): run in this order (bump changes v)
    ("branch", [np.array([1.0, 2.0], np.float32)]),
    ("branch", [np.array([-3.0, 1.0], np.float32)]),
    ("branch", [np.zeros([0], np.float32)]),
    ("limited", [np.float32(3.0), np.int32(10)]),
    ("limited", [np.float32(3.0), np.int32(2)]),
    ("limited", [np.float32(300.0), np.int32(10)]),
    ("limited", [np.float32(3.0), np.int32(0)]),
    ("ramp", [np.int32(4)]),
    ("ramp", [np.int32(0)]),
    ("nested", [np.int32(7)]),
    ("nested", [np.int32(0)]),
    ("bump", [np.float32(1.5), np.int32(3)]),
    ("bump", [np.float32(-2.0), np.int32(0)]),
    ("bump", [np.float32(0.25), np.int32(1)]),
    ("rnn", [SEQ]),
    ("rnn", [SEQ[:, :1]]),
    ("rnn", [SEQ[:, :0]]),
]


def _encoded_calls():
    return [[m, [[np.ravel(a).tolist(), str(np.asarray(a).dtype), list(np.shape(a))]
                  for a in args]] for m, args in CALLS]


TF_SCRIPT = r"""
import json, os, sys, numpy as np, tensorflow as tf, keras
d = sys.argv[1]
calls = json.load(open(os.path.join(d, "calls.json")))
sys.path.insert(0, HERE)
from control_flow_module import build
V1_FEEDS = V1FEEDS

def run(m, calls):
    out = []
    for name, args in calls:
        vals = [tf.constant(np.array(v, dtype=t).reshape(s)) for v, t, s in args]
        r = getattr(m, name)(*vals)
        out.append([np.asarray(r).tolist(), list(np.shape(r)), str(np.asarray(r).dtype)])
    return out

res = {}
# 1. tfedu's SavedModel, loaded and run by TensorFlow
m = tf.saved_model.load(os.path.join(d, "tfedu_flow"))
res["tfedu_in_tf"] = run(m, calls)
res["tfedu_sig"] = m.signatures["serving_default"](
    xs=tf.constant(np.array(calls[-3][1][0][0], np.float32).reshape(calls[-3][1][0][2])))["output_0"].numpy().tolist()
# 2. TensorFlow writes the same module (outputs recorded after saving)
f = build(tf)
tf.saved_model.save(f, os.path.join(d, "tf_flow"), signatures=f.rnn)
res["tf"] = run(f, calls)
# 3. Keras recurrent layers over a time axis of unknown length
keras.utils.set_random_seed(0)
seqs = [np.linspace(-1, 1, 2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3),
        np.linspace(1, -1, 2 * 1 * 3, dtype=np.float32).reshape(2, 1, 3)]
for kind in ("LSTM", "GRU"):
    inp = keras.Input((None, 3))
    model = keras.Model(inp, getattr(keras.layers, kind)(4, return_sequences=False)(inp))
    model.export(os.path.join(d, "tf_" + kind), verbose=False)
    res[kind] = [model(s).numpy().tolist() for s in seqs]
res["seqs"] = [s.tolist() for s in seqs]
# 4. tfedu's TF 1.x graph with a cond and a while loop, through the session loader
with tf.compat.v1.Session(graph=tf.Graph()) as sess:
    sig = tf.compat.v1.saved_model.load(sess, ["serve"], os.path.join(d, "tfedu_v1"))
    sig = sig.signature_def["serving_default"]
    res["v1"] = [[float(v) for v in sess.run([sig.outputs["s"].name, sig.outputs["i"].name],
                                             {sig.inputs["x"].name: x, sig.inputs["n"].name: n})]
                 for x, n in V1_FEEDS]
# 5. tfedu's Keras recurrent models (model.export), run by TensorFlow
for kind in ("LSTM", "GRU"):
    path = os.path.join(d, "tfedu_" + kind)
    if os.path.isdir(path):
        m = tf.saved_model.load(path)
        res["tfedu_" + kind] = [m.serve(tf.constant(np.load(os.path.join(d, f"kseq{i}.npy"))))
                                .numpy().tolist() for i in range(3)]
print(json.dumps(res))
"""

TF_RESAVED = r"""
import json, os, sys, numpy as np, tensorflow as tf
d = sys.argv[1]
calls = json.load(open(os.path.join(d, "calls.json")))
m = tf.saved_model.load(os.path.join(d, "resaved"))
out = []
for name, args in calls:
    r = getattr(m, name)(*[tf.constant(np.array(v, dtype=t).reshape(s)) for v, t, s in args])
    out.append([np.asarray(r).tolist(), list(np.shape(r)), str(np.asarray(r).dtype)])
print(json.dumps(out))
"""


def _module():
    return control_flow_module.build(tf)


def _run(m):
    return [np.asarray(getattr(m, name)(*[tf.constant(a) for a in args])) for name, args in CALLS]


def _array(w):
    """An output as the TensorFlow script sends it: [values, shape, dtype]."""
    return np.asarray(w[0], dtype=w[2]).reshape(w[1])


def _same(got, want, where):
    for (name, args), g, w in zip(CALLS, got, want):
        g = _array(g) if isinstance(g, list) else g
        w_arr = _array(w)
        np.testing.assert_allclose(np.asarray(g), w_arr, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{where}: {name}{[np.shape(a) for a in args]}")
        assert np.shape(g) == np.shape(w_arr), (where, name)


KSEQS = [np.linspace(-1, 1, 2 * n * 3, dtype=np.float32).reshape(2, n, 3) for n in (5, 1, 0)]


def _keras_exports(d) -> dict:
    """tfedu's LSTM and GRU models on `Input((None, 3))`, exported: {kind: outputs or why not}."""
    out = {}
    for i, seq in enumerate(KSEQS):
        np.save(d / f"kseq{i}.npy", seq)
    for kind in ("LSTM", "GRU"):
        inp = tf.keras.Input((None, 3))
        try:
            model = tf.keras.Model(inp, getattr(tf.keras.layers, kind)(4)(inp))
        except ValueError as e:  # recurrent layers that need a known number of time steps
            out[kind] = str(e)
            continue
        model.export(str(d / f"tfedu_{kind}"), verbose=False)
        served = tf.saved_model.load(str(d / f"tfedu_{kind}")).serve  # tfedu's loop, read back
        out[kind] = [served(tf.constant(seq)).numpy() for seq in KSEQS]
        for seq, got in zip(KSEQS[:2], out[kind]):  # zero steps: only a traced loop runs them
            np.testing.assert_allclose(got, model(seq).numpy(), rtol=1e-5, atol=1e-6)
    return out


V1_FEEDS = [(3.0, 7), (-2.0, 2), (1.0, 0)]


def _v1_graph(d) -> list:
    """A TF 1.x graph (cond, while loop with a limit) saved by simple_save; its results."""
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [], name="x")
        n = tf.compat.v1.placeholder(tf.int32, [], name="n")
        z = tf.cond(x > 0, lambda: x * 2.0, lambda: -x)
        i, s = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + z), [0, 0.0],
                             maximum_iterations=5)
        with tf.compat.v1.Session() as sess:
            tf.compat.v1.saved_model.simple_save(sess, str(d / "tfedu_v1"), {"x": x, "n": n},
                                                 {"s": s, "i": i})
            return [[float(v) for v in sess.run([s, i], {x: a, n: b})] for a, b in V1_FEEDS]


@pytest.fixture(scope="module")
def both_ways(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("control_flow")
    m = _module()
    tf.saved_model.save(m, str(d / "tfedu_flow"), signatures=m.rnn)
    mine = _run(m)
    keras_mine = _keras_exports(d)
    v1_mine = _v1_graph(d)
    (d / "calls.json").write_text(json.dumps(_encoded_calls()))
    script = TF_SCRIPT.replace("sys.argv[1]", repr(str(d))).replace("HERE", repr(HERE)).replace(
        "V1FEEDS", repr(V1_FEEDS))
    res = tf_side.run_tf_json(script)
    res["keras_mine"], res["v1_mine"] = keras_mine, v1_mine
    return d, mine, res


def test_tfedu_saved_control_flow_runs_in_tensorflow(both_ways):
    _, mine, res = both_ways
    _same(mine, res["tf"], "tfedu traced vs TensorFlow traced")
    _same(mine, res["tfedu_in_tf"], "tfedu's SavedModel run by TensorFlow")
    np.testing.assert_allclose(res["tfedu_sig"], mine[-3], rtol=1e-5, atol=1e-6)


def test_tfedu_v1_graph_with_control_flow_runs_in_tensorflow_sessions(both_ways):
    _, _, res = both_ways
    assert res["v1"] == res["v1_mine"] == [[30.0, 5.0], [4.0, 2.0], [0.0, 0.0]]


def test_tfedu_saved_control_flow_round_trip(both_ways):
    d, mine, _ = both_ways
    loaded = tf.saved_model.load(str(d / "tfedu_flow"))
    _same(_run(loaded), [[m.tolist(), list(m.shape), str(m.dtype)] for m in mine],
          "tfedu's SavedModel run by tfedu")


def test_tensorflow_saved_control_flow_runs_in_tfedu(both_ways, tf_side):
    d, _, res = both_ways
    loaded = tf.saved_model.load(str(d / "tf_flow"))
    _same(_run(loaded), res["tf"], "TensorFlow's SavedModel run by tfedu")
    out = loaded.signatures["serving_default"](xs=tf.constant(SEQ))["output_0"]
    np.testing.assert_allclose(out.numpy(), res["tf"][-3][0], rtol=1e-5, atol=1e-6)
    # read back and written again by tfedu: TensorFlow runs TensorFlow's loops unchanged
    again = tf.saved_model.load(str(d / "tf_flow"))
    tf.saved_model.save(again, str(d / "resaved"))
    resaved = tf_side.run_tf_json(TF_RESAVED.replace("sys.argv[1]", repr(str(d))))
    _same(resaved, res["tf"], "TensorFlow's SavedModel, re-saved by tfedu, run by TensorFlow")


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_keras_recurrent_export_runs_in_tfedu(both_ways, kind):
    d, _, res = both_ways
    loaded = tf.saved_model.load(str(d / f"tf_{kind}"))
    for seq, want in zip(res["seqs"], res[kind]):
        got = loaded.serve(tf.constant(np.asarray(seq, np.float32)))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_gradient_through_a_loop_is_refused_in_tensorflows_class(tmp_path):
    class Grad(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def slope(self, x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.while_loop(lambda a: a < 10.0, lambda a: a * x, [x])[0]
            return tape.gradient(y, x)

    with pytest.raises(ValueError, match="Cannot write op .* of type WhileGrad for TensorFlow: "
                                         "it is tfedu's own gradient of a while loop"):
        tf.saved_model.save(Grad(), str(tmp_path / "grad"))
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_tfedu_keras_recurrent_export_runs_in_tensorflow(both_ways, kind):
    _, _, res = both_ways
    mine = res["keras_mine"][kind]
    if isinstance(mine, str):
        pytest.skip(f"tfedu's {kind} cannot trace an unknown number of time steps: {mine}")
    for seq, got, want in zip(KSEQS, res["tfedu_" + kind], mine):
        assert np.shape(got) == want.shape == (2, 4), seq.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=str(seq.shape))
