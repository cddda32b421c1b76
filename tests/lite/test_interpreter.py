"""tf.lite.Interpreter: TF's API and error messages, and its kernels against plain numpy."""

from __future__ import annotations

import numpy as np
import pytest

import tfedu as tf
from tests.lite import models
from tfedu.lite.kernels.base import KERNELS, Node, Quant
from tfedu.lite.kernels.nn import patches


@pytest.fixture(scope="module")
def content():
    return models.convert(models.mlp())


def test_details_have_tfs_keys_and_dynamic_batch(content):
    it = tf.lite.Interpreter(model_content=content)
    d = it.get_input_details()[0]
    assert list(d) == ["name", "index", "shape", "shape_signature", "dtype", "quantization",
                       "quantization_parameters", "sparsity_parameters"]
    assert d["shape"].tolist() == [1, 64] and d["shape_signature"].tolist() == [-1, 64]
    assert d["dtype"] is np.float32 and d["quantization"] == (0.0, 0)
    assert d["quantization_parameters"]["quantized_dimension"] == 0
    assert len(it.get_tensor_details()) > 3


def test_errors_are_tfs(content, tmp_path):
    with pytest.raises(ValueError, match="`model_path` or `model_content` must be specified."):
        tf.lite.Interpreter()
    with pytest.raises(ValueError, match="Could not open"):
        tf.lite.Interpreter(model_path=str(tmp_path / "missing.tflite"))
    it = tf.lite.Interpreter(model_content=content)
    with pytest.raises(ValueError, match=r"Tensor data is null. Run allocate_tensors\(\) first"):
        it.get_tensor(it.get_output_details()[0]["index"])
    with pytest.raises(RuntimeError, match="Invoke called on model that is not ready."):
        it.invoke()
    it.allocate_tensors()
    with pytest.raises(ValueError, match="Got value of type FLOAT64 but expected type FLOAT32 "
                                         "for input 0, name: serving_default_"):
        it.set_tensor(0, np.zeros((1, 64)))
    with pytest.raises(ValueError, match="Dimension mismatch. Got 2 but expected 1 for "
                                         "dimension 0 of input 0."):
        it.set_tensor(0, np.zeros((2, 64), np.float32))
    with pytest.raises(ValueError, match="Invalid tensor index 99 exceeds max tensor index"):
        it.get_tensor(99)


def test_resize_then_allocate_runs_a_batch(content):
    it = tf.lite.Interpreter(model_content=content)
    it.resize_tensor_input(0, [3, 64])
    it.allocate_tensors()
    assert it.get_output_details()[0]["shape"].tolist() == [3, 10]
    x = models.inputs((64,))
    it.set_tensor(0, x)
    it.invoke()
    y = it.get_tensor(it.get_output_details()[0]["index"])
    np.testing.assert_allclose(y, models.mlp()(x).numpy(), atol=1e-6)
    it.resize_tensor_input(0, [2, 63])
    with pytest.raises(RuntimeError, match=r"Node number 0 \(FULLY_CONNECTED\) failed to prepare"):
        it.allocate_tensors()


def test_signature_runner(content):
    it = tf.lite.Interpreter(model_content=content)
    (name,) = it.get_signature_list()["serving_default"]["inputs"]
    runner = it.get_signature_runner()
    out = runner(**{name: models.inputs((64,), n=2)})
    assert out["output_0"].shape == (2, 10)
    assert list(runner.get_input_details()) == [name]
    with pytest.raises(ValueError, match=r"Invalid Input name \(x\) for SignatureDef"):
        runner(x=np.zeros((1, 64), np.float32))
    with pytest.raises(ValueError, match="expected 1 vs provided 0"):
        runner()
    with pytest.raises(ValueError, match='Invalid signature_key provided: "nope".'):
        it.get_signature_runner("nope")


def _node(op, inputs, options, out_dtype=np.float32):
    return Node(op, inputs, options, [Quant()] * len(inputs), [Quant()], [out_dtype])


def _windows_reference(x, k, stride, pad_before):
    """Max over windows by explicit loops (the readable definition)."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (pad_before, k), (pad_before, k), (0, 0)), constant_values=-np.inf)
    oh, ow = -(-h // stride), -(-w // stride)
    out = np.empty((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = xp[:, i * stride:i * stride + k, j * stride:j * stride + k].max((1, 2))
    return out


def test_same_padding_pools_like_the_loop_definition():
    x = models.inputs((7, 7, 2), n=2)
    opts = {"padding": 0, "stride_h": 2, "stride_w": 2, "filter_height": 3, "filter_width": 3}
    got = KERNELS["MAX_POOL_2D"](_node("MAX_POOL_2D", [x], opts))[0]
    np.testing.assert_array_equal(got, _windows_reference(x, 3, 2, 1))
    assert patches(x, 3, 3, opts).shape == (2, 4, 4, 3, 3, 2)


def test_depthwise_multiplier_reads_input_channel_k_over_multiplier():
    x = models.inputs((5, 5, 2), n=1)
    w = models.inputs((3, 3, 4), n=1)  # [1, 3, 3, 2 channels * multiplier 2]
    opts = {"padding": 1, "stride_h": 1, "stride_w": 1, "depth_multiplier": 2}
    got = KERNELS["DEPTHWISE_CONV_2D"](_node("DEPTHWISE_CONV_2D", [x, w, None], opts))[0]
    for k in range(4):
        want = sum(x[0, i:i + 3, j:j + 3, k // 2] * w[0, :, :, k]
                   for i in range(1) for j in range(1)).sum()
        assert got[0, 0, 0, k] == pytest.approx(want, rel=1e-5)
