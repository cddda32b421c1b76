"""`hub.load(handle)`: resolve the handle, then load the SavedModel found there.

Same as `tf.saved_model.load(hub.resolve(handle))`, as in tensorflow_hub. A module in the
"Reusable SavedModel" form (what tfedu's modules are, and what TF Hub's TF2 modules are) has
`__call__(inputs, training=...)`, `variables`, `trainable_variables` and
`regularization_losses`; `hub.KerasLayer` needs that form to fine-tune.
"""

from __future__ import annotations

from tfedu.hub.resolver import resolve

__all__ = ["load"]


def load(handle, tags=None, options=None):
    """The module `handle` names, loaded (`tf.saved_model.load` of `hub.resolve(handle)`)."""
    from tfedu.saved_model.loading import load as load_saved_model

    return load_saved_model(resolve(handle), tags=tags, options=options)
