"""`tf.keras.estimator`: turn a compiled Keras model into a `tf.estimator.Estimator`."""

from __future__ import annotations

__all__ = ["model_to_estimator"]


def model_to_estimator(keras_model=None, keras_model_path=None, custom_objects=None,
                       model_dir=None, config=None, checkpoint_format="saver",
                       metric_names_map=None, export_outputs=None):
    """An Estimator that trains, evaluates and predicts with `keras_model`."""
    from tfedu.estimator.keras import model_to_estimator as convert

    return convert(keras_model, keras_model_path, custom_objects, model_dir, config)
