/**
 * The graph view: a toolbar, a zoom/pan viewport holding the Graphviz SVG and a details
 * panel for the clicked node. Big graphs start with their name scopes collapsed (one node
 * each, a click expands it, a click on a cluster's label collapses it again).
 *
 * The SVG is sanitized by DOMPurify into detached nodes (see `svg.ts`) that go in at once, and
 * all clicks are handled by listeners on the viewport, so a 2,000-node drawing costs one parse
 * and one browser layout. User strings reach the DOM as `textContent`, or inside the drawing
 * as text escaped by Graphviz, never as markup.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { assembleDot, boxIndex, nodeIndex, owners } from './layout';
import { h } from './dom';
import { GRAPH_MIME_TYPE, IGraphNode, IGraphPayload, parseGraphPayload } from './schema';

/**
 * What another view draws over the graph, by op index: the step-through's current, done and
 * failed ops and value badges, a profile's heat (0..1). Kept across redraws (a box opened).
 */
export interface IMarks {
  current?: number | null;
  done?: Set<number>;
  error?: number | null;
  badges?: Map<number, string>;
  heat?: Map<number, number>;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** White to red by `share` (0..1) of the busiest op. */
export function heatColour(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 220)}, ${mix(255, 38)}, ${mix(255, 38)})`;
}
import { compactGraphvizSvg, sanitizeSvg } from './svg';

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
/**
 * The smallest scale at which the drawing's 10 px text stays readable (8 px). A drawing that
 * would shrink below it to fit is shown at this scale from its start (where the inputs
 * are), and scrolls: the wheel moves it, Ctrl+wheel (or - and +) zooms.
 */
const READABLE_SCALE = 0.8;

/**
 * Performance measures each drawing writes (see benchmarks/graph_render.py): DOT source,
 * Graphviz layout, SVG sanitizing and rewriting, DOM insertion, and the whole drawing.
 */
export const DOT_MEASURE = 'tfedu-graph-dot';
export const LAYOUT_MEASURE = 'tfedu-graph-layout';
export const SVG_MEASURE = 'tfedu-graph-svg';
export const INSERT_MEASURE = 'tfedu-graph-insert';
export const DRAW_MEASURE = 'tfedu-graph-draw';

function measure(name: string, start: number): void {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // Older browsers without measure options only lose the timing.
  }
}

/**
 * Size the `<svg>` element to its viewBox (CSS pixels at scale 1), give it the view's class,
 * and return that size.
 */
function sizeSvg(svg: SVGSVGElement): { width: number; height: number } {
  const numbers = (svg.getAttribute('viewBox') ?? '').trim().split(/[\s,]+/).map(Number);
  const width = numbers[2] > 0 ? numbers[2] : 400;
  const height = numbers[3] > 0 ? numbers[3] : 200;
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'tfedu-graph-svg');
  return { width, height };
}

/** What the drawn SVG refers to: the graph, its ops by name. */
interface IDrawing {
  graph: IGraphPayload;
  byName: Map<string, number>;
}

function drawingOf(graph: IGraphPayload): IDrawing {
  return { graph, byName: new Map(graph.nodes.map((n, i) => [n.id, i])) };
}

/** `op:k` as [op, k]. */
function parseTensorName(name: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(name);
  return m ? [m[1], parseInt(m[2], 10)] : [name, 0];
}

/** Boxes a "Collapse all" collapses: scopes of two ops or more, variables, fused steps. */
function collapsible(graph: IGraphPayload): number[] {
  const out: number[] = [];
  graph.layout.boxes.forEach((b, k) => (b.kind !== 'scope' || b.ops >= 2) && out.push(k));
  return out;
}

/** Flatten nested subgraphs into `[path, graph]` pairs, the main graph first. */
function flattenGraphs(graph: IGraphPayload, prefix = ''): [string, IGraphPayload][] {
  const out: [string, IGraphPayload][] = [[prefix, graph]];
  for (const [name, sub] of Object.entries(graph.subgraphs)) {
    out.push(...flattenGraphs(sub, prefix ? `${prefix} \u203a ${name}` : name));
  }
  return out;
}

/**
 * Graphviz's groups made addressable: `data-tfedu-node` / `-scope` / `-cluster` indices;
 * other nodes and edges keep their tooltip (shape and dtype on big graphs) as `data-tip`.
 */
function groupAttributes(drawing: IDrawing) {
  const nodes = drawing.graph.nodes;
  const boxes = drawing.graph.layout.boxes;
  return (kind: 'node' | 'edge' | 'cluster', name: string, tooltip: string | null): Record<string, string> => {
    const tip: Record<string, string> = tooltip === null ? {} : { 'data-tip': tooltip };
    if (kind === 'node') {
      const i = nodeIndex(name);
      if (i >= 0 && i < nodes.length) {
        return { class: 'node tfedu-graph-node', 'data-tfedu-node': String(i) };
      }
      const k = name.startsWith('s') ? boxIndex(name) : -1;
      if (k >= 0 && k < boxes.length) {
        return { class: `node tfedu-graph-scope tfedu-box-${boxes[k].kind}`, 'data-tfedu-scope': String(k) };
      }
      return { class: 'node', ...tip };
    }
    if (kind === 'cluster') {
      const k = boxIndex(name);
      return k >= 0 && k < boxes.length
        ? { class: 'cluster tfedu-graph-cluster', 'data-tfedu-cluster': String(k) }
        : { class: 'cluster' };
    }
    return { class: 'edge', ...tip };
  };
}

/** The hover title of a drawn group: op names, scope paths with their op counts, tooltips. */
function hoverText(g: Element, drawing: IDrawing): string | null {
  const index = (attr: string): number => parseInt(g.getAttribute(attr) ?? '-1', 10);
  const node = drawing.graph.nodes[index('data-tfedu-node')];
  if (node) {
    return node.id;
  }
  const boxes = drawing.graph.layout.boxes;
  const k = index('data-tfedu-scope');
  if (k >= 0 && k < boxes.length) {
    return `${boxes[k].title} (click to expand)`;
  }
  const c = index('data-tfedu-cluster');
  if (c >= 0 && c < boxes.length) {
    return `${boxes[c].title} (click the label to collapse)`;
  }
  return g.getAttribute('data-tip');
}

export class GraphView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-graph');

    const toolbar = h('div', 'tfedu-graph-toolbar');
    this._title = h('span', 'tfedu-graph-title');
    this._picker = h('select', 'tfedu-graph-picker');
    this._picker.title = 'Show a function body or branch of this graph';
    this._picker.addEventListener('change', () => {
      void this._show(parseInt(this._picker.value, 10));
    });
    this._count = h('span', 'tfedu-graph-count');
    const zoomOut = h('button', 'tfedu-graph-button', '\u2212');
    zoomOut.title = 'Zoom out';
    zoomOut.addEventListener('click', () => this._zoomBy(1 / 1.25));
    const zoomIn = h('button', 'tfedu-graph-button', '+');
    zoomIn.title = 'Zoom in';
    zoomIn.addEventListener('click', () => this._zoomBy(1.25));
    const fit = h('button', 'tfedu-graph-button', 'Fit');
    fit.title = 'Fit the graph to the width, its text kept readable (\u2212 zooms out further)';
    fit.addEventListener('click', () => this._fit());
    this._scopesButton = h('button', 'tfedu-graph-button tfedu-graph-scopes');
    this._scopesButton.hidden = true;
    this._scopesButton.addEventListener('click', () => this._toggleAllScopes());
    this._extra = h('span', 'tfedu-graph-extra');
    toolbar.append(this._title, this._picker, this._count, this._extra, this._scopesButton, zoomOut, zoomIn, fit);

    const body = h('div', 'tfedu-graph-body');
    this._viewport = h('div', 'tfedu-graph-viewport');
    this._viewport.tabIndex = 0;
    this._canvas = h('div', 'tfedu-graph-canvas');
    this._viewport.append(this._canvas);
    this._details = h('div', 'tfedu-graph-details');
    this._details.hidden = true;
    body.append(this._viewport, this._details);
    this._message = h('div', 'tfedu-graph-message');
    this.node.append(toolbar, this._message, body);

    this._viewport.addEventListener('wheel', this._onWheel, { passive: false });
    this._viewport.addEventListener('pointerdown', this._onPointerDown);
    this._viewport.addEventListener('pointermove', this._onPointerMove);
    this._viewport.addEventListener('pointerup', this._onPointerUp);
    this._viewport.addEventListener('pointercancel', this._onPointerUp);
    this._viewport.addEventListener('keydown', this._onKeyDown);
    this._viewport.addEventListener('pointerover', this._onPointerOver);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType];
    try {
      this._graphs = flattenGraphs(parseGraphPayload(data));
    } catch (err) {
      this._showMessage(`Cannot show this graph: ${(err as Error).message}`);
      return;
    }
    this._collapsed = new Map();
    this._picker.replaceChildren();
    this._graphs.forEach(([path, g], i) => {
      const label = i === 0 ? g.title || 'graph' : path;
      const option = h('option', undefined, label);
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

  /** Draw one (parsed) graph payload, as the step-through and profile views do. */
  async showGraph(graph: IGraphPayload): Promise<void> {
    if (this._graphs[0]?.[1] === graph) {
      return;
    }
    this._graphs = flattenGraphs(graph);
    this._collapsed = new Map();
    this._picker.hidden = true;
    await this._show(0);
  }

  /** Toolbar space for another view's controls. */
  get extraToolbar(): HTMLElement {
    return this._extra;
  }

  /** Draw `marks` over the graph (null: none); they stay across redraws. */
  setMarks(marks: IMarks | null): void {
    const resize = !!marks?.badges !== !!this._marks?.badges;
    this._marks = marks;
    if (resize) {
      this._sizeViewport();
      if (!this._userMoved) {
        this._initialView();
      }
    }
    this._applyMarks();
  }

  /** The viewport's height: the drawing's, within bounds, with room below it for the
   * value badges another view may write under nodes. */
  private _sizeViewport(): void {
    if (this._svgSize) {
      const below = this._marks?.badges ? 30 : 16;
      this._viewport.style.height = `${Math.max(160, Math.min(520, this._svgSize.height + below))}px`;
    }
  }

  /** Select op `i` (-1: none) as a click would, and bring it into view. */
  selectNode(i: number): void {
    this._select(i);
    this._reveal(i);
  }

  /** An op the first view of a drawing wider or taller than the view keeps in sight (the
   * profile's busiest node); -1: the drawing's start. */
  focusNode = -1;

  /** Pan so that op `i`'s drawn node is in view, centred, unless it already is. */
  private _reveal(i: number): void {
    const el = i >= 0 ? this._drawnElement(i) : null;
    if (el) {
      const box = el.getBoundingClientRect();
      const port = this._viewport.getBoundingClientRect();
      if (box.right > port.right || box.left < port.left || box.bottom > port.bottom || box.top < port.top) {
        this._view = { ...this._view, x: this._view.x + port.left + port.width / 2 - (box.left + box.width / 2), y: this._view.y + port.top + port.height / 2 - (box.top + box.height / 2) };
        this._applyTransform();
      }
    }
  }

  /** Called with the op index a click selected (-1: none). */
  onSelect: ((i: number) => void) | null = null;
  /** Builds the details panel's content for op `i` instead of the default (null: default). */
  detailsFor: ((i: number) => HTMLElement | null) | null = null;

  /** The drawn group of op `i`: its node, or the collapsed box holding it. */
  private _drawnElement(i: number): Element | null {
    const node = this._canvas.querySelector(`[data-tfedu-node="${i}"]`);
    if (node || !this._current) {
      return node;
    }
    const collapsed = this._collapsed.get(this._which) ?? new Set<number>();
    const owner = owners(this._current.layout, collapsed)[0][i];
    return owner?.startsWith('s') ? this._canvas.querySelector(`[data-tfedu-scope="${owner.slice(1)}"]`) : null;
  }

  private _applyMarks(): void {
    for (const el of Array.from(this._canvas.querySelectorAll('.tfedu-mark-badge'))) {
      el.remove();
    }
    for (const el of Array.from(this._canvas.querySelectorAll('.tfedu-step-current, .tfedu-step-done, .tfedu-step-todo, .tfedu-step-error, .tfedu-heat'))) {
      el.classList.remove('tfedu-step-current', 'tfedu-step-done', 'tfedu-step-todo', 'tfedu-step-error', 'tfedu-heat');
      el.removeAttribute('data-tfedu-heat');
      (el.querySelector('path, polygon') as SVGElement | null)?.style.removeProperty('fill');
    }
    const m = this._marks;
    const n = this._current?.nodes.length ?? 0;
    if (!m || !n) {
      return;
    }
    const stepping = m.done !== undefined;
    for (let i = 0; i < n; i++) {
      const el = this._drawnElement(i);
      if (!el) {
        continue;
      }
      if (stepping && !el.classList.contains('tfedu-step-done')) {
        el.classList.add(m.done!.has(i) ? 'tfedu-step-done' : 'tfedu-step-todo');
        if (m.done!.has(i)) {
          el.classList.remove('tfedu-step-todo');
        }
      }
      const heat = m.heat?.get(i);
      if (heat !== undefined) {
        el.classList.add('tfedu-heat');
        el.setAttribute('data-tfedu-heat', heat.toFixed(3));
        (el.querySelector('path, polygon') as SVGElement | null)?.style.setProperty('fill', heatColour(heat));
      }
    }
    for (const [i, cls] of [[m.error, 'tfedu-step-error'], [m.current, 'tfedu-step-current']] as const) {
      if (i !== null && i !== undefined) {
        this._drawnElement(i)?.classList.add(cls);
      }
    }
    m.badges?.forEach((text, i) => this._badge(i, text));
  }

  /** A value text under op `i`'s drawn node. */
  private _badge(i: number, text: string): void {
    const el = this._drawnElement(i) as SVGGraphicsElement | null;
    if (!el) {
      return;
    }
    el.querySelector('.tfedu-mark-badge')?.remove(); // a box shows its last op's value
    if (!text) {
      return;
    }
    const box = el.getBBox();
    const t = document.createElementNS(SVG_NS, 'text');
    t.setAttribute('class', 'tfedu-mark-badge');
    t.setAttribute('x', String(box.x + box.width / 2));
    t.setAttribute('y', String(box.y + box.height + 9));
    t.setAttribute('text-anchor', 'middle');
    t.textContent = text;
    el.append(t);
  }

  protected onAfterAttach(): void {
    if (this._svgSize && !this._userMoved) {
      requestAnimationFrame(() => this._initialView());
    }
  }

  private async _show(which: number): Promise<void> {
    const entry = this._graphs[which];
    if (!entry) {
      return;
    }
    const graph = entry[1];
    this._current = graph;
    this._which = which;
    this._picker.value = String(which);
    this._title.textContent = this._graphs[0][1].title || 'graph';
    if (!this._collapsed.has(which)) {
      this._collapsed.set(which, new Set(graph.layout.collapsed));
    }
    await this._draw(true);
  }

  /**
   * Lay out and insert the current graph with its current collapsed scopes. `refit` shows
   * the new drawing whole (or its start); `anchor` instead keeps the element it names where
   * it was on screen, so an expanded scope opens in place.
   */
  private async _draw(refit: boolean, anchor?: { selector: string; x: number; y: number }): Promise<void> {
    const graph = this._current;
    if (!graph) {
      return;
    }
    const started = performance.now();
    const collapsed = this._collapsed.get(this._which) ?? new Set<number>();
    const drawing = drawingOf(graph);
    this._drawing = drawing;
    this._select(-1);
    const edges = graph.nodes.reduce((n, node) => n + node.inputs.length, 0);
    const boxes = graph.layout.boxes;
    const shown = boxes.filter((b, k) => b.kind === 'scope' && collapsed.has(k) && !this._insideCollapsed(k, collapsed));
    this._count.textContent =
      `${graph.nodes.length} ops \u00b7 ${edges} edges` +
      (shown.length ? ` \u00b7 ${shown.length} collapsed scope${shown.length === 1 ? '' : 's'}` : '');
    const scopes = boxes.filter(b => b.kind === 'scope' && b.ops >= 2);
    // Small graphs keep a plain toolbar unless a scope was collapsed by hand.
    this._scopesButton.hidden = scopes.length === 0 || (!graph.layout.big && shown.length === 0);
    this._scopesButton.textContent = shown.length ? 'Expand all' : 'Collapse all';
    this._scopesButton.title = shown.length
      ? 'Draw every op (click a cluster label to collapse it again)'
      : 'Draw each name scope as one node (click it to expand)';
    if (graph.nodes.length === 0) {
      this._canvas.replaceChildren();
      this._svgSize = null;
      this._showMessage('This graph has no operations yet.');
      return;
    }
    let svg: SVGSVGElement;
    let size: { width: number; height: number };
    try {
      const gv = await loadGraphviz();
      const dotStart = performance.now();
      const dot = assembleDot(graph.layout, collapsed);
      measure(DOT_MEASURE, dotStart);
      const layoutStart = performance.now();
      const svgText = gv.dot(dot);
      measure(LAYOUT_MEASURE, layoutStart);
      const svgStart = performance.now();
      svg = sanitizeSvg(compactGraphvizSvg(svgText, groupAttributes(drawing)));
      size = sizeSvg(svg);
      measure(SVG_MEASURE, svgStart);
    } catch (err) {
      this._showMessage(`Graphviz could not lay out this graph: ${(err as Error).message}`);
      return;
    }
    if (this._current !== graph || this._drawing !== drawing) {
      return; // another graph (or another set of scopes) was asked for meanwhile
    }
    this._showMessage('');
    const insertStart = performance.now();
    // Size and view are settled before the SVG goes in (reading the viewport's size then
    // costs nothing): the browser lays the new drawing out once, in its next frame.
    this._svgSize = size;
    this._sizeViewport();
    if (!anchor && (refit || !this._userMoved)) {
      this._userMoved = false;
      this._initialView();
    }
    this._canvas.replaceChildren(svg);
    const anchored = anchor ? this._canvas.querySelector(anchor.selector) : null;
    if (anchor && anchored) {
      const box = anchored.getBoundingClientRect();
      this._view = { ...this._view, x: this._view.x + anchor.x - box.left, y: this._view.y + anchor.y - box.top };
      this._userMoved = true;
      this._applyTransform();
    } else if (!this._userMoved) {
      this._reveal(this.focusNode); // the first view was set before the drawing went in
    }
    this._applyMarks();
    measure(INSERT_MEASURE, insertStart);
    measure(DRAW_MEASURE, started);
  }

  private _insideCollapsed(k: number, collapsed: Set<number>): boolean {
    const boxes = this._current?.layout.boxes ?? [];
    for (let p = boxes[k]?.parent ?? -1; p >= 0; p = boxes[p].parent) {
      if (collapsed.has(p)) {
        return true;
      }
    }
    return false;
  }

  /** Expand (`collapse` false) or collapse box `k` of the current drawing and redraw. */
  private _setScope(k: number, collapse: boolean): void {
    const collapsed = this._collapsed.get(this._which);
    if (!this._current?.layout.boxes[k] || !collapsed || collapsed.has(k) === collapse) {
      return;
    }
    // The box's node (or cluster) is redrawn as its cluster (or node): keep it in place.
    const from = this._canvas.querySelector(collapse ? `[data-tfedu-cluster="${k}"]` : `[data-tfedu-scope="${k}"]`);
    const box = from?.getBoundingClientRect();
    if (collapse) {
      collapsed.add(k);
    } else {
      collapsed.delete(k);
    }
    const selector = collapse ? `[data-tfedu-scope="${k}"]` : `[data-tfedu-cluster="${k}"]`;
    void this._draw(false, box ? { selector, x: box.left, y: box.top } : undefined);
  }

  private _toggleAllScopes(): void {
    const collapsed = this._collapsed.get(this._which);
    if (!this._current || !collapsed) {
      return;
    }
    const anyScope = this._current.layout.boxes.some((b, k) => b.kind === 'scope' && collapsed.has(k));
    collapsed.clear();
    if (!anyScope) {
      collapsible(this._current).forEach(k => collapsed.add(k));
    }
    void this._draw(true);
  }

  private _showMessage(text: string): void {
    this._message.textContent = text;
    this._message.hidden = !text;
  }

  private _applyTransform(): void {
    const { x, y, k } = this._view;
    this._canvas.style.transform = `translate(${x}px, ${y}px) scale(${k})`;
  }

  private _fitScale(): number {
    if (!this._svgSize) {
      return 1;
    }
    const vw = this._viewport.clientWidth;
    const vh = this._viewport.clientHeight;
    const { width, height } = this._svgSize;
    return !vw || !vh ? 1 : Math.min(1, (vw - 16) / width, (vh - 16) / height);
  }

  /** Fit the drawing's width (and height), unless that makes its text smaller than
   * `READABLE_SCALE` allows: then show its start (where the graph's inputs are) at that
   * scale; the wheel scrolls to the rest. */
  private _fit(): void {
    const vw = this._viewport.clientWidth;
    const vh = this._viewport.clientHeight;
    if (!this._svgSize || !vw || !vh) {
      this._view = { x: 0, y: 0, k: 1 };
    } else {
      const { width, height } = this._svgSize;
      const fit = this._fitScale();
      const k = Math.max(fit, READABLE_SCALE);
      const x = width * k <= vw - 16 ? (vw - width * k) / 2 : 8;
      const badges = this._marks?.badges ? 14 : 0; // their room stays below the drawing
      const y = height * k <= vh - 16 - badges ? (vh - badges - height * k) / 2 : 8;
      this._view = { k: Math.min(1, k), x, y };
    }
    this._applyTransform();
  }

  private _initialView(): void {
    this._fit();
    this._reveal(this.focusNode);
  }

  private _zoomAt(factor: number, cx: number, cy: number): void {
    const { x, y, k } = this._view;
    const nk = Math.min(MAX_SCALE, Math.max(Math.min(MIN_SCALE, this._fitScale()), k * factor));
    const f = nk / k;
    this._view = { k: nk, x: cx - (cx - x) * f, y: cy - (cy - y) * f };
    this._userMoved = true;
    this._applyTransform();
  }

  private _zoomBy(factor: number): void {
    this._zoomAt(factor, this._viewport.clientWidth / 2, this._viewport.clientHeight / 2);
  }

  /** Ctrl (or Cmd) + wheel zooms; the wheel alone scrolls the drawing where it overflows
   * the view, and otherwise leaves the notebook to scroll. */
  private _onWheel = (event: WheelEvent): void => {
    if (!this._svgSize) {
      return;
    }
    const rect = this._viewport.getBoundingClientRect();
    const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      this._zoomAt(Math.exp(-event.deltaY * scale * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
      return;
    }
    // Vertical overflow first; a wide drawing (left to right) takes the vertical wheel too.
    const { x, y, k } = this._view;
    const sizes = { x: this._svgSize.width * k, y: this._svgSize.height * k };
    const rooms = { x: rect.width, y: rect.height };
    const wanted: ('x' | 'y')[] = event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY) ? ['x'] : ['y', 'x'];
    const delta = (event.deltaX && wanted[0] === 'x' ? event.deltaX : event.deltaY || event.deltaX) * scale;
    for (const axis of wanted) {
      const pos = axis === 'x' ? x : y;
      const next = Math.min(8, Math.max(rooms[axis] - sizes[axis] - 8, pos - delta));
      if (sizes[axis] + 16 > rooms[axis] && next !== pos) {
        event.preventDefault();
        this._view = { ...this._view, [axis]: next };
        this._userMoved = true;
        this._applyTransform();
        return;
      }
    }
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
    const target = d.target;
    const scope = target?.closest?.('[data-tfedu-scope]');
    if (scope) {
      this._setScope(parseInt(scope.getAttribute('data-tfedu-scope') ?? '-1', 10), false);
      return;
    }
    const cluster = target?.closest?.('[data-tfedu-cluster]');
    if (cluster && target?.closest?.('text')) {
      this._setScope(parseInt(cluster.getAttribute('data-tfedu-cluster') ?? '-1', 10), true);
      return;
    }
    const g = target?.closest?.('[data-tfedu-node]');
    this._select(g ? parseInt(g.getAttribute('data-tfedu-node') ?? '-1', 10) : -1);
  };

  /** Hover titles are made when the pointer first reaches a group (thousands otherwise). */
  private _onPointerOver = (event: PointerEvent): void => {
    const g = (event.target as Element | null)?.closest?.('g.node, g.edge, g.cluster');
    if (!g || !this._drawing || g.firstElementChild?.nodeName === 'title') {
      return;
    }
    const text = hoverText(g, this._drawing);
    if (text !== null) {
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = text;
      g.prepend(title);
    }
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
      this._drawnElement(i)?.classList.add('tfedu-selected');
      const custom = this.detailsFor?.(i) ?? null;
      if (custom) {
        this._details.replaceChildren(custom);
        this._details.hidden = false;
      } else {
        this._renderDetails(node);
      }
    }
    // The panel takes width from the viewport: keep an untouched view fitted.
    if (wasOpen !== !this._details.hidden && !this._userMoved) {
      this._initialView();
    }
    this.onSelect?.(node ? i : -1);
  }

  /** `op:k (2, 3) float32` for an input tensor of the current graph (shape shown when known). */
  private _tensorText(tensor: string): string {
    const [op, k] = parseTensorName(tensor);
    const i = this._drawing?.byName.get(op);
    const out = i === undefined ? undefined : this._current?.layout.ops[i].outs[k];
    return out ? `${tensor} ${out}` : tensor;
  }

  private _outputTexts(node: IGraphNode): string[] {
    const i = this._drawing?.byName.get(node.id);
    return i === undefined ? [] : (this._current?.layout.ops[i].outs ?? []);
  }

  private _renderDetails(node: IGraphNode): void {
    const panel = this._details;
    panel.replaceChildren();
    const header = h('div', 'tfedu-details-header');
    const name = h('div', 'tfedu-details-name', node.id);
    const close = h('button', 'tfedu-graph-button tfedu-details-close', '\u00d7');
    close.title = 'Close';
    close.addEventListener('click', () => this._select(-1));
    header.append(name, close);
    panel.append(header);

    const table = h('div', 'tfedu-details-table');
    const row = (key: string, value: string | HTMLElement, cls = ''): void => {
      table.append(h('div', 'tfedu-details-key', key));
      const dd = h('div', `tfedu-details-val ${cls}`.trim());
      if (typeof value === 'string') {
        dd.textContent = value;
      } else {
        dd.append(value);
      }
      table.append(dd);
    };
    const list = (items: string[]): HTMLElement => {
      const ul = h('ul', 'tfedu-details-list');
      for (const item of items) {
        ul.append(h('li', undefined, item));
      }
      return ul;
    };
    row('Op type', node.type, 'tfedu-details-type');
    if (node.scope) {
      row('Scope', node.scope);
    }
    row('Inputs', node.inputs.length ? list(node.inputs.map(t => this._tensorText(t))) : '\u2014');
    if (node.control_inputs.length) {
      row('Control inputs', list(node.control_inputs.map(c => `^${c.replace(/^\^/, '')}`)));
    }
    row(
      'Outputs',
      node.outputs.length
        ? list(this._outputTexts(node).map((o, k) => `${node.id}:${k} ${o}`))
        : '\u2014'
    );
    const attrs = Object.entries(node.attrs);
    if (attrs.length) {
      row('Attrs', list(attrs.map(([k, v]) => `${k} = ${v}`)));
    }
    if (node.value !== null) {
      row('Value', h('pre', 'tfedu-details-value', node.value));
    }
    if (node.source) {
      const s = node.source;
      row('Source', `${s.file}:${s.line} in ${s.function}`, 'tfedu-details-source');
    }
    panel.append(table);
    panel.hidden = false;
  }

  private _mimeType: string;
  private _extra: HTMLSpanElement;
  private _marks: IMarks | null = null;
  private _title: HTMLSpanElement;
  private _picker: HTMLSelectElement;
  private _count: HTMLSpanElement;
  private _viewport: HTMLDivElement;
  private _canvas: HTMLDivElement;
  private _details: HTMLDivElement;
  private _message: HTMLDivElement;
  private _scopesButton: HTMLButtonElement;
  private _graphs: [string, IGraphPayload][] = [];
  private _current: IGraphPayload | null = null;
  private _which = 0;
  private _drawing: IDrawing | null = null;
  /** Collapsed scope paths of each graph of the picker, kept while switching between them. */
  private _collapsed = new Map<number, Set<number>>();
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
