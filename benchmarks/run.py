"""tfedu against numpy, TensorFlow and PyTorch, measured back to back in one run.

    python benchmarks/run.py            # full sizes, one table
    python benchmarks/run.py --quick    # shorter timing budget

Peers that are not installed show "n/a"; so does a tfedu op that does not exist yet. Within a
figure the libraries are timed in turns (a peer that runs in another interpreter, `peers.py`,
answers from its own worker process between tfedu's batches) and each keeps its best batch.
"speed-up" is how many times faster tfedu is than each peer (above 1: tfedu is faster).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's tfedu, whatever interpreter runs the script
sys.path.insert(0, str(ROOT / "benchmarks"))

import peers  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LIBS = ("tfedu", "numpy", "tensorflow", "torch")
Setup = tuple[str, dict]  # a statement to time and the names it uses
Check = Callable[["Row"], "bool | None"]  # a target: met, missed, or None when it cannot be told
_modules: dict[str, object] = {}


def load(lib: str):
    """The library's module, or None when it is not installed."""
    if lib not in _modules:
        try:
            _modules[lib] = importlib.import_module(lib)
        except ImportError:
            _modules[lib] = None
    return _modules[lib]


def _calibrate(timer: timeit.Timer, seconds: float) -> int:
    """Calls per batch so that one batch lasts about `seconds`."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds or number >= 10**7:
            return number
        number = max(number * 2, int(number * seconds / max(elapsed, 1e-9)))


class RemoteTimer:
    """A peer's statement, timed by its worker process (`--serve-peer`), one batch a request."""

    def __init__(self, worker: peers.Worker, bench: str):
        self.worker, self.bench = worker, bench

    def timeit(self, number: int) -> float:
        got = self.worker.ask({"bench": self.bench, "number": number})
        if not got or got.get("seconds") is None:
            raise RuntimeError(f"{self.worker.lib} stopped answering")
        return got["seconds"]


def best_seconds(setups: dict[str, Setup | RemoteTimer | None], budget: float = 0.5,
                 rounds: int = 7) -> dict[str, float | None]:
    """Best seconds per call of each library's statement.

    Libraries take turns, one batch each per round, so a load spike on a shared machine hits
    all of them alike; the minimum over rounds is the figure.
    """
    timers = {lib: s if isinstance(s, RemoteTimer) else timeit.Timer(s[0], globals=s[1])
              for lib, s in setups.items() if s}
    best, numbers = {}, {}
    for lib, t in list(timers.items()):
        try:
            numbers[lib] = _calibrate(t, budget / rounds)
            best[lib] = float("inf")
        except RuntimeError:  # a peer's worker died: no figure for it
            del timers[lib]
    for _ in range(rounds):
        for lib, t in timers.items():
            if lib in best:
                best[lib] = min(best[lib], t.timeit(numbers[lib]) / numbers[lib])
    return {lib: best.get(lib) for lib in setups}


def _arrays(lib: str, shapes, seed: int = 0):
    """float32 arrays of the given shapes as the library's eager tensors."""
    rng = np.random.default_rng(seed)
    host = [rng.standard_normal(s).astype(np.float32) if s else np.float32(rng.standard_normal())
            for s in shapes]
    mod = load(lib)
    if lib == "numpy":
        return host
    if lib == "torch":
        return [mod.from_numpy(np.ascontiguousarray(h)) if np.ndim(h) else mod.tensor(float(h))
                for h in host]
    return [mod.constant(h) for h in host]


# Each setup returns (statement, namespace) timing one call, or None when the library (or
# the op in tfedu) is missing.

def setup_eager_add(lib: str, size: int | None) -> Setup | None:
    """Eager `a + b` on float32 scalars (size None) or vectors."""
    if load(lib) is None:
        return None
    a, b = _arrays(lib, [(size,) if size else ()] * 2)
    return "a + b", {"a": a, "b": b}


def setup_fma(lib: str, n: int) -> Setup | None:
    """Unfused eager `a*b + c` on n float32 (16 bytes of memory traffic per element)."""
    if load(lib) is None:
        return None
    a, b, c = _arrays(lib, [(n,)] * 3)
    return "a * b + c", {"a": a, "b": b, "c": c}


def setup_matmul(lib: str, n: int) -> Setup | None:
    """n x n by n x n float32 matrix product (2 n^3 flops)."""
    mod = load(lib)
    if mod is None:
        return None
    a, b = _arrays(lib, [(n, n)] * 2)
    return "mm(a, b)", {"mm": mod.matmul, "a": a, "b": b}


def setup_conv2d(lib: str, batch: int, hw: int, filters: int) -> Setup | None:
    """SAME 3x3 convolution of batch x hw x hw x 1 images by `filters` kernels (forward)."""
    mod = load(lib)
    if mod is None or lib == "numpy":
        return None
    x, w = _arrays(lib, [(batch, hw, hw, 1), (3, 3, 1, filters)])
    if lib == "torch":
        x, w = x.permute(0, 3, 1, 2).contiguous(), w.permute(3, 2, 0, 1).contiguous()
        return "fn(x, w, padding='same')", {"fn": mod.nn.functional.conv2d, "x": x, "w": w}
    fn = getattr(getattr(mod, "nn", None), "conv2d", None)
    if fn is None:
        return None
    return "fn(x, w, strides=1, padding='SAME')", {"fn": fn, "x": x, "w": w}


# --- an MLP training step, written for each library ------------------------------------------

def _mlp_init(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        weights.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32))
        weights.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    return weights, x, labels


def _tf_style_step(tf, weights, x, labels, lr):
    """A GradientTape step written against the TensorFlow API (used for tfedu and TensorFlow)."""
    params = [tf.Variable(w) for w in weights]
    x = tf.constant(x)
    n_out = weights[-1].shape[0]
    onehot = tf.constant(np.eye(n_out, dtype=np.float32)[labels])
    relu = getattr(tf.nn, "relu", None) or (lambda h: tf.maximum(h, 0.0))
    xent = getattr(tf.nn, "softmax_cross_entropy_with_logits", None)

    def loss_of(logits):
        if xent is not None:
            return tf.reduce_mean(xent(labels=onehot, logits=logits))
        z = logits - tf.stop_gradient(tf.reduce_max(logits, axis=1, keepdims=True))
        logsumexp = tf.math.log(tf.reduce_sum(tf.exp(z), axis=1, keepdims=True))
        return tf.reduce_mean(tf.reduce_sum(onehot * (logsumexp - z), axis=1))

    def step():
        with tf.GradientTape() as tape:
            h = x
            for i in range(0, len(params) - 2, 2):
                h = relu(tf.matmul(h, params[i]) + params[i + 1])
            loss = loss_of(tf.matmul(h, params[-2]) + params[-1])
        for p, g in zip(params, tape.gradient(loss, params), strict=True):
            p.assign_sub(lr * g)
        return loss

    return step


def _torch_step(torch, weights, x, labels, lr):
    params = [torch.from_numpy(w.copy()).requires_grad_() for w in weights]
    x, labels = torch.from_numpy(x), torch.from_numpy(labels)
    f = torch.nn.functional

    def step():
        h = x
        for i in range(0, len(params) - 2, 2):
            h = f.relu(h @ params[i] + params[i + 1])
        loss = f.cross_entropy(h @ params[-2] + params[-1], labels)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    return step


def _numpy_step(weights, x, labels, lr):
    """Forward, softmax cross-entropy and backward written out by hand: the ceiling for numpy."""
    params = [w.copy() for w in weights]
    rows = np.arange(len(labels))

    def step():
        acts, h = [x], x
        for i in range(0, len(params) - 2, 2):
            h = np.maximum(h @ params[i] + params[i + 1], 0)
            acts.append(h)
        logits = h @ params[-2] + params[-1]
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, labels]).mean()
        g = p
        g[rows, labels] -= 1
        g /= len(labels)
        for i in range(len(params) - 2, -1, -2):
            gw, gb = acts[i // 2].T @ g, g.sum(axis=0)
            if i:
                g = (g @ params[i].T) * (acts[i // 2] > 0)
            params[i] -= lr * gw
            params[i + 1] -= lr * gb
        return loss

    return step


def setup_mlp(lib: str, sizes: tuple[int, ...], batch: int) -> Setup | None:
    """One SGD step (forward, softmax cross-entropy, gradient, update) of an MLP."""
    mod = load(lib)
    if mod is None:
        return None
    weights, x, labels = _mlp_init(sizes, batch)
    if lib == "numpy":
        step = _numpy_step(weights, x, labels, 0.01)
    elif lib == "torch":
        step = _torch_step(mod, weights, x, labels, 0.01)
    else:
        step = _tf_style_step(mod, weights, x, labels, 0.01)
    step()  # the first call builds what later calls reuse
    return "step()", {"step": step}


# --- import and first op in a fresh process -----------------------------------------------

_STARTUP = {
    "tfedu": ("import tfedu as m", "x = m.constant([1.0, 2.0]); (x + x).numpy()"),
    "numpy": ("import numpy as m", "x = m.array([1.0, 2.0], m.float32); x + x"),
    "tensorflow": ("import tensorflow as m", "x = m.constant([1.0, 2.0]); (x + x).numpy()"),
    "torch": ("import torch as m", "x = m.tensor([1.0, 2.0]); (x + x).numpy()"),
}
# An op that runs a Numba kernel: its first call loads numba and the cached machine code.
_KERNEL_OP = "m.math.cumsum(m.ones([{n}])).numpy()"


def startup_seconds(lib: str, runs: int = 2,
                    kernel_size: int = 1 << 20) -> tuple[float, float, float | None] | None:
    """(import, first op, first Numba-backed op) in a fresh interpreter with warm caches."""
    mod = load(lib)
    if mod is None:
        return None
    imp, first = _STARTUP[lib]
    has_cumsum = lib == "tfedu" and hasattr(mod.math, "cumsum")
    kernel = _KERNEL_OP.format(n=kernel_size) if has_cumsum else "pass"
    code = (
        f"import time\nt0 = time.perf_counter()\n{imp}\nt1 = time.perf_counter()\n{first}\n"
        f"t2 = time.perf_counter()\n{kernel}\nt3 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    best = [float("inf")] * 3
    for _ in range(runs + 1):  # the first run warms the disk and kernel caches
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        best = [min(b, float(v)) for b, v in zip(best, out.stdout.split()[-3:], strict=True)]
    return best[0], best[1], (best[2] if kernel != "pass" else None)


# --- the table -------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    unit: str
    values: dict[str, float | None]
    higher_is_better: bool
    target: str = "-"
    checks: tuple[Check, ...] = ()

    def speedup(self, peer: str) -> float | None:
        """How many times faster tfedu is than `peer` on this figure."""
        mine, theirs = self.values.get("tfedu"), self.values.get(peer)
        if not mine or not theirs:
            return None
        return mine / theirs if self.higher_is_better else theirs / mine


def at_most(limit: float) -> Check:
    return lambda r: None if r.values.get("tfedu") is None else r.values["tfedu"] <= limit


def faster_than(peer: str, factor: float) -> Check:
    return lambda r: None if r.speedup(peer) is None else r.speedup(peer) >= factor


@dataclass
class Benchmark:
    name: str
    unit: str
    setup: Callable[[str], Setup | None]
    per_second: Callable[[float], float]  # seconds per call -> the figure in `unit`
    higher_is_better: bool
    target: str = "-"
    checks: tuple[Check, ...] = ()


def benchmarks(tiny: bool = False) -> list[Benchmark]:
    """The timed figures; `tiny` shrinks every size (for a quick check that all of them run)."""
    vec, big = (8, 10**3) if tiny else (100, 10**7)
    mms = (16, 32) if tiny else (512, 2048)
    conv = (2, 8, 4) if tiny else (64, 28, 32)
    mlp, batch = ((32, 16, 8, 4), 8) if tiny else ((784, 256, 128, 10), 128)
    eager = (at_most(3.0), faster_than("tensorflow", 4.0))
    near_numpy = (faster_than("numpy", 1 / 1.2),)
    us, ms = (lambda s: s * 1e6), (lambda s: s * 1e3)
    out = [
        Benchmark("eager a+b, float32 scalars", "us", lambda lib: setup_eager_add(lib, None),
                  us, False, "<= 3 us, >= 4x TF", eager),
        Benchmark(f"eager a+b, {vec} float32", "us", lambda lib: setup_eager_add(lib, vec),
                  us, False, "<= 3 us, >= 4x TF", eager),
        Benchmark(f"a*b + c, {big:.0e} float32", "GB/s", lambda lib: setup_fma(lib, big),
                  lambda s: 16 * big / s / 1e9, True, ">= 0.9x numpy",
                  (faster_than("numpy", 0.9),)),
    ]
    for n in mms:
        out.append(Benchmark(f"matmul {n}x{n} float32", "GFLOP/s",
                             lambda lib, n=n: setup_matmul(lib, n),
                             lambda s, n=n: 2 * n**3 / s / 1e9, True, ">= numpy / 1.2", near_numpy))
    b, hw, f = conv
    out.append(Benchmark(f"conv2d {b}x{hw}x{hw}x1 * 3x3x1x{f} SAME", "ms",
                         lambda lib: setup_conv2d(lib, b, hw, f), ms, False))
    name = "-".join(map(str, mlp))
    out.append(Benchmark(f"MLP {name} SGD step, batch {batch}", "samples/s",
                         lambda lib: setup_mlp(lib, mlp, batch), lambda s: batch / s, True,
                         ">= 5x TF eager, >= torch",
                         (faster_than("tensorflow", 5.0), faster_than("torch", 1.0))))
    return out


def _setup_in_turns(bench: Benchmark, lib: str, workers: dict):
    """`lib`'s setup here, or a timer on its worker when another interpreter runs it."""
    worker = workers.get(lib)
    if worker is None:
        return bench.setup(lib)
    ready = worker.ask({"bench": bench.name, "prepare": True})
    return RemoteTimer(worker, bench.name) if ready and ready.get("ready") else None


def measure(libs: tuple[str, ...] = LIBS, tiny: bool = False, budget: float = 0.6,
            startup_runs: int = 2, log=None, workers: dict | None = None) -> list[Row]:
    """Every figure of the table for `libs`, the libraries timed in turns within each figure
    (`workers`: lib -> peers.Worker for the libraries another interpreter runs)."""
    workers = workers or {}
    rows = []
    for bench in benchmarks(tiny):
        seconds = best_seconds({lib: _setup_in_turns(bench, lib, workers) for lib in libs}, budget)
        values = {lib: (None if s is None else bench.per_second(s)) for lib, s in seconds.items()}
        rows.append(Row(bench.name, bench.unit, values, bench.higher_is_better, bench.target,
                        bench.checks))
        if log:
            log(f"measured {bench.name}")

    kernel = 1 << (10 if tiny else 20)
    starts = {lib: _startup_of(lib, startup_runs, kernel, workers) for lib in libs}
    if log:
        log("measured startup")

    def pick(i: int, scale: float) -> dict[str, float | None]:
        return {lib: (None if s is None or s[i] is None else s[i] * scale) for lib, s in starts.items()}

    rows.append(Row("import (fresh process)", "s", pick(0, 1.0), False, "<= 1 s", (at_most(1.0),)))
    rows.append(Row("first op after import", "ms", pick(1, 1e3), False, "<= 50 ms", (at_most(50.0),)))
    rows.append(Row("first Numba op (cumsum 2^20, warm cache)", "ms", pick(2, 1e3), False))
    return rows


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if v >= 0.01 else f"{v:.2e}"


def render(rows: list[Row], libs: tuple[str, ...] = LIBS) -> str:
    """One plain-text table: figures per library, tfedu's speed-up over each peer, targets."""
    peers = [lib for lib in libs if lib != "tfedu"]
    head = ["benchmark", "unit", *libs, "tfedu speed-up vs " + "/".join(peers), "target", "met"]
    body = []
    for r in rows:
        ups = "/".join("n/a" if (s := r.speedup(p)) is None else f"{s:.2f}x" for p in peers)
        met = "/".join({True: "yes", False: "NO", None: "n/a"}[c(r)] for c in r.checks) or "-"
        body.append([r.name, r.unit, *(_fmt(r.values.get(lib)) for lib in libs), ups, r.target, met])
    widths = [max(len(c) for c in col) for col in zip(head, *body, strict=True)]
    numeric = range(2, 2 + len(libs))

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def describe(libs: tuple[str, ...] = LIBS) -> str:
    """The interpreter, the cores and how busy they are, and each library's version."""
    found = [f"{lib} {load(lib).__version__}" if load(lib) else f"{lib} n/a" for lib in libs]
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {busy:.1f}; "
            + ", ".join(found))


def _startup_of(lib: str, runs: int, kernel: int, workers: dict):
    worker = workers.get(lib)
    if worker is None:
        return startup_seconds(lib, runs, kernel)
    got = worker.ask({"startup": True, "runs": runs, "kernel": kernel})
    return None if not got or got.get("seconds") is None else tuple(got["seconds"])


def start_peers(tiny: bool = False, log=None) -> tuple[dict, list[str]]:
    """A worker for each peer this interpreter cannot import but another can (`peers.py`), and
    those peers' versions."""
    workers, versions = {}, []
    for lib in LIBS:
        if load(lib) is not None or peers.python_for(lib) in (None, sys.executable):
            continue
        if log:
            log(f"{lib} runs in {peers.python_for(lib)}, in turns with tfedu")
        worker = peers.Worker(lib, [__file__, "--serve-peer", lib] + (["--tiny"] if tiny else []))
        hello = worker.ask({"version": True})
        if hello:
            workers[lib] = worker
            versions.append(hello["version"])
    return workers, versions


def serve_peer(lib: str, tiny: bool) -> None:
    """The worker side: set up and time `lib`'s figures on request (see `RemoteTimer`)."""
    by_name = {b.name: b for b in benchmarks(tiny)}
    timers: dict[str, timeit.Timer | None] = {}

    def handle(req: dict) -> dict:
        if "version" in req:
            return {"version": f"{lib} {load(lib).__version__}"}
        if "startup" in req:
            return {"seconds": startup_seconds(lib, req["runs"], req["kernel"])}
        name = req["bench"]
        if name not in timers:
            setup = by_name[name].setup(lib)
            timers[name] = setup and timeit.Timer(setup[0], globals=setup[1])
        if req.get("prepare"):
            return {"ready": timers[name] is not None}
        return {"seconds": timers[name].timeit(req["number"])}

    peers.serve(handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter timing budget")
    parser.add_argument("--serve-peer", help=argparse.SUPPRESS)  # a peer's worker process
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_peer:
        serve_peer(args.serve_peer, args.tiny)
        return 0
    budget, runs = (0.25, 1) if args.quick else (0.6, 2)
    log = lambda msg: print("  " + msg, file=sys.stderr, flush=True)  # noqa: E731
    load_before = peers.load_average()
    workers, others = start_peers(log=log)
    try:
        rows = measure(budget=budget, startup_runs=runs, log=log, workers=workers)
    finally:
        for worker in workers.values():
            worker.close()
    print(describe() + ("; in their own interpreter: " + ", ".join(others) if others else ""))
    print(f"{load_before} at the start, {peers.load_average()} at the end")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
