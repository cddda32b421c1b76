import pytest

from tests.serving import models
from tests.serving.server_process import ServerProcess

CONFIG = """model_config_list {{
  config {{ name: "mlp" base_path: "{mlp}" model_platform: "tensorflow" }}
  config {{ name: "multi" base_path: "{multi}" }}
  config {{ name: "text" base_path: "{text}"
           version_labels {{ key: "stable" value: 1 }} }}
  config {{ name: "drop" base_path: "{drop}" }}
}}
"""


@pytest.fixture(scope="module")
def model_paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    paths = models.build(root)
    from tfedu.serving.notebook import export_version

    paths["drop"] = str(root / "drop")
    export_version(models.mlp(seed=0), paths["drop"], 1)
    return paths


@pytest.fixture(scope="module")
def server(model_paths, tmp_path_factory):
    config = tmp_path_factory.mktemp("config") / "models.config"
    config.write_text(CONFIG.format(**model_paths))
    s = ServerProcess([f"--model_config_file={config}", "--file_system_poll_wait_seconds=0.2",
                       "--max_num_load_retries=0", "--max_request_bytes=200000"])
    yield s
    s.stop()
