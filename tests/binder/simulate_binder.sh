#!/usr/bin/env bash
# A Binder build, simulated: a non-root user, a fresh Python 3.11 environment with Binder's base
# versions (repo2docker's environment.py-3.11 lock), the committed repository only, then what
# repo2docker runs: binder/apt.txt installed as root, then `pip install -r
# binder/requirements.txt` and `./binder/postBuild` as that user. Then JupyterLab started through binder/start must open lesson 00, and every lesson runs
# top to bottom there (exercises filled with their reference solutions). Needs root (useradd).
#   simulate_binder.sh REPO [PYTHON]
set -euo pipefail

repo_src=$(cd "$1" && pwd)
python=${2:-/usr/bin/python3.11}
user=${TFEDU_BINDER_USER:-tfedu-binder}
# Binder's base environment for Python 3.11 (repo2docker's environment.py-3.11 lock file).
base_pins="jupyterlab==4.4.9 notebook==7.4.7 ipywidgets==8.1.7 jupyter_server==2.17.0 ipykernel==7.0.1 nbclient==0.10.2"

# One simulation at a time on this machine: they share the user's home.
exec 9>/tmp/tfedu-binder-simulation.lock
flock 9
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
as_user() { runuser -u "$user" -- env -i HOME="$home" PATH="$home/venv/bin:/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8 bash -c "cd $home/repo && $1"; }

# A fresh image every time. Only the download caches (~/.cache/pip, ~/.npm) are kept from an
# earlier run: they hold what the registries would send again, and change no installed file.
rm -rf "$home/repo" "$home/venv" "$home/.cache/tfedu" "$home/.jupyter" "$home/.local" "$home/lab.log"
git clone --quiet "$repo_src" "$home/repo"     # what Binder sees: committed files only
chown -R "$user:" "$home/repo"

# repo2docker installs binder/apt.txt as root before anything else; so does this (if missing).
apt_packages=""
[ ! -f "$home/repo/binder/apt.txt" ] || apt_packages=$(sed -e 's/#.*//' "$home/repo/binder/apt.txt" | xargs)
missing=$(for p in $apt_packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | xargs)
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
fi
echo "apt.txt: ${apt_packages:-nothing} installed"

t0=$(date +%s)
runuser -u "$user" -- "$python" -m venv "$home/venv"
as_user "pip install --quiet --upgrade pip && pip install --quiet $base_pins"
t1=$(date +%s)
echo "base environment: $(( t1 - t0 )) s"
as_user "pip install --quiet -r binder/requirements.txt"
as_user "./binder/postBuild"
t2=$(date +%s)
echo "build: $(( t2 - t1 )) s (binder/requirements.txt and binder/postBuild)"

as_user "jupyter labextension list" > "$scratch/ext.txt" 2>&1
grep "tfedu-lab" "$scratch/ext.txt"
as_user "pip list --format=freeze" > "$scratch/pip.txt"
for pin in $base_pins; do grep -qix "$pin" "$scratch/pip.txt" || { echo "requirements changed Binder's $pin"; exit 1; }; done
echo "Binder's base versions kept: $base_pins"

# JupyterLab as that user (no --allow-root) opens lesson 00.
# The server writes its own process id (its subshell's $BASHPID, then exec), so that exactly it is stopped.
port=$(( 20000 + RANDOM % 20000 ))
as_user "(echo \$BASHPID > $home/lab.pid; exec ./binder/start jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$port --IdentityProvider.token=t) > $home/lab.log 2>&1 &"
stop_lab() { [ -s "$home/lab.pid" ] && kill "$(cat "$home/lab.pid")" 2>/dev/null; rm -f "$home/lab.pid"; }
trap 'stop_lab; rm -rf "$scratch"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/api/status?token=t" >/dev/null && break; sleep 1; done
curl -s -o /dev/null -w "%{redirect_url}\n" "http://127.0.0.1:$port/?token=t" > "$scratch/url.txt"

# %tensorboard's frame (lesson 09) reaches TensorBoard's port through jupyter-server-proxy, at
# the address binder/start puts in TENSORBOARD_PROXY_URL: TensorBoard must answer there.
proxied=$(( port + 1 ))
as_user "(echo \$BASHPID > $home/http.pid; exec tensorboard --logdir $home/repo/binder --host 127.0.0.1 --port $proxied) > /dev/null 2>&1 &"
stop_http() { [ -s "$home/http.pid" ] && kill "$(cat "$home/http.pid")" 2>/dev/null; rm -f "$home/http.pid"; }
trap 'stop_lab; stop_http; rm -rf "$scratch"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$proxied/data/environment" >/dev/null && break; sleep 0.5; done
proxy_url=$(as_user "./binder/start bash -c 'echo \$TENSORBOARD_PROXY_URL'")
if curl -fs "http://127.0.0.1:$port${proxy_url//%PORT%/$proxied}data/environment?token=t" | grep -q data_location; then
    echo "TensorBoard's frame address answers through the notebook server: $proxy_url"
else
    echo "TensorBoard's frame address $proxy_url does not answer through the notebook server"; exit 1
fi
stop_http
stop_lab
echo "default page: $(cat "$scratch/url.txt")"
grep -q "lab/tree/notebooks/00_welcome.ipynb" "$scratch/url.txt"

# Every lesson, lesson 00 first: its first cell runs in a fresh kernel with the caches as the
# image has them.
as_user "TFEDU_TEACH_SOLUTIONS=1 ./binder/start python tests/binder/run_lesson.py notebooks/[0-9][0-9]_*.ipynb" 2>&1 \
    | grep -v "Kernel is running over TCP without encryption"
echo "simulation: $(( $(date +%s) - t0 )) s"
