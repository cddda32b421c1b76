"""Kubernetes manifests for a multi-worker training job (TF's "templates to deploy training").

    python -m tfedu.distribute.k8s --workers 2 --image registry/train:1 --script train.py

prints (or writes with `--out`) a YAML stream of:

- a headless `Service` (no cluster IP) that gives every worker pod a stable DNS name,
  `<name>-<i>.<name>` (its hostname in the Service's subdomain);
- one *indexed* `Job` with `completions = parallelism = N`: pod `i` gets
  `JOB_COMPLETION_INDEX=i` and runs the script with its own `TF_CONFIG`, whose
  `task.index` is that index and whose cluster lists every pod's DNS name and port.
  With `--job-per-worker`, N plain Jobs instead, each with its `TF_CONFIG` written out.

Every worker runs under `mpiexec -n 1`, as `MultiWorkerMirroredStrategy` needs (see
`tfedu.distribute.mpi`). The manifests are checked against Kubernetes' published schemas in
the tests.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys

__all__ = ["manifests", "to_yaml", "main"]

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _cluster(name, n, port):
    return {"worker": [f"{name}-{i}.{name}:{port}" for i in range(n)]}


def _labels(name):
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "tfedu-training"}


def _service(name, port, namespace):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "labels": _labels(name)},
            "spec": {"clusterIP": "None", "selector": _labels(name),
                     "ports": [{"name": "worker", "port": port, "targetPort": port}],
                     "publishNotReadyAddresses": True}}


def _container(image, command, env, port, cpu):
    return {"name": "worker", "image": image, "command": command, "env": env,
            "ports": [{"containerPort": port, "name": "worker"}],
            "resources": {"requests": {"cpu": str(cpu)}, "limits": {"cpu": str(cpu)}}}


def _pod_spec(name, container, hostname=None):
    spec = {"subdomain": name, "restartPolicy": "Never", "containers": [container]}
    if hostname:
        spec["hostname"] = hostname
    return spec


def _job(job_name, name, namespace, pod_spec, completions, indexed, backoff):
    spec = {"completions": completions, "parallelism": completions,
            "backoffLimit": backoff,
            "template": {"metadata": {"labels": _labels(name)}, "spec": pod_spec}}
    if indexed:
        spec["completionMode"] = "Indexed"
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": job_name, "namespace": namespace, "labels": _labels(name)},
            "spec": spec}


def _run(script, args):
    return "exec mpiexec -n 1 python " + " ".join(shlex.quote(a) for a in [script, *args])


def manifests(workers, image, script, name="tfedu-train", port=12345, namespace="default",
              args=(), cpu=1, job_per_worker=False, backoff_limit=0):
    """The list of Kubernetes objects (dicts) for `workers` workers of `script`."""
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if not _NAME.match(name) or len(name) > 50:
        raise ValueError(f"name {name!r} must be a DNS label: lower-case letters, digits and "
                         "'-', at most 50 characters")
    cluster = _cluster(name, workers, port)
    objects = [_service(name, port, namespace)]
    if job_per_worker:
        for i in range(workers):
            tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            c = _container(image, ["sh", "-c", _run(script, args)],
                           [{"name": "TF_CONFIG", "value": tf_config}], port, cpu)
            objects.append(_job(f"{name}-{i}", name, namespace,
                                _pod_spec(name, c, hostname=f"{name}-{i}"), 1, False,
                                backoff_limit))
        return objects
    template = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 999999}})
    head, tail = template.split("999999")
    shell = (f"export TF_CONFIG={shlex.quote(head)}\"$JOB_COMPLETION_INDEX\""
             f"{shlex.quote(tail)}; {_run(script, args)}")
    c = _container(image, ["sh", "-c", shell], [], port, cpu)
    objects.append(_job(name, name, namespace, _pod_spec(name, c), workers, True, backoff_limit))
    return objects


def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))  # a JSON string is a valid YAML scalar


def _yaml(v, indent):
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            return [pad + "{}"]
        out = []
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{k}:")
                out.extend(_yaml(x, indent + 1))
            else:
                empty = "{}" if isinstance(x, dict) else "[]" if isinstance(x, list) else None
                out.append(f"{pad}{k}: {empty or _yaml_scalar(x)}")
        return out
    if isinstance(v, list):
        out = []
        for x in v:
            sub = _yaml(x, indent + 1)
            out.append(f"{pad}- {sub[0].strip()}")
            out.extend(sub[1:])
        return out or [pad + "[]"]
    return [pad + _yaml_scalar(v)]


def to_yaml(objects):
    """A YAML stream (`---` between documents); strings are written JSON-quoted."""
    return "".join("---\n" + "\n".join(_yaml(o, 0)) + "\n" for o in objects)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tfedu.distribute.k8s",
                                description="Kubernetes manifests for N training workers.")
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--name", default="tfedu-train")
    p.add_argument("--port", type=int, default=12345)
    p.add_argument("--namespace", default="default")
    p.add_argument("--cpu", default="1")
    p.add_argument("--job-per-worker", action="store_true",
                   help="one Job per worker with its TF_CONFIG written out")
    p.add_argument("--out", help="write here instead of standard output")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    a = p.parse_args(argv)
    if a.args[:1] == ["--"]:
        a.args = a.args[1:]
    try:
        objs = manifests(a.workers, a.image, a.script, a.name, a.port, a.namespace, a.args,
                         a.cpu, a.job_per_worker)
    except ValueError as e:
        p.error(str(e))
    text = to_yaml(objs)
    if a.out:
        import os

        tmp = f"{a.out}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, a.out)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
