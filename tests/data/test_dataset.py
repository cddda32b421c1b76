import os

import numpy as np
import pytest

import tfedu as tf


def test_from_tensor_slices_structures_and_specs():
    ds = tf.data.Dataset.from_tensor_slices({"img": tf.zeros([4, 2, 2]), "label": [1, 2, 3, 4]})
    spec = ds.element_spec
    assert spec["img"] == tf.TensorSpec([2, 2], tf.float32)
    assert spec["label"] == tf.TensorSpec([], tf.int32)
    assert len(ds) == 4
    first = next(iter(ds))
    assert first["label"].dtype is tf.int32 and int(first["label"]) == 1


def test_lists_inside_elements_are_tensors_not_structure():
    ds = tf.data.Dataset.from_tensors(([1, 2, 3], "s"))
    assert ds.element_spec == (tf.TensorSpec([3], tf.int32), tf.TensorSpec([], tf.string))


def test_batch_cardinality_and_remainder():
    ds = tf.data.Dataset.range(5)
    assert [b.tolist() for b in ds.batch(2).as_numpy_iterator()] == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in ds.batch(2, drop_remainder=True).as_numpy_iterator()] == [
        [0, 1], [2, 3]]
    assert ds.batch(2).element_spec.shape.as_list() == [None]
    assert ds.batch(2, drop_remainder=True).element_spec.shape.as_list() == [2]
    assert int(ds.batch(2).cardinality()) == 3


def test_batching_ragged_elements_names_the_shapes():
    ds = tf.data.Dataset.from_generator(
        lambda: iter([[1], [1, 2]]), output_signature=tf.TensorSpec([None], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"IteratorGetNext_output_types_1_device_.* Cannot add tensor to the "
                             r"batch: number of elements does not match\. Shapes are: \[tensor\]: "
                             r"\[2\], \[batch\]: \[1\] \[Op:IteratorGetNext\]"):
        list(ds.batch(2))


def test_repeat_take_skip_and_infinite_length():
    ds = tf.data.Dataset.range(3)
    assert list(ds.repeat().take(7).as_numpy_iterator()) == [0, 1, 2, 0, 1, 2, 0]
    assert int(ds.repeat().cardinality()) == tf.data.INFINITE_CARDINALITY
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(ds.repeat())
    assert list(ds.skip(5).as_numpy_iterator()) == []


def test_zip_enumerate_concatenate():
    a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)
    assert list(tf.data.Dataset.zip((a, b)).as_numpy_iterator())[2] == (2, 12)
    assert len(tf.data.Dataset.zip((a, b))) == 3
    assert list(a.concatenate(b).as_numpy_iterator())[-1] == 14
    assert list(a.enumerate(start=5).as_numpy_iterator())[0] == (5, 0)


def test_shuffle_is_a_permutation_and_seeded_runs_repeat():
    make = lambda: tf.data.Dataset.range(20).shuffle(20, seed=3)  # noqa: E731
    first = list(make().as_numpy_iterator())
    assert sorted(first) == list(range(20))
    assert first == list(make().as_numpy_iterator())
    assert first != list(range(20))


def test_prefetch_runs_ahead_on_a_thread_and_propagates_errors():
    def gen():
        yield 1
        raise RuntimeError("boom in generator")

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int32))
    it = iter(ds.prefetch(2))
    assert int(next(it)) == 1
    with pytest.raises(RuntimeError, match="boom in generator"):
        next(it)


def test_file_cache_is_written_atomically_and_reused(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)

    path = str(tmp_path / "cache")
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))
    cached = ds.cache(path)
    assert list(cached.as_numpy_iterator()) == [0, 1, 2]
    assert list(cached.as_numpy_iterator()) == [0, 1, 2]
    assert len(calls) == 1
    # TF's cache file names.
    assert sorted(os.listdir(tmp_path)) == ["cache.data-00000-of-00001", "cache.index"]


def test_text_line_dataset(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("first line\nsecond\n")
    assert list(tf.data.TextLineDataset(str(p)).as_numpy_iterator()) == [b"first line", b"second"]
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.data.TextLineDataset(str(tmp_path / "missing.txt")))


def test_window_and_padded_batch_without_functions():
    w = [list(x.as_numpy_iterator()) for x in
         tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=True)]
    assert w == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    ds = tf.data.Dataset.from_generator(
        lambda: iter([[1], [2, 2], [3, 3, 3]]), output_signature=tf.TensorSpec([None], tf.int64))
    out = list(ds.padded_batch(2).as_numpy_iterator())
    np.testing.assert_array_equal(out[0], [[1, 0], [2, 2]])
    np.testing.assert_array_equal(out[1], [[3, 3, 3]])


def test_get_single_element_and_iterator_exhaustion():
    assert tf.data.Dataset.from_tensors([1, 2]).get_single_element().numpy().tolist() == [1, 2]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.data.Dataset.range(2).get_single_element()
    it = iter(tf.data.Dataset.range(1))
    next(it)
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()


def test_map_is_traced_once_with_symbolic_tensors(capsys):
    def f(x):
        print("trace", isinstance(x, tf.Tensor), x.shape)
        return x * 10

    ds = tf.data.Dataset.range(3).map(f)
    assert capsys.readouterr().out == "trace True ()\n"
    assert list(ds.as_numpy_iterator()) == [0, 10, 20]
    assert list(ds.as_numpy_iterator()) == [0, 10, 20]
    assert capsys.readouterr().out == ""


def test_map_on_tuples_filter_and_reduce():
    pairs = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [10, 20, 30]))
    assert list(pairs.map(lambda a, b: a + b).as_numpy_iterator()) == [11, 22, 33]
    evens = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0)
    assert list(evens.as_numpy_iterator()) == [0, 2, 4, 6, 8]
    assert int(evens.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    total = tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)
    assert int(total) == 10


def test_parallel_map_keeps_order():
    ds = tf.data.Dataset.range(50).map(lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE)
    assert list(ds.as_numpy_iterator()) == [i * i for i in range(50)]


def test_filter_predicate_must_return_bool_scalar():
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar"):
        tf.data.Dataset.range(3).filter(lambda x: x)


def test_interleave_and_flat_map():
    fm = tf.data.Dataset.range(3).flat_map(lambda x: tf.data.Dataset.from_tensors(x).repeat(x))
    assert list(fm.as_numpy_iterator()) == [1, 2, 2]
    il = tf.data.Dataset.range(1, 3).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=1)
    assert list(il.as_numpy_iterator()) == [1, 2, 1, 2, 1, 2]


def test_interleave_refills_an_exhausted_slot_when_the_cycle_returns_to_it():
    # Values produced by TensorFlow 2.21.
    ds = tf.data.Dataset.range(1, 5).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + x), cycle_length=3)
    assert [int(v) for v in ds] == [10, 20, 30, 21, 31, 40, 32, 41, 42, 43]
    ds = tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + x), cycle_length=2, block_length=2)
    assert [int(v) for v in ds] == [10, 20, 21, 30, 31, 32, 40, 41, 50, 51, 42, 43, 52, 53, 54]


def test_window_of_structured_elements_is_a_structure_of_datasets():
    ds = tf.data.Dataset.zip((tf.data.Dataset.range(5), tf.data.Dataset.range(5, 10)))
    flat = ds.window(2).flat_map(lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))
    assert [(x.tolist(), y.tolist()) for x, y in flat.as_numpy_iterator()] == [
        ([0, 1], [5, 6]), ([2, 3], [7, 8]), ([4], [9])]
    sharded = tf.data.Dataset.range(10).shard(3, 1)
    assert [int(x) for x in sharded] == [1, 4, 7] and int(sharded.cardinality()) == 3


def test_batch_and_shuffle_size_errors_carry_tf_op_decoration():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.data.Dataset.range(3).batch(0)
    assert str(e.value) == ("{{function_node __wrapped__BatchDatasetV2_device_/job:localhost/"
                            "replica:0/task:0/device:CPU:0}} Batch size must be greater than "
                            "zero. [Op:BatchDatasetV2] name: ")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"buffer_size must be greater than "
                                                             r"zero or UNKNOWN_CARDINALITY "
                                                             r"\[Op:ShuffleDatasetV3\]"):
        tf.data.Dataset.range(3).shuffle(0)


def test_iterator_passed_to_tf_function_advances_on_every_call():
    """TF's guide: `next(iterator)` on a tf.data iterator inside a tf.function is an op of the
    graph (IteratorGetNext), so each call takes the next element; at the end, OutOfRange."""
    @tf.function
    def take(iterator):
        return next(iterator) * 2

    it = iter(tf.data.Dataset.from_tensor_slices([1, 2]))
    assert [int(take(it)), int(take(it))] == [2, 4]
    assert take.experimental_get_tracing_count() == 1
    assert "IteratorGetNext" in [op.type for op in take.get_concrete_function(it).graph.get_operations()]
    with pytest.raises(tf.errors.OutOfRangeError):
        take(it)
