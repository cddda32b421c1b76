"""What TensorFlow's op definitions say that tfedu's registry does not (yet) carry.

tfedu declares each op with TensorFlow's name, inputs, outputs and attrs, so a tfedu graph
written as a `GraphDef` is almost TensorFlow's graph already. The differences a `NodeDef` must
get right, per op, are listed here:

- `outputs`: TensorFlow's names for the output args (a `FunctionDef` refers to `node:arg:i`);
- `drop`: attrs tfedu keeps that TensorFlow's op does not have (writing them makes TF refuse
  the graph); `defaults` says which value of such an attr is the only one TensorFlow can
  express;
- `type_list`: attrs that TensorFlow declares as a list of types where tfedu has `N*T`
  (`IdentityN`, `Assert`): written as `[T] * N`, and `N` is not written;
- `call`: function-call ops, whose `Tin`/`Tout` come from the inputs and outputs;
- `unsupported`: why an op cannot be written for TensorFlow (or read from it).

(Each entry moves into its op's `export` slot once the registry has one.)
"""

from __future__ import annotations

_CALL = {"call": True, "drop": ("N",)}
_NOT_TF = "it is tfedu's own op; TensorFlow has no op of that name"
_CONTROL_FLOW = ("tfedu writes and reads functional control flow (tf.cond, tf.while_loop) "
                 "only inside tfedu")

EXPORT = {
    "Conj": {"outputs": ("output",)},
    "Softplus": {"outputs": ("activations",)},
    "NextAfter": {"outputs": ("output",)},
    "Assert": {"type_list": {"T": 1}, "drop": ("N",)},
    "IdentityN": {"type_list": {"T": 0}, "drop": ("N",)},
    "GatherNd": {"drop": ("batch_dims",), "defaults": {"batch_dims": 0}},
    "MaxPoolGradGrad": {"drop": ("explicit_paddings",)},
    "AvgPool": {"drop": ("explicit_paddings",)},
    "AvgPoolGrad": {"drop": ("explicit_paddings",)},
    "PartitionedCall": _CALL,
    "StatefulPartitionedCall": _CALL,
    "ArgSort": {"unsupported": _NOT_TF},
    "WhileGrad": {"unsupported": _NOT_TF},
    "ReportUninitializedVariables": {"unsupported": _NOT_TF},
    "If": {"unsupported": _CONTROL_FLOW},
    "StatelessIf": {"unsupported": _CONTROL_FLOW},
    "While": {"unsupported": _CONTROL_FLOW},
    "StatelessWhile": {"unsupported": _CONTROL_FLOW},
    "TensorListReserve": {"unsupported": _CONTROL_FLOW},
    "TensorListGetItem": {"unsupported": _CONTROL_FLOW},
    "TensorListStack": {"unsupported": _CONTROL_FLOW},
    "TensorListFromTensor": {"unsupported": _CONTROL_FLOW},
    "TensorListSetItem": {"unsupported": _CONTROL_FLOW},
    "PrintV2": {"unsupported": "tfedu's tf.print keeps its format in Python"},
    "IteratorGetNext": {"unsupported": "tf.data pipelines are not written into graphs"},
    "MakeIterator": {"unsupported": "tf.data pipelines are not written into graphs"},
}

_EMPTY: dict = {}


def entry(op_type: str) -> dict:
    return EXPORT.get(op_type, _EMPTY)


def output_names(opdef) -> list[str]:
    """TensorFlow's names of the op's output args."""
    names = entry(opdef.type).get("outputs")
    return list(names) if names else [s.name for s in opdef.output_specs]


def unsupported_reason(op_type: str):
    return entry(op_type).get("unsupported")
