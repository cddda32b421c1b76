"""Training curves (`application/vnd.tfedu.curves+json`, schema v1).

`TrainingCurves` is a small logger: `log(step=..., epoch=..., loss=..., val_loss=...)` from a
custom training loop, or pass it to `model.fit(callbacks=[curves])`. Displayed in a notebook
it redraws in place (throttled) while training runs: a live widget in a kernel with ipywidgets,
else `update_display`. Several runs overlay. The final state is what the saved notebook keeps,
with a picture (PNG drawn by matplotlib, else SVG) for viewers without the extension.

In a notebook, `model.fit` shows these curves by itself (`disable_fit_curves()` stops it).
"""

from __future__ import annotations

import base64
import io
import json
import math
from importlib import resources
from typing import Any

from tfedu.viz._display import LiveDisplay, svg_text, wants

__all__ = ["CURVES_MIME_TYPE", "TrainingCurves", "curves_schema", "disable_fit_curves",
           "enable_fit_curves"]

CURVES_MIME_TYPE = "application/vnd.tfedu.curves+json"
CURVES_SCHEMA_VERSION = 1
MAX_BATCH_POINTS = 2000  # per series; older batch points are thinned (every other one)
_COLORS = ["#1c7ed6", "#e8590c", "#2f9e44", "#9c36b5", "#f08c00", "#0c8599", "#c2255c"]


def curves_schema() -> dict:
    """The JSON Schema of curves payload version 1."""
    text = resources.files("tfedu.viz").joinpath("schemas/curves.v1.json").read_text("utf-8")
    return json.loads(text)


def _split(name: str) -> tuple[str, str]:
    """("loss", "validation") for "val_loss"; ("loss", "training") for "loss"."""
    if name.startswith("val_"):
        return name[4:], "validation"
    return name, "training"


class TrainingCurves:
    """Loss and metric curves per batch and per epoch, for one or more training runs.

    Also a Keras callback: `model.fit(..., callbacks=[curves])` logs every batch (training)
    and every epoch (training and validation), one run per `fit` call.
    """

    def __init__(self, title: str = "Training", interval: float = 0.25, live: bool = True):
        self.title = title
        self.runs: list[dict] = []
        self._live = LiveDisplay(self._live_bundle, interval, kind="curves", payload=self.payload,
                                 final_bundle=self._bundle,
                                 actions={"clear": self._clear_action}) if live else None
        self._step = 0
        # Keras callback state
        self.model = None
        self.params: dict = {}
        self._epoch = 0

    # --- logger API -----------------------------------------------------------------------
    def start_run(self, name: str | None = None) -> dict:
        """Begin a new run (a new set of lines overlaid on the earlier ones)."""
        run = {"name": name or f"run {len(self.runs) + 1}", "series": []}
        self.runs.append(run)
        self._step = 0
        return run

    def clear_earlier_runs(self) -> None:
        """Forget every run but the last one (the live view's "Keep last run" button)."""
        del self.runs[:-1]
        if self._live is not None:
            self._live.touch()
            self._live.save()

    def _clear_action(self, content: dict) -> dict:
        self.clear_earlier_runs()
        return {"runs": len(self.runs)}

    def _run(self) -> dict:
        return self.runs[-1] if self.runs else self.start_run()

    def _series(self, run: dict, metric: str, split: str, level: str) -> dict:
        for s in run["series"]:
            if (s["metric"], s["split"], s["level"]) == (metric, split, level):
                return s
        s = {"metric": metric, "split": split, "level": level, "points": []}
        run["series"].append(s)
        return s

    def log(self, step: int | None = None, epoch: float | None = None,
            **metrics: float) -> None:
        """Record metric values (names starting with `val_` are validation).

        With `step`, the values are per batch (x = step); with only `epoch`, per epoch.
        """
        run = self._run()
        if step is None and epoch is None:
            step = self._step
        if step is not None:
            self._step = int(step) + 1
        if step is None:
            self.log_epoch(epoch, **metrics)
            return
        for name, value in metrics.items():
            v = float(value)
            metric, split = _split(str(name))
            pts = self._series(run, metric, split, "batch")["points"]
            pts.append([float(step), v if math.isfinite(v) else None])
            if len(pts) > MAX_BATCH_POINTS:
                del pts[1:-1:2]
        if self._live is not None:
            self._live.touch()

    def log_epoch(self, epoch: float, step: int | None = None, **metrics: float) -> None:
        """Record end-of-epoch values; `step` (the last batch's step) aligns them with batches."""
        run = self._run()
        for name, value in metrics.items():
            v = float(value)
            metric, split = _split(str(name))
            self._series(run, metric, split, "epoch")["points"].append(
                [float(epoch), v if math.isfinite(v) else None,
                 None if step is None else float(step)])
        if self._live is not None:
            self._live.touch()

    # --- Keras callback --------------------------------------------------------------------
    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params) -> None:
        self.params = dict(params or {})

    def on_train_begin(self, logs=None) -> None:
        global _explicit_fit
        name = getattr(self.model, "name", None)
        _explicit_fit = name or ""  # this fit has its curves: the automatic ones stay out
        self.start_run(f"{name} (run {len(self.runs) + 1})" if name else None)
        if self._live is not None and not self._live.shown:
            self.show()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        steps = self.params.get("steps") or 0
        step = self._epoch * steps + batch if steps else self._step
        self.log(step=step, **{k: v for k, v in (logs or {}).items() if _number(v)})

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.log_epoch(epoch + 1, step=max(self._step - 1, 0),
                       **{k: v for k, v in (logs or {}).items() if _number(v)})

    def on_train_end(self, logs=None) -> None:
        global _explicit_fit
        _explicit_fit = None
        self.save()

    def __getattr__(self, name):
        if name.startswith("on_"):
            return lambda *a, **k: None
        raise AttributeError(name)

    # --- display ---------------------------------------------------------------------------
    def payload(self) -> dict:
        return {"kind": "curves", "version": CURVES_SCHEMA_VERSION, "title": self.title,
                "runs": json.loads(json.dumps(self.runs))}

    def _bundle(self) -> dict:
        return self._repr_mimebundle_()

    def _live_bundle(self) -> dict:
        """The bundle of frequent redraws: the SVG picture (cheap), not the PNG."""
        return self._repr_mimebundle_(exclude={"image/png"})

    def show(self) -> TrainingCurves:
        """Display now; later `log` calls redraw this output in place."""
        if self._live is None:
            from IPython.display import display

            display(self)
        else:
            self._live.show()
        return self

    def flush(self) -> None:
        """Draw pending values now."""
        if self._live is not None:
            self._live.flush()

    def save(self) -> None:
        """Draw pending values and write them into the output a saved notebook keeps."""
        if self._live is not None:
            self._live.save()

    @property
    def widget(self):
        """The live widget (a `tfedu.viz.widgets.TfeduWidget`) when shown as one, else None."""
        return None if self._live is None else self._live.widget

    def _ipython_display_(self) -> None:
        self.show()

    def _text(self) -> str:
        parts = []
        for run in self.runs:
            last = []
            for s in run["series"]:
                if s["level"] == "epoch" and s["points"]:
                    prefix = "val_" if s["split"] == "validation" else ""
                    last.append(f"{prefix}{s['metric']}={s['points'][-1][1]:.4g}"
                                if s["points"][-1][1] is not None else f"{prefix}{s['metric']}=nan")
            parts.append(f"{run['name']}: " + (", ".join(last) if last else "no epochs yet"))
        return f"<TrainingCurves {self.title!r}: " + ("; ".join(parts) or "empty") + ">"

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        payload = self.payload()
        bundle: dict[str, Any] = {CURVES_MIME_TYPE: payload, "text/plain": self._text()}
        png = curves_png(payload) if wants("image/png", include, exclude) else None
        if png is not None:
            bundle["image/png"] = png
        elif wants("image/svg+xml", include, exclude):
            bundle["image/svg+xml"] = curves_svg(payload)
        return bundle


def _number(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def curves_svg(payload: dict, width: int = 360, height: int = 220) -> str:
    """A static SVG: one chart per metric, lines per run and split (epoch level when present)."""
    metrics: list[str] = []
    for run in payload["runs"]:
        for s in run["series"]:
            if s["metric"] not in metrics:
                metrics.append(s["metric"])
    cols = max(1, min(2, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / cols))
    total_w, total_h = cols * width, rows * height + 30
    out = [svg_text(8, 18, payload["title"], 14, font_weight="bold")]
    for m_i, metric in enumerate(metrics):
        ox, oy = (m_i % cols) * width, 30 + (m_i // cols) * height
        series = []
        for r_i, run in enumerate(payload["runs"]):
            levels = {s["level"] for s in run["series"] if s["metric"] == metric}
            level = "batch" if "batch" in levels else "epoch"
            for s in run["series"]:
                if s["metric"] == metric and (s["level"] == level or s["split"] == "validation"):
                    if level == "batch" and s["level"] == "epoch":
                        pts = [(p[2], p[1]) for p in s["points"]
                               if p[1] is not None and p[2] is not None]
                    else:
                        pts = [(p[0], p[1]) for p in s["points"] if p[1] is not None]
                    if pts:
                        series.append((r_i, run["name"], s, pts))
        out.append(svg_text(ox + 40, oy + 14, metric, 12, font_weight="bold"))
        px0, py0, pw, ph = ox + 40, oy + 22, width - 56, height - 50
        out.append(f'<rect x="{px0}" y="{py0}" width="{pw}" height="{ph}" fill="none" '
                   f'stroke="#ccc"/>')
        if not series:
            continue
        xs = [x for *_, pts in series for x, _ in pts]
        ys = [y for *_, pts in series for _, y in pts]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        if x1 == x0:
            x1 = x0 + 1
        if y1 == y0:
            y1 = y0 + 1
        out.append(svg_text(px0 - 4, py0 + 10, f"{y1:.3g}", 10, text_anchor="end"))
        out.append(svg_text(px0 - 4, py0 + ph, f"{y0:.3g}", 10, text_anchor="end"))
        for r_i, _name, s, pts in series:
            color = _COLORS[r_i % len(_COLORS)]
            coords = " ".join(
                f"{px0 + (x - x0) / (x1 - x0) * pw:.1f},{py0 + ph - (y - y0) / (y1 - y0) * ph:.1f}"
                for x, y in pts)
            dash = ' stroke-dasharray="5,3"' if s["split"] == "validation" else ""
            out.append(f'<polyline points="{coords}" fill="none" stroke="{color}" '
                       f'stroke-width="1.5"{dash}/>')
    legend = "   ".join(f"{run['name']}" for run in payload["runs"])
    out.append(svg_text(total_w - 8, 18, legend + "   (dashed: validation)", 11,
                        text_anchor="end", fill="#555"))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
            f'viewBox="0 0 {total_w} {total_h}">' + "".join(out) + "</svg>")


def _mpl_text(text: str) -> str:
    """`text` for matplotlib, shown as typed (a `$` would start math mode)."""
    return str(text).replace("$", r"\$")


def curves_png(payload: dict, dpi: int = 72) -> str | None:
    """A PNG (base64) of the curves drawn with matplotlib, or None when it is not installed.

    One chart per metric; per run: thin per-batch line, per-epoch dots, dashed validation.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    metrics: list[str] = []
    for run in payload["runs"]:
        for s in run["series"]:
            if s["metric"] not in metrics:
                metrics.append(s["metric"])
    cols = max(1, min(2, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / cols))
    fig = Figure(figsize=(4.8 * cols, 3.1 * rows + 0.5), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.suptitle(_mpl_text(payload["title"]), fontsize=12, fontweight="bold")
    for m_i, metric in enumerate(metrics or [""]):
        ax = fig.add_subplot(rows, cols, m_i + 1)
        ax.set_title(_mpl_text(metric), fontsize=10)
        ax.grid(alpha=0.3)
        on_steps = False
        for r_i, run in enumerate(payload["runs"]):
            color = _COLORS[r_i % len(_COLORS)]
            series = [s for s in run["series"] if s["metric"] == metric]
            batch = any(s["level"] == "batch" for s in series)
            on_steps |= batch
            for s in series:
                if s["level"] == "epoch" and batch:
                    pts = [(p[2], p[1]) for p in s["points"]
                           if p[1] is not None and p[2] is not None]
                else:
                    pts = [(p[0], p[1]) for p in s["points"] if p[1] is not None]
                if not pts:
                    continue
                xs, ys = zip(*pts)
                validation = s["split"] == "validation"
                if s["level"] == "batch":
                    ax.plot(xs, ys, color=color, linewidth=0.8, alpha=0.55)
                else:
                    ax.plot(xs, ys, color=color, linewidth=1.6, marker="o", markersize=3.5,
                            linestyle="--" if validation else "-")
        ax.set_xlabel("step" if on_steps else "epoch", fontsize=9)
        ax.tick_params(labelsize=8)
    if payload["runs"]:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=_COLORS[i % len(_COLORS)], linewidth=2)
                   for i in range(len(payload["runs"]))]
        labels = [_mpl_text(run["name"]) for run in payload["runs"]]
        handles.append(Line2D([], [], color="#555", linestyle="--", marker="o", markersize=3))
        labels.append("validation (per epoch)")
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8,
                   frameon=False)
    fig.tight_layout(rect=(0, 0.08 if payload["runs"] else 0, 1, 0.95))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _FitCurves:
    """Feeds `fit` runs (from `tfedu.keras.notebook`'s metric feed) into one TrainingCurves.

    Each `fit` adds a run; a `fit` in a new cell shows a new output that still overlays the
    earlier runs, so runs can be compared.
    """

    def __init__(self, interval: float = 0.25):
        self.curves = TrainingCurves("fit", interval=interval)
        self._steps = 0
        self._cell = None
        self._remove = None
        self._skip = None
        self._fits = 0

    def __call__(self, event) -> None:
        global _explicit_fit
        kind = event.kind
        c = self.curves
        if kind == "train_begin":
            explicit, _explicit_fit = _explicit_fit, None
            if explicit is not None and explicit == (event.model or ""):
                self._skip = event.run_id  # a TrainingCurves callback draws this fit
                return
            self._skip = None
        if event.run_id == self._skip:
            return
        if kind == "train_begin":
            self._steps = int((event.logs or {}).get("steps") or 0)
            self._fits += 1
            n = self._fits
            c.start_run(f"{event.model} \u00b7 fit {n}" if event.model else f"fit {n}")
            c._step = 0
            cell = _cell_id()
            if not c._live.shown or cell != self._cell:
                self._cell = cell
                c.show()
        elif kind == "batch":
            step = (event.epoch or 0) * self._steps + (event.step or 0) if self._steps else c._step
            c.log(step=step, **{k: v for k, v in event.logs.items() if _number(v)})
        elif kind == "epoch":
            c.log_epoch((event.epoch or 0) + 1, step=max(c._step - 1, 0),
                        **{k: v for k, v in event.logs.items() if _number(v)})
        elif kind == "train_end":
            c.save()


def _cell_id():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    return None if ip is None else ip.execution_count


_fit_curves: _FitCurves | None = None
_auto = True
_explicit_fit: str | None = None  # model name of a fit that has a TrainingCurves callback


def auto_fit_curves() -> None:
    """Called by `fit` in a notebook: start the live curves unless `disable_fit_curves()`."""
    if _auto and _fit_curves is None:
        enable_fit_curves()


def enable_fit_curves(interval: float = 0.25) -> TrainingCurves:
    """Draw live curves for every later `model.fit` in this notebook; returns their logger.

    In a notebook with ipywidgets `fit` already does this; call it to change `interval`, or
    to get curves outside a kernel, or back after `disable_fit_curves()`.
    """
    global _fit_curves, _auto
    from tfedu.keras.notebook import add_fit_listener

    _auto = True
    if _fit_curves is not None and _fit_curves.curves._live.interval != interval:
        _fit_curves.curves._live.interval = interval
    if _fit_curves is None:
        _fit_curves = _FitCurves(interval)
        _fit_curves._remove = add_fit_listener(_fit_curves)
    return _fit_curves.curves


def disable_fit_curves() -> None:
    """Stop drawing curves for `fit` runs (also the ones `fit` shows by itself in a notebook)."""
    global _fit_curves, _auto
    _auto = False
    if _fit_curves is not None and _fit_curves._remove is not None:
        _fit_curves._remove()
    _fit_curves = None
