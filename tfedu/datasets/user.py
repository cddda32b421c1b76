"""Builders for a user's own data: arrays in memory, a CSV file, a folder of images."""

from __future__ import annotations

import csv
import os

import numpy as np

from tfedu.datasets import features as features_lib
from tfedu.datasets.core import DatasetBuilder, DatasetInfo


class _UserBuilder(DatasetBuilder, skip_registration=True):
    """Shared plumbing: the name and info are given at construction time."""

    def __init__(self, name: str, description: str = "", homepage: str = "", citation: str = "",
                 version: str = "1.0.0", data_dir: str | None = None):
        self.name = name
        self.VERSION = version
        self._description, self._homepage, self._citation = description, homepage, citation
        super().__init__(data_dir)

    def _make_info(self, features, supervised_keys):
        return DatasetInfo(builder=self, description=self._description, features=features,
                           supervised_keys=supervised_keys, homepage=self._homepage,
                           citation=self._citation)


class ArrayBuilder(_UserBuilder, skip_registration=True):
    """Splits given as dicts of arrays (or `(x, y)` tuples) in memory."""

    def __init__(self, name, splits, features=None, supervised_keys=None, label_names=None,
                 **kwargs):
        super().__init__(name, **kwargs)
        self._splits = {}
        for split, arrays in splits.items():
            if isinstance(arrays, (tuple, list)):
                arrays = {"x": arrays[0], "label": arrays[1]}
                supervised_keys = supervised_keys or ("x", "label")
            self._splits[split] = {k: np.asarray(v) for k, v in arrays.items()}
        first = next(iter(self._splits.values()))
        self._features = features or features_lib.infer_features(first, label_names)
        if supervised_keys is None and "label" in first and len(first) == 2:
            supervised_keys = (next(k for k in first if k != "label"), "label")
        self._supervised = supervised_keys

    def _info(self):
        return self._make_info(self._features, self._supervised)

    def _generate_splits(self):
        return self._splits


class CsvBuilder(_UserBuilder, skip_registration=True):
    """A CSV file with a header row: numeric columns become `features`, one column the label."""

    def __init__(self, name, path, label_column="label", **kwargs):
        super().__init__(name, **kwargs)
        self._paths = path if isinstance(path, dict) else {"train": path}
        self._label_column = label_column
        self._columns = None
        self._label_names = None

    def _read(self, path):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows:
            raise ValueError(f"{path} is empty.")
        header, body = rows[0], [r for r in rows[1:] if r]
        if self._label_column not in header:
            raise ValueError(f"{path} has no column '{self._label_column}' (columns: {header}).")
        li = header.index(self._label_column)
        cols = [h for i, h in enumerate(header) if i != li]
        x = np.array([[float(v) for i, v in enumerate(r) if i != li] for r in body],
                     dtype=np.float32).reshape(len(body), len(cols))
        labels = [r[li] for r in body]
        return cols, x, labels

    def _load_all(self):
        parsed = {s: self._read(p) for s, p in self._paths.items()}
        self._columns = next(iter(parsed.values()))[0]
        all_labels = [v for (_, _, lab) in parsed.values() for v in lab]
        try:
            [int(v) for v in all_labels]
            self._label_names = None
        except ValueError:
            self._label_names = sorted(set(all_labels))
        return parsed

    def _info(self):
        parsed = self._load_all()
        labels = [v for (_, _, lab) in parsed.values() for v in lab]
        if self._label_names:
            label = features_lib.ClassLabel(names=self._label_names)
        else:
            label = features_lib.ClassLabel(num_classes=max(int(v) for v in labels) + 1)
        feats = features_lib.FeaturesDict(
            features=features_lib.Tensor((len(self._columns),), "float32"), label=label)
        return self._make_info(feats, ("features", "label"))

    def _generate_splits(self):
        parsed = self._load_all()
        out = {}
        for split, (_, x, labels) in parsed.items():
            y = (np.array([self._label_names.index(v) for v in labels], np.int64)
                 if self._label_names else np.array([int(v) for v in labels], np.int64))
            out[split] = {"features": x, "label": y}
        return out


_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".npy")


def _read_image(path: str) -> np.ndarray:
    if path.endswith(".npy"):
        img = np.load(path)
    else:
        try:
            from PIL import Image as PILImage

            with PILImage.open(path) as im:
                img = np.asarray(im)
        except ImportError:
            try:
                import matplotlib.image as mpimg
            except ImportError:
                raise ImportError(f"Reading {path} needs Pillow or matplotlib "
                                  f"(pip install pillow); .npy images need neither.") from None
            img = mpimg.imread(path)
            if img.dtype != np.uint8:
                img = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    return img


class ImageFolderBuilder(_UserBuilder, skip_registration=True):
    """`root/<split>/<class>/<file>`: one split per top folder, one class per sub folder."""

    def __init__(self, name, root, image_size=None, **kwargs):
        super().__init__(name, **kwargs)
        self._root = root
        self._image_size = image_size

    def _scan(self):
        if not os.path.isdir(self._root):
            raise FileNotFoundError(f"No such image folder: {self._root}")
        splits = sorted(d for d in os.listdir(self._root)
                        if os.path.isdir(os.path.join(self._root, d)))
        classes = sorted({c for s in splits for c in os.listdir(os.path.join(self._root, s))
                          if os.path.isdir(os.path.join(self._root, s, c))})
        if not classes:
            raise ValueError(f"{self._root} should hold <split>/<class>/<image> folders.")
        return splits, classes

    def _info(self):
        splits, classes = self._scan()
        shape = (None, None, None) if self._image_size is None else (*self._image_size, None)
        feats = features_lib.FeaturesDict(image=features_lib.Image(shape, "uint8"),
                                          label=features_lib.ClassLabel(names=classes))
        return self._make_info(feats, ("image", "label"))

    def _generate_splits(self):
        splits, classes = self._scan()
        out = {}
        for s in splits:
            images, labels = [], []
            for ci, c in enumerate(classes):
                d = os.path.join(self._root, s, c)
                if not os.path.isdir(d):
                    continue
                for f in sorted(os.listdir(d)):
                    if f.lower().endswith(_IMAGE_EXT):
                        images.append(_read_image(os.path.join(d, f)))
                        labels.append(ci)
            shapes = {im.shape for im in images}
            if len(shapes) > 1:
                raise ValueError(f"Images in {os.path.join(self._root, s)} have different "
                                 f"shapes {sorted(shapes)}; pass image_size= after resizing "
                                 f"them to one size.")
            out[s] = {"image": np.stack(images).astype(np.uint8) if images else
                      np.zeros((0, 1, 1, 1), np.uint8),
                      "label": np.array(labels, np.int64)}
        return out
