"""Server-side batching (`--enable_batching`): concurrent requests run as one batch.

As TF Serving's batching session does, each request is a task whose size is its inputs' first
dimension. Tasks for the same model version and signature queue up; a batch thread takes the
oldest task and waits for more until the batch holds `max_batch_size` examples or the oldest
task has waited `batch_timeout_micros`. The inputs are concatenated along dimension 0, padded
up to the next of `allowed_batch_sizes` (by repeating the first example) when those are given,
run once, and the outputs are split back into the tasks. Every batch that runs is counted by
its (padded) size: `BatchStats` holds the counts the metrics endpoint and the tests read.

Parameters and defaults are TF Serving's (`BatchingParameters` in a text-format
`--batching_parameters_file`): max_batch_size 1000, batch_timeout_micros 0,
max_enqueued_batches 10, num_batch_threads = CPU count.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from tfedu.framework import errors
from tfedu.serving.status import invalid


@dataclass
class BatchingOptions:
    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = os.cpu_count() or 1
    allowed_batch_sizes: tuple = ()
    pad_variable_length_inputs: bool = False

    @classmethod
    def from_proto(cls, p) -> BatchingOptions:
        """From a `BatchingParameters` message (unset fields keep TF Serving's defaults)."""
        opts = cls()
        for name in ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches",
                     "num_batch_threads"):
            if p.HasField(name):
                setattr(opts, name, int(getattr(p, name).value))
        opts.allowed_batch_sizes = tuple(int(s) for s in p.allowed_batch_sizes)
        opts.pad_variable_length_inputs = bool(p.pad_variable_length_inputs)
        opts.validate()
        return opts

    def validate(self) -> None:
        if self.max_batch_size < 1 or self.num_batch_threads < 1:
            raise invalid("max_batch_size and num_batch_threads must be positive")
        sizes = self.allowed_batch_sizes
        if sizes and sizes[-1] != self.max_batch_size:
            raise invalid("Last entry in allowed_batch_sizes must match max_batch_size; last "
                          f"entry was {sizes[-1]}; expected {self.max_batch_size}")
        if list(sizes) != sorted(sizes):
            raise invalid("allowed_batch_sizes entries must be monotonically increasing")


class BatchStats:
    """How many batches ran at each size, per model: {(model, padded size): count}."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: collections.Counter = collections.Counter()
        self.requests: collections.Counter = collections.Counter()

    def record(self, model: str, size: int, tasks: int) -> None:
        with self._lock:
            self.counts[(model, size)] += 1
            self.requests[(model, tasks)] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"batch_sizes": dict(self.counts), "requests_per_batch": dict(self.requests)}


@dataclass
class _Task:
    inputs: dict
    size: int
    key: tuple
    future: Future
    enqueued: float


def task_size(inputs: dict) -> int:
    sizes = set()
    for arr in inputs.values():
        if np.ndim(arr) == 0:
            raise invalid("Batching session Run() input tensors must have at least one "
                          "dimension")
        sizes.add(np.shape(arr)[0])
    if len(sizes) != 1:
        raise invalid("Batching session Run() input tensors must have equal 0th-dimension "
                      "size")
    return sizes.pop()


def _shape_key(inputs: dict) -> tuple:
    return tuple(sorted((k, np.asarray(v).dtype.str, np.shape(v)[1:]) for k, v in inputs.items()))


class Batcher:
    """The queue and batch threads of one (servable, signature, output filter)."""

    def __init__(self, run, options: BatchingOptions, stats: BatchStats, model_name: str):
        self._run, self.options, self._stats, self._model = run, options, stats, model_name
        self._queue: collections.deque[_Task] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._loop, daemon=True,
                                          name=f"tfedu-batch-{model_name}-{i}")
                         for i in range(options.num_batch_threads)]
        for t in self._threads:
            t.start()

    def submit(self, inputs: dict) -> Future:
        size = task_size(inputs)
        opts = self.options
        if size > opts.max_batch_size:
            raise invalid(f"Task size {size} is larger than maximum input batch size "
                          f"{opts.max_batch_size}")
        task = _Task(inputs, size, _shape_key(inputs), Future(), time.monotonic())
        with self._cond:
            queued = sum(t.size for t in self._queue)
            if queued + size > opts.max_batch_size * opts.max_enqueued_batches:
                raise errors.UnavailableError(None, None, "The batch scheduling queue to which "
                                              "this task was submitted is full")
            self._queue.append(task)
            self._cond.notify_all()
        return task.future

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._execute(batch)

    def _next_batch(self):
        timeout = self.options.batch_timeout_micros / 1e6
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            deadline = self._queue[0].enqueued + timeout
            while self._fill() < self.options.max_batch_size and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    break
            return self._take()

    def _fill(self) -> int:
        key, total = self._queue[0].key, 0
        for t in self._queue:
            if t.key == key and total + t.size <= self.options.max_batch_size:
                total += t.size
        return total

    def _take(self) -> list:
        key, total, batch, rest = self._queue[0].key, 0, [], collections.deque()
        for t in self._queue:
            if t.key == key and total + t.size <= self.options.max_batch_size:
                batch.append(t)
                total += t.size
            else:
                rest.append(t)
        self._queue = rest
        return batch

    def _padded(self, n: int) -> int:
        for size in self.options.allowed_batch_sizes:
            if size >= n:
                return size
        return n

    def _execute(self, batch: list) -> None:
        n = sum(t.size for t in batch)
        padded = self._padded(n)
        try:
            inputs = {k: _concat([t.inputs[k] for t in batch], padded - n)
                      for k in batch[0].inputs}
            outputs = self._run(inputs)
            self._stats.record(self._model, padded, len(batch))
            _split(batch, outputs, padded)
        except BaseException as e:  # the batch's error is every task's error
            for t in batch:
                if not t.future.done():
                    t.future.set_exception(e)


def _concat(parts: list, pad: int) -> np.ndarray:
    arr = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    if pad:
        arr = np.concatenate([arr, np.repeat(arr[:1], pad, axis=0)], axis=0)
    return arr


def _split(batch: list, outputs: dict, padded: int) -> None:
    for name, arr in outputs.items():
        if np.ndim(arr) == 0 or np.shape(arr)[0] != padded:
            raise errors.FailedPreconditionError(
                None, None, f"Batched output tensor {name} has 0th dimension "
                f"{np.shape(arr)[:1]}, expected {padded}: the signature does not batch")
    start = 0
    for t in batch:
        t.future.set_result({k: v[start:start + t.size] for k, v in outputs.items()})
        start += t.size
