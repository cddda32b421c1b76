"""tf.distribute throughput: one replica, MirroredStrategy (2 threads), MultiWorker (2 processes).

    python benchmarks/distribute_bench.py [--quick]

The same MLP and global batch are trained with a custom loop (`strategy.run` in a
tf.function), counting examples per second after a warm-up:

- 1 replica, BLAS on 1 thread: the baseline each replica is;
- 1 replica, BLAS as tfedu sets it (a large product may use a second thread);
- MirroredStrategy, 2 replica threads (each half of the global batch, BLAS on 1 thread each);
- MultiWorkerMirroredStrategy, 2 worker processes started by `tfedu.distribute.launch`
  (gradients summed through MPI).

What limits the speedup on 2 cores is printed under the table (see `explain`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FIXED_STEPS = 5
SIZES = {"full": dict(features=512, hidden=1024, classes=10, batch=512, seconds=6.0),
         "quick": dict(features=32, hidden=64, classes=4, batch=32, seconds=0.3)}


def _train(strategy, size, blas_threads):
    import tfedu as tf

    if blas_threads:
        tf.config.threading.set_intra_op_parallelism_threads(blas_threads)
    s = size
    rng = np.random.default_rng(0)
    x = rng.normal(size=(s["batch"] * 4, s["features"])).astype("float32")
    y = rng.integers(0, s["classes"], size=(s["batch"] * 4,)).astype("int64")
    with strategy.scope():
        tf.keras.utils.set_random_seed(0)
        model = tf.keras.Sequential([
            tf.keras.Input((s["features"],)),
            tf.keras.layers.Dense(s["hidden"], activation="relu"),
            tf.keras.layers.Dense(s["hidden"], activation="relu"),
            tf.keras.layers.Dense(s["classes"])])
        opt = tf.keras.optimizers.SGD(0.01)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                            reduction="none")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(s["batch"]).repeat()
    batches = iter(strategy.experimental_distribute_dataset(data))

    def step(inputs):
        bx, by = inputs
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(loss_fn(by, model(bx, training=True)),
                                              global_batch_size=s["batch"])
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def train_step(inputs):
        return strategy.reduce("SUM", strategy.run(step, args=(inputs,)), axis=None)

    for _ in range(FIXED_STEPS):  # the same steps everywhere: the weights compared after them
        train_step(next(batches))
    weights = [w.numpy().copy() for w in model.weights]
    return _best_rate(lambda: train_step(next(batches)), s), weights


def _best_rate(step, s, rounds=3):
    """Examples per second: the best of a few timed windows (other load only slows one down)."""
    best = 0.0
    for _ in range(rounds):
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < s["seconds"] / rounds:
            step()
            steps += 1
        best = max(best, steps * s["batch"] / (time.perf_counter() - start))
    return best


def _in_process(kind, size):
    import tfedu as tf

    if kind == "mirrored":
        return _train(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), size, 1)
    if kind == "one-default-blas":
        return _train(tf.distribute.get_strategy(), size, None)
    return _train(tf.distribute.get_strategy(), size, 1)


def _worker_main(size_name, out):
    import tfedu as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    rate, weights = _train(strategy, SIZES[size_name], 1)
    if strategy.cluster_resolver.task_id == 0:
        np.savez(out, *weights)
        with open(out + ".json", "w") as f:
            json.dump({"rate": rate}, f)


def _multi_worker(size_name):
    from tfedu.distribute import mpi

    reason = mpi.available()
    if reason:
        return None, None, reason
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "w.npz")
        env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1")
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        proc = subprocess.run([sys.executable, "-m", "tfedu.distribute.launch", "--workers", "2",
                               os.path.abspath(__file__), "--worker", size_name, out],
                              env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return None, None, proc.stdout[-2000:] + proc.stderr[-2000:]
        with open(out + ".json") as f:
            rate = json.load(f)["rate"]
        with np.load(out, allow_pickle=False) as z:
            weights = [z[k] for k in sorted(z.files, key=lambda k: int(k.split("_")[1]))]
        return rate, weights, None


def explain():
    return """What limits the speedup on 2 cores:
- Each replica's step is a Python-driven execution plan: the interpreter work between kernels
  holds the GIL, so replica threads overlap only while numpy/BLAS/Numba kernels run (they
  release it). The smaller each replica's batch, the larger that serial share (Amdahl).
- The two replicas meet at every all-reduce (one packed all-reduce per step): the faster one
  waits for the slower, and summing the gradients is extra memory traffic.
- The cores are shared: by the second replica, by BLAS if it is allowed a second thread (then
  one replica already uses both cores), and by anything else running on the machine.
- Across processes there is no GIL to share, but gradients travel through MPI (a copy in and
  out of each process over loopback TCP), and each process runs its own interpreter and
  kernels, competing for the same 2 cores and memory bandwidth."""


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    p.add_argument("--worker", nargs=2, metavar=("SIZE", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return _worker_main(*a.worker)
    size_name = "quick" if a.quick else "full"
    size = SIZES[size_name]
    rows = []
    base, ref = _in_process("one", size)
    rows.append(("1 replica, BLAS 1 thread", base, ref))
    rows.append(("1 replica, BLAS default",) + _in_process("one-default-blas", size))
    rows.append(("MirroredStrategy, 2 replicas",) + _in_process("mirrored", size))
    rate, weights, why = _multi_worker(size_name)
    rows.append(("MultiWorker, 2 processes", rate, weights))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"MLP {size['features']}-{size['hidden']}-{size['hidden']}-{size['classes']}, "
          f"global batch {size['batch']}, {os.cpu_count()} CPUs, load average {load:.1f} "
          "(figures are only meaningful when it is below the CPU count)")
    print(f"{'configuration':32s} {'examples/s':>12s} {'speedup':>8s} "
          f"{'max |w - w1| after ' + str(FIXED_STEPS) + ' steps':>28s}")
    for name, r, w in rows:
        if r is None:
            print(f"{name:32s} {'n/a':>12s}  ({why.strip().splitlines()[-1] if why else ''})")
            continue
        diff = max(float(np.abs(x - y).max()) for x, y in zip(w, ref))
        print(f"{name:32s} {r:12.0f} {r / base:8.2f} {diff:28.2e}")
    print()
    print(explain())
    return rows


if __name__ == "__main__":
    main()
