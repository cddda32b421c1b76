/**
 * Live outputs (`application/vnd.tfedu.live+json`): `{model_id, kind}` of a tfedu widget, next
 * to the static payload of that kind (`application/vnd.tfedu.<kind>+json`) in the same output.
 *
 * While the widget's model exists (a running kernel), the output shows the widget's view, which
 * redraws as Python updates it. Without it (a notebook reopened with no kernel, a closed widget)
 * the output shows the static payload, drawn by the same code: the saved notebook keeps the
 * last picture. This module does not import `@jupyter-widgets/base`, so the static views work
 * without the widget manager; `plugin.ts` registers the widget models here.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, Widget } from '@lumino/widgets';

import { CURVES_MIME_TYPE, CurvesView } from './curves';
import { h, isRecord, str } from './dom';
import { RETRACING_MIME_TYPE, RetracingView } from './retracing';

export const LIVE_MIME_TYPE = 'application/vnd.tfedu.live+json';

/** The kinds of live view, and the MIME type of each one's static payload. */
export const KIND_MIME_TYPES: Record<string, string> = {
  curves: CURVES_MIME_TYPE,
  retracing: RETRACING_MIME_TYPE
};

/** The renderer of one payload kind: the same classes the MIME renderers use. */
export function createKindView(kind: string): CurvesView | RetracingView | null {
  if (kind === 'curves') {
    return new CurvesView();
  }
  if (kind === 'retracing') {
    return new RetracingView();
  }
  return null;
}

/** What this module needs of a widget model (structurally: no import of the widgets package). */
export interface ILiveModel {
  widget_manager: { create_view(model: any, options?: any): Promise<{ luminoWidget: Widget }> };
  /** False while the kernel is away (restarting, dead): the view could not ask it anything. */
  comm_live: boolean;
  on(event: string, callback: () => void, context?: unknown): void;
  off(event: string, callback: () => void, context?: unknown): void;
}

const models = new Map<string, ILiveModel>();
const waiting = new Map<string, Set<(model: ILiveModel) => void>>();

/** Called by the widget model when it is created (its comm is open). */
export function registerModel(id: string, model: ILiveModel): void {
  models.set(id, model);
  const callbacks = waiting.get(id);
  waiting.delete(id);
  for (const cb of callbacks ?? []) {
    cb(model);
  }
}

/** Called when the widget model is closed or destroyed. */
export function unregisterModel(id: string, model: ILiveModel): void {
  if (models.get(id) === model) {
    models.delete(id);
  }
}

/** Calls `cb` with the model `id` now if it exists, else when it is registered. */
function whenModel(id: string, cb: (model: ILiveModel) => void): () => void {
  const now = models.get(id);
  if (now) {
    cb(now);
    return () => undefined;
  }
  if (!waiting.has(id)) {
    waiting.set(id, new Set());
  }
  waiting.get(id)!.add(cb);
  return () => waiting.get(id)?.delete(cb);
}

export class LiveView extends Panel implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('tfedu-live');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const live = model.data[this._mimeType];
    const id = isRecord(live) ? str(live.model_id) : '';
    const kind = isRecord(live) ? str(live.kind) : '';
    const staticMime = KIND_MIME_TYPES[kind];
    this._payload = staticMime ? model.data[staticMime] : undefined;
    if (id === this._modelId && this._live) {
      // The widget view is up: newer static data is what the saved notebook keeps.
      return;
    }
    this._stopWaiting();
    this._model?.off('comm_live_update', this._onCommLive, this);
    this._model = null;
    if (this._live) {
      // Another widget now owns this output: let go of the old one's view.
      const old = this._live;
      this._live = null;
      old.dispose();
    }
    this._modelId = id;
    this._kind = kind;
    this._showStatic();
    if (id) {
      this._stopWaiting = whenModel(id, m => {
        this._model = m;
        m.on('comm_live_update', this._onCommLive, this);
        void this._attach(id, m);
      });
    }
  }

  dispose(): void {
    this._stopWaiting();
    this._model?.off('comm_live_update', this._onCommLive, this);
    super.dispose();
  }

  /** The kernel went away (restart, shutdown): show the saved state, not a dead view. */
  private _onCommLive(): void {
    const model = this._model;
    if (!model || this.isDisposed) {
      return;
    }
    if (!model.comm_live && this._live) {
      const old = this._live;
      this._live = null;
      old.dispose();
      this._showStatic();
    } else if (model.comm_live && !this._live) {
      void this._attach(this._modelId, model);
    }
  }

  private _showStatic(): void {
    this.node.dataset.tfeduLive = 'static';
    if (!this._static || this._staticKind !== this._kind) {
      this._static?.dispose();
      this._static = createKindView(this._kind);
      this._staticKind = this._kind;
      if (!this._static) {
        this.node.replaceChildren(h('div', 'tfedu-graph-message', `Cannot show a live view of kind "${this._kind}".`));
        return;
      }
      this.addWidget(this._static);
    }
    void this._static.render(this._payload);
  }

  private async _attach(id: string, model: ILiveModel): Promise<void> {
    if (this.isDisposed || id !== this._modelId || this._live || model.comm_live === false) {
      return;
    }
    let view: { luminoWidget: Widget };
    try {
      view = await model.widget_manager.create_view(model, {});
    } catch (err) {
      console.error('tfedu-lab: cannot create the live view', err);
      return;
    }
    if (this.isDisposed || id !== this._modelId || this._live) {
      view.luminoWidget.dispose();
      return;
    }
    const widget = view.luminoWidget;
    this._live = widget;
    this._static?.dispose(); // one view of the data at a time
    this._static = null;
    this.addWidget(widget);
    this.node.dataset.tfeduLive = 'live';
    widget.disposed.connect(() => {
      // The model was closed (kernel restart or shutdown): back to the last saved picture.
      if (this._live === widget && !this.isDisposed) {
        this._live = null;
        this._showStatic();
      }
    });
  }

  private _mimeType: string;
  private _modelId = '';
  private _kind = '';
  private _payload: unknown = undefined;
  private _static: CurvesView | RetracingView | null = null;
  private _staticKind = '';
  private _live: Widget | null = null;
  private _model: ILiveModel | null = null;
  private _stopWaiting: () => void = () => undefined;
}
