"""TensorFlow data types (`tf.float32`, `tf.int32`, ...), each a thin wrapper around a numpy dtype.

Every tensor carries one of these singletons, so dtype checks are identity checks
(`x.dtype is tf.float32`), exactly as cheap as they look.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A TensorFlow dtype: its name, its numpy twin and a few properties students ask about."""

    __slots__ = ("name", "_np", "_cname", "_enum", "__weakref__")

    def __init__(self, name: str, np_dtype, cname: str, enum: str):
        self.name = name
        self._np = np.dtype(np_dtype)
        self._cname = cname
        self._enum = enum

    # --- numpy interop -------------------------------------------------------------------
    @property
    def as_numpy_dtype(self):
        """The numpy scalar type (`np.float32`), as TF returns it."""
        return self._np.type

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        if self is complex64:
            return float32
        if self is complex128:
            return float64
        return self

    @property
    def as_datatype_enum(self) -> str:
        return self._enum

    # --- predicates ----------------------------------------------------------------------
    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_bool(self) -> bool:
        return self is bool_

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "iufc"

    @property
    def size(self) -> int:
        return 8 if self is string else self._np.itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        if self is bool_:
            return False
        raise TypeError(f"Cannot find minimum value of {self}.")

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        if self is bool_:
            return True
        raise TypeError(f"Cannot find maximum value of {self}.")

    def is_compatible_with(self, other) -> bool:
        return self is as_dtype(other)

    # --- printing ------------------------------------------------------------------------
    @property
    def c_name(self) -> str:
        """The C++ type name TensorFlow's kernel messages use (`float`, `double`, `int32`)."""
        return self._cname

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other) -> bool:
        if other is None:
            return False
        if isinstance(other, DType):
            return self is other
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16, "half", "DT_HALF")
half = float16
float32 = DType("float32", np.float32, "float", "DT_FLOAT")
float64 = DType("float64", np.float64, "double", "DT_DOUBLE")
double = float64
int8 = DType("int8", np.int8, "int8", "DT_INT8")
int16 = DType("int16", np.int16, "int16", "DT_INT16")
int32 = DType("int32", np.int32, "int32", "DT_INT32")
int64 = DType("int64", np.int64, "int64", "DT_INT64")
uint8 = DType("uint8", np.uint8, "uint8", "DT_UINT8")
uint16 = DType("uint16", np.uint16, "uint16", "DT_UINT16")
uint32 = DType("uint32", np.uint32, "uint32", "DT_UINT32")
uint64 = DType("uint64", np.uint64, "uint64", "DT_UINT64")
bool_ = DType("bool", np.bool_, "bool", "DT_BOOL")
complex64 = DType("complex64", np.complex64, "complex64", "DT_COMPLEX64")
complex128 = DType("complex128", np.complex128, "complex128", "DT_COMPLEX128")
string = DType("string", object, "string", "DT_STRING")
# Resource handles (variables in graphs) and variants are not numeric; numpy object stands in.
resource = DType("resource", object, "resource", "DT_RESOURCE")
variant = DType("variant", object, "variant", "DT_VARIANT")

ALL = (
    float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
    bool_, complex64, complex128, string,
)
FLOATING = (float16, float32, float64)
INTEGER = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)
COMPLEX = (complex64, complex128)
REAL_NUMERIC = FLOATING + INTEGER
NUMERIC = REAL_NUMERIC + COMPLEX

_BY_NAME = {d.name: d for d in ALL + (resource, variant)}
_BY_NAME.update({"half": float16, "double": float64, "float": float32})
_BY_NP = {d._np: d for d in ALL}
_BY_NP[np.dtype(object)] = string
_BY_TYPE = {np.float16: float16, np.float32: float32, np.float64: float64, np.int8: int8,
            np.int16: int16, np.int32: int32, np.int64: int64, np.uint8: uint8,
            np.uint16: uint16, np.uint32: uint32, np.uint64: uint64, np.bool_: bool_,
            np.complex64: complex64, np.complex128: complex128, bool: bool_, float: float32,
            int: int32, str: string, bytes: string, complex: complex128, object: string}


def as_dtype(value) -> DType:
    """Convert a name, numpy dtype, Python type or DType into a tfedu `DType`."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        d = _BY_NAME.get(value)
        if d is not None:
            return d
    elif isinstance(value, np.dtype):
        d = _BY_NP.get(value)
        if d is not None:
            return d
        if value.kind in "SU":
            return string
    else:
        d = _BY_TYPE.get(value)
        if d is not None:
            return d
        dt = getattr(value, "dtype", None)
        if isinstance(dt, np.dtype):
            return as_dtype(dt)
        try:
            return as_dtype(np.dtype(value))
        except TypeError:
            pass
    raise TypeError(f"Cannot convert the argument `type_value`: {value!r} to a TensorFlow DType.")


def from_numpy(np_dtype: np.dtype) -> DType:
    """Fast path: the DType of a numpy dtype (strings/bytes/objects map to `tf.string`)."""
    d = _BY_NP.get(np_dtype)
    if d is None:
        return as_dtype(np_dtype)
    return d
