"""`tf.train.Example` and its parts (TensorFlow's example.proto and feature.proto).

The messages of TFRecord files of training data: an `Example` holds `Features`, a map from
names to `Feature`s, each one list of bytes, floats or int64s. Declared here with
`descriptor_pb2` (field numbers as TensorFlow defines them, package `tensorflow`), so that bytes
written by TensorFlow parse here and the reverse.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_REP, _OPT = _F.LABEL_REPEATED, _F.LABEL_OPTIONAL


def _field(msg, name, number, ftype, label=_OPT, type_name=None, packed=False, oneof=None):
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if packed:
        f.options.packed = True
    if oneof is not None:
        f.oneof_index = oneof
    return f


def _map_entry(msg, name, value_type):
    entry = msg.nested_type.add(name=name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    return entry


def _file():
    fd = descriptor_pb2.FileDescriptorProto(name="tfedu/example.proto", package="tensorflow",
                                            syntax="proto3")
    _field(fd.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, _REP)
    _field(fd.message_type.add(name="FloatList"), "value", 1, _F.TYPE_FLOAT, _REP, packed=True)
    _field(fd.message_type.add(name="Int64List"), "value", 1, _F.TYPE_INT64, _REP, packed=True)
    feat = fd.message_type.add(name="Feature")
    feat.oneof_decl.add(name="kind")
    for i, (n, t) in enumerate((("bytes_list", "BytesList"), ("float_list", "FloatList"),
                                ("int64_list", "Int64List")), 1):
        _field(feat, n, i, _F.TYPE_MESSAGE, type_name=f".tensorflow.{t}", oneof=0)
    feats = fd.message_type.add(name="Features")
    _map_entry(feats, "FeatureEntry", ".tensorflow.Feature")
    _field(feats, "feature", 1, _F.TYPE_MESSAGE, _REP, ".tensorflow.Features.FeatureEntry")
    flist = fd.message_type.add(name="FeatureList")
    _field(flist, "feature", 1, _F.TYPE_MESSAGE, _REP, ".tensorflow.Feature")
    flists = fd.message_type.add(name="FeatureLists")
    _map_entry(flists, "FeatureListEntry", ".tensorflow.FeatureList")
    _field(flists, "feature_list", 1, _F.TYPE_MESSAGE, _REP,
           ".tensorflow.FeatureLists.FeatureListEntry")
    ex = fd.message_type.add(name="Example")
    _field(ex, "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    seq = fd.message_type.add(name="SequenceExample")
    _field(seq, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(seq, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    return fd


def _build():
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_file())
    names = ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
             "FeatureLists", "Example", "SequenceExample")
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{n}"))
            for n in names}


_CLASSES = _build()
BytesList = _CLASSES["BytesList"]
FloatList = _CLASSES["FloatList"]
Int64List = _CLASSES["Int64List"]
Feature = _CLASSES["Feature"]
Features = _CLASSES["Features"]
FeatureList = _CLASSES["FeatureList"]
FeatureLists = _CLASSES["FeatureLists"]
Example = _CLASSES["Example"]
SequenceExample = _CLASSES["SequenceExample"]
