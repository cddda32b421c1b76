"""Small names from across the TF API that the guides use: `tf.version`, `tf.init_scope`,
`tf.compat.v1.Dimension`, tensor equality switches, `tf.types.experimental.TraceType`,
`tf.compat.v1.GraphDef`, and TPU/DTensor entry points that say plainly that tfedu teaches on
CPU. (Ops live in their families' modules: `tf.bitwise` in bitwise_ops, `tf.bitcast` in
array_ops, unicode strings in string_ops.)"""

from __future__ import annotations

from tfedu.framework import context
from tfedu.ops.op_helpers import export


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
        st = context._state
        self._saved = st.graph_stack
        st.graph_stack = [g for g in st.graph_stack
                          if not getattr(g, "_building_function", False)]
        context._refresh()
        return None

    def __exit__(self, *exc):
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


def _graph_def():
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    return GraphDef


export("compat.v1.GraphDef")(_graph_def())
