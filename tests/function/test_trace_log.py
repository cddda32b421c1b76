"""The trace log: hits, misses with reasons, JSON records, the live-function registry."""

import json

import tfedu as tf
from tfedu.function import trace_log


def test_misses_explain_which_argument_changed():
    @tf.function
    def f(x, n):
        return x * n

    f(tf.constant(1.0), 2)
    f(tf.constant(2.0), 2)
    f(tf.constant([1.0, 2.0]), 2)
    f(tf.constant([1.0, 2.0]), 3)
    recs = f.trace_log.records
    assert [r.traced for r in recs] == [True, False, True, True]
    assert recs[2].reasons == ["arg `x`: now float32[2], before float32[] "
                               "(rank 0 -> 1; shape () -> (2,))"]
    assert recs[3].reasons == ["arg `n`: now Python value 3, before Python value 2"]
    assert recs[2].trace_seconds is not None and recs[2].trace_seconds >= 0
    text = f.explain_retracing()
    assert "4 call(s), 3 trace(s)" in text and "arg `n`" in text
    json.dumps([r.to_dict() for r in recs])


def test_dtype_and_structure_changes_are_described():
    @tf.function
    def f(x):
        return x

    f(tf.constant([1.0]))
    f(tf.constant([1]))
    assert "dtype float32 -> int32" in f.trace_log.records[-1].reasons[0]

    @tf.function
    def g(xs):
        return xs[0]

    t = tf.constant(1.0)
    g([t, t])
    g([t, tf.constant([1.0])])
    assert g.trace_log.records[-1].reasons == [
        "arg `xs[1]`: now float32[1], before float32[] (rank 0 -> 1; shape () -> (1,))"]


def test_hits_fold_and_listeners_see_every_call():
    seen = []

    def listener(log, rec):
        seen.append((log.name, rec.traced))

    trace_log.add_listener(listener)
    try:
        @tf.function
        def h(x):
            return x

        h(tf.constant(1))
        h(tf.constant(2))
        h(tf.constant(3))
    finally:
        trace_log.remove_listener(listener)
    assert seen == [("h", True), ("h", False), ("h", False)]
    assert h in trace_log.live_functions()

    @tf.function
    def k(x):
        return x

    for i in range(5):
        k(tf.constant(i))
    assert len(k.trace_log.records) == 2 and k.trace_log.records[1].repeats == 4


def test_signatures_spell_out_small_containers():
    from collections import namedtuple

    from tfedu.function.trace_type import describe, make_key

    pair = namedtuple("pair", "x y")
    assert describe(make_key((tf.constant([[1.0]]), 3))) == "(float32[1,1], Python value 3)"
    assert describe(make_key([tf.constant(1)])) == "[int32[]]"
    assert describe(make_key((tf.constant(1.0),))) == "(float32[],)"
    assert describe(make_key({"a": tf.constant([1, 2])})) == "{'a': int32[2]}"
    assert describe(make_key(pair(tf.constant(1.0), 2))) == "pair(x=float32[], y=Python value 2)"
    assert describe(make_key(list(range(9)))) == "list[9]"  # big containers by their size
