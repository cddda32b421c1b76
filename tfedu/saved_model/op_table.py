"""What a `NodeDef` needs beyond tfedu's op declaration: each op's `export["graphdef"]`.

tfedu declares each op with TensorFlow's name, inputs, outputs and attrs, so a tfedu graph
written as a `GraphDef` is almost TensorFlow's graph already. Where TensorFlow's op definition
differs, the op's registry entry says so in `export={"graphdef": {...}}` (plain data, read
here, never patched):

- `outputs`: TensorFlow's names for the output args (a `FunctionDef` refers to `node:arg:i`);
- `drop`: attrs tfedu keeps that TensorFlow's op does not have (writing them makes TF refuse
  the graph); `defaults` says which value of such an attr is the only one TensorFlow can
  express;
- `type_list`: attrs that TensorFlow declares as a list of types where tfedu has `N*T`
  (`IdentityN`, `Assert`): written as `[T] * N`, and `N` is not written;
- `call`: function-call ops, whose `Tin`/`Tout` come from the inputs and outputs;
- `unsupported`: why an op cannot be written for TensorFlow (or read from it);
- `add`: attrs TensorFlow's op has and tfedu's does not, with the one value tfedu computes
  (`shape_type` of `TensorListReserve`);
- `control`: `"if"` or `"while"`: functional control flow, written by `control_flow_io`
  (TensorFlow's attrs, the branch / cond / body functions, a `While`'s loop counter);
- `hetero`: a list input or output whose tensors have different dtypes (`SaveV2`), built
  directly rather than through type inference when a graph is read.

The interop tests check every op's entry against TensorFlow's own op registry.
"""

from __future__ import annotations

from tfedu.framework.registry import OPS

_EMPTY: dict = {}


def entry(op_type: str) -> dict:
    """The op's `export["graphdef"]` entry (empty for an op written as it is declared)."""
    opdef = OPS.get(op_type)
    return opdef.export.get("graphdef", _EMPTY) if opdef is not None else _EMPTY


def output_names(opdef) -> list[str]:
    """TensorFlow's names of the op's output args."""
    names = opdef.export.get("graphdef", _EMPTY).get("outputs")
    return list(names) if names else [s.name for s in opdef.output_specs]


def unsupported_reason(op_type: str):
    return entry(op_type).get("unsupported")
