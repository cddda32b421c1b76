"""TensorFlow.js export: a Keras model as `model.json` + weight shards, for the browser.

`tfedu.js.converters` has `tensorflowjs.converters`' names, so `import tfedu.js as tfjs` reads
like the real package: `tfjs.converters.save_keras_model(model, "web_model")`.
"""

from tfedu.js import converters, page
from tfedu.js.converters import load_keras_model, save_keras_model

__all__ = ["converters", "page", "save_keras_model", "load_keras_model"]
