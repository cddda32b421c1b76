/**
 * The tfedu graph payload (`application/vnd.tfedu.graph+json`, schema version 2).
 *
 * The Python side (`tfedu.viz.graph_payload`) builds it; the JSON Schema lives in
 * `tfedu/viz/schemas/graph.v2.json`. `parseGraphPayload` checks untrusted output data
 * before anything is drawn, so a malformed payload shows a readable message instead. The
 * layout's DOT pieces may only be lists of known drawing attributes: a payload cannot add
 * statements, links or images to the DOT the view lays out.
 */

export const GRAPH_MIME_TYPE = 'application/vnd.tfedu.graph+json';
export const GRAPH_SCHEMA_VERSION = 2;

export interface IGraphSource {
  file: string;
  line: number;
  function: string;
}

export interface IGraphOutput {
  /** Static shape: `null` for unknown rank, `null` entries for unknown dimensions. */
  shape: (number | null)[] | null;
  dtype: string;
}

export interface IGraphNode {
  /** The op name, unique within its graph. */
  id: string;
  type: string;
  /** Name scope (`outer/inner`), `''` at top level. */
  scope: string;
  attrs: Record<string, string>;
  /** Data inputs as tensor names `op:index`. */
  inputs: string[];
  /** Names of ops this op runs after. */
  control_inputs: string[];
  outputs: IGraphOutput[];
  source: IGraphSource | null;
  /** A short text of a constant's value, when the op holds one. */
  value: string | null;
}

export interface ILayoutBox {
  path: string;
  kind: 'scope' | 'variable' | 'fused';
  /** Index of the enclosing box, -1 at top level (boxes come in pre-order). */
  parent: number;
  ops: number;
  /** The box's own ops. */
  nodes: number[];
  /** DOT attributes as a cluster (`label=...; style=...;`) and as one collapsed node. */
  cluster: string;
  node: string;
  title: string;
}

/** [from op (or -1 - external), to op, tensor key or null for control, quoted label or null] */
export type LayoutEdge = [number, number, string | null, string | null];

/** How the graph is drawn, decided in Python (`tfedu/viz/dot.py`, `layout_model`). */
export interface ILayout {
  header: string;
  large_attrs: string;
  labelled_max: number;
  top: number[];
  ops: { stmt: string; outs: string[] }[];
  boxes: ILayoutBox[];
  edges: LayoutEdge[];
  externals: string[];
  collapsed: number[];
  big: boolean;
}

export interface IGraphPayload {
  version: 2;
  kind: 'graph';
  title: string;
  nodes: IGraphNode[];
  subgraphs: Record<string, IGraphPayload>;
  layout: ILayout;
}

/** Raised when output data does not follow the schema. */
export class PayloadError extends Error {}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(where: string, what: string): never {
  throw new PayloadError(`${where}: ${what}`);
}

function expectString(x: unknown, where: string): string {
  if (typeof x !== 'string') {
    fail(where, 'expected a string');
  }
  return x;
}

function expectStringArray(x: unknown, where: string): string[] {
  if (!Array.isArray(x)) {
    fail(where, 'expected a list of strings');
  }
  return x.map((v, i) => expectString(v, `${where}[${i}]`));
}

function parseOutput(x: unknown, where: string): IGraphOutput {
  if (!isRecord(x)) {
    fail(where, 'expected an object');
  }
  let shape: (number | null)[] | null = null;
  if (x.shape !== null && x.shape !== undefined) {
    if (!Array.isArray(x.shape)) {
      fail(`${where}.shape`, 'expected a list or null');
    }
    shape = x.shape.map((d, i) => {
      if (d === null || (typeof d === 'number' && Number.isInteger(d))) {
        return d as number | null;
      }
      fail(`${where}.shape[${i}]`, 'expected an integer or null');
    });
  }
  return { shape, dtype: expectString(x.dtype, `${where}.dtype`) };
}

function parseSource(x: unknown, where: string): IGraphSource | null {
  if (x === null || x === undefined) {
    return null;
  }
  if (!isRecord(x)) {
    fail(where, 'expected an object or null');
  }
  if (typeof x.line !== 'number' || !Number.isInteger(x.line)) {
    fail(`${where}.line`, 'expected an integer');
  }
  return {
    file: expectString(x.file, `${where}.file`),
    line: x.line,
    function: expectString(x.function, `${where}.function`)
  };
}

function parseNode(x: unknown, where: string): IGraphNode {
  if (!isRecord(x)) {
    fail(where, 'expected an object');
  }
  const attrs: Record<string, string> = {};
  if (x.attrs !== undefined) {
    if (!isRecord(x.attrs)) {
      fail(`${where}.attrs`, 'expected an object');
    }
    for (const [k, v] of Object.entries(x.attrs)) {
      attrs[k] = expectString(v, `${where}.attrs.${k}`);
    }
  }
  if (!Array.isArray(x.outputs)) {
    fail(`${where}.outputs`, 'expected a list');
  }
  const value = x.value === null || x.value === undefined ? null : expectString(x.value, `${where}.value`);
  return {
    id: expectString(x.id, `${where}.id`),
    type: expectString(x.type, `${where}.type`),
    scope: x.scope === undefined ? '' : expectString(x.scope, `${where}.scope`),
    attrs,
    inputs: expectStringArray(x.inputs ?? [], `${where}.inputs`),
    control_inputs: expectStringArray(x.control_inputs ?? [], `${where}.control_inputs`),
    outputs: x.outputs.map((o, i) => parseOutput(o, `${where}.outputs[${i}]`)),
    source: parseSource(x.source, `${where}.source`),
    value
  };
}

const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const ATTRS = new Set([
  'label', 'tooltip', 'fillcolor', 'color', 'fontcolor', 'shape', 'style', 'rankdir', 'bgcolor',
  'fontname', 'fontsize', 'nodesep', 'ranksep', 'labeljust', 'penwidth', 'margin', 'arrowsize',
  'nslimit', 'arrowhead'
]);
const ATTR = new RegExp(`\\s*([a-z]+)=(?:${QUOTED}|[#\\w.]+)\\s*[,;]?`, 'gy');
const HEADER = new RegExp(
  '^digraph tfedu \\{\\n(?:  (?:graph|node|edge) \\[([^\\n]*)\\];\\n)+$'
);

/** `text` if it is a list of known DOT drawing attributes (`a="x", b=1` or `a="x"; b=1;`). */
function dotAttrs(text: unknown, where: string): string {
  const s = expectString(text, where);
  ATTR.lastIndex = 0;
  let end = 0;
  for (let m = ATTR.exec(s); m && m.index === end; m = ATTR.exec(s)) {
    if (!ATTRS.has(m[1])) {
      fail(where, `DOT attribute ${JSON.stringify(m[1])} is not a drawing attribute`);
    }
    end = ATTR.lastIndex;
  }
  if (end !== s.length) {
    fail(where, 'expected a list of DOT attributes');
  }
  return s;
}

function dotHeader(text: unknown, where: string): string {
  const s = expectString(text, where);
  if (!HEADER.test(s)) {
    fail(where, 'expected a DOT graph header');
  }
  for (const line of s.split('\n').slice(1, -1)) {
    dotAttrs(line.slice(line.indexOf('[') + 1, -2), where);
  }
  return s;
}

function intList(x: unknown, where: string, max: number): number[] {
  if (!Array.isArray(x) || !x.every(v => Number.isInteger(v) && v >= 0 && v < max)) {
    fail(where, `expected a list of integers below ${max}`);
  }
  return x as number[];
}

function parseBox(x: unknown, where: string, k: number, nOps: number): ILayoutBox {
  if (!isRecord(x) || !['scope', 'variable', 'fused'].includes(x.kind as string)) {
    fail(where, 'expected a box');
  }
  if (!Number.isInteger(x.parent) || (x.parent as number) < -1 || (x.parent as number) >= k) {
    fail(`${where}.parent`, 'expected an earlier box or -1');
  }
  return {
    path: expectString(x.path, `${where}.path`),
    kind: x.kind as ILayoutBox['kind'],
    parent: x.parent as number,
    ops: Number(x.ops) || 0,
    nodes: intList(x.nodes, `${where}.nodes`, nOps),
    cluster: dotAttrs(x.cluster, `${where}.cluster`),
    node: dotAttrs(x.node, `${where}.node`),
    title: expectString(x.title, `${where}.title`)
  };
}

function parseEdge(x: unknown, where: string, nOps: number, nExt: number): LayoutEdge {
  const ok =
    Array.isArray(x) && x.length === 4 && Number.isInteger(x[0]) && x[0] >= -nExt && x[0] < nOps &&
    Number.isInteger(x[1]) && x[1] >= 0 && x[1] < nOps && (x[2] === null || typeof x[2] === 'string') &&
    (x[3] === null || (typeof x[3] === 'string' && new RegExp(`^${QUOTED}$`).test(x[3])));
  if (!ok) {
    fail(where, 'expected [from, to, tensor, label]');
  }
  return x as LayoutEdge;
}

function parseLayout(x: unknown, where: string, nOps: number): ILayout {
  if (!isRecord(x) || !Array.isArray(x.ops) || x.ops.length !== nOps || !Array.isArray(x.boxes)) {
    fail(where, 'expected a layout with one entry per op (run the cell again if tfedu was updated)');
  }
  const ops = x.ops.map((o, i) => {
    if (!isRecord(o)) {
      fail(`${where}.ops[${i}]`, 'expected an object');
    }
    return { stmt: dotAttrs(o.stmt, `${where}.ops[${i}].stmt`), outs: expectStringArray(o.outs, `${where}.ops[${i}].outs`) };
  });
  const boxes = x.boxes.map((b, k) => parseBox(b, `${where}.boxes[${k}]`, k, nOps));
  const externals = expectStringArray(x.externals, `${where}.externals`).map((e, k) => dotAttrs(e, `${where}.externals[${k}]`));
  if (!Array.isArray(x.edges)) {
    fail(`${where}.edges`, 'expected a list');
  }
  return {
    header: dotHeader(x.header, `${where}.header`),
    large_attrs: dotHeader(`digraph tfedu {\n${expectString(x.large_attrs, `${where}.large_attrs`)}`, `${where}.large_attrs`).slice(16),
    labelled_max: Number(x.labelled_max) || 0,
    top: intList(x.top, `${where}.top`, nOps),
    ops,
    boxes,
    edges: x.edges.map((e, i) => parseEdge(e, `${where}.edges[${i}]`, nOps, externals.length)),
    externals,
    collapsed: intList(x.collapsed, `${where}.collapsed`, boxes.length),
    big: x.big === true
  };
}

/** Check `data` against schema version 2 and return it typed; throws `PayloadError`. */
export function parseGraphPayload(data: unknown, where = 'graph'): IGraphPayload {
  if (!isRecord(data)) {
    fail(where, 'expected an object');
  }
  if (data.version !== GRAPH_SCHEMA_VERSION) {
    fail(
      `${where}.version`,
      `unsupported version ${JSON.stringify(data.version)} (this view reads version ${GRAPH_SCHEMA_VERSION}; update tfedu)`
    );
  }
  if (data.kind !== 'graph') {
    fail(`${where}.kind`, 'expected "graph"');
  }
  if (!Array.isArray(data.nodes)) {
    fail(`${where}.nodes`, 'expected a list');
  }
  const nodes = data.nodes.map((n, i) => parseNode(n, `${where}.nodes[${i}]`));
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.id)) {
      fail(`${where}.nodes`, `duplicate node id ${JSON.stringify(n.id)}`);
    }
    seen.add(n.id);
  }
  const subgraphs: Record<string, IGraphPayload> = {};
  if (data.subgraphs !== undefined) {
    if (!isRecord(data.subgraphs)) {
      fail(`${where}.subgraphs`, 'expected an object');
    }
    for (const [k, v] of Object.entries(data.subgraphs)) {
      subgraphs[k] = parseGraphPayload(v, `${where}.subgraphs[${JSON.stringify(k)}]`);
    }
  }
  return {
    version: 2,
    kind: 'graph',
    title: data.title === undefined ? '' : expectString(data.title, `${where}.title`),
    nodes,
    subgraphs,
    layout: parseLayout(data.layout, `${where}.layout`, nodes.length)
  };
}
