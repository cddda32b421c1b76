/**
 * The training curves view (`application/vnd.tfedu.curves+json`): one chart per metric,
 * batch-level training lines, epoch-level training and (dashed) validation lines, one colour
 * per run. `render(payload)` is the one drawing routine, used by the MIME renderer and by the
 * live widget (`plugin.ts`); updates re-render the same element in place (no flicker).
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { axisRange, collectSeries, fmt, ISeries } from './curvedata';
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
    this._toolbar.append(this._title, this._legend, this._actions);
    this._charts = h('div', 'tfedu-curves-charts');
    this._message = h('div', 'tfedu-graph-message');
    this._message.hidden = true;
    this.node.append(this._toolbar, this._message, this._charts);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.render(model.data[this._mimeType]);
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
    this._title.textContent = str(data.title, 'Training');
    const { runs, metrics } = collectSeries(data.runs);
    this._legend.replaceChildren();
    runs.forEach((run, r) => {
      const item = h('span', 'tfedu-curves-legend-item', str(run.name));
      item.style.setProperty('--tfedu-run-color', COLORS[r % COLORS.length]);
      this._legend.append(item);
    });
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

  private _chart(metric: string, series: ISeries[]): [HTMLElement, number] {
    const box = h('div', 'tfedu-curves-chart');
    box.dataset.metric = metric;
    const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'tfedu-curves-svg' });
    svg.append(s('text', { x: PAD.l, y: 16, class: 'tfedu-curves-metric' }, metric));
    const all = series.flatMap(x => x.points);
    const pw = W - PAD.l - PAD.r;
    const ph = H - PAD.t - PAD.b;
    svg.append(s('rect', { x: PAD.l, y: PAD.t, width: pw, height: ph, class: 'tfedu-curves-frame' }));
    let count = 0;
    if (all.length) {
      const [x0, x1, y0, y1] = axisRange(all);
      const X = (v: number): number => PAD.l + ((v - x0) / (x1 - x0)) * pw;
      const Y = (v: number): number => PAD.t + ph - ((v - y0) / (y1 - y0)) * ph;
      svg.append(
        s('text', { x: PAD.l - 4, y: PAD.t + 8, class: 'tfedu-curves-tick', 'text-anchor': 'end' }, fmt(y1)),
        s('text', { x: PAD.l - 4, y: PAD.t + ph, class: 'tfedu-curves-tick', 'text-anchor': 'end' }, fmt(y0)),
        s('text', { x: PAD.l, y: H - 10, class: 'tfedu-curves-tick' }, fmt(x0)),
        s('text', { x: W - PAD.r, y: H - 10, class: 'tfedu-curves-tick', 'text-anchor': 'end' }, fmt(x1)),
        s('text', { x: PAD.l + pw / 2, y: H - 10, class: 'tfedu-curves-tick', 'text-anchor': 'middle' },
          series.some(x => x.level === 'batch') ? 'step' : 'epoch')
      );
      for (const x of series) {
        if (!x.points.length) {
          continue;
        }
        const color = COLORS[x.run % COLORS.length];
        const cls = `tfedu-curves-line tfedu-curves-${x.level} tfedu-curves-${x.split === 'validation' ? 'validation' : 'training'}`;
        const line = s('polyline', {
          points: x.points.map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' '),
          class: cls,
          stroke: color
        });
        const title = s('title', {}, `${x.runName} \u00b7 ${x.split} ${metric} per ${x.level}`);
        line.append(title);
        svg.append(line);
        count += x.points.length;
        if (x.level === 'epoch') {
          for (const p of x.points) {
            const dot = s('circle', { cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: 3, fill: color, class: 'tfedu-curves-dot' });
            dot.append(s('title', {}, `${x.runName} ${x.split} ${metric}: ${fmt(p[1])}`));
            svg.append(dot);
          }
        }
      }
    }
    box.dataset.points = String(count);
    box.append(svg);
    return [box, count];
  }

  private _mimeType: string;
  private _toolbar: HTMLDivElement;
  private _title: HTMLSpanElement;
  private _legend: HTMLSpanElement;
  private _actions: HTMLSpanElement;
  private _charts: HTMLDivElement;
  private _message: HTMLDivElement;
}
