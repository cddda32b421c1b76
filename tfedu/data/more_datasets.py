"""More `tf.data` transformations and sources: `scan`, `unique`, `group_by_window`,
`Dataset.choose_from_datasets`, `Dataset.sample_from_datasets`, `Dataset.random`,
`experimental.Counter`, `experimental.dense_to_ragged_batch`, and the iterator's
`get_next_as_optional` with its `Optional`. Installed onto `Dataset` by `install()`."""

from __future__ import annotations

import numpy as np

from tfedu.data import dataset_ops as d
from tfedu.framework import dtypes, errors, nest
from tfedu.framework.tensor_spec import TensorSpec


class _ScanDataset(d._UnaryDataset):
    def __init__(self, input_dataset, initial_state, scan_func):
        super().__init__(input_dataset)
        import tfedu as tf

        self._state = nest.map_structure(tf.convert_to_tensor, initial_state)
        state_spec = nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), self._state)
        self._fn = d._TracedFunction(lambda s, e: scan_func(s, e),
                                     (state_spec, input_dataset.element_spec))
        self._state_spec = state_spec
        self._element_spec = self._fn.output_spec[1]

    def _iter_arrays(self):
        state = d._from_tensors(self._state, self._state_spec)
        for e in self._input._iter_arrays():
            new_state, out = self._fn((state, e))
            state = d._from_tensors(new_state, self._state_spec)
            yield d._from_tensors(out, self._element_spec)


class _UniqueDataset(d._UnaryDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        spec = input_dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.shape.rank != 0:
            raise TypeError("Unique does not support datasets with elements that are not scalar"
                            " tensors; element spec is " + str(spec))

    def _iter_arrays(self):
        seen = set()
        for e in self._input._iter_arrays():
            key = np.asarray(e).item()
            if key not in seen:
                seen.add(key)
                yield e

    def _cardinality(self):
        return d.UNKNOWN_CARDINALITY


class _GroupByWindowDataset(d._UnaryDataset):
    def __init__(self, input_dataset, key_func, reduce_func, window_size):
        super().__init__(input_dataset)
        self._key = d._TracedFunction(key_func, input_dataset.element_spec)
        self._reduce, self._size = reduce_func, int(window_size)
        self._element_spec = self._window_result(0, []).element_spec

    def _window_result(self, key, elems):
        import tfedu as tf

        spec = self._input.element_spec
        if elems:
            cols = [np.stack(c) for c in zip(*[nest.flatten(e) for e in elems])]
        else:
            cols = [np.zeros([0] + [x or 0 for x in s.shape.as_list()],
                             object if s.dtype == dtypes.string else s.dtype.as_numpy_dtype)
                    for s in nest.flatten(spec)]
        window = tf.data.Dataset.from_tensor_slices(nest.pack_sequence_as(spec, cols))
        return self._reduce(tf.constant(key, tf.int64), window)

    def _iter_arrays(self):
        groups = {}
        for e in self._input._iter_arrays():
            k = int(np.asarray(d._from_tensors(self._key(e), TensorSpec([], dtypes.int64))))
            groups.setdefault(k, []).append(e)
            if len(groups[k]) == self._size:
                yield from self._window_result(k, groups.pop(k))._iter_arrays()
        for k, elems in groups.items():
            yield from self._window_result(k, elems)._iter_arrays()

    def _cardinality(self):
        return d.UNKNOWN_CARDINALITY


class _ChooseDataset(d.Dataset):
    def __init__(self, datasets, choices, stop_on_empty_dataset=True):
        self._datasets, self._choices = list(datasets), choices
        self._stop = stop_on_empty_dataset
        self._element_spec = self._datasets[0].element_spec

    def _pick(self):
        for c in self._choices._iter_arrays():
            yield int(np.asarray(c))

    def _iter_arrays(self):
        its = [iter(ds._iter_arrays()) for ds in self._datasets]
        done = set()
        for i in self._pick():
            if i < 0 or i >= len(its):
                raise errors.InvalidArgumentError(
                    None, None, f"Selector index out of range: {i} >= {len(its)}")
            if i in done:
                continue
            try:
                yield next(its[i])
            except StopIteration:
                if self._stop:
                    return
                done.add(i)
                if len(done) == len(its):
                    return

    def _cardinality(self):
        return d.UNKNOWN_CARDINALITY


class _SampleDataset(_ChooseDataset):
    def __init__(self, datasets, weights, seed, stop_on_empty_dataset):
        super().__init__(datasets, None, stop_on_empty_dataset)
        w = np.ones(len(datasets)) if weights is None else np.asarray(weights, np.float64)
        self._p, self._seed = w / w.sum(), seed

    def _pick(self):
        rng = np.random.RandomState(self._seed)
        while True:
            yield int(rng.choice(len(self._p), p=self._p))


class _RandomDataset(d.Dataset):
    def __init__(self, seed=None):
        self._seed = seed
        self._element_spec = TensorSpec([], dtypes.int64)

    def _iter_arrays(self):
        rng = np.random.RandomState(self._seed)
        while True:
            yield np.array(rng.randint(0, 2**62), np.int64)

    def _cardinality(self):
        return d.INFINITE_CARDINALITY


class Optional:
    """`tf.experimental.Optional`: a value or nothing (what get_next_as_optional returns)."""

    def __init__(self, value=None, has_value=False):
        self._value, self._has = value, has_value

    def has_value(self, name=None):
        import tfedu as tf

        return tf.constant(self._has)

    def get_value(self, name=None):
        if not self._has:
            raise errors.InvalidArgumentError(None, None, "The optional does not have a value")
        return self._value

    @staticmethod
    def from_value(value):
        return Optional(value, True)

    @staticmethod
    def empty(element_spec):
        return Optional()


def _get_next_as_optional(self):
    try:
        return Optional(next(self), True)
    except StopIteration:
        return Optional()


def Counter(start=0, step=1, dtype=dtypes.int64, name=None):
    """An infinite dataset counting from `start` by `step`."""
    ds = d.Dataset.range(start, 2**62 if step > 0 else -2**62, step, output_type=dtype)
    ds._cardinality = lambda: d.INFINITE_CARDINALITY
    return ds


def dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=dtypes.int64):
    """A transformation batching elements of different lengths (padded here, as ragged
    batches are not part of tfedu's tf.data)."""
    return lambda ds: ds.padded_batch(batch_size, drop_remainder=drop_remainder)


def install():
    D = d.Dataset
    D.scan = lambda self, initial_state, scan_func, name=None: _ScanDataset(
        self, initial_state, scan_func)
    D.unique = lambda self, name=None: _UniqueDataset(self)
    D.group_by_window = lambda self, key_func, reduce_func, window_size=None, \
        window_size_func=None, name=None: _GroupByWindowDataset(self, key_func, reduce_func,
                                                                window_size)
    D.choose_from_datasets = staticmethod(
        lambda datasets, choice_dataset, stop_on_empty_dataset=True: _ChooseDataset(
            datasets, choice_dataset, stop_on_empty_dataset))
    D.sample_from_datasets = staticmethod(
        lambda datasets, weights=None, seed=None, stop_on_empty_dataset=False, rerandomize_each_iteration=None:
        _SampleDataset(datasets, weights, seed, stop_on_empty_dataset))
    D.random = staticmethod(lambda seed=None, rerandomize_each_iteration=None, name=None:
                            _RandomDataset(seed))
    d.OwnedIterator.get_next_as_optional = _get_next_as_optional


def _wrapped(it, e):
    """An error met while producing an element, worded as TF's IteratorGetNext op words it."""
    if not isinstance(e, errors.OpError) or "{{function_node" in e.message:
        return e
    n = len(nest.flatten(it.element_spec))
    return type(e)(None, None, f"{{{{function_node __wrapped__IteratorGetNext_output_types_{n}"
                               f"_device_{errors.CPU_DEVICE}}}}} {e.message} "
                               "[Op:IteratorGetNext] name: ")


_NEXT, _GET_NEXT = d.OwnedIterator.__next__, d.OwnedIterator.get_next


def _next(self):
    try:
        return _NEXT(self)
    except errors.OpError as e:
        raise _wrapped(self, e) from None


def _get_next(self):
    try:
        return _GET_NEXT(self)
    except errors.OpError as e:
        raise _wrapped(self, e) from None


d.OwnedIterator.__next__ = _next
d.OwnedIterator.get_next = _get_next
