"""A worker of the multi-worker tests: the same script in every process (own TF_CONFIG).

    python mw_train.py OUT_DIR MODE [EPOCHS]

MODE `loop` trains with a custom loop (strategy.run in a tf.function), `fit` with Keras fit and
BackupAndRestore in OUT_DIR/backup. Worker 0 writes the final weights to OUT_DIR/weights.npz.
With TFEDU_DIE_AT_EPOCH=k, worker 1 kills itself at the start of epoch k.
"""

import os
import sys

import numpy as np

import tfedu as tf

out_dir, mode = sys.argv[1], sys.argv[2]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
strategy = tf.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id or 0
rng = np.random.default_rng(0)
X = rng.normal(size=(128, 6)).astype("float32")
Y = (X @ rng.normal(size=(6, 1)) + 0.1).astype("float32")
GLOBAL = 32


def model_fn():
    tf.keras.utils.set_random_seed(rank)  # different per worker: the chief's values win
    m = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(8, activation="relu"),
                             tf.keras.layers.Dense(1)])
    m.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    return m


with strategy.scope():
    model = model_fn()

if mode == "loop":
    opt = model.optimizer
    data = tf.data.Dataset.from_tensor_slices((X, Y)).batch(GLOBAL)
    dist = strategy.experimental_distribute_dataset(data)

    def step(inputs):
        x, y = inputs
        with tf.GradientTape() as tape:
            per_example = tf.reduce_sum(tf.square(model(x, training=True) - y), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def train_step(inputs):
        return strategy.reduce("SUM", strategy.run(step, args=(inputs,)), axis=None)

    for _ in range(epochs):
        losses = [float(train_step(b)) for b in dist]
    print(f"worker {rank} loss {losses[-1]:.6f}", flush=True)
else:
    class Die(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if rank == 1 and epoch == int(os.environ.get("TFEDU_DIE_AT_EPOCH", "-1")):
                os._exit(17)

    backup = tf.keras.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"))
    hist = model.fit(X, Y, batch_size=GLOBAL, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=[backup, Die()])
    print(f"worker {rank} epochs {hist.epoch}", flush=True)

if rank == 0:
    np.savez(os.path.join(out_dir, "weights.npz"), *[w.numpy() for w in model.weights])
