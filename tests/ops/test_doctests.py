"""The examples in the core ops' docstrings run, and print what they say they print.

They are written as a student types them after `import tfedu as tf`, so the doctests run with
`tf` (and `np`) already imported.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tfedu as tf

MODULES = ["tfedu.ops.math_ops", "tfedu.ops.array_ops", "tfedu.ops.gather_ops",
           "tfedu.ops.nn_ops"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, globs={"tf": tf, "np": np}) if t.examples]
    assert tests, f"{name} has no docstring examples"
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


# The core packages; the newer API families (tf.image, tf.io, tf.map_fn, ...) are not yet held
# to this.
CORE = ("tfedu.ops.math_ops", "tfedu.ops.special_math_ops", "tfedu.ops.segment_ops",
        "tfedu.ops.clip_ops", "tfedu.ops.array_ops", "tfedu.ops.gather_ops", "tfedu.ops.slicing",
        "tfedu.ops.scatter_ops", "tfedu.ops.sort_ops", "tfedu.ops.nn_ops", "tfedu.ops.linalg_ops",
        "tfedu.ops.random_ops", "tfedu.ops.control_flow_ops", "tfedu.ops.string_ops",
        "tfedu.ops.ragged_ops", "tfedu.ops.sparse_ops", "tfedu.ops.debugging",
        "tfedu.ops.lookup_ops", "tfedu.ops.signal_ops",
        "tfedu.framework", "tfedu.eager", "tfedu.graph", "tfedu.function")


def test_every_exported_function_of_the_core_has_a_docstring():
    from tfedu.framework.api_export import EXPORTS

    missing = sorted(k for k, v in EXPORTS.items() if callable(v)
                     and not (getattr(v, "__doc__", None) or "").strip()
                     and (getattr(v, "__module__", None) or "").startswith(CORE))
    assert not missing, f"exported functions without a docstring: {missing}"
