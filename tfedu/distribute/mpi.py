"""The workers' communicator: MPI (mpi4py with the `mpich` wheel), joined from `TF_CONFIG`.

Why MPI, and how it meets `TF_CONFIG`'s independent start: every worker is started on its
own, in any order, knowing only the cluster's addresses and its own index. MPI's standard
answer for independently started processes is `MPI_Comm_join` on a connected socket: worker 0
listens on its `TF_CONFIG` address, each other worker connects there (retrying until worker 0
is up) and the two join; the group then grows by MPI's own `Open_port`/`Accept`/`Connect`
(port names travel as MPI messages), and ranks are ordered by task index. No bytes of our own
go over the sockets; they stay open only so that a worker that dies is noticed at once (its
socket closes), instead of the others waiting forever in an all-reduce.

MPICH needs a process manager for joining: each worker runs under `mpiexec -n 1` (one
process each, so still started independently). A script started with plain `python` is
re-executed that way when it creates the strategy (`ensure_process_manager`); the launcher
`python -m tfedu.distribute.launch` and the Kubernetes manifests start workers so directly.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import sys
import time

import numpy as np

from tfedu.framework import errors

__all__ = ["Communicator", "ensure_process_manager", "available"]

_TIMEOUT = float(os.environ.get("TFEDU_WORKER_TIMEOUT", "300"))


def available() -> str | None:
    """None if mpi4py and an MPI library are installed, else why not."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return ("MultiWorkerMirroredStrategy needs mpi4py and an MPI library: "
                "pip install 'tfedu[multiworker]' (mpi4py and the mpich wheel)")
    return None


def _mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


def under_process_manager() -> bool:
    return any(k in os.environ for k in ("PMI_FD", "PMI_PORT", "PMI_RANK", "PMIX_RANK"))


def ensure_process_manager():
    """Re-execute this script under `mpiexec -n 1` if no MPI process manager runs it."""
    if under_process_manager():
        return
    script = sys.argv[0] if sys.argv else ""
    exe = _mpiexec()
    if not script or not os.path.isfile(script) or exe is None:
        raise RuntimeError(
            "MultiWorkerMirroredStrategy with several workers needs each worker under an MPI "
            "process manager: start the script as `mpiexec -n 1 python script.py` (one "
            "process per worker, each with its own TF_CONFIG) or with "
            "`python -m tfedu.distribute.launch --workers N script.py`.")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [exe, "-n", "1", sys.executable] + list(sys.orig_argv[1:]))


def _split(address):
    host, _, port = address.rpartition(":")
    return host or "localhost", int(port)


def _connect(address, deadline):
    while True:
        try:
            return socket.create_connection(_split(address), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise errors.DeadlineExceededError(
                    None, None, f"Worker 0 at {address} did not come up within "
                    f"{_TIMEOUT:.0f} s (TFEDU_WORKER_TIMEOUT)") from None
            time.sleep(0.05)


class Communicator:
    """This worker's place in the group of `len(addresses)` workers (rank = task index)."""

    def __init__(self, addresses, rank):
        import mpi4py

        mpi4py.rc.finalize = False  # a dead peer would hang MPI_Finalize at exit
        from mpi4py import MPI

        self.MPI, self.rank, self.size = MPI, rank, len(addresses)
        self.addresses = list(addresses)
        deadline = time.monotonic() + _TIMEOUT
        self._watch = {}  # socket -> rank of the peer at its other end
        group = self._join_as_root() if rank == 0 else self._join(deadline)
        self.comm = group.Split(0, rank)
        self.comm.Set_errhandler(MPI.ERRORS_RETURN)

    def _join_as_root(self):
        MPI = self.MPI
        server = socket.create_server(("", _split(self.addresses[0])[1]), reuse_port=False)
        group = MPI.COMM_SELF
        for _ in range(self.size - 1):
            conn, _addr = server.accept()
            joined = MPI.Comm.Join(conn.fileno())
            peer = joined.recv(source=0)
            self._watch[conn] = peer
            port = MPI.Open_port()
            joined.send(port, dest=0)
            for r in range(1, group.Get_size()):
                group.send(port, dest=r, tag=7)
            group = group.Accept(port, root=0).Merge(high=False)
            MPI.Close_port(port)
        server.close()
        return group

    def _join(self, deadline):
        MPI = self.MPI
        sock = _connect(self.addresses[0], deadline)
        joined = MPI.Comm.Join(sock.fileno())
        joined.send(self.rank, dest=0)
        self._watch[sock] = 0
        port = joined.recv(source=0)
        group = MPI.COMM_SELF.Connect(port, root=0).Merge(high=True)
        while group.Get_size() < self.size:
            port = group.recv(source=0, tag=7)
            group = group.Accept(port, root=0).Merge(high=False)
        return group

    # --- waiting, with an eye on the peers -------------------------------------------------
    def _dead_peer(self):
        socks = list(self._watch)
        if not socks:
            return None
        readable, _, _ = select.select(socks, [], [], 0)
        for s in readable:
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    return self._watch[s]
            except OSError:
                return self._watch[s]
        return None

    def _wait(self, request, what):
        polls = 0
        while not request.Test():
            polls += 1
            if polls % 64 == 0:
                peer = self._dead_peer()
                if peer is not None:
                    raise errors.UnavailableError(
                        None, None, f"Collective ops is aborted by: worker {peer} "
                        f"({self.addresses[peer]}) is gone (its process ended) during {what}. "
                        "The job cannot go on; restart it: BackupAndRestore resumes from the "
                        "last backup.")
                time.sleep(0.0002)

    # --- collectives -----------------------------------------------------------------------
    def all_reduce(self, arrays):
        """Sum over workers of each array (one packed all-reduce per dtype)."""
        out = list(arrays)
        by_dtype = {}
        for i, a in enumerate(arrays):
            by_dtype.setdefault(np.asarray(a).dtype, []).append(i)
        for dtype, idx in by_dtype.items():
            send = np.concatenate([np.ravel(arrays[i]) for i in idx]).astype(dtype, copy=False)
            recv = np.empty_like(send)
            self._wait(self.comm.Iallreduce(send, recv), "an all-reduce")
            pos = 0
            for i in idx:
                a = np.asarray(arrays[i])
                out[i] = recv[pos:pos + a.size].reshape(a.shape)
                pos += a.size
        return out

    def broadcast(self, array, root=0):
        buf = np.array(array, copy=True)
        self._wait(self.comm.Ibcast(buf, root=root), "a broadcast")
        return buf

    def barrier(self):
        self._wait(self.comm.Ibarrier(), "a barrier")
