"""Handles to local directories: what `hub.resolve(handle)` does, offline.

A handle is one of:

- a catalogue name: `"digits_feature_vector"` or `"tfedu/digits_feature_vector/1"` (the
  modules that ship inside tfedu, `hub.list_modules()`);
- a directory holding a SavedModel, or a `file://` URL of one;
- a TF Hub or Kaggle Models URL (`https://tfhub.dev/google/...`,
  `https://www.kaggle.com/models/...`), looked up in the cache as `tensorflow_hub` keeps it:
  `$TFHUB_CACHE_DIR/<sha1 of the handle>/` (default: `tfhub_modules` in the system's temp
  directory). tfedu never downloads: a module missing from the cache is an error that says
  where to put its files.

The cache is the one `tensorflow_hub` fills, so a module downloaded once with TensorFlow (or
unpacked by hand from its `.tar.gz`) is found by tfedu, and the reverse.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.parse

__all__ = ["resolve", "cache_dir", "cache_path", "HandleError"]

CACHE_ENV = "TFHUB_CACHE_DIR"


class HandleError(OSError):
    """A handle that names nothing tfedu can load (tensorflow_hub raises OSError too)."""


def cache_dir() -> str:
    """`$TFHUB_CACHE_DIR`, else `<temp dir>/tfhub_modules`: where tensorflow_hub caches."""
    return os.environ.get(CACHE_ENV) or os.path.join(tempfile.gettempdir(), "tfhub_modules")


def cache_path(handle: str) -> str:
    """The directory tensorflow_hub would download `handle` into: the SHA-1 of the handle."""
    return os.path.join(cache_dir(), hashlib.sha1(handle.encode("utf8")).hexdigest())


def _is_url(handle: str) -> bool:
    return handle.startswith(("http://", "https://", "gs://"))


def _has_saved_model(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, f)) for f in ("saved_model.pb",
                                                               "saved_model.pbtxt"))


def _from_file_url(handle: str) -> str:
    parsed = urllib.parse.urlparse(handle)
    return urllib.parse.unquote(parsed.path)


def _offline_error(handle: str) -> HandleError:
    where = cache_path(handle)
    return HandleError(
        f"tfedu.hub works offline and cannot download '{handle}': it is not in the module "
        f"cache. The cache directory is {cache_dir()} (set {CACHE_ENV} to move it). Put the "
        f"module's files (saved_model.pb, variables/, assets/) in {where}/ -- where "
        "tensorflow_hub puts them when it downloads this handle, e.g. by running "
        f"tensorflow_hub.resolve('{handle}') on a machine with internet and copying that "
        f"directory, or by unpacking the module's .tar.gz there. Or pass the directory itself "
        "as the handle.")


def _unknown_error(handle: str) -> HandleError:
    from tfedu.hub.catalogue import names

    return HandleError(
        f"'{handle}' does not exist: it is not a directory holding a SavedModel, nor a module "
        f"of tfedu's catalogue ({', '.join(names())}), nor a URL. Modules downloaded from TF "
        f"Hub or Kaggle are found by their URL in the cache directory {cache_dir()} "
        f"(set {CACHE_ENV} to move it).")


def resolve(handle) -> str:
    """The local directory of the module `handle` names (OSError, naming the handle and the
    cache directory, when there is none)."""
    from tfedu.hub.catalogue import module_path

    handle = os.fspath(handle) if isinstance(handle, os.PathLike) else handle
    if not isinstance(handle, str) or not handle:
        raise HandleError(f"A module handle is a non-empty string; got {handle!r}.")
    if handle.startswith("file://"):
        path = _from_file_url(handle)
        if not os.path.isdir(path):
            raise HandleError(f"'{handle}' does not exist: no directory {path}.")
        return path
    if _is_url(handle):
        path = cache_path(handle)
        if os.path.isdir(path) and _has_saved_model(path):
            return path
        raise _offline_error(handle)
    if os.path.isdir(handle):
        return handle
    shipped = module_path(handle)
    if shipped is not None:
        return shipped
    raise _unknown_error(handle)
