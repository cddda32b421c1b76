"""`tf.image` basics: resizing, dtype conversion, flips, crops, pads, colour adjustments.

Images are `[height, width, channels]` or batches `[batch, height, width, channels]`, as in
TensorFlow. Resizing is one registered op per method (`ResizeBilinear`, `ResizeNearestNeighbor`,
numpy kernels with TensorFlow 2's half-pixel centres), so it runs inside `tf.function` and
`Dataset.map` too; the rest is written with ordinary ops (reverse, slice, pad, arithmetic),
as TensorFlow's own Python does.
"""

from __future__ import annotations

import enum

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.execute import execute, static_value
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops, math_ops
from tfedu.ops.control_flow_ops import cond
from tfedu.ops.op_helpers import as_tensor, export


def _tf():
    import tfedu

    return tfedu


_NUMERIC = (dtypes.uint8, dtypes.int8, dtypes.uint16, dtypes.int16, dtypes.int32, dtypes.int64,
            dtypes.float16, dtypes.float32, dtypes.float64)


@export("image.ResizeMethod")
class ResizeMethod(str, enum.Enum):
    """The interpolation methods of `tf.image.resize` (their values are TF's strings)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"

    def __str__(self):
        return self.value


def _resize_infer(out_dtype):
    def infer(op):
        s = op.shape(0)
        size = op.const_value(1)
        if s.rank is not None and s.rank != 4:
            op.fail(f"input must be 4-dimensional{s.as_proto_text()}")
        hw = [None, None] if size is None else [int(v) for v in np.asarray(size).ravel()]
        batch, ch = (s[0], s[3]) if s.rank == 4 else (None, None)
        return [(TensorShape([batch, *hw, ch]), out_dtype or op.dtype(0))]
    return infer


def _axis_weights(out_size, in_size):
    scale = in_size / out_size
    x = (np.arange(out_size) + 0.5) * scale - 0.5
    lo_f = np.floor(x)
    lo = np.maximum(lo_f, 0).astype(np.int64)
    hi = np.minimum(np.ceil(x), in_size - 1).astype(np.int64)
    return lo, hi, (x - lo_f).astype(np.float32)


def _check_size(size):
    size = np.asarray(size).astype(np.int64).ravel()
    if size.shape != (2,):
        raise _op_error("size must be a 1-D int32 Tensor of 2 elements: new_height, new_width")
    if (size <= 0).any():
        raise _op_error(f"output dimensions must be positive, got {size.tolist()}")
    return int(size[0]), int(size[1])


def _op_error(msg):
    return OpCheckError(msg)


def _bilinear_kernel(images, size, align_corners=False, half_pixel_centers=True):
    oh, ow = _check_size(size)
    img = images.astype(np.float32)
    ylo, yhi, dy = _axis_weights(oh, img.shape[1])
    xlo, xhi, dx = _axis_weights(ow, img.shape[2])
    top = img[:, ylo][:, :, xlo] + (img[:, ylo][:, :, xhi] - img[:, ylo][:, :, xlo]) * dx[:, None]
    bot = img[:, yhi][:, :, xlo] + (img[:, yhi][:, :, xhi] - img[:, yhi][:, :, xlo]) * dx[:, None]
    return (top + (bot - top) * dy[:, None, None]).astype(np.float32)


def _nearest_index(out_size, in_size):
    scale = in_size / out_size
    idx = np.floor((np.arange(out_size) + 0.5) * scale).astype(np.int64)
    return np.clip(idx, 0, in_size - 1)


def _nearest_kernel(images, size, align_corners=False, half_pixel_centers=True):
    oh, ow = _check_size(size)
    yi, xi = _nearest_index(oh, images.shape[1]), _nearest_index(ow, images.shape[2])
    return np.ascontiguousarray(images[:, yi][:, :, xi])


_RESIZE_ATTRS = {"align_corners": False, "half_pixel_centers": True}
RESIZE_BILINEAR = register_op(
    "ResizeBilinear", group="array", inputs=("images: T", "size: int32"),
    outputs=("resized_images: float",), type_attrs={"T": _NUMERIC}, attrs=_RESIZE_ATTRS,
    infer=_resize_infer(dtypes.float32), kernel=_bilinear_kernel,
    doc="Resize images by bilinear interpolation (half-pixel centres).")
RESIZE_NEAREST = register_op(
    "ResizeNearestNeighbor", group="array", inputs=("images: T", "size: int32"),
    outputs=("resized_images: T",), type_attrs={"T": _NUMERIC}, attrs=_RESIZE_ATTRS,
    infer=_resize_infer(None), kernel=_nearest_kernel,
    doc="Resize images by picking the nearest pixel (half-pixel centres).")


def _batched(images):
    images = as_tensor(images)
    rank = images.shape.rank
    if rank is not None and rank not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    if rank == 3:
        return array_ops.expand_dims(images, 0), True
    return images, False


def _aspect_size(images, size):
    h, w = images.shape[1], images.shape[2]
    th, tw = size
    scale = min(th / h, tw / w)
    return [max(int(round(h * scale)), 1), max(int(round(w * scale)), 1)]


@export("image.resize")
def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resize `images` to `size` = [new_height, new_width] (float32, except for "nearest")."""
    method = str(getattr(method, "value", method)).lower()
    if method not in ("bilinear", "nearest"):
        raise NotImplementedError(f"tf.image.resize method {method!r}: tfedu implements "
                                  "'bilinear' and 'nearest' (ResizeMethod.NEAREST_NEIGHBOR)")
    batch, squeeze = _batched(images)
    if preserve_aspect_ratio:
        size = _aspect_size(batch, [int(v) for v in np.asarray(size)])
    size_t = as_tensor(size, dtype=dtypes.int32)
    if antialias and method == "bilinear":
        _check_antialias(batch, size_t)
    if method == "nearest":
        out = execute(RESIZE_NEAREST, [batch, size_t], name=name, default_name="resize")
    else:
        out = execute(RESIZE_BILINEAR, [batch, size_t], name=name, default_name="resize")
    return array_ops.squeeze(out, [0]) if squeeze else out


def _check_antialias(batch, size_t):
    size = static_value(size_t)
    h, w = batch.shape[1], batch.shape[2]
    if size is None or h is None or w is None or size[0] < h or size[1] < w:
        raise NotImplementedError("tf.image.resize(antialias=True) while shrinking: tfedu "
                                  "resizes without the antialiasing filter; use antialias=False")


@export("image.resize_with_pad")
def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False):
    """Resize keeping the aspect ratio, then pad with zeros to the target size."""
    batch, squeeze = _batched(image)
    h, w = batch.shape[1], batch.shape[2]
    scale = min(target_width / w, target_height / h)
    nh, nw = int(np.floor(h * scale)), int(np.floor(w * scale))
    resized = resize(batch, [nh, nw], method=method, antialias=antialias)
    top, left = (target_height - nh) // 2, (target_width - nw) // 2
    out = pad_to_bounding_box(resized, top, left, target_height, target_width)
    return array_ops.squeeze(out, [0]) if squeeze else out


# ---------------------------------------------------------------------------------------------
# dtype conversion

def _max_of(dt):
    return dt.max


@export("image.convert_image_dtype")
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Convert between image dtypes, rescaling: floats live in [0, 1], integers in [0, MAX]."""
    image = as_tensor(image)
    dtype = dtypes.as_dtype(dtype)
    if not image.dtype.is_floating and not image.dtype.is_integer:
        raise AttributeError(f"Unsupported image dtype: {image.dtype!r}")
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError(f"Unsupported image dtype: {dtype!r}")
    if image.dtype == dtype:
        return array_ops.identity(image)
    if image.dtype.is_integer and dtype.is_integer:
        return _int_to_int(image, dtype)
    if image.dtype.is_floating and dtype.is_floating:
        return math_ops.cast(image, dtype)
    if image.dtype.is_integer:
        scale = 1.0 / _max_of(image.dtype)
        return math_ops.multiply(math_ops.cast(image, dtype), scale)
    scale = _max_of(dtype) + 0.5
    scaled = math_ops.multiply(image, scale)
    if saturate:
        return saturate_cast(scaled, dtype)
    return math_ops.cast(scaled, dtype)


def _int_to_int(image, dtype):
    in_max, out_max = _max_of(image.dtype), _max_of(dtype)
    if in_max > out_max:
        scale = (in_max + 1) // (out_max + 1)
        return math_ops.cast(math_ops.floordiv(image, scale), dtype)
    scale = (out_max + 1) // (in_max + 1)
    return math_ops.multiply(math_ops.cast(image, dtype), scale)


# ---------------------------------------------------------------------------------------------
# flips, rotations, crops, pads

def _axes(image, *axes3):
    rank = as_tensor(image).shape.rank
    if rank is None or rank < 3:
        raise ValueError(f"'image' (shape {as_tensor(image).shape}) must be at least three-dimensional.")
    return [a + (rank - 3) for a in axes3]


@export("image.flip_left_right")
def flip_left_right(image):
    return array_ops.reverse(image, _axes(image, 1))


@export("image.flip_up_down")
def flip_up_down(image):
    return array_ops.reverse(image, _axes(image, 0))


@export("image.transpose")
def transpose(image, name=None):
    image = as_tensor(image)
    rank = image.shape.rank
    perm = [0, 2, 1, 3] if rank == 4 else [1, 0, 2]
    return array_ops.transpose(image, perm)


@export("image.rot90")
def rot90(image, k=1, name=None):
    """Rotate counter-clockwise by 90 degrees, `k` times."""
    k = int(k) % 4
    out = as_tensor(image)
    for _ in range(k):
        out = flip_up_down(transpose(out))
    return out if k else array_ops.identity(out)


def _random_flip(image, seed, flip):
    image = as_tensor(image)
    u = _tf().random.uniform([], seed=seed)

    return cond(math_ops.less(u, 0.5), lambda: flip(image), lambda: array_ops.identity(image))


@export("image.random_flip_left_right")
def random_flip_left_right(image, seed=None):
    return _random_flip(image, seed, flip_left_right)


@export("image.random_flip_up_down")
def random_flip_up_down(image, seed=None):
    return _random_flip(image, seed, flip_up_down)


def _hw(image):
    s = as_tensor(image).shape
    return s[-3], s[-2]


@export("image.crop_to_bounding_box")
def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image = as_tensor(image)
    h, w = _hw(image)
    if offset_height + target_height > h:
        raise ValueError("height must be >= target + offset.")
    if offset_width + target_width > w:
        raise ValueError("width must be >= target + offset.")
    rank = image.shape.rank
    begin = [0] * (rank - 3) + [offset_height, offset_width, 0]
    size = [-1] * (rank - 3) + [target_height, target_width, -1]
    return _tf().slice(image, begin, size)


@export("image.pad_to_bounding_box")
def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image = as_tensor(image)
    h, w = _hw(image)
    if target_height - offset_height - h < 0:
        raise ValueError("height must be <= target - offset")
    if target_width - offset_width - w < 0:
        raise ValueError("width must be <= target - offset")
    rank = image.shape.rank
    pads = [[0, 0]] * (rank - 3) + [[offset_height, target_height - offset_height - h],
                                    [offset_width, target_width - offset_width - w], [0, 0]]
    return array_ops.pad(image, pads)


@export("image.resize_with_crop_or_pad")
def resize_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop and/or zero-pad to the target size."""
    h, w = _hw(image)
    out = as_tensor(image)
    oh, ow = max((h - target_height) // 2, 0), max((w - target_width) // 2, 0)
    out = crop_to_bounding_box(out, oh, ow, min(h, target_height), min(w, target_width))
    ph, pw = max((target_height - h) // 2, 0), max((target_width - w) // 2, 0)
    return pad_to_bounding_box(out, ph, pw, target_height, target_width)


@export("image.central_crop")
def central_crop(image, central_fraction):
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if central_fraction == 1.0:
        return as_tensor(image)
    h, w = _hw(image)
    top = int((h - h * central_fraction) / 2)
    left = int((w - w * central_fraction) / 2)
    return crop_to_bounding_box(image, top, left, h - 2 * top, w - 2 * left)


@export("image.random_crop")
def random_crop(value, size, seed=None, name=None):
    """A random slice of shape `size` of `value`."""
    value = as_tensor(value)
    shape = value.shape.as_list()
    size = [int(s) for s in np.asarray(size)]
    if any(s > d for s, d in zip(size, shape)):
        raise errors.InvalidArgumentError(
            None, None, "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized "
            f"data: b'Need value.shape >= size, got '\n{', '.join(map(str, shape))}\n"
            f"{', '.join(map(str, size))}")
    limit = [d - s + 1 for d, s in zip(shape, size)]
    u = _tf().random.uniform([len(size)], seed=seed)
    offset = math_ops.cast(math_ops.floor(u * np.array(limit, np.float32)), dtypes.int32)
    return _tf().slice(value, offset, size)


@export("image.stateless_random_crop")
def stateless_random_crop(value, size, seed, name=None):
    value = as_tensor(value)
    shape = value.shape.as_list()
    size = [int(s) for s in np.asarray(size)]
    limit = [d - s + 1 for d, s in zip(shape, size)]
    u = _tf().random.stateless_uniform([len(size)], seed=seed)
    offset = math_ops.cast(math_ops.floor(u * np.array(limit, np.float32)), dtypes.int32)
    return _tf().slice(value, offset, size)


@export("saturate_cast", "dtypes.saturate_cast")
def saturate_cast(value, dtype, name=None):
    """Cast to `dtype`, first clamping values to the range `dtype` can hold."""
    value = as_tensor(value)
    dtype = dtypes.as_dtype(dtype)
    lo, hi = dtype.min, dtype.max
    if value.dtype.is_floating or value.dtype.min < lo or value.dtype.max > hi:
        src = value.dtype
        lo_v = max(lo, src.min) if not src.is_floating else lo
        hi_v = min(hi, src.max) if not src.is_floating else hi
        if src.is_floating and float(np.array(hi_v, src.as_numpy_dtype)) > hi:
            hi_v = np.nextafter(np.array(hi_v, src.as_numpy_dtype), np.array(0, src.as_numpy_dtype))
        value = _tf().clip_by_value(value, np.array(lo_v).astype(src.as_numpy_dtype),
                                    np.array(hi_v).astype(src.as_numpy_dtype))
    return math_ops.cast(value, dtype, name=name)
