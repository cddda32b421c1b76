/**
 * The training curves view (`application/vnd.tfedu.curves+json`): one chart per metric,
 * batch-level training lines, epoch-level training and (dashed) validation lines, one colour
 * per run, axes with round ticks and grid lines. The toolbar switches the y axis to a log
 * scale and smooths the lines (a moving average, as TensorBoard's slider); a click on a run in
 * the legend highlights it (the others fade), a second click clears it. `render(payload)` is
 * the one drawing routine, used by the MIME renderer and by the live widget (`plugin.ts`);
 * updates re-render the same element in place (no flicker) and keep those choices.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { axisRange, collectSeries, fmt, ISeries, logTicks, niceTicks, smooth } from './curvedata';
import { checkEnvelope, h, s, str } from './dom';

export const CURVES_MIME_TYPE = 'application/vnd.tfedu.curves+json';

const COLORS = ['#1c7ed6', '#e8590c', '#2f9e44', '#9c36b5', '#f08c00', '#0c8599', '#c2255c'];
const W = 380;
const H = 230;
const PAD = { l: 52, r: 12, t: 26, b: 30 };

export class CurvesView extends Widget implements IRenderMime.IRenderer {
  /** Set by the live widget: asks the kernel to forget every run but the last one. */
  clearRuns: (() => Promise<unknown>) | null = null;

  constructor(options: { mimeType: string } = { mimeType: CURVES_MIME_TYPE }) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-curves');
    this._toolbar = h('div', 'tfedu-graph-toolbar');
    this._title = h('span', 'tfedu-graph-title');
    this._legend = h('span', 'tfedu-curves-legend');
    this._actions = h('span', 'tfedu-curves-actions');
    this._options = h('span', 'tfedu-curves-options');
    this._toolbar.append(this._title, this._legend, this._options, this._actions);
    this._charts = h('div', 'tfedu-curves-charts');
    this._message = h('div', 'tfedu-graph-message');
    this._message.hidden = true;
    this.node.append(this._toolbar, this._message, this._charts);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.render(model.data[this._mimeType]);
  }

  /** The log-scale box and the smoothing menu (built once; they redraw the last payload). */
  private _buildOptions(): void {
    const log = h('input', 'tfedu-curves-log');
    log.type = 'checkbox';
    log.addEventListener('change', () => {
      this._log = log.checked;
      this.render(this._payload);
    });
    const logLabel = h('label', 'tfedu-curves-option', ' log y');
    logLabel.prepend(log);
    logLabel.title = 'A logarithmic y axis (metrics whose values are all positive)';
    const smoothing = h('select', 'tfedu-curves-smoothing');
    for (const [value, text] of [['0', 'no smoothing'], ['0.6', 'smooth 0.6'], ['0.9', 'smooth 0.9']]) {
      const o = h('option', undefined, text);
      o.value = value;
      smoothing.append(o);
    }
    smoothing.title = 'Smooth the per-batch lines (moving average; the points stay faint)';
    smoothing.addEventListener('change', () => {
      this._smoothing = Number(smoothing.value);
      this.render(this._payload);
    });
    this._options.append(logLabel, smoothing);
  }

  /** Draw a curves payload (schema v1) into this view's node, replacing what was there. */
  render(payload: unknown): void {
    let data: Record<string, unknown>;
    try {
      data = checkEnvelope(payload, 'curves', 1);
      if (!Array.isArray(data.runs)) {
        throw new Error('runs: expected a list');
      }
    } catch (err) {
      this._message.textContent = `Cannot show these curves: ${(err as Error).message}`;
      this._message.hidden = false;
      return;
    }
    this._message.hidden = true;
    this._payload = payload;
    if (!this._options.childElementCount) {
      this._buildOptions();
    }
    this._title.textContent = str(data.title, 'Training');
    const { runs, metrics } = collectSeries(data.runs);
    this._legend.replaceChildren();
    runs.forEach((run, r) => {
      const item = h('button', 'tfedu-curves-legend-item', str(run.name));
      item.style.setProperty('--tfedu-run-color', COLORS[r % COLORS.length]);
      item.title = 'Highlight this run (click again for all)';
      item.classList.toggle('tfedu-curves-highlighted', this._highlight === r);
      item.addEventListener('click', () => {
        this._highlight = this._highlight === r ? null : r;
        this.render(this._payload);
      });
      this._legend.append(item);
    });
    this.node.classList.toggle('tfedu-curves-has-highlight', this._highlight !== null);
    if (runs.length) {
      this._legend.append(h('span', 'tfedu-curves-legend-note', 'thin: per batch \u00b7 dots: per epoch \u00b7 dashed: validation'));
    }
    this._actions.replaceChildren();
    const clear = this.clearRuns;
    if (clear && runs.length > 1) {
      const button = h('button', 'tfedu-graph-button tfedu-curves-clear', 'Keep last run');
      button.title = 'Remove the earlier runs from these curves';
      button.addEventListener('click', () => {
        button.disabled = true;
        clear().catch((err: Error) => {
          button.disabled = false;
          this._message.textContent = `Cannot clear the runs: ${err.message}`;
          this._message.hidden = false;
        });
      });
      this._actions.append(button);
    }
    const charts: Element[] = [];
    let total = 0;
    for (const [metric, series] of metrics) {
      const [chart, n] = this._chart(metric, series);
      charts.push(chart);
      total += n;
    }
    if (!charts.length) {
      charts.push(h('div', 'tfedu-curves-empty', 'Waiting for the first values\u2026'));
    }
    this._charts.replaceChildren(...charts);
    this.node.dataset.points = String(total);
  }

  /** The y axis: linear with round ticks, or logarithmic when asked and all values > 0. */
  private _yAxis(all: [number, number][]): { ticks: number[]; labels: string[]; Y: (v: number) => number; log: boolean } {
    const [, , y0, y1] = axisRange(all);
    const ph = H - PAD.t - PAD.b;
    const log = this._log && y0 > 0;
    const t = log ? logTicks(y0, y1) : niceTicks(y0, y1, 4);
    const f = log ? Math.log10 : (v: number): number => v;
    const [a, b] = [f(t.lo), f(t.hi)];
    return { ticks: t.ticks, labels: t.labels, log, Y: v => PAD.t + ph - ((f(v) - a) / (b - a)) * ph };
  }

  private _axes(svg: SVGSVGElement, all: [number, number][], unit: string): [(v: number) => number, (v: number) => number] {
    const [x0, x1] = axisRange(all);
    const pw = W - PAD.l - PAD.r;
    const xt = niceTicks(x0, x1, 5);
    const X = (v: number): number => PAD.l + ((v - xt.lo) / (xt.hi - xt.lo)) * pw;
    const y = this._yAxis(all);
    y.ticks.forEach((t, i) => {
      const py = y.Y(t).toFixed(1);
      svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: py, y2: py, class: 'tfedu-curves-grid' }));
      svg.append(s('text', { x: PAD.l - 4, y: Number(py) + 3, class: 'tfedu-curves-tick', 'text-anchor': 'end' }, y.labels[i]));
    });
    xt.ticks.forEach((t, i) => {
      const px = X(t).toFixed(1);
      svg.append(s('line', { x1: px, x2: px, y1: PAD.t, y2: H - PAD.b, class: 'tfedu-curves-grid' }));
      svg.append(s('text', { x: px, y: H - PAD.b + 12, class: 'tfedu-curves-tick', 'text-anchor': 'middle' }, xt.labels[i]));
    });
    svg.append(s('text', { x: W - PAD.r, y: H - 4, class: 'tfedu-curves-tick', 'text-anchor': 'end' }, y.log ? `${unit} \u00b7 log y` : unit));
    return [X, y.Y];
  }

  private _chart(metric: string, series: ISeries[]): [HTMLElement, number] {
    const box = h('div', 'tfedu-curves-chart');
    box.dataset.metric = metric;
    const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'tfedu-curves-svg' });
    svg.append(s('text', { x: PAD.l, y: 16, class: 'tfedu-curves-metric' }, metric));
    const all = series.flatMap(x => x.points);
    svg.append(s('rect', { x: PAD.l, y: PAD.t, width: W - PAD.l - PAD.r, height: H - PAD.t - PAD.b, class: 'tfedu-curves-frame' }));
    let count = 0;
    if (all.length) {
      const [X, Y] = this._axes(svg, all, series.some(x => x.level === 'batch') ? 'step' : 'epoch');
      for (const x of series) {
        count += x.points.length;
        if (x.points.length) {
          this._line(svg, x, metric, X, Y);
        }
      }
    }
    box.dataset.points = String(count);
    box.append(svg);
    return [box, count];
  }

  private _line(svg: SVGSVGElement, x: ISeries, metric: string, X: (v: number) => number, Y: (v: number) => number): void {
    const color = COLORS[x.run % COLORS.length];
    const faded = this._highlight !== null && this._highlight !== x.run;
    const cls = `tfedu-curves-line tfedu-curves-${x.level} tfedu-curves-${x.split === 'validation' ? 'validation' : 'training'}${faded ? ' tfedu-curves-faded' : ''}`;
    const path = (pts: [number, number][], extra = ''): SVGPolylineElement =>
      s('polyline', { points: pts.map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' '), class: cls + extra, stroke: color });
    const smoothed = x.level === 'batch' && this._smoothing > 0;
    if (smoothed) {
      svg.append(path(x.points, ' tfedu-curves-raw'));
    }
    const line = path(smoothed ? smooth(x.points, this._smoothing) : x.points);
    line.append(s('title', {}, `${x.runName} \u00b7 ${x.split} ${metric} per ${x.level}`));
    svg.append(line);
    if (x.level === 'epoch') {
      for (const p of x.points) {
        const dot = s('circle', { cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: 3, fill: color, class: `tfedu-curves-dot${faded ? ' tfedu-curves-faded' : ''}` });
        dot.append(s('title', {}, `${x.runName} ${x.split} ${metric}: ${fmt(p[1])}`));
        svg.append(dot);
      }
    }
  }

  private _mimeType: string;
  private _payload: unknown = null;
  private _log = false;
  private _smoothing = 0;
  private _highlight: number | null = null;
  private _options: HTMLSpanElement;
  private _toolbar: HTMLDivElement;
  private _title: HTMLSpanElement;
  private _legend: HTMLSpanElement;
  private _actions: HTMLSpanElement;
  private _charts: HTMLDivElement;
  private _message: HTMLDivElement;
}
