# Keras preprocessing layers, keras.utils helpers, and small API names.
import numpy as np
import tensorflow as tf
from tensorflow import keras

# %% string_lookup
l = keras.layers.StringLookup(vocabulary=["a", "b"])
print(l(tf.constant(["a", "c", "b"])).numpy(), l.get_vocabulary(), l.vocabulary_size())

# %% string_lookup_adapt
l = keras.layers.StringLookup()
l.adapt(["x", "y", "y", "z", "y", "x"])
l.get_vocabulary()

# %% string_lookup_invert
l = keras.layers.StringLookup(vocabulary=["a", "b"], invert=True)
l(tf.constant([2, 0, 1]))

# %% string_lookup_one_hot
keras.layers.StringLookup(output_mode="one_hot", vocabulary=["a", "b"])(tf.constant(["b"]))

# %% string_lookup_mask
l = keras.layers.StringLookup(vocabulary=["a"], mask_token="")
print(l.get_vocabulary(), l(tf.constant(["", "a", "q"])).numpy())

# %% integer_lookup
l = keras.layers.IntegerLookup(vocabulary=[10, 20])
print(l(tf.constant([10, 30, 20])).numpy(), l.get_vocabulary())

# %% category_encoding_one_hot
keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")([1, 3])

# %% category_encoding_multi_hot
keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")([[1, 3], [0, 0]])

# %% category_encoding_count
keras.layers.CategoryEncoding(num_tokens=3, output_mode="count")([[1, 1, 2]])

# %% discretization
keras.layers.Discretization(bin_boundaries=[0.0, 1.0])([[-1.0, 0.5, 2.0]])

# %% text_vectorization
tv = keras.layers.TextVectorization(max_tokens=10, output_sequence_length=4)
tv.adapt(["the cat sat", "the dog"])
print(tv.get_vocabulary())
tv(["the cat ran"])

# %% text_vectorization_punct
tv = keras.layers.TextVectorization()
tv.adapt(["Hello, World!", "hello"])
tv.get_vocabulary()

# %% resizing_layer
keras.layers.Resizing(2, 2)(tf.ones([1, 4, 4, 1])).shape

# %% center_crop_layer
keras.layers.CenterCrop(2, 2)(tf.reshape(tf.range(16.0), [1, 4, 4, 1]))[0, :, :, 0]

# %% random_flip_inference_identity
keras.layers.RandomFlip("horizontal")(tf.reshape(tf.range(4.0), [1, 2, 2, 1]), training=False)[0, :, :, 0]

# %% random_rotation_shape
keras.layers.RandomRotation(0.1)(tf.ones([2, 5, 5, 3])).shape

# %% augment_in_sequential
m = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.RandomFlip(), keras.layers.Rescaling(2.0)])
m.predict(np.ones((1, 4, 4, 1), np.float32), verbose=0)[0, :, :, 0]

# %% losses_reduction
print(keras.losses.Reduction.NONE, keras.losses.Reduction.SUM, keras.losses.Reduction.SUM_OVER_BATCH_SIZE)

# %% legacy_optimizer
v = tf.Variable(1.0)
keras.optimizers.legacy.SGD(0.1).apply_gradients([(tf.constant(1.0), v)])
v.numpy()

# %% schedules_inverse_polynomial rtol=1e-6
a = keras.optimizers.schedules.InverseTimeDecay(1.0, 10, 0.5)
b = keras.optimizers.schedules.PolynomialDecay(1.0, 10, 0.0, power=2.0)
[float(a(5)), float(b(5)), float(b(20))]

# %% to_categorical_2d
keras.utils.to_categorical([[1], [2]], 3)

# %% pad_sequences
keras.utils.pad_sequences([[1, 2], [3, 4, 5, 6]], maxlen=3)

# %% pad_sequences_post
keras.utils.pad_sequences([[1], [2, 3]], padding="post")

# %% timeseries_dataset
ds = keras.utils.timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, sequence_length=3, batch_size=4)
[(x.tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]

# %% image_dataset_from_directory
for cls in ("cats", "dogs"):
    tf.io.gfile.makedirs(f"imgs/{cls}")
    for i in range(2):
        tf.io.write_file(f"imgs/{cls}/{i}.png", tf.io.encode_png(tf.fill([4, 6, 3], tf.constant(i * 50, tf.uint8))))
ds = keras.utils.image_dataset_from_directory("imgs", image_size=(2, 3), batch_size=4, shuffle=False)
print(ds.class_names, ds.element_spec)
x, y = next(iter(ds))
print(x.shape, y.numpy())

# %% text_dataset_from_directory
for cls in ("neg", "pos"):
    tf.io.gfile.makedirs(f"txt/{cls}")
    tf.io.write_file(f"txt/{cls}/a.txt", f"text of {cls}")
ds = keras.utils.text_dataset_from_directory("txt", batch_size=2, shuffle=False)
x, y = next(iter(ds))
print(ds.class_names, x.numpy(), y.numpy())

# %% img_to_array_and_back
a = keras.utils.img_to_array(keras.utils.array_to_img(np.ones((2, 2, 3)) * 100, scale=False))
print(a.shape, a.dtype, a[0, 0])

# %% get_file_missing_origin
keras.utils.get_file("x.txt")

# %% tf_version
tf.version.VERSION

# %% compat_dimension
d = tf.compat.v1.Dimension(3)
print(d, d.value, tf.compat.v1.Dimension(None))

# %% enable_tensor_equality
tf.compat.v1.enable_tensor_equality()
tf.constant(1) == tf.constant(1)

# %% tf_metrics_alias
m = tf.metrics.Mean()
m.update_state([1.0, 3.0])
float(m.result())

# %% initializers_alias
tf.initializers.Zeros()((2,))

# %% random_normal_initializer_shape
tf.random_normal_initializer(stddev=0.1)([3, 2]).shape

# %% unicode_split
tf.strings.unicode_split("héllo", "UTF-8")

# %% unicode_split_batch
tf.strings.unicode_split(["ab", "ç"], "UTF-8").to_list()

# %% unicode_decode
tf.strings.unicode_decode(["hé", "a"], "UTF-8").to_list()

# %% bytes_split
tf.strings.bytes_split("abc")

# %% unicode_encode
tf.strings.unicode_encode([104, 105], "UTF-8")

# %% init_scope_in_function
@tf.function
def f():
    with tf.init_scope():
        eager = tf.executing_eagerly()
    return tf.constant(eager)
f()
