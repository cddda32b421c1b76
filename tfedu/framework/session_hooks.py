"""How `Tensor.eval()` and `Operation.run()` reach a Session without importing the graph layer.

The framework layer sits below `tfedu.graph`; these two functions import it only when called.
"""

from __future__ import annotations


def eval_tensor(tensor, feed_dict=None, session=None):
    """`t.eval()`: the value of `tensor` in `session` or the default session."""
    from tfedu.graph.session import _session_or_default

    return _session_or_default(session, tensor).run(tensor, feed_dict)


def run_operation(op, feed_dict=None, session=None):
    """`op.run()`: run `op` in `session` or the default session."""
    from tfedu.graph.session import _session_or_default

    _session_or_default(session, op).run(op, feed_dict)
