# TF1 graphs and sessions through tf.compat.v1 (graph built under tf.Graph().as_default()).
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1

# %% session_run_constant
g = tf.Graph()
with g.as_default():
    c = tf.constant(3.0) * 2
    with tf1.Session() as sess:
        print(sess.run(c))

# %% symbolic_tensor_print
g = tf.Graph()
with g.as_default():
    a = tf.constant([1, 2], name="a")
    b = tf.add(a, 1, name="b")
    print(a)
    print(b)

# %% placeholder_feed
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, shape=[None, 2], name="x")
    y = tf.reduce_sum(x, axis=1)
    with tf1.Session() as sess:
        print(sess.run(y, feed_dict={x: [[1, 2], [3, 4]]}))

# %% placeholder_not_fed
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, shape=[2], name="x")
    y = x * 2
    with tf1.Session() as sess:
        sess.run(y)

# %% placeholder_wrong_shape_feed
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, shape=[2])
    with tf1.Session() as sess:
        sess.run(x * 2, feed_dict={x: [1.0, 2.0, 3.0]})

# %% variable_uninitialized
g = tf.Graph()
with g.as_default():
    v = tf1.Variable(1.0, name="v")
    with tf1.Session() as sess:
        sess.run(v)

# %% variable_initializer
g = tf.Graph()
with g.as_default():
    v = tf1.Variable([1.0, 2.0], name="v")
    inc = v.assign_add([1.0, 1.0])
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(inc)
        print(sess.run(v))

# %% get_variable
g = tf.Graph()
with g.as_default():
    with tf1.variable_scope("layer"):
        w = tf1.get_variable("w", shape=[2], initializer=tf1.zeros_initializer())
    print(w.name, w.shape)

# %% get_variable_reuse_error
g = tf.Graph()
with g.as_default():
    with tf1.variable_scope("s"):
        tf1.get_variable("w", shape=[1])
    with tf1.variable_scope("s"):
        tf1.get_variable("w", shape=[1])

# %% get_variable_reuse_ok
g = tf.Graph()
with g.as_default():
    with tf1.variable_scope("s"):
        a = tf1.get_variable("w", shape=[1])
    with tf1.variable_scope("s", reuse=True):
        b = tf1.get_variable("w")
    print(a is b, a.name)

# %% name_scopes
g = tf.Graph()
with g.as_default():
    with tf1.name_scope("outer"):
        with tf1.name_scope("inner"):
            c = tf.constant(1, name="c")
        d = tf.constant(2, name="c")
    print(c.name, d.name, c.op.name)

# %% unique_op_names
g = tf.Graph()
with g.as_default():
    names = [tf.constant(i, name="k").name for i in range(3)]
    print(names)

# %% fetch_list_and_dict
g = tf.Graph()
with g.as_default():
    a, b = tf.constant(1), tf.constant(2)
    with tf1.Session() as sess:
        print(sess.run([a, b]), sess.run({"x": a, "y": (a, b)}))

# %% fetch_op_returns_none
g = tf.Graph()
with g.as_default():
    v = tf1.Variable(0)
    op = v.assign(5).op
    with tf1.Session() as sess:
        sess.run(v.initializer)
        print(sess.run(op), sess.run(v))

# %% gradients_v1
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [])
    y = x * x * 3
    dy = tf1.gradients(y, x)
    with tf1.Session() as sess:
        print(sess.run(dy, {x: 2.0}))

# %% gradients_none_unconnected
g = tf.Graph()
with g.as_default():
    x = tf.constant(1.0)
    z = tf.constant(2.0)
    print(tf1.gradients(x * 2, z))

# %% optimizer_gd_minimize
g = tf.Graph()
with g.as_default():
    w = tf1.Variable(5.0)
    loss = tf.square(w - 2.0)
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(50):
            sess.run(train)
        print(round(float(sess.run(w)), 4))

# %% graph_collections
g = tf.Graph()
with g.as_default():
    a = tf1.Variable(1.0, name="a")
    b = tf1.Variable(2.0, name="b", trainable=False)
    print([v.name for v in tf1.global_variables()], [v.name for v in tf1.trainable_variables()])

# %% graph_get_tensor_by_name
g = tf.Graph()
with g.as_default():
    tf.constant(5, name="five")
print(g.get_tensor_by_name("five:0"), g.get_operation_by_name("five").type)

# %% graph_get_tensor_missing
g = tf.Graph()
g.get_tensor_by_name("nothing:0")

# %% tensor_from_other_graph
g1, g2 = tf.Graph(), tf.Graph()
with g1.as_default():
    a = tf.constant(1)
with g2.as_default():
    b = tf.constant(2)
    a + b

# %% session_run_other_graph
g1 = tf.Graph()
with g1.as_default():
    a = tf.constant(1)
with tf1.Session(graph=tf.Graph()) as sess:
    sess.run(a)

# %% closed_session
g = tf.Graph()
with g.as_default():
    a = tf.constant(1)
    sess = tf1.Session()
    sess.close()
    sess.run(a)

# %% graph_finalize
g = tf.Graph()
g.finalize()
with g.as_default():
    tf.constant(1)

# %% static_shape_inference
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 3])
    y = tf.matmul(x, tf.ones([3, 4]))
    print(y.shape, tf.reduce_sum(y, 1).shape)

# %% static_shape_error_at_build
g = tf.Graph()
with g.as_default():
    tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))

# %% add_shape_error_at_build
g = tf.Graph()
with g.as_default():
    tf.ones([2]) + tf.ones([3])

# %% runtime_error_in_session
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.int32, [None])
    y = tf.gather(tf.constant([1, 2]), x)
    with tf1.Session() as sess:
        sess.run(y, {x: [5]})

# %% interactive_session_eval
g = tf.Graph()
with g.as_default():
    sess = tf1.InteractiveSession()
    print(tf.constant(4).eval(), (tf.constant(2) * 3).eval())
    sess.close()

# %% eval_without_session
g = tf.Graph()
with g.as_default():
    tf.constant(1).eval()

# %% control_dependencies
g = tf.Graph()
with g.as_default():
    v = tf1.Variable(0)
    with tf.control_dependencies([v.assign_add(1)]):
        r = tf.identity(v.read_value())
    with tf1.Session() as sess:
        sess.run(v.initializer)
        print(sess.run(r), sess.run(r))

# %% tf1_cond_and_while
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.int32, [])
    c = tf.cond(x > 0, lambda: x * 10, lambda: x - 1)
    w = tf.while_loop(lambda i: i < 10, lambda i: i * 2, [x])
    with tf1.Session() as sess:
        print(sess.run([c, w], {x: 3}), sess.run(c, {x: -3}))

# %% executing_eagerly_inside_graph
g = tf.Graph()
with g.as_default():
    print(tf.executing_eagerly())
print(tf.executing_eagerly())

# %% numpy_on_symbolic_error
g = tf.Graph()
with g.as_default():
    tf.constant(1).numpy()

# %% placeholder_eager_error
tf1.placeholder(tf.float32, [1])

# %% session_eager_graph_run_from_eager_tensor
with tf1.Session() as sess:
    sess.run(tf.constant(1))

# %% as_graph_def_nodes
g = tf.Graph()
with g.as_default():
    tf.add(tf.constant(1, name="a"), tf.constant(2, name="b"), name="sum")
[n.name + ":" + n.op for n in g.as_graph_def().node]

# %% operation_inputs_outputs
g = tf.Graph()
with g.as_default():
    s = tf.add(tf.constant(1, name="a"), tf.constant(2, name="b"), name="sum")
print([t.name for t in s.op.inputs], [t.name for t in s.op.outputs], s.op.type, s.op.node_def.name)

# %% feed_non_placeholder
g = tf.Graph()
with g.as_default():
    a = tf.constant(1)
    b = a * 2
    with tf1.Session() as sess:
        print(sess.run(b, {a: 10}))

# %% train_saver_like_global_step
g = tf.Graph()
with g.as_default():
    step = tf1.train.get_or_create_global_step()
    print(step.name, step.dtype)

# %% initializers_v1
g = tf.Graph()
with g.as_default():
    w = tf1.get_variable("w", [2, 2], initializer=tf1.constant_initializer(3.0))
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        print(sess.run(w))

# %% random_normal_v1_shape
g = tf.Graph()
with g.as_default():
    r = tf1.random_normal([2, 3], seed=1)
    print(r.shape, r.dtype)

# %% reduce_sum_v1_keep_dims
g = tf.Graph()
with g.as_default():
    r = tf1.reduce_sum(tf.ones([2, 3]), axis=1, keep_dims=True)
    with tf1.Session() as sess:
        print(sess.run(r))

# %% adam_v1
g = tf.Graph()
with g.as_default():
    w = tf1.Variable(1.0)
    train = tf1.train.AdamOptimizer(0.1).minimize(tf.square(w))
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        print(round(float(sess.run(w)), 4), sorted(v.name for v in tf1.global_variables()))

# %% layers_dense_v1_shape
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 4])
    w = tf1.get_variable("w", [4, 2])
    y = tf.nn.relu(tf.matmul(x, w))
    print(y.shape, y.name)

# %% disable_v2_behavior_absent_flags
print(tf1.executing_eagerly_outside_functions() in (True, False))

# %% graph_is_default_inside
g = tf.Graph()
with g.as_default():
    print(tf1.get_default_graph() is g)
print(tf1.get_default_graph() is g)
