"""Protocol-buffer messages of TensorFlow's file and wire formats.

TensorFlow's compiled schemas come from the `tensorboard` package
(`tensorboard.compat.proto`: GraphDef, MetaGraphDef, SavedObjectGraph, TrackableObjectGraph,
Event, Summary, ...), which is versioned with TensorFlow. The few messages it does not ship are
declared in this package, one module per family, as descriptors built in Python with
`google.protobuf.descriptor_pb2`: field numbers and types as TensorFlow's formats define them.
"""
