"""`keras.constraints` against real Keras 3: the projections' values, their configs inside
layers, and their effect during training (the optimizer applies them after each step) for
Dense, Conv1D, Embedding, LSTM and BatchNormalization; and `keras.utils.split_dataset`'s
splits and errors. One TensorFlow subprocess does the Keras side of every check."""

import os

import numpy as np
import pytest

import tfedu as tf
from tests.interop import optimizer_cases as oc

keras = tf.keras
WEIGHT = np.array([[1.5, -0.2], [-0.7, 0.1], [0.4, 2.0]], "float32")

TF_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
import numpy as np, keras
import optimizer_cases as oc
W, out = np.array({weight!r}, "float32"), {{}}
for case, make in oc.CONSTRAINTS.items():
    c = keras.constraints.get(make(keras))
    out["value/" + case] = np.asarray(c(W)).tolist()
    layer = keras.layers.Dense(2, kernel_constraint=make(keras), bias_constraint="non_neg")
    config = layer.get_config()
    out["config/" + case] = [config["kernel_constraint"], config["bias_constraint"]]
    model = oc.fit(keras, keras.optimizers.SGD(0.5), kernel_constraint=make(keras),
                   bias_constraint="non_neg")
    out["fit/" + case] = oc.values(model.trainable_variables)
for name, model in oc.constrained_models(keras).items():
    model.compile(keras.optimizers.SGD(0.3), "mse")
    model.fit(oc.constrained_inputs(name), oc.data()[1], batch_size=4, verbose=0, shuffle=False)
    out["layer/" + name] = oc.values(model.trainable_variables)
    out["layer_config/" + name] = [l.get_config() for l in model.layers]
import tensorflow as tf
for name, halves in oc.split_cases(keras, tf.data).items():
    out["split/" + name] = [oc.listed(h) for h in halves]
out["split_errors"] = oc.split_errors(keras)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def theirs(tf_side):
    here = os.path.dirname(os.path.abspath(oc.__file__))
    return tf_side.run_tf_json(TF_SCRIPT.format(here=here, weight=WEIGHT.tolist()))


def _close(mine, theirs):
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", list(oc.CONSTRAINTS))
def test_constraint_values_and_configs_match_keras(theirs, case):
    make = oc.CONSTRAINTS[case]
    c = keras.constraints.get(make(keras))
    _close([np.asarray(c(WEIGHT))], [theirs["value/" + case]])
    config = keras.layers.Dense(2, kernel_constraint=make(keras),
                                bias_constraint="non_neg").get_config()
    pair = [config["kernel_constraint"], config["bias_constraint"]]
    assert pair == theirs["config/" + case]
    again = keras.layers.Dense.from_config(config).get_config()
    assert [again["kernel_constraint"], again["bias_constraint"]] == pair


@pytest.mark.parametrize("case", list(oc.CONSTRAINTS))
def test_dense_constraints_hold_after_each_step_as_in_keras(theirs, case):
    model = oc.fit(keras, keras.optimizers.SGD(0.5), kernel_constraint=oc.CONSTRAINTS[case](keras),
                   bias_constraint="non_neg")
    _close(oc.values(model.trainable_variables), theirs["fit/" + case])
    assert (model.layers[0].bias.numpy() >= 0).all()


@pytest.mark.parametrize("name", ["conv1d", "embedding", "lstm", "batch_norm"])
def test_every_layer_kind_applies_its_constraints_as_keras_does(theirs, name, tmp_path):
    model = oc.constrained_models(keras)[name]
    model.compile(keras.optimizers.SGD(0.3), "mse")
    model.fit(oc.constrained_inputs(name), oc.data()[1], batch_size=4, verbose=0, shuffle=False)
    _close(oc.values(model.trainable_variables), theirs["layer/" + name])
    mine = [layer.get_config() for layer in model.layers]
    for ours, keras_config in zip(mine, theirs["layer_config/" + name]):
        keys = [k for k in keras_config if k.endswith("_constraint")]
        assert {k: ours[k] for k in keys} == {k: keras_config[k] for k in keys}
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [layer.get_config() for layer in loaded.layers] == mine


def test_get_serialize_and_bad_identifiers():
    c = keras.constraints
    assert isinstance(c.get("unit_norm"), c.UnitNorm) and isinstance(c.get("NonNeg"), c.NonNeg)
    assert c.max_norm is c.MaxNorm and c.get(None) is None
    assert c.serialize(c.MaxNorm(3)) == {"module": "keras.constraints", "class_name": "MaxNorm",
                                         "config": {"max_value": 3, "axis": 0},
                                         "registered_name": None}
    assert c.get(c.serialize(c.MinMaxNorm(0.2))).get_config()["min_value"] == 0.2
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: nope"):
        c.get("nope")


@pytest.mark.parametrize("name", ["array", "tuple_shuffled", "batched", "dict"])
def test_split_dataset_matches_keras(theirs, name):
    halves = oc.split_cases(keras, tf.data)[name]
    assert [oc.listed(h) for h in halves] == theirs["split/" + name]


def test_split_dataset_errors_match_keras(theirs):
    assert oc.split_errors(keras) == theirs["split_errors"]


def test_pad_sequences_is_also_under_preprocessing_sequence():
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.sequence.pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]
