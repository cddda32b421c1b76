"""tf.estimator (TF 2.15-era): train/evaluate/predict in graphs, checkpoints, resume, hooks,
canned estimators, train_and_evaluate, and TF's log lines."""

import logging
import os

import numpy as np
import pytest

import tfedu as tf

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 4)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")


def input_fn(repeat=1):
    return lambda: tf.data.Dataset.from_tensor_slices(({"x": X}, Y)).batch(20).repeat(repeat)


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2, name="logits")
    preds = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"class": preds, "logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(
            mode, loss=loss, eval_metric_ops={"accuracy": tf.compat.v1.metrics.accuracy(labels,
                                                                                       preds)})
    opt = tf.compat.v1.train.GradientDescentOptimizer(params["lr"])
    train_op = opt.minimize(loss, global_step=tf.compat.v1.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


@pytest.fixture
def tf_log(caplog):
    logger = tf.get_logger()
    old = logger.level
    logger.setLevel(logging.INFO)
    logger.propagate = True
    caplog.set_level(logging.INFO, logger="tensorflow")
    yield caplog
    logger.setLevel(old)
    logger.propagate = False


def _est(tmp_path, **kw):
    config = tf.estimator.RunConfig(log_step_count_steps=5, **kw)
    return tf.estimator.Estimator(model_fn, model_dir=str(tmp_path), params={"lr": 0.5},
                                  config=config)


def test_train_checkpoints_and_resume(tmp_path, tf_log):
    est = _est(tmp_path, save_checkpoints_steps=4)
    est.train(input_fn(), steps=6)
    assert est.latest_checkpoint().endswith("model.ckpt-6")
    assert {"checkpoint", "model.ckpt-4.index", "model.ckpt-6.index"} <= set(os.listdir(tmp_path))
    text = tf_log.text
    for line in ["Calling model_fn.", "Done calling model_fn.", "Create CheckpointSaverHook.",
                 "Saving checkpoints for 0 into", "step = 0", "Loss for final step:"]:
        assert line in text
    w6 = est.get_variable_value("logits/kernel")
    tf_log.clear()
    # a new Estimator on the same model_dir (a restarted program) resumes from step 6
    again = _est(tmp_path, save_checkpoints_steps=4)
    again.train(input_fn(), max_steps=10)
    assert f"Restoring parameters from {tmp_path}" in tf_log.text
    assert again.latest_checkpoint().endswith("model.ckpt-10")
    assert not np.allclose(w6, again.get_variable_value("logits/kernel"))
    tf_log.clear()
    again.train(input_fn(), max_steps=10)
    assert "Skipping training since max_steps has already saved." in tf_log.text


def test_input_end_stops_training_and_evaluate_predict(tmp_path, tf_log):
    est = _est(tmp_path)
    est.train(input_fn(), steps=1000)  # 6 batches, then the input ends
    assert est.latest_checkpoint().endswith("model.ckpt-6")
    result = est.evaluate(input_fn())
    assert set(result) == {"accuracy", "loss", "global_step"} and result["global_step"] == 6
    assert result["accuracy"] > 0.7
    assert "Saving dict for global step 6: accuracy = " in tf_log.text
    preds = list(est.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": X[:5]}).batch(2)))
    assert len(preds) == 5 and set(preds[0]) == {"class", "logits"}
    only = next(est.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": X[:2]}).batch(2),
                            predict_keys=["class"]))
    assert set(only) == {"class"}


def test_errors_as_tensorflow(tmp_path):
    est = _est(tmp_path)
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps."):
        est.train(input_fn(), steps=1, max_steps=2)
    with pytest.raises(ValueError, match="does not include params argument, but params"):
        tf.estimator.Estimator(lambda features, labels, mode: None, params={"a": 1})
    with pytest.raises(ValueError, match="Missing train_op."):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, loss=tf.constant(1.0))
    assert (tf.estimator.ModeKeys.TRAIN, tf.estimator.ModeKeys.EVAL,
            tf.estimator.ModeKeys.PREDICT) == ("train", "eval", "infer")


def test_hooks_logging_and_stop_at_step(tmp_path, tf_log):
    est = _est(tmp_path)

    class Count(tf.estimator.SessionRunHook):
        calls = 0

        def after_run(self, run_context, run_values):
            Count.calls += 1

    est.train(input_fn(5), hooks=[tf.estimator.StopAtStepHook(num_steps=7), Count()])
    assert Count.calls == 7 and est.latest_checkpoint().endswith("-7")
    assert "loss = " in tf_log.text and "step = 5" in tf_log.text


def test_canned_estimators(tmp_path):
    cols = [tf.feature_column.numeric_column("x", shape=[4])]
    dnn = tf.estimator.DNNClassifier([8], cols, model_dir=str(tmp_path / "dnn"))
    dnn.train(input_fn(5), steps=30)
    res = dnn.evaluate(input_fn())
    assert {"accuracy", "auc", "average_loss", "loss", "precision", "recall",
            "global_step"} <= set(res)
    assert "dnn/hiddenlayer_0/kernel" in dnn.get_variable_names()
    lin = tf.estimator.LinearRegressor(cols, model_dir=str(tmp_path / "lin"))
    reg_input = lambda: tf.data.Dataset.from_tensor_slices(  # noqa: E731
        ({"x": X}, X[:, :1] * 2.0)).batch(20).repeat(10)
    lin.train(reg_input, steps=40)
    assert lin.evaluate(reg_input, steps=3)["average_loss"] < 4.0
    pred = next(lin.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": X[:1]}).batch(1)))
    assert pred["predictions"].shape == (1,)
    clf = tf.estimator.LinearClassifier(cols, n_classes=2, model_dir=str(tmp_path / "lc"))
    clf.train(input_fn(3), steps=10)
    assert "linear/linear_model/weights" in clf.get_variable_names()


def test_train_and_evaluate(tmp_path):
    est = _est(tmp_path, save_checkpoints_steps=5)
    result, exports = tf.estimator.train_and_evaluate(
        est, tf.estimator.TrainSpec(input_fn(10), max_steps=12),
        tf.estimator.EvalSpec(input_fn(), steps=3, throttle_secs=0))
    assert result["global_step"] == 12 and exports == []


def test_model_to_estimator_matches_fit(tmp_path):
    x = RNG.normal(size=(96, 4)).astype("float32")
    y = x.sum(1, keepdims=True).astype("float32")

    def make():
        tf.keras.utils.set_random_seed(0)
        m = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(1)])
        m.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
        return m

    keras = make()
    keras.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    est = tf.keras.estimator.model_to_estimator(make(), model_dir=str(tmp_path))
    data = lambda: tf.data.Dataset.from_tensor_slices((x, y)).batch(16)  # noqa: E731
    est.train(data, steps=6)
    est = tf.keras.estimator.model_to_estimator(make(), model_dir=str(tmp_path))  # resumes
    est.train(data, max_steps=12)
    for a, b in zip(keras.get_weights(), est._keras_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert est.evaluate(data)["global_step"] == 12
    with pytest.raises(ValueError, match="has not been compiled yet"):
        tf.keras.estimator.model_to_estimator(tf.keras.Sequential([tf.keras.layers.Dense(1)]))


def test_export_saved_model(tmp_path):
    est = _est(tmp_path / "m")
    est.train(input_fn(), steps=3)
    receiver = tf.estimator.export.build_raw_serving_input_receiver_fn({"x": tf.constant(X[:1])})
    path = est.export_saved_model(str(tmp_path / "export"), receiver)
    assert isinstance(path, bytes) and os.path.basename(path).isdigit()
    out = tf.saved_model.load(path.decode()).signatures["serving_default"](x=tf.constant(X[:2]))
    ours = list(est.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": X[:2]}).batch(2)))
    np.testing.assert_allclose(out["logits"].numpy(), [p["logits"] for p in ours], rtol=1e-6)
    assert not [p for p in os.listdir(tmp_path / "export") if p.startswith("temp-")]


def _model_fn_with_histogram(features, labels, mode, params):
    spec = model_fn(features, labels, mode, params)
    if mode == tf.estimator.ModeKeys.TRAIN:
        tf.compat.v1.summary.histogram("logits_kernel", tf.compat.v1.trainable_variables()[0])
    return spec


def test_model_dir_holds_what_tensorboard_shows(tmp_path):
    """graph.pbtxt, the training events (the loss every save_summary_steps at the step after
    the run, global_step/sec, the model_fn's own summaries, the graph) and eval/'s metrics."""
    from google.protobuf import text_format
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.compat.proto import graph_pb2

    config = tf.estimator.RunConfig(log_step_count_steps=2, save_summary_steps=2)
    est = tf.estimator.Estimator(_model_fn_with_histogram, model_dir=str(tmp_path),
                                 params={"lr": 0.5}, config=config)
    est.train(input_fn(), steps=5)
    result = est.evaluate(input_fn(), steps=2)
    gdef = text_format.Parse((tmp_path / "graph.pbtxt").read_text(), graph_pb2.GraphDef())
    nodes = {n.name: n.op for n in gdef.node}
    assert nodes["IteratorGetNext"] == "IteratorGetNext" and nodes["loss"] == "ScalarSummary"
    train = EventAccumulator(str(tmp_path))
    train.Reload()
    tags = train.Tags()
    assert tags["graph"] and tags["histograms"] == ["logits_kernel"]
    assert set(tags["scalars"]) == {"loss", "global_step/sec"}
    assert [e.step for e in train.Scalars("loss")] == [1, 3, 5]
    assert [e.step for e in train.Scalars("global_step/sec")] == [3, 5]
    evaluation = EventAccumulator(str(tmp_path / "eval"))
    evaluation.Reload()
    (acc,) = evaluation.Scalars("accuracy")
    assert (acc.step, acc.value) == (5, pytest.approx(float(result["accuracy"])))
    assert evaluation.Scalars("loss")[0].value == pytest.approx(float(result["loss"]))
