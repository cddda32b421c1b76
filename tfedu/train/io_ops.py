"""`SaveV2` and `RestoreV2`: the graph ops a TF 1.x `Saver` runs to write and read bundles.

    SaveV2(prefix, tensor_names, shape_and_slices, tensors...)   writes prefix.index/.data
    RestoreV2(prefix, tensor_names, shape_and_slices) -> tensors   reads them back

They take and give a list of tensors of different dtypes (attr `dtypes`), so graphs build them
with `save_v2`/`restore_v2` below rather than through type inference. Slices
(`shape_and_slices` other than "") are refused: tfedu reads and writes whole tensors.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import errors
from tfedu.framework.context import _state
from tfedu.framework.registry import OPS, register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.train.tensor_bundle import BundleReader, BundleWriter

__all__ = ["SAVE_V2", "RESTORE_V2", "save_v2", "restore_v2"]


def _text(value) -> str:
    v = np.asarray(value).reshape(()).item() if np.ndim(value) == 0 else value
    return v.decode() if isinstance(v, bytes) else str(v)


def _names(tensor_names, shape_and_slices):
    names = [_text(n) for n in np.asarray(tensor_names).reshape(-1)]
    for s in np.asarray(shape_and_slices).reshape(-1):
        if _text(s):
            raise errors.UnimplementedError(None, None, "tfedu saves and restores whole tensors; "
                                            f"got the slice spec {_text(s)!r}")
    return names


def _save_kernel(prefix, tensor_names, shape_and_slices, tensors, dtypes=(), **_):
    names = _names(tensor_names, shape_and_slices)
    if len(names) != len(tensors):
        raise errors.InvalidArgumentError(None, None, f"Got {len(names)} tensor names for "
                                          f"{len(tensors)} tensors")
    writer = BundleWriter(_text(prefix))
    for name, value, dtype in zip(names, tensors, dtypes or [None] * len(names)):
        writer.add(name, value, dtype)
    writer.finish()


def _restore_kernel(prefix, tensor_names, shape_and_slices, dtypes=(), **_):
    names = _names(tensor_names, shape_and_slices)
    reader = BundleReader(_text(prefix))
    out = []
    for name, dtype in zip(names, dtypes):
        value = reader.get(name)
        if reader.dtype(name) is not dtype:
            raise errors.InvalidArgumentError(
                None, None, f"tensor_name = {name}; expected dtype {dtype.name} does not equal "
                f"original dtype {reader.dtype(name).name}")
        out.append(value)
    return out


def _register():
    if "SaveV2" in OPS:
        return OPS["SaveV2"], OPS["RestoreV2"]
    graphdef = {"graphdef": {"type_list": {"dtypes": 3}, "drop": ("N",), "hetero": True}}
    save = register_op(
        "SaveV2", inputs=("prefix: string", "tensor_names: string", "shape_and_slices: string",
                          "tensors: N*dtypes"), outputs=(), attrs={"dtypes": ()},
        infer=lambda op: [], kernel=_save_kernel, stateful=True, group="variable",
        export=graphdef, doc="Writes tensors to a checkpoint bundle (a Saver's save op).")
    restore = register_op(
        "RestoreV2", inputs=("prefix: string", "tensor_names: string",
                             "shape_and_slices: string"), outputs=("tensors: N*dtypes",),
        attrs={"dtypes": ()}, infer=lambda op: [(TensorShape(None), d)
                                                 for d in op.attrs["dtypes"]],
        kernel=_restore_kernel, stateful=True, group="variable",
        export={"graphdef": {"drop": ("N",), "hetero": True}},
        doc="Reads tensors from a checkpoint bundle (a Saver's restore op).")
    return save, restore


SAVE_V2, RESTORE_V2 = _register()


def _create(opdef, name, inputs, structure, attrs, specs):
    g = _state.graph
    op = g._create_op(opdef, g._op_name(name, opdef.type), list(inputs), attrs, specs)
    op._kernel_attrs = dict(attrs)
    op._structure = structure
    return op


def save_v2(prefix, tensor_names, shape_and_slices, tensors, name="SaveV2"):
    """Add a SaveV2 op to the graph being built; returns the op."""
    dtypes = [t.dtype for t in tensors]
    return _create(SAVE_V2, name, [prefix, tensor_names, shape_and_slices] + list(tensors),
                   [-1, -1, -1, len(tensors)], {"dtypes": dtypes, "N": len(tensors)}, [])


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes, name="RestoreV2"):
    """Add a RestoreV2 op; returns its output tensors (one per dtype)."""
    dtypes = list(dtypes)
    op = _create(RESTORE_V2, name, [prefix, tensor_names, shape_and_slices], [-1, -1, -1],
                 {"dtypes": dtypes, "N": len(dtypes)}, [(TensorShape(None), d) for d in dtypes])
    return list(op._outputs)
