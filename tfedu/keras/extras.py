"""Smaller Keras names the guides use: `losses.Reduction`, `optimizers.legacy`, the
`InverseTimeDecay` and `PolynomialDecay` schedules. Installed onto their namespaces by
`install()` (called when `tfedu.keras` loads)."""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import losses, optimizers
from tfedu.keras.optimizers import LearningRateSchedule, _step


class Reduction:
    """How a loss reduces per-example values (Keras 3 keeps these names as plain strings)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


class InverseTimeDecay(LearningRateSchedule):
    """lr / (1 + decay_rate * step / decay_steps) (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = tf.floor(p)
        return tf.cast(self.initial_learning_rate, "float32") / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From initial to end learning rate along (1 - step/decay_steps) ** power."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = (end_learning_rate, power,
                                                                    cycle, name)

    def __call__(self, step):
        s = _step(step)
        steps = float(self.decay_steps)
        if self.cycle:
            steps = steps * tf.maximum(tf.math.ceil(s / steps), 1.0)
        else:
            s = tf.minimum(s, steps)
        frac = (1.0 - s / steps) ** self.power
        return (self.initial_learning_rate - self.end_learning_rate) * frac + \
            self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


_LEGACY = ("`keras.optimizers.legacy` is not supported in Keras 3. When using `tf.keras`, to "
           "continue using a `tf.keras.optimizers.legacy` optimizer, you can install the "
           "`tf_keras` package (Keras 2) and set the environment variable "
           "`TF_USE_LEGACY_KERAS=True` to configure TensorFlow to use `tf_keras` when accessing "
           "`tf.keras`.")


class LegacyOptimizerWarning:
    """What Keras 3 keeps under `keras.optimizers.legacy.*`: using one raises ImportError."""

    def __init__(self, *args, **kwargs):
        raise ImportError(_LEGACY + "\nIn tfedu, use `tf.keras.optimizers.SGD` and friends: "
                          "they accept the same arguments.")


class legacy:
    """`keras.optimizers.legacy`: the Keras 2 optimizers, which Keras 3 refuses to build."""

    SGD = Adam = RMSprop = Adagrad = Adadelta = Adamax = Ftrl = Nadam = Optimizer = \
        LegacyOptimizerWarning


_INIT_ALIASES = {"zeros": "Zeros", "ones": "Ones", "constant": "Constant",
                 "glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal",
                 "he_normal": "HeNormal", "he_uniform": "HeUniform",
                 "random_normal": "RandomNormal", "random_uniform": "RandomUniform",
                 "truncated_normal": "TruncatedNormal", "identity": "Identity",
                 "orthogonal": "Orthogonal", "lecun_normal": "LecunNormal",
                 "lecun_uniform": "LecunUniform", "variance_scaling": "VarianceScaling"}


def install():
    from tfedu.keras import initializers

    for alias, cls in _INIT_ALIASES.items():
        if hasattr(initializers, cls) and not hasattr(initializers, alias):
            setattr(initializers, alias, getattr(initializers, cls))
    losses.Reduction = Reduction
    optimizers.legacy = legacy
    optimizers.schedules.InverseTimeDecay = InverseTimeDecay
    optimizers.schedules.PolynomialDecay = PolynomialDecay
