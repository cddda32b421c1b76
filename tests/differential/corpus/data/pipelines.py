# tf.data: sources, transformations, element_spec, cardinality, iteration.
import numpy as np
import tensorflow as tf

# %% range_list
list(tf.data.Dataset.range(5).as_numpy_iterator())

# %% from_tensor_slices_tuple
ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], ["a", "b", "c"]))
list(ds.as_numpy_iterator())

# %% from_tensor_slices_dict
ds = tf.data.Dataset.from_tensor_slices({"x": [1.0, 2.0], "y": [0, 1]})
print(ds.element_spec)
list(ds.as_numpy_iterator())

# %% from_tensor_slices_mismatch
tf.data.Dataset.from_tensor_slices(([1, 2, 3], [1, 2]))

# %% from_tensors
ds = tf.data.Dataset.from_tensors([1, 2, 3])
print(ds.element_spec, len(list(ds)))

# %% map_batch
ds = tf.data.Dataset.range(7).map(lambda x: x * 2).batch(3)
[b.tolist() for b in ds.as_numpy_iterator()]

# %% batch_drop_remainder_spec
ds = tf.data.Dataset.range(7).batch(3, drop_remainder=True)
print(ds.element_spec, ds.cardinality().numpy())

# %% batch_spec_unknown
tf.data.Dataset.range(7).batch(3).element_spec

# %% filter
list(tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0).as_numpy_iterator())

# %% filter_cardinality_unknown
tf.data.Dataset.range(10).filter(lambda x: x > 2).cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY

# %% shuffle_seed_keeps_set
sorted(tf.data.Dataset.range(10).shuffle(10, seed=1).as_numpy_iterator())

# %% repeat_take
list(tf.data.Dataset.range(3).repeat(2).take(5).as_numpy_iterator())

# %% repeat_infinite_cardinality
tf.data.Dataset.range(3).repeat().cardinality().numpy() == tf.data.INFINITE_CARDINALITY

# %% skip_take_cardinality
print(tf.data.Dataset.range(10).skip(3).take(4).cardinality().numpy())

# %% zip
a = tf.data.Dataset.range(3)
b = tf.data.Dataset.range(10, 13)
list(tf.data.Dataset.zip((a, b)).as_numpy_iterator())

# %% concatenate
list(tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7)).as_numpy_iterator())

# %% concatenate_type_error
tf.data.Dataset.range(2).concatenate(tf.data.Dataset.from_tensor_slices([1.0]))

# %% enumerate
list(tf.data.Dataset.from_tensor_slices(["a", "b"]).enumerate(start=5).as_numpy_iterator())

# %% flat_map
list(tf.data.Dataset.range(3).flat_map(lambda x: tf.data.Dataset.from_tensors(x).repeat(x)).as_numpy_iterator())

# %% interleave
list(tf.data.Dataset.range(1, 3).interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2).as_numpy_iterator())

# %% padded_batch
ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(2)
[b.tolist() for b in ds.as_numpy_iterator()]

# %% padded_batch_shapes
ds = tf.data.Dataset.range(1, 3).map(lambda x: tf.fill([x], x)).padded_batch(2, padded_shapes=[4], padding_values=tf.constant(-1, tf.int64))
next(iter(ds)).numpy()

# %% unbatch
list(tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).unbatch().as_numpy_iterator())

# %% window
ds = tf.data.Dataset.range(5).window(2, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(2))
[b.tolist() for b in ds.as_numpy_iterator()]

# %% reduce
tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)

# %% scan
list(tf.data.Dataset.range(5).scan(tf.constant(0, tf.int64), lambda s, x: (s + x, s + x)).as_numpy_iterator())

# %% map_tuple_unpacking
ds = tf.data.Dataset.from_tensor_slices(([1, 2], [10, 20])).map(lambda a, b: a + b)
list(ds.as_numpy_iterator())

# %% map_dict
ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2]}).map(lambda d: d["a"] * 3)
list(ds.as_numpy_iterator())

# %% map_python_side_effect_once
calls = []
ds = tf.data.Dataset.range(3).map(lambda x: (calls.append(1), x)[1])
list(ds)
len(calls)

# %% map_numpy_error
tf.data.Dataset.range(3).map(lambda x: x.numpy())

# %% iterator_next
it = iter(tf.data.Dataset.range(2))
print(next(it).numpy(), next(it).numpy())
next(it)

# %% get_next_end_of_sequence
it = iter(tf.data.Dataset.range(1))
it.get_next()
it.get_next()

# %% get_next_as_optional
it = iter(tf.data.Dataset.range(1))
it.get_next()
opt = it.get_next_as_optional()
opt.has_value()

# %% element_spec_nested
ds = tf.data.Dataset.from_tensor_slices(({"a": [[1.0, 2.0]]}, [1]))
ds.element_spec

# %% len_dataset
len(tf.data.Dataset.range(5).batch(2))

# %% len_infinite_error
len(tf.data.Dataset.range(5).repeat())

# %% cache_prefetch
ds = tf.data.Dataset.range(4).cache().prefetch(tf.data.AUTOTUNE)
list(ds.as_numpy_iterator())

# %% autotune_value
tf.data.AUTOTUNE

# %% from_generator
def gen():
    for i in range(3):
        yield i, [i] * i
ds = tf.data.Dataset.from_generator(gen, output_signature=(tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.int32)))
[(a, b.tolist()) for a, b in ds.as_numpy_iterator()]

# %% from_generator_spec
def gen():
    yield 1.0
tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.float32)).element_spec

# %% dataset_repr
print(tf.data.Dataset.range(3))
print(tf.data.Dataset.range(3).batch(2))
print(tf.data.Dataset.from_tensor_slices({"a": [1.0]}))

# %% shard
list(tf.data.Dataset.range(10).shard(3, 1).as_numpy_iterator())

# %% take_while
list(tf.data.Dataset.range(10).take_while(lambda x: x < 4).as_numpy_iterator())

# %% unique
list(tf.data.Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique().as_numpy_iterator())

# %% bucket_by_sequence_length_like_group
ds = tf.data.Dataset.range(6).group_by_window(key_func=lambda x: x % 2, reduce_func=lambda k, w: w.batch(3), window_size=3)
sorted(b.tolist() for b in ds.as_numpy_iterator())

# %% rejection_resample_absent_like_choose
ds = tf.data.Dataset.choose_from_datasets([tf.data.Dataset.from_tensors(1).repeat(), tf.data.Dataset.from_tensors(2).repeat()], tf.data.Dataset.from_tensor_slices(tf.constant([0, 1, 1, 0], tf.int64)))
list(ds.as_numpy_iterator())

# %% sample_from_datasets_keeps_all
ds = tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], seed=1)
sorted(ds.as_numpy_iterator())

# %% apply_transform
list(tf.data.Dataset.range(4).apply(lambda ds: ds.map(lambda x: x + 100)).as_numpy_iterator())

# %% options_deterministic
ds = tf.data.Dataset.range(3)
opts = tf.data.Options()
opts.deterministic = True
list(ds.with_options(opts).as_numpy_iterator())

# %% batch_zero_error
tf.data.Dataset.range(3).batch(0)

# %% map_num_parallel_calls
list(tf.data.Dataset.range(4).map(lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE).as_numpy_iterator())

# %% dataset_in_for_loop_eager
s = 0
for x in tf.data.Dataset.range(4):
    s += int(x)
s

# %% counter_like_range_infinite
list(tf.data.Dataset.range(0, 10, 3).as_numpy_iterator())

# %% from_tensor_slices_numpy
ds = tf.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2))
print(ds.element_spec)
[x.tolist() for x in ds.as_numpy_iterator()]

# %% from_tensor_slices_scalar_error
tf.data.Dataset.from_tensor_slices(tf.constant(1))

# %% map_returns_tuple_spec
tf.data.Dataset.range(2).map(lambda x: (x, tf.cast(x, tf.float32) / 2)).element_spec

# %% cardinality_of_from_tensor_slices
tf.data.Dataset.from_tensor_slices(tf.zeros([7, 2])).cardinality()

# %% rebatch_like_batch_after_unbatch
[b.tolist() for b in tf.data.Dataset.range(6).batch(4).unbatch().batch(3).as_numpy_iterator()]

# %% random_dataset_shape
tf.data.Dataset.random(seed=1).take(2).element_spec

# %% experimental_cardinality_fn
tf.data.experimental.cardinality(tf.data.Dataset.range(4))

# %% zip_dict_structure
ds = tf.data.Dataset.zip({"a": tf.data.Dataset.range(2), "b": tf.data.Dataset.range(2, 4)})
list(ds.as_numpy_iterator())

# %% batch_dict_elements
ds = tf.data.Dataset.from_tensor_slices({"x": [1, 2, 3]}).batch(2)
[{k: v.tolist() for k, v in b.items()} for b in ds.as_numpy_iterator()]
