"""`tf.signal`: discrete Fourier transforms (`fft`, `rfft`, their inverses, 1-D and 2-D) and
the short-time Fourier transform `stft`, computed with numpy's FFT on values known now."""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import constant
from tfedu.ops.op_helpers import as_numpy, export


def _fft(fn, real_out=None, n_axes=1):
    """`tf.signal.<name>`: numpy's `fn` over the last `n_axes` axes."""

    def op(input_tensor, fft_length=None, name=None):
        x = as_numpy(input_tensor)
        axes = tuple(range(-n_axes, 0))
        kw = {} if fft_length is None else {"s": [int(v) for v in np.atleast_1d(fft_length)]}
        y = fn(x, axes=axes, **kw)
        if real_out is not None:
            return constant(y.astype(real_out))
        return constant(y.astype(np.complex64 if x.dtype in (np.float32, np.complex64)
                                       else np.complex128))
    kind = {"fftn": "Discrete Fourier transform", "ifftn": "Inverse discrete Fourier transform",
            "rfftn": "Discrete Fourier transform of a real signal (non-negative frequencies)",
            "irfftn": "Inverse of `rfft`: a real signal from its non-negative frequencies"}
    op.__doc__ = f"{kind[fn.__name__]}, over the last {n_axes} axis/axes."
    return op


for _n, _f, _r, _k in (("fft", np.fft.fftn, None, 1), ("ifft", np.fft.ifftn, None, 1),
                       ("fft2d", np.fft.fftn, None, 2), ("ifft2d", np.fft.ifftn, None, 2),
                       ("rfft", np.fft.rfftn, None, 1), ("rfft2d", np.fft.rfftn, None, 2),
                       ("irfft", np.fft.irfftn, np.float32, 1),
                       ("irfft2d", np.fft.irfftn, np.float32, 2)):
    export(f"signal.{_n}")(_fft(_f, _r, _k))


@export("signal.stft")
def stft(signals, frame_length, frame_step, fft_length=None, window_fn=None, pad_end=False,
         name=None):
    """Short-time Fourier transform: Hann-windowed frames, then an rfft of each."""
    x = as_numpy(signals).astype(np.float32)
    n = fft_length or int(2 ** np.ceil(np.log2(frame_length)))
    if pad_end:
        extra = (-(x.shape[-1] - frame_length) % frame_step) if x.shape[-1] >= frame_length \
            else frame_length - x.shape[-1]
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, extra)])
    count = max(0, 1 + (x.shape[-1] - frame_length) // frame_step)
    frames = np.stack([x[..., i * frame_step:i * frame_step + frame_length]
                       for i in range(count)], -2) if count else np.zeros(
        x.shape[:-1] + (0, frame_length), np.float32)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length) \
        if window_fn is None else as_numpy(window_fn(frame_length, dtype=dtypes.float32))
    return constant(np.fft.rfft(frames * win, n=n).astype(np.complex64))
