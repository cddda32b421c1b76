"""`keras.utils`: files (get_file with its cache), datasets from folders of images or texts,
time-series windows, images as arrays, one-hot labels, sequence padding, dataset splits,
plot_model, Progbar.

`get_file` works offline from its cache (`~/.keras/<cache_subdir>`, or `$KERAS_HOME`): a file
already there is used as is; a missing one is downloaded from `origin` (any URL urllib opens,
`file://` included), and a failed download says where to put the file by hand.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import tarfile
import urllib.request
import zipfile

import numpy as np

import tfedu as tf
from tfedu.keras.callbacks import Progbar
from tfedu.keras.dataset_split import split_dataset

__all__ = ["Progbar", "array_to_img", "get_file", "image_dataset_from_directory", "img_to_array",
           "load_img", "normalize", "pad_sequences", "plot_model", "save_img", "set_random_seed",
           "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical"]


def set_random_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def to_categorical(y, num_classes=None, dtype="float64"):
    y = np.asarray(y, dtype="int64")
    shape = y.shape[:-1] if y.ndim > 1 and y.shape[-1] == 1 else y.shape
    y = y.reshape(-1)
    n = int(num_classes or (y.max() + 1 if y.size else 0))
    out = np.zeros((y.size, n), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (n,))


def normalize(x, axis=-1, order=2):
    x = np.asarray(x, dtype=np.float64)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) each sequence to `maxlen`, at the start ("pre") or end ("post")."""
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood' if padding not in
                         ("pre", "post") else f'Truncating type "{truncating}" not understood')
    seqs = [list(s) for s in sequences]
    maxlen = maxlen if maxlen is not None else max((len(s) for s in seqs), default=0)
    out = np.full((len(seqs), maxlen), value, dtype=dtype)
    for i, s in enumerate(seqs):
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if not s:
            continue
        if padding == "post":
            out[i, :len(s)] = s
        else:
            out[i, -len(s):] = s
    return out


# ---------------------------------------------------------------------------------------------
# get_file

def _cache_root(cache_dir):
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"),
                                                                   ".keras")
    return cache_dir


def _hash(path, algorithm):
    h = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(origin, fpath):
    tmp = fpath + ".part"
    try:
        with urllib.request.urlopen(origin) as r, open(tmp, "wb") as out:
            shutil.copyfileobj(r, out)
        os.replace(tmp, fpath)
    except (OSError, ValueError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        reason = getattr(e, "reason", None) or e
        raise Exception(
            f"URL fetch failure on {origin}: {getattr(e, 'errno', None)} -- {reason}\n"
            f"tfedu works offline from the cache: download the file elsewhere and put it at "
            f"{fpath}, then call get_file again.") from None


def _extract(fpath, dest, archive_format):
    if zipfile.is_zipfile(fpath) and archive_format in ("auto", "zip"):
        with zipfile.ZipFile(fpath) as z:
            z.extractall(dest)
        return True
    if tarfile.is_tarfile(fpath) and archive_format in ("auto", "tar"):
        with tarfile.open(fpath) as t:
            t.extractall(dest, filter="data")
        return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of `fname`, from the cache or downloaded from `origin` into it."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if not fname:
        fname = os.path.basename(urllib.request.urlparse(origin).path)
        if not fname:
            raise ValueError("Can't parse the file name from the origin provided: "
                             f"'{origin}'.Please specify the `fname` argument.")
    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    fpath = os.path.join(datadir, fname + (".tar.gz" if untar else ""))
    want = file_hash or md5_hash
    algo = "md5" if md5_hash or (hash_algorithm == "md5") or (
        want and len(want) == 32 and hash_algorithm == "auto") else "sha256"
    stale = want is not None and os.path.exists(fpath) and _hash(fpath, algo) != want
    if force_download or stale or not os.path.exists(fpath):
        _download(origin, fpath)
        if want is not None and _hash(fpath, algo) != want:
            raise ValueError(f"Incomplete or corrupted file detected. The {algo} file hash does "
                             f"not match the provided value of {want}.")
    if untar or extract:
        dest = os.path.join(datadir, fname + "_extracted") if extract else datadir
        if not os.path.exists(dest) or untar:
            _extract(fpath, dest, "tar" if untar else archive_format)
        return os.path.join(datadir, fname) if untar else dest
    return fpath


# ---------------------------------------------------------------------------------------------
# images

def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    from PIL import Image

    img = Image.open(path)
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}.get(color_mode)
    if mode is None:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    img = img.convert(mode)
    if target_size is not None:
        img = img.resize((target_size[1], target_size[0]), Image.NEAREST if
                         interpolation == "nearest" else Image.BILINEAR)
    return img


def img_to_array(img, data_format=None, dtype="float32"):
    a = np.asarray(img, dtype=dtype)
    return a[:, :, None] if a.ndim == 2 else a


def array_to_img(x, data_format=None, scale=True, dtype=None):
    from PIL import Image

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if scale:
        x = x - x.min()
        m = x.max()
        x = x / m * 255 if m else x
    x = x.astype("uint8")
    return Image.fromarray(x[:, :, 0] if x.shape[2] == 1 else x)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    array_to_img(x, scale=scale).save(path, format=file_format)


_IMAGE_EXT = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _index_directory(directory, labels, formats, class_names, shuffle, seed):
    if labels not in ("inferred", None):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the "
                         "same size as the number of files in the target directory. If you wish "
                         "to infer the labels from the subdirectory names in the target "
                         'directory, pass `labels="inferred"`.')
    subdirs = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    if class_names is not None:
        if sorted(class_names) != sorted(subdirs) and set(class_names) - set(subdirs):
            raise ValueError(f"The `class_names` passed did not match the names of the "
                             f"subdirectories of the target directory. Expected: {subdirs} "
                             f"(or a subset of it), but received: class_names={class_names}")
        subdirs = list(class_names)
    paths, labs = [], []
    for i, d in enumerate(subdirs):
        for root, _, files in sorted(os.walk(os.path.join(directory, d))):
            for f in sorted(files):
                if f.lower().endswith(formats):
                    paths.append(os.path.join(root, f))
                    labs.append(i)
    if shuffle:
        order = np.random.RandomState(seed if seed is not None else None).permutation(len(paths))
        paths, labs = [paths[i] for i in order], [labs[i] for i in order]
    return paths, labs, subdirs


def _split(paths, labs, validation_split, subset, seed):
    if not validation_split:
        return paths, labs
    if subset not in ("training", "validation", "both"):
        raise ValueError('If `validation_split` is set, `subset` must be one of "training", '
                         f'"validation", or "both". Received: subset={subset}')
    n_val = int(validation_split * len(paths))
    if subset == "training":
        return paths[:len(paths) - n_val], labs[:len(paths) - n_val]
    return paths[len(paths) - n_val:], labs[len(paths) - n_val:]


def _labels(labs, label_mode, n):
    if label_mode == "int":
        return tf.constant(np.asarray(labs, np.int32))
    if label_mode == "categorical":
        return tf.constant(to_categorical(labs, n, "float32"))
    if label_mode == "binary":
        if n != 2:
            raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                             f"class_names. Received: class_names={n}")
        return tf.constant(np.asarray(labs, np.float32)[:, None])
    return None


def _finish(ds, labels, batch_size, class_names):
    if labels is not None:
        ds = tf.data.Dataset.zip((ds, tf.data.Dataset.from_tensor_slices(labels)))
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = class_names
    ds.file_paths = None
    return ds


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A dataset of (images, labels) from `directory/<class name>/<image files>`."""
    if subset == "both":
        return [image_dataset_from_directory(
            directory, labels, label_mode, class_names, color_mode, batch_size, image_size,
            shuffle, seed, validation_split, s, interpolation) for s in ("training", "validation")]
    paths, labs, names = _index_directory(directory, labels, _IMAGE_EXT, class_names, shuffle,
                                          seed)
    n_all = len(paths)
    paths, labs = _split(paths, labs, validation_split, subset, seed)
    if verbose:
        print(f"Found {n_all} files belonging to {len(names)} classes.")
        if validation_split:
            print(f"Using {len(paths)} files for {subset}.")
    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode]
    size = list(image_size)

    def load(p):
        img = tf.io.decode_image(tf.io.read_file(p), channels=channels, expand_animations=False)
        img = tf.image.resize(img, size, method=interpolation)
        img.set_shape(size + [channels])
        return img
    ds = tf.data.Dataset.from_tensor_slices(paths).map(load)
    return _finish(ds, _labels(labs, label_mode, len(names)), batch_size, names)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """A dataset of (texts, labels) from `directory/<class name>/<.txt files>`."""
    paths, labs, names = _index_directory(directory, labels, (".txt",), class_names, shuffle,
                                          seed)
    n_all = len(paths)
    paths, labs = _split(paths, labs, validation_split, subset, seed)
    if verbose:
        print(f"Found {n_all} files belonging to {len(names)} classes.")
        if validation_split:
            print(f"Using {len(paths)} files for {subset}.")
    texts = []
    for p in paths:
        with open(p, "rb") as f:
            t = f.read()
        texts.append(t[:max_length] if max_length else t)
    ds = tf.data.Dataset.from_tensor_slices(tf.constant(np.array(texts, dtype=object)))
    return _finish(ds, _labels(labs, label_mode, len(names)), batch_size, names)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over `data` (with the target at each window's start) as batches."""
    data = np.asarray(data)
    start = start_index or 0
    end = end_index if end_index is not None else len(data)
    span = (sequence_length - 1) * sampling_rate
    starts = np.arange(start, end - span, sequence_stride)
    if shuffle:
        np.random.RandomState(seed).shuffle(starts)
    idx = starts[:, None] + np.arange(sequence_length) * sampling_rate
    windows = tf.data.Dataset.from_tensor_slices(data[idx]) if len(starts) else \
        tf.data.Dataset.from_tensor_slices(np.zeros((0, sequence_length) + data.shape[1:],
                                                    data.dtype))
    if targets is not None:
        t = np.asarray(targets)[starts]
        windows = tf.data.Dataset.zip((windows, tf.data.Dataset.from_tensor_slices(t)))
    return windows.batch(batch_size)


# ---------------------------------------------------------------------------------------------
# plot_model

def model_to_dot(model, **kwargs):
    """Graphviz DOT of the model's forward graph (the graph view's drawing)."""
    return _model_graph(model).to_dot()


def _model_graph(model):
    from tfedu.viz import show_graph

    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")
    inputs = getattr(model, "inputs", None) or [i for i in tf.nest.flatten(
        getattr(model, "input", None)) if i is not None]
    if inputs:
        specs = [tf.TensorSpec(i.shape, i.dtype) for i in inputs]
    else:
        shape = getattr(model, "_batch_input_shape", None) or model._build_input_shape
        specs = [tf.TensorSpec(shape, tf.float32)]
    fn = tf.function(lambda *xs: model(list(xs) if len(xs) > 1 else xs[0]))
    concrete = fn.get_concrete_function(*specs)
    return show_graph(concrete, title=model.name)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw the model's forward graph with tfedu's graph view; write it to `to_file` (SVG when
    Graphviz's `dot` is installed, else its DOT source) and return the view to display."""
    view = _model_graph(model)
    if to_file:
        svg = view._repr_svg_() if hasattr(view, "_repr_svg_") else None
        data = svg if svg and to_file.endswith(".svg") else view.to_dot()
        from tfedu.ops.io_ops import atomic_write

        atomic_write(to_file, data.encode("utf-8"))
    return view


_SAVING_NAMES = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                 "get_custom_objects", "get_registered_name", "get_registered_object",
                 "register_keras_serializable", "serialize_keras_object")


def __getattr__(name):
    """The saving registry's names, as `keras.utils` exposes them (loaded on first use)."""
    if name in _SAVING_NAMES:
        from tfedu.keras import saving

        return getattr(saving, name)
    raise AttributeError(f"module 'tfedu.keras.utils' has no attribute '{name}'")
