"""The JupyterLab extension's TypeScript unit tests (node:test) and its DOT parity with Python."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.viz.test_dot import SAMPLE, graph
from tfedu.viz.dot import graph_to_dot

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
    assert int(passed.group(1)) >= 15 and int(failed.group(1)) == 0


def test_python_and_typescript_write_the_same_dot(npm_test):
    compiled = ROOT / "build" / "lab_extension_tests" / "src" / "dot.js"
    assert npm_test.returncode == 0 and compiled.exists()
    # Lone surrogates cannot cross the JSON pipe as UTF-8; everything else in SAMPLE does.
    payload = graph([n for n in SAMPLE["nodes"] if "\ud800" not in n["type"]])
    script = (
        "const d = require(process.argv[1]); let s = '';"
        "process.stdin.on('data', c => s += c);"
        "process.stdin.on('end', () => process.stdout.write(d.graphToDot(JSON.parse(s))));"
    )
    out = subprocess.run(
        ["node", "-e", script, str(compiled)], input=json.dumps(payload), capture_output=True,
        text=True, encoding="utf-8", check=True, timeout=60,
    )
    assert out.stdout == graph_to_dot(payload)


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
