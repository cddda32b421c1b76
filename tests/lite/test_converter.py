"""tf.lite.TFLiteConverter: conversion of lesson layers, quantisation modes, options, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tfedu as tf
from tests.lite import models
from tfedu.lite import flatbuffer, schema

L = tf.keras.layers


def _ops(content: bytes) -> list:
    m = flatbuffer.read_model(content)
    codes = m["operator_codes"]
    return [schema.BUILTIN_NAMES[codes[o["opcode_index"]]["builtin_code"]]
            for o in m["subgraphs"][0]["operators"]]


def _tensor_types(content: bytes) -> dict:
    m = flatbuffer.read_model(content)
    return {t["name"]: schema.TYPE_NAMES[t["type"]] for t in m["subgraphs"][0]["tensors"]}


def test_float_cnn_folds_bias_batch_norm_and_relu_into_its_layers():
    content = models.convert(models.cnn())
    assert content[4:8] == b"TFL3"
    assert _ops(content) == ["CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RESHAPE",
                             "FULLY_CONNECTED", "SOFTMAX"]
    x = models.inputs((8, 8, 1))
    np.testing.assert_allclose(models.run(content, x), models.cnn()(x).numpy(), atol=1e-5)


def test_embedding_lstm_gru_concatenate_pooling_convert_and_match_tfedu():
    for model, xs in models.recurrent_and_merge():
        content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
        runner = tf.lite.Interpreter(model_content=content).get_signature_runner()
        names = tf.lite.Interpreter(model_content=content).get_signature_list()
        feeds = dict(zip(names["serving_default"]["inputs"], xs))
        got = runner(**feeds)["output_0"]
        want = model(xs if len(xs) > 1 else xs[0], training=False).numpy()
        np.testing.assert_allclose(got, want, atol=1e-5, err_msg=model.name)


def test_concrete_function_with_elementwise_math_has_no_signature_as_in_tf():
    @tf.function
    def f(x):
        return tf.exp(-tf.square(x)) * 2.0 + tf.sqrt(tf.abs(x)) - tf.maximum(x, 0.5) / 3.0

    cf = f.get_concrete_function(tf.TensorSpec([None, 4], tf.float32))
    content = tf.lite.TFLiteConverter.from_concrete_functions([cf], f).convert()
    x = models.inputs((4,))
    np.testing.assert_allclose(models.run(content, x), f(x).numpy(), atol=1e-5)
    it = tf.lite.Interpreter(model_content=content)
    assert it.get_signature_list() == {}
    details = it.get_input_details()[0]
    assert details["name"] == cf.inputs[0].name.split(":")[0]
    assert details["shape_signature"].tolist() == [-1, 4]


def test_keras_model_gets_a_serving_default_signature():
    content = models.convert(models.mlp())
    it = tf.lite.Interpreter(model_content=content)
    signatures = it.get_signature_list()
    assert list(signatures) == ["serving_default"]
    assert signatures["serving_default"]["outputs"] == ["output_0"]
    (input_name,) = signatures["serving_default"]["inputs"]
    assert it.get_input_details()[0]["name"] == f"serving_default_{input_name}:0"


def test_an_op_without_builtin_is_named_in_tfs_converter_error():
    @tf.function
    def f(x):
        return tf.math.lgamma(x) + 1.0

    cf = f.get_concrete_function(tf.TensorSpec([None, 4], tf.float32))
    with pytest.raises(tf.lite.ConverterError) as e:
        tf.lite.TFLiteConverter.from_concrete_functions([cf]).convert()
    text = str(e.value)
    assert "'tf.Lgamma' op is neither a custom op nor a flex op" in text
    assert "TF Select ops: Lgamma" in text
    assert "tf.Lgamma(tensor<?x4xf32>) -> (tensor<?x4xf32>)" in text


def test_dynamic_range_quantises_weights_of_1024_elements_or_more_per_channel():
    content = models.convert(models.mlp(), "dynamic")
    m = flatbuffer.read_model(content)
    tensors = {tuple(t["shape"]): t for t in m["subgraphs"][0]["tensors"]}
    big, small = tensors[(64, 64)], tensors[(10, 64)]
    assert schema.TYPE_NAMES[big["type"]] == "INT8"
    assert len(big["quantization"]["scale"]) == 64 and big["quantization"]["quantized_dimension"] == 0
    assert schema.TYPE_NAMES[small["type"]] == "FLOAT32"  # 640 elements: stays float
    assert len(content) < 0.5 * len(models.convert(models.mlp()))
    tiny = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(8), L.Dense(3)])
    assert len(models.convert(tiny, "dynamic")) == len(models.convert(tiny))


def test_full_integer_with_int8_io_has_tfs_fixed_softmax_output_parameters():
    content = models.convert(models.cnn(), "int8io", (8, 8, 1))
    it = tf.lite.Interpreter(model_content=content)
    assert it.get_input_details()[0]["dtype"] == np.int8
    out = it.get_output_details()[0]
    assert out["dtype"] == np.int8 and out["quantization"] == (0.00390625, -128)
    assert set(_tensor_types(content).values()) <= {"INT8", "INT32"}
    x = models.inputs((8, 8, 1))
    np.testing.assert_allclose(models.run(content, x), models.cnn()(x).numpy(), atol=0.05)


def test_full_integer_with_float_io_quantizes_first_and_dequantizes_last():
    content = models.convert(models.mlp(), "int8", (64,))
    ops = _ops(content)
    assert ops[0] == "QUANTIZE" and ops[-1] == "DEQUANTIZE"
    it = tf.lite.Interpreter(model_content=content)
    assert it.get_input_details()[0]["dtype"] == np.float32
    weights = [t for t in it.get_tensor_details() if list(t["shape"]) == [64, 64]][0]
    assert weights["dtype"] == np.int8
    assert len(weights["quantization_parameters"]["scales"]) == 64  # per channel


def test_float16_stores_every_float_weight_as_half():
    content = models.convert(models.mlp(), "float16")
    types = _tensor_types(content)
    assert "FLOAT16" in types.values()
    assert _ops(content).count("DEQUANTIZE") == 2  # two kernels; the zero biases are dropped, as TF does
    x = models.inputs((64,))
    np.testing.assert_allclose(models.run(content, x), models.mlp()(x).numpy(), atol=1e-3)


def test_options_are_checked_as_tf_checks_them():
    c = tf.lite.TFLiteConverter.from_keras_model(models.mlp())
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with pytest.raises(ValueError, match="a `representative_dataset` must be specified"):
        c.convert()
    c = tf.lite.TFLiteConverter.from_keras_model(models.mlp())
    c.inference_input_type = tf.int8
    with pytest.raises(ValueError, match="must be tf.float32"):
        c.convert()
    c.inference_input_type = tf.int16
    with pytest.raises(ValueError, match="inference_input_type must be in"):
        c.convert()
    assert [str(o) for o in tf.lite.Optimize][0] == "DEFAULT"


def test_int8_only_target_refuses_an_op_without_int8_kernel():
    @tf.function
    def f(x):
        return tf.exp(x) / 3.0

    c = tf.lite.TFLiteConverter.from_concrete_functions(
        [f.get_concrete_function(tf.TensorSpec([None, 4], tf.float32))])
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = models.representative((4,))
    float_fallback = c.convert()  # EXP and DIV stay float between (DE)QUANTIZE ops
    x = models.inputs((4,))
    np.testing.assert_allclose(models.run(float_fallback, x), f(x).numpy(), rtol=1e-5)
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with pytest.raises(tf.lite.ConverterError, match="Quantization not yet supported for op"):
        c.convert()


def test_rescaling_keeps_its_multiply_and_drops_its_add_of_zero():
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), L.Rescaling(1 / 16), L.Conv2D(4, 3)])
    content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    assert _ops(content) == ["MUL", "CONV_2D"]
    x = models.inputs((8, 8, 1))
    np.testing.assert_allclose(models.run(content, x), model(x).numpy(), atol=1e-5)


def test_quantization_report_measures_every_mode():
    import matplotlib

    matplotlib.use("Agg")
    from tfedu.lite.report import MODES, quantization_report

    x = models.inputs((64,), n=40)
    y = models.mlp()(x).numpy().argmax(-1)
    report = quantization_report(models.mlp(), x, y, models.representative((64,)))
    assert [r.mode for r in report.rows] == list(MODES)
    sizes = {r.mode: r.size for r in report.rows}
    assert sizes["dynamic range"] < sizes["float16"] < sizes["float32"]
    assert report.rows[0].accuracy == 1.0 and report.rows[0].max_error < 1e-5
    assert all(r.accuracy > 0.8 for r in report.rows)
    assert "full integer, int8 I/O" in repr(report) and "<table>" in report._repr_html_()
    assert len(report.plot().axes) == 2


def test_from_saved_model_inlines_the_signatures_call_of_the_model(tmp_path):
    class Classifier(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.float32, name="image")])
        def serve(self, image):
            return {"probs": self.model(image, training=False)}

    module = Classifier(models.cnn())
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.serve})
    content = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path)).convert()
    it = tf.lite.Interpreter(model_content=content)
    assert it.get_signature_list() == {"serving_default": {"inputs": ["image"],
                                                           "outputs": ["probs"]}}
    x = models.inputs((8, 8, 1))
    got = it.get_signature_runner()(image=x)["probs"]
    np.testing.assert_allclose(got, models.cnn()(x).numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="Invalid signature key 'nope' found"):
        tf.lite.TFLiteConverter.from_saved_model(str(tmp_path), signature_keys=["nope"])
