#!/usr/bin/env bash
# A Binder build, simulated: a non-root user, Binder's default Jupyter versions, the committed
# repository only, `pip install -r binder/requirements.txt && ./binder/postBuild` as that user,
# then JupyterLab's default page and lesson 00 run through binder/start. Needs root (useradd).
#   simulate_binder.sh REPO [PYTHON]
set -euo pipefail

repo_src=$(cd "$1" && pwd)
python=${2:-/usr/bin/python3}
user=${TFEDU_BINDER_USER:-tfedu-binder}
# Binder's default environment (repo2docker's Python 3.11 base).
base_pins="jupyterlab==4.4.9 notebook==7.4.7 ipywidgets==8.1.7 ipykernel nbclient"

id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
as_user() { runuser -u "$user" -- env -i HOME="$home" PATH="$home/venv/bin:/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8 bash -c "cd $home/repo && $1"; }

rm -rf "$home/repo" "$home/.cache/tfedu" "$home/.jupyter"
git clone --quiet "$repo_src" "$home/repo"     # what Binder sees: committed files only
chown -R "$user:" "$home/repo"

t0=$(date +%s)
[ -x "$home/venv/bin/python" ] || runuser -u "$user" -- "$python" -m venv "$home/venv"
as_user "pip install --quiet --upgrade pip && pip install --quiet $base_pins"
as_user "pip install --quiet -r binder/requirements.txt"
as_user "./binder/postBuild"
echo "build: $(( $(date +%s) - t0 )) s"

as_user "jupyter labextension list" > /tmp/tfedu-binder-ext.txt 2>&1
grep "tfedu-lab" /tmp/tfedu-binder-ext.txt

# JupyterLab as that user (no --allow-root) opens lesson 00.
port=$(( 20000 + RANDOM % 20000 ))
as_user "./binder/start jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$port --IdentityProvider.token=t > $home/lab.log 2>&1 & echo \$! > $home/lab.pid"
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/api/status?token=t" >/dev/null && break; sleep 1; done
curl -s -o /dev/null -w "%{redirect_url}\n" "http://127.0.0.1:$port/?token=t" > /tmp/tfedu-binder-url.txt
kill "$(cat "$home/lab.pid")" || true
echo "default page: $(cat /tmp/tfedu-binder-url.txt)"
grep -q "lab/tree/notebooks/00_welcome.ipynb" /tmp/tfedu-binder-url.txt

as_user "./binder/start python tests/binder/run_lesson.py notebooks/00_welcome.ipynb"
