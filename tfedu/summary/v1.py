"""TF 1.x summaries (`tf.compat.v1.summary`): ops that turn values into serialized `Summary`
protos (string tensors), the SUMMARIES collection and `merge_all`, and the `FileWriter` that
appends summaries and graphs to an event file TensorBoard reads.

```python
tf.compat.v1.summary.scalar("loss", loss)                     # a string tensor
merged = tf.compat.v1.summary.merge_all()
writer = tf.compat.v1.summary.FileWriter("logs", sess.graph)  # the graph, for TensorBoard
writer.add_summary(sess.run(merged, feed), step)
```

The ops are TensorFlow's (`ScalarSummary`, `HistogramSummary`, `ImageSummary`,
`TensorSummaryV2`, `MergeSummary`), with its tags (the summary's unique name scope), its
histogram buckets (limits growing by 10% from 1e-12 to 1e20, mirrored below zero, runs of empty
buckets collapsed into one) and its image scaling (floats scaled per image by 255/max, or by
127/max|x| around 128 when some are negative). Run eagerly while a `tf.summary` writer is the
default, they write through TF2's summaries instead, as TensorFlow does.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import (
    HistogramProto,
    Summary,
    SummaryDescription,
    SummaryMetadata,
)

from tfedu.framework import dtypes
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.summary import ops as v2_ops
from tfedu.summary import writer as writer_mod

__all__ = ["scalar", "histogram", "image", "text", "tensor_summary", "merge", "merge_all",
           "FileWriter", "FileWriterCache", "Summary", "Event", "SessionLog", "TaggedRunMetadata",
           "SummaryDescription", "histogram_proto"]

_DBL_MAX = sys.float_info.max


def __dir__():
    return sorted(__all__)

_IMAGE_DTYPES = (dtypes.uint8, dtypes.float32, dtypes.float16, dtypes.float64)


# --- TensorFlow's Histogram ----------------------------------------------------------------
@functools.cache
def _bucket_limits() -> np.ndarray:
    pos, v = [], 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(_DBL_MAX)
    return np.array([-x for x in reversed(pos)] + [0.0] + pos)


def _collapsed(limits, counts):
    """TF's EncodeToProto: each run of empty buckets becomes one, at the run's last limit."""
    nonzero = np.flatnonzero(counts > 0)
    keep = np.union1d(nonzero, np.append(nonzero - 1, len(counts) - 1))
    keep = keep[keep >= 0]
    return limits[keep], counts[keep]


def histogram_proto(values) -> HistogramProto:
    """The `HistogramProto` TensorFlow's HistogramSummary makes of `values` (finite)."""
    v = np.asarray(values, np.float64).reshape(-1)
    limits = _bucket_limits()
    idx = np.minimum(np.searchsorted(limits, v, side="right"), len(limits) - 1)
    counts = np.bincount(idx, minlength=len(limits)).astype(np.float64)
    h = HistogramProto(num=float(v.size))
    h.min, h.max = (float(v.min()), float(v.max())) if v.size else (_DBL_MAX, -_DBL_MAX)
    h.sum = float(np.cumsum(v)[-1]) if v.size else 0.0
    h.sum_squares = float(np.cumsum(v * v)[-1]) if v.size else 0.0
    kept_limits, kept_counts = _collapsed(limits, counts)
    h.bucket_limit.extend(kept_limits.tolist())
    h.bucket.extend(kept_counts.tolist())
    return h


# --- kernels -------------------------------------------------------------------------------
def _tag_text(tags) -> str:
    return f" (tag '{tags.reshape(-1)[0].decode()}')" if tags.size == 1 else ""


def _scalar_kernel(tags, values, **_):
    if tags.shape != values.shape:
        raise OpCheckError(f"tags and values are not the same shape: {_shape(tags)} != "
                           f"{_shape(values)}{_tag_text(tags)}")
    s = Summary()
    for tag, value in zip(tags.reshape(-1), values.reshape(-1)):
        s.value.add(tag=tag.decode(), simple_value=float(value))
    return _serialized(s)


def _histogram_kernel(tag, values, **_):
    v = np.asarray(values, np.float64)
    if not np.isfinite(v).all():
        raise OpCheckError(f"Nan in summary histogram for: {_scalar_str(tag)}")
    s = Summary()
    s.value.add(tag=_scalar_str(tag), histo=histogram_proto(v))
    return _serialized(s)


def _uint8_image(img, bad_color):
    """One image as uint8, floats scaled as TensorFlow's NormalizeFloatImage does."""
    if img.dtype == np.uint8:
        return img
    x = img.astype(np.float32)
    finite = np.isfinite(x).all(axis=-1)
    seen = x[finite]
    lo, hi = (seen.min(), seen.max()) if seen.size else (np.inf, -np.inf)
    if lo < 0:
        top = max(abs(lo), abs(hi))
        scale, offset = (0.0 if top < 1e-6 else 127.0 / top), 128.0
    else:
        scale, offset = (0.0 if hi < 1e-6 else 255.0 / hi), 0.0
    out = np.zeros(x.shape, np.uint8)
    out[finite] = (x[finite] * scale + offset).astype(np.uint8)
    out[~finite] = np.asarray(bad_color, np.uint8)[: x.shape[-1]]
    return out


def _image_kernel(tag, tensor, max_images=3, bad_color=(255, 0, 0, 255), **_):
    if tensor.ndim != 4 or tensor.shape[-1] not in (1, 3, 4):
        raise OpCheckError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {_shape(tensor)}")
    base, s = _scalar_str(tag), Summary()
    for i in range(min(tensor.shape[0], max_images)):
        img = _uint8_image(tensor[i], bad_color)
        s.value.add(tag=f"{base}/image/{i}" if max_images > 1 else f"{base}/image",
                    image=Summary.Image(height=img.shape[0], width=img.shape[1],
                                        colorspace=img.shape[2],
                                        encoded_image_string=v2_ops.png(img)))
    return _serialized(s)


def _tensor_summary_kernel(tag, tensor, serialized_summary_metadata, **_):
    from tensorboard.util import tensor_util

    s = Summary()
    value = s.value.add(tag=_scalar_str(tag), tensor=tensor_util.make_tensor_proto(tensor))
    value.metadata.ParseFromString(bytes(serialized_summary_metadata.reshape(-1)[0]))
    return _serialized(s)


def _merge_kernel(inputs, **_):
    merged, seen = Summary(), set()
    for t in inputs:
        for raw in np.asarray(t, dtype=object).reshape(-1):
            for value in Summary.FromString(bytes(raw)).value:
                if value.tag in seen:
                    raise OpCheckError(f"Duplicate tag {value.tag} found in summary inputs ")
                seen.add(value.tag)
                merged.value.add().CopyFrom(value)
    return _serialized(merged)


def _shape(a) -> str:
    return "[" + ",".join(str(d) for d in a.shape) + "]"


def _scalar_str(t) -> str:
    return bytes(np.asarray(t, dtype=object).reshape(-1)[0]).decode()


def _serialized(s) -> np.ndarray:
    return np.array(s.SerializeToString(), dtype=object)


def _scalar_string(op):
    return [(TensorShape([]), dtypes.string)]


def _op(type, inputs, kernel, doc, type_attrs=None, attrs=None):
    return register_op(type, group="debug", inputs=inputs, outputs=("summary: string",),
                       type_attrs=type_attrs or {}, attrs=attrs or {}, infer=_scalar_string,
                       kernel=kernel, doc=doc)


SCALAR_SUMMARY = _op("ScalarSummary", ("tags: string", "values: T"), _scalar_kernel,
                     "A Summary of scalar values (TF 1.x tf.summary.scalar).",
                     {"T": dtypes.REAL_NUMERIC})
HISTOGRAM_SUMMARY = _op("HistogramSummary", ("tag: string", "values: T"), _histogram_kernel,
                        "A Summary holding a histogram of the values (TF's default buckets).",
                        {"T": dtypes.REAL_NUMERIC})
IMAGE_SUMMARY = _op("ImageSummary", ("tag: string", "tensor: T"), _image_kernel,
                    "A Summary of up to max_images PNG images of a [batch, h, w, c] tensor.",
                    {"T": _IMAGE_DTYPES}, {"max_images": 3, "bad_color": (255, 0, 0, 255)})
TENSOR_SUMMARY = _op("TensorSummaryV2", ("tag: string", "tensor: T",
                                         "serialized_summary_metadata: string"),
                     _tensor_summary_kernel, "A Summary holding a whole tensor and its metadata.",
                     {"T": dtypes.ALL})
MERGE_SUMMARY = _op("MergeSummary", ("inputs: N*string",), _merge_kernel,
                    "One Summary with the values of all the input Summaries (tags unique).")


# --- the public functions ------------------------------------------------------------------
def _eager():
    import tfedu

    return tfedu.executing_eagerly()


@contextlib.contextmanager
def _summary_scope(name, family):
    import tfedu

    base = name if family is None else f"{family}/{name}"
    with tfedu.compat.v1.name_scope(base) as scope:
        inner = scope.rstrip("/")
        yield (inner if family is None else f"{family}/{inner}"), scope


def _collect(value, collections, default):
    if _eager():
        return
    from tfedu.framework import context

    for key in default if collections is None else collections:
        context.get_default_graph().add_to_collection(key, value)


def _summary(opdef, name, family, collections, make_inputs, attrs=None, v2=None):
    import tfedu
    from tfedu.framework.graph import GraphKeys

    if v2 is not None and _eager() and writer_mod.has_writer():
        with _summary_scope(name, family) as (tag, _), tfedu.name_scope(""):
            return v2(tag)  # the tag is whole: written from the root scope
    with _summary_scope(name, family) as (tag, scope):
        value = execute(opdef, [tfedu.constant(tag)] + make_inputs(), attrs or {}, name=scope)
    _collect(value, collections, [GraphKeys.SUMMARIES])
    return value


def scalar(name, tensor, collections=None, family=None):
    """A string tensor holding a `Summary` with one scalar (added to SUMMARIES)."""
    import tfedu

    t = tfedu.convert_to_tensor(tensor)
    return _summary(SCALAR_SUMMARY, name, family, collections, lambda: [t],
                    v2=lambda tag: v2_ops.scalar(tag, t, step=writer_mod.get_step()))


def histogram(name, values, collections=None, family=None):
    """A string tensor holding a `Summary` with a histogram of `values`."""
    import tfedu

    t = tfedu.convert_to_tensor(values)
    return _summary(HISTOGRAM_SUMMARY, name, family, collections, lambda: [t],
                    v2=lambda tag: v2_ops.histogram(tag, t, step=writer_mod.get_step()))


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """A string tensor holding a `Summary` with up to `max_outputs` PNG images."""
    import tfedu

    t = tfedu.convert_to_tensor(tensor)
    return _summary(IMAGE_SUMMARY, name, family, collections, lambda: [t],
                    {"max_images": int(max_outputs)},
                    v2=lambda tag: v2_ops.image(tag, t, step=writer_mod.get_step(),
                                                max_outputs=max_outputs))


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A string tensor holding a `Summary` with the whole of `tensor`."""
    import tfedu

    meta = SummaryMetadata()
    if summary_metadata is not None:
        meta.CopyFrom(summary_metadata)
    if display_name is not None:
        meta.display_name = display_name
    if summary_description is not None:
        meta.summary_description = summary_description
    t = tfedu.convert_to_tensor(tensor)
    return _summary(TENSOR_SUMMARY, name, family, collections,
                    lambda: [t, tfedu.constant(meta.SerializeToString())])


def text(name, tensor, collections=None):
    """A string tensor holding a `Summary` of a string tensor, for TensorBoard's Text tab."""
    import tfedu

    t = tfedu.convert_to_tensor(tensor)
    if t.dtype != dtypes.string:
        raise ValueError("Expected tensor dtype to be tf.string.")
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    return tensor_summary(name, t, summary_metadata=meta, collections=collections)


def merge(inputs, collections=None, name=None):
    """One `Summary` with the values of `inputs` (string tensors of Summaries)."""
    import tfedu

    if _eager():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.summary (TF2's summaries) instead.")
    with tfedu.compat.v1.name_scope(name, "Merge", inputs):
        value = execute(MERGE_SUMMARY, [list(inputs)], {}, default_name="MergeSummary")
    _collect(value, collections, [])
    return value


def merge_all(key="summaries", scope=None, name=None):
    """`merge` of the graph's collection `key` (SUMMARIES); None when it is empty."""
    from tfedu.framework import context

    if _eager():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.summary (TF2's summaries) instead.")
    ops = context.get_default_graph().get_collection(key, scope)
    return merge(ops, name=name) if ops else None


# --- FileWriter ----------------------------------------------------------------------------
class FileWriter:
    """Appends `Event`s (summaries, graphs, session logs) to an event file in `logdir`
    (`tf.compat.v1.summary.FileWriter`), through TensorBoard's own event-file writer."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if _eager():
            raise RuntimeError(
                "v1.summary.FileWriter is not compatible with eager execution. Use "
                "`tf.summary.create_file_writer`,or a `with v1.Graph().as_default():` context")
        if session is not None:
            raise NotImplementedError("FileWriter(session=...) is not supported; pass the "
                                      "session's graph: FileWriter(logdir, sess.graph).")
        self._logdir = os.fspath(logdir)
        self._args = (int(max_queue), float(flush_secs), filename_suffix or "")
        self._writer, self._seen_tags = None, set()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _events(self):
        if self._writer is None:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writer = EventFileWriter(self._logdir, *self._args)
        return self._writer

    def get_logdir(self):
        return self._logdir

    def add_event(self, event):
        self._events().add_event(event)

    def _add_event(self, event, step):
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Add a `Summary` (a proto, or the bytes a summary op returned) at `global_step`;
        a tag's metadata is written only the first time, as TensorFlow does."""
        if not isinstance(summary, Summary):
            raw = summary.numpy() if hasattr(summary, "numpy") else summary
            summary = Summary.FromString(bytes(np.asarray(raw, dtype=object).reshape(-1)[0]))
        for value in summary.value:
            if value.HasField("metadata"):
                if value.tag in self._seen_tags:
                    value.ClearField("metadata")
                self._seen_tags.add(value.tag)
        self._add_event(Event(summary=summary), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Add a graph (a `tf.Graph`, e.g. `sess.graph`) for TensorBoard's Graphs tab."""
        from tensorboard.compat.proto import graph_pb2

        from tfedu.framework.graph import Graph
        from tfedu.summary.graphs import graph_def_of

        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        given = graph if graph is not None else graph_def
        if not isinstance(given, (Graph, graph_pb2.GraphDef)):
            raise TypeError("The passed graph must be an instance of `Graph` or the deprecated "
                            "`GraphDef`")
        gdef = graph_def_of(given)
        self._add_event(Event(graph_def=gdef.SerializeToString()), global_step)

    def add_session_log(self, session_log, global_step=None):
        self._add_event(Event(session_log=session_log), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        tagged = TaggedRunMetadata(tag=tag, run_metadata=run_metadata.SerializeToString())
        self._add_event(Event(tagged_run_metadata=tagged), global_step)

    def flush(self):
        if self._writer is not None:
            self._writer.flush()

    def close(self):
        """Flush and close the file; a later add opens a new one (as `reopen` does)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def reopen(self):
        pass  # the next add opens a new event file

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileWriterCache:
    """One `FileWriter` per directory, shared by everything writing there (the Estimator's
    hooks and evaluation), as `tf.compat.v1.summary.FileWriterCache`."""

    _writers: dict = {}

    @classmethod
    def get(cls, logdir):
        logdir = os.fspath(logdir)
        if logdir not in cls._writers:
            import tfedu

            with tfedu.Graph().as_default():  # FileWriter refuses eager mode
                cls._writers[logdir] = FileWriter(logdir)
        return cls._writers[logdir]

    @classmethod
    def clear(cls):
        for writer in cls._writers.values():
            writer.close()
        cls._writers.clear()
