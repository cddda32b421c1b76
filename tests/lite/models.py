"""Lesson-sized models the tf.lite and tf.js tests convert (seeded, built once per process)."""

from __future__ import annotations

import functools

import numpy as np

import tfedu as tf

L = tf.keras.layers


@functools.cache
def mlp():
    """64 -> 64 (relu) -> 10 (softmax): the 64x64 kernel is big enough to quantise dynamically."""
    tf.keras.utils.set_random_seed(1)
    return tf.keras.Sequential([tf.keras.Input((64,)), L.Dense(64, activation="relu"),
                                L.Dense(10, activation="softmax")])


@functools.cache
def cnn():
    """Conv, batch norm (with non-trivial statistics), depthwise conv, pooling, dense."""
    tf.keras.utils.set_random_seed(2)
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)), L.Conv2D(8, 3, padding="same"), L.BatchNormalization(),
        L.Activation("relu"), L.DepthwiseConv2D(3, depth_multiplier=2), L.MaxPooling2D(),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    rng = np.random.default_rng(2)
    for w in model.layers[1].weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
    return model


def inputs(shape, n=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n,) + tuple(shape)).astype("float32")


def representative(shape, n=16, seed=5):
    def gen():
        rng = np.random.default_rng(seed)
        for _ in range(n):
            yield [rng.normal(size=(1,) + tuple(shape)).astype("float32")]

    return gen


def convert(model, mode="float", shape=None):
    """The model converted in one of the modes: float, dynamic, int8, int8io, float16."""
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode.startswith("int8"):
        c.representative_dataset = representative(shape)
    if mode == "int8io":
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8
    if mode == "float16":
        c.target_spec.supported_types = [tf.float16]
    return c.convert()


def run(content: bytes, x: np.ndarray) -> np.ndarray:
    """Run a .tflite model on float x (quantising and dequantising int8 I/O)."""
    it = tf.lite.Interpreter(model_content=content)
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    it.resize_tensor_input(d["index"], x.shape)
    it.allocate_tensors()
    if d["dtype"] == np.int8:
        scale, zero = d["quantization"]
        x = np.clip(np.round(x / scale + zero), -128, 127).astype(np.int8)
    it.set_tensor(d["index"], x)
    it.invoke()
    y = it.get_tensor(o["index"])
    if o["dtype"] == np.int8:
        scale, zero = o["quantization"]
        y = (y.astype(np.float32) - zero) * scale
    return y


def recurrent_and_merge():
    """(model, inputs): Concatenate, Embedding + LSTM, GRU + SimpleRNN, strided conv and pools."""
    tf.keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,), name="b")
    joined = L.Concatenate()([L.Dense(5, activation="tanh")(a), b])
    yield (tf.keras.Model([a, b], L.Dense(2, activation="sigmoid")(joined)),
           [rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")])
    yield (tf.keras.Sequential([tf.keras.Input((5,), dtype="int32"), L.Embedding(20, 4),
                                L.LSTM(3)]), [rng.integers(0, 20, (2, 5)).astype("int32")])
    yield (tf.keras.Sequential([tf.keras.Input((5, 2)), L.GRU(3, return_sequences=True),
                                L.SimpleRNN(2)]), [rng.normal(size=(2, 5, 2)).astype("float32")])
    yield (tf.keras.Sequential([tf.keras.Input((8, 8, 3)), L.Conv2D(4, 3, strides=2,
                                                                  activation="relu6"),
                                L.AveragePooling2D(2, padding="same"),
                                L.GlobalAveragePooling2D(), L.Reshape((2, 2)), L.Flatten(),
                                L.Activation("elu")]),
           [rng.normal(size=(2, 8, 8, 3)).astype("float32")])
