"""The Keras engine: `Layer`, `Model` (`fit`/`evaluate`/`predict`), functional graphs, KerasTensor."""
