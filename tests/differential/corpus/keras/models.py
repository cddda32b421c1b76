# Keras models: Sequential/functional/subclassed, summary, compile/fit/evaluate/predict.
import numpy as np
import tensorflow as tf
from tensorflow import keras

X = np.linspace(-1, 1, 16, dtype=np.float32).reshape(8, 2)
Y = (X[:, :1] * 2 - X[:, 1:]).astype(np.float32)

# %% sequential_summary
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
m.summary()

# %% functional_summary
inp = keras.Input((4,), name="x")
h = keras.layers.Dense(2, name="hidden")(inp)
out = keras.layers.Dense(1, name="out")(h)
keras.Model(inp, out, name="net").summary()

# %% sequential_unbuilt_weights
m = keras.Sequential([keras.layers.Dense(3)])
print(m.built, len(m.weights))

# %% sequential_build_then_count
m = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
m.build((None, 4))
m.count_params()

# %% predict_shape
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
m.predict(X, verbose=0).shape

# %% call_model_deterministic
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")])
m(X[:2])

# %% fit_history_keys
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
h = m.fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False)
print(sorted(h.history), len(h.history["loss"]), h.epoch)

# %% fit_loss_values rtol=1e-4
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
h = m.fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False)
h.history["loss"]

# %% evaluate_returns rtol=1e-5
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
m.compile(loss="mse", metrics=["mae"])
m.evaluate(X, Y, verbose=0)

# %% evaluate_return_dict rtol=1e-5
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
m.compile(loss="mse", metrics=["mae"])
m.evaluate(X, Y, verbose=0, return_dict=True)

# %% fit_without_compile
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m.fit(X, Y, verbose=0)

# %% fit_adam_values rtol=1e-4
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mae")
m.fit(X, Y, epochs=2, batch_size=4, verbose=0, shuffle=False).history["loss"]

# %% fit_dataset rtol=1e-4
ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer="sgd", loss="mse")
m.fit(ds, epochs=2, verbose=0).history["loss"]

# %% classification_accuracy rtol=1e-5
Xc = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], np.float32)
yc = np.array([0, 1, 1, 0])
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="ones")])
m.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
m.evaluate(Xc, yc, verbose=0)

# %% model_layers_and_names
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(1, name="b")])
print([l.name for l in m.layers], m.get_layer("b").units, m.output_shape if hasattr(m, "output_shape") else None)

# %% get_layer_missing
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a")])
m.get_layer("zzz")

# %% subclassed_model
class M(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(1, kernel_initializer="ones")
    def call(self, x):
        return self.d(x) * 2
m = M()
print(m(tf.ones([1, 3])).numpy(), len(m.trainable_variables))

# %% functional_multi_output
inp = keras.Input((2,))
a = keras.layers.Dense(1, name="a")(inp)
b = keras.layers.Dense(3, name="b")(inp)
m = keras.Model(inp, [a, b])
[o.shape for o in m(tf.ones([4, 2]))]

# %% functional_dict_inputs
i1, i2 = keras.Input((1,), name="p"), keras.Input((1,), name="q")
m = keras.Model({"p": i1, "q": i2}, keras.layers.Add()([i1, i2]))
m({"p": tf.ones([2, 1]), "q": tf.ones([2, 1])})

# %% input_shape_mismatch_warning_error
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m(tf.ones([1, 3]))

# %% model_trainable_weights_counts
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
print(len(m.weights), len(m.trainable_weights), len(m.non_trainable_weights))

# %% predict_on_batch rtol=1e-6
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
m.predict_on_batch(X[:2])

# %% train_on_batch rtol=1e-5
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
m.train_on_batch(X, Y)

# %% callback_early_stopping
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
h = m.fit(X, Y, epochs=10, verbose=0, callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=2)])
len(h.history["loss"])

# %% custom_callback_epochs
class CB(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print("epoch", epoch, sorted(logs))
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m.compile(loss="mse", metrics=["mae"])
m.fit(X, Y, epochs=2, verbose=0, callbacks=[CB()])
None

# %% validation_split_keys
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m.compile(loss="mse")
sorted(m.fit(X, Y, epochs=1, verbose=0, validation_split=0.25).history)

# %% compile_unknown_loss
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m.compile(loss="not_a_loss")
m.fit(X, Y, verbose=0)

# %% compile_unknown_optimizer
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
m.compile(optimizer="nope", loss="mse")

# %% model_to_json_class
m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
import json
json.loads(m.to_json())["class_name"]

# %% sequential_add_pop
m = keras.Sequential()
m.add(keras.Input((3,)))
m.add(keras.layers.Dense(2))
m.add(keras.layers.Dense(1))
m.pop()
[l.name for l in m.layers]

# %% model_summary_nested_params
m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(8), keras.layers.Dropout(0.1), keras.layers.Dense(2, activation="softmax")], name="clf")
m.summary()
