"""The module the control-flow SavedModel tests trace in tfedu and in TensorFlow alike.

`build(tf)` takes either library as `tf` (AutoGraph reads this file's source in both)."""


def build(tf):
    class Flow(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = tf.Variable(0.5)
            self.w = tf.Variable([[0.5, -0.25], [0.125, 0.75], [-0.5, 0.25]])
            self.u = tf.Variable([[0.5, 0.25], [-0.75, 0.5]])

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def branch(self, x):
            if tf.reduce_sum(x) > 0:
                y = x * 2.0
            else:
                y = -x + 1.0
            return y

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)])
        def limited(self, x, n):
            return tf.while_loop(lambda a: a < 100.0, lambda a: a * 2.0, [x],
                                 maximum_iterations=n)[0]

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
        def ramp(self, n):
            ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[2])
            for i in tf.range(n):
                f = tf.cast(i, tf.float32)
                ta = ta.write(i, tf.stack([f, f * f]))
            return ta.stack()

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
        def nested(self, n):
            acc = tf.constant(0)
            i = tf.constant(0)
            while i < n:
                if i % 2 == 0:
                    acc += i * 3
                else:
                    acc -= 1
                i += 1
            return acc

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)])
        def bump(self, x, n):
            for _ in tf.range(n):
                self.v.assign(self.v * 0.5 + x)
            return self.v.read_value()

        @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
        def rnn(self, xs):
            steps = tf.transpose(xs, [1, 0, 2])
            inputs = tf.TensorArray(tf.float32, size=tf.shape(steps)[0]).unstack(steps)
            h = tf.zeros([tf.shape(xs)[0], 2])
            for t in tf.range(tf.shape(steps)[0]):
                h = tf.tanh(tf.matmul(inputs.read(t), self.w) + tf.matmul(h, self.u))
            return h

    return Flow()
