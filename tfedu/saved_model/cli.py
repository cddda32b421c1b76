"""`python -m tfedu.saved_model show ...`: what TensorFlow's `saved_model_cli show` prints.

    python -m tfedu.saved_model show --dir D                       the tag-sets
    python -m tfedu.saved_model show --dir D --tag_set serve       the signature keys
    python -m tfedu.saved_model show --dir D --tag_set serve --signature_def serving_default
    python -m tfedu.saved_model show --dir D --all                 everything, with the ops and
                                                                   the concrete functions

Reading the signatures needs only `saved_model.pb`; the concrete functions are listed by
loading the SavedModel without its variables, as `saved_model_cli` does. The set of ops is
printed sorted (TensorFlow prints a Python set, in whatever order the set has).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from tensorboard.compat.proto import types_pb2

from tfedu.framework.tensor_spec import TensorSpec

__all__ = ["main", "show"]

_DTYPE_NAMES = {v: k for k, v in types_pb2.DataType.items()}


def _meta_graphs(saved_model_dir):
    from tfedu.saved_model.loading import read_saved_model

    return list(read_saved_model(saved_model_dir).meta_graphs)


def _tag_sets(meta_graphs):
    return [list(mg.meta_info_def.tags) for mg in meta_graphs]


def _meta_graph(meta_graphs, tag_set: str):
    want = set(tag_set.split(","))
    for mg in meta_graphs:
        if set(mg.meta_info_def.tags) == want:
            return mg
    raise RuntimeError(f"MetaGraphDef associated with tag-set {tag_set} could not be found in "
                       "SavedModel")


def _tensor_info(info, out, indent):
    pad = "  " * indent
    if info.tensor_shape.unknown_rank:
        shape = "unknown_rank"
    else:
        shape = "(" + ", ".join(str(d.size) for d in info.tensor_shape.dim) + ")"
    out.append(f"{pad}    dtype: {_DTYPE_NAMES.get(info.dtype, info.dtype)}")
    out.append(f"{pad}    shape: {shape}")
    out.append(f"{pad}    name: {info.name}")


def _inputs_outputs(sig, out, indent=0):
    pad = "  " * indent
    out.append(f"{pad}The given SavedModel SignatureDef contains the following input(s):")
    for key in sorted(sig.inputs):
        out.append(f"{pad}  inputs['{key}'] tensor_info:")
        _tensor_info(sig.inputs[key], out, indent + 1)
    out.append(f"{pad}The given SavedModel SignatureDef contains the following output(s):")
    for key in sorted(sig.outputs):
        out.append(f"{pad}  outputs['{key}'] tensor_info:")
        _tensor_info(sig.outputs[key], out, indent + 1)
    out.append(f"{pad}Method name is: {sig.method_name}")


def _ops(mg) -> str:
    """The ops of the main graph and of the functions it calls (directly or not)."""
    library = {f.signature.name: f for f in mg.graph_def.library.function}
    ops, seen, todo = set(), set(), [list(mg.graph_def.node)]
    while todo:
        for node in todo.pop():
            ops.add(node.op)
            for attr in node.attr.values():
                name = attr.func.name if attr.WhichOneof("value") == "func" else None
                if name in library and name not in seen:
                    seen.add(name)
                    todo.append(list(library[name].node_def))
    return "{" + ", ".join(repr(o) for o in sorted(ops)) + "}"


def _quoted(v) -> str:
    return f"'{v}'" if isinstance(v, str) else str(v)


def _print_args(arguments, out, kind="Argument", indent=0):
    pad = "  " * indent
    for i, element in enumerate(arguments, 1):
        if indent == 4:
            out.append(f"{pad}{kind} #{i}")
        if isinstance(element, str):
            out.append(f"{pad}  {element}")
        elif isinstance(element, TensorSpec):
            out.append("  " * (indent + 1) + f"{element.name}: {element!r}")
        elif isinstance(element, dict):
            items = ", ".join(f"'{k}': {_quoted(v)}" for k, v in element.items())
            out += [f"{pad}  DType: dict", f"{pad}  Value: {{{items}}}"]
        elif isinstance(element, Iterable):
            items = ", ".join(_quoted(v) for v in element)
            out += [f"{pad}  DType: {type(element).__name__}", f"{pad}  Value: [{items}]"]
        else:
            out += [f"{pad}  DType: {type(element).__name__}", f"{pad}  Value: {element}"]


def _concrete_functions(saved_model_dir, out):
    from tfedu.framework.trackable import children_of, is_function
    from tfedu.saved_model.loading import load

    out.append("")
    out.append("Concrete Functions:")
    loaded = load(saved_model_dir, _skip_variables=True)
    children = sorted(children_of(loaded, "savedmodel").items())
    for name, child in children:
        if hasattr(child, "_run_arrays"):
            functions = [child]
        elif is_function(child):
            functions = list(child.concrete_functions)
        else:
            continue
        out.append(f"  Function Name: '{name}'")
        for i, cf in enumerate(sorted(functions, key=lambda f: f._name), 1):
            args, kwargs = cf.structured_input_signature
            if args:
                out += [f"    Option #{i}", "      Callable with:"]
                _print_args(args, out, indent=4)
            if kwargs:
                _print_args(kwargs, out, "Named Argument", indent=4)
        out.append("")
    if out[-1] == "":
        out.pop()


def show(saved_model_dir, tag_set=None, signature_def=None, all_=False) -> str:
    """The text `saved_model_cli show` prints for these arguments."""
    meta_graphs = _meta_graphs(saved_model_dir)
    out = []
    if all_:
        for tags in sorted(_tag_sets(meta_graphs)):
            out.append("")
            out.append(f"MetaGraphDef with tag-set: '{', '.join(tags)}' contains the following "
                       "SignatureDefs:")
            mg = _meta_graph(meta_graphs, ",".join(tags))
            for key in sorted(mg.signature_def):
                out += ["", f"signature_def['{key}']:"]
                _inputs_outputs(mg.signature_def[key], out, indent=1)
            out.append(f"The MetaGraph with tag set {list(mg.meta_info_def.tags)} contains the "
                       f"following ops: {_ops(mg)}")
        if any(mg.HasField("object_graph_def") for mg in meta_graphs):
            _concrete_functions(saved_model_dir, out)
    elif tag_set is None:
        out.append("The given SavedModel contains the following tag-sets:")
        out += [", ".join(f"'{t}'" for t in tags) for tags in sorted(_tag_sets(meta_graphs))]
    elif signature_def is None:
        mg = _meta_graph(meta_graphs, tag_set)
        out.append("The given SavedModel MetaGraphDef contains SignatureDefs with the following "
                   "keys:")
        out += [f'SignatureDef key: "{k}"' for k in sorted(mg.signature_def)]
    else:
        mg = _meta_graph(meta_graphs, tag_set)
        if signature_def not in mg.signature_def:
            raise ValueError(f"Could not find signature \"{signature_def}\". Please choose from: "
                             f"{', '.join(sorted(mg.signature_def))}")
        _inputs_outputs(mg.signature_def[signature_def], out)
    return "\n".join(out) + "\n"


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m tfedu.saved_model",
        description="saved_model_cli's `show` command, for TensorFlow SavedModels.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("show", help="Show information about a SavedModel.")
    s.add_argument("--dir", required=True, help="directory containing the SavedModel")
    s.add_argument("--all", action="store_true", help="show everything in the SavedModel")
    s.add_argument("--tag_set", default=None, help="comma-separated tags of a MetaGraphDef")
    s.add_argument("--signature_def", default=None, help="key of a SignatureDef to show")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        text = show(args.dir, args.tag_set, args.signature_def, args.all)
    except (OSError, ValueError, RuntimeError) as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0
