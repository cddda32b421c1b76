# tf.image basics: resize, convert_image_dtype, flips, crops, pads, colour adjustments.
import numpy as np
import tensorflow as tf

img = tf.reshape(tf.range(2 * 3 * 1, dtype=tf.float32), [2, 3, 1])
rgb = tf.constant(np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3) / 12.0)
u8 = tf.constant(np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3) * 5)

# %% resize_bilinear_up rtol=1e-6
tf.image.resize(img, [4, 6])[..., 0]

# %% resize_bilinear_down rtol=1e-6
tf.image.resize(tf.reshape(tf.range(36.0), [6, 6, 1]), [3, 2])[..., 0]

# %% resize_nearest
tf.image.resize(img, [3, 2], method="nearest")[..., 0]

# %% resize_nearest_enum_keeps_dtype
tf.image.resize(u8, [2, 2], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR).dtype

# %% resize_uint8_gives_float32
r = tf.image.resize(u8, [8, 8])
print(r.dtype, r.shape)

# %% resize_batch_shape
tf.image.resize(tf.zeros([5, 10, 20, 3]), [7, 9]).shape

# %% resize_preserve_aspect
tf.image.resize(tf.zeros([10, 20, 3]), [5, 5], preserve_aspect_ratio=True).shape

# %% resize_rank2_error
tf.image.resize(tf.zeros([4, 4]), [2, 2])

# %% resize_method_enum_value
print(tf.image.ResizeMethod.BILINEAR, tf.image.ResizeMethod.NEAREST_NEIGHBOR == "nearest")

# %% resize_with_pad_shape
tf.image.resize_with_pad(tf.ones([4, 8, 1]), 8, 8)[..., 0]

# %% resize_with_crop_or_pad_crop
tf.image.resize_with_crop_or_pad(tf.reshape(tf.range(16), [4, 4, 1]), 2, 2)[..., 0]

# %% resize_with_crop_or_pad_pad
tf.image.resize_with_crop_or_pad(tf.ones([2, 2, 1]), 4, 3)[..., 0]

# %% convert_uint8_to_float rtol=1e-6
tf.image.convert_image_dtype(tf.constant([[[0, 51, 255]]], tf.uint8), tf.float32)

# %% convert_float_to_uint8
tf.image.convert_image_dtype(tf.constant([[[0.0, 0.5, 1.0]]]), tf.uint8)

# %% convert_float_to_uint8_saturate
tf.image.convert_image_dtype(tf.constant([[[-0.5, 1.5]]]), tf.uint8, saturate=True)

# %% convert_same_dtype
tf.image.convert_image_dtype(tf.constant([[[0.25]]]), tf.float32)

# %% convert_uint8_to_uint16
tf.image.convert_image_dtype(tf.constant([[[1, 255]]], tf.uint8), tf.uint16)

# %% convert_int32_to_uint8
tf.image.convert_image_dtype(tf.constant([[[2147483647, 16777216]]], tf.int32), tf.uint8)

# %% flip_left_right
tf.image.flip_left_right(img)[..., 0]

# %% flip_up_down
tf.image.flip_up_down(img)[..., 0]

# %% flip_batch
tf.image.flip_left_right(tf.reshape(tf.range(4), [1, 1, 4, 1]))[0, 0, :, 0]

# %% flip_rank2_error
tf.image.flip_left_right(tf.zeros([2, 2]))

# %% rot90
tf.image.rot90(img)[..., 0]

# %% rot90_k2
tf.image.rot90(img, k=2)[..., 0]

# %% transpose_image
tf.image.transpose(img)[..., 0]

# %% random_flip_shape
tf.image.random_flip_left_right(img, seed=1).shape

# %% central_crop
tf.image.central_crop(tf.reshape(tf.range(16), [4, 4, 1]), 0.5)[..., 0]

# %% central_crop_bad_fraction
tf.image.central_crop(img, 0.0)

# %% crop_to_bounding_box
tf.image.crop_to_bounding_box(tf.reshape(tf.range(16), [4, 4, 1]), 1, 2, 2, 2)[..., 0]

# %% crop_to_bounding_box_too_big
tf.image.crop_to_bounding_box(img, 1, 0, 2, 2)

# %% pad_to_bounding_box
tf.image.pad_to_bounding_box(tf.ones([1, 1, 1]), 1, 1, 3, 3)[..., 0]

# %% random_crop_shape
tf.image.random_crop(u8, [2, 2, 3], seed=1).shape

# %% random_crop_too_big
tf.image.random_crop(u8, [5, 2, 3])

# %% stateless_random_crop_reproducible
a = tf.image.stateless_random_crop(u8, [2, 3, 3], seed=[1, 2])
b = tf.image.stateless_random_crop(u8, [2, 3, 3], seed=[1, 2])
bool(tf.reduce_all(a == b))

# %% adjust_brightness rtol=1e-6
tf.image.adjust_brightness(rgb, 0.1)

# %% adjust_brightness_uint8
tf.image.adjust_brightness(u8[:1, :1], 0.2)

# %% adjust_contrast rtol=1e-5
tf.image.adjust_contrast(rgb, 2.0)

# %% adjust_saturation rtol=1e-5 atol=1e-6
tf.image.adjust_saturation(rgb, 0.5)

# %% adjust_hue rtol=1e-4 atol=1e-5
tf.image.adjust_hue(rgb, 0.2)

# %% adjust_gamma rtol=1e-6
tf.image.adjust_gamma(rgb, 2.0)

# %% rgb_to_grayscale rtol=1e-6
tf.image.rgb_to_grayscale(rgb)

# %% grayscale_to_rgb
tf.image.grayscale_to_rgb(tf.ones([1, 1, 1])).shape

# %% rgb_to_hsv rtol=1e-5 atol=1e-6
tf.image.rgb_to_hsv(rgb)

# %% hsv_to_rgb_roundtrip rtol=1e-5 atol=1e-6
tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(rgb))

# %% per_image_standardization rtol=1e-5 atol=1e-6
tf.image.per_image_standardization(rgb)

# %% total_variation
tf.image.total_variation(tf.constant([[[1.0], [3.0]], [[2.0], [7.0]]]))

# %% sobel_edges_shape rtol=1e-6
tf.image.sobel_edges(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))[0, 1, 1]

# %% image_gradients
dy, dx = tf.image.image_gradients(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
print(dy[0, ..., 0].numpy().tolist(), dx[0, ..., 0].numpy().tolist())

# %% stateless_random_brightness_range
r = tf.image.stateless_random_brightness(tf.zeros([2, 2, 3]), 0.2, seed=[1, 2])
bool(tf.reduce_all(tf.abs(r) <= 0.2))

# %% stateless_random_contrast_shape
tf.image.stateless_random_contrast(rgb, 0.5, 1.5, seed=[1, 2]).shape

# %% random_brightness_shape
tf.image.random_brightness(rgb, 0.1).shape

# %% resize_in_dataset_map
ds = tf.data.Dataset.from_tensors(tf.ones([4, 4, 3])).map(lambda x: tf.image.resize(x, [2, 2]))
ds.element_spec

# %% resize_in_function
@tf.function
def f(x):
    return tf.image.flip_left_right(tf.image.resize(x, [2, 2]))
f(tf.ones([1, 4, 4, 1])).shape

# %% draw_bounding_boxes_absent_ok
tf.image.non_max_suppression(tf.constant([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.9, 0.9], [0.5, 0.5, 1.0, 1.0]]), tf.constant([0.9, 0.8, 0.7]), max_output_size=3, iou_threshold=0.5)

# %% psnr rtol=1e-5
tf.image.psnr(tf.constant([[[0.5]]]), tf.constant([[[0.4]]]), max_val=1.0)

# %% extract_patches_shape
tf.image.extract_patches(tf.ones([1, 4, 4, 1]), sizes=[1, 2, 2, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1], padding="VALID").shape
