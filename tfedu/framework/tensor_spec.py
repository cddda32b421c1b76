"""`tf.TensorSpec`: the type of a tensor (shape + dtype), used by tf.function and tf.data."""

from __future__ import annotations

from tfedu.framework import dtypes
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["TensorSpec", "BoundedTensorSpec"]


class TensorSpec:
    """Describes a tensor: a (possibly partial) shape, a dtype and an optional name."""

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        n = name
        if n is None and getattr(tensor, "is_symbolic", False):
            n = tensor.op.name
        return cls(tensor.shape, tensor.dtype, n)

    @classmethod
    def from_spec(cls, spec, name=None) -> TensorSpec:
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def value_type(self):
        from tfedu.framework.tensor import Tensor

        return Tensor

    def is_compatible_with(self, other) -> bool:
        """True if `other` (a spec, tensor or value) fits this spec."""
        if isinstance(other, TensorSpec):
            return self._dtype is other._dtype and self._shape.is_compatible_with(other._shape)
        dtype = getattr(other, "dtype", None)
        shape = getattr(other, "shape", None)
        if dtype is None or shape is None:
            from tfedu.framework.convert import to_numpy_value

            try:
                arr, dtype = to_numpy_value(other)
            except (TypeError, ValueError):
                return False
            shape = arr.shape
        try:
            dtype = dtypes.as_dtype(dtype)
        except TypeError:
            return False
        return self._dtype is dtype and self._shape.is_compatible_with(TensorShape(shape))

    def is_subtype_of(self, other) -> bool:
        if not isinstance(other, TensorSpec) or other._dtype is not self._dtype:
            return False
        if other._shape.rank is None:
            return True
        if self._shape.rank != other._shape.rank:
            return False
        return all(b is None or a == b for a, b in zip(self._shape, other._shape))

    def most_specific_common_supertype(self, others):
        shape = self._shape
        for o in others:
            if not isinstance(o, TensorSpec) or o._dtype is not self._dtype:
                return None
            shape = shape.most_specific_compatible_shape(o._shape)
        return TensorSpec(shape, self._dtype, self._name)

    def __eq__(self, other):
        return (type(other) is type(self) and self._shape == other._shape
                and self._dtype is other._dtype and self._name == other._name)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def __reduce__(self):
        return TensorSpec, (self._shape, self._dtype, self._name)


class BoundedTensorSpec(TensorSpec):
    __slots__ = ("minimum", "maximum")

    def __init__(self, shape, dtype, minimum, maximum, name=None):
        super().__init__(shape, dtype, name)
        self.minimum = minimum
        self.maximum = maximum
