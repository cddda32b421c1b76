"""Keras `fit` on tfedu against Keras on TensorFlow, measured in the same run.

    python benchmarks/keras_fit.py            # full sizes
    python benchmarks/keras_fit.py --quick    # smaller data, fewer epochs
    python benchmarks/keras_fit.py --profile  # also cProfile tfedu's MLP and conv fit

Every figure comes from its own subprocess, so peak memory (ru_maxrss) belongs to that run
alone and one library's import never slows the other. Throughput is steady-state: the first
epoch (tracing, warm-up) is left out; the libraries run in turns and each keeps its best run. TensorFlow is optional; without it the peer column says
n/a.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import peers  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# --- worker side (runs in a subprocess) ---------------------------------------------------------
def _lib(name):
    if name == "tfedu":
        sys.path.insert(0, str(ROOT))
        import tfedu as tf
    else:
        import tensorflow as tf
    return tf


def _mnist_or_random(n, flat, seed=0):
    """MNIST images when already prepared in tfedu's data dir, else random data of that shape."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    try:
        from tfedu.datasets import core

        b = core.builder("mnist")
        if b.is_prepared():
            a = b.as_arrays(f"train[:{n}]")
            x = a["image"].astype("float32")
            x /= 255.0  # in place: one float copy of the images, not two
            y = a["label"]
            return (x.reshape(len(x), -1) if flat else x), y, "mnist"
    except Exception:
        pass
    rng = np.random.default_rng(seed)
    shape = (n, 784) if flat else (n, 28, 28, 1)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, n), "random"


def _epoch_timer(tf):
    class EpochTimes(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._t)

    return EpochTimes()


def _model(tf, case):
    """(model, batch size) of a case: the MLP, the small conv net, the deeper conv net."""
    L = tf.keras.layers
    if case == "mlp":
        return tf.keras.Sequential([
            tf.keras.Input((784,)), L.Dense(256, activation="relu"),
            L.Dense(128, activation="relu"), L.Dense(10)]), 128
    if case == "conv":
        return tf.keras.Sequential([
            tf.keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"),
            L.MaxPooling2D(), L.Flatten(), L.Dense(10)]), 64
    return tf.keras.Sequential([  # "deep": two conv blocks, batch norm, dropout
        tf.keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.MaxPooling2D(),
        L.Conv2D(64, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.MaxPooling2D(), L.Flatten(), L.Dropout(0.25), L.Dense(10)]), 64


def _worker(lib, case, n, epochs, profile):
    import resource

    import numpy as np

    tf = _lib(lib)
    tf.keras.utils.set_random_seed(0)
    out = {}
    if case in ("mlp", "conv", "deep"):
        flat = case == "mlp"
        x, y, source = _mnist_or_random(n, flat)
        model, batch = _model(tf, case)
        model.compile(tf.keras.optimizers.Adam(1e-3),
                      tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        timer = _epoch_timer(tf)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if profile:
            import cProfile
            import pstats

            model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
            pr = cProfile.Profile()
            pr.enable()
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=[timer])
            pr.disable()
            stats = pstats.Stats(pr)
            rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
            out["profile"] = [
                (f"{Path(k[0]).name}:{k[1]}({k[2]})", v[1], round(v[2], 3), round(v[3], 3))
                for k, v in rows]
            out["profile_total"] = round(sum(v[2] for v in stats.stats.values()), 3)
            timer.times = [0.0] + timer.times
        else:
            model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[timer])
        steady = timer.times[1:]
        out.update(samples_per_s=len(x) * len(steady) / sum(steady), data=source,
                   peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   rss_before_fit_mb=rss_before / 1024)
    elif case == "digits":
        from tfedu.datasets import core

        b = core.builder("digits")
        tr, te = b.as_arrays("train"), b.as_arrays("test")
        x_tr = tr["image"].reshape(len(tr["image"]), -1).astype(np.float32) / 16.0
        x_te = te["image"].reshape(len(te["image"]), -1).astype(np.float32) / 16.0
        model = tf.keras.Sequential([tf.keras.Input((64,)),
                                     tf.keras.layers.Dense(64, activation="relu"),
                                     tf.keras.layers.Dense(10, activation="softmax")])
        model.compile(tf.keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        t = time.perf_counter()
        model.fit(x_tr, tr["label"], epochs=15, batch_size=32, verbose=0)
        out["fit_s"] = time.perf_counter() - t
        out["accuracy"] = float(model.evaluate(x_te, te["label"], verbose=0)[1])
    print("RESULT " + json.dumps(out))


# --- driver ------------------------------------------------------------------------------------
def _run(lib, case, n, epochs, profile=False):
    python = peers.python_for(lib)
    if python is None:
        return None
    cmd = [python, __file__, "--worker", lib, case, str(n), str(epochs)]
    if profile:
        cmd.append("--profile")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    if lib != "tfedu" and ("No module named 'tensorflow'" in p.stderr):
        return None
    tail = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
    print(f"  [{lib} {case} failed: {tail}]", file=sys.stderr)
    return None


def _have_tensorflow():
    return peers.python_for("tensorflow") is not None


def _fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="runs per figure (best is kept)")
    args = ap.parse_args(argv)
    n_mlp, ep_mlp = (12000, 3) if args.quick else (60000, 3)
    n_conv, ep_conv = (3200, 3) if args.quick else (12800, 3)
    n_deep, ep_deep = (1600, 3) if args.quick else (6400, 3)
    peer = _have_tensorflow()

    libs = ("tfedu", "tensorflow") if peer else ("tfedu",)

    def best_of(case, n, epochs):
        """Libraries run in turns, `--repeat` times; each keeps its best throughput."""
        best = {}
        for _ in range(args.repeat):
            for lib in libs:
                r = _run(lib, case, n, epochs)
                if r is None:
                    continue
                old = best.get(lib)
                if old is None or r["samples_per_s"] > old["samples_per_s"]:
                    r["peak_rss_mb"] = min(r["peak_rss_mb"], (old or r)["peak_rss_mb"])
                    best[lib] = r
                else:
                    old["peak_rss_mb"] = min(old["peak_rss_mb"], r["peak_rss_mb"])
        return best

    rows = []
    mlp = best_of("mlp", n_mlp, ep_mlp)
    conv = best_of("conv", n_conv, ep_conv)
    deep = best_of("deep", n_deep, ep_deep)
    digits = None
    for _ in range(args.repeat):
        r = _run("tfedu", "digits", 0, 0)
        if r is not None and (digits is None or r["fit_s"] < digits["fit_s"]):
            digits = r

    def get(d, lib, key):
        r = d.get(lib)
        return None if r is None else r.get(key)

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else a / b

    def at_least(r, threshold):
        return None if r is None else r >= threshold

    m_t, m_k = get(mlp, "tfedu", "samples_per_s"), get(mlp, "tensorflow", "samples_per_s")
    r_t, r_k = get(mlp, "tfedu", "peak_rss_mb"), get(mlp, "tensorflow", "peak_rss_mb")
    c_t, c_k = get(conv, "tfedu", "samples_per_s"), get(conv, "tensorflow", "samples_per_s")
    src = get(mlp, "tfedu", "data") or "?"
    rows.append((f"MLP 784-256-128-10 Adam b128, {n_mlp} {src} samples/s",
                 _fmt(m_t, ",.0f"), _fmt(m_k, ",.0f"), ratio(m_t, m_k), ">= 1.2x", at_least(ratio(m_t, m_k), 1.2)))
    rows.append(("MLP fit peak RSS (MB)", _fmt(r_t, ",.0f"), _fmt(r_k, ",.0f"),
                 ratio(r_t, r_k), "<= 300 MB", None if r_t is None else r_t <= 300))
    rows.append((f"Conv2D(32,3)-MaxPool-Dense b64, {n_conv} samples/s", _fmt(c_t, ",.0f"),
                 _fmt(c_k, ",.0f"), ratio(c_t, c_k), ">= 1.2x", at_least(ratio(c_t, c_k), 1.2)))
    d_t, d_k = get(deep, "tfedu", "samples_per_s"), get(deep, "tensorflow", "samples_per_s")
    rows.append((f"2x(Conv-BN-ReLU-Pool)-Dropout-Dense b64, {n_deep} samples/s",
                 _fmt(d_t, ",.0f"), _fmt(d_k, ",.0f"), ratio(d_t, d_k), ">= 1x", at_least(ratio(d_t, d_k), 1.0)))
    d_s, d_acc = (digits or {}).get("fit_s"), (digits or {}).get("accuracy")

    print(f"Keras fit, best of {args.repeat} runs each; {peers.load_average()}")
    print(f"{'figure':58} {'tfedu':>10} {'keras/TF':>10} {'ratio':>7}  target")
    print("-" * 100)
    for name, a, b, r, target, verdict in rows:
        ok = {None: "", True: "  met", False: "  MISSED"}[verdict]
        print(f"{name:58} {a:>10} {b:>10} {_fmt(r, '.2f') + 'x' if r else 'n/a':>7}  "
              f"{target}{ok}")
    met = d_s is not None and d_acc >= 0.95 and d_s < 10
    print(f"{'Digits MLP 64-64-10, 15 epochs: fit seconds / test acc':58} "
          f"{_fmt(d_s, '.2f') + 's':>10} {_fmt(d_acc, '.3f'):>10} {'':>7}  "
          f">= 0.95 in < 10 s{'  met' if met else '  MISSED'}")
    rb = get(mlp, "tfedu", "rss_before_fit_mb"), get(mlp, "tensorflow", "rss_before_fit_mb")
    print(f"\nRSS before fit (imports + data): tfedu {_fmt(rb[0], ',.0f')} MB, "
          f"keras/TF {_fmt(rb[1], ',.0f')} MB")
    if args.profile:
        for case, n in (("mlp", n_mlp), ("conv", n_conv), ("deep", n_deep)):
            prof = _run("tfedu", case, n, 2, profile=True)
            if not prof:
                continue
            print(f"\ncProfile of one tfedu {case} epoch after warm-up ({n} samples, "
                  f"{prof['profile_total']} s own time in total), by own time:")
            print(f"{'function':60} {'calls':>8} {'own s':>8} {'cum s':>8}")
            for name, calls, own, cum in prof["profile"]:
                print(f"{name[:60]:60} {calls:>8} {own:>8} {cum:>8}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
                "--profile" in sys.argv)
    else:
        main()
