"""BLAS thread policy: one thread for small products or a busy machine, more for large ones."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.kernels import blas
from tfedu.kernels import parallel_lock as PL


@pytest.fixture
def fake_blas(monkeypatch):
    """A stand-in BLAS controller that records the thread counts it is given."""

    class Controller:
        num_threads = 4

        def __init__(self):
            self.calls = []

        def set_num_threads(self, n):
            self.calls.append(n)

    ctl = Controller()
    from tfedu.kernels import wide_blas

    monkeypatch.setattr(wide_blas, "available", lambda: False)  # numpy's BLAS and its threads
    monkeypatch.setattr(PL, "_load", {"at": -1e9, "busy": False})  # read the faked load
    monkeypatch.setattr(blas, "_state", {"ready": True, "libs": [ctl], "initial": 4, "cap": 0,
                                         "current": None})
    return ctl


def test_small_products_run_on_one_thread_and_large_ones_on_all(fake_blas, monkeypatch):
    monkeypatch.setattr(PL.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    monkeypatch.setattr(PL.os, "cpu_count", lambda: 4)
    a = np.ones((64, 64), np.float32)
    np.testing.assert_array_equal(blas.matmul(a, a), a @ a)
    assert fake_blas.calls == [1]
    big = np.ones((512, 512), np.float32)  # 512^3 multiply-adds: the threshold
    out = blas.matmul(big, big)
    assert out.dtype == np.float32 and out[0, 0] == 512
    assert fake_blas.calls == [1, 4]
    blas.matmul(big, big)  # unchanged count: no call into BLAS
    assert fake_blas.calls == [1, 4]
    batched = np.ones((8, 256, 256), np.float32)  # 8 x 256^3 = 2^27 as well
    blas.matmul(a, a)
    blas.matmul(batched, batched)
    assert fake_blas.calls == [1, 4, 1, 4]


def test_a_busy_machine_keeps_large_products_on_one_thread(fake_blas, monkeypatch):
    monkeypatch.setattr(PL.os, "getloadavg", lambda: (4.5, 3.0, 2.0))
    monkeypatch.setattr(PL.os, "cpu_count", lambda: 4)
    big = np.ones((512, 512), np.float32)
    blas.matmul(big, big)
    assert fake_blas.calls == [1]


def test_intra_op_threads_cap_large_products(fake_blas, monkeypatch):
    monkeypatch.setattr(PL.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(PL.os, "cpu_count", lambda: 4)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0
    tf.config.threading.set_intra_op_parallelism_threads(2)
    try:
        assert tf.config.threading.get_intra_op_parallelism_threads() == 2
        big = np.ones((512, 512), np.float32)
        blas.matmul(big, big)
        assert fake_blas.calls == [2]
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    with pytest.raises(ValueError, match="must be >= 0"):
        tf.config.threading.set_intra_op_parallelism_threads(-1)


def test_inter_op_threads_are_recorded():
    assert tf.config.threading.get_inter_op_parallelism_threads() == 0
    tf.config.threading.set_inter_op_parallelism_threads(3)
    try:
        assert tf.config.threading.get_inter_op_parallelism_threads() == 3
    finally:
        tf.config.threading.set_inter_op_parallelism_threads(0)


def test_tf_matmul_goes_through_the_policy(fake_blas):
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    y = tf.matmul(x, x, transpose_b=True)
    np.testing.assert_array_equal(y.numpy(), [[5, 14], [14, 50]])
    assert fake_blas.calls == [1]


class FakeNumba:
    """Numba's thread setting, recorded."""

    class config:
        NUMBA_NUM_THREADS = 2

    def __init__(self):
        self.calls = []

    def set_num_threads(self, n):
        self.calls.append(n)


def test_parallel_kernels_use_numbas_threads_up_to_the_intra_op_cap(monkeypatch):
    monkeypatch.setattr(PL, "_current", type(PL._current)())
    numba = FakeNumba()
    assert PL.launch_threads(numba) == 2 and PL.launch_threads(numba) == 2
    tf.config.threading.set_intra_op_parallelism_threads(1)
    try:
        assert PL.launch_threads(numba) == 1
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert PL.launch_threads(numba) == 2
    assert numba.calls == [2, 1, 2]  # set only when it changes


def test_the_load_is_read_at_most_once_a_second(monkeypatch):
    monkeypatch.setattr(PL, "_load", {"at": -1e9, "busy": False})
    monkeypatch.setattr(PL.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(PL.os, "getloadavg", lambda: (2.5, 0.5, 0.5))
    assert PL.machine_busy()
    monkeypatch.setattr(PL.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert PL.machine_busy()
    PL._load["at"] = -1e9
    assert not PL.machine_busy()


def test_a_parallel_kernel_gives_the_same_bits_on_one_or_two_threads(monkeypatch):
    from tfedu.kernels import nn_kernels as K

    monkeypatch.setattr(PL, "_current", type(PL._current)())
    g = np.random.default_rng(0).standard_normal((4099, 37)).astype(np.float32)
    x = np.random.default_rng(1).standard_normal((3, 9, 9, 5)).astype(np.float32)
    results = []
    for cap in (1, 0):  # one thread, then all of Numba's
        PL.set_cap(cap)
        results.append((K.nb_bias_add_grad(g), K.nb_max_pool_values(x, 2, 2, 2, 2, 0, 0, 4, 4,
                                                                    -np.inf)))
    PL._current.n = None
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def _layouts(rng, dtype):
    a, b = rng.random((70, 50)).astype(dtype), rng.random((50, 40)).astype(dtype)
    yield a, b  # C-contiguous
    yield np.asfortranarray(a), np.asfortranarray(b)  # column-major: a transposed operand
    yield a[:, :30], b[:30]  # row views with a leading dimension larger than the width
    yield rng.random((50, 70)).astype(dtype).T, b
    big = rng.random((1500, 120)).astype(dtype)  # 1500*120*100 multiply-adds: split in blocks
    yield big, rng.random((120, 100)).astype(dtype)
    yield np.asfortranarray(big), rng.random((100, 120)).astype(dtype).T
    yield rng.random((32, 784)).astype(dtype), rng.random((784, 256)).astype(dtype)  # too few
    # rows to split, too short sums to split: one call
    # a filter gradient's product: 9 rows, sums over 40000 pixels (the sums split in two)
    yield rng.random((40000, 9)).astype(dtype).T, rng.random((40000, 32)).astype(dtype)


def test_wide_blas_products_match_numpy_in_every_layout(monkeypatch):
    """On a CPU where the AVX-512 instance loads, its products are numpy's up to rounding;
    elsewhere `gemm` declines (None) and `blas.matmul` is numpy's."""
    from tfedu.kernels import wide_blas

    monkeypatch.setattr(wide_blas, "machine_busy", lambda: False)  # large products split
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        for a, b in _layouts(rng, dtype):
            got = wide_blas.gemm(a, b) if wide_blas.available() else None
            if got is not None:
                assert got.dtype == dtype and got.flags.c_contiguous
                np.testing.assert_allclose(got, a @ b, rtol=1e-5)
            np.testing.assert_allclose(blas.matmul(a, b), a @ b, rtol=1e-5)
    if wide_blas.available():  # a large product in three row blocks (a 3-core machine)
        monkeypatch.setattr(wide_blas, "_threads", lambda: 3)
        big = rng.random((1500, 120), dtype=np.float32)
        b = rng.random((120, 100), dtype=np.float32)
        np.testing.assert_allclose(wide_blas.gemm(big, b), big @ b, rtol=1e-5)
        np.testing.assert_allclose(blas.matmul(big, b), big @ b, rtol=1e-5)  # wide's, split
    half = np.ones((40, 40), np.float16)
    assert wide_blas.gemm(half, half) is None  # float16: numpy's
    strided = rng.random((40, 80), dtype=np.float32)[:, ::2]
    assert wide_blas.gemm(strided, strided.T) is None  # no unit stride: numpy's


def test_split_products_give_the_same_bits_on_a_busy_or_an_idle_machine(monkeypatch):
    from tfedu.kernels import wide_blas

    if not wide_blas.available():
        pytest.skip("no AVX-512 BLAS instance on this CPU: products are numpy's")
    rng = np.random.default_rng(6)
    for a, b in ((rng.random((40000, 9), dtype=np.float32).T,  # sums split in two
                  rng.random((40000, 32), dtype=np.float32)),
                 (rng.random((1500, 120), dtype=np.float32),  # rows split in blocks
                  rng.random((120, 100), dtype=np.float32))):
        got = []
        for busy in (False, True):
            monkeypatch.setattr(wide_blas, "machine_busy", lambda busy=busy: busy)
            got.append(wide_blas.gemm(a, b))
        np.testing.assert_array_equal(got[0], got[1])
        np.testing.assert_allclose(got[0], a @ b, rtol=1e-5)


def test_wide_blas_can_be_turned_off():
    import subprocess
    import sys

    code = ("from tfedu.kernels import wide_blas, blas; import numpy as np; "
            "a = np.ones((64, 64), np.float32); assert (blas.matmul(a, a) == 64).all(); "
            "print(wide_blas.available())")
    env = {**__import__("os").environ, "TFEDU_WIDE_BLAS": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_wide_blas_splits_products_only_on_a_machine_with_a_free_core(monkeypatch):
    from tfedu.kernels import wide_blas

    monkeypatch.setattr(wide_blas, "_CORES", 2)
    monkeypatch.setattr(wide_blas, "machine_busy", lambda: False)
    assert wide_blas._threads() == 2
    monkeypatch.setattr(wide_blas, "machine_busy", lambda: True)  # the half would wait
    assert wide_blas._threads() == 1
