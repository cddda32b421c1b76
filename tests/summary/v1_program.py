"""A TF 1.x summaries program run by both TensorFlow and tfedu: `run(tf)` returns what it saw
as plain JSON data (tags, values, histogram buckets, decoded image pixels, errors). TF 2.21's
answer is recorded in v1_tf_2.21.json."""

import io

import numpy as np


def _decoded(summary, Summary):
    from PIL import Image

    s = Summary.FromString(summary)
    return [[v.tag, np.array(Image.open(io.BytesIO(v.image.encoded_image_string))).tolist()]
            for v in s.value]


def _histo(summary, Summary):
    h = Summary.FromString(summary).value[0].histo
    return [h.min, h.max, h.num, h.sum, h.sum_squares, list(h.bucket_limit), list(h.bucket)]


def _error(sess, t):
    try:
        sess.run(t)
    except Exception as e:  # the class and TF's own words, last line before the node
        return [type(e).__name__, e.message.split("\n")[-2]]
    return None


def _graph(tf):
    v1 = tf.compat.v1
    imgs = np.array([[[[-1.0], [0.5]], [[2.0], [np.nan]]], [[[0.0], [1.0]], [[3.0], [0.25]]],
                     [[[0.0], [0.0]], [[0.0], [0.0]]]], np.float32)
    rgb = np.stack([imgs[..., 0], imgs[..., 0] * 2, -imgs[..., 0]], -1)
    x = v1.placeholder(tf.float32, [None], name="x")
    with tf.name_scope("train"):
        v1.summary.scalar("loss", tf.reduce_mean(x))
    t = {"grey": v1.summary.image("grey", tf.constant(imgs)),
         "rgb": v1.summary.image("rgb", tf.constant(rgb), max_outputs=1),
         "u8": v1.summary.image("u8", tf.constant(np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3))),
         "h2": v1.summary.histogram("h2", tf.constant([-3.5, 0.0, 0.0, 1e-13, 7.0, 7.0, 2e21],
                                                      tf.float64)),
         "fam": v1.summary.scalar("x", 1.0, family="fam"),
         "hist_x": v1.summary.histogram("xs", x),
         "note": v1.summary.text("note", tf.constant(["a", "b"]))}
    s1 = v1.summary.scalar("dup", 1.0)
    t["dup_name"] = v1.summary.scalar("dup", 2.0)
    t["dup"] = v1.summary.merge([s1, s1])
    t["nan"] = v1.summary.histogram("h", tf.constant([1.0, np.nan]))
    t["shape"] = v1.summary.scalar("bad", tf.zeros([2]))
    return x, t


def run(tf):
    from tensorboard.compat.proto.summary_pb2 import Summary

    v1, out = tf.compat.v1, {}
    with tf.Graph().as_default() as g:
        x, t = _graph(tf)
        merged = v1.summary.merge_all(scope="train")
        out["names"] = [t["fam"].name, t["dup_name"].name, t["dup"].name, merged.name,
                        [s.name for s in g.get_collection(v1.GraphKeys.SUMMARIES)]]
        out["empty_merge_all"] = v1.summary.merge_all(scope="nothing") is None
        with v1.Session() as sess:
            feed = {x: [1.0, 2.0, 3.0, 10.0]}
            for k in ("grey", "rgb", "u8"):
                out[k] = _decoded(sess.run(t[k]), Summary)
            out["h2"] = _histo(sess.run(t["h2"]), Summary)
            out["hist_x"] = _histo(sess.run(t["hist_x"], feed), Summary)
            out["merged"] = [[v.tag, v.simple_value] for v in
                             Summary.FromString(sess.run(merged, feed)).value]
            note = Summary.FromString(sess.run(t["note"])).value[0]
            out["note"] = [note.tag, note.metadata.plugin_data.plugin_name,
                           [s.decode() for s in note.tensor.string_val], len(note.tensor.tensor_shape.dim)]
            out["fam_tag"] = Summary.FromString(sess.run(t["fam"])).value[0].tag
            out["errors"] = {k: _error(sess, t[k]) for k in ("dup", "nan", "shape")}
    out["eager"] = list(Summary.FromString(v1.summary.scalar("e", 2.5).numpy()).value[0]
                        .ListFields()[i][1] for i in (0, 1))
    return out
