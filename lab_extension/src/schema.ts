/**
 * The tfedu graph payload (`application/vnd.tfedu.graph+json`, schema version 1).
 *
 * The Python side (`tfedu.viz.graph_payload`) builds it; the JSON Schema lives in
 * `tfedu/viz/schemas/graph.v1.json`. `parseGraphPayload` checks untrusted output data
 * before anything is drawn, so a malformed payload shows a readable message instead.
 */

export const GRAPH_MIME_TYPE = 'application/vnd.tfedu.graph+json';
export const GRAPH_SCHEMA_VERSION = 1;

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

export interface IGraphPayload {
  version: 1;
  kind: 'graph';
  title: string;
  nodes: IGraphNode[];
  subgraphs: Record<string, IGraphPayload>;
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

/** Check `data` against schema version 1 and return it typed; throws `PayloadError`. */
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
    version: 1,
    kind: 'graph',
    title: data.title === undefined ? '' : expectString(data.title, `${where}.title`),
    nodes,
    subgraphs
  };
}
