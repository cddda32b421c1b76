/**
 * Unit tests for the large-graph policy of the DOT translation (collapsed name scopes, edge
 * labels as tooltips), run under node:test. The SVG sanitizer runs in the browser tests.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  COLLAPSE_ABOVE_OPS,
  defaultCollapsed,
  graphToDot,
  LABELLED_EDGES_MAX_NODES,
  LARGE_GRAPH_ATTRS,
  MIN_COLLAPSED_OPS,
  scopeId,
  scopeIndex,
  scopePaths,
  scopeTree
} from '../src/dot';
import { IGraphNode, IGraphPayload } from '../src/schema';

function node(id: string, type: string, extra: Partial<IGraphNode> = {}): IGraphNode {
  const slash = id.lastIndexOf('/');
  return {
    id,
    type,
    scope: slash >= 0 ? id.slice(0, slash) : '',
    attrs: {},
    inputs: [],
    control_inputs: [],
    outputs: [{ shape: [4], dtype: 'float32' }],
    source: null,
    value: null,
    ...extra
  };
}

function graph(nodes: IGraphNode[]): IGraphPayload {
  return { version: 1, kind: 'graph', title: 'g', nodes, subgraphs: {} };
}

/** `n` ops in a chain: `x`, then `op1` ... reading the previous op (as a ladder of adds). */
function chain(n: number): IGraphPayload {
  const nodes = [node('x', 'Placeholder')];
  for (let i = 1; i < n; i++) {
    nodes.push(node(`op${i}`, 'AddV2', { inputs: [`${nodes[i - 1].id}:0`, 'x:0'] }));
  }
  return graph(nodes);
}

/** `x`, then `scopes` name scopes of `per` ops each, every scope reading the one before. */
function scoped(scopes: number, per: number): IGraphPayload {
  const nodes = [node('x', 'Placeholder')];
  for (let j = 0; j < scopes; j++) {
    for (let k = 0; k < per; k++) {
      nodes.push(node(`block${j}/op${k}`, 'Mul', { inputs: [`${nodes[nodes.length - 1].id}:0`] }));
    }
  }
  return graph(nodes);
}

const edgeLines = (dot: string): string[] => dot.split('\n').filter(l => l.includes(' -> '));

test('scopes are numbered in pre-order and map to their DOT ids', () => {
  const g = graph([
    node('a/b/c', 'Const'),
    node('a/d', 'Const'),
    node('e/f', 'Const'),
    node('a/b/g/h', 'Const')
  ]);
  assert.deepEqual(scopePaths(g), ['a', 'a/b', 'a/b/g', 'e']);
  const tree = scopeTree(g);
  const a = tree.children.get('a')!;
  assert.equal(a.ops, 3);
  assert.equal(a.children.get('b')!.ops, 2);
  assert.equal(tree.ops, 4);
  assert.equal(scopeId(2), 's2');
  assert.equal(scopeIndex('s2'), 2);
  assert.equal(scopeIndex('cluster_3'), 3);
  assert.equal(scopeIndex('n3'), -1);
  // Expanded scopes keep their number as cluster id.
  const dot = graphToDot(g);
  for (const k of [0, 1, 2, 3]) {
    assert.match(dot, new RegExp(`subgraph cluster_${k} \\{`));
  }
});

test('small graphs start expanded; big ones with every scope of 2+ ops collapsed', () => {
  const small = scoped(1, COLLAPSE_ABOVE_OPS - 1);
  assert.equal(small.nodes.length, COLLAPSE_ABOVE_OPS);
  assert.deepEqual(defaultCollapsed(small), []);
  assert.deepEqual(defaultCollapsed(scoped(1, COLLAPSE_ABOVE_OPS)), ['block0']);
  assert.deepEqual(defaultCollapsed(scoped(4, 50)), ['block0', 'block1', 'block2', 'block3']);
  // Nested scopes are listed too (they stay collapsed when their parent is expanded), but not
  // scopes with fewer than MIN_COLLAPSED_OPS ops.
  const nodes = [...chain(COLLAPSE_ABOVE_OPS).nodes, node('outer/inner/a', 'Const'), node('outer/inner/b', 'Const'), node('lone/c', 'Const')];
  assert.equal(MIN_COLLAPSED_OPS, 2);
  assert.deepEqual(defaultCollapsed(graph(nodes)), ['outer', 'outer/inner']);
});

test('a collapsed scope is one node with its op count; its edges are merged', () => {
  const g = scoped(40, 50);
  const dot = graphToDot(g);
  assert.equal((dot.match(/subgraph cluster_/g) ?? []).length, 0);
  assert.match(
    dot,
    /^ {2}s3 \[label="block3\\n50 ops", tooltip="block3: 50 ops", shape=box3d, style="filled", color="#4f46e5", fillcolor="#e0e7ff"\];$/m
  );
  // Only `x` is drawn as an op; 40 scope nodes; one edge between neighbours, none inside.
  assert.deepEqual(dot.match(/^ {2}n\d+ \[/gm), ['  n0 [']);
  assert.equal((dot.match(/^ {2}s\d+ \[/gm) ?? []).length, 40);
  const edges = edgeLines(dot);
  assert.equal(edges.length, 40);
  assert.equal(edges[0], '  n0 -> s0 [label="(4,) float32"];');
  assert.equal(edges[1], '  s0 -> s1 [label="(4,) float32"];');
});

test('merged edges count their tensors; control and external edges merge apart', () => {
  const nodes = [
    node('x', 'Placeholder'),
    node('s/a', 'Identity', { inputs: ['x:0'] }),
    node('s/b', 'Identity', { inputs: ['x:0', 'outer/cap:0'] }),
    node('s/c', 'Identity', { inputs: ['s/a:0', 'outer/cap:0'], control_inputs: ['x'] }),
    node('t', 'AddN', { inputs: ['s/a:0', 's/b:0', 's/c:0'], control_inputs: ['s/a', 's/b'] })
  ];
  const dot = graphToDot(graph(nodes), { collapsed: ['s'] });
  assert.deepEqual(edgeLines(dot), [
    '  n0 -> s0 [label="(4,) float32"];',
    '  x0 -> s0;',
    '  n0 -> s0 [style=dashed, arrowhead=odot];',
    '  s0 -> n4 [label="3 tensors"];',
    '  s0 -> n4 [style=dashed, arrowhead=odot];'
  ]);
  assert.equal((dot.match(/x0 \[label="outer\/cap:0"/g) ?? []).length, 1);
});

test('nested scopes: a collapsed inner scope sits in its expanded parent', () => {
  const nodes = [
    node('x', 'Placeholder'),
    node('outer/a', 'Neg', { inputs: ['x:0'] }),
    node('outer/inner/b', 'Neg', { inputs: ['outer/a:0'] }),
    node('outer/inner/c', 'Neg', { inputs: ['outer/inner/b:0'] }),
    node('y', 'Neg', { inputs: ['outer/inner/c:0'] })
  ];
  const g = graph(nodes);
  const inner = graphToDot(g, { collapsed: ['outer/inner'] });
  assert.match(inner, /subgraph cluster_0 \{\n {4}label="outer";[^\n]*\n {4}s1 \[label="inner\\n2 ops", tooltip="outer\/inner: 2 ops"/);
  assert.deepEqual(edgeLines(inner), [
    '  n0 -> n1 [label="(4,) float32"];',
    '  n1 -> s1 [label="(4,) float32"];',
    '  s1 -> n4 [label="(4,) float32"];'
  ]);
  // Collapsing the parent hides the inner scope whatever its own state.
  const outer = graphToDot(g, { collapsed: ['outer', 'outer/inner'] });
  assert.ok(!outer.includes('s1'));
  assert.match(outer, /s0 \[label="outer\\n3 ops"/);
  assert.deepEqual(edgeLines(outer), ['  n0 -> s0 [label="(4,) float32"];', '  s0 -> n4 [label="(4,) float32"];']);
});

test('past LABELLED_EDGES_MAX_NODES drawn nodes, edge labels become tooltips', () => {
  const atLimit = graphToDot(chain(LABELLED_EDGES_MAX_NODES));
  assert.ok(edgeLines(atLimit).every(l => / \[label="\(4,\) float32"\];$/.test(l)));
  const over = graphToDot(chain(LABELLED_EDGES_MAX_NODES + 1));
  const edges = edgeLines(over);
  assert.equal(edges.length, 2 * LABELLED_EDGES_MAX_NODES);
  assert.ok(edges.every(l => / \[tooltip="\(4,\) float32"\];$/.test(l)), edges[0]);
  assert.ok(!/label="\(4,\)/.test(over));
  // ... and node placement stops early (see LARGE_GRAPH_ATTRS).
  assert.equal(over.split('\n')[4], `  graph [${LARGE_GRAPH_ATTRS}];`);
  assert.ok(!atLimit.includes('nslimit'));
  // Node labels are unchanged.
  assert.match(over, /n7 \[label="op7\\nAddV2", fillcolor="#[0-9a-f]{6}"\];/);
  // Collapsed scopes count once: 40 scopes of 50 ops draw 41 nodes, labelled.
  assert.match(graphToDot(scoped(40, 50)), /label="\(4,\) float32"/);
  // Expanding all of them draws 2,001 nodes in 40 clusters, unlabelled.
  const expanded = graphToDot(scoped(40, 50), { collapsed: [] });
  assert.equal((expanded.match(/subgraph cluster_/g) ?? []).length, 40);
  assert.ok(!/label="\(4,\)/.test(expanded));
  assert.equal((expanded.match(/tooltip="\(4,\) float32"/g) ?? []).length, 2000);
});

test('multi-output producers keep the output index in tooltips', () => {
  const nodes = chain(LABELLED_EDGES_MAX_NODES + 1).nodes;
  nodes[0] = { ...nodes[0], outputs: [{ shape: [4], dtype: 'float32' }, { shape: null, dtype: 'int32' }] };
  nodes[1] = { ...nodes[1], inputs: ['x:1'] };
  assert.match(graphToDot(graph(nodes)), /n0 -> n1 \[tooltip=":1 <unknown> int32"\];/);
});
