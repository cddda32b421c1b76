"""TF 1.x dataset iterators in graphs: `make_one_shot_iterator` / `make_initializable_iterator`.

The iterator's position is session state, like a variable's value: it lives in the Session's
resource store under the iterator's key. `IteratorGetNext` pulls the next element (one output
per component); at the end it raises `OutOfRangeError`, which is how a TF 1.x input loop ends:

    next_batch = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    while True:
        try: sess.run(train, {...: sess.run(next_batch)})
        except tf.errors.OutOfRangeError: break
"""

from __future__ import annotations

import itertools

from tfedu.framework import context, errors, nest
from tfedu.framework.execute import execute
from tfedu.framework.func_graph import init_scope
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import ALL, register_op

__all__ = ["make_one_shot_iterator", "make_initializable_iterator", "GraphIterator"]

_ids = itertools.count()


class _IteratorState:
    __slots__ = ("it",)

    def __init__(self, dataset):
        self.it = iter(dataset._iter_arrays())


def _get_next_kernel(resources, dataset=None, key="", one_shot=True, owner=None, **_):
    # The pipeline's own functions (map, filter) run eagerly even when the session is run
    # inside `Graph.as_default()` (as an Estimator does): leave the graph while pulling.
    with _eager():
        return _get_next(resources, dataset, key, one_shot, owner)


def _eager():
    return init_scope()


def _get_next(resources, dataset, key, one_shot, owner):
    if owner is not None:  # an eager iterator passed to a tf.function: it advances per call
        return _next_components(owner._it)
    state = resources.get(key)
    if state is None:
        if not one_shot:
            raise OpCheckError("GetNext() failed because the iterator has not been initialized. "
                               "Ensure that you have run the initializer operation for this "
                               "iterator before getting the next element.",
                               errors.FailedPreconditionError)
        state = resources[key] = _IteratorState(dataset)
    return _next_components(state.it)


def _next_components(it):
    """The next element's components, or OutOfRange at the end (how TF 1.x input loops end)."""
    try:
        element = next(it)
    except StopIteration:
        raise OpCheckError("End of sequence", errors.OutOfRangeError) from None
    return tuple(nest.flatten(element))


def owned_get_next(iterator):
    """`next(iterator)` while tracing: an `IteratorGetNext` op that pulls from the eager
    iterator each time the graph runs (not once, while tracing)."""
    outs = execute(ITERATOR_GET_NEXT, [], {"dataset": iterator._dataset, "key": "",
                                           "one_shot": True, "owner": iterator},
                   default_name="IteratorGetNext")
    if not isinstance(outs, list):
        outs = [outs]
    return nest.pack_sequence_as(iterator.element_spec, outs)


def _get_next_infer(op):
    return [(s.shape, s.dtype) for s in nest.flatten(op.attrs["dataset"].element_spec)]


def _make_iterator_kernel(resources, dataset=None, key="", **_):
    resources[key] = _IteratorState(dataset)


ITERATOR_GET_NEXT = register_op(
    "IteratorGetNext", group="io", inputs=(), outputs=("components: N*T",), type_attrs={"T": ALL},
    export={"graphdef": {"unsupported": "tf.data pipelines are not written into graphs"}},
    attrs={"dataset": None, "key": "", "one_shot": True, "owner": None}, infer=_get_next_infer,
    kernel=_get_next_kernel, stateful=True, uses_resources=True,
    doc="The next element of a dataset iterator held by the session (OutOfRange at the end).")

MAKE_ITERATOR = register_op(
    "MakeIterator", group="io", inputs=(), outputs=(), attrs={"dataset": None, "key": ""},
    export={"graphdef": {"unsupported": "tf.data pipelines are not written into graphs"}},
    infer=lambda op: [], kernel=_make_iterator_kernel, stateful=True, uses_resources=True,
    doc="(Re)starts an initializable iterator at the beginning of its dataset.")


class GraphIterator:
    """A v1 dataset iterator in a graph: `get_next()` tensors, `initializer` op."""

    def __init__(self, dataset, one_shot: bool, name=None):
        self._dataset = dataset
        self._one_shot = one_shot
        self._key = f"{name or 'Iterator'}_{next(_ids)}"
        self._graph = context.get_default_graph()
        self._initializer = None
        if not one_shot:
            execute(MAKE_ITERATOR, [], {"dataset": dataset, "key": self._key},
                    default_name="MakeIterator")
            self._initializer = self._graph._ops[-1]

    @property
    def element_spec(self):
        return self._dataset.element_spec

    output_shapes = property(lambda self: nest.map_structure(lambda s: s.shape,
                                                             self.element_spec))
    output_types = property(lambda self: nest.map_structure(lambda s: s.dtype,
                                                            self.element_spec))

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    def get_next(self, name=None):
        """Tensors for the next element (a new `IteratorGetNext` op; run it to advance)."""
        outs = execute(ITERATOR_GET_NEXT, [], {"dataset": self._dataset, "key": self._key,
                                                "one_shot": self._one_shot},
                       name=name, default_name="IteratorGetNext")
        if not isinstance(outs, list):
            outs = [outs]
        return nest.pack_sequence_as(self.element_spec, outs)


def make_one_shot_iterator(dataset):
    """An iterator that starts by itself on first use (eagerly: `iter(dataset)`)."""
    if context.executing_eagerly():
        return iter(dataset)
    return GraphIterator(dataset, one_shot=True, name="OneShotIterator")


def make_initializable_iterator(dataset, shared_name=None):
    """An iterator that must be (re)started by running its `initializer`."""
    if context.executing_eagerly():
        raise RuntimeError("dataset.make_initializable_iterator is not supported when eager "
                           "execution is enabled. Use `for element in dataset` instead.")
    return GraphIterator(dataset, one_shot=False, name="Iterator")
