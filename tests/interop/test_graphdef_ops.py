"""Every tfedu op, as the GraphDef writer would write it, checked against TensorFlow's own op
registry: same op name, same output arg names (a FunctionDef names `node:arg:i`), only attrs
TensorFlow knows, and every attr TensorFlow requires. One TensorFlow process."""

import importlib
import json
import pkgutil
import subprocess

import tfedu
from tfedu.framework.registry import OPS
from tfedu.saved_model import op_table
from tfedu.saved_model.control_flow_io import CONTROL_ATTRS
from tfedu.saved_model.graph_export import _declared_attrs

TF_SCRIPT = r"""
import json, sys
from tensorflow.python.framework import op_def_registry
ours = json.loads(sys.stdin.read())
problems = {}
for name, op in ours.items():
    od = op_def_registry.get(name)
    if od is None:
        problems[name] = "no such op in TensorFlow"
        continue
    tf_attrs = {a.name for a in od.attr}
    required = {a.name for a in od.attr if not a.HasField("default_value")}
    p = []
    if [a.name for a in od.output_arg] != op["outputs"]:
        p.append(f"outputs {[a.name for a in od.output_arg]} != {op['outputs']}")
    extra = set(op["attrs"]) - tf_attrs
    if extra:
        p.append(f"attrs TF lacks: {sorted(extra)}")
    missing = required - set(op["attrs"])
    if missing:
        p.append(f"required attrs not written: {sorted(missing)}")
    if p:
        problems[name] = p
print(json.dumps(problems))
"""


def _as_written(opdef) -> dict:
    e = op_table.entry(opdef.type)
    attrs = set(_declared_attrs(opdef, e)) | set(e.get("type_list", {}))
    if e.get("call"):
        attrs |= {"f", "Tin", "Tout"}
    attrs |= set(e.get("add", {}))
    if e.get("control"):
        attrs = set(CONTROL_ATTRS[e["control"]])
    if opdef.type == "Const":
        attrs |= {"value"}
    return {"outputs": op_table.output_names(opdef), "attrs": sorted(attrs)}


def _import_every_package():
    """Packages such as tfedu.distribute register their ops on import: take them all in, so
    the check does not depend on which tests ran before in this process."""
    for m in pkgutil.walk_packages(tfedu.__path__, "tfedu."):
        if not m.name.startswith(("tfedu.teach", "tfedu.viz")) and not m.name.endswith("__main__"):
            importlib.import_module(m.name)


def test_every_writable_op_matches_tensorflows_definition(tf_side):
    _import_every_package()
    from tfedu.summary.ops import _write_opdef

    _write_opdef()  # registered on first use

    ours = {name: _as_written(op) for name, op in OPS.items()
            if not op_table.unsupported_reason(name)
            and not getattr(op.kernel, "__module__", "").startswith("tests")}  # tests' own ops
    assert len(ours) > 250
    proc = subprocess.run([str(tf_side.TF_PYTHON), "-c", TF_SCRIPT], input=json.dumps(ours),
                          capture_output=True, text=True, timeout=300, env=tf_side.tf_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    problems = json.loads(proc.stdout.strip().splitlines()[-1])
    assert problems == {}, json.dumps(problems, indent=1)
