/**
 * tfedu-lab: JupyterLab renderers for tfedu objects.
 *
 * `application/vnd.tfedu.graph+json` draws a dataflow graph (`tfedu.viz.show_graph`);
 * `...retracing+json` a tf.function's calls and traces (`show_retracing`), `...curves+json`
 * training curves (`TrainingCurves`) and `...compare+json` two graphs side by side.
 * `...step+json` replays a recorded run node by node (`tfedu.viz.step`), `...profile+json`
 * shows where its time went (`tfedu.viz.profile`).
 * `...live+json` is a live widget's output (see `liveview.ts`; the widget itself is in
 * `plugin.ts`, this package's JupyterLab plugin): it outranks every other type in its output.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { COMPARE_MIME_TYPE, CompareView } from './compare';
import { CURVES_MIME_TYPE, CurvesView } from './curves';
import { LIVE_MIME_TYPE, LiveView } from './liveview';
import { PROFILE_MIME_TYPE, ProfileView } from './profile';
import { STEP_MIME_TYPE, StepView } from './step';
import { RETRACING_MIME_TYPE, RetracingView } from './retracing';
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

function factory(
  mimeType: string,
  create: (options: IRenderMime.IRendererOptions) => IRenderMime.IRenderer,
  rank = 0
): IRenderMime.IRendererFactory {
  // Like the graph view: no code from the payload runs, user strings are written as text.
  return { safe: true, mimeTypes: [mimeType], defaultRank: rank, createRenderer: create };
}

function view(
  id: string,
  description: string,
  mimeType: string,
  create: (options: IRenderMime.IRendererOptions) => IRenderMime.IRenderer,
  rank = 0
): IRenderMime.IExtension {
  return { id: `tfedu-lab:${id}`, description, rendererFactory: factory(mimeType, create, rank), rank, dataType: 'json' };
}

const views: IRenderMime.IExtension[] = [
  extension,
  view('retracing', 'tf.function calls, traces and retracing explanations.', RETRACING_MIME_TYPE, o => new RetracingView(o)),
  view('curves', 'Live training curves.', CURVES_MIME_TYPE, o => new CurvesView(o)),
  // Below the widget view (-10) and the static kinds (0): chosen whenever it is present.
  view('live', 'Live views (tfedu widgets), with their saved picture when no kernel runs.', LIVE_MIME_TYPE, o => new LiveView(o), -20),
  view('step', 'Step through a recorded graph run, node by node.', STEP_MIME_TYPE, o => new StepView(o)),
  view('profile', 'Where time goes: a per-op profile of graph runs.', PROFILE_MIME_TYPE, o => new ProfileView(o)),
  view('compare', 'A TF1 graph and a tf.function graph side by side.', COMPARE_MIME_TYPE, o => new CompareView(o))
];

export default views;
export { GraphView, GRAPH_MIME_TYPE };
export { RetracingView, RETRACING_MIME_TYPE, CurvesView, CURVES_MIME_TYPE, CompareView, COMPARE_MIME_TYPE };
export { LiveView, LIVE_MIME_TYPE };
export { StepView, STEP_MIME_TYPE, ProfileView, PROFILE_MIME_TYPE };
