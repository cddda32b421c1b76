import os

os.environ.setdefault("TFEDU_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".cache"))
