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


# ------------------------------------------- the other way: files TensorFlow.js wrote, in tfedu

_NODE_WRITES = r"""
const tf = require('@tensorflow/tfjs');
const fs = require('fs'), path = require('path');
const root = %(root)r;
const L = tf.layers;
async function save(name, model, xs) {
  // seeded weights, the moving variances positive
  model.setWeights(model.weights.map((v, i) => v.name.includes('variance')
    ? tf.randomUniform(v.shape, 0.5, 1.5, 'float32', i)
    : tf.randomUniform(v.shape, -0.5, 0.5, 'float32', i)));
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  await model.save(tf.io.withSaveHandler(async (a) => {
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(a.weightData));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
      modelTopology: a.modelTopology,
      weightsManifest: [{paths: ['weights.bin'], weights: a.weightSpecs}]}));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  const x = xs.map((v) => tf.tensor(v, undefined, name === 'embedding_lstm' ? 'int32' : 'float32'));
  return {x: xs, y: await model.predict(x.length > 1 ? x : x[0]).array()};
}
const rnd = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed).arraySync();
(async () => {
  const out = {};
  out.mlp = await save('mlp', tf.sequential({layers: [
    L.dense({inputShape: [64], units: 64, activation: 'relu'}),
    L.dense({units: 10, activation: 'softmax'})]}), [rnd([3, 64], 1)]);
  out.cnn = await save('cnn', tf.sequential({layers: [
    L.conv2d({inputShape: [8, 8, 1], filters: 8, kernelSize: 3, padding: 'same'}),
    L.batchNormalization(), L.activation({activation: 'relu'}),
    L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2}), L.maxPooling2d({poolSize: 2}),
    L.flatten(), L.dropout({rate: 0.5}), L.dense({units: 10, activation: 'softmax'})]}),
    [rnd([3, 8, 8, 1], 2)]);
  const a = tf.input({shape: [4], name: 'a'}), b = tf.input({shape: [3], name: 'b'});
  const joined = L.concatenate().apply([L.dense({units: 5, activation: 'tanh'}).apply(a), b]);
  out.concat = await save('concat', tf.model({inputs: [a, b],
    outputs: L.dense({units: 2, activation: 'sigmoid'}).apply(joined)}),
    [rnd([3, 4], 3), rnd([3, 3], 4)]);
  out.embedding_lstm = await save('embedding_lstm', tf.sequential({layers: [
    L.embedding({inputDim: 20, outputDim: 4, inputLength: 5}), L.lstm({units: 3})]}),
    [[[1, 2, 3, 4, 5], [19, 0, 7, 7, 2]]]);
  out.gru = await save('gru', tf.sequential({layers: [
    L.gru({inputShape: [5, 2], units: 3})]}), [rnd([2, 5, 2], 5)]);
  console.log(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def written_by_tfjs(tfjs_side, tmp_path_factory):
    root = tmp_path_factory.mktemp("from_tfjs")
    out = tfjs_side.run_node(_NODE_WRITES % {"root": str(root)})
    return root, json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["mlp", "cnn", "concat", "embedding_lstm", "gru"])
def test_tfedu_loads_what_tfjs_wrote(written_by_tfjs, name):
    """tfjs-layers' own topology (first-layer input shapes, its initializer configs, one
    weights.bin) loads in tfedu and predicts what tfjs predicted."""
    root, cases = written_by_tfjs
    model = tfjs.load_keras_model(str(root / name / "model.json"))
    xs = [np.array(x, dtype="int32" if name == "embedding_lstm" else "float32")
          for x in cases[name]["x"]]
    got = model(xs if len(xs) > 1 else xs[0]).numpy()
    np.testing.assert_allclose(got, np.array(cases[name]["y"]), atol=1e-5)
