"""Start N workers of one script on this machine, each with its own `TF_CONFIG`.

    python -m tfedu.distribute.launch --workers 2 train.py [script args...]

Each worker is an independent process (`mpiexec -n 1 python train.py`) with
`TF_CONFIG={"cluster": {"worker": [...]}, "task": {"type": "worker", "index": i}}` on free
localhost ports. Their output is prefixed with `[worker i]`. If one worker fails, the others
are stopped and the launcher exits with that worker's code.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from tfedu.distribute.mpi import _mpiexec

__all__ = ["main", "tf_configs", "free_ports"]


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def tf_configs(n, host="localhost", ports=None):
    """The `TF_CONFIG` JSON of each of `n` workers."""
    ports = ports or free_ports(n)
    cluster = {"worker": [f"{host}:{p}" for p in ports]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            for i in range(n)]


def _pump(stream, prefix, out):
    for line in iter(stream.readline, ""):
        out.write(f"{prefix}{line}")
        out.flush()


def start_worker(script_argv, tf_config, index, env=None, prefix=True):
    """One worker process under its own `mpiexec -n 1` (its own session, to stop it whole)."""
    env = dict(env or os.environ, TF_CONFIG=tf_config)
    cmd = [_mpiexec() or "mpiexec", "-n", "1", sys.executable] + list(script_argv)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    t = threading.Thread(target=_pump, args=(proc.stdout, f"[worker {index}] " if prefix else "",
                                             sys.stdout), daemon=True)
    t.start()
    proc._pump = t
    return proc


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


GRACE = 15.0  # seconds the other workers get to notice a failed worker and say so


def run(n, script_argv):
    procs = [start_worker(script_argv, c, i) for i, c in enumerate(tf_configs(n))]
    code, deadline = 0, None
    pending = set(range(n))
    while pending:
        for i in list(pending):
            rc = procs[i].poll()
            if rc is None:
                continue
            pending.discard(i)
            procs[i]._pump.join()
            if rc != 0 and code == 0:
                code, deadline = rc, time.monotonic() + GRACE
                print(f"[launcher] worker {i} exited with code {rc}", file=sys.stderr)
        if deadline is not None and pending and time.monotonic() > deadline:
            for j in pending:
                stop(procs[j])
            deadline = None
        if pending:
            try:
                procs[next(iter(pending))].wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    return code


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tfedu.distribute.launch",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", "-n", type=int, default=2)
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    return run(a.workers, [a.script] + a.args)


if __name__ == "__main__":
    sys.exit(main())
