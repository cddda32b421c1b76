"""The differential fuzzer's recorded corpus, replayed on tfedu (no TensorFlow needed).

The corpus (`recorded/corpus.json.gz`) holds calls of a fixed seed and what TensorFlow 2.21
did with each; every call must agree with it (same value, or the same exception class) unless
`known.txt` lists it with the reason. The generator is checked to be deterministic: the seed
gives the very programs that were recorded.
"""

from __future__ import annotations

import pytest

from tests.fuzz import fuzz


@pytest.fixture(scope="module")
def cases():
    return fuzz.load_recording()


def test_generator_is_deterministic(cases):
    again = fuzz.generate(len(cases), fuzz.CORPUS_SEED)
    assert [c["code"] for c in again] == [c["code"] for c in cases], (
        "the generator changed: re-record with `python -m tests.fuzz.fuzz --record`")


def test_recorded_corpus_agrees_with_tensorflow(cases):
    rows = fuzz.classify(cases, [c["expected"] for c in cases], fuzz.run("tfedu", cases))
    known = fuzz.known_failures()
    bad = [f"{r['id']} ({r['outcome']})" for r in rows
           if r["outcome"] in fuzz.FAILURES and r["id"] not in known]
    assert not bad, "\n".join(bad)
    still = {r["id"] for r in rows if r["outcome"] in fuzz.FAILURES}
    fixed = sorted(set(known) - still)
    assert not fixed, "now agree with TensorFlow, drop from known.txt: " + ", ".join(fixed)
