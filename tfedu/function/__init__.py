"""`tf.function`: tracing Python functions into graphs, per input signature.

`function.py` (the polymorphic `Function`), `trace_type.py` (cache keys), `func_graph.py`
(the graph a trace builds), `concrete_function.py` (one trace, runnable), `runner.py` (a
trace's execution plan as generated straight-line Python: the fast call path), `gradients.py`
(symbolic gradients of function graphs), `trace_log.py` (why each retrace happened),
`autograph/` (Python control flow on tensors -> `tf.cond` / `tf.while_loop`).
"""

from tfedu.framework.api_export import export
from tfedu.framework.func_graph import FuncGraph
from tfedu.function import gradients as _gradients  # noqa: F401  (fills FUNCTION_RUNTIME)
from tfedu.function.concrete_function import ConcreteFunction
from tfedu.function.function import (
    Function,
    function,
    functions_run_eagerly,
    get_logger,
    run_functions_eagerly,
)
from tfedu.function.trace_log import add_listener, live_functions, remove_listener

# Public names (tf.function, tf.config.run_functions_eagerly, tf.autograph, ...)

export("function")(function)
export("config.run_functions_eagerly")(run_functions_eagerly)
export("config.functions_run_eagerly")(functions_run_eagerly)
export("config.experimental_run_functions_eagerly")(run_functions_eagerly)
export("get_logger")(get_logger)


def _autograph(name):
    """A `tf.autograph.*` entry point that loads the converter on first use (fast import)."""

    def entry(*args, **kwargs):
        from tfedu.function.autograph import api

        return getattr(api, name)(*args, **kwargs)

    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"`tf.autograph.{name}` (see tfedu.function.autograph.api.{name})."
    return entry


export("autograph.to_code")(_autograph("to_code"))
export("autograph.to_graph")(_autograph("to_graph"))
export("autograph.experimental.do_not_convert")(_autograph("do_not_convert"))
export("autograph.experimental.set_loop_options")(_autograph("set_loop_options"))
export("types.experimental.ConcreteFunction")(ConcreteFunction)
export("types.experimental.PolymorphicFunction")(Function)


__all__ = ["Function", "ConcreteFunction", "FuncGraph", "function", "run_functions_eagerly",
           "functions_run_eagerly", "get_logger", "add_listener", "remove_listener",
           "live_functions"]
