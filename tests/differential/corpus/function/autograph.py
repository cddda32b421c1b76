# AutoGraph: Python control flow on tensors inside tf.function.
import numpy as np
import tensorflow as tf

# %% if_tensor
@tf.function
def f(x):
    if x > 0:
        y = x
    else:
        y = -x
    return y
print(f(tf.constant(-3)).numpy(), f(tf.constant(4)).numpy())

# %% while_tensor
@tf.function
def f(n):
    i = tf.constant(0)
    s = tf.constant(0)
    while i < n:
        s += i
        i += 1
    return s
f(tf.constant(5))

# %% for_range_tensor
@tf.function
def f(n):
    s = 0
    for i in tf.range(n):
        s += i
    return s
f(tf.constant(4))

# %% for_python_range_unrolled
@tf.function
def f(x):
    for i in range(3):
        x = x * 2
    return x
f(tf.constant(1))

# %% break_in_loop
@tf.function
def f(n):
    s = tf.constant(0)
    for i in tf.range(n):
        if i > 3:
            break
        s += i
    return s
f(tf.constant(10))

# %% continue_in_loop
@tf.function
def f(n):
    s = tf.constant(0)
    for i in tf.range(n):
        if i % 2 == 0:
            continue
        s += i
    return s
f(tf.constant(6))

# %% if_undefined_in_branch_error
@tf.function
def f(x):
    if x > 0:
        y = 1
    return y
f(tf.constant(1))

# %% if_different_dtypes_error
@tf.function
def f(x):
    if x > 0:
        y = tf.constant(1)
    else:
        y = tf.constant(1.0)
    return y
f(tf.constant(1))

# %% loop_var_shape_change_error
@tf.function
def f():
    x = tf.constant([1])
    for i in tf.range(3):
        x = tf.concat([x, [i]], 0)
    return x
f()

# %% loop_var_shape_invariants
@tf.function
def f():
    x = tf.constant([1])
    for i in tf.range(3):
        tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
        x = tf.concat([x, [i]], 0)
    return x
f()

# %% tensor_array_accumulate
@tf.function
def f(n):
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    for i in tf.range(n):
        ta = ta.write(i, i * i)
    return ta.stack()
f(tf.constant(4))

# %% python_list_in_tensor_loop_error
@tf.function
def f(n):
    out = []
    for i in tf.range(n):
        out.append(i)
    return out
f(tf.constant(3))

# %% and_or_tensors
@tf.function
def f(a, b):
    if a > 0 and b > 0:
        return tf.constant(1)
    return tf.constant(0)
print(f(tf.constant(1), tf.constant(1)).numpy(), f(tf.constant(1), tf.constant(-1)).numpy())

# %% not_tensor
@tf.function
def f(x):
    if not x:
        return tf.constant(10)
    return tf.constant(20)
f(tf.constant(False))

# %% python_bool_if_static
@tf.function
def f(x, training):
    if training:
        return x * 2
    return x
print(f(tf.constant(1), True).numpy(), f(tf.constant(1), False).numpy(), f.experimental_get_tracing_count())

# %% to_code_contains_ag
def g(x):
    if x > 0:
        x = x * 2
    return x
code = tf.autograph.to_code(g)
print("ag__" in code, "def tf__g" in code)

# %% autograph_disabled
@tf.function(autograph=False)
def f(x):
    if x > 0:
        return x
    return -x
f(tf.constant(1))

# %% while_with_tensor_cond_and_python
@tf.function
def f(x):
    while tf.reduce_sum(x) < 100:
        x = x * 2
    return x
f(tf.constant([1, 2]))

# %% nested_if
@tf.function
def f(x):
    if x > 10:
        r = 2
    elif x > 5:
        r = 1
    else:
        r = 0
    return r
[int(f(tf.constant(v))) for v in (1, 7, 12)]

# %% for_over_tensor_rows
@tf.function
def f(m):
    s = tf.zeros([2])
    for row in m:
        s += row
    return s
f(tf.constant([[1.0, 2.0], [3.0, 4.0]]))

# %% range_len_of_tensor
@tf.function
def f(x):
    return len(x)
f(tf.constant([1, 2, 3]))

# %% print_in_loop_tf_print
@tf.function
def f():
    for i in tf.range(3):
        tf.print(i, output_stream=sys.stdout)
import sys
f()
None

# %% return_in_loop
@tf.function
def f(x):
    for i in tf.range(10):
        if i == x:
            return i * 10
    return -1
f(tf.constant(3))
