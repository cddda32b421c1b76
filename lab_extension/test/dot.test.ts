/**
 * Unit tests for the payload parser and the JSON -> DOT translation (run under node:test).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cleanText,
  displayScopes,
  dotString,
  fnv1a,
  graphToDot,
  localName,
  nodeIndex,
  nodeLabel,
  parseTensorName,
  shapeText,
  truncate,
  typeColour,
  PALETTE,
  TYPE_COLOURS
} from '../src/dot';
import { IGraphNode, IGraphPayload, parseGraphPayload, PayloadError } from '../src/schema';

function node(id: string, type: string, extra: Partial<IGraphNode> = {}): IGraphNode {
  const slash = id.lastIndexOf('/');
  return {
    id,
    type,
    scope: slash >= 0 ? id.slice(0, slash) : '',
    attrs: {},
    inputs: [],
    control_inputs: [],
    outputs: [{ shape: [2, 3], dtype: 'float32' }],
    source: null,
    value: null,
    ...extra
  };
}

function graph(nodes: IGraphNode[], subgraphs: Record<string, IGraphPayload> = {}): IGraphPayload {
  return { version: 1, kind: 'graph', title: 'g', nodes, subgraphs };
}

/** Decode a DOT quoted string the way Graphviz reads a label (escString + entities). */
function graphvizLabel(quoted: string): string {
  assert.ok(quoted.startsWith('"') && quoted.endsWith('"'), quoted);
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      assert.fail(`unescaped quote in ${quoted}`);
    }
    if (c === '\\') {
      const n = body[++i];
      assert.ok(n !== undefined, `dangling backslash in ${quoted}`);
      out += n === 'n' ? '\n' : n;
    } else {
      out += c;
    }
  }
  assert.ok(!/&(?!amp;)/.test(out), `raw & would be read as an entity: ${quoted}`);
  return out.replace(/&amp;/g, '&');
}

test('dotString round-trips hostile text', () => {
  const samples = [
    'plain',
    'say "hi"',
    'back\\slash \\N \\G \\l \\',
    '<img src=x onerror=alert(1)>',
    '&lt;b&gt; &amp; &#60;',
    'two\nlines',
    'ünïcødé 数据 🙂',
    '"; n0 -> n1; //',
    '}\ndigraph x {'
  ];
  for (const s of samples) {
    assert.equal(graphvizLabel(dotString(s)), s);
  }
});

test('dotString escapes each special character', () => {
  assert.equal(dotString('a"b'), '"a\\"b"');
  assert.equal(dotString('a\\b'), '"a\\\\b"');
  assert.equal(dotString('a&b'), '"a&amp;b"');
  assert.equal(dotString('a\nb'), '"a\\nb"');
  assert.equal(dotString('a\r\nb'), '"a\\nb"');
  assert.equal(dotString('<>'), '"<>"');
});

test('cleanText replaces characters XML cannot hold', () => {
  assert.equal(cleanText('a\u0000b\u001fc\u007f'), 'a\ufffdb\ufffdc\ufffd');
  assert.equal(cleanText('x\ud800y'), 'x\ufffdy');
  assert.equal(cleanText('x\udc00y'), 'x\ufffdy');
  assert.equal(cleanText('tab\tok\n🙂'), 'tab\tok\n🙂');
});

test('truncate counts code points and marks the cut', () => {
  assert.equal(truncate('abc', 5), 'abc');
  assert.equal(truncate('abcdef', 5), 'abcd\u2026');
  assert.equal(truncate('🙂🙂🙂', 2), '🙂\u2026');
});

test('shapes print as TensorFlow does', () => {
  assert.equal(shapeText([2, 3]), '(2, 3)');
  assert.equal(shapeText([null, 3]), '(None, 3)');
  assert.equal(shapeText([5]), '(5,)');
  assert.equal(shapeText([]), '()');
  assert.equal(shapeText(null), '<unknown>');
});

test('tensor names split into op and output index', () => {
  assert.deepEqual(parseTensorName('a:0'), ['a', 0]);
  assert.deepEqual(parseTensorName('s/op:12'), ['s/op', 12]);
  assert.deepEqual(parseTensorName('a:b:1'), ['a:b', 1]);
  assert.deepEqual(parseTensorName('bare'), ['bare', 0]);
});

test('labels show the name below the scope and the op type', () => {
  const n = node('layer/dense/MatMul', 'MatMul');
  assert.equal(localName(n), 'MatMul');
  assert.equal(nodeLabel(n), 'MatMul\nMatMul');
  assert.equal(localName(node('x', 'Placeholder')), 'x');
  // A scope that is not a prefix of the name leaves the name whole.
  assert.equal(localName({ ...node('odd', 'Const'), scope: 'elsewhere' }), 'odd');
});

test('colours: fixed for known families, stable hash otherwise', () => {
  assert.equal(typeColour('MatMul'), TYPE_COLOURS.MatMul);
  assert.equal(typeColour('Placeholder'), TYPE_COLOURS.Placeholder);
  assert.equal(typeColour('AddV2'), typeColour('AddV2'));
  assert.ok(PALETTE.includes(typeColour('SomethingNew')));
  // Shared with Python's tfedu.viz.dot.fnv1a; values from the FNV-1a reference.
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
});

test('node ids map back to payload indices', () => {
  assert.equal(nodeIndex('n0'), 0);
  assert.equal(nodeIndex(' n17 '), 17);
  assert.equal(nodeIndex('x0'), -1);
  assert.equal(nodeIndex('cluster_0'), -1);
  assert.equal(nodeIndex('n0->n1'), -1);
});

test('graphToDot: layout, nodes, labelled edges', () => {
  const g = graph([
    node('a', 'Const'),
    node('b', 'Const', { outputs: [{ shape: [3, 4], dtype: 'float32' }] }),
    node('MatMul', 'MatMul', { inputs: ['a:0', 'b:0'] })
  ]);
  const dot = graphToDot(g);
  assert.match(dot, /^digraph tfedu \{/);
  assert.match(dot, /rankdir=LR/);
  assert.match(dot, /n0 \[label="a\\nConst", fillcolor="#e5e7eb"\];/);
  assert.match(dot, /n2 \[label="MatMul\\nMatMul", fillcolor="#bfdbfe"\];/);
  assert.match(dot, /n0 -> n2 \[label="\(2, 3\) float32"\];/);
  assert.match(dot, /n1 -> n2 \[label="\(3, 4\) float32"\];/);
  assert.equal((dot.match(/->/g) ?? []).length, 2);
  assert.match(graphToDot(g, { rankdir: 'TB' }), /rankdir=TB/);
});

test('graphToDot: multi-output producers name the output index', () => {
  const g = graph([
    node('split', 'Split', {
      outputs: [
        { shape: [1], dtype: 'int32' },
        { shape: [null], dtype: 'int32' }
      ]
    }),
    node('use', 'Identity', { inputs: ['split:1'] })
  ]);
  assert.match(graphToDot(g), /n0 -> n1 \[label=":1 \(None,\) int32"\];/);
});

test('graphToDot: name scopes become nested clusters', () => {
  const g = graph([
    node('x', 'Placeholder'),
    node('layer/w', 'Const'),
    node('layer/inner/Add', 'AddV2', { inputs: ['x:0', 'layer/w:0'] }),
    node('layer/inner/Mul', 'Mul', { inputs: ['layer/inner/Add:0', 'x:0'] }),
    node('other/y', 'Const')
  ]);
  const dot = graphToDot(g);
  const lines = dot.split('\n');
  const at = (re: RegExp): number => lines.findIndex(l => re.test(l));
  const layer = at(/subgraph cluster_\d+ \{/);
  assert.match(lines[layer + 1], /label="layer"/);
  const inner = at(/label="inner"/);
  const other = at(/label="other"/);
  assert.ok(inner > layer && other > inner);
  // Nesting depth follows indentation: inner is inside layer.
  assert.ok(lines[inner].startsWith('      '));
  assert.ok(lines[at(/n2 \[label="Add\\nAddV2"/)].startsWith('      '));
  assert.ok(lines[at(/n1 \[label="w\\nConst"/)].startsWith('    n1'));
  assert.ok(lines[at(/n0 \[label="x\\nPlaceholder"/)].startsWith('  n0'));
  assert.equal((dot.match(/subgraph cluster_/g) ?? []).length, 3);
  // Balanced braces.
  assert.equal((dot.match(/\{/g) ?? []).length, (dot.match(/\}/g) ?? []).length);
});

test('graphToDot: helpers in a scope named after an op sit beside it', () => {
  const nodes = [
    node('layer/inner/Add/y', 'Const'),
    node('layer/inner/Add', 'AddV2', { inputs: ['layer/inner/Add/y:0'] }),
    node('Sum/reduction_indices', 'Const'),
    node('Sum', 'Sum', { inputs: ['layer/inner/Add:0', 'Sum/reduction_indices:0'] })
  ];
  assert.deepEqual(displayScopes(nodes), ['layer/inner', 'layer/inner', '', '']);
  const dot = graphToDot(graph(nodes));
  assert.equal((dot.match(/subgraph cluster_/g) ?? []).length, 2);
  assert.ok(!dot.includes('label="Sum";'));
  assert.match(dot, /n0 \[label="Add\/y\\nConst"/);
  assert.match(dot, /n2 \[label="Sum\/reduction_indices\\nConst"/);
});

test('graphToDot: control inputs are dashed, captures become external nodes', () => {
  const g = graph([
    node('init', 'NoOp', { outputs: [] }),
    node('y', 'Identity', { inputs: ['outer/x:0'], control_inputs: ['init'] }),
    node('z', 'Identity', { inputs: ['outer/x:0'], control_inputs: ['^gone'] })
  ]);
  const dot = graphToDot(g);
  assert.match(dot, /n0 -> n1 \[style=dashed, arrowhead=odot\];/);
  assert.match(dot, /x0 \[label="outer\/x:0", shape=box, style="dashed"/);
  assert.match(dot, /x0 -> n1;/);
  assert.match(dot, /x0 -> n2;/);
  assert.match(dot, /x1 \[label="\^gone"/);
  assert.match(dot, /x1 -> n2 \[style=dashed/);
  assert.equal((dot.match(/x0 \[/g) ?? []).length, 1);
});

test('graphToDot: hostile names stay inside their strings', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const g = graph([
    node(evil, 'Const'),
    node('q"; n9 [label="pwn', 'Op"\\N&amp;', { inputs: [`${evil}:0`] }),
    node('s\\"/t', 'X', { scope: 's\\"' })
  ]);
  const dot = graphToDot(g);
  // Every statement line holds only synthetic ids outside quotes.
  for (const line of dot.split('\n')) {
    const outside = line.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/ -> /g, ' ');
    assert.ok(!/[<>&]|n9|pwn/.test(outside), `leaked: ${line}`);
  }
  const labels = [...dot.matchAll(/label=("(?:[^"\\]|\\.)*")/g)].map(m => graphvizLabel(m[1]));
  assert.ok(labels.includes(`${evil}\nConst`));
  assert.ok(labels.includes('q"; n9 [label="pwn\nOp"\\N&amp;'));
  assert.ok(labels.includes('s\\"'));
});

test('graphToDot: long names are shortened in labels', () => {
  const long = 'x'.repeat(200);
  const dot = graphToDot(graph([node(long, 'Const')]));
  assert.ok(dot.includes('x'.repeat(47) + '\u2026\\nConst'));
  assert.ok(!dot.includes('x'.repeat(48)));
});

test('parseGraphPayload accepts schema v1 and fills optional fields', () => {
  const g = parseGraphPayload({
    version: 1,
    kind: 'graph',
    title: 't',
    nodes: [{ id: 'a', type: 'Const', outputs: [{ shape: null, dtype: 'int32' }] }],
    subgraphs: { f: { version: 1, kind: 'graph', title: 'f', nodes: [], subgraphs: {} } }
  });
  assert.equal(g.nodes[0].scope, '');
  assert.deepEqual(g.nodes[0].inputs, []);
  assert.equal(g.nodes[0].source, null);
  assert.equal(g.nodes[0].value, null);
  assert.equal(g.subgraphs.f.title, 'f');
});

test('parseGraphPayload rejects malformed data with a located message', () => {
  const ok = { version: 1, kind: 'graph', title: '', nodes: [], subgraphs: {} };
  const bad: [unknown, RegExp][] = [
    [null, /graph: expected an object/],
    [{ ...ok, version: 2 }, /unsupported version 2/],
    [{ ...ok, kind: 'tree' }, /graph\.kind/],
    [{ ...ok, nodes: {} }, /graph\.nodes: expected a list/],
    [{ ...ok, nodes: [{ id: 1, type: 'X', outputs: [] }] }, /nodes\[0\]\.id/],
    [{ ...ok, nodes: [{ id: 'a', type: 'X', outputs: [{ shape: [1.5], dtype: 'f' }] }] }, /shape\[0\]/],
    [{ ...ok, nodes: [{ id: 'a', type: 'X', outputs: [], attrs: { k: 3 } }] }, /attrs\.k/],
    [
      { ...ok, nodes: [{ id: 'a', type: 'X', outputs: [] }, { id: 'a', type: 'Y', outputs: [] }] },
      /duplicate node id "a"/
    ],
    [{ ...ok, subgraphs: { f: { ...ok, version: 0 } } }, /subgraphs\["f"\]\.version/]
  ];
  for (const [data, re] of bad) {
    assert.throws(() => parseGraphPayload(data), (e: unknown) => e instanceof PayloadError && re.test(e.message));
  }
});
