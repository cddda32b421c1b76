"""`tf.compat.v1.saved_model`: TF 1.x SavedModel loading and writing (sessions and graphs),
with the TF 2 names (`save`, `load_v2`, constants) alongside."""

from __future__ import annotations

import types

from tfedu.saved_model import (  # noqa: F401
    ASSETS_DIRECTORY,
    ASSETS_KEY,
    CLASSIFY_METHOD_NAME,
    DEFAULT_SERVING_SIGNATURE_DEF_KEY,
    EVAL,
    GPU,
    MAIN_OP_KEY,
    PREDICT_INPUTS,
    PREDICT_METHOD_NAME,
    PREDICT_OUTPUTS,
    REGRESS_METHOD_NAME,
    SAVED_MODEL_FILENAME_PB,
    SAVED_MODEL_FILENAME_PBTXT,
    SAVED_MODEL_SCHEMA_VERSION,
    SERVING,
    TPU,
    TRAINING,
    VARIABLES_DIRECTORY,
    VARIABLES_FILENAME,
)
from tfedu.saved_model.builder_v1 import (  # noqa: F401
    Builder,
    build_signature_def,
    build_tensor_info,
    predict_signature_def,
    simple_save,
)
from tfedu.saved_model.loader_v1 import load, maybe_saved_model_directory  # noqa: F401
from tfedu.saved_model.options import contains_saved_model  # noqa: F401

builder = types.SimpleNamespace(SavedModelBuilder=Builder)
loader = types.SimpleNamespace(load=load, maybe_saved_model_directory=maybe_saved_model_directory)
utils = types.SimpleNamespace(build_tensor_info=build_tensor_info)
signature_def_utils = types.SimpleNamespace(build_signature_def=build_signature_def,
                                            predict_signature_def=predict_signature_def)
tag_constants = types.SimpleNamespace(SERVING=SERVING, TRAINING=TRAINING, EVAL=EVAL, GPU=GPU,
                                      TPU=TPU)
signature_constants = types.SimpleNamespace(
    DEFAULT_SERVING_SIGNATURE_DEF_KEY=DEFAULT_SERVING_SIGNATURE_DEF_KEY,
    PREDICT_METHOD_NAME=PREDICT_METHOD_NAME, PREDICT_INPUTS=PREDICT_INPUTS,
    PREDICT_OUTPUTS=PREDICT_OUTPUTS, CLASSIFY_METHOD_NAME=CLASSIFY_METHOD_NAME,
    REGRESS_METHOD_NAME=REGRESS_METHOD_NAME)


def __getattr__(name):
    import tfedu.saved_model as v2

    if name in ("save", "load_v2", "SaveOptions", "LoadOptions"):
        return getattr(v2, "load" if name == "load_v2" else name)
    raise AttributeError(f"module 'tfedu.compat.v1.saved_model' has no attribute '{name}'")
