"""Convolution and pooling layers (channels_last), on tf.nn's conv and pool ops."""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import activations, constraints, initializers, regularizers
from tfedu.keras.engine.base_layer import InputSpec, Layer


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value}")
    return value


def _padding(padding, allow_causal=False):
    p = padding.lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if p not in allowed:
        names = "{'valid', 'same', 'causal'}" if allow_causal else "{'same', 'valid'}"
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {names}. "
                         f"Received: {p}")
    return p


class _Conv(Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("tfedu layers use data_format='channels_last' (NHWC).")
        if filters is not None and filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.padding = _padding(padding, allow_causal=self.rank == 1)
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.data_format = "channels_last"
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def build(self, input_shape):
        in_ch = input_shape[-1]
        if in_ch is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             f"`None`. Full input shape received: {input_shape}")
        self.kernel = self.add_weight(
            shape=self._kernel_shape(in_ch),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self.bias = self.add_weight(shape=(self._bias_size(in_ch),),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={-1: in_ch})
        self.built = True

    def _kernel_shape(self, in_ch):
        return self.kernel_size + (in_ch // self.groups, self.filters)

    def _bias_size(self, in_ch):
        return self.filters

    def _conv(self, x):
        raise NotImplementedError

    def call(self, inputs):
        x = self._conv(self._float_input(inputs))
        if self.bias is not None:
            x = tf.nn.bias_add(x, self.bias)
        return self.activation(x)

    def _weights_config(self, kernel="kernel"):
        return {"activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                f"{kernel}_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                f"{kernel}_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None,
                f"{kernel}_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    def get_config(self):
        c = super().get_config()
        c.update({"filters": self.filters, "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                  "groups": self.groups})
        c.update(self._weights_config())
        return c


class Conv2D(_Conv):
    rank = 2

    def _conv(self, x):
        return tf.nn.conv2d(x, self.kernel, strides=self.strides, padding=self.padding.upper(),
                            dilations=self.dilation_rate)


class Conv1D(_Conv):
    rank = 1

    def _conv(self, x):
        pad = self.padding
        if pad == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            x = tf.pad(x, [[0, 0], [left, 0], [0, 0]])
            pad = "valid"
        return tf.nn.conv1d(x, self.kernel, stride=self.strides[0], padding=pad.upper(),
                            dilations=self.dilation_rate[0])


class Conv2DTranspose(_Conv):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        self.output_padding = output_padding

    def _kernel_shape(self, in_ch):
        return self.kernel_size + (self.filters, in_ch)

    def get_config(self):
        c = Layer.get_config(self)
        c.update({"filters": self.filters, "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "output_padding": self.output_padding, "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate})
        c.update(self._weights_config())
        return c

    def _out_len(self, n, k, s):
        if n is None:
            return None
        return n * s if self.padding == "same" else n * s + max(k - s, 0)

    def _conv(self, x):
        shape = x.shape.as_list()
        h = self._out_len(shape[1], self.kernel_size[0], self.strides[0])
        w = self._out_len(shape[2], self.kernel_size[1], self.strides[1])
        if shape[0] is None or h is None or w is None:
            dyn = tf.shape(x)
            out_shape = tf.stack([dyn[0], dyn[1] * self.strides[0] if h is None else h,
                                  dyn[2] * self.strides[1] if w is None else w, self.filters])
        else:
            out_shape = [shape[0], h, w, self.filters]
        y = tf.nn.conv2d_transpose(x, self.kernel, out_shape, strides=self.strides,
                                   padding=self.padding.upper())
        if not isinstance(out_shape, list):  # keep what is known statically (only batch is not)
            y.set_shape([shape[0], h, w, self.filters])
        return y


class Conv1DTranspose(Conv2DTranspose):
    """The transpose of Conv1D (a learned upsampling of sequences): Conv2DTranspose on a
    height-1 image, with Keras's kernel shape (kernel_size, filters, in_channels)."""

    rank = 1

    def _conv(self, x):
        k, s = self.kernel_size[0], self.strides[0]
        shape = x.shape.as_list()
        n = self._out_len(shape[1], k, s)
        if shape[0] is None or n is None:
            dyn = tf.shape(x)
            out_shape = tf.stack([dyn[0], 1, dyn[1] * s if n is None else n, self.filters])
        else:
            out_shape = [shape[0], 1, n, self.filters]
        y = tf.nn.conv2d_transpose(tf.expand_dims(x, 1), tf.expand_dims(self.kernel, 0),
                                   out_shape, strides=(1, s), padding=self.padding.upper())
        y = tf.squeeze(y, 1)
        y.set_shape([shape[0], n, self.filters])
        return y


class DepthwiseConv2D(_Conv):
    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, depthwise_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         kernel_constraint=depthwise_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier

    def _kernel_shape(self, in_ch):
        return self.kernel_size + (in_ch, self.depth_multiplier)

    def _bias_size(self, in_ch):
        return in_ch * self.depth_multiplier

    def get_config(self):
        c = Layer.get_config(self)
        c.update({"depth_multiplier": self.depth_multiplier, "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "data_format": self.data_format, "dilation_rate": self.dilation_rate})
        c.update(self._weights_config("depthwise"))
        return c

    def _conv(self, x):
        return tf.nn.depthwise_conv2d(x, self.kernel, strides=(1,) + self.strides + (1,),
                                      padding=self.padding.upper(),
                                      dilations=self.dilation_rate)


class SeparableConv2D(_Conv):
    """A depthwise convolution (`depth_multiplier` filters per input channel) followed by a
    1x1 convolution to `filters` channels: fewer weights than Conv2D for the same window."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        in_ch = input_shape[-1]
        ones = (1,) * self.rank
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (in_ch, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=ones + (in_ch * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={-1: in_ch})
        self.built = True

    def _conv(self, x):
        return tf.nn.separable_conv2d(x, self.depthwise_kernel, self.pointwise_kernel,
                                      strides=(1,) + self.strides + (1,),
                                      padding=self.padding.upper(), dilations=self.dilation_rate)

    def get_config(self):
        c = Layer.get_config(self)
        c.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                  "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate})
        w = self._weights_config("depthwise")
        w.update({"pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                  "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                  "pointwise_constraint": constraints.serialize(self.pointwise_constraint)})
        order = ("activation", "use_bias", "depthwise_initializer", "pointwise_initializer",
                 "bias_initializer", "depthwise_regularizer", "pointwise_regularizer",
                 "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                 "pointwise_constraint", "bias_constraint")
        c.update({k: w[k] for k in order})
        return c


class SeparableConv1D(SeparableConv2D):
    """SeparableConv2D over sequences (a height-1 image); `padding="causal"` is Conv1D's."""

    rank = 1

    def _conv(self, x):
        pad = self.padding
        if pad == "causal":
            x = tf.pad(x, [[0, 0], [self.dilation_rate[0] * (self.kernel_size[0] - 1), 0],
                           [0, 0]])
            pad = "valid"
        y = tf.nn.separable_conv2d(
            tf.expand_dims(x, 1), tf.expand_dims(self.depthwise_kernel, 0),
            tf.expand_dims(self.pointwise_kernel, 0), strides=(1, 1, self.strides[0], 1),
            padding=pad.upper(), dilations=(1, self.dilation_rate[0]))
        return tf.squeeze(y, 1)


class _Pool(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, self.rank, "pool_size")
        self.strides = _tuple(strides, self.rank, "strides") if strides is not None \
            else self.pool_size
        self.padding = _padding(padding)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        fn = tf.nn.max_pool if self.kind == "max" else tf.nn.avg_pool
        if self.rank == 1:
            fn = tf.nn.max_pool1d if self.kind == "max" else tf.nn.avg_pool1d
            return fn(inputs, self.pool_size[0], self.strides[0], self.padding.upper())
        return fn(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        c = super().get_config()
        c.update({"pool_size": self.pool_size, "padding": self.padding,
                  "strides": self.strides, "data_format": "channels_last"})
        return c


class MaxPooling2D(_Pool):
    rank, kind = 2, "max"


class AveragePooling2D(_Pool):
    rank, kind = 2, "avg"


class MaxPooling1D(_Pool):
    rank, kind = 1, "max"


class AveragePooling1D(_Pool):
    rank, kind = 1, "avg"


class _GlobalPool(Layer):
    axes = (1, 2)
    kind = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=len(self.axes) + 2)
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None and self.kind == "avg" and self.axes == (1,):
            # Keras: the mean over the unmasked time steps only
            m = tf.expand_dims(tf.cast(mask, inputs.dtype), 2)
            total = tf.reduce_sum(inputs * m, axis=1, keepdims=self.keepdims)
            return total / tf.reduce_sum(m, axis=1, keepdims=self.keepdims)
        fn = tf.reduce_mean if self.kind == "avg" else tf.reduce_max
        return fn(inputs, axis=list(self.axes), keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        c = super().get_config()
        c.update({"data_format": "channels_last", "keepdims": self.keepdims})
        return c


class GlobalAveragePooling2D(_GlobalPool):
    axes, kind = (1, 2), "avg"


class GlobalMaxPooling2D(_GlobalPool):
    axes, kind = (1, 2), "max"


class GlobalAveragePooling1D(_GlobalPool):
    axes, kind = (1,), "avg"


class GlobalMaxPooling1D(_GlobalPool):
    axes, kind = (1,), "max"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
