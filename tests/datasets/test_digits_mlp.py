"""An MLP trained with Keras fit on the shipped digits set reaches >= 95% test accuracy."""

import numpy as np

import tfedu as tf
import tfedu.datasets as tfds


def test_mlp_on_digits_reaches_95_percent():
    tf.keras.utils.set_random_seed(0)
    (x_tr, y_tr), (x_te, y_te) = [
        tfds.as_numpy(d) for d in tfds.load("digits", split=["train", "test"],
                                            as_supervised=True, batch_size=-1)]
    x_tr = x_tr.reshape(len(x_tr), -1).astype(np.float32) / 16.0
    x_te = x_te.reshape(len(x_te), -1).astype(np.float32) / 16.0
    model = tf.keras.Sequential([tf.keras.Input((64,)),
                                 tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(tf.keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x_tr, y_tr, epochs=15, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(x_te, y_te, verbose=0)
    assert acc >= 0.95
    pred = model.predict(x_te, verbose=0).argmax(-1)
    assert np.mean(pred == y_te) >= 0.95
