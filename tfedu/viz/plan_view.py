"""The graph view of an execution plan: what runs after the optimisation passes.

One node per step (a fused group is one node, marked by the `_fused_ops` and `_source`
attributes), folded constants as Const nodes; `ConcreteFunction.optimized_graph` shows it.
"""

from __future__ import annotations

import numpy as np

from tfedu.viz.graph_view import graph_payload

__all__ = ["plan_payload"]


def plan_payload(plan, title: str = "optimized graph") -> dict:
    """A graph-viewer payload of what runs: one node per step (fused groups are one node,
    marked by the `_fused_ops` and `_source` attributes), folded constants as Const nodes."""
    base = graph_payload(plan.graph, title=title)
    by_id = {n["id"]: n for n in base["nodes"]}
    names = {}
    if plan.slot_tensors is not None:
        for op in plan.graph.get_operations():
            for t in op.outputs:
                s = plan.slot_tensors.get(id(t))
                if s is not None:
                    names[s] = t.name

    def name_of(slot):
        return names.get(slot, f"slot_{slot}:0")

    nodes, seen = [], set()
    for slot, value in plan.constants.items():
        producer = name_of(slot).rpartition(":")[0]
        node = dict(by_id.get(producer) or {
            "id": producer, "type": "Const", "scope": "", "attrs": {}, "inputs": [],
            "control_inputs": [], "outputs": [], "source": None, "value": None})
        node["type"] = "Const"
        node["inputs"], node["control_inputs"] = [], []
        node["value"] = np.array2string(np.asarray(value), threshold=24, edgeitems=3,
                                        precision=4)[:200]
        if producer not in seen:
            seen.add(producer)
            nodes.append(node)
    for step in plan.steps:
        op = step.op
        if op.name in seen:
            continue
        seen.add(op.name)
        node = dict(by_id.get(op.name) or {"id": op.name, "scope": "", "attrs": {},
                                            "control_inputs": [], "outputs": [],
                                            "source": None, "value": None})
        node["type"] = op.type
        node["inputs"] = [name_of(j) for i in step.inputs
                          for j in (i if type(i) is list else [i])]
        fused = getattr(op, "fused_ops", None)
        if fused is not None:
            node["attrs"] = dict(node["attrs"], _fused_ops=", ".join(
                f"{o.name} ({o.type})" for o in fused), _source=op.source)
        nodes.append(node)
    base["nodes"] = nodes
    return base
