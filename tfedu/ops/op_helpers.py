"""Building blocks shared by the op families: shape functions and registration shortcuts.

Shape functions receive an `InferContext` and return a list of `(TensorShape, DType)` per
output. They raise `OpCheckError` (via `ctx.fail`) on bad input, which the dispatcher turns into
TF's eager or graph-time error.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.api_export import EXPORTS, export
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape

__all__ = [
    "broadcast_shapes", "broadcast_infer", "unary_infer", "register_binary", "register_unary",
    "normalize_axis", "reduction_axes", "shape_text", "same_as_input", "export", "EXPORTS",
]


def broadcast_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    """Static NumPy broadcasting of two possibly partially known shapes."""
    if a.rank is None or b.rank is None:
        return TensorShape(None)
    da, db = a.as_list(), b.as_list()
    n = max(len(da), len(db))
    da = [1] * (n - len(da)) + da
    db = [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            raise OpCheckError(
                f"Incompatible shapes: {shape_text(a.as_list())} vs. {shape_text(b.as_list())}"
            )
    return TensorShape(out)


def broadcast_infer(out_dtype=None):
    """Shape function of a broadcasting binary op; output dtype is T unless given."""

    def infer(op):
        shape = broadcast_shapes(op.shape(0), op.shape(1))
        return [(shape, out_dtype or op.dtype(0))]

    return infer


def unary_infer(op):
    return [(op.shape(0), op.dtype(0))]


def same_as_input(out_dtype):
    def infer(op):
        return [(op.shape(0), out_dtype)]

    return infer


def _broadcasting_kernel(fn):
    """Wrap a numpy binary kernel so a broadcast failure reads as TF's message."""

    def kernel(x, y):
        try:
            return fn(x, y)
        except ValueError:
            if np.shape(x) != np.shape(y):
                raise OpCheckError(
                    f"Incompatible shapes: {shape_text(np.shape(x))} vs. {shape_text(np.shape(y))}"
                ) from None
            raise

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.reference = fn
    return kernel


def register_binary(type, fn, allowed, grad=None, out_dtype=None, doc="", group="math", **fields):
    """Register a broadcasting elementwise binary op `z = fn(x, y)` (more OpDef fields by keyword)."""
    return register_op(
        type,
        inputs=("x: T", "y: T"),
        outputs=("z: bool",) if out_dtype is dtypes.bool_ else ("z: T",),
        type_attrs={"T": allowed},
        infer=broadcast_infer(out_dtype),
        kernel=_broadcasting_kernel(fn),
        grad=grad,
        elementwise=True,
        doc=doc,
        group=group,
        **fields,
    )


def register_unary(type, fn, allowed, grad=None, out_dtype=None, doc="", group="math", **fields):
    """Register an elementwise unary op `y = fn(x)` (more OpDef fields by keyword)."""
    return register_op(
        type,
        inputs=("x: T",),
        outputs=("y: bool",) if out_dtype is dtypes.bool_ else ("y: T",),
        type_attrs={"T": allowed},
        infer=same_as_input(out_dtype) if out_dtype else unary_infer,
        kernel=fn,
        grad=grad,
        elementwise=True,
        doc=doc,
        group=group,
        **fields,
    )


def normalize_axis(axis: int, rank: int, op_type: str = "") -> int:
    if rank is None:
        return axis
    if not -rank <= axis < max(rank, 1) and not (rank == 0 and axis in (0, -1)):
        raise OpCheckError(
            f"Invalid reduction dimension ({axis} for input with {rank} dimension(s)"
            if op_type in ("Sum", "Mean", "Max", "Min", "Prod", "All", "Any")
            else f"Expected dimension in the range [{-rank}, {rank}), but got {axis}"
        )
    return axis % rank if rank else 0


def reduction_axes(axes_value, rank):
    """Normalise a reduction-axes constant to a sorted tuple of non-negative ints."""
    if axes_value is None:
        return None
    a = np.asarray(axes_value).reshape(-1)
    out = set()
    for ax in a.tolist():
        if rank is not None and not -rank <= ax < rank:
            raise OpCheckError(f"Invalid reduction dimension ({ax} for input with {rank} "
                               "dimension(s)")
        out.add(ax % rank if rank else ax)
    return tuple(sorted(out))


# ------------------------------------------------------------------------------------------
# Kernel and public-function shortcuts shared by the op families
# ------------------------------------------------------------------------------------------

# numpy's floating-point warnings are TF's silent inf/nan results
ERRSTATE_IGNORE = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}


def as_tensor(x, dtype=None, name=None, dtype_hint=None):
    """An op argument as a tensor: the one conversion path of the op families.

    Tensors pass through untouched (`execute` captures outer ones), variables are read, anything
    else goes through `tf.convert_to_tensor` (`dtype` required, `dtype_hint` preferred).
    """
    if isinstance(x, Tensor):
        return x
    if getattr(x, "_is_variable", False):
        return x.value()
    return convert_to_tensor(x, dtype=dtype, name=name, dtype_hint=dtype_hint)


def as_numpy(x):
    """An argument's value now, as a numpy array (for functions computed eagerly on values)."""
    return np.asarray(as_tensor(x).numpy())


def float_kernel(fn):
    """A float kernel run under errstate that keeps the input dtype."""

    def kernel(x):
        with np.errstate(**ERRSTATE_IGNORE):
            r = fn(x)
        return np.asarray(r).astype(x.dtype, copy=False)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def binary_float_kernel(fn):
    """A binary float kernel run under errstate that keeps the inputs' result dtype."""

    def kernel(x, y):
        with np.errstate(**ERRSTATE_IGNORE):
            r = fn(x, y)
        return np.asarray(r).astype(np.result_type(x, y), copy=False)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def named_function(fn, public, opdef=None, doc=None):
    """Give a generated public function its TF name and a one-line docstring."""
    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = doc or (f"{opdef.doc or public} elementwise (`{opdef.type}`)." if opdef else None)
    return fn


def unary_function(opdef, default, public=None):
    """The public function `f(x, name=None)` running `opdef`, named as TF names it."""

    def fn(x, name=None):
        return execute(opdef, [x], name=name, default_name=default)

    return named_function(fn, public or snake_case(default), opdef)


def snake_case(type_name):
    """`BesselI0e` -> `bessel_i0e`: an op type's public function name."""
    out = "".join("_" + c.lower() if c.isupper() else c for c in type_name).lstrip("_")
    return out.replace("_n_", "_n").replace("i0_e", "i0e")


def binary_function(opdef, default, public):
    """The public function `f(x, y, name=None)` running `opdef`; `y` converts to x's dtype."""

    def fn(x, y, name=None):
        x = as_tensor(x, name="x")
        y = as_tensor(y, dtype=x.dtype, name="y")
        return execute(opdef, [x, y], name=name, default_name=default)

    return named_function(fn, public, opdef)


def raise_op_error(msg):
    """Raise the op error a shape function or kernel reports (for callbacks)."""
    raise OpCheckError(msg)


def merge_error(a: TensorShape, b: TensorShape):
    """TF's shape-merge error text for two shapes that do not merge (None when they do)."""
    if a.rank is None or b.rank is None:
        return None
    x, y = a.as_list(), b.as_list()
    if len(x) != len(y):
        return f"Shapes must be equal rank, but are {len(x)} and {len(y)}"
    for i, (u, v) in enumerate(zip(x, y)):
        if u is not None and v is not None and u != v:
            return (f"Dimension {i} in both shapes must be equal, but are {u} and {v}. "
                    f"Shapes are {shape_text(x)} and {shape_text(y)}.")
    return None


def debug_shape(s: TensorShape) -> str:
    """A shape as TF's shape functions print it: `[2,?]`, `?` for an unknown rank."""
    return "?" if s.rank is None else shape_text(s.as_list())


def with_rank_at_least(op, shape: TensorShape, n: int):
    """TF's `WithRankAtLeast` in a shape function: fail unless `shape` has rank >= n."""
    if shape.rank is not None and shape.rank < n:
        op.fail(f"Shape must be at least rank {n} but is rank {shape.rank}")
