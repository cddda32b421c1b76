# Linear algebra: matmul forms, tf.linalg.*, einsum, tensordot.
import numpy as np
import tensorflow as tf

a = tf.constant([[1.0, 2.0], [3.0, 4.0]])

# %% matmul
tf.matmul(a, a)

# %% matmul_operator
a @ tf.constant([[1.0], [1.0]])

# %% matmul_transpose_flags
tf.matmul(a, a, transpose_a=True, transpose_b=True)

# %% matmul_shape_error
tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))

# %% matmul_rank1_error
tf.matmul(tf.ones([3]), tf.ones([3]))

# %% matmul_batched
tf.matmul(tf.ones([5, 2, 3]), tf.ones([5, 3, 4])).shape

# %% matmul_batch_broadcast
tf.matmul(tf.ones([5, 2, 3]), tf.ones([3, 4])).shape

# %% matmul_int
tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]]))

# %% matvec
tf.linalg.matvec(a, tf.constant([1.0, 1.0]))

# %% tensordot
tf.tensordot(tf.ones([2, 3]), tf.ones([3, 4]), axes=1).shape

# %% tensordot_axes_lists
tf.tensordot(tf.reshape(tf.range(6.0), [2, 3]), tf.reshape(tf.range(6.0), [3, 2]), axes=[[1], [0]])

# %% einsum_matmul
tf.einsum("ij,jk->ik", a, a)

# %% einsum_trace
tf.einsum("ii", a)

# %% einsum_batch
tf.einsum("bij,bjk->bik", tf.ones([2, 2, 3]), tf.ones([2, 3, 1])).shape

# %% einsum_outer
tf.einsum("i,j->ij", tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0, 5.0]))

# %% einsum_bad
tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([2, 3]))

# %% transpose_linalg
tf.linalg.matrix_transpose(tf.ones([4, 2, 3])).shape

# %% inv rtol=1e-5 atol=1e-5
tf.linalg.inv(a)

# %% det rtol=1e-5
tf.linalg.det(a)

# %% det_batch rtol=1e-5
tf.linalg.det(tf.stack([a, 2 * a]))

# %% inv_singular
tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))

# %% trace
tf.linalg.trace(a)

# %% diag_part_and_diag
print(tf.linalg.diag_part(a).numpy(), tf.linalg.diag([1, 2]).numpy().tolist())

# %% band_part
tf.linalg.band_part(tf.ones([3, 3]), 0, -1)

# %% eye_matmul_identity
tf.matmul(tf.eye(2), a)

# %% solve rtol=1e-5 atol=1e-5
tf.linalg.solve(a, tf.constant([[5.0], [11.0]]))

# %% cholesky rtol=1e-5
tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 3.0]]))

# %% qr_shapes
q, r = tf.linalg.qr(tf.ones([4, 3]))
print(q.shape, r.shape)

# %% svd_values rtol=1e-4 atol=1e-5
s = tf.linalg.svd(a, compute_uv=False)
s

# %% eigh_values rtol=1e-5
w, v = tf.linalg.eigh(tf.constant([[2.0, 1.0], [1.0, 2.0]]))
w

# %% norm_matrix rtol=1e-6
tf.linalg.norm(a)

# %% cross
tf.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])

# %% lstsq rtol=1e-4 atol=1e-4
tf.linalg.lstsq(tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), tf.constant([[1.0], [2.0], [3.0]]))

# %% logdet rtol=1e-5
tf.linalg.logdet(tf.constant([[4.0, 2.0], [2.0, 3.0]]))

# %% matrix_power_via_matmul
b = a
for _ in range(2):
    b = b @ a
b

# %% outer_product_broadcast
tf.constant([[1.0], [2.0]]) * tf.constant([[3.0, 4.0]])

# %% tensordot_mismatch
tf.tensordot(tf.ones([2, 3]), tf.ones([4, 5]), axes=1)

# %% matmul_float_int_error
tf.matmul(a, tf.constant([[1], [2]]))

# %% l2_loss
tf.nn.l2_loss(a)

# %% global_norm rtol=1e-6
tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])])

# %% matmul_dtype_float64
tf.matmul(tf.constant([[1.0]], tf.float64), tf.constant([[2.0]], tf.float64))

# %% adjoint
tf.linalg.adjoint(tf.constant([[1 + 1j, 2 + 0j]]))
