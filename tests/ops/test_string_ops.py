"""tf.strings basics."""

import numpy as np
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


def test_as_string_formats_as_tensorflow():
    """Values and errors as TensorFlow 2.21 gives them (printf formats; nan/inf never zero-padded)."""
    x = tf.constant([1.5, -2.25, 1e10, 1e-7, np.nan, np.inf])

    def fmt(t, **kw):
        return [s.decode() for s in tf.strings.as_string(t, **kw).numpy().tolist()]

    assert fmt(x, scientific=True) == ["1.500000e+00", "-2.250000e+00", "1.000000e+10",
                                       "1.000000e-07", "nan", "inf"]
    assert fmt(x, shortest=True) == ["1.5", "-2.25", "1e+10", "1e-07", "nan", "inf"]
    assert fmt(x, width=12)[:2] == ["    1.500000", "   -2.250000"]
    assert fmt(x, width=8, fill="0")[4:] == ["     nan", "     inf"]
    assert fmt(x, precision=3, scientific=True)[0] == "1.500e+00"
    assert fmt(tf.constant([7, -3]), width=5, fill="0") == ["00007", "-0003"]
    assert fmt(tf.constant([True]), width=6) == ["true"]
    for kw, message in [(dict(scientific=True, shortest=True), "Cannot select both"),
                        (dict(fill="ab", width=4), "Fill string must be one or fewer"),
                        (dict(fill="x", width=6), 'Fill argument not supported: "x"')]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf.strings.as_string(tf.constant([1.5]), **kw)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="scientific and shortest format not supported for datatype int32"):
        tf.strings.as_string(tf.constant([1]), shortest=True)


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
