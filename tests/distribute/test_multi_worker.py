"""MultiWorkerMirroredStrategy: two worker processes started independently (each with its own
TF_CONFIG, in either order) reach one replica's weights; a killed worker is reported, and the
restarted job resumes from BackupAndRestore's backup."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tfedu.distribute import cluster_resolver, launch, mpi

pytestmark = pytest.mark.skipif(mpi.available() is not None, reason=str(mpi.available()))
SCRIPT = str(Path(__file__).with_name("mw_train.py"))
ROOT = str(Path(__file__).resolve().parents[2])


def _env():
    env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("TF_CONFIG", None)
    return env


def _workers(out, mode, epochs, extra=None, order=(1, 0)):
    env = dict(_env(), **(extra or {}))
    configs = launch.tf_configs(2)
    procs = {}
    for i in order:  # worker 1 first: any order works
        procs[i] = subprocess.Popen([mpi._mpiexec(), "-n", "1", sys.executable, SCRIPT, str(out),
                                     mode, str(epochs)], env=dict(env, TF_CONFIG=configs[i]),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return {i: (p.wait(timeout=180), p.stdout.read()) for i, p in procs.items()}


def _single(out, mode, epochs):
    subprocess.run([sys.executable, SCRIPT, str(out), mode, str(epochs)], env=_env(), check=True,
                   timeout=180, capture_output=True)
    return _weights(out)


def _weights(out):
    with np.load(Path(out) / "weights.npz", allow_pickle=False) as z:
        return [z[k] for k in sorted(z.files, key=lambda k: int(k.split("_")[1]))]


def test_two_workers_reach_one_replicas_weights(tmp_path):
    (tmp_path / "one").mkdir()
    ref = _single(tmp_path / "one", "loop", 2)
    (tmp_path / "two").mkdir()
    results = _workers(tmp_path / "two", "loop", 2)
    assert all(rc == 0 for rc, _ in results.values()), results
    for a, b in zip(ref, _weights(tmp_path / "two")):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_killed_worker_is_reported_and_the_restarted_job_resumes(tmp_path):
    (tmp_path / "one").mkdir()
    ref = _single(tmp_path / "one", "fit", 4)
    job = tmp_path / "job"
    job.mkdir()
    first = _workers(job, "fit", 4, {"TFEDU_DIE_AT_EPOCH": "2"}, order=(0, 1))
    assert first[1][0] == 17
    assert first[0][0] != 0
    assert "UnavailableError" in first[0][1] and "worker 1" in first[0][1], first[0][1][-2000:]
    meta = json.loads((job / "backup" / "training_metadata.json").read_text())
    assert meta["epoch"] == 2
    second = _workers(job, "fit", 4)
    assert all(rc == 0 for rc, _ in second.values()), second
    assert "epochs [2, 3]" in second[0][1]
    for a, b in zip(ref, _weights(job)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert not (job / "backup").exists()  # deleted when training ends


def test_tf_config_resolver(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps({
        "cluster": {"worker": ["localhost:12345", "localhost:23456"]},
        "task": {"type": "worker", "index": 0}}))
    r = cluster_resolver.TFConfigClusterResolver()
    assert r.cluster_spec().as_dict() == {"worker": ["localhost:12345", "localhost:23456"]}
    assert (r.task_type, r.task_id, r.master()) == ("worker", 0, "localhost:12345")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        cluster_resolver.TFConfigClusterResolver()


ESTIMATOR = str(Path(__file__).resolve().parents[1] / "estimator" / "mw_estimator.py")


def _estimator_alone(tmp_path):
    """The Estimator script without TF_CONFIG: the reference run, in tmp_path/one."""
    subprocess.run([sys.executable, ESTIMATOR, str(tmp_path / "one"), str(tmp_path / "one.json")],
                   env=_env(), check=True, timeout=180, capture_output=True)
    return json.loads((tmp_path / "one.json").read_text())


def _estimator_workers(model_dirs, outs):
    """Two workers of the Estimator script (worker 1 started first), each with its model dir
    and output file; asserts both end well."""
    configs = launch.tf_configs(2)
    procs = [subprocess.Popen([mpi._mpiexec(), "-n", "1", sys.executable, ESTIMATOR,
                               str(model_dirs[i]), str(outs[i])],
                              env=dict(_env(), TF_CONFIG=configs[i]), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for i in (1, 0)]
    results = [(p.wait(timeout=180), p.stdout.read()) for p in procs]
    assert all(rc == 0 for rc, _ in results), results


def test_estimator_train_and_evaluate_on_two_workers(tmp_path):
    one = _estimator_alone(tmp_path)
    _estimator_workers([tmp_path / "two"] * 2, [tmp_path / "two.json"] * 2)
    two = json.loads((tmp_path / "two.json").read_text())
    assert one["global_step"] == two["global_step"] == 12
    np.testing.assert_allclose(two["kernel"], one["kernel"], atol=1e-6)
    assert not (tmp_path / "two" / "workertemp_1").exists()


def test_estimator_worker_that_sees_a_checkpoint_the_chief_lacks_starts_from_the_chief(tmp_path):
    """A worker that starts late may find a checkpoint the chief wrote meanwhile: it still takes
    the chief's starting values (and step) and runs the same collectives, never one fewer."""
    one = _estimator_alone(tmp_path)
    late = tmp_path / "late"
    late.mkdir()
    for f in (tmp_path / "one").glob("model.ckpt-5.*"):
        (late / f.name).write_bytes(f.read_bytes())
    (late / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-5"\n')
    _estimator_workers([tmp_path / "chief", late], [tmp_path / "0.json", tmp_path / "1.json"])
    chief = json.loads((tmp_path / "0.json").read_text())
    assert chief["global_step"] == 12
    np.testing.assert_allclose(chief["kernel"], one["kernel"], atol=1e-6)
