"""GraphDef text form and the JSON-safe graph description."""

import json

import tfedu as tf

tf1 = tf.compat.v1


def _graph():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(2.0)
        b = tf.constant(3.0)
        c = a + b
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        with tf.name_scope("layer"):
            y = tf.reduce_sum(x, axis=1)
        with tf.control_dependencies([c]):
            z = tf.identity(y, name="z")
    return g, c, z


def test_graph_def_nodes_and_attrs():
    g, c, z = _graph()
    gd = g.as_graph_def()
    assert [n.name for n in gd.node][:3] == ["Const", "Const_1", "add"]
    node = gd.node[2]
    assert (node.name, node.op, list(node.input)) == ("add", "AddV2", ["Const", "Const_1"])
    assert node.attr["T"].type == tf.float32.as_datatype_enum
    assert gd.node[0].attr["dtype"].type == tf.float32.as_datatype_enum
    assert list(z.op.node_def.input) == ["layer/Sum", "^add"]


def test_node_text_matches_tf_protobuf_form():
    g, c, z = _graph()
    assert str(c.op) == ('name: "add"\nop: "AddV2"\ninput: "Const"\ninput: "Const_1"\n'
                         'attr {\n  key: "T"\n  value {\n    type: DT_FLOAT\n  }\n}\n')
    text = str(g.as_graph_def())
    assert text.startswith('node {\n  name: "Const"\n  op: "Const"\n')
    assert "float_val: 2" in text and "dim {\n" in text and "size: -1" in text
    assert text.rstrip().endswith("versions {\n  producer: 1882\n}")


def test_graph_to_dict_is_json_safe():
    g, c, z = _graph()
    data = g.as_json()
    json.dumps(data)
    ops = {o["name"]: o for o in data["ops"]}
    assert ops["add"]["inputs"] == ["Const:0", "Const_1:0"]
    assert ops["add"]["outputs"] == [{"shape": [], "dtype": "float32"}]
    assert ops["x"]["attrs"] == {"dtype": "float32", "shape": [None, 3]}
    assert ops["layer/Sum"]["name_scope"] == "layer"
    assert ops["z"]["control_inputs"] == ["add"]
    assert ops["Const"]["attrs"]["value"] == {"shape": [], "values": 2.0}
    assert ops["add"]["source"]["file"].endswith("test_serialize.py")
    from tfedu.graph.serialize import graph_to_dict

    assert graph_to_dict(g) == data
