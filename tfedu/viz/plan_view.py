"""The graph view of an execution plan: what runs after the optimisation passes.

`plan_payload(plan, title)` is a graph payload of the plan's steps: the fed tensors as inputs,
folded constants (known before the run), one node per step; a fused step is a box of the ops
it replaced, drawn closed (one node) and opened by a click, its last op marked with
`_fused_ops` (what it fuses) and `_source` (its generated kernel). `ConcreteFunction.
optimized_graph`, the step-through and the profile views draw plans with it.
"""

from __future__ import annotations

__all__ = ["plan_graph", "plan_payload"]


def _node(op, inputs: list[str], attrs: dict | None = None, op_type: str | None = None) -> dict:
    from .graph_view import _output, source_of

    return {
        "id": op.name, "type": op_type or op.type, "scope": op.name.rpartition("/")[0],
        "attrs": attrs or {}, "inputs": inputs, "control_inputs": [],
        "outputs": [_output(t) for t in op.outputs],
        "source": source_of(op),
        "value": None,
    }


def _value_text(value) -> str:
    from .graph_view import _value_text as text

    return text(value)


def _flat(inputs) -> list[int]:
    return [j for i in inputs for j in (i if type(i) is list else [i])]


def _feed_node(name: str, value_of, variables: dict) -> dict:
    op = value_of(name)
    if op is not None:
        attrs = {"variable": variables[name]} if name in variables else {}
        return _node(op, [], attrs, op_type="Placeholder")
    return {"id": name, "type": "Placeholder", "scope": "", "attrs": {}, "inputs": [],
            "control_inputs": [], "outputs": [], "source": None, "value": None}


class _Nodes:
    """The payload's node list, each op once."""

    def __init__(self):
        self.nodes: list[dict] = []
        self.seen: dict[str, int] = {}

    def add(self, node: dict) -> int:
        if node["id"] not in self.seen:
            self.seen[node["id"]] = len(self.nodes)
            self.nodes.append(node)
        return self.seen[node["id"]]


def _step_node(st, names: dict, out: _Nodes) -> int:
    """Add the node(s) of plan step `st`; a fused step adds the box of the ops it replaced
    and returns its last op, marked with what it fuses and its generated source."""
    inner = getattr(st, "steps", None)
    fused = getattr(st.op, "fused_ops", None)
    if inner is None or fused is None:
        return out.add(_node(st.op, [names.get(j, "?") for j in _flat(st.inputs)]))
    box = f"{st.op.name} ({st.op.type})"
    for sub in inner:
        k = out.add(_node(sub.op, [names.get(j, "?") for j in _flat(sub.inputs)],
                          {"_fused_into": box}))
    attrs = out.nodes[k]["attrs"]
    attrs["_fused_ops"] = ", ".join(f"{o.name} ({o.type})" for o in fused)
    attrs["_source"] = str(getattr(st.op, "source", "") or "")
    return k


def plan_graph(plan, title: str) -> tuple[dict, dict, dict]:
    """The graph payload (v2) of what `plan` runs, and where its steps and feeds are in it:
    (payload, node index of each step by id(step), node index of each feed slot)."""
    from .graph_view import _captured_variables, with_layouts
    from .recorder import slot_names

    names = slot_names(plan)
    ops = {op.name: op for op in plan.graph.get_operations()}
    out, feed_nodes = _Nodes(), {}
    variables = _captured_variables(plan.graph)
    for s in plan.feed_slots:
        name = names.get(s, f"slot_{s}:0").rpartition(":")[0]
        feed_nodes[s] = out.add(_feed_node(name, ops.get, variables))
    for s, value in plan.constants.items():
        name = names.get(s, f"slot_{s}:0").rpartition(":")[0]
        if name in ops:
            node = _node(ops[name], [], {"folded": "known before the run"}, "Const")
            node["value"] = _value_text(value)
            out.add(node)
    step_nodes = {id(st): _step_node(st, names, out) for st in plan.steps}
    payload = {"version": 2, "kind": "graph", "title": title, "nodes": out.nodes,
               "subgraphs": {}}
    return with_layouts(payload), step_nodes, feed_nodes


def plan_payload(plan, title: str = "optimized graph") -> dict:
    """The graph payload (v2) of what `plan` runs (see the module docstring)."""
    return plan_graph(plan, title)[0]
