"""The side environment is what the interop tests believe it is: TF 2.21, Keras 3, LiteRT,
TF Serving's client, TensorBoard and tfjs 4.22 under Node."""


def test_tensorflow_and_tools_import(tf_side):
    got = tf_side.run_tf_json("""
        import json, tensorflow as tf, keras, tensorboard
        from ai_edge_litert.interpreter import Interpreter
        from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
        print(json.dumps([tf.__version__, keras.__version__, tensorboard.__version__,
                          float(tf.reduce_sum(tf.constant([1.0, 2.0])))]))
    """)
    assert got[0] == "2.21.0"
    assert got[1].startswith("3.")
    assert got[3] == 3.0


def test_tfjs_runs_under_node(tfjs_side):
    out = tfjs_side.run_node("""
        const tf = require('@tensorflow/tfjs');
        console.log(JSON.stringify([tf.version.tfjs, tf.tensor([1, 2]).add(1).arraySync()]));
    """).stdout.strip().splitlines()[-1]
    assert out == '["4.22.0",[2,3]]'
