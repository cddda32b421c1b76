"""Replays the differential corpus: tfedu against what real TensorFlow 2.21 did (recorded).

Each area's snippets run in one tfedu process. A case fails when tfedu's stdout, value (dtype,
shape, numbers), exception class or message differs from the recording (rules in core.py).
Cases listed in known_failures.txt must still fail (drop them from the list once they pass).
"""

import pytest

from tests.differential import core, tfdiff

AREAS = sorted(p.name for p in tfdiff.CORPUS.iterdir() if p.is_dir() and p.name[0] not in "._")


def _replay(area):
    pairs = tfdiff.load(tfdiff.corpus_files([area]))
    rec = {f: tfdiff.recorded(f) for f in {f for f, _ in pairs}}
    exp = [rec[f].get(s.name) for f, s in pairs]
    act = core.run_side("tfedu", [s for _, s in pairs])
    return tfdiff.check(pairs, exp, act)


@pytest.mark.parametrize("area", AREAS)
def test_area_agrees_with_tensorflow(area):
    known = tfdiff.known_failures()
    rows = _replay(area)
    assert rows, f"no cases in {area}"
    bad = [r for r in rows if r[1] != "pass" and r[0] not in known]
    fixed = [r[0] for r in rows if r[1] == "pass" and r[0] in known]
    lines = [f"{cid} ({cat}):\n  " + "\n  ".join(diffs) for cid, cat, diffs, _, _ in bad]
    lines += [f"{cid} passes now: remove it from known_failures.txt" for cid in fixed]
    assert not lines, "\n".join(lines)


def test_every_case_is_recorded():
    missing = []
    for f in tfdiff.corpus_files():
        rec = tfdiff.recorded(f)
        missing += [tfdiff.case_id(f, s.name) for s in core.parse_snippets(f.read_text())
                    if s.name not in rec]
    assert not missing, f"record these from TensorFlow (tfdiff --record FILE): {missing}"


def test_known_failures_exist():
    ids = {tfdiff.case_id(f, s.name) for f in tfdiff.corpus_files()
           for s in core.parse_snippets(f.read_text())}
    stale = sorted(set(tfdiff.known_failures()) - ids)
    assert not stale, f"known_failures.txt lists cases that do not exist: {stale}"
