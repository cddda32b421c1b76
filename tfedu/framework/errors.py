"""`tf.errors`: TensorFlow's exception classes and codes.

Every runtime failure of an op is an `OpError` subclass carrying the op and a message meant for
a student. Eager messages end like TensorFlow's: `... [Op:AddV2] name: `.
"""

from __future__ import annotations

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class OpError(Exception):
    """The base class of errors raised while running an op (`tf.errors.OpError`)."""

    error_code = UNKNOWN

    def __init__(self, node_def, op, message, *args):
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = message

    @property
    def message(self) -> str:
        return self._message

    @property
    def op(self):
        return self._op

    @property
    def node_def(self):
        return self._node_def

    def __str__(self) -> str:
        return self._message

    def __reduce__(self):
        return type(self), (self._node_def, self._op, self._message)

    def _render_traceback_(self):
        """In IPython: the usual traceback (TF's text), then the user's line that made the
        failing op and a hint (`tfedu.viz.error_hints`; a display hook like _repr_*_)."""
        from tfedu.viz.error_hints import render_traceback

        return render_traceback(self)


def _make(name: str, code: int) -> type:
    cls = type(name, (OpError,), {"error_code": code, "__module__": __name__})

    def __init__(self, node_def, op, message, *args):
        OpError.__init__(self, node_def, op, message)

    cls.__init__ = __init__
    return cls


CancelledError = _make("CancelledError", CANCELLED)
UnknownError = _make("UnknownError", UNKNOWN)
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _make("NotFoundError", NOT_FOUND)
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _make("AbortedError", ABORTED)
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED)
InternalError = _make("InternalError", INTERNAL)
UnavailableError = _make("UnavailableError", UNAVAILABLE)
DataLossError = _make("DataLossError", DATA_LOSS)
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED)


class OperatorNotAllowedInGraphError(TypeError):
    """Using a symbolic tensor as a Python bool (or iterating it) while building a graph."""


def kernel_error(cls: type, op_type: str, message: str, name: str = "", wrapped: bool = True):
    """An error as raised by a kernel in eager mode, with TF's decoration.

    `wrapped` adds TF's `{{function_node __wrapped__<Op>_device_...}}` prefix, which TensorFlow
    prints for errors raised inside a kernel (as opposed to during shape/type checking).
    """
    prefix = f"{{{{function_node __wrapped__{op_type}_device_{CPU_DEVICE}}}}} " if wrapped else ""
    return cls(None, None, f"{prefix}{message} [Op:{op_type}] name: {name}")


__all__ = [n for n in dir() if n.endswith("Error") or n.isupper()] + ["kernel_error"]
