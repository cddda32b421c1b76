"""Models exported by tfedu.js load in the real @tensorflow/tfjs and predict what tfedu predicts.

The exports are served over a loopback HTTP server, so tfjs fetches `model.json` and its shards
exactly as a browser would (including the shard arithmetic); one Node process loads them all.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading

import numpy as np
import pytest

import tfedu as tf
import tfedu.js as tfjs
from tests.lite import models

L = tf.keras.layers

_NODE = r"""
const tf = require('@tensorflow/tfjs');
const cases = %(cases)s;
(async () => {
  const out = {};
  for (const [name, c] of Object.entries(cases)) {
    try {
      const model = await tf.loadLayersModel(`%(base)s/${name}/model.json`);
      const xs = c.x.map((a, i) => tf.tensor(a, undefined, c.dtypes[i]));
      const y = model.predict(xs.length === 1 ? xs[0] : xs);
      out[name] = await y.array();
    } catch (e) { out[name] = 'ERROR ' + e.message; }
  }
  console.log(JSON.stringify(out));
})();
"""


def _cases():
    tf.keras.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,), name="b")
    joined = L.Concatenate()([L.Dense(5, activation="tanh")(a), b])
    yield "cnn_sharded", models.cnn(), [models.inputs((8, 8, 1), n=2)], {
        "weight_shard_size_bytes": 256}
    yield "mlp_uint8", models.mlp(), [models.inputs((64,), n=2)], {
        "quantization_dtype_map": {"uint8": "*"}}
    yield "mlp_float16", models.mlp(), [models.inputs((64,), n=2)], {
        "quantization_dtype_map": {"float16": ["dense*"]}}
    yield "concat", tf.keras.Model([a, b], L.Dense(2, activation="sigmoid")(joined)), [
        rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")], {}
    yield "embedding_lstm", tf.keras.Sequential([
        tf.keras.Input((5,), dtype="int32"), L.Embedding(20, 4), L.LSTM(3)]), [
        rng.integers(0, 20, (2, 5)).astype("int32")], {}
    yield "gru", tf.keras.Sequential([tf.keras.Input((5, 2)), L.GRU(3, reset_after=False)]), [
        rng.normal(size=(2, 5, 2)).astype("float32")], {}


def serve(directory):
    """A loopback HTTP server for `directory` (returns the server; `server.shutdown()` stops)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def predictions(tfjs_side, tmp_path_factory):
    root = tmp_path_factory.mktemp("tfjs")
    cases, expected = {}, {}
    for name, model, xs, options in _cases():
        tfjs.converters.save_keras_model(model, str(root / name), **options)
        reloaded = tfjs.load_keras_model(str(root / name / "model.json"))
        feed = xs if len(xs) > 1 else xs[0]
        expected[name] = (model(feed).numpy(), reloaded(feed).numpy())
        cases[name] = {"x": [x.tolist() for x in xs], "dtypes": [str(x.dtype) for x in xs]}
    server = serve(root)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        out = tfjs_side.run_node(_NODE % {"cases": json.dumps(cases), "base": base})
    finally:
        server.shutdown()
    return json.loads(out.stdout.strip().splitlines()[-1]), expected


@pytest.mark.parametrize("name", ["cnn_sharded", "mlp_uint8", "mlp_float16", "concat",
                                  "embedding_lstm", "gru"])
def test_tfjs_predicts_what_tfedu_predicts(predictions, name):
    got, expected = predictions
    assert not isinstance(got[name], str), got[name]
    original, reloaded = expected[name]
    # tfjs reads the (possibly quantised) weights of the file: so does tfedu's loader
    np.testing.assert_allclose(np.array(got[name]), reloaded, atol=1e-5)
    if "int" not in name and "float16" not in name:
        np.testing.assert_allclose(np.array(got[name]), original, atol=1e-5)
