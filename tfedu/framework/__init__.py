"""The engine's core: dtypes, shapes, tensors, graphs, the op registry and `execute`."""
