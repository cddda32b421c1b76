"""Keras preprocessing layers: lookups (StringLookup, IntegerLookup), TextVectorization,
CategoryEncoding, Hashing, Discretization, Resizing, CenterCrop, and the random image
augmentations (RandomFlip, RandomContrast, RandomBrightness, RandomCrop) that act only in
training and are the identity in inference, as in Keras (the geometric ones, RandomRotation,
RandomZoom and RandomTranslation, are in `augmentation`).

Lookup layers map tokens to indices with the out-of-vocabulary index first (`[UNK]`, or -1 for
integers), the mask token (if any) before it; `adapt()` builds the vocabulary from data, most
frequent first.
"""

from __future__ import annotations

import collections
import re
import string
import zlib

import numpy as np

import tfedu as tf
from tfedu.keras.engine.base_layer import Layer


def _to_numpy(data):
    if isinstance(data, tf.data.Dataset):
        return np.concatenate([np.asarray(x).reshape(-1) for x in data.as_numpy_iterator()])
    if hasattr(data, "numpy"):
        data = data.numpy()
    return np.asarray(data, dtype=object if _is_text(data) else None).reshape(-1)


def _is_text(data):
    a = np.asarray(data)
    return a.dtype.kind in "USO"


def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _rank_vocab(counts, max_tokens):
    items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    vocab = [k for k, _ in items]
    return vocab if max_tokens is None else vocab[:max_tokens]


class _IndexLookup(Layer):
    """Shared machinery of StringLookup and IntegerLookup."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             "{'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'}. Received: "
                             f"output_mode={output_mode}")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = invert, output_mode
        self._vocab = []
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
        self.built = True

    def _special(self):
        head = [] if self.mask_token is None else [self.mask_token]
        return head + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None):
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [ln.rstrip("\n") for ln in f if ln.strip()]
        vocab = [self._key(v) for v in _to_numpy(vocabulary)]
        dup = [v for v, n in collections.Counter(vocab).items() if n > 1]
        if dup:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {dup}")
        self._vocab = vocab

    def get_vocabulary(self, include_special_tokens=True):
        vocab = [self._public(v) for v in self._vocab]
        return (self._special() if include_special_tokens else []) + vocab

    def vocabulary_size(self):
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None):
        counts = collections.Counter(self._key(v) for v in _to_numpy(data))
        counts.pop(self.mask_token, None)
        limit = None if self.max_tokens is None else self.max_tokens - len(self._special())
        self._vocab = _rank_vocab(counts, limit)

    def _index_table(self):
        base = len(self._special())
        return {v: i + base for i, v in enumerate(self._vocab)}

    def _lookup(self, arr):
        table = self._index_table()
        oov = 1 if self.mask_token is not None else 0
        out = np.empty(arr.shape, np.int64)
        for i, v in np.ndenumerate(arr):
            k = self._key(v)
            out[i] = 0 if (self.mask_token is not None and k == self.mask_token) else \
                table.get(k, oov if self.num_oov_indices else -1)
        return out

    def call(self, inputs):
        if self.invert:
            return self._invert(inputs)
        inputs = tf.convert_to_tensor(inputs)
        idx = tf.numpy_function(lambda a: self._lookup(np.asarray(a)), [inputs], tf.int64,
                                stateful=False)
        idx.set_shape(tf.convert_to_tensor(inputs).shape if not hasattr(inputs, "_keras_shape")
                      else inputs.shape)
        if self.output_mode == "int":
            return idx
        return _encode(idx, self.vocabulary_size(), self.output_mode, tf.int64)

    def _invert(self, inputs):
        vocab = self.get_vocabulary()

        def inv(a):
            a = np.asarray(a)
            out = np.empty(a.shape, dtype=object)
            for i, v in np.ndenumerate(a):
                out[i] = self._out(vocab[int(v)] if 0 <= v < len(vocab) else self.oov_token)
            return out
        return tf.numpy_function(inv, [inputs], self._out_dtype, stateful=False)

    def get_config(self):
        c = super().get_config()
        c.update({"max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                  "mask_token": self.mask_token, "oov_token": self.oov_token,
                  "invert": self.invert, "output_mode": self.output_mode,
                  "vocabulary": list(self._vocab)})
        return c


class StringLookup(_IndexLookup):
    """Strings to integer indices (0 is `[UNK]` unless a mask token comes first)."""

    _out_dtype = tf.string

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, invert,
                         output_mode, **kwargs)

    @staticmethod
    def _key(v):
        return _text(v)

    @staticmethod
    def _public(v):
        return np.str_(v)

    @staticmethod
    def _out(v):
        return v.encode("utf-8") if isinstance(v, str) else v


class IntegerLookup(_IndexLookup):
    """Integers to indices (0 is the out-of-vocabulary index, shown as -1)."""

    _out_dtype = tf.int64

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, invert,
                         output_mode, **kwargs)

    @staticmethod
    def _key(v):
        return int(v)

    @staticmethod
    def _public(v):
        return np.int64(v)

    @staticmethod
    def _out(v):
        return np.int64(v)


def _encode(idx, depth, mode, dtype=tf.float32):
    idx = tf.convert_to_tensor(idx)
    oh = tf.one_hot(idx, depth, dtype=dtype)
    if mode == "one_hot":
        return oh if idx.shape.rank else oh
    reduced = tf.reduce_sum(oh, axis=-2) if idx.shape.rank and idx.shape.rank > 1 or (
        idx.shape.rank == 1 and mode != "one_hot") else oh
    if mode == "multi_hot":
        return tf.cast(reduced > 0, dtype)
    return reduced


class CategoryEncoding(Layer):
    """Integer category ids to one-hot, multi-hot or count vectors of `num_tokens` slots."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError("Unknown arg for output_mode: " + str(output_mode))
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        self.num_tokens, self.output_mode = num_tokens, output_mode
        self.built = True

    def call(self, inputs, count_weights=None):
        x = tf.cast(tf.convert_to_tensor(inputs), tf.int64)
        tf.debugging.assert_less(x, tf.cast(self.num_tokens, tf.int64), message=(
            f"Input values must be in the range 0 <= values < num_tokens with "
            f"num_tokens={self.num_tokens}"))
        oh = tf.one_hot(x, self.num_tokens, dtype=tf.float32)
        if self.output_mode == "one_hot":
            return oh
        summed = tf.reduce_sum(oh, axis=-2) if x.shape.rank else oh
        return tf.cast(summed > 0, tf.float32) if self.output_mode == "multi_hot" else summed

    def get_config(self):
        c = super().get_config()
        c.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return c


class Hashing(Layer):
    """Hash strings or integers into `num_bins` bins (a stable hash; TF uses FarmHash, so bin
    numbers differ from TensorFlow's while the idea, and the range, are the same)."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", **kwargs):
        super().__init__(**kwargs)
        self.num_bins, self.mask_value = num_bins, mask_value
        self.built = True

    def call(self, inputs):
        def h(a):
            a = np.asarray(a)
            out = np.empty(a.shape, np.int64)
            for i, v in np.ndenumerate(a):
                out[i] = zlib.crc32(_text(v).encode("utf-8")) % self.num_bins
            return out
        return tf.numpy_function(h, [tf.convert_to_tensor(inputs)], tf.int64, stateful=False)


class Discretization(Layer):
    """Bucket values by `bin_boundaries` (or boundaries adapted to `num_bins` quantiles)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.output_mode = num_bins, output_mode
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        x = np.sort(_to_numpy(data).astype(np.float64))
        qs = np.linspace(0, 1, self.num_bins + 1)[1:-1]
        self.bin_boundaries = [float(np.quantile(x, q)) for q in qs]

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before calling the "
                             "layer.")
        b = np.asarray(self.bin_boundaries, np.float64)
        inputs = tf.convert_to_tensor(inputs)
        out = tf.numpy_function(
            lambda a: np.searchsorted(b, np.asarray(a, np.float64), side="right").astype(
                np.int32 if self.output_mode == "int" else np.int64), [inputs], tf.int32,
            stateful=False)
        out.set_shape(tf.convert_to_tensor(inputs).shape)
        return out


_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")


class TextVectorization(Layer):
    """Text to token indices: lower-case, strip punctuation, split on whitespace, look up."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.standardize, self.split = standardize, split
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self._lookup = StringLookup(max_tokens=max_tokens, mask_token="", vocabulary=vocabulary,
                                    output_mode="int" if output_mode == "int" else output_mode)
        self.built = True

    def _tokens(self, text):
        t = _text(text)
        if self.standardize in ("lower_and_strip_punctuation", "lower"):
            t = t.lower()
        if self.standardize in ("lower_and_strip_punctuation", "strip_punctuation"):
            t = _PUNCT.sub("", t)
        if callable(self.standardize):
            t = _text(np.asarray(self.standardize(tf.constant(t))))
        return t.split() if self.split == "whitespace" else list(t) if \
            self.split == "character" else [t]

    def adapt(self, data, batch_size=None, steps=None):
        self._lookup.adapt([tok for s in _to_numpy(data) for tok in self._tokens(s)])

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary)

    def _vectorize(self, arr):
        rows = [self._lookup._lookup(np.array(self._tokens(s), dtype=object))
                for s in np.asarray(arr).reshape(-1)]
        n = self.output_sequence_length or max([len(r) for r in rows], default=0)
        out = np.zeros([len(rows), n], np.int64)
        for i, r in enumerate(rows):
            out[i, :min(n, len(r))] = r[:n]
        return out

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        out = tf.numpy_function(self._vectorize, [x], tf.int64, stateful=False)
        out.set_shape([x.shape[0] if x.shape.rank else None, self.output_sequence_length])
        if self.output_mode == "int":
            return out
        return _encode(out, self.vocabulary_size(), self.output_mode)


# ---------------------------------------------------------------------------------------------
# image preprocessing and augmentation

class Resizing(Layer):
    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.height, self.width, self.interpolation = height, width, interpolation
        self.built = True

    def call(self, inputs):
        out = tf.image.resize(inputs, [self.height, self.width], method=self.interpolation)
        return tf.cast(out, self.compute_dtype)


class CenterCrop(Layer):
    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = height, width
        self.built = True

    def call(self, inputs):
        return tf.cast(tf.image.resize_with_crop_or_pad(inputs, self.height, self.width),
                       self.compute_dtype)


class _Augment(Layer):
    """An augmentation: applied with `training=True` (as in fit), the identity otherwise."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.built = True

    def call(self, inputs, training=True):
        x = tf.cast(inputs, self.compute_dtype)
        return self._augment(x) if training else x


class RandomFlip(_Augment):
    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode}")
        self.mode = mode

    def _augment(self, x):
        if "horizontal" in self.mode:
            x = tf.image.random_flip_left_right(x, seed=self.seed)
        if "vertical" in self.mode:
            x = tf.image.random_flip_up_down(x, seed=self.seed)
        return x


class RandomContrast(_Augment):
    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.factor = factor if isinstance(factor, (tuple, list)) else (factor, factor)

    def _augment(self, x):
        lo, hi = 1.0 - self.factor[0], 1.0 + self.factor[1]
        return tf.image.random_contrast(x, lo, hi, seed=self.seed)


class RandomBrightness(_Augment):
    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.factor, self.value_range = factor, value_range

    def _augment(self, x):
        f = self.factor if isinstance(self.factor, (tuple, list)) else (-self.factor, self.factor)
        span = self.value_range[1] - self.value_range[0]
        delta = tf.random.uniform([], f[0], f[1], seed=self.seed) * span
        return tf.clip_by_value(x + delta, *self.value_range)


class RandomCrop(_Augment):
    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.height, self.width = height, width

    def call(self, inputs, training=True):
        x = tf.cast(inputs, self.compute_dtype)
        if not training:
            return tf.image.resize_with_crop_or_pad(x, self.height, self.width)
        shape = x.shape.as_list()
        return tf.image.random_crop(x, shape[:-3] + [self.height, self.width, shape[-1]],
                                    seed=self.seed)
