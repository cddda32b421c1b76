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

/** A graph with more ops than this starts with its name scopes collapsed. */
export const COLLAPSE_ABOVE_OPS = 200;

/** The smallest scope collapsed by default (a one-op scope gains nothing from it). */
export const MIN_COLLAPSED_OPS = 2;

/**
 * With more drawn nodes than this, edges carry no labels: their shape and dtype move to the
 * edge tooltip. Graphviz lays every edge label out as an extra node, which is most of the
 * layout time on big graphs (a 2,000-op chain: 6 s with labels, 0.5 s without).
 */
export const LABELLED_EDGES_MAX_NODES = 200;

/**
 * Extra graph attributes past `LABELLED_EDGES_MAX_NODES` drawn nodes: network simplex for
 * node placement stops after 0.2 x nodes iterations. On 2,000-node graphs this cuts 25-50 %
 * of the layout time, at the price of slightly less straight edges.
 */
export const LARGE_GRAPH_ATTRS = 'nslimit=0.2';

/** Fill and border of a collapsed name scope. */
export const SCOPE_COLOUR = '#e0e7ff';
export const SCOPE_BORDER = '#4f46e5';

/** A name scope: its own ops, its child scopes, and every op below it. */
export interface IScopeTree {
  name: string;
  /** Full scope path (`outer/inner`), `''` for the root. */
  path: string;
  /** Position in `scopePaths` (pre-order), -1 for the root. */
  index: number;
  nodes: number[];
  children: Map<string, IScopeTree>;
  /** Ops in this scope and all scopes below it. */
  ops: number;
}

/** The scope tree of `graph` (display scopes, see `displayScopes`), scopes numbered in pre-order. */
export function scopeTree(graph: IGraphPayload): IScopeTree {
  const scopes = displayScopes(graph.nodes);
  const root: IScopeTree = { name: '', path: '', index: -1, nodes: [], children: new Map(), ops: 0 };
  scopes.forEach((scope, i) => {
    let t = root;
    if (scope) {
      for (const part of scope.split('/')) {
        let child = t.children.get(part);
        if (!child) {
          const path = t.path ? `${t.path}/${part}` : part;
          child = { name: part, path, index: -1, nodes: [], children: new Map(), ops: 0 };
          t.children.set(part, child);
        }
        t = child;
      }
    }
    t.nodes.push(i);
  });
  let next = 0;
  const number = (t: IScopeTree): number => {
    for (const child of t.children.values()) {
      child.index = next++;
      t.ops += number(child);
    }
    t.ops += t.nodes.length;
    return t.ops;
  };
  number(root);
  return root;
}

/** Every scope path of `graph`, in the order of `scopeTree` (cluster `k` is scope `k`). */
export function scopePaths(graph: IGraphPayload): string[] {
  const out: string[] = [];
  const walk = (t: IScopeTree): void => {
    for (const child of t.children.values()) {
      out.push(child.path);
      walk(child);
    }
  };
  walk(scopeTree(graph));
  return out;
}

/** The scopes drawn collapsed when nothing else was asked: in a graph of more than
 * `COLLAPSE_ABOVE_OPS` ops, every scope of at least `MIN_COLLAPSED_OPS` ops. */
export function defaultCollapsed(graph: IGraphPayload): string[] {
  if (graph.nodes.length <= COLLAPSE_ABOVE_OPS) {
    return [];
  }
  const out: string[] = [];
  const walk = (t: IScopeTree): void => {
    for (const child of t.children.values()) {
      if (child.ops >= MIN_COLLAPSED_OPS) {
        out.push(child.path);
      }
      walk(child);
    }
  };
  walk(scopeTree(graph));
  return out;
}

export interface IDotOptions {
  /** `LR` (default) or `TB`. */
  rankdir?: 'LR' | 'TB';
  /** Scope paths drawn as one node each; `defaultCollapsed(graph)` when not given. */
  collapsed?: Iterable<string>;
}

/** The DOT id of node `i` of the payload (what the SVG `<title>` of that node holds). */
export function nodeId(i: number): string {
  return `n${i}`;
}

/** The DOT id of collapsed scope `k` (its index in `scopePaths`). */
export function scopeId(k: number): string {
  return `s${k}`;
}

/** The node index a DOT id refers to, or -1 for ids this module did not produce. */
export function nodeIndex(id: string): number {
  const m = /^n(\d+)$/.exec(id.trim());
  return m ? parseInt(m[1], 10) : -1;
}

/** The scope index of a collapsed scope's DOT id (`s3` -> 3) or cluster id (`cluster_3`), else -1. */
export function scopeIndex(id: string): number {
  const m = /^(?:s|cluster_)(\d+)$/.exec(id.trim());
  return m ? parseInt(m[1], 10) : -1;
}

function opsText(n: number): string {
  return n === 1 ? '1 op' : `${n} ops`;
}

/**
 * Graphviz DOT source for `graph`: left to right, scopes as clusters, labelled edges.
 *
 * Collapsed scopes (by default all scopes of a graph bigger than `COLLAPSE_ABOVE_OPS` ops)
 * are one node each, labelled with their op count; edges to and from their ops are merged
 * into one edge per neighbour. With more than `LABELLED_EDGES_MAX_NODES` nodes drawn, edge
 * labels become tooltips and `LARGE_GRAPH_ATTRS` speed the layout up. Scope `k` of `scopePaths` is `cluster_k` when expanded and node
 * `s<k>` when collapsed.
 */
export function graphToDot(graph: IGraphPayload, options: IDotOptions = {}): string {
  const rankdir = options.rankdir ?? 'LR';
  const collapsed = new Set(options.collapsed ?? defaultCollapsed(graph));
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
  const tree = scopeTree(graph);
  // Where each op is drawn: its own node, or the collapsed scope that holds it.
  const owner: string[] = graph.nodes.map((_, i) => nodeId(i));
  let drawn = 0;
  const assign = (t: IScopeTree, id: string | null): void => {
    for (const child of t.children.values()) {
      let inner = id;
      if (inner === null && collapsed.has(child.path)) {
        inner = scopeId(child.index);
        drawn++;
      }
      assign(child, inner);
    }
    for (const i of t.nodes) {
      if (id !== null) {
        owner[i] = id;
      } else {
        drawn++;
      }
    }
  };
  assign(tree, null);
  const labelled = drawn <= LABELLED_EDGES_MAX_NODES;
  if (!labelled) {
    lines.push(`  graph [${LARGE_GRAPH_ATTRS}];`);
  }

  const emitTree = (t: IScopeTree, indent: string): void => {
    for (const child of t.children.values()) {
      if (collapsed.has(child.path)) {
        lines.push(
          `${indent}${scopeId(child.index)} [label=${dotString(`${truncate(child.name)}\n${opsText(child.ops)}`)}, ` +
            `tooltip=${dotString(`${child.path}: ${opsText(child.ops)}`)}, shape=box3d, style="filled", ` +
            `color="${SCOPE_BORDER}", fillcolor="${SCOPE_COLOUR}"];`
        );
        continue;
      }
      lines.push(`${indent}subgraph cluster_${child.index} {`);
      lines.push(
        `${indent}  label=${dotString(truncate(child.name))}; style="rounded,dashed"; color="#9ca3af"; fontcolor="#4b5563";`
      );
      emitTree(child, indent + '  ');
      lines.push(`${indent}}`);
    }
    for (const i of t.nodes) {
      const node = graph.nodes[i];
      lines.push(
        `${indent}${nodeId(i)} [label=${dotString(nodeLabel(node, scopes[i]))}, fillcolor="${typeColour(node.type)}"];`
      );
    }
  };
  emitTree(tree, '  ');

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
  const edgeText = (text: string): string =>
    ` [${labelled ? 'label' : 'tooltip'}=${dotString(text)}]`;

  // Edges touching a collapsed scope are merged: one per pair of drawn ends and kind, written
  // where the first one was met, labelled with its tensor (or how many tensors it carries).
  const merged = new Map<string, { line: number; tensors: string[]; text: string | null }>();
  const mergedEdge = (from: string, to: string, tensor: string | null, text: string | null): void => {
    if (from === to) {
      return; // inside one collapsed scope
    }
    const key = `${from} ${to} ${tensor === null ? 'ctrl' : 'data'}`;
    const edge = merged.get(key);
    if (!edge) {
      merged.set(key, { line: lines.length, tensors: tensor === null ? [] : [tensor], text });
      lines.push(`  ${from} -> ${to}`);
    } else if (tensor !== null && !edge.tensors.includes(tensor)) {
      edge.tensors.push(tensor);
    }
  };

  graph.nodes.forEach((node, i) => {
    const to = owner[i];
    for (const input of node.inputs) {
      const [opName, k] = parseTensorName(input);
      const src = index.get(opName);
      if (src === undefined) {
        const from = externalId(input);
        if (to === nodeId(i)) {
          lines.push(`  ${from} -> ${to};`);
        } else {
          mergedEdge(from, to, input, null);
        }
        continue;
      }
      const producer = graph.nodes[src];
      const out = producer.outputs[k];
      let label = out ? outputText(out) : '?';
      if (producer.outputs.length > 1) {
        label = `:${k} ${label}`;
      }
      const from = owner[src];
      if (from === nodeId(src) && to === nodeId(i)) {
        lines.push(`  ${from} -> ${to}${edgeText(label)};`);
      } else {
        mergedEdge(from, to, `${opName}:${k}`, label);
      }
    }
    for (const ctrl of node.control_inputs) {
      const src = index.get(ctrl.replace(/^\^/, ''));
      const from = src === undefined ? externalId(ctrl) : owner[src];
      if (to === nodeId(i) && (src === undefined || from === nodeId(src))) {
        lines.push(`  ${from} -> ${to} [style=dashed, arrowhead=odot];`);
      } else {
        mergedEdge(from, to, null, null);
      }
    }
  });
  for (const [key, edge] of merged) {
    if (key.endsWith(' ctrl')) {
      lines[edge.line] += ' [style=dashed, arrowhead=odot];';
    } else if (edge.text === null) {
      lines[edge.line] += ';'; // from an external input
    } else {
      lines[edge.line] += edgeText(edge.tensors.length === 1 ? edge.text : `${edge.tensors.length} tensors`) + ';';
    }
  }

  lines.push('}');
  return lines.join('\n') + '\n';
}
