# Keras layers: outputs with deterministic weights, shapes, weights lists, config basics.
import numpy as np
import tensorflow as tf
from tensorflow import keras

x = np.arange(12, dtype=np.float32).reshape(3, 4) / 10

# %% dense_ones
layer = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
layer(x)

# %% dense_activation
layer = keras.layers.Dense(2, activation="relu", kernel_initializer=keras.initializers.Constant(-0.5), bias_initializer="ones")
layer(x)

# %% dense_weights_shapes_names
layer = keras.layers.Dense(3)
layer.build((None, 4))
[(w.name, tuple(w.shape)) for w in layer.weights]

# %% dense_unbuilt_weights
len(keras.layers.Dense(3).weights)

# %% dense_count_params
layer = keras.layers.Dense(5)
layer.build((None, 4))
layer.count_params()

# %% dense_input_rank3
keras.layers.Dense(2, kernel_initializer="ones")(tf.ones([2, 3, 4])).shape

# %% dense_wrong_input_dim
layer = keras.layers.Dense(2)
layer(tf.ones([1, 4]))
layer(tf.ones([1, 5]))

# %% dense_get_config_keys
sorted(keras.layers.Dense(2, name="d").get_config())[:6]

# %% activation_layers rtol=1e-6
t = tf.constant([[-1.0, 0.0, 2.0]])
[keras.layers.Activation(a)(t).numpy().round(5).tolist() for a in ("relu", "sigmoid", "tanh", "softmax")]

# %% relu_layer_params
keras.layers.ReLU(max_value=1.0, negative_slope=0.1)(tf.constant([-2.0, 0.5, 3.0]))

# %% leaky_relu_layer rtol=1e-6
keras.layers.LeakyReLU(negative_slope=0.2)(tf.constant([-1.0, 1.0]))

# %% softmax_layer rtol=1e-6
keras.layers.Softmax()(tf.constant([[1.0, 2.0, 3.0]]))

# %% softmax_layer_mask rtol=1e-6
keras.layers.Softmax()(tf.constant([[1.0, 2.0, 3.0]]), mask=tf.constant([[True, False, True]]))

# %% flatten
keras.layers.Flatten()(tf.ones([2, 3, 4])).shape

# %% reshape_layer
keras.layers.Reshape((2, -1))(tf.ones([3, 6])).shape

# %% reshape_layer_bad
keras.layers.Reshape((4, 4))(tf.ones([3, 6]))

# %% permute_layer
keras.layers.Permute((2, 1))(tf.ones([2, 3, 4])).shape

# %% dropout_inference_identity
keras.layers.Dropout(0.5)(tf.ones([2, 2]))

# %% dropout_training_scales
y = keras.layers.Dropout(0.5, seed=1)(tf.ones([1000]), training=True)
sorted(set(np.unique(y.numpy()).tolist()))

# %% batchnorm_inference rtol=1e-5
keras.layers.BatchNormalization()(tf.constant([[1.0, 2.0], [3.0, 4.0]]))

# %% batchnorm_training rtol=1e-4 atol=1e-5
keras.layers.BatchNormalization()(tf.constant([[1.0, 2.0], [3.0, 4.0]]), training=True)

# %% batchnorm_weights
bn = keras.layers.BatchNormalization()
bn.build((None, 3))
print([w.name for w in bn.weights], [w.name for w in bn.trainable_weights])

# %% layernorm rtol=1e-4 atol=1e-5
keras.layers.LayerNormalization()(tf.constant([[1.0, 2.0, 3.0]]))

# %% embedding
e = keras.layers.Embedding(5, 2, embeddings_initializer="ones")
e(tf.constant([[1, 4]])).shape

# %% embedding_out_of_range
e = keras.layers.Embedding(5, 2)
e(tf.constant([[7]]))

# %% conv2d_layer_shape
keras.layers.Conv2D(4, 3, padding="same")(tf.ones([1, 8, 8, 3])).shape

# %% conv2d_layer_valid_strides
keras.layers.Conv2D(2, (3, 3), strides=2)(tf.ones([1, 9, 9, 1])).shape

# %% conv2d_values
keras.layers.Conv2D(1, 2, kernel_initializer="ones", bias_initializer="zeros")(tf.ones([1, 3, 3, 1]))[0, :, :, 0]

# %% conv1d_layer
keras.layers.Conv1D(2, 3)(tf.ones([2, 10, 4])).shape

# %% maxpool_layer
keras.layers.MaxPooling2D()(tf.reshape(tf.range(16.0), [1, 4, 4, 1]))[0, :, :, 0]

# %% avgpool1d_layer
keras.layers.AveragePooling1D(2)(tf.reshape(tf.range(8.0), [1, 4, 2]))

# %% global_pools
t = tf.reshape(tf.range(12.0), [1, 2, 3, 2])
print(keras.layers.GlobalAveragePooling2D()(t).numpy(), keras.layers.GlobalMaxPooling2D()(t).numpy())

# %% zero_padding2d
keras.layers.ZeroPadding2D(1)(tf.ones([1, 2, 2, 1])).shape

# %% upsampling2d
keras.layers.UpSampling2D(2)(tf.ones([1, 2, 3, 1])).shape

# %% concatenate_layer
keras.layers.Concatenate()([tf.ones([2, 1]), tf.zeros([2, 2])])

# %% concatenate_fn
keras.layers.concatenate([tf.ones([2, 1]), tf.zeros([2, 2])], axis=-1).shape

# %% add_multiply_average
a, b = tf.constant([[1.0, 2.0]]), tf.constant([[3.0, 4.0]])
print(keras.layers.Add()([a, b]).numpy(), keras.layers.Multiply()([a, b]).numpy(), keras.layers.Average()([a, b]).numpy())

# %% add_shape_mismatch
keras.layers.Add()([tf.ones([2, 2]), tf.ones([2, 3])])

# %% lambda_layer
keras.layers.Lambda(lambda t: t * 2)(tf.constant([1.0]))

# %% simple_rnn_shape
keras.layers.SimpleRNN(3)(tf.ones([2, 5, 4])).shape

# %% lstm_return_sequences
keras.layers.LSTM(3, return_sequences=True)(tf.ones([2, 5, 4])).shape

# %% lstm_return_state
out = keras.layers.LSTM(3, return_state=True)(tf.ones([2, 5, 4]))
[t.shape for t in out]

# %% gru_shape
keras.layers.GRU(4)(tf.ones([1, 3, 2])).shape

# %% bidirectional_shape
keras.layers.Bidirectional(keras.layers.LSTM(3))(tf.ones([2, 5, 4])).shape

# %% lstm_weights_shapes
layer = keras.layers.LSTM(3)
layer(tf.ones([1, 2, 4]))
[tuple(w.shape) for w in layer.weights]

# %% time_distributed
keras.layers.TimeDistributed(keras.layers.Dense(2))(tf.ones([2, 5, 4])).shape

# %% rescaling
keras.layers.Rescaling(1.0 / 255)(tf.constant([[0.0, 255.0]]))

# %% normalization_adapt rtol=1e-5
n = keras.layers.Normalization()
n.adapt(np.array([[1.0], [2.0], [3.0]]))
n(np.array([[2.0], [4.0]]))

# %% layer_trainable_flag
layer = keras.layers.Dense(2)
layer.build((None, 3))
layer.trainable = False
print(len(layer.trainable_weights), len(layer.non_trainable_weights))

# %% input_layer_shape
inp = keras.Input(shape=(3,), name="inp")
print(inp.shape, inp.dtype, inp.name)

# %% layer_call_on_list_dense_error
keras.layers.Dense(2)([1.0, 2.0])

# %% custom_layer_build
class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    def call(self, x):
        return x * self.w
s = Scale()
print(s(tf.ones([2, 3])).numpy().tolist(), [w.name for w in s.weights])

# %% layer_names_auto
a, b = keras.layers.Dense(1), keras.layers.Dense(1)
print(a.name, b.name, keras.layers.Conv2D(1, 1).name)

# %% set_get_weights
layer = keras.layers.Dense(1)
layer.build((None, 2))
layer.set_weights([np.array([[1.0], [2.0]]), np.array([0.5])])
layer(tf.constant([[1.0, 1.0]]))

# %% set_weights_bad_shape
layer = keras.layers.Dense(1)
layer.build((None, 2))
layer.set_weights([np.ones((3, 1)), np.zeros(1)])

# %% category_like_one_hot_via_tf
tf.one_hot([1, 2], 3)
