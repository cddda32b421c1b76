/**
 * The comparison view (`application/vnd.tfedu.compare+json`): a TF1 graph and a tf.function
 * graph side by side (two embedded graph views), nodes marked by role, and the list of
 * differences.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';

import { checkEnvelope, graphModel, graphOptions, h, isRecord, str, strList } from './dom';
import { GraphView } from './widget';

export const COMPARE_MIME_TYPE = 'application/vnd.tfedu.compare+json';

const ROLE_TEXT: Record<string, string> = {
  placeholder: 'Placeholder (fed by Session)',
  fetch: 'fetched tensor',
  input: 'function input',
  output: 'Identity output',
  only: 'only on this side'
};

export class CompareView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-compare');
    const layout = new PanelLayout();
    this.layout = layout;
    this._head = new Widget();
    this._sides = new Widget();
    this._sides.addClass('tfedu-compare-sides');
    const sidesLayout = new PanelLayout();
    this._sides.layout = sidesLayout;
    this._left = new GraphView(graphOptions);
    this._right = new GraphView(graphOptions);
    for (const v of [this._left, this._right]) {
      v.addClass('tfedu-compare-side');
      sidesLayout.addWidget(v);
    }
    layout.addWidget(this._head);
    layout.addWidget(this._sides);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let data: Record<string, unknown>;
    try {
      data = checkEnvelope(model.data[this._mimeType], 'compare', 1);
      if (!isRecord(data.left) || !isRecord(data.right)) {
        throw new Error('left/right: expected objects');
      }
    } catch (err) {
      this._head.node.replaceChildren(h('div', 'tfedu-graph-message', `Cannot show this comparison: ${(err as Error).message}`));
      this._sides.hide();
      return;
    }
    const head = this._head.node;
    const toolbar = h('div', 'tfedu-graph-toolbar');
    toolbar.append(h('span', 'tfedu-graph-title', str(data.title, 'comparison')));
    const legend = h('span', 'tfedu-compare-legend');
    for (const [role, text] of Object.entries(ROLE_TEXT)) {
      legend.append(h('span', `tfedu-compare-key tfedu-mark-${role}`, text));
    }
    toolbar.append(legend);
    const diffs = h('ul', 'tfedu-compare-differences');
    for (const d of strList(data.differences)) {
      diffs.append(h('li', 'tfedu-compare-difference', d));
    }
    head.replaceChildren(toolbar, diffs);
    const sides: [GraphView, Record<string, unknown>][] = [
      [this._left, data.left],
      [this._right, data.right]
    ];
    await Promise.all(
      sides.map(async ([view, side]) => {
        await view.renderModel(graphModel(side.graph));
        const label = h('div', 'tfedu-compare-label', str(side.label));
        view.node.querySelector('.tfedu-compare-label')?.remove();
        view.node.prepend(label);
        const marks = isRecord(side.marks) ? side.marks : {};
        const nodes = view.graph ? view.graph.nodes : [];
        nodes.forEach((n, i) => {
          const role = marks[n.id];
          if (typeof role === 'string' && role in ROLE_TEXT) {
            const g = view.node.querySelector(`[data-tfedu-node="${i}"]`);
            g?.classList.add('tfedu-mark', `tfedu-mark-${role}`);
            g?.setAttribute('data-tfedu-mark', role);
          }
        });
      })
    );
  }

  private _mimeType: string;
  private _head: Widget;
  private _sides: Widget;
  private _left: GraphView;
  private _right: GraphView;
}
