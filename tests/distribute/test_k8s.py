"""Kubernetes manifests: valid against Kubernetes' published schemas (kubernetes-validate ships
them, offline), and each worker's shell line gives it the right TF_CONFIG."""

import json
import subprocess

import pytest
import yaml

from tfedu.distribute import k8s

kv = pytest.importorskip("kubernetes_validate")
K8S_VERSION = "1.30"


@pytest.mark.parametrize("per_worker", [False, True])
def test_manifests_validate_against_kubernetes_schemas(per_worker, tmp_path):
    out = tmp_path / "job.yaml"
    argv = ["--workers", "3", "--image", "registry.example/train:1", "--script", "train.py",
            "--out", str(out)] + (["--job-per-worker"] if per_worker else []) + ["--", "-e", "2"]
    assert k8s.main(argv) == 0
    docs = list(yaml.safe_load_all(out.read_text()))
    assert [d["kind"] for d in docs] == ["Service"] + ["Job"] * (3 if per_worker else 1)
    for d in docs:
        kv.validate(d, K8S_VERSION, strict=True)
    assert docs[0]["spec"]["clusterIP"] == "None"
    assert docs == k8s.manifests(3, "registry.example/train:1", "train.py", args=["-e", "2"],
                                 job_per_worker=per_worker)


def _tf_config_of(command, index):
    line = command[2].replace("exec mpiexec -n 1 python", "echo \"$TF_CONFIG\" #")
    out = subprocess.run(["sh", "-c", line], env={"JOB_COMPLETION_INDEX": str(index)},
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_each_indexed_worker_gets_its_tf_config():
    job = k8s.manifests(2, "img", "train.py")[1]
    assert job["spec"]["completionMode"] == "Indexed"
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    for i in range(2):
        cfg = _tf_config_of(command, i)
        assert cfg == {"cluster": {"worker": ["tfedu-train-0.tfedu-train:12345",
                                              "tfedu-train-1.tfedu-train:12345"]},
                       "task": {"type": "worker", "index": i}}


def test_invalid_manifest_is_caught_and_bad_names_refused():
    bad = k8s.manifests(1, "img", "s.py")[1]
    bad["spec"]["completions"] = "two"
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, K8S_VERSION, strict=True)
    with pytest.raises(ValueError, match="DNS label"):
        k8s.manifests(2, "img", "s.py", name="Bad_Name")
