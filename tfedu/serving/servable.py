"""One loaded version of a model: its SavedModel's signature defs and their functions.

Loading reads `saved_model.pb` and the variables with `tfedu.saved_model` (protobuf and
tensor-bundle parsing; nothing in the directory is imported or executed) and keeps the meta
graph's signature defs, which the metadata API returns as they are, `__saved_model_init_op`
included. `run` is TF Serving's predict path: pick the signature, check the inputs against it,
run the restored function, keep the requested outputs.
"""

from __future__ import annotations

import os

import numpy as np

from tfedu.serving.status import invalid

DEFAULT_SIGNATURE = "serving_default"
INIT_OP_SIGNATURE = "__saved_model_init_op"


def _serve_meta_graph(path):
    from tfedu.saved_model.loading import read_saved_model

    for mg in read_saved_model(path).meta_graphs:
        if list(mg.meta_info_def.tags) == ["serve"]:
            return mg
    from tfedu.framework import errors

    raise errors.NotFoundError(None, None, "Could not find meta graph def matching supplied "
                               f"tags: {{ serve }}. in SavedModel at {path}")


def _set_text(names) -> str:
    return ",".join(sorted(names))


class Servable:
    """A SavedModel version ready to run: `name`, `version`, `path`, `signature_defs`."""

    def __init__(self, name: str, version: int, path):
        import tfedu as tf

        self.name, self.version, self.path = name, int(version), os.fspath(path)
        meta_graph = _serve_meta_graph(self.path)
        self.signature_defs = dict(meta_graph.signature_def)
        self._loaded = tf.saved_model.load(self.path, tags=["serve"])
        self._functions = dict(self._loaded.signatures)

    def signature(self, name: str):
        """The SignatureDef for `name` ('' is serving_default), as TF Serving's predictor
        looks it up (FAILED_PRECONDITION when absent)."""
        from tfedu.framework import errors

        key = name or DEFAULT_SIGNATURE
        sig = self.signature_defs.get(key)
        if sig is None or key not in self._functions:
            raise errors.FailedPreconditionError(
                None, None, f'Serving signature key "{key}" not found.')
        return key, sig

    def run(self, signature_name: str, inputs: dict, output_filter=()) -> dict:
        """{output alias: numpy array} for {input alias: numpy array}."""
        key, sig = self.signature(signature_name)
        _check_inputs(sig, inputs)
        aliases = _output_aliases(sig, output_filter)
        import tfedu as tf

        args = {k: tf.constant(v) if not isinstance(v, tf.Tensor) else v
                for k, v in inputs.items()}
        outputs = self._functions[key](**args)
        return {a: np.asarray(outputs[a].numpy()) for a in aliases}


def _check_inputs(sig, inputs) -> None:
    """predict_util.cc's VerifyRequestInputsSize, and a name check for equal sizes."""
    want, got = set(sig.inputs), set(inputs)
    if want == got:
        return
    raise invalid("input size does not match signature: ", len(got), "!=", len(want),
                  " len({", _set_text(got), "}) != len({", _set_text(want), "}). Sent extra: {",
                  _set_text(got - want), "}. Missing but required: {", _set_text(want - got),
                  "}.")


def _output_aliases(sig, output_filter) -> list:
    if not output_filter:
        return sorted(sig.outputs)
    seen = []
    for alias in output_filter:
        if alias not in sig.outputs:
            raise invalid("output tensor alias not found in signature: ", alias,
                          " Outputs expected to be in the set {", _set_text(sig.outputs), "}.")
        if alias in seen:
            raise invalid("duplicate output tensor alias: ", alias)
        seen.append(alias)
    return seen
