"""The server's configuration files, in TF Serving's text-proto formats.

`--model_config_file` holds a `ModelServerConfig`:

    model_config_list {
      config { name: "iris" base_path: "/models/iris" model_platform: "tensorflow" }
      config {
        name: "mnist" base_path: "/models/mnist"
        model_version_policy { specific { versions: 1 versions: 2 } }
        version_labels { key: "stable" value: 1 }
      }
    }

`--batching_parameters_file` holds `BatchingParameters` (`max_batch_size { value: 32 }
batch_timeout_micros { value: 5000 }` ...). Both are parsed with protobuf's text format into
the messages of `tfedu.protos.serving`: reading a config never runs anything from it.
"""

from __future__ import annotations

import os

from google.protobuf import text_format

from tfedu.protos import serving as pb
from tfedu.serving.batching import BatchingOptions
from tfedu.serving.manager import ModelSpecConfig
from tfedu.serving.status import invalid


def _read_text_proto(path, message):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise invalid(f"Could not read {path}: {e.strerror}") from None
    try:
        return text_format.Parse(text, message)
    except text_format.ParseError as e:
        raise invalid(f"{path} is not a text-format {message.DESCRIPTOR.name}: {e}") from None


def model_config(c) -> ModelSpecConfig:
    """A `ModelConfig` message as the manager's ModelSpecConfig."""
    if c.model_platform not in ("", "tensorflow"):
        raise invalid(f'Model {c.name}: model_platform "{c.model_platform}" is not supported '
                      '(only "tensorflow")')
    if not c.name or not c.base_path:
        raise invalid("Every config in model_config_list needs a name and a base_path")
    policy = c.model_version_policy.WhichOneof("policy_choice") or "latest"
    num = c.model_version_policy.latest.num_versions if policy == "latest" else 1
    return ModelSpecConfig(name=c.name, base_path=os.path.abspath(c.base_path), policy=policy,
                           num_versions=num or 1,
                           versions=tuple(c.model_version_policy.specific.versions),
                           labels=dict(c.version_labels))


def read_model_config_file(path) -> list:
    """[ModelSpecConfig] of a text-format ModelServerConfig file."""
    msg = _read_text_proto(path, pb.ModelServerConfig())
    if msg.WhichOneof("config") != "model_config_list":
        raise invalid(f"{path} has no model_config_list")
    configs = [model_config(c) for c in msg.model_config_list.config]
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise invalid(f"{path} names a model twice: {sorted(names)}")
    return configs


def read_batching_parameters(path) -> BatchingOptions:
    return BatchingOptions.from_proto(_read_text_proto(path, pb.BatchingParameters()))
