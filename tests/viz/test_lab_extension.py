"""The JupyterLab extension's TypeScript unit tests (node:test) and its DOT parity with Python."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.viz.test_dot import SAMPLE, graph, node

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "lab_extension"


@pytest.fixture(scope="module")
def npm_test() -> subprocess.CompletedProcess:
    """Compile and run `npm test` once (tsc + node --test)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm are not installed")
    if not (LAB / "node_modules" / "typescript").is_dir():
        pytest.skip("lab_extension/node_modules is missing (pip install -e . or npm install)")
    return subprocess.run(
        ["npm", "test", "--silent"], cwd=LAB, capture_output=True, text=True, timeout=300
    )


def test_typescript_unit_tests_pass(npm_test):
    out = npm_test.stdout + npm_test.stderr
    assert npm_test.returncode == 0, out[-4000:]
    passed = re.search(r"^# pass (\d+)$", out, re.M)
    failed = re.search(r"^# fail (\d+)$", out, re.M)
    assert passed and failed, out[-2000:]
    assert int(passed.group(1)) >= 7 and int(failed.group(1)) == 0


def _mixed_big_graph() -> dict:
    """Over every threshold: nested scopes, a one-op scope, captures, control edges, a
    multi-output producer read from inside and outside a scope, variables and their reads."""
    nodes = [node("x", "Placeholder"), node("split", "Split", outputs=[
        {"shape": [2], "dtype": "float32"}, {"shape": None, "dtype": "int32"}]),
        node("v", "VarHandleOp", outputs=[{"shape": [], "dtype": "resource"}]),
        node("outer0/read", "ReadVariableOp", inputs=["v:0"])]
    for j in range(6):
        for k in range(40):
            name = f"outer{j % 2}/mid{j}/op{k}" if k % 3 else f"outer{j % 2}/op{j}_{k}"
            prev = nodes[-1]["id"]
            nodes.append(node(name, "Mul", inputs=[f"{prev}:0", "split:1" if k % 7 == 0 else "x:0"],
                              control_inputs=["x"] if k == 5 else []))
    nodes.append(node("lone/one", "Neg", inputs=["outer1/mid5/op38:0", "captured:0"]))
    nodes.append(node("end", "AddN", inputs=["lone/one:0", "outer0/mid0/op1:0", "split:0",
                                              "outer1/mid3/op10:0", "outer1/op5_0:0"],
                      control_inputs=["outer1/mid3/op2", "^gone"]))
    return graph(nodes)


def test_python_and_typescript_assemble_the_same_dot(npm_test):
    """DOT from the layout model is byte-identical in both languages, for every policy:
    collapsed boxes, merged edges, tooltips, clusters, hostile names."""
    from tests.browser.test_graph_view import LARGE_GRAPHS_CELL
    from tfedu.viz import graph_payload
    from tfedu.viz.dot import assemble_dot, layout_model

    compiled = ROOT / "build" / "lab_extension_tests" / "src" / "layout.js"
    assert npm_test.returncode == 0 and compiled.exists()
    scope: dict = {}
    exec(LARGE_GRAPHS_CELL, scope)
    ladder, scoped = graph_payload(scope["ladder"]), graph_payload(scope["scoped"])
    mixed = _mixed_big_graph()
    # Lone surrogates cannot cross the JSON pipe as UTF-8; everything else in SAMPLE does.
    sample = graph([n for n in SAMPLE["nodes"] if "\ud800" not in n["type"]])
    cases = [(layout_model(p), c) for p, c in [
        (sample, None), (sample, []), (ladder, None), (scoped, None), (scoped, []),
        (scoped, [3, 17]), (mixed, None), (mixed, []), (mixed, [0, 4]), (mixed, [1]),
    ]]
    script = (
        "const d = require(process.argv[1]); let s = '';"
        "process.stdin.on('data', c => s += c);"
        "process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(s).map("
        "([m, c]) => d.assembleDot(m, c === null ? undefined : new Set(c))))));"
    )
    out = subprocess.run(
        ["node", "-e", script, str(compiled)], input=json.dumps(cases), capture_output=True,
        text=True, encoding="utf-8", check=True, timeout=120,
    )
    typescript = json.loads(out.stdout)
    for (model, collapsed), ts_dot in zip(cases, typescript, strict=True):
        assert ts_dot == assemble_dot(model, collapsed), collapsed
    # The cases do exercise the policy: collapsed nodes, merged edges, tooltips, clusters.
    assert "shape=box3d" in typescript[3] and "tooltip=" in typescript[2]
    assert "shape=cylinder" in typescript[8] and "2 tensors" in typescript[6]
    assert "subgraph cluster_" in typescript[7] and re.search(r"-> n\d+ \[tooltip=", typescript[7])
    assert re.search(r"-> n\d+ \[label=", typescript[0])


def test_built_extension_metadata():
    built = ROOT / "tfedu" / "labextension" / "package.json"
    if not built.exists():
        pytest.skip("extension not built (pip install -e . builds it into tfedu/labextension)")
    meta = json.loads(built.read_text())
    source = json.loads((LAB / "package.json").read_text())
    assert meta["name"] == source["name"] == "tfedu-lab"
    assert meta["jupyterlab"]["mimeExtension"] is True
    assert meta["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")
    static = built.parent / "static"
    assert (static / meta["jupyterlab"]["_build"]["load"].split("/", 1)[1]).exists()
    # Graphviz is bundled as a lazy chunk with its WebAssembly inlined: nothing to fetch.
    chunks = {p.name: p.read_text(errors="replace") for p in static.glob("*.js")}
    graphviz = [n for n, t in chunks.items() if "WebAssembly" in t and "colorscheme" in t]
    assert len(graphviz) == 1 and len(chunks[graphviz[0]]) > 500_000, sorted(chunks)
    assert not re.search(r"""["'][^"']*\.wasm["']""", chunks[graphviz[0]])
