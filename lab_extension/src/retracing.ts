/**
 * The retracing view (`application/vnd.tfedu.retracing+json`): a call timeline (hits and
 * traces), each concrete function's signature, trace time and why it was traced, and its
 * graph (the graph view, embedded) on click. `render(payload)` is the one drawing routine, used
 * by the MIME renderer and by the live widget, which sets `requestGraph` so that graphs not
 * embedded in the payload are asked from the kernel on click.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';

import { checkEnvelope, graphModel, graphOptions, h, isRecord, richText, str, strList } from './dom';
import { GraphView } from './widget';

export const RETRACING_MIME_TYPE = 'application/vnd.tfedu.retracing+json';

/** Asks for the graph of concrete function `index` of the function with payload id `fn`. */
export type GraphRequest = (fn: string, index: number) => Promise<unknown>;

function item(text: string, className: string): HTMLLIElement {
  const li = h('li', className);
  li.append(richText(text));
  return li;
}

/** What the call chips mean (one line under each timeline). */
function legend(): HTMLElement {
  const box = h('div', 'tfedu-retracing-legend');
  const item = (cls: string, chip: string, text: string): void => {
    box.append(h('span', `tfedu-retracing-call ${cls}`, chip), h('span', 'tfedu-retracing-legend-text', text));
  };
  item('tfedu-call-trace', 'T2', 'a call that traced concrete function #2');
  item('tfedu-call-hit', '#1\u00d73', '3 calls in a row that reused #1');
  return box;
}

export class RetracingView extends Widget implements IRenderMime.IRenderer {
  /** Set by the live widget: fetches graphs that the payload does not embed. */
  requestGraph: GraphRequest | null = null;

  constructor(options: { mimeType: string } = { mimeType: RETRACING_MIME_TYPE }) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-retracing');
    this.layout = new PanelLayout();
    this._body = new Widget();
    (this.layout as PanelLayout).addWidget(this._body);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    await this.render(model.data[this._mimeType]);
  }

  /** Draw a retracing payload (schema v1); an open graph stays open (and keeps its zoom). */
  async render(payload: unknown): Promise<void> {
    const body = this._body.node;
    let data: Record<string, unknown>;
    try {
      data = checkEnvelope(payload, 'retracing', 1);
      if (!Array.isArray(data.functions)) {
        throw new Error('functions: expected a list');
      }
    } catch (err) {
      body.replaceChildren(h('div', 'tfedu-graph-message', `Cannot show this view: ${(err as Error).message}`));
      return;
    }
    this._graphs = [];
    const header = h('div', 'tfedu-graph-toolbar');
    header.append(h('span', 'tfedu-graph-title', str(data.title, 'tf.function')));
    const parts: HTMLElement[] = [header];
    for (const fn of data.functions) {
      if (isRecord(fn)) {
        parts.push(this._function(fn));
      }
    }
    if (data.functions.length === 0) {
      parts.push(h('div', 'tfedu-retracing-empty', 'No tf.function has been called yet.'));
    }
    body.replaceChildren(...parts);
    if (this._selected !== null) {
      const again = this._graphs.find(g => g.key === this._selected);
      if (again && again.graph !== undefined) {
        await this._showGraph(again.key, again.graph, again.card);
        return;
      }
      if (again) {
        return; // its graph is still on its way from the kernel
      }
    }
    this._hideGraph();
  }

  private _function(fn: Record<string, unknown>): HTMLElement {
    const box = h('div', 'tfedu-retracing-function');
    const name = str(fn.name);
    const concrete = Array.isArray(fn.concrete_functions) ? fn.concrete_functions.filter(isRecord) : [];
    const head = h('div', 'tfedu-retracing-head');
    head.append(
      h('span', 'tfedu-retracing-name', name),
      h(
        'span',
        'tfedu-retracing-summary',
        ` ${Number(fn.calls) || 0} calls \u00b7 ${concrete.length} concrete function${concrete.length === 1 ? '' : 's'}`
      )
    );
    box.append(head);

    const timeline = h('div', 'tfedu-retracing-timeline');
    const events = Array.isArray(fn.timeline) ? fn.timeline.filter(isRecord) : [];
    for (const ev of events) {
      const traced = ev.traced === true;
      const repeats = Number(ev.repeats) || 1;
      const chip = h('span', `tfedu-retracing-call ${traced ? 'tfedu-call-trace' : 'tfedu-call-hit'}`);
      chip.textContent = traced ? `T${ev.trace_index}` : `#${ev.trace_index}${repeats > 1 ? `\u00d7${repeats}` : ''}`;
      chip.title = `call ${ev.call_index}: ${traced ? 'traced' : 'reused'} #${ev.trace_index} ${str(ev.signature)}`;
      timeline.append(chip);
    }
    box.append(timeline);
    if (events.length) {
      box.append(legend());
    }

    if (typeof fn.warning === 'string' && fn.warning) {
      const warning = h('div', 'tfedu-retracing-warning', '\u26a0 ');
      warning.append(richText(fn.warning));
      box.append(warning);
    }

    const list = h('div', 'tfedu-retracing-concretes');
    for (const c of concrete) {
      const card = h('div', 'tfedu-retracing-concrete');
      const top = h('div', 'tfedu-retracing-concrete-head');
      top.append(
        h('span', 'tfedu-retracing-index', `#${c.index}`),
        h('code', 'tfedu-retracing-signature', `${name}${str(c.signature)}`)
      );
      if (typeof c.trace_seconds === 'number') {
        top.append(h('span', 'tfedu-retracing-time', `traced in ${(c.trace_seconds * 1e3).toFixed(2)} ms`));
      }
      card.append(top);
      const reasons = h('ul', 'tfedu-retracing-reasons');
      for (const r of strList(c.reasons)) {
        reasons.append(item(r, 'tfedu-retracing-reason'));
      }
      const since = strList(c.since_previous);
      if (since.length) {
        reasons.append(item(`since the previous trace: ${since.join('; ')}`, 'tfedu-retracing-reason tfedu-retracing-since'));
      }
      card.append(reasons);
      const fnId = typeof fn.id === 'string' ? fn.id : null;
      const index = Number(c.index);
      const key = `${fnId ?? name}#${c.index}`;
      const embedded = isRecord(c.graph) ? c.graph : this._fetched.get(key);
      const request = this.requestGraph;
      if (embedded !== undefined || (request && fnId !== null)) {
        const button = h('button', 'tfedu-graph-button tfedu-retracing-show', 'Graph');
        button.title = 'Show the graph traced for this signature';
        button.addEventListener('click', () => {
          if (this._selected === key) {
            this._selected = null;
            this._hideGraph();
            return;
          }
          const known = embedded ?? this._fetched.get(key);
          if (known !== undefined) {
            void this._showGraph(key, known, card);
            return;
          }
          this._selected = key;
          button.disabled = true;
          button.textContent = 'Graph\u2026';
          request!(fnId!, index).then(
            graph => {
              this._fetched.set(key, graph);
              const entry = this._graphs.find(g => g.key === key);
              if (entry) {
                entry.graph = graph;
              }
              if (this._selected === key) {
                void this._showGraph(key, graph, entry ? entry.card : card);
              }
            },
            (err: Error) => {
              this._selected = null;
              card.append(h('div', 'tfedu-graph-message', `Cannot show this graph: ${err.message}`));
            }
          ).finally(() => {
            button.disabled = false;
            button.textContent = 'Graph';
          });
        });
        top.append(button);
        this._graphs.push({ key, graph: embedded, card });
      }
      list.append(card);
    }
    box.append(list);
    return box;
  }

  private async _showGraph(key: string, graph: unknown, card: HTMLElement): Promise<void> {
    this._selected = key;
    for (const c of Array.from(this._body.node.querySelectorAll('.tfedu-retracing-concrete'))) {
      c.classList.toggle('tfedu-selected-card', c === card);
    }
    if (!this._graphView) {
      this._graphView = new GraphView(graphOptions);
      (this.layout as PanelLayout).addWidget(this._graphView);
    }
    const same = this._shownKey === key && this._shownGraph === graph && this._graphView.isVisible;
    this._graphView.show();
    if (!same) {
      // A traced graph never changes: a redraw of the same one would only lose pan and zoom.
      this._shownKey = key;
      this._shownGraph = graph;
      await this._graphView.renderModel(graphModel(graph));
    }
  }

  private _hideGraph(): void {
    for (const c of Array.from(this._body.node.querySelectorAll('.tfedu-selected-card'))) {
      c.classList.remove('tfedu-selected-card');
    }
    this._graphView?.hide();
    this._shownKey = null;
  }

  private _mimeType: string;
  private _body: Widget;
  private _graphView: GraphView | null = null;
  private _selected: string | null = null;
  private _graphs: { key: string; graph: unknown; card: HTMLElement }[] = [];
  private _fetched = new Map<string, unknown>();
  private _shownKey: string | null = null;
  private _shownGraph: unknown = null;
}
