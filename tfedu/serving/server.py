"""`ModelServer`: the manager, the REST server (uvicorn) and the gRPC server, started and
stopped together. `python -m tfedu.serving` runs one in the foreground; `serve()` runs one in
the background of a notebook kernel. Both bind 127.0.0.1 unless given another host.
"""

from __future__ import annotations

import socket
import sys
import threading
from dataclasses import dataclass

from tfedu.serving.batching import BatchingOptions
from tfedu.serving.core import ServingCore
from tfedu.serving.manager import ModelManager
from tfedu.serving.rest import DEFAULT_MAX_BODY_BYTES


@dataclass
class ServerOptions:
    host: str = "127.0.0.1"
    # Ports: 0 turns that API off (as in TF Serving); -1 (tfedu's) picks a free port.
    rest_api_port: int = 8501
    port: int = 8500
    batching: BatchingOptions | None = None
    file_system_poll_wait_seconds: float = 1.0
    max_num_load_retries: int = 5
    load_retry_interval_micros: int = 60_000_000
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    grpc_max_threads: int = 16
    model_config_file: str | None = None
    model_config_file_poll_wait_seconds: float = 0.0
    log: bool = True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto says
    # TCP; with proto 0 a response's body waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class ModelServer:
    """Serves the models of `configs` ([ModelSpecConfig]) as TF Serving does."""

    def __init__(self, configs, options: ServerOptions | None = None):
        self.options = o = options or ServerOptions()
        self.manager = ModelManager(configs, poll_seconds=o.file_system_poll_wait_seconds,
                                    max_num_load_retries=o.max_num_load_retries,
                                    retry_interval=o.load_retry_interval_micros / 1e6,
                                    on_load=self._loaded)
        self.core = ServingCore(self.manager, o.batching)
        self.rest_port = self.grpc_port = None
        self._uvicorn = self._rest_thread = self._grpc = None
        self._config_stop = threading.Event()

    def _log(self, text: str) -> None:
        if self.options.log:
            print(text, file=sys.stderr, flush=True)

    def _loaded(self, servable) -> None:
        self._log(f"Successfully loaded servable version {{name: {servable.name} version: "
                  f"{servable.version}}}")

    @property
    def url(self) -> str | None:
        """The REST API's base URL (`http://127.0.0.1:8501`)."""
        if self.rest_port is None:
            return None
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        return f"http://{host}:{self.rest_port}"

    @property
    def grpc_address(self) -> str | None:
        return None if self.grpc_port is None else f"{self.options.host}:{self.grpc_port}"

    def start(self) -> ModelServer:
        """Load the models' current versions, then listen (ports 0 pick free ones)."""
        self.manager.start()
        o = self.options
        if o.port:
            self._start_grpc()
        if o.rest_api_port:
            self._start_rest()
        if o.model_config_file and o.model_config_file_poll_wait_seconds > 0:
            threading.Thread(target=self._watch_config, daemon=True).start()
        return self

    def _start_grpc(self) -> None:
        from tfedu.serving.grpc_api import make_server

        o = self.options
        host = f"[{o.host}]" if ":" in o.host else o.host
        self._grpc, self.grpc_port = make_server(self.core, f"{host}:{max(o.port, 0)}",
                                                 max_workers=o.grpc_max_threads,
                                                 max_message_bytes=o.max_body_bytes)
        if not self.grpc_port:
            raise OSError(f"Could not bind gRPC to {o.host}:{o.port}")
        self._grpc.start()
        self._log(f"Running gRPC ModelServer at {self.grpc_address} ...")

    def _start_rest(self) -> None:
        import uvicorn

        from tfedu.serving.rest import make_app

        o = self.options
        sock = _bind(o.host, max(o.rest_api_port, 0))
        self.rest_port = sock.getsockname()[1]
        config = uvicorn.Config(make_app(self.core, o.max_body_bytes), log_level="warning",
                                access_log=False, lifespan="off", timeout_keep_alive=30)
        self._uvicorn = uvicorn.Server(config)
        self._rest_thread = threading.Thread(target=self._uvicorn.run,
                                             kwargs={"sockets": [sock]}, daemon=True,
                                             name="tfedu-serving-rest")
        self._rest_thread.start()
        self._log(f"Exporting HTTP/REST API at:{self.url} ...")

    def _watch_config(self) -> None:
        from tfedu.serving.config import read_model_config_file

        o = self.options
        while not self._config_stop.wait(o.model_config_file_poll_wait_seconds):
            try:
                self.manager.set_configs(read_model_config_file(o.model_config_file))
            except Exception as e:  # a bad edit keeps the running config
                self._log(f"Ignoring {o.model_config_file}: {e}")

    def stop(self) -> None:
        """Stop listening, stop polling, end the batch threads."""
        self._config_stop.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            self._rest_thread.join(timeout=30)
        if self._grpc is not None:
            self._grpc.stop(grace=1).wait(timeout=30)
        self.manager.stop()
        self.core.close()
