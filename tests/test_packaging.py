"""The package imports in a clean interpreter and builds a wheel that carries its sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _run_python(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_in_fresh_process_reports_pyproject_version():
    assert _run_python("import tfedu; print(tfedu.__version__)") == PROJECT["version"]


def test_import_does_not_load_numba():
    # Kernels are compiled on first use of a large tensor; importing must stay light.
    assert _run_python("import sys, tfedu; print('numba' in sys.modules)") == "False"


def test_wheel_contains_the_package(tmp_path: Path):
    # Build hooks (the JupyterLab extension) are skipped here: this checks the Python package.
    env = dict(os.environ, HATCH_BUILD_NO_HOOKS="true", PIP_DISABLE_PIP_VERSION_CHECK="1")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    wheels = list(tmp_path.glob("tfedu-*.whl"))
    assert len(wheels) == 1, wheels
    assert wheels[0].name.startswith(f"tfedu-{PROJECT['version']}-")

    names = zipfile.ZipFile(wheels[0]).namelist()
    sources = {n for n in names if n.startswith("tfedu/") and n.endswith(".py")}
    expected = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "tfedu").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert {"tfedu/__init__.py", "tfedu/framework/registry.py"} <= sources
    assert expected <= sources, sorted(expected - sources)[:10]
    assert not any(n.startswith("tests/") for n in names)


def test_built_extension_carries_the_widget_plugin(tmp_path: Path):
    # The prebuilt extension ships in the wheel (shared-data) with both entry points: the MIME
    # renderers and the JupyterLab plugin that registers the live widgets' model and view.
    built = ROOT / "tfedu" / "labextension" / "package.json"
    if not built.exists():
        pytest.skip("extension not built (pip install -e . builds it into tfedu/labextension)")
    env = dict(os.environ, HATCH_BUILD_NO_HOOKS="true", PIP_DISABLE_PIP_VERSION_CHECK="1")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        env=env, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    wheel = zipfile.ZipFile(next(tmp_path.glob("tfedu-*.whl")))
    prefix = next(n for n in wheel.namelist()
                  if n.endswith("/share/jupyter/labextensions/tfedu-lab/package.json"))
    meta = json.loads(wheel.read(prefix))
    lab = meta["jupyterlab"]
    assert lab["_build"]["extension"] == "./extension"
    assert lab["_build"]["mimeExtension"] == "./mimeExtension"
    # The widget manager's base package is shared, never a second bundled copy.
    assert lab["sharedPackages"]["@jupyter-widgets/base"] == {"bundled": False, "singleton": True}
    static = prefix.rsplit("/", 1)[0] + "/static/"
    chunks = [wheel.read(n).decode("utf-8", "replace") for n in wheel.namelist()
              if n.startswith(static) and n.endswith(".js")]
    assert any("TfeduViewModel" in c and "tfedu-lab:widgets" in c for c in chunks)
    assert any("application/vnd.tfedu.live+json" in c for c in chunks)
