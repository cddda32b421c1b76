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


def _texts(t):
    return t.numpy().tolist()


def test_substr_negative_length_and_utf8_positions_as_tensorflow():
    """A negative length takes the rest of the string in bytes, nothing in UTF-8 characters;
    negative positions count from the end; the error names the flat index (TF 2.21)."""
    x = tf.constant([[b"Hello", b"\xc3\xa9t\xc3\xa9"], [b"ab", b"a\xc3\xa9b"]])
    assert _texts(tf.strings.substr(x, 1, -1)) == [[b"ello", b"\xa9t\xc3\xa9"], [b"b", b"\xc3\xa9b"]]
    assert _texts(tf.strings.substr(x, -2, -2)) == [[b"lo", b"\xc3\xa9"], [b"ab", b"\xa9b"]]
    utf8 = tf.strings.substr(x, 1, 2, unit="UTF8_CHAR")
    assert _texts(utf8) == [[b"el", b"t\xc3\xa9"], [b"b", b"\xc3\xa9b"]]
    assert _texts(tf.strings.substr(x, 0, -1, unit="UTF8_CHAR")) == [[b""] * 2] * 2
    assert _texts(tf.strings.substr(x, -2, 1, unit="UTF8_CHAR")) == [[b"l", b"t"], [b"a", b"\xc3\xa9"]]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"pos 3 out of range for string b'ab' at index 2 \[Op:Substr\]"):
        tf.strings.substr(x, 3, 1)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"pos -2 out of range for string at index 0 \[Op:Substr\]"):
        tf.strings.substr(x, -2, -2, unit="UTF8_CHAR")


def test_length_and_substr_refuse_an_unknown_unit_as_tensorflow():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'unit' of \"bad\" is not in the list of allowed "
                             "values: \"BYTE\", \"UTF8_CHAR\"\n\t; NodeDef: {{node StringLength}}"):
        tf.strings.length(["a"], unit="bad")
    f = tf.function(lambda s: tf.strings.length(s, unit="bad"))
    with pytest.raises(ValueError, match="Attr 'unit' of 'StringLength' Op passed string 'bad'"):
        f(tf.constant(["a"]))
    g = tf.function(lambda s: tf.strings.length(s, unit="bad"))
    with pytest.raises(TypeError):  # the input's dtype is checked first while tracing
        g(tf.constant([1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'unit' of \"x\""):
        tf.strings.substr(["a"], 0, 1, unit="x")


def test_as_string_formats_complex_parts_and_pads_strings():
    c = tf.constant([1 + 2j, complex(np.inf, np.nan)], tf.complex64)
    assert _texts(tf.strings.as_string(c)) == [b"(1.000000,2.000000)", b"(inf,nan)"]
    assert _texts(tf.strings.as_string(c, precision=1, width=6, fill="0")) == [
        b"(0001.0,0002.0)", b"(   inf,   nan)"]
    assert tf.strings.as_string(c, shortest=True).dtype == tf.string
    assert _texts(tf.strings.as_string(tf.cast(c, tf.complex128), scientific=True, precision=2)
                  )[0] == b"(1.00e+00,2.00e+00)"
    s = tf.constant([b"a", b"\xc3\xa9t\xc3\xa9"])
    assert _texts(tf.strings.as_string(s, precision=2)) == [b"a", b"\xc3\xa9t\xc3\xa9"]
    assert _texts(tf.strings.as_string(s, width=5, fill="0")) == [b"    a", b"\xc3\xa9t\xc3\xa9"]
    assert _texts(tf.strings.as_string(s, width=3, fill="-")) == [b"a  ", b"\xc3\xa9t\xc3\xa9"]
    f = tf.function(lambda t: tf.strings.as_string(t, precision=2))
    assert _texts(f(c)) == [b"(1.00,2.00)", b"(inf,nan)"]
    with pytest.raises(tf.errors.InvalidArgumentError, match='Fill argument not supported: "x"'):
        tf.strings.as_string(s, fill="x")


def test_reduce_join_is_one_op_with_tensorflows_axes_and_errors():
    x = tf.constant([[b"a", b"b"], [b"c", b"d"]])
    assert tf.strings.reduce_join(x, separator="-").numpy() == b"a-b-c-d"
    assert tf.strings.reduce_join(x, axis=[0, 1], separator="-").numpy() == b"a-c-b-d"
    assert _texts(tf.strings.reduce_join(x, -1, keepdims=True)) == [[b"ab"], [b"cd"]]
    empty = tf.strings.reduce_join(tf.zeros([2, 0], tf.string), axis=1)
    assert (empty.shape.as_list(), _texts(empty)) == ([2], [b"", b""])
    with pytest.raises(tf.errors.OutOfRangeError,
                       match=r"Invalid reduction dimension 2 for input with 2 dimension\(s\) "
                             r"\[Op:ReduceJoin\]"):
        tf.strings.reduce_join(x, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate reduction dimension -2"):
        tf.strings.reduce_join(x, axis=[0, -2])
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2 dimensions."):
        tf.function(lambda t: tf.strings.reduce_join(t, axis=2))(x)
    with pytest.raises(TypeError):
        tf.function(lambda t: tf.strings.reduce_join(t, axis=2))(tf.constant([1.0]))
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.string, shape=None)
        r = tf.strings.reduce_join(p)
        bad = tf.strings.reduce_join(p, axis=2)
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(r, {p: [["a", "b"], ["c", "d"]]}) == b"abcd"
        with pytest.raises(tf.errors.OutOfRangeError, match="Invalid reduction dimension 2"):
            sess.run(bad, {p: [["a", "b"], ["c", "d"]]})


def test_split_of_a_non_string_tensor_names_its_argument():
    with pytest.raises(ValueError, match="input: Tensor conversion requested dtype string for "
                                         "Tensor with dtype int32"):
        tf.strings.split(tf.constant([1, 2]))


# --- Unicode: UnicodeDecode(WithOffsets) / UnicodeEncode ops (expected values from TF 2.21) ---

WORDS = ["héllo", "", "日本"]


def _rows(r):
    return r.to_list() if isinstance(r, tf.RaggedTensor) else r.numpy().tolist()


def test_unicode_split_and_decode_match_tf():
    assert _rows(tf.strings.unicode_split(WORDS, "UTF-8")) == [
        [b"h", b"\xc3\xa9", b"l", b"l", b"o"], [], [b"\xe6\x97\xa5", b"\xe6\x9c\xac"]]
    assert _rows(tf.strings.unicode_split("héllo", "UTF-8")) == [
        b"h", b"\xc3\xa9", b"l", b"l", b"o"]
    mat = tf.strings.unicode_split([["ab", "c"], ["", "dé"]], "UTF-8")
    assert mat.shape.as_list() == [2, 2, None]
    assert _rows(mat) == [[[b"a", b"b"], [b"c"]], [[], [b"d", b"\xc3\xa9"]]]
    assert _rows(tf.strings.unicode_decode(WORDS, "UTF-8")) == [
        [104, 233, 108, 108, 111], [], [26085, 26412]]
    cps, offsets = tf.strings.unicode_decode_with_offsets(WORDS, "UTF-8")
    assert _rows(offsets) == [[0, 1, 3, 4, 5], [], [0, 3]]
    chars, offsets = tf.strings.unicode_split_with_offsets(WORDS, "UTF-8")
    assert _rows(chars)[2] == [b"\xe6\x97\xa5", b"\xe6\x9c\xac"] and _rows(offsets)[2] == [0, 3]
    assert _rows(tf.strings.bytes_split(WORDS))[0] == [b"h", b"\xc3", b"\xa9", b"l", b"l", b"o"]
    assert _rows(tf.strings.bytes_split("héy")) == [b"h", b"\xc3", b"\xa9", b"y"]


def test_invalid_utf8_is_replaced_ignored_or_refused_as_tf():
    bad = [b"a\xffb", b"\xe6\x97"]  # a stray byte; a truncated sequence (one replacement)
    assert _rows(tf.strings.unicode_split(bad, "UTF-8")) == [
        [b"a", b"\xef\xbf\xbd", b"b"], [b"\xef\xbf\xbd"]]
    assert _rows(tf.strings.unicode_split(bad, "UTF-8", errors="ignore")) == [[b"a", b"b"], []]
    assert _rows(tf.strings.unicode_decode(bad, "UTF-8", replacement_char=63)) == [
        [97, 63, 98], [63]]
    assert _rows(tf.strings.unicode_decode(["a\x01b"], "UTF-8",
                                           replace_control_characters=True)) == [[97, 65533, 98]]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Invalid formatting on input string \[Op:UnicodeDecode\]"):
        tf.strings.unicode_split(bad, "UTF-8", errors="strict")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Code point is out of range for Unicode, or is a surrogate."):
        tf.strings.unicode_encode([104, 0x110000], "UTF-8", errors="strict")
    assert tf.strings.unicode_encode([104, 0x110000, -1], "UTF-8").numpy() == \
        b"h\xef\xbf\xbd\xef\xbf\xbd"


def test_unicode_encode_shapes_match_tf():
    assert tf.strings.unicode_encode([104, 233], "UTF-8").numpy() == b"h\xc3\xa9"
    assert _rows(tf.strings.unicode_encode(tf.ragged.constant([[104, 233], [], [26085]]),
                                           "UTF-8")) == [b"h\xc3\xa9", b"", b"\xe6\x97\xa5"]
    assert _rows(tf.strings.unicode_encode([[104, 105], [106, 107]], "UTF-8")) == [b"hi", b"jk"]


def test_unicode_ops_and_ragged_to_tensor_run_in_tf_function():
    @tf.function
    def chars(x):
        return tf.strings.unicode_split(x, "UTF-8").to_tensor()

    @tf.function
    def round_trip(x):
        cps = tf.strings.unicode_decode(x, "UTF-8")
        return tf.strings.unicode_encode(cps, "UTF-8"), cps.row_splits

    assert chars(tf.constant(WORDS)).numpy().tolist() == [
        [b"h", b"\xc3\xa9", b"l", b"l", b"o"], [b"", b"", b"", b"", b""],
        [b"\xe6\x97\xa5", b"\xe6\x9c\xac", b"", b"", b""]]
    text, splits = round_trip(tf.constant(WORDS))
    assert text.numpy().tolist() == [w.encode() for w in WORDS]
    assert splits.numpy().tolist() == [0, 5, 5, 7]
    got = tf.function(lambda x: tf.strings.bytes_split(x).to_tensor())(tf.constant(WORDS))
    assert got.shape == (3, 6) and got.numpy()[2].tolist() == [b"\xe6", b"\x97", b"\xa5",
                                                              b"\xe6", b"\x9c", b"\xac"]
    ops = {op.type for op in chars.get_concrete_function(tf.constant(WORDS)).graph
           .get_operations()}
    assert {"UnicodeDecode", "UnicodeEncode"} <= ops


def test_a_string_scalar_taken_from_a_tensor_is_bytes():
    assert type(tf.constant(["ab", "c"])[0].numpy()) is bytes
    assert type(tf.strings.join([tf.constant(["a"]), "b"])[0].numpy()) is bytes
