"""binder/ holds what Binder (repo2docker) builds the classroom image from.

These tests check the files, and ask repo2docker (`--no-build`: no Docker needed) for the
Dockerfile it would build from them. test_binder_simulation.py builds the image's environment
for real, the way Binder does, and runs every lesson there.
"""

from __future__ import annotations

import os
import re
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
    for name in ("requirements.txt", "runtime.txt", "apt.txt", "postBuild", "start",
                 "jupyter_server_config.py", "warm_caches.py"):
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


def test_start_sends_tensorboards_frame_through_the_notebook_server(tmp_path):
    # %tensorboard's iframe: the student's browser reaches the container only through JupyterHub's
    # per-user prefix, where jupyter-server-proxy forwards /proxy/PORT/ to TensorBoard.
    def proxy_url(**env):
        env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], **env}
        return subprocess.run([str(BINDER / "start"), "bash", "-c", "echo $TENSORBOARD_PROXY_URL"],
                              env=env, capture_output=True, text=True, check=True).stdout.strip()

    assert proxy_url(JUPYTERHUB_SERVICE_PREFIX="/user/ann-x1/") == "/user/ann-x1/proxy/%PORT%/"
    assert proxy_url() == "/proxy/%PORT%/"
    requirements = (BINDER / "requirements.txt").read_text()
    assert re.search(r"^jupyter-server-proxy\b", requirements, re.M)


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
    assert "warmed 7 kernel families" in out.stdout
    assert list((cache / "numba").rglob("*.nbi")), "no Numba cache index was written"


# ---- repo2docker ------------------------------------------------------------------------------

SIMULATION = Path(__file__).with_name("simulate_binder.sh")


@pytest.fixture(scope="module")
def dockerfile(tmp_path_factory) -> str:
    """The Dockerfile repo2docker makes of this repository (its build is not run)."""
    pytest.importorskip("repo2docker", reason="jupyter-repo2docker (a dev dependency) is missing")
    cwd = tmp_path_factory.mktemp("r2d")  # repo2docker reads a config file from its cwd
    out = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--user-name", "jovyan",
                          "--user-id", "1000", str(ROOT)], cwd=cwd, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "FROM " in out.stdout, out.stdout[-3000:]
    return out.stdout + out.stderr


def test_repo2docker_builds_from_binder_files(dockerfile):
    assert "Building conda environment for python=3.11" in dockerfile  # binder/runtime.txt
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "RUN ./binder/postBuild" in dockerfile
    assert "apt-get install --yes --no-install-recommends graphviz" in dockerfile  # apt.txt
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
    assert "environment.yml" not in dockerfile and "setup.py" not in dockerfile


def test_simulation_uses_binders_base_versions():
    """The simulation pins what repo2docker's Python 3.11 lock file installs."""
    pytest.importorskip("repo2docker", reason="jupyter-repo2docker (a dev dependency) is missing")
    from importlib.resources import files

    lock = (files("repo2docker") / "buildpacks/conda/environment.py-3.11-linux-64.lock").read_text()
    pins = re.search(r'^base_pins="(.*)"$', SIMULATION.read_text(), re.M).group(1).split()
    assert {p.split("==")[0] for p in pins} >= {"jupyterlab", "notebook", "ipywidgets"}
    for pin in pins:
        name, version = pin.split("==")
        assert f"/{name}-{version}-" in lock, f"Binder's base environment has no {pin}"
    assert "python-3.11" in (BINDER / "runtime.txt").read_text()


def test_lesson_lists_are_written_from_the_notebooks():
    """README's table and lesson 00's list come from the notebooks' titles (binder/lesson_links.py)."""
    out = subprocess.run([sys.executable, str(BINDER / "lesson_links.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    welcome = (ROOT / "notebooks" / "00_welcome.ipynb").read_text()
    for nb in NOTEBOOKS[1:]:
        assert f"]({nb.name})" in welcome, f"lesson 00 does not link {nb.name}"
