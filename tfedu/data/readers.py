"""File-reading datasets: `TextLineDataset`."""

from __future__ import annotations

import os

import numpy as np

from tfedu.data.dataset_ops import Dataset
from tfedu.framework import dtypes, errors
from tfedu.framework.tensor_spec import TensorSpec


class TextLineDataset(Dataset):
    """One string element per line of one or more text files (newlines stripped)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
                 name=None):
        if isinstance(filenames, (str, bytes, os.PathLike)):
            filenames = [filenames]
        elif hasattr(filenames, "numpy"):
            filenames = list(np.asarray(filenames).reshape(-1))
        self._files = [f.decode() if isinstance(f, bytes) else os.fspath(f) for f in filenames]
        self._compression = compression_type or ""
        self._element_spec = TensorSpec([], dtypes.string)

    def _open(self, path):
        if self._compression == "GZIP":
            import gzip

            return gzip.open(path, "rb")
        if self._compression == "ZLIB":
            import io
            import zlib

            with open(path, "rb") as f:
                return io.BytesIO(zlib.decompress(f.read()))
        return open(path, "rb")

    def _iter_arrays(self):
        for path in self._files:
            try:
                f = self._open(path)
            except FileNotFoundError:
                raise errors.NotFoundError(None, None, f"{path}; No such file or directory") \
                    from None
            with f:
                for line in f:
                    yield np.array(line.rstrip(b"\r\n"), dtype=object)
