"""`tf.compat.v1.data`: `tf.data` plus the TF 1.x iterator functions for Session code."""

from __future__ import annotations

from tfedu.graph.iterator_ops import (  # noqa: F401
    make_initializable_iterator,
    make_one_shot_iterator,
)


def get_output_shapes(dataset_or_iterator):
    from tfedu.framework import nest

    return nest.map_structure(lambda s: s.shape, dataset_or_iterator.element_spec)


def get_output_types(dataset_or_iterator):
    from tfedu.framework import nest

    return nest.map_structure(lambda s: s.dtype, dataset_or_iterator.element_spec)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import tfedu

    try:
        return getattr(tfedu.data, name)
    except AttributeError:
        raise AttributeError(f"module 'tfedu.compat.v1.data' has no attribute '{name}'") from None
