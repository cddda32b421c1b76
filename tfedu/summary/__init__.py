"""`tf.summary`: TensorFlow 2's summaries, written as event files TensorBoard reads.

```python
writer = tf.summary.create_file_writer("logs/run1")
with writer.as_default(step=0):
    tf.summary.scalar("loss", 0.25)
```

- `writer` holds the writers and the state summaries consult (default writer and step,
  `record_if`);
- `ops` turns values into TensorBoard's tensors (scalars, histograms, PNG images, text);
- `graphs` writes graphs (`graph`, `trace_on`/`trace_export`) and Keras models.
"""

import contextlib as _contextlib
import types as _types

from tfedu.summary.graphs import graph, trace_export, trace_off, trace_on
from tfedu.summary.ops import histogram, image, scalar, text, write
from tfedu.summary.writer import (
    SummaryWriter,
    create_file_writer,
    create_noop_writer,
    flush,
    record_if,
    should_record_summaries,
)


@_contextlib.contextmanager
def _summary_scope(name, default_name=None, values=None):
    """Yields `(tag, scope)`: the tag a summary named `name` gets under the current name
    scope (`tf.summary.experimental.summary_scope`)."""
    import tfedu

    name = name or default_name
    current = tfedu.get_current_name_scope()
    tag = f"{current}/{name}" if current else name
    with tfedu.name_scope(name) as scope:
        yield tag, scope


def _write_raw_pb(tensor, step=None, name=None):
    """Write serialized `Summary` protos as they are (`experimental.write_raw_pb`)."""
    import numpy as np
    from tensorboard.compat.proto import event_pb2, summary_pb2

    from tfedu.summary import writer as w

    if not w.recording():
        import tfedu

        return tfedu.constant(False)
    values = np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor,
                        dtype=object).reshape(-1)
    for raw in values:
        summary = summary_pb2.Summary.FromString(bytes(raw))
        w.default_writer()._write_event(event_pb2.Event(
            wall_time=w.wall_time(), step=w.resolve_step(step), summary=summary))
    import tfedu

    return tfedu.constant(True)


from tfedu.summary import writer as _writer  # noqa: E402

experimental = _types.SimpleNamespace(
    get_step=_writer.get_step, set_step=_writer.set_step, summary_scope=_summary_scope,
    write_raw_pb=_write_raw_pb)

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "experimental", "flush",
           "graph", "histogram", "image", "record_if", "scalar", "should_record_summaries",
           "text", "trace_export", "trace_off", "trace_on", "write"]
