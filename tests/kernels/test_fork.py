"""Parallel kernels in a process forked from one that ran them (a multiprocessing pool on
Linux): GNU OpenMP cannot start its threads again there, so they run serially, same values."""

import json
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, multiprocessing as mp
import numpy as np
import tfedu as tf

x = tf.constant(np.random.default_rng(0).standard_normal((64, 28, 28, 32)).astype(np.float32))

@tf.function
def chain(t):
    return tf.tanh(t * 2.0 + 1.0) - t

def work(_):
    pooled = tf.nn.max_pool2d(tf.nn.relu(x), 2, 2, "VALID")  # a parallel Numba kernel
    return [float(tf.reduce_sum(pooled)), float(tf.reduce_sum(chain(x)))]  # a fused one

parent = work(0)
with mp.get_context("fork").Pool(2) as pool:
    children = pool.map(work, [0, 1], chunksize=1)
print(json.dumps({"parent": parent, "children": children}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is the Linux default")
def test_parallel_kernels_run_in_forked_children():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["children"] == [got["parent"], got["parent"]]
