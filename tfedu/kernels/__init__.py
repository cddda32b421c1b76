"""Numba kernels (pure functions on ndarrays) and their numpy references."""
