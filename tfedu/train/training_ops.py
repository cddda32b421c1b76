"""Fused optimizer update ops (`ResourceApplyGradientDescent`, `ResourceApplyAdam`, ...).

Each update rule is a plain numpy function returning the new values of the variable and its
slots; the graph op reads and writes them through resource handles, and the eager path of the
v1 optimizers calls the same function on eager variables. One rule, two timings.

`ResourceApplyAdam`, which Keras's Adam uses too (`apply`), also has an in-place form: one
Numba pass over the variable and its slots instead of a dozen array-sized temporaries. It is
copy-on-write, as in TF: when anything else still holds a variable's array (a tensor read from
it earlier, a numpy view of it), the update writes a fresh copy and the old value stays intact.
"""

from __future__ import annotations

import sys

import numpy as np

from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.graph_ops import _read
from tfedu.framework.registry import FLOAT, register_op

__all__ = ["RULES", "APPLY_OPS", "apply", "writable_value"]


def gradient_descent(var, alpha, delta):
    """w -= lr * g"""
    return (var - alpha * delta,)


def momentum(var, accum, lr, grad, momentum, use_nesterov=False):
    """a = m*a + g; w -= lr*a  (nesterov: w -= lr*(g + m*a))"""
    accum = accum * momentum + grad
    step = grad + momentum * accum if use_nesterov else accum
    return var - lr * step, accum


def adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
         use_nesterov=False):
    """m=b1*m+(1-b1)g; v=b2*v+(1-b2)g^2; w -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps)"""
    lr_t = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    m = m + (grad - m) * (1 - beta1)
    v = v + (np.square(grad) - v) * (1 - beta2)
    step = (m * beta1 + (1 - beta1) * grad) if use_nesterov else m
    return var - lr_t * step / (np.sqrt(v) + epsilon), m, v


def rmsprop(var, ms, mom, lr, rho, momentum, epsilon, grad):
    """ms=rho*ms+(1-rho)g^2; mom=momentum*mom+lr*g/sqrt(ms+eps); w -= mom"""
    ms = ms + (np.square(grad) - ms) * (1 - rho)
    mom = mom * momentum + lr * grad / np.sqrt(ms + epsilon)
    return var - mom, ms, mom


def centered_rmsprop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    """As RMSProp, normalising by the variance ms - mg^2 instead of ms."""
    mg = mg + (grad - mg) * (1 - rho)
    ms = ms + (np.square(grad) - ms) * (1 - rho)
    mom = mom * momentum + lr * grad / np.sqrt(ms - np.square(mg) + epsilon)
    return var - mom, mg, ms, mom


def adagrad(var, accum, lr, grad, update_slots=True):
    """acc += g^2; w -= lr*g/sqrt(acc)"""
    accum = accum + np.square(grad)
    return var - lr * grad / np.sqrt(accum), accum


def adadelta(var, accum, accum_update, lr, rho, epsilon, grad):
    """acc=rho*acc+(1-rho)g^2; u=sqrt(acc_u+eps)/sqrt(acc+eps)*g; acc_u=rho*acc_u+(1-rho)u^2; w-=lr*u"""
    accum = accum * rho + np.square(grad) * (1 - rho)
    update = np.sqrt(accum_update + epsilon) / np.sqrt(accum + epsilon) * grad
    accum_update = accum_update * rho + np.square(update) * (1 - rho)
    return var - lr * update, accum, accum_update


def _shrink(prox, lr, l1, l2):
    """The proximal step: soft-threshold by lr*l1, then scale down by 1 + lr*l2."""
    return np.sign(prox) * np.maximum(np.abs(prox) - lr * l1, 0.0) / (1.0 + lr * l2)


def proximal_gradient_descent(var, alpha, l1, l2, delta):
    """w = shrink(w - lr*g)  (L1/L2-regularised gradient descent)"""
    return (_shrink(var - alpha * delta, alpha, l1, l2),)


def proximal_adagrad(var, accum, lr, l1, l2, grad):
    """acc += g^2; lr_t = lr/sqrt(acc); w = shrink(w - lr_t*g)"""
    accum = accum + np.square(grad)
    lr_t = lr / np.sqrt(accum)
    return _shrink(var - lr_t * grad, lr_t, l1, l2), accum


def ftrl(var, accum, linear, grad, lr, l1, l2, lr_power, multiply_linear_by_lr=False):
    """FTRL-Proximal: per-coordinate rates from accumulated squared gradients."""
    new_accum = accum + np.square(grad)
    sigma = (np.power(new_accum, -lr_power) - np.power(accum, -lr_power)) / lr
    linear = linear + grad - sigma * var
    quadratic = np.power(new_accum, -lr_power) / lr + 2.0 * l2
    new_var = np.where(np.abs(linear) > l1, (np.sign(linear) * l1 - linear) / quadratic, 0.0)
    return new_var, new_accum, linear


def adagrad_da(var, gradient_accum, gradient_squared_accum, grad, lr, l1, l2, global_step):
    """Dual averaging: w = -lr * shrink(sum g) / (l2*t*lr + sqrt(sum g^2))"""
    gradient_accum = gradient_accum + grad
    gradient_squared_accum = gradient_squared_accum + np.square(grad)
    shrunk = np.sign(gradient_accum) * np.maximum(np.abs(gradient_accum) - l1 * global_step, 0.0)
    new_var = -lr * shrunk / (l2 * global_step * lr + np.sqrt(gradient_squared_accum))
    return new_var, gradient_accum, gradient_squared_accum


# rule, number of resource inputs (var + slots), input names after them, static attrs
RULES = {
    "ResourceApplyGradientDescent": (gradient_descent, ("var",), ("alpha", "delta"), {}),
    "ResourceApplyMomentum": (momentum, ("var", "accum"), ("lr", "grad", "momentum"),
                              {"use_locking": False, "use_nesterov": False}),
    "ResourceApplyAdam": (adam, ("var", "m", "v"),
                          ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon",
                           "grad"), {"use_locking": False, "use_nesterov": False}),
    "ResourceApplyRMSProp": (rmsprop, ("var", "ms", "mom"),
                             ("lr", "rho", "momentum", "epsilon", "grad"), {"use_locking": False}),
    "ResourceApplyCenteredRMSProp": (centered_rmsprop, ("var", "mg", "ms", "mom"),
                                     ("lr", "rho", "momentum", "epsilon", "grad"),
                                     {"use_locking": False}),
    "ResourceApplyAdagrad": (adagrad, ("var", "accum"), ("lr", "grad"),
                             {"use_locking": False, "update_slots": True}),
    "ResourceApplyProximalGradientDescent": (proximal_gradient_descent, ("var",),
                                             ("alpha", "l1", "l2", "delta"),
                                             {"use_locking": False}),
    "ResourceApplyProximalAdagrad": (proximal_adagrad, ("var", "accum"),
                                     ("lr", "l1", "l2", "grad"), {"use_locking": False}),
    "ResourceApplyFtrl": (ftrl, ("var", "accum", "linear"), ("grad", "lr", "l1", "l2", "lr_power"),
                          {"use_locking": False, "multiply_linear_by_lr": False}),
    "ResourceApplyAdagradDA": (adagrad_da, ("var", "gradient_accumulator",
                                            "gradient_squared_accumulator"),
                               ("grad", "lr", "l1", "l2", "global_step"), {"use_locking": False}),
    "ResourceApplyAdadelta": (adadelta, ("var", "accum", "accum_update"),
                              ("lr", "rho", "epsilon", "grad"), {"use_locking": False}),
}


class _Probe:
    def __init__(self):
        self._value = np.empty(1)


def _refs_while_held(holder) -> int:
    a = holder._value
    return sys.getrefcount(a)


_SOLE = _refs_while_held(_Probe())  # the attribute, the local name, getrefcount's argument


def writable_value(handle) -> np.ndarray:
    """The handle's array, ready to be updated in place (a private copy when it is shared)."""
    a = _read(handle)
    if not (type(a) is np.ndarray and a.base is None and a.flags.c_contiguous
            and a.flags.writeable and sys.getrefcount(a) <= _SOLE):
        a = np.array(a, copy=True, order="C")
        handle._value = a
    return a


def _adam_in_place(handles, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
                   use_nesterov=False):
    """`adam` written into the variable and slot arrays; False when it does not apply."""
    var = _read(handles[0])
    dt, shape = var.dtype, var.shape
    del var
    if use_nesterov or dt not in (np.float32, np.float64):
        return False
    g = np.asarray(grad)
    if g.shape != shape or any(_read(h).shape != shape or _read(h).dtype != dt
                               for h in handles[1:]):
        return False
    scalars = [np.asarray(x) for x in (beta1_power, beta2_power, lr, beta1, beta2, epsilon)]
    if any(x.size != 1 for x in scalars):
        return False
    b1p, b2p, lr, b1, b2, eps = (dt.type(x.reshape(())) for x in scalars)
    one = dt.type(1)
    alpha = dt.type(lr * np.sqrt(one - b2p) / (one - b1p))
    w, m, v = (writable_value(h).reshape(-1) for h in handles)
    args = (w, m, v, np.ascontiguousarray(g, dtype=dt).reshape(-1), alpha, dt.type(one - b1),
            dt.type(one - b2), eps)
    from tfedu.kernels import training_kernels as T

    (T.nb_apply_adam if w.size >= 64 else T.ref_apply_adam)(*args)
    return True


IN_PLACE = {"ResourceApplyAdam": _adam_in_place}
"""Op type -> in-place update (returns False to fall back to the numpy rule)."""


def _make_kernel(rule, n_res, in_place=None):
    def kernel(resources, *args, use_locking=False, **attrs):
        handles, rest = args[:n_res], args[n_res:]
        if in_place is not None and in_place(handles, *rest, **attrs):
            return
        current = [_read(h) for h in handles]
        new = rule(*current, *rest, **attrs)
        for h, value in zip(handles, new):
            h._value = np.asarray(value, dtype=h._dtype._np if h._dtype is not None else None)

    kernel.__name__ = rule.__name__
    kernel.__doc__ = rule.__doc__
    return kernel


APPLY_OPS = {}
for _type, (_rule, _res, _rest, _attrs) in RULES.items():
    _op = register_op(
        _type, group="training",
        inputs=tuple(f"{r}: resource" for r in _res) + tuple(f"{n}: T" for n in _rest),
        outputs=(), type_attrs={"T": FLOAT}, attrs=dict(_attrs),
        infer=lambda op: [], kernel=_make_kernel(_rule, len(_res), IN_PLACE.get(_type)),
        stateful=True, uses_resources=True,
        doc=_rule.__doc__)
    APPLY_OPS[_type] = _op


def apply(op_type: str, variables, inputs, **attrs):
    """Run the fused update `op_type` on eager `variables` (var, then its slots) with `inputs`
    (tensors or numbers of the variable's dtype): at once eagerly, as an op in a tf.function.

    Returns the op in a graph, None eagerly.
    """
    dtype = variables[0]._dtype
    tensors = [convert_to_tensor(x, dtype=dtype) for x in inputs]
    opdef = APPLY_OPS[op_type]
    full = dict(RULES[op_type][3], **attrs)
    graph = _state.graph
    if graph is None:
        opdef.kernel(None, *variables, *[t._value for t in tensors], **full)
        return None
    handles = [graph.variable_handle(v, op_type) for v in variables]
    return execute(opdef, handles + tensors, full, default_name=op_type)
