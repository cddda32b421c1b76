"""Runs snippets on one side and writes one observation per line (JSON) as each finishes.

    python driver.py tensorflow|tfedu IN.json OUT.jsonl TIMEOUT

Started by `core.run_side` with the side's interpreter (real TensorFlow's side environment, or
tfedu's). For tfedu, `import tensorflow` and `import keras` are mapped to `tfedu` and
`tfedu.keras`. Each snippet runs as its own file (AutoGraph reads the source) in its own empty
directory, with stdout and stderr captured at the file-descriptor level (TensorFlow's C++ code
writes there too), numpy's random state seeded, and Keras names, the default graph and
`run_functions_eagerly` reset before it.
"""

import ast
import importlib
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import tempfile

import numpy as np
from core import describe

RESTART = 3  # exit status asking for a fresh process (a snippet left graph mode on)


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`tensorflow...` -> `tfedu...`, `keras...` -> `tfedu.keras...`."""

    MAP = (("tensorflow", "tfedu"), ("keras", "tfedu.keras"))

    def find_spec(self, name, path=None, target=None):
        for src, dst in self.MAP:
            if name == src or name.startswith(src + "."):
                return importlib.util.spec_from_loader(name, self, origin=dst + name[len(src):])
        return None

    def create_module(self, spec):
        target = spec.origin
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError:
            parent, _, attr = target.rpartition(".")
            mod = importlib.import_module(parent)
            if hasattr(mod, attr):
                return getattr(mod, attr)
            raise

    def exec_module(self, module):
        pass


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout("snippet timed out")


def _reset(tf):
    for fn in (lambda: tf.keras.backend.clear_session(free_memory=False),
               lambda: tf.compat.v1.reset_default_graph(),
               lambda: tf.config.run_functions_eagerly(False)):
        try:
            fn()
        except Exception:
            pass
    np.random.seed(0)


def _compile(code, path):
    tree = ast.parse(code, path)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, path, "exec")
    return body, (compile(last, path, "eval") if last is not None else None)


def _run_one(snip, workdir, timeout):
    d = os.path.join(workdir, snip["name"])
    os.makedirs(d, exist_ok=True)
    os.chdir(d)
    path = os.path.join(d, snip["name"] + ".py")
    with open(path, "w") as f:
        f.write(snip["code"])
    ns = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    value, exc = None, None
    signal.alarm(int(timeout))
    try:
        body, last = _compile(snip["code"], path)
        exec(body, ns)
        if last is not None:
            value = describe(eval(last, ns))
    except BaseException as e:  # the snippet's exception is what we observe
        if isinstance(e, KeyboardInterrupt):
            raise
        exc = {"cls": type(e).__name__, "msg": str(e)}
    finally:
        signal.alarm(0)
    return value, exc


class _Capture:
    """Redirect file descriptors 1 and 2 into temporary files for the duration."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.files = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.files[0].fileno(), 1)
        os.dup2(self.files[1].fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        self.out, self.err = [self._read(f) for f in self.files]
        return False

    @staticmethod
    def _read(f):
        f.seek(0)
        text = f.read().decode("utf-8", "replace")
        f.close()
        return text


def main(module, src, dst, timeout):
    if module != "tensorflow":
        sys.meta_path.insert(0, _Alias())
    signal.signal(signal.SIGALRM, _alarm)
    snippets = json.load(open(src))
    workdir = tempfile.mkdtemp(prefix="tfdiff-run-", dir=os.getcwd())
    with _Capture():
        tf = importlib.import_module("tensorflow")
    with open(dst, "a") as out:
        for snip in snippets:
            _reset(tf)
            with _Capture() as cap:
                value, exc = _run_one(snip, workdir, timeout)
            obs = {"stdout": cap.out, "stderr": cap.err[-2000:], "value": value, "exc": exc}
            out.write(json.dumps(obs) + "\n")
            out.flush()
            if not tf.executing_eagerly():
                sys.exit(RESTART)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
