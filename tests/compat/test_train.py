"""tf.compat.v1.train: optimizer update rules, slots, global step, Saver."""

import os

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1

OPTIMIZERS = [
    ("GD", lambda: tf1.train.GradientDescentOptimizer(0.1), [0.95, 0.9]),
    ("Momentum", lambda: tf1.train.MomentumOptimizer(0.1, 0.9), [0.95, 0.855]),
    ("Nesterov", lambda: tf1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
     [0.905, 0.7695]),
    ("Adam", lambda: tf1.train.AdamOptimizer(), [0.999, 0.998]),
    ("RMSProp", lambda: tf1.train.RMSPropOptimizer(0.001), [0.99948, 0.99894]),
    ("Adagrad", lambda: tf1.train.AdagradOptimizer(0.1), [0.91548, 0.85093]),
    ("Adadelta", lambda: tf1.train.AdadeltaOptimizer(1.0), [0.99955, 0.9991]),
    ("Ftrl", lambda: tf1.train.FtrlOptimizer(0.1), [0.38096, 0.31641]),
    ("ProximalGD", lambda: tf1.train.ProximalGradientDescentOptimizer(0.1, 0.1, 0.1),
     [0.93069, 0.86207]),
    ("ProximalAdagrad", lambda: tf1.train.ProximalAdagradOptimizer(0.1), [0.91548, 0.85093]),
]


@pytest.mark.parametrize("make, want", [o[1:] for o in OPTIMIZERS], ids=[o[0] for o in OPTIMIZERS])
def test_update_rules_in_a_graph(make, want):
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(1.0)
        step = make().minimize(0.5 * w)  # gradient 0.5
        init = tf1.global_variables_initializer()
    with tf1.Session(graph=g) as s:
        s.run(init)
        vals = []
        for _ in range(2):
            s.run(step)
            vals.append(round(float(s.run(w)), 5))
    assert vals == want


@pytest.mark.parametrize("make, want", [o[1:] for o in OPTIMIZERS], ids=[o[0] for o in OPTIMIZERS])
def test_update_rules_eagerly(make, want):
    w = tf.Variable(1.0)
    opt = make()
    vals = []
    for _ in range(2):
        opt.minimize(lambda: 0.5 * w, var_list=[w])
        vals.append(round(float(w.numpy()), 5))
    assert vals == want


def test_adam_slots_and_names():
    g = tf.Graph()
    with g.as_default():
        W = tf.Variable([1.0, 2.0], name="W")
        opt = tf1.train.AdamOptimizer(0.1)
        train = opt.minimize(tf.reduce_sum(W * W))
    assert train.name == "Adam"
    names = [v.name for v in g.get_collection("variables")]
    assert names == ["W:0", "beta1_power:0", "beta2_power:0", "W/Adam:0", "W/Adam_1:0"]
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(W, "m").name == "W/Adam:0"
    assert g.get_collection("train_op") == [train]
    assert any(op.type == "ResourceApplyAdam" and op.name.startswith("Adam/update_W/")
               for op in g.get_operations())


def test_compute_apply_gradients_with_global_step():
    g = tf.Graph()
    with g.as_default():
        gs = tf1.train.get_or_create_global_step()
        assert tf1.train.get_or_create_global_step() is gs
        w = tf.Variable(2.0)
        opt = tf1.train.GradientDescentOptimizer(0.25)
        gv = opt.compute_gradients(tf.square(w))
        train = opt.apply_gradients(gv, global_step=gs)
        init = tf1.global_variables_initializer()
    assert repr(gs) == "<tf.Variable 'global_step:0' shape=() dtype=int64>"
    assert len(gv) == 1 and gv[0][1] is w
    assert sorted(g.get_all_collection_keys()) == ["global_step", "train_op",
                                                   "trainable_variables", "variables"]
    with tf1.Session(graph=g) as s:
        s.run(init)
        for _ in range(3):
            assert s.run(train) is None
        assert s.run(gs) == 3 and s.run(w) == 0.25
        assert tf1.train.global_step(s, gs) == 3


def test_minimize_without_gradients_explains():
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.0)
        with pytest.raises(ValueError, match="No gradients provided for any variable"):
            tf1.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2.0)
    with tf.Graph().as_default(), pytest.raises(ValueError, match="No variables to optimize"):
        tf1.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2.0)


def test_saver_round_trip(tmp_path):
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[1.0, 2.0]], name="w")
        b = tf.Variable(3, name="b")
        saver = tf1.train.Saver()
        set_w = w.assign([[9.0, 9.0]])
    prefix = str(tmp_path / "model.ckpt")
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        path = saver.save(s, prefix, global_step=7)
        assert path == prefix + "-7"
        s.run(set_w)
    assert os.path.exists(path + ".index") and os.path.exists(path + ".data-00000-of-00001")
    from tensorboard.compat.proto import meta_graph_pb2

    with open(path + ".meta", "rb") as f:
        meta = meta_graph_pb2.MetaGraphDef.FromString(f.read())
    assert "w/Assign" in [n.name for n in meta.graph_def.node]
    assert meta.saver_def.restore_op_name == "save/restore_all"
    assert tf1.train.latest_checkpoint(str(tmp_path)) == path
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp")]
    with tf1.Session(graph=g) as s2:
        saver.restore(s2, path)
        np.testing.assert_allclose(s2.run(w), [[1.0, 2.0]])
        assert s2.run(b) == 3
    with tf1.Session(graph=g) as s3, pytest.raises(ValueError, match="not a valid checkpoint"):
        saver.restore(s3, str(tmp_path / "missing"))


def test_saver_keeps_max_to_keep(tmp_path):
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.0, name="v")
        saver = tf1.train.Saver(max_to_keep=2)
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        for step in range(4):
            saver.save(s, str(tmp_path / "m"), global_step=step)
    index_files = sorted(f for f in os.listdir(tmp_path) if f.endswith(".index"))
    assert index_files == ["m-2.index", "m-3.index"]


def test_learning_rate_schedules_follow_the_global_step():
    g = tf.Graph()
    with g.as_default():
        gs = tf1.train.get_or_create_global_step()
        exp = tf1.train.exponential_decay(0.1, gs, 2, 0.5, staircase=True)
        smooth = tf1.train.exponential_decay(0.1, gs, 2, 0.5)
        pc = tf1.train.piecewise_constant(gs, [1, 3], [1.0, 0.5, 0.1])
        poly = tf1.train.polynomial_decay(0.1, gs, 4, end_learning_rate=0.0)
        inv = tf1.train.inverse_time_decay(1.0, gs, 1, 1.0)
        nat = tf1.train.natural_exp_decay(1.0, gs, 1, 1.0)
        w = tf.Variable(1.0)
        train = tf1.train.GradientDescentOptimizer(exp).minimize(0.5 * w, global_step=gs)
    rows = []
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        for _ in range(4):
            rows.append(s.run([exp, smooth, pc, poly, inv, nat]))
            s.run(train)
        w_final = s.run(w)
    np.testing.assert_allclose([r[0] for r in rows], [0.1, 0.1, 0.05, 0.05])
    np.testing.assert_allclose([r[1] for r in rows], 0.1 * 0.5 ** (np.arange(4) / 2), rtol=1e-6)
    np.testing.assert_allclose([r[2] for r in rows], [1.0, 1.0, 0.5, 0.5])
    np.testing.assert_allclose([r[3] for r in rows], [0.1, 0.075, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose([r[4] for r in rows], 1.0 / (1.0 + np.arange(4)), rtol=1e-6)
    np.testing.assert_allclose([r[5] for r in rows], np.exp(-np.arange(4)), rtol=1e-6)
    assert w_final == pytest.approx(1.0 - 0.5 * (0.1 + 0.1 + 0.05 + 0.05))


def test_adagrad_da_and_sync_replicas():
    g = tf.Graph()
    with g.as_default():
        gs = tf1.train.get_or_create_global_step()
        w = tf.Variable(1.0)
        step = tf1.train.AdagradDAOptimizer(0.1, gs).minimize(0.5 * w, global_step=gs)
        w2 = tf.Variable(1.0)
        sync = tf1.train.SyncReplicasOptimizer(tf1.train.GradientDescentOptimizer(0.1), 1)
        step2 = sync.minimize(0.5 * w2)
    got = []
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        for _ in range(2):
            s.run([step, step2])
            got.append([round(float(v), 5) for v in s.run([w, w2])])
    # dual averaging: w_t = -lr * sum(g) / sqrt(0.1 + sum(g^2))
    assert got == [[-0.08452, 0.95], [-0.1291, 0.9]]
    ev = tf.Variable(1.0)
    egs = tf.Variable(0, dtype=tf.int64)
    opt = tf1.train.AdagradDAOptimizer(0.1, egs)
    for _ in range(2):
        opt.minimize(lambda: 0.5 * ev, var_list=[ev], global_step=egs)
    assert round(float(ev.numpy()), 5) == -0.1291 and int(egs.numpy()) == 2
