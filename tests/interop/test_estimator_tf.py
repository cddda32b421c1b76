"""The Estimator's checkpoints are TensorFlow's: real TensorFlow 2.21 finds the latest one in
model_dir and reads every variable, with the values tfedu wrote."""

import json

import numpy as np

import tfedu as tf
from tests.estimator.test_estimator import input_fn, model_fn


def test_tensorflow_reads_the_estimators_checkpoints(tf_side, tmp_path):
    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path), params={"lr": 0.5})
    est.train(input_fn(), steps=4)
    ours = {n: est.get_variable_value(n).tolist() for n in est.get_variable_names()}
    theirs = tf_side.run_tf_json(f"""
        import json
        import tensorflow as tf
        d = {str(tmp_path)!r}
        r = tf.train.load_checkpoint(d)
        print(json.dumps({{"latest": tf.train.latest_checkpoint(d),
                           "values": {{n: r.get_tensor(n).tolist()
                                      for n, _ in tf.train.list_variables(d)}}}}))
    """)
    assert theirs["latest"].endswith("model.ckpt-4")
    assert set(theirs["values"]) == set(ours) >= {"global_step", "logits/kernel", "logits/bias"}
    for name, value in ours.items():
        np.testing.assert_array_equal(np.asarray(theirs["values"][name]), np.asarray(value))
    assert json.loads(json.dumps(theirs["values"]["global_step"])) == 4


def test_tensorflow_serves_the_exported_saved_model(tf_side, tmp_path):
    from tests.estimator.test_estimator import X

    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path / "m"), params={"lr": 0.5})
    est.train(input_fn(), steps=3)
    receiver = tf.estimator.export.build_raw_serving_input_receiver_fn({"x": tf.constant(X[:1])})
    path = est.export_saved_model(str(tmp_path / "export"), receiver).decode()
    ours = list(est.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": X[:3]}).batch(3)))
    theirs = tf_side.run_tf_json(f"""
        import json
        import numpy as np
        import tensorflow as tf
        m = tf.saved_model.load({path!r})
        x = np.asarray({X[:3].tolist()!r}, np.float32)
        out = m.signatures["serving_default"](x=tf.constant(x))
        print(json.dumps({{k: v.numpy().tolist() for k, v in out.items()}}))
    """)
    np.testing.assert_allclose(theirs["logits"], [p["logits"] for p in ours], rtol=1e-6)
    assert theirs["class"] == [int(p["class"]) for p in ours]
