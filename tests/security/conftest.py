"""Payloads for the planted-payload tests: a pickle and Python source that would create a marker
file if anything ever unpickled, unmarshalled, evaluated or executed them."""

import builtins
import marshal
import pickle

import pytest


class Payload:
    def __init__(self, marker):
        self.marker = marker
        self.code = f"__import__('os').system('touch {marker}')"
        # protocol 0: `os.system("touch <marker>")` when unpickled
        self.pickled = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
        self.blob = self.pickled + self.code.encode()
        self.seen = []

    def npz(self, path, **extra):
        """An .npz whose arrays are pickled object arrays (np.load(allow_pickle=True) runs it)."""
        import numpy as np

        class Boom:
            def __reduce__(inner):
                return (__import__("os").system, (f"touch {self.marker}",))

        arr = np.empty(1, dtype=object)
        arr[0] = Boom()
        with open(path, "wb") as f:
            np.savez(f, n=np.array(1), **{"e0_c0": arr, **extra})


@pytest.fixture
def payload(tmp_path, monkeypatch):
    """A Payload; the test fails if its marker appears or a loader of code ever sees it."""
    p = Payload(tmp_path / "PWNED")

    def guard(name, real):
        def wrapped(arg, *a, **k):
            if hasattr(arg, "read"):  # a file: peek, then put it back where it was
                pos = arg.tell()
                text = arg.read()
                arg.seek(pos)
            else:
                text = arg
            text = text if isinstance(text, (bytes, str)) else repr(text)
            if (b"PWNED" if isinstance(text, bytes) else "PWNED") in text:
                p.seen.append(name)
                raise AssertionError(f"{name} was called on a payload")
            return real(arg, *a, **k)
        return wrapped

    for mod, name in ((pickle, "loads"), (pickle, "load"), (marshal, "loads"),
                      (builtins, "eval"), (builtins, "exec")):
        monkeypatch.setattr(mod, name, guard(name, getattr(mod, name)))
    yield p
    assert not p.marker.exists(), "a planted payload ran"
    assert not p.seen, f"{p.seen} saw a payload"
