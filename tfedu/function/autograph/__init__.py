"""AutoGraph: rewrite Python `if`/`while`/`for` on tensors into `tf.cond` / `tf.while_loop`."""

from tfedu.function.autograph.api import (
    convert_for_tracing,
    do_not_convert,
    set_loop_options,
    to_code,
    to_graph,
)

__all__ = ["convert_for_tracing", "to_code", "to_graph", "do_not_convert", "set_loop_options"]
