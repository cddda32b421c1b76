"""Which versions of which models are served: TF Serving's file-system source and manager.

Each model has a base path whose integer-named subdirectories are versions (anything else
there is ignored). A poller lists them every `file_system_poll_wait_seconds`; the model's
version policy (`latest` N, default 1; `all`; `specific` list) says which versions should be
served. A new version goes START -> LOADING -> AVAILABLE, and only then is it served: a request
never sees a half-loaded version. A version that fails to load ends in END with its error in
the status, and the versions already serving stay (TF Serving's availability-preserving
policy: an old version is unloaded only once a newer aspired one is AVAILABLE).

Requests name a model and optionally a version or a label; `servable()` answers with the
loaded `Servable` or TF Serving's NOT_FOUND (`Servable not found for request: Latest(m)`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from tfedu.framework import errors
from tfedu.serving.servable import Servable
from tfedu.serving.status import invalid, not_found, status_of

START, LOADING, AVAILABLE, UNLOADING, END = "START", "LOADING", "AVAILABLE", "UNLOADING", "END"


@dataclass
class ModelSpecConfig:
    """One entry of the model config: name, base path, version policy, labels."""

    name: str
    base_path: str
    policy: str = "latest"          # "latest" | "all" | "specific"
    num_versions: int = 1
    versions: tuple = ()
    labels: dict = field(default_factory=dict)


@dataclass
class VersionState:
    version: int
    state: str = START
    error: tuple = (errors.OK, "")
    servable: Servable | None = None


def version_dirs(base_path) -> list:
    """The integer-named subdirectories of a base path, as sorted ints (TF Serving's source)."""
    try:
        names = os.listdir(base_path)
    except OSError:
        return []
    found = []
    for n in names:
        if n.isdigit() and os.path.isdir(os.path.join(base_path, n)):
            found.append(int(n))
    return sorted(set(found))


def aspired(config: ModelSpecConfig, on_disk) -> list:
    if config.policy == "all":
        return list(on_disk)
    if config.policy == "specific":
        return [v for v in on_disk if v in set(config.versions)]
    return list(on_disk)[-max(1, config.num_versions):] if on_disk else []


class Model:
    """The versions of one model and their states."""

    def __init__(self, config: ModelSpecConfig, max_num_load_retries=0, retry_interval=0.0,
                 on_load=None):
        self.config = config
        self.versions: dict[int, VersionState] = {}
        self._lock = threading.Lock()
        self._retries, self._retry_interval = max_num_load_retries, retry_interval
        self._on_load = on_load
        self._loading: list[threading.Thread] = []
        self._stopped = threading.Event()

    def poll(self) -> None:
        """Start loading the aspired versions not loaded yet; unload the ones no longer
        aspired once an aspired one is AVAILABLE. Each load runs in its own thread, so a slow
        or failing version (retried `max_num_load_retries` times) never holds up the others."""
        want = aspired(self.config, version_dirs(self.config.base_path))
        for v in want:
            st = self.versions.get(v)
            if st is None or (st.state == END and st.error[0] == errors.OK):
                self._start_load(v)
        self._unload_unaspired(set(want))

    def _start_load(self, version: int) -> None:
        st = VersionState(version, START)
        with self._lock:
            self.versions[version] = st
        t = threading.Thread(target=self._load, args=(st,), daemon=True,
                             name=f"tfedu-load-{self.config.name}-{version}")
        self._loading.append(t)
        t.start()

    def wait_loads(self, timeout=None) -> None:
        """Wait for the loads started so far to end (AVAILABLE or END)."""
        for t in list(self._loading):
            t.join(timeout)
        self._loading = [t for t in self._loading if t.is_alive()]

    def _load(self, st: VersionState) -> None:
        st.state = LOADING
        path = os.path.join(self.config.base_path, str(st.version))
        for attempt in range(self._retries + 1):
            if self._stopped.is_set():
                break
            try:
                servable = Servable(self.config.name, st.version, path)
                break
            except Exception as e:  # any failure is the version's status, never the server's
                error = status_of(e)
                if attempt < self._retries:
                    self._stopped.wait(self._retry_interval)
        else:
            st.error, st.state = error, END
            return
        if self._stopped.is_set():
            st.state = END
            return
        if self._on_load is not None:
            self._on_load(servable)
        st.servable, st.state = servable, AVAILABLE

    def _unload_unaspired(self, want: set) -> None:
        if not any(self.versions[v].state == AVAILABLE for v in want if v in self.versions):
            return  # availability preserving: keep what serves until a wanted one is ready
        for st in list(self.versions.values()):
            if st.state == AVAILABLE and st.version not in want:
                self.unload(st)

    def unload(self, st: VersionState) -> None:
        st.state = UNLOADING
        st.servable = None
        st.state = END

    def available(self) -> dict:
        return {v: s.servable for v, s in list(self.versions.items()) if s.state == AVAILABLE}


class ModelManager:
    """All models: polling, status, and finding the servable a request names."""

    def __init__(self, configs, poll_seconds: float = 1.0, max_num_load_retries: int = 0,
                 retry_interval: float = 0.0, on_load=None):
        self.poll_seconds = poll_seconds
        self._load_opts = (max_num_load_retries, retry_interval, on_load)
        self.models: dict[str, Model] = {}
        self._stop = threading.Event()
        self._thread = None
        self.set_configs(configs)

    def set_configs(self, configs) -> None:
        """Serve exactly these models (a reloaded config file drops the others)."""
        keep = {}
        for c in configs:
            old = self.models.get(c.name)
            if old is not None and old.config.base_path == c.base_path:
                old.config = c
                keep[c.name] = old
            else:
                keep[c.name] = Model(c, *self._load_opts)
        self.models = keep

    def poll_once(self) -> None:
        for model in list(self.models.values()):
            model.poll()

    def start(self, wait_seconds: float | None = None) -> None:
        """Poll now and wait for those first loads (up to `wait_seconds`), as TF Serving
        waits for its models before it listens; then keep polling in a daemon thread (unless
        poll_seconds <= 0)."""
        self.poll_once()
        for model in list(self.models.values()):
            model.wait_loads(wait_seconds)
        if self.poll_seconds > 0:
            self._thread = threading.Thread(target=self._loop, name="tfedu-serving-poller",
                                            daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.poll_once()
            except Exception:  # a poll that fails (a vanished directory) retries next time
                pass

    def stop(self) -> None:
        self._stop.set()
        for model in list(self.models.values()):
            model._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    # --- requests -------------------------------------------------------------------------

    def resolve_version(self, name: str, version=None, label=None):
        """The version number a request means (None: the latest available)."""
        if not name:
            raise invalid("ModelSpec has no name specified.")
        if label:
            model = self.models.get(name)
            if model is None or label not in model.config.labels:
                raise invalid("Unrecognized servable version label: ", label)
            return int(model.config.labels[label])
        return None if version is None else int(version)

    def servable(self, name: str, version=None, label=None) -> Servable:
        v = self.resolve_version(name, version, label)
        model = self.models.get(name)
        available = model.available() if model is not None else {}
        if v is None:
            if available:
                return available[max(available)]
            raise not_found("Servable not found for request: Latest(", name, ")")
        if v in available:
            return available[v]
        raise not_found("Servable not found for request: Specific(", name, ", ", v, ")")

    def status(self, name: str, version=None, label=None) -> list:
        """[VersionState] as GetModelStatus reports them (NOT_FOUND when none)."""
        v = self.resolve_version(name, version, label)
        model = self.models.get(name)
        states = dict(model.versions) if model is not None else {}
        if v is not None:
            if v not in states:
                raise not_found("Could not find version ", v, " of model ", name)
            return [states[v]]
        if not states:
            raise not_found("Could not find any versions of model ", name)
        return [states[k] for k in sorted(states, reverse=True)]
