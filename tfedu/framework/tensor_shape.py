"""`TensorShape`: a static shape that may have unknown dimensions (`None`) or unknown rank.

In eager code every shape is fully known. While building a graph, shapes are only what can be
inferred before any value exists: a placeholder `[None, 3]` flows through shape inference and
comes out as, say, `(None, 10)`.
"""

from __future__ import annotations

__all__ = ["TensorShape", "Dimension", "as_shape", "dimension_value"]


def _as_dim(d):
    if d is None:
        return None
    if isinstance(d, Dimension):
        return d.value
    if hasattr(d, "__index__"):
        v = d.__index__()
        if v < 0 and v != -1:
            raise ValueError(f"Dimension {v} must be >= 0")
        return None if v == -1 else v
    raise TypeError(f"Dimension value must be integer or None, got {d!r}")


class Dimension:
    """TF1's `Dimension` wrapper; TF2 shapes index to plain ints, this remains for compat code."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = _as_dim(value)

    def __repr__(self):
        return f"Dimension({self.value})"

    def __int__(self):
        return self.value

    def __index__(self):
        return self.value

    def __eq__(self, other):
        other = other.value if isinstance(other, Dimension) else other
        if self.value is None or other is None:
            return None
        return self.value == other


def dimension_value(d):
    return d.value if isinstance(d, Dimension) else d


class TensorShape:
    """A possibly partially-known shape. `TensorShape(None)` has unknown rank."""

    __slots__ = ("_dims",)

    def __init__(self, dims=None):
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, (list, tuple)):
            self._dims = tuple(_as_dim(d) for d in dims)
        elif hasattr(dims, "__index__"):
            self._dims = (_as_dim(dims),)
        else:
            # a tensor or array of dims
            try:
                self._dims = tuple(_as_dim(int(d)) for d in list(dims))
            except TypeError:
                raise TypeError(f"Cannot convert {dims!r} to a TensorShape.") from None

    @classmethod
    def _from_tuple(cls, dims: tuple) -> TensorShape:
        s = object.__new__(cls)
        s._dims = dims
        return s

    # --- basic properties ----------------------------------------------------------------
    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    @property
    def ndims(self):
        return self.rank

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def as_tuple(self):
        """The dims as a tuple (None for unknown dims); unknown rank gives None."""
        return self._dims

    # --- compatibility -------------------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def merge_with(self, other) -> TensorShape:
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def most_specific_compatible_shape(self, other) -> TensorShape:
        """The most specific shape both shapes fit in (used by `reduce_retracing`)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self._dims, other._dims)])

    def concatenate(self, other) -> TensorShape:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank: int) -> TensorShape:
        if self._dims is None:
            return TensorShape([None] * rank)
        if len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def assert_has_rank(self, rank: int):
        self.with_rank(rank)

    # --- python protocol -----------------------------------------------------------------
    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if isinstance(key, slice):
            if self._dims is None:
                return TensorShape(None)
            return TensorShape._from_tuple(self._dims[key])
        if self._dims is None:
            return None
        return self._dims[key]

    def __bool__(self):
        return self._dims is not None

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        return hash(self._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"

    def __reduce__(self):
        return TensorShape, (self.dims,)

    def as_proto_text(self) -> str:
        """The `[2,?]` form TensorFlow's runtime messages use."""
        if self._dims is None:
            return "<unknown>"
        return "[" + ",".join("?" if d is None else str(d) for d in self._dims) + "]"


def as_shape(shape) -> TensorShape:
    if isinstance(shape, TensorShape):
        return shape
    return TensorShape(shape)


def unknown_shape(rank=None) -> TensorShape:
    return TensorShape(None) if rank is None else TensorShape([None] * rank)
