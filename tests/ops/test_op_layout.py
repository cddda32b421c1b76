"""An op is one block of code: its public function sits next to its registration.

A student looking for `tf.add` finds, in `tfedu/ops/math_ops.py`, the gradient, the
`register_binary("AddV2", ...)` call (kernel, fused form, viewer group) and `def add` within a
few lines of each other. This test reads the source of `tfedu/ops/` and fails when an exported
function that runs an op of its module drifts away from that op's registration.
"""

import ast
import pathlib

import tfedu

OPS_DIR = pathlib.Path(tfedu.__file__).parent / "ops"
MAX_LINES = 60  # between the end of the registration and the function (or back)
# Functions that run several ops of their module, or are too long to sit beside each one.
SHARED = {("slicing.py", "getitem"), ("array_ops.py", "split")}


def _registrations(tree):
    """Module-level `NAME = register...(...)` statements: name -> (first line, last line)."""
    out = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        func = node.value.func
        if getattr(func, "id", getattr(func, "attr", "")).startswith("register"):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = (node.lineno, node.end_lineno)
    return out


def _executed_opdefs(fn):
    """Names passed as the OpDef of `execute(NAME, ...)` calls in `fn`."""
    return {c.args[0].id for c in ast.walk(fn) if isinstance(c, ast.Call)
            and getattr(c.func, "id", "") == "execute" and c.args
            and isinstance(c.args[0], ast.Name)}


def _distance(fn, reg):
    start = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
    return start - reg[1] if start > reg[1] else reg[0] - fn.end_lineno


def test_public_functions_sit_next_to_their_op_registration():
    far = []
    for path in sorted(OPS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        regs = _registrations(tree)
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
                continue
            if (path.name, fn.name) in SHARED:
                continue
            for name in _executed_opdefs(fn) & regs.keys():
                if _distance(fn, regs[name]) > MAX_LINES:
                    far.append(f"{path.name}: {fn.name} is {_distance(fn, regs[name])} lines "
                               f"from {name}")
    assert not far, "public functions far from the op they run:\n" + "\n".join(far)
