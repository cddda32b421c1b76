"""Distributed datasets: each global batch split into one slice per replica.

`strategy.experimental_distribute_dataset(ds.batch(GLOBAL))` splits every global batch along
its first axis as TF does: as evenly as possible, the first replicas taking one more example
when it does not divide (3 on 2 replicas: 2 + 1; 1 on 2: 1 + 0, an empty batch). With several
workers every worker reads the same dataset and keeps its own replicas' slices: together the
workers see each global batch once (TF shards by data when the input has no files).
`distribute_datasets_from_function(fn)` calls `fn(InputContext)` once per worker and gives
consecutive elements of that dataset to consecutive replicas.
"""

from __future__ import annotations

import numpy as np

from tfedu.distribute.distribute_lib import InputContext
from tfedu.distribute.values import PerReplica
from tfedu.framework import nest
from tfedu.framework.tensor import EagerTensor, _wrap

__all__ = ["DistributedDataset", "DistributedDatasetsFromFunction", "split_sizes",
           "split_batch"]


def split_sizes(batch, parts):
    """How many examples each of `parts` replicas gets from a batch of `batch`."""
    base, extra = divmod(batch, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _slice(t, start, stop):
    if isinstance(t, EagerTensor):
        return _wrap(t._value[start:stop], t.dtype)
    return np.asarray(t)[start:stop]


def split_batch(element, parts, keep=None):
    """The replicas' slices of one global batch: a list of `parts` structures (or the ones
    listed in `keep`)."""
    flat = nest.flatten(element)
    n = int(np.shape(flat[0]._value if isinstance(flat[0], EagerTensor) else flat[0])[0])
    sizes = split_sizes(n, parts)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    ids = range(parts) if keep is None else keep
    return [nest.pack_sequence_as(element, [_slice(t, starts[i], starts[i + 1]) for t in flat])
            for i in ids]


def _per_replica(structures):
    """One structure of PerReplica leaves from per-replica structures."""
    flats = [nest.flatten(s) for s in structures]
    return nest.pack_sequence_as(structures[0], [PerReplica(p) for p in zip(*flats)])


class DistributedIterator:
    def __init__(self, source, fn):
        self._it, self._fn = source, fn

    def __iter__(self):
        return self

    def __next__(self):
        return self._fn(self._it)

    def get_next(self):
        return next(self)

    def get_next_as_optional(self):
        raise NotImplementedError("get_next_as_optional is not supported by tfedu")


class DistributedDataset:
    """What `experimental_distribute_dataset` returns: iterate it for `PerReplica` batches."""

    def __init__(self, strategy, dataset):
        self._strategy, self._dataset = strategy, dataset

    def _next(self, it):
        ext = self._strategy.extended
        n, w = ext._num_local, ext._num_workers
        element = next(it)
        if n * w == 1:
            return element
        keep = range(ext._worker_index() * n, (ext._worker_index() + 1) * n)
        return _per_replica(split_batch(element, n * w, keep))

    def __iter__(self):
        return DistributedIterator(iter(self._dataset), self._next)

    @property
    def element_spec(self):
        return self._dataset.element_spec


class DistributedDatasetsFromFunction:
    """What `distribute_datasets_from_function` returns."""

    def __init__(self, strategy, dataset_fn):
        ext = strategy.extended
        self._strategy = strategy
        ctx = InputContext(ext._num_workers, ext._worker_index(), strategy.num_replicas_in_sync)
        self._dataset = dataset_fn(ctx)

    def _next(self, it):
        n = self._strategy.extended._num_local
        parts = [next(it) for _ in range(n)]
        return parts[0] if n == 1 else _per_replica(parts)

    def __iter__(self):
        return DistributedIterator(iter(self._dataset), self._next)
