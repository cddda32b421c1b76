# SparseTensor and RaggedTensor basics (also in tf.data), tf.lookup tables, tf.signal FFTs.
import numpy as np
import tensorflow as tf

st = tf.sparse.SparseTensor(indices=[[0, 1], [1, 2]], values=[1.0, 2.0], dense_shape=[2, 3])

# %% sparse_to_dense
tf.sparse.to_dense(st)

# %% sparse_repr_parts
print(st.indices.numpy().tolist(), st.values.numpy(), st.dense_shape.numpy(), st.shape, st.dtype)

# %% sparse_from_dense
s = tf.sparse.from_dense(tf.constant([[0, 3], [4, 0]]))
print(s.indices.numpy().tolist(), s.values.numpy())

# %% sparse_slice
s = tf.sparse.slice(st, [0, 1], [2, 1])
print(s.indices.numpy().tolist(), s.values.numpy(), s.dense_shape.numpy())

# %% sparse_concat
c = tf.sparse.concat(1, [st, st])
tf.sparse.to_dense(c)

# %% sparse_concat_mismatch
tf.sparse.concat(1, [st, tf.sparse.SparseTensor([[0, 0]], [1.0], [3, 3])])

# %% sparse_transpose
tf.sparse.to_dense(tf.sparse.transpose(st))

# %% sparse_reduce_max_axis
tf.sparse.reduce_max(tf.sparse.SparseTensor([[0, 0], [0, 2], [1, 1]], [3, 5, 2], [2, 3]), axis=1)

# %% sparse_reduce_sum
tf.sparse.reduce_sum(st, axis=0)

# %% sparse_map_values
tf.sparse.to_dense(tf.sparse.map_values(tf.multiply, st, 10.0))

# %% sparse_add_dense
tf.sparse.add(st, tf.ones([2, 3]))

# %% sparse_matmul
tf.sparse.sparse_dense_matmul(st, tf.ones([3, 1]))

# %% sparse_retain
tf.sparse.to_dense(tf.sparse.retain(st, [True, False]))

# %% sparse_in_dataset_from_tensors
ds = tf.data.Dataset.from_tensors(st)
print(type(next(iter(ds))).__name__)

# %% ragged_constant
r = tf.ragged.constant([[1, 2], [3], []])
print(r.to_list(), r.shape, r.dtype, r.ragged_rank)

# %% ragged_print
print(tf.ragged.constant([[1, 2], [3]]))

# %% ragged_from_row_splits
tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 1, 4]).to_list()

# %% ragged_from_row_lengths
tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 0, 1]).to_list()

# %% ragged_from_nested_row_splits
tf.RaggedTensor.from_nested_row_splits([1, 2, 3, 4, 5], ([0, 2, 3], [0, 2, 4, 5])).to_list()

# %% ragged_from_uniform_row_length
tf.RaggedTensor.from_uniform_row_length([1, 2, 3, 4, 5, 6], 2).to_list()

# %% ragged_from_sparse msg=first-line
tf.RaggedTensor.from_sparse(st).to_list()

# %% ragged_to_tensor
tf.ragged.constant([[1, 2], [3]]).to_tensor()

# %% ragged_row_lengths
tf.ragged.constant([[1, 2], [3], []]).row_lengths()

# %% ragged_range
tf.ragged.range([3, 1]).to_list()

# %% ragged_range_starts_limits
tf.ragged.range([1, 4], [3, 6]).to_list()

# %% ragged_map_flat_values
tf.ragged.map_flat_values(tf.multiply, tf.ragged.constant([[1, 2], [3]]), 10).to_list()

# %% ragged_tensor_spec
print(tf.RaggedTensorSpec([None, None], tf.int32))

# %% type_spec_from_value
tf.type_spec_from_value(tf.constant([1.0, 2.0]))

# %% ragged_in_dataset
ds = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2], [3]]))
[x.tolist() for x in ds.as_numpy_iterator()]

# %% lookup_static_hash_table
init = tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2], value_dtype=tf.int64)
table = tf.lookup.StaticHashTable(init, default_value=-1)
print(table.lookup(tf.constant(["b", "z", "a"])).numpy(), table.size().numpy())

# %% lookup_static_vocab_known
init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64))
table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=3)
print(table.lookup(tf.constant(["b", "a"])).numpy(), table.size().numpy())

# %% signal_rfft rtol=1e-5 atol=1e-5
tf.signal.rfft(tf.constant([1.0, 2.0, 3.0, 4.0]))

# %% signal_fft rtol=1e-5 atol=1e-5
tf.signal.fft(tf.constant([1 + 0j, 0j, 0j, 0j], tf.complex64))

# %% signal_irfft rtol=1e-5 atol=1e-5
tf.signal.irfft(tf.signal.rfft(tf.constant([1.0, 2.0, 3.0, 4.0])))

# %% signal_rfft2d_shape
tf.signal.rfft2d(tf.ones([4, 6])).shape

# %% signal_stft_shape
s = tf.signal.stft(tf.ones([1000]), frame_length=256, frame_step=128)
print(s.shape, s.dtype)

# %% initializers_lowercase
tf.initializers.zeros()((2,))

# %% graph_def_message
g = tf.compat.v1.GraphDef()
print(type(g).__name__, len(g.node))
