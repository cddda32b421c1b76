"""Record which dtypes TensorFlow 2.21 has CPU kernels for, for the ops tfedu declares.

    python -m tests.fuzz.record_kernels      # rewrites tfedu/framework/tf_kernels.py

TensorFlow's OpDef of an op often allows more dtypes than it has kernels for (`Reciprocal`
allows int32, only floats have a kernel): TF then builds the op and fails when it runs. This
asks the side environment (real TensorFlow) for each op's OpDef and registered CPU kernels and
writes, for every type attr where tfedu's signature allows a dtype TF refuses, both lists.
"""

from __future__ import annotations

import json
import pprint

from tests.interop.tfside import ROOT

OUT = ROOT / "tfedu" / "framework" / "tf_kernels.py"
INTERNAL = {"resource", "variant"}

QUERY = """
import json, sys
from tensorflow.python.framework import dtypes, kernels, op_def_registry
out = {}
for name in json.loads(sys.stdin.readline()):
    od = op_def_registry.get(name)
    if od is None:
        continue
    cpu = [k for k in kernels.get_registered_kernels_for_op(name).kernel if k.device_type == "CPU"]
    per = {}
    for k in cpu:
        for c in k.constraint:
            per.setdefault(c.name, set()).update(
                dtypes.as_dtype(t).name for t in c.allowed_values.list.type)
    opdef = {a.name: [dtypes.as_dtype(t).name for t in a.allowed_values.list.type] or None
             for a in od.attr if a.type == "type"}
    out[name] = {"opdef": opdef, "kernels": {a: sorted(v) for a, v in per.items()}}
print(json.dumps(out))
"""


def _tf_tables(names):
    import subprocess

    from tests.interop.tfside import TF_PYTHON, tf_env

    proc = subprocess.run([str(TF_PYTHON), "-c", QUERY], input=json.dumps(names) + "\n",
                          capture_output=True, text=True, env=tf_env(), check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def discrepancies(ops, tables) -> dict:
    """{op: {attr: {"refused": [...], "no_kernel": [...]}}} where tfedu allows what TF refuses."""
    out = {}
    for name, op in sorted(ops.items()):
        t = tables.get(name)
        if t is None:
            continue
        for attr, allowed in op.type_attrs.items():
            ours = {d.name for d in allowed} - INTERNAL - {"bfloat16"}
            opdef = t["opdef"].get(attr)
            opdef = set(opdef) if opdef is not None else ours
            kernels = set(t["kernels"].get(attr, ours))
            refused, no_kernel = ours - opdef, (ours & opdef) - kernels
            entry = {k: sorted(v) for k, v in (("refused", refused), ("no_kernel", no_kernel)) if v}
            if entry:
                out.setdefault(name, {})[attr] = entry
    return out


HEADER = '''"""Dtypes TensorFlow 2.21 accepts and computes, where tfedu's op signatures allow more.

Recorded from real TensorFlow by `python -m tests.fuzz.record_kernels` (do not edit by hand).
Per op and type attr: `refused`, the dtypes TF's OpDef does not allow (the op is refused when
built, as any dtype outside the signature), and `no_kernel`, those it allows but has no CPU
kernel for (the op builds, then fails when it runs: `NotFoundError` in eager mode,
`InvalidArgumentError` from `Session.run` or a `tf.function`). The registry reads this table (`registry.py`).
"""

TF_KERNELS = '''


def main():
    import sys
    import types

    # the registry narrows signatures by the table: read them as declared, with an empty one
    sys.modules["tfedu.framework.tf_kernels"] = types.SimpleNamespace(TF_KERNELS={})
    import tfedu  # noqa: F401  (registers every op)
    from tfedu.framework.registry import OPS

    table = discrepancies(OPS, _tf_tables(sorted(OPS)))
    OUT.write_text(HEADER + pprint.pformat(table, width=99, compact=True) + "\n")
    print(f"{len(table)} ops -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
