"""TensorFlow's `tf.train.Example`: `Example`, `Features`, `Feature` and its value lists.

`tensorboard.compat.proto` does not ship example.proto / feature.proto, so they are declared
here with TensorFlow's package and field numbers (tensorflow/core/example/*.proto): bytes
written with these classes are TensorFlow's serialized Examples. TF Serving's classify and
regress APIs send the model a batch of them.
"""

from __future__ import annotations

from tfedu.protos._build import message_classes

FILE = "tfedu/protos/example.proto"
_classes = message_classes(FILE, "tensorflow", [], {
    "BytesList": {"fields": [(1, "value", "bytes", None, True)]},
    "FloatList": {"fields": [(1, "value", "float", None, True)]},
    "Int64List": {"fields": [(1, "value", "int64", None, True)]},
    "Feature": {"oneofs": ["kind"], "fields": [
        (1, "bytes_list", "message", ".tensorflow.BytesList", False, 0),
        (2, "float_list", "message", ".tensorflow.FloatList", False, 0),
        (3, "int64_list", "message", ".tensorflow.Int64List", False, 0)]},
    "Features": {"fields": [], "maps": [(1, "feature", "string", "message",
                                         ".tensorflow.Feature")]},
    "Example": {"fields": [(1, "features", "message", ".tensorflow.Features")]},
})

globals().update(_classes)
__all__ = sorted(_classes) + ["FILE"]
