"""One parallel Numba region at a time per process.

Numba's `workqueue` threading layer (the one tfedu picks, see `tfedu._cache`) is not
thread-safe: two threads launching parallel kernels at once abort the whole process. Ordinary
programs never do; tf.distribute's replica threads do. So every `parallel=True` kernel launch
takes this lock (uncontended it costs well under a microsecond). Serial kernels are not
affected, and while one parallel kernel runs it already uses the cores.
"""

import threading

PARALLEL_LOCK = threading.Lock()
