# tf.io files and codecs, tf.audio, map_fn, py_function, numpy_function.
import numpy as np
import tensorflow as tf

# %% write_then_read
tf.io.write_file("hello.txt", "hi there")
tf.io.read_file("hello.txt")

# %% read_missing
tf.io.read_file("missing.txt")

# %% write_creates_dirs
tf.io.write_file("sub/dir/a.txt", "x")
tf.io.read_file("sub/dir/a.txt")

# %% read_file_in_dataset_map
tf.io.write_file("a.txt", "AAA")
tf.io.write_file("b.txt", "BB")
ds = tf.data.Dataset.from_tensor_slices(["a.txt", "b.txt"]).map(tf.io.read_file)
list(ds.as_numpy_iterator())

# %% decode_raw
tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16)

# %% decode_raw_big_endian
tf.io.decode_raw(b"\x00\x01", tf.uint16, little_endian=False)

# %% decode_raw_float32
tf.io.decode_raw(np.array([1.5, -2.0], np.float32).tobytes(), tf.float32)

# %% decode_raw_bad_length
tf.io.decode_raw(b"\x01\x02\x03", tf.int16)

# %% base64_roundtrip
e = tf.io.encode_base64(["hello?", "a"])
print(e.numpy(), tf.io.decode_base64(e).numpy())

# %% base64_pad
tf.io.encode_base64("a", pad=True)

# %% decode_csv_basic
tf.io.decode_csv(["1,2.5,x", "3,,y"], record_defaults=[[0], [9.0], ["z"]])

# %% decode_csv_required_missing
tf.io.decode_csv(["1,"], record_defaults=[[0], tf.constant([], tf.int32)])

# %% decode_csv_bad_number
tf.io.decode_csv(["a"], record_defaults=[[0]])

# %% decode_csv_field_count
tf.io.decode_csv(["1,2,3"], record_defaults=[[0], [0]])

# %% decode_csv_delim
tf.io.decode_csv("1;2", [[0], [0]], field_delim=";")

# %% decode_csv_in_map
ds = tf.data.Dataset.from_tensor_slices(["1,2", "3,4"]).map(lambda l: tf.io.decode_csv(l, [[0.0], [0]]))
list(ds.as_numpy_iterator())

# %% png_roundtrip
img = tf.constant(np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3))
png = tf.io.encode_png(img)
d = tf.io.decode_png(png)
print(d.dtype, d.shape, bool(tf.reduce_all(d == img)))

# %% png_channels
img = tf.constant(np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3) * 10)
tf.io.decode_png(tf.io.encode_png(img), channels=1)

# %% png_gray_to_rgb
img = tf.constant(np.array([[[0], [255]]], np.uint8))
tf.io.decode_png(tf.io.encode_png(img), channels=3)

# %% decode_image_float
img = tf.constant(np.array([[[0, 255, 51]]], np.uint8))
tf.io.decode_image(tf.io.encode_png(img), dtype=tf.float32)

# %% decode_image_shape_unknown_in_graph
@tf.function
def f(b):
    return tf.io.decode_image(b).shape
f(tf.io.encode_png(tf.zeros([2, 2, 3], tf.uint8)))

# %% decode_png_shape_in_graph
@tf.function
def f(b):
    return tf.io.decode_png(b, channels=3).shape
f(tf.io.encode_png(tf.zeros([2, 2, 3], tf.uint8)))

# %% jpeg_roundtrip_shape
j = tf.io.encode_jpeg(tf.zeros([4, 5, 3], tf.uint8))
d = tf.io.decode_jpeg(j)
print(d.shape, d.dtype, tf.image.decode_jpeg is not None)

# %% decode_bad_image
tf.io.decode_image(b"not an image")

# %% image_decode_alias
tf.image.decode_png(tf.io.encode_png(tf.ones([1, 1, 1], tf.uint8))).shape

# %% wav_roundtrip rtol=1e-4
wav = tf.audio.encode_wav(tf.constant([[0.0], [0.5], [-0.5]]), 16000)
audio, rate = tf.audio.decode_wav(wav)
print(audio.shape, rate.numpy())
audio[:, 0]

# %% wav_desired
wav = tf.audio.encode_wav(tf.constant([[0.0], [0.5]]), 8000)
tf.audio.decode_wav(wav, desired_channels=2, desired_samples=4).audio.shape

# %% map_fn_square
tf.map_fn(lambda x: x * x, tf.constant([1, 2, 3]))

# %% map_fn_rows
tf.map_fn(lambda r: tf.reduce_sum(r), tf.constant([[1.0, 2.0], [3.0, 4.0]]))

# %% map_fn_tuple_elems
tf.map_fn(lambda ab: ab[0] + ab[1], (tf.constant([1, 2]), tf.constant([10, 20])), fn_output_signature=tf.int32)

# %% map_fn_output_signature_dtype
tf.map_fn(lambda x: tf.cast(x, tf.float32) / 2, tf.constant([1, 2]), fn_output_signature=tf.float32)

# %% map_fn_in_function
@tf.function
def f(x):
    return tf.map_fn(lambda r: r * 2.0, x)
f(tf.constant([[1.0], [2.0]]))

# %% map_fn_scalar_error
tf.map_fn(lambda x: x, tf.constant(1))

# %% vectorized_map
tf.vectorized_map(lambda x: x + 1, tf.constant([[1, 2], [3, 4]]))

# %% py_function_eager
tf.py_function(lambda x: x * 2, [tf.constant(3.0)], tf.float32)

# %% py_function_in_function
@tf.function
def f(x):
    y = tf.py_function(lambda v: v.numpy().sum() + 1.0, [x], Tout=tf.float32)
    return y
f(tf.constant([1.0, 2.0]))

# %% py_function_shape_unknown
@tf.function
def f(x):
    y = tf.py_function(lambda v: v, [x], Tout=tf.float32)
    print(y.shape)
    return y
f(tf.constant([1.0]))
None

# %% py_function_multiple_outputs
a, b = tf.py_function(lambda x: (x + 1, x * 2), [tf.constant(3)], [tf.int32, tf.int32])
print(a.numpy(), b.numpy())

# %% py_function_in_dataset_map
def upper(s):
    return s.numpy().decode().upper()
ds = tf.data.Dataset.from_tensor_slices(["ab", "c"]).map(lambda s: tf.py_function(upper, [s], tf.string))
list(ds.as_numpy_iterator())

# %% numpy_function
tf.numpy_function(lambda x: np.sort(x), [tf.constant([3, 1, 2])], tf.int32)

# %% numpy_function_in_function
@tf.function
def f(x):
    return tf.numpy_function(lambda a: (a * 10).astype(np.float32), [x], tf.float32)
f(tf.constant([1.0, 2.0]))

# %% numpy_function_wrong_dtype
tf.numpy_function(lambda x: x.astype(np.float64), [tf.constant([1.0])], tf.int32)

# %% py_function_raises msg=first-line
def bad(x):
    raise ValueError("nope")
tf.py_function(bad, [tf.constant(1)], tf.int32)
