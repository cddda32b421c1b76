/**
 * Small DOM helpers shared by the retracing, curves and compare views. User strings only
 * ever reach the DOM as `textContent` or attribute values, never as markup.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { GRAPH_MIME_TYPE } from './schema';

export function h<K extends keyof HTMLElementTagNameMap>(
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

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, String(v));
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/**
 * `text` with its `code` spans (between backticks, as the messages write names and values)
 * as <code> elements, the rest as text: no literal backticks on screen, no markup from it.
 */
export function richText(text: string, className?: string): HTMLSpanElement {
  const span = h('span', className);
  text.split(/`([^`]*)`/).forEach((part, i) => {
    if (i % 2) {
      span.append(h('code', 'tfedu-code', part));
    } else if (part) {
      span.append(document.createTextNode(part));
    }
  });
  return span;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Check the envelope (`kind`, `version`) of a payload read from output data. */
export function checkEnvelope(data: unknown, kind: string, version: number): Record<string, unknown> {
  if (!isRecord(data)) {
    throw new Error('expected an object');
  }
  if (data.kind !== kind) {
    throw new Error(`expected kind "${kind}"`);
  }
  if (data.version !== version) {
    throw new Error(
      `unsupported version ${JSON.stringify(data.version)} (this view reads version ${version}; update tfedu)`
    );
  }
  return data;
}

export function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : fallback;
}

export function strList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}

/** A mime model holding one graph payload, for a `GraphView` embedded in another view. */
export function graphModel(graph: unknown): IRenderMime.IMimeModel {
  return {
    trusted: true,
    data: { [GRAPH_MIME_TYPE]: graph as any },
    metadata: {},
    setData: () => undefined
  };
}

export const graphOptions = { mimeType: GRAPH_MIME_TYPE } as IRenderMime.IRendererOptions;
