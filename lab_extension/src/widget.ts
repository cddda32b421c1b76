/**
 * The graph view: a toolbar, a zoom/pan viewport holding the Graphviz SVG and a details
 * panel for the clicked node. Every user string reaches the DOM through `textContent`.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { graphToDot, nodeIndex, outputText } from './dot';
import { GRAPH_MIME_TYPE, IGraphNode, IGraphPayload, parseGraphPayload } from './schema';
import { sanitizeSvg } from './svg';

type GraphvizModule = typeof import('@hpcc-js/wasm-graphviz');
type GraphvizInstance = Awaited<ReturnType<GraphvizModule['Graphviz']['load']>>;

let graphvizPromise: Promise<GraphvizInstance> | null = null;

/** Load the bundled Graphviz (WebAssembly, no network) once per page. */
export function loadGraphviz(): Promise<GraphvizInstance> {
  if (!graphvizPromise) {
    graphvizPromise = import('@hpcc-js/wasm-graphviz').then(m => m.Graphviz.load());
    graphvizPromise.catch(() => {
      graphvizPromise = null;
    });
  }
  return graphvizPromise;
}

const MIN_SCALE = 0.05;
const MAX_SCALE = 8;
const DRAG_THRESHOLD = 4;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/** Flatten nested subgraphs into `[path, graph]` pairs, the main graph first. */
function flattenGraphs(graph: IGraphPayload, prefix = ''): [string, IGraphPayload][] {
  const out: [string, IGraphPayload][] = [[prefix, graph]];
  for (const [name, sub] of Object.entries(graph.subgraphs)) {
    out.push(...flattenGraphs(sub, prefix ? `${prefix} \u203a ${name}` : name));
  }
  return out;
}

export class GraphView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-graph');

    const toolbar = el('div', 'tfedu-graph-toolbar');
    this._title = el('span', 'tfedu-graph-title');
    this._picker = el('select', 'tfedu-graph-picker');
    this._picker.title = 'Show a function body or branch of this graph';
    this._picker.addEventListener('change', () => {
      void this._show(parseInt(this._picker.value, 10));
    });
    this._count = el('span', 'tfedu-graph-count');
    const zoomOut = el('button', 'tfedu-graph-button', '\u2212');
    zoomOut.title = 'Zoom out';
    zoomOut.addEventListener('click', () => this._zoomBy(1 / 1.25));
    const zoomIn = el('button', 'tfedu-graph-button', '+');
    zoomIn.title = 'Zoom in';
    zoomIn.addEventListener('click', () => this._zoomBy(1.25));
    const fit = el('button', 'tfedu-graph-button', 'Fit');
    fit.title = 'Fit the graph in view';
    fit.addEventListener('click', () => this._fit());
    toolbar.append(this._title, this._picker, this._count, zoomOut, zoomIn, fit);

    const body = el('div', 'tfedu-graph-body');
    this._viewport = el('div', 'tfedu-graph-viewport');
    this._viewport.tabIndex = 0;
    this._canvas = el('div', 'tfedu-graph-canvas');
    this._viewport.append(this._canvas);
    this._details = el('div', 'tfedu-graph-details');
    this._details.hidden = true;
    body.append(this._viewport, this._details);
    this._message = el('div', 'tfedu-graph-message');
    this.node.append(toolbar, this._message, body);

    this._viewport.addEventListener('wheel', this._onWheel, { passive: false });
    this._viewport.addEventListener('pointerdown', this._onPointerDown);
    this._viewport.addEventListener('pointermove', this._onPointerMove);
    this._viewport.addEventListener('pointerup', this._onPointerUp);
    this._viewport.addEventListener('pointercancel', this._onPointerUp);
    this._viewport.addEventListener('keydown', this._onKeyDown);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType];
    try {
      this._graphs = flattenGraphs(parseGraphPayload(data));
    } catch (err) {
      this._showMessage(`Cannot show this graph: ${(err as Error).message}`);
      return;
    }
    this._picker.replaceChildren();
    this._graphs.forEach(([path, g], i) => {
      const label = i === 0 ? g.title || 'graph' : path;
      const option = el('option', undefined, label);
      option.value = String(i);
      this._picker.append(option);
    });
    this._picker.hidden = this._graphs.length < 2;
    await this._show(0);
  }

  /** The payload currently drawn (for tests and other views). */
  get graph(): IGraphPayload | null {
    return this._current;
  }

  protected onAfterAttach(): void {
    if (this._svgSize && !this._userMoved) {
      requestAnimationFrame(() => this._fit());
    }
  }

  private async _show(which: number): Promise<void> {
    const entry = this._graphs[which];
    if (!entry) {
      return;
    }
    const graph = entry[1];
    this._current = graph;
    this._picker.value = String(which);
    this._title.textContent = this._graphs[0][1].title || 'graph';
    const edges = graph.nodes.reduce((n, node) => n + node.inputs.length, 0);
    this._count.textContent = `${graph.nodes.length} ops \u00b7 ${edges} edges`;
    this._select(-1);
    if (graph.nodes.length === 0) {
      this._canvas.replaceChildren();
      this._svgSize = null;
      this._showMessage('This graph has no operations yet.');
      return;
    }
    let svg: SVGSVGElement;
    try {
      const gv = await loadGraphviz();
      svg = sanitizeSvg(gv.dot(graphToDot(graph)));
    } catch (err) {
      this._showMessage(`Graphviz could not lay out this graph: ${(err as Error).message}`);
      return;
    }
    if (this._current !== graph) {
      return; // another graph was picked while this one was being laid out
    }
    this._showMessage('');
    const viewBox = svg.viewBox.baseVal;
    const width = viewBox && viewBox.width ? viewBox.width : 400;
    const height = viewBox && viewBox.height ? viewBox.height : 200;
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.classList.add('tfedu-graph-svg');
    for (const g of Array.from(svg.querySelectorAll('g.node'))) {
      const title = g.querySelector('title');
      const i = title ? nodeIndex(title.textContent ?? '') : -1;
      if (i >= 0) {
        g.setAttribute('data-tfedu-node', String(i));
        g.classList.add('tfedu-graph-node');
      }
    }
    this._canvas.replaceChildren(svg);
    this._svgSize = { width, height };
    this._viewport.style.height = `${Math.max(160, Math.min(520, height + 16))}px`;
    this._userMoved = false;
    this._fit();
  }

  private _showMessage(text: string): void {
    this._message.textContent = text;
    this._message.hidden = !text;
  }

  private _applyTransform(): void {
    const { x, y, k } = this._view;
    this._canvas.style.transform = `translate(${x}px, ${y}px) scale(${k})`;
  }

  private _fit(): void {
    if (!this._svgSize) {
      return;
    }
    const vw = this._viewport.clientWidth;
    const vh = this._viewport.clientHeight;
    const { width, height } = this._svgSize;
    if (!vw || !vh) {
      this._view = { x: 0, y: 0, k: 1 };
    } else {
      const k = Math.min(1, (vw - 16) / width, (vh - 16) / height);
      this._view = {
        k,
        x: (vw - width * k) / 2,
        y: (vh - height * k) / 2
      };
    }
    this._applyTransform();
  }

  private _zoomAt(factor: number, cx: number, cy: number): void {
    const { x, y, k } = this._view;
    const nk = Math.min(MAX_SCALE, Math.max(MIN_SCALE, k * factor));
    const f = nk / k;
    this._view = { k: nk, x: cx - (cx - x) * f, y: cy - (cy - y) * f };
    this._userMoved = true;
    this._applyTransform();
  }

  private _zoomBy(factor: number): void {
    this._zoomAt(factor, this._viewport.clientWidth / 2, this._viewport.clientHeight / 2);
  }

  private _onWheel = (event: WheelEvent): void => {
    if (!this._svgSize) {
      return;
    }
    event.preventDefault();
    const rect = this._viewport.getBoundingClientRect();
    const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-event.deltaY * scale * 0.0015);
    this._zoomAt(factor, event.clientX - rect.left, event.clientY - rect.top);
  };

  private _onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) {
      return;
    }
    this._drag = {
      id: event.pointerId,
      startX: event.clientX,
      startY: event.clientY,
      viewX: this._view.x,
      viewY: this._view.y,
      moved: false,
      target: event.target as Element | null
    };
  };

  private _onPointerMove = (event: PointerEvent): void => {
    const d = this._drag;
    if (!d || d.id !== event.pointerId) {
      return;
    }
    const dx = event.clientX - d.startX;
    const dy = event.clientY - d.startY;
    if (!d.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) {
      return;
    }
    if (!d.moved) {
      d.moved = true;
      this._viewport.setPointerCapture(event.pointerId);
      this._viewport.classList.add('tfedu-dragging');
    }
    this._view = { ...this._view, x: d.viewX + dx, y: d.viewY + dy };
    this._userMoved = true;
    this._applyTransform();
  };

  private _onPointerUp = (event: PointerEvent): void => {
    const d = this._drag;
    if (!d || d.id !== event.pointerId) {
      return;
    }
    this._drag = null;
    this._viewport.classList.remove('tfedu-dragging');
    if (this._viewport.hasPointerCapture(event.pointerId)) {
      this._viewport.releasePointerCapture(event.pointerId);
    }
    if (d.moved || event.type === 'pointercancel') {
      return;
    }
    const g = d.target?.closest?.('[data-tfedu-node]');
    this._select(g ? parseInt(g.getAttribute('data-tfedu-node') ?? '-1', 10) : -1);
  };

  private _onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      this._select(-1);
    } else if (event.key === '+' || event.key === '=') {
      this._zoomBy(1.25);
    } else if (event.key === '-') {
      this._zoomBy(1 / 1.25);
    } else if (event.key === '0') {
      this._fit();
    } else {
      return;
    }
    event.preventDefault();
  };

  private _select(i: number): void {
    for (const g of Array.from(this._canvas.querySelectorAll('.tfedu-selected'))) {
      g.classList.remove('tfedu-selected');
    }
    const node = this._current && i >= 0 ? this._current.nodes[i] : undefined;
    const wasOpen = !this._details.hidden;
    if (!node) {
      this._details.hidden = true;
      this._details.replaceChildren();
    } else {
      this._canvas.querySelector(`[data-tfedu-node="${i}"]`)?.classList.add('tfedu-selected');
      this._renderDetails(node);
    }
    // The panel takes width from the viewport: keep an untouched view fitted.
    if (wasOpen !== !this._details.hidden && !this._userMoved) {
      this._fit();
    }
  }

  private _renderDetails(node: IGraphNode): void {
    const panel = this._details;
    panel.replaceChildren();
    const header = el('div', 'tfedu-details-header');
    const name = el('div', 'tfedu-details-name', node.id);
    const close = el('button', 'tfedu-graph-button tfedu-details-close', '\u00d7');
    close.title = 'Close';
    close.addEventListener('click', () => this._select(-1));
    header.append(name, close);
    panel.append(header);

    const table = el('div', 'tfedu-details-table');
    const row = (key: string, value: string | HTMLElement, cls = ''): void => {
      table.append(el('div', 'tfedu-details-key', key));
      const dd = el('div', `tfedu-details-val ${cls}`.trim());
      if (typeof value === 'string') {
        dd.textContent = value;
      } else {
        dd.append(value);
      }
      table.append(dd);
    };
    const list = (items: string[]): HTMLElement => {
      const ul = el('ul', 'tfedu-details-list');
      for (const item of items) {
        ul.append(el('li', undefined, item));
      }
      return ul;
    };
    row('Op type', node.type, 'tfedu-details-type');
    if (node.scope) {
      row('Scope', node.scope);
    }
    row('Inputs', node.inputs.length ? list(node.inputs) : '\u2014');
    if (node.control_inputs.length) {
      row('Control inputs', list(node.control_inputs.map(c => `^${c.replace(/^\^/, '')}`)));
    }
    row(
      'Outputs',
      node.outputs.length
        ? list(node.outputs.map((o, k) => `${node.id}:${k} ${outputText(o)}`))
        : '\u2014'
    );
    const attrs = Object.entries(node.attrs);
    if (attrs.length) {
      row('Attrs', list(attrs.map(([k, v]) => `${k} = ${v}`)));
    }
    if (node.value !== null) {
      row('Value', el('pre', 'tfedu-details-value', node.value));
    }
    if (node.source) {
      const s = node.source;
      row('Source', `${s.file}:${s.line} in ${s.function}`, 'tfedu-details-source');
    }
    panel.append(table);
    panel.hidden = false;
  }

  private _mimeType: string;
  private _title: HTMLSpanElement;
  private _picker: HTMLSelectElement;
  private _count: HTMLSpanElement;
  private _viewport: HTMLDivElement;
  private _canvas: HTMLDivElement;
  private _details: HTMLDivElement;
  private _message: HTMLDivElement;
  private _graphs: [string, IGraphPayload][] = [];
  private _current: IGraphPayload | null = null;
  private _svgSize: { width: number; height: number } | null = null;
  private _view = { x: 0, y: 0, k: 1 };
  private _userMoved = false;
  private _drag: {
    id: number;
    startX: number;
    startY: number;
    viewX: number;
    viewY: number;
    moved: boolean;
    target: Element | null;
  } | null = null;
}

export { GRAPH_MIME_TYPE };
