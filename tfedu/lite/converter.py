"""`tf.lite.TFLiteConverter`: a traced model in, a `.tflite` FlatBuffer out.

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]      # quantise (optional)
    tflite_bytes = converter.convert()

The steps, each a module of its own:

1. trace the model with `tf.function` and `freeze` the graph (`program.py`): variables become
   constants, everything computable ahead of time is computed;
2. `legalize` (`legalize.py`): each TF op becomes a TFLite builtin - or the conversion stops
   with TF's error naming the ops that have none;
3. `fuse` (`fuse.py`): biases, batch normalisation and activations fold into the layers;
4. quantise if asked (`quantize.py`): dynamic range, full integer or float16;
5. `serialize` (`writer.py`): the FlatBuffer, in TFLite's schema.
"""

from __future__ import annotations

import enum

import numpy as np

from tfedu.lite import quantize
from tfedu.lite.errors import ConverterError
from tfedu.lite.fuse import fuse
from tfedu.lite.legalize import legalize
from tfedu.lite.program import freeze
from tfedu.lite.writer import serialize

__all__ = ["TFLiteConverter", "Optimize", "OpsSet", "TargetSpec", "RepresentativeDataset"]


class Optimize(enum.Enum):
    """What to optimise for. DEFAULT quantises; the other two are its deprecated aliases."""

    DEFAULT = "DEFAULT"
    OPTIMIZE_FOR_SIZE = "OPTIMIZE_FOR_SIZE"
    OPTIMIZE_FOR_LATENCY = "OPTIMIZE_FOR_LATENCY"
    EXPERIMENTAL_SPARSITY = "EXPERIMENTAL_SPARSITY"

    def __str__(self):
        return str(self.value)


class OpsSet(enum.Enum):
    """Which operator sets the converted model may use."""

    TFLITE_BUILTINS = "TFLITE_BUILTINS"
    SELECT_TF_OPS = "SELECT_TF_OPS"
    TFLITE_BUILTINS_INT8 = "TFLITE_BUILTINS_INT8"
    EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 = (
        "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8")
    EXPERIMENTAL_STABLEHLO_OPS = "EXPERIMENTAL_STABLEHLO_OPS"

    def __str__(self):
        return str(self.value)


class TargetSpec:
    """The device the model is for: the operator sets and weight types it supports."""

    def __init__(self, supported_ops=None, supported_types=None,
                 experimental_select_user_tf_ops=None, experimental_supported_backends=None):
        self.supported_ops = set(supported_ops or {OpsSet.TFLITE_BUILTINS})
        self.supported_types = set(supported_types or set())
        self.experimental_select_user_tf_ops = set(experimental_select_user_tf_ops or set())
        self.experimental_supported_backends = experimental_supported_backends


class RepresentativeDataset:
    """A generator of sample inputs (lists of arrays), for calibrating full-integer models."""

    def __init__(self, input_gen):
        self.input_gen = input_gen


def _dtype_name(dtype) -> str:
    if dtype is None:
        return "float32"
    return getattr(dtype, "name", None) or np.dtype(dtype).name


class TFLiteConverter:
    """Converts concrete functions (from a Keras model, a SavedModel or `tf.function`)."""

    def __init__(self, funcs, trackable_obj=None):
        self._funcs = list(funcs)
        self._trackable_obj = trackable_obj
        self._input_names = None
        self._signature_key = None  # a bare concrete function gets no signature, as in TF
        self.optimizations = []
        self.representative_dataset = None
        self.target_spec = TargetSpec()
        self.inference_input_type = None
        self.inference_output_type = None
        self.allow_custom_ops = False
        self.experimental_new_converter = True
        self.experimental_new_quantizer = True
        self.exclude_conversion_metadata = False

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_concrete_functions(cls, funcs, trackable_obj=None):
        """From `[f.get_concrete_function(spec)]` (one function: TFLite has one entry point)."""
        if len(list(funcs)) != 1:
            raise ValueError("This converter can only convert a single ConcreteFunction. "
                             "Converting multiple functions is under development.")
        return cls(funcs, trackable_obj)

    @classmethod
    def from_keras_model(cls, model):
        """Trace `model(x, training=False)` over its input signature (batch left unknown)."""
        from tfedu.lite.tracing import keras_concrete_function

        cf, names = keras_concrete_function(model)
        converter = cls([cf], model)
        converter._input_names = names
        converter._signature_key = "serving_default"
        return converter

    @classmethod
    def from_saved_model(cls, saved_model_dir, signature_keys=None, tags=None):
        """The `serving_default` signature (or the one key given) of a SavedModel."""
        from tfedu.lite.tracing import saved_model_concrete_function

        keys = list(signature_keys or ["serving_default"])
        if len(keys) != 1:
            raise ValueError("Only support a single signature key.")
        cf, loaded = saved_model_concrete_function(saved_model_dir, keys[0], tags)
        converter = cls([cf], loaded)
        converter._signature_key = keys[0]
        return converter

    # ------------------------------------------------------------------ conversion

    def convert(self) -> bytes:
        """The `.tflite` FlatBuffer bytes."""
        self._check_options()
        program = self._frozen()
        try:
            program = fuse(legalize(program))
        except ConverterError as e:
            if OpsSet.SELECT_TF_OPS in set(self.target_spec.supported_ops):
                raise ConverterError(f"{e}\n(tfedu writes TFLite builtin operators only; it has "
                                     f"no Select TF ops.)") from None
            raise
        mode = self._mode()
        program = quantize.apply(program, mode, self)
        return serialize(program, quantize.MIN_RUNTIME[mode])

    def _frozen(self):
        from tfedu.lite.tracing import signature_names

        cf = self._funcs[0]
        input_names, output_names = signature_names(cf)
        return freeze(cf, self._input_names or input_names, output_names, self._signature_key)

    def _mode(self) -> str:
        """float, dynamic, int8 or float16: what the options ask for, as TF reads them."""
        optimize = set(self.optimizations or ()) & {Optimize.DEFAULT, Optimize.OPTIMIZE_FOR_SIZE,
                                                    Optimize.OPTIMIZE_FOR_LATENCY}
        int8_only = set(self.target_spec.supported_ops) == {OpsSet.TFLITE_BUILTINS_INT8}
        if not optimize:
            return "float"
        if {_dtype_name(t) for t in self.target_spec.supported_types} == {"float16"}:
            return "float16"
        if self.representative_dataset is not None:
            return "int8"
        if int8_only or _dtype_name(self.inference_input_type) in ("int8", "uint8"):
            raise ValueError("For full integer quantization, a `representative_dataset` must "
                             "be specified.")
        return "dynamic"

    def _check_options(self):
        for name in ("inference_input_type", "inference_output_type"):
            kind = _dtype_name(getattr(self, name))
            if kind not in ("float32", "int8", "uint8"):
                raise ValueError(f"{name} must be in ['tf.float32', 'tf.int8', 'tf.uint8'], "
                                 f"got tf.{kind}.")
        integer_io = {_dtype_name(self.inference_input_type),
                      _dtype_name(self.inference_output_type)} - {"float32"}
        if integer_io and not self.optimizations:
            raise ValueError("The inference_input_type and inference_output_type must be "
                             "tf.float32.")
