/**
 * tfedu-lab: JupyterLab renderers for tfedu objects.
 *
 * `application/vnd.tfedu.graph+json` draws a dataflow graph (`tfedu.viz.show_graph`).
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { GRAPH_MIME_TYPE } from './schema';
import { GraphView } from './widget';

export const graphRendererFactory: IRenderMime.IRendererFactory = {
  // The view runs no code from the payload and writes user strings only as text.
  safe: true,
  mimeTypes: [GRAPH_MIME_TYPE],
  defaultRank: 0,
  createRenderer: options => new GraphView(options)
};

const extension: IRenderMime.IExtension = {
  id: 'tfedu-lab:graph',
  description: 'Interactive tfedu dataflow graphs.',
  rendererFactory: graphRendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
export { GraphView, GRAPH_MIME_TYPE };
