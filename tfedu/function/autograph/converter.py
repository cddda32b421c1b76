"""The AutoGraph source transformation (Python AST -> Python AST).

Two passes over a function's body:

1. jumps: `return`, `break` and `continue` become flags (`do_return`/`retval_`, `break_`,
   `continue_`); the statements after a possible jump are guarded by `if not flag:`;
2. control flow: every `if`/`while`/`for` becomes nested functions plus a call of
   `ag__.if_stmt` / `ag__.while_stmt` / `ag__.for_stmt`, which decide at run time (from the
   condition's type) whether to run Python or build `tf.cond` / `tf.while_loop`.

Reads of local variables become `ag__.ld(x)`, calls `ag__.converted_call(f, args, kwargs,
fscope)`, `not`/`and`/`or`/`x if c else y` the lazy `ag__` operators. Generated statements keep
the line numbers of the code they replace, so errors point at the user's line.
"""

from __future__ import annotations

import ast
import copy

__all__ = ["convert_function_def"]

_STATE_FLAGS = ("do_return", "retval_")


def _name(id_, ctx=None):
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def _ag(attr):
    return ast.Attribute(value=_name("ag__"), attr=attr, ctx=ast.Load())


def _call(func, args, keywords=None):
    return ast.Call(func=func, args=list(args), keywords=keywords or [])


def _assign(target, value):
    return ast.Assign(targets=[_name(target, ast.Store())], value=value, lineno=0)


def _const(v):
    return ast.Constant(value=v)


def _loc(new, old):
    """Copy `old`'s location onto `new` and every generated child without one."""
    for n in ast.walk(new):
        if not hasattr(n, "lineno") or getattr(n, "lineno", 0) in (0, None):
            if hasattr(old, "lineno"):
                ast.copy_location(n, old)
                if hasattr(old, "end_lineno"):
                    n.end_lineno = old.end_lineno
                    n.end_col_offset = old.end_col_offset
    return new


# ------------------------------------------------------------------------------------------
# Name analysis
# ------------------------------------------------------------------------------------------


def _stored_names(target, out):
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for e in target.elts:
            _stored_names(e, out)
    elif isinstance(target, ast.Starred):
        _stored_names(target.value, out)


class _Modified(ast.NodeVisitor):
    """Names assigned in a block (not inside nested function definitions)."""

    def __init__(self):
        self.names = set()

    def visit_Assign(self, node):
        for t in node.targets:
            _stored_names(t, self.names)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        _stored_names(node.target, self.names)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        _stored_names(node.target, self.names)
        self.generic_visit(node)

    def visit_For(self, node):
        _stored_names(node.target, self.names)
        self.generic_visit(node)

    def visit_With(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                _stored_names(item.optional_vars, self.names)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        _stored_names(node.target, self.names)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        pass

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_ClassDef(self, node):
        pass


def _ordered(names, stmts) -> list:
    """State variables in the order AutoGraph lists them (reverse alphabetical)."""
    return sorted(set(names), reverse=True)


def modified(stmts) -> set:
    v = _Modified()
    for s in stmts if isinstance(stmts, list) else [stmts]:
        v.visit(s)
    return v.names


class _Reads(ast.NodeVisitor):
    def __init__(self):
        self.names = set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.names.add(node.target.id)
        self.generic_visit(node)

    def visit_Nonlocal(self, node):
        pass


def reads(stmts) -> set:
    v = _Reads()
    for s in stmts if isinstance(stmts, list) else [stmts]:
        v.visit(s)
    return v.names


def reads_before_write(stmts) -> set:
    """Names whose value from before the block may be read (a linear approximation)."""
    written, out = set(), set()

    def visit(node):
        if isinstance(node, list):
            for s in node:
                visit(s)
            return
        if isinstance(node, ast.Assign):
            out.update(reads(node.value) - written)
            for t in node.targets:
                out.update(reads(t) - written)
                _stored_names(t, written)
        elif isinstance(node, ast.AugAssign):
            out.update((reads(node.value) | reads(node.target)) - written)
            if isinstance(node.target, ast.Name) and node.target.id not in written:
                out.add(node.target.id)
            _stored_names(node.target, written)
        elif isinstance(node, ast.If):
            out.update(reads(node.test) - written)
            before = set(written)
            visit(node.body)
            after_body = set(written)
            written.clear()
            written.update(before)
            visit(node.orelse)
            written.clear()
            written.update(after_body & set(written) | before)
        elif isinstance(node, (ast.For, ast.While)):
            out.update(reads(node.iter if isinstance(node, ast.For) else node.test) - written)
            before = set(written)
            if isinstance(node, ast.For):
                _stored_names(node.target, written)
            visit(node.body)
            visit(node.orelse)
            written.clear()
            written.update(before)
        else:
            out.update(reads(node) - written)
            written.update(modified(node))

    visit(stmts)
    return out


# ------------------------------------------------------------------------------------------
# Pass 1: return / break / continue -> flags
# ------------------------------------------------------------------------------------------


class _Counter:
    def __init__(self):
        self.counts = {}

    def name(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def _return_stmts(node):
    value = node.value if node.value is not None else _const(None)
    body = [_assign("do_return", _const(True)), _assign("retval_", value)]
    handler = ast.ExceptHandler(type=None, name=None,
                                body=[_assign("do_return", _const(False)), ast.Raise()])
    t = ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[])
    return [_loc(t, node)]


def _guard(flag, stmts, like):
    test = _call(_ag("not_"), [_name(flag)])
    node = ast.If(test=test, body=stmts, orelse=[])
    node._ag_guard = True
    return _loc(node, like)


class _Jumps:
    def __init__(self, counter):
        self.counter = counter

    def block(self, stmts, loop=None):
        """Transform a statement list; returns (statements, flags that may be set)."""
        out = []
        flags_all = set()
        i = 0
        while i < len(stmts):
            s = stmts[i]
            new, flags = self.stmt(s, loop)
            out.extend(new)
            i += 1
            if flags and i < len(stmts):
                rest, rest_flags = self.block(stmts[i:], loop)
                for flag in sorted(flags):
                    rest = [_guard(flag, rest, stmts[i])]
                out.extend(rest)
                flags_all |= flags | rest_flags
                return out, flags_all
            flags_all |= flags
        return out, flags_all

    def stmt(self, s, loop):
        if isinstance(s, ast.Return):
            return _return_stmts(s), {"do_return"}
        if isinstance(s, ast.Break):
            loop["break"] = True
            return [_loc(_assign(loop["break_name"], _const(True)), s)], {loop["break_name"]}
        if isinstance(s, ast.Continue):
            loop["continue"] = True
            return [_loc(_assign(loop["continue_name"], _const(True)), s)], \
                {loop["continue_name"]}
        if isinstance(s, ast.If):
            body, f1 = self.block(s.body, loop)
            orelse, f2 = self.block(s.orelse, loop)
            s.body, s.orelse = body or [ast.Pass()], orelse
            return [s], f1 | f2
        if isinstance(s, (ast.While, ast.For)):
            ctx = {"break_name": self.counter.name("break_"),
                   "continue_name": self.counter.name("continue_"),
                   "break": False, "continue": False}
            body, flags = self.block(s.body, ctx)
            pre = []
            if ctx["continue"]:
                body = [_loc(_assign(ctx["continue_name"], _const(False)), s)] + body
            extra = []
            if ctx["break"]:
                pre.append(_loc(_assign(ctx["break_name"], _const(False)), s))
                extra.append(ctx["break_name"])
            if "do_return" in flags:
                extra.append("do_return")
            s.body = body
            s._ag_extra = extra
            out_flags = {"do_return"} if "do_return" in flags else set()
            post = []
            if s.orelse:
                orelse, f3 = self.block(s.orelse, loop)
                s.orelse = []
                if ctx["break"]:
                    post = [_guard(ctx["break_name"], orelse, s)]
                else:
                    post = orelse
                out_flags |= f3
            return pre + [s] + post, out_flags
        if isinstance(s, (ast.With, ast.Try)):
            s.body, f = self.block(s.body, loop)
            if isinstance(s, ast.Try):
                for h in s.handlers:
                    h.body, f2 = self.block(h.body, loop)
                    f |= f2
            return [s], f
        return [s], set()


# ------------------------------------------------------------------------------------------
# Expressions: ld, converted_call, logical operators
# ------------------------------------------------------------------------------------------


class _Expressions(ast.NodeTransformer):
    def __init__(self, local_names, self_name=None):
        self.local_names = local_names
        self.self_name = self_name

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        node.body = self.visit(node.body)
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.local_names:
            return _loc(_call(_ag("ld"), [node]), node)
        return node

    def visit_AugAssign(self, node):
        node.value = self.visit(node.value)
        t = node.target
        if isinstance(t, ast.Name) and t.id in self.local_names:
            load = _loc(_call(_ag("ld"), [_name(t.id)]), node)
            return [_loc(ast.Assign(targets=[_name(t.id, ast.Store())], value=load,
                                    lineno=0), node), node]
        return node

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id == "ag__":
            return node
        if isinstance(f, ast.Name) and f.id == "super" and not node.args and self.self_name:
            # zero-argument super() needs the class cell, which a converted copy lacks
            node.args = [_name("__class__"), _name(self.self_name)]
            return node
        if isinstance(f, ast.Name) and f.id in ("print", "super", "isinstance", "locals",
                                               "globals", "vars", "type", "hasattr", "getattr"):
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        if isinstance(f, ast.Attribute) and f.attr == "set_loop_options":
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        func = self.visit(f)
        args = [self.visit(a) for a in node.args]
        kw = [self.visit(k) for k in node.keywords]
        if any(k.arg is None for k in kw):
            kwargs = _call(_name("dict"), [], kw)
        elif kw:
            kwargs = ast.Dict(keys=[_const(k.arg) for k in kw], values=[k.value for k in kw])
        else:
            kwargs = _const(None)
        new = _call(_ag("converted_call"),
                    [func, ast.Tuple(elts=args, ctx=ast.Load()), kwargs, _name("fscope")])
        return _loc(new, node)

    def visit_UnaryOp(self, node):
        node.operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _loc(_call(_ag("not_"), [node.operand]), node)
        return node

    def visit_BoolOp(self, node):
        values = [self.visit(v) for v in node.values]
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        expr = values[-1]
        for v in reversed(values[:-1]):
            expr = _call(_ag(fn), [_lambda(v), _lambda(expr)])
        return _loc(expr, node)

    def visit_IfExp(self, node):
        test = self.visit(node.test)
        body = self.visit(node.body)
        orelse = self.visit(node.orelse)
        return _loc(_call(_ag("if_exp"), [test, _lambda(body), _lambda(orelse),
                                          _const(ast.unparse(node.test))]), node)


def _lambda(expr):
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                         kw_defaults=[], kwarg=None, defaults=[]), body=expr)


# ------------------------------------------------------------------------------------------
# Pass 2: control flow -> nested functions + ag__ calls
# ------------------------------------------------------------------------------------------


def _args(*names):
    return ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in names], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _def(name, args, body):
    return ast.FunctionDef(name=name, args=args, body=body or [ast.Pass()], decorator_list=[],
                           returns=None, type_params=[])


class _ControlFlow:
    def __init__(self, counter):
        self.counter = counter

    def _state_fns(self, names, like):
        get_name = self.counter.name("get_state")
        set_name = self.counter.name("set_state")
        ret = ast.Return(value=ast.Tuple(elts=[_name(n) for n in names], ctx=ast.Load()))
        get_fn = _def(get_name, _args(), [ret])
        if names:
            target = ast.Tuple(elts=[_name(n, ast.Store()) for n in names], ctx=ast.Store())
            set_body = [ast.Nonlocal(names=list(names)),
                        ast.Assign(targets=[target], value=_name("vars_"), lineno=0)]
        else:
            set_body = [ast.Pass()]
        set_fn = _def(set_name, _args("vars_"), set_body)
        return [_loc(get_fn, like), _loc(set_fn, like)], get_name, set_name

    def block(self, stmts, live_out, defined):
        """Convert a statement list. `live_out`: names read after it; `defined`: bound before."""
        out = []
        defined = set(defined)
        for i, s in enumerate(stmts):
            after = reads(stmts[i + 1:]) | live_out
            new = self.stmt(s, after, defined)
            out.extend(new)
            defined |= modified(s)
        return out

    def stmt(self, s, live_out, defined):
        if isinstance(s, ast.If):
            return self.if_(s, live_out, defined)
        if isinstance(s, ast.While):
            return self.while_(s, live_out, defined)
        if isinstance(s, ast.For):
            return self.for_(s, live_out, defined)
        if isinstance(s, (ast.With, ast.Try)):
            s.body = self.block(s.body, live_out, defined)
            if isinstance(s, ast.Try):
                for h in s.handlers:
                    h.body = self.block(h.body, live_out, defined)
                s.orelse = self.block(s.orelse, live_out, defined)
                s.finalbody = self.block(s.finalbody, live_out, defined)
            return [s]
        return [s]

    def _undefined_inits(self, names, defined, like):
        return [_loc(_assign(n, _call(_ag("Undefined"), [_const(n)])), like)
                for n in sorted(names) if n not in defined]

    def if_(self, s, live_out, defined):
        mod = modified(s.body) | modified(s.orelse)
        outs = _ordered([n for n in mod if n in live_out or n in _STATE_FLAGS and n in defined],
                        s.body + s.orelse)
        body = self.block(s.body, live_out, defined)
        orelse = self.block(s.orelse, live_out, defined)
        state_fns, get_name, set_name = self._state_fns(outs, s)
        if_name = self.counter.name("if_body")
        else_name = self.counter.name("else_body")
        nl = [ast.Nonlocal(names=list(outs))] if outs else []
        body_fn = _def(if_name, _args(), nl + body)
        else_fn = _def(else_name, _args(), (nl + orelse) if orelse or nl else [ast.Pass()])
        if not orelse and nl:
            else_fn.body = [ast.Pass()]
        call = ast.Expr(value=_call(_ag("if_stmt"), [
            s.test, _name(if_name), _name(else_name), _name(get_name), _name(set_name),
            ast.Tuple(elts=[_const(n) for n in outs], ctx=ast.Load()), _const(len(outs))]))
        pre = self._undefined_inits(outs, defined, s)
        return pre + state_fns + [_loc(body_fn, s), _loc(else_fn, s), _loc(call, s)]

    def _loop_vars(self, s, body_stmts, live_out, defined, test_reads, extra):
        mod = modified(body_stmts)
        live_in = reads_before_write(body_stmts) | test_reads | set(extra)
        return _ordered([n for n in mod if n in live_in or n in live_out], body_stmts)

    def _loop_options(self, body):
        """Pull a leading `set_loop_options(...)` call out of the loop body."""
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call):
            f = body[0].value.func
            if isinstance(f, ast.Attribute) and f.attr == "set_loop_options":
                call = body[0].value
                keys = [_const(k.arg) for k in call.keywords]
                vals = [k.value for k in call.keywords]
                return body[1:], ast.Dict(keys=keys, values=vals)
        return body, ast.Dict(keys=[], values=[])

    def while_(self, s, live_out, defined):
        extra = getattr(s, "_ag_extra", [])
        body_src, opts = self._loop_options(s.body)
        loop_live = live_out | reads(s.test) | reads(body_src) | set(extra)
        lvars = self._loop_vars(s, body_src, live_out, defined, reads(s.test), extra)
        body = self.block(body_src, loop_live, defined | set(lvars))
        state_fns, get_name, set_name = self._state_fns(lvars, s)
        test_name = self.counter.name("loop_test")
        body_name = self.counter.name("loop_body")
        test = s.test
        for flag in reversed(extra):
            test = _call(_ag("and_"), [_lambda(_call(_ag("not_"), [_name(flag)])),
                                       _lambda(test)])
        test_fn = _def(test_name, _args(), [ast.Return(value=test)])
        nl = [ast.Nonlocal(names=list(lvars))] if lvars else []
        body_fn = _def(body_name, _args(), nl + body)
        call = ast.Expr(value=_call(_ag("while_stmt"), [
            _name(test_name), _name(body_name), _name(get_name), _name(set_name),
            ast.Tuple(elts=[_const(n) for n in lvars], ctx=ast.Load()), opts]))
        pre = self._undefined_inits(lvars, defined, s)
        return pre + state_fns + [_loc(test_fn, s), _loc(body_fn, s), _loc(call, s)]

    def for_(self, s, live_out, defined):
        extra = getattr(s, "_ag_extra", [])
        body_src, opts = self._loop_options(s.body)
        target_names = set()
        _stored_names(s.target, target_names)
        loop_live = live_out | reads(body_src) | set(extra)
        mod = modified(body_src)
        live_in = reads_before_write(body_src) - target_names
        lvars = sorted(n for n in mod if (n in live_in or n in live_out or n in extra)
                       and n not in target_names)
        lvars = _ordered(set(lvars) | {n for n in extra if n in mod}, body_src)
        body = self.block(body_src, loop_live, defined | set(lvars) | target_names)
        state_fns, get_name, set_name = self._state_fns(lvars, s)
        body_name = self.counter.name("loop_body")
        itr = self.counter.name("itr")
        nl_names = list(lvars) + sorted(target_names - set(lvars))
        nl = [ast.Nonlocal(names=nl_names)] if nl_names else []
        bind = ast.Assign(targets=[s.target], value=_name(itr), lineno=0)
        body_fn = _def(body_name, _args(itr), nl + [_loc(bind, s)] + body)
        fns = state_fns + [_loc(body_fn, s)]
        extra_arg = _const(None)
        if extra:
            test_name = self.counter.name("extra_test")
            test = _call(_ag("not_"), [_name(extra[0])])
            for flag in extra[1:]:
                test = _call(_ag("and_"), [_lambda(test),
                                           _lambda(_call(_ag("not_"), [_name(flag)]))])
            fns.append(_loc(_def(test_name, _args(), [ast.Return(value=test)]), s))
            extra_arg = _name(test_name)
        opts.keys.append(_const("iterate_names"))
        opts.values.append(_const(ast.unparse(s.target)))
        call = ast.Expr(value=_call(_ag("for_stmt"), [
            s.iter, extra_arg, _name(body_name), _name(get_name), _name(set_name),
            ast.Tuple(elts=[_const(n) for n in lvars], ctx=ast.Load()), opts]))
        pre = self._undefined_inits(set(lvars) | target_names, defined, s)
        return fns + pre + [_loc(call, s)]


# ------------------------------------------------------------------------------------------
# Whole function
# ------------------------------------------------------------------------------------------


def _local_names(fn_def) -> set:
    names = set()
    a = fn_def.args
    for arg in a.posonlyargs + a.args + a.kwonlyargs:
        names.add(arg.arg)
    if a.vararg:
        names.add(a.vararg.arg)
    if a.kwarg:
        names.add(a.kwarg.arg)
    names |= modified(fn_def.body)
    declared = set()
    for n in ast.walk(fn_def):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            declared.update(n.names)
    return names - declared


def convert_function_def(fn_def: ast.FunctionDef, options_src: str) -> ast.FunctionDef:
    """The converted `tf__<name>` definition of one function."""
    fn_def = copy.deepcopy(fn_def)
    counter = _Counter()
    params = _local_names(ast.FunctionDef(name="x", args=fn_def.args, body=[ast.Pass()],
                                          decorator_list=[]))
    local_names = _local_names(fn_def)
    body, _ = _Jumps(counter).block(fn_def.body)
    positional = fn_def.args.posonlyargs + fn_def.args.args
    expr = _Expressions(local_names, positional[0].arg if positional else None)
    body = [expr.visit(s) for s in body]
    cf = _ControlFlow(counter)
    body = cf.block(body, {"do_return", "retval_"}, params | {"do_return", "retval_"})
    first = fn_def.body[0] if fn_def.body else fn_def
    head = [_loc(_assign("do_return", _const(False)), first),
            _loc(_assign("retval_", _call(_ag("UndefinedReturnValue"), [])), first)]
    ret = ast.Return(value=_call(ast.Attribute(value=_name("fscope"), attr="ret",
                                               ctx=ast.Load()),
                                 [_name("retval_"), _name("do_return")]))
    last = fn_def.body[-1] if fn_def.body else fn_def
    scope = ast.With(items=[ast.withitem(
        context_expr=ast.parse(options_src, mode="eval").body,
        optional_vars=_name("fscope", ast.Store()))],
        body=head + body + [_loc(ret, last)])
    _loc(scope, first)
    docstring = []
    if body and isinstance(fn_def.body[0], ast.Expr) and isinstance(
            getattr(fn_def.body[0], "value", None), ast.Constant) and isinstance(
            fn_def.body[0].value.value, str):
        docstring = []
    fn_def.body = docstring + [scope]
    fn_def.decorator_list = []
    fn_def.name = f"tf__{fn_def.name}"
    fn_def.returns = None
    return fn_def
