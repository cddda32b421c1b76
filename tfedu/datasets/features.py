"""Feature descriptions (`tfds.features`): the shape, dtype and meaning of each field of an example."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


class FeatureConnector:
    """Base class: a field with a fixed `shape` (None for a variable dimension) and `dtype`."""

    def __init__(self, shape=(), dtype="float32"):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    def encode(self, values) -> np.ndarray:
        """Converts a whole column of values to the stored array (checking the shape)."""
        arr = np.asarray(values)
        if not np.can_cast(arr.dtype, self.dtype, casting="same_kind") and arr.dtype.kind != "O":
            raise TypeError(f"{type(self).__name__} expects dtype {_dtype_name(self.dtype)}; "
                            f"got {_dtype_name(arr.dtype)}")
        arr = arr.astype(self.dtype, copy=False)
        got = arr.shape[1:]
        if len(got) != len(self.shape) or any(
                s is not None and s != g for s, g in zip(self.shape, got)):
            raise ValueError(f"{type(self).__name__} expects examples of shape {self.shape}; "
                             f"got {got}")
        return arr

    def to_json(self) -> dict:
        return {"type": type(self).__name__, "shape": list(self.shape),
                "dtype": _dtype_name(self.dtype)}

    def __repr__(self):
        return f"{type(self).__name__}(shape={self.shape}, dtype={_dtype_name(self.dtype)})"


class Tensor(FeatureConnector):
    """A plain numeric array per example."""

    def __init__(self, shape=(), dtype="float32"):
        super().__init__(shape, dtype)


class Image(FeatureConnector):
    """An image of shape (height, width, channels), uint8 by default."""

    def __init__(self, shape=(None, None, 3), dtype="uint8"):
        super().__init__(shape, dtype)


class ClassLabel(FeatureConnector):
    """An int64 class index, with optional class names (`int2str`, `str2int`)."""

    def __init__(self, num_classes: int | None = None, names: Iterable[str] | None = None):
        super().__init__((), "int64")
        if names is None and num_classes is None:
            raise ValueError("ClassLabel needs `num_classes` or `names`.")
        if names is not None:
            self.names = [str(n) for n in names]
            if num_classes is not None and num_classes != len(self.names):
                raise ValueError(f"num_classes={num_classes} does not match {len(self.names)} "
                                 f"names.")
        else:
            self.names = [str(i) for i in range(int(num_classes))]
        self.num_classes = len(self.names)

    def int2str(self, index: int) -> str:
        index = int(index)
        if not 0 <= index < self.num_classes:
            raise ValueError(f"Invalid integer {index}: it should be in [0, {self.num_classes}).")
        return self.names[index]

    def str2int(self, name: str) -> int:
        try:
            return self.names.index(str(name))
        except ValueError:
            raise ValueError(f"Invalid string class label {name}") from None

    def encode(self, values) -> np.ndarray:
        arr = np.asarray(values)
        if arr.dtype.kind in "USO":
            arr = np.array([self.str2int(v) for v in arr.reshape(-1)], dtype=np.int64)
        arr = super().encode(arr)
        if arr.size and (arr.min() < 0 or arr.max() >= self.num_classes):
            raise ValueError(f"ClassLabel values must be in [0, {self.num_classes}); got "
                             f"[{arr.min()}, {arr.max()}]")
        return arr

    def to_json(self) -> dict:
        return {**super().to_json(), "names": self.names}

    def __repr__(self):
        return f"ClassLabel(shape=(), dtype=int64, num_classes={self.num_classes})"


class FeaturesDict(dict):
    """The fields of one example, by name (a dict of feature connectors)."""

    def __repr__(self):
        lines = ["FeaturesDict({"]
        for k in sorted(self):
            lines.append(f"    '{k}': {self[k]!r},")
        lines.append("})")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {k: v.to_json() for k, v in self.items()}


def from_json(spec: dict) -> FeaturesDict:
    """Rebuilds a `FeaturesDict` written by `FeaturesDict.to_json`."""
    out = FeaturesDict()
    for k, v in spec.items():
        if v["type"] == "ClassLabel":
            out[k] = ClassLabel(names=v["names"])
        elif v["type"] == "Image":
            out[k] = Image(tuple(v["shape"]), v["dtype"])
        else:
            out[k] = Tensor(tuple(v["shape"]), v["dtype"])
    return out


def infer_features(arrays: dict, label_names=None) -> FeaturesDict:
    """Feature descriptions guessed from arrays: an integer `label` becomes a `ClassLabel`."""
    out = FeaturesDict()
    for k, v in arrays.items():
        v = np.asarray(v)
        if k == "label" and (v.dtype.kind in "iuUSO"):
            if label_names is None:
                if v.dtype.kind in "USO":
                    label_names = sorted({str(x) for x in v.reshape(-1)})
                    out[k] = ClassLabel(names=label_names)
                else:
                    out[k] = ClassLabel(num_classes=int(v.max()) + 1 if v.size else 1)
            else:
                out[k] = ClassLabel(names=label_names)
        elif k == "image" and v.dtype == np.uint8:
            out[k] = Image(v.shape[1:], "uint8")
        else:
            dtype = np.float32 if v.dtype == np.float64 else v.dtype
            out[k] = Tensor(v.shape[1:], dtype)
    return out
