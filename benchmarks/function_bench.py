"""tf.function speed: call overhead, tracing, a fused elementwise kernel, an MLP train step.

    python benchmarks/function_bench.py [--quick]

Compares tfedu with itself (eager vs tf.function vs jit_compile) and, when installed, with
TensorFlow. Measurements are interleaved and repeated; the table shows medians, so a busy
machine slows every contender alike. The load average is printed with the table.
NumPy's BLAS runs single-threaded (as in the test suite) unless OPENBLAS_NUM_THREADS is set:
on a small shared machine threaded OpenBLAS spins against the other processes and a 128x784
matmul takes 10-80 ms instead of 2.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import tfedu  # noqa: E402

try:  # optional: the reference
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as real_tf
except ImportError:  # pragma: no cover
    real_tf = None


def per_call(fn, n):
    """Seconds per call of `fn`, timed over `n` calls."""
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def interleaved(contenders: dict, n: int, rounds: int) -> dict:
    """Median seconds per call of each contender, the rounds interleaved."""
    times = {k: [] for k in contenders}
    for fn in contenders.values():
        fn()
    for _ in range(rounds):
        for k, fn in contenders.items():
            times[k].append(per_call(fn, n))
    return {k: statistics.median(v) for k, v in times.items()}


def bench_call(rounds):
    x = tfedu.constant(1.0)
    f = tfedu.function(lambda x: x + 1)
    c = {"tfedu": lambda: f(x)}
    if real_tf is not None:
        rx = real_tf.constant(1.0)
        g = real_tf.function(lambda x: x + 1)
        c["tf"] = lambda: g(rx)
    return interleaved(c, 2000, rounds)


def bench_trace(rounds):
    x = tfedu.constant(1.0)

    def trace_tfedu():  # a new function's first call: trace, compile the plan, run
        tfedu.function(lambda x: x * 2.0 + 1.0)(x)

    c = {"tfedu": trace_tfedu}
    if real_tf is not None:
        rx = real_tf.constant(1.0)
        c["tf"] = lambda: real_tf.function(lambda x: x * 2.0 + 1.0)(rx)
    return interleaved(c, 20, rounds)


def bench_fused(rounds, n=10**7):
    rng = np.random.default_rng(0)
    arrays = [rng.random(n, dtype=np.float32) for _ in range(3)]
    a, b, c = (tfedu.constant(v) for v in arrays)
    jit = tfedu.function(lambda a, b, c: a * b + c, jit_compile=True)
    plain = tfedu.function(lambda a, b, c: a * b + c)
    dst = np.empty(n, np.float32)
    src = arrays[0]
    box = [None]

    def run_jit():
        box[0] = jit(a, b, c)

    def run_plain():
        box[0] = plain(a, b, c)

    def run_eager():
        box[0] = a * b + c

    cont = {"jit": run_jit, "tf.function": run_plain, "eager": run_eager,
            "copy": lambda: np.copyto(dst, src)}
    if real_tf is not None:
        ra, rb, rc = (real_tf.constant(v) for v in arrays)
        rjit = real_tf.function(lambda a, b, c: a * b + c, jit_compile=True)

        def run_tf():
            box[0] = rjit(ra, rb, rc)

        cont["tf jit"] = run_tf
    return interleaved(cont, 5, rounds)


def _mlp_step(tf, batch=128):
    rng = np.random.default_rng(0)
    sizes = [784, 256, 128, 10]
    ws = [tf.Variable(rng.normal(0, 0.05, (i, o)).astype(np.float32))
          for i, o in zip(sizes, sizes[1:])]
    bs = [tf.Variable(np.zeros(o, np.float32)) for o in sizes[1:]]
    x = tf.constant(rng.normal(size=(batch, 784)).astype(np.float32))
    y = tf.constant(np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)])
    params = ws + bs

    def step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for i, (w, b) in enumerate(zip(ws, bs)):
                h = tf.matmul(h, w) + b
                if i < len(ws) - 1:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=h))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(0.01 * g)
        return loss

    return step, x, y


def bench_mlp(rounds):
    step, x, y = _mlp_step(tfedu)
    # no tensor-dependent control flow: AutoGraph has nothing to convert
    fstep = tfedu.function(step, autograph=False)
    jstep = tfedu.function(step, jit_compile=True, autograph=False)
    c = {"eager": lambda: step(x, y), "tf.function": lambda: fstep(x, y),
         "jit": lambda: jstep(x, y)}
    if real_tf is not None:
        rstep, rx, ry = _mlp_step(real_tf)
        rf = real_tf.function(rstep)
        c["tf tf.function"] = lambda: rf(rx, ry)
    return interleaved(c, 20, rounds)


def _us(s):
    return f"{s * 1e6:10.1f} µs"


def _ms(s):
    return f"{s * 1e3:10.2f} ms"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer rounds")
    args = p.parse_args(argv)
    rounds = 3 if args.quick else 7
    rows = []
    call = bench_call(rounds)
    rows.append(("(a) call traced x + 1 (scalar)", _us(call["tfedu"]), "<= 15 µs",
                 "ok" if call["tfedu"] <= 15e-6 else "MISSED"))
    if "tf" in call:
        r = call["tf"] / call["tfedu"]
        rows.append(("    TF / tfedu", f"{r:10.1f} x", ">= 8 x", "ok" if r >= 8 else "MISSED"))
    trace = bench_trace(rounds)
    rows.append(("(b) trace + first call, tiny fn", _ms(trace["tfedu"]), "<= 2 ms",
                 "ok" if trace["tfedu"] <= 2e-3 else "MISSED"))
    if "tf" in trace:
        rows.append(("    TF, same (reference)", _ms(trace["tf"]), "", ""))
    fused = bench_fused(rounds)
    r = fused["eager"] / fused["jit"]
    rows.append(("(c) a*b+c, 1e7 f32, jit_compile", _ms(fused["jit"]), "", ""))
    rows.append(("    tfedu eager", _ms(fused["eager"]), "", ""))
    rows.append(("    tf.function (no fusion)", _ms(fused["tf.function"]), "", ""))
    rows.append(("    eager / jit", f"{r:10.2f} x", ">= 1.5 x", "ok" if r >= 1.5 else "MISSED"))
    bw_copy = 2 * 4e7 / fused["copy"]
    bw_jit = 4 * 4e7 / fused["jit"]
    frac = bw_jit / bw_copy
    rows.append(("    np.copyto bandwidth", f"{bw_copy / 1e9:8.1f} GB/s", "", ""))
    rows.append(("    jit bandwidth / copy's", f"{frac:10.2f} x", ">= 0.7 x",
                 "ok" if frac >= 0.7 else "MISSED"))
    if "tf jit" in fused:
        rows.append(("    TF jit_compile (reference)", _ms(fused["tf jit"]), "", ""))
    mlp = bench_mlp(rounds)
    r = mlp["eager"] / mlp["tf.function"]
    rows.append(("(d) MLP train step, tf.function", _ms(mlp["tf.function"]), "", ""))
    rows.append(("    eager", _ms(mlp["eager"]), "", ""))
    rows.append(("    jit_compile", _ms(mlp["jit"]), "", ""))
    rows.append(("    eager / tf.function", f"{r:10.2f} x", ">= 1.5 x",
                 "ok" if r >= 1.5 else "MISSED"))
    if "tf tf.function" in mlp:
        r = mlp["tf tf.function"] / mlp["tf.function"]
        rows.append(("    TF tf.function", _ms(mlp["tf tf.function"]), "", ""))
        rows.append(("    TF / tfedu", f"{r:10.2f} x", "> 1 x", "ok" if r > 1 else "MISSED"))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"tfedu tf.function benchmark: medians of {rounds} interleaved rounds, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if real_tf is None:
        print("(TensorFlow not installed: no TF columns)")
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'value':>13}  {'target':>9}  status")
    for name, value, target, status in rows:
        print(f"{name:<{width}}  {value:>13}  {target:>9}  {status}")


if __name__ == "__main__":
    main()
