"""`tf.strings` basics: length, join, split, case, strip, substr, regex_replace, conversions.

String tensors hold numpy object arrays of `bytes`; these kernels map Python's bytes methods
over them elementwise.
"""

from __future__ import annotations

import math
import re

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.context import _state
from tfedu.framework.convert import constant, convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops
from tfedu.ops.math_ops import cumsum
from tfedu.ops.op_helpers import as_tensor, export, same_as_input, unary_infer
from tfedu.ops.ragged_ops import RaggedTensor
from tfedu.ops.segment_ops import unsorted_segment_sum


def _map(fn, x, otype=object):
    out = np.empty(x.shape, dtype=otype)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = fn(v)
    return out


def _length_kernel(input, unit="BYTE"):
    if unit == "UTF8_CHAR":
        return _map(lambda b: len(b.decode("utf-8")), input, np.int32)
    return _map(len, input, np.int32)


UNITS = ("BYTE", "UTF8_CHAR")


def check_unit(op):
    """TF's refusal of a `unit` attr other than BYTE / UTF8_CHAR: the op's attr check in eager
    mode (InvalidArgumentError), the op builder's ValueError while building a graph."""
    unit = op.attrs.get("unit", "BYTE")
    if unit in UNITS:
        return
    t = op.opdef.type
    if _state.graph is not None:
        raise ValueError(f"Attr 'unit' of '{t}' Op passed string '{unit}' not in: "
                         "\"BYTE\", \"UTF8_CHAR\".")
    op.fail(f"Value for attr 'unit' of \"{unit}\" is not in the list of allowed values: "
            f"\"BYTE\", \"UTF8_CHAR\"\n\t; NodeDef: {{{{node {t}}}}}; Op<name={t}; "
            f"signature={op.opdef.signature_text}; attr=unit:string,default=\"BYTE\","
            "allowed=[\"BYTE\", \"UTF8_CHAR\"]>", wrapped=False)


def _length_infer(op):
    check_unit(op)
    return [(op.shape(0), dtypes.int32)]


STRING_LENGTH = register_op(
    "StringLength", group="string", inputs=("input: string",), outputs=("output: int32",),
    attrs={"unit": "BYTE"}, infer=_length_infer, kernel=_length_kernel,
    doc="Length of each string in bytes (or UTF-8 characters).")


@export("strings.length")
def length(input, name=None, unit="BYTE"):
    """Length of each string, in bytes (`unit="BYTE"`) or characters (`"UTF8_CHAR"`)."""
    return execute(STRING_LENGTH, [as_tensor(input, dtypes.string)], {"unit": unit}, name=name,
                   default_name="StringLength")


def _join_infer(op):
    """Scalars join every element; other inputs must have one shape (TF does not broadcast)."""
    shape = op.shape(0)
    for s in op.input_shapes[1:]:
        if shape.rank == 0:
            shape = s
        elif s.rank != 0:
            if not shape.is_compatible_with(s):
                op.fail(f"Input shapes do not match: {shape_text(shape.as_list())} vs. "
                        f"{shape_text(s.as_list())}")
            shape = shape.merge_with(s)
    return [(shape, dtypes.string)]


def _join_kernel(inputs, separator=""):
    sep = separator.encode() if isinstance(separator, str) else separator
    shapes = {np.shape(a) for a in inputs if np.ndim(a)}
    if len(shapes) > 1:
        a, b = sorted(shapes, key=str)[:2]
        raise OpCheckError(f"Input shapes do not match: {shape_text(a)} vs. {shape_text(b)}")
    arrs = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in inputs])
    out = np.empty(arrs[0].shape, dtype=object)
    flat = [a.reshape(-1) for a in arrs]
    o = out.reshape(-1)
    for i in range(o.size):
        o[i] = sep.join(f[i] for f in flat)
    return out


STRING_JOIN = register_op(
    "StringJoin", group="string", inputs=("inputs: N*string",), outputs=("output: string",),
    attrs={"separator": ""}, infer=_join_infer, kernel=_join_kernel,
    doc="Concatenate strings elementwise (scalars broadcast).")


@export("strings.join")
def join(inputs, separator="", name=None):
    """Join lists of strings elementwise with `separator`."""
    return execute(STRING_JOIN, [[as_tensor(x, dtypes.string) for x in inputs]], {"separator": separator},
                   name=name, default_name="StringJoin")


def _unary_string_op(type_, fn, doc):
    return register_op(type_, group="string", inputs=("input: string",), outputs=("output: string",),
                       infer=unary_infer, kernel=lambda input, **kw: _map(fn, input), doc=doc)


STRING_UPPER = _unary_string_op("StringUpper", bytes.upper, "ASCII upper case.")
STRING_LOWER = _unary_string_op("StringLower", bytes.lower, "ASCII lower case.")
STRING_STRIP = _unary_string_op("StringStrip", bytes.strip, "Strip leading/trailing space.")


@export("strings.upper")
def upper(input, encoding="", name=None):
    """Each string in upper case."""
    return execute(STRING_UPPER, [as_tensor(input, dtypes.string)], name=name, default_name="StringUpper")


@export("strings.lower")
def lower(input, encoding="", name=None):
    """Each string in lower case."""
    return execute(STRING_LOWER, [as_tensor(input, dtypes.string)], name=name, default_name="StringLower")


@export("strings.strip")
def strip(input, name=None):
    """Each string without its leading and trailing whitespace."""
    return execute(STRING_STRIP, [as_tensor(input, dtypes.string)], name=name, default_name="StringStrip")


def _regex_kernel(input, pattern, rewrite, replace_global=True):
    rx = re.compile(bytes(pattern.item() if isinstance(pattern, np.ndarray) else pattern))
    rw = bytes(rewrite.item() if isinstance(rewrite, np.ndarray) else rewrite)
    rw = re.sub(rb"\\(\d)", rb"\\g<\1>", rw)
    return _map(lambda b: rx.sub(rw, b, count=0 if replace_global else 1), input)


REGEX_REPLACE = register_op(
    "RegexReplace", group="string", inputs=("input: string", "pattern: string", "rewrite: string"),
    outputs=("output: string",), attrs={"replace_global": True}, infer=unary_infer,
    kernel=_regex_kernel, doc="Replace regex matches (all, or the first) with `rewrite`.")


def _compile_pattern(pattern):
    """The pattern (RE2 syntax, read with Python's `re`), or TF's error for an invalid one."""
    text = bytes(pattern.item() if isinstance(pattern, np.ndarray) else pattern)
    try:
        return re.compile(text)
    except re.error as e:
        raise OpCheckError(f"Invalid pattern: {text.decode(errors='replace')}, error: {e}") \
            from None


def _full_match_kernel(input, pattern=b""):
    rx = _compile_pattern(pattern)
    return np.vectorize(lambda b: rx.fullmatch(b) is not None, otypes=[bool])(input) \
        if np.size(input) else np.zeros(np.shape(input), bool)


STATIC_REGEX_FULL_MATCH = register_op(
    "StaticRegexFullMatch", group="string", inputs=("input: string",), outputs=("output: bool",),
    attrs={"pattern": b""}, infer=same_as_input(dtypes.bool_), kernel=_full_match_kernel,
    doc="Whether each whole string matches the regex `pattern`.")


@export("strings.regex_full_match")
def regex_full_match(input, pattern, name=None):
    """Whether each string matches `pattern` as a whole (RE2 syntax; a constant pattern)."""
    pattern = pattern.encode() if isinstance(pattern, str) else bytes(pattern)
    return execute(STATIC_REGEX_FULL_MATCH, [input], {"pattern": pattern}, name=name,
                   default_name="StaticRegexFullMatch")


@export("strings.regex_replace")
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replace matches of `pattern` by `rewrite` in each string (RE2 syntax)."""
    return execute(REGEX_REPLACE, [as_tensor(input, dtypes.string), as_tensor(pattern, dtypes.string), as_tensor(rewrite, dtypes.string)],
                   {"replace_global": bool(replace_global)}, name=name,
                   default_name="RegexReplace")


def _is_trail(c):
    return c & 0xC0 == 0x80


def _forward_chars(b, n, pos):
    """Move the byte offset `pos` forward `n` UTF-8 characters (stopping at the end): the new
    offset, and whether all `n` were there (never for n < 0), as TensorFlow counts."""
    done = 0
    while done < n and pos < len(b):
        pos += 1
        while pos < len(b) and _is_trail(b[pos]):
            pos += 1
        done += 1
    return pos, done == n


def _back_chars(b, n, pos):
    done = 0
    while done < n and pos > 0:
        pos -= 1
        while pos > 0 and _is_trail(b[pos]):
            pos -= 1
        done += 1
    return pos, done == n


def _utf8_span(b, pos, n):
    """(start, stop) bytes of `n` characters from character `pos` (negative: from the end),
    or None when `pos` is out of range: TensorFlow's UTF8_CHAR substr, a negative `n` taking
    nothing."""
    if pos >= 0:
        start, ok = _forward_chars(b, pos, 0)
        return (start, _forward_chars(b, n, start)[0]) if ok else None
    skip = max(-pos - n, 0)
    stop, ok = _back_chars(b, skip, len(b))
    start, ok2 = _back_chars(b, -pos - skip, stop) if ok else (0, False)
    return (start, stop) if ok2 else None


def _substr_kernel(input, pos, len, unit="BYTE"):
    p = np.broadcast_to(pos, input.shape).reshape(-1)
    n = np.broadcast_to(len, input.shape).reshape(-1)
    out = np.empty(input.shape, dtype=object)
    flat = out.reshape(-1)
    for i, b in enumerate(input.reshape(-1)):
        start, size = int(p[i]), int(n[i])
        if unit == "UTF8_CHAR":
            span = _utf8_span(b, start, size)
            if span is None:
                raise OpCheckError(f"pos {start} out of range for string at index {i}")
            flat[i] = b[span[0]:span[1]]
            continue
        if abs(start) > b.__len__():
            raise OpCheckError(f"pos {start} out of range for string b'"
                               f"{b.decode(errors='replace')}' at index {i}")
        start += b.__len__() if start < 0 else 0
        # TF takes the rest of the string for a negative length (as std::string::substr)
        flat[i] = b[start:] if size < 0 else b[start:start + size]
    return out


def _substr_infer(op):
    check_unit(op)
    return unary_infer(op)


SUBSTR = register_op(
    "Substr", group="string", inputs=("input: string", "pos: T", "len: T"), outputs=("output: string",),
    type_attrs={"T": (dtypes.int32, dtypes.int64)}, attrs={"unit": "BYTE"}, infer=_substr_infer,
    kernel=_substr_kernel, doc="Substrings [pos, pos + len) of each string.")


@export("strings.substr")
def substr(input, pos, len, unit="BYTE", name=None):
    """The substring of each string starting at `pos`, `len` bytes long."""
    return execute(SUBSTR, [as_tensor(input, dtypes.string), pos, len], {"unit": unit}, name=name,
                   default_name="Substr")


def _to_number_kernel(string_tensor, out_type=dtypes.float32):
    def conv(b):
        try:
            return float(b) if out_type.is_floating else int(b)
        except ValueError:
            raise OpCheckError(f"StringToNumberOp could not correctly convert string: "
                               f"{b.decode(errors='replace')}") from None

    return _map(conv, string_tensor).astype(out_type._np)


STRING_TO_NUMBER = register_op(
    "StringToNumber", group="string", inputs=("string_tensor: string",), outputs=("output: out_type",),
    type_attrs={"out_type": (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)},
    attrs={"out_type": dtypes.float32},
    infer=lambda op: [(op.shape(0), op.attrs["out_type"])], kernel=_to_number_kernel,
    doc="Parse each string as a number.")


@export("strings.to_number")
def to_number(input, out_type=dtypes.float32, name=None):
    """Parse each string as a number of `out_type`."""
    return execute(STRING_TO_NUMBER, [as_tensor(input, dtypes.string)], {"out_type": dtypes.as_dtype(out_type)},
                   name=name, default_name="StringToNumber")


def _as_string_format(kind, dtype_name, precision, scientific, shortest, width, fill):
    """The printf format TensorFlow's AsString kernel builds: %[fill][width][.precision]conv
    (for complex numbers, one such format for each part: `(re,im)`)."""
    if kind not in "fcSO":
        if scientific or shortest:
            raise OpCheckError(f"scientific and shortest format not supported for datatype "
                               f"{dtype_name}")
        if precision > -1:
            raise OpCheckError(f"precision not supported for datatype {dtype_name}")
    if len(fill) > 1:
        raise OpCheckError("Fill string must be one or fewer characters")
    if scientific and shortest:
        raise OpCheckError("Cannot select both scientific and shortest notation")
    if fill and fill not in " +-0#":
        raise OpCheckError(f'Fill argument not supported: "{fill}"')
    if kind in "SO":  # strings: only the width and left alignment ("-") apply
        return "%" + ("-" if fill == "-" else "") + (str(width) if width > -1 else "") + "s"
    fmt = "%" + fill + (str(width) if width > -1 else "")
    fmt += f".{precision}" if precision > -1 else ""
    return fmt + ("d" if kind not in "fc" else "g" if shortest else "e" if scientific else "f")


def _float_text(fmt):
    plain = fmt.replace("%0", "%", 1)  # C pads nan and inf with spaces, never zeros

    def one(v):
        v = float(v)
        return (fmt if math.isfinite(v) else plain) % v

    return one


def _as_string_kernel(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
                      **kw):
    fill = fill.decode() if isinstance(fill, bytes) else fill
    kind = input.dtype.kind
    name = "string" if kind in "SO" else dtypes.from_numpy(input.dtype).name
    fmt = _as_string_format(kind, name, precision, scientific, shortest, width, fill)
    if kind in "SO":
        fmt_b = fmt.encode()
        return _map(lambda v: fmt_b % bytes(v), input)
    if kind == "b":
        return _map(lambda v: b"true" if v else b"false", input)
    if kind not in "fc":
        return _map(lambda v: (fmt % int(v)).encode(), input)
    one = _float_text(fmt)
    if kind == "c":
        return _map(lambda v: f"({one(v.real)},{one(v.imag)})".encode(), input)
    return _map(lambda v: one(v).encode(), input)


AS_STRING = register_op(
    "AsString", group="string", inputs=("input: T",), outputs=("output: string",),
    type_attrs={"T": dtypes.NUMERIC + (dtypes.bool_, dtypes.string)},
    attrs={"precision": -1, "scientific": False, "shortest": False, "width": -1, "fill": ""},
    infer=same_as_input(dtypes.string), kernel=_as_string_kernel,
    doc="Format each element as a string, as C's printf: floats with six decimals by default, "
        "or scientific / shortest, padded to `width` with `fill`; complex numbers as "
        "`(re,im)`; strings padded to `width`.")


@export("strings.as_string", "as_string")
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """Format each element of a numeric tensor as a string."""
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    attrs = {"precision": int(precision), "scientific": bool(scientific),
             "shortest": bool(shortest), "width": int(width), "fill": str(fill)}
    return execute(AS_STRING, [x], attrs, name=name, default_name="AsString")


def _join_axes(op_fail, axes, rank, graph):
    """Reduction axes made non-negative; TF's error for one out of range."""
    out = []
    for a in axes:
        if not -rank <= a < rank:
            if graph:
                op_fail(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
            op_fail(f"Invalid reduction dimension {a} for input with {rank} dimension(s)",
                    cls=errors.OutOfRangeError)
        out.append(a % rank)
    if len(set(out)) < len(out):  # TF names the axis as given
        dup = next(axes[i] for i, a in enumerate(out) if a in out[:i])
        op_fail(f"Duplicate reduction dimension {dup}", runtime_only=True, name_suffix=False)
    return out


def _reduce_join_infer(op):
    shape, axes = op.shape(0), op.const_value(1)
    if shape.rank is None or axes is None:
        return [(TensorShape(None), dtypes.string)]
    axes = _join_axes(op.fail, np.reshape(axes, -1).tolist(), shape.rank, _state.graph is not None)
    keep = op.attrs.get("keep_dims", False)
    dims = [1 if i in axes else d for i, d in enumerate(shape.as_list())
            if keep or i not in axes]
    return [(TensorShape(dims), dtypes.string)]


def _reduce_join_kernel(inputs, reduction_indices, keep_dims=False, separator=""):
    def fail(message, cls=errors.InvalidArgumentError, **kw):
        raise OpCheckError(message, cls, **kw)

    axes = _join_axes(fail, np.reshape(reduction_indices, -1).tolist(), inputs.ndim, False)
    kept = [i for i in range(inputs.ndim) if i not in axes]
    kept_dims = [inputs.shape[i] for i in kept]
    # joined one axis after the other, in the order given: the last given varies slowest
    rows = np.transpose(inputs, kept + axes[::-1]).reshape(
        int(np.prod(kept_dims, dtype=np.int64)), -1 if inputs.size else 0)
    sep = separator.encode() if isinstance(separator, str) else separator
    out = np.empty(rows.shape[0], dtype=object)
    for i, row in enumerate(rows):
        out[i] = sep.join(row)
    if keep_dims:
        return out.reshape([1 if i in axes else d for i, d in enumerate(inputs.shape)])
    return out.reshape(kept_dims)


REDUCE_JOIN = register_op(
    "ReduceJoin", group="string", inputs=("inputs: string", "reduction_indices: int32"),
    outputs=("output: string",), attrs={"keep_dims": False, "separator": ""},
    infer=_reduce_join_infer, kernel=_reduce_join_kernel,
    doc="Join the strings along the given axes, one axis after the other.")


@export("strings.reduce_join", "reduce_join")
def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Join the strings along `axis` (all of them when None, the last axis first, so the
    strings join in row-major order)."""
    x = as_tensor(inputs, dtypes.string)
    if axis is None:
        rank = x.shape.rank
        axis = (np.arange(rank - 1, -1, -1, dtype=np.int32) if rank is not None else
                array_ops.range(array_ops.rank(x) - 1, -1, -1))
    return execute(REDUCE_JOIN, [x, as_tensor(axis, dtypes.int32)],
                   {"keep_dims": bool(keepdims), "separator": separator}, name=name,
                   default_name="ReduceJoin")


def _split_parts(b, sep, maxsplit):
    """TensorFlow's split of one string: on whitespace runs (no empty parts) when `sep` is
    empty, else on each `sep`."""
    return b.split(sep, maxsplit) if sep else b.split(None, maxsplit)


def _split_v2_kernel(input, sep, maxsplit=-1):
    s = bytes(sep.item() if isinstance(sep, np.ndarray) else sep)
    rows = [_split_parts(b, s, maxsplit) for b in np.asarray(input, dtype=object).reshape(-1)]
    indices = np.array([(i, j) for i, r in enumerate(rows) for j in range(len(r))],
                       dtype=np.int64).reshape(-1, 2)
    values = np.array([p for r in rows for p in r] or [], dtype=object)
    shape = np.array([len(rows), max((len(r) for r in rows), default=0)], dtype=np.int64)
    return indices, values, shape


def _split_v2_infer(op):
    return [(TensorShape([None, 2]), dtypes.int64), (TensorShape([None]), dtypes.string),
            (TensorShape([2]), dtypes.int64)]


# TensorFlow's op behind tf.strings.split: a vector of strings split into a sparse matrix of
# parts (`indices[:, 0]` is the string each part came from). It runs in graphs too.
STRING_SPLIT_V2 = register_op(
    "StringSplitV2", group="string", inputs=("input: string", "sep: string"),
    outputs=("indices: int64", "values: string", "shape: int64"), attrs={"maxsplit": -1},
    infer=_split_v2_infer, kernel=_split_v2_kernel,
    doc="Split each string of a vector on `sep` (whitespace when empty): sparse parts.")


def _split_in_graph(x, sep, maxsplit, name):
    """tf.strings.split while tracing: StringSplitV2, its parts as a RaggedTensor."""

    indices, values, _ = execute(STRING_SPLIT_V2, [x, as_tensor(sep or "", dtypes.string)], {"maxsplit": maxsplit},
                                 name=name, default_name="StringSplit")
    ones = array_ops.ones_like(indices[:, 0])
    lengths = unsorted_segment_sum(ones, indices[:, 0], array_ops.size(x, out_type=dtypes.int64))
    splits = array_ops.concat([array_ops.zeros([1], dtypes.int64), cumsum(lengths)], 0)
    rt = RaggedTensor.from_row_splits(values, splits, validate=False)
    rt._cached_value_rowids = indices[:, 0]  # as TF's RaggedTensor keeps them when it has them
    return rt


@export("strings.split")
def split(input, sep=None, maxsplit=-1, name=None):
    """Split each string into a RaggedTensor of parts (whitespace by default): a vector gives
    `[n, None]`, an N-D tensor keeps its dimensions before the parts (`[a, b, None]`), a
    RaggedTensor keeps its rows; a scalar string gives a 1-D tensor."""
    if isinstance(input, RaggedTensor):
        return input.with_flat_values(split(input.flat_values, sep, maxsplit, name))
    try:
        x = convert_to_tensor(input, dtypes.string)
    except ValueError as e:  # a tensor of another dtype: TF names the argument
        raise ValueError(f"input: {e}") from None
    if x.shape.rank is not None and x.shape.rank > 1:
        return _split_nd(x, sep, maxsplit, name)
    if not hasattr(x, "_value") and x.shape.rank == 1:
        return _split_in_graph(x, sep, maxsplit, name)
    v = np.asarray(x._value if hasattr(x, "_value") else x, dtype=object)
    s = None if sep is None else (sep.encode() if isinstance(sep, str) else sep)

    def parts(b):
        return b.split(s, maxsplit) if s is not None else b.split(None, maxsplit)

    if v.ndim == 0:
        return convert_to_tensor(np.array(parts(v.item()), dtype=object), dtype=dtypes.string)
    rows = [parts(b) for b in v.reshape(-1)]
    flat = np.array([p for r in rows for p in r], dtype=object)
    splits = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    return RaggedTensor.from_row_splits(convert_to_tensor(flat, dtype=dtypes.string), splits)


def _split_nd(x, sep, maxsplit, name):
    """TF's split of an N-D tensor: the parts of its flattened strings, regrouped into the
    tensor's own dimensions as uniform rows (ragged_rank N, as TensorFlow's result)."""
    from tfedu.ops.array_ops import reshape

    dims = x.shape.as_list()
    if any(d is None for d in dims):
        raise errors.UnimplementedError(
            None, None, f"tf.strings.split of a tensor of shape {x.shape} in a graph needs its "
            "dimensions known when the graph is built (give the input a static shape).")
    out = split(reshape(x, [-1]), sep, maxsplit, name)
    for i in range(len(dims) - 1, 0, -1):
        out = RaggedTensor.from_uniform_row_length(out, dims[i], nrows=int(np.prod(dims[:i])))
    return out


# ------------------------------------------------------------------------------------------
# Unicode: characters, code points and bytes of each string (ragged results)
# ------------------------------------------------------------------------------------------


def _ragged(rows, dtype):
    lengths = [len(r) for r in rows]
    flat = [x for r in rows for x in r]
    values = constant(np.array(flat, dtype=object) if dtype == dtypes.string else
                         np.array(flat, dtype=np.int32), dtype=dtype)
    return RaggedTensor.from_row_lengths(values, np.array(lengths, np.int64))


def _each(input, fn, dtype):
    t = as_tensor(input, dtype=dtypes.string)
    arr = np.asarray(t.numpy(), dtype=object)
    if arr.ndim == 0:
        return constant(np.array(fn(arr.item()), dtype=object if dtype == dtypes.string
                                       else np.int32), dtype=dtype)
    return _ragged([fn(v) for v in arr.reshape(-1)], dtype)


def _decode(b, errors="replace"):
    return b.decode("utf-8", errors)


@export("strings.unicode_split")
def unicode_split(input, input_encoding="UTF-8", errors="replace", replacement_char=65533,
                  name=None):
    """Split each string into its characters (as UTF-8 strings)."""
    return _each(input, lambda b: [c.encode("utf-8") for c in _decode(b, errors)],
                 dtypes.string)


@export("strings.unicode_decode")
def unicode_decode(input, input_encoding="UTF-8", errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """Each string as its Unicode code points (int32)."""
    return _each(input, lambda b: [ord(c) for c in _decode(b, errors)], dtypes.int32)


@export("strings.bytes_split")
def bytes_split(input, name=None):
    """Split each string into single bytes."""
    return _each(input, lambda b: [b[i:i + 1] for i in range(len(b))], dtypes.string)


@export("strings.unicode_encode")
def unicode_encode(input, output_encoding="UTF-8", errors="replace", replacement_char=65533,
                   name=None):
    """Code points (a vector, or a ragged batch) back to UTF-8 strings."""
    if isinstance(input, RaggedTensor):
        rows = input.to_list()
        return constant(np.array(["".join(map(chr, r)).encode() for r in rows], dtype=object))
    cps = np.asarray(as_tensor(input).numpy())
    if cps.ndim == 1:
        return constant("".join(map(chr, cps)).encode())
    return constant(np.array(["".join(map(chr, r)).encode() for r in cps], dtype=object))
