"""TF 1.x learning-rate schedules: tensors computed from the global step at run time.

    lr = tf.compat.v1.train.exponential_decay(0.1, global_step, 1000, 0.96, staircase=True)
    # 0.1 * 0.96 ** floor(global_step / 1000), re-evaluated on every Session.run
"""

from __future__ import annotations

__all__ = ["exponential_decay", "inverse_time_decay", "natural_exp_decay", "piecewise_constant",
           "polynomial_decay"]


def _tf():
    import tfedu

    return tfedu


def _progress(global_step, decay_steps, staircase, dtype):
    tf = _tf()
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    p = tf.cast(global_step, dtype) / tf.cast(decay_steps, dtype)
    return tf.floor(p) if staircase else p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps)"""
    tf = _tf()
    with tf.name_scope(name or "ExponentialDecay"):
        lr = tf.convert_to_tensor(learning_rate, name="initial_learning_rate")
        p = _progress(global_step, decay_steps, staircase, lr.dtype)
        return tf.multiply(lr, tf.pow(tf.cast(decay_rate, lr.dtype), p), name=name)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps)"""
    tf = _tf()
    with tf.name_scope(name or "InverseTimeDecay"):
        lr = tf.convert_to_tensor(learning_rate, name="learning_rate")
        p = _progress(global_step, decay_steps, staircase, lr.dtype)
        return tf.divide(lr, 1.0 + tf.cast(decay_rate, lr.dtype) * p, name=name)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * exp(-decay_rate * global_step / decay_steps)"""
    tf = _tf()
    with tf.name_scope(name or "NaturalExpDecay"):
        lr = tf.convert_to_tensor(learning_rate, name="learning_rate")
        p = _progress(global_step, decay_steps, staircase, lr.dtype)
        return tf.multiply(lr, tf.exp(-tf.cast(decay_rate, lr.dtype) * p), name=name)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """(lr - end) * (1 - min(step, decay_steps)/decay_steps) ** power + end"""
    tf = _tf()
    with tf.name_scope(name or "PolynomialDecay"):
        lr = tf.convert_to_tensor(learning_rate, name="learning_rate")
        step = tf.cast(global_step, lr.dtype)
        steps = tf.cast(decay_steps, lr.dtype)
        if cycle:
            steps = steps * tf.maximum(tf.math.ceil(step / steps), 1.0)
        else:
            step = tf.minimum(step, steps)
        frac = 1.0 - step / steps
        end = tf.cast(end_learning_rate, lr.dtype)
        return tf.add((lr - end) * tf.pow(frac, tf.cast(power, lr.dtype)), end, name=name)


def piecewise_constant(x, boundaries, values, name=None):
    """values[i] where boundaries[i-1] < x <= boundaries[i]."""
    tf = _tf()
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with tf.name_scope(name or "PiecewiseConstant"):
        x = tf.convert_to_tensor(x)
        vals = [tf.convert_to_tensor(v) for v in values]
        out = vals[-1]
        for b, v in reversed(list(zip(boundaries, vals[:-1]))):
            out = tf.where(x <= tf.cast(b, x.dtype), v, out)
        return out
