"""The `conv_patches` pass: a filter gradient reuses the patches its forward Conv2D built.

A convolution copies every output cell's receptive field into one row (im2col, see
`tfedu/kernels/nn_kernels.py`) and multiplies those patches by the filter. Its filter gradient,
`Conv2DBackpropFilter`, multiplies the same patches of the same input by the output's gradient,
and builds them again. In a training step both run in one plan, so this pass pairs each
`Conv2DBackpropFilter` with the `Conv2D` (alone, or inside a remapped `_FusedConv2D`) that read
the same input with the same strides, padding and dilations: the Conv2D keeps its patches and
the filter gradient takes them, once, instead of building them (one copy of the input
`kh*kw` times larger, per conv layer and step). The patches are kept from the forward step to
the backward one, per thread (tf.distribute's replicas run one plan at once), and used only for
the very input array they were built from, and only when they are small (`KEEP_MAX_BYTES`);
anything else builds its own, as before. Values are bit-identical: the same patches, the same
product.
"""

from __future__ import annotations

import threading

__all__ = ["share_conv_patches", "KEEP_MAX_BYTES"]

KEEP_MAX_BYTES = 4 << 20
"""Larger patches are not kept: by the backward step they have left the cache, and reading
them back from memory cost more than building them again from the (9x smaller) input. A
first conv layer's patches (64 grey 28x28 images: 1.8 MB) are kept, and its training step got
~15% shorter; a 14 MB set kept made a deeper net's step ~6% longer."""

_ATTRS = ("strides", "padding", "explicit_paddings", "dilations", "data_format")


def _attr_key(step):
    return tuple(repr(step.attrs.get(k)) for k in _ATTRS)


def _conv_steps(steps):
    """The plain Conv2D step of every Conv2D, remapped ones (`_FusedConv2D`) included."""
    for step in steps:
        inner = getattr(step, "steps", None)
        conv = inner[0] if inner else step
        if conv.op.type == "Conv2D" and type(conv.inputs[0]) is int:
            yield conv


class _Stash(threading.local):
    def __init__(self):
        self.patches = {}


def _keeping(conv, stash):
    kernel = conv.kernel

    def run(x, w, **attrs):
        keep = []
        y = kernel(x, w, keep=keep, **attrs)
        small = keep and keep[0].nbytes <= KEEP_MAX_BYTES
        stash.patches[id(conv)] = (x, keep[0]) if small else None
        return y

    return run


def _taking(grad, conv, stash):
    kernel = grad.kernel

    def run(x, sizes, dy, **attrs):
        kept = stash.patches.pop(id(conv), None)
        if kept is not None and kept[0] is x:
            return kernel(x, sizes, dy, patches=kept[1], **attrs)
        return kernel(x, sizes, dy, **attrs)

    return run


def share_conv_patches(plan) -> str:
    convs = {}
    for conv in _conv_steps(plan.steps):
        convs.setdefault((conv.inputs[0], _attr_key(conv)), conv)
    stash, paired = _Stash(), []
    for step in plan.steps:
        conv = convs.pop((step.inputs[0], _attr_key(step)), None) \
            if step.op.type == "Conv2DBackpropFilter" else None
        if conv is None:  # (a second filter gradient of one Conv2D builds its own patches)
            continue
        conv.kernel = _keeping(conv, stash)
        step.kernel = _taking(step, conv, stash)
        paired.append(f"{step.op.name} takes {conv.op.name}'s")
    if not paired:
        return "no Conv2DBackpropFilter reads a Conv2D's input"
    return (f"{len(paired)} filter gradient(s) take the patches their Conv2D built: "
            + "; ".join(paired))
