"""`tf.summary.scalar/histogram/image/text/write/graph`: TensorFlow 2's summaries as events.

Each summary is one `Summary.Value` holding a tensor and the `SummaryMetadata` of the
TensorBoard plugin that draws it (made by TensorBoard's own `metadata` helpers): a float32
scalar (`scalars`), a float64 `[buckets, 3]` table of left edge, right edge and count
(`histograms`), a string vector `[width, height, png...]` (`images`), a string tensor
(`text`). In eager code the summary is written at once; inside a `tf.function` it becomes a
`WriteSummary` op, written each time the function runs, as in TensorFlow.
"""

from __future__ import annotations

import itertools
import struct
import zlib

import numpy as np

from tfedu.summary import writer as writer_mod

DEFAULT_BUCKET_COUNT = 30
# What a WriteSummary op captured when it was traced: its writer and record_if condition.
_captures: dict = {}


# --- values as TensorBoard stores them ------------------------------------------------------
def _as_array(data):
    if hasattr(data, "numpy") and not isinstance(data, np.ndarray):
        data = data.numpy()
    return np.asarray(data)


def _scalar(data, **_):
    arr = _as_array(data)
    if arr.shape != ():
        raise ValueError(f"Expected scalar shape, saw shape: {arr.shape}.")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Cannot convert a {arr.dtype} scalar to float32.")
    return arr.astype(np.float32)


def histogram_buckets(data, buckets=None) -> np.ndarray:
    """TensorFlow 2's histogram: `buckets` equal-width bins from min to max, the last closed."""
    n = DEFAULT_BUCKET_COUNT if buckets is None else int(buckets)
    arr = _as_array(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Cast {arr.dtype} to double is not supported")
    x = arr.astype(np.float64).reshape(-1)
    if n == 0 or x.size == 0:
        return np.zeros((n, 3), np.float64)
    lo, hi = x.min(), x.max()
    if hi == lo:
        counts = np.zeros(n)
        counts[-1] = x.size
        return np.stack([np.full(n, hi), np.full(n, hi), counts], axis=1)
    index = np.minimum(np.floor((x - lo) / ((hi - lo) / n)).astype(np.int64), n - 1)
    counts = np.bincount(index, minlength=n).astype(np.float64)
    edges = np.linspace(lo, hi, n + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def _text(data, **_):
    arr = _as_array(data)
    if arr.dtype.kind not in "SUO":
        import tfedu

        dtype = tfedu.convert_to_tensor(data).dtype.name  # a Python int is int32, as in TF
        raise TypeError(f"tensor must be of type tf.string; got tf.{dtype}")
    return np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode("utf-8"),
                        otypes=[object])(arr) if arr.size else arr.astype(object)


def png(image: np.ndarray) -> bytes:
    """An 8-bit grey, RGB or RGBA image `[height, width, channels]` encoded as PNG."""
    h, w, c = image.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = b"".join(b"\0" + image[r].tobytes() for r in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def image_strings(data, max_outputs=3) -> np.ndarray:
    arr = _as_array(data)
    if arr.ndim != 4:
        raise ValueError(f"Tensor  must have rank 4.  Received rank {arr.ndim}, shape "
                         f"{arr.shape}")
    if arr.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Images must have 1, 3 or 4 channels, got {arr.shape[-1]}.")
    if arr.dtype.kind == "f":  # tf.image.convert_image_dtype(saturate=True)
        arr = np.clip(arr.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    else:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    pngs = [png(np.ascontiguousarray(img)) for img in arr[:max_outputs]]
    dims = [str(arr.shape[2]).encode(), str(arr.shape[1]).encode()]
    return np.array(dims + pngs, dtype=object)


_KINDS = {
    "scalar": _scalar,
    "histogram": lambda data, buckets=None, **_: histogram_buckets(data, buckets),
    "image": lambda data, max_outputs=3, **_: image_strings(data, max_outputs),
    "text": _text,
    "tensor": lambda data, **_: _as_array(data),
}


def _metadata(kind, description):
    from tensorboard.plugins.histogram import metadata as histogram_md
    from tensorboard.plugins.image import metadata as image_md
    from tensorboard.plugins.scalar import metadata as scalar_md
    from tensorboard.plugins.text import metadata as text_md

    make = {"scalar": scalar_md, "histogram": histogram_md, "image": image_md,
            "text": text_md}[kind].create_summary_metadata
    return make(display_name=None, description=description or "")


# --- writing --------------------------------------------------------------------------------
def write_event(writer, tag, value: np.ndarray, step: int, metadata=None):
    """Append one summary value (tag, tensor, metadata) at `step` to `writer`'s file."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.util import tensor_util

    summary = summary_pb2.Summary()
    entry = summary.value.add(tag=tag, tensor=tensor_util.make_tensor_proto(value))
    if metadata is not None:
        entry.metadata.CopyFrom(metadata)
    writer._write_event(event_pb2.Event(wall_time=writer_mod.wall_time(), step=step,
                                        summary=summary))


def _tag(name):
    import tfedu

    scope = tfedu.get_current_name_scope()
    return f"{scope}/{name}" if scope else name


def _summary(kind, name, data, step, description=None, **options):
    """Write one summary (or add its op to the graph being traced); True if recorded."""
    import tfedu
    from tfedu.framework.context import _state

    tracing = _state.graph is not None and writer_mod.has_writer()
    if not tracing and not writer_mod.recording():
        return tfedu.constant(False)
    tag = _tag(name)
    metadata = _metadata(kind, description)
    if tracing:  # the record_if condition is checked each time the op runs
        _graph_summary(kind, tag, data, step, metadata, options)
        return tfedu.constant(True)
    value = _KINDS[kind](data, **options)
    write_event(writer_mod.default_writer(), tag, value, writer_mod.resolve_step(step),
                metadata)
    return tfedu.constant(True)


def scalar(name, data, step=None, description=None):
    """Write a scalar (TensorBoard's Scalars dashboard)."""
    return _summary("scalar", name, data, step, description)


def histogram(name, data, step=None, buckets=None, description=None):
    """Write a histogram of all elements of `data` (Histograms and Distributions)."""
    return _summary("histogram", name, data, step, description, buckets=buckets)


def image(name, data, step=None, max_outputs=3, description=None):
    """Write up to `max_outputs` images from a `[k, height, width, channels]` batch (floats in
    [0, 1] or uint8)."""
    return _summary("image", name, data, step, description, max_outputs=max_outputs)


def text(name, data, step=None, description=None):
    """Write a string tensor (rendered as Markdown by the Text dashboard)."""
    return _summary("text", name, data, step, description)


def write(tag, tensor, step=None, metadata=None, name=None):
    """Write any tensor under `tag` with the given `SummaryMetadata` (or its bytes)."""
    from tensorboard.compat.proto import summary_pb2

    if isinstance(metadata, (bytes, bytearray)):
        metadata = summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    if not writer_mod.recording():
        import tfedu

        return tfedu.constant(False)
    value = _KINDS["tensor"](tensor)
    if value.dtype.kind in "SU":
        value = value.astype(object)
    write_event(writer_mod.default_writer(), tag, value, writer_mod.resolve_step(step),
                metadata)
    import tfedu

    return tfedu.constant(True)


# --- inside tf.function ---------------------------------------------------------------------
def _write_kernel(inputs, tag="", kind="scalar", metadata=b"", capture=0, options=(), **_):
    from tensorboard.compat.proto import summary_pb2

    step, data = inputs
    writer, condition = _captures[capture]
    if not writer_mod.condition_holds(condition):
        return None
    value = _KINDS[kind](data, **dict(options))
    write_event(writer, tag, value, int(np.asarray(step)),
                summary_pb2.SummaryMetadata.FromString(metadata))
    return None


_WRITE_OP = None
_capture_ids = itertools.count(1)


def _write_opdef():
    global _WRITE_OP
    if _WRITE_OP is None:
        from tfedu.framework.registry import ALL, register_op

        _WRITE_OP = register_op(
            "WriteSummary", inputs=("inputs: N*T",), outputs=(),
            type_attrs={"T": ALL},
            attrs={"tag": "", "kind": "scalar", "metadata": b"", "capture": 0, "options": ()},
            infer=lambda op: [], kernel=_write_kernel, stateful=True, group="debug",
            export={"graphdef": {"unsupported": "it writes through the writer captured when "
                                                "the function was traced (TensorFlow's "
                                                "WriteSummary takes a writer resource)"}},
            doc="Writes a summary to the default writer when run (tf.summary in a graph).")
    return _WRITE_OP


def _graph_summary(kind, tag, data, step, metadata, options):
    import tfedu
    from tfedu.function.concrete_function import create_graph_op

    capture = next(_capture_ids)
    _captures[capture] = (writer_mod.default_writer(), writer_mod.current_condition())
    step = writer_mod.get_step() if step is None else step
    if step is None:
        writer_mod.resolve_step(None)
    inputs = [tfedu.cast(tfedu.convert_to_tensor(step), "int64"), tfedu.convert_to_tensor(data)]
    attrs = {"tag": tag, "kind": kind, "metadata": metadata.SerializeToString(),
             "capture": capture, "options": tuple(sorted(options.items()))}
    create_graph_op(_write_opdef(), inputs, attrs, [], "WriteSummary")
