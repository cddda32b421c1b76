"""TF 1.x optimizers (`tf.compat.v1.train.GradientDescentOptimizer`, `AdamOptimizer`, ...).

`minimize(loss)` = `compute_gradients` (symbolic `tf.gradients`) + `apply_gradients`, which adds
one fused update op per variable (`GradientDescent/update_W/ResourceApplyGradientDescent`) and
returns an op grouping them, named after the optimizer. Slot variables (Adam's `W/Adam`,
`W/Adam_1`) are graph variables too, so build the train op *before*
`global_variables_initializer()`. With eager variables, the same update rules run immediately.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import context, dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.graph import GraphKeys
from tfedu.train import training_ops

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer", "FtrlOptimizer",
           "ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer", "AdagradDAOptimizer",
           "SyncReplicasOptimizer",
           "get_or_create_global_step", "get_global_step", "create_global_step"]


def _call_if_callable(v):
    return v() if callable(v) else v


def _is_graph_var(v) -> bool:
    return hasattr(v, "_snapshot")


class Optimizer:
    """Base class of the v1 optimizers: gradients, slots, and one update op per variable."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2
    _apply_op = None  # fused op type, e.g. "ResourceApplyGradientDescent"

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}  # slot name -> {variable key -> slot variable}
        self._non_slot = {}

    def get_name(self):
        return self._name

    # --- gradients ----------------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient, variable)] for `var_list` (default: the trainable variables)."""
        if callable(loss) and context.executing_eagerly():
            from tfedu.eager.tape import GradientTape

            with GradientTape() as tape:
                if var_list is not None:
                    for v in var_list:
                        tape.watch(v)
                value = loss()
            if var_list is None:
                var_list = tape.watched_variables()
            grads = tape.gradient(value, list(var_list), output_gradients=grad_loss)
            return list(zip(grads, var_list))
        if context.executing_eagerly():
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        from tfedu.graph.gradients import gradients

        if var_list is None:
            var_list = context.get_default_graph().get_collection(
                GraphKeys.TRAINABLE_VARIABLES)
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(_scale_loss_for_replicas(loss), var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Compute gradients of `loss` and apply them: one op (None when eager)."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if not [v for g, v in grads_and_vars if g is not None]:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[str(v) for _, v in grads_and_vars]} "
                f"and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    # --- applying -----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Update each variable from its gradient; increments `global_step` if given."""
        grads_and_vars = [(g, v) for g, v in grads_and_vars]
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[str(v) for _, v in grads_and_vars]}.")
        pairs = _all_reduce_for_replicas(pairs)
        if _state.graph is None:
            return self._apply_eager(pairs, global_step)
        g = context.get_default_graph()
        var_list = [v for _, v in pairs]
        with g.control_dependencies(None):
            self._create_non_slots(var_list)
            self._create_slots(var_list)
        with g.name_scope(name or self._name) as scope:
            hyper = self._prepare()
            updates = []
            for grad, var in pairs:
                with g.name_scope("update_" + var.op.name):
                    updates.append(self._apply_graph(grad, var, hyper))
            if global_step is None:
                apply = self._finish(updates, scope)
            else:
                with g.control_dependencies([self._finish(updates, "update")]):
                    apply = global_step.assign_add(
                        np.ones((), global_step.dtype._np), name=scope, read_value=False)
        if apply not in g.get_collection(GraphKeys.TRAIN_OP):
            g.add_to_collection(GraphKeys.TRAIN_OP, apply)
        return apply

    def _finish(self, update_ops, name):
        from tfedu.graph.api import group

        return group(*update_ops, name=name)

    def _hyper(self):
        """Hyperparameters passed to the update rule after the gradient-independent inputs."""
        return {}

    def _prepare(self):
        return {k: convert_to_tensor(_call_if_callable(v), name=k)
                for k, v in self._hyper().items()}

    def _cast(self, t, dtype):
        if t.dtype is dtype:
            return t
        from tfedu.ops.math_ops import cast

        return cast(t, dtype)

    def _rule_inputs(self, grad, var, hyper):
        """(resource inputs, other inputs) of the fused op for one variable."""
        raise NotImplementedError

    def _apply_graph(self, grad, var, hyper):
        handles, rest = self._rule_inputs(grad, var, hyper)
        rest = [self._cast(convert_to_tensor(r), var.dtype) for r in rest]
        opdef = training_ops.APPLY_OPS[self._apply_op]
        attrs = self._apply_attrs()
        execute(opdef, [h.handle for h in handles] + rest, attrs, default_name=self._apply_op)
        return context.get_default_graph()._ops[-1]

    def _apply_attrs(self):
        return {}

    def _apply_eager(self, pairs, global_step):
        self._create_non_slots([v for _, v in pairs])
        self._create_slots([v for _, v in pairs])
        rule = training_ops.RULES[self._apply_op][0]
        hyper = {k: _call_if_callable(v) for k, v in self._hyper().items()}
        for grad, var in pairs:
            handles, rest = self._rule_inputs(grad, var, hyper)
            arrays = [np.asarray(h.numpy()) for h in handles]
            rest = [np.asarray(r.numpy() if hasattr(r, "numpy") else r, dtype=var.dtype._np)
                    for r in rest]
            new = rule(*arrays, *rest, **self._apply_attrs())
            for h, value in zip(handles, new):
                h.assign(np.asarray(value, dtype=h.dtype._np))
        self._finish_eager()
        if global_step is not None:
            global_step.assign_add(1)
        return None

    def _finish_eager(self):
        pass

    # --- slots --------------------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _create_non_slots(self, var_list):
        pass

    @staticmethod
    def _var_key(var):
        return var.op.name if _is_graph_var(var) else id(var)

    def _zeros_slot(self, var, slot_name, op_name, value=0.0):
        slots = self._slots.setdefault(slot_name, {})
        key = self._var_key(var)
        if key in slots:
            return slots[key]
        from tfedu.framework.variables import Variable

        init = np.full(var.shape.as_list(), value, dtype=var.dtype._np)
        base = var.op.name if _is_graph_var(var) else var.name.split(":")[0]
        kwargs = {}
        if _is_graph_var(var):
            kwargs["collections"] = [GraphKeys.GLOBAL_VARIABLES]
            g = var.graph
            saved, g._name_stack = g._name_stack, ""
            try:
                slot = Variable(init, trainable=False, name=f"{base}/{op_name}", **kwargs)
            finally:
                g._name_stack = saved
        else:
            slot = Variable(init, trainable=False, name=f"{base}/{op_name}")
        slots[key] = slot
        return slot

    def _non_slot_variable(self, name, value, var):
        if name in self._non_slot:
            return self._non_slot[name]
        from tfedu.framework.variables import Variable

        if _is_graph_var(var):
            g = var.graph
            saved, g._name_stack = g._name_stack, ""
            try:
                v = Variable(np.asarray(value, dtype=var.dtype._np), trainable=False, name=name,
                             collections=[GraphKeys.GLOBAL_VARIABLES])
            finally:
                g._name_stack = saved
        else:
            v = Variable(np.asarray(value, dtype=var.dtype._np), trainable=False, name=name)
        self._non_slot[name] = v
        return v

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(self._var_key(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        out = list(self._non_slot.values())
        for name in sorted(self._slots):
            out.extend(self._slots[name].values())
        return out


class GradientDescentOptimizer(Optimizer):
    """w -= learning_rate * gradient"""

    _apply_op = "ResourceApplyGradientDescent"

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _hyper(self):
        return {"learning_rate": self._learning_rate}

    def _rule_inputs(self, grad, var, hyper):
        return [var], [hyper["learning_rate"], grad]


class MomentumOptimizer(Optimizer):
    """a = momentum*a + g; w -= lr*a (Nesterov: w -= lr*(g + momentum*a))"""

    _apply_op = "ResourceApplyMomentum"

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _hyper(self):
        return {"learning_rate": self._learning_rate, "momentum": self._momentum}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_attrs(self):
        return {"use_nesterov": self._use_nesterov}

    def _rule_inputs(self, grad, var, hyper):
        return ([var, self.get_slot(var, "momentum")],
                [hyper["learning_rate"], grad, hyper["momentum"]])


class AdamOptimizer(Optimizer):
    """Adam: bias-corrected moving averages of the gradient (m) and its square (v)."""

    _apply_op = "ResourceApplyAdam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _hyper(self):
        return {"learning_rate": self._lr, "beta1": self._beta1, "beta2": self._beta2,
                "epsilon": self._epsilon}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _create_non_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        self._non_slot_variable("beta1_power", self._beta1, first)
        self._non_slot_variable("beta2_power", self._beta2, first)

    def _get_beta_accumulators(self):
        return self._non_slot["beta1_power"], self._non_slot["beta2_power"]

    def _rule_inputs(self, grad, var, hyper):
        b1p, b2p = self._get_beta_accumulators()
        powers = [b1p, b2p] if _state.graph is None else [b1p.value(), b2p.value()]
        return ([var, self.get_slot(var, "m"), self.get_slot(var, "v")],
                powers + [hyper["learning_rate"], hyper["beta1"], hyper["beta2"],
                          hyper["epsilon"], grad])

    def _finish(self, update_ops, name):
        from tfedu.graph.api import group

        g = context.get_default_graph()
        b1p, b2p = self._get_beta_accumulators()
        with g.control_dependencies(update_ops):
            u1 = b1p.assign(b1p.value() * self._beta1, read_value=False)
            u2 = b2p.assign(b2p.value() * self._beta2, read_value=False)
        return group(*update_ops, u1, u2, name=name)

    def _finish_eager(self):
        b1p, b2p = self._get_beta_accumulators()
        b1p.assign(b1p.numpy() * self._beta1)
        b2p.assign(b2p.numpy() * self._beta2)


class RMSPropOptimizer(Optimizer):
    """ms = decay*ms + (1-decay)*g^2 (ms starts at 1); mom = momentum*mom + lr*g/sqrt(ms+eps)"""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum = learning_rate, decay, momentum
        self._epsilon, self._centered = epsilon, centered
        self._apply_op = "ResourceApplyCenteredRMSProp" if centered else "ResourceApplyRMSProp"

    def _hyper(self):
        return {"learning_rate": self._lr, "decay": self._decay, "momentum": self._momentum,
                "epsilon": self._epsilon}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "rms", self._name, value=1.0)
            if self._centered:
                self._zeros_slot(v, "mg", self._name + "_mg")
            self._zeros_slot(v, "momentum", self._name + "_1")

    def _rule_inputs(self, grad, var, hyper):
        slots = [self.get_slot(var, "rms"), self.get_slot(var, "momentum")]
        if self._centered:
            slots = [self.get_slot(var, "mg")] + slots
        return ([var] + slots, [hyper["learning_rate"], hyper["decay"], hyper["momentum"],
                                hyper["epsilon"], grad])


class AdagradOptimizer(Optimizer):
    """acc += g^2; w -= lr*g/sqrt(acc) (acc starts at initial_accumulator_value)"""

    _apply_op = "ResourceApplyAdagrad"

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._initial = initial_accumulator_value

    def _hyper(self):
        return {"learning_rate": self._lr}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, value=self._initial)

    def _rule_inputs(self, grad, var, hyper):
        return [var, self.get_slot(var, "accumulator")], [hyper["learning_rate"], grad]


class AdadeltaOptimizer(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and squared updates."""

    _apply_op = "ResourceApplyAdadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-08, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _hyper(self):
        return {"learning_rate": self._lr, "rho": self._rho, "epsilon": self._epsilon}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name + "_1")

    def _rule_inputs(self, grad, var, hyper):
        return ([var, self.get_slot(var, "accum"), self.get_slot(var, "accum_update")],
                [hyper["learning_rate"], hyper["rho"], hyper["epsilon"], grad])


class ProximalGradientDescentOptimizer(Optimizer):
    """Gradient descent followed by the L1/L2 proximal step."""

    _apply_op = "ResourceApplyProximalGradientDescent"

    def __init__(self, learning_rate, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False,
                 name="ProximalGradientDescent"):
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = (learning_rate, l1_regularization_strength,
                                        l2_regularization_strength)

    def _hyper(self):
        return {"learning_rate": self._lr, "l1": self._l1, "l2": self._l2}

    def _rule_inputs(self, grad, var, hyper):
        return [var], [hyper["learning_rate"], hyper["l1"], hyper["l2"], grad]


class ProximalAdagradOptimizer(Optimizer):
    """Adagrad step sizes with the L1/L2 proximal step."""

    _apply_op = "ResourceApplyProximalAdagrad"

    def __init__(self, learning_rate, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalAdagrad"):
        super().__init__(use_locking, name)
        self._lr, self._initial = learning_rate, initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength

    def _hyper(self):
        return {"learning_rate": self._lr, "l1": self._l1, "l2": self._l2}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, value=self._initial)

    def _rule_inputs(self, grad, var, hyper):
        return ([var, self.get_slot(var, "accumulator")],
                [hyper["learning_rate"], hyper["l1"], hyper["l2"], grad])


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal ("Follow The Regularized Leader"), popular for sparse linear models."""

    _apply_op = "ResourceApplyFtrl"

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0, beta=None):
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power ({learning_rate_power}) must be less than "
                             "or equal to zero")
        super().__init__(use_locking, name)
        self._lr, self._lr_power = learning_rate, learning_rate_power
        self._initial = initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._accum_name, self._linear_name = accum_name or name, linear_name or name + "_1"

    def _hyper(self):
        return {"learning_rate": self._lr, "l1": self._l1, "l2": self._l2,
                "lr_power": self._lr_power}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._accum_name, value=self._initial)
            self._zeros_slot(v, "linear", self._linear_name)

    def _rule_inputs(self, grad, var, hyper):
        return ([var, self.get_slot(var, "accum"), self.get_slot(var, "linear")],
                [grad, hyper["learning_rate"], hyper["l1"], hyper["l2"], hyper["lr_power"]])


class AdagradDAOptimizer(Optimizer):
    """Adagrad Dual Averaging, for sparse models (needs the global step)."""

    _apply_op = "ResourceApplyAdagradDA"

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="AdagradDA"):
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError("initial_gradient_squared_accumulator_value must be positive: "
                             f"{initial_gradient_squared_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr, self._global_step = learning_rate, global_step
        self._initial = initial_gradient_squared_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength

    def _hyper(self):
        return {"learning_rate": self._lr, "l1": self._l1, "l2": self._l2}

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "gradient_accumulator", self._name)
            self._zeros_slot(v, "gradient_squared_accumulator", self._name + "_1",
                             value=self._initial)

    def _step_value(self, var):
        gs = self._global_step
        if _state.graph is None:
            return float(np.asarray(gs.numpy() if hasattr(gs, "numpy") else gs)) + 1.0
        return self._cast(convert_to_tensor(gs), var.dtype) + 1.0

    def _rule_inputs(self, grad, var, hyper):
        return ([var, self.get_slot(var, "gradient_accumulator"),
                 self.get_slot(var, "gradient_squared_accumulator")],
                [grad, hyper["learning_rate"], hyper["l1"], hyper["l2"], self._step_value(var)])


class SyncReplicasOptimizer(Optimizer):
    """Synchronous data-parallel training wrapper; with one replica it is the wrapped optimizer."""

    def __init__(self, opt, replicas_to_aggregate, total_num_replicas=None,
                 variable_averages=None, variables_to_average=None, use_locking=False,
                 name="sync_replicas"):
        super().__init__(use_locking, name)
        self._opt = opt
        self._replicas_to_aggregate = replicas_to_aggregate
        self._total_num_replicas = total_num_replicas or replicas_to_aggregate

    def compute_gradients(self, *args, **kwargs):
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        return self._opt.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def get_slot(self, *args, **kwargs):
        return self._opt.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._opt.get_slot_names(*args, **kwargs)

    def variables(self):
        return self._opt.variables()

    def make_session_run_hook(self, is_chief, num_tokens=-1):
        return None


# ------------------------------------------------------------------------------------------
# Global step
# ------------------------------------------------------------------------------------------


def get_global_step(graph=None):
    """The variable in the `global_step` collection, or None."""
    g = graph or context.get_default_graph()
    items = g.get_collection(GraphKeys.GLOBAL_STEP)
    if len(items) > 1:
        raise TypeError("There are multiple items in collection global_step. There should be "
                        "only one.")
    return items[0] if items else None


def create_global_step(graph=None):
    g = graph or context.get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError('"global_step" already exists.')
    from tfedu.framework.variables import Variable

    if context.executing_eagerly():
        return Variable(np.int64(0), trainable=False, name="global_step", dtype=dtypes.int64)
    with g.as_default():
        saved, g._name_stack = g._name_stack, ""
        try:
            v = Variable(np.int64(0), trainable=False, name="global_step", dtype=dtypes.int64,
                         collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
        finally:
            g._name_stack = saved
    return v


def get_or_create_global_step(graph=None):
    """The graph's global step (an int64 variable counting training steps), created if needed."""
    g = graph or context.get_default_graph()
    step = get_global_step(g)
    return step if step is not None else create_global_step(g)


# ------------------------------------------------------------------------------------------
# Under a tf.distribute strategy (an Estimator with train_distribute)
# ------------------------------------------------------------------------------------------


def _replica_context():
    """(replicas in sync, replica context) of the tf.distribute strategy in force."""
    import sys

    lib = sys.modules.get("tfedu.distribute.distribute_lib")
    if lib is None:
        return 1, None
    return lib.get_strategy().num_replicas_in_sync, lib.get_replica_context()


def _scale_loss_for_replicas(loss):
    """A mean loss divided by the replicas, as TF 1.x optimizers do under a strategy: the
    summed gradients are then the gradient of the mean over the global batch."""
    n, ctx = _replica_context()
    if n == 1 or ctx is None:
        return loss
    from tfedu.ops import math_ops

    return math_ops.multiply(loss, 1.0 / n)


def _all_reduce_for_replicas(pairs):
    """Every replica's gradients summed over the replicas (one all-reduce)."""
    n, ctx = _replica_context()
    if n == 1 or ctx is None:
        return pairs
    summed = ctx.all_reduce("SUM", [g for g, _ in pairs])
    return [(g, v) for g, (_, v) in zip(summed, pairs)]
