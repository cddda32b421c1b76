# TFRecord files, tf.train.Example, parse_single_example/parse_example, CSV datasets, gfile.
import numpy as np
import tensorflow as tf


def make_example(i):
    return tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, i * 1.5])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"n{i}".encode()])),
        "tags": tf.train.Feature(int64_list=tf.train.Int64List(value=list(range(i)))),
    }))

# %% example_proto_text
ex = tf.train.Example(features=tf.train.Features(feature={"a": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2]))}))
print(ex)

# %% example_serialize_roundtrip
s = make_example(2).SerializeToString()
print(len(s), tf.train.Example.FromString(s).features.feature["id"].int64_list.value[0])

# %% feature_which_oneof
f = tf.train.Feature(float_list=tf.train.FloatList(value=[1.0]))
f.WhichOneof("kind")

# %% int64list_bad_value
tf.train.Int64List(value=["a"])

# %% parse_single_fixed
s = make_example(3).SerializeToString()
out = tf.io.parse_single_example(s, {"id": tf.io.FixedLenFeature([], tf.int64), "x": tf.io.FixedLenFeature([2], tf.float32), "name": tf.io.FixedLenFeature([], tf.string)})
{k: v.numpy().tolist() if v.shape.rank else v.numpy() for k, v in sorted(out.items())}

# %% parse_single_varlen
s = make_example(3).SerializeToString()
t = tf.io.parse_single_example(s, {"tags": tf.io.VarLenFeature(tf.int64)})["tags"]
print(type(t).__name__, t.indices.numpy().tolist(), t.values.numpy().tolist(), t.dense_shape.numpy().tolist())

# %% parse_single_default
s = make_example(1).SerializeToString()
tf.io.parse_single_example(s, {"missing": tf.io.FixedLenFeature([], tf.int64, default_value=7)})["missing"]

# %% parse_single_missing_required
s = make_example(1).SerializeToString()
tf.io.parse_single_example(s, {"missing": tf.io.FixedLenFeature([], tf.int64)})

# %% parse_single_wrong_type
s = make_example(1).SerializeToString()
tf.io.parse_single_example(s, {"id": tf.io.FixedLenFeature([], tf.float32)})

# %% parse_single_wrong_size
s = make_example(1).SerializeToString()
tf.io.parse_single_example(s, {"x": tf.io.FixedLenFeature([3], tf.float32)})

# %% parse_example_batch
batch = [make_example(i).SerializeToString() for i in (1, 2)]
out = tf.io.parse_example(batch, {"id": tf.io.FixedLenFeature([], tf.int64), "tags": tf.io.VarLenFeature(tf.int64)})
print(out["id"].numpy(), out["tags"].indices.numpy().tolist(), out["tags"].dense_shape.numpy())

# %% parse_example_ragged
batch = [make_example(i).SerializeToString() for i in (1, 3)]
r = tf.io.parse_example(batch, {"tags": tf.io.RaggedFeature(tf.int64)})["tags"]
print(type(r).__name__, r.to_list())

# %% parse_fixed_len_sequence
batch = [make_example(i).SerializeToString() for i in (1, 3)]
tf.io.parse_example(batch, {"tags": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)})["tags"]

# %% feature_spec_repr
print(tf.io.FixedLenFeature([2], tf.float32), tf.io.VarLenFeature(tf.string))

# %% tfrecord_write_read
with tf.io.TFRecordWriter("data.tfrecord") as w:
    for i in range(3):
        w.write(make_example(i).SerializeToString())
ds = tf.data.TFRecordDataset("data.tfrecord")
print(ds.element_spec)
[len(r) for r in ds.as_numpy_iterator()]

# %% tfrecord_parse_pipeline
with tf.io.TFRecordWriter("data.tfrecord") as w:
    for i in range(4):
        w.write(make_example(i).SerializeToString())
spec = {"id": tf.io.FixedLenFeature([], tf.int64), "x": tf.io.FixedLenFeature([2], tf.float32)}
ds = tf.data.TFRecordDataset(["data.tfrecord"]).map(lambda s: tf.io.parse_single_example(s, spec)).batch(2)
print(ds.element_spec)
[b["id"].tolist() for b in ds.as_numpy_iterator()]

# %% tfrecord_plain_strings
with tf.io.TFRecordWriter("s.tfrecord") as w:
    w.write(b"abc")
    w.write("xyz")
list(tf.data.TFRecordDataset("s.tfrecord").as_numpy_iterator())

# %% tfrecord_gzip
opts = tf.io.TFRecordOptions(compression_type="GZIP")
with tf.io.TFRecordWriter("z.tfrecord", opts) as w:
    w.write(b"hello")
list(tf.data.TFRecordDataset("z.tfrecord", compression_type="GZIP").as_numpy_iterator())

# %% tfrecord_missing_file
list(tf.data.TFRecordDataset("nope.tfrecord"))

# %% tf_record_iterator_v1
with tf.io.TFRecordWriter("v.tfrecord") as w:
    w.write(b"one")
list(tf.compat.v1.io.tf_record_iterator("v.tfrecord"))

# %% csv_dataset
with open("d.csv", "w") as f:
    f.write("a,b\n1,2.5\n3,\n")
ds = tf.data.experimental.CsvDataset("d.csv", [tf.int32, tf.constant([9.0])], header=True)
print(ds.element_spec)
list(ds.as_numpy_iterator())

# %% make_csv_dataset
with open("t.csv", "w") as f:
    f.write("age,city,score,label\n30,paris,1.5,0\n40,rome,2.5,1\n50,oslo,3.5,1\n")
ds = tf.data.experimental.make_csv_dataset("t.csv", batch_size=3, label_name="label", shuffle=False, num_epochs=1)
print(ds.element_spec)
feats, label = next(iter(ds))
print({k: v.numpy().tolist() for k, v in feats.items()}, label.numpy())

# %% make_csv_dataset_select
with open("t.csv", "w") as f:
    f.write("a,b,c\n1,2,3\n")
ds = tf.data.experimental.make_csv_dataset("t.csv", 1, select_columns=["a", "c"], shuffle=False, num_epochs=1)
list(next(iter(ds)).keys())

# %% make_csv_dataset_bad_label
with open("t.csv", "w") as f:
    f.write("a,b\n1,2\n")
tf.data.experimental.make_csv_dataset("t.csv", 1, label_name="zz")

# %% gfile_ops
tf.io.gfile.makedirs("g/h")
with tf.io.gfile.GFile("g/h/f.txt", "w") as f:
    f.write("content")
print(tf.io.gfile.exists("g/h/f.txt"), tf.io.gfile.listdir("g/h"), tf.io.gfile.isdir("g"))
print(tf.io.gfile.glob("g/h/*.txt"))
with tf.io.gfile.GFile("g/h/f.txt") as f:
    print(f.read())
tf.io.gfile.rmtree("g")
tf.io.gfile.exists("g")

# %% gfile_listdir_missing
tf.io.gfile.listdir("nowhere")

# %% gfile_gfile_missing
tf.io.gfile.GFile("nowhere.txt").read()
