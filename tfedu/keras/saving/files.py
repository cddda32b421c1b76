"""Careful file access for the Keras formats: atomic writes, bounded zip reads, plain HDF5 data.

Files are built in memory, then written to a temporary file in the target's directory and
renamed over the target, so a failed save leaves the old file (or nothing) and no temporary
file behind. Reads accept only what
the formats hold: named zip members of bounded size, HDF5 groups and numeric datasets reached by
hard links (no external or soft links, no virtual or external-storage datasets, no object or
string dtypes), and string attributes.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np

MAX_JSON_BYTES = 64 << 20
MAX_MEMBER_BYTES = 8 << 30
MAX_RATIO = 1000  # a member inflating more than this from its compressed size is refused


def atomic_write(path, data: bytes):
    """Write `data` to `path` atomically (tfedu.train.files: a temporary file in the same
    directory, made readable as a normal file, then renamed)."""
    from tfedu.train.files import atomic_write as write_atomically

    write_atomically(path, lambda f: f.write(data))


def h5_bytes(fill) -> bytes:
    """The bytes of an HDF5 file that `fill(h5file)` writes (built in memory)."""
    import io

    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        fill(f)
    return buf.getvalue()


# --- zip ------------------------------------------------------------------------------------
def read_member(archive: zipfile.ZipFile, name: str, limit=MAX_MEMBER_BYTES) -> bytes:
    """The bytes of one archive member, refusing oversized or bomb-like members."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"The archive has no `{name}`: it is not a Keras `.keras` file. "
                         f"Members: {archive.namelist()[:10]}") from None
    if info.file_size > limit or (
            info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size,
                                                                              1)):
        raise ValueError(f"Refusing to read `{name}` from the archive: it expands to "
                         f"{info.file_size} bytes from {info.compress_size}.")
    with archive.open(info) as f:
        data = f.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ValueError(f"`{name}` in the archive is larger than its header says.")
    return data


def read_json(data, what: str):
    """Parse JSON text (plain data only), with a clear ValueError when it is not JSON."""
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"{what} is too large ({len(data)} bytes).")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{what} is not valid JSON: {e}") from None


# --- HDF5 -----------------------------------------------------------------------------------
def _checked_link(parent, name):
    import h5py

    link = parent.get(name, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"Refusing the HDF5 link '{name}' in '{parent.name}': a Keras file "
                         f"holds only plain groups and datasets (found {type(link).__name__}).")
    return parent[name]


def h5_group(parent, path):
    """The group at `path` (slash-separated) under `parent`, or None when absent."""
    import h5py

    node = parent
    for part in [p for p in path.split("/") if p]:
        node = _checked_link(node, part)
        if node is None:
            return None
        if not isinstance(node, h5py.Group):
            raise ValueError(f"Expected an HDF5 group at '{node.name}', found a dataset.")
    return node


def h5_array(group, name, expected_shape=None) -> np.ndarray:
    """A numeric dataset's values, after checking it is plain data of the expected shape."""
    import h5py

    ds = _checked_link(group, name)
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"Expected an HDF5 dataset at '{group.name}/{name}'.")
    if ds.is_virtual or ds.external:
        raise ValueError(f"Refusing the HDF5 dataset '{ds.name}': its data lives in other files.")
    if ds.dtype.kind not in "biuf" or ds.dtype.fields is not None:
        raise ValueError(f"Refusing the HDF5 dataset '{ds.name}': dtype {ds.dtype} is not a "
                         "plain number type.")
    if expected_shape is not None and tuple(ds.shape) != tuple(expected_shape):
        raise ValueError(f"The shape of the target variable and the shape of the target value in "
                         f"`variable.assign(value)` must match. variable.shape={tuple(expected_shape)}, "
                         f"Received: value.shape={tuple(ds.shape)}. Dataset: {ds.name}")
    return np.asarray(ds[()])


def as_variable_dtype(value, variable) -> np.ndarray:
    """`value` cast to the variable's dtype (files may store float64 for a float32 weight)."""
    from tfedu.framework import dtypes

    return np.asarray(value, dtype=dtypes.as_dtype(variable.dtype).as_numpy_dtype)


def h5_text_attr(obj, name):
    """A string attribute (bytes decoded), None when absent; other kinds are refused."""
    if name not in obj.attrs:
        return None
    value = obj.attrs[name]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    raise ValueError(f"The HDF5 attribute '{name}' of '{obj.name}' is not text.")


def h5_text_list_attr(obj, name) -> list:
    """A list-of-strings attribute, also read from Keras's chunked `name0`, `name1`, ..."""
    if name in obj.attrs:
        chunks = [obj.attrs[name]]
    else:
        chunks, i = [], 0
        while f"{name}{i}" in obj.attrs:
            chunks.append(obj.attrs[f"{name}{i}"])
            i += 1
    out = []
    for chunk in chunks:
        arr = np.asarray(chunk)
        if arr.size and arr.dtype.kind not in "OSU":
            raise ValueError(f"The HDF5 attribute '{name}' of '{obj.name}' is not a list of names.")
        out += [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in arr.reshape(-1)]
    return out
