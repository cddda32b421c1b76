"""Calibration: run the float model on representative samples, record each tensor's range.

The float program is serialised and run in tfedu's own small interpreter, which keeps every
intermediate tensor; the minimum and maximum seen over all samples become each activation's
int8 range.
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.program import Program
from tfedu.lite.writer import serialize

__all__ = ["calibrate"]


def _samples(dataset):
    gen = getattr(dataset, "input_gen", dataset)
    if not callable(gen):
        raise ValueError("`representative_dataset` must be a callable returning a generator "
                         "(or a tf.lite.RepresentativeDataset).")
    yield from gen()


def _as_inputs(sample, program: Program) -> list:
    """A sample as one array per model input: a list/tuple, a dict by name, or one array."""
    if isinstance(sample, dict):
        missing = [n for n in program.input_names if n not in sample]
        if missing:
            raise ValueError(f"The representative dataset sample lacks inputs {missing}; it "
                             f"has {sorted(sample)}.")
        sample = [sample[n] for n in program.input_names]
    elif not isinstance(sample, (list, tuple)):
        sample = [sample]
    if len(sample) != len(program.inputs):
        raise ValueError(f"A representative dataset sample has {len(sample)} arrays; the model "
                         f"has {len(program.inputs)} inputs.")
    return [np.asarray(getattr(x, "numpy", lambda x=x: x)(), dtype=v.dtype)
            for x, v in zip(sample, program.inputs)]


def calibrate(program: Program, dataset) -> dict:
    """id(value) -> (min, max) over the samples, for every float tensor computed at run time."""
    from tfedu.lite.interpreter import Interpreter

    indices: dict = {}
    interpreter = Interpreter(model_content=serialize(program, indices=indices))
    watched = {vid: i for vid, i in indices.items()
               if interpreter._graph.tensors[i].data is None
               and interpreter._graph.tensors[i].dtype == np.float32}
    ranges: dict = {}
    count = 0
    for sample in _samples(dataset):
        _run(interpreter, program, indices, _as_inputs(sample, program))
        for vid, i in watched.items():
            value = interpreter._values[i]
            if value is None or value.size == 0:
                continue
            lo, hi = float(np.min(value)), float(np.max(value))
            old = ranges.get(vid, (lo, hi))
            ranges[vid] = (min(lo, old[0]), max(hi, old[1]))
        count += 1
    if count == 0:
        raise ValueError("The representative dataset yielded no samples.")
    return ranges


def _run(interpreter, program: Program, indices: dict, arrays: list):
    tensors = interpreter._graph.tensors
    for v, x in zip(program.inputs, arrays):
        if list(x.shape) != tensors[indices[id(v)]].shape.tolist():
            interpreter.resize_tensor_input(indices[id(v)], x.shape)
    if not interpreter._ready:
        interpreter.allocate_tensors()
    for v, x in zip(program.inputs, arrays):
        interpreter.set_tensor(indices[id(v)], x)
    interpreter.invoke()
