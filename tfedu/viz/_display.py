"""Shared pieces of the notebook views: escaped SVG fallbacks and throttled live display
(a widget in a kernel with ipywidgets, else `update_display` of MIME bundles)."""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from html import escape
from typing import Any


def svg_text(x: float, y: float, text: str, size: int = 12, **attrs: Any) -> str:
    """An SVG `<text>` element with `text` escaped (user strings never become markup)."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" '
            f'font-family="sans-serif"{extra}>{escape(str(text))}</text>')


def wants(mime: str, include=None, exclude=None) -> bool:
    """Whether a `_repr_mimebundle_` call asks for `mime`."""
    return (include is None or mime in include) and not (exclude and mime in exclude)


def live_widgets() -> bool:
    """Whether live views use a widget: inside a Jupyter kernel with ipywidgets installed
    (`TFEDU_WIDGETS=0` turns it off)."""
    if os.environ.get("TFEDU_WIDGETS", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    from tfedu.keras.notebook import in_notebook

    if not in_notebook():
        return False
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except ValueError:  # a stand-in module without a spec (tests)
        return False


class LiveDisplay:
    """One notebook output kept up to date, redrawn at most every `interval` s.

    `bundle()` gives the static MIME bundle. With `kind` and `payload` (a callable) and a
    kernel with ipywidgets, the output is a `TfeduWidget`: `touch()` updates its synced
    payload (throttled), and the output's static data (what a saved notebook keeps) is
    refreshed with `update_display` when a cell finishes (`save()`). Otherwise `touch()`
    redraws the output itself with `update_display`. `final_bundle` (default: `bundle`) is
    the bundle written by `save()`, possibly slower to make (a PNG). `actions` answer the
    widget's requests.
    """

    def __init__(self, bundle: Callable[[], dict], interval: float = 0.25,
                 kind: str | None = None, payload: Callable[[], dict] | None = None,
                 actions: dict[str, Callable[[dict], dict]] | None = None,
                 final_bundle: Callable[[], dict] | None = None):
        self._bundle = bundle
        self._final = final_bundle or bundle
        self.interval = interval
        self._kind = kind
        self._payload = payload
        self._actions = dict(actions or {})
        self._handle = None
        self.widget = None
        self._last = float("-inf")  # never drawn: the first touch draws at once
        self._dirty = False
        self._stale = False
        self.updates = 0

    def show(self) -> None:
        from IPython.display import display

        if self.widget is not None:  # shown again (a new cell): the old output keeps its state
            self.save()
            self.widget.close()
        self.widget = None
        if self._kind is not None and self._payload is not None and live_widgets():
            from tfedu.viz.widgets import TfeduWidget

            self.widget = TfeduWidget(self._kind, self._payload(), fallback=self._final)
            for action, handler in self._actions.items():
                self.widget.on_action(action, handler)
            data = self.widget.bundle(self._bundle())  # quick first picture; save() is final
        else:
            data = self._bundle()
        self._handle = display(data, raw=True, display_id=True)
        self._last = time.monotonic()
        self._dirty = False
        self._stale = False
        _register_flush(self)

    @property
    def shown(self) -> bool:
        return self._handle is not None

    def touch(self) -> None:
        self._dirty = True
        if self._handle is not None and time.monotonic() - self._last >= self.interval:
            self.flush()

    def flush(self) -> None:
        """Draw pending changes now (the widget's payload, or the whole output)."""
        if self._handle is None or not self._dirty:
            return
        if self.widget is not None:
            self.widget.payload = self._payload()
        else:
            self._handle.update(self._bundle(), raw=True)
        self._stale = True
        self._last = time.monotonic()
        self._dirty = False
        self.updates += 1

    def save(self) -> None:
        """Flush, then write the current state into the output's static data (what a saved
        notebook keeps)."""
        self.flush()
        if self._handle is None or not self._stale:
            return
        if self.widget is not None:
            self._handle.update(self.widget.bundle(), raw=True)
        elif self._final is not self._bundle:
            self._handle.update(self._final(), raw=True)
        self._stale = False


_live: list = []
_hooked = False


def _flush_all(*_args) -> None:
    for live in list(_live):
        live.save()


def _register_flush(live: LiveDisplay) -> None:
    """Flush pending updates when each notebook cell finishes."""
    global _hooked
    if live not in _live:
        _live.append(live)
    if _hooked:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is not None:
        ip.events.register("post_run_cell", _flush_all)
        _hooked = True
