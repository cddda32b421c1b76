"""File datasets beyond text lines: `TFRecordDataset`, `experimental.CsvDataset`,
`experimental.make_csv_dataset`.

`TFRecordDataset` yields each record of TFRecord files as a scalar string (parse it with
`tf.io.parse_single_example` in a `map`). `CsvDataset` yields one tuple per CSV line, typed by
`record_defaults`; `make_csv_dataset` infers the column types from the first rows, and batches
dicts of columns (plus a label), shuffled and repeated by default as TensorFlow's is.
"""

from __future__ import annotations

import collections
import glob
import os

import numpy as np

from tfedu.data.dataset_ops import Dataset
from tfedu.framework import dtypes, errors
from tfedu.framework.tensor_spec import TensorSpec


def _file_list(filenames):
    if isinstance(filenames, (str, bytes, os.PathLike)):
        filenames = [filenames]
    elif hasattr(filenames, "numpy"):
        filenames = list(np.asarray(filenames.numpy()).reshape(-1))
    return [f.decode() if isinstance(f, bytes) else os.fspath(f) for f in filenames]


class TFRecordDataset(Dataset):
    """The records of one or more TFRecord files, as scalar string elements."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        self._files = _file_list(filenames)
        self._compression = (compression_type or "").upper()
        self._element_spec = TensorSpec([], dtypes.string)

    def _iter_arrays(self):
        from tfedu.ops.record_io import read_records

        for path in self._files:
            for rec in read_records(path, self._compression):
                yield np.array(rec, dtype=object)


def _defaults(record_defaults):
    from tfedu.ops.op_helpers import as_tensor

    out = []
    for d in record_defaults:
        if isinstance(d, dtypes.DType):
            out.append((d, np.zeros([0], object if d == dtypes.string else d.as_numpy_dtype)))
            continue
        t = as_tensor(d)
        out.append((t.dtype, np.asarray(t.numpy(), dtype=object if t.dtype == dtypes.string
                                        else None).reshape(-1)))
    return out


def _lines(path, header):
    try:
        with open(path, "rb") as f:
            lines = [ln.rstrip(b"\r\n") for ln in f]
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    return [ln for ln in lines[1 if header else 0:] if ln]


class CsvDataset(Dataset):
    """One tuple per CSV line, one scalar per column typed by `record_defaults`."""

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, name=None):
        self._files = _file_list(filenames)
        self._defaults = _defaults(record_defaults)
        self._header, self._delim, self._quote = header, field_delim, use_quote_delim
        self._select = select_cols
        self._element_spec = tuple(TensorSpec([], t) for t, _ in self._defaults)

    def _iter_arrays(self):
        from tfedu.framework.op_check import OpCheckError
        from tfedu.ops.io_ops import decode_csv_rows

        types = [t for t, _ in self._defaults]
        defaults = [d for _, d in self._defaults]
        for path in self._files:
            for line in _lines(path, self._header):
                try:
                    cols = decode_csv_rows(np.array([line], dtype=object), defaults, types,
                                           self._delim, self._quote, self._select)
                except OpCheckError as e:
                    raise errors.InvalidArgumentError(None, None, e.message) from None
                yield tuple(c.reshape(()) for c in cols)


def _infer_type(values):
    best = dtypes.int32
    for v in values:
        if v == "":
            continue
        for cand in (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.string):
            if _order(cand) < _order(best):
                continue
            if _fits(v, cand):
                best = cand
                break
    return best


def _order(t):
    return [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.string].index(t)


def _fits(v, t):
    try:
        if t in (dtypes.int32, dtypes.int64):
            n = int(v)
            return t == dtypes.int64 or -2**31 <= n < 2**31
        if t == dtypes.float32:
            float(v)
        return True
    except ValueError:
        return False


def _read_table(files, field_delim, use_quote_delim, header, column_names):
    import csv

    rows, names = [], column_names
    for path in files:
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = list(csv.reader(f, delimiter=field_delim,
                                         quotechar='"' if use_quote_delim else None))
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{path}; No such file or directory") \
                from None
        if header:
            names = names or reader[0]
            reader = reader[1:]
        rows += [r for r in reader if r]
    if names is None:
        raise ValueError("Expected `column_names` or a header in the CSV file.")
    return list(names), rows


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",", use_quote_delim=True,
                     na_value="", header=True, num_epochs=None, shuffle=True,
                     shuffle_buffer_size=10000, shuffle_seed=None, prefetch_buffer_size=None,
                     num_parallel_reads=None, sloppy=False, num_rows_for_inference=100,
                     compression_type=None, ignore_errors=False, encoding="utf-8"):
    """Batches of (features dict, label) read from CSV files with a header row."""
    pats = file_pattern if isinstance(file_pattern, (list, tuple)) else [file_pattern]
    files = sorted(f for p in pats for f in glob.glob(os.fspath(p)))
    if not files:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    names, rows = _read_table(files, field_delim, use_quote_delim, header, column_names)
    if label_name is not None and label_name not in names:
        raise ValueError(f"`label_name` provided must be one of the columns: {names}. "
                         f"Received: {label_name}.")
    keep = [n for n in names if select_columns is None or n in select_columns]
    cols = collections.OrderedDict()
    for i, n in enumerate(names):
        if n not in keep:
            continue
        raw = [r[i] if i < len(r) else "" for r in rows]
        t = _column_type(column_defaults, i, raw[:num_rows_for_inference])
        cols[n] = _typed_column(raw, t, na_value)
    return _csv_pipeline(cols, label_name, batch_size, num_epochs, shuffle, shuffle_buffer_size,
                         shuffle_seed)


def _column_type(column_defaults, i, sample):
    if column_defaults is not None:
        d = column_defaults[i]
        return d if isinstance(d, dtypes.DType) else dtypes.as_dtype(np.asarray(d).dtype) if \
            not isinstance(d, (list, str)) else _infer_type([str(x) for x in (d or [""])])
    return _infer_type(sample)


def _typed_column(raw, t, na_value):
    if t == dtypes.string:
        return np.array([v.encode("utf-8") for v in raw], dtype=object)
    zero = "0"
    vals = [v if v not in ("", na_value) else zero for v in raw]
    if t.is_floating:
        return np.array([float(v) for v in vals], t.as_numpy_dtype)
    return np.array([int(v) for v in vals], t.as_numpy_dtype)


def _csv_pipeline(cols, label_name, batch_size, num_epochs, shuffle, buffer, seed):
    ds = Dataset.from_tensor_slices(cols)
    if label_name is not None:
        ds = ds.map(lambda d: (collections.OrderedDict(
            (k, v) for k, v in d.items() if k != label_name), d[label_name]))
    if shuffle:
        ds = ds.shuffle(buffer, seed=seed)
    ds = ds.repeat(num_epochs)
    return ds.batch(batch_size)
