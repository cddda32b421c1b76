"""Dataset builders, the catalogue, split slicing and checksummed storage (the TFDS model).

A builder describes a dataset (`_info`) and produces its splits as arrays (`_generate_splits`).
`download_and_prepare()` stores each split as `<data_dir>/<name>/<version>/<name>-<split>.npz`
next to `dataset_info.json`, which records the SHA-256 of every file; loading verifies them,
so a damaged file is reported instead of silently giving wrong data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import textwrap
from collections.abc import Callable

import numpy as np

from tfedu.datasets import features as features_lib


class ChecksumError(ValueError):
    """A stored or downloaded file does not have the SHA-256 it should have."""


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_file(path: str, expected: str) -> None:
    """Raises `ChecksumError` naming the file and both hashes when they differ."""
    got = sha256_file(path)
    if got != expected:
        raise ChecksumError(
            f"Checksum mismatch for {path}: expected sha256 {expected}, got {got}. The file is "
            f"corrupted or was changed; delete it and load the dataset again.")


def default_data_dir() -> str:
    """`$TFEDU_DATA_DIR`, else `datasets/` under tfedu's user cache directory."""
    env = os.environ.get("TFEDU_DATA_DIR")
    if env:
        return env
    from tfedu._cache import cache_root

    return os.path.join(cache_root(), "datasets")


# --- info ------------------------------------------------------------------------------------
class SplitInfo:
    """Size of one split (`info.splits['train'].num_examples`)."""

    def __init__(self, name: str, num_examples: int, num_shards: int = 1):
        self.name = name
        self.num_examples = int(num_examples)
        self.num_shards = num_shards

    def __repr__(self):
        return f"<SplitInfo num_examples={self.num_examples}, num_shards={self.num_shards}>"


class DatasetInfo:
    """What a dataset is: description, features, splits, supervised keys, citation, homepage."""

    def __init__(self, builder=None, description: str = "", features=None,
                 supervised_keys: tuple[str, str] | None = None, homepage: str = "",
                 citation: str = "", splits: dict | None = None, name: str | None = None,
                 version: str | None = None):
        self.name = name or (builder.name if builder is not None else "")
        self.version = str(version or (builder.VERSION if builder is not None else "1.0.0"))
        self.description = description
        self.features = features if features is not None else features_lib.FeaturesDict()
        if not isinstance(self.features, features_lib.FeaturesDict):
            self.features = features_lib.FeaturesDict(self.features)
        self.supervised_keys = tuple(supervised_keys) if supervised_keys else None
        self.homepage = homepage
        self.citation = citation
        self.splits = dict(splits or {})
        self.data_dir = None

    @property
    def full_name(self) -> str:
        return f"{self.name}/{self.version}"

    def __repr__(self):
        feats = "\n    ".join(repr(self.features).splitlines())
        desc = textwrap.fill(" ".join(self.description.split()), 92, initial_indent="    ",
                             subsequent_indent="    ")
        splits = "".join(f"        '{k}': {self.splits[k]!r},\n" for k in sorted(self.splits))
        return (
            "tfedu.datasets.DatasetInfo(\n"
            f"    name='{self.name}',\n"
            f"    full_name='{self.full_name}',\n"
            f'    description="""\n{desc}\n    """,\n'
            f"    homepage='{self.homepage}',\n"
            f"    data_dir='{self.data_dir}',\n"
            f"    features={feats},\n"
            f"    supervised_keys={self.supervised_keys!r},\n"
            f"    splits={{\n{splits}    }},\n"
            f'    citation="""{self.citation.strip()}""",\n'
            ")")


# --- split strings ---------------------------------------------------------------------------
_SPLIT_RE = re.compile(r"^([\w.-]+)(?:\[([^\]:]*):([^\]]*)\])?$")


def _bound(text: str, n: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        if text.endswith("%"):
            pct = float(text[:-1])
            if not -100 <= pct <= 100:
                raise ValueError
            return int(round(pct * n / 100.0))
        return int(text)
    except ValueError:
        raise ValueError(f"Invalid split boundary '{text}': use an integer or a percent such "
                         f"as 80%.") from None


def split_indices(spec: str, sizes: dict[str, int]) -> list[tuple[str, slice]]:
    """Parses `"train[:80%]+test"` into [(split, python slice)] using the split sizes."""
    parts = []
    for piece in str(spec).replace(" ", "").split("+"):
        m = _SPLIT_RE.match(piece)
        if not m:
            raise ValueError(f"Unrecognized split format: '{spec}'. See the split API: "
                             f"'train', 'train[:80%]', 'train[10:20]', 'train+test'.")
        name, lo, hi = m.group(1), m.group(2), m.group(3)
        if name not in sizes:
            raise ValueError(f"Unknown split '{name}'. Should be one of {sorted(sizes)}.")
        n = sizes[name]
        if lo is None:
            parts.append((name, slice(0, n)))
        else:
            start, stop, _ = slice(_bound(lo, n), _bound(hi, n)).indices(n)
            parts.append((name, slice(start, max(start, stop))))
    return parts


# --- builders and the catalogue ----------------------------------------------------------------
_REGISTRY: dict[str, Callable[..., DatasetBuilder]] = {}


def _snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class DatasetBuilder:
    """Describes a dataset and prepares it; subclass it (or use `from_arrays` / `from_csv` /
    `from_image_folder`) to add your own data.

    Subclasses set `VERSION`, implement `_info()` (a `DatasetInfo`) and `_generate_splits()`
    (`{"train": {"image": array, "label": array}, ...}`, one array per feature, examples along
    axis 0). A subclass is registered under the snake_case of its class name (or `name = ...`)
    so `tfedu.datasets.load("my_data")` finds it; pass `skip_registration=True` to opt out.
    """

    name: str = ""
    VERSION: str = "1.0.0"

    def __init_subclass__(cls, skip_registration: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = _snake(cls.__name__)
        if not skip_registration:
            _REGISTRY[cls.name] = cls

    def __init__(self, data_dir: str | None = None):
        self.data_dir = data_dir or default_data_dir()
        self._info_cache = None

    # -- to override --
    def _info(self) -> DatasetInfo:
        raise NotImplementedError

    def _generate_splits(self) -> dict[str, dict[str, np.ndarray]]:
        raise NotImplementedError

    # -- storage --
    @property
    def prepared_dir(self) -> str:
        return os.path.join(self.data_dir, self.name, str(self.VERSION))

    def _meta_path(self) -> str:
        return os.path.join(self.prepared_dir, "dataset_info.json")

    def _read_meta(self) -> dict | None:
        try:
            with open(self._meta_path(), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def is_prepared(self) -> bool:
        return self._read_meta() is not None

    def download_and_prepare(self) -> None:
        """Produces every split and stores it with checksums (no-op when already prepared)."""
        if self.is_prepared():
            return
        info = self._info()
        splits = self._generate_splits()
        os.makedirs(self.prepared_dir, exist_ok=True)
        meta = {"name": self.name, "version": str(self.VERSION), "splits": {},
                "features": info.features.to_json()}
        for split, arrays in splits.items():
            enc = {}
            for key, feat in info.features.items():
                if key not in arrays:
                    raise ValueError(f"Split '{split}' of {self.name} has no feature '{key}'.")
                enc[key] = feat.encode(arrays[key])
            sizes = {len(v) for v in enc.values()}
            if len(sizes) != 1:
                raise ValueError(f"Split '{split}' of {self.name}: features have different "
                                 f"numbers of examples {sorted(sizes)}.")
            fname = f"{self.name}-{split}.npz"
            path = os.path.join(self.prepared_dir, fname)
            _atomic_savez(path, enc)
            meta["splits"][split] = {"file": fname, "num_examples": sizes.pop(),
                                     "sha256": sha256_file(path)}
        fd, tmp = tempfile.mkstemp(dir=self.prepared_dir, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
        os.replace(tmp, self._meta_path())
        self._info_cache = None

    def _split_sizes(self) -> dict[str, int]:
        meta = self._read_meta()
        if meta is None:
            self._not_prepared()
        return {k: v["num_examples"] for k, v in meta["splits"].items()}

    def _load_split(self, split: str) -> dict[str, np.ndarray]:
        """Reads one stored split after verifying its SHA-256."""
        entry = self._read_meta()["splits"][split]
        path = os.path.join(self.prepared_dir, entry["file"])
        verify_file(path, entry["sha256"])
        with np.load(path) as z:
            return {k: z[k] for k in z.files}

    def _not_prepared(self):
        raise AssertionError(
            f"Dataset {self.name}: could not find data in {self.data_dir}. Please make sure to "
            f"call dataset_builder.download_and_prepare(), or pass download=True to "
            f"tfedu.datasets.load() before trying to access the tf.data.Dataset object.")

    # -- public --
    @property
    def info(self) -> DatasetInfo:
        if self._info_cache is None:
            info = self._info()
            info.name, info.version = self.name, str(self.VERSION)
            try:
                sizes = self._split_sizes()
            except AssertionError:
                sizes = {}
            info.splits = {k: SplitInfo(k, n) for k, n in sizes.items()}
            info.data_dir = self.prepared_dir if sizes else None
            self._info_cache = info
        return self._info_cache

    def as_arrays(self, split: str) -> dict[str, np.ndarray]:
        """The examples of a split expression (`"train[:80%]+test"`) as numpy arrays."""
        parts = split_indices(split, self._split_sizes())
        chunks = []
        for name, sl in parts:
            arrays = self._load_split(name)
            chunks.append({k: v[sl] for k, v in arrays.items()})
        if len(chunks) == 1:
            return chunks[0]
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}

    def as_dataset(self, split=None, batch_size: int | None = None, shuffle_files: bool = False,
                   as_supervised: bool = False, read_config=None, decoders=None):
        """A `tf.data.Dataset` per split expression (a dict when `split` is None, a list for a
        list). Elements are feature dicts, or `(input, label)` with `as_supervised=True`."""
        if split is None:
            return {k: self.as_dataset(k, batch_size, shuffle_files, as_supervised)
                    for k in sorted(self._split_sizes())}
        if isinstance(split, (list, tuple)):
            return [self.as_dataset(s, batch_size, shuffle_files, as_supervised) for s in split]
        arrays = self.as_arrays(split)
        if as_supervised:
            keys = self.info.supervised_keys
            if not keys:
                raise ValueError(f"as_supervised=True but {self.name} does not support a "
                                 f"supervised structure.")
            structure = (arrays[keys[0]], arrays[keys[1]])
        else:
            structure = {k: arrays[k] for k in sorted(arrays)}
        if batch_size == -1:
            import tfedu

            return tfedu.nest.map_structure(tfedu.constant, structure)
        import tfedu

        ds = tfedu.data.Dataset.from_tensor_slices(structure)
        if shuffle_files:
            n = len(next(iter(arrays.values())))
            ds = ds.shuffle(max(n, 1), reshuffle_each_iteration=True)
        if batch_size:
            ds = ds.batch(batch_size)
        return ds

    def _with_data_dir(self, data_dir: str | None) -> DatasetBuilder:
        """A copy of this builder reading and writing under `data_dir` (None keeps its own)."""
        import copy

        out = copy.copy(self)
        out.data_dir = data_dir or self.data_dir
        out._info_cache = None
        return out

    def register(self) -> DatasetBuilder:
        """Adds this builder to the catalogue under `self.name`; returns self."""
        register(self)
        return self

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} version={self.VERSION!r}>"

    # -- constructors for user data --
    @staticmethod
    def from_arrays(name: str, splits: dict, features=None, supervised_keys=None,
                    label_names=None, description: str = "", homepage: str = "",
                    citation: str = "", version: str = "1.0.0",
                    data_dir: str | None = None) -> DatasetBuilder:
        """A builder over in-memory arrays: `splits={"train": {"x": X, "label": y}, ...}`;
        a `(x, y)` tuple per split means features `x` and `label`."""
        from tfedu.datasets.user import ArrayBuilder

        return ArrayBuilder(name, splits, features=features, supervised_keys=supervised_keys,
                            label_names=label_names, description=description,
                            homepage=homepage, citation=citation, version=version,
                            data_dir=data_dir)

    @staticmethod
    def from_csv(name: str, path, label_column: str = "label", splits=None,
                 description: str = "", data_dir: str | None = None) -> DatasetBuilder:
        """A builder over a CSV file with a header: numeric columns become `features`
        (float32) and `label_column` the label; `path` may be `{"train": p1, "test": p2}`."""
        from tfedu.datasets.user import CsvBuilder

        return CsvBuilder(name, path, label_column=label_column, description=description,
                          data_dir=data_dir)

    @staticmethod
    def from_image_folder(name: str, root: str, image_size: tuple[int, int] | None = None,
                          description: str = "", data_dir: str | None = None) -> DatasetBuilder:
        """A builder over `root/<split>/<class name>/<image file>` (PNG/JPEG need Pillow or
        matplotlib; `.npy` files always work). Classes are sorted folder names."""
        from tfedu.datasets.user import ImageFolderBuilder

        return ImageFolderBuilder(name, root, image_size=image_size, description=description,
                                  data_dir=data_dir)


def _atomic_savez(path: str, arrays: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def register(builder) -> None:
    """Adds a builder instance (or builder class) to the catalogue."""
    if isinstance(builder, type):
        _REGISTRY[builder.name] = builder
    else:
        _REGISTRY[builder.name] = lambda data_dir=None, _b=builder: _b._with_data_dir(data_dir)


def list_builders() -> list[str]:
    """Names of every dataset in the catalogue."""
    _ensure_builtins()
    return sorted(_REGISTRY)


def _ensure_builtins() -> None:
    import tfedu.datasets.builtin  # noqa: F401  (registers digits, iris, mnist, fashion_mnist)


def builder(name: str, data_dir: str | None = None) -> DatasetBuilder:
    """The builder registered as `name` (`"mnist"`, or `"mnist:3.0.1"`)."""
    _ensure_builtins()
    base = name.split(":")[0]
    if base not in _REGISTRY:
        raise ValueError(f"Dataset {base} not found. Available datasets: "
                         f"{', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[base](data_dir=data_dir)


def load(name: str, *, split=None, data_dir: str | None = None, batch_size: int | None = None,
         shuffle_files: bool = False, download: bool = True, as_supervised: bool = False,
         decoders=None, read_config=None, with_info: bool = False, builder_kwargs=None,
         download_and_prepare_kwargs=None, as_dataset_kwargs=None, try_gcs: bool = False):
    """Loads a catalogue dataset as `tf.data.Dataset`(s), preparing it first when needed.

    `split` is None (dict of all splits), a string such as `"train[:80%]"`, `"test[-10%:]"`,
    `"train[10:20]"`, `"train+test"`, or a list of them. With `with_info=True` returns
    `(ds, info)`.
    """
    b = builder(name, data_dir=data_dir)
    if download:
        b.download_and_prepare()
    elif not b.is_prepared():
        b._not_prepared()
    ds = b.as_dataset(split=split, batch_size=batch_size, shuffle_files=shuffle_files,
                      as_supervised=as_supervised)
    return (ds, b.info) if with_info else ds


def as_numpy(dataset):
    """NumPy view of a dataset (an iterator) or of tensors from `batch_size=-1`."""
    import tfedu

    if isinstance(dataset, tfedu.data.Dataset):
        return dataset.as_numpy_iterator()
    return tfedu.nest.map_structure(lambda t: np.asarray(t), dataset)
