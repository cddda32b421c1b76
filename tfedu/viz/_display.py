"""Shared pieces of the notebook views: escaped SVG fallbacks and throttled live display."""

from __future__ import annotations

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


class LiveDisplay:
    """One notebook output updated in place (`update_display`), at most every `interval` s.

    `touch()` marks new data; the output is refreshed right away when the last refresh is
    older than `interval`, else at the next `touch` or `flush` (the end of the cell).
    """

    def __init__(self, bundle: Callable[[], dict], interval: float = 0.25):
        self._bundle = bundle
        self.interval = interval
        self._handle = None
        self._last = 0.0
        self._dirty = False
        self.updates = 0

    def show(self) -> None:
        from IPython.display import display

        self._handle = display(self._bundle(), raw=True, display_id=True)
        self._last = time.monotonic()
        self._dirty = False
        _register_flush(self)

    @property
    def shown(self) -> bool:
        return self._handle is not None

    def touch(self) -> None:
        self._dirty = True
        if self._handle is not None and time.monotonic() - self._last >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self._handle is None or not self._dirty:
            return
        self._handle.update(self._bundle(), raw=True)
        self._last = time.monotonic()
        self._dirty = False
        self.updates += 1


_live: list = []
_hooked = False


def _flush_all(*_args) -> None:
    for live in list(_live):
        live.flush()


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
