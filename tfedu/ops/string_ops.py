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
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops, math_ops
from tfedu.ops.gather_ops import gather
from tfedu.ops.math_ops import cumsum
from tfedu.ops.op_helpers import as_tensor, export, same_as_input, unary_infer
from tfedu.ops.ragged_ops import RaggedTensor, row_ids
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


_CONTINUATION = (0x80, 0xBF)
_LEAD = {**{b: (1, (0x80, 0xBF)) for b in range(0xC2, 0xE0)},
         0xE0: (2, (0xA0, 0xBF)), 0xED: (2, (0x80, 0x9F)),
         **{b: (2, (0x80, 0xBF)) for b in [*range(0xE1, 0xED), 0xEE, 0xEF]},
         0xF0: (3, (0x90, 0xBF)), 0xF1: (3, (0x80, 0xBF)), 0xF2: (3, (0x80, 0xBF)),
         0xF3: (3, (0x80, 0xBF)), 0xF4: (3, (0x80, 0x8F))}


def _decode_one(b: bytes, i: int):
    """(code point or None if invalid, next position) of the UTF-8 sequence at b[i]: an
    invalid sequence is its longest valid-looking prefix (the Unicode "maximal subpart"
    rule, which ICU and Python follow), replaced by one replacement character."""
    c = b[i]
    if c < 0x80:
        return c, i + 1
    if c not in _LEAD:
        return None, i + 1
    need, (lo, hi) = _LEAD[c]
    cp, j = c & (0x3F >> need), i + 1
    for _ in range(need):
        if j >= len(b) or not lo <= b[j] <= hi:
            return None, j
        cp, j = (cp << 6) | (b[j] & 0x3F), j + 1
        lo, hi = _CONTINUATION
    return cp, j


def _code_points(b: bytes, errors: str, replacement: int, controls: bool):
    """(code points, byte offsets) of one UTF-8 string, TF's way: invalid sequences become
    `replacement` ("replace"), are dropped ("ignore") or refused ("strict")."""
    try:
        cps = np.frombuffer(b.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        sizes = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
        cps, starts = cps.astype(np.int64), np.cumsum(sizes) - sizes
    except UnicodeDecodeError:
        cps, starts = _code_points_slowly(b, errors, replacement)
    if controls:
        cps = np.where((cps < 0x20) | ((cps >= 0x7F) & (cps < 0xA0)), replacement, cps)
    return cps, starts


def _code_points_slowly(b, errors, replacement):
    if errors == "strict":
        raise OpCheckError("Invalid formatting on input string")
    cps, starts, i = [], [], 0
    while i < len(b):
        cp, j = _decode_one(b, i)
        if cp is not None or errors == "replace":
            cps.append(replacement if cp is None else cp)
            starts.append(i)
        i = j
    return np.array(cps, np.int64), np.array(starts, np.int64)


def _unicode_decode_kernel(input, input_encoding="UTF-8", errors="replace",
                           replacement_char=65533, replace_control_characters=False,
                           Tsplits=dtypes.int64):
    if str(input_encoding).upper().replace("-", "") != "UTF8":
        raise OpCheckError(f"Could not create converter for input encoding: {input_encoding}")
    parts = [_code_points(bytes(v), errors, replacement_char, replace_control_characters)
             for v in np.asarray(input, dtype=object).reshape(-1)]
    lengths = [len(c) for c, _ in parts]
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(Tsplits._np)
    cps = np.concatenate([c for c, _ in parts] or [[]]).astype(np.int32)
    starts = np.concatenate([o for _, o in parts] or [[]]).astype(np.int64)
    return splits, cps, starts


def _unicode_decode_infer(op):
    return [(TensorShape([None]), op.attrs["Tsplits"]), (TensorShape([None]), dtypes.int32),
            (TensorShape([None]), dtypes.int64)]


# TensorFlow's op behind tf.strings.unicode_decode / unicode_split: the code points of every
# string (flattened), with the row splits of each string and each character's byte offset.
UNICODE_DECODE_WITH_OFFSETS = register_op(
    "UnicodeDecodeWithOffsets", group="string", inputs=("input: string",),
    outputs=("row_splits: Tsplits", "char_values: int32", "char_to_byte_starts: int64"),
    type_attrs={"Tsplits": (dtypes.int32, dtypes.int64)},
    attrs={"input_encoding": "UTF-8", "errors": "replace", "replacement_char": 65533,
           "replace_control_characters": False, "Tsplits": dtypes.int64},
    infer=_unicode_decode_infer, kernel=_unicode_decode_kernel,
    doc="Decode each string (UTF-8) into code points, with row splits and byte offsets.")


UNICODE_DECODE = register_op(
    "UnicodeDecode", group="string", inputs=("input: string",),
    outputs=("row_splits: Tsplits", "char_values: int32"),
    type_attrs={"Tsplits": (dtypes.int32, dtypes.int64)},
    attrs={"input_encoding": "UTF-8", "errors": "replace", "replacement_char": 65533,
           "replace_control_characters": False, "Tsplits": dtypes.int64},
    infer=lambda op: _unicode_decode_infer(op)[:2],
    kernel=lambda input, **attrs: _unicode_decode_kernel(input, **attrs)[:2],
    doc="Decode each string (UTF-8) into code points, with the row splits of each string.")


def _chars_of(cps, errors, replacement_char):
    """Each code point as its own UTF-8 string (TF encodes them back one by one)."""
    n = array_ops.size(cps, out_type=dtypes.int64)
    return execute(UNICODE_ENCODE, [cps, array_ops.range(n + 1)],
                   {"errors": errors, "output_encoding": "UTF-8",
                    "replacement_char": replacement_char})


def _per_string(input, parts, name):
    """`parts(vector) -> (flat values, row splits, extra flat values...)` applied to each
    string of `input`: a scalar gives 1-D results, a vector ragged `[n, None]` ones, and an
    N-D tensor keeps its dimensions before the ragged one (as TensorFlow)."""
    x = as_tensor(input, dtype=dtypes.string)
    rank = x.shape.rank
    flat, splits, *extra = parts(array_ops.reshape(x, [-1]))
    if rank == 0:
        return flat if not extra else (flat, *extra)
    dims = x.shape.as_list()
    if any(d is None for d in dims[1:]):
        raise errors.UnimplementedError(
            None, None, f"{name} of a tensor of shape {x.shape} needs its dimensions after "
            "the first known when the graph is built (give the input a static shape).")
    outs = [RaggedTensor.from_row_splits(v, splits, validate=False) for v in [flat] + extra]
    for i in range(len(dims) - 1, 0, -1):
        outs = [RaggedTensor.from_uniform_row_length(o, dims[i]) for o in outs]
    return outs[0] if not extra else tuple(outs)


def _decoder(input_encoding, errors, replacement_char, controls=False, split=False,
             offsets=False):
    op = UNICODE_DECODE_WITH_OFFSETS if offsets else UNICODE_DECODE

    def parts(vector):
        splits, cps, *starts = execute(
            op, [vector], {"input_encoding": input_encoding, "errors": errors,
                           "replacement_char": replacement_char,
                           "replace_control_characters": controls})
        values = _chars_of(cps, errors, replacement_char) if split else cps
        return (values, splits, *starts)
    return parts


@export("strings.unicode_split")
def unicode_split(input, input_encoding="UTF-8", errors="replace", replacement_char=65533,
                  name=None):
    """Split each string into its characters (as UTF-8 strings)."""
    return _per_string(input, _decoder(input_encoding, errors, replacement_char, split=True),
                       "tf.strings.unicode_split")


@export("strings.unicode_split_with_offsets")
def unicode_split_with_offsets(input, input_encoding="UTF-8", errors="replace",
                               replacement_char=65533, name=None):
    """Each string's characters and the byte offset where each starts."""
    return _per_string(input, _decoder(input_encoding, errors, replacement_char, split=True,
                                       offsets=True), "tf.strings.unicode_split_with_offsets")


@export("strings.unicode_decode")
def unicode_decode(input, input_encoding="UTF-8", errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """Each string as its Unicode code points (int32)."""
    return _per_string(input, _decoder(input_encoding, errors, replacement_char,
                                       replace_control_characters),
                       "tf.strings.unicode_decode")


@export("strings.unicode_decode_with_offsets")
def unicode_decode_with_offsets(input, input_encoding="UTF-8", errors="replace",
                                replacement_char=65533, replace_control_characters=False,
                                name=None):
    """Each string's code points and the byte offset where each character starts."""
    return _per_string(input, _decoder(input_encoding, errors, replacement_char,
                                       replace_control_characters, offsets=True),
                       "tf.strings.unicode_decode_with_offsets")


def _bytes_of(vector):
    """(single bytes, row splits) of a vector of strings: one Substr per byte."""
    lengths = math_ops.cast(length(vector), dtypes.int64)
    splits = array_ops.concat([array_ops.zeros([1], dtypes.int64), cumsum(lengths)], 0)
    rows = row_ids(splits, splits[-1])
    pos = math_ops.subtract(array_ops.range(splits[-1]), gather(splits, rows))
    return substr(gather(vector, rows), pos, array_ops.ones_like(pos)), splits


@export("strings.bytes_split")
def bytes_split(input, name=None):
    """Split each string into single bytes."""
    return _per_string(input, _bytes_of, "tf.strings.bytes_split")


def _unicode_encode_kernel(input_values, input_splits, errors="replace",
                           output_encoding="UTF-8", replacement_char=65533):
    cps = np.asarray(input_values, dtype=np.int64).reshape(-1)
    bad = (cps < 0) | (cps > 0x10FFFF) | ((cps >= 0xD800) & (cps <= 0xDFFF))
    if bad.any() and errors == "strict":
        raise OpCheckError("Code point is out of range for Unicode, or is a surrogate.")
    chars = ["" if b and errors == "ignore" else chr(replacement_char if b else c)
             for c, b in zip(cps.tolist(), bad.tolist())]
    splits = np.asarray(input_splits, dtype=np.int64).tolist()
    out = ["".join(chars[a:z]).encode("utf-8") for a, z in zip(splits[:-1], splits[1:])]
    return np.array(out + [b""], dtype=object)[:-1]


UNICODE_ENCODE = register_op(
    "UnicodeEncode", group="string", inputs=("input_values: int32", "input_splits: Tsplits"),
    outputs=("output: string",), type_attrs={"Tsplits": (dtypes.int32, dtypes.int64)},
    attrs={"errors": "replace", "output_encoding": "UTF-8", "replacement_char": 65533},
    infer=lambda op: [(TensorShape([None if op.shape(1)[0] is None else op.shape(1)[0] - 1]),
                       dtypes.string)],
    kernel=_unicode_encode_kernel,
    doc="Encode rows of code points (cut at input_splits) as UTF-8 strings.")


@export("strings.unicode_encode")
def unicode_encode(input, output_encoding="UTF-8", errors="replace", replacement_char=65533,
                   name=None):
    """Code points back to UTF-8 strings: a vector gives one string, a ragged or dense
    batch one string per row (the last dimension is the characters)."""
    attrs = {"errors": errors, "output_encoding": output_encoding,
             "replacement_char": replacement_char}
    if isinstance(input, RaggedTensor):
        if isinstance(input.values, RaggedTensor):
            return input.with_values(unicode_encode(input.values, output_encoding, errors,
                                                    replacement_char))
        return execute(UNICODE_ENCODE, [as_tensor(input.values, dtypes.int32),
                                        input.row_splits], attrs, name=name)
    x = as_tensor(input, dtype=dtypes.int32)
    if x.shape.rank == 1:
        splits = array_ops.stack([array_ops.zeros([], dtypes.int64),
                                  array_ops.size(x, out_type=dtypes.int64)])
        return array_ops.reshape(execute(UNICODE_ENCODE, [x, splits], attrs, name=name), [])
    return unicode_encode(RaggedTensor.from_tensor(x), output_encoding, errors,
                          replacement_char, name)
