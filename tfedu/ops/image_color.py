"""`tf.image` colour and pixel statistics: brightness, contrast, saturation, hue, gamma,
grayscale, HSV, standardization, total variation, Sobel edges, image gradients, PSNR,
non-max suppression, and their random and stateless-random variants.

Each adjusts in float and converts back to the image's dtype, as TensorFlow does. RGB<->HSV
is one registered op each (numpy kernels), so saturation and hue work inside graphs too.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.execute import execute
from tfedu.framework.registry import register_op
from tfedu.ops.image_ops import convert_image_dtype, flip_left_right, flip_up_down
from tfedu.ops.op_helpers import as_tensor, export, unary_infer

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def _tf():
    import tfedu

    return tfedu


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(-1)
    rng = v - rgb.min(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(v > 0, rng / np.where(v > 0, v, 1), 0)
        safe = np.where(rng > 0, rng, 1)
        h = np.where(v == r, (g - b) / safe, np.where(v == g, (b - r) / safe + 2, (r - g) / safe + 4))
    h = np.where(rng > 0, h / 6.0, 0)
    h = np.where(h < 0, h + 1, h)
    return np.stack([h, s, v], -1).astype(rgb.dtype)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    dh = (h % 1.0) * 6.0
    r = np.clip(np.abs(dh - 3.0) - 1.0, 0, 1)
    g = np.clip(2.0 - np.abs(dh - 2.0), 0, 1)
    b = np.clip(2.0 - np.abs(dh - 4.0), 0, 1)
    rgb = np.stack([r, g, b], -1)
    return ((1 - s[..., None] + s[..., None] * rgb) * v[..., None]).astype(hsv.dtype)


RGB_TO_HSV = register_op("RGBToHSV", group="math", inputs=("images: T",), outputs=("output: T",),
                         type_attrs={"T": _FLOATS}, infer=unary_infer, kernel=_rgb_to_hsv,
                         doc="RGB in [0, 1] to hue, saturation, value.")
HSV_TO_RGB = register_op("HSVToRGB", group="math", inputs=("images: T",), outputs=("output: T",),
                         type_attrs={"T": _FLOATS}, infer=unary_infer, kernel=_hsv_to_rgb,
                         doc="Hue, saturation, value to RGB.")


def _check_rgb(images):
    images = as_tensor(images)
    if images.shape.rank is not None and images.shape[-1] not in (None, 3):
        raise ValueError(f"Dimension must be 3 but is {images.shape[-1]} for "
                         f"'{{{{node RGBToHSV}}}}' with input shapes: "
                         f"{images.shape.as_proto_text() if hasattr(images.shape, 'as_proto_text') else images.shape}.")
    return images


@export("image.rgb_to_hsv")
def rgb_to_hsv(images, name=None):
    return execute(RGB_TO_HSV, [_check_rgb(images)], name=name, default_name="RGBToHSV")


@export("image.hsv_to_rgb")
def hsv_to_rgb(images, name=None):
    return execute(HSV_TO_RGB, [as_tensor(images)], name=name, default_name="HSVToRGB")


def _in_float(image, fn):
    """Apply `fn` to `image` as float32 in [0, 1] and convert back to its dtype."""
    image = as_tensor(image)
    if image.dtype.is_floating:
        return fn(image)
    out = fn(convert_image_dtype(image, dtypes.float32))
    return convert_image_dtype(out, image.dtype, saturate=True)


@export("image.adjust_brightness")
def adjust_brightness(image, delta):
    return _in_float(image, lambda x: x + _tf().cast(delta, x.dtype))


@export("image.adjust_contrast")
def adjust_contrast(images, contrast_factor):
    """Per channel: (x - mean over height and width) * factor + mean."""
    def fn(x):
        mean = _tf().reduce_mean(x, axis=[-3, -2], keepdims=True)
        return (x - mean) * _tf().cast(contrast_factor, x.dtype) + mean
    return _in_float(images, fn)


@export("image.adjust_gamma")
def adjust_gamma(image, gamma=1, gain=1):
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    return _in_float(image, lambda x: gain * x ** gamma)


@export("image.adjust_saturation")
def adjust_saturation(image, saturation_factor, name=None):
    def fn(x):
        tf = _tf()
        h, s, v = tf.unstack(rgb_to_hsv(x), axis=-1)
        s = tf.clip_by_value(s * tf.cast(saturation_factor, x.dtype), 0.0, 1.0)
        return hsv_to_rgb(tf.stack([h, s, v], -1))
    return _in_float(image, fn)


@export("image.adjust_hue")
def adjust_hue(image, delta, name=None):
    if not -1 <= float(delta) <= 1:
        raise ValueError("delta must be in the interval [-1, 1]")

    def fn(x):
        tf = _tf()
        h, s, v = tf.unstack(rgb_to_hsv(x), axis=-1)
        h = tf.math.floormod(h + tf.cast(delta, x.dtype), 1.0)
        return hsv_to_rgb(tf.stack([h, s, v], -1))
    return _in_float(image, fn)


@export("image.rgb_to_grayscale")
def rgb_to_grayscale(images, name=None):
    def fn(x):
        w = _tf().constant([0.2989, 0.5870, 0.1140], dtype=x.dtype)
        return _tf().reduce_sum(x * w, axis=-1, keepdims=True)
    return _in_float(images, fn)


@export("image.grayscale_to_rgb")
def grayscale_to_rgb(images, name=None):
    images = as_tensor(images)
    rank = images.shape.rank
    return _tf().tile(images, [1] * (rank - 1) + [3])


@export("image.per_image_standardization")
def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(N)) over each image's pixels."""
    tf = _tf()
    image = tf.cast(as_tensor(image), tf.float32)
    n = float(np.prod(image.shape.as_list()[-3:]))
    mean = tf.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
    std = tf.math.reduce_std(image, axis=[-1, -2, -3], keepdims=True)
    return (image - mean) / tf.maximum(std, 1.0 / np.sqrt(n))


@export("image.total_variation")
def total_variation(images, name=None):
    tf = _tf()
    images = as_tensor(images)
    dy = tf.abs(images[..., 1:, :, :] - images[..., :-1, :, :])
    dx = tf.abs(images[..., :, 1:, :] - images[..., :, :-1, :])
    axes = [-1, -2, -3]
    return tf.reduce_sum(dy, axis=axes) + tf.reduce_sum(dx, axis=axes)


@export("image.image_gradients")
def image_gradients(image):
    """(dy, dx): forward differences, zero in the last row (dy) and column (dx)."""
    tf = _tf()
    image = as_tensor(image)
    if image.shape.rank != 4:
        raise ValueError("image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{image.shape}.")
    dy = image[:, 1:] - image[:, :-1]
    dx = image[:, :, 1:] - image[:, :, :-1]
    dy = tf.concat([dy, tf.zeros_like(image[:, :1])], 1)
    dx = tf.concat([dx, tf.zeros_like(image[:, :, :1])], 2)
    return dy, dx


@export("image.sobel_edges")
def sobel_edges(image):
    """[batch, h, w, channels, 2]: the vertical and horizontal Sobel responses."""
    tf = _tf()
    image = tf.cast(as_tensor(image), tf.float32)
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float32)
    kx = ky.T
    padded = tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    outs = []
    for k in (ky, kx):
        acc = 0.0
        for i in range(3):
            for j in range(3):
                if k[i, j]:
                    acc = acc + k[i, j] * padded[:, i:i + image.shape[1], j:j + image.shape[2]]
        outs.append(acc)
    return tf.stack(outs, -1)


@export("image.psnr")
def psnr(a, b, max_val, name=None):
    tf = _tf()
    a, b = tf.cast(as_tensor(a), tf.float32), tf.cast(as_tensor(b), tf.float32)
    mse = tf.reduce_mean(tf.square(a - b), axis=[-3, -2, -1])
    return 20.0 * tf.math.log(tf.cast(max_val, tf.float32)) / np.log(10.0) - \
        10.0 / np.log(10.0) * tf.math.log(mse)


@export("image.non_max_suppression")
def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Indices of the highest-scoring boxes, dropping boxes that overlap a kept one."""
    tf = _tf()
    b = np.asarray(as_tensor(boxes).numpy(), np.float64)
    s = np.asarray(as_tensor(scores).numpy(), np.float64)
    y1, x1 = np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3])
    y2, x2 = np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])
    area = (y2 - y1) * (x2 - x1)
    keep = []
    for i in sorted(np.flatnonzero(s > score_threshold), key=lambda i: (-s[i], i)):
        if len(keep) >= int(max_output_size):
            break
        ok = True
        for j in keep:
            ih = max(0.0, min(y2[i], y2[j]) - max(y1[i], y1[j]))
            iw = max(0.0, min(x2[i], x2[j]) - max(x1[i], x1[j]))
            inter = ih * iw
            union = area[i] + area[j] - inter
            if union > 0 and inter / union > iou_threshold:
                ok = False
                break
        if ok:
            keep.append(i)
    return tf.constant(np.array(keep, np.int32))


# ---------------------------------------------------------------------------------------------
# random variants

def _uniform(lo, hi, seed, stateless):
    tf = _tf()
    if stateless:
        return tf.random.stateless_uniform([], seed=seed, minval=lo, maxval=hi)
    return tf.random.uniform([], minval=lo, maxval=hi, seed=seed)


@export("image.random_brightness")
def random_brightness(image, max_delta, seed=None):
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, _uniform(-max_delta, max_delta, seed, False))


@export("image.stateless_random_brightness")
def stateless_random_brightness(image, max_delta, seed):
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, _uniform(-max_delta, max_delta, seed, True))


def _check_range(lower, upper):
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


@export("image.random_contrast")
def random_contrast(image, lower, upper, seed=None):
    _check_range(lower, upper)
    return adjust_contrast(image, _uniform(lower, upper, seed, False))


@export("image.stateless_random_contrast")
def stateless_random_contrast(image, lower, upper, seed):
    _check_range(lower, upper)
    return adjust_contrast(image, _uniform(lower, upper, seed, True))


@export("image.random_saturation")
def random_saturation(image, lower, upper, seed=None):
    _check_range(lower, upper)
    return adjust_saturation(image, _uniform(lower, upper, seed, False))


@export("image.stateless_random_saturation")
def stateless_random_saturation(image, lower, upper, seed):
    _check_range(lower, upper)
    return adjust_saturation(image, _uniform(lower, upper, seed, True))


@export("image.random_hue")
def random_hue(image, max_delta, seed=None):
    if not 0 <= max_delta <= 0.5:
        raise ValueError("max_delta must be in the interval [0, 0.5].")
    return adjust_hue(image, _uniform(-max_delta, max_delta, seed, False))


@export("image.stateless_random_flip_left_right")
def stateless_random_flip_left_right(image, seed):
    tf = _tf()
    u = tf.random.stateless_uniform([], seed=seed)
    return tf.cond(u < 0.5, lambda: flip_left_right(image), lambda: tf.identity(image))


@export("image.stateless_random_flip_up_down")
def stateless_random_flip_up_down(image, seed):
    tf = _tf()
    u = tf.random.stateless_uniform([], seed=seed)
    return tf.cond(u < 0.5, lambda: flip_up_down(image), lambda: tf.identity(image))
