"""`tf.lite`: TensorFlow Lite in tfedu - convert a model to a `.tflite` FlatBuffer, run it.

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]     # optional: quantise
    open("model.tflite", "wb").write(converter.convert())

    interpreter = tf.lite.Interpreter(model_path="model.tflite")
    interpreter.allocate_tensors()

The files are TFLite's own format: they run in the real LiteRT runtime, and files from
TensorFlow's converter run in `tf.lite.Interpreter`, a small numpy runtime written to be read
(`interpreter.py`, `kernels/`).
"""

from tfedu.lite.converter import (
    Optimize,
    OpsSet,
    RepresentativeDataset,
    TargetSpec,
    TFLiteConverter,
)
from tfedu.lite.errors import ConverterError
from tfedu.lite.interpreter import Interpreter


class experimental:
    """`tf.lite.experimental`: the op resolver choice TF's Interpreter accepts (ignored here)."""

    class OpResolverType:
        AUTO = 0
        BUILTIN = 1
        BUILTIN_REF = 2
        BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3
