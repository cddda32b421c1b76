/**
 * The profile view (`application/vnd.tfedu.profile+json`, from `tfedu.viz.profile`): one
 * line on what dominates, a table of time, calls and bytes per op type (with the earlier
 * profile's shares beside it when there is one), the busiest graph coloured by each node's
 * share of the time, and the busiest nodes (a click selects the node in the graph).
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';

import { checkEnvelope, graphOptions, h, isRecord, str } from './dom';
import { parseGraphPayload } from './schema';
import { GraphView, heatColour } from './widget';

export const PROFILE_MIME_TYPE = 'application/vnd.tfedu.profile+json';

interface IRow {
  type: string;
  op?: string;
  calls: number;
  us: number;
  bytes: number;
  share: number;
  node?: number | null;
}

function rows(x: unknown): IRow[] {
  return (Array.isArray(x) ? x : []).filter(isRecord).map(r => ({
    type: str(r.type),
    op: typeof r.op === 'string' ? r.op : undefined,
    calls: Number(r.calls) || 0,
    us: Number(r.us) || 0,
    bytes: Number(r.bytes) || 0,
    share: Number(r.share) || 0,
    node: typeof r.node === 'number' ? r.node : null
  }));
}

function bytesText(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

function table(head: string[], body: (string | HTMLElement)[][], cls: string): HTMLTableElement {
  const t = h('table', `tfedu-profile-table ${cls}`);
  const tr = h('tr');
  head.forEach(x => tr.append(h('th', undefined, x)));
  t.append(tr);
  for (const row of body) {
    const r = h('tr');
    row.forEach(x => {
      const td = h('td');
      td.append(x);
      r.append(td);
    });
    t.append(r);
  }
  return t;
}

function shareBar(share: number): HTMLElement {
  const bar = h('span', 'tfedu-profile-bar');
  const fill = h('span', 'tfedu-profile-bar-fill');
  fill.style.width = `${Math.round(share * 100)}%`;
  bar.append(fill, h('span', 'tfedu-profile-bar-text', pct(share)));
  return bar;
}

export class ProfileView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-profile');
    const layout = new PanelLayout();
    this.layout = layout;
    this._head = new Widget();
    this._graph = new GraphView(graphOptions);
    this._nodes = new Widget();
    layout.addWidget(this._head);
    layout.addWidget(this._graph);
    layout.addWidget(this._nodes);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let data: Record<string, unknown>;
    try {
      data = checkEnvelope(model.data[this._mimeType], 'profile', 1);
    } catch (err) {
      this._head.node.replaceChildren(h('div', 'tfedu-graph-message', `Cannot show this profile: ${(err as Error).message}`));
      return;
    }
    const byType = rows(data.by_type);
    const before = isRecord(data.before) ? new Map(rows(data.before.by_type).map(r => [r.type, r])) : null;
    const bar = h('div', 'tfedu-graph-toolbar');
    bar.append(
      h('span', 'tfedu-graph-title', str(data.title, 'profile')),
      h('span', 'tfedu-graph-count', `${Number(data.runs) || 1} run(s) \u00b7 ${((Number(data.total_us) || 0) / 1000).toFixed(2)} ms \u00b7 ${Number(data.steps) || 0} distinct steps`)
    );
    const head = ['op type', 'share of time', 'calls', 'ms', 'bytes out'].concat(before ? ['share before'] : []);
    const body = byType.slice(0, 15).map(r => {
      const row: (string | HTMLElement)[] = [r.type, shareBar(r.share), String(r.calls), (r.us / 1000).toFixed(3), bytesText(r.bytes)];
      if (before) {
        const b = before.get(r.type);
        row.push(b ? pct(b.share) : 'new');
      }
      return row;
    });
    this._head.node.replaceChildren(bar, h('div', 'tfedu-profile-explanation', str(data.explanation)), table(head, body, 'tfedu-profile-types'));
    await this._drawHeat(data);
    this._drawNodes(rows(data.by_node));
  }

  private async _drawHeat(data: Record<string, unknown>): Promise<void> {
    const entry = Array.isArray(data.graphs) && isRecord(data.graphs[0]) ? data.graphs[0] : null;
    if (!entry) {
      this._graph.hide();
      return;
    }
    const graph = parseGraphPayload(entry.graph, 'graphs[0].graph');
    const heat = new Map<number, number>();
    const raw = isRecord(entry.heat) ? entry.heat : {};
    const max = Math.max(...Object.values(raw).map(Number).filter(Number.isFinite), 1e-9);
    for (const [k, v] of Object.entries(raw)) {
      heat.set(Number(k), Number(v) / max);
    }
    // A drawing wider than the view starts with its busiest node in sight.
    this._graph.focusNode = [...heat].reduce((best, [k, v]) => (v > (heat.get(best) ?? -1) ? k : best), -1);
    await this._graph.showGraph(graph);
    this._graph.setMarks({ heat });
    const key = h('span', 'tfedu-profile-heat-key', 'heat: share of the time, busiest in red');
    key.style.setProperty('--tfedu-heat-hot', heatColour(1));
    this._graph.extraToolbar.replaceChildren(key);
  }

  private _drawNodes(nodes: IRow[]): void {
    const body = nodes.map(r => {
      const name = h('button', 'tfedu-profile-node', r.op ?? '');
      name.disabled = r.node === null || r.node === undefined;
      name.addEventListener('click', () => this._graph.selectNode(r.node ?? -1));
      return [name, r.type, shareBar(r.share), String(r.calls), (r.us / 1000).toFixed(3), bytesText(r.bytes)];
    });
    this._nodes.node.replaceChildren(
      h('div', 'tfedu-details-key', 'Busiest nodes'),
      table(['node', 'op type', 'share', 'calls', 'ms', 'bytes out'], body, 'tfedu-profile-nodes')
    );
  }

  private _mimeType: string;
  private _head: Widget;
  private _graph: GraphView;
  private _nodes: Widget;
}
