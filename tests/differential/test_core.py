"""The checker itself: snippet files, normalisation, comparison, and a live run of both sides."""

from tests.differential import core, tfdiff
from tests.interop.conftest import tf_side  # noqa: F401  (fixture)

FILE = """import tensorflow as tf

# %% first rtol=1e-3 msg=first-line
x = tf.constant([1.0, 2.0])
x * 2

# %% second
print(1)
"""


def test_parse_snippets_prelude_and_options():
    a, b = core.parse_snippets(FILE)
    assert (a.name, a.opts, b.name) == ("first", {"rtol": "1e-3", "msg": "first-line"}, "second")
    assert a.code.startswith("import tensorflow as tf\nx = tf.constant")
    assert b.code == "import tensorflow as tf\nprint(1)\n"


def _obs(value=None, exc=None, stdout=""):
    return {"stdout": stdout, "value": value, "exc": exc}


def test_compare_values_dtypes_and_tolerance():
    t = {"t": "Tensor", "dtype": "float32", "shape": [2], "value": [1.0, 2.0]}
    near = dict(t, value=[1.0, 2.000001])
    assert core.compare(_obs(t), _obs(near)) == []
    assert core.compare(_obs(t), _obs(dict(t, value=[1.0, 2.1])))
    assert "dtype" in core.compare(_obs(t), _obs(dict(t, dtype="float64")))[0]
    assert core.compare(_obs(t), _obs(dict(t, value=[1.0, 2.1])), {"rtol": "0.1"}) == []


def test_compare_exceptions_class_then_message_prefix():
    tf_exc = {"cls": "InvalidArgumentError", "msg": "bad [Op:Sum]"}
    ok = {"cls": "InvalidArgumentError", "msg": "bad [Op:Sum] name: \nHint: axis..."}
    assert core.compare(_obs(exc=tf_exc), _obs(exc=ok)) == []
    assert core.category(_obs(exc=tf_exc), _obs(exc=dict(ok, cls="ValueError"))) == "exc-class"
    assert core.category(_obs(exc=tf_exc), _obs(exc=dict(ok, msg="other"))) == "message"
    assert core.category(_obs(exc=tf_exc), _obs()) == "exc-class"


def test_normalize_strips_tracebacks_addresses_and_function_ids():
    msg = ('in user code:\n\n    File "/tmp/tfdiff-ab/c/c.py", line 4, in f  *\n'
           '        return x[1]\n\n    ValueError: bad __inference_f_123 at 0x7f00')
    assert core.normalize_msg(msg) == "in user code:\nValueError: bad __inference_f_… at 0x…"


def test_stats_count_exception_agreement():
    rows = [("a/f::x", "pass", [], _obs(exc={"cls": "E", "msg": ""}), _obs(exc={"cls": "E",
                                                                               "msg": ""})),
            ("a/f::y", "exc-class", ["x"], _obs(exc={"cls": "E", "msg": ""}), _obs())]
    st = tfdiff.stats(rows)
    assert st["exc_agree"] == [1, 2] and st["exc_agree_both_raised"] == [1, 1]


def test_both_sides_run_and_agree(tf_side):  # noqa: F811
    snips = core.parse_snippets(FILE + "\n# %% error\ntf.reduce_sum([[1]], axis=3)\n")
    tf_obs, edu_obs = core.run_side("tf", snips), core.run_side("tfedu", snips)
    assert tf_obs[0]["value"]["value"] == [2.0, 4.0] and tf_obs[1]["stdout"] == "1\n"
    assert tf_obs[2]["exc"]["cls"] == "InvalidArgumentError"
    assert [core.compare(a, b, s.opts) for a, b, s in zip(tf_obs, edu_obs, snips)] == [[]] * 3
