"""Geometric image augmentations: RandomRotation, RandomZoom and RandomTranslation, as Keras 3
makes them.

Each draws a random transformation per image in training (`get_random_transformation`), turns
it into a projective matrix `[a0, a1, a2, b0, b1, b2, c0, c1]` that maps an output pixel
`(x, y)` to the input point it samples, and resamples the batch as TensorFlow's
`ImageProjectiveTransformV3` does (`affine_transform`): nearest or bilinear interpolation,
points outside the image filled by `fill_mode` (reflect, wrap, nearest, constant). Outside
training they return their input, as RandomFlip does.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras.layers.preprocessing import _Augment

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _reflect(c, n):
    """[abcd] read as [dcba|abcd|dcba] (TensorFlow's FILL_REFLECT, float32)."""
    sz2 = np.float32(2 * n)
    neg = c < 0
    low = sz2 * np.trunc(-c / sz2) + c
    low = np.where(low < -n, low + sz2, -low - 1)
    high = c - sz2 * np.trunc(c / sz2)
    high = np.where(high >= n, sz2 - high - 1, high)
    return np.where(neg, low, np.where(c > n - 1, high, c))


def _wrap(c, n):
    """[abcd] read as [abcd|abcd|abcd] (TensorFlow's FILL_WRAP, float32)."""
    sz = np.float32(n - 1)
    low = c + n * (np.trunc(-c / sz) + 1)
    high = c - n * np.trunc(c / sz)
    return np.where(c < 0, low, np.where(c > n - 1, high, c))


def _map_coordinate(c, n, mode):
    """An input coordinate outside [0, n-1] brought inside as `mode` says."""
    if mode == "constant":
        return c
    if mode != "nearest" and n > 1:
        c = _reflect(c, n) if mode == "reflect" else _wrap(c, n)
    elif mode != "nearest":
        c = np.zeros_like(c)
    return np.clip(c, 0, n - 1).astype(np.float32)


def _read(img, y, x, fill):
    """img[y, x] (channels last) where the integer point is inside, `fill` elsewhere."""
    h, w = img.shape[:2]
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    vals = img[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)].astype(np.float32)
    return np.where(inside[..., None], vals, np.float32(fill))


def _round_half_away(v):
    """C's `round`: halves go away from zero (numpy's `round` sends them to even)."""
    a = np.abs(v)
    r = np.floor(a)
    return (np.sign(v) * (r + (a - r >= 0.5))).astype(np.int64)


def _sample(img, y, x, interpolation, fill):
    if interpolation == "nearest":
        return _read(img, _round_half_away(y), _round_half_away(x), fill)
    y0, x0 = np.floor(y), np.floor(x)
    y1, x1 = y0 + 1, x0 + 1
    iy0, ix0, iy1, ix1 = (v.astype(np.int64) for v in (y0, x0, y1, x1))
    top = (x1 - x)[..., None] * _read(img, iy0, ix0, fill) + \
        (x - x0)[..., None] * _read(img, iy0, ix1, fill)
    bottom = (x1 - x)[..., None] * _read(img, iy1, ix0, fill) + \
        (x - x0)[..., None] * _read(img, iy1, ix1, fill)
    return (y1 - y)[..., None] * top + (y - y0)[..., None] * bottom


def _transform_one(img, t, interpolation, fill_mode, fill):
    h, w = img.shape[:2]
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    proj = t[6] * xs + t[7] * ys + np.float32(1)
    safe = np.where(proj == 0, np.float32(1), proj)
    in_x = _map_coordinate((t[0] * xs + t[1] * ys + t[2]) / safe, w, fill_mode)
    in_y = _map_coordinate((t[3] * xs + t[4] * ys + t[5]) / safe, h, fill_mode)
    out = _sample(img, in_y, in_x, interpolation, fill)
    return np.where((proj == 0)[..., None], np.float32(fill), out)


def _transform_batch(images, transforms, interpolation, fill_mode, fill_value):
    images, transforms = np.asarray(images), np.asarray(transforms, np.float32)
    if transforms.shape[0] == 1 and images.shape[0] > 1:
        transforms = np.repeat(transforms, images.shape[0], axis=0)
    out = [_transform_one(img, t, interpolation, fill_mode, np.float32(fill_value))
           for img, t in zip(images, transforms)]
    return np.stack(out).astype(images.dtype) if out else images.copy()


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0):
    """Resample `images` ([batch,] height, width, channels) through projective matrices
    `transform` ([batch,] 8): what `keras.ops.image.affine_transform` computes."""
    images = tf.convert_to_tensor(images)
    transform = tf.cast(tf.convert_to_tensor(transform), tf.float32)
    single = images.shape.rank == 3
    batch = tf.expand_dims(images, 0) if single else images
    if transform.shape.rank == 1:
        transform = tf.expand_dims(transform, 0)
    out = tf.numpy_function(
        lambda a, t: _transform_batch(a, t, interpolation, fill_mode, fill_value),
        [batch, transform], batch.dtype, stateful=False)
    out.set_shape(batch.shape)
    return out[0] if single else out


def _factor_range(factor, name, message, low_open):
    def check(v):
        if v > 1.0 or (v <= -1.0 if low_open else v < -1.0):
            raise ValueError(message + f"Received: input_number={v}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


class _Geometric(_Augment):
    """Shared arguments and resampling of the affine augmentations."""

    _FACTOR_ERROR = ""
    _LOW_OPEN = False

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("tfedu layers use data_format='channels_last' (NHWC).")
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {INTERPOLATIONS}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value, self.data_format = fill_value, "channels_last"

    def _range(self, factor, name):
        return _factor_range(factor, name, self._FACTOR_ERROR, self._LOW_OPEN)

    def _augment(self, x):
        return self.transform_images(x, self.get_random_transformation(x))

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        return affine_transform(images, self._matrix(images, transformation),
                                self.interpolation, self.fill_mode, self.fill_value)

    def _draw(self, images, low, high):
        n = 1 if images.shape.rank == 3 else tf.shape(images)[0]
        return tf.random.uniform(tf.stack([n, 1]), low, high, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value}


def _height_width(images):
    shape = tf.shape(images)
    return tf.cast(shape[-3], tf.float32), tf.cast(shape[-2], tf.float32)


class RandomZoom(_Geometric):
    """Zoom each image by a random factor: `height_factor=0.2` draws a height scale in
    [0.8, 1.2] (a positive factor zooms out), `width_factor` likewise (None: keep the aspect
    ratio). Only in training."""

    _FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or "
                     "a list of two numbers) in the range (-1.0, 1.0]. ")
    _LOW_OPEN = True

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._range(height_factor, "height_factor")
        if width_factor is not None:
            self.width_lower, self.width_upper = self._range(width_factor, "width_factor")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        hz = self._draw(data, 1.0 + self.height_lower, 1.0 + self.height_upper)
        wz = hz if self.width_factor is None else self._draw(
            data, 1.0 + self.width_lower, 1.0 + self.width_upper)
        return {"height_zoom": hz, "width_zoom": wz, "input_shape": tf.shape(data)}

    def _matrix(self, images, transformation):
        zw = tf.cast(transformation["width_zoom"], tf.float32)
        zh = tf.cast(transformation["height_zoom"], tf.float32)
        h, w = _height_width(images)
        zeros = tf.zeros_like(zw)
        return tf.concat([zw, zeros, (w - 1.0) / 2.0 * (1.0 - zw), zeros, zh,
                          (h - 1.0) / 2.0 * (1.0 - zh), zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(_Geometric):
    """Shift each image by a random fraction of its size: `height_factor=0.1` moves it up or
    down by up to 10% of its height, `width_factor` sideways. Only in training."""

    _FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in "
                     "the range [-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._range(height_factor, "height_factor")
        self.width_lower, self.width_upper = self._range(width_factor, "width_factor")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        h, w = _height_width(data)
        dy = self._draw(data, self.height_lower, self.height_upper) * h
        dx = self._draw(data, self.width_lower, self.width_upper) * w
        return {"translations": tf.concat([dx, dy], axis=1), "input_shape": tf.shape(data)}

    def _matrix(self, images, transformation):
        t = tf.cast(transformation["translations"], tf.float32)
        ones, zeros = tf.ones_like(t[:, :1]), tf.zeros_like(t[:, :1])
        return tf.concat([ones, zeros, -t[:, :1], zeros, ones, -t[:, 1:], zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomRotation(_Geometric):
    """Rotate each image about its centre by a random fraction of a turn: `factor=0.1` draws
    an angle in [-36, 36] degrees (`(lo, hi)` gives the range). Only in training."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _turn_range(factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = 1 if data.shape.rank == 3 else tf.shape(data)[0]
        angle = tf.random.uniform(tf.reshape(n, [1]), self.factor[0] * 360.0,
                                  self.factor[1] * 360.0, seed=self.seed)
        h, w = _height_width(data)
        return {"angle": angle, "rotation_matrix": rotation_matrix(angle, h, w)}

    def _matrix(self, images, transformation):
        return transformation["rotation_matrix"]

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


def _turn_range(factor):
    message = ("The `factor` argument should be a number (or a list of two numbers) in the "
               f"range [-1, 1]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > 1 or factor[1] < -1:
            raise ValueError(message)
        return tuple(sorted(factor))
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or abs(factor) > 1:
        raise ValueError(message)
    return max(-abs(factor), -1), abs(factor)


def rotation_matrix(angle, height, width):
    """Projective matrices rotating images by `angle` degrees about their centre (Keras's
    affine matrix with no shear, scale or shift)."""
    theta = tf.cast(angle, tf.float32) * np.float32(np.pi / 180.0)
    cx, cy = 0.5 * (tf.cast(width, tf.float32) - 1), 0.5 * (tf.cast(height, tf.float32) - 1)
    cos, sin = tf.cos(theta), tf.sin(theta)
    cols = [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos]
    zeros = tf.zeros_like(cos)
    return tf.stack(cols + [zeros, zeros], axis=1)
