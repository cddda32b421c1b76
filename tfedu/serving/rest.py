"""TF Serving's REST API as a Starlette application (served by uvicorn).

    GET  /v1/models/NAME[/versions/N|/labels/L]             status
    GET  /v1/models/NAME[/versions/N|/labels/L]/metadata    signature defs
    POST /v1/models/NAME[/versions/N|/labels/L]:predict     also :classify, :regress

Paths are matched with TF Serving's own regular expressions; anything else under /v1/ is
`Malformed request: METHOD PATH` (400). Every answer is `application/json`; errors are
`{"error": message}` with the HTTP status of the error's code. The request body is read up to
`max_body_bytes` (413 beyond it) and handled in a worker thread, so a slow model or a huge
request never blocks the event loop, and no request can take the server down: whatever a
request raises becomes its own error response.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tfedu.serving import json_codec
from tfedu.serving.core import ServingCore, metadata_json, status_json
from tfedu.serving.jsonwriter import error_body
from tfedu.serving.status import HTTP_STATUS, invalid, status_of

PREDICTION_API = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r":(classify|regress|predict)")
MODEL_STATUS_API = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r"(?:\/(metadata))?")
_V1 = re.compile(r"(?i)/v1/")
INT64_MAX = 2 ** 63 - 1
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
METRICS_PATH = "/monitoring/prometheus/metrics"


class RequestTooLarge(Exception):
    pass


def parse_path(method: str, path: str):
    """ParseModelInfo: (name, version, label, method or subresource), or None if no match."""
    if method == "POST":
        m = PREDICTION_API.fullmatch(path)
    elif method == "GET":
        m = MODEL_STATUS_API.fullmatch(path)
    else:
        m = None
    if m is None:
        return None
    name, version, label, what = m.groups()
    if version is not None and int(version) > INT64_MAX:
        raise invalid("Failed to convert version: ", version, " to numeric.")
    return (unquote(name) if name else "", None if version is None else int(version),
            unquote(label) if label else None, (what or "").lower())


def process(core: ServingCore, method: str, path: str, body: bytes) -> str:
    """The response body for one request (raises the request's error)."""
    route = parse_path(method, path)
    if route is None:
        raise invalid("Malformed request: ", method, " ", path)
    name, version, label, what = route
    if method == "POST":
        if what == "predict":
            return predict(core, name, version, label, body)
        from tfedu.serving.classify import classify_or_regress

        return classify_or_regress(core, what, name, version, label, body)
    if not name:
        raise invalid("Missing model name in request.")
    if what == "metadata":
        return metadata_json(core.metadata(name, version, label))
    return status_json(core.status(name, version, label))


def predict(core: ServingCore, name, version, label, body: bytes) -> str:
    doc = json_codec.parse_json(body)
    sig_name = json_codec.signature_name(doc)
    servable = core.servable(name, version, label)
    key = sig_name or "serving_default"
    sig = servable.signature_defs.get(key)
    if sig is None or key.startswith("__"):
        raise invalid('Serving signature name: "', key, '" not found in signature def')
    fmt, inputs = json_codec.predict_inputs(doc, dict(sig.inputs), sig_name)
    outputs = core.run(servable, sig_name, inputs)
    return json_codec.predict_response(outputs, fmt)


async def _read_body(request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _json(body: str, status: int = 200) -> Response:
    return Response(body.encode("utf-8", errors="surrogateescape"), status_code=status,
                    media_type="application/json")


def make_app(core: ServingCore, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    """The Starlette app serving `core` under /v1/ (and batching metrics)."""

    async def v1(request):
        path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        path = path.split("?", 1)[0]
        try:
            body = await _read_body(request, max_body_bytes) if request.method == "POST" else b""
        except RequestTooLarge as e:
            return _json(error_body(f"Request body of {e.args[0]} bytes is larger than the "
                                    f"server's limit of {max_body_bytes} bytes"), 413)
        try:
            return _json(await run_in_threadpool(process, core, request.method, path, body))
        except Exception as e:  # the request's error, never the server's
            code, message = status_of(e)
            return _json(error_body(message), HTTP_STATUS.get(code, 500))

    async def route(request):
        path = request.url.path
        if path == METRICS_PATH and request.method == "GET":
            return PlainTextResponse(core.metrics_text())
        if _V1.match(path):
            return await v1(request)
        return PlainTextResponse("Not Found", status_code=404)

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{rest:path}", route, methods=methods)])
