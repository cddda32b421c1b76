"""tfdiff: run TensorFlow snippets in real TensorFlow and in tfedu and show what differs.

    python -m tests.differential.tfdiff -c "tf.reduce_sum([1, 2], axis=1)"   # one snippet
    python -m tests.differential.tfdiff FILE.py [FILE.py ...]              # files of snippets
    python -m tests.differential.tfdiff FILE.py -k gather -v               # a subset, passes too
    python -m tests.differential.tfdiff --replay [FILE.py ...]             # against recordings
    python -m tests.differential.tfdiff --record FILE.py                   # (re)record from TF

TensorFlow runs in the side environment (`.venv-tf`, `make interop-env`); tfedu runs in this
interpreter's environment. `--replay` compares tfedu with the observations recorded from
TensorFlow in `expected/` (no TensorFlow needed; without files: the whole corpus). The snippet
file format and the comparison rules are in `core.py`. `make tfdiff FILE=...` is a shortcut.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from tests.differential import core

CORPUS = core.HERE / "corpus"
EXPECTED = core.HERE / "expected"
KNOWN = core.HERE / "known_failures.txt"


def case_id(path: Path, name: str) -> str:
    """`area/file::name` for corpus files, `file::name` otherwise."""
    path = Path(path).resolve()
    try:
        rel = path.relative_to(CORPUS).with_suffix("")
    except ValueError:
        rel = Path(path.stem)
    return f"{rel.as_posix()}::{name}"


def expected_path(path: Path) -> Path:
    rel = Path(path).resolve().relative_to(CORPUS)
    return EXPECTED / rel.with_suffix(".json")


def corpus_files(areas=None) -> list[Path]:
    files = sorted(CORPUS.glob("*/*.py"))
    return [f for f in files if not areas or f.parent.name in areas]


def load(files, keys=None):
    """[(path, Snippet)] for the files, filtered by substrings of their case ids."""
    out = []
    for f in files:
        for s in core.parse_snippets(Path(f).read_text()):
            if not keys or any(k in case_id(f, s.name) for k in keys):
                out.append((Path(f), s))
    return out


def recorded(path: Path) -> dict:
    p = expected_path(path)
    return json.loads(p.read_text())["cases"] if p.exists() else {}


def record(files, verify=False):
    """Run the files' snippets in TensorFlow (one process) and write `expected/<area>/<f>.json`."""
    pairs = load(files)
    obs = _strip(_run_grouped("tf", pairs))
    if verify:
        again = _strip(_run_grouped("tf", pairs))
        bad = [case_id(f, s.name) for (f, s), x, y in zip(pairs, obs, again) if x != y]
        if bad:
            print(f"not deterministic in TensorFlow: {bad}", file=sys.stderr)
    by_file = defaultdict(dict)
    for (f, s), o in zip(pairs, obs):
        by_file[f][s.name] = o
    for f, cases in by_file.items():
        out = expected_path(f)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items())
        out.write_text('{"tensorflow": "2.21.0", "cases": {\n' + body + "\n}}\n")
        print(f"recorded {len(cases)} cases -> {out.relative_to(core.ROOT)}")


def _strip(obs):
    return [{k: v for k, v in o.items() if k != "stderr"} for o in obs]


def known_failures() -> dict:
    """case id -> reason, from known_failures.txt (`area/file::name  reason`)."""
    out = {}
    if KNOWN.exists():
        for line in KNOWN.read_text().splitlines():
            line = line.split("#", 1)[0].strip() if line.startswith("#") else line.strip()
            if line:
                cid, _, reason = line.partition(" ")
                out[cid] = reason.strip()
    return out


def update_known(rows):
    """Drop passing cases from known_failures.txt and add failing ones (reason: the category)."""
    known = known_failures()
    for cid, cat, *_ in rows:
        if cat == "pass":
            known.pop(cid, None)
        elif cid not in known:
            known[cid] = f"({cat})"
    head = [x for x in (KNOWN.read_text().splitlines() if KNOWN.exists() else [])
            if x.startswith("#")]
    KNOWN.write_text("\n".join(head + [f"{c} {r}" for c, r in sorted(known.items())]) + "\n")


def check(pairs, expected_obs, actual_obs):
    """[(case id, category, diffs, expected, actual)] for every snippet."""
    rows = []
    for (f, s), e, a in zip(pairs, expected_obs, actual_obs):
        diffs = core.compare(e, a, s.opts) if e is not None else ["no recorded observation"]
        cat = core.category(e, a, s.opts) if e is not None else "unrecorded"
        rows.append((case_id(f, s.name), cat, diffs, e, a))
    return rows


def stats(rows) -> dict:
    """Per-area pass counts and the exception-class agreement."""
    areas = defaultdict(Counter)
    raised = agree = both = both_agree = 0
    for cid, cat, _, e, a in rows:
        area = cid.split("/", 1)[0] if "/" in cid else "-"
        areas[area][cat] += 1
        ec, ac = (core.exc_class(e) if e else None), core.exc_class(a)
        if ec or ac:
            raised += 1
            agree += ec == ac
        if ec and ac:
            both += 1
            both_agree += ec == ac
    return {"areas": {k: dict(v) for k, v in sorted(areas.items())},
            "exc_agree": [agree, raised], "exc_agree_both_raised": [both_agree, both]}


def report(rows, verbose=False, out=sys.stdout):
    known = known_failures()
    for cid, cat, diffs, _, _ in rows:
        if cat == "pass" and not verbose:
            continue
        tag = "PASS" if cat == "pass" else ("KNOWN" if cid in known else "FAIL")
        print(f"{tag} {cid}" + (f" ({cat})" if cat != "pass" else ""), file=out)
        for d in diffs:
            print("  " + d.replace("\n", "\n  "), file=out)
    st = stats(rows)
    for area, c in st["areas"].items():
        n = sum(c.values())
        print(f"  {area:10s} {c.get('pass', 0):4d}/{n:<4d} pass  " +
              " ".join(f"{k}={v}" for k, v in sorted(c.items()) if k != "pass"), file=out)
    a, r = st["exc_agree"]
    b, n = st["exc_agree_both_raised"]
    print(f"exception classes agree: {a}/{r} where either raised, {b}/{n} where both raised",
          file=out)
    passed = sum(1 for r_ in rows if r_[1] == "pass")
    print(f"tfdiff: {passed} passed, {len(rows) - passed} failed", file=out)
    return st


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tfdiff", description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("-c", "--code", help="one snippet (the prelude `import tensorflow as tf`, "
                    "`import numpy as np` is added)")
    ap.add_argument("-k", action="append", help="only case ids containing this (repeatable)")
    ap.add_argument("--area", action="append", help="corpus area (with --replay/--record)")
    ap.add_argument("--replay", action="store_true", help="compare with recorded observations")
    ap.add_argument("--record", action="store_true", help="record TensorFlow's observations")
    ap.add_argument("--verify", action="store_true", help="with --record: run TF twice")
    ap.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    ap.add_argument("--update-known", action="store_true",
                    help="rewrite known_failures.txt: drop cases that pass, add failing ones")
    ap.add_argument("--json", type=Path, help="write per-case results and totals here")
    a = ap.parse_args(argv)
    if a.code:
        return _one(a.code)
    files = a.files or corpus_files(a.area)
    if a.record:
        return record(files, a.verify)
    pairs = load(files, a.k)
    if a.replay:
        rec = {f: recorded(f) for f in {f for f, _ in pairs}}
        exp = [rec[f].get(s.name) for f, s in pairs]
    else:
        exp = _run_grouped("tf", pairs)
    act = _run_grouped("tfedu", pairs)
    rows = check(pairs, exp, act)
    st = report(rows, a.verbose)
    if a.update_known:
        update_known(rows)
    if a.json:
        a.json.write_text(json.dumps({"stats": st, "cases": [
            {"id": r[0], "category": r[1], "diffs": r[2]} for r in rows]}, indent=1))
    return 0 if all(r[1] == "pass" for r in rows) else 1


def _run_grouped(side, pairs):
    return core.run_side(side, [s for _, s in pairs]) if pairs else []


def _one(code):
    snip = core.Snippet("snippet", "import numpy as np\nimport tensorflow as tf\n" + code + "\n")
    exp, act = core.run_side("tf", [snip])[0], core.run_side("tfedu", [snip])[0]
    for side, o in (("tensorflow", exp), ("tfedu", act)):
        print(f"--- {side}")
        if o["stdout"]:
            print(o["stdout"].rstrip())
        if o["value"] is not None:
            print("value:", json.dumps(o["value"])[:2000])
        if o["exc"]:
            print(f"raised {o['exc']['cls']}: {o['exc']['msg'][:2000]}")
    diffs = core.compare(exp, act)
    print("--- " + ("same" if not diffs else "differences:"))
    for d in diffs:
        print("  " + d.replace("\n", "\n  "))
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
