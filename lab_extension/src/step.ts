/**
 * The step-through view (`application/vnd.tfedu.step+json`, from `tfedu.viz.step`): a
 * recorded run replayed one node at a time. The graph of the frame being run (the function,
 * or the If branch / While body it entered) is drawn with the current node highlighted,
 * the nodes already run showing their value, the ones to come faded; the panel shows the
 * current step's inputs and outputs (preview, statistics, histogram) and, on a failing step,
 * TensorFlow's error. Buttons (and the arrow keys): first, back, forward, step over (stay in
 * this frame), last, and run to the selected node. The position is saved in the output's
 * metadata, so a reopened notebook shows the same step without a kernel.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';

import { checkEnvelope, graphOptions, h, isRecord, s, str } from './dom';
import { IGraphPayload, parseGraphPayload } from './schema';
import { GraphView } from './widget';

export const STEP_MIME_TYPE = 'application/vnd.tfedu.step+json';

export interface IValue {
  name?: string;
  shape: number[] | null;
  dtype: string;
  text: string;
  stats?: { min: number; max: number; mean: number };
  hist?: { counts: number[]; lo: number; hi: number } | null;
}

export interface IStepEvent {
  frame: number;
  node: number;
  op: string;
  type: string;
  inputs: IValue[];
  outputs: IValue[];
  us: number;
  bytes: number;
  enters: number[];
  error: { type: string; message: string } | null;
}

interface IFrame {
  graph: number;
  parent: number;
  label: string;
}

export function shapeText(shape: number[] | null): string {
  if (shape === null) {
    return '';
  }
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** A short value text for a node badge: the value itself when short, else shape and dtype. */
export function badgeText(v: IValue | undefined): string {
  if (!v) {
    return '';
  }
  const flat = v.text.replace(/\s+/g, ' ');
  if (flat.length <= 22) {
    return flat;
  }
  return `${shapeText(v.shape)} ${v.dtype}`.trim();
}

/** A small bar chart of a value's histogram (SVG, built from numbers only). */
function histogram(hist: NonNullable<IValue['hist']>): SVGSVGElement {
  const W = 180;
  const H = 36;
  const svg = s('svg', { width: W, height: H + 12, class: 'tfedu-step-hist' });
  const max = Math.max(...hist.counts, 1);
  const bw = W / hist.counts.length;
  hist.counts.forEach((c, i) => {
    const bh = (c / max) * H;
    svg.append(s('rect', { x: (i * bw + 1).toFixed(1), y: (H - bh).toFixed(1), width: (bw - 2).toFixed(1), height: bh.toFixed(1) }));
  });
  svg.append(s('text', { x: 0, y: H + 11, class: 'tfedu-step-hist-axis' }, hist.lo.toPrecision(3)));
  svg.append(s('text', { x: W, y: H + 11, class: 'tfedu-step-hist-axis', 'text-anchor': 'end' }, hist.hi.toPrecision(3)));
  return svg;
}

function valueBlock(v: IValue, label: string): HTMLElement {
  const box = h('div', 'tfedu-step-value');
  box.append(h('div', 'tfedu-step-value-name', `${label} ${shapeText(v.shape)} ${v.dtype}`.trim()));
  box.append(h('pre', 'tfedu-step-value-text', v.text));
  if (v.stats) {
    const st = v.stats;
    box.append(h('div', 'tfedu-step-stats', `min ${st.min.toPrecision(4)} \u00b7 mean ${st.mean.toPrecision(4)} \u00b7 max ${st.max.toPrecision(4)}`));
  }
  if (v.hist) {
    box.append(histogram(v.hist));
  }
  return box;
}

function parseEvents(data: Record<string, unknown>): IStepEvent[] {
  if (!Array.isArray(data.events)) {
    throw new Error('events: expected a list');
  }
  return data.events.filter(isRecord).map(e => ({
    frame: Number(e.frame) || 0,
    node: Number(e.node) || 0,
    op: str(e.op),
    type: str(e.type),
    inputs: Array.isArray(e.inputs) ? (e.inputs as IValue[]) : [],
    outputs: Array.isArray(e.outputs) ? (e.outputs as IValue[]) : [],
    us: Number(e.us) || 0,
    bytes: Number(e.bytes) || 0,
    enters: Array.isArray(e.enters) ? (e.enters as number[]) : [],
    error: isRecord(e.error) ? { type: str(e.error.type), message: str(e.error.message) } : null
  }));
}

export class StepView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-step');
    const layout = new PanelLayout();
    this.layout = layout;
    this._head = new Widget();
    this._graph = new GraphView(graphOptions);
    this._graph.detailsFor = i => this._details(i);
    layout.addWidget(this._head);
    layout.addWidget(this._graph);
    this._buildControls();
    this.node.tabIndex = 0;
    this.node.addEventListener('keydown', this._onKey);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._model = model;
    try {
      const data = checkEnvelope(model.data[this._mimeType], 'step', 1);
      this._events = parseEvents(data);
      this._frames = (Array.isArray(data.frames) ? data.frames : []).filter(isRecord).map(f => ({
        graph: Number(f.graph) || 0,
        parent: typeof f.parent === 'number' ? f.parent : -1,
        label: str(f.label)
      }));
      this._graphs = (Array.isArray(data.graphs) ? data.graphs : []).map((g, i) => parseGraphPayload(g, `graphs[${i}]`));
      this._titleText = str(data.title, 'step-through');
      this._error = isRecord(data.error) ? `${str(data.error.type)}: ${str(data.error.message)}` : '';
      this._notes = isRecord(data.error) && Array.isArray(data.error.notes) ? data.error.notes.map(x => str(x)).join('\n') : '';
      const saved = isRecord(model.metadata?.['tfedu-step']) ? model.metadata['tfedu-step'].position : undefined;
      const start = typeof saved === 'number' ? saved : Number(data.position);
      this._position = Math.max(0, Math.min(this._events.length - 1, Number.isFinite(start) ? start : 0));
    } catch (err) {
      this._head.node.replaceChildren(h('div', 'tfedu-graph-message', `Cannot show this run: ${(err as Error).message}`));
      this._graph.hide();
      return;
    }
    await this._go(this._position, false);
  }

  /** The index of the current step (for tests). */
  get position(): number {
    return this._position;
  }

  private _buildControls(): void {
    const bar = h('div', 'tfedu-graph-toolbar tfedu-step-toolbar');
    this._title = h('span', 'tfedu-graph-title');
    this._crumbs = h('span', 'tfedu-step-crumbs');
    const button = (text: string, title: string, act: () => number): HTMLButtonElement => {
      const b = h('button', 'tfedu-graph-button tfedu-step-button', text);
      b.title = title;
      b.addEventListener('click', () => void this._go(act()));
      return b;
    };
    this._buttons = [
      button('|\u25c0', 'First step (Home)', () => 0),
      button('\u25c0', 'Back one step (\u2190)', () => this._position - 1),
      button('\u25b6', 'Forward one step (\u2192)', () => this._position + 1),
      button('Over', 'Step over: the next step of this graph, skipping a body it enters', () => this._over()),
      button('\u25b6|', 'Last step (End)', () => this._events.length - 1)
    ];
    this._runTo = button('Run to selected', 'Run until the selected node has run', () => this._toSelected());
    this._counter = h('span', 'tfedu-step-counter');
    bar.append(this._title, this._crumbs, ...this._buttons, this._runTo, this._counter);
    this._errorBox = h('pre', 'tfedu-step-error-text');
    this._errorBox.hidden = true;
    this._notesBox = h('pre', 'tfedu-step-error-notes');
    this._notesBox.hidden = true;
    this._head.node.append(bar, this._errorBox, this._notesBox);
    this._graph.onSelect = i => {
      this._selected = i;
      this._runTo.disabled = i < 0;
    };
  }

  private _over(): number {
    const frame = this._events[this._position]?.frame ?? 0;
    const parent = this._frames[frame]?.parent ?? -1;
    for (let k = this._position + 1; k < this._events.length; k++) {
      const f = this._events[k].frame;
      if (f === frame || f === parent) {
        return k;
      }
    }
    return this._events.length - 1;
  }

  private _toSelected(): number {
    const frame = this._events[this._position]?.frame ?? 0;
    const graph = this._frames[frame]?.graph;
    for (let k = this._position; k < this._events.length; k++) {
      const e = this._events[k];
      if (e.node === this._selected && this._frames[e.frame]?.graph === graph) {
        return k;
      }
    }
    return this._position;
  }

  /** Show step `k` (clamped); `save` writes the position into the output's metadata. */
  private async _go(k: number, save = true): Promise<void> {
    const n = this._events.length;
    this._position = Math.max(0, Math.min(n - 1, k));
    const e = this._events[this._position];
    this._counter.textContent = n ? `step ${this._position + 1} of ${n}` : 'nothing ran';
    this._buttons.forEach((b, i) => (b.disabled = i < 2 ? this._position === 0 : this._position >= n - 1));
    this._title.textContent = this._titleText;
    if (!e) {
      return;
    }
    this._crumbs.textContent = this._path(e.frame);
    // TensorFlow's text first, then the student's line and a hint.
    const failed = e.error ? `${e.error.type}: ${e.error.message}` : this._position === n - 1 ? this._error : '';
    this._errorBox.textContent = failed;
    this._notesBox.textContent = failed ? this._notes : '';
    this._errorBox.hidden = !failed;
    this._notesBox.hidden = !this._notesBox.textContent;
    const graph = this._graphs[this._frames[e.frame]?.graph ?? 0];
    if (graph) {
      await this._graph.showGraph(graph);
      this._graph.setMarks(this._marks(e));
      this._graph.selectNode(e.node);
    }
    if (save && this._model) {
      this._model.setData({ metadata: { ...this._model.metadata, 'tfedu-step': { position: this._position } } });
    }
  }

  private _path(frame: number): string {
    const parts: string[] = [];
    for (let f = frame; f > 0 && parts.length < 8; f = this._frames[f]?.parent ?? 0) {
      parts.unshift(this._frames[f].label);
    }
    return parts.length ? `\u203a ${parts.join(' \u203a ')}` : '';
  }

  /** What the graph shows at the current step: ops of this frame run so far, their values. */
  private _marks(e: IStepEvent): Parameters<GraphView['setMarks']>[0] {
    const done = new Set<number>();
    const badges = new Map<number, string>();
    const graph = this._graphs[this._frames[e.frame]?.graph ?? 0];
    graph?.nodes.forEach((n, i) => {
      if (n.attrs.folded !== undefined) {
        done.add(i); // folded constants are known before the run
        badges.set(i, n.value && n.value.length <= 22 ? n.value : '');
      }
    });
    for (let k = 0; k <= this._position; k++) {
      const x = this._events[k];
      if (x.frame === e.frame) {
        done.add(x.node);
        badges.set(x.node, badgeText(x.outputs[0]));
      }
    }
    return { current: e.error ? null : e.node, error: e.error ? e.node : null, done, badges };
  }

  /** The panel for op `i`: the current step when it is this op, else the op's last run. */
  private _details(i: number): HTMLElement | null {
    const cur = this._events[this._position];
    let e: IStepEvent | undefined;
    for (let k = this._position; k >= 0 && !e; k--) {
      const x = this._events[k];
      if (x.frame === cur?.frame && x.node === i) {
        e = x;
      }
    }
    const panel = h('div', 'tfedu-step-details');
    const node = this._graphs[this._frames[cur?.frame ?? 0]?.graph ?? 0]?.nodes[i];
    panel.append(h('div', 'tfedu-details-name', node?.id ?? e?.op ?? ''));
    panel.append(h('div', 'tfedu-details-type', e ? `${e.type} \u00b7 ${(e.us / 1000).toFixed(3)} ms` : node?.type ?? ''));
    if (!e) {
      panel.append(h('div', 'tfedu-step-later', 'Not run yet at this step.'));
      return panel;
    }
    if (e.error) {
      panel.append(h('div', 'tfedu-step-error-label', `Failed: ${e.error.type}`));
    }
    if (e.inputs.length) {
      panel.append(h('div', 'tfedu-details-key', 'Inputs'));
      e.inputs.forEach(v => panel.append(valueBlock(v, v.name ?? '')));
    }
    if (e.outputs.length) {
      panel.append(h('div', 'tfedu-details-key', e.type === 'feed' ? 'Fed value' : 'Outputs'));
      e.outputs.forEach((v, k) => panel.append(valueBlock(v, `${e!.op}:${k}`)));
    }
    if (node?.source) {
      panel.append(h('div', 'tfedu-details-key', 'Source'));
      panel.append(h('div', 'tfedu-details-source', `${node.source.file}:${node.source.line} in ${node.source.function}`));
    }
    return panel;
  }

  private _onKey = (event: KeyboardEvent): void => {
    const moves: Record<string, () => number> = {
      ArrowRight: () => this._position + 1,
      ArrowLeft: () => this._position - 1,
      Home: () => 0,
      End: () => this._events.length - 1
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      void this._go(move());
    }
  };

  private _mimeType: string;
  private _model: IRenderMime.IMimeModel | null = null;
  private _head: Widget;
  private _graph: GraphView;
  private _title!: HTMLSpanElement;
  private _crumbs!: HTMLSpanElement;
  private _counter!: HTMLSpanElement;
  private _buttons: HTMLButtonElement[] = [];
  private _runTo!: HTMLButtonElement;
  private _errorBox!: HTMLPreElement;
  private _notesBox!: HTMLPreElement;
  private _notes = '';
  private _events: IStepEvent[] = [];
  private _frames: IFrame[] = [];
  private _graphs: IGraphPayload[] = [];
  private _titleText = '';
  private _error = '';
  private _position = 0;
  private _selected = -1;
}
