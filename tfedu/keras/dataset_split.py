"""`keras.utils.split_dataset`: a small in-memory dataset cut in two `tf.data.Dataset`s.

As in Keras 3, the samples are first listed (a tuple or list of equally long arrays gives
one sample per row; a batched dataset is unbatched), optionally shuffled with Python's `random`
seeded by `seed`, then the first `left_size` and the last `right_size` samples become the two
datasets (re-batched with the original batch size when the input was batched).
"""

from __future__ import annotations

import random

import numpy as np

import tfedu as tf
from tfedu.data.dataset_ops import Dataset


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split `dataset` into (left, right) datasets; sizes are fractions or sample counts."""
    kind = _kind(dataset)
    if kind is None:
        raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a "
                        f"list/tuple of arrays. Received: dataset={dataset} of type "
                        f"{type(dataset)}")
    if right_size is None and left_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    samples = _samples(dataset, kind)
    if shuffle:
        random.seed(random.randint(0, int(1e6)) if seed is None else seed)
        random.shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    halves = [_restore(samples[:left], kind), _restore(samples[-right:], kind)]
    out = [tf.data.Dataset.from_tensor_slices(h) for h in halves]
    batch_size = getattr(dataset, "_batch_size", None) if kind == "dataset" else None
    if batch_size is not None:
        out = [d.batch(batch_size) for d in out]
    return tuple(d.prefetch(tf.data.AUTOTUNE) for d in out)


def _kind(dataset):
    if isinstance(dataset, (tuple, list)):
        return type(dataset).__name__
    if isinstance(dataset, np.ndarray):
        return "ndarray"
    return "dataset" if isinstance(dataset, Dataset) else None


def _samples(dataset, kind) -> list:
    if kind in ("tuple", "list"):
        _check_arrays(dataset, kind)
        samples = list(zip(*dataset))
    elif kind == "dataset":
        if getattr(dataset, "_batch_size", None) is not None:
            dataset = dataset.unbatch()
        samples = list(dataset)
    else:
        samples = list(dataset)
    if not samples:
        raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                         "list/tuple of `numpy.ndarray` objects or `tf.data.Dataset` objects.")
    return samples


def _check_arrays(arrays, kind):
    if len(arrays) == 0:
        raise ValueError(f"Received an empty {kind} dataset. Please provide a non-empty {kind} "
                         "of arrays.")
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise ValueError(f"Expected a {kind} of `numpy.ndarray` objects,Received: {type(a)} "
                             f"at index {i}.")
        if a.shape[0] != arrays[0].shape[0]:
            raise ValueError(f"Received a {kind} of NumPy arrays with different lengths."
                             f"Mismatch found at index {i}, Expected shape={arrays[0].shape} "
                             f"Received shape={a.shape}.Please provide a {kind} of NumPy arrays "
                             "of the same length.")


def _restore(samples, kind):
    """The samples stacked back into the structure of one sample (lists become tuples)."""
    if kind == "ndarray":
        return np.stack(samples)
    flat = [tf.nest.flatten(s) for s in samples]
    stacked = [np.array([np.asarray(x) for x in column]) for column in zip(*flat)]
    packed = tf.nest.pack_sequence_as(samples[0], stacked)
    return tuple(packed) if isinstance(packed, list) else packed


_SIZE_ERRORS = {  # Keras's wording differs slightly between the two sides
    "left": ("Invalid `left_size` Type. Expected: int or float or None, Received: "
             "type(left_size)={}.  ",
             "`left_size` should be either a positive integer smaller than {}, or a float within "
             "the range `[0, 1]`. Received: left_size={}"),
    "right": ("Invalid `right_size` Type. Expected: int or float or None,Received: "
              "type(right_size)={}.",
              "`right_size` should be either a positive integer and smaller than {} or a float "
              "within the range `[0, 1]`. Received: right_size={}"),
}


def _check_size(size, side, total):
    type_error, range_error = _SIZE_ERRORS[side]
    if size is not None and type(size) not in (int, float):
        raise TypeError(type_error.format(type(size)))
    if (type(size) is int and (size <= 0 or size >= total)) or (
            type(size) is float and (size <= 0 or size >= 1)):
        raise ValueError(range_error.format(total, size))


def _count(size, total):
    """Keras's arithmetic: a fraction becomes a rounded count, a count becomes a float."""
    if type(size) is float:
        return round(size * total)
    return None if size is None else float(size)


def _split_sizes(left, right, total):
    """(left, right) sample counts from fractions or counts, checked as Keras checks them."""
    if left == 0 and right == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    _check_size(left, "left", total)
    _check_size(right, "right", total)
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left, right = _count(left, total), _count(right, total)
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right}and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}.Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)
