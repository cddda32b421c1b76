"""`keras.Model`: layers plus training (`compile`, `fit`, `evaluate`, `predict`).

The training step is the textbook one — forward under a GradientTape, loss, gradients,
`optimizer.apply_gradients` — and `fit` runs it under tfedu's own `tf.function`, so each
new input signature is a visible trace in the retracing view. Metrics are bookkeeping kept on
the host, updated from the step's outputs.
"""

from __future__ import annotations

import math

import numpy as np

import tfedu as tf
from tfedu.framework import nest
from tfedu.keras import backend, notebook
from tfedu.keras import callbacks as callbacks_mod
from tfedu.keras import losses as losses_mod
from tfedu.keras import metrics as metrics_mod
from tfedu.keras import optimizers as optimizers_mod
from tfedu.keras.engine.base_layer import Layer, _snake, _training_scope


def _to_tensor(x):
    if isinstance(x, np.ndarray):
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        return tf.constant(x)
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (np.ndarray, tf.Tensor)):
        return tf.constant(np.asarray(x, dtype=np.float32 if np.asarray(x).dtype.kind == "f"
                                      else None))
    return x


def _num_samples(x):
    flat = nest.flatten(x)
    return int(np.shape(flat[0])[0])


def _slice(x, idx):
    return nest.map_structure(lambda a: np.asarray(a)[idx], x)


class _ArrayBatches:
    """Batches from in-memory arrays, shuffled per epoch when asked."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle):
        self.x, self.y, self.sw = x, y, sample_weight
        self.n = _num_samples(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = max(math.ceil(self.n / batch_size), 1) if self.n else 0

    def epoch(self):
        idx = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)
        for s in range(0, self.n, self.batch_size):
            sel = idx[s:s + self.batch_size]
            if not self.shuffle:
                sel = slice(s, s + self.batch_size)
            yield (_slice(self.x, sel), None if self.y is None else _slice(self.y, sel),
                   None if self.sw is None else np.asarray(self.sw)[sel])


class _DatasetBatches:
    def __init__(self, dataset, steps=None):
        self.dataset = dataset
        card = dataset._cardinality()
        self.steps = steps if steps is not None else (card if card >= 0 else None)
        self._user_steps = steps

    def epoch(self):
        if self._user_steps is None:
            for elem in self.dataset:
                yield _unpack(elem)
            return
        # With a step count Keras keeps one iterator across epochs (a repeated dataset goes on
        # where the last epoch stopped) and stops early when the data runs out.
        if getattr(self, "_it", None) is None:
            self._it = iter(self.dataset)
        for _ in range(self._user_steps):
            try:
                elem = next(self._it)
            except StopIteration:
                self._it = None
                return
            yield _unpack(elem)


class _GeneratorBatches:
    def __init__(self, gen, steps=None):
        self.gen = gen
        self.steps = steps

    def epoch(self):
        for i, elem in enumerate(self.gen):
            if self.steps is not None and i >= self.steps:
                return
            yield _unpack(elem)


def _unpack(elem):
    if isinstance(elem, tuple):
        if len(elem) == 1:
            return elem[0], None, None
        if len(elem) == 2:
            return elem[0], elem[1], None
        return elem[0], elem[1], elem[2]
    return elem, None, None


def _check_data(x):
    """Keras accepts arrays, tensors, datasets, generators and structures of arrays; a list
    of plain numbers is not one of them."""
    if isinstance(x, (list, tuple)) and any(
            not hasattr(a, "shape") for a in nest.flatten(x)):
        raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")


def _adapter(x, y, sample_weight, batch_size, shuffle, steps=None):
    _check_data(x)
    if isinstance(x, tf.data.Dataset):
        if y is not None:
            raise ValueError("When providing `x` as a tf.data.Dataset, `y` should not be passed. "
                             "Instead, the targets should be included as part of the "
                             "tf.data.Dataset.")
        return _DatasetBatches(x, steps)
    if hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(
            x, (np.ndarray, list, tuple, dict, tf.Tensor))):
        return _GeneratorBatches(x, steps)
    x = nest.map_structure(np.asarray, x) if not isinstance(x, np.ndarray) else x
    if y is not None:
        y = nest.map_structure(np.asarray, y) if not isinstance(y, np.ndarray) else y
        nx, ny = _num_samples(x), _num_samples(y)
        if nx != ny:
            raise ValueError(f"Data cardinality is ambiguous. Make sure all arrays contain the "
                             f"same number of samples.'x' sizes: {nx}\n'y' sizes: {ny}\n")
    return _ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle)


class Model(Layer):
    """A layer with training: Sequential, functional (`Model(inputs, outputs)`) or subclassed."""

    _keeps_inner_masks = True  # the output's mask is the one its last layer set

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs):
            from tfedu.keras.engine.functional import Functional

            return Functional.__new__(Functional)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        from tfedu.keras.engine.functional import Functional

        if (args or "inputs" in kwargs) and not isinstance(self, Functional):
            # A Model subclass built like a functional model (`MyModel(inputs, outputs)`):
            # Keras makes it a Functional subclass, keeping the user's overrides.
            cls = type(self)
            self.__class__ = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
            Functional.__init__(self, *args, **kwargs)
            return
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        super().__init__(name=name or backend.unique_name(_snake(type(self).__name__)),
                         trainable=trainable, **kwargs)
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._train_function = None
        self._predict_function = None
        self._relaxed_steps = set()  # (step function, kind of batch) traced for any batch size
        self.loss = None
        self._compile_metrics = []
        self._loss_tracker = None
        self._run_eagerly = False
        self._initial_epoch = None

    # --- layers ----------------------------------------------------------------------------
    @property
    def layers(self):
        return [layer for layer in self._tracked_layers]

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def __call__(self, *args, **kwargs):
        return Layer.__call__(self, *args, **kwargs)  # which enters the model's name scope

    def _maybe_build(self, input_shape):
        # A subclassed model's sub-layers create their weights as the first call reaches them.
        if self._build_input_shape is None:
            self._build_input_shape = input_shape  # what a saved model's build_config records
        self.built = True

    def build(self, input_shape=None):
        """Create the weights by calling the model once on a symbolic input of that shape."""
        was_built = self.built
        self.built = True
        if input_shape is not None and not was_built:
            from tfedu.keras.engine.keras_tensor import KerasTensor

            self(KerasTensor(tuple(input_shape), self.compute_dtype))

    # --- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, loss and metrics for `fit`/`evaluate`."""
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self._loss_fn = self._resolve_loss(loss)
        self._loss_weights = loss_weights
        self._metric_spec = metrics
        self._metric_ids = list(metrics.values()) if isinstance(metrics, dict) else list(
            metrics or [])
        self._compile_metrics = None
        names = self.output_names
        self._output_loss_trackers = [metrics_mod.Mean(name=f"{n}_loss") for n in names] if (
            len(names) > 1 and isinstance(loss, (dict, list, tuple))) else []
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._run_eagerly = run_eagerly
        self._train_function = None
        self._compile_config = {
            "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
            "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": False if jit_compile == "auto" else jit_compile}
        self._distribute_strategy = _strategy_of(self)
        self.compiled = True

    def _resolve_loss(self, loss):
        if loss is None:
            return None
        if isinstance(loss, (dict, list, tuple)):
            return nest.map_structure(losses_mod.get, loss)
        return losses_mod.get(loss)

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self._train_function = None

    @property
    def metrics(self):
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        return out + list(getattr(self, "_output_loss_trackers", None) or []) + list(
            self._compile_metrics or [])

    @property
    def metrics_names(self):
        names = ["loss", "compile_metrics"] if self._metric_ids else ["loss"]
        return names + [m.name for m in getattr(self, "_output_loss_trackers", None) or []]

    @property
    def output_names(self):
        outputs = getattr(self, "outputs", None)
        if outputs:
            return [t._keras_history[0].name for t in outputs]
        return []

    def _by_output(self, spec):
        """A per-output list from a compile argument given as a list or a dict of names."""
        if isinstance(spec, dict):
            return [spec.get(name) for name in self.output_names]
        return list(spec)

    def _build_metrics(self, y, y_pred):
        if self._compile_metrics is not None:
            return
        ys, ps = nest.flatten(y), nest.flatten(y_pred)
        multi = len(ps) > 1 and isinstance(self._metric_spec, (dict, list, tuple)) and (
            isinstance(self._metric_spec, dict) or any(
                isinstance(m, (list, tuple)) for m in self._metric_spec))
        if not multi:
            yt = None if y is None else np.asarray(ys[0])
            self._compile_metrics = [metrics_mod.get(m, self.loss, yt, np.asarray(ps[0]))
                                     for m in self._metric_ids]
            self._metric_outputs = [0] * len(self._compile_metrics)
            return
        # Several outputs: each metric is tracked per output and named `<output>_<metric>`.
        losses = self._by_output(self.loss) if isinstance(self.loss, (dict, list, tuple)) \
            else [self.loss] * len(ps)
        self._compile_metrics, self._metric_outputs = [], []
        for i, specs in enumerate(self._by_output(self._metric_spec)):
            if specs is None:
                continue
            for spec in specs if isinstance(specs, (list, tuple)) else [specs]:
                m = metrics_mod.get(spec, losses[i], np.asarray(ys[i]), np.asarray(ps[i]))
                m.name = f"{self.output_names[i]}_{m.name}" if self.output_names else m.name
                self._compile_metrics.append(m)
                self._metric_outputs.append(i)

    # --- the step --------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (reduced to a scalar) plus the layers' regularization losses."""
        fn = self._loss_fn
        if fn is None:
            total = tf.constant(0.0)
        elif isinstance(fn, (list, tuple, dict)):
            parts = [w * self._apply_loss(f, t, p, sample_weight)
                     for f, t, p, w in self._output_losses(y, y_pred) if f is not None]
            total = tf.add_n(parts)
        else:
            total = self._apply_loss(fn, y, y_pred, sample_weight)
        reg = self.losses
        if reg:
            total = total + tf.add_n([tf.cast(r, total.dtype) for r in reg])
        return total

    def _output_losses(self, y, y_pred):
        """(loss fn, target, prediction, weight) per output, dicts matched by output name."""
        fs = self._by_output(self._loss_fn)
        ys = [y.get(n) for n in self.output_names] if isinstance(y, dict) else nest.flatten(y)
        ps = nest.flatten(y_pred)
        w = self._loss_weights
        ws = self._by_output(w) if w is not None else [1.0] * len(fs)
        return [(f, t, p, 1.0 if wi is None else wi) for f, t, p, wi in zip(fs, ys, ps, ws)]

    def _apply_loss(self, fn, y, y_pred, sample_weight):
        if isinstance(fn, losses_mod.Loss):
            return fn(y, y_pred, sample_weight=sample_weight)
        # Keras wraps a loss function in a LossFunctionWrapper, which aligns the ranks first.
        y, y_pred = losses_mod.squeeze_or_expand_to_same_rank(y, y_pred)
        return losses_mod.reduce_loss(fn(y, y_pred), sample_weight)

    def train_step(self, data):
        """One optimisation step on a batch; returns the loss (and predictions for metrics)."""
        x, y, sample_weight = _unpack(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scaled = _scale_loss_for_distribution(loss)
        grads = tape.gradient(scaled, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss, "y_pred": y_pred}

    def test_step(self, data):
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def _compiled(self, fn_name):
        """The step function, traced by tf.function unless the model runs eagerly."""
        fn = getattr(self, fn_name)
        if self._run_eagerly:
            return fn
        return tf.function(fn, reduce_retracing=True)

    def _step_functions(self):
        if self._train_function is None:
            self._train_function = self._compiled("train_step")
            self._test_function = self._compiled("test_step")
            self._predict_function = self._compiled("predict_step")

    def _update_metrics(self, logs, y, y_pred, sample_weight, n):
        loss = logs["loss"]
        self._loss_tracker.update_state(np.asarray(loss), sample_weight=n)
        if y is not None and y_pred is not None:
            self._build_metrics(y, y_pred)
            ys = [y.get(n) for n in self.output_names] if isinstance(y, dict) else \
                nest.flatten(y)
            ps = nest.flatten(y_pred)
            for m, i in zip(self._compile_metrics, self._metric_outputs):
                m.update_state(np.asarray(ys[i]), np.asarray(ps[i]))  # unweighted, as Keras
            if self._output_loss_trackers:
                for tracker, (f, t, p, _) in zip(self._output_loss_trackers,
                                                 self._output_losses(y, y_pred)):
                    if f is not None:
                        value = self._apply_loss(f, t, p, sample_weight)
                        tracker.update_state(np.asarray(value), sample_weight=n)

    def _results(self):
        out = {}
        for m in self.metrics:
            out[m.name] = float(np.asarray(m.result()))
        return out

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _run_batch(self, fn, x, y, sw):
        xt = nest.map_structure(_to_tensor, x)
        yt = None if y is None else nest.map_structure(_to_tensor, y)
        data = (xt,) if yt is None else ((xt, yt) if sw is None else (xt, yt, _to_tensor(sw)))
        return self._call_step(fn, data), yt

    def _run_train_batch(self, x, y, sw):
        """One training step; under a tf.distribute strategy, on each replica's slice."""
        strategy = getattr(self, "_distribute_strategy", None)
        if strategy is None or strategy.num_replicas_in_sync == 1 or self._run_eagerly:
            return self._run_batch(self._train_function, x, y, sw)
        return strategy.extended._keras_train_batch(self, x, y, sw)

    def _call_step(self, fn, data):
        """Call a step function. Its first trace for a kind of batch has an unknown batch
        size, as the specs of Keras's dataset iterator do, so the last, smaller batch and
        later epochs reuse that one graph."""
        if hasattr(fn, "get_concrete_function"):
            flat = nest.flatten(data)
            if flat and all(isinstance(t, tf.Tensor) and t.shape.rank for t in flat):
                key = (id(fn), str(nest.map_structure(lambda t: 0, data)),
                       tuple((t.dtype, tuple(t.shape.as_list()[1:])) for t in flat))
                if key not in self._relaxed_steps:
                    self._relaxed_steps.add(key)
                    fn.get_concrete_function(nest.map_structure(
                        lambda t: tf.TensorSpec([None] + t.shape.as_list()[1:], t.dtype), data))
        return fn(data)

    # --- fit / evaluate / predict ----------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a `History`."""
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        if validation_split and validation_data is None:
            if isinstance(x, tf.data.Dataset):
                raise ValueError("Argument `validation_split` is only supported for tensors or "
                                 "NumPy arrays.Found incompatible type in the input: "
                                 f"{[type(x)]}")
            n = _num_samples(x)
            split = int(n * (1.0 - validation_split))
            validation_data = (_slice(x, slice(split, None)), _slice(y, slice(split, None)))
            x, y = _slice(x, slice(0, split)), _slice(y, slice(0, split))
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[:split]
        if class_weight is not None and sample_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        if class_weight is not None and y is not None:
            labels = np.asarray(y)
            labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else \
                labels.reshape(len(labels), -1)[:, 0]
            cw = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        data = _adapter(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        verbose = 1 if verbose == "auto" else verbose
        hist = callbacks_mod.History()
        cbs = list(callbacks or [])
        cbs.extend(notebook.fit_callbacks(verbose))
        cbs.append(hist)
        cb = callbacks_mod.CallbackList(cbs, model=self, verbose=verbose, epochs=epochs,
                                        steps=data.steps)
        self._step_functions()
        self.stop_training = False
        cb.on_train_begin()
        # BackupAndRestore sets where a restarted fit goes on (Keras's `_initial_epoch`).
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        self._initial_epoch = None
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            with _training_scope(None):
                for step, (bx, by, bsw) in enumerate(data.epoch()):
                    cb.on_train_batch_begin(step)
                    out, yt = self._run_train_batch(bx, by, bsw)
                    logs = self._step_logs(out, yt, bsw, bx)
                    cb.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
            epoch_logs = self._epoch_results()
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = self.evaluate(*_val_args(validation_data),
                                    batch_size=validation_batch_size or batch_size,
                                    steps=validation_steps, verbose=0, return_dict=True,
                                    _reset=True, _callbacks=cb)
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            cb.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cb.on_train_end(epoch_logs)
        return hist

    def _callback_list(self, callbacks, verbose, steps):
        """The user's callbacks plus a progress bar, as `evaluate`/`predict` run them."""
        verbose = 1 if verbose == "auto" else verbose
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(callbacks_mod.ProgbarLogger())
        return callbacks_mod.CallbackList(cbs, model=self, verbose=verbose, epochs=1,
                                          steps=steps)

    def _step_logs(self, out, y, sw, x):
        if isinstance(out, dict) and "y_pred" in out:
            n = _num_samples(x) if not isinstance(x, dict) else _num_samples(
                next(iter(x.values())))
            self._update_metrics(out, y, out["y_pred"], sw, n)
            self._custom_logs = None
            return self._results()
        # An overridden train_step's own logs are what Keras reports (the last batch's).
        self._custom_logs = {k: float(np.asarray(v)) for k, v in (out or {}).items()}
        return dict(self._custom_logs)

    def _epoch_results(self):
        custom = getattr(self, "_custom_logs", None)
        return dict(custom) if custom is not None else self._results()

    def _ordered_values(self, results):
        """Keras's list order: loss, per-output losses, the compiled metrics (grouped by
        output name when there are several outputs), then any other logs by name."""
        head = ["loss"] + [m.name for m in getattr(self, "_output_loss_trackers", None) or []]
        metrics = list(zip(self._compile_metrics or [], getattr(self, "_metric_outputs", [])))
        if len({i for _, i in metrics}) > 1:
            names = self.output_names
            metrics.sort(key=lambda mi: names[mi[1]] if mi[1] < len(names) else "")
        head += [m.name for m, _ in metrics]
        values = [results[k] for k in head if k in results]
        values += [results[k] for k in sorted(results) if k not in head]
        return values[0] if len(values) == 1 else values

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _reset=True, _callbacks=None):
        """Loss and metrics on the data: a float, a list in compile order, or a dict."""
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        data = _adapter(x, y, sample_weight, batch_size, False, steps)
        cb = _callbacks or self._callback_list(callbacks, verbose, data.steps)
        self._step_functions()
        if _reset:
            self.reset_metrics()
        cb.on_test_begin()
        for step, (bx, by, bsw) in enumerate(data.epoch()):
            cb.on_test_batch_begin(step)
            out, yt = self._run_batch(self._test_function, bx, by, bsw)
            cb.on_test_batch_end(step, self._step_logs(out, yt, bsw, bx))
        results = self._epoch_results()
        cb.on_test_end(results)
        if return_dict:
            return results
        return self._ordered_values(results)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for `x`, batched, as numpy arrays."""
        if isinstance(x, tf.data.Dataset):
            data = _DatasetBatches(x, steps)
        else:
            _check_data(x)
            data = _ArrayBatches(nest.map_structure(np.asarray, x) if not isinstance(
                x, np.ndarray) else x, None, None, batch_size or 32, False)
        cb = self._callback_list(callbacks, verbose, data.steps)
        self._step_functions()
        outs = []
        cb.on_predict_begin()
        for step, (bx, _, _) in enumerate(data.epoch()):
            cb.on_predict_batch_begin(step)
            xt = nest.map_structure(_to_tensor, bx)
            outs.append(nest.map_structure(np.asarray, self._call_step(self._predict_function,
                                                                        (xt,))))
            cb.on_predict_batch_end(step, {"outputs": outs[-1]})
        cb.on_predict_end()
        if not outs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information of "
                             "where went wrong, or file a issue/bug to `tf.keras`.")
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        self._step_functions()
        self.reset_metrics()
        out, yt = self._run_batch(self._train_function, x, y, sample_weight)
        logs = self._step_logs(out, yt, sample_weight, x)
        if return_dict:
            return logs
        return self._ordered_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        self._step_functions()
        self.reset_metrics()
        out, yt = self._run_batch(self._test_function, x, y, sample_weight)
        logs = self._step_logs(out, yt, sample_weight, x)
        if return_dict:
            return logs
        return self._ordered_values(logs)

    def predict_on_batch(self, x):
        self._step_functions()
        return np.asarray(self._call_step(self._predict_function, (_to_tensor(x),)))

    # --- summary and saving ----------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the graph of the forward pass (built models); text stays repr."""
        from tfedu.viz.reprs import model_bundle

        return model_bundle(self, include, exclude)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        from tfedu.keras.summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn)

    def get_config(self):
        return Layer.get_config(self) if self.__dict__.get("_auto_config") is not None else {
            "name": self.name, "trainable": self.trainable}

    def get_compile_config(self):
        """The arguments `compile` was given, as Keras writes them in a saved model."""
        from tfedu.keras.saving.model_config import get_compile_config

        return get_compile_config(self)

    def compile_from_config(self, config):
        from tfedu.keras.saving.model_config import compile_from_config

        compile_from_config(self, config)

    def to_json(self, **kwargs):
        import json

        from tfedu.keras.saving import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save as `.keras` (Keras 3's zip) or legacy `.h5`."""
        from tfedu.keras.saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None,
               **kwargs):
        """Write a SavedModel for inference (endpoints `serve` and `serving_default`)."""
        from tfedu.saved_model.keras_export import export_model

        export_model(self, filepath, format=format, verbose=verbose,
                     input_signature=input_signature, **kwargs)

    def _default_serving_function(self):
        """`serving_default` when `tf.saved_model.save` gets this model without signatures."""
        from tfedu.saved_model.keras_export import default_serving_function

        return default_serving_function(self)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights (and the optimizer's state) as Keras 3's `.weights.h5`."""
        from tfedu.keras.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from `.weights.h5`, `.keras` or legacy `.h5`."""
        from tfedu.keras.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)


def _distribute_lib():
    """tf.distribute's context module, if a program has used tf.distribute (else None)."""
    import sys

    return sys.modules.get("tfedu.distribute.distribute_lib")


def _strategy_of(model):
    """The strategy a model was built (or compiled) under: Keras trains with it in `fit`."""
    lib = _distribute_lib()
    if lib is None:
        return None
    if lib.has_strategy():
        return lib.get_strategy()
    for v in model.weights:
        if getattr(v, "_strategy", None) is not None:
            return v._strategy
    return None


def _scale_loss_for_distribution(loss):
    """Each replica's mean loss divided by the replicas: the summed gradients then average."""
    lib = _distribute_lib()
    n = lib.get_strategy().num_replicas_in_sync if lib is not None else 1
    return loss if n == 1 else loss * (1.0 / n)


def _val_args(validation_data):
    if isinstance(validation_data, tf.data.Dataset):
        return (validation_data,)
    if len(validation_data) == 2:
        return validation_data
    return validation_data[0], validation_data[1], validation_data[2]

