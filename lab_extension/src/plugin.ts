/**
 * The widget front end of tfedu's live views (`tfedu.viz.widgets.TfeduWidget` in Python).
 *
 * A `TfeduViewModel` syncs `kind` ("curves" or "retracing") and `payload` (the same JSON as the
 * static MIME outputs); `TfeduView` draws it with the MIME renderers' own classes and redraws
 * in place when Python changes the payload. Clicking a concrete function's "Graph" button in
 * a retracing view sends `{action: "graph", function, index}` to Python, which answers with
 * that graph's payload (graphs are not sent up front); "Keep last run" in a curves view sends
 * `{action: "clear"}`, and Python redraws the curves without the earlier runs.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  DOMWidgetModel,
  DOMWidgetView,
  IJupyterWidgetRegistry,
  ISerializers
} from '@jupyter-widgets/base';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { CurvesView } from './curves';
import { h, isRecord, str } from './dom';
import { createKindView, registerModel, unregisterModel } from './liveview';
import { RetracingView } from './retracing';
import { sanitizeSvg } from './svg';

/**
 * The command that shows what the graph view would insert for an SVG text (`{svg}` in, the
 * sanitized markup out, or `{error}`): scripts and tests check the sanitizer with it.
 */
export const SANITIZE_COMMAND = 'tfedu-lab:sanitize-svg';

export const MODULE_NAME = 'tfedu-lab';
export const MODULE_VERSION = '0.1.0';

export class TfeduViewModel extends DOMWidgetModel {
  defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_name: 'TfeduViewModel',
      _model_module: MODULE_NAME,
      _model_module_version: MODULE_VERSION,
      _view_name: 'TfeduView',
      _view_module: MODULE_NAME,
      _view_module_version: MODULE_VERSION,
      kind: '',
      payload: {}
    };
  }

  initialize(attributes: Backbone.ObjectHash, options: any): void {
    super.initialize(attributes, options);
    registerModel(this.model_id, this);
    this.once('destroy', () => unregisterModel(this.model_id, this));
  }

  static serializers: ISerializers = { ...DOMWidgetModel.serializers };
}

interface IPending {
  resolve: (answer: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

export class TfeduView extends DOMWidgetView {
  render(): void {
    this.el.classList.add('tfedu-widget');
    const kind = str(this.model.get('kind'));
    this.el.dataset.kind = kind;
    const inner = createKindView(kind);
    if (!inner) {
      this.el.replaceChildren(h('div', 'tfedu-graph-message', `Unknown tfedu view kind "${kind}".`));
      return;
    }
    this._inner = inner;
    if (inner instanceof RetracingView) {
      inner.requestGraph = async (fn, index) =>
        (await this._request({ action: 'graph', function: fn, index })).graph;
    } else {
      inner.clearRuns = () => this._request({ action: 'clear' });
    }
    this.listenTo(this.model, 'change:payload', this._update);
    this.listenTo(this.model, 'msg:custom', this._onMessage);
    this._update();
  }

  /** The drawing widget lives in this view's node: attached and detached with it. */
  processLuminoMessage(msg: Message): void {
    super.processLuminoMessage(msg);
    const inner = this._inner;
    if (!inner || inner.isDisposed) {
      return;
    }
    if (msg.type === 'after-attach' && !inner.isAttached && this.el.isConnected) {
      Widget.attach(inner, this.el);
    } else if (msg.type === 'before-detach' && inner.isAttached && inner.node.isConnected) {
      Widget.detach(inner);
    }
  }

  remove(): any {
    const inner = this._inner;
    this._inner = null;
    if (inner && !inner.isDisposed) {
      if (inner.isAttached && inner.node.isConnected) {
        Widget.detach(inner);
      } else if (inner.isAttached) {
        inner.clearFlag(Widget.Flag.IsAttached); // its host left the page without telling it
      }
      inner.dispose();
    }
    for (const p of this._pending.values()) {
      p.reject(new Error('the view was closed'));
    }
    this._pending.clear();
    return super.remove();
  }

  private _update(): void {
    const payload = this.model.get('payload');
    if (this._inner instanceof CurvesView) {
      this._inner.render(payload);
    } else if (this._inner) {
      void this._inner.render(payload);
    }
  }

  /** Send a request to the kernel; resolves with its answer (rejects with its error). */
  private _request(content: Record<string, unknown>): Promise<Record<string, unknown>> {
    const request = ++this._requests;
    return new Promise((resolve, reject) => {
      this._pending.set(request, { resolve, reject });
      this.send({ ...content, request });
    });
  }

  private _onMessage(content: unknown): void {
    if (!isRecord(content) || typeof content.request !== 'number') {
      return;
    }
    const pending = this._pending.get(content.request);
    if (!pending) {
      return;
    }
    this._pending.delete(content.request);
    if (typeof content.error === 'string') {
      pending.reject(new Error(content.error));
    } else {
      pending.resolve(content);
    }
  }

  private _inner: CurvesView | RetracingView | null = null;
  private _pending = new Map<number, IPending>();
  private _requests = 0;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'tfedu-lab:widgets',
  description: 'Live tfedu views (training curves, retracing monitor) as Jupyter widgets.',
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate: (app: JupyterFrontEnd, registry: IJupyterWidgetRegistry): void => {
    app.commands.addCommand(SANITIZE_COMMAND, {
      label: 'Sanitize SVG as the tfedu graph view does',
      execute: args => {
        try {
          return { svg: sanitizeSvg(String(args.svg ?? '')).outerHTML };
        } catch (err) {
          return { error: (err as Error).message };
        }
      }
    });
    registry.registerWidget({
      name: MODULE_NAME,
      version: MODULE_VERSION,
      exports: { TfeduViewModel, TfeduView }
    });
  }
};

export default plugin;
