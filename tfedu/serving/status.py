"""Errors as TF Serving reports them: a status code, a message, and the HTTP status it maps to.

Request handling raises tfedu's `tf.errors` classes (`InvalidArgumentError`, `NotFoundError`,
...); `status_of` turns any exception into TF Serving's (code, message) pair, so a bug in a
model or in tfedu becomes an INTERNAL error in the response, never a dead server.
"""

from __future__ import annotations

from tfedu.framework import errors

CODE_NAMES = {
    errors.OK: "OK", errors.CANCELLED: "CANCELLED", errors.UNKNOWN: "UNKNOWN",
    errors.INVALID_ARGUMENT: "INVALID_ARGUMENT", errors.DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
    errors.NOT_FOUND: "NOT_FOUND", errors.ALREADY_EXISTS: "ALREADY_EXISTS",
    errors.PERMISSION_DENIED: "PERMISSION_DENIED",
    errors.RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
    errors.FAILED_PRECONDITION: "FAILED_PRECONDITION", errors.ABORTED: "ABORTED",
    errors.OUT_OF_RANGE: "OUT_OF_RANGE", errors.UNIMPLEMENTED: "UNIMPLEMENTED",
    errors.INTERNAL: "INTERNAL", errors.UNAVAILABLE: "UNAVAILABLE",
    errors.DATA_LOSS: "DATA_LOSS", errors.UNAUTHENTICATED: "UNAUTHENTICATED",
}

# TF Serving's http_server.cc: ToHTTPStatusCode.
HTTP_STATUS = {
    errors.OK: 200, errors.CANCELLED: 499, errors.UNKNOWN: 500,
    errors.INVALID_ARGUMENT: 400, errors.DEADLINE_EXCEEDED: 504, errors.NOT_FOUND: 404,
    errors.ALREADY_EXISTS: 409, errors.PERMISSION_DENIED: 403,
    errors.RESOURCE_EXHAUSTED: 429, errors.FAILED_PRECONDITION: 400, errors.ABORTED: 409,
    errors.OUT_OF_RANGE: 400, errors.UNIMPLEMENTED: 501, errors.INTERNAL: 500,
    errors.UNAVAILABLE: 503, errors.DATA_LOSS: 500, errors.UNAUTHENTICATED: 401,
}


def invalid(*parts) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, "".join(str(p) for p in parts))


def not_found(*parts) -> errors.NotFoundError:
    return errors.NotFoundError(None, None, "".join(str(p) for p in parts))


def status_of(exc: BaseException) -> tuple[int, str]:
    """(TF status code, message) for an exception raised while serving a request."""
    if isinstance(exc, errors.OpError):
        return exc.error_code, exc.message
    if isinstance(exc, (ValueError, TypeError)):
        return errors.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, FileNotFoundError):
        return errors.NOT_FOUND, str(exc)
    if isinstance(exc, MemoryError):
        return errors.RESOURCE_EXHAUSTED, "Out of memory while serving the request"
    return errors.INTERNAL, f"{type(exc).__name__}: {exc}"


def to_string(code: int, message: str) -> str:
    """absl::Status::ToString(): `INVALID_ARGUMENT: message`."""
    return f"{CODE_NAMES[code]}: {message}"
