"""Attention layers: EinsumDense, MultiHeadAttention (the transformer's), Attention (Luong's
dot-product) and AdditiveAttention (Bahdanau's), with Keras 3's weights, masks and configs.

MultiHeadAttention projects query, key and value with `EinsumDense` layers named `query`,
`key`, `value` (kernels `(d_model, num_heads, key_dim)`) and back with `attention_output`
(`(num_heads, value_dim, d_model)`), so its weights load into real Keras and back. Masks come
from the inputs (`Embedding(mask_zero=True)`), `attention_mask` and `use_causal_mask`; like
Keras, the common case (no dropout, no returned scores, sequences) sends masked logits to a
large negative number before the softmax, the other cases use a Softmax layer that also zeroes
fully masked rows.
"""

from __future__ import annotations

import math
import re
import string

import tfedu as tf
from tfedu.keras import activations, constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer, ShapesDict
from tfedu.keras.layers.core import Dropout
from tfedu.keras.layers.extra import Softmax

_LETTERS = string.ascii_lowercase
_FUSED_NEGATIVE = -0.7 * 3.38953e38  # the fused attention's "minus infinity" (float32)


# --- EinsumDense ------------------------------------------------------------------------------
def _split_equation(equation):
    """(input spec, weight spec, output spec, ellipsis side) of `ab,bc->ac`-like equations."""
    eq = equation.replace("...", "0")
    for pattern, side in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", "left"),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", "right")):
        m = re.match(pattern, eq)
        if m:
            return m.group(1), m.group(2), m.group(3), side
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _full_output_shape(input_shape, output_shape, elided, side):
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and side == "left":
        for i in range(1, elided):
            out.insert(1, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    return out


def _dim_maps(in_spec, out_spec, input_shape, elided, side):
    if side == "left":
        return ({d: i + elided - len(input_shape) for i, d in enumerate(in_spec)},
                {d: i + elided for i, d in enumerate(out_spec)})
    return {d: i for i, d in enumerate(in_spec)}, {d: i for i, d in enumerate(out_spec)}


def _kernel_shape(in_spec, w_spec, out_spec, input_shape, out_shape, in_map, out_map):
    for d in in_spec:
        if d in out_map and out_shape[out_map[d]] not in (None, input_shape[in_map[d]]):
            raise ValueError(f"Input shape and output shape do not match at shared dimension "
                             f"'{d}'. Input shape is {input_shape[in_map[d]]}, and output "
                             f"shape is {out_shape[out_map[d]]}.")
    shape, in_axes, out_axes = [], [], []
    for i, d in enumerate(w_spec):
        if d in out_map:
            shape.append(out_shape[out_map[d]])
            out_axes.append(i)
        elif d in in_map:
            shape.append(input_shape[in_map[d]])
            in_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input "
                             f"spec '{in_spec}' or the output spec '{out_spec}'. For this "
                             "layer, the weight must be fully specified.")
    return shape, in_axes, out_axes


def _bias_shape(bias_axes, out_spec, out_shape, elided, side):
    if bias_axes is None:
        return None
    for c in bias_axes:
        if c not in out_spec:
            raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                             f"output spec '{out_spec}'")
    offset = elided if side == "left" else 0
    sizes = {c: out_shape[i + offset] for i, c in enumerate(out_spec)}
    tail = out_spec[min(out_spec.find(c) for c in bias_axes):]
    shape = [sizes[c] if c in bias_axes else 1 for c in tail]
    return shape + ([1] * elided if side != "left" else [])


def einsum_shapes(equation, bias_axes, input_shape, output_shape):
    """Keras's analysis of an EinsumDense equation: (kernel shape, bias shape or None, full
    output shape, kernel input axes, kernel output axes)."""
    in_spec, w_spec, out_spec, side = _split_equation(equation)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(in_spec)
    out_shape = _full_output_shape(input_shape, output_shape, elided, side)
    in_map, out_map = _dim_maps(in_spec, out_spec, input_shape, elided, side)
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{out_spec}' but has "
                             f"no corresponding dim in the input spec '{in_spec}' or weight "
                             f"spec '{out_spec}'")
    kernel, in_axes, out_axes = _kernel_shape(in_spec, w_spec, out_spec, input_shape,
                                              out_shape, in_map, out_map)
    bias = _bias_shape(bias_axes, out_spec, out_shape, elided, side)
    return kernel, bias, out_shape, in_axes, out_axes


def _with_fan_axes(init, in_axes, out_axes):
    """A VarianceScaling initializer counting fans over the kernel's input/output axes."""
    if not isinstance(init, initializers.VarianceScaling) or (
            init.input_axes is not None and init.output_axes is not None):
        return init
    return type(init)(**{**init.get_config(), "input_axes": in_axes, "output_axes": out_axes})


class EinsumDense(Layer):
    """A dense layer whose product is an einsum (`"abc,cde->abde"`): the projections of
    MultiHeadAttention. `output_shape` leaves out the batch axis; None marks a free one."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        for k in ("lora_rank", "lora_alpha", "gptq_unpacked_column_size"):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel, bias, _, in_axes, out_axes = einsum_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(
            name="kernel", shape=kernel,
            initializer=_with_fan_axes(self.kernel_initializer, in_axes, out_axes),
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None if bias is None else self.add_weight(
            name="bias", shape=bias, initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, training=None):
        x = tf.einsum(self.equation, self._float_input(inputs), self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None,
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None}


# --- MultiHeadAttention -----------------------------------------------------------------------
def projection_equation(free_dims, bound_dims, output_dims):
    """(equation, bias axes, output rank) of a projection: free axes pass through, bound axes
    are contracted with the kernel, output axes come from it (`abc,cde->abde`)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def attention_equations(rank, attn_axes):
    """Einsum equations of the query-key product and the value combination for projected
    tensors `(batch, <attention axes>, heads, channels)` of rank `rank`."""
    target = _LETTERS[:rank]
    batch = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    extra = iter(_LETTERS[rank:])
    source = "".join(target[i] if i in batch or i == rank - 1 else next(extra)
                     for i in range(rank))
    product = ("".join(target[i] for i in batch) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _positive_int(value, name, allow_none=False):
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        expected = "a positive integer or `None`" if allow_none else "a positive integer"
        raise ValueError(f"Received an invalid value for argument `{name}`, expected "
                         f"{expected}. Received: {name}={value}")


def _output_shape_arg(output_shape):
    if not output_shape:
        return None
    if isinstance(output_shape, int):
        return (output_shape,)
    try:
        return tuple(output_shape)
    except TypeError:
        raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                         "`output_shape` should be of type tuple, list, or int.") from None


def _attention_axes_arg(axes):
    if isinstance(axes, int):
        return (axes,)
    if axes and not isinstance(axes, (list, tuple)):
        raise ValueError("`attention_axes` must be an int, list, or tuple."
                         f"Received: attention_axes={axes}")
    return axes


def _mask_square(query, value, fn):
    """A (1, T, S) boolean mask from `fn(row index, column index)`."""
    rows = tf.range(tf.shape(query)[1])[:, None]
    cols = tf.range(tf.shape(value)[1])[None, :]
    return tf.expand_dims(fn(rows, cols), 0)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.): `num_heads` scaled dot-product attentions of
    `key_dim`-sized projections, concatenated and projected back to the query's width (or
    `output_shape`). `layer(query, value, key=None, attention_mask=None,
    use_causal_mask=False, return_attention_scores=False)`."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _positive_int(num_heads, "num_heads")
        _positive_int(key_dim, "key_dim")
        _positive_int(value_dim, "value_dim", allow_none=True)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim or key_dim
        self._dropout, self._use_bias, self._use_gate = dropout, use_bias, use_gate
        self._output_shape = _output_shape_arg(output_shape)
        self._attention_axes = _attention_axes_arg(attention_axes)
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self._sliding_window, self._flash_attention = sliding_window, bool(flash_attention)
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def get_config(self):
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "output_shape": self._output_shape, "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": None,
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint), "seed": self.seed}

    def _call_shapes(self, args, kwargs, shape_of):
        names = ("query", "value", "key")
        given = dict(zip(names, args), **{k: v for k, v in kwargs.items() if k in names})
        return ShapesDict({f"{k}_shape": shape_of(given[k]) for k in names
                           if given.get(k) is not None})

    def _projection(self, name, free_dims, bound_dims, output_dims, last, activation=None):
        equation, bias_axes, rank = projection_equation(free_dims, bound_dims, output_dims)
        init = self._kernel_initializer
        return EinsumDense(
            equation, [None] * (rank - 1 - len(last)) + list(last), activation=activation,
            bias_axes=bias_axes if self._use_bias else None, name=name,
            kernel_initializer=type(init)(**init.get_config()),
            bias_initializer=type(self._bias_initializer)(**self._bias_initializer.get_config()),
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
            dtype=self._dtype)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        heads = self._num_heads
        self.query_dense = self._projection("query", len(query_shape) - 1, 1, 2,
                                            [heads, self._key_dim])
        self.query_dense._maybe_build(tuple(query_shape))
        self.key_dense = self._projection("key", len(key_shape) - 1, 1, 2, [heads, self._key_dim])
        self.key_dense._maybe_build(tuple(key_shape))
        if self._use_gate:
            self._gate_dense = self._projection("gate", len(query_shape) - 1, 1, 2,
                                                [heads, self._value_dim], "sigmoid")
            self._gate_dense._maybe_build(tuple(query_shape))
        self.value_dense = self._projection("value", len(value_shape) - 1, 1, 2,
                                            [heads, self._value_dim])
        self.value_dense._maybe_build(tuple(value_shape))
        self._build_attention(len(value_shape) + 1)
        last = self._output_shape or [query_shape[-1]]
        self.output_dense = self._projection("attention_output", len(query_shape) - 1, 2,
                                             len(last), last)
        self.output_dense._maybe_build(tuple(query_shape[:-1]) + (heads, self._value_dim))
        self.built = True

    def _build_attention(self, rank):
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else rank - 1 + a
                                         for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes)
        n = len(self._attention_axes)
        self._softmax = Softmax(axis=tuple(range(scores_rank - n, scores_rank)),
                                dtype=self._dtype)
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, dtype=self._dtype)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        # as Keras: the query's own mask; the inputs keep theirs, as in a Keras functional
        # model (a residual `Add()([x, attention(x, x)])` stays masked)
        query_mask = getattr(query, "_keras_mask", None)
        attention_mask = self._compute_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q, k, v = self.query_dense(query), self.key_dense(key), self.value_dense(value)
        output, scores = self._compute_attention(q, k, v, attention_mask, training,
                                                 return_attention_scores)
        output = self.output_dense(output if gate is None else output * gate)
        return (output, scores) if return_attention_scores else output

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """The (B, T, S) boolean mask: the inputs' masks, the causal and sliding-window masks
        and `attention_mask`, combined with logical and."""
        parts = []
        if query_mask is not None:
            parts.append(tf.expand_dims(tf.cast(query_mask, "bool"), -1))
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(tf.expand_dims(tf.cast(m, "bool"), -2))
        if use_causal_mask:
            parts.append(_mask_square(query, value, lambda r, c: r >= c))
        if self._sliding_window is not None:
            parts.append(_mask_square(query, value,
                                      lambda r, c: tf.abs(r - c) < self._sliding_window))
        if attention_mask is not None:
            parts.insert(0, tf.cast(attention_mask, "bool"))
        if not parts:
            return None
        mask = parts[0]
        for p in parts[1:]:
            mask = tf.logical_and(mask, p)
        return mask

    def _expand_mask(self, mask, rank):
        axis = -len(self._attention_axes) * 2 - 1
        for _ in range(rank - mask.shape.rank):
            mask = tf.expand_dims(mask, axis)
        return mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """(output, scores) of the heads' attention on projected query, key and value."""
        if self._flash_attention:
            raise ValueError("Flash attention is not supported in tensorflow backend.")
        if not (self._dropout > 0.0 or return_attention_scores or query.shape.rank != 4):
            return self._fused_attention(query, key, value, attention_mask), None
        query = query * tf.cast(self._inverse_sqrt_key_dim, query.dtype)
        scores = tf.einsum(self._dot_product_equation, key, query)
        if attention_mask is not None:
            attention_mask = self._expand_mask(attention_mask, scores.shape.rank)
        scores = self._softmax(scores, mask=attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 \
            else scores
        return tf.einsum(self._combine_equation, dropped, value), scores

    def _fused_attention(self, query, key, value, mask):
        """Keras's dot_product_attention: scaled logits, masked to a huge negative number."""
        logits = tf.einsum("BTNH,BSNH->BNTS", query, key)
        logits = logits * tf.cast(self._inverse_sqrt_key_dim, logits.dtype)
        if mask is not None:
            mask = self._expand_mask(mask, 4)
            logits = tf.where(mask, logits, tf.cast(_FUSED_NEGATIVE, logits.dtype))
        return tf.einsum("BNTS,BSNH->BTNH", tf.nn.softmax(logits, axis=-1), value)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        return query_shape[:-1] + self._output_shape if self._output_shape else query_shape


# --- Attention and AdditiveAttention ----------------------------------------------------------
class Attention(Layer):
    """Dot-product attention (Luong): `softmax(query @ key^T [* scale]) @ value`, called on
    `[query, value]` or `[query, value, key]`; `score_mode="concat"` sums
    `tanh(query + key)` instead."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale, self.score_mode = use_scale, score_mode
        self.dropout, self.seed = dropout, seed
        self.supports_masking = True
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") \
            if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else scores * self.scale
        q, k = tf.expand_dims(query, -2), tf.expand_dims(key, -3)
        summed = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(summed), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            padding = tf.logical_not(scores_mask)
            if padding.shape.rank == 2:
                padding = tf.expand_dims(padding, -2)
            big = 65504.0 if scores.dtype == tf.float16 else 1.0e9
            scores = tf.where(padding, scores - big, scores)
        weights = tf.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = tf.nn.dropout(weights, rate=self.dropout, seed=self.seed)
        return tf.matmul(weights, value), weights

    def _score_mask(self, scores, v_mask, use_causal_mask):
        if not use_causal_mask:
            return v_mask
        n_q, n_v = tf.shape(scores)[-2], tf.shape(scores)[-1]
        causal = tf.expand_dims(tf.range(n_q)[:, None] >= tf.range(n_v)[None, :], 0)
        if v_mask is None:
            return causal
        return tf.logical_and(tf.expand_dims(v_mask, -2), causal)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        output, weights = self._apply_scores(
            scores, v, self._score_mask(scores, v_mask, use_causal_mask), training)
        if q_mask is not None:
            output = tf.where(tf.expand_dims(q_mask, -1), output, tf.zeros_like(output))
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        return None if mask is None or mask[0] is None else tf.convert_to_tensor(mask[0])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, "
                             f"value] or [query, value, key]. Received: inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None and not isinstance(mask, list):
            raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                             f"value_mask]. Received: mask={mask}.")
        if mask is not None and not 2 <= len(mask) <= 3:
            raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                             f"inputs={inputs}, mask={mask}.")

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau): scores `sum(scale * tanh(query + key))` over features,
    `scale` a learned vector of the query's width."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                     initializer="glorot_uniform") if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        q, k = tf.expand_dims(query, -2), tf.expand_dims(key, -3)
        scale = self.scale if self.use_scale else 1.0
        return tf.reduce_sum(scale * tf.tanh(q + k), axis=-1)

    def get_config(self):
        c = super().get_config()
        del c["score_mode"]
        return c
