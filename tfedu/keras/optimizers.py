"""`keras.optimizers`: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Nadam, Adamax, Ftrl and
Lion with Keras 3's defaults, slot variable names and update rules.

Updates are written with tfedu ops on the variables (`assign_sub` and friends), so the same
optimizer works in eager training loops and inside a traced `tf.function` train step. Adam
(without amsgrad) uses TF's fused `ResourceApplyAdam` op: one in-place pass per variable.
"""

from __future__ import annotations

import math

import numpy as np

import tfedu as tf
from tfedu.framework.context import _state
from tfedu.framework.trackable import restore_pending
from tfedu.keras.engine.base_layer import _snake
from tfedu.keras.variables import KerasVariable
from tfedu.train import training_ops


def _fused_updates_here() -> bool:
    """Fused update ops run eagerly and in tf.function graphs (not in a TF1 graph)."""
    g = _state.graph
    return g is None or hasattr(g, "variable_handle")


class LearningRateSchedule:
    """A learning rate as a function of the step: `schedule(step) -> lr` (a float32 tensor).

    Written with tfedu ops so that the optimizer can evaluate it on its `iterations` variable
    inside a traced train step as well as eagerly."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _step(step):
    return tf.cast(tf.convert_to_tensor(step), "float32")


class ExponentialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError("Argument `decay_steps` must be > 0. "
                             f"Received: decay_steps={decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = tf.floor(p)
        return tf.cast(self.initial_learning_rate, "float32") * tf.pow(
            tf.cast(self.decay_rate, "float32"), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values = list(boundaries), list(values)
        self.name = name

    def __call__(self, step):
        s = _step(step)
        lr = tf.constant(np.float32(self.values[-1]))
        for b, v in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            lr = tf.where(s <= float(b), tf.constant(np.float32(v)), lr)
        return lr

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        s = _step(step)
        lr0 = float(self.initial_learning_rate)
        if self.warmup_target is None:
            target, decay_from = lr0, s
        else:
            target, decay_from = float(self.warmup_target), s - float(self.warmup_steps)
        frac = tf.minimum(tf.maximum(decay_from, 0.0), float(self.decay_steps)) / float(
            self.decay_steps)
        cos = 0.5 * (1.0 + tf.cos(math.pi * frac))
        decayed = target * ((1.0 - self.alpha) * cos + self.alpha)
        if self.warmup_target is None:
            return decayed
        warm = lr0 + (target - lr0) * s / float(max(self.warmup_steps, 1))
        return tf.where(s < float(self.warmup_steps), warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class Optimizer:
    """Base optimizer: gradient clipping, weight decay, `iterations`, per-variable slots."""


    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        from tfedu.keras import backend

        self.name = name or backend.unique_name(_snake(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._schedule = learning_rate if isinstance(learning_rate, LearningRateSchedule) \
            or callable(learning_rate) else None
        lr0 = np.asarray(self._schedule(0)) if self._schedule is not None else learning_rate
        self._learning_rate = KerasVariable(np.float32(lr0), name="learning_rate",
                                            path=f"{self.name}/learning_rate", trainable=False)
        self.iterations = KerasVariable(np.int64(0), name="iteration",
                                        path=f"{self.name}/iteration", trainable=False,
                                        dtype="int64")
        self._slots = {}
        self._slot_list = []
        self._extra_variables = {}  # checkpoint name -> variable that is no per-weight slot
        self.built = False

    # --- learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self):
        if self._schedule is not None:  # the schedule's value at the current step
            return self._schedule(self.iterations.value())
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument.")
        self._learning_rate.assign(np.float32(value))

    lr = learning_rate

    def _current_lr(self, dtype):
        if self._schedule is not None:  # ops on `iterations`: right in a traced step too
            return tf.cast(self._schedule(self.iterations.value()), dtype)
        return tf.cast(self._learning_rate.value(), dtype)

    # --- slots -----------------------------------------------------------------------------
    def add_variable_from_reference(self, reference_variable, name, initializer="zeros"):
        key = (id(reference_variable), name)
        v = self._slots.get(key)
        if v is None:
            shape = reference_variable.shape.as_list()
            if initializer == "zeros":
                value = np.zeros(shape, dtype=reference_variable._dtype.as_numpy_dtype)
            else:
                value = np.full(shape, initializer,
                                dtype=reference_variable._dtype.as_numpy_dtype)
            base = getattr(reference_variable, "path", reference_variable.name)
            from tfedu.framework.func_graph import init_scope

            with init_scope():  # slots made while tracing a train step live outside the trace
                base = base.replace("/", "_").replace(":", "_")
                v = KerasVariable(value, name=f"{base}_{name}", path=f"{self.name}/{base}_{name}",
                                  trainable=False)
            self._slots[key] = v
            self._slot_list.append(v)
        return v

    def _slot_names(self) -> list:
        """Groups of slot names (or (name, initial value)), in the order Keras's `build`
        creates them, so `optimizer.variables` lists them as Keras does."""
        return []

    def build(self, var_list):
        self._trainable_variables = list(var_list)
        for group in self._slot_names():
            for v in var_list:
                for name in group:
                    name, init = name if isinstance(name, tuple) else (name, "zeros")
                    self.add_variable_from_reference(v, name, initializer=init)
        self._build_extra(var_list)
        self.built = True
        restore_pending()  # checkpoint values waiting for these slots

    def _build_extra(self, var_list):
        """Variables an optimizer keeps besides its per-weight slots (Nadam's `_u_product`)."""

    def _add_extra_variable(self, attr, value):
        from tfedu.framework.func_graph import init_scope

        with init_scope():
            v = KerasVariable(value, name="variable", trainable=False)
        self._extra_variables[attr] = v
        self._slot_list.append(v)  # listed after the slots, as Keras lists it
        return v

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        """Checkpoint children named as Keras 3 names them (`tfedu.keras.engine.tracking`)."""
        from tfedu.keras.engine.tracking import optimizer_children

        return optimizer_children(self, save_type)

    @property
    def variables(self):
        lr = [] if self._schedule is not None else [self._learning_rate]
        return [self.iterations] + lr + list(self._slot_list)

    # --- applying --------------------------------------------------------------------------
    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [None if g is None else tf.clip_by_value(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        if self.clipnorm is not None:
            grads = [None if g is None else tf.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            present = [g for g in grads if g is not None]
            clipped, _ = tf.clip_by_global_norm(present, self.global_clipnorm)
            it = iter(clipped)
            grads = [None if g is None else next(it) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Apply one update step; returns the new `iterations` value."""
        pairs = list(grads_and_vars)
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        return self.apply(grads, variables)

    def apply(self, grads, trainable_variables=None):
        grads = _all_reduce_gradients(list(grads))
        variables = list(trainable_variables)
        if not self.built:
            self.build(variables)
            self.built = True
        grads = self._clip(grads)
        self._before_updates()
        for g, v in zip(grads, variables):
            if g is None:
                continue
            g = tf.convert_to_tensor(g)
            if self.weight_decay and self._apply_decay_to(v):
                lr = self._current_lr(v.dtype)
                v.assign_sub(v.value() * (lr * self.weight_decay))
            self.update_step(g, v, self._current_lr(v.dtype))
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.value()))
        self.iterations.assign_add(np.int64(1))
        return self.iterations

    def minimize(self, loss, var_list, tape=None):
        if tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed.")
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _before_updates(self):
        """Once per step, before the per-variable updates (Nadam advances its product)."""

    def _apply_decay_to(self, v) -> bool:
        return True

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError

    def _step_float(self, dtype):
        return tf.cast(self.iterations.value() + 1, dtype)

    def get_config(self) -> dict:
        if self._schedule is not None and isinstance(self._schedule, LearningRateSchedule):
            lr = {"module": "keras.optimizers.schedules",
                  "class_name": type(self._schedule).__name__,
                  "config": self._schedule.get_config(), "registered_name": None}
        else:
            lr = float(self._learning_rate.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": None,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ema_overwrite_frequency", None)
        lr = config.get("learning_rate")
        if isinstance(lr, dict) and "class_name" in lr:
            config["learning_rate"] = getattr(schedules, lr["class_name"]).from_config(
                lr["config"])
        return cls(**config)


class SGD(Optimizer):

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def _slot_names(self):
        return [["momentum"]] if self.momentum else []

    def update_step(self, g, v, lr):
        if self.momentum:
            m = self.add_variable_from_reference(v, "momentum")
            mom = tf.cast(self.momentum, v.dtype)
            m.assign(mom * m.value() - lr * g)
            if self.nesterov:
                v.assign_add(mom * m.value() - lr * g)
            else:
                v.assign_add(m.value())
        else:
            v.assign_sub(lr * g)

    def get_config(self):
        c = super().get_config()
        c.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return c


class Adam(Optimizer):
    def _slot_names(self):
        return [["momentum", "velocity"]] + ([["velocity_hat"]] if self.amsgrad else [])

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update_step(self, g, v, lr):
        m = self.add_variable_from_reference(v, "momentum")
        u = self.add_variable_from_reference(v, "velocity")
        t = self._step_float(v.dtype)
        b1 = tf.cast(self.beta_1, v.dtype)
        b2 = tf.cast(self.beta_2, v.dtype)
        if not self.amsgrad and _fused_updates_here():
            training_ops.apply("ResourceApplyAdam", [v, m, u],
                               [tf.pow(b1, t), tf.pow(b2, t), lr, b1, b2, self.epsilon, g])
            return
        alpha = lr * tf.sqrt(1.0 - tf.pow(b2, t)) / (1.0 - tf.pow(b1, t))
        m.assign_add((g - m.value()) * (1.0 - b1))
        u.assign_add((tf.square(g) - u.value()) * (1.0 - b2))
        vhat = u.value()
        if self.amsgrad:
            vmax = self.add_variable_from_reference(v, "velocity_hat")
            vmax.assign(tf.maximum(vmax.value(), vhat))
            vhat = vmax.value()
        v.assign_sub(alpha * m.value() / (tf.sqrt(vhat) + self.epsilon))

    def get_config(self):
        c = super().get_config()
        c.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                  "amsgrad": self.amsgrad})
        return c


class AdamW(Adam):

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    def _slot_names(self):
        return [["velocity"]] + ([["momentum"]] if self.momentum else []) + (
            [["average_gradient"]] if self.centered else [])

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update_step(self, g, v, lr):
        vel = self.add_variable_from_reference(v, "velocity")
        rho = tf.cast(self.rho, v.dtype)
        vel.assign(rho * vel.value() + (1.0 - rho) * tf.square(g))
        denom = vel.value()
        if self.centered:
            mg = self.add_variable_from_reference(v, "average_gradient")
            mg.assign(rho * mg.value() + (1.0 - rho) * g)
            denom = denom - tf.square(mg.value())
        step = lr * g / tf.sqrt(denom + self.epsilon)
        if self.momentum:
            mom = self.add_variable_from_reference(v, "momentum")
            mom.assign(self.momentum * mom.value() + step)
            v.assign_sub(mom.value())
        else:
            v.assign_sub(step)

    def get_config(self):
        c = super().get_config()
        c.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                  "centered": self.centered})
        return c


class Adagrad(Optimizer):
    def _slot_names(self):
        return [[("accumulator", self.initial_accumulator_value)]]

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def update_step(self, g, v, lr):
        acc = self.add_variable_from_reference(v, "accumulator",
                                               initializer=self.initial_accumulator_value)
        acc.assign_add(tf.square(g))
        v.assign_sub(lr * g / tf.sqrt(acc.value() + self.epsilon))

    def get_config(self):
        c = super().get_config()
        c.update({"initial_accumulator_value": self.initial_accumulator_value,
                  "epsilon": self.epsilon})
        return c


class Adadelta(Optimizer):
    """Per-dimension step sizes from running averages of squared gradients and updates."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _slot_names(self):
        return [["accumulated_grad", "accumulated_delta_var"]]

    def update_step(self, g, v, lr):
        acc_g = self.add_variable_from_reference(v, "accumulated_grad")
        acc_d = self.add_variable_from_reference(v, "accumulated_delta_var")
        rho = self.rho
        acc_g.assign(rho * acc_g.value() + (1 - rho) * tf.square(g))
        delta = -(tf.sqrt(acc_d.value() + self.epsilon) * g) / tf.sqrt(
            acc_g.value() + self.epsilon)
        acc_d.assign(rho * acc_d.value() + (1 - rho) * tf.square(delta))
        v.assign_add(lr * delta)

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)


class Nadam(Optimizer):
    """Adam with Nesterov momentum; `_u_product` carries the product of the momentum
    schedule `beta_1 * (1 - 0.5 * 0.96**t)` over the steps taken."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_names(self):
        return [["momentum", "velocity"]]

    def _build_extra(self, var_list):
        dtype = var_list[0]._dtype.as_numpy_dtype if var_list else np.float32
        self._u_product = self._add_extra_variable("_u_product", dtype(1.0))

    def _before_updates(self):
        u = self._u_product
        t = tf.cast(self.iterations.value() + 1, u._dtype)
        u.assign(u.value() * self.beta_1 * (1.0 - 0.5 * tf.pow(tf.cast(0.96, u._dtype), t)))

    def update_step(self, g, v, lr):
        m = self.add_variable_from_reference(v, "momentum")
        vel = self.add_variable_from_reference(v, "velocity")
        t = self._step_float(v.dtype)
        b1, b2 = tf.cast(self.beta_1, v.dtype), tf.cast(self.beta_2, v.dtype)
        decay = tf.cast(0.96, v.dtype)
        u_t = b1 * (1.0 - 0.5 * tf.pow(decay, t))
        u_next = b1 * (1.0 - 0.5 * tf.pow(decay, t + 1.0))
        u_prod = tf.cast(self._u_product.value(), v.dtype)
        m.assign_add((g - m.value()) * (1 - b1))
        vel.assign_add((tf.square(g) - vel.value()) * (1 - b2))
        m_hat = u_next * m.value() / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
        v_hat = vel.value() / (1 - tf.pow(b2, t))
        v.assign_sub(m_hat * lr / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


class Adamax(Optimizer):
    """Adam with the infinity norm: `norm = max(beta_2 * norm, |g|)` replaces the velocity."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_names(self):
        return [["momentum", "norm"]]

    def update_step(self, g, v, lr):
        m = self.add_variable_from_reference(v, "momentum")
        u = self.add_variable_from_reference(v, "norm")
        b1_power = tf.pow(tf.cast(self.beta_1, v.dtype), self._step_float(v.dtype))
        m.assign_add((g - m.value()) * (1 - self.beta_1))
        u.assign(tf.maximum(self.beta_2 * u.value(), tf.abs(g)))
        v.assign_sub(lr * m.value() / ((1 - b1_power) * (u.value() + self.epsilon)))

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


_FTRL_STRENGTHS = ("l1_regularization_strength", "l2_regularization_strength",
                   "l2_shrinkage_regularization_strength")


class Ftrl(Optimizer):
    """Follow The Regularized Leader: the weight is solved from an accumulated `linear`
    term, with L1 (sparsity), L2 and shrinkage-L2 regularization."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        strengths = (l1_regularization_strength, l2_regularization_strength,
                     l2_shrinkage_regularization_strength)
        _check_ftrl(initial_accumulator_value, learning_rate_power, strengths)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        for name, value in zip(_FTRL_STRENGTHS, strengths):
            setattr(self, name, value)
        self.beta = beta

    def _slot_names(self):
        return [[("accumulator", self.initial_accumulator_value), "linear"]]

    def update_step(self, g, v, lr):
        acc = self.add_variable_from_reference(v, "accumulator",
                                               initializer=self.initial_accumulator_value)
        linear = self.add_variable_from_reference(v, "linear")
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrunk = g + 2 * self.l2_shrinkage_regularization_strength * v.value()
        new_acc = acc.value() + tf.square(g)
        sigma = (tf.pow(new_acc, power) - tf.pow(acc.value(), power)) / lr
        linear.assign_add(shrunk - sigma * v.value())
        quadratic = tf.pow(new_acc, power) / lr + 2 * l2
        l1 = self.l1_regularization_strength
        clipped = tf.clip_by_value(linear.value(), -l1, l1)
        v.assign((clipped - linear.value()) / quadratic)
        acc.assign(new_acc)

    def get_config(self):
        c = dict(super().get_config(), learning_rate_power=self.learning_rate_power,
                 initial_accumulator_value=self.initial_accumulator_value)
        c.update({name: getattr(self, name) for name in _FTRL_STRENGTHS})
        c["beta"] = self.beta
        return c


def _check_ftrl(initial_accumulator_value, learning_rate_power, strengths):
    if initial_accumulator_value < 0.0:
        raise ValueError("`initial_accumulator_value` needs to be positive or zero. Received: "
                         f"initial_accumulator_value={initial_accumulator_value}.")
    if learning_rate_power > 0.0:
        raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                         f"learning_rate_power={learning_rate_power}.")
    for name, value in zip(_FTRL_STRENGTHS, strengths):
        if value < 0.0:
            raise ValueError(f"`{name}` needs to be positive or zero. Received: "
                             f"{name}={value}.")


class Lion(Optimizer):
    """EvoLved Sign Momentum: steps of size `lr` along the sign of an interpolated momentum."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")

    def _slot_names(self):
        return [["momentum"]]

    def update_step(self, g, v, lr):
        m = self.add_variable_from_reference(v, "momentum")
        b1, b2 = tf.cast(self.beta_1, v.dtype), tf.cast(self.beta_2, v.dtype)
        v.assign_sub(lr * tf.sign(m.value() * b1 + g * (1.0 - b1)))
        m.assign(m.value() * b2 + g * (1.0 - b2))

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2)


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adadelta": Adadelta, "nadam": Nadam, "adamax": Adamax, "ftrl": Ftrl, "lion": Lion}


def get(identifier):
    """An optimizer from a name ('adam') or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


schedules = type("schedules", (), {
    "LearningRateSchedule": LearningRateSchedule, "ExponentialDecay": ExponentialDecay,
    "PiecewiseConstantDecay": PiecewiseConstantDecay, "CosineDecay": CosineDecay})


def _all_reduce_gradients(grads):
    """Inside `strategy.run` with several replicas: every replica gets the sum of all
    replicas' gradients (then applies the same update to its copy of each variable)."""
    import sys

    lib = sys.modules.get("tfedu.distribute.distribute_lib")
    if lib is None or lib.get_strategy().num_replicas_in_sync == 1:
        return grads
    ctx = lib.get_replica_context()
    present = [g for g in grads if g is not None]
    if ctx is None or not present:
        return grads
    reduced = iter(ctx.all_reduce("SUM", present))
    return [None if g is None else next(reduced) for g in grads]
