"""`tf.saved_model`: save objects with their variables and traced functions in TensorFlow's
SavedModel format, and load SavedModels (tfedu's or TensorFlow's) back.

    tf.saved_model.save(module, "exported", signatures=module.__call__)
    loaded = tf.saved_model.load("exported")
    loaded.signatures["serving_default"](x=tf.constant([[1.0, 2.0]]))   # {'output_0': ...}

The files are TensorFlow's: real TensorFlow, TF Serving and the converters read what tfedu
writes. `python -m tfedu.saved_model show --dir D --all` prints what `saved_model_cli show`
prints. See `saving.py` for the layout of the directory and `loading.py` for what loading builds.
"""

from __future__ import annotations

from tfedu._lazy import lazy_getattr

# Constants (tf.saved_model.*), as TensorFlow defines them.
SERVING = "serve"
TRAINING = "train"
EVAL = "eval"
GPU = "gpu"
TPU = "tpu"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
PREDICT_INPUTS = "inputs"
PREDICT_OUTPUTS = "outputs"
CLASSIFY_INPUTS = "inputs"
CLASSIFY_OUTPUT_CLASSES = "classes"
CLASSIFY_OUTPUT_SCORES = "scores"
REGRESS_INPUTS = "inputs"
REGRESS_OUTPUTS = "outputs"
ASSETS_DIRECTORY = "assets"
ASSETS_KEY = "saved_model_assets"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
SAVED_MODEL_SCHEMA_VERSION = 1
MAIN_OP_KEY = "saved_model_main_op"
INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"

_LAZY = {
    "save": "tfedu.saved_model.saving",
    "SaveOptions": "tfedu.saved_model.saving",
    "load": "tfedu.saved_model.loading",
    "LoadOptions": "tfedu.saved_model.options",
    "contains_saved_model": "tfedu.saved_model.options",
    "experimental": "tfedu.saved_model.experimental",
}


__getattr__ = lazy_getattr(__name__, _LAZY, modules=("experimental",))


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
