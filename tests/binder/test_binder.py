"""binder/ holds what Binder (repo2docker) builds the classroom image from.

The cheap tests check the files; `test_binder_build_simulation` builds it for real the way Binder
does (a non-root user, Binder's default Jupyter versions, only the committed repository) and runs
lesson 00 there. It is slow and needs root, so it runs only with TFEDU_BINDER_SIMULATION=1.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
README = ROOT / "README.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_binder_files_are_present():
    for name in ("requirements.txt", "postBuild", "start", "jupyter_server_config.py",
                 "warm_caches.py"):
        assert (BINDER / name).is_file(), f"binder/{name} is missing"
    # environment.yml would win over requirements.txt and ignore it
    assert not (BINDER / "environment.yml").exists()


@pytest.mark.parametrize("script", ["postBuild", "start"])
def test_scripts_are_executable_bash_with_strict_mode(script):
    path = BINDER / script
    assert path.stat().st_mode & stat.S_IXUSR, f"binder/{script} must be executable"
    lines = path.read_text().splitlines()
    assert lines[0] in ("#!/usr/bin/env bash", "#!/bin/bash")
    assert "set -euo pipefail" in lines
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0


def test_requirements_install_the_repository_and_keep_binders_jupyterlab():
    from packaging.requirements import Requirement

    lines = [line.split("#")[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert "." in lines, "Binder does not install the repository unless requirements name `.`"
    reqs = {r.name.lower(): r for r in (Requirement(line) for line in lines if line != ".")}
    assert {"jupyterlab", "ipywidgets"} <= set(reqs)
    # Binder's image ships JupyterLab 4.4.9 with Notebook 7.4.7; the range must accept it
    assert reqs["jupyterlab"].specifier.contains("4.4.9")
    assert reqs["ipywidgets"].specifier.contains("8.1.7")


def test_start_exports_writable_cache_dirs_and_execs():
    text = (BINDER / "start").read_text()
    assert re.search(r"^export TFEDU_CACHE_DIR=.*\$HOME", text, re.M)
    assert re.search(r"^export NUMBA_CACHE_DIR=", text, re.M)
    assert text.rstrip().endswith('exec "$@"')
    post = (BINDER / "postBuild").read_text()
    for var in ("TFEDU_CACHE_DIR", "NUMBA_CACHE_DIR"):  # the build warms the same place
        assert re.search(rf"^export {var}=", post, re.M), var
    assert "python binder/warm_caches.py" in post


def test_start_sets_the_cache_dirs(tmp_path):
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    out = subprocess.run([str(BINDER / "start"), "bash", "-c", "echo $TFEDU_CACHE_DIR $NUMBA_CACHE_DIR"],
                         env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [f"{tmp_path}/.cache/tfedu", f"{tmp_path}/.cache/tfedu/numba"]
    assert (tmp_path / ".cache/tfedu/numba").is_dir()


def test_lab_opens_lesson_00():
    config = (BINDER / "jupyter_server_config.py").read_text()
    target = "/lab/tree/notebooks/00_welcome.ipynb"
    assert f'c.LabApp.default_url = "{target}"' in config
    assert (ROOT / target.removeprefix("/lab/tree/")).is_file()


def test_readme_has_the_badge_and_a_deep_link_per_lesson():
    text = README.read_text()
    assert "https://mybinder.org/badge_logo.svg" in text
    for nb in NOTEBOOKS:
        assert f"urlpath=lab/tree/notebooks/{nb.name}" in text, f"no Binder link to {nb.name}"


def test_binder_links_share_one_base():
    bases = set(re.findall(r"(https://mybinder\.org/v2/gh/[^?)]+)\?urlpath=", README.read_text()))
    assert len(bases) == 1, bases  # a fork changes the repository path in one way everywhere


def test_warm_caches_script_runs(tmp_path):
    # the test run's shared cache when there is one (`make test` sets it): compiling is slow
    cache = Path(os.environ.get("TFEDU_CACHE_DIR") or tmp_path)
    env = dict(os.environ, TFEDU_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, str(BINDER / "warm_caches.py")], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "skipped" not in out.stdout, out.stdout
    assert "warmed 6 kernel families" in out.stdout
    assert list((cache / "numba").rglob("*.nbi")), "no Numba cache index was written"


def _simulation_skip_reason() -> str | None:
    if os.environ.get("TFEDU_BINDER_SIMULATION") != "1":
        return ("the Binder build simulation is slow (a fresh virtualenv, pip installs, npm): "
                "set TFEDU_BINDER_SIMULATION=1 to run it")
    if os.geteuid() != 0:
        return "the Binder build simulation creates a user with useradd and needs root"
    missing = [tool for tool in ("useradd", "runuser", "git", "curl") if not shutil.which(tool)]
    if missing:
        return f"the Binder build simulation needs {', '.join(missing)}"
    return None


@pytest.mark.slow
def test_binder_build_simulation():
    reason = _simulation_skip_reason()
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    result = subprocess.run(["bash", str(Path(__file__).with_name("simulate_binder.sh")), str(ROOT)],
                            capture_output=True, text=True, timeout=3000)
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "default page: " in result.stdout and "00_welcome.ipynb" in result.stdout
    first = float(re.search(r"first cell: ([\d.]+) s", result.stdout).group(1))
    assert "unexpected errors: 0" in result.stdout
    assert first < 60  # the warm-cache target (a few seconds) is reported, not asserted
