"""`tf.train` pieces shared by TF 1.x code: v1 optimizers, `Saver`, the global step.

TF 2's `tf.train` does not expose the v1 optimizers; `tf.compat.v1.train` does.
"""
