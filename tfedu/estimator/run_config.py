"""`RunConfig`: where and how often an Estimator saves, logs, and which task it is."""

from __future__ import annotations

import os

from tfedu.distribute.cluster_resolver import TFConfigClusterResolver

__all__ = ["RunConfig"]


class RunConfig:
    """Checkpoint and logging cadence, plus the cluster read from `TF_CONFIG`."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=None, save_checkpoints_secs=None, session_config=None,
                 keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000,
                 log_step_count_steps=100, train_distribute=None, device_fn=None, protocol=None,
                 eval_distribute=None, experimental_distribute=None,
                 experimental_max_worker_delay_secs=None, session_creation_timeout_secs=7200,
                 checkpoint_save_graph_def=True):
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and "
                             "save_checkpoints_secs.")
        if save_checkpoints_steps is None and save_checkpoints_secs is None:
            save_checkpoints_secs = 600
        self._model_dir = os.fspath(model_dir) if model_dir is not None else None
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = save_checkpoints_steps
        self._save_checkpoints_secs = save_checkpoints_secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps
        self._train_distribute = train_distribute
        self._eval_distribute = eval_distribute
        self._init_cluster()

    def _init_cluster(self):
        r = TFConfigClusterResolver()
        self._cluster_spec = r.cluster_spec()
        jobs = self._cluster_spec.as_dict()
        self._task_type = r.task_type or "worker"
        self._task_id = r.task_id or 0
        self._num_worker_replicas = max(1, len(jobs.get("worker", [])) +
                                        len(jobs.get("chief", [])))
        self._num_ps_replicas = len(jobs.get("ps", []))
        has_chief = "chief" in jobs
        self._is_chief = (self._task_type == "chief") if has_chief else (
            self._task_type == "worker" and self._task_id == 0)
        self._global_id_in_cluster = 0 if self._task_type == "chief" else (
            self._task_id + (1 if has_chief else 0))
        self._master = r.master() if jobs else ""

    def _as_dict(self):
        return {k: v for k, v in vars(self).items() if k.startswith("_")}

    def replace(self, **kwargs):
        """A copy with some settings changed."""
        new = RunConfig.__new__(RunConfig)
        new.__dict__.update(self.__dict__)
        for k, v in kwargs.items():
            if f"_{k}" not in new.__dict__:
                raise ValueError(f"Replacing {k} is not supported. Allowed properties are "
                                 f"{sorted(a[1:] for a in self.__dict__)}.")
            new.__dict__[f"_{k}"] = os.fspath(v) if k == "model_dir" and v else v
        return new

    def __repr__(self):
        return repr(self._as_dict())


def _property(name):
    return property(lambda self: getattr(self, f"_{name}"))


for _name in ["model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
              "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
              "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute",
              "eval_distribute", "cluster_spec", "task_type", "task_id", "num_worker_replicas",
              "num_ps_replicas", "is_chief", "global_id_in_cluster", "master"]:
    setattr(RunConfig, _name, _property(_name))
