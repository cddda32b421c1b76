"""tf.strings basics."""

import pytest

import tfedu as tf


def test_length_join_case_strip():
    assert tf.strings.length(["ab", "héllo"]).numpy().tolist() == [2, 6]
    assert int(tf.strings.length("héllo", unit="UTF8_CHAR")) == 5
    assert tf.strings.join(["a", "b"], separator="-").numpy() == b"a-b"
    assert tf.strings.join([["a", "b"], "x"]).numpy().tolist() == [b"ax", b"bx"]
    assert tf.strings.upper("abc").numpy() == b"ABC"
    assert tf.strings.lower(["AB"]).numpy().tolist() == [b"ab"]
    assert tf.strings.strip(tf.constant("  x ")).numpy() == b"x"  # noqa: B005
    assert tf.strings.reduce_join(["a", "b", "c"], separator=",").numpy() == b"a,b,c"


def test_split_gives_ragged_rows():
    r = tf.strings.split(["a b", "c d e"])
    assert repr(r) == "<tf.RaggedTensor [[b'a', b'b'], [b'c', b'd', b'e']]>"
    assert tf.strings.split("a,b", sep=",").numpy().tolist() == [b"a", b"b"]


def test_split_keeps_the_dimensions_of_nd_and_ragged_input():
    """As TensorFlow 2.21: an N-D input keeps its dimensions before the parts (uniform rows,
    ragged_rank N); a RaggedTensor keeps its rows."""
    r = tf.strings.split(tf.constant([["a b", "c"], ["d", "e f g"]]))
    assert (r.shape.as_list(), r.ragged_rank) == ([2, 2, None], 2)
    assert r.to_list() == [[[b"a", b"b"], [b"c"]], [[b"d"], [b"e", b"f", b"g"]]]
    r3 = tf.strings.split(tf.constant([[["a b"], ["c"]]]), maxsplit=1)
    assert (r3.shape.as_list(), r3.ragged_rank) == ([1, 2, 1, None], 3)
    assert tf.strings.split(tf.zeros([0, 2], tf.string)).shape.as_list() == [0, 2, None]
    rr = tf.strings.split(tf.ragged.constant([["a b"], ["c d", "e"]]))
    assert rr.to_list() == [[[b"a", b"b"]], [[b"c", b"d"], [b"e"]]]
    u = tf.RaggedTensor.from_uniform_row_length(tf.range(6), 3)
    assert u.shape.as_list() == [2, 3] and (u + 1).shape.as_list() == [2, 3]


def test_conversions_and_errors():
    assert tf.strings.to_number(["1.5", "2"]).numpy().tolist() == [1.5, 2.0]
    assert tf.strings.to_number("7", out_type=tf.int32).dtype == tf.int32
    assert tf.strings.as_string([1.5]).numpy().tolist() == [b"1.500000"]
    assert tf.strings.as_string([1.23456], precision=2).numpy().tolist() == [b"1.23"]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="StringToNumberOp could not correctly convert string: x"):
        tf.strings.to_number("x")
    assert tf.strings.regex_replace("hello world", "o", "0").numpy() == b"hell0 w0rld"
    assert tf.strings.substr("hello", 1, 3).numpy() == b"ell"
    assert tf.strings.substr("hello", -3, 2).numpy() == b"ll"
