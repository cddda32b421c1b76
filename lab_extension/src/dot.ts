/**
 * Graph payload -> Graphviz DOT.
 *
 * Pure functions with no DOM dependency, so they run (and are tested) under plain node.
 * Nodes get synthetic ids (`n0`, `n1`, ...) and every user string (op names, types, scopes,
 * shapes) goes through `dotString`, so no name can break out of a DOT string or be read
 * by Graphviz as an escape sequence or an HTML entity.
 */

import { IGraphNode, IGraphOutput, IGraphPayload } from './schema';

/** Longest label line before it is shortened with an ellipsis. */
export const MAX_LABEL_CHARS = 48;

/** Fill colours by op family; other types get a stable colour from `PALETTE`. */
export const TYPE_COLOURS: Record<string, string> = {
  Placeholder: '#fde68a',
  PlaceholderWithDefault: '#fde68a',
  Const: '#e5e7eb',
  VarHandleOp: '#bbf7d0',
  VariableV2: '#bbf7d0',
  ReadVariableOp: '#bbf7d0',
  AssignVariableOp: '#86efac',
  AssignAddVariableOp: '#86efac',
  AssignSubVariableOp: '#86efac',
  MatMul: '#bfdbfe',
  BatchMatMulV2: '#bfdbfe',
  Conv2D: '#bfdbfe',
  NoOp: '#f3f4f6',
  Identity: '#f5f5f4'
};

export const PALETTE = [
  '#fecaca',
  '#fed7aa',
  '#d9f99d',
  '#a7f3d0',
  '#a5f3fc',
  '#c7d2fe',
  '#ddd6fe',
  '#f5d0fe',
  '#fbcfe8',
  '#e7e5e4'
];

/** Colour for external inputs (tensors captured from an enclosing graph). */
export const EXTERNAL_COLOUR = '#ffffff';

/** 32-bit FNV-1a over UTF-16 code units: a stable hash shared with the Python side. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function typeColour(type: string): string {
  return TYPE_COLOURS[type] ?? PALETTE[fnv1a(type) % PALETTE.length];
}

/** Replace characters that cannot appear in XML (controls, lone surrogates) with U+FFFD. */
export function cleanText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd'
  );
}

/** Shorten `text` to at most `max` characters (code points), ending with an ellipsis. */
export function truncate(text: string, max = MAX_LABEL_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '\u2026';
}

/**
 * A DOT double-quoted string whose label text is exactly `text`.
 *
 * Backslashes are doubled (Graphviz reads `\N`, `\l`, ... as escapes), quotes escaped,
 * `&` written as `&amp;` (Graphviz decodes entities in labels), newlines become `\n`
 * (a centred line break) and characters invalid in XML are replaced.
 */
export function dotString(text: string): string {
  const body = cleanText(text)
    .replace(/\r\n?/g, '\n')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/&/g, '&amp;')
    .replace(/\n/g, '\\n');
  return `"${body}"`;
}

/** A static shape as TensorFlow prints it: `(2, 3)`, `(None, 3)`, `(5,)`, `()`, `<unknown>`. */
export function shapeText(shape: (number | null)[] | null): string {
  if (shape === null) {
    return '<unknown>';
  }
  const dims = shape.map(d => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

export function outputText(output: IGraphOutput): string {
  return `${shapeText(output.shape)} ${output.dtype}`;
}

/** Split a tensor name `op:3` into `["op", 3]`; a bare op name means output 0. */
export function parseTensorName(name: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(name);
  return m ? [m[1], parseInt(m[2], 10)] : [name, 0];
}

/** The part of an op name below `scope`: `outer/inner/add` in `outer/inner` -> `add`. */
export function localName(node: IGraphNode, scope: string = node.scope): string {
  if (scope && node.id.startsWith(scope + '/')) {
    return node.id.slice(scope.length + 1);
  }
  return node.id;
}

export function nodeLabel(node: IGraphNode, scope: string = node.scope): string {
  return `${truncate(localName(node, scope))}\n${truncate(node.type)}`;
}

/**
 * The cluster each node is drawn in. A scope named after an op only holds that op's
 * helpers (`Sum/reduction_indices` beside `Sum`): those are drawn next to the op, in the
 * nearest enclosing scope that is not an op name, instead of in a cluster of their own.
 */
export function displayScopes(nodes: IGraphNode[]): string[] {
  const ids = new Set(nodes.map(n => n.id));
  return nodes.map(node => {
    let scope = node.scope;
    while (scope && ids.has(scope)) {
      const cut = scope.lastIndexOf('/');
      scope = cut >= 0 ? scope.slice(0, cut) : '';
    }
    return scope;
  });
}

interface IScopeTree {
  name: string;
  nodes: number[];
  children: Map<string, IScopeTree>;
}

function scopeTree(scopes: string[]): IScopeTree {
  const root: IScopeTree = { name: '', nodes: [], children: new Map() };
  scopes.forEach((scope, i) => {
    let t = root;
    if (scope) {
      for (const part of scope.split('/')) {
        let child = t.children.get(part);
        if (!child) {
          child = { name: part, nodes: [], children: new Map() };
          t.children.set(part, child);
        }
        t = child;
      }
    }
    t.nodes.push(i);
  });
  return root;
}

export interface IDotOptions {
  /** `LR` (default) or `TB`. */
  rankdir?: 'LR' | 'TB';
}

/** The DOT id of node `i` of the payload (what the SVG `<title>` of that node holds). */
export function nodeId(i: number): string {
  return `n${i}`;
}

/** The node index a DOT id refers to, or -1 for ids this module did not produce. */
export function nodeIndex(id: string): number {
  const m = /^n(\d+)$/.exec(id.trim());
  return m ? parseInt(m[1], 10) : -1;
}

/** Graphviz DOT source for `graph`: left to right, scopes as clusters, labelled edges. */
export function graphToDot(graph: IGraphPayload, options: IDotOptions = {}): string {
  const rankdir = options.rankdir ?? 'LR';
  const lines: string[] = [];
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => index.set(n.id, i));

  lines.push('digraph tfedu {');
  lines.push(
    `  graph [rankdir=${rankdir}, bgcolor="transparent", fontname="Helvetica,Arial,sans-serif", fontsize=10, nodesep=0.25, ranksep=0.45, labeljust=l];`
  );
  lines.push(
    '  node [shape=box, style="rounded,filled", fontname="Helvetica,Arial,sans-serif", fontsize=10, color="#4b5563", penwidth=1, margin="0.12,0.05"];'
  );
  lines.push(
    '  edge [fontname="Helvetica,Arial,sans-serif", fontsize=8, color="#6b7280", fontcolor="#374151", arrowsize=0.6];'
  );

  const scopes = displayScopes(graph.nodes);
  let clusterCount = 0;
  const emitTree = (tree: IScopeTree, indent: string): void => {
    for (const child of tree.children.values()) {
      lines.push(`${indent}subgraph cluster_${clusterCount++} {`);
      lines.push(
        `${indent}  label=${dotString(truncate(child.name))}; style="rounded,dashed"; color="#9ca3af"; fontcolor="#4b5563";`
      );
      emitTree(child, indent + '  ');
      lines.push(`${indent}}`);
    }
    for (const i of tree.nodes) {
      const node = graph.nodes[i];
      lines.push(
        `${indent}${nodeId(i)} [label=${dotString(nodeLabel(node, scopes[i]))}, fillcolor="${typeColour(node.type)}"];`
      );
    }
  };
  emitTree(scopeTree(scopes), '  ');

  // Inputs from outside this graph (captures in a function body) become plain nodes.
  const external = new Map<string, string>();
  const externalId = (name: string): string => {
    let id = external.get(name);
    if (id === undefined) {
      id = `x${external.size}`;
      external.set(name, id);
      lines.push(
        `  ${id} [label=${dotString(truncate(name))}, shape=box, style="dashed", fillcolor="${EXTERNAL_COLOUR}"];`
      );
    }
    return id;
  };

  graph.nodes.forEach((node, i) => {
    for (const input of node.inputs) {
      const [opName, k] = parseTensorName(input);
      const src = index.get(opName);
      if (src === undefined) {
        lines.push(`  ${externalId(input)} -> ${nodeId(i)};`);
        continue;
      }
      const producer = graph.nodes[src];
      const out = producer.outputs[k];
      let label = out ? outputText(out) : '?';
      if (producer.outputs.length > 1) {
        label = `:${k} ${label}`;
      }
      lines.push(`  ${nodeId(src)} -> ${nodeId(i)} [label=${dotString(label)}];`);
    }
    for (const ctrl of node.control_inputs) {
      const src = index.get(ctrl.replace(/^\^/, ''));
      const from = src === undefined ? externalId(ctrl) : nodeId(src);
      lines.push(`  ${from} -> ${nodeId(i)} [style=dashed, arrowhead=odot];`);
    }
  });

  lines.push('}');
  return lines.join('\n') + '\n';
}
