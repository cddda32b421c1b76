from tests.datasets.idx_server import data_dir, idx_server  # noqa: F401
