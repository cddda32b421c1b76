"""The differential fuzzer: random op calls in TensorFlow and in tfedu, compared.

    python -m tests.fuzz.fuzz -n 2000 --seed 7              # live: both sides, a report
    python -m tests.fuzz.fuzz -n 300 --family gather -v     # one family, every difference shown
    python -m tests.fuzz.fuzz --record                      # (re)record the replayed corpus
    python -m tests.fuzz.fuzz --replay                      # tfedu against that recording
    make fuzz N=10000 SEED=1                                # the long run

Each call is drawn from a family (`families.py`) and run in one of three modes (eager,
`tf.function`, `Session.run`; `calls.py`) through the differential checker's core
(`tests/differential/core.py`). A call's outcome, TensorFlow's observation first:

    pass            same value (dtype, shape, numbers), or the same exception class
    message         same exception class, another message (counted, not a failure)
    exc-class       both raised, different classes
    silent-wrong    TensorFlow raised, tfedu returned a value
    spurious-error  TensorFlow returned a value, tfedu raised
    wrong           both returned values that differ
    crash / hang    the tfedu process died, or the call ran out of time

The recorded corpus (`recorded/`) holds each call's program and what TensorFlow 2.21 did,
so `make test` replays it (tests/fuzz/test_fuzz.py) without TensorFlow.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.differential import core
from tests.fuzz.calls import program
from tests.fuzz.families import FAMILIES

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "recorded" / "corpus.json.gz"
KNOWN = HERE / "known.txt"
CORPUS_SEED, CORPUS_N = 20240611, 1000
FAILURES = ("exc-class", "silent-wrong", "spurious-error", "wrong", "crash", "hang")
TIMEOUT = {"tf": 90, "tfedu": 30}


def generate(n: int, seed: int, families=None) -> list[dict]:
    """`n` cases: {"id", "family", "op", "mode", "code", "opts"}, the same for a seed."""
    rng = random.Random(seed)
    names = sorted(families or FAMILIES)
    out = []
    for i in range(n):
        fam = names[i % len(names)]
        call = FAMILIES[fam](rng)
        mode = rng.choice(call.modes)
        opts = dict(call.opts, stdout="ignore")
        out.append({"id": f"{seed}-{i:05d}-{fam}-{call.op}-{mode}", "family": fam,
                    "op": call.op, "mode": mode, "code": program(call, mode), "opts": opts})
    return out


def run(side: str, cases: list[dict], jobs: int = 1, chunk: int = 250) -> list[dict]:
    """Observations of `side` for the cases (in `jobs` parallel processes)."""
    snippets = [core.Snippet(c["id"].replace("-", "_"), c["code"]) for c in cases]
    parts = [snippets[i:i + chunk] for i in range(0, len(snippets), chunk)]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        done = list(pool.map(lambda p: core.run_side(side, p, timeout=TIMEOUT[side]), parts))
    return [{k: v for k, v in o.items() if k != "stderr"} for part in done for o in part]


def outcome(expected: dict, actual: dict, opts: dict) -> str:
    ee, ae = expected.get("exc"), actual.get("exc")
    if ae and ae["cls"] == "ProcessCrash":
        return "crash"
    if ae and ae["cls"] == "_Timeout":
        return "hang"
    if ee and ae:
        if ee["cls"] != ae["cls"]:
            return "exc-class"
        return "pass" if core.msg_agrees(ee["msg"], ae["msg"]) else "message"
    if ee:
        return "silent-wrong"
    if ae:
        return "spurious-error"
    return "wrong" if core.compare(expected, actual, opts) else "pass"


def classify(cases, expected, actual) -> list[dict]:
    rows = []
    for c, e, a in zip(cases, expected, actual):
        rows.append({"id": c["id"], "family": c["family"], "mode": c["mode"],
                     "outcome": outcome(e, a, c["opts"]), "expected": e, "actual": a})
    return rows


def figures(rows) -> dict:
    """Per family: calls, outcomes and the exception-class agreement where either raised."""
    fams = defaultdict(Counter)
    for r in rows:
        for key in (r["family"], "all"):
            c = fams[key]
            c["calls"] += 1
            c[r["outcome"]] += 1
            ec, ac = core.exc_class(r["expected"]), core.exc_class(r["actual"])
            if ec or ac:
                c["raised"] += 1
                c["class_agrees"] += ec == ac
    return {k: dict(v) for k, v in sorted(fams.items())}


def report(rows, verbose=False, out=sys.stdout) -> dict:
    known = known_failures()
    for r in rows:
        if r["outcome"] == "pass" or (r["outcome"] == "message" and not verbose):
            continue
        tag = "KNOWN" if r["id"] in known else "FAIL" if r["outcome"] in FAILURES else "NOTE"
        print(f"{tag} {r['id']} ({r['outcome']})", file=out)
        for d in core.compare(r["expected"], r["actual"], {"stdout": "ignore"}):
            print("  " + d.replace("\n", "\n  "), file=out)
    figs = figures(rows)
    print(f"{'family':14s} {'calls':>6s} {'pass':>6s} {'msg':>5s} {'class%':>7s}  failures",
          file=out)
    for fam, c in figs.items():
        agree = 100.0 * c.get("class_agrees", 0) / c["raised"] if c.get("raised") else 100.0
        bad = " ".join(f"{k}={c[k]}" for k in FAILURES if c.get(k))
        print(f"{fam:14s} {c['calls']:6d} {c.get('pass', 0):6d} {c.get('message', 0):5d} "
              f"{agree:6.1f}%  {bad or '-'}", file=out)
    return figs


def known_failures() -> dict:
    out = {}
    if KNOWN.exists():
        for line in KNOWN.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                cid, _, why = line.partition(" ")
                out[cid] = why.strip()
    return out


def write_known(rows, path=KNOWN):
    """known.txt: the replayed calls that still disagree with TensorFlow, with their outcome."""
    lines = ["# Recorded calls where tfedu still disagrees with TensorFlow: id outcome (rewritten "
             "by `python -m tests.fuzz.fuzz --replay --write-known`)"]
    lines += [f"{r['id']} {r['outcome']}" for r in rows if r["outcome"] in FAILURES]
    path.write_text("\n".join(lines) + "\n")


def save_recording(cases, observations, path=RECORDED):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"tensorflow": "2.21.0", "seed": CORPUS_SEED, "n": len(cases),
            "cases": [dict(c, expected=o) for c, o in zip(cases, observations)]}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)


def load_recording(path=RECORDED) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def replay(jobs=1) -> list[dict]:
    cases = load_recording()
    return classify(cases, [c["expected"] for c in cases], run("tfedu", cases, jobs))


def _args(argv):
    ap = argparse.ArgumentParser(prog="fuzz", description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=500, help="number of calls (live mode)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES))
    ap.add_argument("-j", "--jobs", type=int, default=1, help="processes per side")
    ap.add_argument("--record", action="store_true", help=f"record the corpus ({CORPUS_N} calls "
                    f"of seed {CORPUS_SEED}) from TensorFlow")
    ap.add_argument("--replay", action="store_true", help="tfedu against the recorded corpus")
    ap.add_argument("--write-known", action="store_true",
                    help="with --replay: rewrite known.txt with the calls that still disagree")
    ap.add_argument("-v", "--verbose", action="store_true", help="show message differences too")
    ap.add_argument("--json", type=Path, help="write the figures (and failing cases) here")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    a = _args(argv)
    if a.record:
        cases = generate(CORPUS_N, CORPUS_SEED)
        save_recording(cases, run("tf", cases, a.jobs))
        print(f"recorded {len(cases)} calls -> {RECORDED.relative_to(core.ROOT)}")
        return 0
    if a.replay:
        rows = replay(a.jobs)
        if a.write_known:
            write_known(rows)
    else:
        cases = generate(a.n, a.seed, a.family)
        rows = classify(cases, run("tf", cases, a.jobs), run("tfedu", cases, a.jobs))
    figs = report(rows, a.verbose)
    if a.json:
        bad = [r for r in rows if r["outcome"] != "pass"]
        a.json.write_text(json.dumps({"figures": figs, "differences": bad}, indent=1))
    known = known_failures()
    return int(any(r["outcome"] in FAILURES and r["id"] not in known for r in rows))


if __name__ == "__main__":
    sys.exit(main())
