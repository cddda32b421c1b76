"""`python -m tfedu.serving`: TF Serving's `tensorflow_model_server`, with its flag names.

    python -m tfedu.serving --model_name=iris --model_base_path=/models/iris \
        --rest_api_port=8501 --port=8500 [--enable_batching] [--batching_parameters_file=F]
    python -m tfedu.serving --model_config_file=models.config --rest_api_port=8501

Flags are TF Serving's (both `--flag=value` and `--flag value`); `--host` (tfedu's) is the
address to bind, 127.0.0.1 by default: pass `--host=0.0.0.0` to accept other machines.
`--max_request_bytes` (tfedu's) caps a request body. A port of -1 (tfedu's) picks a free one;
the addresses are printed on stderr as TF Serving prints them. The server runs until
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tfedu.serving.rest import DEFAULT_MAX_BODY_BYTES


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tfedu.serving",
                                description="Serve SavedModels as TensorFlow Serving does.")
    a = p.add_argument
    a("--port", type=int, default=8500, help="gRPC port (0: no gRPC; -1: any free port)")
    a("--rest_api_port", type=int, default=0,
      help="REST port (0: no REST API; -1: any free port)")
    a("--host", default="127.0.0.1", help="address to bind (tfedu's flag)")
    a("--model_name", default="default")
    a("--model_base_path", default="")
    a("--model_config_file", default="")
    a("--model_config_file_poll_wait_seconds", type=float, default=0)
    a("--enable_batching", type=_bool, nargs="?", const=True, default=False)
    a("--batching_parameters_file", default="")
    a("--file_system_poll_wait_seconds", type=float, default=1)
    a("--max_num_load_retries", type=int, default=5)
    a("--load_retry_interval_micros", type=int, default=60_000_000)
    a("--grpc_max_threads", type=int, default=16)
    a("--max_request_bytes", type=int, default=DEFAULT_MAX_BODY_BYTES,
      help="largest request body accepted (tfedu's flag)")
    return p


def _configs(args):
    from tfedu.serving.config import read_model_config_file
    from tfedu.serving.manager import ModelSpecConfig

    if args.model_config_file:
        return read_model_config_file(args.model_config_file)
    if not args.model_base_path:
        raise SystemExit("Both --model_base_path and --model_config_file are empty: give one")
    import os

    return [ModelSpecConfig(args.model_name, os.path.abspath(args.model_base_path))]


def options_from_args(args):
    from tfedu.serving.batching import BatchingOptions
    from tfedu.serving.config import read_batching_parameters
    from tfedu.serving.server import ServerOptions

    batching = None
    if args.enable_batching:
        batching = (read_batching_parameters(args.batching_parameters_file)
                    if args.batching_parameters_file else BatchingOptions())
    return ServerOptions(
        host=args.host, rest_api_port=args.rest_api_port, port=args.port, batching=batching,
        file_system_poll_wait_seconds=args.file_system_poll_wait_seconds,
        max_num_load_retries=args.max_num_load_retries,
        load_retry_interval_micros=args.load_retry_interval_micros,
        max_body_bytes=args.max_request_bytes, grpc_max_threads=args.grpc_max_threads,
        model_config_file=args.model_config_file or None,
        model_config_file_poll_wait_seconds=args.model_config_file_poll_wait_seconds)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    from tfedu.framework.errors import OpError
    from tfedu.serving.server import ModelServer

    try:
        server = ModelServer(_configs(args), options_from_args(args)).start()
    except (OpError, OSError) as e:
        print(f"tfedu.serving: {e}", file=sys.stderr)
        return 1
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    server.stop()
    return 0
