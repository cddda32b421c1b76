"""TensorFlow's seed rules: `tf.random.set_seed` and how each random op gets its seed.

- global seed set, op seed not: the op seed comes from a counter-like stream reset by
  `set_seed`, so a program re-run gives the same sequence of draws;
- op seed set, global not: the global seed defaults to `DEFAULT_GRAPH_SEED`;
- neither: nondeterministic.
"""

from __future__ import annotations

import random

from tfedu.framework.context import _state, get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1

_global_seed = None
_op_seed_stream = random.Random()


def _truncate(seed: int) -> int:
    return int(seed) % _MAXINT32


def set_seed(seed) -> None:
    """Set the global seed (and restart the per-op seed stream), as `tf.random.set_seed`."""
    global _global_seed, _op_seed_stream
    _global_seed = None if seed is None else int(seed)
    _op_seed_stream = random.Random(_global_seed)
    if _state.graph is not None:
        _state.graph.seed = _global_seed


def global_seed():
    if _state.graph is not None:
        return _state.graph.seed
    return _global_seed


def get_seed(op_seed):
    """(graph-level seed, op-level seed) for a random op, by TensorFlow's rules."""
    g = global_seed()
    if g is not None:
        if op_seed is None:
            if _state.graph is not None:
                op_seed = get_default_graph()._last_op_id
            else:
                op_seed = _op_seed_stream.randint(0, _MAXINT32)
        seeds = _truncate(g), _truncate(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds
