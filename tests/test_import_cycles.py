"""No import cycles among tfedu's modules at import time.

The layering contract (`make lint`, pyproject.toml) keeps packages from importing upwards; this
test keeps modules from importing each other in a circle when they load, which works only by
the accident of which one Python loads first. Imports written inside functions run later and
are not counted (the contract checks their direction).
"""

import ast
import pathlib

import tfedu

ROOT = pathlib.Path(tfedu.__file__).parent
KNOWN: list = []  # module-level import cycles allowed: none


def _name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(module, node, is_package, modules):
    """The tfedu modules one import statement loads (a package's submodule if it names one)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")[:len(module.split(".")) - (0 if is_package else 1)]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([base] if base else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def _module_level_imports():
    files = {_name(p): p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts}
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text())
        edges = set()
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.walk(stmt):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found = _targets(module, node, path.name == "__init__.py", files)
                    edges.update(t for t in found if t in files and t != module)
        graph[module] = edges
    return graph


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def test_no_module_level_import_cycles():
    new = [sorted(c) for c in _cycles(_module_level_imports()) if c not in KNOWN]
    assert not new, f"modules importing each other at import time: {new}"
