"""Event files read by the real TensorBoard: tfedu writes logs with `tf.summary` and the Keras
`TensorBoard` callback; TensorBoard's own data provider and dashboard backends (scalars,
histograms, images, text, graphs), served in-process, return the logged values.

Histogram buckets and tags are the ones TensorFlow 2.21 / Keras 3.15 write for the same calls.
"""

import io
import json

import numpy as np
import pytest

import tfedu as tf

werkzeug_test = pytest.importorskip("werkzeug.test")


def dashboard(logdir):
    """A test client of TensorBoard's WSGI app over `logdir` (no server, no network)."""
    from tensorboard.backend import application
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.graph import graphs_plugin
    from tensorboard.plugins.histogram import histograms_plugin
    from tensorboard.plugins.image import images_plugin
    from tensorboard.plugins.scalar import scalars_plugin
    from tensorboard.plugins.text import text_plugin

    multiplexer = pem.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    ctx = base_plugin.TBContext(logdir=str(logdir), multiplexer=multiplexer,
                                data_provider=provider, flags=None)
    plugins = [p(ctx) for p in (scalars_plugin.ScalarsPlugin, histograms_plugin.HistogramsPlugin,
                                graphs_plugin.GraphsPlugin, images_plugin.ImagesPlugin,
                                text_plugin.TextPlugin)]
    client = werkzeug_test.Client(application.TensorBoardWSGI(plugins, data_provider=provider))

    def get(path, raw=False):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data()[:500])
        return response.get_data() if raw else json.loads(response.get_data())

    return get


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("tb") / "summ"
    writer = tf.summary.create_file_writer(str(logdir))
    assert not tf.summary.scalar("ignored", 1.0, step=0).numpy()  # no default writer
    img = (np.arange(2 * 4 * 5 * 3).reshape(2, 4, 5, 3) % 256).astype(np.uint8)
    with writer.as_default(step=3):
        assert tf.summary.scalar("loss", 0.5).numpy()
        with tf.name_scope("scope"):
            tf.summary.scalar("acc", 0.25, step=7, description="accuracy")
        tf.summary.histogram("h", np.arange(10.0))
        tf.summary.histogram("h3", np.arange(10.0), buckets=3)
        tf.summary.histogram("same", np.array([1, 1, 1]))
        tf.summary.image("img", img, max_outputs=1)
        tf.summary.text("note", "hello **markdown**")
        with tf.summary.record_if(False):
            assert not tf.summary.scalar("skipped", 1.0).numpy()

        @tf.function
        def step_fn(x):
            tf.summary.scalar("in_function", x, step=tf.summary.experimental.get_step())
            return x

        step_fn(tf.constant(1.5))
        step_fn(tf.constant(2.5))

        @tf.function
        def affine(x):
            return x * 2.0 + 1.0

        tf.summary.trace_on(graph=True)
        affine(tf.constant(1.0))
        tf.summary.trace_export("affine_trace", step=0)
        assert tf.summary.graph(affine.get_concrete_function(tf.constant(1.0)).graph).numpy()
    return dashboard(logdir.parent), img


def _ops(graph_text):
    return [line.split('"')[1] for line in graph_text.splitlines() if line.startswith("  op: ")]


def test_graphs_traced_and_written(summaries):
    get, _ = summaries
    info = get("/data/plugin/graphs/info")["summ"]
    assert info["run_graph"] and info["tags"]["affine_trace"]["op_graph"]
    # The nodes TensorFlow 2.21 writes for the same function.
    expected = ["Placeholder", "Const", "Mul", "Const", "AddV2", "Identity"]
    assert _ops(get("/data/plugin/graphs/graph?run=summ", raw=True).decode()) == expected
    traced = get("/data/plugin/graphs/graph?run=summ&tag=affine_trace", raw=True).decode()
    assert _ops(traced) == expected


def test_scalars_and_text(summaries):
    get, _ = summaries
    tags = get("/data/plugin/scalars/tags")["summ"]
    assert sorted(tags) == ["in_function", "loss", "scope/acc"]
    assert tags["scope/acc"]["description"] == "<p>accuracy</p>"
    values = {t: [(s, v) for _, s, v in get(f"/data/plugin/scalars/scalars?run=summ&tag={t}")]
              for t in tags}
    assert values == {"loss": [(3, 0.5)], "scope/acc": [(7, 0.25)],
                      "in_function": [(3, 1.5), (3, 2.5)]}
    text = get("/data/plugin/text/text?run=summ&tag=note")
    assert text[0]["step"] == 3 and "<strong>markdown</strong>" in text[0]["text"]


def test_histograms_as_tensorflow_buckets_them(summaries):
    get, _ = summaries

    def buckets(tag):
        return np.array(get(f"/data/plugin/histograms/histograms?run=summ&tag={tag}")[0][2])

    h = buckets("h")
    assert h.shape == (30, 3)
    np.testing.assert_allclose(h[:4], [[0, 0.3, 1], [0.3, 0.6, 0], [0.6, 0.9, 0], [0.9, 1.2, 1]])
    assert h[:, 2].sum() == 10 and h[-1, 1] == 9
    np.testing.assert_allclose(buckets("h3"), [[0, 3, 3], [3, 6, 3], [6, 9, 4]])
    same = buckets("same")
    assert (same[:, :2] == 1).all() and same[:, 2].tolist() == [0] * 29 + [3]


def test_images_decode_to_the_logged_pixels(summaries):
    PIL = pytest.importorskip("PIL.Image")
    get, img = summaries
    entries = get("/data/plugin/images/images?run=summ&tag=img&sample=0")
    assert [e["step"] for e in entries] == [3]
    png = get("/data/plugin/images/individualImage?" + entries[0]["query"], raw=True)
    np.testing.assert_array_equal(np.asarray(PIL.open(io.BytesIO(png))), img[0])


@pytest.fixture(scope="module")
def keras_logs(tmp_path_factory):
    keras = tf.keras
    logdir = tmp_path_factory.mktemp("tb") / "fit"
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d"),
                              keras.layers.Dense(1, name="out")], name="seq")
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.RandomState(0).rand(16, 3).astype("float32")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=8, verbose=0,
                        validation_split=0.25, callbacks=[keras.callbacks.TensorBoard(
                            str(logdir), histogram_freq=1, update_freq="batch",
                            write_images=True)])
    return dashboard(logdir), history, model


def test_callback_writes_keras_tags_and_values(keras_logs):
    get, history, _ = keras_logs
    tags = get("/data/plugin/scalars/tags")
    assert sorted(tags["train"]) == ["batch_loss", "batch_mae", "epoch_learning_rate",
                                     "epoch_loss", "epoch_mae"]
    assert sorted(tags["validation"]) == ["epoch_loss", "epoch_mae",
                                          "evaluation_loss_vs_iterations",
                                          "evaluation_mae_vs_iterations"]

    def series(run, tag):
        return [(s, v) for _, s, v in get(f"/data/plugin/scalars/scalars?run={run}&tag={tag}")]

    for key in ("loss", "mae"):
        np.testing.assert_allclose([v for _, v in series("train", f"epoch_{key}")],
                                   history.history[key], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in series("validation", f"epoch_{key}")],
                                   history.history[f"val_{key}"], rtol=1e-6)
    assert [s for s, _ in series("train", "batch_loss")] == [1, 2, 3, 4]
    assert [s for s, _ in series("validation", "evaluation_loss_vs_iterations")] == [2, 4]
    np.testing.assert_allclose([v for _, v in series("train", "epoch_learning_rate")],
                               [0.01, 0.01])


def test_callback_histograms_and_conceptual_graph(keras_logs):
    get, _, model = keras_logs
    tags = sorted(get("/data/plugin/histograms/tags")["train"])
    assert tags == ["seq/d/bias/histogram", "seq/d/kernel/histogram", "seq/out/bias/histogram",
                    "seq/out/kernel/histogram"]
    last = get("/data/plugin/histograms/histograms?run=train&tag=seq/d/kernel/histogram")
    assert [e[1] for e in last] == [0, 1]
    assert np.array(last[-1][2])[:, 2].sum() == 6
    images = sorted(get("/data/plugin/images/tags")["train"])
    # Weights drawn as images, as Keras draws them (a 1-element bias squeezes to a scalar: none).
    assert images == ["seq/d/bias/image", "seq/d/kernel/image", "seq/out/kernel/image"]
    info = get("/data/plugin/graphs/info")["train"]
    assert info["tags"]["keras"]["conceptual_graph"] and info["run_graph"]
    ops = _ops(get("/data/plugin/graphs/graph?run=train", raw=True).decode())
    assert {"MatMul", "Square", "AssignSubVariableOp"} <= set(ops)  # the train step and update
    graph = get("/data/plugin/graphs/graph?run=train&conceptual=true&tag=keras",
                raw=True).decode()
    assert 'name: "seq/d"' in graph and 'input: "seq/d"' in graph


def test_v1_summaries_recording_is_tensorflows_own(tf_side):
    """tests/summary/v1_tf_2.21.json, which tfedu's TF 1.x summaries are checked against, is
    what TensorFlow itself answers to tests/summary/v1_program.py."""
    from pathlib import Path

    summary_tests = Path(__file__).parents[1] / "summary"
    code = (summary_tests / "v1_program.py").read_text() + \
        "\nimport json, tensorflow as tf\nprint(json.dumps(run(tf)))\n"
    recorded = json.loads((summary_tests / "v1_tf_2.21.json").read_text())
    assert tf_side.run_tf_json(code) == recorded
