"""The small interpreter's kernels: one numpy function per TFLite builtin operator.

A kernel receives a `Node` (its input arrays, options and the quantisation of every input and
output) and returns its output arrays. Float kernels are a few lines of numpy each. Quantised
(int8) models run the same kernels: `nn.py` shows the integer arithmetic of the layers that carry
weights (int8 products summed in int32, then one rescale), and the other ops dequantise, compute
in float and quantise again, which is what an integer runtime's lookup tables and fixed-point
multipliers approximate to within one step of the int8 grid.

Nothing here uses tfedu's engine or Numba: this is what an embedded runtime does, in numpy.
"""

# The helpers every kernel uses are in `base`; importing the families registers their kernels.
from tfedu.lite.kernels import array, math, nn  # noqa: F401
