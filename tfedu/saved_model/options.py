"""`tf.saved_model.LoadOptions` and `tf.saved_model.contains_saved_model`."""

from __future__ import annotations

import os

__all__ = ["LoadOptions", "contains_saved_model"]


class LoadOptions:
    """Accepted for compatibility; tfedu loads on one device and reads no assets."""

    def __init__(self, allow_partial_checkpoint=False, experimental_io_device=None,
                 experimental_skip_checkpoint=False, experimental_variable_policy=None,
                 experimental_load_function_aliases=False):
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_skip_checkpoint = experimental_skip_checkpoint


def contains_saved_model(export_dir) -> bool:
    d = os.fspath(export_dir)
    return os.path.isfile(os.path.join(d, "saved_model.pb")) or os.path.isfile(
        os.path.join(d, "saved_model.pbtxt"))
