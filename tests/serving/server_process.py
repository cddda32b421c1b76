"""`python -m tfedu.serving` as a child process on loopback, with free ports it picks itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """Starts the server, reads its addresses from stderr, keeps the rest of its log."""

    def __init__(self, args, cwd=None, deadline: float = 180.0):
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfedu.serving", "--rest_api_port=-1", "--port=-1", *args],
            cwd=cwd or ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
            text=True)
        self.log: list[str] = []
        self.url = self.grpc = None
        end = time.monotonic() + deadline
        while (self.url is None or self.grpc is None) and time.monotonic() < end:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            if m := re.search(r"Exporting HTTP/REST API at:(\S+) \.\.\.", line):
                self.url = m.group(1)
            if m := re.search(r"Running gRPC ModelServer at (\S+) \.\.\.", line):
                self.grpc = m.group(1)
        if self.url is None or self.grpc is None:
            self.stop()
            raise RuntimeError("the server did not start:\n" + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line)

    def get(self, path: str, **kw):
        return requests.get(self.url + path, timeout=60, **kw)

    def post(self, path: str, **kw):
        return requests.post(self.url + path, timeout=60, **kw)

    def wait_for(self, predicate, deadline: float = 120.0, what: str = "the condition"):
        """Poll `predicate()` until true (generous deadline: nothing here measures time)."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"{what} did not happen; server log:\n" + "".join(self.log))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
