"""`tfedu.hub`: tensorflow_hub's API over an offline hub of small pretrained modules.

    import tfedu.hub as hub

    hub.list_modules()                       # {handle: info} of the modules tfedu ships
    extractor = hub.KerasLayer("tfedu/digits_feature_vector/1", trainable=False)
    embed = hub.load("tfedu/text_embedding_dim32/1")
    embed(tf.constant(["the cat sleeps"]))   # (1, 32) sentence embeddings

Handles are catalogue names, directories, `file://` URLs, and TF Hub / Kaggle URLs found in
tensorflow_hub's cache (`TFHUB_CACHE_DIR`); nothing is downloaded (`resolver.py`). Modules are
SavedModels in TensorFlow's format and the "Reusable SavedModel" form, so real TensorFlow and
tensorflow_hub load tfedu's modules and tfedu loads theirs, when they use ops tfedu has.
`python -m tfedu.hub.build` retrains the shipped modules (`build.py`); `export.py` turns any
Keras model into such a module.
"""

from __future__ import annotations

from tfedu._lazy import lazy_getattr

_LAZY = {
    "load": "tfedu.hub.module",
    "resolve": "tfedu.hub.resolver",
    "KerasLayer": "tfedu.hub.keras_layer",
    "list_modules": "tfedu.hub.catalogue",
    "module_info": "tfedu.hub.catalogue",
    "export_module": "tfedu.hub.export",
}

__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
