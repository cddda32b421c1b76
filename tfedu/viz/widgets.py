"""The ipywidgets side of tfedu's live views (front end: the `tfedu-lab` JupyterLab extension).

A `TfeduWidget` syncs `kind` ("curves" or "retracing") and `payload` (the JSON the static MIME
views read), so the notebook draws it with the same code as a static output. Its output also
carries that static payload and a picture (SVG or PNG), refreshed by `update_display`, so a
saved notebook shows the last state with no kernel, no extension, or in nbconvert.

This module imports ipywidgets: import it only when `live_widgets()` (in `_display`) is true.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets
from traitlets import Dict, Unicode

__all__ = ["LIVE_MIME_TYPE", "TfeduWidget"]

LIVE_MIME_TYPE = "application/vnd.tfedu.live+json"
MODULE_NAME = "tfedu-lab"
MODULE_VERSION = "^0.1.0"


class TfeduWidget(ipywidgets.DOMWidget):
    """A live tfedu view: `payload` changes redraw it in place.

    `fallback()` gives the static MIME bundle shown where the widget cannot be (saved
    notebooks, other front ends). Messages from the view (`{"action": ..., "request": n}`)
    go to the handler registered for their action with `on_action`; its dict (or error) is
    sent back with the same request number.
    """

    _model_name = Unicode("TfeduViewModel").tag(sync=True)
    _model_module = Unicode(MODULE_NAME).tag(sync=True)
    _model_module_version = Unicode(MODULE_VERSION).tag(sync=True)
    _view_name = Unicode("TfeduView").tag(sync=True)
    _view_module = Unicode(MODULE_NAME).tag(sync=True)
    _view_module_version = Unicode(MODULE_VERSION).tag(sync=True)
    kind = Unicode("").tag(sync=True)
    payload = Dict().tag(sync=True)

    def __init__(self, kind: str, payload: dict,
                 fallback: Callable[[], dict] | None = None, **kwargs: Any):
        super().__init__(kind=kind, payload=payload, **kwargs)
        self._fallback = fallback
        self._actions: dict[str, Callable[[dict], dict]] = {}
        self.on_msg(self._on_message)

    def on_action(self, action: str, handler: Callable[[dict], dict]) -> None:
        """Answer the view's `action` requests with `handler(content)` (a JSON-able dict)."""
        self._actions[action] = handler

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        action = content.get("action")
        reply: dict[str, Any] = {"action": action, "request": content.get("request")}
        handler = self._actions.get(action) if isinstance(action, str) else None
        if handler is None:
            reply["error"] = f"unknown action {action!r}"
        else:
            try:
                reply.update(handler(content))
            except Exception as e:  # the view shows the error; the kernel carries on
                reply["error"] = f"{type(e).__name__}: {e}"
        self.send(reply)

    def bundle(self, static: dict | None = None) -> dict:
        """The live MIME (model id) next to `static` (default: `fallback()`).

        The generic widget-view MIME is left out on purpose: front ends without the tfedu
        extension (nbconvert, other viewers) then fall back to the picture instead of an
        empty or broken widget; with the extension, the live MIME's renderer shows the
        widget's view while its model exists and the static payload otherwise.
        """
        if static is None:
            static = self._fallback() if self._fallback is not None else {}
        out = dict(static)
        out.setdefault("text/plain", f"<tfedu {self.kind} view>")
        out[LIVE_MIME_TYPE] = {"model_id": self.model_id, "kind": self.kind}
        return out

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.bundle()
