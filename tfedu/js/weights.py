"""TensorFlow.js weight files: one byte stream cut into equal shards, and its manifest.

Every weight is written as raw little-endian values in C order, one after another, in manifest
order; the stream is cut into shards of `shard_size` bytes (the last one shorter), named
`group1-shard{i}of{n}.bin`. TensorFlow.js finds a byte's shard as `offset // size of the first
shard`, so all shards but the last must be exactly that size.

Optional quantisation shrinks float32 weights:
- `uint8`/`uint16`: affine, `w = q * scale + min` with `min` nudged so that 0.0 is exact;
- `float16`: half precision.
"""

from __future__ import annotations

import fnmatch
import math

import numpy as np

__all__ = ["write_group", "read_group", "quantize_weight", "DEFAULT_SHARD_SIZE"]

DEFAULT_SHARD_SIZE = 4 * 1024 * 1024
_DTYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8, "uint16": np.uint16,
           "float16": np.float16, "bool": np.bool_}
_MAX_ELEMENTS = 1 << 28


def _affine(data: np.ndarray, dtype) -> tuple:
    """(quantised values, quantization entry) as tensorflowjs computes them."""
    info = np.iinfo(dtype)
    lo, hi = float(min(data.min(initial=0.0), 0.0)), float(max(data.max(initial=0.0), 0.0))
    levels = info.max - info.min
    scale = (hi - lo) / levels if hi > lo else 1.0
    zero = round(-lo / scale)
    lo = -zero * scale
    q = np.clip(np.round((data - lo) / scale), 0, levels).astype(dtype)
    return q, {"dtype": np.dtype(dtype).name, "min": lo, "scale": scale,
               "original_dtype": "float32"}


def quantize_weight(name: str, data: np.ndarray, dtype_map: dict | None) -> tuple:
    """(array to write, quantization entry or None) for one weight."""
    if not dtype_map or data.dtype != np.float32:
        return data, None
    for dtype, patterns in dtype_map.items():
        if patterns is True or patterns == "*" or any(
                fnmatch.fnmatch(name, p) for p in ([patterns] if isinstance(patterns, str)
                                                   else patterns)):
            if dtype == "float16":
                return data.astype(np.float16), {"dtype": "float16", "original_dtype": "float32"}
            if dtype in ("uint8", "uint16"):
                return _affine(data, _DTYPES[dtype])
            raise ValueError(f"Unsupported quantization dtype {dtype!r}: use uint8, uint16 or "
                             f"float16.")
    return data, None


def write_group(weights: list, shard_size: int, dtype_map: dict | None = None) -> tuple:
    """(manifest entry, [shard bytes]) for [(name, array)] in that order."""
    if shard_size <= 0:
        raise ValueError(f"weight_shard_size_bytes must be positive, got {shard_size}.")
    specs, chunks = [], []
    for name, array in weights:
        array = np.asarray(array)
        data, quant = quantize_weight(name, array.astype(np.float32) if array.dtype.kind == "f"
                                      else array.astype(np.int32), dtype_map)
        spec = {"name": name, "shape": list(array.shape),
                "dtype": "float32" if array.dtype.kind == "f" else "int32"}
        if quant:
            spec["quantization"] = quant
        specs.append(spec)
        chunks.append(np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tobytes())
    stream = b"".join(chunks)
    shards = [stream[i:i + shard_size] for i in range(0, len(stream), shard_size)] or [b""]
    n = len(shards)
    paths = [f"group1-shard{i}of{n}.bin" for i in range(1, n + 1)]
    return {"paths": paths, "weights": specs}, shards


# ------------------------------------------------------------------------------ reading


def _stored_dtype(spec: dict) -> tuple:
    quant = spec.get("quantization")
    if quant is not None:
        if not isinstance(quant, dict) or quant.get("dtype") not in ("uint8", "uint16", "float16"):
            raise ValueError(f"Weight {spec.get('name')!r} has an unknown quantization {quant!r}.")
        return np.dtype(_DTYPES[quant["dtype"]]), quant
    dtype = spec.get("dtype", "float32")
    if dtype not in ("float32", "int32", "bool"):
        raise ValueError(f"Weight {spec.get('name')!r} has unsupported dtype {dtype!r}.")
    return np.dtype(_DTYPES[dtype]), None


def _shape(spec: dict) -> tuple:
    shape = spec.get("shape")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise ValueError(f"Weight {spec.get('name')!r} has an invalid shape {shape!r}.")
    if math.prod(shape) > _MAX_ELEMENTS:  # Python ints: a huge dimension cannot overflow
        raise ValueError(f"Weight {spec.get('name')!r} is too large: shape {shape}.")
    return tuple(shape)


def _dequantize(q: np.ndarray, quant: dict | None) -> np.ndarray:
    if quant is None:
        return q
    if quant["dtype"] == "float16":
        return q.astype(np.float32)
    try:
        scale, lo = float(quant["scale"]), float(quant["min"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"A quantized weight lacks a numeric scale and min: {quant!r}") from None
    return (q.astype(np.float32) * scale + lo).astype(np.float32)


def read_group(group: dict, stream: bytes) -> dict:
    """name -> array, from one manifest group and its shards' concatenated bytes."""
    if not isinstance(group, dict) or not isinstance(group.get("weights"), list):
        raise ValueError("A weightsManifest group must be an object with a list of weights.")
    out, offset = {}, 0
    for spec in group["weights"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"A weight entry of the manifest is malformed: {str(spec)[:80]}")
        dtype, quant = _stored_dtype(spec)
        shape = _shape(spec)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if offset + nbytes > len(stream):
            raise ValueError(f"Weight {spec['name']!r} needs bytes {offset}..{offset + nbytes} "
                             f"but the weight files hold {len(stream)} bytes.")
        q = np.frombuffer(stream, dtype.newbyteorder("<"), nbytes // dtype.itemsize, offset)
        out[spec["name"]] = _dequantize(q.astype(dtype).reshape(shape), quant)
        offset += nbytes
    return out
