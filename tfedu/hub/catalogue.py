"""The modules that ship inside tfedu: `tfedu/hub/modules/<name>/`, listed in
`tfedu/hub/modules/catalogue.json`.

`python -m tfedu.hub.build` (`build.py`) trains each module with tfedu and writes its SavedModel, its model
card (`MODEL_CARD.md`: data, architecture, accuracy, size) and its catalogue entry. A module is
named by its handle `tfedu/<name>/<version>` or by its bare `<name>`.
"""

from __future__ import annotations

import copy
import functools
import json
import os

__all__ = ["list_modules", "module_path", "module_info", "names", "MODULES_DIR"]

MODULES_DIR = os.path.join(os.path.dirname(__file__), "modules")
CATALOGUE_FILE = os.path.join(MODULES_DIR, "catalogue.json")


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict:
    if not os.path.isfile(CATALOGUE_FILE):
        return {}
    with open(CATALOGUE_FILE, encoding="utf8") as f:
        return json.load(f)


def _dir_size(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def names() -> list[str]:
    """The catalogue's handles (`tfedu/<name>/<version>`)."""
    return [entry["handle"] for entry in _catalogue().values()]


def _entry(handle: str):
    cat = _catalogue()
    if handle in cat:
        return handle, cat[handle]
    for name, entry in cat.items():
        if handle in (entry["handle"], entry["handle"].rstrip("/") + "/"):
            return name, entry
    return None, None


def module_path(handle: str) -> str | None:
    """The directory of the shipped module `handle` names, or None."""
    name, _ = _entry(handle)
    return None if name is None else os.path.join(MODULES_DIR, name)


def module_info(handle: str) -> dict:
    """One module's catalogue entry, with its directory and its size on disk."""
    name, entry = _entry(handle)
    if name is None:
        raise KeyError(f"No module '{handle}' in tfedu's catalogue (it has: "
                       f"{', '.join(names())})")
    info = copy.deepcopy(entry)
    info["name"] = name
    info["path"] = os.path.join(MODULES_DIR, name)
    info["size_bytes"] = _dir_size(info["path"])
    info["model_card"] = os.path.join(info["path"], "MODEL_CARD.md")
    return info


def list_modules() -> dict:
    """The catalogue as `{handle: info}`; each info has at least `input_shape`,
    `output_shape`, `description` and `size_bytes` (the files' total size)."""
    return {entry["handle"]: module_info(name) for name, entry in _catalogue().items()}
