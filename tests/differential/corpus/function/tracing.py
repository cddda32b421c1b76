# tf.function: tracing, retracing, input_signature, side effects, concrete functions.
import numpy as np
import tensorflow as tf

# %% basic_call
@tf.function
def f(x):
    return x * 2 + 1
f(tf.constant([1.0, 2.0]))

# %% python_print_once_per_trace
@tf.function
def f(x):
    print("tracing", x.shape)
    return x + 1
f(tf.constant(1)); f(tf.constant(2)); f(tf.constant([1, 2]))
f.experimental_get_tracing_count()

# %% python_scalars_retrace
@tf.function
def f(x):
    print("trace", x)
    return x
for i in range(3):
    f(i)
f(1)
f.experimental_get_tracing_count()

# %% dtype_retrace
@tf.function
def f(x):
    return x
f(tf.constant(1)); f(tf.constant(1.0)); f(tf.constant(2))
f.experimental_get_tracing_count()

# %% input_signature
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    return tf.reduce_sum(x)
print(f(tf.constant([1.0, 2.0])).numpy(), f(tf.constant([1.0, 2.0, 3.0])).numpy(), f.experimental_get_tracing_count())

# %% input_signature_dtype_mismatch
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    return x
f(tf.constant([1, 2]))

# %% input_signature_shape_mismatch
@tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
def f(x):
    return x
f(tf.constant([1.0, 2.0, 3.0]))

# %% input_signature_python_list_converts
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    return x * 2
f([1.0, 2.0])

# %% reduce_retracing
@tf.function(reduce_retracing=True)
def f(x):
    return tf.shape(x)
for n in range(1, 5):
    f(tf.ones([n]))
f.experimental_get_tracing_count()

# %% concrete_function_signature
@tf.function
def f(x):
    return x + 1
cf = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))
print(cf.structured_input_signature[0][0], cf.structured_outputs)

# %% concrete_function_call_wrong_shape
@tf.function
def f(x):
    return x + 1
cf = f.get_concrete_function(tf.TensorSpec([3], tf.float32))
cf(tf.constant([1.0, 2.0]))

# %% concrete_function_outputs
@tf.function
def f(x):
    return {"a": x, "b": (x * 2, x * 3)}
out = f(tf.constant(1.0))
{k: (v.numpy() if hasattr(v, "numpy") else [t.numpy() for t in v]) for k, v in out.items()}

# %% tf_print_vs_print
@tf.function
def f(x):
    print("python print")
    tf.print("tf print", x, output_stream=sys.stdout)
    return x
import sys
f(tf.constant(1)); f(tf.constant(2))
None

# %% variable_created_once
@tf.function
def f(x):
    v = tf.Variable(1.0)
    return v + x
f(tf.constant(1.0))

# %% variable_created_in_init_pattern
class M(tf.Module):
    def __init__(self):
        self.v = None
    @tf.function
    def __call__(self, x):
        if self.v is None:
            self.v = tf.Variable(2.0)
        return self.v * x
m = M()
print(m(tf.constant(3.0)).numpy(), m(tf.constant(4.0)).numpy())

# %% python_side_effect_list_append
trace = []
@tf.function
def f(x):
    trace.append(1)
    return x
f(tf.constant(1)); f(tf.constant(2))
len(trace)

# %% closure_variable_updated
v = tf.Variable(1.0)
@tf.function
def f():
    return v * 2
print(f().numpy())
v.assign(10.0)
f()

# %% closure_python_value_frozen
scale = 2.0
@tf.function
def f(x):
    return x * scale
print(f(tf.constant(1.0)).numpy())
scale = 3.0
f(tf.constant(1.0))

# %% numpy_inside_function_error
@tf.function
def f(x):
    return x.numpy()
f(tf.constant(1.0))

# %% symbolic_tensor_repr
@tf.function
def f(x):
    print(x)
    return x
f(tf.constant([1.0, 2.0]))
None

# %% symbolic_shape_unknown
@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def f(x):
    print(x.shape, tf.shape(x))
    return x
f(tf.ones([3, 2]))
None

# %% run_functions_eagerly
tf.config.run_functions_eagerly(True)
@tf.function
def f(x):
    return x.numpy() * 2
r = f(tf.constant(3.0))
tf.config.run_functions_eagerly(False)
r

# %% function_repr_name
@tf.function
def my_fn(x):
    return x
print(my_fn.__name__, callable(my_fn))

# %% jit_compile_attr
@tf.function(jit_compile=True)
def f(x):
    return tf.nn.relu(x) * 2
f(tf.constant([-1.0, 1.0]))

# %% experimental_relax_shapes_kwarg_removed
tf.function(lambda x: x, experimental_relax_shapes=True)

# %% nested_structure_args
@tf.function
def f(d):
    return d["a"] + d["b"][0]
f({"a": tf.constant(1), "b": [tf.constant(2)]})

# %% kwargs_call
@tf.function
def f(x, scale=2):
    return x * scale
print(f(tf.constant(3)).numpy(), f(tf.constant(3), scale=5).numpy(), f.experimental_get_tracing_count())

# %% wrong_number_args
@tf.function
def f(x):
    return x
f(tf.constant(1), tf.constant(2))

# %% method_function
class C:
    def __init__(self):
        self.k = tf.constant(3)
    @tf.function
    def go(self, x):
        return x * self.k
C().go(tf.constant(2))

# %% graph_ops_listing
@tf.function
def f(x):
    return tf.nn.relu(x) + 1.0
g = f.get_concrete_function(tf.TensorSpec([], tf.float32)).graph
[op.type for op in g.get_operations()]

# %% tensor_shape_inside
@tf.function
def f(x):
    return tf.reshape(x, [-1, 2])
f(tf.range(6)).shape

# %% return_none
@tf.function
def f(x):
    x + 1
print(f(tf.constant(1)))

# %% return_python_int
@tf.function
def f():
    return 3
f()

# %% function_calls_function
@tf.function
def inner(x):
    return x * x
@tf.function
def outer(x):
    return inner(x) + 1
outer(tf.constant(3.0))

# %% random_in_function_differs
tf.random.set_seed(1)
@tf.function
def f():
    return tf.random.uniform([])
bool(f() != f())

# %% dataset_iteration_in_function
@tf.function
def total(ds):
    s = tf.constant(0, tf.int64)
    for x in ds:
        s += x
    return s
total(tf.data.Dataset.range(5))

# %% shape_changes_retrace_count
@tf.function
def f(x):
    return x
for s in ([1], [2], [3], [1]):
    f(tf.ones(s))
f.experimental_get_tracing_count()

# %% pretty_printed_concrete_function_inputs
@tf.function
def f(x, y):
    return x + y
cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32), tf.TensorSpec([2], tf.float32))
[t.name for t in cf.inputs]

# %% gradients_in_function
v = tf.Variable(3.0)
@tf.function
def step():
    with tf.GradientTape() as tape:
        loss = v * v
    return tape.gradient(loss, v)
step()

# %% assert_in_function_raises
@tf.function
def f(x):
    tf.debugging.assert_positive(x)
    return x
f(tf.constant(-1.0))

# %% while_loop_tf
tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), [0, 0])

# %% cond_tf
tf.cond(tf.constant(True), lambda: tf.constant(1), lambda: tf.constant(2))

# %% cond_branch_dtype_mismatch
@tf.function
def f(p):
    return tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))
f(tf.constant(True))
