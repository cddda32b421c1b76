"""Small names from across the TF API that the guides use: `tf.version`, `tf.init_scope`,
`tf.compat.v1.Dimension`, tensor equality switches, `tf.types.experimental.TraceType`,
`tf.random_normal_initializer`, unicode string splitting, and TPU/DTensor entry points that
say plainly that tfedu teaches on CPU."""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.ops.op_helpers import as_tensor, export


def _tf():
    import tfedu

    return tfedu


class _Version:
    VERSION = "2.21.0"
    GIT_VERSION = "tfedu"
    COMPILER_VERSION = "python"
    GRAPH_DEF_VERSION = 2203


export("version")(_Version)


class init_scope:
    """Leave any function-building graph for the outermost (eager) context, as TF does to
    create variables once."""

    def __enter__(self):
        from tfedu.framework import context

        st = context._state
        self._saved = st.graph_stack
        st.graph_stack = [g for g in st.graph_stack
                          if not getattr(g, "_building_function", False)]
        context._refresh()
        return None

    def __exit__(self, *exc):
        from tfedu.framework import context

        context._state.graph_stack = self._saved
        context._refresh()
        return False


export("init_scope")(init_scope)


@export("compat.v1.Dimension", "compat.v1.dimension_value")
class Dimension:
    """A TF1 shape dimension: an int or None (unknown)."""

    def __init__(self, value):
        if isinstance(value, Dimension):
            value = value.value
        if value is not None and int(value) < 0:
            raise ValueError(f"Dimension {value} must be >= 0")
        self.value = None if value is None else int(value)

    def __repr__(self):
        return f"Dimension({self.value!r})"

    def __str__(self):
        return "?" if self.value is None else str(self.value)

    def __int__(self):
        return self.value

    __index__ = __int__

    def __eq__(self, other):
        other = other.value if isinstance(other, Dimension) else other
        if self.value is None or other is None:
            return None
        return self.value == other

    def __hash__(self):
        return hash(self.value)

    def is_compatible_with(self, other):
        other = Dimension(other)
        return self.value is None or other.value is None or self.value == other.value

    def merge_with(self, other):
        other = Dimension(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {other} are not compatible")
        return Dimension(self.value if self.value is not None else other.value)


_EQUALITY = {"on": True}


@export("compat.v1.enable_tensor_equality")
def enable_tensor_equality():
    """TF2 behaviour (always on in tfedu): `==` on tensors compares elementwise."""
    _EQUALITY["on"] = True


@export("compat.v1.disable_tensor_equality")
def disable_tensor_equality():
    """TF1 compared tensors by identity; tfedu keeps TF2's elementwise `==` and says so."""
    raise NotImplementedError("tfedu always compares tensors elementwise with == (TF2); TF1's "
                              "identity comparison is not available. Use `a is b` for that.")


class TraceType:
    """The type of a `tf.function` argument for tracing (see `tf.types.experimental`)."""

    def is_subtype_of(self, other):
        raise NotImplementedError

    def most_specific_common_supertype(self, others):
        raise NotImplementedError

    def placeholder_value(self, placeholder_context):
        raise NotImplementedError


export("types.experimental.TraceType")(TraceType)


@export("random_normal_initializer")
class random_normal_initializer:
    """Initializer drawing from a normal distribution."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        return _tf().random.normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)


# ---------------------------------------------------------------------------------------------
# unicode strings

def _ragged(rows, dtype):
    tf = _tf()
    lengths = [len(r) for r in rows]
    flat = [x for r in rows for x in r]
    values = tf.constant(np.array(flat, dtype=object) if dtype == dtypes.string else
                         np.array(flat, dtype=np.int32), dtype=dtype)
    return tf.RaggedTensor.from_row_lengths(values, np.array(lengths, np.int64))


def _each(input, fn, dtype):
    t = as_tensor(input, dtype=dtypes.string)
    arr = np.asarray(t.numpy(), dtype=object)
    if arr.ndim == 0:
        return _tf().constant(np.array(fn(arr.item()), dtype=object if dtype == dtypes.string
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
    tf = _tf()
    if isinstance(input, tf.RaggedTensor):
        rows = input.to_list()
        return tf.constant(np.array(["".join(map(chr, r)).encode() for r in rows], dtype=object))
    cps = np.asarray(as_tensor(input).numpy())
    if cps.ndim == 1:
        return tf.constant("".join(map(chr, cps)).encode())
    return tf.constant(np.array(["".join(map(chr, r)).encode() for r in cps], dtype=object))


# ---------------------------------------------------------------------------------------------
# TPU and DTensor: not on a CPU teaching engine

_CPU_ONLY = ("tfedu teaches TensorFlow on the CPU: {} needs TPU or DTensor hardware and "
             "runtime, which tfedu does not simulate. The same model code runs on the default "
             "(CPU) device.")


def _cpu_only(name):
    def fn(*args, **kwargs):
        raise NotImplementedError(_CPU_ONLY.format(name))
    fn.__name__ = name.rsplit(".", 1)[-1]
    return fn


for _name in ("tpu.experimental.initialize_tpu_system", "tpu.experimental.shutdown_tpu_system",
              "config.experimental_connect_to_cluster",
              "distribute.cluster_resolver.TPUClusterResolver",
              "experimental.dtensor.create_mesh", "experimental.dtensor.Layout",
              "experimental.dtensor.Mesh"):
    export(_name)(_cpu_only(f"tf.{_name}"))


# ---------------------------------------------------------------------------------------------
# tf.bitwise, tf.bitcast, tf.debugging.assert_all_finite, tf.nn.local_response_normalization

from tfedu.framework.execute import execute  # noqa: E402
from tfedu.framework.registry import register_op  # noqa: E402
from tfedu.framework.tensor_shape import TensorShape  # noqa: E402
from tfedu.ops.op_helpers import (  # noqa: E402
    binary_function,
    register_binary,
    register_unary,
    unary_function,
)

_INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
         dtypes.uint32, dtypes.uint64)
for _type, _fn, _public in (("BitwiseAnd", np.bitwise_and, "bitwise_and"),
                            ("BitwiseOr", np.bitwise_or, "bitwise_or"),
                            ("BitwiseXor", np.bitwise_xor, "bitwise_xor"),
                            ("LeftShift", np.left_shift, "left_shift"),
                            ("RightShift", np.right_shift, "right_shift")):
    _op = register_binary(_type, _fn, _INTS, doc=f"Bitwise {_public} of integers.")
    export(f"bitwise.{_public}")(binary_function(_op, _type, _public))
INVERT = register_unary("Invert", np.invert, _INTS, doc="Bitwise NOT of integers.")
export("bitwise.invert")(unary_function(INVERT, "Invert", "invert"))


def _bitcast_kernel(input, type=None):
    a = np.array(input, copy=True, order="C")
    out = type.as_numpy_dtype
    src, dst = a.dtype.itemsize, np.dtype(out).itemsize
    if src == dst:
        return a.view(out)
    if src > dst:
        return a.view(out).reshape(a.shape + (src // dst,))
    if a.shape[-1:] != (dst // src,):
        from tfedu.framework.op_check import OpCheckError

        raise OpCheckError("Cannot bitcast from 3 to 9: shape [1] not compatible" if False else
                           f"Cannot bitcast from {input.dtype} to {np.dtype(out)}: shape "
                           f"{list(a.shape)} not compatible")
    return a.view(out).reshape(a.shape[:-1])


def _bitcast_infer(op):
    s, t = op.shape(0), op.attrs["type"]
    src, dst = op.dtype(0).size, t.size
    if s.rank is None or src == dst:
        return [(s, t)]
    if src > dst:
        return [(TensorShape(s.as_list() + [src // dst]), t)]
    return [(TensorShape(s.as_list()[:-1]), t)]


BITCAST = register_op("Bitcast", group="array", inputs=("input: T",), outputs=("output: type",),
                      type_attrs={"T": dtypes.NUMERIC}, attrs={"type": None}, infer=_bitcast_infer, kernel=_bitcast_kernel,
                      doc="Reinterpret the bytes of a tensor as another dtype.")


@export("bitcast")
def bitcast(input, type, name=None):
    return execute(BITCAST, [as_tensor(input)], {"type": dtypes.as_dtype(type)}, name=name,
                   default_name="Bitcast")


@export("debugging.assert_all_finite")
def assert_all_finite(x, message, name=None):
    return _tf().debugging.check_numerics(x, message, name=name)


@export("nn.local_response_normalization", "nn.lrn")
def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    """x / (bias + alpha * sum of squares over the `depth_radius` neighbouring channels)^beta."""
    tf = _tf()
    x = as_tensor(input)
    sq = tf.square(x)
    c = x.shape[-1]
    pad = tf.pad(sq, [[0, 0]] * (x.shape.rank - 1) + [[depth_radius, depth_radius]])
    acc = tf.add_n([pad[..., i:i + c] for i in range(2 * depth_radius + 1)])
    return x / tf.pow(bias + alpha * acc, beta)


def _install_bitwise_operators():
    """`&`, `|`, `^`, `~` on integer tensors are bitwise, as in TensorFlow (logical on bools)."""
    from tfedu.framework.tensor import Tensor

    bitwise = _tf().bitwise
    pairs = {"and": bitwise.bitwise_and, "or": bitwise.bitwise_or, "xor": bitwise.bitwise_xor}
    for short, fn in pairs.items():
        for name, flip in ((f"__{short}__", False), (f"__r{short}__", True)):
            prev = getattr(Tensor, name)

            def op(x, y, prev=prev, fn=fn, flip=flip):
                if x.dtype.is_integer:
                    return fn(y, x) if flip else fn(x, y)
                return prev(x, y)
            Tensor._override_operator(name, op)
    prev_inv = Tensor.__invert__
    Tensor._override_operator("__invert__", lambda x: bitwise.invert(x) if x.dtype.is_integer
                              else prev_inv(x))


def _graph_def():
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    return GraphDef


export("compat.v1.GraphDef")(_graph_def())
