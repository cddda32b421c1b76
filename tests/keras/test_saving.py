"""Keras files in tfedu alone: Keras's errors, custom objects, atomic saves, and planted payloads
that every reader must refuse without running anything (interop with real Keras lives in
tests/interop/test_keras_files.py)."""

import io
import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import tfedu.keras as keras

L = keras.layers
MARKER = "tfedu_payload_ran"
# Python bytecode of `lambda x: open(MARKER, "w")`: what a hostile file would carry.
PAYLOAD_CODE = keras.saving.serialization_lib.func_dump(lambda x: open(MARKER, "w"))[0]


@pytest.fixture
def model():
    m = keras.Sequential([keras.Input((3,)), L.Dense(2, activation="relu"), L.Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    m.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
    return m


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert not os.path.exists(MARKER), "a file's payload was executed"
    assert not [f for f in os.listdir(tmp_path) if f.startswith((".tfedu-", ".tmp-"))], "temp file left"


def _rewrite_keras(src, dst, config=None, weights=None):
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    if config is not None:
        parts["config.json"] = json.dumps(config)
    if weights is not None:
        parts["model.weights.h5"] = weights
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _config(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))


def _h5_bytes(build):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        build(f)
    return buf.getvalue()


# --- names, suffixes and messages -----------------------------------------------------------
def test_suffix_errors_and_missing_files(model):
    with pytest.raises(ValueError, match=r"^Invalid filepath extension for saving\. Please add "
                                         r"either a `\.keras` extension"):
        model.save("m.tf")
    with pytest.raises(ValueError, match=r"^The filename must end in `\.weights\.h5`\. "
                                         r"Received: filepath=w\.h5$"):
        model.save_weights("w.h5")
    with pytest.raises(ValueError, match=r"^File not found: filepath=nope\.keras\. Please ensure "):
        keras.models.load_model("nope.keras")
    with pytest.raises(ValueError, match=r"^File format not supported: filepath=saved_model_dir"):
        keras.models.load_model("saved_model_dir")
    assert sorted(os.listdir(".")) == []


def test_round_trips_keep_predictions_and_optimizer(model):
    x = np.random.RandomState(0).rand(5, 3).astype("float32")
    model.save("m.keras")
    model.save_weights("m.weights.h5")
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        model.save("m.h5")
    for path in ("m.keras", "m.h5"):
        loaded = keras.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        assert int(loaded.optimizer.iterations.numpy()) == 1
        assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    clone = keras.models.clone_model(model)
    assert not clone.compiled
    clone.load_weights("m.weights.h5")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    json_model = keras.models.model_from_json(model.to_json())
    assert [type(lyr).__name__ for lyr in json_model.layers] == ["Dense", "Dense"]


def test_unbuilt_optimizer_is_skipped_with_keras_warning(model):
    model.save_weights("m.weights.h5")
    fresh = keras.models.clone_model(model)
    fresh.compile(optimizer="adam", loss="mse")
    with pytest.warns(UserWarning, match=r"^Skipping variable loading for optimizer 'adam"):
        fresh.load_weights("m.weights.h5")


def test_shape_mismatch_is_collected_into_keras_error(model):
    model.save_weights("m.weights.h5")
    other = keras.Sequential([keras.Input((4,)), L.Dense(2), L.Dense(1)])
    with pytest.raises(ValueError, match=r"^A total of 1 objects could not be loaded\. Example "
                                         r"error message for object <Dense name="):
        other.load_weights("m.weights.h5")


# --- custom objects -------------------------------------------------------------------------
class Doubler(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


def test_custom_layer_needs_registration_or_custom_objects():
    inp = keras.Input((2,))
    m = keras.Model(inp, Doubler(3.0)(inp))
    m.save("c.keras")
    entry = _config("c.keras")["config"]["layers"][1]
    assert (entry["class_name"], entry["registered_name"], entry["config"]["factor"]) == (
        "Doubler", "Doubler", 3.0)
    # As in Keras, the model's own from_config wraps the layer's TypeError.
    with pytest.raises(TypeError, match=r"could not be deserialized properly(.|\n)*Could not "
                                        r"locate class 'Doubler'\. Make sure custom classes"):
        keras.models.load_model("c.keras")
    loaded = keras.models.load_model("c.keras", custom_objects={"Doubler": Doubler})
    assert loaded.predict(np.ones((1, 2)), verbose=0).tolist() == [[3.0, 3.0]]
    with keras.saving.custom_object_scope({"Doubler": Doubler}):
        assert keras.models.load_model("c.keras").layers[1].factor == 3.0


def test_registered_function_and_name():
    @keras.saving.register_keras_serializable(package="lesson")
    def halve(x):
        return x / 2

    assert keras.saving.get_registered_name(halve) == "lesson>halve"
    assert keras.saving.get_registered_object("lesson>halve") is halve
    cfg = keras.saving.serialize_keras_object(halve)
    assert cfg == {"module": __name__, "class_name": "function", "config": "lesson>halve",
                   "registered_name": "lesson>halve"}
    assert keras.saving.deserialize_keras_object(cfg) is halve
    with pytest.raises(ValueError, match="does not have a get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


# --- planted payloads: nothing from a file runs ---------------------------------------------
def _lambda_model():
    inp = keras.Input((2,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = keras.Model(inp, L.Lambda(lambda t: t + 1.0, name="plus_one")(inp))
    return m


def test_keras_file_lambda_payload_is_refused():
    m = _lambda_model()
    with pytest.warns(UserWarning, match="includes a `lambda`"):
        keras.saving.serialize_keras_object(lambda t: t)
    m.save("l.keras")
    cfg = _config("l.keras")
    cfg["config"]["layers"][1]["config"]["function"]["config"]["code"] = PAYLOAD_CODE
    _rewrite_keras("l.keras", "p.keras", config=cfg)
    with pytest.raises(ValueError, match=r"^Requested the deserialization of a `Lambda` layer "
                                         r"whose `function` is a Python lambda\."):
        keras.models.load_model("p.keras")
    with pytest.raises(ValueError, match=r"^tfedu never runs code stored in a file"):
        keras.models.load_model("p.keras", safe_mode=False)
    loaded = keras.models.load_model("p.keras", safe_mode=False,
                                     custom_objects={"plus_one": lambda t: t + 1.0})
    assert loaded.predict(np.zeros((1, 2)), verbose=0).tolist() == [[1.0, 1.0]]


def test_enable_unsafe_deserialization_still_runs_no_bytecode(monkeypatch):
    from tfedu.keras.saving import serialization_lib

    _lambda_model().save("l.keras")
    monkeypatch.setitem(serialization_lib._state_global, "safe_mode", None)
    keras.config.enable_unsafe_deserialization()
    with pytest.raises(ValueError, match=r"^tfedu never runs code stored in a file"):
        keras.models.load_model("l.keras")
    assert keras.models.load_model("l.keras", custom_objects={"plus_one": abs}) is not None


@pytest.mark.parametrize("entry", [
    {"module": "os", "class_name": "system", "config": {"command": "touch x"},
     "registered_name": None},
    {"module": "builtins", "class_name": "function", "config": "eval", "registered_name": None},
    {"module": "keras.src.saving.saving_api", "class_name": "load_model",
     "config": {"filepath": "x"}, "registered_name": None},
    {"class_name": "__lambda__", "config": {"value": [PAYLOAD_CODE, None, None]}},
])
def test_keras_file_names_only_keras_classes(model, entry):
    model.save("m.keras")
    cfg = _config("m.keras")
    cfg["config"]["layers"][1] = entry
    _rewrite_keras("m.keras", "p.keras", config=cfg)
    with pytest.raises((TypeError, ValueError)):
        keras.models.load_model("p.keras", safe_mode=False)


def _plant_strings(f):
    group = f.create_group("layers/dense/vars")
    group.create_dataset("0", data=np.array([b"a"] * 6, dtype=object).reshape(3, 2),
                         dtype=h5py.string_dtype())
    group["1"] = np.zeros(2, "float32")


@pytest.mark.filterwarnings("ignore:Skipping variable loading")
def test_weights_payloads_are_refused(model, in_tmp):
    outside = in_tmp / "outside.h5"
    with h5py.File(outside, "w") as f:
        f["data"] = np.zeros((3, 2), "float32")
    plants = {
        "external link": lambda f: f.__setitem__("layers", h5py.ExternalLink(str(outside), "/")),
        "soft link": lambda f: (f.create_group("x"),
                                f.__setitem__("layers", h5py.SoftLink("/x"))),
        "object dtype": _plant_strings,
    }
    model.save("m.keras")
    for what, plant in plants.items():
        data = _h5_bytes(plant)
        _rewrite_keras("m.keras", "p.keras", weights=data)
        with pytest.raises(ValueError, match="Refusing|not a plain number"):
            keras.models.load_model("p.keras")
        with open("p.weights.h5", "wb") as f:
            f.write(data)
        with pytest.raises(ValueError, match="Refusing|not a plain number"):
            model.load_weights("p.weights.h5")
        assert what


def test_keras_archive_with_old_or_oversized_members_is_refused(model):
    with zipfile.ZipFile("old.keras", "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.npz", b"PK")
    with pytest.raises(ValueError, match=r"has no `model.weights.h5`"):
        keras.models.load_model("old.keras")
    with zipfile.ZipFile("bomb.keras", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", b"\0" * (4 << 20))
    with pytest.raises(ValueError, match="Refusing to read `model.weights.h5`"):
        keras.models.load_model("bomb.keras")


def test_legacy_h5_payloads_are_refused():
    m = _lambda_model()
    with pytest.warns(UserWarning):
        m.save("l.h5")
    with h5py.File("l.h5", "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        cfg["config"]["layers"][1]["config"]["function"]["config"]["code"] = PAYLOAD_CODE
        f.attrs["model_config"] = json.dumps(cfg)
    with pytest.raises(ValueError, match="Requested the deserialization of a `Lambda` layer"):
        keras.models.load_model("l.h5")
    with pytest.raises(ValueError, match="tfedu never runs code stored in a file"):
        keras.models.load_model("l.h5", safe_mode=False)
    with h5py.File("l.h5", "a") as f:
        f.attrs["model_config"] = np.arange(3)
    with pytest.raises(ValueError, match="is not text"):
        keras.models.load_model("l.h5")


# --- atomic saves ---------------------------------------------------------------------------
def test_failed_save_leaves_old_file_and_no_temp(model):
    model.save("m.keras")
    before = open("m.keras", "rb").read()

    class Unsaveable(L.Layer):
        def get_config(self):
            raise RuntimeError("cannot describe myself")

    inp = keras.Input((3,))
    bad = keras.Model(inp, Unsaveable()(inp))
    with pytest.raises(RuntimeError, match="cannot describe myself"):
        bad.save("m.keras")
    with pytest.raises(RuntimeError, match="cannot describe myself"), \
            pytest.warns(UserWarning):
        bad.save("m.h5")
    assert open("m.keras", "rb").read() == before
    assert sorted(os.listdir(".")) == ["m.keras"]
    assert os.stat("m.keras").st_mode & 0o044 == 0o044 & ~_umask()  # readable as open() makes


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
