"""Devices: `tf.config.list_physical_devices`, logical CPUs, `tf.device` (CPU only).

tfedu computes everything with numpy on the host: there is one physical device, the CPU.
As in TensorFlow, the CPU can be split into several *logical* devices before anything uses
it (`set_logical_device_configuration`), which is how TF's guides give `MirroredStrategy`
several replicas on a laptop. Here a logical CPU is a name a strategy gives a replica thread;
memory is shared. After the devices are initialised (listing the logical devices, creating a
strategy, entering `tf.device`), the configuration is fixed and changing it raises TF's
`RuntimeError`.
"""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from tfedu.ops.op_helpers import export

__all__ = ["PhysicalDevice", "LogicalDevice", "LogicalDeviceConfiguration", "device",
           "logical_cpu_names", "canonical_device"]

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])
export("config.PhysicalDevice")(PhysicalDevice)
export("config.LogicalDevice")(LogicalDevice)

_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_config = {"logical": None, "initialized": False, "log_placement": False}
_lock = threading.Lock()


@export("config.LogicalDeviceConfiguration", "config.experimental.VirtualDeviceConfiguration")
class LogicalDeviceConfiguration(
        namedtuple("LogicalDeviceConfiguration",
                   ["memory_limit", "experimental_priority", "experimental_device_ordinal"])):
    """One logical device carved out of a physical one (memory is not limited on the CPU)."""

    def __new__(cls, memory_limit=None, experimental_priority=None,
                experimental_device_ordinal=None):
        return super().__new__(cls, memory_limit, experimental_priority,
                               experimental_device_ordinal)


def _check_type(device_type):
    if device_type is not None and device_type.upper() not in ("CPU", "GPU", "TPU"):
        return False
    return True


@export("config.list_physical_devices", "config.experimental.list_physical_devices")
def list_physical_devices(device_type=None):
    """The host's devices: `[PhysicalDevice(name='/physical_device:CPU:0', ...)]` (no GPUs)."""
    if device_type is None or device_type.upper() == "CPU":
        return [_CPU]
    return []


def _initialize():
    _config["initialized"] = True


def logical_cpu_names():
    """The logical CPU device names (`/device:CPU:0`, ...); initialises the devices."""
    _initialize()
    n = len(_config["logical"] or [None])
    return [f"/device:CPU:{i}" for i in range(n)]


@export("config.list_logical_devices", "config.experimental.list_logical_devices")
def list_logical_devices(device_type=None):
    """The logical devices: one per `LogicalDeviceConfiguration` given to the CPU (else one)."""
    if device_type is not None and device_type.upper() != "CPU":
        return []
    return [LogicalDevice(n, "CPU") for n in logical_cpu_names()]


def _check_physical(device):
    if not isinstance(device, PhysicalDevice) or device not in list_physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}")


@export("config.set_logical_device_configuration",
        "config.experimental.set_virtual_device_configuration")
def set_logical_device_configuration(device, logical_devices):
    """Split the CPU into `len(logical_devices)` logical devices (before anything uses them)."""
    _check_physical(device)
    configs = list(logical_devices) if logical_devices is not None else None
    with _lock:
        if _config["initialized"] and configs != _config["logical"]:
            raise RuntimeError("Virtual devices cannot be modified after being initialized")
        _config["logical"] = configs or None


@export("config.get_logical_device_configuration",
        "config.experimental.get_virtual_device_configuration")
def get_logical_device_configuration(device):
    _check_physical(device)
    return list(_config["logical"]) if _config["logical"] else None


@export("config.get_visible_devices", "config.experimental.get_visible_devices")
def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


@export("config.set_visible_devices", "config.experimental.set_visible_devices")
def set_visible_devices(devices, device_type=None):
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    for d in devices:
        _check_physical(d)
    if device_type not in (None, "CPU") or not devices:
        raise ValueError("Cannot hide the CPU: it is the only device tfedu computes on.")


@export("debugging.set_log_device_placement")
def set_log_device_placement(enabled):
    """Remember the flag (`get_log_device_placement`). TF then logs each op's device; tfedu
    places every op on the one CPU (`/device:CPU:0`), so it prints no per-op log."""
    _config["log_placement"] = bool(enabled)


@export("debugging.get_log_device_placement")
def get_log_device_placement():
    return _config["log_placement"]


# ------------------------------------------------------------------------------------------
# Device specs and tf.device
# ------------------------------------------------------------------------------------------

_PART = re.compile(r"^(job|replica|task|device|cpu|gpu|tpu):(.*)$", re.IGNORECASE)


def parse_device(spec: str) -> dict:
    """The fields of a device string (`/job:worker/task:1/device:CPU:0`, `/cpu:0`, `GPU:1`)."""
    out = {}
    if not spec:
        return out
    parts = [p for p in spec.split("/") if p]
    i = 0
    while i < len(parts):
        p = parts[i]
        m = _PART.match(p)
        if m is None and re.fullmatch(r"(?i)(cpu|gpu|tpu):\d+|\*|(cpu|gpu|tpu)", p):
            m = _PART.match(p + ":0") if ":" not in p else None
        if m is None:
            name = p.split(":")[0]
            raise ValueError(f"Unknown attribute '{name.lower()}' is encountered while "
                             f"parsing the device spec: '{spec}'.")
        key, val = m.group(1).lower(), m.group(2)
        if key == "device":
            dtype, _, index = val.partition(":")
            out["device_type"], out["device_index"] = dtype.upper(), index or "0"
        elif key in ("cpu", "gpu", "tpu"):
            out["device_type"], out["device_index"] = key.upper(), val or "0"
        else:
            out[key] = val
        i += 1
    return out


def canonical_device(spec: str, default_job="localhost", task=0) -> str:
    """The full name TF prints (`/job:localhost/replica:0/task:0/device:CPU:1`).

    GPUs and TPUs fall back to the CPU (TF's soft placement), as a CPU-only TF does."""
    f = parse_device(spec)
    dtype = f.get("device_type", "CPU")
    index = f.get("device_index", "0") if dtype == "CPU" else "0"
    return (f"/job:{f.get('job', default_job)}/replica:{f.get('replica', 0)}/"
            f"task:{f.get('task', task)}/device:CPU:{index}")


_tls = threading.local()


class _DeviceScope:
    """What `tf.device(name)` returns: a context manager that sets the placement."""

    def __init__(self, name):
        self._name = name

    def __enter__(self):
        stack = getattr(_tls, "stack", None)
        if stack is None:
            stack = _tls.stack = []
        stack.append(self._name)
        return self

    def __exit__(self, *exc):
        _tls.stack.pop()
        return False

    def __repr__(self):
        return f"<tfedu device scope '{self._name}'>"


@export("device")
def device(device_name):
    """Place the ops created inside on `device_name` (on tfedu, always a CPU)."""
    if callable(device_name):
        raise RuntimeError("tf.device does not support functions when eager execution is "
                           "enabled.")
    name = "" if device_name is None else str(device_name)
    parse_device(name)
    _initialize()
    return _DeviceScope(name)


def current_device() -> str:
    """The innermost `tf.device` placement, canonicalised ('' when none)."""
    stack = getattr(_tls, "stack", None)
    return canonical_device(stack[-1]) if stack and stack[-1] else ""
