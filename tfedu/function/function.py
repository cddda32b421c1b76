"""`tf.function`: a polymorphic callable that traces its Python function once per signature.

    f(x) -> bind arguments to the Python signature (canonical: f(t), f(x=t) are one call)
         -> trace-type key per argument (trace_type.py)
         -> cache hit: run that trace's plan          (Python body does not run)
         -> miss: log why, trace the (AutoGraph-converted) body into a FuncGraph, then run it

Variables may only be created on the first trace (then the function is traced once more with
creation forbidden, as TF does). Every call is written to the function's trace log.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
import time
import types
import weakref

import numpy as np

from tfedu.framework import dtypes, errors, nest
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.func_graph import FuncGraph, VariableArgument, init_scope, placeholder
from tfedu.framework.tensor import EagerTensor, Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.function import trace_log
from tfedu.function.concrete_function import ConcreteFunction
from tfedu.function.trace_type import (
    common_supertype,
    diff_keys,
    distance,
    is_subtype,
    make_key,
    spec_of_key,
)
from tfedu.graph.plan import without_gc

__all__ = ["function", "Function", "run_functions_eagerly", "functions_run_eagerly",
           "get_logger"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_run_eagerly = [False]


# ------------------------------------------------------------------------------------------
# Logging (TF's `tensorflow` logger: "WARNING:tensorflow:..." on stderr)
# ------------------------------------------------------------------------------------------


def get_logger() -> logging.Logger:
    """`tf.get_logger()`: the `tensorflow` logger warnings about tracing go to."""
    logger = logging.getLogger("tensorflow")
    if not getattr(logger, "_tfedu_configured", False):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
        logger._tfedu_configured = True
    return logger


def run_functions_eagerly(run_eagerly: bool) -> None:
    """`tf.config.run_functions_eagerly`: run tf.function bodies as plain Python (debugging)."""
    _run_eagerly[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether `tf.function`s currently run their Python eagerly (for debugging)."""
    return _run_eagerly[0]


# ------------------------------------------------------------------------------------------
# The retracing warning (TF's constants and algorithm, spec §6)
# ------------------------------------------------------------------------------------------

_MAX_CALL_HISTORY = 10
_THRESHOLD = 5
_MAX_WARNINGS = 2
_detectors: dict = {}


class _RetraceDetector:
    __slots__ = ("calls_per_tracing", "call_count", "warnings")

    def __init__(self):
        self.calls_per_tracing = []
        self.call_count = 0
        self.warnings = 0

    def called_without_tracing(self):
        if not self.calls_per_tracing:
            self.calls_per_tracing = [0]
        self.calls_per_tracing[-1] += 1
        self.call_count += 1

    def called_with_tracing(self, fn):
        self.call_count += 1
        self.calls_per_tracing.append(1)
        while self.calls_per_tracing and \
                self.call_count - self.calls_per_tracing[0] > _MAX_CALL_HISTORY:
            self.call_count -= self.calls_per_tracing.pop(0)
        if self.warnings < _MAX_WARNINGS and len(self.calls_per_tracing) >= _THRESHOLD:
            self.warnings += 1
            get_logger().warning(
                f"{len(self.calls_per_tracing)} out of the last {self.call_count} calls to {fn!r} "
                "triggered tf.function retracing. Tracing is expensive and the excessive number "
                "of tracings could be due to (1) creating @tf.function repeatedly in a loop, (2) "
                "passing tensors with different shapes, (3) passing Python objects instead of "
                "tensors. For (1), please define your @tf.function outside of the loop. For (2), "
                "@tf.function has reduce_retracing=True option that can avoid unnecessary "
                "retracing. For (3), please refer to "
                "https://www.tensorflow.org/guide/function#controlling_retracing and "
                "https://www.tensorflow.org/api_docs/python/tf/function for  more details.")


def _code_of(fn):
    seen = 0
    while seen < 20:
        seen += 1
        if isinstance(fn, (types.MethodType, _WeakBoundMethod)):
            fn = fn.__func__
        elif isinstance(fn, functools.partial):
            fn = fn.func
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            break
    return getattr(fn, "__code__", fn)


def _detector_for(fn):
    code = _code_of(fn)
    try:
        d = _detectors.get(code)
        if d is None:
            d = _detectors[code] = _RetraceDetector()
    except TypeError:
        d = _RetraceDetector()
    return d


# ------------------------------------------------------------------------------------------
# Variable creation inside tf.function
# ------------------------------------------------------------------------------------------

_creation = []  # stack of [policy, created variables]

_SINGLETON = ("tf.function only supports singleton tf.Variables created on the first call. Make "
              "sure the tf.Variable is only created once or created outside tf.function. See "
              "https://www.tensorflow.org/guide/function#creating_tfvariables for more "
              "information.")
_NON_FIRST = "Creating variables on a non-first call to a function decorated with tf.function."


def _lifted_variable_class():
    from tfedu.framework.variables import ResourceVariable

    class LiftedVariable(ResourceVariable):
        """A variable created while tracing: it lives outside the graph (TF's lifting)."""

        def __init__(self, initial_value=None, *args, **kwargs):
            if _creation:
                policy, created = _creation[-1]
                if policy == "singleton":
                    raise ValueError(_SINGLETON)
                if policy == "non_first":
                    raise ValueError(_NON_FIRST)
            else:
                created = None
            value = initial_value
            if isinstance(value, Tensor) and not isinstance(value, EagerTensor):
                value = _fold(value)
            with init_scope():
                ResourceVariable.__init__(self, value, *args, **kwargs)
            if created is not None:
                created.append(self)

    LiftedVariable.__name__ = LiftedVariable.__qualname__ = "ResourceVariable"
    return LiftedVariable


def _fold(t):
    """The value of a graph tensor that depends on no inputs (a variable's initial value)."""
    from tfedu.graph.plan import compile_plan

    try:
        (arr,) = compile_plan(t.graph, [t], []).run([])
    except errors.OpError:
        raise ValueError(
            f"A tf.Variable created inside a tf.function cannot be initialised from {t!r}, which "
            "depends on the function's inputs. Pass a value computable before the call, or "
            "create the variable outside tf.function.") from None
    from tfedu.framework.tensor import _wrap

    return _wrap(np.asarray(arr), t.dtype)


_LIFTED = [None]


def _function_variable_factory(*args, **kwargs):
    cls = _LIFTED[0]
    if cls is None:
        cls = _LIFTED[0] = _lifted_variable_class()
    return object.__new__(cls)


def _install_variable_factory():
    try:
        from tfedu.graph import variables as graph_variables
    except ImportError:  # pragma: no cover - graph layer absent
        return
    graph_variables.function_variable_factory = _function_variable_factory


_install_variable_factory()


# ------------------------------------------------------------------------------------------
# Errors raised while tracing point at the user's line
# ------------------------------------------------------------------------------------------


_GENERATED = ("if_body", "else_body", "loop_body", "loop_test", "extra_test", "get_state",
              "set_state")


def _user_frames(tb):
    """Frames of user code (AutoGraph's generated helpers folded into their function)."""
    import traceback

    out = []
    current = None
    for fr in traceback.extract_tb(tb):
        if fr.filename.startswith(_PKG_DIR) or "importlib" in fr.filename:
            continue
        name = fr.name
        if name.startswith("tf__"):
            name = current = name[4:]
        elif name.startswith(_GENERATED) and current is not None:
            name = current
        else:
            current = name
        if out and out[-1][0] == name and out[-1][1].filename == fr.filename:
            out[-1] = (name, fr)
        else:
            out.append((name, fr))
    return out


def _in_user_code(e):
    if getattr(e, "_tfedu_in_user_code", False):
        return e
    frames = _user_frames(e.__traceback__)
    if not frames:
        return e
    msg = _user_code_message(e, frames)
    cls = type(e)
    try:
        new = cls(e.node_def, e.op, msg) if issubclass(cls, errors.OpError) else cls(msg)
        new._tfedu_in_user_code = True
    except Exception:  # an exception class we cannot rebuild keeps its own message
        return e
    return new


def _user_code_message(e, frames):
    """TF's "in user code:" message: the user's frames, then the original error."""
    lines = ["in user code:", ""]
    for name, fr in frames:
        lines.append(f'    File "{fr.filename}", line {fr.lineno}, in {name}  *')
        if fr.line:
            lines.append(f"        {fr.line}")
        lines.append("")
    lines.append(f"    {type(e).__name__}: {e}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
# Binding
# ------------------------------------------------------------------------------------------


def _signature_text(sig, input_signature):
    parts = []
    for i, p in enumerate(sig.parameters.values()):
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text = "*" + text
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + text
        if input_signature is not None and i < len(input_signature):
            text += f": {input_signature[i]!r}"
        elif p.default is not p.empty:
            text += f"={p.default!r}"
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


def _binding_error(reason, args, kwargs, sig_text):
    return TypeError(f"Binding inputs to tf.function failed due to `{reason}`. Received args: "
                     f"{args!r} and kwargs: {kwargs!r} for signature: {sig_text}.")


def _cast_to_spec(value, spec, reason_args):
    """A value converted to match an input-signature spec (TypeError if it cannot)."""
    if isinstance(spec, TensorSpec):
        if isinstance(value, TensorSpec):
            want = TensorSpec(spec.shape, spec.dtype)
            got = TensorSpec(value.shape, value.dtype)
            if got.dtype is not want.dtype or not want.shape.is_compatible_with(got.shape):
                raise _binding_error(f"Can not cast {got!r} to {want!r}", *reason_args)
            return value
        if getattr(value, "_is_variable", False):
            t = value
            got = TensorSpec(value.shape, value.dtype)
        else:
            if isinstance(value, Tensor):
                t = value
            else:
                try:
                    t = convert_to_tensor(value, dtype=spec.dtype) \
                        if not isinstance(value, (np.ndarray, np.generic)) \
                        else convert_to_tensor(value)
                except (TypeError, ValueError):
                    t = convert_to_tensor(value)
            got = TensorSpec(t.shape, t.dtype)
        want = TensorSpec(spec.shape, spec.dtype)
        if got.dtype is not want.dtype or not want.shape.is_compatible_with(got.shape):
            raise _binding_error(f"Can not cast {got!r} to {want!r}", *reason_args)
        return t
    if isinstance(spec, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(spec):
            raise _binding_error(f"Can not cast {value!r} to {spec!r}", *reason_args)
        return type(spec)(_cast_to_spec(v, s, reason_args) for v, s in zip(value, spec))
    if isinstance(spec, dict):
        return {k: _cast_to_spec(value[k], s, reason_args) for k, s in spec.items()}
    return value


# ------------------------------------------------------------------------------------------
# Function
# ------------------------------------------------------------------------------------------


class _WeakBoundMethod:
    """`instance.method` holding the instance weakly: a per-instance Function does not keep
    its instance alive (the cache of bound Functions is keyed weakly by instance)."""

    def __init__(self, func, instance):
        self.__func__ = func
        self._ref = weakref.ref(instance)
        sig = inspect.signature(func)
        self.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])
        self.__name__ = getattr(func, "__name__", "method")
        self.__qualname__ = getattr(func, "__qualname__", self.__name__)
        self.__doc__ = getattr(func, "__doc__", None)
        self.__module__ = getattr(func, "__module__", None)

    @property
    def __self__(self):
        return self._ref()

    def __call__(self, *args, **kwargs):
        return self.__func__(self._ref(), *args, **kwargs)

    def __repr__(self):
        return f"<bound method {self.__qualname__} of {self._ref()!r}>"


def _bind_weakly(func, instance):
    try:
        return _WeakBoundMethod(func, instance)
    except (TypeError, ValueError):
        return types.MethodType(func, instance)


class _Trace:
    """One cache entry: the key it was traced for and its concrete function."""

    __slots__ = ("key", "cf", "index")

    def __init__(self, key, cf, index):
        self.key, self.cf, self.index = key, cf, index


class Function:
    """A `tf.function`: traces `python_function` per input signature and runs the traces."""

    _is_tf_function = True  # SavedModel saves it (tfedu.framework.trackable.is_function)

    def __init__(self, python_function, input_signature=None, autograph=True,
                 jit_compile=None, reduce_retracing=False, experimental_implements=None,
                 experimental_autograph_options=None, experimental_attributes=None,
                 name=None, _instance=None):
        self._python_function = python_function
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = bool(reduce_retracing)
        self._autograph_options = experimental_autograph_options
        self._attributes = experimental_attributes
        self._implements = experimental_implements
        self._name = name or getattr(python_function, "__name__", "function")
        self._instance = None if _instance is None else weakref.ref(_instance)
        self._descriptor_cache = weakref.WeakKeyDictionary()
        self._descriptor_cache_by_id = {}
        self._cache = {}
        self._traces = []
        self._tracing_count = 0
        self._converted = None
        self._log = trace_log.TraceLog(self._name)
        self._sig = None
        if input_signature is not None:
            input_signature = tuple(input_signature)
            for s in nest.flatten(input_signature):
                if not isinstance(s, TensorSpec):
                    raise TypeError(f"input_signature must be a possibly nested sequence of "
                                    f"TensorSpec objects, got invalid args {s!r} of type "
                                    f"{type(s).__name__}.")
        self._input_signature = input_signature
        self._init_signature()
        self._detector = _detector_for(python_function)
        functools.update_wrapper(self, python_function, updated=())
        trace_log.register(self)

    def _init_signature(self):
        fn = self._python_function
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
                                     inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])
        self._sig = sig
        params = list(sig.parameters.values())
        self._params = [(p.name, p.kind.name) for p in params]
        self._param_names = [p.name for p in params]
        simple = all(p.kind is p.POSITIONAL_OR_KEYWORD or p.kind is p.POSITIONAL_ONLY
                     for p in params)
        self._fast_nargs = len(params) if simple else -1
        self._sig_text = _signature_text(sig, self._input_signature)

    # --- attributes ----------------------------------------------------------------------
    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return self._sig

    @property
    def trace_log(self) -> trace_log.TraceLog:
        return self._log

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def explain_retracing(self) -> str:
        """Every trace of this function and why it happened, as text."""
        return self._log.explain()

    def __repr__(self):
        return object.__repr__(self).replace(type(self).__module__ + ".", "tfedu.function.")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the retracing view (`tfedu.viz.show_retracing`); text stays repr."""
        from tfedu.viz.reprs import function_bundle

        return function_bundle(self, include, exclude)

    # --- methods: one Function per instance ---------------------------------------------
    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        try:
            bound = self._descriptor_cache.get(instance)
        except TypeError:
            bound = self._descriptor_cache_by_id.get(id(instance))
        if bound is None:
            bound = Function(_bind_weakly(self._python_function, instance),
                             self._input_signature_for_method(), self._autograph,
                             self._jit_compile, self._reduce_retracing, self._implements,
                             self._autograph_options, self._attributes, self._name,
                             _instance=instance)
            bound._converted_source = self
            try:
                self._descriptor_cache[instance] = bound
            except TypeError:
                self._descriptor_cache_by_id[id(instance)] = bound
        return bound

    def _input_signature_for_method(self):
        return self._input_signature

    # --- binding -------------------------------------------------------------------------
    def _bind(self, args, kwargs):
        if not kwargs and len(args) == self._fast_nargs:
            return args
        try:
            ba = self._sig.bind(*args, **kwargs)
        except TypeError as e:
            raise _binding_error(str(e), args, kwargs, self._sig_text) from None
        ba.apply_defaults()
        arguments = ba.arguments
        return tuple(arguments[n] for n in self._param_names)

    def _join_positional(self, flat, values):
        """Canonical per-parameter values with the positional ones taken from `flat`."""
        out, i = [], 0
        for (_, kind), v in zip(self._params, values):
            if kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD"):
                out.append(flat[i] if i < len(flat) else v)
                i += 1
            elif kind == "VAR_POSITIONAL":
                out.append(tuple(flat[i:]))
                i = len(flat)
            else:
                out.append(v)
        return tuple(out)

    def _apply_signature(self, values, args, kwargs):
        sig = self._input_signature
        if len(args) > len(sig):
            raise _binding_error("too many positional arguments", args, kwargs, self._sig_text)
        flat = []
        for (_, kind), v in zip(self._params, values):
            if kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD"):
                flat.append(v)
            elif kind == "VAR_POSITIONAL":
                flat.extend(v)
        for i, spec in enumerate(sig):
            if i < len(flat):
                flat[i] = _cast_to_spec(flat[i], spec, (args, kwargs, self._sig_text))
        return self._join_positional(flat, values)

    def _signature_values(self):
        defaults = []
        for p in self._sig.parameters.values():
            if p.kind is p.VAR_KEYWORD:
                defaults.append({})
            elif p.kind is p.VAR_POSITIONAL:
                defaults.append(())
            else:
                defaults.append(None if p.default is p.empty else p.default)
        return self._join_positional(list(self._input_signature), tuple(defaults))

    # --- calling -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not kwargs and len(args) == self._fast_nargs and _state.graph is None \
                and self._input_signature is None and not _run_eagerly[0]:
            # fast path: eager tensors only, a trace that already exists
            key, arrays = [], []
            for a in args:
                if type(a) is not EagerTensor:
                    break
                v = a._value
                key.append(("T", a._dtype, v.shape))
                arrays.append(v)
            else:
                trace = self._cache.get(tuple(key))
                if trace is not None:
                    cf = trace.cf
                    if cf._simple_feed and cf._runner is not None:
                        self._detector.called_without_tracing()
                        self._log.hit(self._signature_of, trace.key, trace.index)
                        return cf._call_eager(arrays, args)
        if _run_eagerly[0]:
            return self._python_function(*args, **kwargs)
        values = self._bind(args, kwargs)
        if self._input_signature is not None:
            values = self._apply_signature(values, args, kwargs)
            key = self._signature_key()
        else:
            key = tuple([make_key(v) for v in values])
        try:
            trace = self._cache.get(key)
        except TypeError:
            trace = None
            key = tuple(make_key(v) if _hashable(make_key(v)) else ("O", id(v)) for v in values)
        eager = _state.graph is None
        if trace is None:
            trace, traced = self._miss(key, values)
            if eager:
                if traced:
                    self._detector.called_with_tracing(self._python_function)
                else:
                    self._detector.called_without_tracing()
        else:
            if eager:
                self._detector.called_without_tracing()
            self._log.hit(self._signature_of, trace.key, trace.index)
        cf = trace.cf
        if eager and cf._simple_feed:
            try:
                arrays = [v._value for v in values]
            except AttributeError:
                pass
            else:
                if cf._runner is None:
                    cf._compile()
                return cf._call_eager(arrays, values)
        return cf._call_flat(cf._flat_feeds(values))

    def _signature_key(self):
        key = getattr(self, "_sig_key", None)
        if key is None:
            key = self._sig_key = tuple(make_key(v) for v in self._signature_values())
        return key

    def _general_key(self, key):
        """`reduce_retracing`: the most specific key covering `key` and every earlier trace's."""
        general = ("args", key)
        for t in self._traces:
            g = common_supertype(general, ("args", t.key))
            if g is not None:
                general = g
        return general[1]

    def _miss(self, key, values, log=True):
        """A key not in the cache: reuse a compatible trace, or trace a new one."""
        wrapped = ("args", key)
        for t in self._traces:
            if is_subtype(wrapped, ("args", t.key)):
                self._cache[key] = t
                if log:
                    self._log.hit(self._signature_of, t.key, t.index)
                return t, False
        trace_key = self._general_key(key) if self._reduce_retracing and self._traces else key
        reasons, closest = self._explain_miss(key)
        start = time.perf_counter()
        trace = self._trace(trace_key, values)
        seconds = time.perf_counter() - start
        self._cache[key] = trace
        if trace_key != key:
            self._cache[trace_key] = trace
        if log:
            self._log.miss(self._signature_of(trace_key), trace.index, reasons, seconds, closest)
        return trace, True

    def _explain_miss(self, key):
        if not self._traces:
            return ["first call: nothing traced yet"], None
        best = min(self._traces, key=lambda t: distance(("args", key), ("args", t.key)))
        reasons = []
        names = self._param_names
        for name, new, old in zip(names, key, best.key):
            reasons += diff_keys(name, new, old)
        if not reasons:
            reasons = ["same signature as an earlier trace"]
        return reasons, self._signature_of(best.key)

    def _signature_of(self, key) -> str:
        from tfedu.function.trace_type import describe

        return "(" + ", ".join(f"{n}: {describe(k)}" for n, k in zip(self._param_names, key)) \
            + ")"

    # --- tracing -------------------------------------------------------------------------
    def _python_callable(self):
        """The function to trace: AutoGraph-converted unless disabled or not convertible."""
        fn = self._python_function
        if isinstance(fn, _WeakBoundMethod):
            if self._converted is None:
                if self._autograph:
                    from tfedu.function.autograph import convert_for_tracing

                    self._converted = convert_for_tracing(fn.__func__)
                else:
                    self._converted = fn.__func__
            return types.MethodType(self._converted, fn.__self__)
        if self._converted is None:
            if self._autograph:
                from tfedu.function.autograph import convert_for_tracing

                fn = convert_for_tracing(fn)
            self._converted = fn
        return self._converted

    @without_gc  # a trace makes many objects that live on: see without_gc
    def _trace(self, key, values):
        first = self._tracing_count == 0
        created = []
        _creation.append(["allow" if first else "non_first", created])
        try:
            cf = self._trace_once(key, values)
        finally:
            _creation.pop()
        if first and created:
            _creation.append(["singleton", []])
            try:
                cf = self._trace_once(key, values)
            finally:
                _creation.pop()
        trace = _Trace(key, cf, len(self._traces))
        self._traces.append(trace)
        return trace

    def _trace_once(self, key, values):
        self._tracing_count += 1
        fn = self._python_callable()
        fg = FuncGraph(self._name, outer_graph=_state.graph)
        saved_tapes = _state.tapes
        _state.tapes = []
        try:
            with fg.as_default():
                inner = [_build_input(fg, name, k, v)
                         for name, k, v in zip(self._param_names, key, values)]
                fg.inputs = [op._outputs[0] for op in fg._ops if op.type == "Placeholder"]
                args, kwargs = self._unbind(inner)
                try:
                    result = fn(*args, **kwargs)
                except Exception as e:
                    if self._autograph:
                        new = _in_user_code(e)
                        if new is not e:
                            raise new.with_traceback(e.__traceback__) from None
                    raise
                structured, outputs = _graph_outputs(result)
                fg.outputs = outputs
                fg.structured_outputs = structured
        finally:
            _state.tapes = saved_tapes
        if self._jit_compile:
            _check_xla_compatible(fg, self._name)
        specs = [spec_of_key(k) for k in key]
        if self._input_signature is not None:  # keep the names given in the signature, as TF
            specs = [s if i >= len(self._input_signature) else self._input_signature[i]
                     for i, s in enumerate(specs)]
        cf = ConcreteFunction(fg, self._params, specs, structured, function=self)
        cf._feed_key = key
        cf._simple_feed = all(k[0] == "T" for k in key)
        fg.structured_input_signature = cf.structured_input_signature
        return cf

    def _unbind(self, inner):
        args, kwargs = [], {}
        for (name, kind), v in zip(self._params, inner):
            if kind == "VAR_POSITIONAL":
                args.extend(v)
            elif kind == "VAR_KEYWORD":
                kwargs.update(v)
            elif kind == "KEYWORD_ONLY":
                kwargs[name] = v
            else:
                args.append(v)
        return args, kwargs

    # --- concrete functions --------------------------------------------------------------
    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The trace for these arguments (tensors or TensorSpecs), tracing it if needed."""
        if self._input_signature is not None and not args and not kwargs:
            values = self._signature_values()
            key = self._signature_key()
        else:
            values = self._bind(args, kwargs)
            if self._input_signature is not None:
                values = self._apply_signature(values, args, kwargs)
                key = self._signature_key()
            else:
                key = tuple(make_key(v) for v in values)
        trace = self._cache.get(key)
        if trace is None:
            trace, _ = self._miss(key, values, log=False)
        return trace.cf

    def pretty_printed_concrete_signatures(self, verbose=True) -> str:
        joiner = "\n\n" if verbose else "\n"
        return joiner.join(t.cf.pretty_printed_signature(verbose) for t in self._traces)

    def experimental_get_compiler_ir(self, *args, **kwargs):
        cf = self.get_concrete_function(*args, **kwargs)

        def ir(stage="hlo", **_):
            ops = "\n".join(f"  {op.name} = {op.type}({', '.join(t.name for t in op.inputs)})"
                            for op in cf.graph.get_operations())
            return f"HloModule a_inference_{self._name}_{cf._uid}__\n\nENTRY main {{\n{ops}\n}}\n"

        return ir

    @property
    def concrete_functions(self):
        return [t.cf for t in self._traces]


def _check_xla_compatible(fg, name):
    """`jit_compile=True` runs the same plan; like XLA on CPU, it refuses string tensors."""
    bad = [op for op in fg._ops if any(t.dtype is dtypes.string for t in op._outputs)]
    if bad:
        names = ", ".join(f"{op.type} (No registered '{op.type}' OpKernel for XLA_CPU_JIT "
                          "devices compatible with node {{node " + op.name + "}})"
                          for op in bad[:3])
        raise errors.InvalidArgumentError(
            None, None, f"Detected unsupported operations when trying to compile graph "
            f"__inference_{name}_{fg._last_op_id}[_XlaMustCompile=true,config_proto=6001324581131"
            f"673121,executor_type=11160318154034397263] on XLA_CPU_JIT: {names}")


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


def _build_input(fg, name, key, value):
    """What the traced Python function receives for one argument."""
    kind = key[0]
    if kind == "T":
        shape = TensorShape(None if key[2] is None else list(key[2]))
        return placeholder(fg, key[1], shape, name)
    if kind == "V":
        ph = placeholder(fg, dtypes.resource, [], name)
        shape = TensorShape(None if key[2] is None else list(key[2]))
        ph._op._handle_data = (key[1], shape)
        vname = getattr(value, "name", name)
        return VariableArgument(fg, ph, key[1], shape, vname,
                                getattr(value, "trainable", True))
    if kind in ("L", "O"):
        return value
    if kind in ("list", "tuple"):
        vals = list(value) if value is not None and not isinstance(value, TensorSpec) \
            else [None] * len(key[1])
        items = [_build_input(fg, name, k, v) for k, v in zip(key[1], vals)]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {k: _build_input(fg, name, c, value[k]) for k, c in key[1]}
    if kind == "nt":
        if hasattr(key[1], "_tfedu_components"):  # tf.distribute values (PerReplica)
            vals = value._tfedu_components() if value is not None else [None] * len(key[2])
            return key[1]._tfedu_from_components(
                [_build_input(fg, name, k, v) for k, v in zip(key[2], vals)])
        return key[1](*[_build_input(fg, name, k, v) for k, v in zip(key[2], value)])
    return value


def _flat_feeds(key, value, out):
    kind = key[0]
    if kind in ("T", "V"):
        out.append(value)
    elif kind in ("list", "tuple"):
        for k, v in zip(key[1], value):
            _flat_feeds(k, v, out)
    elif kind == "dict":
        for k, c in key[1]:
            _flat_feeds(c, value[k], out)
    elif kind == "nt":
        if hasattr(value, "_tfedu_components"):
            value = value._tfedu_components()
        for k, v in zip(key[2], value):
            _flat_feeds(k, v, out)


def _cf_flat_feeds(self, values):
    if self._simple_feed:
        return values
    out = []
    for k, v in zip(self._feed_key, values):
        _flat_feeds(k, v, out)
    return out


ConcreteFunction._flat_feeds = _cf_flat_feeds
ConcreteFunction._simple_feed = False
ConcreteFunction._feed_key = ()


_COMPOSITES = {}


def _composite_class(cls):
    """A namedtuple-like stand-in for a composite value (tf.distribute's `PerReplica`) that
    nest can flatten; `restore_composites` turns it back into `cls`."""
    hit = _COMPOSITES.get(cls)
    if hit is None:
        def new(c, *items):
            return tuple.__new__(c, items)

        hit = _COMPOSITES[cls] = type(f"_{cls.__name__}Parts", (tuple,), {
            "__new__": new, "_fields": tuple(str(i) for i in range(256)), "_cls": cls})
    return hit


def _expand_composites(x):
    if hasattr(x, "_tfedu_components"):
        return _composite_class(type(x))(*x._tfedu_components())
    if isinstance(x, (list, tuple)) and not hasattr(type(x), "_fields"):
        return type(x)(_expand_composites(v) for v in x)
    if type(x) is dict:
        return {k: _expand_composites(v) for k, v in x.items()}
    return x


def restore_composites(x):
    cls = getattr(type(x), "_cls", None)
    if cls is not None:
        return cls._tfedu_from_components(list(x))
    if isinstance(x, (list, tuple)) and not hasattr(type(x), "_fields"):
        return type(x)(restore_composites(v) for v in x)
    if type(x) is dict:
        return {k: restore_composites(v) for k, v in x.items()}
    return x


def _graph_outputs(result):
    """Identity ops for the tensors the function returns; Python values stay as they are."""
    from tfedu.ops.array_ops import identity

    result = _expand_composites(result)
    flat = nest.flatten(result)
    new_flat, outputs = [], []
    for leaf in flat:
        if isinstance(leaf, Tensor) or getattr(leaf, "_is_variable", False):
            t = convert_to_tensor(leaf)
            out = identity(t)
            outputs.append(out)
            new_flat.append(out)
        elif hasattr(leaf, "_as_output_tensor"):
            out = identity(leaf._as_output_tensor())
            outputs.append(out)
            new_flat.append(out)
        elif leaf is None or callable(leaf):
            new_flat.append(leaf)
        else:
            try:
                t = convert_to_tensor(leaf)
            except (TypeError, ValueError):
                new_flat.append(leaf)
                continue
            out = identity(t)
            outputs.append(out)
            new_flat.append(out)
    if not nest.is_nested(result):
        return new_flat[0], outputs
    return nest.pack_sequence_as(result, new_flat), outputs


_relax_warned: list = []  # TF prints a deprecation once per process


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """`tf.function`: compile a Python function into a callable TensorFlow graph."""
    if experimental_relax_shapes is not None and not _relax_warned:
        _relax_warned.append(True)
        get_logger().warning(
            "From %s: calling function (from tensorflow.python.eager.polymorphic_function."
            "polymorphic_function) with experimental_relax_shapes is deprecated and will be "
            "removed in a future version.\nInstructions for updating:\nexperimental_relax_shapes "
            "is deprecated, use reduce_retracing instead", _caller())
    if experimental_relax_shapes is not None:
        reduce_retracing = reduce_retracing or bool(experimental_relax_shapes)
    if experimental_compile is not None:
        jit_compile = experimental_compile

    def decorate(fn):
        if isinstance(fn, Function):
            fn = fn.python_function
        return Function(fn, input_signature, autograph, jit_compile, reduce_retracing,
                        experimental_implements, experimental_autograph_options,
                        experimental_attributes)

    if func is not None:
        return decorate(func)
    return decorate


def _caller():
    f = sys._getframe(2)
    return f"{f.f_code.co_filename}:{f.f_lineno}"
