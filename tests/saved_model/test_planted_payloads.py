"""Loading executes nothing from files: payloads planted in every file of both formats stay
inert data.

A payload is a pickle that would run `os.system("touch <marker>")` when unpickled, and the same
as Python source for eval/exec. They are planted in every file a checkpoint or a SavedModel
has: string tensors, tensor names, object-graph names and metadata, node names and attrs,
signature and collection entries, the `checkpoint` state file, the fingerprint, an asset, and
bytes appended after the data. Then every reader runs (restore, load_checkpoint, list_variables,
the SavedModel loaders and CLI, import_meta_graph): the marker never appears, and no pickle,
marshal, eval or exec call ever sees a payload."""

import builtins
import marshal
import pickle

import numpy as np
import pytest
from tensorboard.compat.proto import attr_value_pb2, meta_graph_pb2

import tfedu as tf
from tfedu.protos.saved_model import SavedModel
from tfedu.train.tensor_bundle import BundleReader, BundleWriter

tf1 = tf.compat.v1


@pytest.fixture
def payload(tmp_path, monkeypatch):
    marker = tmp_path / "PWNED"
    code = f"__import__('os').system('touch {marker}')"
    pickled = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    seen = []

    def guard(name, real):
        def wrapped(arg, *a, **k):
            text = arg if isinstance(arg, (bytes, str)) else repr(arg)
            text = text.encode() if isinstance(text, str) else text
            if b"PWNED" in text:
                seen.append(name)
                raise AssertionError(f"{name} was called on a payload")
            return real(arg, *a, **k)
        return wrapped

    for mod, name in ((pickle, "loads"), (marshal, "loads"), (builtins, "eval"),
                      (builtins, "exec")):
        monkeypatch.setattr(mod, name, guard(name, getattr(mod, name)))
    yield {"marker": marker, "code": code, "pickled": pickled, "blob": pickled + code.encode()}
    assert not marker.exists() and not seen


class Holder(tf.Module):
    def __init__(self):
        super().__init__()
        self.words = tf.Variable(["a", "b"])
        self.w = tf.Variable([1.0, 2.0])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return x * self.w[0]


def _rewrite_bundle(prefix, blob):
    """Every string tensor becomes the payload, a payload-named tensor is added, and the data
    file gets the payload appended after the last tensor."""
    r = BundleReader(prefix)
    w = BundleWriter(prefix)
    for key in r.keys():
        value = r.get(key)
        if value.dtype == object and key != "_CHECKPOINTABLE_OBJECT_GRAPH":
            value = np.full(value.shape, blob, dtype=object)
        w.add(key, value, r.dtype(key))
    w.add(blob.decode("latin-1"), np.array([blob], dtype=object))
    w.finish()
    with open(prefix + ".data-00000-of-00001", "ab") as f:
        f.write(blob)


def _plant_checkpoint(d, p):
    ckpt = tf.train.Checkpoint(model=Holder())
    path = ckpt.save(str(d / "ckpt"))
    _rewrite_bundle(path, p["blob"])
    with open(d / "checkpoint", "a") as f:
        f.write(f'all_model_checkpoint_paths: "{p["code"]}"\n')
    return path


def _plant_proto_strings(mg, blob):
    mg.meta_info_def.tensorflow_version = blob.decode("latin-1")
    mg.meta_info_def.any_info.type_url = "type.googleapis.com/" + blob.decode("latin-1")
    mg.meta_info_def.any_info.value = blob
    mg.collection_def["payload"].bytes_list.value.append(blob)
    for node in mg.graph_def.node:
        node.attr["_payload"].CopyFrom(attr_value_pb2.AttrValue(s=blob))
    for fdef in mg.graph_def.library.function:
        for node in fdef.node_def:
            node.attr["_payload"].CopyFrom(attr_value_pb2.AttrValue(s=blob))
    for sig in mg.signature_def.values():
        sig.method_name = sig.method_name or blob.decode("latin-1")


def _plant_saved_model(d, p):
    sm_dir = d / "sm"
    tf.saved_model.save(Holder(), str(sm_dir))
    sm = SavedModel.FromString((sm_dir / "saved_model.pb").read_bytes())
    mg = sm.meta_graphs[0]
    _plant_proto_strings(mg, p["blob"])
    for node in mg.object_graph_def.nodes:
        if node.HasField("user_object"):
            node.user_object.metadata = p["code"]
            node.user_object.identifier = "os.system"
            node.serialized_user_proto.value = p["pickled"]
    (sm_dir / "saved_model.pb").write_bytes(sm.SerializeToString())
    (sm_dir / "fingerprint.pb").write_bytes(p["pickled"])
    (sm_dir / "assets" / "__init__.py").write_text(p["code"])
    _rewrite_bundle(str(sm_dir / "variables" / "variables"), p["blob"])
    return sm_dir


def _plant_saver(d, p):
    g = tf.Graph()
    with g.as_default():
        tf.Variable(["x"], name="words")
        saver = tf1.train.Saver()
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            path = saver.save(sess, str(d / "v1" / "model.ckpt"))
    mg = meta_graph_pb2.MetaGraphDef.FromString(open(path + ".meta", "rb").read())
    _plant_proto_strings(mg, p["blob"])
    open(path + ".meta", "wb").write(mg.SerializeToString())
    _rewrite_bundle(path, p["blob"])
    return path


def test_payloads_in_checkpoints_stay_data(tmp_path, payload):
    path = _plant_checkpoint(tmp_path, payload)
    model = Holder()
    tf.train.Checkpoint(model=model).restore(tf.train.latest_checkpoint(str(tmp_path)))
    assert model.words.numpy().tolist() == [payload["blob"]] * 2
    reader = tf.train.load_checkpoint(path)
    for name in reader.get_variable_to_shape_map():
        reader.get_tensor(name)
    assert len(tf.train.list_variables(path)) == 5
    assert tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths[-1].endswith(
        payload["code"])


def test_payloads_in_saved_models_stay_data(tmp_path, payload):
    from tfedu.saved_model.cli import show

    sm_dir = _plant_saved_model(tmp_path, payload)
    loaded = tf.saved_model.load(str(sm_dir))
    assert loaded(tf.constant([3.0])).numpy().tolist() == [3.0]
    assert loaded.words.numpy().tolist() == [payload["blob"]] * 2
    assert "Concrete Functions" in show(str(sm_dir), all_=True)
    with tf1.Session(graph=tf.Graph()) as sess:
        mg = tf1.saved_model.load(sess, ["serve"], str(sm_dir))
        sig = mg.signature_def["serving_default"]
        assert sess.run(sig.outputs["output_0"].name, {sig.inputs["x"].name: [2.0]}) == [2.0]


def test_payloads_in_v1_saver_files_stay_data(tmp_path, payload):
    path = _plant_saver(tmp_path, payload)
    g = tf.Graph()
    with g.as_default():
        saver = tf1.train.import_meta_graph(path + ".meta")
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, path)
            words = [v for v in tf1.global_variables() if v.name == "words:0"][0]
            assert sess.run(words).tolist() == [payload["blob"]]
