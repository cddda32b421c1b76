"""`tf.compat.v1.Session`: run parts of a graph, holding the values of its variables.

    sess.run(fetches, feed_dict)
        fetches (nested lists/tuples/dicts of tensors, ops, names, variables) -> flat, unique
        feeds: keys resolved to tensors, values converted and shape-checked
        plan = cached compile_plan(graph, fetches, feeds)  (pruned to what the fetches need)
        values = plan.run(feed arrays, this session's resource store)
        -> the fetch structure with numpy values (None for operations)

A Session owns a `ResourceStore`: two sessions on one graph hold two independent sets of
variable values, and a new session needs its variables initialized again.
"""

from __future__ import annotations

import collections.abc
import contextlib
import threading

import numpy as np

from tfedu.framework import context, dtypes
from tfedu.framework.convert import to_numpy_value
from tfedu.framework.graph import Operation
from tfedu.framework.graph_ops import ResourceStore
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor
from tfedu.graph.plan import compile_plan
from tfedu.ops import random_ops

__all__ = ["Session", "InteractiveSession", "get_default_session"]


class _DefaultSessionStack(threading.local):
    def __init__(self):
        self.stack = []


_default = _DefaultSessionStack()


def get_default_session():
    """The innermost session entered with `with sess:` / `sess.as_default()`, or None."""
    return _default.stack[-1] if _default.stack else None


def _session_or_default(session, element):
    if session is None:
        session = get_default_session()
        if session is None:
            what = "tensor using `eval()`" if isinstance(element, Tensor) else "operation using `run()`"
            raise ValueError(
                f"Cannot evaluate {what}: No default session is registered. Use `with "
                "sess.as_default()` or pass an explicit session to "
                f"`{'eval' if isinstance(element, Tensor) else 'run'}(session=sess)`"
            )
    if element.graph is not session.graph:
        what = "tensor" if isinstance(element, Tensor) else "operation"
        raise ValueError(f"Cannot use the given session to evaluate {what}: the {what}'s graph "
                         "is different from the session's graph.")
    return session


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


class BaseSession:
    """What Session and InteractiveSession share: fetch/feed handling and the plan cache."""

    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = context.get_default_graph()
        self._graph = graph
        self._target = target
        self._config = config
        self._resources = ResourceStore()
        self._closed = False
        self._plans = {}
        self._default_cm = None
        # TF keeps a graph's random-op state in the session: a new session replays the draws.

        random_ops.reset_graph_streams(graph)

    # --- properties ----------------------------------------------------------------------
    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    @property
    def sess_str(self) -> str:
        return self._target

    def list_devices(self):
        return []

    # --- lifetime ------------------------------------------------------------------------
    def close(self):
        """Release the session's variable values; further `run` calls fail."""
        self._closed = True
        self._resources = ResourceStore()
        self._plans.clear()

    @contextlib.contextmanager
    def as_default(self):
        """Make this the session `Tensor.eval()` and `Operation.run()` use."""
        _default.stack.append(self)
        try:
            yield self
        finally:
            if self in _default.stack:
                _default.stack.remove(self)

    def __enter__(self):
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        self._default_cm = self.as_default()
        self._default_cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._default_cm.__exit__(*exc)
        self._graph_cm.__exit__(*exc)
        self.close()
        return False

    def __del__(self):
        pass

    # --- fetches -------------------------------------------------------------------------
    def _fetch_element(self, f):
        """A single fetch (tensor, op, name, variable) -> SymbolicTensor or Operation."""
        g = self._graph
        if getattr(f, "_is_variable", False) and hasattr(f, "_snapshot"):
            f = f._snapshot
        if isinstance(f, str):
            try:
                return g.as_graph_element(f)
            except (KeyError, ValueError) as e:
                raise ValueError(f"Argument `fetch` = {f} cannot be interpreted as a Tensor. "
                                 f"({e})") from None
        if isinstance(f, (SymbolicTensor, Operation)):
            if f.graph is not g:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 f"(Tensor {f} is not an element of this graph.)")
            return f
        if isinstance(f, EagerTensor):
            raise TypeError(f"Argument `fetch` = {f!r} has invalid type \"EagerTensor\" must be "
                            "a string or Tensor. (Can not convert a EagerTensor into a Tensor "
                            "or Operation.)")
        tn = type(f).__name__
        raise TypeError(f"Argument `fetch` = {f!r} has invalid type \"{tn}\" must be a string or "
                        f"Tensor. (Can not convert a {tn} into a Tensor or Operation.)")

    def _flatten_fetches(self, fetches, out):
        if fetches is None:
            tn = type(fetches).__name__
            raise TypeError(f"Argument `fetch` = None has invalid type \"{tn}\". Cannot be None")
        if isinstance(fetches, collections.abc.Mapping):
            for v in fetches.values():
                self._flatten_fetches(v, out)
        elif isinstance(fetches, (list, tuple)) and not getattr(fetches, "_is_variable", False):
            for v in fetches:
                self._flatten_fetches(v, out)
        else:
            out.append(self._fetch_element(fetches))

    @staticmethod
    def _rebuild(fetches, values):
        if isinstance(fetches, collections.abc.Mapping):
            result = type(fetches)() if type(fetches) is not dict else {}
            for k, v in fetches.items():
                result[k] = BaseSession._rebuild(v, values)
            return result
        if _is_namedtuple(fetches):
            return type(fetches)(*[BaseSession._rebuild(v, values) for v in fetches])
        if isinstance(fetches, (list, tuple)) and not getattr(fetches, "_is_variable", False):
            return type(fetches)(BaseSession._rebuild(v, values) for v in fetches)
        return next(values)

    # --- feeds ---------------------------------------------------------------------------
    def _feed_key(self, key):
        g = self._graph
        if getattr(key, "_is_variable", False) and hasattr(key, "_snapshot"):
            key = key._snapshot
        if isinstance(key, str):
            try:
                return g.get_tensor_by_name(key)
            except (KeyError, ValueError) as e:
                raise TypeError("Cannot interpret feed_dict key as Tensor: "
                                f"{e.args[0]}") from None
        if isinstance(key, SymbolicTensor):
            if key.graph is not g:
                raise ValueError(f"Cannot interpret feed_dict key as Tensor: Tensor {key} is "
                                 "not an element of this graph.")
            return key
        if isinstance(key, Operation):
            raise TypeError("Cannot interpret feed_dict key as Tensor: Can not convert a "
                            "Operation into a Tensor.")
        raise TypeError(f"Cannot interpret feed_dict key as Tensor: Can not convert a "
                        f"{type(key).__name__} into a Tensor.")

    @staticmethod
    def _feed_value(t, value):
        if isinstance(value, Tensor):
            raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable feed "
                            "values include Python scalars, strings, lists, numpy ndarrays, or "
                            "TensorHandles. For reference, the tensor object was "
                            f"{value} which was passed to the argument `feed_dict` with key "
                            f"{t}.")
        dt = t.dtype
        if dt is dtypes.string:
            arr, _ = to_numpy_value(value, dt)
        else:
            arr = np.asarray(value, dtype=dt._np)
        if not t.shape.is_compatible_with(arr.shape):
            shown = str(tuple(arr.shape))
            raise ValueError(f"Cannot feed value of shape {shown} for Tensor {t.name}, which "
                             f"has shape {t.shape}")
        return arr

    # --- run -----------------------------------------------------------------------------
    def _check_open(self):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute `fetches` (any nesting of tensors, ops, names), feeding `feed_dict`."""
        self._check_open()
        if not self._graph._ops:
            raise RuntimeError("The Session graph is empty. Add operations to the graph before "
                               "calling run().")
        flat = []
        self._flatten_fetches(fetches, flat)
        feeds, arrays = [], []
        for k, v in (feed_dict or {}).items():
            t = self._feed_key(k)
            feeds.append(t)
            arrays.append(self._feed_value(t, v))
        unique, seen = [], {}
        for f in flat:
            if id(f) not in seen:
                seen[id(f)] = len(unique)
                unique.append(f)
        results = self._plan(unique, feeds).run_fast(arrays, self._resources) if unique else []
        values = []
        for f in flat:
            v = results[seen[id(f)]]
            if v is not None:
                v = np.array(v, copy=True) if v.ndim else v[()]
                v = bytes(v) if isinstance(v, np.bytes_) else v  # a scalar string is bytes, as TF
            values.append(v)
        return self._rebuild(fetches, iter(values))

    def _plan(self, fetches, feeds):
        key = (tuple(id(f) for f in fetches), tuple(id(t) for t in feeds), self._graph._version)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 256:
                self._plans.clear()
            plan = self._plans[key] = compile_plan(self._graph, fetches, feeds, optimize=True)
        return plan

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with positional feed values (for `feed_list`)."""
        feed_list = list(feed_list or [])

        def call(*args, **kwargs):
            return self.run(fetches, dict(zip(feed_list, args)))

        return call

    def partial_run_setup(self, *a, **k):
        raise NotImplementedError("partial_run is not supported by tfedu.")

    # --- variable state (used by Saver and Variable.load) --------------------------------
    def _variable_slot(self, var):
        return self._resources.handle(var.op.name, var.dtype, var.shape, var._kind)

    def _set_variable(self, var, value):
        self._check_open()
        arr = np.array(value, dtype=var.dtype._np, copy=True)
        if not var.shape.is_compatible_with(arr.shape):
            raise ValueError(f"Cannot feed value of shape {tuple(arr.shape)} for Tensor "
                             f"{var.name}, which has shape {var.shape}")
        self._variable_slot(var)._value = arr

    def __repr__(self):
        return f"<tensorflow.python.client.session.{type(self).__name__} object at {id(self):#x}>"


class Session(BaseSession):
    """A class for running TensorFlow operations (`tf.compat.v1.Session`)."""

    @staticmethod
    def reset(target, containers=None, config=None):
        return None


class InteractiveSession(BaseSession):
    """A Session that makes itself the default on creation (for shells and notebooks)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        _default.stack.append(self)

    def close(self):
        if self._closed:
            return
        super().close()
        if self in _default.stack:
            _default.stack.remove(self)
        try:
            self._graph_cm.__exit__(None, None, None)
        except RuntimeError:
            pass  # another graph was entered after this session; leave the stack alone

