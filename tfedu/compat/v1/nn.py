"""`tf.compat.v1.nn`: `tf.nn` plus TF 1.x spellings (`keep_prob`, `..._v2`, `xw_plus_b`)."""

from __future__ import annotations


def _nn():
    import tfedu

    return tfedu.nn


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF 1.x dropout: give `keep_prob` (probability to keep) or `rate` (to drop)."""
    if (keep_prob is None) == (rate is None):
        raise ValueError("You must provide exactly one of `keep_prob` or `rate`.")
    if rate is None:
        rate = 1.0 - keep_prob
    return _nn().dropout(x, rate, noise_shape=noise_shape, seed=seed, name=name)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=-1, name=None, dim=None):
    return _nn().softmax_cross_entropy_with_logits(
        labels=labels, logits=logits, axis=axis if dim is None else dim, name=name)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """The v1 op (labels get no gradient in TF 1.x; here they are passed through as given)."""
    import tfedu

    return _nn().softmax_cross_entropy_with_logits(
        labels=tfedu.stop_gradient(labels), logits=logits,
        axis=dim if axis is None else axis, name=name)


def xw_plus_b(x, weights, biases, name=None):
    """`x @ weights + biases`."""
    import tfedu

    return _nn().bias_add(tfedu.matmul(x, weights), biases, name=name or "xw_plus_b")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_nn(), name)
    except AttributeError:
        raise AttributeError(f"module 'tfedu.compat.v1.nn' has no attribute '{name}'") from None
