# Keras losses, metrics, optimizers, initializers, activations, regularizers.
import numpy as np
import tensorflow as tf
from tensorflow import keras

yt = tf.constant([[0.0, 1.0], [1.0, 0.0]])
yp = tf.constant([[0.2, 0.8], [0.6, 0.4]])

# %% mse rtol=1e-6
keras.losses.MeanSquaredError()(yt, yp)

# %% mae_fn rtol=1e-6
keras.losses.mean_absolute_error(yt, yp)

# %% cce rtol=1e-6
keras.losses.CategoricalCrossentropy()(yt, yp)

# %% cce_from_logits rtol=1e-6
keras.losses.CategoricalCrossentropy(from_logits=True)(yt, yp)

# %% scce rtol=1e-6
keras.losses.SparseCategoricalCrossentropy()([1, 0], yp)

# %% bce rtol=1e-5
keras.losses.BinaryCrossentropy()([[1.0], [0.0]], [[0.9], [0.2]])

# %% bce_logits rtol=1e-5
keras.losses.BinaryCrossentropy(from_logits=True)([[1.0], [0.0]], [[2.0], [-1.0]])

# %% huber rtol=1e-6
keras.losses.Huber(delta=0.5)([[0.0], [2.0]], [[0.2], [0.5]])

# %% reduction_none rtol=1e-6
keras.losses.MeanSquaredError(reduction=None)(yt, yp)

# %% reduction_sum rtol=1e-6
keras.losses.MeanSquaredError(reduction="sum")(yt, yp)

# %% sample_weight rtol=1e-6
keras.losses.MeanSquaredError()(yt, yp, sample_weight=[1.0, 0.0])

# %% loss_get_by_name
print(keras.losses.get("mse").__name__ if hasattr(keras.losses.get("mse"), "__name__") else type(keras.losses.get("mse")).__name__)

# %% loss_name_attr
print(keras.losses.MeanSquaredError().name, keras.losses.CategoricalCrossentropy().name)

# %% kld_cosine rtol=1e-5
print(round(float(keras.losses.KLDivergence()(yt + 0.1, yp)), 5), round(float(keras.losses.CosineSimilarity()(yt, yp)), 5))

# %% hinge_logcosh rtol=1e-5
print(round(float(keras.losses.Hinge()(yt, yp)), 5), round(float(keras.losses.LogCosh()(yt, yp)), 5))

# %% metric_mean_update_state rtol=1e-6
m = keras.metrics.Mean()
m.update_state([1.0, 2.0, 3.0])
m.update_state(10.0)
print(float(m.result()))
m.reset_state()
float(m.result())

# %% metric_accuracy rtol=1e-6
m = keras.metrics.Accuracy()
m.update_state([1, 2, 3], [1, 2, 4])
m.result()

# %% metric_sparse_cat_acc rtol=1e-6
m = keras.metrics.SparseCategoricalAccuracy()
m.update_state([1, 0], yp)
m.result()

# %% metric_binary_acc rtol=1e-6
m = keras.metrics.BinaryAccuracy(threshold=0.5)
m.update_state([[1], [0], [1]], [[0.7], [0.6], [0.2]])
m.result()

# %% metric_auc_type
type(keras.metrics.AUC()).__name__

# %% metric_precision_recall rtol=1e-6
p, r = keras.metrics.Precision(), keras.metrics.Recall()
p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
print(float(p.result()), round(float(r.result()), 5))

# %% metric_names
print(keras.metrics.Mean(name="m").name, keras.metrics.SparseCategoricalAccuracy().name)

# %% metric_variables
len(keras.metrics.Mean().variables)

# %% sgd_step
v = tf.Variable(1.0)
opt = keras.optimizers.SGD(learning_rate=0.1)
opt.apply_gradients([(tf.constant(2.0), v)])
v.numpy()

# %% sgd_momentum_steps rtol=1e-6
v = tf.Variable(1.0)
opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
for _ in range(3):
    opt.apply_gradients([(tf.constant(1.0), v)])
v.numpy()

# %% adam_steps rtol=1e-5
v = tf.Variable([1.0, 2.0])
opt = keras.optimizers.Adam(learning_rate=0.1)
for _ in range(3):
    opt.apply_gradients([(tf.constant([1.0, -1.0]), v)])
v.numpy()

# %% rmsprop_step rtol=1e-5
v = tf.Variable(1.0)
keras.optimizers.RMSprop(0.01).apply_gradients([(tf.constant(1.0), v)])
v.numpy()

# %% adagrad_step rtol=1e-5
v = tf.Variable(1.0)
keras.optimizers.Adagrad(0.1).apply_gradients([(tf.constant(1.0), v)])
v.numpy()

# %% optimizer_iterations
v = tf.Variable(1.0)
opt = keras.optimizers.Adam()
opt.apply_gradients([(tf.constant(1.0), v)])
opt.apply_gradients([(tf.constant(1.0), v)])
int(opt.iterations)

# %% optimizer_lr_attr rtol=1e-6
opt = keras.optimizers.Adam(learning_rate=0.005)
float(opt.learning_rate)

# %% optimizer_minimize rtol=1e-6
v = tf.Variable(3.0)
keras.optimizers.SGD(0.5).minimize(lambda: v * v, [v])
v.numpy()

# %% optimizer_none_grad_skipped
a, b = tf.Variable(1.0), tf.Variable(1.0)
keras.optimizers.SGD(0.1).apply_gradients([(tf.constant(1.0), a), (None, b)])
print(a.numpy(), b.numpy())

# %% schedule_exponential rtol=1e-6
s = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
[float(s(step)) for step in (0, 10, 20)]

# %% schedule_piecewise
s = keras.optimizers.schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])
[float(s(step)) for step in (0, 6, 11)]

# %% initializer_constant
keras.initializers.Constant(3.0)(shape=(2, 2))

# %% initializer_zeros_ones
print(keras.initializers.Zeros()((2,)).numpy(), keras.initializers.Ones()((2,), dtype="int32").numpy())

# %% initializer_identity
keras.initializers.Identity()((2, 2))

# %% initializer_glorot_shape
w = keras.initializers.GlorotUniform(seed=1)((3, 4))
print(w.shape, w.dtype, bool(tf.reduce_max(tf.abs(w)) <= np.sqrt(6 / 7)))

# %% initializer_get_string
type(keras.initializers.get("he_normal")).__name__

# %% activations_fns rtol=1e-6
t = tf.constant([-1.0, 0.0, 1.0])
[keras.activations.get(n)(t).numpy().round(5).tolist() for n in ("relu", "elu", "selu", "softplus", "swish", "linear")]

# %% activation_unknown
keras.activations.get("zzz")

# %% regularizer_l2 rtol=1e-6
keras.regularizers.L2(0.1)(tf.constant([1.0, 2.0]))

# %% regularizer_in_layer_losses rtol=1e-6
layer = keras.layers.Dense(1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.l1(0.5))
layer(tf.ones([1, 3]))
[float(l) for l in layer.losses]

# %% utils_to_categorical
keras.utils.to_categorical([0, 2, 1], num_classes=3)

# %% backend_floatx_epsilon
print(keras.backend.floatx(), keras.backend.epsilon())

# %% utils_set_random_seed_runs
keras.utils.set_random_seed(1)
None

# %% clone_model_fresh_weights
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
c = keras.models.clone_model(m)
print(len(c.weights), c is not m)
