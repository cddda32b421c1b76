"""The public API export table (TF's `tf_export`): `tf.math`, `tf.nn`, ... are built from it.

A module publishes a function with `@export("math.add", "add")`; `tfedu.api.build` then sets
`tfedu.math.add` and `tfedu.add` to it. The code lives in one place, the names in many.
"""

from __future__ import annotations

__all__ = ["EXPORTS", "export"]

EXPORTS: dict[str, object] = {}


def export(*names):
    """Decorator: publish a function under `tf.<name>` / `tf.math.<name>` style paths."""

    def deco(obj):
        for n in names:
            EXPORTS[n] = obj
        return obj

    return deco
