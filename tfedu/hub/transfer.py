"""Transfer learning with the text module, on a task it was never trained for (lesson 13).

The task: tell which of eight topics a sentence is about, from only a few labelled sentences per
topic. The sentences come from the part of the corpus the embedding never saw (its last 20 %),
and the embedding never saw any topic label. Three ways to learn it, same network each time
(the module's bag of word vectors, then a Dense classifier):

- **frozen**: the module's vectors kept as they are; only the classifier trains;
- **fine-tuned**: after the frozen run, the vectors train too, with a 10x smaller learning
  rate (train the new head first, then unfreeze: large gradients from a random head would
  wreck the pretrained vectors);
- **from scratch**: the same network with random vectors, everything trained.

With a few examples per topic, most test sentences hold words no training sentence had: from
scratch, those words carry nothing learned; the pretrained vectors already place them near
their topic's other words. `compare()` runs the three and returns accuracy and time.
"""

from __future__ import annotations

import time

import numpy as np

import tfedu as tf
from tfedu.hub import corpus

__all__ = ["HANDLE", "topic_task", "classifier", "scratch_layer", "compare", "MARGIN"]

HANDLE = "tfedu/text_embedding_dim32/1"
HELD_OUT_FROM = 3200  # the module trained on the corpus's first 3200 sentences only
MARGIN = 0.25  # frozen and fine-tuned beat from-scratch by at least this much (lesson 13)


def topic_task(per_topic=3, seed=0, test_size=400):
    """(x_train, y_train, x_test, y_test, topics): `per_topic` labelled sentences per topic,
    drawn at random (`seed`) from the held-out corpus; `test_size` others to test on."""
    from tfedu.hub.build import CORPUS_FILE

    rows = corpus.read(CORPUS_FILE)[HELD_OUT_FROM:]
    topics = sorted({t for t, _ in rows})
    seen, train, test = dict.fromkeys(topics, 0), [], []
    for i in np.random.default_rng(seed).permutation(len(rows)):
        topic, sentence = rows[i]
        (train if seen[topic] < per_topic else test).append((topics.index(topic), sentence))
        seen[topic] += 1
    test = test[:test_size]
    return (*_arrays(train), *_arrays(test), topics)


def _arrays(pairs):
    return (np.array([s for _, s in pairs], dtype=object),
            np.array([t for t, _ in pairs], dtype=np.int64))


def classifier(base, head=None, name="topics", classes=8):
    """Sentences -> `base` (a hub.KerasLayer) -> `head` (default: a new Dense(classes)) logits.
    Passing the layers of another classifier builds a second model sharing its weights."""
    head = head if head is not None else tf.keras.layers.Dense(classes, name="head")
    return tf.keras.Sequential([tf.keras.Input((), dtype="string"), base, head], name=name)


def scratch_layer(seed=0):
    """The text module as a trainable KerasLayer whose word vectors start random."""
    from tfedu.hub.keras_layer import KerasLayer

    layer = KerasLayer(HANDLE, trainable=True, name="embedding_from_scratch")
    rng = np.random.default_rng(seed)
    for v in layer.weights:
        v.assign(rng.normal(0.0, 0.1, v.shape).astype(np.float32))
    return layer


def _train(model, data, lr, epochs, callbacks=()):
    x, y, xt, yt = data
    model.compile(tf.keras.optimizers.Adam(lr),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0,
                        validation_data=(xt, yt), callbacks=list(callbacks))
    return history.history["val_accuracy"][-1], time.perf_counter() - start


def compare(per_topic=3, seed=0, epochs=60, fine_tune_epochs=20, callbacks=()) -> dict:
    """Frozen, fine-tuned and from-scratch runs: `{name: {"accuracy", "seconds"}}`."""
    from tfedu.hub.keras_layer import KerasLayer

    data = topic_task(per_topic, seed)[:4]
    tf.keras.utils.set_random_seed(seed)
    layer = KerasLayer(HANDLE, trainable=False)
    model = classifier(layer, name="frozen")
    frozen = _train(model, data, 1e-2, epochs, callbacks)
    layer.trainable = True
    model = classifier(layer, model.layers[-1], name="fine_tuned")
    tuned = _train(model, data, 1e-3, fine_tune_epochs, callbacks)
    tf.keras.utils.set_random_seed(seed)
    scratch = _train(classifier(scratch_layer(seed), name="from_scratch"), data, 1e-2,
                     epochs + fine_tune_epochs, callbacks)
    runs = {"frozen": frozen, "fine-tuned": (tuned[0], frozen[1] + tuned[1]),
            "from scratch": scratch}
    return {k: {"accuracy": float(a), "seconds": float(s)} for k, (a, s) in runs.items()}
