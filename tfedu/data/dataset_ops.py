"""`tf.data.Dataset`: input pipelines as chains of small, lazy transformations.

Each transformation is a `Dataset` subclass (named as TensorFlow names them, so reprs match)
that knows its `element_spec`, its `cardinality` and how to iterate. Elements flow through the
pipeline as nested structures of numpy arrays; they become tensors when you iterate the dataset
(`for x in ds`) and stay numpy for `as_numpy_iterator()`. Functions given to `map`, `filter`,
`flat_map`, `interleave` and `reduce` are traced once into a graph with `tf.function`, exactly
like TensorFlow, so Python side effects in them happen once, at trace time.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tfedu.framework import dtypes, errors, nest
from tfedu.framework.convert import to_numpy_value
from tfedu.framework.tensor import EagerTensor, Tensor, _wrap
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec

__all__ = ["Dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


# ------------------------------------------------------------------------------------------
# Element helpers: structures of numpy arrays <-> tensors
# ------------------------------------------------------------------------------------------


def _to_array(value, dtype=None):
    """A component value as (ndarray, DType) following TF's conversion rules."""
    if isinstance(value, EagerTensor):
        return value._value, value._dtype
    if getattr(value, "_is_variable", False):
        return value._eager_value(), value.dtype
    if isinstance(value, Tensor):
        raise TypeError(f"A symbolic tensor cannot be a dataset element here: {value!r}")
    arr, dt = to_numpy_value(value, dtype)
    return arr, dt


def _spec_of(arr, dtype) -> TensorSpec:
    return TensorSpec(arr.shape, dtype)


class _ListLeaf:
    """A Python list standing as one component (tf.data does not nest into lists)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _normalize(value, convert=True):
    """tf.data's structure rule: tuples, dicts and namedtuples nest; lists are tensors."""
    if isinstance(value, dict):
        return {k: _normalize(v, convert) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [_normalize(v, convert) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    if isinstance(value, list):
        if not convert:
            return _ListLeaf(value)
        return _to_array(value)[0] if not any(
            isinstance(v, (Tensor, Dataset)) for v in value) else _to_array(
            [np.asarray(v) for v in value])[0]
    return value


def _structure_of(value):
    """(structure of arrays, structure of specs) for a Python/tensor element."""
    value = _normalize(value)
    flat = nest.flatten(value)
    arrays, specs = [], []
    for v in flat:
        a, d = _to_array(v)
        arrays.append(a)
        specs.append(_spec_of(a, d))
    return nest.pack_sequence_as(value, arrays), nest.pack_sequence_as(value, specs)


def _component_tensor(a, s):
    if isinstance(a, _WindowElement):
        return _VariantDataset(a.items, a.spec)
    return _wrap(a, s.dtype)


def _to_tensors(element, spec):
    """An element (structure of arrays) as the tensors a user sees; windows are datasets."""
    arrays = nest.flatten(element)
    specs = nest.flatten(spec)
    return nest.pack_sequence_as(spec, [_component_tensor(a, s) for a, s in zip(arrays, specs)])


def _numpy_component(a):
    if isinstance(a, _WindowElement):
        return _VariantDataset(a.items, a.spec)
    return a[()] if a.ndim == 0 else a


def _to_numpy_output(element):
    return nest.pack_sequence_as(element, [_numpy_component(a) for a in nest.flatten(element)])


def _from_tensors(value, spec):
    """Function outputs (tensors/values) back to arrays matching `spec`'s structure."""
    flat = nest.flatten(value)
    out = []
    for v in flat:
        a, _ = _to_array(v)
        out.append(a)
    return nest.pack_sequence_as(spec, out)


def _call_args(element):
    """TF calls `fn(*element)` for tuple elements and `fn(element)` otherwise."""
    if isinstance(element, tuple) and not hasattr(type(element), "_fields"):
        return element
    return (element,)


class _TracedFunction:
    """A user function traced once (via `tf.function`) for this dataset's element spec."""

    def __init__(self, fn, input_spec, name="dataset_fn"):
        from tfedu.function import function as tf_function

        self._input_spec = input_spec
        args = _call_args(input_spec)
        signature = [a for a in args]
        self._function = tf_function(fn, input_signature=signature, autograph=True)
        self._concrete = self._function.get_concrete_function()
        out = _lists_to_tuples(self._concrete.structured_outputs)
        self.output_spec = nest.map_structure(
            lambda t: TensorSpec(t.shape, t.dtype) if isinstance(t, Tensor) or getattr(
                t, "_is_variable", False) else _spec_of(*_to_array(t)), out)

    def __call__(self, element):
        tensors = _to_tensors(element, self._input_spec)
        return _lists_to_tuples(self._concrete(*_call_args(tensors)))


def _ragged_rows(rt):
    """The rows of a 2-D RaggedTensor as elements of varying length (dense 1-D tensors)."""
    if rt.ragged_rank != 1 or rt.shape.rank != 2:
        raise NotImplementedError("tfedu's tf.data slices 2-D RaggedTensors (ragged_rank 1) "
                                  "only")
    rows = [np.asarray(r, dtype=object if rt.dtype == dtypes.string else
                       rt.dtype.as_numpy_dtype) for r in rt.to_list()]
    return Dataset.from_generator(lambda: iter(rows),
                                  output_signature=TensorSpec([None], rt.dtype))


def _lists_to_tuples(x):
    """tf.data reads a function's list outputs as tuples (a list is not a dataset structure)."""
    if isinstance(x, list):
        return tuple(_lists_to_tuples(v) for v in x)
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(_lists_to_tuples(v) for v in x)
    if isinstance(x, dict):
        return type(x)((k, _lists_to_tuples(v)) for k, v in x.items())
    return x


# ------------------------------------------------------------------------------------------
# Dataset base
# ------------------------------------------------------------------------------------------


class Dataset:
    """A sequence of elements, each a nested structure of tensors (`tf.data.Dataset`)."""

    _element_spec = None

    # --- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        """One element per slice along the first dimension of every component."""
        if type(tensors).__name__ == "RaggedTensor":
            return _ragged_rows(tensors)
        return _TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        """A dataset of exactly one element: `tensors`."""
        return _TensorDataset(tensors)

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None) -> Dataset:
        """Like Python's range; elements are int64 scalars."""
        return _RangeDataset(*args, output_type=output_type)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> Dataset:
        """Elements produced by calling a Python generator (re-run for every iteration)."""
        return _GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*datasets, name=None) -> Dataset:
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
        """File names matching a glob pattern (shuffled by default, as TF does)."""
        import glob

        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(
            np.asarray(file_pattern).reshape(-1))
        names = []
        for p in patterns:
            p = p.decode() if isinstance(p, bytes) else str(p)
            names.extend(sorted(glob.glob(p)))
        if not names:
            raise errors.InvalidArgumentError(
                None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
                f"Summarized data: b'No files matched pattern: {patterns[0]}'")
        ds = Dataset.from_tensor_slices(names)
        if shuffle is None or shuffle:
            ds = ds.shuffle(len(names), seed=seed)
        return ds

    # --- basic protocol --------------------------------------------------------------------
    @property
    def element_spec(self):
        return self._element_spec

    def _iter_arrays(self):
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def cardinality(self):
        """Number of elements as an int64 tensor; -1 infinite, -2 unknown."""
        return _wrap(np.array(self._cardinality(), dtype=np.int64), dtypes.int64)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __iter__(self):
        return OwnedIterator(self)

    def __bool__(self):
        return True

    def as_numpy_iterator(self):
        """Iterate elements as numpy values (scalars as numpy scalars, strings as bytes)."""
        for e in self._iter_arrays():
            yield _to_numpy_output(e)

    def __repr__(self):
        return f"<{type(self).__name__} element_spec={self._element_spec!r}>"

    def get_single_element(self, name=None):
        it = iter(self._iter_arrays())
        try:
            first = next(it)
        except StopIteration:
            raise errors.InvalidArgumentError(
                None, None, "Dataset was empty.") from None
        try:
            next(it)
        except StopIteration:
            return _to_tensors(first, self._element_spec)
        raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")

    # --- transformations -------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Apply `map_func` (traced once as a graph) to every element."""
        return _MapDataset(self, map_func, num_parallel_calls)

    def filter(self, predicate, name=None) -> Dataset:
        return _FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> Dataset:
        return _BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None) -> Dataset:
        return _PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                   drop_remainder)

    def unbatch(self, name=None) -> Dataset:
        return _UnbatchDataset(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True,
                name=None) -> Dataset:
        return _ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None) -> Dataset:
        return _RepeatDataset(self, count)

    def take(self, count, name=None) -> Dataset:
        return _TakeDataset(self, count)

    def skip(self, count, name=None) -> Dataset:
        return _SkipDataset(self, count)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        return _PrefetchDataset(self, buffer_size)

    def cache(self, filename="", name=None) -> Dataset:
        return CacheDataset(self, filename)

    def concatenate(self, dataset, name=None) -> Dataset:
        return _ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None) -> Dataset:
        counter = _RangeDataset(start, np.iinfo(np.int64).max)
        return _ZipDataset((counter, self), infinite_ok=True)

    def flat_map(self, map_func, name=None) -> Dataset:
        return _FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        return _InterleaveDataset(self, map_func, cycle_length, block_length)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None) -> Dataset:
        return _WindowDataset(self, size, shift, stride, drop_remainder)

    def shard(self, num_shards, index, name=None) -> Dataset:
        """Every `num_shards`-th element, starting at `index`."""
        return _ShardDataset(self, num_shards, index)

    def take_while(self, predicate, name=None) -> Dataset:
        return _TakeWhileDataset(self, predicate)

    def apply(self, transformation_func) -> Dataset:
        return transformation_func(self)

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the dataset into one value with `reduce_func(state, element)`."""
        init_arrays, init_spec = _structure_of(initial_state)
        state_spec = init_spec

        def step(state, element):
            return reduce_func(state, *_call_args(element))

        fn = _TracedFunction(step, (state_spec, self._element_spec))
        state = init_arrays
        for e in self._iter_arrays():
            state = _from_tensors(fn((state, e)), state_spec)
        return _to_tensors(state, state_spec)

    def options(self):
        return Options()

    def with_options(self, options, name=None) -> Dataset:
        return self

    def rebatch(self, batch_size, drop_remainder=False, name=None) -> Dataset:
        return self.unbatch().batch(batch_size, drop_remainder)


class Options:
    """`tf.data.Options` (accepted; tfedu's pipelines need no tuning knobs)."""

    def __init__(self):
        self.deterministic = None
        self.experimental_optimization = None
        self.threading = None


class OwnedIterator:
    """What `iter(dataset)` returns: yields tensors, raises StopIteration at the end."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = iter(dataset._iter_arrays())
        self.element_spec = dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        from tfedu.framework import context

        if not context.executing_eagerly():  # inside a tf.function: read at run time
            from tfedu.graph.iterator_ops import owned_get_next

            return owned_get_next(self)
        return _to_tensors(next(self._it), self._dataset.element_spec)

    def get_next(self):
        try:
            return next(self)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self):
        try:
            return next(self)
        except StopIteration:
            return None


# ------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------


class _TensorSliceDataset(Dataset):
    def __init__(self, tensors):
        arrays, specs = _structure_of(tensors)
        flat = nest.flatten(arrays)
        if not flat:
            raise ValueError("Invalid `tensors`. `tensors` should not be empty.")
        n = None
        for a in flat:
            if a.ndim == 0:
                raise ValueError(
                    "Unbatching a tensor is only supported for rank >= 1")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise ValueError(
                    "Dimensions " f"{n} and {a.shape[0]} are not compatible")
        self._arrays = arrays
        self._n = n
        self._element_spec = nest.map_structure(
            lambda s: TensorSpec(s.shape[1:], s.dtype), specs)

    def _cardinality(self):
        return self._n

    def _iter_arrays(self):
        flat = nest.flatten(self._arrays)
        for i in range(self._n):
            yield nest.pack_sequence_as(self._arrays, [a[i, ...] for a in flat])


class _TensorDataset(Dataset):
    def __init__(self, tensors):
        self._arrays, self._element_spec = _structure_of(tensors)

    def _cardinality(self):
        return 1

    def _iter_arrays(self):
        yield self._arrays


class _RangeDataset(Dataset):
    def __init__(self, *args, output_type=dtypes.int64):
        if not args:
            raise TypeError("range() missing required argument 'stop'")
        args = [int(a) for a in args]
        self._range = range(*args)
        self._dtype = dtypes.as_dtype(output_type)
        self._element_spec = TensorSpec([], self._dtype)

    def _cardinality(self):
        return len(self._range)

    def _iter_arrays(self):
        np_type = self._dtype._np
        for v in self._range:
            yield np.array(v, dtype=np_type)


class _GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_types` argument can not be None if "
                                "`output_signature` is None.")
            if output_shapes is None:
                output_shapes = nest.map_structure(lambda _: None, output_types)
            output_signature = nest.map_structure(
                lambda t, s: TensorSpec(s, t), output_types, output_shapes)
        self._signature = output_signature
        self._generator = generator
        self._args = tuple(args) if args is not None else ()
        self._element_spec = output_signature

    def _iter_arrays(self):
        specs = nest.flatten(self._signature)
        args = [np.asarray(a) if isinstance(a, Tensor) else a for a in self._args]
        for value in self._generator(*args):
            value = _normalize(value, convert=False)
            try:
                flat = [v.value if isinstance(v, _ListLeaf) else v for v in nest.flatten(value)]
                nest.assert_same_structure(
                    self._signature if nest.is_nested(self._signature) else 0,
                    value if nest.is_nested(self._signature) else 0, check_types=False)
            except (ValueError, TypeError):
                raise errors.InvalidArgumentError(
                    None, None, "TypeError: `generator` yielded an element that did not match "
                    f"the expected structure. The expected structure was {self._signature}, "
                    f"but the yielded element was {value}.") from None
            out = []
            for v, s in zip(flat, specs):
                try:
                    a, _ = _to_array(v, s.dtype)
                except (TypeError, ValueError):
                    raise errors.InvalidArgumentError(
                        None, None, f"TypeError: `generator` yielded an element of type "
                        f"{type(v)} where an element of type {s.dtype!r} was expected.") from None
                if not s.shape.is_compatible_with(a.shape):
                    raise errors.InvalidArgumentError(
                        None, None, f"`generator` yielded an element of shape {a.shape} "
                        f"where an element of shape {s.shape} was expected.")
                out.append(a)
            yield nest.pack_sequence_as(self._signature, out)


class _ZipDataset(Dataset):
    def __init__(self, datasets, infinite_ok=False):
        for d in nest.flatten(datasets):
            if not isinstance(d, Dataset):
                raise TypeError("Invalid `datasets`. `datasets` is expected to be a (nested) "
                                "structure of `tf.data.Dataset` objects. Python `list` is not "
                                "supported and you should use `tuple` instead.")
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        self._datasets = datasets
        self._element_spec = nest.map_structure(lambda d: d.element_spec, datasets)

    def _cardinality(self):
        cards = [d._cardinality() for d in nest.flatten(self._datasets)]
        finite = [c for c in cards if c >= 0]
        if finite:
            return min(finite)
        if all(c == INFINITE_CARDINALITY for c in cards):
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY

    def _iter_arrays(self):
        flat = nest.flatten(self._datasets)
        for parts in zip(*[d._iter_arrays() for d in flat]):
            yield nest.pack_sequence_as(self._datasets, list(parts))


# ------------------------------------------------------------------------------------------
# Transformations
# ------------------------------------------------------------------------------------------


class _UnaryDataset(Dataset):
    def __init__(self, input_dataset):
        self._input = input_dataset
        self._element_spec = input_dataset.element_spec

    def _cardinality(self):
        return self._input._cardinality()


class _MapDataset(_UnaryDataset):
    def __init__(self, input_dataset, fn, num_parallel_calls=None):
        super().__init__(input_dataset)
        self._fn = _TracedFunction(fn, input_dataset.element_spec)
        self._element_spec = self._fn.output_spec
        self._parallel = num_parallel_calls

    def _apply(self, e):
        return _from_tensors(self._fn(e), self._element_spec)

    def _iter_arrays(self):
        n = self._parallel
        if n is None or n == 1:
            for e in self._input._iter_arrays():
                yield self._apply(e)
            return
        workers = os.cpu_count() or 2 if n == AUTOTUNE else int(n)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = []
            for e in self._input._iter_arrays():
                pending.append(pool.submit(self._apply, e))
                if len(pending) >= 2 * workers:
                    yield pending.pop(0).result()
            for f in pending:
                yield f.result()


class _FilterDataset(_UnaryDataset):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._fn = _TracedFunction(predicate, input_dataset.element_spec)
        out = self._fn.output_spec
        if not isinstance(out, TensorSpec) or out.dtype is not dtypes.bool_ or \
                out.shape.rank not in (0, None):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                             f"tensor, but its return type is {out}.")

    def _cardinality(self):
        c = self._input._cardinality()
        return INFINITE_CARDINALITY if c == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY

    def _iter_arrays(self):
        for e in self._input._iter_arrays():
            if bool(np.asarray(self._fn(e))):
                yield e


class _TakeWhileDataset(_FilterDataset):
    def _iter_arrays(self):
        for e in self._input._iter_arrays():
            if not bool(np.asarray(self._fn(e))):
                return
            yield e


def _batched_spec(spec, batch_size, drop_remainder):
    dim = batch_size if drop_remainder else None
    return nest.map_structure(
        lambda s: TensorSpec(TensorShape([dim]).concatenate(s.shape), s.dtype), spec)


def _stack_components(items, structure, batch_index=0):
    flats = [nest.flatten(i) for i in items]
    out = []
    for c, parts in enumerate(zip(*flats)):
        first = parts[0].shape
        for j, p in enumerate(parts[1:], 1):
            if p.size != parts[0].size:  # TF's batch copy checks the element count first
                raise errors.InvalidArgumentError(
                    None, None,
                    "Cannot add tensor to the batch: number of elements does not match. Shapes "
                    f"are: [tensor]: [{','.join(map(str, p.shape))}], [batch]: "
                    f"[{','.join(map(str, first))}]")
            if p.shape != first:
                raise errors.InvalidArgumentError(
                    None, None,
                    f"Cannot batch tensors with different shapes in component {c}. First "
                    f"element had shape [{','.join(map(str, first))}] and element {j} had shape "
                    f"[{','.join(map(str, p.shape))}].")
        out.append(np.stack(parts))
    return nest.pack_sequence_as(structure, out)


class _BatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        self._batch_size = int(batch_size)
        if self._batch_size <= 0:
            raise errors.kernel_error(errors.InvalidArgumentError, "BatchDatasetV2",
                                      "Batch size must be greater than zero.")
        self._drop = bool(drop_remainder)
        self._element_spec = _batched_spec(input_dataset.element_spec, self._batch_size,
                                           self._drop)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        return c // self._batch_size if self._drop else -(-c // self._batch_size)

    def _iter_arrays(self):
        spec = self._input.element_spec
        buf = []
        for e in self._input._iter_arrays():
            buf.append(e)
            if len(buf) == self._batch_size:
                yield _stack_components(buf, spec)
                buf = []
        if buf and not self._drop:
            yield _stack_components(buf, spec)


class _PaddedBatchDataset(_BatchDataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values, drop):
        _UnaryDataset.__init__(self, input_dataset)
        self._batch_size = int(batch_size)
        self._drop = bool(drop)
        spec = input_dataset.element_spec
        if padded_shapes is None:
            padded_shapes = nest.map_structure(lambda s: s.shape, spec)
        self._padded = nest.pack_sequence_as(
            spec, [TensorShape(p) for p in _flatten_up_to(spec, padded_shapes)])
        if padding_values is None:
            padding_values = nest.map_structure(
                lambda s: b"" if s.dtype is dtypes.string else 0, spec)
        self._pad_values = _values_like(spec, padding_values)
        self._element_spec = nest.map_structure(
            lambda s, p: TensorSpec(TensorShape([self._batch_size if self._drop else None])
                                    .concatenate(p), s.dtype), spec, self._padded)

    def _iter_arrays(self):
        spec = self._input.element_spec
        buf = []
        for e in self._input._iter_arrays():
            buf.append(e)
            if len(buf) == self._batch_size:
                yield self._pad(buf, spec)
                buf = []
        if buf and not self._drop:
            yield self._pad(buf, spec)

    def _pad(self, items, spec):
        flats = [nest.flatten(i) for i in items]
        shapes = nest.flatten(self._padded)
        values = nest.flatten(self._pad_values)
        specs = nest.flatten(spec)
        out = []
        for c, parts in enumerate(zip(*flats)):
            target = shapes[c].as_list()
            dims = [max(p.shape[k] for p in parts) if d is None else d
                    for k, d in enumerate(target)]
            for p in parts:
                if any(p.shape[k] > dims[k] for k in range(len(dims))):
                    raise errors.InvalidArgumentError(
                        None, None, "Attempted to pad to a smaller size than the input "
                        "element.")
            fill = np.asarray(values[c], dtype=specs[c].dtype._np)
            batch = np.full([len(parts)] + dims, fill, dtype=specs[c].dtype._np)
            for i, p in enumerate(parts):
                batch[(i,) + tuple(slice(0, s) for s in p.shape)] = p
            out.append(batch)
        return nest.pack_sequence_as(spec, out)


def _flatten_up_to(spec, values):
    """Flatten `values` only as deep as `spec` is nested (its leaves may be lists/shapes)."""
    if not nest.is_nested(spec):
        return [values]
    if isinstance(spec, dict):
        keys = sorted(spec)
        return [v for k in keys for v in _flatten_up_to(spec[k], values[k])]
    return [v for sp, val in zip(spec, values) for v in _flatten_up_to(sp, val)]


def _values_like(spec, values):
    if not nest.is_nested(spec):
        return np.asarray(values._value if isinstance(values, EagerTensor) else values)
    flat = _flatten_up_to(spec, values)
    return nest.pack_sequence_as(
        spec, [np.asarray(v._value if isinstance(v, EagerTensor) else v) for v in flat])


class _UnbatchDataset(_UnaryDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        for s in nest.flatten(input_dataset.element_spec):
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        self._element_spec = nest.map_structure(
            lambda s: TensorSpec(s.shape[1:], s.dtype), input_dataset.element_spec)

    def _cardinality(self):
        c = self._input._cardinality()
        return INFINITE_CARDINALITY if c == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY

    def _iter_arrays(self):
        for e in self._input._iter_arrays():
            flat = nest.flatten(e)
            for i in range(flat[0].shape[0]):
                yield nest.pack_sequence_as(e, [a[i, ...] for a in flat])


def _seed_pair(seed):
    """(global seed, op seed) by TF's rules, shared with the random ops."""
    from tfedu.ops import random_ops

    return random_ops.get_seed(seed)


class _ShuffleDataset(_UnaryDataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle):
        super().__init__(input_dataset)
        self._buffer_size = int(buffer_size)
        if self._buffer_size <= 0:
            raise errors.kernel_error(errors.InvalidArgumentError, "ShuffleDatasetV3",
                                      "buffer_size must be greater than zero or "
                                      "UNKNOWN_CARDINALITY")
        self._reshuffle = reshuffle
        g, o = _seed_pair(seed)
        self._seed = None if g is None and o is None else ((g or 0) * 1000003 + (o or 0))
        self._epoch = itertools.count()

    def _rng(self):
        epoch = next(self._epoch) if self._reshuffle else 0
        if self._seed is None:
            return np.random.default_rng()
        return np.random.default_rng([self._seed & 0xFFFFFFFF, epoch])

    def _iter_arrays(self):
        rng = self._rng()
        buf = []
        for e in self._input._iter_arrays():
            if len(buf) < self._buffer_size:
                buf.append(e)
                continue
            i = int(rng.integers(len(buf)))
            yield buf[i]
            buf[i] = e
        while buf:
            i = int(rng.integers(len(buf)))
            buf[i], buf[-1] = buf[-1], buf[i]
            yield buf.pop()


class _RepeatDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = -1 if count is None else int(count)

    def _cardinality(self):
        c = self._input._cardinality()
        if self._count == -1:
            return 0 if c == 0 else INFINITE_CARDINALITY
        if c < 0:
            return c
        return c * self._count

    def _iter_arrays(self):
        n = 0
        while self._count < 0 or n < self._count:
            empty = True
            for e in self._input._iter_arrays():
                empty = False
                yield e
            if empty:
                return
            n += 1


class _ShardDataset(_UnaryDataset):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._n, self._index = int(num_shards), int(index)
        if self._n <= 0:
            raise errors.InvalidArgumentError(None, None, "Number of shards must be greater "
                                              f"than zero (currently num_shards = {self._n}).")
        if not 0 <= self._index < self._n:
            raise errors.InvalidArgumentError(
                None, None, "Index must be between 0 and "
                f"{self._n - 1} (currently index = {self._index}).")

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        return c // self._n + (1 if self._index < c % self._n else 0)

    def _iter_arrays(self):
        for i, e in enumerate(self._input._iter_arrays()):
            if i % self._n == self._index:
                yield e


class _TakeDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _cardinality(self):
        c = self._input._cardinality()
        if self._count < 0:
            return c
        if c == INFINITE_CARDINALITY:
            return self._count
        if c == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        return min(c, self._count)

    def _iter_arrays(self):
        if self._count < 0:
            yield from self._input._iter_arrays()
            return
        if self._count == 0:
            return
        for i, e in enumerate(self._input._iter_arrays()):
            yield e
            if i + 1 >= self._count:
                return


class _SkipDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        if self._count < 0:
            return 0
        return max(c - self._count, 0)

    def _iter_arrays(self):
        if self._count < 0:
            return
        yield from itertools.islice(self._input._iter_arrays(), self._count, None)


_END = object()


class _PrefetchDataset(_UnaryDataset):
    """Produces elements on a background thread, up to `buffer_size` ahead of the consumer."""

    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        self._buffer_size = int(buffer_size)

    def _iter_arrays(self):
        size = 2 if self._buffer_size == AUTOTUNE else max(self._buffer_size, 1)
        q = queue.Queue(maxsize=size)
        stop = threading.Event()

        def produce():
            try:
                for e in self._input._iter_arrays():
                    while not stop.is_set():
                        try:
                            q.put(e, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put(_END)
            except BaseException as exc:  # handed to the consumer, raised there
                q.put(exc)

        t = threading.Thread(target=produce, daemon=True, name="tfedu-prefetch")
        t.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()


class CacheDataset(_UnaryDataset):
    """Caches elements after the first full pass, in memory or (with a filename) on disk."""

    def __init__(self, input_dataset, filename=""):
        super().__init__(input_dataset)
        self._filename = os.fspath(filename) if filename else ""
        self._memory = None

    def _cache_file(self):
        # TF's file names: `<filename>.data-00000-of-00001` holds the elements and
        # `<filename>.index` marks a complete cache (written last).
        return self._filename + ".data-00000-of-00001"

    def _index_file(self):
        return self._filename + ".index"

    def _iter_arrays(self):
        if self._filename:
            if os.path.exists(self._index_file()):  # the index is written last
                yield from self._read_file(self._cache_file())
                return
        elif self._memory is not None:
            yield from self._memory
            return
        items = []
        for e in self._input._iter_arrays():
            items.append(e)
            yield e
        if self._filename:
            self._write_file(items)
        else:
            self._memory = items

    def _write_file(self, items):
        """TensorFlow's cache format: one tensor bundle keyed `%7d_%Nd` (element, component),
        so TensorFlow reads tfedu's cache and the reverse. The index is written last."""
        from tfedu.train.tensor_bundle import BundleWriter

        flat_spec = nest.flatten(self._element_spec)
        writer = BundleWriter(self._filename)
        for i, item in enumerate(items):
            for c, (a, spec) in enumerate(zip(nest.flatten(item), flat_spec)):
                writer.add(_cache_key(i, c, len(flat_spec)), np.asarray(a), spec.dtype)
        writer.finish()

    def _read_file(self, path):
        """Elements from a bundle; a damaged or foreign file is a DataLossError, never code."""
        from tfedu.train.tensor_bundle import BundleReader

        spec = self._element_spec
        flat_spec = nest.flatten(spec)
        reader = BundleReader(self._filename)
        keys = set(reader.keys())
        i = 0
        while _cache_key(i, 0, len(flat_spec)) in keys:
            comps = [_cache_value(reader, _cache_key(i, c, len(flat_spec)), s, keys)
                     for c, s in enumerate(flat_spec)]
            yield nest.pack_sequence_as(spec, comps)
            i += 1
        if len(keys) != i * len(flat_spec):
            raise errors.DataLossError(
                None, None, f"The cache {self._filename} holds {len(keys)} tensors, which are "
                f"not {len(flat_spec)} per element: it was not written for this dataset")


def _cache_key(item: int, component: int, num_components: int) -> str:
    """TF's cache keys: the element's index padded to 7, the component's to its widest."""
    return f"{item:7d}_{component:{len(str(num_components - 1))}d}"


def _cache_value(reader, key, spec, keys):
    if key not in keys:
        raise errors.DataLossError(None, None, f"The cache lacks the tensor {key.strip()}")
    value = reader.get(key)
    if reader.dtype(key) is not spec.dtype or not spec.shape.is_compatible_with(value.shape):
        raise errors.DataLossError(
            None, None, f"The cache holds {reader.dtype(key).name} {list(value.shape)} for "
            f"{key.strip()}, where the dataset has {spec.dtype.name} {spec.shape}")
    return value


class _ConcatenateDataset(Dataset):
    def __init__(self, a, b):
        sa = nest.flatten(a.element_spec)
        sb = nest.flatten(b.element_spec)
        if len(sa) != len(sb) or any(x.dtype is not y.dtype for x, y in zip(sa, sb)):
            raise TypeError(f"Incompatible dataset elements:\n  {a.element_spec} vs. "
                            f"  {b.element_spec}")
        self._a, self._b = a, b
        self._element_spec = nest.pack_sequence_as(
            a.element_spec, [TensorSpec(x.shape.most_specific_compatible_shape(y.shape), x.dtype)
                             for x, y in zip(sa, sb)])

    def _cardinality(self):
        ca, cb = self._a._cardinality(), self._b._cardinality()
        if INFINITE_CARDINALITY in (ca, cb):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (ca, cb):
            return UNKNOWN_CARDINALITY
        return ca + cb

    def _iter_arrays(self):
        yield from self._a._iter_arrays()
        yield from self._b._iter_arrays()


def _dataset_returning(fn, spec):
    """Call a dataset-valued user function on an element (eager; it builds a pipeline)."""

    def call(e):
        ds = fn(*_call_args(_to_tensors(e, spec)))
        if not isinstance(ds, Dataset):
            raise TypeError(f"The map function must return a `tf.data.Dataset` object, got "
                            f"{type(ds).__name__}.")
        return ds

    return call


class _FlatMapDataset(_UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self._call = _dataset_returning(fn, input_dataset.element_spec)
        probe = _probe_element_spec(input_dataset, self._call)
        self._element_spec = probe

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _iter_arrays(self):
        for e in self._input._iter_arrays():
            yield from self._call(e)._iter_arrays()


def _probe_element_spec(input_dataset, call):
    spec = input_dataset.element_spec
    def dummy_component(s):
        if isinstance(s, _DatasetSpec):
            return _WindowElement([], s.element_spec)
        dims = [d or 0 for d in s.shape.as_list()] if s.shape.rank is not None else []
        return np.zeros(dims, dtype=s.dtype._np if s.dtype is not dtypes.string else object)

    dummy = nest.map_structure(dummy_component, spec)
    return call(dummy).element_spec


class _InterleaveDataset(_UnaryDataset):
    def __init__(self, input_dataset, fn, cycle_length, block_length):
        super().__init__(input_dataset)
        self._call = _dataset_returning(fn, input_dataset.element_spec)
        self._cycle = cycle_length if cycle_length not in (None, AUTOTUNE) else (
            os.cpu_count() or 2)
        self._block = 1 if block_length is None else int(block_length)
        self._element_spec = _probe_element_spec(input_dataset, self._call)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _iter_arrays(self):
        # TF's InterleaveDataset: a slot whose element runs out is emptied and the cycle moves
        # on; the slot is refilled from the input only when the cycle comes back to it.
        inputs = self._input._iter_arrays()
        slots = [None] * self._cycle
        end_of_input = False
        num_open = 0
        index = block = 0
        while not end_of_input or num_open > 0:
            if slots[index] is not None:
                try:
                    value = next(slots[index])
                except StopIteration:
                    slots[index] = None
                    num_open -= 1
                    index, block = (index + 1) % self._cycle, 0
                    continue
                yield value
                block += 1
                if block == self._block:
                    index, block = (index + 1) % self._cycle, 0
            elif not end_of_input:
                try:
                    slots[index] = iter(self._call(next(inputs))._iter_arrays())
                    num_open += 1
                except StopIteration:
                    end_of_input = True
            else:
                index, block = (index + 1) % self._cycle, 0


class _WindowDataset(_UnaryDataset):
    def __init__(self, input_dataset, size, shift, stride, drop_remainder):
        super().__init__(input_dataset)
        self._size = int(size)
        self._shift = self._size if shift is None else int(shift)
        self._stride = int(stride)
        self._drop = bool(drop_remainder)
        self._element_spec = nest.map_structure(lambda s: _DatasetSpec(s),
                                                input_dataset.element_spec)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        span = (self._size - 1) * self._stride + 1
        if self._drop:
            return 0 if c < span else (c - span) // self._shift + 1
        return -(-c // self._shift)

    def _iter_arrays(self):
        items = list(self._input._iter_arrays())
        span = (self._size - 1) * self._stride + 1
        spec = self._input.element_spec
        for start in range(0, len(items), self._shift):
            window = items[start:start + span:self._stride]
            if self._drop and len(window) < self._size:
                return
            if not window:
                return
            # As TF: a structured element gives a structure of windows, one per component.
            flat_specs = nest.flatten(spec)
            parts = [_WindowElement([nest.flatten(item)[i] for item in window], s)
                     for i, s in enumerate(flat_specs)]
            yield nest.pack_sequence_as(spec, parts)


class _DatasetSpec:
    def __init__(self, element_spec):
        self.element_spec = element_spec

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape([]))"


class _WindowElement:
    """A window: a small dataset of the elements it holds."""

    def __init__(self, items, spec):
        self.items = items
        self.spec = spec


class _ListDataset(Dataset):
    def __init__(self, items, spec):
        self._items = items
        self._element_spec = spec

    def _cardinality(self):
        return len(self._items)

    def _iter_arrays(self):
        yield from self._items


_VariantDataset = _ListDataset
