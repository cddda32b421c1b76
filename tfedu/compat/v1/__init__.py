"""`tf.compat.v1`: TF 1.x graph mode (placeholders, Session, get_variable, v1 optimizers).

Graph-mode functions are published here through the export table (`tfedu.graph.api`); any
other name falls back to the TF 2 top-level namespace, as most of TF 1.x's ops are the same.
"""

from __future__ import annotations

from tfedu.compat.v1 import data, initializers, layers, logging, losses, metrics, nn, train  # noqa: F401
from tfedu.summary import v1 as summary  # noqa: F401
from tfedu.compat.v1.config import (  # noqa: F401
    ConfigProto,
    GPUOptions,
    GraphOptions,
    OptimizerOptions,
    RunMetadata,
    RunOptions,
)
from tfedu.compat.v1.initializers import (  # noqa: F401
    constant_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    variance_scaling_initializer,
    zeros_initializer,
)
from tfedu.compat.v1.ops_v1 import (  # noqa: F401
    arg_max,
    arg_min,
    div,
    log,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    to_double,
    to_float,
    to_int32,
    to_int64,
)
from tfedu.compat.v1.variable_scope import (  # noqa: F401
    AUTO_REUSE,
    VariableScope,
    get_variable,
    get_variable_scope,
    variable_scope,
)


def __dir__():
    import tfedu

    return sorted(set(globals()) | {n for n in dir(tfedu) if not n.startswith("_")})


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "saved_model":  # the TF 1.x one (loaded on first use)
        import importlib

        return importlib.import_module("tfedu.compat.v1.saved_model")
    import tfedu

    try:
        return getattr(tfedu, name)
    except AttributeError:
        raise AttributeError(f"module 'tfedu.compat.v1' has no attribute '{name}'") from None
