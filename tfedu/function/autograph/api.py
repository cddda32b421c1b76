"""AutoGraph entry points: `tf.autograph.to_code`, `to_graph`, `do_not_convert`.

The source of a function is read with `inspect` (which consults `linecache`, where IPython
registers every notebook cell), converted (converter.py) and compiled under the original file
name and line numbers, with the original globals and closure cells.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os
import textwrap
import types
import weakref
from tokenize import TokenError

from tfedu.function.autograph import operators
from tfedu.function.autograph.converter import convert_function_def

__all__ = ["convert_for_tracing", "to_code", "to_graph", "do_not_convert", "set_loop_options"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_OPTIONS = ("ag__.FunctionScope('{name}', 'fscope', ag__.ConversionOptions(recursive=True, "
            "user_requested=True, optional_features=(), internal_convert_user_code=True))")
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_failed = set()

set_loop_options = operators.set_loop_options


def _is_library(fn) -> bool:
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    path = code.co_filename
    return path.startswith(_PKG_DIR) or "site-packages" in path


def _source_tree(fn):
    """The parsed `def` of `fn`, with line numbers of the file it lives in."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        # a notebook cell: IPython keeps its text in linecache under the cell's file name
        lines = linecache.getlines(fn.__code__.co_filename)
        start = fn.__code__.co_firstlineno - 1
        if not lines or start >= len(lines):
            return None
        try:
            source = "".join(inspect.getblock(lines[start:]))
        except (IndentationError, SyntaxError, TokenError):
            return None
    source = textwrap.dedent(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(defs) != 1 or defs[0].name != fn.__name__:
        return None
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    return defs[0]


def _converted_def(fn):
    node = _source_tree(fn)
    if node is None:
        return None
    return convert_function_def(node, _OPTIONS.format(name=fn.__name__))


def _build(fn, new_def):
    """Compile `new_def` into a function sharing `fn`'s globals, closure and defaults."""
    code = fn.__code__
    freevars = code.co_freevars
    factory = ast.FunctionDef(
        name="__ag_factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in freevars],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[new_def, ast.Return(value=ast.Name(id=new_def.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_params=[])
    # freevars must be bound in the factory for the inner function to close over them
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    compiled = compile(module, code.co_filename, "exec")
    factory_code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == new_def.name)
    cells = dict(zip(freevars, fn.__closure__ or ()))
    closure = tuple(cells[n] for n in inner.co_freevars) if inner.co_freevars else None
    g = fn.__globals__
    if g.get("ag__") is not operators:
        g["ag__"] = operators
    new = types.FunctionType(inner, g, new_def.name, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__dict__.update(getattr(fn, "__dict__", {}))
    new.__wrapped__ = fn
    return new


def convert_for_tracing(fn):
    """`fn` converted by AutoGraph, or `fn` itself when it should or cannot be converted."""
    if isinstance(fn, types.MethodType) or type(fn).__name__ == "_WeakBoundMethod":
        conv = convert_for_tracing(fn.__func__)
        return fn if conv is fn.__func__ else types.MethodType(conv, fn.__self__)
    if isinstance(fn, functools.partial):
        conv = convert_for_tracing(fn.func)
        return fn if conv is fn.func else functools.partial(conv, *fn.args, **fn.keywords)
    if not isinstance(fn, types.FunctionType):
        call = next((k.__dict__["__call__"] for k in type(fn).__mro__
                     if "__call__" in k.__dict__), None) if callable(fn) else None
        if isinstance(call, types.FunctionType) and not isinstance(fn, type):
            conv = convert_for_tracing(call)
            return fn if conv is call else types.MethodType(conv, fn)
        return fn
    if getattr(fn, "__ag_do_not_convert__", False) or fn.__name__ == "<lambda>":
        return fn
    if fn.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE |
                               inspect.CO_ASYNC_GENERATOR):
        return fn
    if _is_library(fn):
        return fn
    hit = _cache.get(fn)
    if hit is not None:
        return hit
    if fn.__code__ in _failed:
        return fn
    new_def = _converted_def(fn)
    if new_def is None:
        _failed.add(fn.__code__)
        return fn
    try:
        conv = _build(fn, new_def)
    except (SyntaxError, ValueError, StopIteration, KeyError):
        _failed.add(fn.__code__)
        return fn
    _cache[fn] = conv
    return conv


def to_code(entity, recursive=True, experimental_optional_features=None) -> str:
    """The Python source AutoGraph generates for `entity` (`tf.autograph.to_code`)."""
    fn = getattr(entity, "python_function", entity)
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    new_def = _converted_def(fn)
    if new_def is None:
        raise ValueError(f"Unable to locate the source code of {entity!r}.")
    return ast.unparse(new_def) + "\n"


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """The AutoGraph-converted function (`tf.autograph.to_graph`)."""
    fn = getattr(entity, "python_function", entity)
    return convert_for_tracing(fn)


def do_not_convert(func=None):
    """Decorator: AutoGraph leaves this function as it is."""
    if func is None:
        return do_not_convert

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    wrapper.__ag_do_not_convert__ = True
    return wrapper
