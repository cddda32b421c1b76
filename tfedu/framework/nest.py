"""`tf.nest`: flatten and rebuild nested structures of lists, tuples, dicts and namedtuples.

Dicts flatten in sorted key order, as TensorFlow does, so two dicts with the same keys always
line up regardless of insertion order.
"""

from __future__ import annotations

import collections.abc

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure",
           "flatten_with_paths"]


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict, collections.abc.Mapping)) and not _is_attrs(x)


def _is_attrs(x) -> bool:
    return False


def _sorted_keys(d):
    try:
        return sorted(d.keys())
    except TypeError:
        return list(d.keys())


def _children(x):
    if isinstance(x, collections.abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    return list(x)


def flatten(structure, expand_composites=False):
    """All leaves of `structure` in a fixed order; a non-nested value gives `[value]`."""
    if not is_nested(structure):
        return [structure]
    out = []
    stack = [structure]
    # iterative depth-first, left to right
    result = []

    def rec(s):
        if is_nested(s):
            for c in _children(s):
                rec(c)
        else:
            result.append(s)

    rec(structure)
    out.extend(result)
    del stack
    return out


def _rebuild(template, children):
    if isinstance(template, collections.abc.Mapping):
        keys = _sorted_keys(template)
        mapping = dict(zip(keys, children))
        if type(template) is dict:
            return {k: mapping[k] for k in template.keys()}
        try:
            return type(template)((k, mapping[k]) for k in template.keys())
        except TypeError:
            return {k: mapping[k] for k in template.keys()}
    if _is_namedtuple(template):
        return type(template)(*children)
    if isinstance(template, tuple):
        return tuple(children)
    return list(children)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuild `structure` with leaves taken in order from `flat_sequence`."""
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(
                f"Structure is a scalar but len(flat_sequence) == {len(flat_sequence)} > 1"
            )
        return flat_sequence[0]
    pos = 0

    def rec(s):
        nonlocal pos
        if is_nested(s):
            return _rebuild(s, [rec(c) for c in _children(s)])
        v = flat_sequence[pos]
        pos += 1
        return v

    out = rec(structure)
    if pos != len(flat_sequence):
        raise ValueError(
            f"Could not pack sequence. Structure had {pos} atoms, but flat_sequence had "
            f"{len(flat_sequence)} items."
        )
    return out


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    def rec(a, b):
        na, nb = is_nested(a), is_nested(b)
        if na != nb:
            raise ValueError(
                "The two structures don't have the same nested structure.\n\n"
                f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}"
            )
        if not na:
            return
        if check_types and type(a) is not type(b) and not (
            isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)
        ):
            raise TypeError(
                "The two structures don't have the same sequence type. Input structure has "
                f"type {type(a)!r}, while shallow structure has type {type(b)!r}."
            )
        ca, cb = _children(a), _children(b)
        if len(ca) != len(cb):
            raise ValueError(
                "The two structures don't have the same nested structure.\n\n"
                f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}"
            )
        if isinstance(a, collections.abc.Mapping) and _sorted_keys(a) != _sorted_keys(b):
            raise ValueError(
                "The two dictionaries don't have the same set of keys. First structure has keys "
                f"{list(_sorted_keys(a))}, while second structure has keys {list(_sorted_keys(b))}."
            )
        for x, y in zip(ca, cb):
            rec(x, y)

    rec(nest1, nest2)


def map_structure(func, *structure, **kwargs):
    """Apply `func` to corresponding leaves of one or more structures."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)])


def flatten_with_paths(structure):
    out = []

    def rec(s, path):
        if is_nested(s):
            keys = _sorted_keys(s) if isinstance(s, collections.abc.Mapping) else range(len(s))
            for k, c in zip(keys, _children(s)):
                rec(c, path + (k,))
        else:
            out.append((path, s))

    rec(structure, ())
    return out
