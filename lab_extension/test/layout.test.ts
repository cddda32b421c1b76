/**
 * Unit tests (node:test) for DOT assembly from a layout model and for the payload checks
 * that keep a layout's DOT pieces to drawing attributes. Parity with Python's
 * `assemble_dot` on real graphs is tested from Python (tests/viz/test_lab_extension.py).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assembleDot, boxIndex, nodeIndex, owners } from '../src/layout';
import { ILayout, parseGraphPayload, PayloadError } from '../src/schema';

const HEADER = 'digraph tfedu {\n  graph [rankdir=LR, labeljust=l];\n  node [shape=box];\n';

function layout(): ILayout {
  // x -> scope "s" holding a, b (a -> b), b -> out; an external input into a.
  return {
    header: HEADER,
    large_attrs: '  graph [nslimit=0.2];\n',
    labelled_max: 3,
    top: [0, 3],
    ops: [0, 1, 2, 3].map(i => ({ stmt: `label="op${i}"`, outs: ['(2,) float32'] })),
    boxes: [
      { path: 's', kind: 'scope', parent: -1, ops: 2, nodes: [1, 2], cluster: 'label="s";', node: 'label="s 2 ops", shape=box3d', title: 's: 2 ops' }
    ],
    edges: [
      [0, 1, '0:0', '"(2,) float32"'],
      [0, 2, '0:0', '"(2,) float32"'],
      [-1, 1, 'cap:0', null],
      [1, 2, '1:0', '"(2,) float32"'],
      [2, 3, '2:0', '"(2,) float32"'],
      [0, 3, null, null]
    ],
    externals: ['label="cap:0", style="dashed"'],
    collapsed: [0],
    big: false
  };
}

test('a collapsed box is one node and its edges merge per neighbour', () => {
  const dot = assembleDot(layout());
  assert.ok(dot.startsWith(HEADER));
  assert.match(dot, /\n  s0 \[label="s 2 ops", shape=box3d\];\n/);
  assert.match(dot, /\n  n0 -> s0 \[label="\(2,\) float32"\];\n/); // one tensor, two edges
  assert.match(dot, /\n  x0 -> s0;\n/);
  assert.match(dot, /\n  s0 -> n3 \[label="\(2,\) float32"\];\n/);
  assert.match(dot, /\n  n0 -> n3 \[style=dashed, arrowhead=odot\];\n/);
  assert.ok(!dot.includes('cluster_') && !dot.includes('n1 ->'));
  assert.deepEqual(owners(layout(), new Set([0])), [['n0', 's0', 's0', 'n3'], 3]);
});

test('an open box is a cluster; past labelled_max edges carry tooltips', () => {
  const dot = assembleDot(layout(), new Set());
  assert.match(dot, /\n  subgraph cluster_0 \{\n    label="s";\n    n1 \[label="op1"\];\n    n2 \[label="op2"\];\n  \}\n/);
  assert.match(dot, /\n  graph \[nslimit=0.2\];\n/); // 4 drawn nodes > 3
  assert.match(dot, /\n  n1 -> n2 \[tooltip="\(2,\) float32"\];\n/);
  assert.equal(nodeIndex('n12'), 12);
  assert.equal(nodeIndex('s1'), -1);
  assert.equal(boxIndex('cluster_3'), 3);
  assert.equal(boxIndex('s4'), 4);
});

function payload(l: ILayout): unknown {
  const nodes = [0, 1, 2, 3].map(i => ({ id: `op${i}`, type: 'T', outputs: [] }));
  return { version: 2, kind: 'graph', title: 't', nodes, subgraphs: {}, layout: l };
}

test('a layout may only hold drawing attributes', () => {
  assert.equal(parseGraphPayload(payload(layout())).layout.boxes[0].path, 's');
  const hostile: [string, (l: ILayout) => void][] = [
    ['URL', l => (l.ops[0].stmt = 'label="a", URL="javascript:alert(1)"')],
    ['statement', l => (l.ops[0].stmt = 'label="a"]; n9 [image="x.png"')],
    ['html label', l => (l.ops[1].stmt = 'label=<<b>x</b>>')],
    ['box', l => (l.boxes[0].node = 'label="s"; stylesheet="http://evil/x.css"')],
    ['header', l => (l.header = 'digraph tfedu {\n  graph [href="http://evil"];\n')],
    ['edge label', l => (l.edges[0][3] = '"a"] ; n9 [URL="x"')],
    ['edge end', l => (l.edges[0][1] = 99)],
    ['parent', l => (l.boxes[0].parent = 0)],
    ['external', l => (l.externals[0] = 'label="x", href="http://evil"')]
  ];
  for (const [what, spoil] of hostile) {
    const l = layout();
    spoil(l);
    assert.throws(() => parseGraphPayload(payload(l)), PayloadError, what);
  }
});
