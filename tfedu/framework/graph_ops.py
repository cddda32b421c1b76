"""Ops that only make sense in a graph: placeholders, `NoOp`, and resource-variable ops.

A graph variable is a *handle* (`VarHandleOp`, dtype `resource`) plus ops that read and write
through it. The value lives outside the graph, in a resource store owned by whoever runs the
graph (a `Session`, or a `tf.function` for the eager variables it captured). Resource kernels
are flagged `uses_resources` and receive that store as their first argument:

    kernel(resources, *arrays, **attrs)

A handle is any object with a `_value` attribute (numpy array, or None while uninitialised),
`_dtype` and `_shape`: a `VariableSlot` created on demand, or an eager `tf.Variable` itself.
"""

from __future__ import annotations

import sys

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import ALL, register_op
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["VariableSlot", "ResourceStore", "PLACEHOLDER", "PLACEHOLDER_WITH_DEFAULT", "NO_OP",
           "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "ASSIGN_ADD_VARIABLE",
           "ASSIGN_SUB_VARIABLE", "VAR_IS_INITIALIZED", "placeholder_message",
           "update_in_place"]


class VariableSlot:
    """The run-time state behind one graph variable handle (what a Session stores)."""

    __slots__ = ("name", "_value", "_dtype", "_shape", "kind")

    def __init__(self, name: str, dtype, shape: TensorShape, kind: str = "resource"):
        self.name = name
        self._value = None
        self._dtype = dtype
        self._shape = shape
        self.kind = kind

    def __repr__(self):
        state = "uninitialized" if self._value is None else f"value shape {self._value.shape}"
        return f"<VariableSlot {self.name!r} {state}>"


class ResourceStore(dict):
    """name -> handle (VariableSlot or eager Variable): the state of one Session."""

    def handle(self, name: str, dtype, shape, kind: str = "resource"):
        h = self.get(name)
        if h is None:
            h = VariableSlot(name, dtype, TensorShape(shape), kind)
            self[name] = h
        return h


def _resource_op(**kw):
    return register_op(group="variable", uses_resources=True, stateful=True, **kw)


# ------------------------------------------------------------------------------------------
# Placeholders and grouping
# ------------------------------------------------------------------------------------------


def placeholder_message(name: str, dtype, shape: TensorShape) -> str:
    """TF's sentence for an unfed placeholder (shape omitted when unknown or scalar)."""
    text = f"You must feed a value for placeholder tensor '{name}' with dtype {dtype.c_name}"
    if shape.rank:
        text += f" and shape {shape_text(shape.as_list())}"
    return text


def _placeholder_kernel(dtype, shape, _name=""):
    raise OpCheckError(placeholder_message(_name, dtype, TensorShape(shape)))


PLACEHOLDER = register_op(
    "Placeholder", group="input", inputs=(), outputs=("output: dtype",), type_attrs={"dtype": ALL},
    attrs={"shape": TensorShape(None)},
    infer=lambda op: [(TensorShape(op.attrs["shape"]), op.attrs["dtype"])],
    kernel=_placeholder_kernel, stateful=True,
    doc="A value supplied at run time through `feed_dict`; running it unfed is an error.")

PLACEHOLDER_WITH_DEFAULT = register_op(
    "PlaceholderWithDefault", group="input", inputs=("input: dtype",), outputs=("output: dtype",),
    type_attrs={"dtype": ALL}, attrs={"shape": TensorShape(None)},
    infer=lambda op: [(TensorShape(op.attrs["shape"]), op.dtype(0))],
    kernel=lambda x, shape=None: x, grad=lambda op, g: [g],
    doc="Its input, unless a value is fed for it.")

NO_OP = register_op(
    "NoOp", group="control", inputs=(), outputs=(), infer=lambda op: [], kernel=lambda: None,
    doc="Does nothing; groups other ops through control dependencies (`tf.group`).")


# ------------------------------------------------------------------------------------------
# Resource variables
# ------------------------------------------------------------------------------------------


def _var_handle_kernel(resources, shared_name, dtype, shape, kind="resource", container=""):
    h = resources.get(shared_name)
    if h is None:
        make = getattr(resources, "handle", None)
        if make is not None:
            return make(shared_name, dtype, shape, kind)
        h = VariableSlot(shared_name, dtype, TensorShape(shape), kind)
        resources[shared_name] = h
    return h


VAR_HANDLE = _resource_op(
    type="VarHandleOp", inputs=(), outputs=("resource: resource",),
    attrs={"dtype": None, "shape": TensorShape(None), "shared_name": "", "container": ""},
    infer=lambda op: [(TensorShape([]), dtypes.resource)],
    kernel=_var_handle_kernel,
    doc="A handle to a variable living in the session's resource store.")


VARIABLE_V2 = _resource_op(
    type="VariableV2", inputs=(), outputs=("ref: resource",),
    attrs={"dtype": None, "shape": TensorShape(None), "shared_name": "", "container": ""},
    infer=lambda op: [(TensorShape([]), dtypes.resource)],
    kernel=lambda resources, **attrs: _var_handle_kernel(resources, kind="ref", **attrs),
    doc="A classic TF1 (ref) variable: here, a handle like VarHandleOp.")


def _uninitialized(handle):
    name = getattr(handle, "name", "?")
    if getattr(handle, "kind", "resource") == "ref":
        return OpCheckError(f"Attempting to use uninitialized value {name}",
                            errors.FailedPreconditionError)
    return OpCheckError(
        f"Could not find variable {name}. This could mean that the variable has been deleted. "
        "In TF1, it can also mean the variable is uninitialized. Debug info: container=localhost, "
        "status error message=Container localhost does not exist. (Could not find resource: "
        f"localhost/{name})", errors.FailedPreconditionError)


def _read(handle):
    v = handle._value
    if v is None:
        raise _uninitialized(handle)
    return v


def _read_kernel(resources, handle, dtype=None, **_):
    return _read(handle)


def _read_grad(op, g):
    return [g]


READ_VARIABLE = _resource_op(
    type="ReadVariableOp", inputs=("resource: resource",), outputs=("value: dtype",),
    attrs={"dtype": None},
    infer=lambda op: [(TensorShape(None), op.attrs["dtype"])],
    kernel=_read_kernel, grad=_read_grad,
    doc="The current value of a variable.")


def _checked_value(handle, value):
    dt = handle._dtype
    new = np.array(value, dtype=dt._np if dt is not None else None, copy=True)
    shape = handle._shape
    if shape is not None and not TensorShape(shape).is_compatible_with(new.shape):
        raise OpCheckError(
            f"Trying to assign to variable with tensor with wrong shape. Expected "
            f"{shape_text(TensorShape(shape).as_list())} got {shape_text(new.shape)}")
    return new


def _assign_kernel(resources, handle, value, dtype=None):
    handle._value = _checked_value(handle, value)


def update_in_place(owner, ufunc, value) -> bool:
    """Write `ufunc(owner._value, value)` into the owner's own buffer (a variable, or a graph's
    resource handle) when nothing else holds that buffer and the result keeps its dtype and
    shape; False otherwise (the caller makes a new buffer: a read still alive keeps the old
    values, as TF's copy-on-write does). Call it holding no reference to the buffer."""
    v = owner._value
    d = value if type(value) is np.ndarray else np.asarray(value)
    # 3 references: the owner's, `v`'s and getrefcount's own argument
    if type(v) is np.ndarray and d.dtype == v.dtype and (d.shape == v.shape or d.ndim == 0) \
            and v.base is None and v.flags.writeable and sys.getrefcount(v) <= 3:
        ufunc(v, d, out=v)
        return True
    return False


def _update(handle, ufunc, value):
    if not update_in_place(handle, ufunc, value):
        handle._value = _checked_value(handle, ufunc(_read(handle), value))


def _assign_add_kernel(resources, handle, value, dtype=None):
    _update(handle, np.add, value)


def _assign_sub_kernel(resources, handle, value, dtype=None):
    _update(handle, np.subtract, value)


def _no_outputs(op):
    return []


ASSIGN_VARIABLE = _resource_op(
    type="AssignVariableOp", inputs=("resource: resource", "value: dtype"), outputs=(),
    type_attrs={"dtype": ALL}, infer=_no_outputs, kernel=_assign_kernel,
    doc="Sets a variable's value (takes effect when run).")
ASSIGN_ADD_VARIABLE = _resource_op(
    type="AssignAddVariableOp", inputs=("resource: resource", "value: dtype"), outputs=(),
    type_attrs={"dtype": ALL}, infer=_no_outputs, kernel=_assign_add_kernel,
    doc="Adds to a variable's value.")
ASSIGN_SUB_VARIABLE = _resource_op(
    type="AssignSubVariableOp", inputs=("resource: resource", "value: dtype"), outputs=(),
    type_attrs={"dtype": ALL}, infer=_no_outputs, kernel=_assign_sub_kernel,
    doc="Subtracts from a variable's value.")

VAR_IS_INITIALIZED = _resource_op(
    type="VarIsInitializedOp", inputs=("resource: resource",), outputs=("is_initialized: bool",),
    infer=lambda op: [(TensorShape([]), dtypes.bool_)],
    kernel=lambda resources, handle: np.asarray(handle._value is not None),
    doc="Whether the variable has a value yet.")
