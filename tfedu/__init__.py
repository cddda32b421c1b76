"""tfedu: the TensorFlow programming model, small enough to read.

    import tfedu as tf
    x = tf.constant([[1.0, 2.0]])
    print(x @ tf.transpose(x))

Ops run eagerly by default. The same ops build graphs inside `tf.Graph().as_default()`,
under `tf.compat.v1.disable_eager_execution()` and while `tf.function` traces.
"""

from __future__ import annotations

import os as _os

from tfedu._alloc import tune_malloc as _tune_malloc
from tfedu._cache import configure_numba_cache as _configure_numba_cache

_configure_numba_cache()
_tune_malloc()

from tfedu import api as _api  # noqa: E402
from tfedu.eager.tape import (  # noqa: E402
    GradientTape,
    UnconnectedGradients,
    custom_gradient,
)
from tfedu.framework import dtypes, errors, nest  # noqa: E402
from tfedu.framework.context import executing_eagerly  # noqa: E402
from tfedu.framework.convert import (  # noqa: E402
    constant,
    convert_to_tensor,
    register_tensor_conversion_function,
)
from tfedu.framework.dtypes import (  # noqa: E402
    DType,
    as_dtype,
    bool_ as bool,  # noqa: A001
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    resource,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
    variant,
)
from tfedu.framework.graph import Graph, GraphKeys, Operation  # noqa: E402
from tfedu.framework.module import Module  # noqa: E402
from tfedu.framework.tensor import Tensor, is_tensor  # noqa: E402
from tfedu.framework.tensor_shape import TensorShape  # noqa: E402
from tfedu.framework.tensor_spec import TensorSpec  # noqa: E402
from tfedu.framework.variables import (  # noqa: E402
    Variable,
    VariableAggregation,
    VariableSynchronization,
)

from tfedu import data  # noqa: E402

newaxis = None
__version__ = "0.1.0"

_api.build(_os.sys.modules[__name__])

from tfedu.function import function  # noqa: E402  (tf.function, shadowing the package)

dtypes.as_dtype = as_dtype

_LAZY_SUBMODULES = ("keras", "saved_model", "estimator", "feature_column", "summary",
                    "lite")
# TF 2's top-level aliases of Keras namespaces (tf.metrics is tf.keras.metrics...)
_KERAS_ALIASES = {"metrics": "metrics", "initializers": "initializers", "losses": "losses",
                  "optimizers": "optimizers"}


def __getattr__(name):
    """Heavier namespaces (`tf.keras`) load on first use, keeping `import tfedu` quick."""
    import importlib

    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"tfedu.{name}")
    if name in _KERAS_ALIASES:
        return importlib.import_module(f"tfedu.keras.{_KERAS_ALIASES[name]}")
    raise AttributeError(f"module 'tfedu' has no attribute '{name}'")
