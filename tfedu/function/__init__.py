"""`tf.function`: tracing Python functions into graphs, per input signature.

`function.py` (the polymorphic `Function`), `trace_type.py` (cache keys), `func_graph.py`
(the graph a trace builds), `concrete_function.py` (one trace, runnable), `runner.py` (a
trace's execution plan as generated straight-line Python: the fast call path), `gradients.py`
(symbolic gradients of function graphs), `trace_log.py` (why each retrace happened),
`autograph/` (Python control flow on tensors -> `tf.cond` / `tf.while_loop`).
"""

from tfedu.function.concrete_function import ConcreteFunction
from tfedu.function.func_graph import FuncGraph
from tfedu.function.function import (
    Function,
    function,
    functions_run_eagerly,
    get_logger,
    run_functions_eagerly,
)
from tfedu.function.trace_log import add_listener, live_functions, remove_listener

__all__ = ["Function", "ConcreteFunction", "FuncGraph", "function", "run_functions_eagerly",
           "functions_run_eagerly", "get_logger", "add_listener", "remove_listener",
           "live_functions"]
