"""`tf.io` files and codecs: read_file/write_file, decode_raw, decode_csv, base64, PNG/JPEG/GIF
images (`tf.io.decode_*`, also `tf.image.decode_*`), WAV audio (`tf.audio`), and
serialize_tensor/parse_tensor.

Each is a registered op with a numpy kernel, so `Dataset.map(lambda p: decode_png(read_file(p)))`
works inside traced pipelines as in TensorFlow. Image codecs use Pillow (installed with
matplotlib); writes are atomic (a temporary file in the same folder, then `os.replace`).
"""

from __future__ import annotations

import base64
import io
import os
import tempfile

import numpy as np

from tfedu import _tmpfiles
from tfedu.framework import dtypes, errors
from tfedu.framework.context import executing_eagerly
from tfedu.framework.convert import constant
from tfedu.framework.execute import execute, static_value
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops.array_ops import NumberedOpCheck
from tfedu.ops.image_ops import convert_image_dtype
from tfedu.ops.op_helpers import as_tensor, export, unary_infer


def _scalar_str(x):
    return as_tensor(x, dtype=dtypes.string)


def _fixed(shape, dtype):
    """An infer function giving one output of a fixed shape and dtype."""
    return lambda op: [(TensorShape(shape), dtype)]


def _path(b):
    return b.decode("utf-8") if isinstance(b, bytes) else str(b)


def atomic_write(path, data: bytes):
    """Write `data` to `path` through a temporary file in the same folder and os.replace."""
    folder = os.path.dirname(os.path.abspath(path))
    _tmpfiles.sweep(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_tmpfiles.prefix(), suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read_kernel(filename):
    path = _path(filename.item() if isinstance(filename, np.ndarray) else filename)
    try:
        with open(path, "rb") as f:
            return np.array(f.read(), dtype=object)
    except FileNotFoundError:
        raise OpCheckError(f"{path}; No such file or directory", errors.NotFoundError) from None
    except IsADirectoryError:
        raise OpCheckError(f"{path}; Is a directory", errors.FailedPreconditionError) from None


def _write_kernel(filename, contents):
    path = _path(filename.item())
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
    atomic_write(path, contents.item())
    return ()


READ_FILE = register_op("ReadFile", group="io", inputs=("filename: string",),
                        outputs=("contents: string",), infer=_fixed([], dtypes.string),
                        kernel=_read_kernel, stateful=True, doc="The bytes of a file.")
WRITE_FILE = register_op("WriteFile", group="io", inputs=("filename: string", "contents: string"),
                         outputs=(), infer=lambda op: [], kernel=_write_kernel, stateful=True,
                         doc="Write bytes to a file (creating folders), atomically.")


@export("io.read_file", "read_file")
def read_file(filename, name=None):
    """The whole content of `filename` as a scalar string tensor."""
    return execute(READ_FILE, [_scalar_str(filename)], name=name, default_name="ReadFile")


@export("io.write_file", "write_file")
def write_file(filename, contents, name=None):
    """Write the scalar string `contents` to `filename`."""
    return execute(WRITE_FILE, [_scalar_str(filename), _scalar_str(contents)], name=name,
                   default_name="WriteFile")


# ---------------------------------------------------------------------------------------------
# decode_raw, base64

def _decode_raw_kernel(bytes, out_type=None, little_endian=True):
    dt = np.dtype(out_type.as_numpy_dtype).newbyteorder("<" if little_endian else ">")
    flat = bytes.reshape(-1)
    rows = []
    for b in flat:
        if len(b) % dt.itemsize:
            raise OpCheckError(f"Input to DecodeRaw has length {len(b)} that is not a multiple "
                               f"of {dt.itemsize}, the size of {out_type.name}")
        rows.append(np.frombuffer(b, dtype=dt).astype(dt.newbyteorder("=")))
    n = {len(r) for r in rows}
    if len(n) > 1:
        raise OpCheckError("DecodeRaw requires input strings to all be the same size, but "
                           f"element 1 has size {len(flat[1])} != {len(flat[0])}")
    width = n.pop() if n else 0
    return np.stack(rows).reshape(bytes.shape + (width,)) if rows else np.zeros(
        bytes.shape + (0,), dt.newbyteorder("="))


def _decode_raw_infer(op):
    s = op.shape(0)
    return [(TensorShape(None) if s.rank is None else TensorShape(s.as_list() + [None]),
             op.attrs["out_type"])]


DECODE_RAW = register_op("DecodeRaw", group="string", inputs=("bytes: string",),
                         outputs=("output: out_type",), attrs={"out_type": None,
                                                               "little_endian": True},
                         infer=_decode_raw_infer, kernel=_decode_raw_kernel,
                         doc="Reinterpret the bytes of each string as numbers.")


@export("io.decode_raw")
def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    return execute(DECODE_RAW, [_scalar_str(input_bytes)],
                   {"out_type": dtypes.as_dtype(out_type), "little_endian": little_endian},
                   name=name, default_name="DecodeRaw")


def _b64_map(fn):
    def kernel(input, **kw):
        out = np.empty(input.shape, dtype=object)
        for i, v in np.ndenumerate(input):
            out[i] = fn(v, **kw)
        return out
    return kernel


def _b64_decode(v):
    try:
        return base64.urlsafe_b64decode(v + b"=" * (-len(v) % 4))
    except ValueError:
        raise OpCheckError("Invalid character found in base64.") from None


ENCODE_BASE64 = register_op(
    "EncodeBase64", group="string", inputs=("input: string",), outputs=("output: string",),
    attrs={"pad": False}, infer=unary_infer,
    kernel=_b64_map(lambda v, pad=False: base64.urlsafe_b64encode(v) if pad
                    else base64.urlsafe_b64encode(v).rstrip(b"=")),
    doc="Web-safe base64 encoding.")
DECODE_BASE64 = register_op("DecodeBase64", group="string", inputs=("input: string",),
                            outputs=("output: string",), infer=unary_infer,
                            kernel=_b64_map(_b64_decode), doc="Web-safe base64 decoding.")


@export("io.encode_base64")
def encode_base64(input, pad=False, name=None):
    return execute(ENCODE_BASE64, [_scalar_str(input)], {"pad": pad}, name=name,
                   default_name="EncodeBase64")


@export("io.decode_base64")
def decode_base64(input, name=None):
    return execute(DECODE_BASE64, [_scalar_str(input)], name=name, default_name="DecodeBase64")


# ---------------------------------------------------------------------------------------------
# decode_csv

def _csv_fields(record, delim, quote):
    import csv

    text = record.decode("utf-8")
    return next(csv.reader([text], delimiter=delim, quotechar='"' if quote else None))


def _csv_value(field, default, dt, col, row):
    if field == "":
        if default.size == 0:
            raise OpCheckError(f"Field {col} is required but missing in record {row}!")
        return default.reshape(())[()]
    try:
        if dt == dtypes.string:
            return field.encode("utf-8")
        return dt.as_numpy_dtype(float(field) if dt.is_floating else int(field))
    except ValueError:
        raise OpCheckError(f"Field {col} in record {row} is not a valid {dt.name}: {field}") \
            from None


def decode_csv_rows(records, defaults, out_types, delim=",", quote=True, select=None):
    """Columns (numpy arrays) of CSV `records` (bytes), with per-column defaults."""
    flat = records.reshape(-1)
    cols = [[] for _ in out_types]
    for row, rec in enumerate(flat):
        fields = _csv_fields(rec, delim, quote)
        if select is not None:
            fields = [fields[i] if i < len(fields) else "" for i in select]
        if len(fields) != len(out_types):
            raise OpCheckError(f"Expect {len(out_types)} fields but have {len(fields)} in "
                               f"record {row}")
        for c, (f, d, t) in enumerate(zip(fields, defaults, out_types)):
            cols[c].append(_csv_value(f, d, t, c, row))
    return [np.array(c, dtype=object if t == dtypes.string else t.as_numpy_dtype).reshape(
        records.shape) for c, t in zip(cols, out_types)]


@export("io.decode_csv", "compat.v1.decode_csv")
def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    """Split CSV lines into one tensor per column; `record_defaults` gives types and defaults."""
    defaults, types = [], []
    for d in record_defaults:
        if isinstance(d, dtypes.DType):
            defaults.append(np.zeros([0], d.as_numpy_dtype if d != dtypes.string else object))
            types.append(d)
            continue
        t = as_tensor(d)

        v = static_value(t) if not hasattr(t, "_value") else t.numpy()
        if v is None:
            raise ValueError("record_defaults must be known when the graph is built")
        types.append(t.dtype)
        defaults.append(np.asarray(v, dtype=object if t.dtype == dtypes.string else None)
                        .reshape(-1))
    rec = _scalar_str(records)

    if not executing_eagerly():
        return _decode_csv_graph(rec, defaults, types, field_delim, use_quote_delim, select_cols,
                                 name)
    try:
        cols = decode_csv_rows(np.asarray(rec.numpy(), dtype=object), defaults, types,
                               field_delim, use_quote_delim, select_cols)
    except OpCheckError as e:
        raise NumberedOpCheck(e.message, f"_OUT_TYPE_{len(types)}", name_suffix=False)\
            .eager_error("DecodeCSV") from None

    return [constant(c, dtype=t) for c, t in zip(cols, types)]


def _decode_csv_graph(rec, defaults, types, delim, quote, select, name):
    tf = _tf()
    outs = []
    for i, t in enumerate(types):
        outs.append(tf.numpy_function(
            lambda r, i=i: decode_csv_rows(np.asarray(r, dtype=object), defaults, types, delim,
                                           quote, select)[i], [rec], t, stateful=False))
        outs[-1].set_shape(rec.shape)
    return outs


def _tf():
    import tfedu

    return tfedu


# ---------------------------------------------------------------------------------------------
# images and audio

def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        raise errors.UnimplementedError(None, None, "decoding images needs Pillow "
                                        "(pip install pillow)") from None
    return Image


def _decode_image_bytes(data, channels, dtype=np.uint8, expand_animations=True):
    Image = _pil()
    try:
        im = Image.open(io.BytesIO(data))
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(_to_array(im.convert("RGBA") if im.mode in ("P", "PA") else im,
                                    channels))
    except (OSError, ValueError, SyntaxError):
        raise OpCheckError("Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required.") \
            from None
    return frames


def _to_array(im, channels):
    a = np.asarray(im)
    if a.ndim == 2:
        a = a[:, :, None]
    want = channels or a.shape[2]
    if a.shape[2] == want:
        return a
    if want == 1:
        return np.asarray(im.convert("L"))[:, :, None]
    if want == 3:
        return np.asarray(im.convert("RGB"))
    return np.asarray(im.convert("RGBA"))


def _decode_kernel(kind):
    def kernel(contents, channels=0, dtype=None, expand_animations=True):
        frames = _decode_image_bytes(contents.item(), channels)
        if kind == "gif" or (kind == "image" and len(frames) > 1 and expand_animations):
            return np.stack(frames)
        return frames[0]
    return kernel


def _decode_infer(kind):
    def infer(op):
        ch = op.attrs.get("channels") or None
        if kind == "gif":
            return [(TensorShape([None, None, None, 3]), dtypes.uint8)]
        if kind == "image":
            if op.attrs.get("expand_animations", True):
                return [(TensorShape(None), dtypes.uint8)]
            return [(TensorShape([None, None, ch]), dtypes.uint8)]
        return [(TensorShape([None, None, ch]), dtypes.uint8)]
    return infer


# TensorFlow's DecodePng/DecodeJpeg have no `expand_animations`, its DecodeGif no `channels`.
_GRAPHDEF = {"png": {"drop": ("expand_animations",)}, "jpeg": {"drop": ("expand_animations",)},
             "gif": {"drop": ("channels", "expand_animations"), "defaults": {"channels": 0}},
             "image": {}}


def _register_decode(type_, kind):
    return register_op(type_, group="io", inputs=("contents: string",),
                       outputs=("image: uint8",), attrs={"channels": 0,
                                                        "expand_animations": True},
                       export={"graphdef": _GRAPHDEF[kind]},
                       infer=_decode_infer(kind), kernel=_decode_kernel(kind),
                       doc=f"Decode a {kind.upper()} image to uint8 [height, width, channels].")


DECODE_PNG = _register_decode("DecodePng", "png")
DECODE_JPEG = _register_decode("DecodeJpeg", "jpeg")
DECODE_GIF = _register_decode("DecodeGif", "gif")
DECODE_IMAGE = _register_decode("DecodeImage", "image")


def _decode(opdef, contents, channels, name, default, **attrs):
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"channels must be 0, 1, 3 or 4, got {channels}")
    return execute(opdef, [_scalar_str(contents)], {"channels": channels, **attrs}, name=name,
                   default_name=default)


@export("io.decode_png", "image.decode_png")
def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    return _decode(DECODE_PNG, contents, channels, name, "DecodePng")


@export("io.decode_jpeg", "image.decode_jpeg")
def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    return _decode(DECODE_JPEG, contents, channels, name, "DecodeJpeg")


@export("io.decode_gif", "image.decode_gif")
def decode_gif(contents, name=None):
    return _decode(DECODE_GIF, contents, 0, name, "DecodeGif")


@export("io.decode_image", "image.decode_image")
def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """Decode PNG, JPEG, GIF or BMP; with a float `dtype`, scaled to [0, 1]."""
    out = _decode(DECODE_IMAGE, contents, channels or 0, name, "decode_image",
                  expand_animations=expand_animations)
    dtype = dtypes.as_dtype(dtype)
    if dtype != dtypes.uint8:
        out = convert_image_dtype(out, dtype)
    return out


def _encode_kernel(fmt):
    def kernel(image, quality=95, compression=-1):
        Image = _pil()
        a = np.asarray(image)
        mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(a.shape[-1])
        if mode is None:
            raise OpCheckError(f"image must have 1, 3, or 4 channels, got {a.shape[-1]}")
        im = Image.fromarray(a[:, :, 0] if mode == "L" else a, mode)
        buf = io.BytesIO()
        if fmt == "PNG":
            im.save(buf, "PNG", compress_level=6 if compression < 0 else compression)
        else:
            im.save(buf, "JPEG", quality=quality)
        return np.array(buf.getvalue(), dtype=object)
    return kernel


ENCODE_PNG = register_op("EncodePng", group="io", inputs=("image: T",),
                         outputs=("contents: string",), type_attrs={"T": (dtypes.uint8,)},
                         attrs={"compression": -1}, infer=_fixed([], dtypes.string),
                         kernel=_encode_kernel("PNG"), doc="PNG-encode a uint8 image.")
ENCODE_JPEG = register_op("EncodeJpeg", group="io", inputs=("image: uint8",),
                          outputs=("contents: string",), attrs={"quality": 95},
                          infer=_fixed([], dtypes.string), kernel=_encode_kernel("JPEG"),
                          doc="JPEG-encode a uint8 image.")


@export("io.encode_png", "image.encode_png")
def encode_png(image, compression=-1, name=None):
    return execute(ENCODE_PNG, [as_tensor(image)], {"compression": compression}, name=name,
                   default_name="EncodePng")


@export("io.encode_jpeg", "image.encode_jpeg")
def encode_jpeg(image, format="", quality=95, name=None, **kwargs):
    return execute(ENCODE_JPEG, [as_tensor(image)], {"quality": quality}, name=name,
                   default_name="EncodeJpeg")


def _decode_wav_kernel(contents, desired_channels=-1, desired_samples=-1):
    import wave

    try:
        with wave.open(io.BytesIO(contents.item())) as w:
            ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n)
    except (wave.Error, EOFError):
        raise OpCheckError("Header mismatch: Expected RIFF but found something else") from None
    if width != 2:
        raise OpCheckError(f"Can only read 16-bit WAV files, but received {width * 8}")
    audio = np.frombuffer(raw, "<i2").reshape(-1, ch).astype(np.float32) / 32768.0
    if desired_samples >= 0:
        audio = np.pad(audio[:desired_samples], [[0, max(desired_samples - len(audio), 0)],
                                                 [0, 0]])
    if desired_channels > 0 and desired_channels != ch:
        audio = audio[:, :1].repeat(desired_channels, 1) if ch == 1 else audio[:, :desired_channels]
    return [audio.astype(np.float32), np.array(rate, np.int32)]


DECODE_WAV = register_op(
    "DecodeWav", group="io", inputs=("contents: string",),
    outputs=("audio: float", "sample_rate: int32"),
    attrs={"desired_channels": -1, "desired_samples": -1},
    infer=lambda op: [(TensorShape([None, None]), dtypes.float32), (TensorShape([]), dtypes.int32)],
    kernel=_decode_wav_kernel, doc="16-bit PCM WAV to float32 samples in [-1, 1).")


@export("audio.decode_wav")
def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """(audio [samples, channels] float32 in [-1, 1), sample_rate)."""
    from collections import namedtuple

    a, r = execute(DECODE_WAV, [_scalar_str(contents)], {"desired_channels": desired_channels,
                                                         "desired_samples": desired_samples},
                   name=name, default_name="DecodeWav")
    return namedtuple("DecodeWav", ["audio", "sample_rate"])(a, r)


def _encode_wav_kernel(audio, sample_rate):
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(audio.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes((np.clip(audio, -1, 1) * 32767).round().astype("<i2").tobytes())
    return np.array(buf.getvalue(), dtype=object)


ENCODE_WAV = register_op("EncodeWav", group="io", inputs=("audio: float", "sample_rate: int32"),
                         outputs=("contents: string",), infer=_fixed([], dtypes.string),
                         kernel=_encode_wav_kernel, doc="float32 samples to 16-bit PCM WAV.")


@export("audio.encode_wav")
def encode_wav(audio, sample_rate, name=None):
    return execute(ENCODE_WAV, [as_tensor(audio, dtypes.float32),
                                as_tensor(sample_rate, dtypes.int32)],
                   name=name, default_name="EncodeWav")
