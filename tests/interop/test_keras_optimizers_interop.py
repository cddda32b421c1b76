"""Adadelta, Nadam, Adamax, Ftrl and Lion against real Keras 3: the same weights and gradients
give the same variables and slots after several steps (clipping, weight decay and a schedule
included), the same configs, and their slots travel both ways through `tf.train.Checkpoint`
and `.keras` files. One TensorFlow subprocess does the Keras side of every check."""

import json
import os
import warnings

import numpy as np
import pytest

import tfedu as tf
from tests.interop import optimizer_cases as oc

keras = tf.keras

TF_SCRIPT = """
import json, os, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
import keras, tensorflow as tf
import optimizer_cases as oc
work, out = {work!r}, {{}}

def config(opt):
    c = opt.get_config()
    c.pop("name")
    return keras.saving.serialize_keras_object(c)

for case in oc.CASES:
    layer, opt = oc.run_steps(keras, case)
    out[case] = oc.values(layer.trainable_variables) + oc.values(opt.variables)
    out["config/" + case] = config(opt)
    tf.train.Checkpoint(layer=layer, optimizer=opt).write(os.path.join(work, "tf_ck_" + case))
    layer, opt = oc.dense(keras), oc.CASES[case](keras)
    opt.build(layer.trainable_variables)
    ck = tf.train.Checkpoint(layer=layer, optimizer=opt)
    ck.read(os.path.join(work, "tfedu_ck_" + case)).assert_existing_objects_matched()
    out["restored/" + case] = oc.values(layer.trainable_variables) + oc.values(opt.variables)
for name in oc.NAMES:
    model = oc.fit(keras, name)
    out["fit/" + name] = oc.values(model.trainable_variables + model.optimizer.variables)
    model.save(os.path.join(work, "tf_" + name + ".keras"))
    loaded = keras.models.load_model(os.path.join(work, "tfedu_" + name + ".keras"))
    out["loaded/" + name] = oc.values(loaded.trainable_variables + loaded.optimizer.variables)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    work = tmp_path_factory.mktemp("keras_optimizers")
    ours = {}
    for case in oc.CASES:
        layer, opt = oc.run_steps(keras, case)
        ours[case] = (layer, opt)
        tf.train.Checkpoint(layer=layer, optimizer=opt).write(str(work / f"tfedu_ck_{case}"))
    for name in oc.NAMES:
        ours["fit/" + name] = model = oc.fit(keras, name)
        model.save(str(work / f"tfedu_{name}.keras"))
    here = os.path.dirname(os.path.abspath(oc.__file__))
    theirs = tf_side.run_tf_json(TF_SCRIPT.format(here=here, work=str(work)))
    return work, ours, theirs


def _close(mine, theirs):
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def _state(layer, opt):
    return oc.values(layer.trainable_variables) + oc.values(opt.variables)


@pytest.mark.parametrize("case", list(oc.CASES))
def test_steps_match_keras(exchange, case):
    _, ours, theirs = exchange
    _close(_state(*ours[case]), theirs[case])


@pytest.mark.parametrize("case", list(oc.CASES))
def test_config_matches_keras_and_round_trips(exchange, case):
    _, ours, theirs = exchange
    opt = ours[case][1]
    config = opt.get_config()
    assert {k: v for k, v in config.items() if k != "name"} == theirs["config/" + case]
    assert type(opt).from_config(config).get_config() == config


@pytest.mark.parametrize("case", list(oc.CASES))
def test_checkpoints_carry_the_slots_both_ways(exchange, case):
    work, ours, theirs = exchange
    _close(theirs["restored/" + case], _state(*ours[case]))
    layer, opt = oc.dense(keras), oc.CASES[case](keras)
    opt.build(layer.trainable_variables)
    tf.train.Checkpoint(layer=layer, optimizer=opt).read(str(work / f"tf_ck_{case}"))
    _close(_state(layer, opt), theirs[case])


@pytest.mark.parametrize("name", oc.NAMES)
def test_compiled_by_name_fits_and_keras_files_carry_the_slots(exchange, name):
    work, ours, theirs = exchange
    model = ours["fit/" + name]
    mine = oc.values(model.trainable_variables + model.optimizer.variables)
    _close(mine, theirs["fit/" + name])
    _close(theirs["loaded/" + name], mine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = keras.models.load_model(str(work / f"tf_{name}.keras"))
    _close(oc.values(loaded.trainable_variables + loaded.optimizer.variables),
           theirs["fit/" + name])
    assert type(loaded.optimizer).__name__.lower() == name


def test_unknown_and_bad_arguments_raise_as_keras_does():
    with pytest.raises(ValueError, match=r"`learning_rate_power` needs to be negative or zero\. "
                                         r"Received: learning_rate_power=0\.5\."):
        keras.optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match=r"Argument `beta_1` must be in the \[0, 1\] range"):
        keras.optimizers.Lion(beta_1=0.0)
    names = [keras.optimizers.get(n).name.rstrip("_0123456789") for n in oc.NAMES]
    assert names == oc.NAMES
    assert json.loads(json.dumps(keras.optimizers.Nadam().get_config()))["beta_2"] == 0.999
