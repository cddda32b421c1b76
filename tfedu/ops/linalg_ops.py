"""`tf.linalg`: decompositions, solvers, diagonals, einsum and norms.

Dense linear algebra runs on numpy's LAPACK bindings (batched over leading dims); there is
nothing for Numba to win here. Each op is registered once with its shape function (which checks
ranks and square-ness before any kernel runs), its kernel and its gradient. Composite functions
(`norm`, `trace`, `pinv`, `tensordot`, `l2_normalize`, ...) are built from ops, as in TF, so
their gradients come for free.
"""

from __future__ import annotations

import collections
import string

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute, static_value
from tfedu.framework.name_scope import composite_scope as _scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import INTS, NUMERIC, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import complex_arith
from tfedu.ops import array_ops, math_ops
from tfedu.ops.array_ops import concat, expand_dims, one_hot, transpose
from tfedu.ops.gradient_util import unbroadcast
from tfedu.ops.op_helpers import as_tensor, broadcast_shapes, export

FLOAT_AND_COMPLEX = (dtypes.float64, dtypes.float32, dtypes.float16) + dtypes.COMPLEX
Qr = collections.namedtuple("Qr", ["q", "r"])


def _t(x, dtype=None, hint=None) -> Tensor:
    """`x` as a tensor (`as_tensor`, with a dtype hint)."""
    return as_tensor(x, dtype, dtype_hint=hint)


def _final_name(scope):
    """Name for the last op of a composite: the scope itself (TF's `name=name` idiom)."""
    return scope if scope else None


# ------------------------------------------------------------------------------------------
# Shape functions
# ------------------------------------------------------------------------------------------

def _graph(op):
    """True while building a graph (TF's shape functions word their errors differently from
    the kernels' checks that eager execution reports)."""
    return bool(op.name)


def _require_matrix(op, i=0, square=True, cols_first=False):
    s = op.shape(i)
    if s.rank is None:
        return None
    if s.rank < 2:
        op.fail(f"Shape must be at least rank 2 but is rank {s.rank}" if _graph(op) else
                f"Input tensor {i} must have rank >= 2, got {s.rank}")
    dims = s.as_list()
    if square and dims[-1] is not None and dims[-2] is not None and dims[-1] != dims[-2]:
        rows, cols = dims[-2:]
        op.fail((f"Dimensions must be equal, but are {cols} and {rows}" if cols_first else
                 f"Dimensions must be equal, but are {rows} and {cols}") if _graph(op)
                else "Input matrix must be square.")
    return dims


def _square_infer(op):
    _require_matrix(op)
    return [(op.shape(0), op.dtype(0))]


def _det_infer(op):
    dims = _require_matrix(op, cols_first=True)
    out = TensorShape(None) if dims is None else TensorShape(dims[:-2])
    return [(out, op.dtype(0))] * op.opdef.num_outputs


def _solver_shapes(op, square):
    """Check (matrix, rhs) as TF's LinearAlgebraOp does; returns their dims or None."""
    a = _require_matrix(op, 0, square=False)
    b = op.shape(1)
    if _graph(op) and b.rank is not None and b.rank < 2:
        op.fail(f"Shape must be at least rank 2 but is rank {b.rank}")
    if a is None or b.rank is None:
        return None, None
    b = b.as_list()
    if len(a) != len(b):
        op.fail(f"Shapes must be equal rank, but are {len(a) - 2} and {len(b) - 2}"
                if _graph(op) else "All input tensors must have the same rank.")
    for x, y in zip(a[:-2], b[:-2]):
        if x is not None and y is not None and x != y:
            op.fail(_outer_mismatch(a, b) if _graph(op) else
                    "All input tensors must have the same outer dimensions.")
    for x, y, eager in ((a[-2], a[-1], "First input (lhs) must be a square matrix."),
                        (a[-2], b[-2], "Input matrix and rhs are incompatible.")):
        if (square or eager[0] == "I") and x is not None and y is not None and x != y:
            op.fail(f"Dimensions must be equal, but are {x} and {y}" if _graph(op) else eager)
    return a, b


def _outer_mismatch(a, b):
    i = next(k for k, (x, y) in enumerate(zip(a[:-2], b[:-2])) if None not in (x, y) and x != y)
    return (f"Dimension {i} in both shapes must be equal, but are {a[i]} and {b[i]}. Shapes "
            f"are {shape_text(a[:-2])} and {shape_text(b[:-2])}.")


# ------------------------------------------------------------------------------------------
# Kernels
# ------------------------------------------------------------------------------------------

def _lapack(fn, message):
    """Run a numpy.linalg call, turning LinAlgError into TF's InvalidArgumentError message."""
    try:
        return fn()
    except np.linalg.LinAlgError:
        raise OpCheckError(message) from None


def _lu_solve(a, b, message):
    """Solve a @ x = b as TF does (Eigen's PartialPivLU, refused when the smallest |pivot|
    is not > 0): LAPACK when every entry is finite, else Eigen's steps on numpy so that NaN
    and inf spread (or refuse) as they do in TF."""
    if np.all(np.isfinite(a)):
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError:  # an exact zero pivot in LAPACK's order: in Eigen's?
            pass
    lu, perm = _eigen_lu(a, row_major=True)
    piv = np.abs(np.diagonal(lu, axis1=-2, axis2=-1))
    # Eigen's minCoeff keeps a NaN found first and skips later ones
    smallest = np.where(np.isnan(piv[..., 0]), np.nan, np.fmin.reduce(piv, axis=-1))
    if not np.all(smallest > 0):
        raise OpCheckError(message)
    n = a.shape[-1]
    pb = np.take_along_axis(np.broadcast_to(b, a.shape[:-2] + b.shape[-2:]), perm[..., None],
                            axis=-2)
    unit_lower = np.tril(lu, -1) + np.eye(n, dtype=lu.dtype)
    # Eigen's triangular solver multiplies by 1/diagonal, both scalar C++ (Annex G) for complex
    scale = (lambda acc, d: complex_arith.multiply_scalar(acc, complex_arith.divide_scalar(1, d))
             ) if lu.dtype.kind == "c" else np.divide
    return _substitute(np.triu(lu), _substitute(unit_lower, pb, True), False, scale)


def _eigen_lu(a, row_major=False):
    """Eigen's PartialPivLU on every matrix at once: the pivot is the first largest |entry|
    of the column (a NaN first stays, a NaN later is never chosen); a zero one is skipped.
    Complex NaN and inf spread as in TF's build: the rank-1 updates are Eigen's packet
    products; the column under the pivot is divided by scalar C++ (C99 Annex G) when the
    matrix is row-major (inv, solve: a strided column), by packets when column-major (det)."""
    a = a.copy()
    n = a.shape[-1]
    perm = np.broadcast_to(np.arange(n), a.shape[:-1]).copy()
    divide, multiply = np.divide, np.multiply
    if a.dtype.kind == "c":
        divide = complex_arith.divide_scalar if row_major else complex_arith.divide_packet
        multiply = complex_arith.multiply_packet
    with np.errstate(all="ignore"):
        for k in range(n):
            _swap_pivot_row(a, perm, k)
            pivot = a[..., k, k][..., None]
            below = a[..., k + 1:, k]
            a[..., k + 1:, k] = np.where(pivot != 0, divide(below, pivot), below)
            a[..., k + 1:, k + 1:] -= multiply(a[..., k + 1:, k, None], a[..., k, None, k + 1:])
    return a, perm


def _swap_pivot_row(a, perm, k):
    """Move row k's pivot (the first largest |entry| at or below k; a NaN at k stays) up."""
    col = np.abs(a[..., k:, k])
    best = np.argmax(np.where(np.isnan(col), -np.inf, col), axis=-1)
    p = (k + np.where(np.isnan(col[..., 0]), 0, best))[..., None]
    rows_k, rows_p = a[..., k, :].copy(), np.take_along_axis(a, p[..., None], -2)
    a[..., k, :] = rows_p[..., 0, :]
    np.put_along_axis(a, p[..., None], rows_k[..., None, :], -2)
    pk = perm[..., k].copy()
    perm[..., k] = np.take_along_axis(perm, p, -1)[..., 0]
    np.put_along_axis(perm, p, pk[..., None], -1)


def _substitute(tri, b, lower, scale=np.divide):
    """tri^-1 @ b by forward (lower) or back substitution, IEEE all the way (no checks);
    `scale(acc, diagonal)` divides by the diagonal."""
    n = tri.shape[-1]
    diag = np.diagonal(tri, axis1=-2, axis2=-1)
    out = np.zeros(np.broadcast_shapes(tri.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                   np.result_type(tri, b))
    with np.errstate(all="ignore"):
        for i in range(n) if lower else range(n - 1, -1, -1):
            done = slice(0, i) if lower else slice(i + 1, n)
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", tri[..., i, done],
                                           out[..., done, :])
            out[..., i, :] = scale(acc, diag[..., i, None])
    return out


def _half_as_float(kernel):
    """LAPACK has no float16: compute half-precision inputs in float32, return float16."""

    def run(*arrays, **attrs):
        if not any(getattr(a, "dtype", None) == np.float16 for a in arrays):
            return kernel(*arrays, **attrs)
        out = kernel(*[a.astype(np.float32) if getattr(a, "dtype", None) == np.float16 else a
                       for a in arrays], **attrs)
        if isinstance(out, tuple):
            return tuple(o.astype(np.float16) if o.dtype == np.float32 else o for o in out)
        return out.astype(np.float16)

    run.__name__ = kernel.__name__
    run.reference = kernel
    return run


# ------------------------------------------------------------------------------------------
# Small helpers used by the gradients (all built from ops)
# ------------------------------------------------------------------------------------------

def _zeros_if_none(g, like):
    return array_ops.zeros_like(like) if g is None else g


def _adj(x):
    """Batch conjugate transpose (an einsum, so any rank works)."""
    return math_ops.conj(einsum("...ij->...ji", x))


def _diag_matrix(v):
    """Batch of diagonal matrices with `v` on the diagonal."""
    return matrix_diag(v)


def _row_minus_col(v):
    """`out[..., i, j] = v[..., j] - v[..., i]`, built from a diagonal matrix and ones."""
    d = matrix_diag(v)
    ones = array_ops.ones_like(d)
    return math_ops.subtract(math_ops.matmul(ones, d), math_ops.matmul(d, ones))


def _safe_offdiag_reciprocal(x):
    """1/x off the diagonal, 0 on it (and where x is 0: repeated values)."""
    eye = band_part(array_ops.ones_like(x), 0, 0)
    zero = array_ops.zeros_like(x)
    nonzero = math_ops.not_equal(x, zero)
    safe = array_ops.where(nonzero, x, array_ops.ones_like(x))
    r = array_ops.where(nonzero, math_ops.reciprocal(safe), zero)
    return math_ops.multiply(r, math_ops.subtract(array_ops.ones_like(x), eye))


def _eye_like(square):
    """Identity matrices with the batch shape and dtype of `square`."""
    return matrix_diag(array_ops.ones_like(matrix_diag_part(square)))


# ------------------------------------------------------------------------------------------
# Gradients
# ------------------------------------------------------------------------------------------


def _expand_last2(x):
    """x[..., None, None] via einsum with a 1x1 ones matrix (works for any batch rank)."""
    one = array_ops.ones_like(math_ops.reduce_sum(x))
    ones11 = array_ops.reshape(one, [1, 1])
    return einsum("...,ij->...ij", x, ones11)


# ------------------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------------------


def _inv_kernel(x, adjoint=False):
    if x.size == 0:
        return x.copy()
    if adjoint:
        x = np.conj(np.swapaxes(x, -1, -2))
    eye = np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape)
    return _lu_solve(x, eye, "Input is not invertible.").astype(x.dtype)


def _inv_grad(op, g):
    ainv = op.outputs[0]
    adj = op.get_attr("adjoint")
    inner = math_ops.matmul(g, ainv, adjoint_a=adj, adjoint_b=not adj)
    return [math_ops.negative(math_ops.matmul(ainv, inner, adjoint_a=not adj))]


MATRIX_INVERSE = register_op(
    "MatrixInverse", group="linalg", inputs=("input: T",), outputs=("output: T",),
    type_attrs={"T": FLOAT_AND_COMPLEX}, attrs={"adjoint": False}, infer=_square_infer,
    kernel=_half_as_float(_inv_kernel), grad=_inv_grad, doc="Inverse of each square matrix (LU).")


@export("linalg.inv", "compat.v1.matrix_inverse")
def matrix_inverse(input, adjoint=False, name=None) -> Tensor:
    """Inverse of each square matrix; a singular matrix is an InvalidArgumentError."""
    return execute(MATRIX_INVERSE, [_t(input)], {"adjoint": bool(adjoint)}, name=name,
                   default_name="MatrixInverse")


def _det_kernel(x):
    if x.size == 0:
        return np.ones(x.shape[:-2], dtype=x.dtype)
    bad = _non_finite(x)
    out = np.asarray(np.linalg.det(np.where(bad[..., None, None], 0, x)), x.dtype)
    if np.any(bad):  # TF: sign * exp(log|det|) from Eigen's LU
        sign, logabs = _slogdet_eigen(x[bad])
        with np.errstate(all="ignore"):
            out[bad] = sign * np.exp(logabs)
    return out


def _non_finite(x):
    return ~np.all(np.isfinite(x), axis=(-2, -1))


def _slogdet_eigen(a):
    """(sign, log|det|) as TF computes them from Eigen's LU (of a column-major copy): the
    sign of the permutation times the product of the pivots' signs (Eigen's sign: d/|d| if
    complex, 0 for a zero pivot, NaN stays NaN) and the sum of log|pivot|. For matrices with
    NaN or inf, where LAPACK's pivoting differs."""
    lu, perm = _eigen_lu(a)
    d = np.diagonal(lu, axis1=-2, axis2=-1)
    parity = np.linalg.det(np.eye(a.shape[-1])[perm])
    with np.errstate(all="ignore"):
        mag = np.abs(d)
        logabs = np.sum(np.log(mag), axis=-1)
        if a.dtype.kind == "c":
            unit = np.where(mag == 0, 0, d * (1 / np.where(mag == 0, 1, mag)))
        else:
            unit = np.where(np.isnan(d), np.nan, np.sign(d))
        return parity * np.prod(unit, axis=-1), logabs


def _det_grad(op, g):
    a, c = op.inputs[0], op.outputs[0]
    a_adj_inv = matrix_inverse(a, adjoint=True)
    scale = math_ops.multiply(g, c)
    return [math_ops.multiply(a_adj_inv, _expand_last2(scale))]


MATRIX_DETERMINANT = register_op(
    "MatrixDeterminant", group="linalg", inputs=("input: T",), outputs=("output: T",),
    type_attrs={"T": FLOAT_AND_COMPLEX}, infer=_det_infer, kernel=_half_as_float(_det_kernel), grad=_det_grad,
    doc="Determinant of each square matrix.")


@export("linalg.det", "compat.v1.matrix_determinant")
def det(input, name=None) -> Tensor:
    """The determinant of each square matrix."""
    return execute(MATRIX_DETERMINANT, [_t(input)], name=name, default_name="MatrixDeterminant")


def _slogdet_kernel(x):
    if x.size == 0:
        return np.ones(x.shape[:-2], x.dtype), np.zeros(x.shape[:-2], x.dtype)
    bad = _non_finite(x)
    sign, logdet = np.linalg.slogdet(np.where(bad[..., None, None], 0, x))
    sign, logdet = np.asarray(sign, dtype=x.dtype), np.asarray(logdet, dtype=x.dtype)
    if np.any(bad):
        sign[bad], logdet[bad] = _slogdet_eigen(x[bad])
    return sign, logdet


def _slogdet_grad(op, _g_sign, g_logdet):
    a = op.inputs[0]
    if g_logdet is None:
        return [None]
    a_adj_inv = matrix_inverse(a, adjoint=True)
    return [math_ops.multiply(a_adj_inv, _expand_last2(g_logdet))]


@export("linalg.logdet")
def logdet(matrix, name=None) -> Tensor:
    """log(det(matrix)) of Hermitian positive-definite matrices, via Cholesky."""
    with _scope(name, "logdet") as s:
        chol = cholesky(matrix)
        d = math_ops.log(math_ops.real(matrix_diag_part(chol)))
        return math_ops.multiply(math_ops.scalar_like(2.0, d),
                                 math_ops.reduce_sum(d, axis=-1), name=_final_name(s))


LOG_MATRIX_DETERMINANT = register_op(
    "LogMatrixDeterminant", group="linalg", inputs=("input: T",),
    outputs=("sign: T", "log_abs_determinant: T"), type_attrs={"T": FLOAT_AND_COMPLEX},
    infer=_det_infer, kernel=_half_as_float(_slogdet_kernel), grad=_slogdet_grad,
    doc="Sign and log of the absolute determinant (no overflow for large matrices).")


_LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant",
                                               ["sign", "log_abs_determinant"])


@export("linalg.slogdet")
def slogdet(input, name=None):
    """(sign, log|det|) of each square matrix, as TF's named tuple."""
    return _LogMatrixDeterminant(*execute(LOG_MATRIX_DETERMINANT, [_t(input)], name=name,
                                          default_name="LogMatrixDeterminant"))


def _solve_infer(op):
    a, b = _solver_shapes(op, square=True)
    if a is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape(b[:-2] + [a[-1], b[-1]]), op.dtype(0))]


def _solve_kernel(a, b, adjoint=False):
    if a.size == 0 or b.size == 0:
        return np.zeros(b.shape[:-2] + (a.shape[-1], b.shape[-1]), dtype=a.dtype)
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    return _lu_solve(a, b, "Input matrix is not invertible.").astype(a.dtype)


def _solve_grad(op, g):
    a = op.inputs[0]
    c = op.outputs[0]
    adj = op.get_attr("adjoint")
    grad_b = matrix_solve(a, g, adjoint=not adj)
    if adj:
        grad_a = math_ops.negative(math_ops.matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = math_ops.negative(math_ops.matmul(grad_b, c, adjoint_b=True))
    return [grad_a, grad_b]


MATRIX_SOLVE = register_op(
    "MatrixSolve", group="linalg", inputs=("matrix: T", "rhs: T"), outputs=("output: T",),
    type_attrs={"T": FLOAT_AND_COMPLEX}, attrs={"adjoint": False}, infer=_solve_infer,
    kernel=_half_as_float(_solve_kernel), grad=_solve_grad, doc="Solve matrix @ x = rhs.")


@export("linalg.solve", "compat.v1.matrix_solve")
def matrix_solve(matrix, rhs, adjoint=False, name=None) -> Tensor:
    """Solve `matrix @ x = rhs` (or `adjoint(matrix) @ x = rhs`) for x."""
    a = _t(matrix)
    b = _t(rhs, hint=a.dtype)
    return execute(MATRIX_SOLVE, [a, b], {"adjoint": bool(adjoint)}, name=name,
                   default_name="MatrixSolve")


def _cholesky_kernel(x):
    """TF's Cholesky never raises on values: a matrix whose factorisation breaks down (a
    pivot <= 0) gets NaN in its lower triangle (zeros if complex: Eigen's complex "NaN"), and
    NaN or inf in the input flows through (Eigen's LLT, which only stops at a pivot <= 0).
    LAPACK does the work when every matrix is finite and positive definite."""
    if x.size == 0:
        return x.copy()
    # Only the lower triangle is read, as in TF.
    sym = np.tril(x) + np.conj(np.swapaxes(np.tril(x, -1), -1, -2))
    if np.all(np.isfinite(sym)):
        try:
            return np.linalg.cholesky(sym).astype(x.dtype)
        except np.linalg.LinAlgError:  # one matrix at least is not positive definite
            pass
    return _llt(np.tril(x)).astype(x.dtype)


def _llt(a):
    """Eigen's unblocked LLT on every matrix of the batch at once (lower triangles in `a`)."""
    a = a.copy()
    n = a.shape[-1]
    failed = np.zeros(a.shape[:-2], bool)
    with np.errstate(all="ignore"):
        for k in range(n):
            row = a[..., k, :k]
            pivot = np.real(a[..., k, k]) - np.sum(np.abs(row) ** 2, axis=-1)
            failed |= pivot <= 0
            d = np.sqrt(np.where(pivot <= 0, np.nan, pivot))
            a[..., k, k] = d
            below = a[..., k + 1:, k] - np.einsum("...ij,...j->...i", a[..., k + 1:, :k],
                                                  np.conj(row))
            a[..., k + 1:, k] = below / d[..., None]
    a[failed] = np.tril(np.full(a.shape[-2:], 0 if a.dtype.kind == "c" else np.nan, a.dtype))
    return a


def _cholesky_grad(op, g):
    lo = op.outputs[0]
    l_inv = matrix_inverse(lo)
    middle = math_ops.matmul(lo, g, adjoint_a=True)
    half = math_ops.scalar_like(0.5, middle)
    middle = matrix_set_diag(middle, math_ops.multiply(half, matrix_diag_part(middle)))
    middle = band_part(middle, -1, 0)
    grad_a = math_ops.matmul(math_ops.matmul(l_inv, middle, adjoint_a=True), l_inv)
    grad_a = math_ops.add(grad_a, _adj(grad_a))
    return [math_ops.multiply(grad_a, half)]


CHOLESKY = register_op(
    "Cholesky", group="linalg", inputs=("input: T",), outputs=("output: T",),
    type_attrs={"T": FLOAT_AND_COMPLEX}, infer=_square_infer, kernel=_half_as_float(_cholesky_kernel),
    grad=_cholesky_grad, doc="Lower-triangular L with L @ L^H = input (reads the lower half).")


@export("linalg.cholesky", "compat.v1.cholesky")
def cholesky(input, name=None) -> Tensor:
    """The lower-triangular Cholesky factor `L` of each matrix (`A = L L^H`)."""
    return execute(CHOLESKY, [_t(input)], name=name, default_name="Cholesky")


def _qr_infer(op):
    dims = _require_matrix(op, square=False)
    if dims is None:
        return [(TensorShape(None), op.dtype(0))] * 2
    *batch, m, n = dims
    p = None if m is None or n is None else min(m, n)
    if op.attrs.get("full_matrices", False):
        return [(TensorShape(batch + [m, m]), op.dtype(0)), (TensorShape(batch + [m, n]),
                                                            op.dtype(0))]
    return [(TensorShape(batch + [m, p]), op.dtype(0)), (TensorShape(batch + [p, n]), op.dtype(0))]


def _qr_kernel(x, full_matrices=False):
    q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q.astype(x.dtype), r.astype(x.dtype)


def _tri_solve_right(x, r):
    """x @ inv(r)^H for upper-triangular r."""
    return math_ops.matmul(x, matrix_inverse(r), adjoint_b=True)


def _qr_grad(op, dq, dr):
    a = op.inputs[0]
    q, r = op.outputs
    m, n = a.shape.as_list()[-2:] if a.shape.rank is not None else (None, None)
    if op.get_attr("full_matrices") and m is not None and n is not None and m > n:
        raise NotImplementedError("QrGrad not implemented when nrows > ncols and "
                                  "full_matrices is true.")
    if m is not None and n is not None and m < n:
        raise NotImplementedError("QrGrad not implemented when ncols > nrows.")
    dq = _zeros_if_none(dq, q)
    dr = _zeros_if_none(dr, r)
    qdq = math_ops.matmul(q, dq, adjoint_a=True)
    qdq_ = math_ops.subtract(qdq, _adj(qdq))
    rdr = math_ops.matmul(r, dr, adjoint_b=True)
    rdr_ = math_ops.subtract(rdr, _adj(rdr))
    tril = band_part(math_ops.add(qdq_, rdr_), -1, 0)
    grad_a = math_ops.matmul(q, math_ops.add(dr, _tri_solve_right(tril, r)))
    grad_b = _tri_solve_right(math_ops.subtract(dq, math_ops.matmul(q, qdq)), r)
    return [math_ops.add(grad_a, grad_b)]


QR = register_op(
    "Qr", group="linalg", inputs=("input: T",), outputs=("q: T", "r: T"), type_attrs={"T": FLOAT_AND_COMPLEX},
    attrs={"full_matrices": False}, infer=_qr_infer, kernel=_half_as_float(_qr_kernel), grad=_qr_grad,
    doc="QR decomposition (Householder).")


@export("linalg.qr", "compat.v1.qr")
def qr(input, full_matrices=False, name=None):
    """(q, r) with input = q @ r; q has orthonormal columns, r is upper triangular."""
    q, r = execute(QR, [_t(input)], {"full_matrices": bool(full_matrices)}, name=name,
                   default_name="Qr")
    return Qr(q, r)


def _svd_infer(op):
    dims = _require_matrix(op, square=False)
    if dims is None:
        return [(TensorShape(None), op.dtype(0))] * 3
    *batch, m, n = dims
    p = None if m is None or n is None else min(m, n)
    s = TensorShape(batch + [p])
    if not op.attrs.get("compute_uv", True):
        return [(s, op.dtype(0)), (TensorShape([0]), op.dtype(0)), (TensorShape([0]), op.dtype(0))]
    full = op.attrs.get("full_matrices", False)
    u = TensorShape(batch + [m, m if full else p])
    v = TensorShape(batch + [n, n if full else p])
    return [(s, op.dtype(0)), (u, op.dtype(0)), (v, op.dtype(0))]


def _svd_kernel(x, compute_uv=True, full_matrices=False):
    bad = ~np.all(np.isfinite(x), axis=(-2, -1)) if x.size else np.zeros(x.shape[:-2], bool)
    if np.any(bad):  # LAPACK cannot converge on those: for them only, TF gives NaN results
        out = _svd_kernel(np.where(bad[..., None, None], 0, x), compute_uv, full_matrices)
        for a in out if compute_uv else out[:1]:
            a[bad] = 0 if x.dtype.kind == "c" else np.nan  # (zeros for complex ones)
        return out
    if not compute_uv:
        s = np.linalg.svd(x, compute_uv=False)
        empty = np.zeros((0,), x.dtype)
        return s.astype(x.dtype), empty, empty
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    v = np.conj(np.swapaxes(vh, -1, -2))
    return s.astype(x.dtype), u.astype(x.dtype), v.astype(x.dtype)


def _svd_core_grad(u, s, v, gs, gu, gv):
    """Gradient of A = U diag(s) V^H (thin, rows >= cols) for real matrices."""
    s_mat = matrix_diag(s)
    term = matrix_diag(gs)
    if gu is not None or gv is not None:
        f = _safe_offdiag_reciprocal(_row_minus_col(math_ops.square(s)))
        s_inv = matrix_diag(math_ops.reciprocal(s))
    if gu is not None:
        utgu = math_ops.matmul(u, gu, adjoint_a=True)
        j = math_ops.multiply(f, math_ops.subtract(utgu, _adj(utgu)))
        term = math_ops.add(term, math_ops.matmul(j, s_mat))
    if gv is not None:
        vtgv = math_ops.matmul(v, gv, adjoint_a=True)
        k = math_ops.multiply(f, math_ops.subtract(vtgv, _adj(vtgv)))
        term = math_ops.add(term, math_ops.matmul(s_mat, k))
    grad = math_ops.matmul(math_ops.matmul(u, term), v, adjoint_b=True)
    if gu is not None:
        # (I - U U^H) gU S^-1 V^H
        proj = math_ops.subtract(gu, math_ops.matmul(u, math_ops.matmul(u, gu, adjoint_a=True)))
        grad = math_ops.add(grad, math_ops.matmul(math_ops.matmul(proj, s_inv), v,
                                                  adjoint_b=True))
    if gv is not None:
        proj = math_ops.subtract(gv, math_ops.matmul(v, math_ops.matmul(v, gv, adjoint_a=True)))
        grad = math_ops.add(grad, math_ops.matmul(math_ops.matmul(u, s_inv), proj,
                                                  adjoint_b=True))
    return grad


def _svd_grad(op, gs, gu, gv):
    a = op.inputs[0]
    if op.get_attr("full_matrices") and op.get_attr("compute_uv"):
        dims = a.shape.as_list() if a.shape.rank is not None else [None, None]
        if dims[-1] != dims[-2]:
            raise NotImplementedError("SVD gradient has not been implemented for input with "
                                      "unequal number of rows and columns when "
                                      "full_matrices=True")
    if op.get_attr("compute_uv"):
        s, u, v = op.outputs
    else:
        s, u, v = svd(array_ops.stop_gradient(a), full_matrices=False, compute_uv=True)
        gu = gv = None
    gs = _zeros_if_none(gs, s)
    dims = a.shape.as_list() if a.shape.rank is not None else [None, None]
    if dims[-2] is not None and dims[-1] is not None and dims[-2] < dims[-1]:
        return [_adj(_svd_core_grad(v, s, u, gs, gv, gu))]
    return [_svd_core_grad(u, s, v, gs, gu, gv)]


SVD = register_op(
    "Svd", group="linalg", inputs=("input: T",), outputs=("s: T", "u: T", "v: T"),
    type_attrs={"T": FLOAT_AND_COMPLEX}, attrs={"compute_uv": True, "full_matrices": False},
    infer=_svd_infer, kernel=_half_as_float(_svd_kernel), grad=_svd_grad,
    doc="Singular values (descending) and vectors: input = u @ diag(s) @ v^H.")


@export("linalg.svd", "compat.v1.svd")
def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values `s` (descending) and, if compute_uv, `(s, u, v)` with
    tensor = u @ diag(s) @ adjoint(v) (TF's order, and v rather than v^H)."""
    s, u, v = execute(SVD, [_t(tensor)], {"compute_uv": bool(compute_uv),
                                          "full_matrices": bool(full_matrices)},
                      name=name, default_name="Svd")
    s = math_ops.real(s)  # TF's op gives complex values for complex input; the API real ones
    if compute_uv:
        return s, u, v
    return s


def _eigh_infer(op):
    dims = _require_matrix(op)
    if dims is None:
        return [(TensorShape(None), op.dtype(0))] * 2
    e = TensorShape(dims[:-1])
    v = TensorShape(dims) if op.attrs.get("compute_v", True) else TensorShape([0])
    return [(e, op.dtype(0)), (v, op.dtype(0))]


def _eigh_kernel(x, compute_v=True):
    lower = np.tril(x)  # only the lower triangle is read
    n = x.shape[-1]
    bad = ~np.all(np.isfinite(lower), axis=(-2, -1)) if n > 1 else np.zeros(x.shape[:-2], bool)
    if np.any(bad):
        _eigh_check_non_finite(lower[bad])
        x = np.where(bad[..., None, None], np.eye(n, dtype=x.dtype), x)
    e, v = np.linalg.eigh(x)
    e[bad], v[bad] = np.nan, np.eye(n)
    if not compute_v:
        v = np.zeros((0,), x.dtype)
    return e.astype(x.dtype), v.astype(x.dtype)


def _eigh_check_non_finite(lower):
    """TF (Eigen) scales a matrix by its largest |entry| first: with a NaN, or an infinity
    that the tridiagonal reduction spreads, the QR iteration never converges (an error);
    infinities it keeps on the diagonal give NaN eigenvalues and identity eigenvectors."""
    n = lower.shape[-1]
    off = np.where(np.eye(n, dtype=bool), 0, lower)
    diag = np.diagonal(lower, axis1=-2, axis2=-1)
    spread = np.isinf(diag[..., 1:]).any() if n > 2 else False
    if np.isnan(lower).any() or np.isinf(off).any() or spread:
        raise OpCheckError("Self-adjoint eigen decomposition was not successful. The input "
                           "might not be valid.")


def _eigh_grad(op, ge, gv):
    e = op.outputs[0]
    ge = _zeros_if_none(ge, e)
    if op.get_attr("compute_v"):
        v = op.outputs[1]
        inner = matrix_diag(ge)
        if gv is not None:
            f = _safe_offdiag_reciprocal(_row_minus_col(e))
            inner = math_ops.add(inner, math_ops.multiply(f, math_ops.matmul(v, gv,
                                                                              adjoint_a=True)))
    else:
        _, v = eigh(array_ops.stop_gradient(op.inputs[0]))
        inner = matrix_diag(ge)
    grad_a = math_ops.matmul(v, math_ops.matmul(inner, v, adjoint_b=True))
    # The forward op reads only the lower triangle: symmetrise and keep that triangle.
    grad_a = band_part(math_ops.add(grad_a, _adj(grad_a)), -1, 0)
    half = math_ops.scalar_like(0.5, grad_a)
    return [matrix_set_diag(grad_a, math_ops.multiply(half, matrix_diag_part(grad_a)))]


@export("linalg.eigh", "compat.v1.self_adjoint_eig")
def eigh(tensor, name=None):
    """(eigenvalues ascending, eigenvectors as columns) of self-adjoint matrices."""
    e, v = execute(SELF_ADJOINT_EIG, [_t(tensor)], {"compute_v": True}, name=name,
                   default_name="SelfAdjointEigV2")
    return e, v


SELF_ADJOINT_EIG = register_op(
    "SelfAdjointEigV2", group="linalg", inputs=("input: T",), outputs=("e: T", "v: T"),
    type_attrs={"T": FLOAT_AND_COMPLEX}, attrs={"compute_v": True}, infer=_eigh_infer,
    kernel=_half_as_float(_eigh_kernel), grad=_eigh_grad,
    doc="Eigenvalues (ascending) and eigenvectors of self-adjoint matrices (lower half read).")


@export("linalg.eigvalsh", "compat.v1.self_adjoint_eigvals")
def eigvalsh(tensor, name=None) -> Tensor:
    """The eigenvalues of each self-adjoint matrix, in ascending order."""
    e, _ = execute(SELF_ADJOINT_EIG, [_t(tensor)], {"compute_v": False}, name=name,
                   default_name="SelfAdjointEigV2")
    return e


def _eig_infer(op):
    dims = _require_matrix(op)
    out = op.attrs["Tout"]
    if dims is None:
        return [(TensorShape(None), out)] * 2
    v = TensorShape(dims) if op.attrs.get("compute_v", True) else TensorShape([0])
    return [(TensorShape(dims[:-1]), out), (v, out)]


def _eig_kernel(x, compute_v=True, Tout=None):
    out = Tout._np if Tout is not None else np.result_type(x.dtype, np.complex64)
    if not np.all(np.isfinite(x)):
        e = np.full(x.shape[:-1], np.nan, out)
        return e, (np.full(x.shape, np.nan, out) if compute_v else np.zeros((0,), out))
    e, v = np.linalg.eig(x)
    if not compute_v:
        v = np.zeros((0,), out)
    return e.astype(out), v.astype(out)


EIG = register_op(
    "Eig", group="linalg", inputs=("input: T",), outputs=("e: Tout", "v: Tout"),
    type_attrs={"T": FLOAT_AND_COMPLEX, "Tout": dtypes.COMPLEX}, attrs={"compute_v": True},
    infer=_eig_infer, kernel=_half_as_float(_eig_kernel), doc="Eigen decomposition of general matrices.")


@export("linalg.eig")
def eig(tensor, name=None):
    """(eigenvalues, eigenvectors) of general square matrices, as complex tensors."""
    x = _t(tensor)
    e, v = execute(EIG, [x], {"compute_v": True, "Tout": _complex_of(x.dtype)}, name=name,
                   default_name="Eig")
    return e, v


@export("linalg.eigvals")
def eigvals(tensor, name=None) -> Tensor:
    """The (complex) eigenvalues of each square matrix."""
    x = _t(tensor)
    e, _ = execute(EIG, [x], {"compute_v": False, "Tout": _complex_of(x.dtype)}, name=name,
                   default_name="Eig")
    return e


def _lstsq_infer(op):
    a, b = _solver_shapes(op, square=False)
    if op.shape(2).rank not in (None, 0):
        op.fail("l2_regularizer must be scalar")
    if a is None:
        return [(TensorShape(None), op.dtype(0))]
    return [(TensorShape(b[:-2] + [a[-1], b[-1]]), op.dtype(0))]


def _lstsq_kernel(a, b, l2_regularizer, fast=True):
    a64, b64 = a.astype(np.result_type(a.dtype, np.float64)), b.astype(
        np.result_type(b.dtype, np.float64))
    lam = float(l2_regularizer)
    m, n = a.shape[-2], a.shape[-1]
    ah = np.conj(np.swapaxes(a64, -1, -2))
    if fast or lam != 0.0:
        msg = "Input matrix is not invertible."
        if m >= n:
            gram = ah @ a64 + lam * np.eye(n)
            x = _lapack(lambda: np.linalg.solve(gram, ah @ b64), msg)
        else:
            gram = a64 @ ah + lam * np.eye(m)
            x = ah @ _lapack(lambda: np.linalg.solve(gram, b64), msg)
        return x.astype(a.dtype)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    af = np.broadcast_to(a64, batch + (m, n)).reshape(-1, m, n)
    bf = np.broadcast_to(b64, batch + b.shape[-2:]).reshape(-1, m, b.shape[-1])
    xs = [np.linalg.lstsq(ai, bi, rcond=None)[0] for ai, bi in zip(af, bf)]
    return np.asarray(xs).reshape(batch + (n, b.shape[-1])).astype(a.dtype)


def _lstsq_grad(op, g):
    a, b = op.inputs[0], op.inputs[1]
    x = op.outputs[0]
    if not op.get_attr("fast"):
        raise LookupError("Gradient not defined for fast=False")
    lam = math_ops.cast(op.inputs[2], a.dtype)
    dims = a.shape.as_list() if a.shape.rank is not None else [None, None]
    if dims[-2] is None or dims[-1] is None or dims[-2] >= dims[-1]:
        gram = math_ops.matmul(a, a, adjoint_a=True)
        gram = math_ops.add(gram, math_ops.multiply(lam, _eye_like(gram)))
        z = matrix_solve(gram, g)
        xzt = math_ops.matmul(x, z, adjoint_b=True)
        zx_sym = math_ops.add(xzt, einsum("...ij->...ji", xzt))
        grad_a = math_ops.add(math_ops.negative(math_ops.matmul(a, zx_sym)),
                              math_ops.matmul(b, z, adjoint_b=True))
        return [grad_a, math_ops.matmul(a, z), None]
    gram = math_ops.matmul(a, a, adjoint_b=True)
    gram = math_ops.add(gram, math_ops.multiply(lam, _eye_like(gram)))
    grad_b = matrix_solve(gram, math_ops.matmul(a, g))
    tmp = matrix_solve(gram, b)
    a1 = math_ops.negative(math_ops.matmul(grad_b, math_ops.matmul(tmp, a, adjoint_a=True)))
    a2 = math_ops.subtract(g, math_ops.matmul(a, grad_b, adjoint_a=True))
    a2 = math_ops.matmul(tmp, a2, adjoint_b=True)
    return [math_ops.add(a1, a2), grad_b, None]


MATRIX_SOLVE_LS = register_op(
    "MatrixSolveLs", group="linalg", inputs=("matrix: T", "rhs: T", "l2_regularizer: float64"),
    outputs=("output: T",), type_attrs={"T": FLOAT_AND_COMPLEX}, attrs={"fast": True},
    infer=_lstsq_infer, kernel=_half_as_float(_lstsq_kernel), grad=_lstsq_grad,
    doc="Least-squares solution of matrix @ x = rhs, optionally L2-regularised.")


@export("linalg.lstsq", "compat.v1.matrix_solve_ls")
def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None) -> Tensor:
    """Least-squares x minimising ||matrix @ x - rhs||^2 + l2_regularizer * ||x||^2."""
    a = _t(matrix)
    b = _t(rhs, hint=a.dtype)
    lam = _t(l2_regularizer, dtype=dtypes.float64) if not isinstance(l2_regularizer, Tensor) \
        else math_ops.cast(l2_regularizer, dtypes.float64)
    return execute(MATRIX_SOLVE_LS, [a, b, lam], {"fast": bool(fast)}, name=name,
                   default_name="MatrixSolveLs")


# ------------------------------------------------------------------------------------------
# Diagonals and bands
# ------------------------------------------------------------------------------------------

def _single_k(k, fail):
    k = np.asarray(k).reshape(-1)
    if k.size == 0 or k.size > 2:
        fail(f"k must have at most two elements. Received {k.size} elements.")
    if k.size == 2 and k[0] != k[1]:
        if k[0] > k[1]:
            fail("lower_diag_index must not be larger than upper_diag_index: "
                 f"{int(k[0])} > {int(k[1])}")
        fail("tfedu supports a single diagonal (scalar k); got the band "
             f"k=({int(k[0])}, {int(k[1])})", )
    return int(k[0])


def _diag_len(m, n, k):
    return max(0, min(m + min(k, 0), n - max(k, 0)))


def _fail(msg):
    raise OpCheckError(msg)


def _diag_index(m, n, k, length):
    i = np.arange(length)
    return i - min(k, 0), i + max(k, 0)


def _matrix_diag_part_infer(op, k_index=1):
    s = op.shape(0)
    if s.rank is not None and s.rank < 2:
        op.fail(f"input must be at least 2-dim, received shape: {shape_text(s.as_list())}")
    k = op.const_value(k_index)
    if s.rank is None or k is None:
        return [(TensorShape(None), op.dtype(0))]
    k = _single_k(k, op.fail)
    *batch, m, n = s.as_list()
    if m is not None and n is not None and not (-m < k < n) and not (m == 0 or n == 0):
        op.fail(f"Diagonal index {k} is out of bounds for a {m}x{n} matrix")
    length = None if m is None or n is None else _diag_len(m, n, k)
    return [(TensorShape(batch + [length]), op.dtype(0))]


def _k_of(op):
    return op.inputs[1]


def _diag_dims(length, k, num_rows, num_cols):
    """Output matrix size for a diagonal of `length` at offset k (TF's rule: square unless
    told, the smallest size that holds the diagonal)."""
    min_rows, min_cols = length + max(-k, 0), length + max(k, 0)
    if num_rows in (-1, None) and num_cols in (-1, None):
        side = max(min_rows, min_cols)
        return side, side
    rows = min_rows if num_rows in (-1, None) else int(num_rows)
    cols = min_cols if num_cols in (-1, None) else int(num_cols)
    if rows != min_rows and cols != min_cols:
        _fail("The number of rows or columns is not consistent with the specified d_lower, "
              "d_upper, and diagonal.")
    return rows, cols


def _matrix_diag_infer(op):
    s = op.shape(0)
    k, nr, nc = op.const_value(1), op.const_value(2), op.const_value(3)
    if s.rank == 0:
        op.fail("diagonal must be at least 1-dim, received shape: []")
    if s.rank is None or k is None or nr is None or nc is None or s.as_list()[-1] is None:
        return [(TensorShape(None), op.dtype(0))]
    k = _single_k(k, op.fail)
    rows, cols = _diag_dims(s.as_list()[-1], k, int(nr), int(nc))
    if _diag_len(rows, cols, k) < s.as_list()[-1]:
        op.fail(f"The number of diagonal elements ({s.as_list()[-1]}) does not fit a "
                f"{rows}x{cols} matrix at offset {k}")
    return [(TensorShape(s.as_list()[:-1] + [rows, cols]), op.dtype(0))]


def _matrix_diag_kernel(diagonal, k, num_rows, num_cols, padding_value, align="RIGHT_LEFT"):
    k = _single_k(k, _fail)
    length = diagonal.shape[-1]
    rows, cols = _diag_dims(length, k, int(num_rows), int(num_cols))
    out = np.full(diagonal.shape[:-1] + (rows, cols), padding_value, dtype=diagonal.dtype)
    r, c = _diag_index(rows, cols, k, length)
    out[..., r, c] = diagonal
    return out


MATRIX_DIAG = register_op(
    "MatrixDiagV3", group="linalg",
    inputs=("diagonal: T", "k: int32", "num_rows: int32", "num_cols: int32",
            "padding_value: T"),
    outputs=("output: T",), type_attrs={"T": NUMERIC + (dtypes.bool_,)},
    attrs={"align": "RIGHT_LEFT"}, infer=_matrix_diag_infer, kernel=_matrix_diag_kernel,
    grad=lambda op, g: [matrix_diag_part(g, k=_k_of(op)), None, None, None, None],
    doc="Batched diagonal matrices with the given diagonal.")


@export("linalg.diag", "compat.v1.matrix_diag")
def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT") -> Tensor:
    """Batched square (or num_rows x num_cols) matrices with `diagonal` on diagonal `k`."""
    d = _t(diagonal)
    pad = _t(padding_value, dtype=d.dtype) if not isinstance(padding_value, Tensor) \
        else padding_value
    return execute(MATRIX_DIAG, [d, _int32(k), _int32(num_rows), _int32(num_cols), pad],
                   {"align": align}, name=None if name == "diag" else name, default_name="diag")


def _matrix_diag_part_kernel(x, k, padding_value, align="RIGHT_LEFT"):
    k = _single_k(k, _fail)
    m, n = x.shape[-2:]
    length = _diag_len(m, n, k)
    r, c = _diag_index(m, n, k, length)
    return np.ascontiguousarray(x[..., r, c])


MATRIX_DIAG_PART = register_op(
    "MatrixDiagPartV3", group="linalg", inputs=("input: T", "k: int32", "padding_value: T"),
    outputs=("diagonal: T",), type_attrs={"T": NUMERIC + (dtypes.bool_,)},
    attrs={"align": "RIGHT_LEFT"}, infer=_matrix_diag_part_infer,
    kernel=_matrix_diag_part_kernel,
    grad=lambda op, g: [matrix_set_diag(array_ops.zeros_like(op.inputs[0]), g, k=_k_of(op)),
                        None, None],
    doc="The diagonal of each matrix in a batch.")


@export("linalg.diag_part", "compat.v1.matrix_diag_part")
def matrix_diag_part(input, name="diag_part", k=0, padding_value=0,
                     align="RIGHT_LEFT") -> Tensor:
    """The diagonal (offset `k`) of each matrix in a batch."""
    x = _t(input)
    pad = _t(padding_value, dtype=x.dtype) if not isinstance(padding_value, Tensor) \
        else padding_value
    return execute(MATRIX_DIAG_PART, [x, _int32(k), pad], {"align": align},
                   name=None if name == "diag_part" else name, default_name="diag_part")


def _matrix_set_diag_infer(op):
    (shape, dtype), = _matrix_diag_part_infer(op, k_index=2)
    d = op.shape(1)
    if shape.rank is not None and d.rank is not None and not shape.is_compatible_with(d):
        op.fail(f"diagonal must have shape {shape_text(shape.as_list())}, got "
                f"{shape_text(d.as_list())}")
    return [(op.shape(0), op.dtype(0))]


def _matrix_set_diag_kernel(x, diagonal, k, align="RIGHT_LEFT"):
    k = _single_k(k, _fail)
    m, n = x.shape[-2:]
    length = _diag_len(m, n, k)
    r, c = _diag_index(m, n, k, length)
    out = x.copy()
    out[..., r, c] = diagonal
    return out


MATRIX_SET_DIAG = register_op(
    "MatrixSetDiagV3", group="linalg", inputs=("input: T", "diagonal: T", "k: int32"), outputs=("output: T",),
    type_attrs={"T": NUMERIC + (dtypes.bool_,)}, attrs={"align": "RIGHT_LEFT"},
    infer=_matrix_set_diag_infer, kernel=_matrix_set_diag_kernel,
    grad=lambda op, g: [matrix_set_diag(g, array_ops.zeros_like(op.inputs[1]), k=op.inputs[2]),
                        matrix_diag_part(g, k=op.inputs[2]), None],
    doc="Replace the diagonal of each matrix in a batch.")


@export("linalg.set_diag", "compat.v1.matrix_set_diag")
def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT") -> Tensor:
    """`input` with its diagonal (offset `k`) replaced by `diagonal`."""
    x = _t(input)
    d = _t(diagonal, hint=x.dtype)
    return execute(MATRIX_SET_DIAG, [x, d, _int32(k)], {"align": align},
                   name=None if name == "set_diag" else name, default_name="set_diag")


def _band_check(shape, lower, upper):
    """TF's MatrixBandPart kernel checks (its shape function checks nothing, so in a graph
    they all wait for the run): `shape` a list (None dims allowed), `lower`/`upper` arrays
    or None when unknown."""
    def fail(msg):
        raise OpCheckError(msg, runtime_only=True)

    if shape is not None and len(shape) < 2:
        fail(f"input must be at least 2-dim, received shape: {shape_text(shape)}")
    for v, what, dim, side in ((lower, "num_lower", -2, "rows"), (upper, "num_upper", -1,
                                                                     "columns")):
        if v is None:
            continue
        if np.ndim(v) != 0:
            fail(f"{what} must be scalar, got shape {shape_text(np.shape(v))}")
        lim = None if shape is None else shape[dim]
        if lim is not None and int(v) > lim:
            fail(f"{what} must be negative or less or equal to number of {side} ({lim}) "
                 f"got: {int(v)}")


def _band_infer(op):
    s = op.shape(0)
    _band_check(None if s.rank is None else s.as_list(), op.const_value(1), op.const_value(2))
    return [(s, op.dtype(0))]


def _band_kernel(x, num_lower, num_upper):
    _band_check(list(x.shape), num_lower, num_upper)
    m, n = x.shape[-2:]
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    lo, up = int(num_lower), int(num_upper)
    keep = np.ones((m, n), dtype=bool)
    if lo >= 0:
        keep &= (i - j) <= lo
    if up >= 0:
        keep &= (j - i) <= up
    return np.where(keep, x, np.zeros((), x.dtype))


MATRIX_BAND_PART = register_op(
    "MatrixBandPart", group="linalg", inputs=("input: T", "num_lower: Tindex", "num_upper: Tindex"),
    outputs=("band: T",), type_attrs={"T": NUMERIC + (dtypes.bool_,), "Tindex": INTS},
    infer=_band_infer, kernel=_band_kernel,
    grad=lambda op, g: [band_part(g, op.inputs[1], op.inputs[2]), None, None],
    doc="Keep num_lower sub-diagonals and num_upper super-diagonals (-1: all).")


@export("linalg.band_part", "compat.v1.matrix_band_part")
def band_part(input, num_lower, num_upper, name=None) -> Tensor:
    """Keep `num_lower` diagonals below and `num_upper` above the main one (-1 keeps all)."""
    x = _t(input)
    lo = num_lower if isinstance(num_lower, Tensor) else convert_to_tensor(
        num_lower, dtype_hint=dtypes.int64)
    up = num_upper if isinstance(num_upper, Tensor) else convert_to_tensor(
        num_upper, dtype=lo.dtype)
    return execute(MATRIX_BAND_PART, [x, lo, up], name=name, default_name="MatrixBandPart")


# ------------------------------------------------------------------------------------------
# Einsum
# ------------------------------------------------------------------------------------------

_LETTERS = string.ascii_letters


# Below this many input elements numpy's plain einsum loop beats planning a BLAS contraction
# (measured: 'ij,jk->ik' breaks even near 48x48 matrices).
_EINSUM_PLAN_MIN_ELEMENTS = 4096


def _join(labs):
    return "".join(labs)


def _parse_equation(equation: str, n_inputs: int):
    """Split an einsum equation into per-input label lists and the output labels.

    An ellipsis is kept as the token '...'. Without '->' the output is numpy's implicit one:
    the labels used exactly once, sorted, after any ellipsis.
    """
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise OpCheckError(f"Expecting exactly one '->' in einsum equation: {equation}")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != n_inputs:
        raise OpCheckError(f"Expected {len(terms)} inputs but got: {n_inputs}")

    def labels(term):
        out = []
        rest = term
        while rest:
            if rest.startswith("..."):
                if "..." in out:
                    raise OpCheckError(f"Expected at most one ellipsis (...), but found "
                                       f"multiple in: {term}")
                out.append("...")
                rest = rest[3:]
            elif rest[0] in _LETTERS:
                out.append(rest[0])
                rest = rest[1:]
            else:
                raise OpCheckError(f"Invalid character '{rest[0]}' in equation: {equation}")
        return out

    ins = [labels(t) for t in terms]
    if arrow:
        out = labels(rhs)
        seen = set()
        for lab in out:
            if lab in seen and lab != "...":
                raise OpCheckError(f"Output subscripts contain a label that appears more than "
                                   f"once: {lab}")
            seen.add(lab)
            if lab != "..." and not any(lab in t for t in ins):
                raise OpCheckError(f"Output subscripts contain the label {lab} not present in "
                                   f"the input subscripts.")
    else:
        counts = {}
        for t in ins:
            for lab in t:
                if lab != "...":
                    counts[lab] = counts.get(lab, 0) + 1
        out = (["..."] if any("..." in t for t in ins) else []) + sorted(
            lab for lab, c in counts.items() if c == 1)
    return ins, out


def _einsum_infer(op):
    equation = op.attrs["equation"]
    shapes = op.input_shapes
    ins, out = _parse_equation(equation, len(shapes))
    sizes = {}
    ell_shapes = []
    for i, (labs, s) in enumerate(zip(ins, shapes)):
        if s.rank is None:
            return [(TensorShape(None), op.dtype(0))]
        dims = s.as_list()
        named = [lab for lab in labs if lab != "..."]
        if "..." in labs:
            if len(dims) < len(named):
                op.fail(f"Input {i} to einsum has rank {len(dims)} but the equation "
                        f"'{equation}' needs at least rank {len(named)}")
            pos = labs.index("...")
            n_ell = len(dims) - len(named)
            ell_shapes.append(TensorShape(dims[pos:pos + n_ell]))
            dims = dims[:pos] + dims[pos + n_ell:]
        elif len(dims) != len(named):
            op.fail(f"Expected input {i} to have rank {len(named)} but got: {len(dims)}")
        for ax, (lab, d) in enumerate(zip(named, dims)):
            if d is None:
                continue
            prev = sizes.get(lab)
            if prev is not None and prev != d:
                op.fail(f"Expected dimension {prev} at axis {ax} of input shaped "
                        f"{shape_text(s.as_list())} but got dimension {d}")
            sizes[lab] = d
    ell = TensorShape([])
    for es in ell_shapes:
        try:
            ell = broadcast_shapes(ell, es)
        except OpCheckError:
            op.fail(f"Ellipsis dimensions are not broadcast-compatible: "
                    f"{shape_text(ell.as_list())} vs. {shape_text(es.as_list())}")
    if "..." not in out and any(d != 1 for d in ell.as_list()):
        op.fail(f"Output subscripts need an ellipsis for the broadcast dimensions in "
                f"'{equation}'")
    dims = []
    for lab in out:
        if lab == "...":
            dims.extend(ell.as_list())
        else:
            dims.append(sizes.get(lab))
    return [(TensorShape(dims), op.dtype(0))]


def _einsum_kernel(inputs, equation):
    big = sum(x.size for x in inputs) >= _EINSUM_PLAN_MIN_ELEMENTS
    return np.asarray(np.einsum(equation, *inputs, optimize=len(inputs) > 2 or big),
                      dtype=inputs[0].dtype)


def _fresh_labels(used):
    return iter(c for c in _LETTERS if c not in used)


def _einsum_grad(op, g):
    """The gradient for each operand is itself an einsum: contract the output gradient with
    the other operands back onto that operand's labels ('ij,jk->ik' gives 'jk,ik->ij').

    Two cases need an extra operand: a label repeated in the operand ('ii->') puts the
    gradient on a diagonal (an identity matrix joins the contraction), and a label summed
    away inside that operand alone ('ij->i') broadcasts it back (a ones vector joins).
    Broadcast ellipsis dims are summed back to the operand's shape."""
    equation = op.get_attr("equation")
    xs = list(op.inputs)
    ins, out = _parse_equation(equation, len(xs))
    used = {lab for t in ins + [out] for lab in t}
    grads = []
    for k, x in enumerate(xs):
        if not (x.dtype.is_floating or x.dtype.is_complex):
            grads.append(None)
            continue
        fresh = _fresh_labels(used)
        target = []
        extra_terms, extra_ops = [], []
        seen = {}
        for ax, lab in enumerate(ins[k]):
            if lab == "...":
                target.append(lab)
                continue
            if lab in seen:  # repeated label: the gradient lives on a diagonal
                new = next(fresh)
                n = _dim(x, _axis_of(ins[k], ax))
                extra_terms.append(lab + new)
                extra_ops.append(_identity_matrix(n, x.dtype))
                target.append(new)
            else:
                seen[lab] = ax
                target.append(lab)
        present = {lab for j, t in enumerate(ins) if j != k for lab in t} | set(out)
        present |= {t[0] for t in extra_terms}
        for ax, lab in enumerate(ins[k]):
            if lab != "..." and lab not in present and ins[k].index(lab) == ax:
                n = _dim(x, _axis_of(ins[k], ax))
                extra_terms.append(lab)
                extra_ops.append(array_ops.ones([n], dtype=x.dtype))
        term_labels = [t for j, t in enumerate(ins) if j != k] + [out]
        operands = [math_ops.conj(t) for j, t in enumerate(xs) if j != k] + [g] + extra_ops
        if "..." not in ins[k]:  # broadcast dims the operand lacks are summed: name them
            term_labels = _explicit_ellipsis(term_labels, operands, fresh)
        terms = [_join(t) for t in term_labels] + extra_terms
        if "..." in ins[k] and not any("..." in t for t in [out] + [ins[j] for j in range(
                len(ins)) if j != k]):
            raise NotImplementedError("einsum gradient needs the ellipsis in the output")
        eq = ",".join(terms) + "->" + _join(target)
        gk = einsum(eq, *operands)
        if "..." in ins[k]:
            gk = unbroadcast(gk, x)
        grads.append(gk)
    return grads


def _explicit_ellipsis(terms, operands, fresh):
    """Terms with each ellipsis spelled out as fresh labels (right-aligned, as broadcasting
    aligns them), so that an einsum can sum those axes away."""
    counts = [x.shape.rank - (len(t) - 1) if "..." in t else 0
              for t, x in zip(terms, operands)]
    if not any(counts):
        return [[lab for lab in t if lab != "..."] for t in terms]
    block = [next(fresh) for _ in range(max(counts))]
    out = []
    for t, n in zip(terms, counts):
        i = t.index("...") if "..." in t else None
        out.append(t if i is None else t[:i] + block[len(block) - n:] + t[i + 1:])
    return out


def _axis_of(labs, idx):
    """Axis number of label position `idx` (labels after an ellipsis count from the end)."""
    if "..." in labs and idx > labs.index("..."):
        return idx - len(labs)
    return idx


def _dim(x, axis):
    """Size of `x` along `axis`: an int if static, else a scalar tensor."""
    d = x.shape.as_list()[axis] if x.shape.rank is not None else None
    return d if d is not None else array_ops.shape(x)[axis]


def _identity_matrix(n, dtype):
    if isinstance(n, int):
        return array_ops.constant_like_numpy(np.eye(n, dtype=dtype.as_numpy_dtype))
    return matrix_diag(array_ops.ones([n], dtype=dtype))


EINSUM = register_op(
    "Einsum", group="linalg", inputs=("inputs: N*T",), outputs=("output: T",), type_attrs={"T": NUMERIC},
    attrs={"equation": ""}, infer=_einsum_infer, kernel=_einsum_kernel, grad=_einsum_grad,
    doc="Tensor contraction described by an equation such as 'ij,jk->ik'.")


@export("linalg.einsum", "einsum", "compat.v1.einsum")
def einsum(equation: str, *inputs, **kwargs) -> Tensor:
    """Contract tensors as `equation` says (`'ij,jk->ik'` is matmul, `'ii->'` is trace)."""
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for this function: "
                        f"{', '.join(sorted(kwargs))}. Expected: name, optimize")
    ts = []
    for x in inputs:
        ts.append(_t(x, hint=ts[0].dtype if ts else None))
    return execute(EINSUM, [ts], {"equation": equation.replace(" ", "")}, name=name,
                   default_name="einsum")


# ------------------------------------------------------------------------------------------
# Public functions: inverse, determinant, solvers
# ------------------------------------------------------------------------------------------


inv = matrix_inverse


solve = matrix_solve


@export("linalg.cholesky_solve", "compat.v1.cholesky_solve")
def cholesky_solve(chol, rhs, name=None) -> Tensor:
    """Solve A x = rhs given A's Cholesky factor (two triangular solves)."""
    with _scope(name, "cholesky_solve"):
        y = triangular_solve(chol, rhs, lower=True)
        return triangular_solve(chol, y, lower=True, adjoint=True)


def _tri_solve_infer(op):
    """TF's shape function (graph building only: eager runs the kernel's checks and words)."""
    a, b = op.shape(0), op.shape(1)
    for s in (a, b):
        if s.rank is not None and s.rank < 2:
            op.fail(f"Shape must be at least rank 2 but is rank {s.rank}")
    if a.rank is None or b.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    a, b = a.as_list(), b.as_list()
    try:
        batch = broadcast_shapes(TensorShape(a[:-2]), TensorShape(b[:-2])).as_list()
    except OpCheckError:
        x, y = next((x, y) for x, y in zip(a[-3::-1], b[-3::-1]) if x != y and 1 not in (x, y))
        op.fail(f"Dimensions must be equal, but are {x} and {y}")
    for x, y in ((a[-2], a[-1]), (a[-1], b[-2])):
        if x is not None and y is not None and x != y:
            op.fail(f"Dimensions must be equal, but are {x} and {y}")
    return [(TensorShape(batch + [a[-1] if a[-1] is not None else b[-2], b[-1]]),
             op.dtype(0))]


def _tri_solve_check(a, b, lower, adjoint):
    """TF's kernel checks on the shapes `a` (matrix) and `b` (rhs)."""
    for i, s in enumerate((a, b)):
        if len(s) < 2:
            raise OpCheckError(f"In[{i}] ndims must be >= 2: {len(s)}")
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise OpCheckError(f"In[0] and In[1] must have compatible batch dimensions: "
                           f"{shape_text(a)} vs. {shape_text(b)}") from None
    if a[-2] != a[-1]:
        raise OpCheckError(f"In[0] matrices in the last dimensions must be square "
                           f"({a[-1]} =/= {a[-2]})")
    if a[-1] != b[-2]:
        raise OpCheckError(f"In[0] mismatch In[1] shape: {a[-1]} vs. {b[-2]}: {shape_text(a)} "
                           f"{shape_text(b)} {int(lower)} {int(adjoint)}")
    return batch


def _tri_solve_kernel(matrix, rhs, lower=True, adjoint=False):
    """Forward (lower) or back (upper) substitution, batch dims broadcast. A zero or
    non-finite diagonal gives inf/NaN as IEEE arithmetic does: TF never checks it."""
    batch = _tri_solve_check(matrix.shape, rhs.shape, lower, adjoint)
    n, k = matrix.shape[-1], rhs.shape[-1]
    tri = np.tril(matrix) if lower else np.triu(matrix)
    if adjoint:
        tri, lower = np.conj(np.swapaxes(tri, -1, -2)), not lower
    tri = np.broadcast_to(tri, batch + (n, n))
    b = np.broadcast_to(rhs, batch + (n, k))
    diag = np.diagonal(tri, axis1=-2, axis2=-1)
    if np.all(np.isfinite(tri)) and np.all(np.isfinite(b)) and np.all(diag != 0) and n:
        return np.linalg.solve(tri, b).astype(matrix.dtype)
    return _substitute(tri, b, lower).astype(matrix.dtype)


def _tri_solve_grad(op, g):
    a, c = op.inputs[0], op.outputs[0]
    adj, lower = op.get_attr("adjoint"), op.get_attr("lower")
    grad_b = triangular_solve(a, g, lower=lower, adjoint=not adj)
    if adj:
        grad_a = math_ops.negative(math_ops.matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = math_ops.negative(math_ops.matmul(grad_b, c, adjoint_b=True))
    grad_a = band_part(grad_a, -1, 0) if lower else band_part(grad_a, 0, -1)
    return [unbroadcast(grad_a, a), unbroadcast(grad_b, op.inputs[1])]


MATRIX_TRIANGULAR_SOLVE = register_op(
    "MatrixTriangularSolve", group="linalg", inputs=("matrix: T", "rhs: T"),
    outputs=("output: T",), type_attrs={"T": FLOAT_AND_COMPLEX},
    attrs={"lower": True, "adjoint": False}, infer=_tri_solve_infer, validate_eager=False,
    kernel=_half_as_float(_tri_solve_kernel), grad=_tri_solve_grad,
    doc="Solve with the lower (or upper) triangle of each matrix, batch dims broadcast.")


@export("linalg.triangular_solve", "compat.v1.matrix_triangular_solve")
def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None) -> Tensor:
    """Solve `matrix @ x = rhs` with the lower (or upper) triangle of `matrix` only."""
    with _scope(name, "triangular_solve"):
        a = _t(matrix)
        return execute(MATRIX_TRIANGULAR_SOLVE, [a, _t(rhs, hint=a.dtype)],
                       {"lower": bool(lower), "adjoint": bool(adjoint)},
                       default_name="MatrixTriangularSolve")


# ------------------------------------------------------------------------------------------
# Public functions: decompositions
# ------------------------------------------------------------------------------------------


def _complex_of(dtype):
    return dtypes.complex128 if dtype in (dtypes.float64, dtypes.complex128) else dtypes.complex64


@export("linalg.pinv")
def pinv(a, rcond=None, validate_args=False, name=None) -> Tensor:
    """Moore-Penrose pseudo-inverse via the SVD; singular values below rcond*max(s) are cut."""
    with _scope(name, "pinv") as sc:
        a = _t(a)
        if not a.dtype.is_floating:
            raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {a.dtype.name}).")
        if rcond is None:
            dims = a.shape.as_list()[-2:]
            eps = np.finfo(a.dtype.as_numpy_dtype).eps
            rcond = 10.0 * max(dims) * eps
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        smax = math_ops.reduce_max(s, axis=-1)
        cutoff = math_ops.multiply(math_ops.scalar_like(rcond, smax), smax)
        cutoff = einsum("...,...i->...i", cutoff, array_ops.ones_like(s))
        keep = math_ops.greater(s, cutoff)
        safe = array_ops.where(keep, s, array_ops.ones_like(s))
        s_inv = array_ops.where(keep, math_ops.reciprocal(safe), array_ops.zeros_like(s))
        return math_ops.matmul(einsum("...ij,...j->...ij", v, s_inv), u, adjoint_b=True,
                               name=_final_name(sc))


# ------------------------------------------------------------------------------------------
# Public functions: diagonals, transposes, products
# ------------------------------------------------------------------------------------------

def _int32(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x, dtype=dtypes.int32)


@export("linalg.trace", "compat.v1.trace")
def trace(x, name=None) -> Tensor:
    """Sum of the main diagonal of each matrix."""
    with _scope(name, "Trace") as s:
        return math_ops.reduce_sum(matrix_diag_part(_t(x)), axis=-1, name=_final_name(s))


@export("linalg.matrix_transpose", "compat.v1.matrix_transpose")
def matrix_transpose(a, name="matrix_transpose", conjugate=False) -> Tensor:
    """Swap the last two axes (and conjugate if asked): the batch transpose."""
    a = _t(a)
    if a.shape.rank is not None and a.shape.rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {a} with shape: {a.shape}")
    if a.shape.rank is None:
        with _scope(name, "matrix_transpose") as s:
            out = einsum("...ij->...ji", a, name=_final_name(s))
            return math_ops.conj(out) if conjugate else out

    rank = a.shape.rank
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return transpose(a, perm=perm, conjugate=conjugate, name=name)


@export("linalg.adjoint")
def adjoint(matrix, name=None) -> Tensor:
    """Conjugate transpose of the last two axes."""
    return matrix_transpose(matrix, name=name or "adjoint", conjugate=True)


@export("linalg.matvec", "compat.v1.linalg.matvec")
def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None) -> Tensor:
    """Matrix times vector, batched: `a @ b[..., None]` without the trailing axis."""
    with _scope(name, "MatVec") as s:
        a = _t(a)
        b = _t(b, hint=a.dtype)
        if adjoint_a or transpose_a:
            if adjoint_a and a.dtype.is_complex:
                a = math_ops.conj(a)
            return einsum("...ji,...j->...i", a, b, name=_final_name(s))
        return einsum("...ij,...j->...i", a, b, name=_final_name(s))


@export("linalg.tensordot", "tensordot", "compat.v1.tensordot")
def tensordot(a, b, axes, name=None) -> Tensor:
    """Sum products over `axes` (an int: last n of a with first n of b; or two axis lists)."""
    with _scope(name, "Tensordot") as s:
        a = _t(a)
        b = _t(b, hint=a.dtype)
        ra, rb = a.shape.rank, b.shape.rank
        if ra is None or rb is None:
            raise ValueError("tensordot needs inputs of known rank")
        a_axes, b_axes = _tensordot_axes(axes, ra, rb, a)
        la = list(_LETTERS[:ra])
        lb = list(_LETTERS[ra:ra + rb])
        for i, j in zip(a_axes, b_axes):
            lb[j] = la[i]
        da, db = a.shape.as_list(), b.shape.as_list()
        for i, j in zip(a_axes, b_axes):
            if da[i] is not None and db[j] is not None and da[i] != db[j]:
                raise ValueError(f"Dimensions must be equal, but are {da[i]} and {db[j]} for "
                                 f"'{{{{node Tensordot/MatMul}}}} = MatMul[T={a.dtype.name}]' "
                                 f"with input shapes: {a.shape}, {b.shape}.")
        out = [la[i] for i in range(ra) if i not in a_axes] + \
              [lb[j] for j in range(rb) if j not in b_axes]
        return einsum(f"{_join(la)},{_join(lb)}->{_join(out)}", a, b, name=_final_name(s))


def _tensordot_axes(axes, ra, rb, a):
    if isinstance(axes, Tensor):
        axes = static_value(axes)
        if axes is None:
            raise ValueError("tensordot needs static axes")
        axes = axes.tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"'axes' must be at least 0, but got {n}.")
        if n > ra or n > rb:
            raise ValueError(f"'axes' must not be larger than the number of dimensions of "
                             f"tensor {a}.")
        return list(range(ra - n, ra)), list(range(n))
    if isinstance(axes, (list, tuple)) and len(axes) == 2:
        a_ax, b_ax = axes
        a_ax = [int(a_ax)] if isinstance(a_ax, (int, np.integer)) else [int(v) for v in a_ax]
        b_ax = [int(b_ax)] if isinstance(b_ax, (int, np.integer)) else [int(v) for v in b_ax]
        if len(a_ax) != len(b_ax):
            raise ValueError(f"Different number of contraction axes 'a' and 'b', "
                             f"{len(a_ax)} != {len(b_ax)}.")
        return [x % ra for x in a_ax], [x % rb for x in b_ax]
    raise ValueError(f"'axes' must be an integer or have length 2, got {axes}.")


def _cross_infer(op):
    a, b = op.shape(0), op.shape(1)
    if a.rank is not None and b.rank is not None:
        if not a.is_compatible_with(b):
            op.fail(f"Dimensions must be equal, but are {shape_text(a.as_list())} and "
                    f"{shape_text(b.as_list())}")
        if a.rank == 0 or (a.as_list()[-1] is not None and a.as_list()[-1] != 3):
            op.fail(f"Dimension must be 3 but is {a.as_list()[-1] if a.rank else 'scalar'}")
        return [(a.merge_with(b), op.dtype(0))]
    return [(TensorShape(None), op.dtype(0))]


@export("linalg.cross", "compat.v1.cross")
def cross(a, b, name=None) -> Tensor:
    """The cross product of 3-vectors along the last axis."""
    a = _t(a)
    return execute(CROSS, [a, _t(b, hint=a.dtype)], name=name, default_name="Cross")


CROSS = register_op(
    "Cross", group="linalg", inputs=("a: T", "b: T"), outputs=("product: T",), type_attrs={"T": NUMERIC[1:]},
    infer=_cross_infer, kernel=lambda a, b: np.cross(a, b).astype(a.dtype),
    grad=lambda op, g: [cross(op.inputs[1], g), cross(g, op.inputs[0])],
    doc="Cross product of 3-vectors along the last axis.")


# ------------------------------------------------------------------------------------------
# Norms
# ------------------------------------------------------------------------------------------

_VECTOR_ORDS = ("euclidean", "fro")


def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


@export("linalg.norm", "norm", "compat.v1.norm")
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """Vector norms (`ord` 'euclidean', 1, 2, inf or p > 0) or, with a pair of axes, matrix
    norms ('fro', 'euclidean', 1, 2, inf)."""
    keepdims = bool(keepdims)
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        if axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        supported = ["euclidean", "fro", 1, 2, np.inf]
        if ord not in supported:
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
    else:
        if not (axis is None or isinstance(axis, (int, np.integer))
                or (isinstance(axis, (tuple, list)) and len(axis) == 1)):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if isinstance(axis, (tuple, list)):
            axis = axis[0]
        supported = ["euclidean", "fro", 1, 2, np.inf]
        if not ((_is_number(ord) and ord > 0) or ord in supported):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    with _scope(name, "norm") as sc:
        x = _t(tensor)
        rank = x.shape.rank
        final = _final_name(sc)
        if is_matrix:
            ax = [int(a) % rank if rank is not None else int(a) for a in axis]
            if ord == 2:
                moved = _move_axes_last(x, ax)
                s = svd(moved, compute_uv=False)
                out = math_ops.reduce_max(s, axis=-1)
                if keepdims:
                    out = _keep(out, ax)
                return array_ops.identity(out, name=final)
            if ord in ("euclidean", "fro"):
                return math_ops.sqrt(math_ops.reduce_sum(_abs_sq(x), axis=ax,
                                                         keepdims=keepdims), name=final)
            a = math_ops.abs(x)
            sum_axis, max_axis = (ax[0], ax[1]) if ord == 1 else (ax[1], ax[0])
            summed = math_ops.reduce_sum(a, axis=sum_axis, keepdims=keepdims)
            if not keepdims:  # where max_axis sits once sum_axis is gone
                if max_axis >= 0:
                    max_axis -= int(max_axis > sum_axis)
                else:
                    max_axis += int(sum_axis > max_axis)
            return math_ops.reduce_max(summed, axis=max_axis, keepdims=keepdims, name=final)
        if ord in ("euclidean", "fro", 2, 2.0):
            return math_ops.sqrt(math_ops.reduce_sum(_abs_sq(x), axis=axis, keepdims=keepdims),
                                 name=final)
        a = math_ops.abs(x) if not x.dtype.is_complex else math_ops.sqrt(_abs_sq(x))
        if ord == np.inf:
            return math_ops.reduce_max(a, axis=axis, keepdims=keepdims, name=final)
        if ord == 1:
            return math_ops.reduce_sum(a, axis=axis, keepdims=keepdims, name=final)
        p = math_ops.scalar_like(ord, a)
        inv_p = math_ops.scalar_like(1.0 / ord, a)
        return math_ops.pow(math_ops.reduce_sum(math_ops.pow(a, p), axis=axis,
                                                keepdims=keepdims), inv_p, name=final)


def _abs_sq(x):
    return math_ops.multiply(x, math_ops.conj(x))


def _move_axes_last(x, ax):
    rank = x.shape.rank
    if rank is None:
        raise ValueError("norm(ord=2) over a pair of axes needs an input of known rank")
    if ax == [rank - 2, rank - 1]:
        return x
    letters = _LETTERS[:rank]
    rest = [letters[i] for i in range(rank) if i not in ax]
    return einsum(f"{letters}->{_join(rest)}{letters[ax[0]]}{letters[ax[1]]}", x)


def _keep(out, ax):
    """Re-insert the two reduced axes (size 1) into `out`."""
    for a in sorted(ax):
        out = expand_dims(out, a)
    return out


@export("math.l2_normalize", "nn.l2_normalize", "linalg.l2_normalize")
def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None) -> Tensor:
    """x / sqrt(max(sum(x**2, axis), epsilon)): unit length along `axis`."""
    if dim is not None:
        axis = dim
    with _scope(name, "l2_normalize") as sc:
        x = _t(x)
        sq = math_ops.reduce_sum(_abs_sq(x), axis=axis, keepdims=True)
        if x.dtype.is_complex:
            sq = math_ops.cast(sq, dtypes.float32 if x.dtype is dtypes.complex64
                               else dtypes.float64)
        inv_norm = math_ops.reciprocal(math_ops.sqrt(
            math_ops.maximum(sq, math_ops.scalar_like(epsilon, sq))))
        if x.dtype.is_complex:
            inv_norm = math_ops.cast(inv_norm, x.dtype)
        return math_ops.multiply(x, inv_norm, name=_final_name(sc))


@export("linalg.global_norm", "compat.v1.global_norm")
def global_norm(t_list, name=None) -> Tensor:
    """sqrt(sum of squared entries over all tensors in the list); None entries are skipped."""
    if isinstance(t_list, (str, bytes)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    with _scope(name, "global_norm") as sc:
        parts = []
        for t in t_list:
            if t is None:
                continue
            t = _t(getattr(t, "values", t) if not isinstance(t, Tensor) and
                   hasattr(t, "dense_shape") else t)
            parts.append(math_ops.reduce_sum(math_ops.square(t)))
        if not parts:
            return math_ops.sqrt(convert_to_tensor(0.0), name=_final_name(sc))
        total = parts[0] if len(parts) == 1 else math_ops.add_n(parts)
        return math_ops.sqrt(total, name=_final_name(sc))


# ------------------------------------------------------------------------------------------
# Matrix exponential
# ------------------------------------------------------------------------------------------

# Padé(13) coefficients and the 1-norm up to which it is accurate in double precision
# (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_kernel(x):
    """exp(A) by scaling and squaring: exp(A) = r(A / 2**s) ** (2**s), r the Padé(13)
    approximant, s chosen so that ||A / 2**s||_1 <= theta13."""
    if x.size == 0:
        return x.copy()
    a = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    n = a.shape[-1]
    eye = np.eye(n)
    norm = np.abs(a).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.ceil(np.log2(norm / _THETA13))
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    a = a / (2.0 ** s)[..., None, None]
    b = _PADE13
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    with np.errstate(all="ignore"):
        try:
            r = np.linalg.solve(v - u, v + u)
        except np.linalg.LinAlgError:
            return np.full(x.shape, np.nan, dtype=x.dtype)
        for k in range(int(s.max(initial=0))):
            squaring = k < s
            r[squaring] = r[squaring] @ r[squaring]
    return r.astype(x.dtype)


def _expm_grad(op, g):
    """The adjoint of the Fréchet derivative: the upper-right block of
    expm([[A^H, G], [0, A^H]])."""
    a = op.inputs[0]
    n = a.shape.as_list()[-1] if a.shape.rank is not None else None
    if n is None:
        raise NotImplementedError("The gradient of expm needs a static matrix size")
    ah = _adj(a)
    top = concat([ah, g], axis=-1)
    bottom = concat([array_ops.zeros_like(ah), ah], axis=-1)
    big = matrix_exponential(concat([top, bottom], axis=-2))
    return [big[..., :n, n:]]


@export("linalg.expm", "compat.v1.linalg.expm")
def matrix_exponential(input, name=None) -> Tensor:
    """The matrix exponential of each square matrix (scaling and squaring, Padé 13)."""
    return execute(MATRIX_EXPONENTIAL, [_t(input)], name=name, default_name="MatrixExponential")


MATRIX_EXPONENTIAL = register_op(
    "MatrixExponential", group="linalg", inputs=("input: T",), outputs=("output: T",),
    type_attrs={"T": FLOAT_AND_COMPLEX}, infer=_square_infer,
    kernel=_half_as_float(_expm_kernel), grad=_expm_grad,
    doc="exp(A) = I + A + A^2/2! + ... for each square matrix.")


# ------------------------------------------------------------------------------------------
# LU decomposition with partial pivoting
# ------------------------------------------------------------------------------------------

Lu = collections.namedtuple("Lu", ["lu", "p"])


def _lu_kernel(x, output_idx_type=dtypes.int32):
    """Doolittle LU with row pivoting, all batch matrices at once: for each column k, swap
    the row with the largest |pivot| up, then eliminate below it. Returns (L + U - I, perm)
    with x[..., perm, :] == L @ U."""
    n = x.shape[-1]
    if x.size == 0:
        return x.copy(), np.broadcast_to(np.arange(n), x.shape[:-1]).astype(
            output_idx_type._np)
    a = x.reshape((-1, n, n)).copy()  # in the input's precision, as TF computes
    batch = np.arange(a.shape[0])
    perm = np.tile(np.arange(n), (a.shape[0], 1))
    for k in range(n):
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        a[batch, k], a[batch, p] = a[batch, p].copy(), a[batch, k].copy()
        perm[batch, k], perm[batch, p] = perm[batch, p], perm[batch, k].copy()
        pivot = a[:, k, k]
        lower = a[:, k + 1:, k] / np.where(pivot == 0, 1, pivot)[:, None]
        a[:, k + 1:, k] = lower
        a[:, k + 1:, k + 1:] -= lower[:, :, None] * a[:, k, None, k + 1:]
    return a.reshape(x.shape), perm.reshape(x.shape[:-1]).astype(output_idx_type._np)


def _lu_infer(op):
    dims = _require_matrix(op)
    out = op.attrs.get("output_idx_type", dtypes.int32)
    if dims is None:
        return [(TensorShape(None), op.dtype(0)), (TensorShape(None), out)]
    return [(TensorShape(dims), op.dtype(0)), (TensorShape(dims[:-1]), out)]


LU = register_op(
    "Lu", group="linalg", inputs=("input: T",), outputs=("lu: T", "p: output_idx_type"),
    type_attrs={"T": FLOAT_AND_COMPLEX, "output_idx_type": INTS},
    attrs={"output_idx_type": dtypes.int32}, infer=_lu_infer, kernel=_half_as_float(_lu_kernel),
    doc="LU decomposition with partial pivoting: input[..., p, :] = L @ U.")


@export("linalg.lu")
def lu(input, output_idx_type=dtypes.int32, name=None):
    """(lu, p): L (unit lower, below the diagonal) and U packed in one matrix, and the row
    permutation p with input[..., p, :] == L @ U."""
    out, perm = execute(LU, [_t(input)], {"output_idx_type": dtypes.as_dtype(output_idx_type)},
                        name=name, default_name="Lu")
    return Lu(out, perm)


def _perm_matrix(perm, dtype):
    """P with P @ x == x[..., perm, :] (a one-hot matrix, so gradients flow through x)."""
    n = perm.shape.as_list()[-1] if perm.shape.rank else None
    if n is None:
        n = array_ops.shape(perm)[-1]
    return one_hot(perm, n, dtype=dtype)


def _unit_lower_and_upper(lower_upper):
    lower = band_part(lower_upper, -1, 0)
    lower = matrix_set_diag(lower, array_ops.ones_like(matrix_diag_part(lower_upper)))
    return lower, band_part(lower_upper, 0, -1)


@export("linalg.lu_reconstruct")
def lu_reconstruct(lower_upper, perm, validate_args=False, name=None) -> Tensor:
    """The matrix whose `lu` this is: P^T @ L @ U."""
    with _scope(name, "lu_reconstruct") as sc:
        lower_upper = _t(lower_upper)
        lower, upper = _unit_lower_and_upper(lower_upper)
        p = _perm_matrix(_t(perm), lower_upper.dtype)
        return math_ops.matmul(p, math_ops.matmul(lower, upper), adjoint_a=True,
                               name=_final_name(sc))


@export("linalg.lu_solve")
def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None) -> Tensor:
    """Solve A x = rhs given A's `lu`: permute rhs, then two triangular solves."""
    with _scope(name, "lu_solve") as sc:
        lower_upper = _t(lower_upper)
        lower, upper = _unit_lower_and_upper(lower_upper)
        b = math_ops.matmul(_perm_matrix(_t(perm), lower_upper.dtype),
                            _t(rhs, hint=lower_upper.dtype))
        y = triangular_solve(lower, b, lower=True)
        return triangular_solve(upper, y, lower=False, name=_final_name(sc))


@export("linalg.lu_matrix_inverse")
def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None) -> Tensor:
    """inv(A) from A's `lu`."""
    with _scope(name, "lu_matrix_inverse"):
        lower_upper = _t(lower_upper)
        return lu_solve(lower_upper, perm, _eye_like(lower_upper))


# ------------------------------------------------------------------------------------------
# Tensor diagonals (Diag / DiagPart): rank k <-> rank 2k
# ------------------------------------------------------------------------------------------


def _tensor_diag_infer(op):
    s = op.shape(0)
    if s.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    if s.rank == 0:
        op.fail("Input must be at least rank 1, got 0")
    return [(s.concatenate(s), op.dtype(0))]


def _tensor_diag_kernel(diagonal):
    n = diagonal.size
    return np.diag(diagonal.reshape(-1)).reshape(diagonal.shape + diagonal.shape) if n else \
        np.zeros(diagonal.shape + diagonal.shape, diagonal.dtype)


@export("linalg.tensor_diag_part", "compat.v1.diag_part")
def tensor_diag_part(input, name=None) -> Tensor:
    """The diagonal of a rank-2k tensor: `out[i..] = input[i.., i..]`."""
    return execute(TENSOR_DIAG_PART, [_t(input)], name=name, default_name="DiagPart")


TENSOR_DIAG = register_op(
    "Diag", group="linalg", inputs=("diagonal: T",), outputs=("output: T",), type_attrs={"T": NUMERIC},
    infer=_tensor_diag_infer, kernel=_tensor_diag_kernel,
    grad=lambda op, g: [tensor_diag_part(g)],
    doc="A rank-2k tensor with `diagonal` (rank k) on its diagonal.")


def _tensor_diag_part_infer(op):
    s = op.shape(0)
    if s.rank is None:
        return [(TensorShape(None), op.dtype(0))]
    dims = s.as_list()
    half = len(dims) // 2
    if len(dims) == 0 or len(dims) % 2:
        op.fail(f"The rank of the tensor should be even and positive, got shape "
                f"{shape_text(dims)}")
    for a, b in zip(dims[:half], dims[half:]):
        if a is not None and b is not None and a != b:
            op.fail(f"Invalid shape {shape_text(dims)}: dimensions {a} and {b} do not match.")
    return [(TensorShape(dims[:half]), op.dtype(0))]


def _tensor_diag_part_kernel(x):
    half = x.ndim // 2
    out_shape = x.shape[:half]
    n = int(np.prod(out_shape))
    return np.ascontiguousarray(np.diagonal(x.reshape(n, n))).reshape(out_shape)


@export("linalg.tensor_diag", "compat.v1.diag")
def tensor_diag(diagonal, name=None) -> Tensor:
    """`output[i1..ik, i1..ik] = diagonal[i1..ik]`, zeros elsewhere."""
    return execute(TENSOR_DIAG, [_t(diagonal)], name=name, default_name="Diag")


TENSOR_DIAG_PART = register_op(
    "DiagPart", group="linalg", inputs=("input: T",), outputs=("diagonal: T",), type_attrs={"T": NUMERIC},
    infer=_tensor_diag_part_infer, kernel=_tensor_diag_part_kernel,
    grad=lambda op, g: [tensor_diag(g)], doc="The diagonal of a rank-2k tensor.")


@export("linalg.normalize")
def normalize(tensor, ord="euclidean", axis=None, name=None):
    """(tensor / norm, norm): the tensor scaled to unit norm, and that norm (keepdims)."""
    with _scope(name, "normalize") as sc:
        x = _t(tensor)
        n = norm(x, ord=ord, axis=axis, keepdims=True)
        return math_ops.divide_op(x, n, name=_final_name(sc)), n


@export("linalg.matrix_rank")
def matrix_rank(a, tol=None, validate_args=False, name=None) -> Tensor:
    """Number of singular values above `tol` (default: eps * max(m, n) * max(s))."""
    with _scope(name, "matrix_rank") as sc:
        a = _t(a)
        s = svd(a, compute_uv=False)
        if tol is None:
            dims = a.shape.as_list()[-2:]
            eps = np.finfo(a.dtype.as_numpy_dtype).eps
            smax = math_ops.reduce_max(s, axis=-1, keepdims=True)
            tol = math_ops.multiply(math_ops.scalar_like(eps * max(dims), smax), smax)
        else:
            tol = _t(tol, dtype=s.dtype)
        return math_ops.reduce_sum(math_ops.cast(math_ops.greater(s, tol), dtypes.int32),
                                   axis=-1, name=_final_name(sc))
