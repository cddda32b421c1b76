"""`model.summary()`: Keras 3's box-drawn table of layers, output shapes and parameters."""

from __future__ import annotations

import shutil
import textwrap

import numpy as np

from tfedu.keras.layers.core import InputLayer


def _size_text(n_bytes: float) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2f} {unit}"
    return f"{n_bytes:.2f} B"


def _count(weights) -> int:
    return int(sum(np.prod(w.shape.as_list()) for w in weights))


def _bytes(weights) -> int:
    return int(sum(np.prod(w.shape.as_list()) * w._dtype.size for w in weights))


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _layer_output_shape(layer):
    if not layer._inbound_nodes:
        # A layer only called eagerly: Keras infers the shape from the one it was built with.
        shape = getattr(layer, "_build_input_shape", None)
        if shape is None or not isinstance(shape, tuple):
            return None
        try:
            out = layer.compute_output_shape(shape)
        except Exception:
            return None
        return tuple(out) if isinstance(out, (tuple, list)) and all(
            d is None or isinstance(d, int) for d in out) else None
    out = layer._inbound_nodes[-1].outputs
    if isinstance(out, (list, tuple)):
        return [o.shape for o in out]
    return getattr(out, "shape", None)


def _ratio_reduce(total, ratios, maximums, values):
    """Rich's width reduction: take `total` off `values` in proportion to `ratios`."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return list(values)
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            d = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - d)
            remaining -= d
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _column_widths(positions, line_length):
    """Cell widths (padding included) as Keras lays out its Rich table."""
    ends = [int(line_length * p) for p in positions]
    widths = [ends[0]] + [ends[i] - ends[i - 1] for i in range(1, len(ends))]
    widths = [w + 2 for w in widths]
    total = sum(widths) + len(widths) + 1
    if total > line_length:
        widths = _ratio_reduce(total - line_length, [1] * len(widths), widths, widths)
    return widths


def _table(headers, rows, positions, line_length, aligns):
    widths = _column_widths(positions, line_length)

    def cells(values, align_right=None):
        wrapped = [textwrap.wrap(v, w - 2) or [""] for v, w in zip(values, widths)]
        height = max(len(c) for c in wrapped)
        lines = []
        for i in range(height):
            parts = []
            for j, (c, w) in enumerate(zip(wrapped, widths)):
                text = c[i] if i < len(c) else ""
                right = aligns[j] == "right" if align_right is None else align_right
                parts.append(" " + (text.rjust(w - 2) if right else text.ljust(w - 2)) + " ")
            lines.append(parts)
        return lines

    out = ["┏" + "┳".join("━" * w for w in widths) + "┓"]
    for parts in cells(headers):
        out.append("┃" + "┃".join(parts) + "┃")
    out.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        for parts in cells(row):
            out.append("│" + "│".join(parts) + "│")
        if i < len(rows) - 1:
            out.append("├" + "┼".join("─" * w for w in widths) + "┤")
    out.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return out


def print_summary(model, line_length=None, print_fn=None):
    """Print (or pass to `print_fn`) the summary table, as Keras 3 draws it."""
    from tfedu.keras.engine.functional import Functional

    print_fn = print_fn or print
    is_functional = isinstance(model, Functional)
    functional = is_functional and _is_graph(model)
    if line_length is None:
        # Keras caps the table at the terminal's width less 4 (80 columns when not a terminal).
        line_length = min(108 if functional else 88, shutil.get_terminal_size().columns - 4)
    lines = [f'Model: "{model.name}"']
    layers = model.layers
    if functional:
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        positions = [0.30, 0.56, 0.74, 1.0]
        aligns = ["left", "left", "right", "left"]
    else:
        headers = ["Layer (type)", "Output Shape", "Param #"]
        positions = [0.45, 0.80, 1.0]
        aligns = ["left", "left", "right"]
    rows = []
    for layer in layers:
        if not is_functional and isinstance(layer, InputLayer):
            continue
        shape = _layer_output_shape(layer)
        if isinstance(layer, InputLayer):
            shape = layer.batch_shape
        params = f"{_count(layer.weights):,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params]
        if functional:
            row.append(_connections(layer))
        rows.append(row)
    lines += _table(headers, rows, positions, line_length, aligns)
    tw, nw = model.trainable_weights, model.non_trainable_weights
    opt = getattr(model, "optimizer", None)
    ov = opt.variables if opt is not None and opt.built else []
    total = tw + nw + ov  # Keras counts a built optimizer's variables in the total
    lines.append(f" Total params: {_count(total):,} ({_size_text(_bytes(total))})")
    lines.append(f" Trainable params: {_count(tw):,} ({_size_text(_bytes(tw))})")
    lines.append(f" Non-trainable params: {_count(nw):,} ({_size_text(_bytes(nw))})")
    if ov:
        lines.append(f" Optimizer params: {_count(ov):,} ({_size_text(_bytes(ov))})")
    for line in lines:
        print_fn(line)


def _is_graph(model) -> bool:
    """A functional model whose layers form more than a single chain."""
    for layer in model.layers:
        for node in layer._inbound_nodes:
            if len(node.input_tensors) > 1:
                return True
        if len(layer._inbound_nodes) > 1:
            return True
    return len(model.inputs) > 1 or len(model.outputs) > 1


def _connections(layer) -> str:
    if isinstance(layer, InputLayer):
        return "-"
    parts = []
    for node in layer._inbound_nodes:  # a shared layer lists every call's inputs
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            parts.append(f"{src.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"
