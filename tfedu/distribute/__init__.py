"""`tf.distribute`: one model on one replica, several replica threads, several processes.

- `MirroredStrategy` (`mirrored_strategy.py`): replicas as threads of this process, each with
  a copy of every variable, gradients all-reduced (`collective.py`).
- `MultiWorkerMirroredStrategy` (`collective_all_reduce_strategy.py`): the same across worker
  processes configured by `TF_CONFIG`, all-reducing through MPI (`mpi.py`).
- `OneDeviceStrategy`, the default strategy, `get_strategy`, replica contexts, `ReduceOp`,
  `InputContext` (`distribute_lib.py`); `PerReplica`, `MirroredVariable` (`values.py`);
  distributed datasets (`input_lib.py`); `cluster_resolver`; devices and `tf.device`
  (`device.py`, loaded with tfedu; the rest loads on first use of `tf.distribute`).
- `python -m tfedu.distribute.launch` starts workers; `python -m tfedu.distribute.k8s`
  writes Kubernetes manifests for them.
"""

import importlib

_NAMES = {
    "MirroredStrategy": "mirrored_strategy",
    "OneDeviceStrategy": "one_device_strategy",
    "MultiWorkerMirroredStrategy": "collective_all_reduce_strategy",
    "ReduceOp": "distribute_lib",
    "Strategy": "distribute_lib",
    "StrategyExtended": "distribute_lib",
    "ReplicaContext": "distribute_lib",
    "InputContext": "distribute_lib",
    "get_strategy": "distribute_lib",
    "get_replica_context": "distribute_lib",
    "in_cross_replica_context": "distribute_lib",
    "has_strategy": "distribute_lib",
    "DistributedValues": "values",
    "DistributedDataset": "input_lib",
}
_SUBMODULES = ("cluster_resolver", "experimental")
_NAMES["MultiWorkerMirroredStrategy"] = "collective_all_reduce_strategy"


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(f"tfedu.distribute.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"tfedu.distribute.{name}")
    raise AttributeError(f"module 'tfedu.distribute' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_NAMES) | set(_SUBMODULES))
