"""Train and write the modules that ship in `tfedu/hub/modules/`:

    python -m tfedu.hub.build            # both modules, their model cards and the catalogue
    python -m tfedu.hub.build --corpus   # also rewrite the text corpus (tfedu/hub/data/)
    python -m tfedu.hub.build --out DIR --check   # rebuild elsewhere, compare with what ships

Everything is seeded: the same tfedu builds the same modules. The modules are small on
purpose (they ship in the wheel): see each `MODEL_CARD.md` for data, architecture, accuracy
and size.

- `digits_feature_vector`: a small CNN trained to classify the digits 0-4 of the shipped
  `digits` set (8x8 greyscale); the module is the network up to its 64-unit feature layer.
  The digits 5-9 are kept out: they are the new task of lesson 13's transfer learning.
- `text_embedding_dim32`: 32-dimensional word vectors learned as word2vec's CBOW learns them
  (predict a word from its neighbours) on the shipped corpus (`corpus.py`), never seeing
  its topic labels; a sentence's embedding is the sum of its words' vectors over sqrt(count).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil

import numpy as np

import tfedu as tf
from tfedu.hub import corpus
from tfedu.hub.catalogue import CATALOGUE_FILE, MODULES_DIR
from tfedu.hub.export import export_module

__all__ = ["digits", "image_feature_extractor", "build_image_module", "build_text_module",
           "TextEmbedding", "CORPUS_FILE", "main"]

CORPUS_FILE = os.path.join(os.path.dirname(__file__), "data", "topics_corpus.txt")
BASE_CLASSES = (0, 1, 2, 3, 4)
SEED = 0


def digits(split, classes):
    """(images scaled to [0, 1] as float32 (n, 8, 8, 1), labels) of the `digits` set, only
    the given classes, labels renumbered 0.. in that order."""
    import tfedu.datasets as tfds

    x, y = tfds.as_numpy(tfds.load("digits", split=split, batch_size=-1, as_supervised=True))
    keep = np.isin(y, classes)
    relabel = {c: i for i, c in enumerate(classes)}
    return ((x[keep] / 16.0).astype(np.float32),
            np.array([relabel[int(c)] for c in y[keep]], dtype=np.int64))


def image_feature_extractor(name="digits_feature_vector"):
    """The CNN of the image module: (8, 8, 1) pixels in [0, 1] -> 64 features."""
    L = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dense(64, activation="relu"),
    ], name=name)


def _accuracy(model, x, y) -> float:
    return float(np.mean(np.argmax(model(x).numpy(), axis=-1) == y))


def build_image_module(out_dir, epochs=30):
    """Train the CNN on digits 0-4; export its feature part. Returns the facts for the card."""
    tf.keras.utils.set_random_seed(SEED)
    x, y = digits("train", BASE_CLASSES)
    xt, yt = digits("test", BASE_CLASSES)
    features = image_feature_extractor()
    model = tf.keras.Sequential([features, tf.keras.layers.Dense(len(BASE_CLASSES))])
    model.compile(tf.keras.optimizers.Adam(3e-3),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    export_module(features, out_dir, output_key="feature_vector")
    return {"train_examples": len(x), "test_examples": len(xt), "epochs": epochs,
            "test_accuracy": round(_accuracy(model, xt, yt), 4),
            "parameters": int(features.count_params())}


# --- the text embedding ----------------------------------------------------------------------

def _tokens(sentence: str) -> list[str]:
    return "".join(c if c.isalpha() or c == " " else " " for c in sentence.lower()).split()


def _cbow_pairs(sentences, index, window=2):
    """(context word ids padded with 0 to 2*window, centre word id) for every word."""
    contexts, targets = [], []
    for s in sentences:
        ids = [index[w] for w in _tokens(s)]
        for i, w in enumerate(ids):
            ctx = ids[max(0, i - window):i] + ids[i + 1:i + 1 + window]
            contexts.append(ctx + [0] * (2 * window - len(ctx)))
            targets.append(w)
    return np.array(contexts, dtype=np.int64), np.array(targets, dtype=np.int64)


class TextEmbedding(tf.Module):
    """Sentences -> 32 numbers: lower-case, keep letters, split on spaces, look each word up
    in the vocabulary (unknown words count for nothing), sum the vectors / sqrt(count)."""

    def __init__(self, vocabulary, vectors):
        super().__init__(name="text_embedding")
        self.vocabulary = list(vocabulary)
        self.embeddings = tf.Variable(vectors.astype(np.float32), name="embeddings")

    def __call__(self, inputs, training=False):
        with tf.name_scope("text_embedding"):
            text = tf.strings.regex_replace(tf.strings.lower(inputs), "[^a-z ]", " ")
            words = tf.strings.split(text)
            vocab = tf.constant(self.vocabulary)
            onehot = tf.cast(tf.equal(words.values[:, None], vocab[None, :]), tf.float32)
            vectors = tf.matmul(onehot, self.embeddings)
            n = tf.shape(inputs)[0]
            total = tf.math.unsorted_segment_sum(vectors, words.value_rowids(), n)
            count = tf.math.unsorted_segment_sum(tf.reduce_sum(onehot, 1), words.value_rowids(), n)
            return total / tf.sqrt(tf.maximum(count, 1.0))[:, None]


def _train_cbow(sentences, vocab, dim, epochs):
    index = {w: i + 1 for i, w in enumerate(vocab)}  # 0 pads the context
    ctx, target = _cbow_pairs(sentences, index)
    L = tf.keras.layers
    embed = L.Embedding(len(vocab) + 1, dim, mask_zero=True)
    model = tf.keras.Sequential([tf.keras.Input((ctx.shape[1],), dtype="int64"), embed,
                                 L.GlobalAveragePooling1D(), L.Dense(len(vocab) + 1)])
    model.compile(tf.keras.optimizers.Adam(1e-2),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    hist = model.fit(ctx, target, epochs=epochs, batch_size=256, verbose=0)
    return embed.get_weights()[0][1:], len(ctx), float(hist.history["loss"][-1])


def topic_probe_accuracy(embed, rows, per_topic=10, seed=SEED) -> float:
    """Accuracy of a linear classifier of topics trained on `per_topic` embedded sentences per
    topic (the first ones), tested on the other sentences."""
    tf.keras.utils.set_random_seed(seed)
    topics = sorted({t for t, _ in rows})
    picked, rest, seen = [], [], dict.fromkeys(topics, 0)
    for t, s in rows:
        (picked if seen[t] < per_topic else rest).append((topics.index(t), s))
        seen[t] += 1
    x_train, x_test = (embed(tf.constant([s for _, s in part])).numpy()
                       for part in (picked, rest))
    y_train, y_test = (np.array([t for t, _ in part]) for part in (picked, rest))
    clf = tf.keras.Sequential([tf.keras.Input((x_train.shape[1],)),
                               tf.keras.layers.Dense(len(topics))])
    clf.compile(tf.keras.optimizers.Adam(5e-2),
                tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    clf.fit(x_train, y_train, epochs=100, batch_size=len(x_train), verbose=0)
    return _accuracy(clf, x_test, y_test)


def build_text_module(out_dir, dim=32, epochs=8):
    """Learn the word vectors on the corpus; export the sentence embedding."""
    tf.keras.utils.set_random_seed(SEED)
    rows = corpus.read(CORPUS_FILE)
    train, held_out = rows[: len(rows) * 4 // 5], rows[len(rows) * 4 // 5:]
    vocab = sorted({w for _, s in train for w in _tokens(s)})
    vectors, pairs, loss = _train_cbow([s for _, s in train], vocab, dim, epochs)
    module = TextEmbedding(vocab, vectors)
    export_module(module, out_dir, tf.TensorSpec([None], tf.string), output_key="default")
    return {"train_sentences": len(train), "cbow_pairs": pairs, "vocabulary": len(vocab),
            "epochs": epochs, "final_loss": round(loss, 4),
            "probe_accuracy": round(topic_probe_accuracy(module, held_out), 4)}


# --- model cards and the catalogue -----------------------------------------------------------

IMAGE_CARD = """# digits_feature_vector (tfedu/digits_feature_vector/1)

An image feature extractor: 8x8 greyscale digit images in, 64 features out.

- **Input**: float32 `(batch, 8, 8, 1)`, pixels scaled to [0, 1] (the `digits` set's 0..16
  divided by 16).
- **Output**: float32 `(batch, 64)`, the ReLU features before the classifier
  (`serving_default` signature: output key `feature_vector`).
- **Architecture**: Conv2D(16, 3x3, relu) - Conv2D(16, 3x3, relu) - MaxPool 2x2 -
  Conv2D(32, 3x3, relu) - MaxPool 2x2 - Flatten - Dense(64, relu); {parameters} parameters.
- **Training data**: the {train_examples} images of the digits 0-4 in the `train` split of
  tfedu's shipped `digits` set (UCI optical recognition of handwritten digits); the digits 5-9
  were never shown to it.
- **Training**: with a Dense(5) classifier on top, Adam (learning rate 0.003), batch 32,
  {epochs} epochs, seed {seed}; the classifier is not part of the module.
- **Accuracy**: {test_accuracy:.1%} on the {test_examples} test images of the digits 0-4.
- **Size**: {size_bytes} bytes on disk.
- **Use**: `hub.KerasLayer("tfedu/digits_feature_vector/1", trainable=False)` then a new
  classifier; lesson 13 transfers it to the digits 5-9.
- **Rebuild**: `python -m tfedu.hub.build` (deterministic).
"""

TEXT_CARD = """# text_embedding_dim32 (tfedu/text_embedding_dim32/1)

A sentence embedding: strings in, 32 numbers per string out.

- **Input**: string `(batch,)`, English sentences.
- **Output**: float32 `(batch, 32)` (`serving_default` signature: output key `default`).
- **Architecture**: lower-case, keep the letters a-z, split on spaces; each known word's
  32-number vector (a vocabulary of {vocabulary} words; unknown words count for nothing);
  the sum of the vectors divided by the square root of their number (TF Hub's NNLM
  embeddings combine words the same way). {parameters} parameters.
- **Training data**: {train_sentences} sentences (the first 80 %) of tfedu's own corpus
  `tfedu/hub/data/topics_corpus.txt`: sentences written from templates about eight topics
  (animals, food, weather, sport, music, space, computers, health) by `tfedu/hub/corpus.py`,
  distributed with tfedu under its licence.
- **Training**: word2vec's CBOW: predict each word from the mean vector of up to two words on
  each side ({cbow_pairs} examples), a softmax over the vocabulary, Adam (0.01), batch 256,
  {epochs} epochs, seed {seed}; final loss {final_loss}. The topic labels were never used.
- **Accuracy**: a linear classifier of the eight topics trained on 10 embedded sentences per
  topic reaches {probe_accuracy:.1%} on the {held_out} held-out sentences.
- **Size**: {size_bytes} bytes on disk.
- **Rebuild**: `python -m tfedu.hub.build` (deterministic).
"""


def _dir_size(path) -> int:
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def _file_hashes(path) -> dict:
    out = {}
    for root, _, files in os.walk(path):
        for f in sorted(files):
            if f == "fingerprint.pb":
                continue  # holds a random UUID by design (as TF's): the one file that differs
            full = os.path.join(root, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, path)] = hashlib.sha256(fh.read()).hexdigest()
    return dict(sorted(out.items()))


def _write_card(path, template, facts) -> None:
    from tfedu.train.files import atomic_write

    text = template.format(seed=SEED, size_bytes=_dir_size(path), **facts).encode("utf8")
    atomic_write(os.path.join(path, "MODEL_CARD.md"), lambda f: f.write(text))


def _entries(image, text) -> dict:
    return {
        "digits_feature_vector": {
            "handle": "tfedu/digits_feature_vector/1",
            "description": "Image features (64) of 8x8 greyscale digits: a small CNN trained "
                           "on the digits 0-4 of the shipped digits set.",
            "input_shape": [None, 8, 8, 1], "input_dtype": "float32",
            "output_shape": [None, 64], "output_key": "feature_vector", "facts": image},
        "text_embedding_dim32": {
            "handle": "tfedu/text_embedding_dim32/1",
            "description": "Sentence embedding (32) learned with CBOW on tfedu's own "
                           "eight-topic English corpus.",
            "input_shape": [None], "input_dtype": "string",
            "output_shape": [None, 32], "output_key": "default", "facts": text},
    }


def write_catalogue(root, image, text) -> dict:
    """`catalogue.json` in `root`: each module's entry, its facts and its files' SHA-256."""
    from tfedu.train.files import atomic_write

    entries = _entries(image, text)
    for name, entry in entries.items():
        entry["files"] = _file_hashes(os.path.join(root, name))
    data = (json.dumps(entries, indent=1, sort_keys=True) + "\n").encode("utf8")
    atomic_write(os.path.join(root, os.path.basename(CATALOGUE_FILE)), lambda f: f.write(data))
    return entries


def _fresh(root, name) -> str:
    path = os.path.join(root, name)
    if os.path.isdir(path):
        shutil.rmtree(path)
    return path


def build_all(root=MODULES_DIR) -> dict:
    """Train both modules and write them, their model cards and the catalogue into `root`."""
    tf.keras.backend.clear_session()  # layer names (conv2d, conv2d_1...) are part of the graph
    image_dir, text_dir = _fresh(root, "digits_feature_vector"), _fresh(root, "text_embedding_dim32")
    image = build_image_module(image_dir)
    text = build_text_module(text_dir)
    text["parameters"] = text["vocabulary"] * 32
    text["held_out"] = len(corpus.read(CORPUS_FILE)) - text["train_sentences"]
    _write_card(image_dir, IMAGE_CARD, image)
    _write_card(text_dir, TEXT_CARD, text)
    return write_catalogue(root, image, text)


def compare(built: dict, shipped: dict) -> list[str]:
    """The files whose bytes differ between two catalogues (a rebuild and what ships)."""
    return [f"{name}/{f}" for name, entry in shipped.items() for f, digest in entry["files"].items()
            if built.get(name, {}).get("files", {}).get(f) != digest]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m tfedu.hub.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="store_true", help="rewrite the text corpus too")
    parser.add_argument("--out", default=MODULES_DIR, help="where to write (default: the "
                        "package's modules/); another directory leaves the shipped ones alone")
    parser.add_argument("--check", action="store_true", help="build into --out, then list "
                        "the files that differ from the shipped modules (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.corpus or not os.path.isfile(CORPUS_FILE):
        corpus.write(CORPUS_FILE, corpus.generate())
    os.makedirs(args.out, exist_ok=True)
    entries = build_all(args.out)
    for name, entry in entries.items():
        print(name, json.dumps(entry["facts"]), _dir_size(os.path.join(args.out, name)), "bytes")
    if args.check:
        differ = compare(entries, _shipped())
        print("identical to the shipped modules" if not differ else "differ: " + ", ".join(differ))
        if differ:
            raise SystemExit(1)
    return entries


def _shipped() -> dict:
    with open(CATALOGUE_FILE, encoding="utf8") as f:
        return json.load(f)


if __name__ == "__main__":
    main()
