"""tf.data's file cache is TensorFlow's own: TF reads tfedu's cache and tfedu reads TF's."""

import numpy as np

import tfedu as tf


def _dataset(tfmod, fill):
    d = {"a": [fill, fill + 1, fill + 2]}
    return tfmod.data.Dataset.from_tensor_slices((d, [b"x", b"yy", b""], [[1.5, 2.0]] * 3))


def test_caches_cross_both_ways(tf_side, tmp_path):
    ours = str(tmp_path / "ours")
    mine = [(e["a"], s, f.tolist()) for e, s, f in _dataset(tf, 1).cache(ours).as_numpy_iterator()]
    got = tf_side.run_tf_json(f"""
        import json, tensorflow as tf
        def ds(fill):
            return tf.data.Dataset.from_tensor_slices(
                ({{"a": [fill, fill + 1, fill + 2]}}, [b"x", b"yy", b""], [[1.5, 2.0]] * 3))
        read = [(int(e["a"]), s.decode(), f.tolist())
                for e, s, f in ds(100).cache({ours!r}).as_numpy_iterator()]
        list(ds(7).cache({str(tmp_path / "theirs")!r}))
        list(tf.data.Dataset.range(0).cache({str(tmp_path / "empty")!r}))
        print(json.dumps(read))
    """)
    assert got == [[int(a), s.decode(), f] for a, s, f in mine]
    theirs = list(_dataset(tf, 100).cache(str(tmp_path / "theirs")).as_numpy_iterator())
    assert [int(e["a"]) for e, _, _ in theirs] == [7, 8, 9]
    assert [s for _, s, _ in theirs] == [b"x", b"yy", b""]
    np.testing.assert_array_equal(theirs[0][2], [1.5, 2.0])
    assert list(tf.data.Dataset.range(4).cache(str(tmp_path / "empty"))) == []
