"""`tf.distribute.cluster_resolver`: where the workers are, read from `TF_CONFIG`.

`TF_CONFIG` is JSON set before the strategy is created, e.g.
`{"cluster": {"worker": ["host1:12345", "host2:23456"]}, "task": {"type": "worker", "index": 0}}`.
"""

from __future__ import annotations

import json
import os

__all__ = ["ClusterSpec", "TFConfigClusterResolver", "SimpleClusterResolver"]


class ClusterSpec:
    """Job names to lists of task addresses (`tf.train.ClusterSpec`)."""

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._cluster = {job: list(tasks.values()) if isinstance(tasks, dict) else list(tasks)
                         for job, tasks in (cluster or {}).items()}

    def as_dict(self):
        return {job: list(tasks) for job, tasks in self._cluster.items()}

    @property
    def jobs(self):
        return list(self._cluster)

    def num_tasks(self, job_name):
        return len(self._cluster.get(job_name, []))

    def task_address(self, job_name, task_index):
        return self._cluster[job_name][task_index]

    def job_tasks(self, job_name):
        return list(self._cluster.get(job_name, []))

    def __bool__(self):
        return bool(self._cluster)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return f"ClusterSpec({self.as_dict()})"


class TFConfigClusterResolver:
    """Reads the cluster, this task's type and index, and the RPC layer from `TF_CONFIG`."""

    def __init__(self, task_type=None, task_id=None, rpc_layer=None, environment=None):
        self._config = _load_tf_config()
        task = self._config.get("task", {})
        self._task_type = task_type if task_type is not None else task.get("type")
        self._task_id = task_id if task_id is not None else task.get("index")
        self._rpc_layer = rpc_layer if rpc_layer is not None else self._config.get("rpc_layer")
        self._environment = environment or self._config.get("environment", "")

    def cluster_spec(self):
        return ClusterSpec(self._config.get("cluster", {}))

    @property
    def task_type(self):
        return self._task_type

    @task_type.setter
    def task_type(self, value):
        self._task_type = value

    @property
    def task_id(self):
        return self._task_id

    @task_id.setter
    def task_id(self, value):
        self._task_id = value

    @property
    def rpc_layer(self):
        return self._rpc_layer

    @property
    def environment(self):
        return self._environment

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        task_type = self._task_type if task_type is None else task_type
        task_id = self._task_id if task_id is None else task_id
        if task_type is None or task_id is None:
            return ""
        address = self.cluster_spec().task_address(task_type, task_id)
        layer = rpc_layer or self._rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return {}


class SimpleClusterResolver(TFConfigClusterResolver):
    def __init__(self, cluster_spec, master="", task_type=None, task_id=None,
                 environment="", num_accelerators=None, rpc_layer=None):
        self._config = {"cluster": ClusterSpec(cluster_spec).as_dict()}
        self._task_type, self._task_id = task_type, task_id
        self._rpc_layer, self._environment = rpc_layer, environment

    def cluster_spec(self):
        return ClusterSpec(self._config["cluster"])


def _load_tf_config():
    text = os.environ.get("TF_CONFIG", "")
    if not text:
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from None
    if not isinstance(config, dict):
        raise ValueError("TF_CONFIG must be a JSON object with 'cluster' and 'task'.")
    return config


def worker_list(cluster_spec):
    """The workers in rank order: the chief first (if any), then the workers."""
    d = cluster_spec.as_dict()
    return [("chief", i, a) for i, a in enumerate(d.get("chief", []))] + \
        [("worker", i, a) for i, a in enumerate(d.get("worker", []))]
